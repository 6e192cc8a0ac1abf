"""Indicators: the numbers leaders act on, by organisational level, with uncertainty and
suppression of small groups.

Every function takes a :class:`llkit.Dataset` and returns a tidy DataFrame with one row per
measure × unit × round; the unit is identified by the column named as in ``units``
(``department_id``, ``institution_id``, ``cluster``, ``area``) with its name column beside
it (``department_name``, ``institution_name``), or ``municipality``. Aggregates over fewer
than ``ds.meta.min_n`` persons are suppressed: their values are missing and
``suppressed`` is True. Ratings *of a department* (observations of the learning
environment) describe no person and are never suppressed.

The numeric work is done by :mod:`llkit.stats.numeric` (checked there against scipy,
statsmodels and pingouin); suppression by :mod:`llkit.stats.privacy`.
"""

from __future__ import annotations

import functools
import inspect
import math
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from llkit.stats import numeric as stats
from llkit.stats import privacy
from llkit.stats.decision import p_value_z as _p_value_z
from llkit.stats.scoring import scores as _compute_scores

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "scores",
    "summarize",
    "change",
    "gap",
    "variance_components",
    "compare",
    "reliability",
    "coverage",
    "unit_columns",
]

Level = Literal["department", "institution", "cluster", "area", "municipality"]

_UNIT_COLUMNS: dict[str, list[str]] = {
    "department": ["department_id", "department_name"],
    "institution": ["institution_id", "institution_name"],
    "cluster": ["cluster"],
    "area": ["area"],
    "municipality": ["municipality"],
}
_ALIASES = {
    "department_id": "department", "institution_id": "institution", "stue": "department",
    "klasse": "department", "dagtilbud": "institution", "skole": "institution",
    "klynge": "cluster", "område": "area", "kommune": "municipality",
}

#: The level whose total is published beside a level's units (for complementary suppression).
_PARENT_LEVEL = {"department": "institution", "institution": "cluster", "cluster": "area",
                 "area": "municipality"}

_SCORES_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Results of the public indicator functions, per Dataset object (see :func:`_cached`).
_RESULTS_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: "Shown once" registries for warnings issued again from the cache, by file.
_REPLAY_REGISTRIES: dict[str, dict] = {}


def _freeze(x: Any) -> Any:
    """A hashable form of an argument (TypeError when there is none)."""
    if isinstance(x, list | tuple):
        return tuple(_freeze(v) for v in x)
    if isinstance(x, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in x.items()))
    if isinstance(x, set | frozenset):
        return frozenset(_freeze(v) for v in x)
    hash(x)  # TypeError for anything else unhashable (e.g. a DataFrame): not cached
    return x


def _copy_result(x: Any) -> Any:
    if hasattr(x, "copy") and callable(x.copy) and not isinstance(x, str | bytes):
        return x.copy()
    if isinstance(x, tuple):
        return tuple(_copy_result(v) for v in x)
    return x


def _replay(caught: Sequence[Any]) -> None:
    """Issue recorded warnings again, from their own source lines, each once (as the
    first call showed them)."""
    for w in caught:
        registry = _REPLAY_REGISTRIES.setdefault(w.filename, {})
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                               registry=registry)


def clear_cache() -> None:
    """Forget the cached scores and indicator results of every Dataset."""
    _SCORES_CACHE.clear()
    _RESULTS_CACHE.clear()
    _REPLAY_REGISTRIES.clear()


