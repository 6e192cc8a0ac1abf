"""Checks between tables: references to unknown ids, scales, cut-offs, items per measure.

Vectorised: they work on the codes and categories of Categorical columns, never row by
row. The checks of the answers themselves are in :mod:`llkit.data.schema.responses`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.data.schema.report import _emit
from llkit.data.schema.responses import _check_responses
from llkit.data.schema.values import _codes
from llkit.errors import ProblemLog

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.schema.validate import Checked


def _isin_text(values: Any, known: Any) -> np.ndarray:
    """Membership of text values in a set of texts, by hashing (no per-value Python)."""
    left = pd.Index(np.asarray(values, dtype=object), dtype=object)
    right = pd.Index(np.asarray(pd.Series(known).dropna(), dtype=object), dtype=object)
    return left.isin(right)


def _unknown_in(s: pd.Series, known: pd.Series) -> np.ndarray:
    """Row mask: the Categorical's value is present but not in ``known``."""
    bad_cat = ~_isin_text(s.cat.categories, known)
    if not bad_cat.any():
        return np.zeros(len(s), dtype=bool)
    table = np.append(bad_cat, False)
    return table[_codes(s)]


def check_cross(checked: Checked, log: ProblemLog) -> None:
    """Checks between tables and dataset-level warnings (vectorised)."""
    T = checked.tables
    raw = checked.raw.tables

    def present(table: str, *cols: str) -> bool:
        return table in T and table in raw and all(c in raw[table].frame.columns for c in cols)

    # ---- references ----------------------------------------------------------------
    def ref_rows(table: str, col: str, target: str, target_col: str, what: str) -> None:
        if not (present(table, col) and present(target, target_col)):
            return
        s = T[table][col]
        known = T[target][target_col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            mask = _unknown_in(s, known)
        else:
            mask = s.notna().to_numpy() & ~_isin_text(s, known)
        tfile = checked.raw.tables[target].file
        _emit(log, raw[table], mask, column=col, value=s,
              problem=f"unknown {col}: there is no such {what} in {tfile}",
              action=f"correct the {col}, or add the {what} to {tfile}")

    ref_rows("items", "measure_id", "measures", "measure_id", "measure")
    ref_rows("responses", "item_id", "items", "item_id", "item")
    ref_rows("responses", "department_id", "units", "department_id", "department")
    ref_rows("responses", "child_id", "children", "child_id", "child")
    ref_rows("goals", "department_id", "units", "department_id", "department")
    ref_rows("reference", "measure_id", "measures", "measure_id", "measure")

    # ---- measures --------------------------------------------------------------------
    if "measures" in T:
        m = T["measures"]
        mt = raw["measures"]
        bad = (m["scale_min"] >= m["scale_max"]).to_numpy()
        _emit(log, mt, bad, column="scale_max", value=m["scale_max"],
              problem="scale_min must be smaller than scale_max",
              action="correct the scale: e.g. scale_min 1 and scale_max 5 for a 1–5 scale")
        bad = (m["low_cut"] > m["high_cut"]).to_numpy()
        _emit(log, mt, bad, column="high_cut", value=m["high_cut"],
              problem="low_cut is greater than high_cut",
              action="correct the cut-offs: low_cut ≤ high_cut")

    if "items" in T and "measures" in T and present("items", "measure_id"):
        items = T["items"]
        m = T["measures"]
        mt = raw["measures"]
        n_items = items.groupby("measure_id").size()
        count = m["measure_id"].map(n_items).fillna(0).astype(int).to_numpy()
        ids = m["measure_id"].notna().to_numpy()
        _emit(log, mt, ids & (count == 0), column="measure_id", value=m["measure_id"],
              problem="the measure has no items", severity="warning",
              action=f"add its items to {raw['items'].file}, or remove the measure")
        too_many = ids & (count > 0) & (m["min_items"].to_numpy() > count)
        _emit(log, mt, too_many, column="min_items", value=m["min_items"],
              problem=lambda pos: [f"min_items is {int(a)} but the measure has only {int(b)} "
                                   "item(s), so no score can be computed"
                                   for a, b in zip(m["min_items"].to_numpy()[pos], count[pos],
                                                   strict=True)],
              action="lower min_items to at most the number of items", severity="warning")

    # ---- responses -------------------------------------------------------------------
    if "responses" in T and present("responses", "item_id"):
        _check_responses(checked, log, present)
