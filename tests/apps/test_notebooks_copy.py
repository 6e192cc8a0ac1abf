"""Shipped notebooks are found (llkit.bundled) and copied (llkit notebooks copy)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llkit import bundled
from llkit.apps.notebooks import copy_notebooks
from llkit.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_checkout_notebooks_are_the_shipped_ones():
    assert bundled.notebooks_dir() == ROOT / "notebooks"
    assert [p.name for p in bundled.reports()] == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert len(bundled.elearning()) == 8
    assert [p.name for p in bundled.exercises("solutions")] == sorted(
        p.name for p in (ROOT / "exercises" / "solutions").glob("*.ipynb"))


def test_installed_copy_wins(tmp_path, monkeypatch):
    (tmp_path / "_bundled" / "notebooks").mkdir(parents=True)
    (tmp_path / "_bundled" / "notebooks" / "institution_report.ipynb").write_text("{}")
    monkeypatch.setattr(bundled.resources, "files", lambda pkg: tmp_path)
    assert bundled.notebook("institution_report.ipynb") == \
        tmp_path / "_bundled" / "notebooks" / "institution_report.ipynb"


def test_unknown_names_are_clear():
    with pytest.raises(FileNotFoundError, match="ships no notebook 'nope.ipynb'.*institution_report"):
        bundled.notebook("nope.ipynb")
    with pytest.raises(ValueError, match="learner, solutions"):
        bundled.exercises("answers")


def test_copy_all_kinds_and_the_copies_are_equal(tmp_path):
    out = copy_notebooks(tmp_path / "mine", elearning=True, exercises="solutions")
    rel = sorted(p.relative_to(tmp_path / "mine").as_posix() for p in out)
    assert len(rel) == 5 + 8 + 4
    assert "elearning/01_datainformeret_laeringsledelse.ipynb" in rel
    assert "exercises/solutions/04_klyngemoede.ipynb" in rel
    for p in out:
        r = p.relative_to(tmp_path / "mine").as_posix()
        src = ROOT / ("notebooks/" + r if not r.startswith("exercises/") else r)
        assert p.read_bytes() == src.read_bytes()
        json.loads(p.read_text(encoding="utf-8"))


def test_never_overwrites_without_force_and_writes_nothing(tmp_path):
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "dashboard.ipynb").write_text("mine")
    with pytest.raises(FileExistsError, match="dashboard.ipynb already exists; nothing was copied"):
        copy_notebooks(dest, elearning=True)
    assert sorted(p.name for p in dest.rglob("*")) == ["dashboard.ipynb"]
    assert (dest / "dashboard.ipynb").read_text() == "mine"
    copy_notebooks(dest, force=True)
    assert (dest / "dashboard.ipynb").read_bytes() == (ROOT / "notebooks" / "dashboard.ipynb").read_bytes()


def test_cli_exit_codes(tmp_path, capsys):
    assert main(["notebooks", "copy", str(tmp_path / "a")]) == 0
    assert "5 notebooks copied" in capsys.readouterr().out
    assert main(["notebooks", "copy", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert "already exist; nothing was copied" in err and "--force" in err and "Traceback" not in err
    (tmp_path / "file").write_text("x")
    assert main(["notebooks", "copy", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["notebooks", "list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 5 + 8 + 4 + 4
