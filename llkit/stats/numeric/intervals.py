"""Intervals for one group: t interval of a mean, Wilson interval of a proportion, and
the per-group tables :func:`describe` and :func:`proportions` built on them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from llkit.stats.numeric._common import (
    ArrayLike,
    _arr,
    _broadcast,
    _check_confidence,
    _group_frame,
    _out,
    _safe_div,
    _z,
)


def t_interval(
    n: ArrayLike, mean: ArrayLike, sd: ArrayLike, *, confidence: float = 0.95
) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""t interval for a mean, from the group size, mean and standard deviation.

    Parameters
    ----------
    n, mean, sd : array_like
        Number of values, their mean and sample standard deviation (``ddof=1``), per
        group. Broadcast against each other.
    confidence : float, default 0.95
        Coverage of the two-sided interval.

    Returns
    -------
    ci_low, ci_high : float or numpy.ndarray
        ``NaN`` where ``n < 2`` (no standard deviation). With ``sd = 0`` the interval
        has width 0.

    Notes
    -----
    .. math:: \bar x \pm t_{1-\alpha/2,\,n-1}\, s/\sqrt{n}

    Student (1908); identical to ``scipy.stats.t.interval(confidence, n-1, mean, sd/sqrt(n))``.

    Examples
    --------
    >>> lo, hi = t_interval([25, 1], [3.4, 2.0], [0.8, float("nan")])
    >>> [round(float(v), 3) for v in lo], [round(float(v), 3) for v in hi]
    ([3.07, nan], [3.73, nan])
    """
    _check_confidence(confidence)
    n_, mean_, sd_ = _broadcast(n, mean, sd)
    ok = n_ >= 2
    df = np.where(ok, n_ - 1, np.nan)
    se = np.where(ok, sd_ / np.sqrt(np.where(ok, n_, 1.0)), np.nan)
    crit = _t_quantile(df, 0.5 + confidence / 2)
    return _out(mean_ - crit * se), _out(mean_ + crit * se)


def _t_quantile(df: np.ndarray, q: float) -> np.ndarray:
    """``special.stdtrit(df, q)`` computed once per distinct df (a national summary has
    hundreds of thousands of rows but only a few hundred group sizes); same values."""
    df = np.asarray(df, dtype=float)
    if df.size < 64:
        return special.stdtrit(df, q)
    uniq, inverse = np.unique(df, return_inverse=True)   # NaN sorts last, kept as NaN
    return special.stdtrit(uniq, q)[inverse].reshape(df.shape)


def wilson_interval(
    k: ArrayLike, n: ArrayLike, *, confidence: float = 0.95
) -> tuple[float | np.ndarray, float | np.ndarray]:
    r"""Wilson score interval for a proportion ``k / n``.

    Parameters
    ----------
    k, n : array_like
        Number of "successes" and number of trials per group (``0 <= k <= n``).
    confidence : float, default 0.95
        Coverage of the two-sided interval.

    Returns
    -------
    ci_low, ci_high : float or numpy.ndarray
        Within [0, 1]; ``NaN`` where ``n = 0`` or an input is missing.

    Notes
    -----
    With :math:`\hat p = k/n` and :math:`z = \Phi^{-1}(1-\alpha/2)`,

    .. math:: \frac{\hat p + z^2/(2n) \pm z\sqrt{\hat p(1-\hat p)/n + z^2/(4n^2)}}{1 + z^2/n}

    Wilson (1927); recommended over the Wald interval for small n and shares near 0 or 1
    (Newcombe 1998; Brown, Cai & DasGupta 2001). Same as statsmodels'
    ``proportion_confint(k, n, method="wilson")``.

    Examples
    --------
    Newcombe (1998), example 81/263:

    >>> lo, hi = wilson_interval(81, 263)
    >>> round(lo, 4), round(hi, 4)
    (0.2553, 0.3662)
    """
    z = _z(confidence)
    k_, n_ = _broadcast(k, n)
    bad = (k_ < 0) | (k_ > n_)
    if np.any(bad):
        raise ValueError(
            "wilson_interval needs 0 <= k <= n; got k > n or k < 0 in "
            f"{int(np.sum(bad))} group(s), e.g. k={k_[bad].flat[0]!r}, n={n_[bad].flat[0]!r}."
        )
    ok = n_ > 0
    nn = np.where(ok, n_, 1.0)
    p = k_ / nn
    denom = 1 + z**2 / nn
    centre = (p + z**2 / (2 * nn)) / denom
    half = z * np.sqrt(p * (1 - p) / nn + z**2 / (4 * nn**2)) / denom
    # exact bounds at the edges (k = 0 or k = n), not 5.6e-17 from rounding
    lo = np.where(ok, np.where(k_ == 0, 0.0, np.clip(centre - half, 0.0, 1.0)), np.nan)
    hi = np.where(ok, np.where(k_ == n_, 1.0, np.clip(centre + half, 0.0, 1.0)), np.nan)
    return _out(lo), _out(hi)


