"""Indicators against independent references (scipy, statsmodels, pingouin) and edge cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

import llkit
from llkit.stats import indicators as ind

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ds():
    return llkit.load(ROOT / "data" / "sample" / "dagtilbud")


@pytest.fixture(scope="module")
def skole():
    return llkit.load(ROOT / "data" / "sample" / "skole")


def child_measure(ds) -> str:
    m = ds.measures
    items_per = ds.items.groupby("measure_id").size()
    ok = m[(m["subject"].astype(str) == "child") & m["measure_id"].map(items_per).gt(1) & m["low_cut"].notna()]
    return str(ok["measure_id"].iloc[0])


def raw_scores(ds, measure, round_):
    s = llkit.scores(ds, measure)
    s = s[(s["round"] == round_) & s["score"].notna()]
    return s.assign(institution_id=s["institution_id"].astype(str), department_id=s["department_id"].astype(str))


# ------------------------------------------------------------------ summarize


def test_summarize_means_and_intervals_match_scipy(ds):
    m = child_measure(ds)
    r = ds.meta.rounds[0]
    got = llkit.summarize(ds, m, by="institution", round=r)
    s = raw_scores(ds, m, r)
    assert {"institution_id", "institution_name", "n", "mean", "sd", "ci_low", "ci_high",
            "share_low", "share_low_ci_low", "share_low_ci_high", "share_middle", "share_high",
            "suppressed"} <= set(got.columns)
    shown = got[~got["suppressed"]]
    assert len(shown) > 5
    for _, row in shown.iterrows():
        x = s.loc[s["institution_id"] == row["institution_id"], "score"].to_numpy()
        assert row["n"] == len(x)
        assert row["mean"] == pytest.approx(x.mean())
        assert row["sd"] == pytest.approx(x.std(ddof=1))
        lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
        assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
        cat = s.loc[s["institution_id"] == row["institution_id"], "category"]
        k = int((cat == "low").sum())
        wl, wh = proportion_confint(k, cat.notna().sum(), method="wilson")
        assert row["share_low"] == pytest.approx(k / cat.notna().sum())
        assert row["share_low_ci_low"] == pytest.approx(wl) and row["share_low_ci_high"] == pytest.approx(wh)
        assert row["share_low"] + row["share_middle"] + row["share_high"] == pytest.approx(1.0)


def test_summarize_every_level_and_whole_dataset(ds):
    m = child_measure(ds)
    for by, col in [("department", "department_id"), ("institution", "institution_id"),
                    ("cluster", "cluster"), ("area", "area"), ("municipality", "municipality")]:
        t = llkit.summarize(ds, m, by=by)
        assert col in t.columns
        assert set(t["round"].astype(str)) == set(ds.meta.rounds)
    whole = llkit.summarize(ds, m, by=None)
    assert len(whole) == len(ds.meta.rounds)
    s = llkit.scores(ds, m)
    for _, row in whole.iterrows():
        x = s.loc[(s["round"] == row["round"]) & s["score"].notna(), "score"]
        assert row["n"] == len(x) and row["mean"] == pytest.approx(x.mean())


def test_small_groups_are_suppressed_and_never_shown(ds):
    m = child_measure(ds)
    t = llkit.summarize(ds, m, by="department")
    small = t["n"] < ds.meta.min_n
    assert small.any(), "the sample should have departments below min_n"
    assert t.loc[small, "suppressed"].all()
    value_cols = ["mean", "sd", "ci_low", "ci_high", "share_low", "share_middle", "share_high"]
    assert t.loc[t["suppressed"], value_cols].isna().all().all()
    assert t.loc[~t["suppressed"], "mean"].notna().all()


def test_no_suppressed_department_is_recoverable_from_the_institution_total(ds):
    m = child_measure(ds)
    dep = llkit.summarize(ds, m, by="department")
    inst = llkit.summarize(ds, m, by="institution").set_index(["institution_id", "round"])
    parent = ds.org.set_index("department_id")["institution_id"]
    dep["institution_id"] = dep["department_id"].map(parent)
    for (i, r), grp in dep.groupby(["institution_id", "round"], observed=True):
        if inst.loc[(i, r), "suppressed"]:
            continue
        # exactly one hidden sibling would be recoverable as total - shown siblings
        assert grp["suppressed"].sum() != 1, f"{i} {r}: one suppressed department is recoverable"


def test_group_split_and_observations_are_not_suppressed(ds):
    m = child_measure(ds)
    t = llkit.summarize(ds, m, by="institution", group="parent_education")
    assert "parent_education" in t.columns
    assert t.loc[t["n"] < ds.meta.min_n, "suppressed"].all()
    obs = ds.measures.loc[ds.measures["subject"].astype(str) == "department", "measure_id"]
    if len(obs):
        o = llkit.summarize(ds, obs.iloc[0], by="institution")
        assert not o["suppressed"].any()


# ------------------------------------------------------------------ change


def test_unpaired_change_matches_scipy_welch_and_pingouin_hedges(ds):
    m = child_measure(ds)
    r1, r2 = ds.meta.rounds[0], ds.meta.rounds[-1]
    c = llkit.change(ds, m, by=None, from_round=r1, to_round=r2, paired=False)
    assert len(c) == 1
    row = c.iloc[0]
    x1 = raw_scores(ds, m, r1)["score"].to_numpy()
    x2 = raw_scores(ds, m, r2)["score"].to_numpy()
    res = sps.ttest_ind(x2, x1, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert row["diff"] == pytest.approx(x2.mean() - x1.mean())
    assert row["ci_low"] == pytest.approx(ci.low) and row["ci_high"] == pytest.approx(ci.high)
    assert row["effect_size_type"] == "hedges_g"
    assert row["effect_size"] == pytest.approx(pg.compute_effsize(x2, x1, eftype="hedges"), rel=1e-3)


def test_paired_change_matches_scipy_ttest_rel(ds):
    m = child_measure(ds)
    r1, r2 = ds.meta.rounds[0], ds.meta.rounds[1]
    c = llkit.change(ds, m, by="institution", from_round=r1, to_round=r2, paired="auto")
    s1, s2 = raw_scores(ds, m, r1), raw_scores(ds, m, r2)
    both = s1.merge(s2, on=["subject_id", "institution_id"], suffixes=("_1", "_2"))
    paired_rows = c[c["paired"] & ~c["suppressed"]]
    assert len(paired_rows) > 0, "the sample should have children followed between rounds"
    for _, row in paired_rows.iterrows():
        b = both[both["institution_id"] == row["institution_id"]]
        assert row["n_paired"] == len(b)
        d = b["score_2"].to_numpy() - b["score_1"].to_numpy()
        ci = sps.ttest_rel(b["score_2"], b["score_1"]).confidence_interval(0.95)
        assert row["diff"] == pytest.approx(d.mean())
        assert row["ci_low"] == pytest.approx(ci.low) and row["ci_high"] == pytest.approx(ci.high)
        assert row["effect_size_type"] == "d_z"
        if d.std(ddof=1) > 0:
            assert row["effect_size"] == pytest.approx(d.mean() / d.std(ddof=1))
        assert 0 <= row["share_reliable_up"] <= 1 and 0 <= row["share_reliable_down"] <= 1


def test_change_auto_picks_paired_only_with_enough_children(ds):
    m = child_measure(ds)
    c = llkit.change(ds, m, by="department", from_round=ds.meta.rounds[0], to_round=ds.meta.rounds[1])
    assert (c["paired"] == (c["n_paired"] >= ds.meta.min_n)).all()
    assert c.loc[c["suppressed"], "diff"].isna().all()


def test_expected_rtm_points_back_to_the_mean(ds):
    m = child_measure(ds)
    r1 = ds.meta.rounds[0]
    c = llkit.change(ds, m, by="institution", from_round=r1, to_round=ds.meta.rounds[1], paired=False)
    base = llkit.summarize(ds, m, by="institution", round=r1).set_index("institution_id")["mean"]
    grand = raw_scores(ds, m, r1)["score"].mean()
    c = c[~c["suppressed"]].set_index("institution_id")
    dev = base.reindex(c.index) - grand
    # units above the mean are expected to fall, below to rise
    far = dev.abs() > 0.1
    assert (np.sign(c.loc[far, "expected_rtm"]) == -np.sign(dev[far])).all()


# ------------------------------------------------------------------ gap


def test_gap_matches_welch_between_education_groups(ds):
    m = child_measure(ds)
    r = ds.meta.rounds[0]
    g = llkit.gap(ds, m, round=r)
    assert len(g) == 1
    attr, low, high = ds.profile.gap_default
    s = raw_scores(ds, m, r)
    edu = s["subject_id"].astype(str).map(ds.children.set_index("child_id")[attr].astype(object))
    xl = s.loc[edu.isin(low).to_numpy(), "score"].to_numpy()
    xh = s.loc[edu.isin(high).to_numpy(), "score"].to_numpy()
    ci = sps.ttest_ind(xh, xl, equal_var=False).confidence_interval(0.95)
    row = g.iloc[0]
    assert row["n_low"] == len(xl) and row["n_high"] == len(xh)
    assert row["gap"] == pytest.approx(xh.mean() - xl.mean())
    assert row["ci_low"] == pytest.approx(ci.low) and row["ci_high"] == pytest.approx(ci.high)
    assert row["gap"] > 0, "the sample has a social gradient"


def test_gap_over_rounds_reports_change(ds):
    m = child_measure(ds)
    g = llkit.gap(ds, m, by=None)
    assert list(g["round"].astype(str)) == list(ds.meta.rounds)
    assert np.isnan(g["change_from_previous"].iloc[0])
    assert g["change_from_previous"].iloc[1] == pytest.approx(g["gap"].iloc[1] - g["gap"].iloc[0])


# ------------------------------------------------------------------ comparing units


def test_variance_components_agree_with_statsmodels_reml(ds):
    m = child_measure(ds)
    r = ds.meta.rounds[0]
    vc = llkit.variance_components(ds, m, level="institution", round=r).iloc[0]
    s = raw_scores(ds, m, r)
    fit = smf.mixedlm("score ~ 1", s, groups=s["institution_id"]).fit(reml=True)
    tau2 = float(fit.cov_re.iloc[0, 0])
    sigma2 = float(fit.scale)
    assert vc["tau2"] == pytest.approx(tau2, rel=1e-3, abs=1e-6)
    assert vc["sigma2"] == pytest.approx(sigma2, rel=1e-3)
    assert vc["icc"] == pytest.approx(tau2 / (tau2 + sigma2), rel=1e-3, abs=1e-6)
    assert vc["grand_mean"] == pytest.approx(float(fit.fe_params.iloc[0]), rel=1e-4)
    assert 0.0 <= vc["icc"] <= 0.3


def test_compare_funnel_and_shrinkage(ds):
    m = child_measure(ds)
    r = ds.meta.rounds[-1]
    c = llkit.compare(ds, m, level="institution", round=r)
    s = raw_scores(ds, m, r)
    target, sigma = s["score"].mean(), s["score"].std(ddof=1)
    vc = llkit.variance_components(ds, m, level="institution", round=r).iloc[0]
    for _, row in c[~c["suppressed"]].iterrows():
        x = s.loc[s["institution_id"] == row["institution_id"], "score"]
        se = sigma / np.sqrt(len(x))
        assert row["target"] == pytest.approx(target)
        assert row["se"] == pytest.approx(se)
        assert row["z"] == pytest.approx((x.mean() - target) / se)
        assert row["lower95"] == pytest.approx(target - 1.959964 * se, rel=1e-5)
        assert row["upper998"] == pytest.approx(target + 3.090232 * se, rel=1e-5)
        lam = vc["tau2"] / (vc["tau2"] + vc["sigma2"] / len(x))
        assert row["reliability"] == pytest.approx(lam)
        assert row["shrunken_mean"] == pytest.approx(vc["grand_mean"] + lam * (x.mean() - vc["grand_mean"]), rel=1e-6)
        expected = "over" if row["z"] > 3.090232 else "under" if row["z"] < -3.090232 else "within"
        assert row["flag"] == expected


def test_compare_against_the_national_reference(ds):
    if ds.reference is None:
        pytest.skip("no reference table")
    m = child_measure(ds)
    r = ds.meta.rounds[-1]
    c = llkit.compare(ds, m, round=r, target="reference")
    ref = ds.reference
    row = ref[(ref["measure_id"] == m) & (ref["round"].astype(str) == r)].iloc[0]
    assert (c["target"] == row["mean"]).all()


# ------------------------------------------------------------------ reliability, coverage


def test_reliability_matches_pingouin(ds):
    m = child_measure(ds)
    r = ds.meta.rounds[0]
    got = llkit.reliability(ds, m, r).iloc[0]
    items = ds.items[ds.items["measure_id"] == m]
    meas = ds.measures.set_index("measure_id").loc[m]
    resp = ds.responses[(ds.responses["round"] == r) & ds.responses["item_id"].isin(items["item_id"])]
    resp = resp.assign(item_id=resp["item_id"].astype(str), child_id=resp["child_id"].astype(str))
    rev = resp["item_id"].map(items.set_index("item_id")["reverse"]).astype(bool)
    resp = resp.assign(v=np.where(rev, meas["scale_min"] + meas["scale_max"] - resp["value"], resp["value"]))
    wide = resp.pivot_table(index="child_id", columns="item_id", values="v").dropna()
    alpha, (lo, hi) = pg.cronbach_alpha(wide)
    assert got["alpha"] == pytest.approx(alpha, abs=1e-3)
    assert got["ci_low"] == pytest.approx(lo, abs=1e-3) and got["ci_high"] == pytest.approx(hi, abs=1e-3)
    assert got["n"] == len(wide) and got["n_items"] == wide.shape[1]


def test_coverage_counts_documenting_teams(ds):
    r = ds.meta.rounds[-1]
    cov = llkit.coverage(ds, by="institution", round=r)
    g = ds.goals[ds.goals["round"] == r]
    doc = g[g["signs_documented"]].groupby("department_id")["goal_id"].size()
    inst = ds.org.set_index("department_id")["institution_id"]
    expected = doc.index.to_series().map(inst).value_counts()
    for _, row in cov.iterrows():
        assert row["teams_documenting"] == expected.get(row["institution_id"], 0)
        assert row["share"] == pytest.approx(row["teams_documenting"] / row["teams"])
    assert (cov["share"] < 1).any() and (cov["share"] > 0).any()
    whole = llkit.coverage(ds, by=None, round=r)
    assert whole["teams_documenting"].iloc[0] == cov["teams_documenting"].sum()


def test_skole_sector_works(skole):
    for m in skole.measures["measure_id"]:
        t = llkit.summarize(skole, m, by="institution")
        assert len(t) > 0
    pct = skole.measures[skole.measures["scale_max"] == 100]
    if len(pct):
        t = llkit.summarize(skole, pct["measure_id"].iloc[0], by=None)
        assert t["mean"].between(1, 100).all()


# ------------------------------------------------------------------ edge cases on tiny data


def write_dataset(path: Path, values: dict, *, rounds=("T1", "T2"), scale=(1, 5), reverse=False,
                  departments=None, min_items=1) -> Path:
    """A tiny dataset: values[(round, department)] = list of child scores on one 2-item measure."""
    path.mkdir(parents=True, exist_ok=True)
    rounds = list(rounds)
    departments = departments or sorted({d for _, d in values})
    (path / "dataset.toml").write_text(
        f'name = "Test"\nsector = "dagtilbud"\nrounds = {rounds!r}\nmin_n = 5\n'.replace("'", '"'),
        encoding="utf-8",
    )
    units = pd.DataFrame({"department_id": departments, "institution_id": [f"I{d}" for d in departments],
                          "cluster": "K1", "area": "A1"})
    units.to_csv(path / "units.csv", index=False)
    lo, hi = scale
    pd.DataFrame({"measure_id": ["m"], "label": ["Mål"], "source": ["pædagog"], "subject": ["child"],
                  "scale_min": [lo if lo is not None else ""], "scale_max": [hi if hi is not None else ""],
                  "min_items": [min_items], "low_cut": [""], "high_cut": [""]}).to_csv(path / "measures.csv", index=False)
    pd.DataFrame({"item_id": ["m1", "m2"], "measure_id": ["m", "m"],
                  "reverse": ["false", "true" if reverse else "false"]}).to_csv(path / "items.csv", index=False)
    rows, children = [], set()
    k = 0
    for (r, d), vals in values.items():
        for v in vals:
            k += 1
            child = f"B{k:04d}"
            children.add(child)
            v2 = (lo + hi - v) if (reverse and v == v and lo is not None) else v
            rows.append((r, "m1", d, child, v))
            rows.append((r, "m2", d, child, v2))
    resp = pd.DataFrame(rows, columns=["round", "item_id", "department_id", "child_id", "value"])
    resp.to_csv(path / "responses.csv", index=False)
    pd.DataFrame({"child_id": sorted(children)}).to_csv(path / "children.csv", index=False)
    return path


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_groups(tmp_path, n):
    vals = {("T1", "D1"): [3.0] * 6, ("T1", "D2"): [float(v) for v in range(1, n + 1)]}
    if n == 0:
        vals[("T1", "D2")] = [float("nan")] * 3
    ds = llkit.load(write_dataset(tmp_path / "d", vals), validate=True)
    t = llkit.summarize(ds, "m", by="department", round="T1")
    row = t.set_index("department_id").loc["D2"] if "D2" in set(t["department_id"]) else None
    if row is not None:
        assert bool(row["suppressed"]) and pd.isna(row["mean"])
    d1 = t.set_index("department_id").loc["D1"]
    assert d1["n"] == 6


def test_all_values_equal_and_single_unit(tmp_path):
    vals = {("T1", "D1"): [3.0] * 8, ("T2", "D1"): [3.0] * 8}
    ds = llkit.load(write_dataset(tmp_path / "d", vals))
    t = llkit.summarize(ds, "m", by="institution")
    assert (t["sd"] == 0).all() and (t["ci_low"] == 3.0).all() and (t["ci_high"] == 3.0).all()
    c = llkit.change(ds, "m", by="institution", from_round="T1", to_round="T2", paired=False)
    assert c["diff"].iloc[0] == 0
    vc = llkit.variance_components(ds, "m", level="institution", round="T1")
    assert np.isnan(vc["tau2"].iloc[0])  # one unit: between-unit variance is not estimable
    cmp_ = llkit.compare(ds, "m", level="institution", round="T1")
    assert cmp_["flag"].iloc[0] not in ("over", "under")  # no spread: no evidence of a difference


def test_all_missing_values(tmp_path):
    vals = {("T1", "D1"): [float("nan")] * 6, ("T2", "D1"): [2.0, 3.0, 4.0, 5.0, 3.0, 2.0]}
    ds = llkit.load(write_dataset(tmp_path / "d", vals))
    t = llkit.summarize(ds, "m", by="institution")
    assert list(t["round"].astype(str)) == ["T2"]
    c = llkit.change(ds, "m", by="institution", from_round="T1", to_round="T2")
    assert c["n_from"].iloc[0] == 0 and bool(c["suppressed"].iloc[0])


def test_unbounded_scale_and_reverse_items(tmp_path):
    vals = {("T1", "D1"): [100.0, 120.0, 95.0, 130.0, 110.0, 105.0]}
    ds = llkit.load(write_dataset(tmp_path / "u", vals, rounds=("T1",), scale=(None, None)))
    t = llkit.summarize(ds, "m", by=None)
    assert t["mean"].iloc[0] == pytest.approx(np.mean(vals[("T1", "D1")]))
    assert np.isnan(t["share_low"].iloc[0])  # no cut points, no shares
    ds2 = llkit.load(write_dataset(tmp_path / "r", {("T1", "D1"): [1.0, 2.0, 3.0, 4.0, 5.0, 2.0]},
                                   rounds=("T1",), reverse=True))
    s = llkit.scores(ds2, "m")
    # item 2 was stored reversed; after recoding both items agree, so score == item 1
    assert sorted(s["score"]) == sorted([1.0, 2.0, 3.0, 4.0, 5.0, 2.0])


@pytest.mark.parametrize("rounds", [("Forår", "Efterår"), ("R1", "R2", "R3", "R4", "R5")])
def test_other_round_names_and_counts(tmp_path, rounds):
    rng = np.random.default_rng(3)
    vals = {(r, d): list(np.round(rng.uniform(1, 5, 7), 1)) for r in rounds for d in ["D1", "D2", "D3"]}
    ds = llkit.load(write_dataset(tmp_path / "d", vals, rounds=rounds))
    t = llkit.summarize(ds, "m", by="institution")
    assert list(t["round"].cat.categories) == list(rounds)
    assert len(t) == 3 * len(rounds)
    c = llkit.change(ds, "m", by="institution")
    assert set(c["from_round"]) == {rounds[-2]} and set(c["to_round"]) == {rounds[-1]}
    vc = llkit.variance_components(ds, "m", level="institution")
    assert len(vc) == len(rounds)


def test_bad_arguments_give_clear_messages(ds):
    with pytest.raises(ValueError, match="unknown level"):
        llkit.summarize(ds, child_measure(ds), by="galaxy")
    with pytest.raises(KeyError, match="unknown round"):
        llkit.summarize(ds, child_measure(ds), round="T9")
    with pytest.raises(KeyError, match="unknown measure"):
        llkit.change(ds, "nope", by="institution")
    with pytest.raises(ValueError, match="paired"):
        llkit.change(ds, child_measure(ds), paired="maybe")
    assert ind.unit_columns(None) == []


def test_change_with_negative_alpha_gives_no_reliable_change_shares(tmp_path):
    # six children in both rounds whose two items disagree: alpha < 0 in T1
    path = write_dataset(tmp_path / "d", {("T1", "D1"): [3.0] * 6})
    item1 = [1.0, 5.0, 2.0, 4.0, 3.0, 1.0]
    item2 = [5.0, 2.0, 5.0, 1.0, 2.0, 4.0]
    rows = []
    for k in range(6):
        child = f"B{k + 1:04d}"
        for r, shift in (("T1", 0.0), ("T2", 0.5)):
            rows.append((r, "m1", "D1", child, min(item1[k] + shift, 5.0)))
            rows.append((r, "m2", "D1", child, min(item2[k] + shift, 5.0)))
    pd.DataFrame(rows, columns=["round", "item_id", "department_id", "child_id", "value"]).to_csv(
        path / "responses.csv", index=False)
    ds = llkit.load(path)
    assert llkit.reliability(ds, "m", "T1")["alpha"].iloc[0] < 0
    c = llkit.change(ds, "m", by="institution", from_round="T1", to_round="T2", paired=True)
    assert bool(c["paired"].iloc[0]) and c["n_paired"].iloc[0] == 6
    assert np.isnan(c["share_reliable_up"]).all() and np.isnan(c["share_reliable_down"]).all()
    assert c["diff"].iloc[0] > 0


def test_compare_hides_what_summarize_hides(ds):
    m = child_measure(ds)
    for level in ["department", "institution"]:
        summ = llkit.summarize(ds, m, by=level, round="T3")
        comp = llkit.compare(ds, m, level=level, round="T3")
        key = ind.unit_columns(level)[0]
        a = summ.set_index(key)["suppressed"].sort_index()
        b = comp.set_index(key)["suppressed"].sort_index()
        pd.testing.assert_series_equal(a, b, check_names=False, check_index_type=False)
        assert comp.loc[comp["suppressed"], "mean"].isna().all()


@pytest.mark.parametrize("n_cats", [4, 3000])  # dense key table, and factorised keys
@pytest.mark.parametrize("with_keep", [False, True])
def test_aggregate_equals_pandas_groupby(n_cats, with_keep):
    # the bincount aggregation against pandas' groupby on the same rows
    rng = np.random.default_rng(n_cats)
    n = 20_000
    cats = [f"u{i:05d}" for i in range(n_cats)]

    def col(k):
        codes = rng.integers(-1, k, n)
        return pd.Categorical.from_codes(codes, categories=cats[:k])

    score = rng.normal(3, 1, n)
    score[rng.random(n) < 0.05] = np.nan
    s = pd.DataFrame({
        "measure_id": col(3), "unit": col(n_cats), "round": col(n_cats),
        "score": score,
        "category": pd.Categorical.from_codes(rng.integers(-1, 3, n),
                                              categories=["low", "middle", "high"]),
    })
    keep = rng.random(n) < 0.7 if with_keep else None
    keys = ["measure_id", "unit", "round"]
    out = ind._aggregate(s, keys, keep)
    rows = s[keep] if keep is not None else s
    ref = rows.groupby(keys, observed=True, dropna=False).agg(
        n=("score", "size"), mean=("score", "mean"), sd=("score", "std"),
        n_low=("category", lambda c: int((c == "low").sum())))
    n_cat = rows["category"].notna().groupby([rows[k] for k in keys], observed=True,
                                             dropna=False).sum()
    ref["share_low"] = ref["n_low"] / n_cat.where(n_cat > 0)

    def keyed(frame):  # missing key values as a text of their own, for the merge
        frame = frame.reset_index() if frame.index.nlevels > 1 else frame
        return frame.assign(**{k: frame[k].astype(object).fillna("<NA>") for k in keys})

    both = keyed(out).merge(keyed(ref), on=keys, how="outer", suffixes=("", "_ref"),
                            indicator=True)
    assert (both["_merge"] == "both").all() and len(both) == len(ref)
    np.testing.assert_array_equal(both["n"].to_numpy(), both["n_ref"].to_numpy())
    np.testing.assert_allclose(both["mean"], both["mean_ref"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(both["sd"], both["sd_ref"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(both["share_low"], both["share_low_ref"], rtol=1e-12)
