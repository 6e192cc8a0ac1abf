"""The data template: a workbook in llkit's data format, with notes and drop-down lists.

Sheets: ``vejledning`` (the Danish guide, see ``data_guide``), ``dataset`` (metadata) and
one per table with a styled header; ``measures`` and ``items`` hold the profile's default
instruments.
"""

from __future__ import annotations

from typing import Any

from llkit.data.template.cells import (
    _HEADER_REQUIRED_FILL,
    _RANGE_ROWS,
    _add_list_validation,
    _fill,
    _letter,
    _Lists,
    _style_header,
)
from llkit.data.template.columns import TABLES, _background_note, _Col, _columns, _phrases
from llkit.data.template.data_guide import _data_guide
from llkit.data.template.vocabulary import LAEREPLANSTEMAER, SUBJECTS, YES_NO


def _data_workbook(profile: Any, rounds: list[str]) -> Any:
    from openpyxl import Workbook

    # measures/items: profile defaults, with any extra profile columns kept
    measures_df = profile.measures
    items_df = profile.items
    columns, background = _data_columns(profile, measures_df, items_df)

    lists = _Lists()
    wb = Workbook()
    guide = wb.active
    guide.title = "vejledning"
    _dataset_sheet(wb.create_sheet("dataset"), profile, rounds)
    sheets = {}
    for table in TABLES:
        ws = wb.create_sheet(table)
        _style_header(ws, columns[table])
        sheets[table] = ws
    _fill(sheets["measures"], columns["measures"], measures_df)
    _fill(sheets["items"], columns["items"], items_df)
    _id_validations(sheets, columns, rounds, lists)
    _value_validations(sheets, columns, profile, background, lists)

    _data_guide(guide, profile, rounds, columns, background, lists)
    return wb


def _data_columns(profile: Any, measures_df: Any, items_df: Any,
                  ) -> tuple[dict[str, list[_Col]], dict[str, list[str]]]:
    """The columns of every sheet (with the profile's background attributes and any extra
    profile columns) and the background attributes with their categories."""
    sector = profile.sector
    ph = _phrases(sector)
    background: dict[str, list[str]] = {
        str(k): [str(v) for v in vals] for k, vals in (profile.background or {}).items()
    }
    columns = _columns(ph, sector)
    for attr in background:
        columns["children"].append(
            _Col(
                attr,
                False,
                _background_note(attr, background[attr]),
                "text",
                width=max(len(attr) + 4, max((len(c) for c in background[attr]), default=0) + 3),
            )
        )
    for table, df in (("measures", measures_df), ("items", items_df)):
        known = {c.name for c in columns[table]}
        for extra in [c for c in df.columns if c not in known]:
            columns[table].append(_Col(str(extra), False, "Ekstra kolonne fra sektorprofilen."))
    return columns, background


def _index(columns: dict[str, list[_Col]], table: str, name: str) -> int:
    """The (1-based) column number of ``name`` on the sheet ``table``."""
    return [c.name for c in columns[table]].index(name) + 1


def _id_validations(sheets: dict[str, Any], columns: dict[str, list[_Col]], rounds: list[str],
                    lists: _Lists) -> None:
    """Drop-downs of rounds and of the ids defined on other sheets (items, units, measures)."""
    round_formula = lists.formula("Runder", rounds)
    for table in ("responses", "goals", "reference"):
        _add_list_validation(
            sheets[table],
            _index(columns, table, "round"),
            round_formula,
            prompt="Vælg runden. Runderne står på arket dataset.",
        )
    item_col = _letter(_index(columns, "items", "item_id"))
    _add_list_validation(
        sheets["responses"],
        _index(columns, "responses", "item_id"),
        f"=items!${item_col}$2:${item_col}${_RANGE_ROWS}",
        prompt="Vælg et spørgsmål fra arket items.",
    )
    dept_col = _letter(_index(columns, "units", "department_id"))
    for table in ("responses", "goals"):
        _add_list_validation(
            sheets[table],
            _index(columns, table, "department_id"),
            f"=units!${dept_col}$2:${dept_col}${_RANGE_ROWS}",
            prompt="Vælg en id fra arket units.",
            strict=False,
        )
    meas_col = _letter(_index(columns, "measures", "measure_id"))
    for table in ("items", "reference"):
        _add_list_validation(
            sheets[table],
            _index(columns, table, "measure_id"),
            f"=measures!${meas_col}$2:${meas_col}${_RANGE_ROWS}",
            prompt="Vælg et mål fra arket measures.",
            strict=False,
        )


