"""Problem rows: values as shown, at most :data:`MAX_ROWS_PER_CHECK` rows per check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from llkit.data.io.raw import RawTable
from llkit.errors import ProblemLog

#: At most this many problem rows are kept per check and column; the rest are counted.
MAX_ROWS_PER_CHECK = 1000


def _fmt_value(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    return str(v)


def _num(x: float) -> str:
    if np.isnan(x):
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _add_capped(log: ProblemLog, frame: pd.DataFrame) -> None:
    """Add problem rows, keeping at most MAX_ROWS_PER_CHECK per (file, column, problem)."""
    if frame.empty:
        return
    if len(frame) <= MAX_ROWS_PER_CHECK:
        log.add_frame(frame)
        return
    for _, grp in frame.groupby(["file", "column", "action"], dropna=False, sort=False):
        log.add_frame(grp.head(MAX_ROWS_PER_CHECK))
        if len(grp) > MAX_ROWS_PER_CHECK:
            r = grp.iloc[0]
            log.add(severity=r["severity"], file=r["file"], line=None, column=r["column"],
                    value=None,
                    problem=f"{len(grp) - MAX_ROWS_PER_CHECK} more rows like the above "
                    f"({r['problem']}) are not listed",
                    action=r["action"])


def _emit(
    log: ProblemLog,
    t: RawTable,
    mask: np.ndarray,
    *,
    column: str | None,
    value: Any,
    problem: str | Callable[[np.ndarray], Any],
    action: str,
    severity: str = "error",
) -> None:
    """Log one problem per row where ``mask`` is true (at most MAX_ROWS_PER_CHECK)."""
    pos = np.flatnonzero(mask)
    if not len(pos):
        return
    shown = pos[:MAX_ROWS_PER_CHECK]
    if callable(value):
        vals = value(shown)
    elif isinstance(value, (pd.Series, pd.Categorical)):
        vals = np.asarray(pd.Series(value).iloc[shown].astype(object))
    elif isinstance(value, np.ndarray):
        vals = value[shown]
    else:
        vals = value
    if isinstance(vals, np.ndarray) and vals.dtype.kind == "f":
        vals = np.array([_num(v) for v in vals], dtype=object)
    elif isinstance(vals, np.ndarray) and vals.dtype == object:
        vals = np.array([_num(v) if isinstance(v, float) else v for v in vals], dtype=object)
    prob = problem(shown) if callable(problem) else problem
    log.add_frame(pd.DataFrame({
        "severity": severity, "file": t.file, "line": t.lines[shown], "column": column,
        "value": vals, "problem": prob, "action": action,
    }))
    if len(pos) > MAX_ROWS_PER_CHECK:
        first = prob if isinstance(prob, str) else str(np.asarray(prob)[0])
        log.add(severity=severity, file=t.file, line=None, column=column, value=None,
                problem=f"{len(pos) - MAX_ROWS_PER_CHECK} more rows like the above ({first}) "
                "are not listed", action=action)
