"""Change of the same subjects between two rounds (paired t interval and d_z), and
the change expected from regression to the mean alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from llkit.stats.numeric._common import (
    ArrayLike,
    _arr,
    _broadcast,
    _check_confidence,
    _counts,
    _frame,
    _group_frame,
    _out,
    _safe_div,
)


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
