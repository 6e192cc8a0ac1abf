"""Tests of llkit.data.template: the Excel data template and the activities template."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import openpyxl
import pytest

from llkit.data.profiles import get_profile
from llkit.data.template import (
    KINDS,
    LAEREPLANSTEMAER,
    PAEDAGOGISK_GRUNDLAG,
    TABLES,
    write_template,
)

HAS_DATASET = importlib.util.find_spec("llkit.data.dataset") is not None

REQUIRED = {
    "units": {"department_id", "institution_id"},
    "children": {"child_id"},
    "measures": {"measure_id", "label", "source", "subject"},
    "items": {"item_id", "measure_id"},
    "responses": {"round", "item_id", "department_id", "value"},
    "goals": {"round", "department_id", "goal_id", "signs_defined", "signs_documented"},
    "reference": {"measure_id", "round", "scope", "mean", "sd"},
}
ID_COLUMNS = {
    "department_id",
    "institution_id",
    "child_id",
    "respondent_id",
    "item_id",
    "measure_id",
    "goal_id",
    "round",
}


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "data.xlsx")


@pytest.fixture(scope="module")
def wb(book):
    return openpyxl.load_workbook(book)


def header(ws) -> list[str]:
    return [c.value for c in ws[1] if c.value is not None]


def validations(ws) -> dict[str, tuple[str, str]]:
    """column header -> (formula1, errorStyle) of the list validations of a sheet."""
    out = {}
    names = {c.column_letter: c.value for c in ws[1]}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            letter = rng.coord.split(":")[0].rstrip("0123456789")
            assert rng.min_row == 2, "validation must start below the header"
            out[names[letter]] = (dv.formula1, dv.errorStyle or "stop")
    return out


# --------------------------------------------------------------------------- data template


def test_sheets_and_order(wb):
    assert wb.sheetnames == ["vejledning", "dataset", *TABLES]


def test_instructions_are_danish_and_first(wb):
    ws = wb.worksheets[0]
    assert ws.title == "vejledning"
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for word in (
        "Vejledning",
        "påkrævet",
        "pseudonym",
        "CPR-nummer",
        "runde",
        "skala",
        "llkit validate",
        "llkit.load",
        "child_id",
        "rullemenu",
    ):
        assert word.lower() in text.lower(), word
    for table in TABLES:
        assert f"Arket {table}" in text


def test_dataset_sheet(wb):
    rows = {r[0]: r[1] for r in wb["dataset"].iter_rows(min_row=2, values_only=True)}
    assert rows["sector"] == "dagtilbud"
    assert rows["rounds"] == "T1, T2, T3"
    assert rows["min_n"] == 5
    assert rows["synthetic"] == "nej"
    assert "name" in rows
    assert [c.value for c in wb["dataset"][1]] == ["key", "value"]


def test_headers_required_marked_with_notes(wb):
    profile = get_profile("dagtilbud")
    for table in TABLES:
        ws = wb[table]
        cols = header(ws)
        assert REQUIRED[table] <= set(cols), table
        assert ws.freeze_panes == "A2"
        for cell in ws[1]:
            if cell.value is None:
                continue
            assert cell.font.b == (cell.value in REQUIRED[table]), (table, cell.value)
            assert cell.comment is not None and cell.comment.text.strip()
            assert ("PÅKRÆVET" in cell.comment.text) == (cell.value in REQUIRED[table])
            assert ws.column_dimensions[cell.column_letter].width >= len(cell.value)
    assert set(profile.background) <= set(header(wb["children"]))


def test_id_columns_are_text(wb):
    for table in TABLES:
        ws = wb[table]
        for cell in ws[1]:
            if cell.value in ID_COLUMNS:
                assert ws.column_dimensions[cell.column_letter].number_format == "@", (
                    table,
                    cell.value,
                )
    ws = wb["items"]
    assert ws["A2"].number_format == "@" and isinstance(ws["A2"].value, str)


def test_measures_and_items_prefilled_from_profile(wb):
    p = get_profile("dagtilbud")
    ws = wb["measures"]
    cols = header(ws)
    rows = [dict(zip(cols, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r["measure_id"] for r in rows] == p.measures["measure_id"].tolist()
    first = p.measures.iloc[0]
    assert rows[0]["scale_max"] == first["scale_max"]
    assert rows[0]["higher_is_better"] in ("ja", "nej")
    items = [r for r in wb["items"].iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in items] == p.items["item_id"].tolist()
    assert {r[3] for r in items} <= {"ja", "nej"}


def test_dropdowns(wb):
    rounds = '"T1,T2,T3"'
    for table in ("responses", "goals", "reference"):
        assert validations(wb[table])["round"] == (rounds, "stop")
    f, style = validations(wb["responses"])["item_id"]
    assert f == "=items!$A$2:$A$5000" and style == "stop"
    assert validations(wb["measures"])["subject"][0] == '"child,respondent,department"'
    for table, col in (
        ("measures", "higher_is_better"),
        ("items", "reverse"),
        ("goals", "signs_defined"),
        ("goals", "signs_documented"),
    ):
        assert validations(wb[table])[col][0] == '"ja,nej"', (table, col)
    kids = validations(wb["children"])
    p = get_profile("dagtilbud")
    for attr, cats in p.background.items():
        assert kids[attr][0] == '"' + ",".join(cats) + '"'
    assert "child_id" not in kids and "value" not in validations(wb["responses"])


def test_theme_dropdown_points_at_a_list_on_the_guide(wb):
    f, style = validations(wb["goals"])["theme"]
    assert style == "information" and f.startswith("=vejledning!$A$")
    rng = f[1:].split("!")[1].replace("$", "")
    values = [c.value for row in wb["vejledning"][rng] for c in row]
    assert values == list(get_profile("dagtilbud").themes)


def test_custom_rounds_and_skole(tmp_path):
    path = write_template(tmp_path / "skole.xlsx", sector="skole", rounds=["2023", "2024"])
    wb = openpyxl.load_workbook(path)
    assert validations(wb["responses"])["round"][0] == '"2023,2024"'
    rows = {r[0]: r[1] for r in wb["dataset"].iter_rows(min_row=2, values_only=True)}
    assert rows["sector"] == "skole" and rows["rounds"] == "2023, 2024"
    notes = wb["units"]["A1"].comment.text
    assert "klassen" in notes
    ids = [r[0] for r in wb["measures"].iter_rows(min_row=2, values_only=True)]
    assert ids == get_profile("skole").measures["measure_id"].tolist()


def test_argument_errors(tmp_path, book):
    with pytest.raises(ValueError, match="data, activities"):
        write_template(tmp_path / "x.xlsx", kind="plan")
    with pytest.raises(ValueError, match=".xlsx"):
        write_template(tmp_path / "x.csv")
    with pytest.raises(KeyError, match="dagtilbud"):
        write_template(tmp_path / "x.xlsx", sector="vuggestue")
    for bad in ([], ["T1", "T1"], ["T1", "T2,T3"], [""]):
        with pytest.raises(ValueError):
            write_template(tmp_path / "x.xlsx", rounds=bad)
    with pytest.raises(FileExistsError):
        write_template(book)
    assert not (tmp_path / "x.xlsx").exists()
    assert KINDS == ("data", "activities")


def test_overwrite_and_atomic(tmp_path):
    path = tmp_path / "sub" / "t.xlsx"
    write_template(path)
    write_template(path, overwrite=True, rounds=["A", "B"])
    assert validations(openpyxl.load_workbook(path)["responses"])["round"][0] == '"A,B"'
    assert sorted(p.name for p in path.parent.iterdir()) == ["t.xlsx"]


# --------------------------------------------------------------------------- filled template


def fill(path: Path) -> Path:
    """Put a tiny valid dataset into the template (keeps its validations and formats)."""
    wb = openpyxl.load_workbook(path)
    meta = wb["dataset"]
    for row in meta.iter_rows(min_row=2):
        if row[0].value == "name":
            row[1].value = "Testkommune"
        if row[0].value == "min_n":
            row[1].value = 3  # the smallest allowed

    def put(table, records):
        ws = wb[table]
        cols = header(ws)
        for i, rec in enumerate(records, start=2):
            for k, v in rec.items():
                ws.cell(row=i, column=cols.index(k) + 1, value=v)

    put(
        "units",
        [
            {
                "department_id": "01",
                "department_name": "Søstjernerne",
                "institution_id": "I1",
                "institution_name": "Åbyen",
            },
            {"department_id": "02", "institution_id": "I1"},
        ],
    )
    put(
        "children",
        [
            {"child_id": "007", "birth_year": 2017, "sex": "Pige", "parent_education": "Gymnasial"},
            {"child_id": "B2", "birth_year": 2017, "sex": "Dreng"},
        ],
    )
    rows = []
    for rnd, base in (("T1", 2), ("T2", 3)):
        for kid, dept in (("007", "01"), ("B2", "02")):
            rows += [
                {
                    "round": rnd,
                    "item_id": "sprog_1",
                    "department_id": dept,
                    "child_id": kid,
                    "value": base,
                },
                {
                    "round": rnd,
                    "item_id": "sprog_2",
                    "department_id": dept,
                    "child_id": kid,
                    "value": base + 1,
                },
            ]
    put("responses", rows)
    put(
        "goals",
        [
            {
                "round": "T1",
                "department_id": "01",
                "goal_id": "G1",
                "theme": LAEREPLANSTEMAER[2],
                "goal": "Flere ord",
                "signs_defined": "ja",
                "signs_documented": "nej",
            }
        ],
    )
    out = path.with_name("filled.xlsx")
    wb.save(out)
    return out


def test_filled_template_reads_back_raw(tmp_path):
    from llkit.data.io import read_workbook
    from llkit.errors import ProblemLog

    path = fill(write_template(tmp_path / "t.xlsx"))
    log = ProblemLog()
    raw = read_workbook(path, log)
    assert not log.has_errors, log.frame()
    assert raw.meta.values["rounds"] == ["T1", "T2", "T3"]
    assert raw.meta.values["synthetic"] is False
    assert set(raw.tables) == set(TABLES)
    assert raw.tables["units"].frame["department_id"].tolist() == ["01", "02"]
    assert len(raw.tables["responses"].frame) == 8
    assert len(raw.tables["measures"].frame) == len(get_profile("dagtilbud").measures)
    # validations survived filling
    wb = openpyxl.load_workbook(path)
    assert validations(wb["responses"])["round"][0] == '"T1,T2,T3"'


@pytest.mark.skipif(not HAS_DATASET, reason="llkit.data.dataset is not written yet")
def test_filled_template_loads(tmp_path):
    import llkit

    path = fill(write_template(tmp_path / "t.xlsx"))
    ds = llkit.load(path)
    assert ds.meta.name == "Testkommune" and ds.meta.rounds == ["T1", "T2", "T3"]
    assert ds.units["department_id"].tolist() == ["01", "02"]
    assert set(ds.children["child_id"].astype(str)) == {"007", "B2"}
    assert len(ds.responses) == 8
    assert ds.goals is not None and bool(ds.goals["signs_defined"].iloc[0]) is True
    assert ds.reference is None or len(ds.reference) == 0


def test_empty_template_validates_to_clear_problems(tmp_path):
    if not HAS_DATASET:
        pytest.skip("llkit.data.dataset is not written yet")
    import llkit

    problems = llkit.validate(write_template(tmp_path / "t.xlsx"))
    assert len(problems)  # e.g. no name, no units — reported, not raised


# --------------------------------------------------------------------------- activities


def test_activities_template(tmp_path):
    path = write_template(tmp_path / "akt.xlsx", kind="activities")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["vejledning", "aktiviteter"]
    ws = wb["aktiviteter"]
    assert header(ws) == [
        "område",
        "aktivitet",
        "mål",
        "hvem (ansvarlig)",
        "læreplanstema eller pejlemærke",
        "status",
        "start",
        "slut",
        "tegn",
    ]
    assert ws.freeze_panes == "A2"
    dvs = validations(ws)
    assert dvs["status"][0] == '"planlagt,i gang,afsluttet,sat på pause"'
    f = dvs["læreplanstema eller pejlemærke"][0]
    rng = f[1:].split("!")[1].replace("$", "")
    values = [c.value for row in wb["vejledning"][rng] for c in row]
    assert values == [*LAEREPLANSTEMAER, *PAEDAGOGISK_GRUNDLAG]
    assert len(values) == 15
    text = "\n".join(
        str(v) for row in wb["vejledning"].iter_rows(values_only=True) for v in row if v
    )
    for word in ("20-30-50", "20 %", "30 %", "50 %", "forankr", "tegn", "læreplan"):
        assert word in text, word
    assert ws.column_dimensions["G"].number_format == "yyyy-mm-dd"
