"""llkit works when installed from its wheel, outside the source tree (issue 15).

The whole path a municipality's IT takes: build wheel and sdist, install the wheel into a
fresh virtualenv in a temporary folder, and run sample, validate, batch (2 units),
notebooks copy and serve there (scripts/check_install.py; `make dist` runs the same)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_install  # noqa: E402


def test_installed_wheel_works_outside_the_repository():
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_install.py")], cwd=ROOT,
                       capture_output=True, text=True, timeout=1800)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "installed llkit works outside the repository" in p.stdout
    assert "batch: I01.html, I02.html" in p.stdout
    assert "notebooks copy: 17 notebooks" in p.stdout
    assert "with the token; without it: login" in p.stdout
    installed_at = p.stdout.split("llkit at ", 1)[1].split("\n", 1)[0]
    assert not installed_at.startswith(str(ROOT)), installed_at


def _fake_wheel(tmp_path: Path, names: list[str]) -> Path:
    path = tmp_path / "llkit-0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for n in names:
            z.writestr(n, "x")
    return path


GOOD = ([f"llkit/_bundled/notebooks/n{i}.ipynb" for i in range(check_install.EXPECTED_NOTEBOOKS)]
        + ["llkit/__init__.py", "llkit/py.typed", "llkit/apps/serve_preload.txt",
           "llkit/documents/plans/messages.toml", "llkit/data/template/texts.toml",
           "llkit/data/sample/__init__.py", "llkit-0.0.dist-info/METADATA"])


def test_file_list_check_accepts_a_good_wheel(tmp_path):
    problems, figures = check_install.wheel_problems(_fake_wheel(tmp_path, GOOD))
    assert problems == []
    assert figures["notebooks"] == check_install.EXPECTED_NOTEBOOKS


@pytest.mark.parametrize("extra, expected", [
    ("tests/test_x.py", "unexpected file in the wheel: tests/test_x.py"),
    ("data/sample/dagtilbud/responses.csv", "unexpected file"),
    ("llkit/__pycache__/x.cpython-311.pyc", "unexpected file"),
    (".venv/bin/python", "unexpected file"),
])
def test_file_list_check_finds_what_must_not_ship(tmp_path, extra, expected):
    problems, _ = check_install.wheel_problems(_fake_wheel(tmp_path, GOOD + [extra]))
    assert any(expected in p for p in problems), problems


def test_file_list_check_finds_missing_notebooks(tmp_path):
    problems, _ = check_install.wheel_problems(_fake_wheel(tmp_path, GOOD[1:]))
    assert any("notebooks in the wheel" in p for p in problems)