def _cached(func: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise an indicator function per Dataset object and arguments.

    Reports ask for the same summaries many times (every section, plot and unit of a
    municipality); they are computed once per Dataset. Each call gets its own copy of
    the result, and the warnings of the first call are issued again. The key holds the
    metadata and the identity of every table, so a Dataset changed in place (another
    ``min_n``, a replaced table) is computed afresh.
    """
    sig = inspect.signature(func)

    @functools.wraps(func)
    def cached(ds: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = sig.bind(ds, *args, **kwargs)
            bound.apply_defaults()
            arguments = tuple((k, _freeze(v)) for k, v in bound.arguments.items()
                              if k != "ds")
            tables = tuple(getattr(ds, n, None) for n in _TABLE_ATTRS)
            key = (func.__name__, arguments, repr(ds.meta), tuple(map(id, tables)))
            store = _RESULTS_CACHE.setdefault(ds, {})
        except TypeError:  # unhashable argument, or not a weak-referenceable Dataset
            return func(ds, *args, **kwargs)
        hit = store.get(key)
        if hit is None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = func(ds, *args, **kwargs)
            # the tables are kept with the entry, so their ids cannot be reused
            hit = store[key] = (result, list(caught), tables)
        _replay(hit[1])
        return _copy_result(hit[0])

    cached.__wrapped_uncached__ = func  # type: ignore[attr-defined]
    return cached


_TABLE_ATTRS = ("units", "children", "measures", "items", "responses", "goals", "reference")


# ----------------------------------------------------------------------------- helpers


def _level(by: str | None) -> str | None:
    if by is None:
        return None
    key = _ALIASES.get(str(by).lower(), str(by).lower())
    if key not in _UNIT_COLUMNS:
        raise ValueError(
            f"unknown level {by!r}; use one of: department, institution, cluster, area, "
            "municipality, or None for the whole dataset"
        )
    return key


def unit_columns(by: str | None) -> list[str]:
    """The id (and name) columns that identify a unit at level ``by`` in results.

    Examples
    --------
    >>> unit_columns("institution")
    ['institution_id', 'institution_name']
    """
    level = _level(by)
    return [] if level is None else list(_UNIT_COLUMNS[level])


def _all_scores(ds: Dataset) -> pd.DataFrame:
    """Scores of every measure, computed once per dataset object."""
    try:
        return _SCORES_CACHE[ds]
    except (KeyError, TypeError):
        pass
    result = _compute_scores(ds)
    try:
        _SCORES_CACHE[ds] = result
    except TypeError:  # pragma: no cover - dataset not weak-referenceable
        pass
    return result


def scores(ds: Dataset, measure: str | Sequence[str] | None = None) -> pd.DataFrame:
    """One score per round × measure × subject; see :func:`llkit.stats.scoring.scores`.

    Cached per dataset object, so repeated indicator calls do not recompute the scores.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> llkit.scores(ds, "sprog")["category"].cat.categories.tolist()
    ['low', 'middle', 'high']
    """
    all_scores = _all_scores(ds)
    if measure is None:
        return all_scores
    wanted = _measure_ids(ds, measure)
    out = all_scores[all_scores["measure_id"].isin(wanted)].copy()
    out["measure_id"] = out["measure_id"].cat.remove_unused_categories()
    return out.reset_index(drop=True)


def _measure_ids(ds: Dataset, measure: str | Sequence[str] | None) -> list[str]:
    known = ds.measures["measure_id"].tolist()
    if measure is None:
        return known
    wanted = [measure] if isinstance(measure, str) else list(measure)
    unknown = [m for m in wanted if m not in set(known)]
    if unknown:
        raise KeyError(
            f"unknown measure {', '.join(map(repr, unknown))}; the dataset has: "
            f"{', '.join(known)}"
        )
    return wanted


def _rounds(ds: Dataset, round: str | Sequence[str] | None) -> list[str]:
    known = list(ds.meta.rounds)
    if round is None:
        return known
    wanted = [round] if isinstance(round, str) else list(round)
    unknown = [r for r in wanted if r not in known]
    if unknown:
        raise KeyError(
            f"unknown round {', '.join(map(repr, unknown))}; the dataset has: {', '.join(known)}"
        )
    return wanted


def _measure_info(ds: Dataset) -> pd.DataFrame:
    m = ds.measures.set_index("measure_id")
    return m.assign(persons=m["subject"].astype(str) != "department")


def _attach_unit(ds: Dataset, frame: pd.DataFrame, level: str | None) -> list[str]:
    """Add the unit columns of ``level`` to a frame with a department_id column (in place)."""
    cols = unit_columns(level)
    if level is None:
        return []
    org = ds.org.set_index("department_id")
    dept = frame["department_id"].astype(str)
    for col in cols:
        if col == "department_id":
            continue
        frame[col] = dept.map(org[col]).to_numpy()
    return cols


def _parent_map(ds: Dataset, level: str, parent_col: str, ids: pd.Series) -> np.ndarray:
    """The parent unit id of each unit id at ``level`` (missing parents become their own)."""
    id_col = _UNIT_COLUMNS[level][0]
    mapping = ds.org.drop_duplicates(id_col).set_index(id_col)[parent_col]
    parents = ids.astype(object).map(mapping)
    return parents.fillna("(ingen)").astype(str).to_numpy()


def _names(ds: Dataset, level: str | None) -> pd.DataFrame | None:
    """id -> name table of a level (None for levels whose id is the name)."""
    cols = unit_columns(level)
    if len(cols) < 2:
        return None
    return ds.org[cols].drop_duplicates(cols[0])


def _scored(ds: Dataset, measure, round, level,
            columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Non-missing scores of the requested measures and rounds, with unit columns.

    Id columns stay categorical (fast grouping at national scale); results convert them
    to plain strings at the end (:func:`_finish_ids`). ``columns``: only these columns
    of the scores (those present), so that no others are copied.
    """
    s, keep, unit_cols = _scored_rows(ds, measure, round, level, columns)
    return s[keep].reset_index(drop=True), unit_cols


def _scored_rows(ds: Dataset, measure, round, level, columns: Sequence[str] | None = None,
                 ) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """:func:`_scored` before the rows are picked: all scores of the requested measures
    (for all measures the cached frame's columns, not copied) and the mask of the rows
    with a score in the requested rounds."""
    s = scores(ds, None if measure is None else _measure_ids(ds, measure))
    if columns is not None:
        s = s[[c for c in s.columns if c in set(columns)]]
    rounds = _rounds(ds, round)
    keep = s["score"].notna().to_numpy()
    if len(rounds) < len(ds.meta.rounds):
        keep = keep & s["round"].isin(rounds).to_numpy()
    if level == "municipality":
        s = s.assign(municipality=pd.Categorical.from_codes(
            np.zeros(len(s), dtype=np.int8), categories=[ds.meta.name]))
    return s, keep, unit_columns(level)


def _finish_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical id columns of a (small) result frame as plain strings."""
    for col in ["measure_id", "department_id", "institution_id", "cluster", "area",
                "municipality", "subject_id"]:
        if col in frame and isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def _ordered_rounds(ds: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    if "round" in frame:
        col = frame["round"]
        if (isinstance(col.dtype, pd.CategoricalDtype) and col.dtype.ordered
                and list(col.cat.categories) == list(ds.meta.rounds)):
            return frame  # the dataset's rounds in their order already (no text per row)
        frame["round"] = pd.Categorical(
            frame["round"].astype(str), categories=list(ds.meta.rounds), ordered=True
        )
    return frame


def _group_keys(unit_cols: list[str]) -> list[str]:
    # group by the id only; the name column is added after aggregation
    return unit_cols[:1]


def _add_names(ds: Dataset, frame: pd.DataFrame, level: str | None) -> pd.DataFrame:
    names = _names(ds, level)
    if names is None or frame.empty and names.columns[1] in frame:
        return frame
    if names.columns[1] in frame:
        return frame
    id_col, name_col = names.columns
    mapping = names.set_index(id_col)[name_col]
    pos = frame.columns.get_loc(id_col) + 1
    frame.insert(pos, name_col, frame[id_col].map(mapping).astype(object))
    return frame


def _background(ds: Dataset, s: pd.DataFrame, attribute: str) -> pd.Series:
    if ds.children is None or attribute not in ds.children.columns:
        known = [c for c in (ds.children.columns if ds.children is not None else []) if c != "child_id"]
        raise KeyError(
            f"no background attribute {attribute!r} in children; the dataset has: "
            f"{', '.join(known) or 'none'}"
        )
    not_child = s["subject"].astype(str) != "child"
    if not_child.any():
        bad = sorted(s.loc[not_child, "measure_id"].unique())
        raise ValueError(
            f"measure(s) {', '.join(bad)} describe respondents or departments, not children; "
            f"a split by {attribute!r} needs child measures"
        )
    col = ds.children.set_index(ds.children["child_id"].astype(str))[attribute]
    return s["subject_id"].map(col)


# ----------------------------------------------------------------------------- summarize


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
    s, keep, unit_cols = _scored_rows(ds, measure, round, level, columns=[
        "measure_id", *unit_columns(level)[:1], "round", "score", "category", "subject",
        "subject_id"])
    keys = ["measure_id", *_group_keys(unit_cols), "round"]
    if group is not None:
        s = s[keep].reset_index(drop=True)
        keep = None
        s[group] = _background(ds, s, group).to_numpy()
        keys.append(group)
    out = _aggregate(s, keys, keep)
    # per-row lookups and sort keys from the categories (a few thousand), not the rows
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
        parent_col = _UNIT_COLUMNS[parent_level][0]
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
    if name_values is not None and names.columns[1] not in out:
        out.insert(out.columns.get_loc(unit_cols[0]) + 1, names.columns[1],
                   pd.Series(name_values, index=out.index, dtype=object))
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


def _aggregate(s: pd.DataFrame, keys: list[str], keep: np.ndarray | None = None,
               ) -> pd.DataFrame:
    """n, mean, sd, t interval and category shares per group of ``keys``, over the rows
    of ``s`` picked by ``keep`` (all rows when None)."""
    if all(isinstance(s[k].dtype, pd.CategoricalDtype) for k in keys) and math.prod(
        len(s[k].cat.categories) + 1 for k in keys
    ) < 2**62:
        return _aggregate_codes(s, keys, keep)
    if keep is not None:
        s = s[keep]
    codes = np.asarray(s["category"].array.codes)  # categories: low, middle, high; -1 = none
    frame = pd.DataFrame({k: s[k] for k in keys})
    frame["score"] = s["score"].to_numpy()
    frame["_low"] = codes == 0
    frame["_mid"] = codes == 1
    frame["_high"] = codes == 2
    frame["_cat"] = codes >= 0
    g = frame.groupby(keys, observed=True, dropna=False, sort=False)
    out = g.agg(
        n=("score", "size"),
        mean=("score", "mean"),
        sd=("score", "std"),
        n_low=("_low", "sum"),
        n_mid=("_mid", "sum"),
        n_high=("_high", "sum"),
        n_cat=("_cat", "sum"),
    ).reset_index()
    return _finish_aggregate(out, keys)


def _aggregate_codes(s: pd.DataFrame, keys: list[str], keep: np.ndarray | None = None,
                     ) -> pd.DataFrame:
    """:func:`_aggregate` for categorical keys: one integer key from their codes.

    When the key space (the product of the numbers of categories) is not much larger
    than the rows, every statistic is one ``bincount`` over that space: groups come out
    in key order (by the keys' category codes), the mean is sum / count and the sd the
    two-pass formula (deviations from the group mean), which agree with pandas' group
    aggregations to rounding. A larger key space is factorised first (groups in order of
    first appearance, as ``groupby(sort=False)`` gives them) and counted the same way
    over the group numbers.
    """
    n_rows = len(s)
    codes = np.asarray(s["category"].array.codes)  # low, middle, high; -1 = none
    score = s["score"].to_numpy()
    sizes = [len(s[k].cat.categories) + 1 for k in keys]  # code -1 (missing) becomes 0
    space = math.prod(sizes)
    key = np.zeros(n_rows, dtype=np.int64)
    for k, size in zip(keys, sizes, strict=True):
        key *= size
        key += s[k].array.codes
        key += 1
    width = max(len(s["category"].cat.categories), 3) + 1  # column 0: no category
    dense = space <= max(4 * n_rows, 1 << 22)
    if dense:
        # rows left out go to one extra key past the end
        if keep is not None:
            key[~keep] = space
        size_all = np.bincount(key, minlength=space + 1)[:space]
        present = np.flatnonzero(size_all)
        k_groups = len(present)
        uniques = present
        # group number of every row (the extra key: group k_groups, dropped below)
        number = np.full(space + 1, k_groups, dtype=np.int64)
        number[present] = np.arange(k_groups)
        ids = number[key]
        del key, number
        n = size_all[present]
    else:
        if keep is not None:
            key = key[keep]
            score = score[keep]
            codes = codes[keep]
        ids, uniques = pd.factorize(key)
        del key
        k_groups = len(uniques)
        n = np.bincount(ids, minlength=k_groups)
    n_bins = k_groups + 1  # the last bin takes the rows left out (dense)
    # mean and sd over the non-missing scores (as pandas' group mean and std)
    valid = ~np.isnan(score)
    # rows left out (missing scores among them) are in the extra bin
    all_valid = bool(valid.all()) if keep is None or not dense else not (keep & ~valid).any()
    x = score if all_valid else np.where(valid, score, 0.0)
    n_valid = n if all_valid else np.bincount(ids[valid], minlength=n_bins)[:k_groups]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(ids, weights=x, minlength=n_bins)[:k_groups] / n_valid
        centred = score - np.append(mean, np.nan)[ids]
        if not all_valid:
            centred[~valid] = 0.0
        centred *= centred
        ss = np.bincount(ids, weights=centred, minlength=n_bins)[:k_groups]
        sd = np.where(n_valid > 1, np.sqrt(ss / (n_valid - 1)), np.nan)
    del centred, x
    mean = np.where(n_valid > 0, mean, np.nan)
    # counts per group and category in one pass
    cat_key = ids * width
    cat_key += codes
    cat_key += 1
    counts = np.bincount(cat_key, minlength=width * n_bins)[:width * k_groups]
    counts = counts.reshape(k_groups, width)
    del cat_key, ids
    out = pd.DataFrame(index=pd.RangeIndex(k_groups))
    rest = np.asarray(uniques, dtype=np.int64)
    key_codes = {}
    for k, size in zip(reversed(keys), reversed(sizes), strict=True):
        rest, code = np.divmod(rest, size)
        key_codes[k] = code - 1
    for k in keys:
        out[k] = pd.Categorical.from_codes(key_codes[k], dtype=s[k].dtype)
    out["n"] = n
    out["mean"] = mean
    out["sd"] = sd
    out["n_low"], out["n_mid"], out["n_high"] = counts[:, 1], counts[:, 2], counts[:, 3]
    out["n_cat"] = counts[:, 1:].sum(axis=1)  # every code >= 0, as in the general path
    return _finish_aggregate(out, keys)


def _finish_aggregate(out: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    n = out["n"].to_numpy()
    out["ci_low"], out["ci_high"] = stats.t_interval(n, out["mean"].to_numpy(), out["sd"].to_numpy())
    n_cat = out["n_cat"].to_numpy().astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = lambda k: np.where(n_cat > 0, out[k].to_numpy() / n_cat, np.nan)  # noqa: E731
        out["share_low"] = share("n_low")
        lo, hi = stats.wilson_interval(out["n_low"].to_numpy(), n_cat)
        out["share_low_ci_low"], out["share_low_ci_high"] = lo, hi
        out["share_middle"] = share("n_mid")
        out["share_high"] = share("n_high")
    out["n"] = out["n"].astype("int64")
    cols = [*keys, "n", "mean", "sd", "ci_low", "ci_high", "share_low", "share_low_ci_low",
            "share_low_ci_high", "share_middle", "share_high"]
    return out[cols]


# ----------------------------------------------------------------------------- change


@_cached
def change(
    ds: Dataset,
    measure: str | Sequence[str],
    by: Level | None = "institution",
    from_round: str | None = None,
    to_round: str | None = None,
    paired: bool | Literal["auto"] = "auto",
) -> pd.DataFrame:
    r"""Change of the mean between two rounds, per unit — more than noise or not?

    Parameters
    ----------
    ds : Dataset
    measure : str or list of str
    by : level or None
        See :func:`summarize`.
    from_round, to_round : str, optional
        Defaults: the last two rounds of the dataset.
    paired : "auto", True or False
        Paired analysis follows *the same subjects* (children measured in that unit in both
        rounds); unpaired compares all subjects of each round (other children). ``"auto"``
        chooses paired where at least ``min_n`` subjects are in both rounds.

    Returns
    -------
    pandas.DataFrame
        ``measure_id``, unit columns, ``from_round``, ``to_round``, ``n_from``, ``n_to``,
        ``n_paired``, ``paired`` (bool), ``mean_from``, ``mean_to`` (of the paired
        subjects when paired), ``diff``, ``ci_low``, ``ci_high``, ``p_value`` (two-sided,
        paired t or Welch; one comparison on its own — see :mod:`llkit.stats.decision` before
        calling it real), ``effect_size``,
        ``effect_size_type`` (``hedges_g`` or ``d_z``), ``share_reliable_up``,
        ``share_reliable_down`` (paired only: Jacobson–Truax with the measure's
        reliability), ``reliability``, ``expected_rtm``, ``suppressed``.

    Notes
    -----
    Unpaired: :math:`\bar x_2-\bar x_1` with Welch's interval and Hedges' g. Paired: mean
    change :math:`\bar d` with a t interval and :math:`d_z=\bar d/s_d` (Lakens 2013).
    Reliable change (Jacobson & Truax 1991) uses the baseline sd of all subjects and the
    measure's reliability: the ``reliability`` column of ``measures`` if present,
    otherwise Cronbach's alpha of the measure in ``from_round`` (single-item measures, and
    measures whose alpha is not between 0 and 1 in this data, get no reliable-change shares). ``expected_rtm`` is the change regression to the
    mean alone predicts from the unit's baseline position,
    :math:`-(1-\lambda_j)(\bar y_j-\hat\mu)` with :math:`\lambda_j=\tau^2/(\tau^2+\sigma^2/n_j)`
    from the variance components at this level in ``from_round`` (Barnett et al. 2005);
    it is missing for ``by=None``.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> c = llkit.change(ds, "sprog", by="institution", from_round="T1", to_round="T2")
    >>> sorted(set(c["effect_size_type"].dropna()))  # doctest: +SKIP
    ['d_z', 'hedges_g']
    """
    if paired not in ("auto", True, False):
        raise ValueError(f"paired must be 'auto', True or False, not {paired!r}")
    rounds = list(ds.meta.rounds)
    if from_round is None or to_round is None:
        if len(rounds) < 2:
            raise ValueError("change needs two rounds; the dataset has only " + ", ".join(rounds))
        from_round = from_round or rounds[-2]
        to_round = to_round or rounds[-1]
    _rounds(ds, [from_round, to_round])
    if from_round == to_round:
        raise ValueError("from_round and to_round are the same round")
    level = _level(by)
    s, unit_cols = _scored(ds, measure, [from_round, to_round], level)
    s = _finish_ids(s)
    key = unit_cols[:1]
    if not key:
        s["_all"] = "all"
        key = ["_all"]
    uid = key[0]
    min_n = ds.meta.min_n
    info = _measure_info(ds)
    rows = []
    for m, sm in s.groupby("measure_id", sort=False):
        s1 = sm[sm["round"] == from_round]
        s2 = sm[sm["round"] == to_round]
        d1 = _describe(s1, uid).add_suffix("_from")
        d2 = _describe(s2, uid).add_suffix("_to")
        units = d1.index.union(d2.index)
        res = pd.DataFrame(index=units).join(d1).join(d2)
        res[["n_from", "n_to"]] = res[["n_from", "n_to"]].fillna(0).astype("int64")
        # the same subjects in the same unit in both rounds
        both = s1[["subject_id", uid, "score"]].merge(
            s2[["subject_id", uid, "score"]], on=["subject_id", uid], suffixes=("_1", "_2")
        )
        pc = stats.paired_change_values(both["score_1"], both["score_2"], both[uid])
        pc = pc.rename(columns={"group": uid}).set_index(uid) if len(pc) else pd.DataFrame(
            columns=["n", "mean_before", "mean_after", "change", "ci_low", "ci_high", "p_value", "d_z"])
        res["n_paired"] = pc["n"].reindex(units).fillna(0).astype("int64")
        use_paired = {"auto": res["n_paired"] >= min_n, True: res["n_paired"] >= 1,
                      False: pd.Series(False, index=units)}[paired]
        use_paired = use_paired.astype(bool)
        wd = stats.welch_difference(
            res["n_from"].to_numpy(), res["mean_from"].to_numpy(), res["sd_from"].to_numpy(),
            res["n_to"].to_numpy(), res["mean_to"].to_numpy(), res["sd_to"].to_numpy(),
        )
        wd.index = units
        pcr = pc.reindex(units)
        res["paired"] = use_paired
        res["mean_from"] = np.where(use_paired, pcr["mean_before"], res["mean_from"])
        res["mean_to"] = np.where(use_paired, pcr["mean_after"], res["mean_to"])
        res["diff"] = np.where(use_paired, pcr["change"], wd["diff"])
        res["ci_low"] = np.where(use_paired, pcr["ci_low"], wd["ci_low"])
        res["ci_high"] = np.where(use_paired, pcr["ci_high"], wd["ci_high"])
        res["p_value"] = np.where(use_paired, pcr["p_value"], wd["p_value"])
        res["effect_size"] = np.where(use_paired, pcr["d_z"], wd["hedges_g"])
        res["effect_size_type"] = np.where(use_paired, "d_z", "hedges_g")
        # reliable change of the paired subjects
        rel = _measure_reliability(ds, m, from_round)
        res["reliability"] = rel
        res["share_reliable_up"] = np.nan
        res["share_reliable_down"] = np.nan
        if np.isfinite(rel) and 0 < rel < 1 and len(both):  # alpha <= 0: no usable reliability
            sd_base = float(s1["score"].std())
            rc = stats.reliable_change_summary(
                both["score_1"], both["score_2"], both[uid], reliability=rel,
                sd_baseline=sd_base, higher_is_better=True,
            )
            rc = rc.rename(columns={"group": uid}).set_index(uid).reindex(units)
            res["share_reliable_up"] = np.where(use_paired, rc["share_improved"], np.nan)
            res["share_reliable_down"] = np.where(use_paired, rc["share_deteriorated"], np.nan)
        # regression to the mean predicted from the baseline position
        res["expected_rtm"] = np.nan
        if level is not None and len(d1) > 1:
            vc = stats.variance_components(
                d1["n_from"].to_numpy(), d1["mean_from"].to_numpy(), d1["within_ss_from"].to_numpy()
            )
            if np.isfinite(vc.tau2):
                lam = vc.tau2 / (vc.tau2 + vc.sigma2 / res["n_from"].clip(lower=1).to_numpy())
                base = pd.Series(d1["mean_from"]).reindex(units).to_numpy()
                res["expected_rtm"] = stats.regression_to_mean(
                    base, grand_mean=vc.grand_mean, reliability=lam
                )
        n_check = np.where(use_paired, res["n_paired"], np.minimum(res["n_from"], res["n_to"]))
        persons = bool(info.loc[m, "persons"])
        res["suppressed"] = (n_check < min_n) & persons
        res["measure_id"] = m
        res["from_round"] = from_round
        res["to_round"] = to_round
        rows.append(res.reset_index(names=uid))
    cols = ["measure_id", *key, "from_round", "to_round", "n_from", "n_to", "n_paired", "paired",
            "mean_from", "mean_to", "diff", "ci_low", "ci_high", "p_value", "effect_size",
            "effect_size_type", "share_reliable_up", "share_reliable_down", "reliability",
            "expected_rtm", "suppressed"]
    if not rows:
        return pd.DataFrame(columns=[c for c in cols if c != "_all"])
    out = pd.concat(rows, ignore_index=True)[cols]
    hide = ["mean_from", "mean_to", "diff", "ci_low", "ci_high", "p_value", "effect_size",
            "share_reliable_up", "share_reliable_down", "expected_rtm"]
    out.loc[out["suppressed"], hide] = np.nan
    out.loc[out["suppressed"], "effect_size_type"] = None
    if "_all" in out:
        out = out.drop(columns="_all")
    out = _add_names(ds, out, level)
    return out.reset_index(drop=True)


def _describe(s: pd.DataFrame, uid: str) -> pd.DataFrame:
    """n, mean, sd, within_ss per unit, indexed by unit id."""
    if s.empty:
        return pd.DataFrame(columns=["n", "mean", "sd", "within_ss"], dtype=float)
    g = s.groupby(uid, observed=True, sort=False)["score"]
    out = g.agg(n="size", mean="mean", sd="std", var="var")
    out["within_ss"] = (out["var"].fillna(0.0) * (out["n"] - 1)).to_numpy()
    return out[["n", "mean", "sd", "within_ss"]]


def _items_matrix(ds: Dataset, measure: str, round: str) -> pd.DataFrame:
    """Subjects × items of one measure in one round, reverse items recoded."""
    info = ds.measures.set_index("measure_id").loc[measure]
    items = ds.items[ds.items["measure_id"] == measure]
    r = ds.responses
    r = r[(r["round"] == round) & r["item_id"].isin(items["item_id"])]
    id_col = {"child": "child_id", "respondent": "respondent_id"}.get(str(info["subject"]), "department_id")
    values = r["value"].to_numpy(dtype=float)
    rev = r["item_id"].astype(str).map(items.set_index("item_id")["reverse"]).fillna(False).to_numpy(dtype=bool)
    values = np.where(rev, info["scale_min"] + info["scale_max"] - values, values)
    frame = pd.DataFrame(
        {"subject": r[id_col].astype(str).to_numpy(), "item": r["item_id"].astype(str).to_numpy(), "v": values}
    )
    return frame.pivot_table(index="subject", columns="item", values="v", aggfunc="mean")


def _measure_reliability(ds: Dataset, measure: str, round: str) -> float:
    m = ds.measures.set_index("measure_id")
    if "reliability" in m.columns:
        value = pd.to_numeric(pd.Series([m.loc[measure, "reliability"]]), errors="coerce").iloc[0]
        if pd.notna(value):
            return float(value)
    matrix = _items_matrix(ds, measure, round)
    if matrix.shape[1] < 2:
        return float("nan")
    return float(stats.cronbach_alpha(matrix).alpha)


# ----------------------------------------------------------------------------- gap


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


# ----------------------------------------------------------------------------- comparing units


@_cached
def variance_components(
    ds: Dataset,
    measure: str | Sequence[str],
    level: Level = "institution",
    round: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""How much of the variation lies between units? One-way random-effects model (REML).

    Returns
    -------
    pandas.DataFrame
        One row per measure and round: ``measure_id``, ``round``, ``level``,
        ``grand_mean``, ``tau2`` (between-unit variance), ``sigma2`` (within),
        ``icc`` (:math:`\tau^2/(\tau^2+\sigma^2)`), ``n_units``, ``n_obs``,
        ``mean_reliability`` (mean over units of :math:`\lambda_j=\tau^2/(\tau^2+\sigma^2/n_j)`:
        how reliably a unit's mean reflects the unit rather than its particular children).

    Notes
    -----
    REML estimates by :func:`llkit.stats.numeric.variance_components`, which agrees with
    statsmodels' ``MixedLM(reml=True)``. Nationally only a few per cent of the variation in
    school well-being lies between schools; expect small ICCs.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> vc = llkit.variance_components(ds, "sprog", level="institution", round="T1")
    >>> 0 <= float(vc["icc"].iloc[0]) < 1
    True
    """
    lvl = _level(level)
    if lvl in (None, "municipality"):
        raise ValueError("variance components need units below the municipality: "
                         "department, institution, cluster or area")
    s, unit_cols = _scored(ds, measure, round, lvl)
    s = _finish_ids(s)
    uid = unit_cols[0]
    rows = []
    for (m, r), sm in s.groupby(["measure_id", s["round"].astype(str)], sort=False):
        d = _describe(sm, uid)
        vc = stats.variance_components(d["n"].to_numpy(), d["mean"].to_numpy(), d["within_ss"].to_numpy())
        lam = vc.tau2 / (vc.tau2 + vc.sigma2 / d["n"].to_numpy()) if np.isfinite(vc.tau2) else np.nan
        rows.append({
            "measure_id": m, "round": r, "level": lvl, "grand_mean": vc.grand_mean,
            "tau2": vc.tau2, "sigma2": vc.sigma2, "icc": vc.icc, "n_units": int(vc.n_groups),
            "n_obs": int(vc.n_obs), "mean_reliability": float(np.nanmean(lam)) if np.size(lam) and np.isfinite(lam).any() else np.nan,
        })
    cols = ["measure_id", "round", "level", "grand_mean", "tau2", "sigma2", "icc", "n_units",
            "n_obs", "mean_reliability"]
    out = pd.DataFrame(rows, columns=cols)
    return _ordered_rounds(ds, out).sort_values(["measure_id", "round"], kind="stable").reset_index(drop=True)


@_cached
def compare(
    ds: Dataset,
    measure: str | Sequence[str],
    level: Level = "institution",
    round: str | Sequence[str] | None = None,
    target: Literal["municipality", "reference"] = "municipality",
    overdispersion: bool = False,
    scope: str = "national",
) -> pd.DataFrame:
    r"""Each unit against a target, with funnel limits and shrunken means — no league table.

    Parameters
    ----------
    ds : Dataset
    measure : str or list of str
    level : level
        The units to compare (not ``municipality``).
    round : str or list of str, optional
    target : {"municipality", "reference"}
        Compare with the mean of all subjects in the data, or with the ``reference``
        table's mean and sd for ``scope`` (e.g. national figures).
    overdispersion : bool
        Widen the limits by the between-unit variance estimated from the winsorised
        z-scores (additive random-effects form, Spiegelhalter 2005).
    scope : str
        Reference scope when ``target="reference"``.

    Returns
    -------
    pandas.DataFrame
        ``measure_id``, unit columns, ``round``, ``n``, ``mean``, ``target``, ``se``,
        ``z``, ``lower95``, ``upper95``, ``lower998``, ``upper998`` (funnel limits at the
        unit's n), ``flag`` (``over``/``under``/``within`` the 99.8 % limits),
        ``shrunken_mean``, ``shrunken_ci_low``, ``shrunken_ci_high``, ``reliability``
        (:math:`\lambda_j`), ``suppressed`` (fewer than ``min_n`` persons, or hidden
        so that such a unit cannot be recovered from its parent's total).

    Notes
    -----
    Funnel: :math:`z_j = (\bar y_j-\theta_0)/(\sigma/\sqrt{n_j})` with limits
    :math:`\theta_0 \pm 1.96` and :math:`\pm 3.09` standard errors; :math:`\sigma` is the sd of
    all subjects' scores (or the reference sd). Empirical Bayes:
    :math:`\tilde\mu_j=\hat\mu+\lambda_j(\bar y_j-\hat\mu)` with REML variance components.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> c = llkit.compare(ds, "sprog", round="T3")
    >>> set(c["flag"].dropna()) <= {"over", "under", "within"}
    True
    """
    lvl = _level(level)
    if lvl in (None, "municipality"):
        raise ValueError("compare needs units below the municipality: department, institution, "
                         "cluster or area")
    if target not in ("municipality", "reference"):
        raise ValueError(f"target must be 'municipality' or 'reference', not {target!r}")
    s, unit_cols = _scored(ds, measure, round, lvl)
    s = _finish_ids(s)
    uid = unit_cols[0]
    info = _measure_info(ds)
    rows = []
    for (m, r), sm in s.groupby(["measure_id", s["round"].astype(str)], sort=False):
        d = _describe(sm, uid)
        if target == "reference":
            theta, sigma = _reference(ds, m, r, scope)
        else:
            theta, sigma = float(sm["score"].mean()), float(sm["score"].std())
        f = stats.funnel(d["mean"].to_numpy(), d["n"].to_numpy(), target=theta, sigma=sigma,
                         overdispersion="additive" if overdispersion else False)
        vc = stats.variance_components(d["n"].to_numpy(), d["mean"].to_numpy(), d["within_ss"].to_numpy())
        tau2 = vc.tau2 if np.isfinite(vc.tau2) else 0.0
        sh = stats.shrink(d["n"].to_numpy(), d["mean"].to_numpy(), grand_mean=vc.grand_mean,
                          tau2=tau2, sigma2=vc.sigma2, grand_mean_se=vc.grand_mean_se)
        res = pd.DataFrame({
            uid: d.index.to_numpy(), "n": d["n"].to_numpy().astype("int64"),
            "mean": d["mean"].to_numpy(), "target": theta,
            "se": f["se_adjusted"].to_numpy(), "z": f["z_adjusted"].to_numpy(),
            "lower95": f["limit95_low"].to_numpy(), "upper95": f["limit95_high"].to_numpy(),
            "lower998": f["limit998_low"].to_numpy(), "upper998": f["limit998_high"].to_numpy(),
            "flag": f["flag"].to_numpy(),
            "shrunken_mean": sh["shrunken_mean"].to_numpy(),
            "shrunken_ci_low": sh["ci_low"].to_numpy(), "shrunken_ci_high": sh["ci_high"].to_numpy(),
            "reliability": sh["reliability"].to_numpy(),
        })
        res.insert(0, "measure_id", m)
        res.insert(2, "round", r)
        persons = bool(info.loc[m, "persons"])
        res["suppressed"] = (res["n"] < ds.meta.min_n) & persons
        rows.append(res)
    cols = ["measure_id", uid, "round", "n", "mean", "target", "se", "z", "lower95", "upper95",
            "lower998", "upper998", "flag", "shrunken_mean", "shrunken_ci_low",
            "shrunken_ci_high", "reliability", "suppressed"]
    if not rows:
        return pd.DataFrame(columns=cols)
    # in the final order: the complementary suppression below then breaks ties between
    # equally small units by unit id, as summarize does
    out = _ordered_rounds(ds, pd.concat(rows, ignore_index=True)[cols]).sort_values(
        ["measure_id", "round", uid], kind="stable").reset_index(drop=True)
    # the same complementary suppression as summarize: a single hidden unit must not be
    # recoverable from its parent's total shown beside it
    if lvl in _PARENT_LEVEL:
        parent_level = _PARENT_LEVEL[lvl]
        if parent_level == "municipality":
            out["_parent"] = "all"
        else:
            out["_parent"] = _parent_map(ds, lvl, _UNIT_COLUMNS[parent_level][0], out[uid])
        persons = out["measure_id"].map(info["persons"]).fillna(True).to_numpy(dtype=bool)
        out = privacy.complementary_suppression(
            out, n_col="n", parent_cols=["measure_id", "round", "_parent"],
            min_n=ds.meta.min_n, value_cols=["mean", "z"], persons=persons,
        ).drop(columns=["_parent", "suppressed_reason"])
    hidden = out["suppressed"].to_numpy(dtype=bool)
    for c in ["mean", "z", "shrunken_mean", "shrunken_ci_low", "shrunken_ci_high"]:
        out.loc[hidden, c] = np.nan
    out["flag"] = out["flag"].astype(object).where(~hidden, None)
    return _add_names(ds, out, lvl)


def _reference(ds: Dataset, measure: str, round: str, scope: str) -> tuple[float, float]:
    ref = ds.reference
    if ref is None or ref.empty:
        raise ValueError("the dataset has no reference table; use target='municipality'")
    row = ref[(ref["measure_id"] == measure) & (ref["round"].astype(str) == round) & (ref["scope"] == scope)]
    if row.empty:
        raise ValueError(
            f"no {scope!r} reference for measure {measure!r} in round {round!r}; the reference "
            f"table has scopes: {', '.join(sorted(ref['scope'].astype(str).unique()))}"
        )
    return float(row["mean"].iloc[0]), float(row["sd"].iloc[0])


# ----------------------------------------------------------------------------- reliability


@_cached
def reliability(
    ds: Dataset,
    measure: str | Sequence[str] | None = None,
    round: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Cronbach's alpha of each measure in this data, with the Feldt interval.

    Returns
    -------
    pandas.DataFrame
        ``measure_id``, ``round``, ``alpha``, ``ci_low``, ``ci_high``, ``n`` (subjects who
        answered every item), ``n_items``. Single-item measures have no alpha (NaN).

    Notes
    -----
    :math:`\alpha=\frac{k}{k-1}\bigl(1-\sum s_i^2/s_T^2\bigr)` on reverse-recoded items
    (Cronbach 1951); interval by Feldt (1965), as pingouin computes it.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> float(llkit.reliability(ds, "sprog", "T1")["alpha"].iloc[0]) > 0.5
    True
    """
    rows = []
    for m in _measure_ids(ds, measure):
        n_items_total = int((ds.items["measure_id"] == m).sum())
        for r in _rounds(ds, round):
            matrix = _items_matrix(ds, m, r)
            if matrix.shape[1] >= 2 and len(matrix) >= 2:
                a = stats.cronbach_alpha(matrix)
                rows.append({"measure_id": m, "round": r, "alpha": a.alpha, "ci_low": a.ci_low,
                             "ci_high": a.ci_high, "n": a.n, "n_items": a.k})
            else:
                rows.append({"measure_id": m, "round": r, "alpha": np.nan, "ci_low": np.nan,
                             "ci_high": np.nan, "n": int(matrix.dropna().shape[0]) if matrix.size else 0,
                             "n_items": n_items_total})
    out = pd.DataFrame(rows, columns=["measure_id", "round", "alpha", "ci_low", "ci_high", "n", "n_items"])
    return _ordered_rounds(ds, out)


# ----------------------------------------------------------------------------- coverage


@_cached
def coverage(
    ds: Dataset,
    by: Level | None = "institution",
    round: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Documentation of signs of learning: the share of teams that documented them.

    The programme's goal is that *all* teams (departments) document identified signs of
    learning (tegn på læring). A team counts when it is active in the round (has answers
    or goals) and documented signs for at least one of its goals.

    Returns
    -------
    pandas.DataFrame
        Unit columns, ``round``, ``teams`` (active departments), ``teams_with_goals``,
        ``teams_documenting``, ``share`` (= teams_documenting / teams), ``share_ci_low``,
        ``share_ci_high`` (Wilson), ``goals``, ``goals_with_signs`` (signs defined),
        ``goals_documented``. Empty when the dataset has no goals table. Teams are not
        persons, so nothing is suppressed.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> cov = llkit.coverage(ds, by="institution", round="T3")
    >>> bool(((cov["share"] >= 0) & (cov["share"] <= 1)).all())
    True
    """
    level = _level(by)
    cols_unit = unit_columns(level)
    key = cols_unit[:1]
    cols = [*key, "round", "teams", "teams_with_goals", "teams_documenting", "share",
            "share_ci_low", "share_ci_high", "goals", "goals_with_signs", "goals_documented"]
    if ds.goals is None or ds.goals.empty:
        return pd.DataFrame(columns=cols)
    rounds = _rounds(ds, round)
    goals = ds.goals[ds.goals["round"].isin(rounds)]
    active = pd.concat([
        ds.responses.loc[ds.responses["round"].isin(rounds), ["round", "department_id"]],
        goals[["round", "department_id"]],
    ]).astype(str).drop_duplicates()
    g = goals.assign(round=goals["round"].astype(str), department_id=goals["department_id"].astype(str))
    per_team = g.groupby(["round", "department_id"]).agg(
        goals=("goal_id", "size"),
        goals_with_signs=("signs_defined", "sum"),
        goals_documented=("signs_documented", "sum"),
    ).reset_index()
    teams = active.merge(per_team, on=["round", "department_id"], how="left")
    teams[["goals", "goals_with_signs", "goals_documented"]] = teams[
        ["goals", "goals_with_signs", "goals_documented"]].fillna(0).astype("int64")
    teams["has_goals"] = teams["goals"] > 0
    teams["documenting"] = teams["goals_documented"] > 0
    _attach_unit(ds, teams, level)
    if not key:
        teams["_all"] = "all"
    gkey = key or ["_all"]
    out = teams.groupby([*gkey, "round"], sort=False).agg(
        teams=("department_id", "size"), teams_with_goals=("has_goals", "sum"),
        teams_documenting=("documenting", "sum"), goals=("goals", "sum"),
        goals_with_signs=("goals_with_signs", "sum"), goals_documented=("goals_documented", "sum"),
    ).reset_index()
    out["share"] = out["teams_documenting"] / out["teams"]
    out["share_ci_low"], out["share_ci_high"] = stats.wilson_interval(
        out["teams_documenting"].to_numpy(), out["teams"].to_numpy()
    )
    out = out.drop(columns="_all", errors="ignore")
    out = _ordered_rounds(ds, out).sort_values([*key, "round"], kind="stable")
    out = out[cols].reset_index(drop=True)
    return _add_names(ds, out, level)
