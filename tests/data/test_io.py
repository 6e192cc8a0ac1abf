"""Reading files: formats, dialects, line numbers, broken files."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import META, write_dataset

from llkit.data.dataset import load, validate
from llkit.data.io import detect_encoding, parse_csv_bytes, sniff_delimiter
from llkit.errors import DataError, ProblemLog, format_problems

NUMERIC = {"value", "scale_min", "scale_max", "low_cut", "high_cut", "min_items", "n", "mean",
           "sd"}
WB_META = [("name", "Testkommune"), ("sector", "dagtilbud"), ("rounds", "T1, T2"),
           ("min_n", 3), ("synthetic", "true"), ("round_dates", "T1=2015-03-01, T2=2017-03-01")]


def load_quiet(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load(path)


def assert_same(a, b) -> None:
    assert a.meta == b.meta
    for name in ["units", "children", "measures", "items", "responses", "goals", "reference"]:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


def write_parquet_text(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Every column as Parquet text (empty cell = null)."""
    path.mkdir(parents=True)
    (path / "dataset.toml").write_text(META, encoding="utf-8")
    for name, df in tables.items():
        table = pa.table({c: pa.array([v if v != "" else None for v in df[c]], pa.string())
                          for c in df.columns})
        pq.write_table(table, path / f"{name}.parquet")
    return path


