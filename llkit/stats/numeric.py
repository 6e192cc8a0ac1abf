"""Pure numeric primitives behind llkit's indicators.

Every function here works on numbers, numpy arrays or pandas Series -- never on a
:class:`~llkit.data.dataset.Dataset` -- so that it can be checked against an independent
reference (scipy, statsmodels, pingouin or a published example) and reused by
:mod:`llkit.stats.indicators`.

Most functions are *vectorised over groups*: they take arrays of per-group summaries
(``n``, ``mean``, ``sd`` ...) and return one value or one row per group, so an indicator
over thousands of units is one call, not a Python loop. Functions that return a
:class:`pandas.DataFrame` use the index of the first :class:`pandas.Series` argument
(if any), so the result lines up with the frame the arguments came from.

Conventions
-----------
* Missing values are ``NaN``. A group that is too small for a statistic gets ``NaN``,
  never an exception (``n < 2`` for a t interval, ``n = 0`` for a proportion).
* Intervals are two-sided with coverage ``confidence`` (default 0.95) and are returned as
  ``ci_low`` / ``ci_high``.
* A change or difference is always *second minus first* (``after - before``,
  ``mean2 - mean1``), so a positive value means "higher in the later round / in group 2".

Overview
--------
========================================  ==============================================
:func:`t_interval`                        t interval for a mean from ``n, mean, sd``
:func:`wilson_interval`                   Wilson score interval for a proportion
:func:`describe`, :func:`proportions`     per-group n, mean/sd or share with interval
:func:`welch_difference`                  difference of two means (Welch) + Hedges' g
:func:`hedges_g`, :func:`hedges_j`        standardised mean difference
:func:`paired_change`                     mean change of the same subjects + d_z
:func:`reliable_change`                   Jacobson-Truax reliable change (per subject)
:func:`reliable_change_summary`           shares with reliable change, per group
:func:`regression_to_mean`                change expected from the baseline position
:func:`variance_components`               REML one-way random effects (tau2, sigma2, ICC)
:func:`shrink`                            empirical-Bayes shrunken unit means
:func:`funnel`, :func:`funnel_limits`     funnel plot (Spiegelhalter 2005)
:func:`cronbach_alpha`                    Cronbach's alpha with Feldt interval
========================================  ==============================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

# scipy.special only: scipy.stats and scipy.optimize cost ~0.6 s to import
from scipy import special

__all__ = [
    "t_interval",
    "wilson_interval",
    "describe",
    "proportions",
    "welch_difference",
    "hedges_g",
    "hedges_j",
    "paired_change",
    "paired_change_values",
    "reliable_change_index",
    "reliable_change",
    "reliable_change_summary",
    "regression_to_mean",
    "VarianceComponents",
    "variance_components",
    "variance_components_from_values",
    "shrink",
    "Overdispersion",
    "estimate_overdispersion",
    "funnel",
    "funnel_limits",
    "CronbachAlpha",
    "cronbach_alpha",
    "RELIABLE_CHANGE_CATEGORIES",
    "FUNNEL_FLAGS",
]

#: Categories of :func:`reliable_change`, worst first.
RELIABLE_CHANGE_CATEGORIES = ["deteriorated", "unchanged", "improved"]

#: Values of the ``flag`` column of :func:`funnel`.
FUNNEL_FLAGS = ["under", "within", "over"]

ArrayLike = Any  # numbers, sequences, numpy arrays or pandas Series


# ---------------------------------------------------------------------------- helpers


def _arr(x: ArrayLike) -> np.ndarray:
    """Float array from numbers, lists, numpy arrays or (nullable) pandas objects."""
    if isinstance(x, pd.Series | pd.Index):
        return x.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(x, pd.DataFrame):
        return x.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(x, dtype=float)


def _broadcast(*args: ArrayLike) -> list[np.ndarray]:
    return [np.array(a, dtype=float) for a in np.broadcast_arrays(*(_arr(a) for a in args))]


def _index(*args: ArrayLike, length: int) -> pd.Index:
    for a in args:
        if isinstance(a, pd.Series) and len(a) == length:
            return a.index
    return pd.RangeIndex(length)


def _out(x: np.ndarray) -> float | np.ndarray:
    return float(x) if np.ndim(x) == 0 else x


def _frame(columns: dict[str, np.ndarray], *args: ArrayLike) -> pd.DataFrame:
    cols = {k: np.atleast_1d(v) for k, v in columns.items()}
    length = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=_index(*args, length=length))


def _counts(n: np.ndarray) -> np.ndarray:
    """Counts as int64 when they are all whole numbers, else unchanged (float)."""
    n = np.atleast_1d(n)
    if np.all(np.isfinite(n)) and np.all(n == np.round(n)):
        return n.astype("int64")
    return n


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}.")


def _z(confidence: float) -> float:
    _check_confidence(confidence)
    return float(special.ndtri(0.5 + confidence / 2))


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(a, b)
    return np.where(b == 0, np.nan, out)


def _group_frame(
    values: dict[str, ArrayLike], groups: ArrayLike | None
) -> tuple[pd.DataFrame, list]:
    """A frame of the value columns plus the grouping columns, and the group keys."""
    frame = pd.DataFrame(
        {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in values.items()}
    )
    keys: list = []
    if groups is None:
        return frame, keys
    if isinstance(groups, pd.DataFrame):
        group_list = [groups[c] for c in groups.columns]
    elif isinstance(groups, list | tuple) and groups and not np.isscalar(groups[0]):
        group_list = list(groups)
    else:
        group_list = [groups]
    for i, g in enumerate(group_list):
        name = (
            g.name
            if isinstance(g, pd.Series) and g.name is not None
            else f"group{i}"
            if i
            else "group"
        )
        if isinstance(g, pd.Series):
            g = g.reset_index(drop=True)
        if len(g) != len(frame):
            raise ValueError(
                f"groups must have one entry per value: got {len(g)} group labels for "
                f"{len(frame)} values."
            )
        frame[name] = g
        keys.append(name)
    return frame, keys


# --------------------------------------------------------------------------- intervals


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


# ------------------------------------------------------------------ two-group contrasts


def hedges_j(df: ArrayLike, *, exact: bool = True) -> float | np.ndarray:
    r"""Small-sample correction factor J of Hedges' g.

    Parameters
    ----------
    df : array_like
        Degrees of freedom of the pooled standard deviation, ``n1 + n2 - 2``.
    exact : bool, default True
        Exact gamma-function form (Hedges 1981) or the approximation
        :math:`1 - 3/(4\,df - 1)` used by pingouin and most software.

    Returns
    -------
    float or numpy.ndarray
        ``NaN`` where ``df <= 1``.

    Notes
    -----
    .. math:: J(df) = \frac{\Gamma(df/2)}{\sqrt{df/2}\;\Gamma((df-1)/2)}

    The approximation differs from the exact form by less than 0.001 for ``df >= 6``.

    Examples
    --------
    >>> round(hedges_j(10), 4), round(hedges_j(10, exact=False), 4)
    (0.9227, 0.9231)
    """
    d = _arr(df)
    ok = d > 1
    dd = np.where(ok, d, 2.0)
    if exact:
        j = np.exp(special.gammaln(dd / 2) - 0.5 * np.log(dd / 2) - special.gammaln((dd - 1) / 2))
    else:
        j = 1 - 3 / (4 * dd - 1)
    return _out(np.where(ok, j, np.nan))


def hedges_g(
    n1: ArrayLike,
    mean1: ArrayLike,
    sd1: ArrayLike,
    n2: ArrayLike,
    mean2: ArrayLike,
    sd2: ArrayLike,
    *,
    exact: bool = True,
    confidence: float = 0.95,
) -> pd.DataFrame:
    r"""Hedges' g for the difference ``mean2 - mean1``, with an approximate interval.

    Parameters
    ----------
    n1, mean1, sd1, n2, mean2, sd2 : array_like
        Group sizes, means and standard deviations (``ddof=1``) of the two groups.
    exact : bool, default True
        Use the exact small-sample correction (see :func:`hedges_j`).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``g``, ``ci_low``, ``ci_high``; ``NaN`` where a group has fewer than 2 values or
        the pooled standard deviation is 0.

    Notes
    -----
    .. math::

        s_p = \sqrt{\frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}{n_1+n_2-2}},\quad
        g = J(n_1+n_2-2)\,\frac{\bar x_2 - \bar x_1}{s_p}

    Interval: :math:`g \pm t_{1-\alpha/2,\,n_1+n_2-2}\,SE` with
    :math:`SE = \sqrt{(n_1+n_2)/(n_1 n_2) + g^2/(2(n_1+n_2))}` (Hedges & Olkin 1985,
    p. 86), as pingouin's ``compute_esci`` and R's ``effsize::cohen.d``.

    Examples
    --------
    >>> hedges_g(20, 3.0, 1.0, 20, 3.5, 1.0).round(3)
          g  ci_low  ci_high
    0  0.49   -0.16     1.14
    """
    _check_confidence(confidence)
    n1_, m1, s1, n2_, m2, s2 = _broadcast(n1, mean1, sd1, n2, mean2, sd2)
    ok = (n1_ >= 2) & (n2_ >= 2)
    df = np.where(ok, n1_ + n2_ - 2, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        sp = np.sqrt(((n1_ - 1) * s1**2 + (n2_ - 1) * s2**2) / df)
        g = hedges_j(df, exact=exact) * _safe_div(m2 - m1, sp)
        se = np.sqrt((n1_ + n2_) / (n1_ * n2_) + g**2 / (2 * (n1_ + n2_)))
    crit = special.stdtrit(df, 0.5 + confidence / 2)
    return _frame({"g": g, "ci_low": g - crit * se, "ci_high": g + crit * se}, n1, mean1, n2, mean2)


def welch_difference(
    n1: ArrayLike,
    mean1: ArrayLike,
    sd1: ArrayLike,
    n2: ArrayLike,
    mean2: ArrayLike,
    sd2: ArrayLike,
    *,
    confidence: float = 0.95,
    exact_j: bool = True,
) -> pd.DataFrame:
    r"""Difference of two independent means (``mean2 - mean1``), Welch interval, Hedges' g.

    Use it for *unpaired* change (different children in the two rounds) and for
    comparing two groups (a unit and the rest of the municipality, two background groups).

    Parameters
    ----------
    n1, mean1, sd1, n2, mean2, sd2 : array_like
        Group sizes, means and standard deviations (``ddof=1``) of the two groups.
    confidence : float, default 0.95
    exact_j : bool, default True
        Exact small-sample correction of Hedges' g (see :func:`hedges_j`).

    Returns
    -------
    pandas.DataFrame
        ``diff``, ``se``, ``df`` (Welch-Satterthwaite), ``ci_low``, ``ci_high``, ``t``,
        ``p_value`` (two-sided), ``hedges_g``, ``g_ci_low``, ``g_ci_high``. ``NaN`` where
        a group has fewer than 2 values. If both standard deviations are 0 the
        difference is known exactly: ``se = 0``, the interval is ``[diff, diff]`` and
        ``df``, ``t``, ``p_value`` and g are ``NaN``.

    Notes
    -----
    .. math::

        SE = \sqrt{s_1^2/n_1 + s_2^2/n_2},\qquad
        df = \frac{(s_1^2/n_1 + s_2^2/n_2)^2}
                  {\frac{(s_1^2/n_1)^2}{n_1-1} + \frac{(s_2^2/n_2)^2}{n_2-1}}

    Interval :math:`(\bar x_2-\bar x_1) \pm t_{1-\alpha/2,\,df}\,SE` (Welch 1947). Same as
    ``scipy.stats.ttest_ind(x2, x1, equal_var=False)``.

    Examples
    --------
    >>> r = welch_difference(30, 3.2, 0.9, 28, 3.6, 0.7)
    >>> r[["diff", "df", "ci_low", "ci_high"]].round(3)
       diff      df  ci_low  ci_high
    0   0.4  54.282  -0.023    0.823
    """
    _check_confidence(confidence)
    n1_, m1, s1, n2_, m2, s2 = _broadcast(n1, mean1, sd1, n2, mean2, sd2)
    ok = (n1_ >= 2) & (n2_ >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        v1 = s1**2 / n1_
        v2 = s2**2 / n2_
        se = np.where(ok, np.sqrt(v1 + v2), np.nan)
        df = (v1 + v2) ** 2 / (v1**2 / (n1_ - 1) + v2**2 / (n2_ - 1))
    df = np.where(ok & (se > 0), df, np.nan)
    diff = np.where(ok, m2 - m1, np.nan)
    crit = special.stdtrit(df, 0.5 + confidence / 2)
    exact_zero = ok & (se == 0)
    lo = np.where(exact_zero, diff, diff - crit * se)
    hi = np.where(exact_zero, diff, diff + crit * se)
    t = _safe_div(diff, se)
    p = 2 * special.stdtr(df, -np.abs(t))
    g = hedges_g(n1_, m1, s1, n2_, m2, s2, exact=exact_j, confidence=confidence)
    return _frame(
        {
            "diff": diff,
            "se": se,
            "df": df,
            "ci_low": lo,
            "ci_high": hi,
            "t": t,
            "p_value": p,
            "hedges_g": g["g"].to_numpy(),
            "g_ci_low": g["ci_low"].to_numpy(),
            "g_ci_high": g["ci_high"].to_numpy(),
        },
        n1,
        mean1,
        n2,
        mean2,
    )


# ----------------------------------------------------------------------- paired change


def paired_change(
    n: ArrayLike, mean_diff: ArrayLike, sd_diff: ArrayLike, *, confidence: float = 0.95
) -> pd.DataFrame:
    r"""Mean change of the same subjects between two rounds, with t interval and d_z.

    Parameters
    ----------
    n : array_like
        Number of subjects measured in both rounds (pairs), per group.
    mean_diff, sd_diff : array_like
        Mean and standard deviation (``ddof=1``) of the per-subject change
        ``after - before``.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``n``, ``change``, ``se``, ``df``, ``ci_low``, ``ci_high``, ``t``, ``p_value``,
        ``d_z``, ``dz_ci_low``, ``dz_ci_high``. Interval, t and p are ``NaN`` where
        ``n < 2``; d_z is ``NaN`` where ``sd_diff = 0``.

    Notes
    -----
    Paired t interval :math:`\bar d \pm t_{1-\alpha/2,\,n-1}\, s_d/\sqrt n`; effect size
    :math:`d_z = \bar d / s_d = t/\sqrt n` (Cohen 1988; Lakens 2013, eq. 6-7). The
    interval of d_z uses :math:`SE = \sqrt{1/n + d_z^2/(2n)}` with t quantiles on
    ``n - 1`` df, as pingouin's ``compute_esci(paired=True)``.

    d_z is the standardised *change*, not comparable with Hedges' g of an unpaired
    comparison: it is larger when the two rounds correlate strongly.

    Examples
    --------
    >>> paired_change(16, 0.25, 0.5)[["change", "ci_low", "ci_high", "d_z"]].round(3)
       change  ci_low  ci_high  d_z
    0    0.25   -0.016    0.516  0.5
    """
    _check_confidence(confidence)
    n_, m, s = _broadcast(n, mean_diff, sd_diff)
    ok = n_ >= 2
    df = np.where(ok, n_ - 1, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(ok, s / np.sqrt(n_), np.nan)
    crit = special.stdtrit(df, 0.5 + confidence / 2)
    exact_zero = ok & (se == 0)
    lo = np.where(exact_zero, m, m - crit * se)
    hi = np.where(exact_zero, m, m + crit * se)
    t = _safe_div(m, se)
    p = 2 * special.stdtr(np.where(exact_zero, np.nan, df), -np.abs(t))
    dz = np.where(ok, _safe_div(m, s), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        dz_se = np.sqrt(1 / n_ + dz**2 / (2 * n_))
    return _frame(
        {
            "n": _counts(n_),
            "change": np.where(n_ >= 1, m, np.nan),
            "se": se,
            "df": df,
            "ci_low": lo,
            "ci_high": hi,
            "t": t,
            "p_value": p,
            "d_z": dz,
            "dz_ci_low": dz - crit * dz_se,
            "dz_ci_high": dz + crit * dz_se,
        },
        n,
        mean_diff,
    )


def paired_change_values(
    before: ArrayLike,
    after: ArrayLike,
    groups: ArrayLike | None = None,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`paired_change` from per-subject values, per group.

    Parameters
    ----------
    before, after : array_like
        One entry per subject: the score in the first and in the second round. Subjects
        missing either score are left out.
    groups : array_like, list of array_like or DataFrame, optional
        Group labels (e.g. the unit), as in :func:`describe`.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        Group columns, ``n`` (pairs), ``mean_before``, ``mean_after`` and the other
        columns of :func:`paired_change`.

    Examples
    --------
    >>> r = paired_change_values([2.0, 3.0, 3.0, 4.0], [2.5, 3.0, 4.0, 4.5])
    >>> r[["n", "mean_before", "mean_after", "change"]]
       n  mean_before  mean_after  change
    0  4          3.0         3.5     0.5
    """
    b, a = _arr(before), _arr(after)
    frame, keys = _group_frame({"before": b, "after": a}, groups)
    frame = frame[frame["before"].notna() & frame["after"].notna()]
    frame["diff"] = frame["after"] - frame["before"]
    if keys:
        agg = (
            frame.groupby(keys, observed=True, dropna=False, sort=True)
            .agg(
                n=("diff", "count"),
                mean_before=("before", "mean"),
                mean_after=("after", "mean"),
                mean_diff=("diff", "mean"),
                sd_diff=("diff", "std"),
            )
            .reset_index()
        )
    else:
        agg = pd.DataFrame(
            {
                "n": [frame["diff"].count()],
                "mean_before": [frame["before"].mean()],
                "mean_after": [frame["after"].mean()],
                "mean_diff": [frame["diff"].mean()],
                "sd_diff": [frame["diff"].std()],
            }
        )
    res = paired_change(
        agg["n"].to_numpy(dtype=float), agg["mean_diff"], agg["sd_diff"], confidence=confidence
    )
    out = pd.concat([agg[keys + ["mean_before", "mean_after"]], res], axis=1)
    first = keys + ["n", "mean_before", "mean_after"]
    return out[first + [c for c in out.columns if c not in first]]


