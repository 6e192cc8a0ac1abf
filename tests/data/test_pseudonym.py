"""Tests of llkit.data.pseudonym: keyed-hash pseudonyms of person identifiers."""

from __future__ import annotations

import importlib.util
import os
import re
import stat
from pathlib import Path

import pandas as pd
import pytest

from llkit.data.pseudonym import _is_cpr, _normalise_id, pseudonym, pseudonymize
from llkit.data.schema import looks_like_cpr
from llkit.errors import DataError

HAS_DATASET = importlib.util.find_spec("llkit.data.dataset") is not None

# two children by CPR (one written with and without dash), one by a school id with a
# leading zero; two staff respondents
CPR_A = "010203-1234"
CPR_A_NODASH = "0102031234"
CPR_B = "3112189876"
KID_C = "007"

META = 'name = "Testkommune"\nsector = "dagtilbud"\nrounds = ["T1", "T2"]\nmin_n = 3\n'


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (folder / name).write_bytes(text.encode(encoding))


def make_dataset(folder: Path, *, sep: str = ",", encoding: str = "utf-8") -> Path:
    """A tiny valid dataset whose ids are CPR numbers (the input of pseudonymize)."""
    folder.mkdir(parents=True)
    dec = "," if sep == ";" else "."
    _write(folder, "dataset.toml", META)
    rows = {
        "units": [
            ["department_id", "department_name", "institution_id", "institution_name"],
            ["S1", "Søstjernerne", "I1", "Åbyen"],
            ["S2", "Mågerne", "I1", "Åbyen"],
        ],
        "children": [
            ["child_id", "birth_year", "sex", "cpr"],
            [CPR_A, "2016", "Pige", CPR_A],
            [CPR_B, "2016", "Dreng", CPR_B],
            [KID_C, "2017", "Pige", ""],
        ],
        "measures": [
            ["measure_id", "label", "source", "subject", "scale_min", "scale_max"],
            ["sprog", "Sprog", "pædagog", "child", "1", "5"],
            ["tillid", "Tillid", "medarbejder", "respondent", "1", "5"],
        ],
        "items": [
            ["item_id", "measure_id", "text", "reverse"],
            ["s1", "sprog", "Barnet fortæller", "false"],
            ["t1", "tillid", "Jeg har tillid til ledelsen", "false"],
        ],
        "responses": [
            ["round", "item_id", "department_id", "child_id", "respondent_id", "value"],
            ["T1", "s1", "S1", CPR_A, "", "3"],
            ["T1", "s1", "S1", CPR_B, "", "4"],
            ["T1", "s1", "S2", KID_C, "", "2"],
            ["T2", "s1", "S1", CPR_A_NODASH, "", f"4{dec}5"],
            ["T2", "s1", "S2", CPR_B, "", "5"],
            ["T2", "s1", "S2", KID_C, "", ""],
            ["T1", "t1", "S1", "", "M01", "4"],
            ["T2", "t1", "S1", "", "M01", "5"],
            ["T2", "t1", "S2", "", "M02", "3"],
        ],
    }
    for name, table in rows.items():
        lines = []
        for r in table:
            lines.append(sep.join(f'"{v}"' if sep in v else v for v in r))
        _write(folder, f"{name}.csv", "\r\n".join(lines) + "\r\n", encoding)
    return folder


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def all_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "raw")


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return tmp_path / "secret" / "llkit.key"


# --------------------------------------------------------------------------- pseudonyms


def test_cpr_detection():
    assert _is_cpr("010203-1234")
    assert _is_cpr("0102031234")
    assert _is_cpr(" 290200-1111 ")  # 29 Feb 2000
    assert not _is_cpr("2902011111")  # 29 Feb 2001 / 1901
    assert not _is_cpr("3213001234")  # month 13
    assert not _is_cpr("P0123456789")
    assert not _is_cpr("12345")
    assert _normalise_id("010203-1234") == ("0102031234", "cpr")
    assert _normalise_id("102031234") == ("0102031234", "cpr9")  # Excel ate the zero
    assert _normalise_id(" B01 ") == ("B01", "id")


