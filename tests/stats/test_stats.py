"""Tests of llkit.stats.numeric against independent references (scipy, statsmodels, pingouin,
published examples, dense-matrix computations)."""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

import llkit.stats.numeric as st

# ------------------------------------------------------------------------- fixtures


def unbalanced(tau: float, sigma: float = 0.8, n_groups: int = 30, seed: int = 1) -> pd.DataFrame:
    """Seeded one-way random-effects data with unit sizes 1..24."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 25, n_groups)
    g = np.repeat(np.arange(n_groups), sizes)
    u = rng.normal(0, tau, n_groups)
    y = 3 + u[g] + rng.normal(0, sigma, len(g))
    return pd.DataFrame({"y": y, "g": [f"u{i:02d}" for i in g]})


def fit_mixedlm(d: pd.DataFrame):
    """statsmodels REML fit; Powell converges where the default gradient methods stall
    near the tau2 = 0 boundary (statsmodels then reports converged=False)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = smf.mixedlm("y ~ 1", d, groups=d["g"]).fit(reml=True, method="powell")
    assert res.converged
    return res


def reml_loglik_dense(y, g, tau2, sigma2):
    """Restricted log-likelihood with full covariance matrices (Harville 1977), and the
    GLS mean and its standard error -- an implementation independent of llkit's."""
    logdet = xvx = xvy = 0.0
    parts = []
    for j in pd.unique(g):
        yj = y[g == j]
        v = sigma2 * np.eye(len(yj)) + tau2 * np.ones((len(yj), len(yj)))
        vi = np.linalg.inv(v)
        logdet += np.linalg.slogdet(v)[1]
        xvx += vi.sum()
        xvy += (vi @ yj).sum()
        parts.append((yj, vi))
    mu = xvy / xvx
    quad = sum((yj - mu) @ vi @ (yj - mu) for yj, vi in parts)
    llf = -0.5 * ((len(y) - 1) * np.log(2 * np.pi) + logdet + np.log(xvx) + quad)
    return llf, mu, np.sqrt(1 / xvx)


# ------------------------------------------------------------------------ doctests


def test_docstring_examples_run():
    res = doctest.testmod(st, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0


# ----------------------------------------------------------------------- t interval


def test_t_interval_matches_scipy():
    rng = np.random.default_rng(2)
    n = rng.integers(2, 200, 50)
    mean = rng.normal(3, 1, 50)
    sd = rng.uniform(0.1, 2, 50)
    lo, hi = st.t_interval(n, mean, sd, confidence=0.9)
    ref_lo, ref_hi = sps.t.interval(0.9, n - 1, loc=mean, scale=sd / np.sqrt(n))
    np.testing.assert_allclose(lo, ref_lo, rtol=1e-12)
    np.testing.assert_allclose(hi, ref_hi, rtol=1e-12)


def test_t_interval_edge_cases():
    lo, hi = st.t_interval(
        [0, 1, 2, 5, 5], [np.nan, 3.0, 3.0, 2.0, np.nan], [np.nan, np.nan, 0.0, 0.0, 1.0]
    )
    assert np.isnan(lo[0]) and np.isnan(lo[1])  # n = 0, 1
    assert lo[2] == hi[2] == 3.0  # all values equal
    assert lo[3] == hi[3] == 2.0
    assert np.isnan(lo[4])  # missing mean
    lo, hi = st.t_interval(10, 1.0, 1.0)
    assert isinstance(lo, float)
    with pytest.raises(ValueError, match="confidence"):
        st.t_interval(10, 1.0, 1.0, confidence=95)


# -------------------------------------------------------------------------- Wilson


def test_wilson_matches_statsmodels():
    for n in [1, 2, 3, 7, 25, 263]:
        k = np.arange(n + 1)
        lo, hi = st.wilson_interval(k, np.full(n + 1, n))
        ref_lo, ref_hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        np.testing.assert_allclose(lo, ref_lo, atol=1e-12)
        np.testing.assert_allclose(hi, ref_hi, atol=1e-12)
    lo, hi = st.wilson_interval(3, 10, confidence=0.9)
    ref = proportion_confint(3, 10, alpha=0.1, method="wilson")
    assert lo == pytest.approx(ref[0]) and hi == pytest.approx(ref[1])


def test_wilson_published_example():
    # Newcombe (1998), Stat Med 17:857-872, table I: 81/263 -> 0.2553 to 0.3662
    lo, hi = st.wilson_interval(81, 263)
    assert round(lo, 4) == 0.2553 and round(hi, 4) == 0.3662


def test_wilson_edge_cases():
    lo, hi = st.wilson_interval([0, 0, 5], [0, 5, 5])
    assert np.isnan(lo[0]) and np.isnan(hi[0])
    assert lo[1] == 0.0 and 0 < hi[1] < 1
    assert hi[2] == 1.0
    with pytest.raises(ValueError, match="0 <= k <= n"):
        st.wilson_interval(6, 5)


# ------------------------------------------------------------- describe / proportions


def test_describe_matches_pandas_and_scipy():
    d = unbalanced(0.3, seed=5)
    d.loc[d.index[::7], "y"] = np.nan
    out = st.describe(d["y"], d["g"])
    for _, row in out.iterrows():
        v = d.loc[(d["g"] == row["g"]) & d["y"].notna(), "y"].to_numpy()
        assert row["n"] == len(v)
        assert row["mean"] == pytest.approx(v.mean())
        assert row["within_ss"] == pytest.approx(((v - v.mean()) ** 2).sum(), abs=1e-12)
        if len(v) >= 2:
            ref = sps.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=sps.sem(v))
            assert row["ci_low"] == pytest.approx(ref[0])
            assert row["ci_high"] == pytest.approx(ref[1])
        else:
            assert np.isnan(row["ci_low"])


