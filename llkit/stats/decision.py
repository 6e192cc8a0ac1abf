r"""When is a difference a difference? One decision rule for every llkit document.

A report compares many numbers at once: each measure against the municipality, each
change since the last round, each gap between social groups, the staff survey. If each
of some 50 comparisons is tested on its own at 95 %, a municipality where *nothing*
truly differs still gets two or three "real" differences in every report — and a box
that then picks *the largest* of them turns a 5 % test into a near-certain false
headline. This module decides, for the whole *family* of comparisons a document shows,
which of them may be called real. Every document (institution report, cluster dialogue,
municipal overview, dashboard, e-learning answer keys) asks it, and nothing else in
llkit calls a difference real.

The rule
--------
**Headlines** (*Det vigtigste*, the sentences of a document): a comparison is *real* when
the weighted Holm procedure (Holm 1979) over the document's family rejects it at a
family-wise error rate of ``ALPHA = 0.05``. Whatever the correlation between the
comparisons (the same children answer every measure) the chance that a document states
even one real difference where there is none is at most 5 %; which of the real ones the
text picks (the largest, the first) does not matter, so selection is accounted for.

**Table flags** (the *Vurdering* column, the ``*`` marks): a comparison is *flagged*
when the weighted Benjamini–Hochberg procedure (Benjamini & Hochberg 1995; weights as
Genovese, Roeder & Wasserman 2006) over the same family rejects it at a false-discovery
rate of ``Q = 0.10``, or when it is real. Of the flags in a document, at most about one
in ten is expected to be noise. Benjamini–Hochberg assumes independent or positively
dependent tests (Benjamini & Yekutieli 2001), which holds for the positively correlated
measures of one group of children; the simulation tests check the bound on such data.

Why these and not others
------------------------
- *Holm* rather than Bonferroni: uniformly more powerful, same guarantee, no assumption on
  the dependence. Hommel gains little over Holm at these family sizes and needs
  positive dependence. A plain stricter cut (e.g. 99 % per comparison) has no
  guarantee: its error grows with the number of measures.
- *Weights*: the family is split by kind before it is tested (``KIND_WEIGHTS``): the
  report's first question, where the institution stands on the children's measures, gets
  the largest share of the error budget — half of it for one test of all child measures
  together (the children's standardised scores averaged per child, ``profile``), which
  has far more power than any single measure when an institution differs across the
  board, as real institution effects mostly do — changes the next; gaps and the staff
  survey less. The weights are fixed in advance, not chosen from the data, so the bound holds
  (weighted Holm is valid for any fixed weights). When a kind is absent (one round only:
  no changes) its share goes to the others. Once a comparison is rejected its share is
  passed on to the rest (Holm's step-down), so a report with one strong real effect does
  not pay for it elsewhere.
- *Paired designs and shrinkage* win power back before this step: changes use the same
  children where possible (``llkit.change``, paired t), comparisons with the
  municipality use the funnel standard error with overdispersion where it is present
  (Spiegelhalter 2005). Empirical-Bayes posterior probabilities were weighed and not
  used for the headline: with the few institutions of a municipality τ² is often
  estimated as 0, and the resulting posterior gives no family-wise guarantee.

The rule is judged by simulation on known-truth data (``llkit.data.sample.generate(...,
effects="none", plant=...)``; ``benchmarks/honesty.py``): the share of reports with any
false headline on null data, and the share of planted effects found.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scand. J.
Statist.* 6, 65–70. · Benjamini, Y. & Hochberg, Y. (1995). Controlling the false
discovery rate. *JRSS B* 57, 289–300. · Benjamini, Y. & Yekutieli, D. (2001). The control
of the false discovery rate in multiple testing under dependency. *Ann. Statist.* 29,
1165–1188. · Genovese, C. R., Roeder, K. & Wasserman, L. (2006). False discovery control
with p-value weighting. *Biometrika* 93, 509–524. · Spiegelhalter, D. J. (2005). Funnel
plots for comparing institutional performance. *Stat. Med.* 24, 1185–1202.

Examples
--------
>>> import pandas as pd
>>> fam = pd.DataFrame({"kind": ["position"] * 3, "p_value": [0.0001, 0.03, 0.4]})
>>> decide(fam)[["p_value", "real", "flag"]]
   p_value   real   flag
0   0.0001   True   True
1   0.0300  False   True
2   0.4000  False  False
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

__all__ = [
    "ALPHA",
    "Q",
    "KIND_WEIGHTS",
    "p_value_z",
    "p_value_t",
    "p_value_interval",
    "holm",
    "benjamini_hochberg",
    "decide",
    "family_counts",
]

#: Family-wise error rate of a document's headlines.
ALPHA = 0.05
#: False-discovery rate of a document's table flags.
Q = 0.10
#: Share of the error budget per kind of comparison (normalised over the kinds present).
KIND_WEIGHTS: dict[str, float] = {
    "profile": 0.25,        # all child measures together against the municipality (one test)
    "position": 0.25,       # a child measure against the municipality
    "change": 0.18,         # a child measure since the previous round
    "gap": 0.07,            # the equity gap in the latest round
    "gap_change": 0.07,     # the change of the equity gap
    "departments": 0.06,    # the differences between the departments on a child measure
    "staff": 0.05,          # a staff-survey measure against the municipality
    "staff_change": 0.04,   # a staff-survey measure since the previous round
    "observation": 0.03,    # a rating of the learning environment against the municipality
}
_DEFAULT_WEIGHT = 0.10

_Z95 = 1.959963984540054


def p_value_z(z: ArrayLike) -> np.ndarray:
    """Two-sided p-value of a standard normal statistic.

    Examples
    --------
    >>> round(float(p_value_z(1.96)), 4)
    0.05
    """
    z = np.asarray(z, dtype=float)
    return 2.0 * special.ndtr(-np.abs(z))


def p_value_t(t: ArrayLike, df: ArrayLike) -> np.ndarray:
    """Two-sided p-value of a t statistic with ``df`` degrees of freedom (NaN df: normal).

    Examples
    --------
    >>> round(float(p_value_t(2.262, 9)), 3)
    0.05
    """
    t = np.asarray(t, dtype=float)
    df = np.broadcast_to(np.asarray(df, dtype=float), t.shape)
    with np.errstate(invalid="ignore"):
        pt = 2.0 * special.stdtr(np.where(np.isfinite(df) & (df > 0), df, 1.0), -np.abs(t))
    return np.where(np.isfinite(df) & (df > 0), pt, p_value_z(t))


def p_value_interval(estimate: ArrayLike, ci_low: ArrayLike, ci_high: ArrayLike,
                     df: ArrayLike | None = None, *, confidence: float = 0.95) -> np.ndarray:
    """Two-sided p-value of H0 "no difference" from an estimate and its symmetric interval.

    The standard error is recovered as ``(ci_high - ci_low) / (2 * crit)`` with the normal
    (``df`` None) or t quantile of the interval; an interval of width 0 around a nonzero
    estimate gives p = 0, around 0 gives p = 1; missing values give NaN.

    Examples
    --------
    >>> round(float(p_value_interval(0.3, 0.1, 0.5)), 4)
    0.0033
    """
    est = np.asarray(estimate, dtype=float)
    lo = np.asarray(ci_low, dtype=float)
    hi = np.asarray(ci_high, dtype=float)
    q = 0.5 + confidence / 2
    if df is None:
        crit = special.ndtri(q)
        dfa = np.full(np.broadcast(est, lo, hi).shape, np.nan)
    else:
        dfa = np.broadcast_to(np.asarray(df, dtype=float), np.broadcast(est, lo, hi).shape)
        crit = np.where(np.isfinite(dfa) & (dfa > 0), special.stdtrit(np.where(dfa > 0, dfa, 1.0), q),
                        special.ndtri(q))
    se = (hi - lo) / (2.0 * crit)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = est / se
    p = p_value_t(t, dfa)
    p = np.where(se == 0, np.where(est == 0, 1.0, 0.0), p)
    return np.where(np.isfinite(est) & np.isfinite(se), p, np.nan)


def _weights(n: int, weights: ArrayLike | None) -> np.ndarray:
    if weights is None:
        return np.full(n, 1.0 / max(n, 1))
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have one value per p-value ({n}), not shape {w.shape}")
    if n and (not np.all(np.isfinite(w)) or np.any(w <= 0)):
        raise ValueError("weights must be positive finite numbers")
    return w / w.sum() if n else w


def _check_p(p: ArrayLike) -> np.ndarray:
    p = np.asarray(p, dtype=float).ravel()
    bad = np.isfinite(p) & ((p < 0) | (p > 1))
    if bad.any():
        raise ValueError(f"p-values must lie between 0 and 1; got {p[bad][:3].tolist()}")
    return p


def _ordered(p: ArrayLike, weights: ArrayLike | None):
    """The testable p-values' positions, weights (sum 1), p/w ratios and their order."""
    p = _check_p(p)
    ok = np.isfinite(p)
    idx = np.flatnonzero(ok)
    w = _weights(len(idx), None if weights is None else np.asarray(weights, dtype=float).ravel()[idx])
    ratio = p[idx] / w if len(idx) else np.empty(0)
    return ok, idx, w, ratio, np.argsort(ratio, kind="stable")