def test_pseudonym_shape_and_key_dependence():
    k1, k2 = b"a" * 32, b"b" * 32
    p = pseudonym(CPR_A, k1)
    assert re.fullmatch(r"P[A-Z2-7]{12}", p)
    assert pseudonym(CPR_A_NODASH, k1) == p
    assert pseudonym(" " + CPR_A + " ", k1) == p
    assert pseudonym(CPR_A, k2) != p
    assert pseudonym("B01", k1) != pseudonym("b01", k1)
    assert not _is_cpr(p) and not re.fullmatch(r"\d{10}", p)


# --------------------------------------------------------------------------- datasets


def test_same_person_same_pseudonym_across_files_and_rounds(raw, key, tmp_path):
    report = pseudonymize(raw, tmp_path / "out", key_file=key)
    out = tmp_path / "out"
    children, responses = read(out, "children"), read(out, "responses")
    k = bytes.fromhex(key.read_text().strip())
    pa, pb, pc = (pseudonym(x, k) for x in (CPR_A, CPR_B, KID_C))
    assert children["child_id"].tolist() == [pa, pb, pc]
    kids = responses.loc[responses["child_id"] != "", ["round", "child_id"]]
    assert set(kids.loc[kids["round"] == "T1", "child_id"]) == {pa, pb, pc}
    assert set(kids.loc[kids["round"] == "T2", "child_id"]) == {pa, pb, pc}  # dash or not
    resp = responses.loc[responses["respondent_id"] != "", "respondent_id"]
    assert resp.nunique() == 2 and resp.iloc[0] == resp.iloc[1]
    assert report["distinct_ids"] == {"child_id": 3, "respondent_id": 2}
    assert report["cpr_numbers"] == 2
    assert report["pseudonymised"]["responses"] == ["child_id", "respondent_id"]
    assert report["dropped_columns"] == ["children.cpr"]
    assert "cpr" not in children.columns
    # everything else kept; decimal points, UTF-8
    assert read(out, "units").equals(read(raw, "units"))
    assert responses["value"].tolist() == ["3", "4", "2", "4.5", "5", "", "4", "5", "3"]
    assert (out / "dataset.toml").read_text() == META


def test_next_round_in_another_file_and_run_gets_same_pseudonyms(raw, key, tmp_path):
    pseudonymize(raw, tmp_path / "out1", key_file=key)
    nxt = tmp_path / "raw_t3"
    nxt.mkdir()
    _write(
        nxt,
        "responses.csv",
        "round,item_id,department_id,child_id,value\n"
        f"T3,s1,S1,{CPR_A_NODASH},4\nT3,s1,S2,{KID_C},3\n",
    )
    report = pseudonymize(nxt, tmp_path / "out2", key_file=key)
    assert "key_file" in report and report["key_file"].startswith("read")
    first = read(tmp_path / "out1", "children").set_index("birth_year")
    later = read(tmp_path / "out2", "responses")["child_id"].tolist()
    assert later[0] == first["child_id"].iloc[0]
    assert later[1] == first.loc["2017", "child_id"]
    assert any("dataset.toml" in n for n in report["notes"])


