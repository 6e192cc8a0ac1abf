"""The activities template: the preparation sheet of a leadership learning day (20-30-50).

Sheet ``aktiviteter`` maps the development activities already under way; the Danish guide
``vejledning`` explains the 20-30-50 structure and holds the list of curriculum themes.
"""

from __future__ import annotations

from typing import Any

from llkit.data.template.cells import _LAST_ROW, _add_list_validation, _letter, _style_header
from llkit.data.template.columns import _ACTIVITY_COLUMNS
from llkit.data.template.guide import _Guide
from llkit.data.template.vocabulary import (
    ACTIVITY_STATUS,
    LAEREPLANSTEMAER,
    PAEDAGOGISK_GRUNDLAG,
)


def _activities_workbook(profile: Any) -> Any:
    from openpyxl import Workbook

    wb = Workbook()
    guide_ws = wb.active
    guide_ws.title = "vejledning"
    ws = _activities_sheet(wb)
    g = _Guide(guide_ws)
    themes_ref = _activities_guide(g)
    _activities_validations(ws, themes_ref)
    return wb


def _activities_sheet(wb: Any) -> Any:
    """The sheet ``aktiviteter``: a header row with wrapped text, one column per field."""
    from openpyxl.styles import Alignment

    ws = wb.create_sheet("aktiviteter")
    _style_header(ws, _ACTIVITY_COLUMNS)
    ws.row_dimensions[1].height = 30
    for j in range(1, len(_ACTIVITY_COLUMNS) + 1):
        ws.cell(row=1, column=j).alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[_letter(j)].alignment = Alignment(wrap_text=True, vertical="top")
    return ws


def _activities_guide(g: _Guide) -> str:
    """The guide; returns the range of the list of themes and foundation elements on it."""
    g.title("Vejledning: kortlægning af udviklingsaktiviteter før læringsdagen")
    g.para(
        "Læringsdagen er bygget op efter 20-30-50: omkring 20 % af arbejdet ligger i "
        "forberedelsen, 30 % på selve dagen og 50 % i tiden bagefter, hvor det skal bruges "
        "og forankres. Skabelonen her er til de 20 %."
    )
    g.table(
        ["Del", "Andel", "Hvad sker der"],
        [
            (
                "Forberedelse",
                "20 %",
                "I laver sammen et samlet overblik over de "
                "udviklingsaktiviteter, der allerede er i gang eller planlagt på området. "
                "Overblikket er afsættet for dagen: hvor er der sammenhæng, overlap eller huller "
                "i forhold til den styrkede pædagogiske læreplan?",
            ),
            (
                "Læringsdagen",
                "30 %",
                "Oplæg og arbejde i mindre grupper med jeres eget "
                "overblik: status, udviklingsbehov og en plan for det videre arbejde.",
            ),
            (
                "Forankring",
                "50 %",
                "Bagefter: hvilke tegn skal vise, at læreplanen bliver "
                "til virkelighed — i forvaltningen og i dagtilbuddene? Hvilke nye tiltag "
                "sættes i gang, og hvilke strukturer skal understøtte dem?",
            ),
        ],
    )
    g.heading("Sådan udfylder I arket 'aktiviteter'")
    g.para(
        "Skriv én udviklingsaktivitet pr. række — store og små, på tværs af områder og "
        "dagtilbud. Tag også aktiviteter med, der er afsluttet for nylig eller sat på pause. "
        "Tegn er det vigtigste felt at tænke over: hvad vil I konkret kunne se eller måle, "
        "hvis aktiviteten virker? Påkrævede kolonner har fed skrift."
    )
    g.table(
        ["Kolonne", "Påkrævet", "Hvad skal stå der"],
        [(c.name, "ja" if c.required else "nej", c.note) for c in _ACTIVITY_COLUMNS],
    )
    g.heading("Læreplanstemaer og det fælles pædagogiske grundlag")
    g.para(
        "Kolonnen 'læreplanstema eller pejlemærke' har en rullemenu med de seks "
        "læreplanstemaer og de ni elementer i det fælles pædagogiske grundlag (listen "
        "nedenfor). Vælg det, aktiviteten især understøtter; andre pejlemærker, fx "
        "evalueringskultur, kan skrives direkte."
    )
    themes_ref = g.value_list(
        "Læreplanstemaer og elementer i det fælles pædagogiske grundlag",
        [*LAEREPLANSTEMAER, *PAEDAGOGISK_GRUNDLAG],
    )
    return themes_ref


def _activities_validations(ws: Any, themes_ref: str) -> None:
    """Drop-downs of themes and statuses, and date checks of start and end."""
    from openpyxl.worksheet.datavalidation import DataValidation

    names = [c.name for c in _ACTIVITY_COLUMNS]
    _add_list_validation(
        ws,
        names.index("læreplanstema eller pejlemærke") + 1,
        "=" + themes_ref,
        prompt="Vælg et tema eller element, eller skriv et andet pejlemærke.",
        strict=False,
    )
    _add_list_validation(
        ws, names.index("status") + 1, '"' + ",".join(ACTIVITY_STATUS) + '"', prompt="Vælg status."
    )
    for name in ("start", "slut"):
        letter = _letter(names.index(name) + 1)
        dv = DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="Dato",
            error="Skriv en dato, fx 2025-09-01.",
        )
        dv.add(f"{letter}2:{letter}{_LAST_ROW}")
        ws.add_data_validation(dv)