# ---------------------------------------------------------------------- reliable change


def _check_reliability(reliability: np.ndarray) -> None:
    r = reliability[~np.isnan(reliability)]
    if np.any((r < 0) | (r >= 1)):
        raise ValueError(
            "reliability must be at least 0 and below 1 (e.g. Cronbach's alpha 0.8); got "
            f"{r[(r < 0) | (r >= 1)][0]!r}. A reliability of 1 would mean no measurement error."
        )


def reliable_change_index(
    before: ArrayLike, after: ArrayLike, *, sd_baseline: ArrayLike, reliability: ArrayLike
) -> float | np.ndarray:
    r"""Jacobson-Truax reliable change index ``(after - before) / SE_diff``.

    Parameters
    ----------
    before, after : array_like
        Per-subject scores in the two rounds.
    sd_baseline : array_like
        Standard deviation of the scores at baseline (in the population the subjects
        belong to -- usually all subjects of the measure in the first round).
    reliability : array_like
        Reliability of the measure, :math:`0 \le r_{xx} < 1` (e.g. Cronbach's alpha or a
        test-retest coefficient).

    Returns
    -------
    float or numpy.ndarray
        ``NaN`` where a score is missing or ``sd_baseline`` is not positive.

    Notes
    -----
    .. math::

        SE_{diff} = s_1\sqrt 2\,\sqrt{1 - r_{xx}},\qquad RCI = \frac{x_2 - x_1}{SE_{diff}}

    Jacobson & Truax (1991). :math:`|RCI| > 1.96` is a change larger than measurement
    error would produce in 95 % of cases.

    Examples
    --------
    Baseline sd 10, reliability 0.84, so :math:`SE_{diff} = 10\sqrt 2 \cdot 0.4 = 5.657`:

    >>> round(reliable_change_index(50, 62, sd_baseline=10, reliability=0.84), 3)
    2.121
    """
    b, a, s, r = _broadcast(before, after, sd_baseline, reliability)
    _check_reliability(r)
    se_diff = np.where(s > 0, s * np.sqrt(2.0) * np.sqrt(1 - r), np.nan)
    return _out(_safe_div(a - b, se_diff))