def test_describe_without_groups_and_all_nan():
    out = st.describe([np.nan, np.nan])
    assert out["n"].iloc[0] == 0 and np.isnan(out["mean"].iloc[0])
    out = st.describe([1.0, 2.0, 3.0])
    assert out["n"].iloc[0] == 3 and out["mean"].iloc[0] == 2.0


def test_describe_two_grouping_columns():
    g1 = pd.Series(["a", "a", "b", "b"], name="unit")
    g2 = pd.Series(["T1", "T2", "T1", "T1"], name="round")
    out = st.describe([1.0, 2.0, 3.0, 5.0], [g1, g2])
    assert list(out.columns[:2]) == ["unit", "round"]
    assert len(out) == 3
    with pytest.raises(ValueError, match="one entry per value"):
        st.describe([1.0, 2.0], ["a"])


def test_proportions_match_statsmodels():
    flags = pd.Series([True, False, True, True, None, False, True], dtype="boolean")
    groups = ["a", "a", "a", "b", "b", "b", "b"]
    out = st.proportions(flags, groups)
    assert out["n"].tolist() == [3, 3] and out["k"].tolist() == [2, 2]
    ref = proportion_confint([2, 2], [3, 3], method="wilson")
    np.testing.assert_allclose(out["ci_low"], ref[0])
    np.testing.assert_allclose(out["ci_high"], ref[1])


# --------------------------------------------------------------------------- Welch


def test_welch_matches_scipy():
    rng = np.random.default_rng(3)
    for n1, n2 in [(2, 2), (5, 40), (30, 28), (200, 9)]:
        x1 = rng.normal(3.0, 0.9, n1)
        x2 = rng.normal(3.3, 0.5, n2)
        r = st.welch_difference(n1, x1.mean(), x1.std(ddof=1), n2, x2.mean(), x2.std(ddof=1))
        ref = sps.ttest_ind(x2, x1, equal_var=False)
        ci = ref.confidence_interval(0.95)
        assert r["diff"].iloc[0] == pytest.approx(x2.mean() - x1.mean())
        assert r["df"].iloc[0] == pytest.approx(ref.df, rel=1e-10)
        assert r["t"].iloc[0] == pytest.approx(ref.statistic, rel=1e-10)
        assert r["p_value"].iloc[0] == pytest.approx(ref.pvalue, rel=1e-8)
        assert r["ci_low"].iloc[0] == pytest.approx(ci.low, rel=1e-10)
        assert r["ci_high"].iloc[0] == pytest.approx(ci.high, rel=1e-10)