def describe(
    values: ArrayLike, groups: ArrayLike | None = None, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Per-group n, mean, standard deviation, standard error and t interval.

    Parameters
    ----------
    values : array_like
        The values (e.g. children's scores); ``NaN`` values are left out.
    groups : array_like, list of array_like or DataFrame, optional
        Group labels, one per value (several for a crossed grouping). Missing labels
        form their own group. Without groups, one row for all values.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per group: the group columns (named after the Series, else ``group``),
        ``n``, ``mean``, ``sd``, ``se``, ``ci_low``, ``ci_high``, ``within_ss``
        (sum of squared deviations from the group mean, the input of
        :func:`variance_components`).

    Examples
    --------
    >>> describe([1.0, 2.0, 3.0, 5.0], groups=["a", "a", "b", "b"])[["group", "n", "mean", "sd"]]
      group  n  mean       sd
    0     a  2   1.5  0.707107
    1     b  2   4.0  1.414214
    """
    frame, keys = _group_frame({"value": _arr(values)}, groups)
    frame = frame[frame["value"].notna()]
    if keys:
        g = frame.groupby(keys, observed=True, dropna=False, sort=True)["value"]
        out = g.agg(n="count", mean="mean", sd="std").reset_index()
    else:
        v = frame["value"]
        out = pd.DataFrame({"n": [v.count()], "mean": [v.mean()], "sd": [v.std()]})
    n = out["n"].to_numpy(dtype=float)
    out["n"] = out["n"].astype("int64")
    out["se"] = np.where(n >= 2, out["sd"] / np.sqrt(np.maximum(n, 1)), np.nan)
    out["ci_low"], out["ci_high"] = t_interval(n, out["mean"], out["sd"], confidence=confidence)
    out["within_ss"] = np.where(n >= 2, (n - 1) * out["sd"] ** 2, np.where(n == 1, 0.0, np.nan))
    return out


def proportions(
    flags: ArrayLike, groups: ArrayLike | None = None, *, confidence: float = 0.95
) -> pd.DataFrame:
    """Per-group share of true values with a Wilson interval.

    Parameters
    ----------
    flags : array_like of bool
        One flag per subject (e.g. "score is low"); missing values are left out.
    groups : array_like, list of array_like or DataFrame, optional
        Group labels as in :func:`describe`.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Group columns, ``n`` (non-missing flags), ``k`` (true flags), ``share``,
        ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> proportions([True, False, False, True, None])[["n", "k", "share"]]
       n  k  share
    0  4  2    0.5
    """
    f = (
        pd.Series(flags, dtype="boolean")
        if not isinstance(flags, pd.Series)
        else flags.astype("boolean")
    )
    frame, keys = _group_frame({"flag": f.to_numpy(dtype=float, na_value=np.nan)}, groups)
    frame = frame[frame["flag"].notna()]
    if keys:
        g = frame.groupby(keys, observed=True, dropna=False, sort=True)["flag"]
        out = g.agg(n="count", k="sum").reset_index()
    else:
        out = pd.DataFrame({"n": [frame["flag"].count()], "k": [frame["flag"].sum()]})
    out["n"] = out["n"].astype("int64")
    out["k"] = out["k"].astype("int64")
    n = out["n"].to_numpy(dtype=float)
    out["share"] = _safe_div(out["k"].to_numpy(dtype=float), n)
    out["ci_low"], out["ci_high"] = wilson_interval(out["k"], n, confidence=confidence)
    return out
