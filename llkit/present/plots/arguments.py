"""Checks of the figure functions' arguments; errors name the known values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def _known(values: Sequence[str], limit: int = 25) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "")


def _institution(ds: Dataset, institution: str) -> tuple[str, str]:
    """(id, name) of an institution given by id or exact name."""
    org = ds.org.drop_duplicates("institution_id")
    ids = org["institution_id"].astype(str).tolist()
    names = org["institution_name"].astype(str).tolist()
    key = str(institution)
    if key in ids:
        return key, names[ids.index(key)]
    if key in names:
        return ids[names.index(key)], key
    raise KeyError(
        f"unknown institution {institution!r}; the dataset has institution ids: {_known(ids)}"
    )


def _measure(ds: Dataset, measure: str) -> pd.Series:
    known = ds.measures["measure_id"].astype(str).tolist()
    if not isinstance(measure, str) or measure not in known:
        raise KeyError(f"unknown measure {measure!r}; the dataset has measures: {_known(known, 60)}")
    return ds.measures.set_index("measure_id").loc[measure]


def _measure_list(ds: Dataset, measures: str | Sequence[str] | None) -> list[str]:
    known = ds.measures["measure_id"].astype(str).tolist()
    if measures is None:
        return []
    wanted = [measures] if isinstance(measures, str) else list(measures)
    unknown = [m for m in wanted if m not in known]
    if unknown:
        raise KeyError(
            f"unknown measure(s) {', '.join(map(repr, unknown))}; the dataset has measures: "
            f"{_known(known, 60)}"
        )
    return wanted


def _round(ds: Dataset, round: str | None) -> str:
    rounds = [str(r) for r in ds.meta.rounds]
    if round is None:
        return rounds[-1]
    if not isinstance(round, str) or round not in rounds:
        raise KeyError(f"unknown round {round!r}; the dataset has rounds: {', '.join(rounds)}")
    return round


_LEVELS = ("department", "institution", "cluster", "area", "municipality")


def _level(level: str) -> str:
    if level not in _LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of: {', '.join(_LEVELS)}")
    return level