def test_welch_vectorised_and_index():
    idx = pd.Index(["u1", "u2", "u3"])
    r = st.welch_difference(
        pd.Series([10, 1, 6], index=idx),
        pd.Series([3.0, 3.0, 2.0], index=idx),
        [1.0, np.nan, 0.0],
        [12, 12, 6],
        [3.5, 3.5, 2.5],
        [1.0, 1.0, 0.0],
    )
    assert list(r.index) == ["u1", "u2", "u3"]
    assert np.isnan(r.loc["u2", "diff"]) and np.isnan(r.loc["u2", "ci_low"])  # n = 1
    # both sd 0: the difference is exact
    assert r.loc["u3", "ci_low"] == r.loc["u3", "ci_high"] == 0.5
    assert np.isnan(r.loc["u3", "hedges_g"])


def test_hedges_g_matches_pingouin():
    rng = np.random.default_rng(4)
    for n1, n2 in [(3, 4), (12, 20), (60, 45)]:
        x1 = rng.normal(0, 1, n1)
        x2 = rng.normal(0.5, 1.3, n2)
        args = (n1, x1.mean(), x1.std(ddof=1), n2, x2.mean(), x2.std(ddof=1))
        approx = st.hedges_g(*args, exact=False)
        ref = pg.compute_effsize(x2, x1, eftype="hedges")
        assert approx["g"].iloc[0] == pytest.approx(ref, rel=1e-10)
        ci = pg.compute_esci(stat=ref, nx=n2, ny=n1, eftype="hedges", decimals=12)
        assert approx["ci_low"].iloc[0] == pytest.approx(ci[0], abs=1e-10)
        assert approx["ci_high"].iloc[0] == pytest.approx(ci[1], abs=1e-10)
        exact = st.hedges_g(*args)["g"].iloc[0]
        assert exact == pytest.approx(ref, rel=2e-3)  # exact J vs approximation


def test_hedges_j_exact_form():
    # J(df) -> 1; the approximation 1 - 3/(4 df - 1) is within 0.001 for df >= 6
    df = np.arange(6, 200)
    assert np.max(np.abs(st.hedges_j(df) - st.hedges_j(df, exact=False))) < 1e-3
    assert st.hedges_j(1e6) == pytest.approx(1, abs=1e-6)
    # Hedges (1981): J(2) = Gamma(1) / (1 * Gamma(0.5)) = 1/sqrt(pi)
    assert st.hedges_j(2) == pytest.approx(1 / np.sqrt(np.pi))
    assert st.hedges_j(4) == pytest.approx(np.sqrt(2 / np.pi))  # Gamma(2) / (sqrt 2 Gamma(3/2))
    assert np.isnan(st.hedges_j(1))


# -------------------------------------------------------------------------- paired


def test_paired_change_matches_scipy_and_pingouin():
    rng = np.random.default_rng(5)
    before = rng.normal(3, 0.8, 23)
    after = before + rng.normal(0.2, 0.4, 23)
    r = st.paired_change_values(before, after)
    ref = sps.ttest_rel(after, before)
    ci = ref.confidence_interval(0.95)
    assert r["ci_low"].iloc[0] == pytest.approx(ci.low, rel=1e-10)
    assert r["ci_high"].iloc[0] == pytest.approx(ci.high, rel=1e-10)
    assert r["t"].iloc[0] == pytest.approx(ref.statistic)
    assert r["p_value"].iloc[0] == pytest.approx(ref.pvalue)
    # Lakens (2013), eq. 7: d_z = t / sqrt(n)
    dz = r["d_z"].iloc[0]
    assert dz == pytest.approx(ref.statistic / np.sqrt(23))
    dz_ci = pg.compute_esci(stat=dz, nx=23, ny=23, paired=True, eftype="cohen", decimals=12)
    assert r["dz_ci_low"].iloc[0] == pytest.approx(dz_ci[0], abs=1e-10)
    assert r["dz_ci_high"].iloc[0] == pytest.approx(dz_ci[1], abs=1e-10)


