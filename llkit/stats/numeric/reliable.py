"""Reliable change (Jacobson & Truax 1991): per-subject index and category, and the
shares of subjects with reliable improvement or deterioration per group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llkit.stats.numeric._common import ArrayLike, _arr, _broadcast, _group_frame, _out, _safe_div
from llkit.stats.numeric.intervals import wilson_interval

#: Categories of :func:`reliable_change`, worst first.
RELIABLE_CHANGE_CATEGORIES = ["deteriorated", "unchanged", "improved"]


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