def holm(p: ArrayLike, alpha: float = ALPHA, weights: ArrayLike | None = None
         ) -> tuple[np.ndarray, np.ndarray]:
    r"""Weighted Holm step-down procedure: strong control of the family-wise error rate.

    Parameters
    ----------
    p : array of float
        p-values; NaN entries are not part of the family (never rejected, NaN adjusted).
    alpha : float
        Family-wise error rate.
    weights : array of float, optional
        Positive weights (normalised to sum 1 over the non-missing p-values); equal by
        default, which is Holm's original procedure.

    Returns
    -------
    reject : array of bool
    p_adjusted : array of float
        ``reject == (p_adjusted <= alpha)``.

    Notes
    -----
    Order the hypotheses by :math:`p_i/w_i`. With :math:`W_j` the total weight of the
    hypotheses not yet rejected before step *j*, the adjusted p-value is
    :math:`\tilde p_{(j)} = \max_{k\le j} \min(1, W_k\, p_{(k)}/w_{(k)})` (Holm 1979, weighted
    form). Equal weights give ``statsmodels.stats.multitest.multipletests(method="holm")``.

    Examples
    --------
    >>> reject, adj = holm([0.01, 0.04, 0.03, 0.005])
    >>> reject.tolist(), adj.round(3).tolist()
    ([True, False, False, True], [0.03, 0.06, 0.06, 0.02])
    """
    ok, idx, w, ratio, order = _ordered(p, weights)
    adj = np.full(ok.shape, np.nan)
    if len(idx):
        remaining = np.cumsum(w[order][::-1])[::-1]  # weight of hypotheses j..m
        adj[idx[order]] = np.maximum.accumulate(np.minimum(1.0, remaining * ratio[order]))
    return np.where(ok, adj <= alpha, False), adj