def test_paired_change_groups_and_edges():
    before = [1.0, 2.0, np.nan, 3.0, 3.0, 4.0]
    after = [2.0, 2.0, 5.0, 3.0, 3.0, 4.0]
    groups = ["a", "a", "a", "b", "b", "c"]
    r = st.paired_change_values(before, after, groups).set_index("group")
    assert r.loc["a", "n"] == 2 and r.loc["a", "change"] == 0.5
    assert r.loc["b", "ci_low"] == r.loc["b", "ci_high"] == 0.0  # no change at all
    assert np.isnan(r.loc["b", "d_z"])  # sd of the change is 0
    assert np.isnan(r.loc["c", "ci_low"])  # n = 1


# ----------------------------------------------------------------- reliable change


def test_reliable_change_worked_example():
    # sd 10, r 0.84: SE_diff = 10 * sqrt(2) * sqrt(0.16) = 5.657; 1.96 * 5.657 = 11.09
    se_diff = 10 * np.sqrt(2) * 0.4
    rci = st.reliable_change_index([50, 50, 50], [62, 61, 38], sd_baseline=10, reliability=0.84)
    np.testing.assert_allclose(rci, np.array([12, 11, -12]) / se_diff)
    cat = st.reliable_change(
        [50, 50, 50, np.nan], [62, 61, 38, 40], sd_baseline=10, reliability=0.84
    )
    assert cat.tolist()[:3] == ["improved", "unchanged", "deteriorated"]
    assert pd.isna(cat.iloc[3])
    cat = st.reliable_change(
        [50, 50], [62, 38], sd_baseline=10, reliability=0.84, higher_is_better=False
    )
    assert cat.tolist() == ["deteriorated", "improved"]


def test_reliable_change_validation_and_default_sd():
    with pytest.raises(ValueError, match="reliability"):
        st.reliable_change([1, 2], [2, 3], reliability=1.0)
    before = pd.Series([2.0, 3.0, 4.0, 3.0], index=list("wxyz"))
    cat = st.reliable_change(before, [2.0, 5.0, 4.0, 3.0], reliability=0.8)
    assert list(cat.index) == list("wxyz")
    sd = np.std([2.0, 3.0, 4.0, 3.0], ddof=1)
    assert cat["x"] == ("improved" if 2 / (sd * np.sqrt(2) * np.sqrt(0.2)) > 1.96 else "unchanged")


def test_reliable_change_summary_shares_have_wilson_intervals():
    rng = np.random.default_rng(6)
    before = rng.normal(50, 10, 200)
    after = before + rng.normal(3, 8, 200)
    groups = np.repeat(["a", "b", "c", "d"], 50)
    out = st.reliable_change_summary(before, after, groups, reliability=0.8)
    cat = st.reliable_change(before, after, reliability=0.8)
    for _, row in out.iterrows():
        sub = cat[groups == row["group"]]
        k = int((sub == "improved").sum())
        assert row["n_improved"] == k and row["n"] == 50
        assert row["n_improved"] + row["n_unchanged"] + row["n_deteriorated"] == 50
        ref = proportion_confint(k, 50, method="wilson")
        assert row["share_improved_ci_low"] == pytest.approx(ref[0])
        assert row["share_improved_ci_high"] == pytest.approx(ref[1])


# ------------------------------------------------------------ variance components


