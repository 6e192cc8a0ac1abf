"""Shared by every indicator: the levels and their unit columns, the cached scores, the
scored rows of a request (measures, rounds, unit columns) and the tidying of result
frames (plain string ids, ordered rounds, unit names)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from llkit.stats.indicators._cache import _SCORES_CACHE
from llkit.stats.scoring import scores as _compute_scores

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


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



def _describe(s: pd.DataFrame, uid: str) -> pd.DataFrame:
    """n, mean, sd, within_ss per unit, indexed by unit id."""
    if s.empty:
        return pd.DataFrame(columns=["n", "mean", "sd", "within_ss"], dtype=float)
    g = s.groupby(uid, observed=True, sort=False)["score"]
    out = g.agg(n="size", mean="mean", sd="std", var="var")
    out["within_ss"] = (out["var"].fillna(0.0) * (out["n"] - 1)).to_numpy()
    return out[["n", "mean", "sd", "within_ss"]]