def benjamini_hochberg(p: ArrayLike, q: float = Q, weights: ArrayLike | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    r"""Weighted Benjamini–Hochberg step-up procedure: control of the false-discovery rate.

    Parameters
    ----------
    p : array of float
        p-values; NaN entries are not part of the family.
    q : float
        False-discovery rate.
    weights : array of float, optional
        Positive weights, normalised to mean 1 over the non-missing p-values (Genovese,
        Roeder & Wasserman 2006); equal by default (the original procedure).

    Returns
    -------
    reject : array of bool
    p_adjusted : array of float

    Notes
    -----
    With :math:`r_i = p_i/w_i` sorted ascending, :math:`\tilde p_{(j)} = \min_{k\ge j}
    \min(1, m\,r_{(k)}/k)`. Equal weights give ``multipletests(method="fdr_bh")``.

    Examples
    --------
    >>> reject, adj = benjamini_hochberg([0.01, 0.04, 0.03, 0.005], q=0.05)
    >>> reject.tolist(), adj.round(3).tolist()
    ([True, True, True, True], [0.02, 0.04, 0.04, 0.02])
    """
    ok, idx, w, ratio, order = _ordered(p, weights)
    adj = np.full(ok.shape, np.nan)
    m = len(idx)
    if m:
        ratio = ratio / m  # weights with mean 1: p_i / (m w_i)
        a = np.minimum(1.0, ratio[order] * m / np.arange(1, m + 1))
        adj[idx[order]] = np.minimum.accumulate(a[::-1])[::-1]
    return np.where(ok, adj <= q, False), adj


def _kind_weights(kinds: pd.Series, kind_weights: Mapping[str, float]) -> np.ndarray:
    """Each comparison's weight: its kind's share, split equally within the kind."""
    counts = kinds.value_counts()
    share = kinds.map(lambda k: float(kind_weights.get(k, _DEFAULT_WEIGHT)))
    return (share / kinds.map(counts)).to_numpy(dtype=float)


def decide(
    family: pd.DataFrame,
    *,
    alpha: float = ALPHA,
    q: float = Q,
    kind_weights: Mapping[str, float] | None = None,
    method: str = "family",
) -> pd.DataFrame:
    """Decide which comparisons of a document's family are real (headline) and flagged (tables).

    Parameters
    ----------
    family : DataFrame
        One row per comparison the document makes, with ``p_value`` (two-sided; NaN when
        the comparison cannot be made, e.g. a suppressed number — such rows are not part
        of the family) and optionally ``kind`` (see :data:`KIND_WEIGHTS`; default
        ``"position"``). Other columns are kept.
    alpha : float
        Family-wise error rate of the headlines.
    q : float
        False-discovery rate of the table flags.
    kind_weights : mapping, optional
        Shares of the error budget per kind; default :data:`KIND_WEIGHTS`.
    method : {"family", "per-comparison"}
        ``"family"`` is the rule of every llkit document. ``"per-comparison"`` tests each
        row on its own at ``alpha`` (the naive rule; only for benchmarks and teaching).

    Returns
    -------
    DataFrame
        The family with ``weight``, ``p_family`` (Holm-adjusted), ``real`` (bool: may be
        stated as a real difference), ``p_fdr`` (BH-adjusted) and ``flag`` (bool: may be
        marked in a table; every real comparison is flagged).

    Examples
    --------
    >>> import pandas as pd
    >>> fam = pd.DataFrame({"kind": ["position", "change"], "p_value": [0.001, float("nan")]})
    >>> decide(fam)[["real", "flag"]].to_dict("list")
    {'real': [True, False], 'flag': [True, False]}
    """
    if method not in ("family", "per-comparison"):
        raise ValueError(f"method must be 'family' or 'per-comparison', not {method!r}")
    if "p_value" not in family:
        raise ValueError("the family needs a p_value column")
    out = family.copy()
    if "kind" not in out:
        out["kind"] = "position"
    p = out["p_value"].to_numpy(dtype=float)
    ok = np.isfinite(p)
    w = np.full(len(out), np.nan)
    if ok.any():
        w[ok] = _kind_weights(out.loc[ok, "kind"].astype(str), kind_weights or KIND_WEIGHTS)
        w[ok] /= w[ok].sum()
    out["weight"] = w
    if method == "per-comparison":
        out["p_family"] = p
        out["real"] = ok & (p <= alpha)
        out["p_fdr"] = p
        out["flag"] = out["real"]
        return out
    real, p_fam = holm(p, alpha, np.where(ok, w, 1.0))
    flag, p_fdr = benjamini_hochberg(p, q, np.where(ok, w, 1.0))
    out["p_family"] = p_fam
    out["real"] = real
    out["p_fdr"] = p_fdr
    out["flag"] = flag | real
    return out


def family_counts(decided: pd.DataFrame, *, alpha: float = ALPHA) -> dict[str, Any]:
    """How many comparisons a document made and what chance alone would give.

    Returns
    -------
    dict
        ``comparisons`` (testable rows), ``real``, ``flagged``, ``naive`` (how many a
        95 % test per comparison would call real), ``chance_naive`` (how many such
        "differences" pure noise gives on average: ``alpha * comparisons``) and
        ``chance_family`` (the bound on the chance of even one false headline, ``alpha``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = decide(pd.DataFrame({"p_value": [0.001, 0.2, 0.04]}))
    >>> family_counts(d)["comparisons"], round(family_counts(d)["chance_naive"], 2)
    (3, 0.15)
    """
    p = decided["p_value"].to_numpy(dtype=float)
    ok = np.isfinite(p)
    m = int(ok.sum())
    return {
        "comparisons": m,
        "real": int(decided["real"].sum()),
        "flagged": int(decided["flag"].sum()),
        "naive": int((p[ok] <= alpha).sum()),
        "chance_naive": alpha * m,
        "chance_family": alpha,
    }