def reliable_change(
    before: ArrayLike,
    after: ArrayLike,
    *,
    reliability: ArrayLike,
    sd_baseline: ArrayLike | None = None,
    higher_is_better: ArrayLike = True,
    z: float = 1.96,
) -> pd.Series:
    """Per-subject reliable change category (Jacobson & Truax 1991).

    Parameters
    ----------
    before, after : array_like
        Per-subject scores in the two rounds (one measure).
    reliability : array_like
        Reliability of the measure (``0 <= r < 1``).
    sd_baseline : array_like, optional
        Baseline standard deviation; by default the standard deviation (``ddof=1``) of
        all non-missing ``before`` values passed -- so pass all subjects of the measure
        at once, not one unit at a time.
    higher_is_better : bool or array_like of bool, default True
        Direction of the measure: a reliable increase is an improvement when true.
    z : float, default 1.96
        Threshold for ``|RCI|``.

    Returns
    -------
    pandas.Series
        Categorical with categories :data:`RELIABLE_CHANGE_CATEGORIES`
        (``"deteriorated"``, ``"unchanged"``, ``"improved"``); missing where a score is
        missing. Index from ``before`` if it is a Series.

    Examples
    --------
    >>> reliable_change([50, 50, 50], [62, 45, 38], sd_baseline=10, reliability=0.84).tolist()
    ['improved', 'unchanged', 'deteriorated']
    """
    b = _arr(before)
    if sd_baseline is None:
        sd_baseline = float(np.nanstd(b, ddof=1)) if np.sum(~np.isnan(b)) >= 2 else np.nan
    rci = np.atleast_1d(
        reliable_change_index(before, after, sd_baseline=sd_baseline, reliability=reliability)
    )
    hib = np.broadcast_to(np.asarray(higher_is_better, dtype=bool), rci.shape)
    up, down = rci > z, rci < -z
    codes = np.where(np.isnan(rci), -1, 1)
    codes = np.where((up & hib) | (down & ~hib), 2, codes)
    codes = np.where((down & hib) | (up & ~hib), 0, codes)
    cat = pd.Categorical.from_codes(codes, categories=RELIABLE_CHANGE_CATEGORIES)
    index = before.index if isinstance(before, pd.Series) else pd.RangeIndex(len(cat))
    return pd.Series(cat, index=index, name="reliable_change")


