"""Exceptions and the problem table shared by every layer of llkit.

Every problem llkit finds in user input is one row of a *problem table*: a DataFrame with
the columns in :data:`PROBLEM_COLUMNS`. A :class:`ProblemLog` collects rows while a file
is read and checked, so that *all* problems are reported at once, and
:class:`DataError` carries the table to the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = [
    "PROBLEM_COLUMNS",
    "LlkitError",
    "DataError",
    "DataWarning",
    "PlanError",
    "ProblemLog",
    "format_problems",
]

#: Columns of a problem table, in display order.
#: ``severity`` is ``"error"`` or ``"warning"``; ``line`` is the line (or spreadsheet row)
#: the user sees in the file, header = line 1, or missing for file-level problems.
PROBLEM_COLUMNS = ["severity", "file", "line", "column", "value", "problem", "action"]

#: At most this many rows are listed per (file, column, problem) in a printed table.
MAX_ROWS_PER_KIND = 10


class LlkitError(Exception):
    """Base class of all llkit errors."""


class DataError(LlkitError):
    """The data cannot be used as it is; ``.problems`` lists every problem found.

    Parameters
    ----------
    problems : pandas.DataFrame
        A problem table (columns :data:`PROBLEM_COLUMNS`). Warnings may be included;
        only rows with ``severity == "error"`` make the data unusable.
    """

    def __init__(self, problems: pd.DataFrame, message: str | None = None):
        self.problems = _normalise(problems)
        n_err = int((self.problems["severity"] == "error").sum())
        head = message or f"The data has {n_err} problem{'s' if n_err != 1 else ''}"
        super().__init__(head)
        self._head = head

    def __str__(self) -> str:  # pragma: no cover - formatting only
        return f"{self._head}:\n{format_problems(self.problems)}"

    @classmethod
    def single(
        cls,
        *,
        file: str | None,
        problem: str,
        action: str,
        line: int | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> DataError:
        """A DataError with one problem row."""
        log = ProblemLog()
        log.error(file=file, line=line, column=column, value=value, problem=problem, action=action)
        return cls(log.frame())


class PlanError(LlkitError):
    """An action plan file cannot be used; ``.problems`` lists every problem found."""

    def __init__(self, problems: pd.DataFrame, message: str | None = None):
        self.problems = _normalise(problems)
        super().__init__(message or "The action plan has problems")

    def __str__(self) -> str:  # pragma: no cover - formatting only
        return f"{self.args[0]}:\n{format_problems(self.problems)}"


class DataWarning(UserWarning):
    """Something in the data deserves a look but does not stop the analysis."""


class ProblemLog:
    """Collects problems while data is read and checked.

    Examples
    --------
    >>> log = ProblemLog()
    >>> log.error(file="units.csv", line=3, column="department_id", value="",
    ...           problem="empty id", action="give every department an id")
    >>> log.has_errors
    True
    """

    def __init__(self) -> None:
        self._rows: list[dict[str, Any]] = []
        self._frames: list[pd.DataFrame] = []

    def add(
        self,
        *,
        severity: str,
        file: str | None,
        problem: str,
        action: str,
        line: int | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> None:
        if severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', not {severity!r}")
        self._rows.append(
            {
                "severity": severity,
                "file": file,
                "line": line,
                "column": column,
                "value": _show(value),
                "problem": problem,
                "action": action,
            }
        )

    def error(self, **kwargs: Any) -> None:
        """Add an error (the data cannot be used until it is fixed)."""
        self.add(severity="error", **kwargs)

    def warning(self, **kwargs: Any) -> None:
        """Add a warning (worth a look; the analysis can go on)."""
        self.add(severity="warning", **kwargs)

    def add_frame(self, frame: pd.DataFrame) -> None:
        """Add many problems at once: a DataFrame with (a subset of) PROBLEM_COLUMNS.

        Vectorised checks build such a frame instead of looping over rows.
        """
        if len(frame):
            self._frames.append(_normalise(frame))

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(**row)

    def frame(self) -> pd.DataFrame:
        """All problems so far as one table, errors first, in file/line order."""
        parts = [_normalise(pd.DataFrame(self._rows, columns=PROBLEM_COLUMNS))] if self._rows else []
        parts += self._frames
        if not parts:
            return _normalise(pd.DataFrame(columns=PROBLEM_COLUMNS))
        out = pd.concat(parts, ignore_index=True)
        order = out["severity"].map({"error": 0, "warning": 1})
        out = (
            out.assign(_o=order)
            .sort_values(["_o", "file", "line", "column"], na_position="first", kind="stable")
            .drop(columns="_o")
            .reset_index(drop=True)
        )
        return out

    @property
    def has_errors(self) -> bool:
        return any(r["severity"] == "error" for r in self._rows) or any(
            (f["severity"] == "error").any() for f in self._frames
        )

    def __len__(self) -> int:
        return len(self._rows) + sum(len(f) for f in self._frames)

    def raise_if_errors(self, message: str | None = None) -> None:
        """Raise :class:`DataError` with the whole table when any error was found."""
        if self.has_errors:
            raise DataError(self.frame(), message)


def _show(value: Any) -> Any:
    """A value as it should appear in a problem table (short, printable)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in PROBLEM_COLUMNS:
        if col not in out.columns:
            out[col] = None
    out = out[PROBLEM_COLUMNS]
    out["line"] = pd.to_numeric(out["line"], errors="coerce").astype("Int64")
    for col in ["severity", "file", "column", "value", "problem", "action"]:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
        out[col] = out[col].map(lambda v: v if v is None else str(v)).astype(object)
    return out.reset_index(drop=True)


def format_problems(problems: pd.DataFrame, max_per_kind: int = MAX_ROWS_PER_KIND) -> str:
    """Render a problem table as plain text for a terminal.

    Long runs of the same problem in the same file and column are cut after
    ``max_per_kind`` rows, with a line saying how many more there are.
    """
    if problems.empty:
        return "No problems found."
    shown = []
    more = []
    for _, grp in problems.groupby(
        ["severity", "file", "column", "problem"], dropna=False, sort=False
    ):
        shown.append(grp.head(max_per_kind))
        if len(grp) > max_per_kind:
            r = grp.iloc[0]
            more.append(
                f"... and {len(grp) - max_per_kind} more rows in {r['file']}"
                f"{', column ' + r['column'] if r['column'] else ''}: {r['problem']}"
            )
    table = pd.concat(shown)
    table = table.sort_values(
        ["severity", "file", "line"], key=lambda s: s.map({"error": 0, "warning": 1}) if s.name == "severity" else s,
        na_position="first", kind="stable",
    )
    cols = ["severity", "file", "line", "column", "value", "problem", "action"]
    text_rows = [[("" if (v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA) else str(v)) for v in row] for row in table[cols].itertuples(index=False)]
    widths = [min(max([len(c)] + [len(r[i]) for r in text_rows]), 60) for i, c in enumerate(cols)]
    def fmt(vals: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)).rstrip()
    lines = [fmt(cols), fmt(["-" * w for w in widths])] + [fmt(r) for r in text_rows] + more
    n_err = int((problems["severity"] == "error").sum())
    n_warn = int((problems["severity"] == "warning").sum())
    lines.append(f"{n_err} error(s), {n_warn} warning(s).")
    return "\n".join(lines)
