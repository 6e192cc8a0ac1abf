"""The rows a figure draws: unit summaries, the national reference, scale groups."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.present.plots.formats import _scale_text
from llkit.present.plots.words import _measure_label
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def _one(frame: pd.DataFrame, **where: Any) -> pd.Series | None:
    mask = pd.Series(True, index=frame.index)
    for col, value in where.items():
        mask &= frame[col].astype(str) == str(value)
    rows = frame[mask]
    return None if rows.empty else rows.iloc[0]


def _institution_cluster(ds: Dataset, inst_id: str) -> str | None:
    clusters = ds.org.loc[ds.org["institution_id"].astype(str) == inst_id, "cluster"].dropna()
    clusters = [c for c in clusters.astype(str).unique() if c]
    return clusters[0] if clusters else None


def _national(ds: Dataset, measure_ids: Sequence[str], r: str | None = None) -> pd.DataFrame:
    """National reference rows (scope ``national``): measure_id, round, n, mean."""
    ref = ds.reference
    cols = ["measure_id", "round", "n", "mean"]
    if ref is None or ref.empty:
        return pd.DataFrame(columns=cols)
    out = ref[(ref["scope"].astype(str) == "national")
              & ref["measure_id"].astype(str).isin(list(measure_ids))]
    if r is not None:
        out = out[out["round"].astype(str) == r]
    out = out.assign(measure_id=out["measure_id"].astype(str), round=out["round"].astype(str))
    return out[cols].reset_index(drop=True)


def _summary_by(ds: Dataset, ids: list[str], level: str, unit: str | None, r: str) -> pd.DataFrame:
    """summarize() rows of one unit (or the municipality), indexed by measure_id."""
    t = indicators.summarize(ds, ids, by=level, round=r)
    if level != "municipality":
        col = indicators.unit_columns(level)[0]
        t = t[t[col].astype(str) == str(unit)]
    t = t.assign(measure_id=t["measure_id"].astype(str))
    return t.drop_duplicates("measure_id").set_index("measure_id")


def _scale_groups(ds: Dataset, ids: list[str]) -> list[tuple[str, list[str]]]:
    """Measures grouped by scale (unbounded measures each on their own)."""
    info = ds.measures.set_index("measure_id")
    groups: dict[Any, list[str]] = {}
    titles: dict[Any, str] = {}
    for mid in ids:
        m = info.loc[mid]
        if pd.notna(m["scale_min"]) and pd.notna(m["scale_max"]):
            key = (float(m["scale_min"]), float(m["scale_max"]))
            titles[key] = _scale_text(m).capitalize()
        else:
            key = ("u", mid)
            titles[key] = f"{_measure_label(m)} ({_scale_text(m)})"
        groups.setdefault(key, []).append(mid)
    return [(titles[k], v) for k, v in groups.items()]