def reliable_change_summary(
    before: ArrayLike,
    after: ArrayLike,
    groups: ArrayLike | None = None,
    *,
    reliability: ArrayLike,
    sd_baseline: ArrayLike | None = None,
    higher_is_better: ArrayLike = True,
    z: float = 1.96,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Shares of subjects with reliable improvement / no reliable change / deterioration.

    Parameters
    ----------
    before, after, reliability, sd_baseline, higher_is_better, z
        As in :func:`reliable_change` (``sd_baseline`` defaults to the sd of all
        ``before`` values, before grouping).
    groups : array_like, list of array_like or DataFrame, optional
        Group labels, as in :func:`describe`.
    confidence : float, default 0.95
        Coverage of the Wilson intervals of the shares.

    Returns
    -------
    pandas.DataFrame
        Group columns, ``n`` (subjects with both scores), and for each category
        ``c`` in ``improved``, ``unchanged``, ``deteriorated``: ``n_c``, ``share_c``,
        ``share_c_ci_low``, ``share_c_ci_high``.

    Examples
    --------
    >>> r = reliable_change_summary([50, 50, 50, 50], [62, 45, 38, 51], sd_baseline=10,
    ...                             reliability=0.84)
    >>> r[["n", "n_improved", "share_improved", "n_deteriorated"]]
       n  n_improved  share_improved  n_deteriorated
    0  4           1            0.25               1
    """
    cat = reliable_change(
        before,
        after,
        reliability=reliability,
        sd_baseline=sd_baseline,
        higher_is_better=higher_is_better,
        z=z,
    )
    frame, keys = _group_frame({"cat": cat.astype(object).to_numpy()}, groups)
    frame = frame[frame["cat"].notna()]
    for c in RELIABLE_CHANGE_CATEGORIES:
        frame[f"n_{c}"] = (frame["cat"] == c).astype("int64")
    counts = [f"n_{c}" for c in RELIABLE_CHANGE_CATEGORIES]
    if keys:
        g = frame.groupby(keys, observed=True, dropna=False, sort=True)
        out = g[counts].sum()
        out.insert(0, "n", g.size())
        out = out.reset_index()
    else:
        out = pd.DataFrame({"n": [len(frame)], **{c: [frame[c].sum()] for c in counts}})
    n = out["n"].to_numpy(dtype=float)
    for c in ["improved", "unchanged", "deteriorated"]:
        k = out[f"n_{c}"].to_numpy(dtype=float)
        out[f"share_{c}"] = _safe_div(k, n)
        out[f"share_{c}_ci_low"], out[f"share_{c}_ci_high"] = wilson_interval(
            k, n, confidence=confidence
        )
    order = (
        keys
        + ["n"]
        + [
            col
            for c in ["improved", "unchanged", "deteriorated"]
            for col in (f"n_{c}", f"share_{c}", f"share_{c}_ci_low", f"share_{c}_ci_high")
        ]
    )
    return out[order]


# ------------------------------------------------------------------- regression to mean


def regression_to_mean(
    baseline: ArrayLike, *, grand_mean: ArrayLike, reliability: ArrayLike
) -> float | np.ndarray:
    r"""Change expected from regression to the mean alone: :math:`-(1-\lambda)(x_1-\mu)`.

    Parameters
    ----------
    baseline : array_like
        Observed baseline value of each unit (its mean in the first round) -- or of each
        subject.
    grand_mean : array_like
        Mean of the population the unit was picked from (e.g. the municipality's
        model-based grand mean, :attr:`VarianceComponents.grand_mean`).
    reliability : array_like
        :math:`\lambda`, the correlation between the observed baseline and a repeat
        measurement when nothing really changes. For a unit mean this is its reliability
        :math:`\lambda_j = \tau^2/(\tau^2 + \sigma^2/n_j)`
        (:meth:`VarianceComponents.reliability`); for a single subject it is the
        measure's reliability :math:`r_{xx}`.

    Returns
    -------
    float or numpy.ndarray
        Expected change: negative for units above the grand mean, positive below.

    Notes
    -----
    In the one-way random-effects model the observed unit mean is
    :math:`\bar y_j = \mu + u_j + e_j` with :math:`\operatorname{Var} u_j = \tau^2` (true
    differences between units) and :math:`\operatorname{Var} e_j = \sigma^2/n_j`
    (chance: which children, measurement error). A unit's *true* level is best
    predicted by :math:`\mu + \lambda_j(\bar y_j - \mu)`: only the share
    :math:`\lambda_j` of its distance from the mean is expected to persist. If the unit
    does not truly change, its next observed mean is therefore expected to lie at that
    predicted level, i.e. to move by :math:`-(1-\lambda_j)(\bar y_j - \mu)` towards the
    mean. A unit picked *because* its baseline was extreme (the lowest five dagtilbud)
    will "improve" by this much without any intervention; only change beyond it says
    something about the unit (Barnett, van der Pols & Dobson 2005, who give the same
    result as :math:`(1-\rho)(\mu - x_1)` for a bivariate normal pair with correlation
    :math:`\rho`).

    :math:`\lambda_j` from the variance components describes a *new* group of children;
    when the same children are measured again their stable individual differences
    persist too, so the correlation is higher and the expected regression smaller --
    pass a larger reliability for paired comparisons if one is known.

    Examples
    --------
    A unit 0.4 points below the mean whose mean has reliability 0.6:

    >>> round(regression_to_mean(2.8, grand_mean=3.2, reliability=0.6), 2)
    0.16
    """
    b, m, lam = _broadcast(baseline, grand_mean, reliability)
    _check_unit_interval(lam, "reliability")
    return _out(-(1 - lam) * (b - m))


def _check_unit_interval(x: np.ndarray, name: str) -> None:
    v = x[~np.isnan(x)]
    if np.any((v < 0) | (v > 1)):
        raise ValueError(f"{name} must be between 0 and 1; got {v[(v < 0) | (v > 1)][0]!r}.")


# ------------------------------------------------------------------ variance components


@dataclass(frozen=True)
class VarianceComponents:
    """Result of :func:`variance_components` (one-way random-effects model, REML).

    Attributes
    ----------
    grand_mean : float
        Estimated mean of the unit means, :math:`\\hat\\mu` (precision-weighted).
    grand_mean_se : float
        Its standard error, :math:`1/\\sqrt{\\sum_j 1/(\\tau^2 + \\sigma^2/n_j)}`.
    tau2 : float
        Between-unit variance :math:`\\tau^2` (``>= 0``).
    sigma2 : float
        Within-unit variance :math:`\\sigma^2`.
    icc : float
        Intraclass correlation :math:`\\tau^2/(\\tau^2+\\sigma^2)`: the share of the
        variation that lies between units.
    n_groups, n_obs : int
        Units and values used.
    boundary : bool
        True when the estimate of :math:`\\tau^2` is 0 (on the boundary).
    """

    grand_mean: float
    grand_mean_se: float
    tau2: float
    sigma2: float
    icc: float
    n_groups: int
    n_obs: int
    boundary: bool

    def reliability(self, n: ArrayLike) -> float | np.ndarray:
        """Reliability of a unit mean of ``n`` values, :math:`\\tau^2/(\\tau^2 + \\sigma^2/n)`."""
        return _reliability(_arr(n), self.tau2, self.sigma2)

    def shrink(
        self,
        n: ArrayLike,
        mean: ArrayLike,
        *,
        include_grand_mean_se: bool = False,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Empirical-Bayes shrunken unit means; see :func:`shrink`.

        ``include_grand_mean_se`` adds the uncertainty of the grand mean to the
        posterior variance (``grand_mean_se`` of :func:`shrink`).
        """
        return shrink(
            n,
            mean,
            grand_mean=self.grand_mean,
            tau2=self.tau2,
            sigma2=self.sigma2,
            grand_mean_se=self.grand_mean_se if include_grand_mean_se else 0.0,
            confidence=confidence,
        )

    def to_dict(self) -> dict[str, Any]:
        """The attributes as a dict (e.g. for one row of a table)."""
        return asdict(self)


def _reliability(n: np.ndarray, tau2: ArrayLike, sigma2: ArrayLike) -> float | np.ndarray:
    n_, t, s = _broadcast(n, tau2, sigma2)
    with np.errstate(invalid="ignore", divide="ignore"):
        err = np.where(n_ > 0, s / np.where(n_ > 0, n_, 1.0), np.inf)
        lam = t / (t + err)
    lam = np.where(n_ <= 0, 0.0, lam)
    # no error variance: the observed mean is exact (also when tau2 = 0, where it is moot)
    lam = np.where((n_ > 0) & (err == 0) & ~np.isnan(t), 1.0, lam)
    return _out(lam)


def _reml_profile(
    gamma: float, n: np.ndarray, m: np.ndarray, w_total: float
) -> tuple[float, float, float, float]:
    """-2 x profiled REML log-likelihood (up to a constant), and mu, Q, sum of weights."""
    wt = n / (1 + n * gamma)
    sw = wt.sum()
    mu = float(np.dot(wt, m) / sw)
    q = w_total + float(np.dot(wt, (m - mu) ** 2))
    big_n = n.sum()
    obj = (big_n - 1) * np.log(q) + np.log1p(n * gamma).sum() + np.log(sw)
    return float(obj), mu, q, float(sw)


def variance_components(n: ArrayLike, mean: ArrayLike, within_ss: ArrayLike) -> VarianceComponents:
    r"""REML variance components of the one-way random-effects model from group summaries.

    Parameters
    ----------
    n : array_like
        Number of values per unit (units with ``n = 0`` or a missing mean are ignored).
    mean : array_like
        Mean per unit.
    within_ss : array_like
        Sum of squared deviations from the unit mean per unit,
        :math:`W_j = \sum_i (y_{ij} - \bar y_j)^2 = (n_j-1)s_j^2` (``NaN`` is taken as 0
        where ``n = 1``). See :func:`describe`.

    Returns
    -------
    VarianceComponents
        With one unit (or all units of size 1) the two variances cannot be separated:
        ``tau2`` and ``icc`` are ``NaN`` (and ``sigma2`` too when all units have size 1).
        When all values within each unit are equal, ``sigma2 = 0`` and ``tau2`` is the
        variance of the unit means.

    Notes
    -----
    Model: :math:`y_{ij} = \mu + u_j + e_{ij}`, :math:`u_j \sim N(0, \tau^2)`,
    :math:`e_{ij} \sim N(0, \sigma^2)`. With :math:`\gamma = \tau^2/\sigma^2`,
    :math:`w_j = n_j/(1 + n_j\gamma)`, :math:`\hat\mu(\gamma) = \sum w_j\bar y_j/\sum w_j`
    and :math:`Q(\gamma) = \sum_j W_j + \sum_j w_j(\bar y_j - \hat\mu)^2`, minus twice the
    REML log-likelihood is, up to a constant,

    .. math::

        (N-1)\log\sigma^2 + \sum_j\log(1+n_j\gamma) + \log\sum_j w_j + Q(\gamma)/\sigma^2

    (Harville 1977; Searle, Casella & McCulloch 1992, ch. 6), which depends on the data
    only through :math:`n_j, \bar y_j, W_j` -- so aggregated data suffice. Profiling out
    :math:`\hat\sigma^2 = Q(\gamma)/(N-1)` leaves a function of :math:`\gamma` alone. It
    is minimised over the ICC :math:`\rho = \gamma/(1+\gamma) \in [0, 1)`: a grid locates
    the minimum, then ``scipy.optimize.minimize_scalar`` (bounded) refines it, and the
    boundary :math:`\tau^2 = 0` is taken when its value is as good. Agrees with
    ``statsmodels`` ``MixedLM(reml=True)`` (see the tests).

    Examples
    --------
    >>> vc = variance_components([4, 6, 5], [3.0, 3.6, 2.9], [1.2, 2.5, 1.6])
    >>> round(vc.grand_mean, 3), round(vc.tau2, 4), round(vc.sigma2, 4), round(vc.icc, 3)
    (3.188, 0.0722, 0.4375, 0.142)
    """
    n_, m_, w_ = _broadcast(n, mean, within_ss)
    w_ = np.where((n_ <= 1) & np.isnan(w_), 0.0, w_)
    keep = (n_ > 0) & ~np.isnan(m_)
    n_, m_, w_ = n_[keep], m_[keep], w_[keep]
    if np.any(np.isnan(w_)):
        raise ValueError("within_ss is missing for a unit with more than one value.")
    if np.any(w_ < 0):
        raise ValueError("within_ss must not be negative.")
    n_groups, n_obs = len(n_), int(round(n_.sum()))
    nan = float("nan")
    if n_groups == 0:
        return VarianceComponents(nan, nan, nan, nan, nan, 0, 0, False)
    w_total = float(w_.sum())
    overall = float(np.dot(n_, m_) / n_.sum())
    if n_groups == 1 or n_obs == n_groups:
        # tau2 and sigma2 are not separately identifiable
        sigma2 = w_total / (n_obs - 1) if n_groups == 1 and n_obs > 1 else nan
        if n_groups == 1:
            se = float(np.sqrt(sigma2 / n_obs)) if n_obs > 1 else nan
        else:
            se = float(np.std(m_, ddof=1) / np.sqrt(n_groups))
        return VarianceComponents(overall, se, nan, sigma2, nan, n_groups, n_obs, False)
    if w_total == 0:
        # no variation within units: sigma2 = 0 and the unit means are the data
        tau2 = float(np.var(m_, ddof=1))
        mu = float(m_.mean())
        icc = 1.0 if tau2 > 0 else nan
        return VarianceComponents(
            mu, float(np.sqrt(tau2 / n_groups)), tau2, 0.0, icc, n_groups, n_obs, tau2 == 0
        )

    def f(rho: float) -> float:
        return _reml_profile(rho / (1 - rho), n_, m_, w_total)[0]

    grid = np.unique(
        np.concatenate([[0.0], np.geomspace(1e-6, 0.5, 40), 1 - np.geomspace(0.5, 1e-7, 30)])
    )
    values = np.array([f(r) for r in grid])
    i = int(np.argmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    from scipy import optimize

    res = optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13})
    rho = float(res.x) if res.fun < values[i] else float(grid[i])
    if f(0.0) <= f(rho):
        rho = 0.0
    gamma = rho / (1 - rho)
    _, mu, q, sw = _reml_profile(gamma, n_, m_, w_total)
    sigma2 = q / (n_obs - 1)
    tau2 = gamma * sigma2
    return VarianceComponents(
        grand_mean=mu,
        grand_mean_se=float(np.sqrt(sigma2 / sw)),
        tau2=float(tau2),
        sigma2=float(sigma2),
        icc=float(tau2 / (tau2 + sigma2)),
        n_groups=n_groups,
        n_obs=n_obs,
        boundary=rho == 0.0,
    )


