"""Reliability of a multi-item measure: Cronbach's alpha with the Feldt interval."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from llkit.stats.numeric._common import ArrayLike, _arr, _check_confidence


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