@pytest.mark.parametrize(
    ("tau", "seed"),
    [(0.3, 1), (1.0, 5), (0.05, 4), (0.0, 3), (0.1, 2)],
    ids=["tau0.3", "tau1", "tau-small", "tau0-interior", "tau0-boundary"],
)
def test_variance_components_match_statsmodels_reml(tau, seed):
    d = unbalanced(tau, seed=seed)
    vc = st.variance_components_from_values(d["y"], d["g"])
    ref = fit_mixedlm(d)
    tau2_ref = float(ref.cov_re.iloc[0, 0])
    assert vc.sigma2 == pytest.approx(ref.scale, rel=1e-4)
    assert vc.grand_mean == pytest.approx(ref.fe_params.iloc[0], rel=1e-4)
    if tau2_ref < 1e-6:  # statsmodels on the boundary
        assert vc.tau2 == pytest.approx(0, abs=1e-6)
        assert vc.boundary
    else:
        assert vc.tau2 == pytest.approx(tau2_ref, rel=1e-4)
    # the REML likelihood (dense, independent) is at least as high at llkit's estimate
    y, g = d["y"].to_numpy(), d["g"].to_numpy()
    ll_llkit, mu, se = reml_loglik_dense(y, g, vc.tau2, vc.sigma2)
    ll_ref, *_ = reml_loglik_dense(y, g, tau2_ref, ref.scale)
    assert ll_llkit >= ll_ref - 1e-9
    assert ll_ref == pytest.approx(ref.llf)  # the dense likelihood is statsmodels' one
    # the grand mean is the GLS mean; its se the GLS standard error (statsmodels' bse
    # inverts the Hessian of all parameters jointly and differs by < 1 %)
    assert vc.grand_mean == pytest.approx(mu, rel=1e-12)
    assert vc.grand_mean_se == pytest.approx(se, rel=1e-10)
    assert vc.grand_mean_se == pytest.approx(ref.bse.iloc[0], rel=0.02)
    assert vc.icc == pytest.approx(vc.tau2 / (vc.tau2 + vc.sigma2))


def test_variance_components_from_aggregates_equals_from_values():
    d = unbalanced(0.3, seed=7)
    agg = d.groupby("g")["y"].agg(["count", "mean", "var"])
    vc_agg = st.variance_components(agg["count"], agg["mean"], (agg["count"] - 1) * agg["var"])
    vc_raw = st.variance_components_from_values(d["y"], d["g"])
    assert vc_agg.tau2 == pytest.approx(vc_raw.tau2, rel=1e-10)
    assert vc_agg.sigma2 == pytest.approx(vc_raw.sigma2, rel=1e-10)
    assert vc_agg.n_groups == 30 and vc_agg.n_obs == len(d)


def test_variance_components_balanced_anova_interior():
    # balanced data with an interior optimum: REML equals the ANOVA estimator
    rng = np.random.default_rng(8)
    k, n = 12, 6
    g = np.repeat(np.arange(k), n)
    y = 3 + rng.normal(0, 0.5, k)[g] + rng.normal(0, 0.8, k * n)
    means = pd.Series(y).groupby(g).mean()
    msb = n * ((means - y.mean()) ** 2).sum() / (k - 1)
    msw = ((y - means.to_numpy()[g]) ** 2).sum() / (k * n - k)
    vc = st.variance_components_from_values(y, g)
    assert msb > msw
    assert vc.sigma2 == pytest.approx(msw, rel=1e-6)
    assert vc.tau2 == pytest.approx((msb - msw) / n, rel=1e-6)
    assert vc.grand_mean == pytest.approx(y.mean())


