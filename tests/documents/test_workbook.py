"""The tables of the Excel workbook (llkit.documents.workbook): the shown cells equal the
public indicator functions, suppressed cells are empty, and no hidden number can be worked
out by differencing across the sheets of one workbook."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import llkit
from llkit.documents.common import prepare
from llkit.documents.workbook import COLUMNS, SHEETS, scope_of, workbook_tables

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "dagtilbud"
INST_LEVEL = {"Kommune": "municipality", "Klynge": "cluster", "Dagtilbud": "institution",
              "Stue/gruppe": "department", "Område": "area"}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    from llkit.data.sample import generate

    folder = tmp_path_factory.mktemp("wb") / "data"
    generate("dagtilbud", folder, institutions=6, seed=3)
    (folder / "plans").mkdir(exist_ok=True)
    shutil.copy(SAMPLE / "plans" / "I03.yaml", folder / "plans" / "I03.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare(folder, min_n=10)   # some institutions hidden, some shown


@pytest.fixture(scope="module")
def overview(ds):
    return workbook_tables(ds)


@pytest.fixture(scope="module")
def report(ds):
    return workbook_tables(ds, unit="I02")


def _rows(t: pd.DataFrame, level: str) -> pd.DataFrame:
    return t[t["niveau"].map(INST_LEVEL) == level]


def test_every_column_is_explained_and_every_sheet_is_there(overview):
    assert list(overview) == list(SHEETS)
    assert "handleplaner" not in workbook_tables(prepare(SAMPLE), unit="I05")   # I05 has no plan
    for name, t in overview.items():
        assert set(t.columns) <= set(COLUMNS), name
        assert len(t), name


def test_shown_summaries_equal_summarize_and_suppressed_ones_are_empty(ds, overview):
    ref = llkit.summarize(ds, by="institution")
    ref = ref.assign(enhed_id=ref["institution_id"].astype(str), runde=ref["round"].astype(str),
                     maal_id=ref["measure_id"].astype(str))
    got = _rows(overview["resultater"], "institution")
    m = got.merge(ref, on=["enhed_id", "maal_id", "runde"], suffixes=("", "_ref"), validate="1:1")
    assert len(m) == len(ref)
    shown = m["skjult"].isna()
    assert shown.sum() > 0 and (~shown).sum() > 0
    for col in ("mean", "ci_low", "ci_high", "share_low", "share_middle", "share_high"):
        np.testing.assert_allclose(m.loc[shown, col].astype(float), m.loc[shown, col + "_ref"].astype(float))
        assert m.loc[~shown, col].isna().all(), col
    np.testing.assert_array_equal(m["n"].astype(int), m["n_ref"].astype(int))
    # what summarize hides, the workbook hides (it may hide more, never less)
    assert not (m["suppressed"].astype(bool) & shown).any()
    muni = llkit.summarize(ds, by=None)
    got_m = _rows(overview["resultater"], "municipality")
    np.testing.assert_allclose(np.sort(got_m["mean"].astype(float)), np.sort(muni["mean"].astype(float)))


def test_change_gap_and_comparison_equal_the_indicators_on_shown_cells(ds, overview):
    measures = ds.measures["measure_id"].tolist()
    for sheet, ref, keys, cols in (
        ("udvikling", llkit.change(ds, measures, by="institution"), ["maal_id"], ["diff", "ci_low", "p_value"]),
        ("social_baggrund", llkit.gap(ds, _child(ds), by="institution"),
         ["maal_id", "runde"], ["gap", "mean_low", "p_value"]),
        ("kommunen", llkit.compare(ds, measures, level="institution", round=ds.meta.rounds[-1]),
         ["maal_id", "runde"], ["mean", "target_kommune", "shrunken_mean"]),
    ):
        ref = ref.assign(enhed_id=ref["institution_id"].astype(str), maal_id=ref["measure_id"].astype(str))
        ref = ref.rename(columns={"target": "target_kommune"})
        if "round" in ref:
            ref["runde"] = ref["round"].astype(str)
        got = _rows(overview[sheet], "institution")
        m = got.merge(ref, on=["enhed_id", *keys], suffixes=("", "_ref"), validate="1:1")
        assert len(m) == len(got) == len(ref), sheet
        shown = m["skjult"].isna()
        assert shown.sum() > 0, sheet
        for col in cols:
            np.testing.assert_allclose(m.loc[shown, col].astype(float), m.loc[shown, col + "_ref"].astype(float),
                                       err_msg=f"{sheet}.{col}")
            assert m.loc[~shown, col].isna().all(), f"{sheet}.{col}"
        assert not (m["suppressed"].astype(bool) & shown).any(), sheet


def _child(ds):
    return ds.measures.loc[ds.measures["subject"] == "child", "measure_id"].tolist()


def test_coverage_variance_and_reliability_equal_the_indicators(ds, overview):
    cov = llkit.coverage(ds, by="institution")
    got = _rows(overview["tegn_paa_laering"], "institution")
    np.testing.assert_allclose(got["share"].astype(float).to_numpy(), cov["share"].to_numpy())
    rel = llkit.reliability(ds, round=ds.meta.rounds[-1])
    np.testing.assert_allclose(overview["reliabilitet"]["alpha"].astype(float), rel["alpha"])
    vc = llkit.variance_components(ds, ds.measures["measure_id"].tolist(), level="institution",
                                   round=ds.meta.rounds[-1])
    v = overview["varians"].merge(vc.assign(maal_id=vc["measure_id"]), on="maal_id", suffixes=("", "_ref"))
    np.testing.assert_allclose(v["icc"].astype(float), v["icc_ref"].astype(float))


def test_a_reports_workbook_is_scoped_like_the_report(ds, report):
    scope = dict(scope_of(ds, "institution", "I02"))
    units = set(report["resultater"]["enhed_id"])
    assert units == {ds.meta.name, *scope["cluster"], "I02", *scope["department"]}
    depts = ds.units.loc[ds.units["institution_id"] == "I02", "department_id"].astype(str)
    assert set(scope["department"]) == set(depts)
    with pytest.raises(KeyError, match="unknown institution"):
        workbook_tables(ds, unit="nope")


def test_verdicts_are_the_documents_decisions(ds, report, overview):
    from llkit.documents.family import report_family
    from llkit.documents.overview import overview_family

    fam = report_family(ds, "I02")
    ch = report["udvikling"]
    for _, r in fam[fam["kind"] == "change"].iterrows():
        row = ch[(ch["enhed_id"] == "I02") & (ch["maal_id"] == r["measure_id"])]
        want = "reel forskel" if r["real"] else ("mulig forskel" if r["flag"] else "ikke påvist")
        assert row["vurdering"].iloc[0] == want
    ofam = overview_family(ds)
    ofam = ofam[ofam["kind"].isin(["change", "staff_change", "unit_change"])]
    ch = overview["udvikling"]
    for _, r in ofam.iterrows():
        unit = ds.meta.name if pd.isna(r["institution_id"]) else r["institution_id"]
        row = ch[(ch["enhed_id"] == unit) & (ch["maal_id"] == r["measure_id"])].iloc[0]
        want = "reel forskel" if r["real"] else ("mulig forskel" if r["flag"] else "ikke påvist")
        # shown with the overview's verdict, or hidden so that nothing can be worked out
        assert row["vurdering"] == want if pd.isna(row["skjult"]) else pd.isna(row["vurdering"])
    assert ch["vurdering"].notna().sum() >= len(ofam) - ch["skjult"].str.contains("andre ark", na=False).sum()
    # outside the document's family: no verdict
    assert report["udvikling"].loc[report["udvikling"]["niveau"] == "Stue/gruppe", "vurdering"].isna().all()


def _whole_has_single_hidden_part(t: pd.DataFrame, ds, parent_of, group: list[str], n_col: str,
                                  parts=None) -> list:
    """Wholes (parent unit x group) whose parts are all in the table and of which exactly
    one part with persons is hidden: total minus the shown parts would reveal it."""
    info = ds.measures.set_index("measure_id")["subject"]
    t = t[t["maal_id"].map(info) != "department"]
    t = t.assign(_parent=t.apply(parent_of, axis=1), _hidden=t["skjult"].notna())
    bad = []
    for key, g in t.groupby(["niveau", "_parent", *group]):
        if parts is not None and g["enhed_id"].nunique() < parts(key[0], key[1]):
            continue   # a sibling is not in this workbook: nothing to subtract
        hidden = g[g["_hidden"] & (g[n_col].fillna(0).astype(float) > 0)]
        if len(hidden) == 1:
            bad.append(key)
    return bad


def test_differencing_across_the_sheets_finds_no_hidden_value(ds, report, overview):
    org = ds.org
    inst_of = dict(zip(org["department_id"].astype(str), org["institution_id"].astype(str), strict=True))
    cluster_of = dict(zip(org["institution_id"].astype(str), org["cluster"].astype(str), strict=False))

    def parent(r):
        lvl = INST_LEVEL[r["niveau"]]
        return {"department": inst_of.get(r["enhed_id"]), "institution": cluster_of.get(r["enhed_id"])}.get(lvl, "all")

    def parts(niveau, parent_id):
        lvl = INST_LEVEL[niveau]
        if lvl == "department":
            return int((org["institution_id"].astype(str) == parent_id).sum())
        if lvl == "institution":
            return org.loc[org["cluster"].astype(str) == parent_id, "institution_id"].nunique()
        return 1

    for tables in (report, overview):
        for sheet, group, n_col in (("resultater", ["maal_id", "runde"], "n"),
                                    ("kommunen", ["maal_id", "runde"], "n"),
                                    ("udvikling", ["maal_id"], "n_paired"),
                                    ("social_baggrund", ["maal_id", "runde"], "n_low")):
            t = tables[sheet]
            if sheet == "udvikling":
                t = t.assign(n_paired=np.where(t["parret"] == "ja", t["n_paired"],
                                               np.minimum(t["n_from"].astype(float), t["n_to"].astype(float))))
            if sheet == "social_baggrund":
                t = t.assign(n_low=np.minimum(t["n_low"].astype(float), t["n_high"].astype(float)))
            assert _whole_has_single_hidden_part(t, ds, parent, group, n_col, parts) == [], sheet
        # a number hidden in one sheet appears in no other
        hidden = set()
        for sheet in ("resultater", "kommunen"):
            t = tables[sheet]
            hidden |= set(map(tuple, t.loc[t["skjult"].notna(), ["enhed_id", "maal_id", "runde"]].to_numpy()))
        for sheet in ("resultater", "kommunen"):
            t = tables[sheet]
            keys = list(map(tuple, t[["enhed_id", "maal_id", "runde"]].to_numpy()))
            leaked = [k for k, v in zip(keys, t["mean"], strict=True) if k in hidden and pd.notna(v)]
            assert leaked == [], sheet
        ch = tables["udvikling"]
        for end, col in (("fra", "mean_from"), ("til", "mean_to")):
            keys = list(map(tuple, ch[["enhed_id", "maal_id", end]].to_numpy()))
            leaked = [k for k, v in zip(keys, ch[col], strict=True) if k in hidden and pd.notna(v)]
            assert leaked == [], col
        g = tables["social_baggrund"]
        keys = list(map(tuple, g[["enhed_id", "maal_id", "runde"]].to_numpy()))
        assert [k for k, v in zip(keys, g["mean_low"], strict=True) if k in hidden and pd.notna(v)] == []


def test_the_checks_would_catch_a_single_hidden_part(ds):
    """The differencing check is not vacuous: a table with one hidden part fails it."""
    t = pd.DataFrame({"niveau": ["Dagtilbud"] * 3, "enhed_id": ["I01", "I02", "I03"],
                      "maal_id": ["sprog"] * 3, "runde": ["T3"] * 3, "n": [3, 20, 30],
                      "skjult": ["færre end 5 børn", None, None]})
    assert _whole_has_single_hidden_part(t, ds, lambda r: "all", ["maal_id", "runde"], "n") != []


def test_a_stricter_min_n_hides_more(ds, overview):
    strict = workbook_tables(prepare(ds, min_n=30), sheets=["resultater"])["resultater"]
    assert strict["skjult"].notna().sum() > overview["resultater"]["skjult"].notna().sum()
    persons = strict["maal_id"].map(ds.measures.set_index("measure_id")["subject"]) != "department"
    assert (strict.loc[strict["skjult"].isna() & persons, "n"].astype(int) >= 30).all()


def test_action_plan_status_equals_plan_status_on_shown_cells(ds, report, overview):
    from llkit.documents.plans import plan_status, plans_for

    ref = plan_status(plans_for(ds)["I03"], ds)
    got = overview["handleplaner"]
    assert list(got["maal_tekst"]) == list(ref["goal"]) and set(got["enhed_id"]) == {"I03"}
    shown = got["skjult"].isna().to_numpy()
    for col in ("baseline_value", "latest_value", "ci_low", "ci_high"):
        np.testing.assert_allclose(got.loc[shown, col].astype(float), ref.loc[shown, col].astype(float))
        assert got.loc[~shown, col].isna().all()
    assert list(got.loc[shown, "status"]) == [str(x) for x in ref.loc[shown, "status"]]
    assert not (ref["suppressed"].fillna(False).astype(bool).to_numpy() & shown).any()
    assert "handleplaner" not in report   # I02 has no plan


def test_a_plan_value_hidden_elsewhere_is_hidden_in_the_plan_sheet(ds):
    """With min_n raised until I03's sprog mean is hidden, the plan goal on it is too."""
    strict = workbook_tables(prepare(ds, min_n=60))
    res, plans = strict["resultater"], strict["handleplaner"]
    row = res[(res["enhed_id"] == "I03") & (res["maal_id"] == "sprog") & (res["runde"] == "T3")]
    goal = plans[(plans["maal_id"] == "sprog") & (plans["indikator"].str.startswith("Gennemsnit"))]
    assert row["skjult"].notna().all() and len(goal) == 1
    assert goal["latest_value"].isna().all() and goal["skjult"].notna().all()
