"""Writing into openpyxl sheets: cell values, styled header rows and drop-down lists.

Drop-down lists that are too long to write into a validation formula are collected by
:class:`_Lists` and written on the ``vejledning`` sheet later (see ``guide``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from llkit.data.template.columns import _Col

# Excel's limit for a list written into a validation formula (characters).
_INLINE_LIST_LIMIT = 250
# Rows covered by drop-downs and text formats below the header.
_LAST_ROW = 1_048_576
# Rows of a referenced id range (items!A2:A5000).
_RANGE_ROWS = 5000

_HEADER_REQUIRED_FILL = "FCE4C4"
_HEADER_OPTIONAL_FILL = "E7EEF7"
_TITLE_SIZE = 16


def _cell_value(value: Any, col_kind: str) -> Any:
    """A DataFrame value as it should be written into a cell (booleans as ja/nej)."""
    if value is None or (not isinstance(value, str) and _isna(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if col_kind == "bool" and isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes", "sand", "ja"):
            return "ja"
        if low in ("false", "0", "no", "falsk", "nej"):
            return "nej"
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if col_kind == "id":
        return str(value)
    return value


def _isna(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _letter(idx: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(idx)


class _Lists:
    """Lists for drop-downs that cannot be written inline; kept on the ``vejledning`` sheet."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, list[str]]] = []
        self.ranges: dict[str, str] = {}

    def formula(self, title: str, values: Sequence[str]) -> str:
        """A validation formula for ``values``: inline if possible, else a range reference."""
        values = [str(v) for v in values]
        inline = ",".join(values)
        if all("," not in v and '"' not in v for v in values) and len(inline) <= _INLINE_LIST_LIMIT:
            return f'"{inline}"'
        if title not in self.ranges:
            self.pending.append((title, values))
            self.ranges[title] = f"__LIST_{len(self.pending) - 1}__"
        return "=" + self.ranges[title]


def _style_header(ws: Any, cols: list[_Col], *, note_author: str = "llkit") -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="9AA5B1")
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j, value=col.name)
        cell.font = Font(bold=col.required)
        cell.fill = PatternFill(
            "solid", fgColor=_HEADER_REQUIRED_FILL if col.required else _HEADER_OPTIONAL_FILL
        )
        cell.alignment = Alignment(vertical="center")
        cell.border = Border(bottom=thin)
        status = "PÅKRÆVET" if col.required else "Valgfri"
        comment = Comment(f"{col.name} — {status}\n{col.note}", note_author)
        comment.width = 320
        comment.height = 40 + 18 * math.ceil(len(col.note) / 45)
        cell.comment = comment
        letter = _letter(j)
        width = col.width or max(len(col.name) + 4, 14)
        ws.column_dimensions[letter].width = width
        if col.kind == "id":
            ws.column_dimensions[letter].number_format = "@"
        elif col.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 20


def _add_list_validation(
    ws: Any,
    col_idx: int,
    formula: str,
    *,
    prompt: str,
    strict: bool = True,
) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = _letter(col_idx)
    dv = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showDropDown=False,  # openpyxl's name is inverted: False shows the arrow
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop" if strict else "information",
        errorTitle="Ugyldig værdi",
        error=(
            "Vælg en værdi fra listen."
            if strict
            else "Værdien er ikke på listen. Tryk OK for at beholde den alligevel."
        ),
        promptTitle=str(ws.cell(row=1, column=col_idx).value)[:32],  # Excel's limits
        prompt=prompt[:255],
    )
    dv.add(f"{letter}2:{letter}{_LAST_ROW}")
    ws.add_data_validation(dv)


def _fill(ws: Any, cols: list[_Col], df: Any) -> None:
    names = [c.name for c in cols]
    kinds = {c.name: c.kind for c in cols}
    present = [n for n in names if n in df.columns]
    for i, row in enumerate(df[present].itertuples(index=False), start=2):
        for name, value in zip(present, row, strict=True):
            j = names.index(name) + 1
            cell = ws.cell(row=i, column=j, value=_cell_value(value, kinds[name]))
            if kinds[name] == "id":
                cell.number_format = "@"