def test_variance_components_edge_cases():
    # single unit: tau2 not identifiable
    vc = st.variance_components_from_values([1.0, 2.0, 3.0], ["a", "a", "a"])
    assert np.isnan(vc.tau2) and vc.sigma2 == pytest.approx(1.0) and vc.grand_mean == 2.0
    # every unit has one value: tau2 and sigma2 not separable
    vc = st.variance_components([1, 1, 1], [1.0, 2.0, 4.0], [0.0, 0.0, 0.0])
    assert np.isnan(vc.tau2) and np.isnan(vc.sigma2)
    # all values equal
    vc = st.variance_components_from_values([3.0] * 6, list("aabbcc"))
    assert vc.tau2 == 0 and vc.sigma2 == 0 and np.isnan(vc.icc)
    # no variation within units
    vc = st.variance_components_from_values([1.0, 1.0, 2.0, 2.0, 4.0], list("aabbc"))
    assert vc.sigma2 == 0 and vc.tau2 == pytest.approx(np.var([1, 2, 4], ddof=1)) and vc.icc == 1
    # empty / all missing
    vc = st.variance_components([], [], [])
    assert vc.n_groups == 0 and np.isnan(vc.grand_mean)
    vc = st.variance_components_from_values([np.nan, np.nan], ["a", "b"])
    assert vc.n_groups == 0
    # units of size 0 are ignored; NaN within_ss of a size-1 unit is 0
    a = st.variance_components([5, 0, 1, 4], [3.0, np.nan, 2.0, 3.5], [2.0, np.nan, np.nan, 1.5])
    b = st.variance_components([5, 1, 4], [3.0, 2.0, 3.5], [2.0, 0.0, 1.5])
    assert a == b
    with pytest.raises(ValueError, match="within_ss"):
        st.variance_components([5, 4], [3.0, 3.5], [np.nan, 1.5])


# ---------------------------------------------------------------- shrinkage and RTM


def test_shrinkage_matches_statsmodels_blup():
    d = unbalanced(0.3, seed=9)
    vc = st.variance_components_from_values(d["y"], d["g"])
    ref = fit_mixedlm(d)
    agg = st.describe(d["y"], d["g"]).set_index("g")
    sh = vc.shrink(agg["n"], agg["mean"])
    assert list(sh.index) == list(agg.index)
    blup = pd.Series({k: v.iloc[0] for k, v in ref.random_effects.items()})
    blup_sd = pd.Series({k: np.sqrt(v.iloc[0, 0]) for k, v in ref.random_effects_cov.items()})
    mu = ref.fe_params.iloc[0]
    np.testing.assert_allclose(sh["shrunken_mean"], mu + blup[sh.index], rtol=1e-4)
    np.testing.assert_allclose(sh["posterior_sd"], blup_sd[sh.index], rtol=1e-4)
    np.testing.assert_allclose(sh["reliability"], vc.reliability(agg["n"]))
    # regression to the mean = predicted level (BLUP) - observed baseline
    rtm = st.regression_to_mean(
        agg["mean"], grand_mean=vc.grand_mean, reliability=sh["reliability"]
    )
    np.testing.assert_allclose(rtm, mu + blup[sh.index] - agg["mean"], rtol=1e-3, atol=1e-5)


def test_shrinkage_edge_cases():
    sh = st.shrink([0, 10], [np.nan, 3.0], grand_mean=2.0, tau2=0.25, sigma2=1.0)
    assert sh["reliability"].iloc[0] == 0 and sh["shrunken_mean"].iloc[0] == 2.0
    assert sh["posterior_sd"].iloc[0] == pytest.approx(0.5)  # tau
    sh = st.shrink([5, 5], [1.0, 3.0], grand_mean=2.0, tau2=0.0, sigma2=1.0)
    assert (sh["shrunken_mean"] == 2.0).all() and (sh["posterior_sd"] == 0).all()
    sh = st.shrink([5], [3.0], grand_mean=2.0, tau2=0.5, sigma2=0.0)
    assert sh["reliability"].iloc[0] == 1 and sh["shrunken_mean"].iloc[0] == 3.0
    # the se of the grand mean widens the interval
    a = st.shrink([5], [3.0], grand_mean=2.0, tau2=0.25, sigma2=1.0)
    b = st.shrink([5], [3.0], grand_mean=2.0, tau2=0.25, sigma2=1.0, grand_mean_se=0.1)
    assert b["posterior_sd"].iloc[0] > a["posterior_sd"].iloc[0]


