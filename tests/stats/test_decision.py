"""The decision rule (llkit.stats.decision) against statsmodels and by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from llkit.stats import decision


@pytest.mark.parametrize("seed", range(5))
def test_holm_and_bh_equal_weights_match_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.random(37) ** 3
    rej, adj = decision.holm(p, 0.05)
    ref = multipletests(p, alpha=0.05, method="holm")
    np.testing.assert_allclose(adj, ref[1])
    np.testing.assert_array_equal(rej, ref[0])
    rej, adj = decision.benjamini_hochberg(p, 0.10)
    ref = multipletests(p, alpha=0.10, method="fdr_bh")
    np.testing.assert_allclose(adj, ref[1])
    np.testing.assert_array_equal(rej, ref[0])


def test_weighted_holm_worked_example() -> None:
    # weights 0.5, 0.25, 0.25: ratios p/w = 0.02, 0.04, 0.16 -> adjusted 0.02, 0.04*0.5, 0.16*0.25
    rej, adj = decision.holm([0.01, 0.01, 0.04], 0.05, weights=[0.5, 0.25, 0.25])
    np.testing.assert_allclose(adj, [0.02, 0.02, 0.04])
    assert rej.tolist() == [True, True, True]
    # a weighted Bonferroni bound for the first step: p_i <= alpha * w_i
    rej, _ = decision.holm([0.03, 0.03], 0.05, weights=[0.9, 0.1])
    assert rej.tolist() == [True, True]  # 0.03 <= 0.045, then 0.03 <= 0.05 * 0.1 / 0.1
    rej, _ = decision.holm([0.03, 0.03], 0.05, weights=[0.5, 0.5])
    assert rej.tolist() == [False, False]


def test_missing_p_values_are_not_part_of_the_family() -> None:
    p = np.array([0.001, np.nan, 0.02, np.nan])
    rej, adj = decision.holm(p)
    ref = multipletests([0.001, 0.02], method="holm")[1]
    np.testing.assert_allclose(adj[[0, 2]], ref)
    assert np.isnan(adj[[1, 3]]).all() and not rej[[1, 3]].any()


def test_invalid_input() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        decision.holm([0.2, 1.5])
    with pytest.raises(ValueError, match="positive"):
        decision.holm([0.2, 0.3], weights=[1, 0])
    with pytest.raises(ValueError, match="p_value"):
        decision.decide(pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="method"):
        decision.decide(pd.DataFrame({"p_value": [0.1]}), method="bonferroni")


def test_p_values_match_scipy() -> None:
    assert decision.p_value_z(1.96) == pytest.approx(2 * sps.norm.sf(1.96))
    assert decision.p_value_t(2.1, 7) == pytest.approx(2 * sps.t.sf(2.1, 7))
    # a t interval with 9 df recovers the t test's p-value
    x = np.array([0.3, 0.1, 0.5, -0.2, 0.4, 0.6, 0.2, 0.0, 0.7, 0.3])
    res = sps.ttest_1samp(x, 0.0)
    ci = res.confidence_interval(0.95)
    assert decision.p_value_interval(x.mean(), ci.low, ci.high, df=9) == pytest.approx(res.pvalue)
    assert decision.p_value_interval(0.0, 0.0, 0.0) == 1.0
    assert decision.p_value_interval(0.2, 0.2, 0.2) == 0.0
    assert np.isnan(decision.p_value_interval(np.nan, 0.0, 1.0))


def test_decide_columns_and_flags_include_real() -> None:
    fam = pd.DataFrame({"kind": ["position"] * 4 + ["change"] * 4,
                        "p_value": [1e-5, 0.004, 0.03, 0.5, 0.002, 0.2, np.nan, 0.9]})
    d = decision.decide(fam)
    assert {"weight", "p_family", "real", "p_fdr", "flag"} <= set(d.columns)
    assert (d["flag"] | ~d["real"]).all()  # every real comparison is flagged
    assert d.loc[6, "real"] == d.loc[6, "flag"] == False  # noqa: E712 (not testable)
    assert d["weight"].sum() == pytest.approx(1.0)
    # position weighs more than change: p = 0.025 is enough for a lone position comparison
    # beside uninformative changes, not for a lone change beside uninformative positions
    d2 = decision.decide(pd.DataFrame({"kind": ["position"] + ["change"] * 5, "p_value": [0.025] + [0.6] * 5}))
    d3 = decision.decide(pd.DataFrame({"kind": ["change"] + ["position"] * 5, "p_value": [0.025] + [0.6] * 5}))
    assert bool(d2["real"].iloc[0]) and not bool(d3["real"].iloc[0])
    naive = decision.decide(fam, method="per-comparison")
    assert naive["real"].sum() == 4


def _correlated_family(rng: np.random.Generator, m: int, rho: float, effects: np.ndarray) -> np.ndarray:
    """Two-sided p-values of m equicorrelated z statistics with the given means."""
    common = rng.standard_normal()
    z = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal(m) + effects
    return decision.p_value_z(z)


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_family_wise_error_on_null_families(rho: float) -> None:
    """No true difference: at most 5 % of documents make any claim (the naive rule: most)."""
    rng = np.random.default_rng(11)
    kinds = ["position"] * 12 + ["change"] * 12 + ["gap"] * 12 + ["gap_change"] * 12 + ["staff"] * 4
    any_new = any_old = any_flag = 0
    reps = 2000
    for _ in range(reps):
        p = _correlated_family(rng, len(kinds), rho, np.zeros(len(kinds)))
        d = decision.decide(pd.DataFrame({"kind": kinds, "p_value": p}))
        any_new += bool(d["real"].any())
        any_flag += bool(d["flag"].any())
        any_old += bool((p < 0.05).any())
    # binomial 99.9 % margin above the bound
    assert any_new / reps <= 0.05 + 3.1 * np.sqrt(0.05 * 0.95 / reps)
    assert any_flag / reps <= 0.10 + 3.1 * np.sqrt(0.10 * 0.90 / reps)
    assert any_old / reps > 0.3


def test_false_discovery_rate_with_planted_effects() -> None:
    rng = np.random.default_rng(5)
    kinds = ["position"] * 12 + ["change"] * 12 + ["gap"] * 12 + ["staff"] * 4
    effects = np.zeros(len(kinds))
    effects[:6] = 3.5  # six real differences among 40
    fdp, fwer, power = [], [], []
    for _ in range(2000):
        p = _correlated_family(rng, len(kinds), 0.3, effects)
        d = decision.decide(pd.DataFrame({"kind": kinds, "p_value": p}))
        false_flags = int(d["flag"].iloc[6:].sum())
        fdp.append(false_flags / max(int(d["flag"].sum()), 1))
        fwer.append(bool(d["real"].iloc[6:].any()))
        power.append(float(d["real"].iloc[:6].mean()))
    assert np.mean(fdp) <= 0.10
    assert np.mean(fwer) <= 0.05 + 0.015
    assert np.mean(power) > 0.5