def variance_components_from_values(values: ArrayLike, groups: ArrayLike) -> VarianceComponents:
    """:func:`variance_components` from one value per subject and the subject's unit.

    Parameters
    ----------
    values : array_like
        Scores; missing values are left out.
    groups : array_like
        Unit label of each value.

    Returns
    -------
    VarianceComponents

    Examples
    --------
    >>> vc = variance_components_from_values([3, 4, 3, 5, 5, 4, 2, 3], list("aaabbbcc"))
    >>> round(vc.grand_mean, 3), round(vc.icc, 3)
    (3.517, 0.739)
    """
    d = describe(values, groups)
    return variance_components(d["n"].to_numpy(dtype=float), d["mean"], d["within_ss"])


# ------------------------------------------------------------------------- shrinkage


def shrink(
    n: ArrayLike,
    mean: ArrayLike,
    *,
    grand_mean: float,
    tau2: float,
    sigma2: float,
    grand_mean_se: float = 0.0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    r"""Empirical-Bayes (shrunken) unit means with their reliability and interval.

    Parameters
    ----------
    n, mean : array_like
        Number of values and observed mean per unit.
    grand_mean, tau2, sigma2 : float
        From :func:`variance_components`.
    grand_mean_se : float, default 0
        Standard error of the grand mean. 0 reproduces the usual (naive) empirical-Bayes
        posterior; passing :attr:`VarianceComponents.grand_mean_se` adds
        :math:`(1-\lambda_j)^2 SE(\hat\mu)^2` to the posterior variance.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``n``, ``mean``, ``reliability`` (:math:`\lambda_j`), ``shrunken_mean``,
        ``posterior_sd``, ``ci_low``, ``ci_high``. A unit with ``n = 0`` gets the grand
        mean with posterior sd :math:`\tau`.

    Notes
    -----
    .. math::

        \lambda_j = \frac{\tau^2}{\tau^2 + \sigma^2/n_j},\quad
        \tilde\mu_j = \hat\mu + \lambda_j(\bar y_j - \hat\mu),\quad
        \operatorname{sd}_j = \sqrt{\lambda_j\sigma^2/n_j} = \sqrt{(1-\lambda_j)\tau^2}

    Interval :math:`\tilde\mu_j \pm z_{1-\alpha/2}\,\operatorname{sd}_j` (normal
    posterior). Estimation error in :math:`\tau^2` and :math:`\sigma^2` is ignored, so the
    intervals are somewhat too narrow when there are few units (Morris 1983). The
    shrunken mean and sd equal the conditional mean and variance of the random effect
    (BLUP) of a mixed model, e.g. ``statsmodels`` ``random_effects``. Small units are
    pulled most towards the grand mean, so a ranking of shrunken means is not driven by
    the luck of small units (Spiegelhalter 2005).

    Examples
    --------
    >>> shrink([5, 50], [3.8, 3.8], grand_mean=3.2, tau2=0.04, sigma2=0.64).round(3)
        n  mean  reliability  shrunken_mean  posterior_sd  ci_low  ci_high
    0   5   3.8        0.238          3.343         0.175   3.001    3.685
    1  50   3.8        0.758          3.655         0.098   3.462    3.848
    """
    z = _z(confidence)
    n_, m_ = _broadcast(n, mean)
    lam = np.atleast_1d(_reliability(n_, tau2, sigma2))
    centred = np.where(n_ > 0, m_ - grand_mean, 0.0)
    shrunk = grand_mean + lam * centred
    var = (1 - lam) * tau2 + (1 - lam) ** 2 * grand_mean_se**2
    sd = np.sqrt(np.maximum(var, 0.0))
    return _frame(
        {
            "n": _counts(n_),
            "mean": np.where(n_ > 0, m_, np.nan),
            "reliability": lam,
            "shrunken_mean": shrunk,
            "posterior_sd": sd,
            "ci_low": shrunk - z * sd,
            "ci_high": shrunk + z * sd,
        },
        n,
        mean,
    )


# ---------------------------------------------------------------------------- funnel


@dataclass(frozen=True)
class Overdispersion:
    """Overdispersion of unit z-scores (Spiegelhalter 2005), see :func:`estimate_overdispersion`.

    Attributes
    ----------
    phi : float
        Multiplicative overdispersion factor: mean of the winsorised squared z-scores.
    tau2 : float
        Additive between-unit variance (DerSimonian-Laird form), ``>= 0``.
    n_units : int
        Units with a z-score.
    """

    phi: float
    tau2: float
    n_units: int


def estimate_overdispersion(z: ArrayLike, se: ArrayLike, *, winsor: float = 0.1) -> Overdispersion:
    r"""Estimate overdispersion from z-scores, after winsorising them.

    Parameters
    ----------
    z : array_like
        Unit z-scores :math:`z_i = (y_i - \theta_0)/s_i` (``NaN`` ignored).
    se : array_like
        Unit standard errors :math:`s_i` under the null (no overdispersion).
    winsor : float, default 0.1
        Share winsorised at each end: z-scores below the ``winsor`` quantile (above the
        ``1 - winsor`` quantile) are set to that quantile (linear interpolation, as R's
        default ``quantile``).

    Returns
    -------
    Overdispersion

    Notes
    -----
    With :math:`I` units and winsorised :math:`z_i^W`, :math:`w_i = 1/s_i^2`:

    .. math::

        \hat\phi = \frac1I\sum_i (z_i^W)^2,\qquad
        \hat\tau^2 = \max\left(0,\ \frac{I\hat\phi - (I-1)}
                                     {\sum w_i - \sum w_i^2/\sum w_i}\right)

    Spiegelhalter (2005), as implemented in the R package FunnelPlotR. Winsorising
    protects the estimate against a few outlying units but also lowers it: for pure
    chance (standard normal z) the expected :math:`\hat\phi` is about 0.68, so
    overdispersion is only picked up when it is clear.
    """
    if not 0 <= winsor < 0.5:
        raise ValueError(f"winsor must be in [0, 0.5), got {winsor!r}.")
    z_, s_ = _broadcast(z, se)
    ok = ~np.isnan(z_) & (s_ > 0)
    z_, s_ = z_[ok], s_[ok]
    units = len(z_)
    if units < 2:
        return Overdispersion(float("nan"), 0.0, units)
    lo, hi = np.quantile(z_, [winsor, 1 - winsor])
    zw = np.clip(z_, lo, hi)
    phi = float(np.mean(zw**2))
    w = 1 / s_**2
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (units * phi - (units - 1)) / denom) if denom > 0 else 0.0
    return Overdispersion(phi, float(tau2), units)


