"""The guide sheet ``vejledning`` of the data template: how to fill in every sheet (Danish)."""

from __future__ import annotations

from typing import Any

from llkit.data.template.cells import _Lists
from llkit.data.template.columns import _TABLE_TEXT, TABLES, _Col, _phrases
from llkit.data.template.guide import _Guide, _resolve_lists


def _data_guide(
    ws: Any,
    profile: Any,
    rounds: list[str],
    columns: dict[str, list[_Col]],
    background: dict[str, list[str]],
    lists: _Lists,
) -> None:
    fmt = _phrases(profile.sector)
    g = _Guide(ws)
    _guide_intro(g, profile, fmt)
    _guide_rounds_and_scales(g, rounds, fmt)
    _guide_sheets(g, columns, fmt)
    _guide_background_and_check(g, background)
    _resolve_lists(ws.parent, g, lists)


def _guide_intro(g: _Guide, profile: Any, fmt: dict[str, str]) -> None:
    """Title, what the workbook is, the header rows, and pseudonyms instead of CPR numbers."""
    g.title(f"Vejledning: indsamling af kortlægningsdata ({profile.sector})")
    g.para(
        "Denne projektmappe er en skabelon til at samle data fra en kortlægning i det format, "
        "som llkit læser. Udfyld arkene, gem filen som .xlsx, og kontrollér den med "
        "kommandoen  llkit validate <filnavn>.xlsx  — eller i Python med  "
        'llkit.validate("<filnavn>.xlsx")  og  llkit.load("<filnavn>.xlsx"). llkit viser '
        "alle fejl på én gang med ark, række og kolonne, og hvad der skal rettes."
    )
    g.para(
        "Kolonnenavnene i række 1 skal stå præcis, som de er (på engelsk). Påkrævede kolonner "
        "har fed skrift og orange baggrund; valgfrie kolonner er blå og må stå tomme. Hold "
        "musen over en overskrift for at se, hvad der skal stå i kolonnen. Ekstra kolonner må "
        "gerne tilføjes — de bliver bevaret. Arket 'vejledning' læses ikke af llkit."
    )
    g.heading("Personoplysninger: brug pseudonymer, aldrig CPR-numre")
    g.para(
        f"child_id og respondent_id skal være pseudonymer: en kode, der er den samme for "
        f"samme {fmt['child']} i alle runder, men som ikke afslører, hvem det er. Skriv "
        "aldrig CPR-numre eller navne — llkit afviser værdier, der ligner CPR-numre. Har I "
        "kun CPR-numre, så kør  llkit pseudonymize <data> <ny mappe> --key-file <nøglefil>  "
        "først. Nøglefilen giver de samme pseudonymer næste gang; opbevar den hemmeligt og "
        "adskilt fra data. Id-kolonner er formateret som tekst, så foranstillede nuller "
        "(fx 007) bevares."
    )


def _guide_rounds_and_scales(g: _Guide, rounds: list[str], fmt: dict[str, str]) -> None:
    """The rounds of the template and the answer scales of the measures."""
    g.heading("Runder")
    g.para(
        f"Kortlægningen gentages i runder. Runderne i denne skabelon er: {', '.join(rounds)}. "
        "De står på arket 'dataset' (rækken rounds) i tidsrækkefølge, og kolonnen round i "
        "responses, goals og reference har en rullemenu med dem. Tilføjer I en runde senere, "
        "så skriv den på arket 'dataset' og skriv den direkte i cellerne. Samme "
        f"{fmt['child']} har samme child_id i alle runder — det er det, der gør det muligt "
        "at følge udviklingen."
    )
    g.heading("Skalaer")
    g.para(
        "Hvert mål på arket measures har sin egen skala: scale_min og scale_max, fx 1–5 "
        "(Likert), 1–3 (smileys: sur, neutral, glad), 1–7 (observation af læringsmiljøet) "
        "eller 1–100 (percentiler). Lad begge stå tomme for testscorer uden grænser. Værdier "
        "uden for skalaen bliver meldt som fejl. Vendte spørgsmål (reverse = ja) vendes om "
        "som scale_min + scale_max − værdi, før scoren beregnes. Et måls score er "
        "gennemsnittet af dets spørgsmål, når mindst min_items er besvaret."
    )


def _guide_sheets(g: _Guide, columns: dict[str, list[_Col]], fmt: dict[str, str]) -> None:
    """An overview of the sheets, then every table sheet with its columns."""
    g.heading("Arkene")
    g.table(
        ["Ark", "Påkrævet", "Indhold"],
        [
            (
                "dataset",
                "påkrævet",
                "Om datasættet: navn (name), sektor, runder, min_n (diskretionsgrænse, "
                "standard 5) og synthetic (ja for opdigtede data). To kolonner: key og value.",
            )
        ]
        + [
            (
                t,
                "valgfrit" if t in ("goals", "reference") else "påkrævet",
                _TABLE_TEXT[t].format(**fmt),
            )
            for t in TABLES
        ],
    )
    for table in TABLES:
        g.heading(f"Arket {table}")
        g.para(_TABLE_TEXT[table].format(**fmt))
        g.table(
            ["Kolonne", "Påkrævet", "Hvad skal stå der"],
            [(c.name, "ja" if c.required else "nej", c.note) for c in columns[table]],
        )


def _guide_background_and_check(g: _Guide, background: dict[str, list[str]]) -> None:
    """The background categories (if any) and how to check the filled workbook."""
    if background:
        g.heading("Baggrundsoplysninger")
        g.para(
            "Baggrundsoplysninger bruges til at se, om forskellen mellem grupper af børn "
            "bliver mindre over tid. Brug kategorierne fra rullemenuen, så grupperne kan "
            "sammenlignes: "
            + "; ".join(f"{k}: {', '.join(v)}" for k, v in background.items())
            + ". Andre baggrundsoplysninger kan tilføjes som ekstra kolonner."
        )
    g.heading("Når arkene er udfyldt")
    g.para(
        "Gem filen, og kør  llkit validate <filnavn>.xlsx. Ret de fejl, der vises (ark, "
        "række, kolonne og hvad der skal gøres), og kør igen, indtil der ikke er flere fejl. "
        'Derefter kan filen bruges i rapporterne og notebooks med llkit.load("<filnavn>.xlsx").'
    )