def _value_validations(sheets: dict[str, Any], columns: dict[str, list[_Col]], profile: Any,
                       background: dict[str, list[str]], lists: _Lists) -> None:
    """Drop-downs of known values: subjects, sources, ja/nej, background categories, themes."""
    sector = profile.sector
    _add_list_validation(
        sheets["measures"],
        _index(columns, "measures", "subject"),
        lists.formula("subject", SUBJECTS),
        prompt="child, respondent eller department.",
    )
    sources = list(getattr(profile, "source_labels", {}) or {})
    if sources:
        _add_list_validation(
            sheets["measures"],
            _index(columns, "measures", "source"),
            lists.formula("Kilder", sources),
            prompt="Hvem svarer? Andre kilder kan skrives.",
            strict=False,
        )
    yes_no = lists.formula("ja/nej", YES_NO)
    for table, name in (
        ("measures", "higher_is_better"),
        ("items", "reverse"),
        ("goals", "signs_defined"),
        ("goals", "signs_documented"),
    ):
        _add_list_validation(sheets[table], _index(columns, table, name), yes_no,
                             prompt="ja eller nej.")
    for attr, cats in background.items():
        if cats:
            _add_list_validation(
                sheets["children"],
                _index(columns, "children", attr),
                lists.formula(attr, cats),
                prompt=f"Vælg en kategori for {attr}.",
            )
    themes = [
        str(t)
        for t in (
            getattr(profile, "themes", None) or (LAEREPLANSTEMAER if sector == "dagtilbud" else ())
        )
    ]
    if themes:
        _add_list_validation(
            sheets["goals"],
            _index(columns, "goals", "theme"),
            lists.formula("Temaer for læringsmål", themes),
            prompt="Vælg et tema fra listen, eller skriv et andet.",
            strict=False,
        )


def _dataset_sheet(ws: Any, profile: Any, rounds: list[str]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    rows = [
        ("key", "value", None),
        ("name", None, "Navnet på datasættet, typisk kommunens navn, fx 'Eksempel Kommune'."),
        ("sector", profile.sector, "Sektor: dagtilbud eller skole."),
        (
            "rounds",
            ", ".join(rounds),
            "Runderne i rækkefølge, adskilt af komma, fx "
            "'T1, T2, T3'. Alle runder i responses skal stå her.",
        ),
        (
            "min_n",
            5,
            "Grupper med færre end så mange personer vises ikke (diskretion). Standard 5.",
        ),
        ("synthetic", "nej", "ja = datasættet er opdigtet (eksempeldata); nej = rigtige data."),
    ]
    for r, (key, value, note) in enumerate(rows, start=1):
        kc = ws.cell(row=r, column=1, value=key)
        vc = ws.cell(row=r, column=2, value=value)
        if r == 1:
            for c in (kc, vc):
                c.font = Font(bold=True)
                c.fill = PatternFill("solid", fgColor=_HEADER_REQUIRED_FILL)
            continue
        kc.font = Font(bold=key in ("name", "sector", "rounds"))
        if isinstance(value, str):
            vc.number_format = "@"
        if note:
            kc.comment = Comment(note, "llkit")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.freeze_panes = "A2"
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(type="list", formula1='"ja,nej"', allow_blank=True)
    dv.add("B6")
    ws.add_data_validation(dv)
    dv = DataValidation(type="list", formula1='"dagtilbud,skole"', allow_blank=False)
    dv.add("B3")
    ws.add_data_validation(dv)
