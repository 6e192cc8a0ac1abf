"""``llkit export`` and the workbook writer (llkit.apps.export): read back with openpyxl
and pandas it equals the tables; Danish number formats; formula-like names stay text;
bad input exits 2 and writes nothing; LibreOffice opens it headless."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from llkit.apps.export import add_download_link, export, is_formula_like
from llkit.apps.export.writer import NUMBER_FORMATS
from llkit.cli import main
from llkit.documents.common import prepare
from llkit.documents.workbook import COLUMNS, SHEETS, workbook_tables

#: Names that a spreadsheet would read as formulas if written naively.
EVIL = {"I01": "=1+1", "I02": "@SUM(1,2)", "I03": "-2+3", "I04": "+4", "I05": "=HYPERLINK(\"x\")"}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    from llkit.data.sample import generate

    folder = tmp_path_factory.mktemp("export") / "data"
    generate("dagtilbud", folder, institutions=6, seed=4)
    units = pd.read_csv(folder / "units.csv", dtype=str)
    units["institution_name"] = units["institution_id"].map(EVIL).fillna(units["institution_name"])
    units.loc[0, "department_name"] = "=cmd|' /C calc'!A0"
    units.to_csv(folder / "units.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def workbook(data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("xlsx") / "tal.xlsx"
    assert main(["export", str(data), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def tables(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return workbook_tables(prepare(data))


def test_every_sheet_reads_back_equal_to_the_tables(workbook, tables):
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == [*tables, "vejledning", "om_data"]
    assert list(tables) == [s for s in SHEETS if s != "handleplaner"]   # no plans in these data
    for name, t in tables.items():
        back = pd.read_excel(workbook, sheet_name=name, dtype=object)
        assert list(back.columns) == [COLUMNS[c][0] for c in t.columns], name
        assert len(back) == len(t), name
        for key in t.columns:
            header, fmt, _ = COLUMNS[key]
            want, got = t[key], back[header]
            assert (want.isna().to_numpy() == got.isna().to_numpy()).all(), (name, key)
            shown = want.notna().to_numpy()
            if fmt == "text":
                assert (want[shown].astype(str).str.replace("\t", "\t").to_numpy()
                        == got[shown].astype(str).to_numpy()).all(), (name, key)
            else:
                np.testing.assert_allclose(got[shown].astype(float), want[shown].astype(float),
                                           err_msg=f"{name}.{key}")


def test_suppressed_cells_are_empty_with_the_reason_beside(workbook, tables):
    import openpyxl

    ws = openpyxl.load_workbook(workbook)["resultater"]
    header = [c.value for c in ws[1]]
    mean, reason, n = header.index("Gennemsnit"), header.index("Skjult fordi"), header.index("Antal")
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    hidden = [r for r in rows if r[reason] is not None]
    assert hidden and all(r[mean] is None for r in hidden)
    assert all(r[n] is not None for r in hidden)   # the count is shown, the value never
    assert all(isinstance(r[mean], int | float) for r in rows if r[reason] is None)


def test_danish_number_formats_frozen_header_and_filter(workbook):
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    ws = wb["resultater"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[header.index("Skjult fordi")].value is None)
    assert row[header.index("Gennemsnit")].number_format == NUMBER_FORMATS["num"]
    assert row[header.index("Andel lav")].number_format == NUMBER_FORMATS["pct"]
    assert row[header.index("Antal")].number_format == NUMBER_FORMATS["int"]
    assert NUMBER_FORMATS["pct"].endswith("0\\ %")   # "12 %", with the space
    for name in [n for n in SHEETS if n in wb.sheetnames]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        assert ws.column_dimensions["A"].width >= 8, name
    guide = pd.read_excel(workbook, sheet_name="vejledning")
    for name, t in workbook_tables_columns(wb).items():
        explained = set(guide.loc[guide["Ark"] == name, "Kolonne"].dropna())
        assert set(t) <= explained, name
    about = dict(pd.read_excel(workbook, sheet_name="om_data").to_numpy())
    assert about["Datasæt"] == "Eksempel Kommune" and about["Mindste gruppe (min_n)"] == 5
    assert about["Målinger"] == "T1, T2, T3" and "llkit-version" in about and "Dato" in about


def workbook_tables_columns(wb) -> dict[str, list[str]]:
    return {name: [c.value for c in wb[name][1]] for name in SHEETS if name in wb.sheetnames}


def test_formula_like_names_are_written_as_literal_text(workbook):
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    ws = wb["resultater"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    evil = {c.value: c for c in cells if c.value in {*EVIL.values(), "=cmd|' /C calc'!A0"}}
    assert set(EVIL.values()) <= set(evil)
    for value, c in evil.items():
        assert c.data_type == "s", value
        assert c.quotePrefix, value
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    names = set(pd.read_excel(workbook, sheet_name="resultater")["Enhed"].astype(str))
    assert set(EVIL.values()) <= names


def test_leading_whitespace_does_not_hide_a_formula(tmp_path):
    import openpyxl

    from llkit.apps.export import write_workbook

    t = {"reliabilitet": pd.DataFrame({"maal_id": [" \t=1+1", "\r+2", "ok"], "maal": ["a", "b", "c"]})}
    path = write_workbook(tmp_path / "w.xlsx", t, {"Datasæt": "=x"})
    wb = openpyxl.load_workbook(path)
    cells = [wb["reliabilitet"].cell(row=i, column=1) for i in (2, 3, 4)]
    assert [c.value for c in cells] == [" \t=1+1", "\n+2", "ok"]   # XML reads CR as LF
    assert [bool(c.quotePrefix) for c in cells] == [True, True, False]
    assert all(c.data_type == "s" for c in cells)
    assert wb["om_data"].cell(row=2, column=2).value == "=x"
    assert wb["om_data"].cell(row=2, column=2).data_type == "s"


@pytest.mark.parametrize("text, formula", [("=A1", True), ("+4", True), ("-2", True), ("@x", True),
                                           ("  =1", True), ("\t1", True), ("\r1", True),
                                           ("\n=1", True), ("Stue 2", False), ("3-4 år", False)])
def test_is_formula_like(text, formula):
    assert is_formula_like(text) is formula


def test_bad_input_exits_2_and_writes_nothing(data, tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert main(["export", str(data), "--out", str(out), "--rounds", "T9"]) == 2
    assert main(["export", str(data), "--out", str(out), "--level", "institution", "--unit", "nope"]) == 2
    assert main(["export", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert main(["export", str(data), "--out", str(tmp_path / "x.csv")]) == 2
    assert main(["export", str(data), "--out", str(out), "--min-n", "2"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "unknown round" in err and "T9" in err
    assert list(tmp_path.iterdir()) == []


def test_a_unit_workbook_and_the_report_link(data, tmp_path):
    out = export(data, tmp_path / "I02.xlsx", unit="I02", rounds="T2, T3", min_n=8)
    about = dict(pd.read_excel(out, sheet_name="om_data").to_numpy())
    assert about["Enhed"] == "I02" and about["Målinger"] == "T2, T3" and about["Mindste gruppe (min_n)"] == 8
    back = pd.read_excel(out, sheet_name="resultater", dtype=str)
    assert set(back["Måling"]) == {"T2", "T3"}
    page = '<html><body><header class="llkit-title"><h1>R</h1></header><p>x</p></body></html>'
    linked = add_download_link(page, "I 02.xlsx")
    assert linked.index("Hent tallene (Excel)") > linked.index("</header>")
    assert 'href="I 02.xlsx" download' in linked
    assert "Hent tallene (Excel)" in add_download_link("<html><body><p>x</p></body></html>", "a.xlsx")


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
def test_libreoffice_opens_the_workbook_and_evaluates_no_name(workbook, tmp_path):
    soffice = _soffice()
    if soffice is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is missing on CI: .ci/run installs libreoffice-calc")
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc)")
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    for target in ("pdf", "csv"):
        done = subprocess.run([soffice, "--headless", "--norestore", profile, "--convert-to", target,
                               "--outdir", str(tmp_path), str(workbook)],
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"tal.{target}").stat().st_size > 1000, done.stdout + done.stderr
    # the csv is the first sheet as LibreOffice computed it: the names are literal text
    text = (tmp_path / "tal.csv").read_text(encoding="utf-8", errors="replace")
    for name in ("=1+1", "@SUM(1,2)", "+4", "-2+3"):
        assert name in text, name
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(["pdftotext", str(tmp_path / "tal.pdf"), "-"], capture_output=True,
                                  text=True, timeout=60).stdout
        assert "Gennemsnit" in pdf_text and "=1+1" in pdf_text
        # Danish number format as LibreOffice shows it: a decimal comma and "12 %"
        assert any(tok.count(",") == 1 and tok.replace(",", "").isdigit() for tok in pdf_text.split())
        assert " %" in pdf_text


def _tiny_notebook(path: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('data = "x"  # str: the dataset\ninstitution = "I01"  # str: the unit\n'
                                       'rounds = None  # list of str or None: rounds\n')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Rapport"), params, nbformat.v4.new_code_cell("print(institution)")]
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_batch_writes_each_reports_workbook_beside_its_html(data, tmp_path):
    import json

    nb = _tiny_notebook(tmp_path / "r.ipynb")
    out = tmp_path / "out"
    assert main(["batch", str(data), "--out", str(out), "--notebook", str(nb), "--only", "I02", "I03",
                 "--workers", "1", "-p", "rounds", "T2,T3", "-q"]) == 0
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["workbook"] == "tal.xlsx" and (out / "tal.xlsx").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="tal.xlsx" download>Hent alle tallene (Excel)' in index
    for uid in ("I02", "I03"):
        outputs = m["units"][uid]["outputs"]
        assert outputs["xlsx"] == f"html/{uid}.xlsx"
        assert (out / outputs["xlsx"]).parent == (out / outputs["html"]).parent   # beside the HTML
        page = (out / outputs["html"]).read_text(encoding="utf-8")
        assert f'<a href="{uid}.xlsx" download>Hent tallene (Excel)</a>' in page
        assert f'href="html/{uid}.xlsx" download>Excel</a>' in index
        # scoped like the report, with the batch's rounds
        got = pd.read_excel(out / outputs["xlsx"], sheet_name="resultater", dtype=str)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = workbook_tables(prepare(data, rounds=["T2", "T3"]), unit=uid)["resultater"]
        assert list(got["Enheds-id"]) == list(want["enhed_id"])
        assert set(got["Måling"]) == {"T2", "T3"}
    # a re-run with nothing changed keeps the files and skips the units
    stamp = (out / "html/I02.xlsx").stat().st_mtime_ns
    assert main(["batch", str(data), "--out", str(out), "--notebook", str(nb), "--only", "I02", "I03",
                 "--workers", "1", "-p", "rounds", "T2,T3", "-q"]) == 0
    assert (out / "html/I02.xlsx").stat().st_mtime_ns == stamp
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["workbook"] == "tal.xlsx"


def test_the_overview_links_its_workbook_when_told(data):
    from llkit.apps.batch.inputs import notebook_parameters
    from llkit.documents.overview import overview_title

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = prepare(data)
    assert "Hent tallene" not in overview_title(ds).html
    linked = overview_title(ds, workbook="tal.xlsx").html
    assert linked.endswith('</header><p class="llkit-download"><a href="tal.xlsx" download>Hent tallene (Excel)</a></p>')
    overview = Path(__file__).resolve().parents[2] / "notebooks" / "municipality_overview.ipynb"
    assert notebook_parameters(overview)["workbook"] == "str"
