"""Single-table checks: a vectorised pass, and pandera's failure cases when it fails.

A valid table is confirmed by vectorised checks of its specification (:func:`_passes`);
only a table that fails them is run through its pandera schema, lazily, so every failing
value is found at once, and pandera's ``failure_cases`` become rows of the problem table
with the line the user sees in the file. (pandera is imported only then: loading a valid
dataset does not pay for it.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from llkit.data.io.raw import OPTIONAL_TABLES, RawTable
from llkit.data.schema.messages import _message
from llkit.data.schema.report import _add_capped, _fmt_value
from llkit.data.schema.spec import _UNIQUE_TOGETHER, ColumnSpec, table_schema, table_spec
from llkit.data.schema.values import _codes
from llkit.errors import ProblemLog


def check_table(t: RawTable, log: ProblemLog, *, rounds: list[str] | None = None) -> None:
    """Run the table's pandera schema lazily and log every failure with its line."""
    options = dict(rounds=rounds, decimal_comma=t.decimal_comma,
                   extra_columns=list(t.frame.columns), present=list(t.frame.columns))
    if len(t.frame) == 0 and t.name not in ("children",) + OPTIONAL_TABLES:
        log.error(file=t.file, line=t.header_line,
                  problem=f"the table {t.name} has no data rows",
                  action=f"add the {t.name} rows below the header")
    if _passes(*table_spec(t.name, **options), t.frame):
        return  # nothing for pandera to report (it would find the same, more slowly)
    import pandera.errors

    try:
        table_schema(t.name, **options).validate(t.frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        _log_failures(exc.failure_cases, t, log, rounds)


def _passes(spec: dict[str, ColumnSpec], together: list[str] | None,
            frame: pd.DataFrame) -> bool:
    """True when the frame certainly passes the table's rules (vectorised, no failure
    cases); ``spec`` and ``together`` come from :func:`table_spec`.

    Runs the same checks as pandera (required columns, no missing values where a value
    is required, uniqueness, the column checks, combined uniqueness) directly on the
    columns. It is at least as strict as pandera: anything it cannot vouch for returns
    False, and pandera then runs and produces the failure cases.
    """
    try:
        for name, col in spec.items():
            if name not in frame.columns:
                if col.required:
                    return False
                continue
            s = frame[name]
            if isinstance(s, pd.DataFrame):  # a repeated column name
                return False
            if not col.nullable and _has_missing(s):
                return False
            if col.unique and _has_duplicates(s):
                return False
            for rule in col.rules:
                ok = rule.fn(s)
                if isinstance(ok, pd.Series):
                    ok = ok.to_numpy()
                ok = np.asarray(ok)
                if ok.dtype != bool or ok.shape != (len(s),) or not ok.all():
                    return False
        if together:
            cols = [together] if isinstance(together, str) else list(together)
            if not set(cols) <= set(frame.columns) or frame.duplicated(subset=cols).any():
                return False
    except Exception:  # let pandera report whatever went wrong
        return False
    return True


def _has_missing(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return bool((_codes(s) < 0).any())
    return bool(s.isna().any())


def _has_duplicates(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = _codes(s)
        if len(codes) == 0:
            return False
        counts = np.bincount(codes.astype(np.intp) + 1, minlength=len(s.cat.categories) + 1)
        # duplicated categories (e.g. " a" and "a") are not merged here: pandera
        # compares the values, so leave anything unusual to it
        return bool(counts.max(initial=0) > 1) or not s.cat.categories.is_unique
    return bool(s.duplicated().any())


def _log_failures(fc: pd.DataFrame, t: RawTable, log: ProblemLog,
                  rounds: list[str] | None) -> None:
    fc = fc.copy()
    broken = fc["index"].isna() & ~fc["check"].isin(
        ["column_in_dataframe", "multiple_fields_uniqueness"])
    if broken.any():
        # pandera turns an exception inside a check into a failure case: that is a bug
        # in llkit, not a problem of the data, so it must not be shown as one
        r = fc[broken].iloc[0]
        raise RuntimeError(f"internal error in check {r['check']!r} on {t.file}, column "
                           f"{r['column']!r}: {r['failure_case']}")
    idx = pd.to_numeric(fc["index"], errors="coerce")
    fc["_pos"] = idx
    n = len(t.lines)
    line = pd.Series(pd.NA, index=fc.index, dtype="Int64")
    has = idx.notna() & (idx >= 0) & (idx < n)
    if has.any():
        line[has] = t.lines[idx[has].astype(int).to_numpy()]
    fc["_line"] = line

    # combined uniqueness: one row per failing line
    multi = fc["check"] == "multiple_fields_uniqueness"
    if multi.any():
        cols = _UNIQUE_TOGETHER.get(t.name, [])
        sub = fc[multi].drop_duplicates("_pos")
        keys = t.frame[cols].astype(object).apply(tuple, axis=1) if len(cols) else None
        first_line: dict[Any, int] = {}
        if keys is not None:
            firsts = ~keys.duplicated(keep="first")
            for k, ln in zip(keys[firsts], t.lines[firsts.to_numpy()], strict=True):
                first_line[k] = int(ln)
        rows = []
        for _, r in sub.iterrows():
            pos = int(r["_pos"])
            key = keys.iloc[pos] if keys is not None else None
            rows.append({
                "severity": "error", "file": t.file, "line": r["_line"],
                "column": ", ".join(cols),
                "value": " / ".join(_fmt_value(x) for x in key or ())
                + f" (first on line {first_line.get(key, '?')})",
                "problem": f"duplicate {' + '.join(cols)}: the same combination is on an "
                "earlier line",
                "action": "give each goal its own goal_id within a department and round, or "
                "delete the duplicate row",
            })
        _add_capped(log, pd.DataFrame(rows))
        fc = fc[~multi]

    for (col, check), grp in fc.groupby(["column", "check"], dropna=False, sort=False):
        col = None if pd.isna(col) else str(col)
        values = grp["failure_case"]
        lines = grp["_line"]
        if check == "column_in_dataframe":
            for v in values:
                log.error(file=t.file, line=t.header_line, column=str(v), value=None,
                          problem=f"missing required column {v}",
                          action=f"add a column named {v} to {t.file} (column names are "
                          "lower case, exactly as in the data format)")
            continue
        problem, action = _message(t, col, str(check), rounds)
        frame = pd.DataFrame({
            "severity": "error", "file": t.file, "line": lines.to_numpy(), "column": col,
            "value": values.map(_fmt_value).to_numpy(), "problem": problem, "action": action,
        })
        if check == "field_uniqueness" and col in t.frame.columns:
            s = t.frame[col]
            first = ~s.duplicated(keep="first") & s.notna()
            first_line = pd.Series(t.lines[first.to_numpy()],
                                   index=s[first].astype(str).to_numpy())
            keyvals = values.map(_fmt_value)
            ok = keyvals != ""
            frame = frame[ok.to_numpy()]
            fl = first_line.reindex(keyvals[ok].to_numpy()).to_numpy()
            frame["problem"] = f"duplicate {col}: the same {col} is on an earlier line"
            frame["value"] = [f"{v} (first on line {'?' if pd.isna(x) else int(x)})"
                              for v, x in zip(frame["value"], fl, strict=True)]
        _add_capped(log, frame)
