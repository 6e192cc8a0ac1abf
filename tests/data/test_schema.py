"""One test per validation rule: break a copy of the valid dataset, find the problem row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import META

from llkit.data.dataset import validate
from llkit.data.schema import (
    PSEUDONYMIZE_ACTION,
    looks_like_cpr,
    mask_cpr,
    required_columns,
    table_schema,
)
from llkit.errors import format_problems

# In the fixture CSV files every record is one line: row i (from 0) is on line i + 2.


def find(pr: pd.DataFrame, *, file: str, problem: str, line: int | None = None,
         column: str | None = None, severity: str = "error") -> pd.DataFrame:
    rows = pr[(pr["severity"] == severity) & (pr["file"] == file)
              & pr["problem"].str.contains(problem, regex=False)]
    if line is not None:
        rows = rows[rows["line"] == line]
    if column is not None:
        rows = rows[rows["column"] == column]
    assert len(rows), f"no {severity} {problem!r} in {file} line {line} column {column}:\n" \
        + format_problems(pr)
    return rows


def errors(pr: pd.DataFrame) -> pd.DataFrame:
    return pr[pr["severity"] == "error"]


def test_valid_fixture_has_no_problems(dataset_dir):
    pr = validate(dataset_dir)
    assert pr.empty, format_problems(pr)


# ---- dataset.toml -------------------------------------------------------------------


def test_missing_dataset_toml(dataset_dir):
    (dataset_dir / "dataset.toml").unlink()
    find(validate(dataset_dir), file="dataset.toml", problem="dataset.toml is missing")


def test_empty_dataset_toml(make_dataset):
    find(validate(make_dataset(meta="  \n")), file="dataset.toml", problem="empty")


def test_bad_toml_reports_the_line(make_dataset):
    meta = 'name = "X"\nsector = "dagtilbud"\nrounds = ["T1", "T2"\n'
    rows = find(validate(make_dataset(meta=meta)), file="dataset.toml",
                problem="not valid TOML")
    assert rows["line"].iloc[0] in (3, 4)


@pytest.mark.parametrize("key", ["name", "sector", "rounds"])
def test_missing_meta_key(make_dataset, key):
    meta = "\n".join(line for line in META.splitlines() if not line.startswith(key))
    find(validate(make_dataset(meta=meta)), file="dataset.toml", column=key,
         problem=f"the key {key} is missing")


def test_unknown_sector(make_dataset):
    meta = META.replace('"dagtilbud"', '"vuggestue"')
    rows = find(validate(make_dataset(meta=meta)), file="dataset.toml", column="sector",
                problem="unknown sector 'vuggestue'", line=2)
    assert "dagtilbud" in rows["problem"].iloc[0] and "skole" in rows["problem"].iloc[0]


@pytest.mark.parametrize("rounds, problem", [
    ('"T1"', "not a single text"),
    ("[]", "non-empty list"),
    ('["T1", "T1"]', "more than once"),
    ('["T1", 2]', "non-empty text"),
    ("7", "non-empty list"),
])
def test_bad_rounds(make_dataset, rounds, problem):
    meta = META.replace('rounds = ["T1", "T2"]', f"rounds = {rounds}")
    find(validate(make_dataset(meta=meta)), file="dataset.toml", column="rounds", line=3,
         problem=problem)


@pytest.mark.parametrize("value", ["0", "-3", '"5"', "2.5", "true"])
def test_min_n_must_be_a_positive_integer(make_dataset, value):
    meta = META.replace("min_n = 3", f"min_n = {value}")
    find(validate(make_dataset(meta=meta)), file="dataset.toml", column="min_n", line=4,
         problem="min_n must be a positive whole number")


def test_synthetic_must_be_boolean(make_dataset):
    meta = META.replace("synthetic = true", 'synthetic = "yes"')
    find(validate(make_dataset(meta=meta)), file="dataset.toml", column="synthetic",
         problem="synthetic must be true or false")


# ---- tables and columns -------------------------------------------------------------


@pytest.mark.parametrize("table", ["units", "children", "measures", "items", "responses"])
def test_missing_table(dataset_dir, table):
    (dataset_dir / f"{table}.csv").unlink()
    find(validate(dataset_dir), file=f"{table}.csv", problem=f"the table {table} is missing")


@pytest.mark.parametrize("table", ["goals", "reference"])
def test_optional_tables_may_be_missing(dataset_dir, table):
    (dataset_dir / f"{table}.csv").unlink()
    assert errors(validate(dataset_dir)).empty


@pytest.mark.parametrize("table, column", [
    (t, c) for t in ["units", "children", "measures", "items", "responses", "goals",
                     "reference"] for c in required_columns(t)
])
def test_missing_required_column(make_dataset, tables, table, column):
    tables[table] = tables[table].drop(columns=column)
    find(validate(make_dataset(tables)), file=f"{table}.csv", line=1, column=column,
         problem=f"missing required column {column}")


def test_extra_columns_are_kept_and_no_error(make_dataset, tables):
    tables["responses"]["comment"] = "ok"
    tables["units"]["leader"] = "Anne"
    assert validate(make_dataset(tables)).empty


@pytest.mark.parametrize("table, column, row", [
    ("units", "department_id", 2), ("units", "institution_id", 1),
    ("children", "child_id", 4), ("measures", "measure_id", 1), ("measures", "label", 0),
    ("measures", "source", 2), ("items", "item_id", 3), ("items", "measure_id", 0),
    ("responses", "item_id", 10), ("responses", "department_id", 5),
    ("responses", "round", 7), ("goals", "goal_id", 1), ("reference", "mean", 0),
])
def test_empty_required_value(make_dataset, tables, table, column, row):
    tables[table].loc[row, column] = ""
    find(validate(make_dataset(tables)), file=f"{table}.csv", line=row + 2, column=column,
         problem=f"empty {column}")


def test_table_without_rows(make_dataset, tables):
    tables["units"] = tables["units"].iloc[0:0]
    find(validate(make_dataset(tables)), file="units.csv", line=1, problem="no data rows")


@pytest.mark.parametrize("table, column, row, copy_of", [
    ("units", "department_id", 3, 0),
    ("children", "child_id", 5, 1),
    ("measures", "measure_id", 2, 0),
    ("items", "item_id", 4, 3),
])
def test_duplicate_ids(make_dataset, tables, table, column, row, copy_of):
    df = tables[table]
    df.loc[row, column] = df.loc[copy_of, column]
    rows = find(validate(make_dataset(tables)), file=f"{table}.csv", line=row + 2,
                column=column, problem=f"duplicate {column}")
    assert rows["value"].iloc[0] == f"{df.loc[copy_of, column]} (first on line {copy_of + 2})"


def test_duplicate_goal(make_dataset, tables):
    tables["goals"].loc[5, "department_id"] = "D01"  # row 4 is T2/D01/G1
    rows = find(validate(make_dataset(tables)), file="goals.csv", line=7,
                problem="duplicate round + department_id + goal_id")
    assert rows["value"].iloc[0] == "T2 / D01 / G1 (first on line 6)"


# ---- references ---------------------------------------------------------------------


@pytest.mark.parametrize("table, column, row, target", [
    ("items", "measure_id", 1, "measures.csv"),
    ("responses", "item_id", 3, "items.csv"),
    ("responses", "department_id", 6, "units.csv"),
    ("responses", "child_id", 9, "children.csv"),
    ("goals", "department_id", 2, "units.csv"),
    ("reference", "measure_id", 1, "measures.csv"),
])
def test_unknown_reference(make_dataset, tables, table, column, row, target):
    tables[table].loc[row, column] = "NOPE"
    rows = find(validate(make_dataset(tables)), file=f"{table}.csv", line=row + 2,
                column=column, problem=f"unknown {column}: there is no such")
    assert target in rows["problem"].iloc[0] and rows["value"].iloc[0] == "NOPE"


@pytest.mark.parametrize("table, row", [("responses", 12), ("goals", 3), ("reference", 1)])
def test_round_not_in_dataset_toml(make_dataset, tables, table, row):
    tables[table].loc[row, "round"] = "T9"
    rows = find(validate(make_dataset(tables)), file=f"{table}.csv", line=row + 2,
                column="round", problem="round is not one of the rounds in dataset.toml")
    assert rows["value"].iloc[0] == "T9"


# ---- values -------------------------------------------------------------------------


@pytest.mark.parametrize("table, column, row, problem", [
    ("responses", "value", 4, "value is not a number"),
    ("measures", "scale_min", 0, "scale_min is not a number"),
    ("measures", "scale_max", 1, "scale_max is not a number"),
    ("measures", "low_cut", 0, "low_cut is not a number"),
    ("measures", "high_cut", 2, "high_cut is not a number"),
    ("measures", "min_items", 0, "min_items must be a whole number"),
    ("reference", "n", 1, "n must be a whole number"),
    ("reference", "mean", 0, "mean is not a number"),
    ("reference", "sd", 1, "sd is not a number"),
])
def test_non_numeric(make_dataset, tables, table, column, row, problem):
    tables[table].loc[row, column] = "abc"
    rows = find(validate(make_dataset(tables)), file=f"{table}.csv", line=row + 2,
                column=column, problem=problem)
    assert rows["value"].iloc[0] == "abc"


@pytest.mark.parametrize("text", ["inf", "1,5", "3.5.1", "0x10"])
def test_strange_numbers_are_not_numbers(make_dataset, tables, text):
    tables["responses"].loc[0, "value"] = text
    find(validate(make_dataset(tables)), file="responses.csv", line=2, column="value",
         problem="value is not a number")


def test_na_text_counts_as_not_answered(make_dataset, tables):
    tables["responses"].loc[0, "value"] = "NA"
    assert errors(validate(make_dataset(tables))).empty


@pytest.mark.parametrize("value", ["0", "6", "-1"])
def test_value_outside_scale(make_dataset, tables, value):
    tables["responses"].loc[1, "value"] = value  # item M1_2, scale 1-5
    rows = find(validate(make_dataset(tables)), file="responses.csv", line=3, column="value",
                problem="value outside the scale 1–5 of measure M1")
    assert "measures.csv" in rows["action"].iloc[0] and rows["value"].iloc[0] == value


def test_unbounded_scale_accepts_any_value(make_dataset, tables):
    tables["measures"].loc[0, ["scale_min", "scale_max"]] = ""
    tables["responses"].loc[1, "value"] = "250"
    assert errors(validate(make_dataset(tables))).empty


def test_subject_must_be_known(make_dataset, tables):
    tables["measures"].loc[1, "subject"] = "parent"
    find(validate(make_dataset(tables)), file="measures.csv", line=3, column="subject",
         problem="subject must be child, respondent or department")


@pytest.mark.parametrize("table, column, row", [
    ("items", "reverse", 2), ("measures", "higher_is_better", 0),
    ("goals", "signs_defined", 3), ("goals", "signs_documented", 5),
])
def test_bad_boolean(make_dataset, tables, table, column, row):
    tables[table].loc[row, column] = "maybe"
    find(validate(make_dataset(tables)), file=f"{table}.csv", line=row + 2, column=column,
         problem=f"{column} is not a yes/no value")


@pytest.mark.parametrize("word", ["TRUE", "False", "Ja", "nej", "YES", "no", "Sand", "falsk",
                                  "1", "0", ""])
def test_boolean_spellings(make_dataset, tables, word):
    tables["items"].loc[2, "reverse"] = word
    assert errors(validate(make_dataset(tables))).empty


def test_scale_min_must_be_below_scale_max(make_dataset, tables):
    tables["measures"].loc[2, "scale_min"] = "7"
    find(validate(make_dataset(tables)), file="measures.csv", line=4, column="scale_max",
         problem="scale_min must be smaller than scale_max")


def test_low_cut_above_high_cut(make_dataset, tables):
    tables["measures"].loc[0, "low_cut"] = "4.5"
    find(validate(make_dataset(tables)), file="measures.csv", line=2, column="high_cut",
         problem="low_cut is greater than high_cut")


def test_birth_date_and_year(make_dataset, tables):
    tables["children"].loc[1, "birth_date"] = "31-02-2011"
    tables["children"]["birth_year"] = ["2011"] * 7 + ["11.5"]
    pr = validate(make_dataset(tables))
    find(pr, file="children.csv", line=3, column="birth_date", problem="not a date")
    find(pr, file="children.csv", line=9, column="birth_year", problem="not a year")


# ---- answers ------------------------------------------------------------------------


def test_child_id_missing_for_child_subject(make_dataset, tables):
    tables["responses"].loc[2, "child_id"] = ""
    rows = find(validate(make_dataset(tables)), file="responses.csv", line=4,
                column="child_id", problem="child_id is missing")
    assert "'M1'" in rows["problem"].iloc[0]


def test_respondent_id_missing_for_respondent_subject(make_dataset, tables):
    r = tables["responses"]
    row = r.index[r["item_id"] == "M2_1"][0]
    r.loc[row, "respondent_id"] = ""
    find(validate(make_dataset(tables)), file="responses.csv", line=row + 2,
         column="respondent_id", problem="respondent_id is missing")


def test_duplicate_answer_child(make_dataset, tables):
    r = tables["responses"]
    tables["responses"] = pd.concat([r, r.iloc[[1]]], ignore_index=True)
    rows = find(validate(make_dataset(tables)), file="responses.csv", line=len(r) + 2,
                problem="duplicate answer: the same child, item and round is on an earlier")
    assert rows["value"].iloc[0] == "M1_2 (first on line 3)"


def test_two_parents_answering_about_one_child_are_not_duplicates(make_dataset, tables):
    r = tables["responses"]
    extra = r.iloc[[1]].copy()
    r.loc[1, "respondent_id"] = "P1"
    extra["respondent_id"] = "P2"
    tables["responses"] = pd.concat([r, extra], ignore_index=True)
    assert errors(validate(make_dataset(tables))).empty


def test_duplicate_answer_respondent(make_dataset, tables):
    r = tables["responses"]
    row = r.index[r["item_id"] == "M2_2"][0]
    extra = r.loc[[row]].copy()
    extra["department_id"] = "D04"  # same person, item and round: still a duplicate
    tables["responses"] = pd.concat([r, extra], ignore_index=True)
    rows = find(validate(make_dataset(tables)), file="responses.csv", line=len(r) + 2,
                problem="duplicate answer: the same respondent, item and round")
    assert rows["value"].iloc[0] == f"M2_2 (first on line {row + 2})"


def test_duplicate_answer_department(make_dataset, tables):
    r = tables["responses"]
    row = r.index[r["item_id"] == "M3_1"][0]
    tables["responses"] = pd.concat([r, r.loc[[row]]], ignore_index=True)
    rows = find(validate(make_dataset(tables)), file="responses.csv", line=len(r) + 2,
                problem="duplicate answer: the same department, respondent, item and round")
    assert rows["value"].iloc[0] == f"M3_1 (first on line {row + 2})"


def test_child_in_two_departments_in_one_round(make_dataset, tables):
    tables["responses"].loc[2, "department_id"] = "D02"  # C001, T1, item M1_3
    rows = find(validate(make_dataset(tables)), file="responses.csv", line=4,
                column="department_id", problem="two departments in the same round")
    assert rows["value"].iloc[0] == "C001: D02 here, D01 on other rows of T1"


def test_child_may_move_between_rounds(make_dataset, tables):
    r = tables["responses"]
    r.loc[(r["child_id"] == "C001") & (r["round"] == "T2"), "department_id"] = "D03"
    assert errors(validate(make_dataset(tables))).empty


# ---- CPR numbers --------------------------------------------------------------------


@pytest.mark.parametrize("table, column, row", [
    ("units", "department_id", 0), ("units", "institution_id", 3),
    ("children", "child_id", 2), ("children", "note", 4),
    ("responses", "child_id", 5), ("responses", "respondent_id", 30),
    ("items", "item_id", 6), ("goals", "goal_id", 0),
])
@pytest.mark.parametrize("cpr", ["010203-1234", "2902001234"])
def test_cpr_numbers_are_errors_and_masked(make_dataset, tables, table, column, row, cpr):
    tables[table].loc[row, column] = cpr
    pr = validate(make_dataset(tables))
    rows = find(pr, file=f"{table}.csv", line=row + 2, column=column,
                problem="looks like a CPR number")
    assert rows["action"].iloc[0] == PSEUDONYMIZE_ACTION
    assert "llkit pseudonymize IN OUT --key-file KEY" in rows["action"].iloc[0]
    assert rows["value"].iloc[0] == cpr[:6] + "-****"
    text = pr.astype(str).to_string() + format_problems(pr)
    assert cpr[-4:] not in text.replace(cpr[:6], "")


def test_cpr_detection():
    assert looks_like_cpr(["010203-1234", "311299-0000", "2902001234", " 0101011234 "]).all()
    assert not looks_like_cpr(["3213991234", "0000001234", "2902011234", "1234567890",
                               "D01", "01020312345", "010203-123", ""]).any()


def test_mask_cpr_masks_problem_texts():
    df = pd.DataFrame({"value": ["0102031234", None], "problem": ["child '010203-1234' x", "y"]})
    out = mask_cpr(df)
    assert out["value"].iloc[0] == "010203-****" and pd.isna(out["value"].iloc[1])
    assert out["problem"].iloc[0] == "child '010203-****' x"


# ---- warnings -----------------------------------------------------------------------


def test_unit_without_answers_is_a_warning(make_dataset, tables):
    tables["units"].loc[4] = ["D05", "Stue E", "I02", "Mælkebøtten", "Klynge Syd", "Øst"]
    pr = validate(make_dataset(tables))
    assert errors(pr).empty
    find(pr, file="units.csv", line=6, column="department_id", severity="warning",
         problem="the department has no answers")


def test_item_with_much_missing_data_is_a_warning(make_dataset, tables):
    r = tables["responses"]
    idx = r.index[r["item_id"] == "M1_2"]
    r.loc[idx[:6], "value"] = ""  # 6 of 16 = 38 %
    pr = validate(make_dataset(tables))
    assert errors(pr).empty
    find(pr, file="items.csv", line=3, column="item_id", severity="warning",
         problem="38% of the 16 answer rows of this item are empty")


def test_item_with_little_missing_data_is_fine(make_dataset, tables):
    r = tables["responses"]
    idx = r.index[r["item_id"] == "M1_2"]
    r.loc[idx[:4], "value"] = ""  # 25 %
    assert validate(make_dataset(tables)).empty


def test_measure_without_items_is_a_warning(make_dataset, tables):
    tables["measures"].loc[3] = ["M4", "Leg", "pædagog", "child", "1", "5", "", "", "", "", ""]
    pr = validate(make_dataset(tables))
    assert errors(pr).empty
    find(pr, file="measures.csv", line=5, column="measure_id", severity="warning",
         problem="the measure has no items")


def test_min_items_larger_than_item_count_is_a_warning(make_dataset, tables):
    tables["measures"].loc[1, "min_items"] = "3"
    pr = validate(make_dataset(tables))
    assert errors(pr).empty
    find(pr, file="measures.csv", line=3, column="min_items", severity="warning",
         problem="min_items is 3 but the measure has only 2 item(s)")


def test_unknown_background_value_is_a_warning(make_dataset, tables):
    tables["children"].loc[3, "parent_education"] = "Ph.d."
    pr = validate(make_dataset(tables))
    assert errors(pr).empty
    find(pr, file="children.csv", line=5, column="parent_education", severity="warning",
         problem="'Ph.d.' is not one of the known values")


# ---- all at once ----------------------------------------------------------------------


def test_all_problems_are_reported_at_once(make_dataset, tables):
    tables["units"].loc[1, "department_id"] = ""
    tables["items"].loc[0, "measure_id"] = "M9"
    tables["responses"].loc[3, "value"] = "x"
    tables["responses"].loc[7, "round"] = "T7"
    tables["goals"].loc[0, "signs_defined"] = "?"
    pr = errors(validate(make_dataset(tables)))
    assert {"units.csv", "items.csv", "responses.csv", "goals.csv"} <= set(pr["file"])
    assert pr["problem"].notna().all() and pr["action"].notna().all()


def test_every_schema_column_has_a_kind():
    for table in ["units", "children", "measures", "items", "responses", "goals", "reference"]:
        schema = table_schema(table)
        assert all(c.metadata and c.metadata.get("kind") for c in schema.columns.values())


def test_background_categorical_same_as_text():
    # a Parquet background column arrives as a Categorical: it is converted on its
    # categories only, with the same result and warnings as the same values as text
    import numpy as np

    from llkit.data.io import RawTable
    from llkit.data.schema import _background
    from llkit.errors import ProblemLog

    known = ["Dansk", "Dansk og andet sprog", "Andet sprog"]
    values = ["dansk", "Dansk", None, "Ukendt", "andet sprog", "ukendt", "Ukendt", "zz", None]
    cat = pd.Series(pd.Categorical(values, categories=["zz", "dansk", "Dansk", "Ukendt",
                                                       "andet sprog", "ukendt", "unused"]))
    text = pd.Series(pd.array(values, dtype="str"))
    out = []
    for s in (cat, text):
        log = ProblemLog()
        t = RawTable(name="children", file="children.parquet", frame=pd.DataFrame(),
                     lines=np.arange(2, len(values) + 2))
        res = _background(s, len(values), s.index, known, t, "language", log)
        out.append((res, log.frame()))
    (a, pa_), (b, pb) = out
    pd.testing.assert_series_equal(a, b)
    assert list(a.cat.categories) == known + ["Ukendt", "ukendt", "zz"]
    pd.testing.assert_frame_equal(pa_, pb)
    assert len(pa_) == 3 and "2 row(s), first on this line" in pa_["problem"].iloc[0]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("wide", [10, 3_000_000_000, 6 * 10**15])
def test_duplicate_keys_equal_pandas_duplicated(seed, wide):
    # the key finder (dense table, leading-column pre-check, hashing) against pandas;
    # a very wide last column forces the pre-check on the leading columns
    from llkit.data.schema import _duplicates

    rng = np.random.default_rng(seed)
    n = 4000
    a = rng.integers(-1, 3, n).astype(np.int8)
    b = rng.integers(0, 40, n).astype(np.int32)
    item = rng.integers(-1, 6, n).astype(np.int16)
    table = np.array([0, 2, 1, 4, 3, 5, -1], dtype=np.int16)  # code -1 picks the last
    c = rng.integers(0, 4, n).astype(np.int64) * (wide // 4)
    sel = rng.random(n) < 0.8
    later, first = _duplicates([a, b, (item, table), c], sel)
    if wide > 2**40:  # the whole key space is too large even to number: hashed keys
        assert (later.tolist(), first.tolist()) == tuple(
            x.tolist() for x in _duplicates([a, b, (item, table), c], sel, coarse=False))
    frame = pd.DataFrame({"a": a, "b": b, "i": table[item], "c": c})[sel].reset_index(drop=True)
    dup = frame.duplicated(keep="first").to_numpy()
    assert later.tolist() == np.flatnonzero(dup).tolist()
    firsts = frame.reset_index().groupby(["a", "b", "i", "c"])["index"].transform("min")
    assert first.tolist() == firsts.to_numpy()[dup].tolist()
