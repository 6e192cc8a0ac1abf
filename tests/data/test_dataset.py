"""The Dataset: dtypes, organisation, select, info, writing."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from llkit.data.dataset import LEVEL_COLUMNS, LEVELS, Dataset, Meta, load, validate
from llkit.data.profiles import get_profile
from llkit.errors import DataError, DataWarning


@pytest.fixture
def ds(dataset_dir) -> Dataset:
    return load(dataset_dir)


def _str(s: pd.Series) -> bool:
    return s.dtype == "str"


def _idcat(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.CategoricalDtype) and s.cat.categories.dtype == "str"


def test_meta(ds):
    assert ds.meta == Meta(name="Testkommune", sector="dagtilbud", rounds=["T1", "T2"],
                           round_dates={"T1": "2015-03-01", "T2": "2017-03-01"}, min_n=3,
                           synthetic=True, extra={})
    assert ds.profile.sector == "dagtilbud"
    assert ds.problems.empty


def test_units_dtypes_and_names_filled(ds):
    u = ds.units
    assert list(u.columns) == ["department_id", "department_name", "institution_id",
                               "institution_name", "cluster", "area"]
    assert all(_str(u[c]) for c in u.columns)
    assert u.loc[3, "department_name"] == "D04"  # empty name -> id


def test_children_dtypes(ds):
    c = ds.children
    assert _str(c["child_id"]) and _str(c["note"]) and _str(c["birth_date"])
    assert c["birth_year"].dtype == "Int64"
    assert c["birth_year"].tolist() == [2011] * 8
    profile = get_profile("dagtilbud")
    for attr, cats in profile.background.items():
        assert isinstance(c[attr].dtype, pd.CategoricalDtype) and c[attr].cat.ordered
        assert c[attr].cat.categories.tolist() == cats
    assert c["parent_education"].isna().sum() == 1
    assert c["parent_education"].min() == "Grundskole"
    # file order kept: child_id, birth_date, birth_year, then the rest as in the file
    assert list(c.columns)[:5] == ["child_id", "birth_date", "birth_year", "sex",
                                   "parent_education"]


def test_measures_and_items_dtypes(ds):
    m = ds.measures
    assert m["subject"].cat.categories.tolist() == ["child", "respondent", "department"]
    for c in ("scale_min", "scale_max", "low_cut", "high_cut"):
        assert m[c].dtype == np.float64
    assert m["higher_is_better"].dtype == bool and m["higher_is_better"].all()
    assert m["min_items"].dtype == np.int64 and m["min_items"].tolist() == [2, 1, 2]
    assert np.isnan(m.loc[1, "low_cut"])
    assert _str(m["measure_id"]) and _str(m["label"]) and _str(m["source"]) and _str(m["group"])
    i = ds.items
    assert list(i.columns) == ["item_id", "measure_id", "text", "reverse"]
    assert i["reverse"].dtype == bool and i["reverse"].tolist() == [False, False, True] + [False] * 4


def test_responses_dtypes(ds):
    r = ds.responses
    assert list(r.columns) == ["round", "item_id", "department_id", "child_id",
                               "respondent_id", "value"]
    assert r["round"].cat.ordered and r["round"].cat.categories.tolist() == ["T1", "T2"]
    for c in ("item_id", "department_id", "child_id", "respondent_id"):
        assert _idcat(r[c]), c
        cats = r[c].cat.categories.tolist()
        assert cats == sorted(cats)
    assert r["value"].dtype == np.float64
    assert r["value"].isna().sum() == 1
    assert r["child_id"].isna().sum() == 32  # staff and observation rows


def test_goals_and_reference_dtypes(ds):
    g = ds.goals
    assert g["round"].cat.ordered
    assert g["signs_defined"].dtype == bool and g["signs_documented"].dtype == bool
    assert g["signs_defined"].tolist()[:4] == [True, True, False, True]
    assert _str(g["department_id"]) and _str(g["goal"])
    ref = ds.reference
    assert ref["n"].dtype == "Int64" and ref["n"].tolist() == [1250, 1300]
    assert ref["mean"].dtype == np.float64 and ref["sd"].dtype == np.float64
    assert ref["round"].cat.categories.tolist() == ["T1", "T2"]


def test_defaults_when_optional_columns_are_absent(make_dataset, tables):
    tables["measures"] = tables["measures"][["measure_id", "label", "source", "subject"]]
    tables["items"] = tables["items"][["item_id", "measure_id"]]
    for k in ("goals", "reference"):
        del tables[k]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ds = load(make_dataset(tables))
    m = ds.measures
    assert m["higher_is_better"].all() and (m["min_items"] == 1).all()
    assert m["scale_min"].isna().all() and m["group"].isna().all()
    assert not ds.items["reverse"].any()
    assert ds.goals is None and ds.reference is None


def test_unknown_background_value_extends_categories(make_dataset, tables):
    tables["children"].loc[0, "sex"] = "Andet"
    tables["children"].loc[1, "language"] = "dansk"  # case differs: mapped
    with pytest.warns(DataWarning, match="not one of the known values of sex"):
        ds = load(make_dataset(tables))
    assert ds.children["sex"].cat.categories.tolist() == ["Pige", "Dreng", "Andet"]
    assert ds.children.loc[0, "sex"] == "Andet"
    assert ds.children.loc[1, "language"] == "Dansk"
    assert len(ds.problems) == 1 and ds.problems.loc[0, "severity"] == "warning"


def test_missing_background_columns_are_created(make_dataset, tables):
    tables["children"] = tables["children"][["child_id", "birth_date"]]
    ds = load(make_dataset(tables))
    assert ds.children["language"].isna().all()
    assert ds.children["language"].cat.categories.tolist() == get_profile("dagtilbud").background[
        "language"]


def test_birth_year_from_birth_year_column(make_dataset, tables):
    tables["children"] = tables["children"].drop(columns="birth_date").assign(
        birth_year=["2012"] * 8)
    ds = load(make_dataset(tables))
    assert ds.children["birth_year"].tolist() == [2012] * 8


def test_load_raises_with_all_problems(make_dataset, tables):
    tables["units"].loc[0, "department_id"] = ""
    tables["responses"].loc[0, "value"] = "x"
    with pytest.raises(DataError) as info:
        load(make_dataset(tables))
    assert set(info.value.problems["file"]) >= {"units.csv", "responses.csv"}


def test_validate_never_raises_and_returns_the_table(make_dataset, tables):
    tables["responses"].loc[0, "value"] = "x"
    pr = validate(make_dataset(tables))
    assert list(pr.columns) == ["severity", "file", "line", "column", "value", "problem",
                                "action"]
    assert len(pr) == 1


def test_load_without_validation(dataset_dir):
    ds = load(dataset_dir, validate=False)
    assert len(ds.responses) == 80


# ---- organisation ---------------------------------------------------------------------


def test_org(ds):
    org = ds.org
    assert list(org.columns) == ["department_id", "department_name", "institution_id",
                                 "institution_name", "cluster", "area", "municipality"]
    assert (org["municipality"] == "Testkommune").all()
    assert len(org) == 4


def test_levels_constants():
    assert LEVELS == ("department", "institution", "cluster", "area", "municipality")
    assert set(LEVEL_COLUMNS) == set(LEVELS)


@pytest.mark.parametrize("level, n, cols", [
    ("department", 4, ["department_id", "department_name"]),
    ("institution", 2, ["institution_id", "institution_name"]),
    ("cluster", 2, ["cluster"]),
    ("area", 1, ["area"]),
    ("municipality", 1, ["municipality"]),
])
def test_level_units(ds, level, n, cols):
    lu = ds.level_units(level)
    assert list(lu.columns) == cols and len(lu) == n


def test_level_units_unknown(ds):
    with pytest.raises(KeyError, match="institution"):
        ds.level_units("school")


@pytest.mark.parametrize("kw, depts, children", [
    ({"department": "D02"}, ["D02"], ["C003", "C004"]),
    ({"department": ["D01", "D04"]}, ["D01", "D04"], ["C001", "C002", "C007", "C008"]),
    ({"institution": "I02"}, ["D03", "D04"], ["C005", "C006", "C007", "C008"]),
    ({"cluster": "Klynge Nord"}, ["D01", "D02"], ["C001", "C002", "C003", "C004"]),
    ({"area": "Øst"}, ["D01", "D02", "D03", "D04"], [f"C{i:03d}" for i in range(1, 9)]),
    ({"municipality": "Testkommune"}, ["D01", "D02", "D03", "D04"],
     [f"C{i:03d}" for i in range(1, 9)]),
    ({"institution": "I01", "department": "D01"}, ["D01"], ["C001", "C002"]),
])
def test_select(ds, kw, depts, children):
    sub = ds.select(**kw)
    assert sub.units["department_id"].tolist() == depts
    assert sorted(sub.responses["department_id"].unique().tolist()) == depts
    assert sub.responses["department_id"].cat.categories.tolist() == depts
    assert sub.children["child_id"].tolist() == children
    assert sorted(sub.goals["department_id"].unique()) == depts
    pd.testing.assert_frame_equal(sub.measures, ds.measures)
    pd.testing.assert_frame_equal(sub.items, ds.items)
    pd.testing.assert_frame_equal(sub.reference, ds.reference)
    assert sub.meta == ds.meta
    assert sub.responses["round"].cat.categories.tolist() == ["T1", "T2"]
    assert len(ds.units) == 4  # the original is untouched


def test_select_unknown_value_names_the_known_ones(ds):
    with pytest.raises(KeyError, match="I01, I02"):
        ds.select(institution="I09")
    with pytest.raises(KeyError, match="levels are"):
        ds.select(school="x")


def test_info(ds):
    info = ds.info()
    assert info["name"] == "Testkommune" and info["sector"] == "dagtilbud"
    assert info["rounds"] == ["T1", "T2"]
    assert (info["n_institutions"], info["n_departments"], info["n_children"]) == (2, 4, 8)
    assert (info["n_clusters"], info["n_areas"], info["n_measures"]) == (2, 1, 3)
    assert info["n_responses"] == 80 and info["n_answered"] == 79
    assert info["n_respondents"] == 5
    expected = pd.DataFrame({"T1": [8, 8, 24], "T2": [8, 8, 24]},
                            index=pd.Index(["medarbejder", "observatør", "pædagog"],
                                           name="source"))
    expected.columns.name = "round"
    pd.testing.assert_frame_equal(info["responses"], expected)
    assert info["has_goals"] and info["has_reference"] and info["n_warnings"] == 0
    assert ds.select(institution="I01").info()["n_children"] == 4


# ---- writing ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_to_folder_round_trip(ds, tmp_path, fmt):
    out = ds.to_folder(tmp_path / "copy", format=fmt)
    assert (out / "dataset.toml").is_file()
    assert (out / f"responses.{fmt}").is_file()
    again = load(out)
    assert again.meta == ds.meta
    for name, frame in ds.tables.items():
        pd.testing.assert_frame_equal(getattr(again, name), frame, obj=name)
    assert not list(tmp_path.glob(".copy*"))  # no temporary folder left behind


def test_to_folder_keeps_extra_meta(make_dataset, tmp_path):
    from conftest import META

    meta = META.replace("synthetic = true", 'synthetic = true\ncontact = "Anne"\nyear = 2019')
    ds = load(make_dataset(meta=meta))
    assert ds.meta.extra == {"contact": "Anne", "year": 2019}
    again = load(ds.to_folder(tmp_path / "copy"))
    assert again.meta == ds.meta


def test_to_folder_refuses_to_overwrite(ds, tmp_path):
    target = tmp_path / "copy"
    ds.to_folder(target)
    with pytest.raises(FileExistsError):
        ds.to_folder(target)
    ds.select(institution="I01").to_folder(target, overwrite=True)
    assert len(load(target).units) == 2
    with pytest.raises(ValueError):
        ds.to_folder(tmp_path / "x", format="xlsx")


def test_selected_dataset_writes_and_loads(ds, tmp_path):
    sub = ds.select(cluster="Klynge Syd")
    again = load(sub.to_folder(tmp_path / "syd", format="parquet"))
    assert again.units["department_id"].tolist() == ["D03", "D04"]
    assert len(again.responses) == len(sub.responses)
