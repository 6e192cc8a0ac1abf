"""Summaries per unit and round (:func:`summarize`): mean, spread and shares of low /
middle / high scores, with small groups suppressed (also complementarily)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from llkit.stats import privacy
from llkit.stats.indicators._cache import _cached
from llkit.stats.indicators._common import (
    _PARENT_LEVEL,
    _UNIT_COLUMNS,
    Level,
    _background,
    _finish_ids,
    _group_keys,
    _level,
    _measure_info,
    _names,
    _ordered_rounds,
    _parent_map,
    _scored_rows,
    unit_columns,
)
from llkit.stats.indicators.aggregation import _aggregate

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


@_cached
def summarize(
    ds: Dataset,
    measure: str | Sequence[str] | None = None,
    by: Level | None = "institution",
    round: str | Sequence[str] | None = None,
    group: str | None = None,
) -> pd.DataFrame:
    r"""Mean, spread and shares of low/middle/high scores per unit and round.

    Parameters
    ----------
    ds : Dataset
    measure : str or list of str, optional
        Measure id(s); all measures when omitted.
    by : {"department", "institution", "cluster", "area", "municipality"} or None
        The level to summarise at; ``None`` summarises the whole dataset in one row per
        measure and round.
    round : str or list of str, optional
        Round id(s); all rounds when omitted.
    group : str, optional
        A background attribute of the children (e.g. ``"parent_education"``) to split by.

    Returns
    -------
    pandas.DataFrame
        ``measure_id``, the unit columns (see :func:`unit_columns`), ``round``, the
        ``group`` column if given, then ``n`` (persons with a score; departments for
        observations), ``mean``, ``sd``, ``ci_low``, ``ci_high`` (t interval),
        ``share_low``, ``share_low_ci_low``, ``share_low_ci_high`` (Wilson interval),
        ``share_middle``, ``share_high``, ``suppressed``.

    Notes
    -----
    Mean interval :math:`\bar x \pm t_{0.975,n-1}\,s/\sqrt n`; share interval by Wilson
    (1927). Shares are of the subjects with a category (measures without cut points have
    no shares). Groups of fewer than ``min_n`` persons are suppressed (all values
    missing); when a single department of an institution (or a single group of a unit)
    would be suppressed while its siblings and the total are shown, its values could be
    recovered by subtraction, so the next smallest sibling is suppressed too
    (:func:`llkit.stats.privacy.complementary_suppression`).

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> t = llkit.summarize(ds, "sprog", by="institution", round="T1")
    >>> t.columns[:5].tolist()
    ['measure_id', 'institution_id', 'institution_name', 'round', 'n']
    """
    level = _level(by)
    out, keys, unit_cols = _summary_groups(ds, measure, round, level, group)
    # per-row lookups and sort keys from the categories (a few thousand), not the rows
    persons, sort_keys, parents, names, name_values = _summary_lookups(
        ds, out, unit_cols, level, group)
    out = _finish_ids(out)
    out = _ordered_rounds(ds, out)
    # the final order first: suppression then breaks ties between equally small parts by
    # unit id, whatever order the answers came in
    round_codes = out["round"].cat.codes.to_numpy()
    sort_keys.append(np.where(round_codes < 0, np.iinfo(np.int64).max, round_codes))
    # stable: rows equal in measure, unit and round (groups) keep their order
    rows = np.lexsort(sort_keys[::-1])
    out = out.take(rows).reset_index(drop=True)
    persons = persons[rows]
    if parents is not None:
        parents = parents[rows]
    if name_values is not None:
        name_values = name_values[rows]
    out = _suppress_summary(ds, out, keys, level, group, persons, parents)
    if name_values is not None and names.columns[1] not in out:
        out.insert(out.columns.get_loc(unit_cols[0]) + 1, names.columns[1],
                   pd.Series(name_values, index=out.index, dtype=object))
    return out


def _summary_groups(ds: Dataset, measure, round, level: str | None, group: str | None,
                    ) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The aggregated groups of a summary (not yet sorted), their keys and the unit
    columns of ``level``."""
    s, keep, unit_cols = _scored_rows(ds, measure, round, level, columns=[
        "measure_id", *unit_columns(level)[:1], "round", "score", "category", "subject",
        "subject_id"])
    keys = ["measure_id", *_group_keys(unit_cols), "round"]
    if group is not None:
        s = s[keep].reset_index(drop=True)
        keep = None
        s[group] = _background(ds, s, group).to_numpy()
        keys.append(group)
    return _aggregate(s, keys, keep), keys, unit_cols


