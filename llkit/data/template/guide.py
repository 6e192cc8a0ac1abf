"""The Danish instructions sheet ``vejledning``: paragraphs, tables and drop-down lists."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from llkit.data.template.cells import _HEADER_OPTIONAL_FILL, _TITLE_SIZE, _Lists


class _Guide:
    """Writes the Danish instructions sheet: paragraphs over columns A:C, and tables."""

    WIDTHS = (26, 12, 90)

    def __init__(self, ws: Any) -> None:
        from openpyxl.styles import Alignment

        self.ws = ws
        self.row = 1
        self.wrap = Alignment(wrap_text=True, vertical="top")
        for letter, w in zip("ABC", self.WIDTHS, strict=True):
            ws.column_dimensions[letter].width = w
        ws.sheet_view.showGridLines = False

    def title(self, text: str) -> None:
        from openpyxl.styles import Font

        self.ws.cell(row=self.row, column=1, value=text).font = Font(bold=True, size=_TITLE_SIZE)
        self.ws.row_dimensions[self.row].height = 24
        self.row += 2

    def heading(self, text: str) -> None:
        from openpyxl.styles import Font

        if self.row > 3:
            self.row += 1
        self.ws.cell(row=self.row, column=1, value=text).font = Font(bold=True, size=12)
        self.row += 1

    def para(self, text: str) -> None:
        cell = self.ws.cell(row=self.row, column=1, value=text)
        cell.alignment = self.wrap
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=3)
        chars_per_line = int(sum(self.WIDTHS) * 1.1)
        lines = sum(max(1, math.ceil(len(part) / chars_per_line)) for part in text.split("\n"))
        self.ws.row_dimensions[self.row].height = 15 * lines + 2
        self.row += 1

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        from openpyxl.styles import Font, PatternFill

        for j, h in enumerate(header, start=1):
            c = self.ws.cell(row=self.row, column=j, value=h)
            c.font = Font(bold=True)
            c.fill = PatternFill("solid", fgColor=_HEADER_OPTIONAL_FILL)
        self.row += 1
        for r in rows:
            longest = 1
            for j, v in enumerate(r, start=1):
                c = self.ws.cell(row=self.row, column=j, value=v)
                c.alignment = self.wrap
                if isinstance(v, str):
                    longest = max(longest, math.ceil(len(v) / (self.WIDTHS[j - 1] * 1.1)))
            if longest > 1:
                self.ws.row_dimensions[self.row].height = 15 * longest + 2
            self.row += 1

    def value_list(self, title: str, values: Sequence[str]) -> str:
        """Write a list down column A; return its absolute range for a validation formula."""
        from openpyxl.styles import Font

        self.ws.cell(row=self.row, column=1, value=title).font = Font(bold=True)
        self.row += 1
        first = self.row
        for v in values:
            self.ws.cell(row=self.row, column=1, value=v)
            self.row += 1
        return f"vejledning!$A${first}:$A${self.row - 1}"


def _resolve_lists(wb: Any, guide: _Guide, lists: _Lists) -> None:
    """Write pending drop-down lists on the guide and point the validations to them."""
    if not lists.pending:
        return
    guide.heading("Lister til rullemenuerne")
    guide.para("Disse lister bruges af rullemenuerne i de andre ark. Ret dem ikke.")
    refs = {}
    for i, (title, values) in enumerate(lists.pending):
        refs[f"__LIST_{i}__"] = guide.value_list(title, values)
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            f = dv.formula1 or ""
            if f.startswith("=__LIST_"):
                dv.formula1 = "=" + refs[f[1:]]
