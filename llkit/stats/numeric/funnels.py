"""Funnel plots (Spiegelhalter 2005): control limits, each unit's z-score and flag,
and the overdispersion estimate that widens the limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from llkit.stats.numeric._common import ArrayLike, _broadcast, _counts, _frame, _safe_div, _z

#: Values of the ``flag`` column of :func:`funnel`.
FUNNEL_FLAGS = ["under", "within", "over"]


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