def _summary_lookups(ds: Dataset, out: pd.DataFrame, unit_cols: list[str], level: str | None,
                     group: str | None) -> tuple:
    """Per-row values of the aggregated groups, computed per category: whether the
    measure describes persons, the sort keys of measure and unit, the parent unit of each
    row (None when no parent total is shown beside it) and the unit names (the id -> name
    table and the name of each row; None for levels without names)."""
    info = _measure_info(ds)
    persons = _by_codes(
        out["measure_id"], lambda v: v.map(info["persons"]).fillna(True).astype(bool)
    ).astype(bool)
    order = {m: i for i, m in enumerate(ds.measures["measure_id"])}
    sort_keys = [_by_codes(out["measure_id"], lambda v: v.map(order).astype(float).fillna(np.inf))]
    if unit_cols:
        sort_keys.append(_by_codes(out[unit_cols[0]], _string_rank))
    parents = None
    if group is None and level in _PARENT_LEVEL and _PARENT_LEVEL[level] != "municipality":
        parent_col = _UNIT_COLUMNS[_PARENT_LEVEL[level]][0]
        parents = _by_codes(
            out[unit_cols[0]], lambda v: pd.Series(_parent_map(ds, level, parent_col, v))
        )
    names = _names(ds, level)
    name_values = None
    if names is not None:
        mapping = names.set_index(names.columns[0])[names.columns[1]]
        name_values = _by_codes(out[unit_cols[0]], lambda v: v.map(mapping).astype(object))
    return persons, sort_keys, parents, names, name_values


def _suppress_summary(ds: Dataset, out: pd.DataFrame, keys: list[str], level: str | None,
                      group: str | None, persons: np.ndarray,
                      parents: np.ndarray | None) -> pd.DataFrame:
    """Suppress the sorted summary rows of fewer than ``min_n`` persons, then
    complementarily within each parent (or, with ``group``, within each unit)."""
    value_cols = ["mean", "sd", "ci_low", "ci_high", "share_low", "share_low_ci_low",
                  "share_low_ci_high", "share_middle", "share_high"]
    out = privacy.suppress(out, n_col="n", min_n=ds.meta.min_n, value_cols=value_cols, persons=persons)
    # complementary suppression: a single hidden part of a whole whose total is shown
    # elsewhere could be recovered by subtraction (see llkit.stats.privacy)
    parent_key = None
    if group is not None:
        parent_key = ["measure_id", *keys[1:-1]]
    elif level in _PARENT_LEVEL:
        parent_level = _PARENT_LEVEL[level]
        if parent_level == "municipality":
            out["_parent"] = "all"
        else:
            out["_parent"] = parents
        parent_key = ["measure_id", "round", "_parent"]
    if parent_key is not None:
        out = privacy.complementary_suppression(
            out, n_col="n", parent_cols=parent_key, min_n=ds.meta.min_n,
            value_cols=value_cols, persons=persons,
        )
        out = out.drop(columns="_parent", errors="ignore")
    return out


def _by_codes(col: pd.Series, func: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``func`` of each row's value, computed once per category of a categorical column.

    ``func`` gets the values as an object Series (missing as ``None``, as
    :func:`_finish_ids` leaves them) and returns a Series of the same length.
    """
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return func(col.astype(object).where(col.notna(), None)).to_numpy()
    values = pd.Series([*col.cat.categories.astype(object), None], dtype=object)
    return func(values).to_numpy()[col.cat.codes.to_numpy()]  # code -1: the last


def _string_rank(values: pd.Series) -> pd.Series:
    """Rank of each value in a stable ascending sort, missing values last."""
    missing = values.isna().to_numpy()
    rank = np.empty(len(values), dtype=np.int64)
    present = np.flatnonzero(~missing)
    rank[present[np.argsort(values.to_numpy()[present], kind="stable")]] = np.arange(len(present))
    rank[missing] = len(values)
    return pd.Series(rank)

