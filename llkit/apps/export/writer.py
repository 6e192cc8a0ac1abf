"""The workbook itself: the tables of :func:`llkit.documents.workbook.workbook_tables` as
sheets with Danish headers, Excel number formats, a frozen header row, an autofilter and
column widths, plus the sheets ``vejledning`` (every column explained) and ``om_data``."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from llkit._atomic import atomic_write
from llkit.documents.workbook import COLUMNS, SHEETS

__all__ = ["workbook_bytes", "write_workbook", "NUMBER_FORMATS", "is_formula_like"]

#: Column format -> Excel number format. Excel and LibreOffice show these with the
#: reader's decimal comma and thousands point ("3,40", "1.250", "12 %") and the cells
#: stay numbers; ``[$-406]`` marks the format as Danish for LibreOffice.
NUMBER_FORMATS = {"int": "[$-406]#,##0", "num": "[$-406]0.00", "pct": "[$-406]0\\ %",
                  "p": "[$-406]0.000"}

_FORMULA_START = re.compile(r"^[\s]*[=+\-@]")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_MAX_WIDTH = 60


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula: it starts, perhaps after
    spaces, tabs or line breaks, with ``=``, ``+``, ``-`` or ``@`` (also a leading tab or
    carriage return).

    Examples
    --------
    >>> is_formula_like("=HYPERLINK(\\"x\\")"), is_formula_like(" \\t-2+3"), is_formula_like("Stue 2")
    (True, True, False)
    """
    return bool(_FORMULA_START.match(text)) or text[:1] in ("\t", "\r")


def _put(ws: Any, row: int, col: int, value: Any, fmt: str | None = None) -> Any:
    """Write one cell: numbers as numbers (missing as empty), text always as text."""
    cell = ws.cell(row=row, column=col)
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return cell
    if isinstance(value, bool):
        cell.value = "ja" if value else "nej"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = float(value) if isinstance(value, float) else int(value)
        if fmt in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[fmt]
    elif hasattr(value, "item") and not isinstance(value, str):   # numpy scalar
        return _put(ws, row, col, value.item(), fmt)
    else:
        text = _ILLEGAL.sub("", str(value))
        cell.value = text
        cell.data_type = "s"   # never a formula, whatever it starts with
        if is_formula_like(text):
            cell.quotePrefix = True   # stays text when the user edits the cell
    return cell


def _sheet(wb: Any, name: str, headers: list[str], rows: list[list[Any]], fmts: list[str | None]) -> Any:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title=name)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F0")
    for j, h in enumerate(headers, start=1):
        c = _put(ws, 1, j, h)
        c.font, c.fill = bold, fill
        c.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [min(max(len(h), 6) + 2, 28) for h in headers]
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row, start=1):
            _put(ws, i, j, v, fmts[j - 1])
            if fmts[j - 1] in (None, "text") and v is not None and not (isinstance(v, float) and math.isnan(v)):
                widths[j - 1] = max(widths[j - 1], min(len(str(v)) + 2, _MAX_WIDTH))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"   # printed: all columns on one page wide
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows) + 1, 2)}"
    return ws


def _records(frame: pd.DataFrame) -> list[list[Any]]:
    obj = frame.astype(object).where(frame.notna(), None)
    return obj.to_numpy().tolist()


def _guide_rows(tables: Mapping[str, pd.DataFrame]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for name, frame in tables.items():
        title, what = SHEETS[name]
        rows.append([name, "", f"{title}: {what}."])
        for key in frame.columns:
            header, _fmt, explanation = COLUMNS[key]
            rows.append([name, header, explanation])
    rows.append(["om_data", "", "Datasættet, målingerne, grænsen for små grupper, llkit-version og dato."])
    return rows


_GUIDE_INTRO = [
    ["(alle)", "", "Tallene er de samme som i rapporterne. Tal for færre end grænsen for små grupper "
     "vises aldrig: cellen er tom, og kolonnen »Skjult fordi« siger hvorfor. Nogle tal er også "
     "skjult, så et lille tal ikke kan regnes ud af de andre – heller ikke på tværs af arkene."],
    ["(alle)", "", "Tallene er gemt som tal med dansk talformat (3,40 · 1.250 · 12 %), så de kan "
     "regnes videre med. Andele er gemt som 0–1 og vist i procent."],
    ["(alle)", "", "»Vurdering« følger rapportens regel for ærlige overskrifter: en forskel kaldes kun "
     "reel, når den holder, efter at der er taget højde for alle dokumentets sammenligninger."],
]


def workbook_bytes(tables: Mapping[str, pd.DataFrame], about: Mapping[str, Any]) -> bytes:
    """The workbook (``.xlsx``) as bytes.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        From :func:`llkit.documents.workbook.workbook_tables`.
    about : mapping
        Danish label -> value for the ``om_data`` sheet.
    """
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in tables.items():
        cols = list(frame.columns)
        _sheet(wb, name, [COLUMNS[c][0] for c in cols], _records(frame), [COLUMNS[c][1] for c in cols])
    guide = _sheet(wb, "vejledning", ["Ark", "Kolonne", "Forklaring"], _GUIDE_INTRO + _guide_rows(tables),
                   ["text"] * 3)
    guide.column_dimensions["C"].width = 100
    _sheet(wb, "om_data", ["Oplysning", "Værdi"], [[k, v] for k, v in about.items()], ["text", "text"])
    wb.properties.creator = "llkit"
    wb.properties.created = wb.properties.modified = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_workbook(path: str | Path, tables: Mapping[str, pd.DataFrame], about: Mapping[str, Any]) -> Path:
    """Write the workbook atomically (a reader never sees half a file)."""
    return atomic_write(path, workbook_bytes(tables, about))
