"""The command line: exit codes, messages, no tracebacks, nothing written on bad input."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "llkit.cli", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_help_lists_every_command():
    proc = run("--help")
    assert proc.returncode == 0
    for cmd in ["validate", "info", "sample", "template", "pseudonymize", "batch", "plan"]:
        assert cmd in proc.stdout


@pytest.mark.parametrize("sector", ["dagtilbud", "skole"])
def test_validate_committed_samples_exit_0(sector, capsys):
    assert main(["validate", str(SAMPLE / sector)]) == 0
    assert "valid" in capsys.readouterr().out


def test_info_summarises_the_sample(capsys):
    assert main(["info", str(SAMPLE / "dagtilbud")]) == 0
    out = capsys.readouterr().out
    assert "Eksempel" in out or "Kommune" in out
    assert "T1" in out and "T3" in out


def _broken_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "broken"
    shutil.copytree(SAMPLE / "dagtilbud", dst)
    return dst


def test_invalid_data_exits_2_with_a_table_and_no_traceback(tmp_path):
    data = _broken_copy(tmp_path)
    path = data / "responses.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("value")] = "mange"
    lines[1] = ",".join(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = sorted(p.name for p in data.iterdir())
    proc = run("validate", str(data))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "responses.csv" in proc.stdout
    assert "mange" in proc.stdout
    assert "2" in proc.stdout  # the line number of the broken row
    assert sorted(p.name for p in data.iterdir()) == before


def test_missing_folder_exits_2_without_traceback(tmp_path):
    proc = run("validate", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "nowhere" in proc.stdout + proc.stderr


def test_info_on_invalid_data_exits_2(tmp_path):
    data = _broken_copy(tmp_path)
    (data / "units.csv").unlink()
    proc = run("info", str(data))
    assert proc.returncode == 2
    assert "units" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_sample_writes_a_valid_dataset(tmp_path, capsys):
    out = tmp_path / "kommune"
    assert main(["sample", "--sector", "skole", "--out", str(out), "--institutions", "3",
                 "--seed", "7"]) == 0
    assert main(["validate", str(out)]) == 0


def test_template_is_written(tmp_path):
    out = tmp_path / "skabelon.xlsx"
    assert main(["template", str(out)]) == 0
    assert out.exists() and out.stat().st_size > 0
    act = tmp_path / "aktiviteter.xlsx"
    assert main(["template", "--kind", "activities", str(act)]) == 0
    assert act.exists()


def test_pseudonymize_round_trip(tmp_path, capsys):
    out = tmp_path / "pseud"
    key = tmp_path / "key.txt"
    assert main(["pseudonymize", str(SAMPLE / "skole"), str(out), "--key-file", str(key)]) == 0
    assert key.exists()
    assert main(["validate", str(out)]) == 0
