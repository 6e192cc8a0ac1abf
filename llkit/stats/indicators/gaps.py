"""The gap between children of two background groups (:func:`gap`), per unit and
round, and its change from the previous round."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from llkit.stats import numeric as stats
from llkit.stats import privacy
from llkit.stats.decision import p_value_z as _p_value_z
from llkit.stats.indicators._cache import _cached
from llkit.stats.indicators._common import (
    _PARENT_LEVEL,
    _UNIT_COLUMNS,
    Level,
    _add_names,
    _background,
    _finish_ids,
    _level,
    _ordered_rounds,
    _parent_map,
    _scored,
)

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


@_cached
def gap(
    ds: Dataset,
    measure: str | Sequence[str],
    by: Level | None = None,
    background: str | None = None,
    low: Sequence[str] | None = None,
    high: Sequence[str] | None = None,
    round: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Gap in mean score between children of two background groups, per unit and round.

    The programme's aim is that children's social background matters less: a gap that
    narrows from round to round is progress. By default the groups come from the sector
    profile (parents' education: short vs. long).

    Parameters
    ----------
    ds : Dataset
    measure : str or list of str
        Child measures.
    by : level or None
        Unit level; ``None`` for the whole dataset.
    background : str, optional
        Background attribute of ``children``; default from the profile.
    low, high : list of str, optional
        The categories forming the two groups; defaults from the profile.
    round : str or list of str, optional

    Returns
    -------
    pandas.DataFrame
        ``measure_id``, unit columns, ``round``, ``background``, ``n_low``, ``n_high``,
        ``mean_low``, ``mean_high``, ``gap`` (= mean_high − mean_low), ``ci_low``,
        ``ci_high`` (Welch), ``p_value`` (Welch, of the gap on its own),
        ``change_from_previous`` (gap minus the gap in the previous round shown),
        ``change_ci_low``, ``change_ci_high``, ``change_p_value`` (normal), ``suppressed``.

    Notes
    -----
    The change's interval treats the rounds as independent samples,
    :math:`SE=\sqrt{SE_1^2+SE_2^2}`; with the same children in both rounds it is
    conservative.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> g = llkit.gap(ds, "sprog")
    >>> bool((g["gap"] > 0).all())  # doctest: +SKIP
    True
    """
    default_attr, default_low, default_high = ds.profile.gap_default
    background = background or default_attr
    if background == default_attr:
        low = list(low) if low is not None else list(default_low)
        high = list(high) if high is not None else list(default_high)
    elif low is None or high is None:
        raise ValueError(f"give low= and high= categories of {background!r}")
    overlap = set(low) & set(high)
    if overlap:
        raise ValueError(f"categories in both groups: {', '.join(sorted(overlap))}")
    level = _level(by)
    s, unit_cols = _scored(ds, measure, round, level)
    s = _finish_ids(s)
    attr = _background(ds, s, background).astype(object)
    known = set(attr.dropna())
    missing = [c for c in [*low, *high] if c not in known] if len(s) else []
    if len(missing) == len(low) + len(high):
        raise ValueError(
            f"none of the categories {', '.join(low + high)} occur in {background!r}; "
            f"the data has: {', '.join(map(str, sorted(known)))}"
        )
    s["_grp"] = np.where(attr.isin(low), "low", np.where(attr.isin(high), "high", None))
    s = s[s["_grp"].notna()]
    key = unit_cols[:1]
    keys = ["measure_id", *key, "round"]
    g = s.assign(round=s["round"].astype(str)).groupby([*keys, "_grp"], sort=False)["score"]
    d = g.agg(n="size", mean="mean", sd="std").unstack("_grp")
    for col in ["n", "mean", "sd"]:
        for grp in ["low", "high"]:
            if (col, grp) not in d.columns:
                d[(col, grp)] = np.nan
    d.columns = [f"{a}_{b}" for a, b in d.columns]
    d = d.reset_index()
    d[["n_low", "n_high"]] = d[["n_low", "n_high"]].fillna(0).astype("int64")
    wd = stats.welch_difference(
        d["n_low"].to_numpy(), d["mean_low"].to_numpy(), d["sd_low"].to_numpy(),
        d["n_high"].to_numpy(), d["mean_high"].to_numpy(), d["sd_high"].to_numpy(),
    )
    d["gap"] = wd["diff"].to_numpy()
    d["ci_low"] = wd["ci_low"].to_numpy()
    d["ci_high"] = wd["ci_high"].to_numpy()
    d["_se"] = wd["se"].to_numpy()
    d["p_value"] = wd["p_value"].to_numpy()
    d["background"] = background
    d["suppressed"] = (d["n_low"] < ds.meta.min_n) | (d["n_high"] < ds.meta.min_n)
    d["suppressed"] = _complementary(ds, d, key, level)
    d.loc[d["suppressed"], ["mean_low", "mean_high", "gap", "ci_low", "ci_high", "p_value", "_se"]] = np.nan
    d = _ordered_rounds(ds, d).sort_values([*keys], kind="stable")
    prev_gap = d.groupby(["measure_id", *key], sort=False, observed=True)["gap"].shift(1)
    prev_se = d.groupby(["measure_id", *key], sort=False, observed=True)["_se"].shift(1)
    d["change_from_previous"] = d["gap"] - prev_gap
    se = np.sqrt(d["_se"] ** 2 + prev_se**2)
    d["change_ci_low"] = d["change_from_previous"] - 1.959963984540054 * se
    d["change_ci_high"] = d["change_from_previous"] + 1.959963984540054 * se
    with np.errstate(divide="ignore", invalid="ignore"):
        d["change_p_value"] = _p_value_z(d["change_from_previous"] / se)
    cols = [*keys, "background", "n_low", "n_high", "mean_low", "mean_high", "gap", "ci_low",
            "ci_high", "p_value", "change_from_previous", "change_ci_low", "change_ci_high",
            "change_p_value", "suppressed"]
    out = d[cols].reset_index(drop=True)
    return _add_names(ds, out, level)


def _complementary(ds: Dataset, d: pd.DataFrame, key: list[str], level: str | None,
                   ) -> np.ndarray:
    """Which gap rows to hide so that no group mean can be got by subtraction.

    Each row shows two group means; the parent unit (e.g. the institution of a
    department) shows the same two groups in its own gap table. When one sibling's group
    is hidden, the shown siblings' groups and the parent's give it away, so the rule of
    :func:`llkit.stats.privacy.complementary_suppression` is applied to each group's
    counts among siblings, and a row with either group hidden is hidden whole -- until
    nothing changes."""
    hidden = d["suppressed"].to_numpy(dtype=bool).copy()
    if level not in _PARENT_LEVEL or not len(d):
        return hidden
    parent_level = _PARENT_LEVEL[level]
    if parent_level == "municipality":
        parent = np.full(len(d), "all", dtype=object)
    else:
        parent = _parent_map(ds, level, _UNIT_COLUMNS[parent_level][0], d[key[0]])
    base = pd.DataFrame({"measure_id": d["measure_id"].astype(str).to_numpy(),
                         "round": d["round"].astype(str).to_numpy(), "_parent": parent})
    for _ in range(len(d)):
        before = hidden.copy()
        for side in ("low", "high"):
            part = base.assign(n=d[f"n_{side}"].to_numpy(), suppressed=hidden)
            out = privacy.complementary_suppression(
                part, n_col="n", parent_cols=["measure_id", "round", "_parent"],
                min_n=ds.meta.min_n, value_cols=[])
            hidden |= out["suppressed"].to_numpy(dtype=bool)
        if (hidden == before).all():
            break
    return hidden
