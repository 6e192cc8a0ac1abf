"""Excel workbooks: the ``dataset`` sheet holds the metadata, each table is a sheet.

Line numbers are the sheet's row numbers; every cell comes back as the text it shows.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llkit.data.io.finish import _finish
from llkit.data.io.raw import (
    IGNORED_SHEETS,
    META_SHEET,
    REQUIRED_TABLES,
    TABLES,
    RawDataset,
    RawMeta,
    RawTable,
)
from llkit.data.io.values import _format_value
from llkit.errors import ProblemLog


def read_workbook(
    path: Path,
    log: ProblemLog,
    *,
    categorical: Mapping[str, Collection[str]] | None = None,
    id_columns: Mapping[str, Collection[str]] | None = None,
    root: Path | None = None,
) -> RawDataset:
    """Read a dataset from one ``.xlsx`` workbook.

    The sheet ``dataset`` (columns ``key``, ``value``) holds the metadata, each table is a
    sheet named as the table, and a sheet ``vejledning`` (instructions) is skipped. Line
    numbers are the sheet's row numbers.
    """
    categorical = categorical or {}
    id_columns = id_columns or {}
    wb_name = path.name
    out = RawDataset(root=root or path.parent, meta=None, tables={}, workbook=wb_name)
    if not _unpacks_safely(path, wb_name, log):
        return out
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        log.error(file=wb_name, problem=f"the file cannot be read as an Excel workbook: {exc}",
                  action="open it in Excel and save it again as an .xlsx workbook")
        return out
    try:
        sheets = {str(ws.title).strip().lower(): ws for ws in wb.worksheets}
        for key, ws in sheets.items():
            if key not in TABLES and key != META_SHEET and key not in IGNORED_SHEETS:
                log.warning(
                    file=f"{wb_name}:{ws.title}",
                    problem=f"sheet ignored: {ws.title!r} is not a table of the data format",
                    action="rename the sheet to one of " + ", ".join(TABLES)
                    + " if it is one of these tables",
                )
        meta_ws = sheets.get(META_SHEET)
        if meta_ws is None:
            log.error(file=wb_name,
                      problem="the workbook has no sheet named 'dataset' (the metadata)",
                      action="add a sheet 'dataset' with the columns key and value, and rows "
                      "name, sector and rounds (e.g. rounds = T1, T2, T3)")
        else:
            out.meta = _workbook_meta(meta_ws, f"{wb_name}:{meta_ws.title}", log)
        for name in TABLES:
            display = f"{wb_name}:{name}"
            out.expected_files[name] = display
            ws = sheets.get(name)
            if ws is None:
                if name in REQUIRED_TABLES:
                    log.error(file=wb_name,
                              problem=f"the table {name} is missing (no sheet named {name!r})",
                              action=f"add a sheet named {name} with a header row and the data")
                continue
            display = f"{wb_name}:{ws.title}"
            out.expected_files[name] = display
            cats = set(categorical.get(name, ())) | set(id_columns.get(name, ()))
            t = _sheet_table(ws, log, name=name, display=display, categorical=cats,
                             id_columns=set(id_columns.get(name, ())))
            if t is not None:
                out.tables[name] = t
    except Exception as exc:
        # a corrupt sheet inside a valid zip: report instead of crashing
        log.error(file=wb_name, problem=f"the workbook cannot be read: {exc}",
                  action="open it in Excel and save it again as an .xlsx workbook")
    finally:
        try:
            wb.close()
        except Exception:  # pragma: no cover - defensive
            pass
    return out


#: A workbook whose parts unpack to more than this is refused before it is read (the
#: largest sheet Excel can hold, 1,048,576 rows of a responses table, is ~200 MB of XML).
MAX_UNPACKED_BYTES = 512 * 1024**2
#: ... and so is a part larger than 16 MB that is compressed more than this (XML from
#: Excel compresses 5-30 times; a zip bomb thousands of times).
MAX_RATIO = 200


def _unpacks_safely(path: Path, wb_name: str, log: ProblemLog) -> bool:
    """False (and an error) when the workbook's zip directory promises a zip bomb."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return True   # not a zip: openpyxl's own message says so
    total = sum(i.file_size for i in infos)
    worst = max(infos, key=lambda i: i.file_size / max(i.compress_size, 1), default=None)
    bomb = worst is not None and worst.file_size > 16 * 1024**2 and (
        worst.file_size / max(worst.compress_size, 1) > MAX_RATIO)
    if total > MAX_UNPACKED_BYTES or bomb:
        log.error(file=wb_name,
                  problem=f"the workbook would unpack to {total / 1024**2:,.0f} MB from "
                  f"{path.stat().st_size / 1024**2:,.1f} MB on disk, more than llkit reads "
                  "from an Excel file (a damaged file, or one built to exhaust the memory)",
                  action="open it in Excel and check the sheets; save each table as CSV "
                  "(or Parquet) in a dataset folder instead")
        return False
    return True


