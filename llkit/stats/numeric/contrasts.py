"""Two-group contrasts: the difference of two independent means (Welch) and the
standardised mean difference (Hedges' g and its correction factor J)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from llkit.stats.numeric._common import (
    ArrayLike,
    _arr,
    _broadcast,
    _check_confidence,
    _frame,
    _out,
    _safe_div,
)


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