def test_two_runs_identical_output(raw, key, tmp_path):
    pseudonymize(raw, tmp_path / "a", key_file=key)
    pseudonymize(raw, tmp_path / "b", key_file=key)
    for f in sorted(p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_different_key_different_pseudonyms(raw, tmp_path):
    pseudonymize(raw, tmp_path / "a", key_file=tmp_path / "k1")
    pseudonymize(raw, tmp_path / "b", key_file=tmp_path / "k2")
    a, b = read(tmp_path / "a", "children"), read(tmp_path / "b", "children")
    assert set(a["child_id"]).isdisjoint(b["child_id"])


def test_key_file_created_private_and_never_in_output(raw, key, tmp_path):
    report = pseudonymize(raw, tmp_path / "out", key_file=key)
    assert "created" in report["key_file"]
    text = key.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", text)
    if os.name == "posix":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    data = all_bytes(tmp_path / "out")
    k = bytes.fromhex(text)
    for needle in (text.encode(), text.upper().encode(), k, k[:16]):
        assert needle not in data
    assert not any(p.name == key.name for p in (tmp_path / "out").rglob("*"))


def test_no_cpr_left_and_pseudonyms_not_cpr_like(raw, key, tmp_path):
    pseudonymize(raw, tmp_path / "out", key_file=key)
    out = tmp_path / "out"
    text = all_bytes(out).decode("utf-8")
    for cpr in (CPR_A, CPR_A_NODASH, CPR_B, "102031234"):
        assert cpr not in text
    for f in out.glob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        for col in df.columns:
            assert not looks_like_cpr(df[col]).any(), (f.name, col)
            assert not df[col].map(_is_cpr).any(), (f.name, col)
            assert not df[col].str.fullmatch(r"\d{10}").any()
    ids = read(out, "responses")["child_id"]
    assert ids[ids != ""].str.fullmatch(r"P[A-Z2-7]{12}").all()


def test_cpr_like_values_in_other_columns_and_user_columns(tmp_path, key):
    src = make_dataset(tmp_path / "raw")
    units = read(src, "units")
    units["leader"] = ["Anne", "Bo"]
    units.to_csv(src / "units.csv", index=False)
    children = read(src, "children").drop(columns="cpr")
    children["mother"] = ["1505801234", "", "150580-4321"]  # CPR in an extra column
    children["note"] = ["", "310299-1234", ""]  # not a date, but the validator flags it
    children.to_csv(src / "children.csv", index=False)
    report = pseudonymize(src, tmp_path / "out", key_file=key, columns=["leader"])
    kids = read(tmp_path / "out", "children")
    assert not looks_like_cpr(kids["mother"]).any()
    assert kids["mother"].iloc[1] == ""
    assert "mother" in report["pseudonymised"]["children"]
    assert kids["note"].iloc[1].startswith("P")
    assert read(tmp_path / "out", "units")["leader"].str.startswith("P").all()
    assert report["dropped_columns"] == []


def test_semicolon_cp1252_input_becomes_utf8_comma(tmp_path, key):
    src = make_dataset(tmp_path / "raw", sep=";", encoding="cp1252")
    report = pseudonymize(src, tmp_path / "out", key_file=key)
    out = tmp_path / "out"
    assert read(out, "units")["department_name"].tolist() == ["Søstjernerne", "Mågerne"]
    assert "4.5" in read(out, "responses")["value"].tolist()
    assert any("decimal commas" in n for n in report["notes"])
    assert (out / "units.csv").read_text(encoding="utf-8").splitlines()[0].count(",") == 3


def test_parquet_numeric_ids_keep_cpr_identity(tmp_path, key):
    src = make_dataset(tmp_path / "raw")
    resp = read(src, "responses")
    (src / "responses.csv").unlink()
    resp["child_id"] = resp["child_id"].str.replace("-", "")
    resp["child_id"] = pd.to_numeric(resp["child_id"].replace({"": None, KID_C: None}))
    resp["value"] = pd.to_numeric(resp["value"].str.replace(",", "."))
    resp.to_parquet(src / "responses.parquet")  # 0102031234 is stored as 102031234
    report = pseudonymize(src, tmp_path / "out", key_file=key)
    k = bytes.fromhex(key.read_text().strip())
    got = set(read(tmp_path / "out", "responses")["child_id"]) - {""}
    assert got == {pseudonym(CPR_A, k), pseudonym(CPR_B, k)}
    assert any("leading zero" in n for n in report["notes"])


def test_workbook_input(tmp_path, key):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "vejledning"
    meta = wb.create_sheet("dataset")
    for row in [
        ("key", "value"),
        ("name", "Testkommune"),
        ("sector", "dagtilbud"),
        ("rounds", "T1, T2"),
        ("min_n", 1),
        ("synthetic", "nej"),
    ]:
        meta.append(row)
    src_csv = make_dataset(tmp_path / "csv")
    for name in ("units", "children", "measures", "items", "responses"):
        ws = wb.create_sheet(name)
        df = read(src_csv, name)
        ws.append(list(df.columns))
        for r in df.itertuples(index=False):
            ws.append([None if v == "" else v for v in r])
    wb.create_sheet("navneliste").append(["navn", "cpr"])
    book = tmp_path / "data.xlsx"
    wb.save(book)
    report = pseudonymize(book, tmp_path / "out", key_file=key)
    assert report["not_copied"] == ["data.xlsx:navneliste"]
    out = tmp_path / "out"
    assert not (out / "navneliste.csv").exists()
    import tomllib

    meta = tomllib.loads((out / "dataset.toml").read_text())
    assert meta["rounds"] == ["T1", "T2"] and meta["min_n"] == 1 and meta["synthetic"] is False
    assert read(out, "children")["child_id"].str.startswith("P").all()


# --------------------------------------------------------------------------- refusals


def test_refuses_dst_inside_src_or_existing(raw, key, tmp_path):
    for dst in (raw, raw / "out"):
        with pytest.raises(DataError):
            pseudonymize(raw, dst, key_file=key)
    full = tmp_path / "full"
    full.mkdir()
    (full / "x.txt").write_text("keep me")
    with pytest.raises(DataError, match="problem"):
        pseudonymize(raw, full, key_file=key)
    assert (full / "x.txt").read_text() == "keep me"
    with pytest.raises(DataError):
        pseudonymize(raw, tmp_path / "out", key_file=tmp_path / "out" / "k")
    assert not key.exists()  # nothing written, not even the key
    empty = tmp_path / "empty"
    empty.mkdir()
    pseudonymize(raw, empty, key_file=key)  # an empty folder is fine
    assert (empty / "children.csv").exists()


def test_input_errors_are_data_errors_and_write_nothing(tmp_path, key):
    src = make_dataset(tmp_path / "raw")
    (src / "responses.csv").write_text("round,item_id,child_id\nT1,s1\nT1,s1,x,y\n")
    with pytest.raises(DataError) as err:
        pseudonymize(src, tmp_path / "out", key_file=key)
    probs = err.value.problems
    assert (probs["file"] == "responses.csv").any() and probs["line"].notna().any()
    assert not (tmp_path / "out").exists() and not key.exists()
    with pytest.raises(DataError) as err:
        pseudonymize(tmp_path / "nowhere", tmp_path / "out", key_file=key)
    src2 = make_dataset(tmp_path / "raw2")
    with pytest.raises(DataError) as err:
        pseudonymize(src2, tmp_path / "out", key_file=key, columns=["no_such_column"])
    assert (err.value.problems["column"] == "no_such_column").any()
    bad_key = tmp_path / "bad.key"
    bad_key.write_text("not a key")
    with pytest.raises(DataError):
        pseudonymize(src2, tmp_path / "out", key_file=bad_key)
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_cpr_column_without_child_id_is_refused(tmp_path, key):
    src = make_dataset(tmp_path / "raw")
    children = read(src, "children").drop(columns="child_id")
    children.to_csv(src / "children.csv", index=False)
    with pytest.raises(DataError) as err:
        pseudonymize(src, tmp_path / "out", key_file=key)
    assert "child_id" in err.value.problems["action"].iloc[0]


# --------------------------------------------------------------------------- round trip


@pytest.mark.skipif(not HAS_DATASET, reason="llkit.data.dataset is not written yet")
def test_output_loads(raw, key, tmp_path):
    import llkit

    with pytest.raises(DataError):  # the raw data has CPR numbers
        llkit.load(raw)
    pseudonymize(raw, tmp_path / "out", key_file=key)
    ds = llkit.load(tmp_path / "out")
    assert ds.children["child_id"].astype(str).str.startswith("P").all()
    assert len(ds.responses) == 9


@pytest.mark.skipif(not HAS_DATASET, reason="llkit.data.dataset is not written yet")
def test_template_with_cpr_numbers_end_to_end(tmp_path, key):
    """A template filled with CPR numbers is refused, pseudonymised, then loads."""
    import openpyxl

    import llkit
    from llkit.data.template import write_template

    book = write_template(tmp_path / "indsamling.xlsx", rounds=["T1", "T2"])
    wb = openpyxl.load_workbook(book)
    wb["dataset"]["B2"] = "Testkommune"
    wb["units"].append(["S1", None, "I1"])
    wb["children"].append([CPR_A])
    wb["children"].append([CPR_B])
    for rnd, cpr in (("T1", CPR_A), ("T2", CPR_A_NODASH), ("T1", CPR_B), ("T2", 3112189876)):
        wb["responses"].append([rnd, "sprog_1", "S1", cpr, None, 3])
    wb.save(book)
    problems = llkit.validate(book)
    assert (problems["column"] == "child_id").any()
    report = pseudonymize(book, tmp_path / "out", key_file=key)
    assert report["distinct_ids"] == {"child_id": 2} and report["cpr_numbers"] == 2
    ds = llkit.load(tmp_path / "out")
    assert ds.responses["child_id"].nunique() == 2
    assert len(ds.responses) == 4
