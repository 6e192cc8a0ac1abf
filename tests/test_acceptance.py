"""Acceptance checks of the foundation, as a new user meets them: every broken variant of the
committed sample exits 2 from the CLI with a message naming the file (and line), and the
sample re-saved as a Danish Excel export loads equal to the original."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import llkit
from llkit.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "dagtilbud"


def _edit_csv(path: Path, func: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(func(lines)) + "\n", encoding="utf-8")


def _set_field(table: str, row: int, column: str, value: str):
    """Change one field of data row ``row`` (1 = first data row, file line row + 1)."""

    def edit(folder: Path) -> None:
        def f(lines: list[str]) -> list[str]:
            header = lines[0].split(",")
            fields = lines[row].split(",")
            fields[header.index(column)] = value
            lines[row] = ",".join(fields)
            return lines

        _edit_csv(folder / f"{table}.csv", f)

    return edit


def _duplicate_row(table: str, row: int):
    def edit(folder: Path) -> None:
        _edit_csv(folder / f"{table}.csv", lambda lines: lines + [lines[row]])

    return edit


def _drop_column(table: str, column: str):
    def edit(folder: Path) -> None:
        df = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        df.drop(columns=column).to_csv(folder / f"{table}.csv", index=False)

    return edit


def _write(name: str, content: bytes):
    def edit(folder: Path) -> None:
        (folder / name).write_bytes(content)

    return edit


def _remove(name: str):
    def edit(folder: Path) -> None:
        (folder / name).unlink()

    return edit


def _ragged(folder: Path) -> None:
    _edit_csv(folder / "units.csv", lambda lines: lines[:3] + [lines[3] + ",ekstra,felt"] + lines[4:])


def _bad_toml(folder: Path) -> None:
    (folder / "dataset.toml").write_text('name = "Kommune\nsector = dagtilbud\n', encoding="utf-8")


# (variant, edit, file named in the message, line named (or None), words expected)
VARIANTS = [
    ("missing file", _remove("units.csv"), "units", None, "missing"),
    ("missing column", _drop_column("items", "measure_id"), "items.csv", None, "measure_id"),
    ("duplicate id", _duplicate_row("children", 5), "children.csv", None, "duplicate"),
    ("unknown reference", _set_field("responses", 7, "item_id", "findes_ikke"), "responses.csv", 8, "findes_ikke"),
    ("bad round", _set_field("responses", 9, "round", "T7"), "responses.csv", 10, "T7"),
    ("text value", _set_field("responses", 11, "value", "godt"), "responses.csv", 12, "godt"),
    ("out of scale", _set_field("responses", 13, "value", "9"), "responses.csv", 14, "9"),
    ("cpr number", _set_field("children", 3, "child_id", "010203-1234"), "children.csv", 4, "CPR"),
    ("ragged row", _ragged, "units.csv", 4, None),
    ("empty file", _write("items.csv", b""), "items.csv", None, "empty"),
    ("binary file", _write("measures.csv", bytes(range(256)) * 8), "measures.csv", None, None),
    ("bad dataset.toml", _bad_toml, "dataset.toml", None, None),
]


@pytest.mark.parametrize("name,edit,file,line,word", VARIANTS, ids=[v[0] for v in VARIANTS])
def test_every_broken_variant_exits_2_naming_file_and_line(tmp_path, capsys, name, edit, file, line, word):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    edit(data)
    before = sorted(p.name for p in data.iterdir())
    assert main(["validate", str(data)]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Traceback" not in text
    assert file in text, text
    if word:
        assert word.lower() in text.lower(), text
    problems = llkit.validate(data)
    errors = problems[problems["severity"] == "error"]
    assert len(errors) >= 1
    assert errors["file"].astype(str).str.contains(file.split(".")[0]).any()
    if line is not None:
        assert line in set(errors["line"].dropna().astype(int)), errors.to_string()
    assert sorted(p.name for p in data.iterdir()) == before  # nothing written
    assert main(["info", str(data)]) == 2


def test_cpr_number_is_masked_in_the_message(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    _set_field("children", 3, "child_id", "010203-1234")(data)
    main(["validate", str(data)])
    assert "010203-1234" not in capsys.readouterr().out


def test_danish_excel_export_loads_equal_to_the_original(tmp_path):
    """Semicolon, Windows-1252, decimal comma and CRLF — as Danish Excel saves CSV."""
    original = llkit.load(SAMPLE)
    dst = tmp_path / "excel"
    dst.mkdir()
    shutil.copy(SAMPLE / "dataset.toml", dst / "dataset.toml")
    for path in SAMPLE.glob("*.csv"):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in df.columns:
            # decimal point -> decimal comma in numeric-looking fields
            numeric = df[col].str.fullmatch(r"-?\d+\.\d+")
            df.loc[numeric, col] = df.loc[numeric, col].str.replace(".", ",", regex=False)
        text = df.to_csv(sep=";", index=False, lineterminator="\r\n")
        (dst / path.name).write_bytes(text.encode("cp1252"))
    assert b"\r\n" in (dst / "units.csv").read_bytes()
    excel = llkit.load(dst)
    for table in ["units", "children", "measures", "items", "responses", "goals", "reference"]:
        pd.testing.assert_frame_equal(getattr(excel, table), getattr(original, table), obj=table)
    assert excel.meta == original.meta