_FUNNEL_LEVELS = {0.95: "95", 0.998: "998"}


def funnel_limits(
    n: ArrayLike,
    *,
    target: float,
    sigma: ArrayLike,
    tau2: float = 0.0,
    phi: float = 1.0,
) -> pd.DataFrame:
    r"""Funnel-plot control limits for units of size ``n``.

    Parameters
    ----------
    n : array_like
        Unit sizes (e.g. ``numpy.arange(5, 101)`` to draw the funnel).
    target : float
        Target :math:`\theta_0` (e.g. the municipality's mean).
    sigma : array_like
        Standard deviation of one value: :math:`s = \sigma/\sqrt n`. For a mean, the
        within-unit sd (:math:`\sqrt{\sigma^2}` of :func:`variance_components`); for a
        share, :math:`\sqrt{\theta_0(1-\theta_0)}`.
    tau2, phi : float
        Additive / multiplicative overdispersion (see :func:`estimate_overdispersion`).

    Returns
    -------
    pandas.DataFrame
        ``n``, ``se`` (adjusted), ``limit95_low``, ``limit95_high``, ``limit998_low``,
        ``limit998_high``.

    Notes
    -----
    Limits :math:`\theta_0 \pm z_p\sqrt{\phi s^2 + \tau^2}` with :math:`z_p = 1.960`
    (95 %) and :math:`3.090` (99.8 %) (Spiegelhalter 2005).

    Examples
    --------
    >>> funnel_limits([25, 100], target=3.0, sigma=0.5).round(3)
         n    se  limit95_low  limit95_high  limit998_low  limit998_high
    0   25  0.10        2.804         3.196         2.691          3.309
    1  100  0.05        2.902         3.098         2.845          3.155
    """
    n_, s_ = _broadcast(n, sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        se0 = np.where(n_ > 0, s_ / np.sqrt(np.where(n_ > 0, n_, 1.0)), np.nan)
    se = np.sqrt(phi * se0**2 + tau2)
    cols: dict[str, np.ndarray] = {"n": _counts(n_), "se": se}
    for level, name in _FUNNEL_LEVELS.items():
        zp = _z(level)
        cols[f"limit{name}_low"] = target - zp * se
        cols[f"limit{name}_high"] = target + zp * se
    return _frame(cols, n)


def funnel(
    value: ArrayLike,
    n: ArrayLike,
    *,
    target: float,
    sigma: ArrayLike,
    overdispersion: bool | Literal["none", "additive", "multiplicative"] = False,
    flag_level: Literal[0.95, 0.998] = 0.998,
    winsor: float = 0.1,
) -> pd.DataFrame:
    r"""Funnel-plot position of each unit: z-score, control limits and a flag.

    Parameters
    ----------
    value : array_like
        Observed unit mean (or share).
    n : array_like
        Unit size.
    target : float
        Target :math:`\theta_0`, e.g. the municipality's (grand) mean.
    sigma : array_like
        Standard deviation of one value, so that a unit's standard error is
        :math:`s_i = \sigma/\sqrt{n_i}`: the pooled within-unit sd for means (not each
        unit's own noisy sd), :math:`\sqrt{\theta_0(1-\theta_0)}` for shares.
    overdispersion : bool or {"none", "additive", "multiplicative"}, default False
        Widen the limits for between-unit variation beyond chance.
        ``True`` means ``"additive"`` -- the random-effects version, recommended because
        it widens the limits of large units most, where the pure-chance limits are
        unrealistically narrow. ``"multiplicative"`` scales all standard errors by
        :math:`\sqrt{\hat\phi}` (only when :math:`\hat\phi > 1`).
    flag_level : {0.95, 0.998}, default 0.998
        Which limits decide the ``flag``: 0.998 ("clearly different",
        Spiegelhalter's recommended alarm level) or 0.95 ("possibly different").
    winsor : float, default 0.1
        Winsorising share for the overdispersion estimate.

    Returns
    -------
    pandas.DataFrame
        ``value``, ``n``, ``se`` (without overdispersion), ``z``, ``se_adjusted``,
        ``z_adjusted`` (with overdispersion; equal to ``se``/``z`` without),
        ``limit95_low``, ``limit95_high``, ``limit998_low``, ``limit998_high``, and
        ``flag``: ``"over"``, ``"under"`` or ``"within"`` (missing where the unit has no
        value). ``attrs`` holds the estimates ``phi`` and ``tau2`` (always computed),
        the ``phi_used`` and ``tau2_used`` in the limits, ``overdispersion`` (the
        method), ``flag_level`` and ``target``.

    Notes
    -----
    :math:`z_i = (y_i - \theta_0)/s_i`. Limits
    :math:`\theta_0 \pm z_p\sqrt{\phi s_i^2 + \tau^2}` for :math:`p` = 95 % and 99.8 %,
    with :math:`\phi = 1, \tau^2 = 0` unless overdispersion is requested (see
    :func:`estimate_overdispersion`). Spiegelhalter (2005), Funnel plots for comparing
    institutional performance, *Stat Med* 24:1185-1202.

    Examples
    --------
    >>> f = funnel([3.5, 2.9, 3.1], [25, 100, 10], target=3.0, sigma=0.5)
    >>> f[["z", "flag"]].round(2)
          z    flag
    0  5.00    over
    1 -2.00  within
    2  0.63  within
    """
    if flag_level not in _FUNNEL_LEVELS:
        raise ValueError(f"flag_level must be 0.95 or 0.998, got {flag_level!r}.")
    method = {True: "additive", False: "none", None: "none"}.get(overdispersion, overdispersion)
    if method not in ("none", "additive", "multiplicative"):
        raise ValueError(
            "overdispersion must be False, True, 'none', 'additive' or 'multiplicative'; "
            f"got {overdispersion!r}."
        )
    v_, n_, s_ = _broadcast(value, n, sigma)
    v_ = np.atleast_1d(v_)
    n_ = np.atleast_1d(n_)
    s_ = np.atleast_1d(s_)
    with np.errstate(divide="ignore", invalid="ignore"):
        se0 = np.where(n_ > 0, s_ / np.sqrt(np.where(n_ > 0, n_, 1.0)), np.nan)
        z = _safe_div(v_ - target, se0)
    od = estimate_overdispersion(z, se0, winsor=winsor)
    phi, tau2 = 1.0, 0.0
    if method == "additive":
        tau2 = od.tau2
    elif method == "multiplicative":
        phi = max(1.0, od.phi) if not np.isnan(od.phi) else 1.0
    limits = funnel_limits(n_, target=target, sigma=s_, tau2=tau2, phi=phi)
    se_adj = limits["se"].to_numpy()
    z_adj = _safe_div(v_ - target, se_adj)
    crit = _z(flag_level)
    flag = np.where(z_adj > crit, "over", np.where(z_adj < -crit, "under", "within"))
    flag = pd.Categorical(np.where(np.isnan(z_adj), None, flag), categories=FUNNEL_FLAGS)
    out = _frame(
        {
            "value": v_,
            "n": _counts(n_),
            "se": se0,
            "z": z,
            "se_adjusted": se_adj,
            "z_adjusted": z_adj,
            **{c: limits[c].to_numpy() for c in limits.columns if c.startswith("limit")},
        },
        value,
        n,
    )
    out["flag"] = flag
    out.attrs.update(
        phi=od.phi,
        tau2=od.tau2,
        overdispersion=method,
        phi_used=phi,
        tau2_used=tau2,
        flag_level=flag_level,
        target=target,
    )
    return out


# ------------------------------------------------------------------------ reliability


@dataclass(frozen=True)
class CronbachAlpha:
    """Result of :func:`cronbach_alpha`."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int

    def to_dict(self) -> dict[str, Any]:
        """The attributes as a dict."""
        return asdict(self)


def cronbach_alpha(items: ArrayLike | pd.DataFrame, *, confidence: float = 0.95) -> CronbachAlpha:
    r"""Cronbach's alpha of a subjects x items matrix, with the Feldt interval.

    Parameters
    ----------
    items : array_like or pandas.DataFrame
        One row per subject, one column per item (reverse items already recoded).
        Rows with any missing item are left out (listwise deletion).
    confidence : float, default 0.95

    Returns
    -------
    CronbachAlpha
        ``alpha``, ``ci_low``, ``ci_high``, ``n`` (complete subjects), ``k`` (items);
        ``NaN`` values when ``n < 2``, ``k < 2`` or the total score does not vary.

    Notes
    -----
    .. math::

        \alpha = \frac{k}{k-1}\Big(1 - \frac{\sum_i s_i^2}{s_T^2}\Big)

    (Cronbach 1951). Interval (Feldt 1965; Feldt, Woodruff & Salih 1987):
    :math:`1 - (1-\hat\alpha)F_{1-\alpha/2}` to :math:`1 - (1-\hat\alpha)F_{\alpha/2}`
    with an F distribution on :math:`n-1` and :math:`(n-1)(k-1)` df -- as pingouin's
    ``cronbach_alpha``.

    Examples
    --------
    >>> r = cronbach_alpha([[3, 4, 3], [2, 2, 3], [5, 4, 4], [4, 5, 5], [1, 2, 2]])
    >>> round(r.alpha, 3), round(r.ci_low, 3), round(r.ci_high, 3)
    (0.929, 0.639, 0.992)
    """
    _check_confidence(confidence)
    x = _arr(items)
    if x.ndim != 2:
        raise ValueError(f"items must be a 2-D subjects x items matrix, got {x.ndim} dimension(s).")
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    nan = float("nan")
    if n < 2 or k < 2:
        return CronbachAlpha(nan, nan, nan, n, k)
    cov = np.cov(x, rowvar=False, ddof=1)
    total = cov.sum()
    if not total > 0:
        return CronbachAlpha(nan, nan, nan, n, k)
    alpha = k / (k - 1) * (1 - np.trace(cov) / total)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    a = 1 - confidence
    lo = 1 - (1 - alpha) * special.fdtri(df1, df2, 1 - a / 2)
    hi = 1 - (1 - alpha) * special.fdtri(df1, df2, a / 2)
    return CronbachAlpha(float(alpha), float(lo), float(hi), n, k)
