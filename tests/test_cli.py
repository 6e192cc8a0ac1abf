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


def test_sample_known_truth_writes_the_truth_outside(tmp_path, capsys):
    import pandas as pd

    out, truth = tmp_path / "null", tmp_path / "facit" / "truth.csv"
    assert main(["sample", "--out", str(out), "--institutions", "4", "--seed", "3",
                 "--effects", "none", "--plant-institutions", "1", "--plant-size", "0.8",
                 "--plant-change", "sprog", "--plant-change-institutions", "2",
                 "--plant-gap", "0.3", "--plant-gap-narrowing", "0.5",
                 "--truth", str(truth)]) == 0
    assert "truth.csv" in capsys.readouterr().out
    t = pd.read_csv(truth)
    assert list(t.columns) == ["kind", "institution_id", "measure_id", "from_round",
                               "to_round", "size", "direction"]
    assert t.kind.value_counts().to_dict() == {"institution": 12, "gap": 12,
                                               "gap_change": 12, "change": 2}
    assert set(t.loc[t.kind == "change", "measure_id"]) == {"sprog"}
    assert (t.loc[t.kind == "institution", "size"] == .8).all()
    assert not (out / "truth.csv").exists()
    meta = (out / "dataset.toml").read_text(encoding="utf-8")
    assert 'effects = "none"' in meta and "[plant]" in meta and "synthetic = true" in meta
    assert main(["validate", str(out)]) == 0
    # without a plant: an empty truth with the columns
    assert main(["sample", "--out", str(out), "--institutions", "2", "--effects", "none",
                 "--truth", str(truth)]) == 0
    assert pd.read_csv(truth).empty


@pytest.mark.parametrize(("args", "message"), [
    (["--truth", "{out}/truth.csv"], "inside --out"),
    (["--truth", "{tmp}/truth.txt"], ".csv"),
    (["--plant-institutions", "9"], "only 4 institutions"),
    (["--plant-institutions", "-1"], "non-negative"),
    (["--plant-change", "tillid"], "not a child measure"),
    (["--plant-size", "0.3"], "--plant-size needs --plant-institutions"),
    (["--plant-gap", "0.2", "--plant-gap-narrowing", "1.5"], "between 0 and 1"),
])
def test_sample_known_truth_bad_values_exit_2(tmp_path, capsys, args, message):
    out = tmp_path / "data"
    args = [a.format(out=out, tmp=tmp_path) for a in args]
    assert main(["sample", "--out", str(out), "--institutions", "4", "--effects", "none",
                 *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob("*.csv"))


def test_sample_truth_inside_out_no_traceback(tmp_path):
    out = tmp_path / "data"
    proc = run("sample", "--out", str(out), "--institutions", "2", "--truth",
               str(out / "sub" / "truth.csv"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "inside --out" in proc.stderr
    assert not out.exists()


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