def test_regression_to_the_mean_in_simulation():
    # units with true means that do not change, measured twice with new children:
    # the average observed change of units below the mean matches the prediction
    rng = np.random.default_rng(10)
    units, n, tau, sigma = 4000, 12, 0.3, 0.8
    true = 3 + rng.normal(0, tau, units)
    m1 = true + rng.normal(0, sigma / np.sqrt(n), units)
    m2 = true + rng.normal(0, sigma / np.sqrt(n), units)
    lam = tau**2 / (tau**2 + sigma**2 / n)
    low = m1 < np.quantile(m1, 0.2)
    predicted = st.regression_to_mean(m1[low], grand_mean=3.0, reliability=lam)
    assert np.mean(m2[low] - m1[low]) == pytest.approx(np.mean(predicted), rel=0.08)
    assert np.mean(predicted) > 0
    with pytest.raises(ValueError, match="reliability"):
        st.regression_to_mean(1.0, grand_mean=0.0, reliability=1.5)


# --------------------------------------------------------------------------- funnel


def _funnel_reference(y, n, target, sigma, trim=0.1):
    """FunnelPlotR / Spiegelhalter (2005) steps written out with pandas."""
    s = sigma / np.sqrt(n)
    z = pd.Series((y - target) / s)
    lz, uz = z.quantile(trim), z.quantile(1 - trim)  # R type 7 = pandas' default
    zw = z.where(z > lz, lz).where(z < uz, uz)
    units = len(z)
    phi = (zw**2).sum() / units
    w = 1 / s**2
    tau2 = max(0.0, (units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return z.to_numpy(), phi, tau2, s


def test_funnel_without_overdispersion():
    n = np.array([5, 10, 20, 40, 80])
    y = np.array([4.3, 2.4, 3.1, 2.55, 3.25])  # z = 3.6, -2.4, 0.6, -3.6, 2.8
    f = st.funnel(y, n, target=3.0, sigma=0.8)
    s = 0.8 / np.sqrt(n)
    np.testing.assert_allclose(f["z"], (y - 3.0) / s)
    np.testing.assert_allclose(f["limit95_high"], 3.0 + sps.norm.ppf(0.975) * s)
    np.testing.assert_allclose(f["limit998_low"], 3.0 - sps.norm.ppf(0.999) * s)
    assert sps.norm.ppf(0.999) == pytest.approx(3.09, abs=1e-3)
    assert f["flag"].tolist() == ["over", "within", "within", "under", "within"]
    f95 = st.funnel(y, n, target=3.0, sigma=0.8, flag_level=0.95)
    assert f95["flag"].tolist() == ["over", "under", "within", "under", "over"]
    assert f.attrs["overdispersion"] == "none"


def test_funnel_overdispersion_matches_spiegelhalter_steps():
    rng = np.random.default_rng(11)
    n = rng.integers(5, 60, 40)
    y = 3 + rng.normal(0, 0.3, 40) + rng.normal(0, 0.8 / np.sqrt(n))
    z, phi, tau2, s = _funnel_reference(y, n, 3.0, 0.8)
    od = st.estimate_overdispersion(z, s)
    assert od.phi == pytest.approx(phi, rel=1e-12)
    assert od.tau2 == pytest.approx(tau2, rel=1e-12)
    assert od.tau2 == pytest.approx(0.09, rel=0.6)  # true between-unit variance
    add = st.funnel(y, n, target=3.0, sigma=0.8, overdispersion=True)
    np.testing.assert_allclose(
        add["limit998_high"], 3.0 + sps.norm.ppf(0.999) * np.sqrt(s**2 + tau2)
    )
    np.testing.assert_allclose(add["z_adjusted"], (y - 3.0) / np.sqrt(s**2 + tau2))
    assert add.attrs["overdispersion"] == "additive"
    mult = st.funnel(y, n, target=3.0, sigma=0.8, overdispersion="multiplicative")
    np.testing.assert_allclose(mult["limit95_low"], 3.0 - sps.norm.ppf(0.975) * np.sqrt(phi) * s)
    assert phi > 1
    none = st.funnel(y, n, target=3.0, sigma=0.8)
    assert (none["flag"] != "within").sum() >= (add["flag"] != "within").sum()


def test_funnel_no_overdispersion_when_data_are_pure_chance():
    rng = np.random.default_rng(12)
    n = rng.integers(5, 60, 300)
    y = 3 + rng.normal(0, 0.8 / np.sqrt(n))
    f = st.funnel(y, n, target=3.0, sigma=0.8, overdispersion="additive")
    assert f.attrs["tau2"] == 0 or f.attrs["tau2"] < 1e-3
    # 10 % winsorising lowers phi: E[z_w^2] = 0.8 - 2 a pdf(a) + 0.2 a^2 = 0.68, a = 1.2816
    a = sps.norm.ppf(0.9)
    assert f.attrs["phi"] == pytest.approx(0.8 - 2 * a * sps.norm.pdf(a) + 0.2 * a**2, abs=0.1)


def test_funnel_edge_cases():
    f = st.funnel(
        pd.Series([3.5, np.nan, 3.0], index=["a", "b", "c"]), [10, 0, 10], target=3.0, sigma=0.5
    )
    assert list(f.index) == ["a", "b", "c"]
    assert pd.isna(f.loc["b", "flag"]) and np.isnan(f.loc["b", "limit95_low"])
    one = st.funnel([3.5], [10], target=3.0, sigma=0.5, overdispersion=True)
    assert one.attrs["tau2"] == 0
    with pytest.raises(ValueError, match="overdispersion"):
        st.funnel([3.5], [10], target=3.0, sigma=0.5, overdispersion="yes")
    with pytest.raises(ValueError, match="flag_level"):
        st.funnel([3.5], [10], target=3.0, sigma=0.5, flag_level=0.99)
    curve = st.funnel_limits(np.arange(5, 8), target=0.3, sigma=np.sqrt(0.3 * 0.7))
    assert curve["n"].tolist() == [5, 6, 7]


# ------------------------------------------------------------------ Cronbach's alpha


def _items(n=60, k=5, seed=13):
    rng = np.random.default_rng(seed)
    trait = rng.normal(0, 1, (n, 1))
    return pd.DataFrame(
        np.round(3 + trait + rng.normal(0, 0.9, (n, k))), columns=[f"i{j}" for j in range(k)]
    )


def test_cronbach_alpha_matches_pingouin():
    items = _items()
    r = st.cronbach_alpha(items)
    a, ci = pg.cronbach_alpha(items)
    assert r.alpha == pytest.approx(a, rel=1e-12)
    assert r.ci_low == pytest.approx(ci[0], abs=6e-4)  # pingouin rounds to 3 decimals
    assert r.ci_high == pytest.approx(ci[1], abs=6e-4)
    r90 = st.cronbach_alpha(items, confidence=0.9)
    a90, ci90 = pg.cronbach_alpha(items, ci=0.9)
    assert r90.ci_low == pytest.approx(ci90[0], abs=6e-4)
    assert (r.n, r.k) == (60, 5)


def test_cronbach_alpha_listwise():
    items = _items(seed=14)
    items.iloc[[1, 5, 9], [0, 2, 4]] = np.nan
    r = st.cronbach_alpha(items)
    complete = items.dropna()
    a, ci = pg.cronbach_alpha(complete)
    assert r.n == len(complete) == 57
    assert r.alpha == pytest.approx(a, rel=1e-12)
    assert r.ci_low == pytest.approx(ci[0], abs=6e-4)


def test_cronbach_alpha_edge_cases():
    assert np.isnan(st.cronbach_alpha([[1.0, 2.0]]).alpha)  # one subject
    assert np.isnan(st.cronbach_alpha([[1.0], [2.0], [3.0]]).alpha)  # one item
    assert np.isnan(st.cronbach_alpha([[2.0, 2.0], [2.0, 2.0], [2.0, 2.0]]).alpha)  # no variance
    assert np.isnan(st.cronbach_alpha(np.full((4, 3), np.nan)).alpha)
    with pytest.raises(ValueError, match="2-D"):
        st.cronbach_alpha([1.0, 2.0, 3.0])


def test_wilson_interval_is_exact_at_the_edges():
    from llkit.stats.numeric import wilson_interval

    lo, hi = wilson_interval([0, 7], [7, 7])
    assert lo[0] == 0.0 and hi[1] == 1.0
