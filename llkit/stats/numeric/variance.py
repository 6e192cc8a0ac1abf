"""Variance components of the one-way random-effects model (REML, from group
summaries) and the empirical-Bayes shrunken unit means that use them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from llkit.stats.numeric._common import ArrayLike, _arr, _broadcast, _counts, _frame, _out, _z
from llkit.stats.numeric.intervals import describe


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