def _sheet_rows(ws: Any) -> tuple[list[Any] | None, int | None, list[list[Any]], list[int]]:
    header: list[Any] | None = None
    header_row: int | None = None
    rows: list[list[Any]] = []
    lines: list[int] = []
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        values = list(row)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if header is None:
            header, header_row = values, i
            continue
        rows.append(values)
        lines.append(i)
    return header, header_row, rows, lines


def _sheet_table(
    ws: Any, log: ProblemLog, *, name: str, display: str, categorical: Collection[str],
    id_columns: Collection[str],
) -> RawTable | None:
    header, header_row, rows, lines = _sheet_rows(ws)
    if header is None:
        log.error(file=display, problem="the sheet is empty",
                  action="write the column names in the first row and the data below them")
        return None
    # trim trailing empty header cells that have no data
    width = len(header)
    while width and header[width - 1] is None and not any(
        len(r) >= width and r[width - 1] is not None for r in rows
    ):
        width -= 1
    names = [_format_value(h) or "" for h in header[:width]]
    data = {}
    for i in range(width):
        col = [(r[i] if i < len(r) else None) for r in rows]
        data[f"_{i}"] = pd.Series(np.array([_format_value(v) for v in col] or [], dtype=object),
                                  dtype="str")
    frame = pd.DataFrame(data, index=range(len(rows)))
    return _finish(frame, names, np.asarray(lines, dtype=np.int64), name=name, display=display,
                   log=log, header_line=header_row, categorical=categorical,
                   decimal_comma=True, kind="xlsx", id_columns=id_columns)


def _workbook_meta(ws: Any, display: str, log: ProblemLog) -> RawMeta | None:
    header, header_row, rows, lines = _sheet_rows(ws)
    if header is None:
        log.error(file=display, problem="the metadata sheet is empty",
                  action="write key and value in the first row, then rows name, sector, rounds")
        return None
    names = [(_format_value(h) or "").strip().lower() for h in header]
    if "key" in names and "value" in names:
        ki, vi = names.index("key"), names.index("value")
        body = list(zip(rows, lines, strict=True))
    else:  # no header row: the first row is already a key/value pair
        ki, vi = 0, 1
        body = [(header, header_row)] + list(zip(rows, lines, strict=True))
    values: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for row, line in body:
        key = _format_value(row[ki]) if ki < len(row) else None
        if key is None or not str(key).strip():
            continue
        key = str(key).strip()
        val = row[vi] if vi < len(row) else None
        if isinstance(val, str):
            val = val.strip()
        if key in values:
            log.error(file=display, line=line, column="key", value=key,
                      problem=f"the key {key!r} is given twice",
                      action="keep one row per key")
            continue
        key_lines[key] = line
        if val is None or val == "":
            continue
        if key == "rounds":
            val = [v.strip() for v in re.split(r"[,;]", _format_value(val)) if v.strip()]
        elif key == "round_dates":
            dates: dict[str, str] = {}
            for part in re.split(r"[,;]", _format_value(val)):
                if not part.strip():
                    continue
                if "=" not in part:
                    log.error(file=display, line=line, column="value", value=part.strip(),
                              problem="round_dates must be written as T1=2015-03-01, "
                              "T2=2017-03-01",
                              action="write each round's date as ROUND=DATE, separated by commas")
                    continue
                k, v = part.split("=", 1)
                dates[k.strip()] = v.strip()
            val = dates
        elif key == "synthetic" and isinstance(val, str):
            low = val.lower()
            if low in ("true", "1", "ja", "yes", "sand"):
                val = True
            elif low in ("false", "0", "nej", "no", "falsk"):
                val = False
        elif key == "min_n":
            if isinstance(val, float) and val.is_integer():
                val = int(val)
            elif isinstance(val, str) and re.fullmatch(r"[+-]?\d+", val):
                val = int(val)
        elif isinstance(val, (_dt.datetime, _dt.date)):
            val = _format_value(val)
        values[key] = val
    return RawMeta(file=display, values=values, lines=key_lines)