def write_parquet_typed(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Numbers as float64 / int64, booleans as bool, ids as dictionary-encoded text."""
    path.mkdir(parents=True)
    (path / "dataset.toml").write_text(META, encoding="utf-8")
    for name, df in tables.items():
        cols = {}
        for c in df.columns:
            s = df[c].replace("", None)
            if c in NUMERIC:
                cols[c] = pa.array(pd.to_numeric(s).astype(float), pa.float64())
            elif c in ("reverse", "higher_is_better", "signs_defined", "signs_documented"):
                m = s.str.lower().map({"true": True, "ja": True, "false": False, "0": False,
                                       "nej": False})
                cols[c] = pa.array(m.astype(object).where(m.notna(), None), pa.bool_())
            elif c.endswith("_id") or c == "round":
                cols[c] = pa.array(s.astype(object).where(s.notna(), None),
                                   pa.string()).dictionary_encode()
            else:
                cols[c] = pa.array(s.astype(object).where(s.notna(), None), pa.string())
        pq.write_table(pa.table(cols), path / f"{name}.parquet")
    return path


def write_xlsx(path: Path, tables: dict[str, pd.DataFrame], meta_rows=WB_META,
               vejledning: bool = True) -> Path:
    """A workbook as a user would fill it in: numbers as numbers, ids as text."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "dataset"
    ws.append(["key", "value"])
    for row in meta_rows:
        ws.append(list(row))
    if vejledning:
        wb.create_sheet("vejledning").append(["Udfyld arkene. Tal som tal."])
    for name, df in tables.items():
        sh = wb.create_sheet(name)
        sh.append(list(df.columns))
        for rec in df.itertuples(index=False):
            out = []
            for c, v in zip(df.columns, rec, strict=True):
                if v == "":
                    out.append(None)
                elif c in NUMERIC:
                    f = float(v)
                    out.append(int(f) if f.is_integer() else f)
                else:
                    out.append(v)
            sh.append(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_danish_excel(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Semicolon-separated, Windows-1252, decimal comma, CRLF: a Danish Excel export."""
    path.mkdir(parents=True)
    (path / "dataset.toml").write_text(META, encoding="utf-8")
    for name, df in tables.items():
        df = df.copy()
        for c in df.columns:
            if c in NUMERIC:
                df[c] = df[c].str.replace(".", ",", regex=False)
        text = df.to_csv(index=False, sep=";", lineterminator="\r\n")
        (path / f"{name}.csv").write_bytes(text.encode("cp1252"))
    return path


# ---- the same data in every format ----------------------------------------------------


def test_csv_parquet_and_xlsx_give_equal_datasets(tmp_path, tables):
    base = load_quiet(write_dataset(tmp_path / "csv", tables))
    assert_same(base, load_quiet(write_parquet_text(tmp_path / "pq_text", tables)))
    assert_same(base, load_quiet(write_parquet_typed(tmp_path / "pq_typed", tables)))
    assert_same(base, load_quiet(write_xlsx(tmp_path / "wb" / "data.xlsx", tables)))
    # a folder holding just the workbook works too
    assert_same(base, load_quiet(tmp_path / "wb"))


def test_danish_excel_export_loads_equal(tmp_path, tables):
    base = load_quiet(write_dataset(tmp_path / "csv", tables))
    dk = write_danish_excel(tmp_path / "dk", tables)
    assert b";" in (dk / "responses.csv").read_bytes()
    assert b"\r\n" in (dk / "responses.csv").read_bytes()
    assert "Mælkebøtten".encode("cp1252") in (dk / "units.csv").read_bytes()
    assert b"3,5" in (dk / "responses.csv").read_bytes()
    assert_same(base, load_quiet(dk))


def test_utf8_with_bom_loads_equal(tmp_path, tables):
    base = load_quiet(write_dataset(tmp_path / "csv", tables))
    bom = tmp_path / "bom"
    write_dataset(bom, tables)
    for f in bom.glob("*.csv"):
        f.write_bytes(b"\xef\xbb\xbf" + f.read_bytes())
    assert_same(base, load_quiet(bom))


def test_tab_separated(tmp_path, tables):
    base = load_quiet(write_dataset(tmp_path / "csv", tables))
    tsv = write_dataset(tmp_path / "tsv", tables)
    for name, df in tables.items():
        df.to_csv(tsv / f"{name}.csv", index=False, sep="\t")
    assert_same(base, load_quiet(tsv))


def test_leading_zeros_are_kept(tmp_path, tables):
    units, resp, goals = tables["units"], tables["responses"], tables["goals"]
    mapping = {"D01": "001", "D02": "002", "D03": "0030", "D04": "04"}
    for df in (units, resp, goals):
        df["department_id"] = df["department_id"].replace(mapping)
    tables["children"]["child_id"] = tables["children"]["child_id"].str.replace("C", "0")
    resp["child_id"] = resp["child_id"].str.replace("C", "0")
    for ds in (load_quiet(write_dataset(tmp_path / "csv", tables)),
               load_quiet(write_parquet_text(tmp_path / "pq", tables)),
               load_quiet(write_xlsx(tmp_path / "x.xlsx", tables))):
        assert ds.units["department_id"].tolist() == ["001", "002", "0030", "04"]
        assert "0001" in ds.children["child_id"].tolist()
        assert set(ds.responses["department_id"].cat.categories) == set(mapping.values())


def test_parquet_numeric_ids_become_text(tmp_path, tables):
    path = write_parquet_typed(tmp_path / "pq", tables)
    units = tables["units"].assign(institution_id=[1, 1, 2, 2])
    pq.write_table(pa.Table.from_pandas(units, preserve_index=False), path / "units.parquet")
    ds = load_quiet(path)
    assert ds.units["institution_id"].tolist() == ["1", "1", "2", "2"]
    assert str(ds.units["institution_id"].dtype) == "str"


def test_mixed_csv_and_parquet_folder(tmp_path, tables):
    base = load_quiet(write_dataset(tmp_path / "csv", tables))
    mixed = write_dataset(tmp_path / "mixed", tables)
    (mixed / "responses.csv").unlink()
    write_parquet_typed(tmp_path / "pq", tables)
    (tmp_path / "pq" / "responses.parquet").rename(mixed / "responses.parquet")
    assert_same(base, load_quiet(mixed))


def test_same_table_twice_is_an_error(tmp_path, tables):
    path = write_dataset(tmp_path / "ds", tables)
    write_parquet_text(tmp_path / "pq", tables)
    (tmp_path / "pq" / "units.parquet").rename(path / "units.parquet")
    pr = validate(path)
    assert pr["problem"].str.contains("the table units is given twice").any()


def test_unknown_file_is_a_warning(dataset_dir):
    (dataset_dir / "responses_old.csv").write_text("a,b\n1,2\n")
    pr = validate(dataset_dir)
    assert (pr["severity"] == "warning").all()
    assert pr["problem"].str.contains("file ignored").any()


# ---- line numbers ---------------------------------------------------------------------


def test_quoted_multiline_field_keeps_line_numbers(make_dataset, tables):
    tables["items"].loc[0, "text"] = "Barnet fortæller,\nhvad det har oplevet\n(over to linjer)"
    tables["items"].loc[2, "reverse"] = "maybe"
    path = make_dataset(tables)
    assert (path / "items.csv").read_text().count("\n") > len(tables["items"]) + 1
    pr = validate(path)
    rows = pr[pr["problem"].str.contains("reverse is not a yes/no value")]
    assert rows["file"].tolist() == ["items.csv"]
    assert rows["line"].tolist() == [6]  # header 1, row 0 on 2-4, row 1 on 5, row 2 on 6
    ds = load_quiet(make_dataset(make_tables_with_multiline()))
    assert ds.items["text"].iloc[0].count("\n") == 2


def make_tables_with_multiline():
    from conftest import make_tables

    t = make_tables()
    t["items"].loc[0, "text"] = "Barnet fortæller,\nhvad det har oplevet\n(over to linjer)"
    return t


def test_multiline_field_in_responses_keeps_line_numbers(make_dataset, tables):
    r = tables["responses"]
    r["comment"] = ""
    r.loc[0, "comment"] = 'line one\r\nline "two"\nline three'
    r.loc[5, "value"] = "x"
    pr = validate(make_dataset(tables))
    rows = pr[pr["problem"].str.contains("value is not a number")]
    assert rows["line"].tolist() == [9]  # row 0 spans lines 2-4


def test_blank_lines_keep_line_numbers(make_dataset, tables):
    tables["responses"].loc[3, "value"] = "x"
    path = make_dataset(tables)
    text = (path / "responses.csv").read_text().splitlines()
    text.insert(2, "")
    text.insert(2, "")  # two blank lines after the first data row
    (path / "responses.csv").write_text("\n".join(text) + "\n\n")
    pr = validate(path)
    assert pr["line"].tolist() == [7]


def test_parquet_lines_are_data_row_plus_one(tmp_path, tables):
    tables["responses"].loc[4, "value"] = "x"
    pr = validate(write_parquet_text(tmp_path / "pq", tables))
    assert pr[["file", "line", "column"]].values.tolist() == [["responses.parquet", 6, "value"]]


def test_xlsx_lines_are_sheet_rows(tmp_path, tables):
    tables["responses"].loc[4, "round"] = "T5"
    path = write_xlsx(tmp_path / "data.xlsx", tables)
    pr = validate(path)
    assert pr[["file", "line", "column"]].values.tolist() == [["data.xlsx:responses", 6, "round"]]


def test_xlsx_metadata_problems(tmp_path, tables):
    meta = [("name", "X"), ("sector", "vuggestue"), ("rounds", "T1, T2"), ("min_n", "mange")]
    pr = validate(write_xlsx(tmp_path / "data.xlsx", tables, meta_rows=meta))
    got = pr[["file", "line", "column"]].values.tolist()
    assert ["data.xlsx:dataset", 3, "sector"] in got
    assert ["data.xlsx:dataset", 5, "min_n"] in got


def test_xlsx_without_dataset_sheet(tmp_path, tables):
    path = write_xlsx(tmp_path / "data.xlsx", tables)
    wb = openpyxl.load_workbook(path)
    del wb["dataset"]
    wb.save(path)
    pr = validate(path)
    assert pr["problem"].str.contains("no sheet named 'dataset'").any()


def test_xlsx_missing_sheet(tmp_path, tables):
    del tables["items"]
    pr = validate(write_xlsx(tmp_path / "data.xlsx", tables))
    assert pr["problem"].str.contains("no sheet named 'items'").any()


# ---- broken files ---------------------------------------------------------------------


def test_ragged_rows_are_reported_with_their_line(make_dataset, tables):
    path = make_dataset(tables)
    lines = (path / "responses.csv").read_text().splitlines()
    lines[3] = lines[3] + ",extra"       # line 4: too many values
    lines[6] = ",".join(lines[6].split(",")[:3])  # line 7: too few values
    lines[8] = lines[8] + ",,"           # line 9: trailing empty fields are tolerated
    (path / "responses.csv").write_text("\n".join(lines) + "\n")
    pr = validate(path)
    ragged = pr[pr["problem"].str.contains("wrong number of values")]
    assert ragged["line"].tolist() == [4, 7]
    assert "7 instead of 6" in ragged["problem"].iloc[0]
    assert "3 instead of 6" in ragged["problem"].iloc[1]
    with pytest.raises(DataError):
        load(path)


def test_ragged_rows_in_semicolon_file_mention_semicolons(make_dataset, tables):
    path = write_danish_excel(make_dataset(tables).parent / "dk", tables)
    data = (path / "units.csv").read_bytes().replace(b"Stue B;", b"Stue B;x;", 1)
    (path / "units.csv").write_bytes(data)
    pr = validate(path)
    row = pr[pr["problem"].str.contains("wrong number of values")].iloc[0]
    assert row["line"] == 3 and "semicolon" in row["action"]


@pytest.mark.parametrize("content", [b"", b"   \r\n\n  "])
def test_empty_file(dataset_dir, content):
    (dataset_dir / "units.csv").write_bytes(content)
    pr = validate(dataset_dir)
    row = pr[pr["file"] == "units.csv"].iloc[0]
    assert "the file is empty" in row["problem"]


def test_header_only_optional_table_is_fine(dataset_dir):
    (dataset_dir / "goals.csv").write_text(
        "round,department_id,goal_id,signs_defined,signs_documented\n")
    ds = load_quiet(dataset_dir)
    assert ds.goals is not None and len(ds.goals) == 0


@pytest.mark.parametrize("content", [
    b"child_id,sex\nC001,\x00\x00\x01\x02",
    bytes(range(256)) * 4,
    b"PK\x03\x04\x14\x00\x06\x00rest-of-a-zip",
])
def test_binary_file_is_not_a_text_file(dataset_dir, content):
    (dataset_dir / "children.csv").write_bytes(content)
    pr = validate(dataset_dir)
    row = pr[pr["file"] == "children.csv"].iloc[0]
    assert "not a text file" in row["problem"]
    assert row["line"] is pd.NA or pd.isna(row["line"])


def test_broken_parquet(dataset_dir):
    (dataset_dir / "goals.csv").unlink()
    (dataset_dir / "goals.parquet").write_bytes(b"PAR1 not really")
    pr = validate(dataset_dir)
    assert pr["problem"].str.contains("cannot be read as Parquet").any()


def test_broken_workbook(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"no zip here")
    pr = validate(path)
    assert pr["problem"].str.contains("cannot be read as an Excel workbook").any()


def test_duplicate_and_unnamed_columns(make_dataset, tables):
    path = make_dataset(tables)
    lines = (path / "units.csv").read_text().splitlines()
    lines[0] = lines[0].replace("area", "cluster")
    lines = [ln + "," for ln in lines]  # an empty last column without a name
    (path / "units.csv").write_text("\n".join(lines) + "\n")
    pr = validate(path)
    row = pr[pr["problem"].str.contains("occurs twice")].iloc[0]
    assert (row["file"], row["line"], row["column"]) == ("units.csv", 1, "cluster")
    assert not pr["problem"].str.contains("no name").any()


def test_not_a_dataset_path(tmp_path):
    pr = validate(tmp_path / "nowhere")
    assert pr["problem"].str.contains("does not exist").any()
    f = tmp_path / "x.txt"
    f.write_text("hello")
    assert validate(f)["problem"].str.contains("not a dataset").any()


def test_workbook_ignored_next_to_tables(dataset_dir, tables):
    write_xlsx(dataset_dir / "skabelon.xlsx", tables)
    assert validate(dataset_dir).empty


# ---- low-level helpers ------------------------------------------------------------------


def test_detect_encoding():
    assert detect_encoding("æøå".encode()) == "utf-8"
    assert detect_encoding("æøå".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"a\x00b") is None
    assert detect_encoding(b"\x81\x8d\x8f") is None


@pytest.mark.parametrize("header, delim", [
    ("a,b,c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ('"x;y",b,c', ","), ("abc", ","),
])
def test_sniff_delimiter(header, delim):
    assert sniff_delimiter(header) == delim


def test_fast_and_careful_paths_agree():
    text = "id,v,t\r\n001,1,a\r\n002,,b\r\n\r\n003,3.5,\"c, d\"\r\n"
    multiline = text.replace('"c, d"', '"c,\nd"')
    log = ProblemLog()
    fast = parse_csv_bytes(text.encode(), log, name="x", display="x.csv", categorical={"id"})
    slow = parse_csv_bytes(multiline.encode(), log, name="x", display="x.csv",
                           categorical={"id"})
    assert len(log) == 0, format_problems(log.frame())
    assert fast.lines.tolist() == [2, 3, 5] and slow.lines.tolist() == [2, 3, 5]
    pd.testing.assert_frame_equal(fast.frame.drop(columns="t"), slow.frame.drop(columns="t"))
    assert fast.frame["id"].cat.categories.tolist() == ["001", "002", "003"]
    assert fast.frame["v"].isna().tolist() == [False, True, False]
    assert np.asarray(slow.frame["t"])[2] == "c,\nd"


def test_simple_files_take_the_fast_path(dataset_dir, monkeypatch):
    import llkit.data.io.text

    def boom(*args, **kwargs):
        raise AssertionError("the csv-module path was used for a simple file")

    monkeypatch.setattr(llkit.data.io.text, "_slow_csv", boom)
    assert validate(dataset_dir).empty


def test_xlsx_number_typed_as_text_with_decimal_comma(tmp_path, tables):
    base = load_quiet(write_dataset(tmp_path / "csv", tables))
    path = write_xlsx(tmp_path / "data.xlsx", tables)
    wb = openpyxl.load_workbook(path)
    ws = wb["responses"]
    value_col = [c.value for c in ws[1]].index("value") + 1
    for row in range(2, ws.max_row + 1):
        cell = ws.cell(row=row, column=value_col)
        if isinstance(cell.value, float):
            cell.value = str(cell.value).replace(".", ",")  # text, as typed in Danish Excel
    wb.save(path)
    assert_same(base, load_quiet(path))


def _read_both(path: Path, monkeypatch) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A Parquet table read by the row-group path and by the general path."""
    import llkit.data.io as io_mod

    cats = {"round", "item_id", "department_id", "child_id", "respondent_id", "value"}
    ids = {"item_id", "department_id", "child_id", "respondent_id"}
    fast = io_mod.read_parquet_table(path, ProblemLog(), name="responses", categorical=cats,
                                     id_columns=ids)
    monkeypatch.setattr("llkit.data.io.parquet._parquet_streamed", lambda *a, **k: None)
    slow = io_mod.read_parquet_table(path, ProblemLog(), name="responses", categorical=cats,
                                     id_columns=ids)
    monkeypatch.undo()
    return fast.frame, slow.frame


def test_parquet_row_groups_with_their_own_dictionaries(tmp_path, monkeypatch):
    # each row group has its own dictionary (values new in later groups, missing values,
    # padded text); the streamed read must equal the general one value for value
    rng = np.random.default_rng(3)
    n = 5000
    child = np.array([f"C{i:04d}" for i in rng.integers(0, 400, n)], dtype=object)
    child[rng.random(n) < 0.2] = None
    child[7] = " C0001 "
    item = np.array([f"q{i}" for i in rng.integers(0, 9, n)], dtype=object)
    item[n - 1] = "late_item"
    value = rng.integers(1, 6, n).astype(float)
    value[rng.random(n) < 0.1] = np.nan
    table = pa.table({
        "round": pa.array(np.where(np.arange(n) < n // 2, "T1", "T2")),
        "item_id": pa.array(item, type=pa.string()),
        "department_id": pa.array([f"D{i % 3}" for i in range(n)]),
        # a dictionary with a value no row uses
        "child_id": pa.DictionaryArray.from_arrays(
            pa.array(pd.Series(child).map({c: i for i, c in enumerate(
                sorted(set(child) - {None}) + ["unused"])}), type=pa.int32()),
            pa.array(sorted(set(child) - {None}) + ["unused"])),
        "value": pa.array(value),
    })
    path = tmp_path / "responses.parquet"
    pq.write_table(table, path, row_group_size=700)
    assert pq.ParquetFile(path).num_row_groups > 5
    fast, slow = _read_both(path, monkeypatch)
    assert list(fast.columns) == list(slow.columns)
    for c in fast.columns:
        a, b = fast[c], slow[c]
        if isinstance(b.dtype, pd.CategoricalDtype):
            assert isinstance(a.dtype, pd.CategoricalDtype), c
            assert a.cat.categories.dtype == b.cat.categories.dtype, c
        else:
            assert a.dtype == b.dtype, c
        pd.testing.assert_series_equal(a.astype(object), b.astype(object), check_names=False)
    # both reads keep a dictionary value that no row uses; the conversion to the
    # dataset's types drops it and sorts the rest
    used = set(slow["child_id"].dropna())
    assert "unused" in set(fast["child_id"].cat.categories) - used
    from llkit.data.schema import _as_id_categorical

    converted = _as_id_categorical(fast["child_id"])
    assert list(converted.cat.categories) == sorted(used)
    pd.testing.assert_series_equal(converted.astype(object), fast["child_id"].astype(object))


def test_parquet_unusual_columns_take_the_general_path(tmp_path, monkeypatch):
    # integer values and numeric ids are not streamed; the result is the same either way
    table = pa.table({"round": ["T1", "T1"], "item_id": [1, 2], "department_id": ["D1", "D1"],
                      "value": pa.array([3, 4], type=pa.int64())})
    path = tmp_path / "responses.parquet"
    pq.write_table(table, path)
    fast, slow = _read_both(path, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)


def test_parquet_codes_widen_when_later_row_groups_bring_many_new_values(tmp_path, monkeypatch):
    # the first row group has few distinct ids (8-bit codes), later ones bring hundreds
    # more (16-bit codes): codes written before the widening must keep their values
    n = 6000
    child = np.array([f"C{i % 50:04d}" if i < 1000 else f"C{i:05d}" for i in range(n)],
                     dtype=object)
    child[[3, 2500]] = None
    table = pa.table({
        "round": pa.array(["T1"] * n),
        "item_id": pa.array([f"q{i % 4}" for i in range(n)]),
        "child_id": pa.array(child, type=pa.string()),
        "value": pa.array(np.arange(n, dtype=float)),
    })
    path = tmp_path / "responses.parquet"
    pq.write_table(table, path, row_group_size=1000)
    fast, slow = _read_both(path, monkeypatch)
    assert fast["child_id"].cat.codes.dtype == np.int16
    for c in fast.columns:
        pd.testing.assert_series_equal(fast[c].astype(object), slow[c].astype(object))
    assert fast["child_id"].iloc[999] == "C0049" and fast["child_id"].iloc[5999] == "C05999"


@pytest.mark.parametrize("offset", [0, 3, 13])
def test_with_validity_reads_a_sliced_arrow_array(offset):
    from llkit.data.io import _with_validity

    values = [None if i % 4 == 1 else i for i in range(40)]
    arr = pa.array(values, type=pa.int16()).slice(offset, 21)
    raw, valid = _with_validity(arr)
    expected = values[offset:offset + 21]
    assert valid.tolist() == [v is not None for v in expected]
    assert [int(x) for x, ok in zip(raw, valid, strict=True) if ok] == [
        v for v in expected if v is not None]
