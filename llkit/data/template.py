"""Excel templates: a workbook to collect data in, and a planning sheet for a learning day.

:func:`write_template` writes one of two workbooks:

``kind="data"``
    A workbook in llkit's data format (see ``DESIGN.md``): a Danish instructions sheet
    ``vejledning`` first, the metadata sheet ``dataset``, and one sheet per table
    (``units``, ``children``, ``measures``, ``items``, ``responses``, ``goals``,
    ``reference``) with the header row of all its columns. Required columns are bold and
    every header carries a note saying what goes there. ``measures`` and ``items`` are
    pre-filled with the sector profile's default instruments. Drop-down lists guide the
    entry of rounds, item ids, yes/no fields and known background attributes, and id
    columns are formatted as text so that leading zeros survive. The filled workbook is
    read back with ``llkit validate data.xlsx`` or ``llkit.load("data.xlsx")``.

``kind="activities"``
    The preparation template of a leadership learning day built as 20-30-50: a shared
    mapping of the development activities already under way (sheet ``aktiviteter``),
    with a Danish ``vejledning`` sheet.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llkit.data.profiles.dagtilbud import THEMES as _DAGTILBUD_THEMES

__all__ = [
    "KINDS",
    "TABLES",
    "LAEREPLANSTEMAER",
    "PAEDAGOGISK_GRUNDLAG",
    "ACTIVITY_STATUS",
    "write_template",
]

#: The kinds of workbook :func:`write_template` can write.
KINDS = ("data", "activities")

#: The six themes of the strengthened pedagogical curriculum (læreplanstemaer), as in the
#: dagtilbud profile.
LAEREPLANSTEMAER = tuple(_DAGTILBUD_THEMES)

#: The nine elements of the common pedagogical foundation (det fælles pædagogiske grundlag).
PAEDAGOGISK_GRUNDLAG = (
    "Børnesyn",
    "Dannelse og børneperspektiv",
    "Leg",
    "Læring",
    "Børnefællesskaber",
    "Pædagogisk læringsmiljø",
    "Forældresamarbejde om børns læring",
    "Børn i udsatte positioner",
    "Sammenhæng til børnehaveklassen",
)

#: Status values of a development activity in the activities template.
ACTIVITY_STATUS = ("planlagt", "i gang", "afsluttet", "sat på pause")

YES_NO = ("ja", "nej")
SUBJECTS = ("child", "respondent", "department")

# Excel's limit for a list written into a validation formula (characters).
_INLINE_LIST_LIMIT = 250
# Rows covered by drop-downs and text formats below the header.
_LAST_ROW = 1_048_576
# Rows of a referenced id range (items!A2:A5000).
_RANGE_ROWS = 5000

_HEADER_REQUIRED_FILL = "FCE4C4"
_HEADER_OPTIONAL_FILL = "E7EEF7"
_TITLE_SIZE = 16


@dataclass(frozen=True)
class _Col:
    """One column of a table sheet."""

    name: str
    required: bool
    note: str  # Danish: what goes into the column
    kind: str = "text"  # "id" (text format), "text", "number", "bool", "date"
    width: float | None = None


_PHRASES = {
    "dagtilbud": {
        "dept": "stue/gruppe",
        "dept_def": "stuen/gruppen",
        "dept_pl": "stuer/grupper",
        "inst_def": "dagtilbuddet",
        "child": "barn",
        "child_def": "barnet",
        "child_gen": "barnets",
        "child_indef": "et barn",
        "children": "børn",
    },
    "skole": {
        "dept": "klasse",
        "dept_def": "klassen",
        "dept_pl": "klasser",
        "inst_def": "skolen",
        "child": "elev",
        "child_def": "eleven",
        "child_gen": "elevens",
        "child_indef": "en elev",
        "children": "elever",
    },
}


def _phrases(sector: str) -> dict[str, str]:
    """Danish inflected forms of the sector's level and person names."""
    return _PHRASES.get(sector, _PHRASES["dagtilbud"])


def _columns(ph: dict[str, str], sector: str) -> dict[str, list[_Col]]:
    """The columns of every table, with Danish notes worded for the sector."""
    return {
        "units": [
            _Col(
                "department_id",
                True,
                f"Id for {ph['dept_def']}, fx S01. Unik: én række pr. "
                f"{ph['dept']}. Bruges i responses og goals.",
                "id",
            ),
            _Col(
                "department_name",
                False,
                f"Navn på {ph['dept_def']}, fx 'Sommerfuglene'. Tom = id'et bruges som navn.",
            ),
            _Col(
                "institution_id",
                True,
                f"Id for {ph['inst_def']}, som {ph['dept_def']} hører "
                "til, fx I01. Samme id på alle rækker fra samme sted.",
                "id",
            ),
            _Col("institution_name", False, f"Navn på {ph['inst_def']}."),
            _Col("cluster", False, "Klynge (valgfri), fx 'Klynge Nord'."),
            _Col("area", False, "Område (valgfrit), fx 'Område Syd'."),
        ],
        "children": [
            _Col(
                "child_id",
                True,
                f"Pseudonym for {ph['child_def']}, fx B0001 eller P3KX... fra "
                "'llkit pseudonymize'. ALDRIG et CPR-nummer. Samme id i alle runder.",
                "id",
            ),
            _Col(
                "birth_date",
                False,
                "Fødselsdato som ÅÅÅÅ-MM-DD. Udfyld enten denne "
                "eller birth_year (fødselsåret er nok til analyserne).",
                "date",
            ),
            _Col("birth_year", False, "Fødselsår, fx 2014.", "number"),
        ],
        "measures": [
            _Col("measure_id", True, "Id for målet (tema/indikator), fx 'sprog'. Unik.", "id"),
            _Col("label", True, "Navnet på målet, som det skal stå i rapporterne.", width=34),
            _Col(
                "source",
                True,
                "Hvem svarer: fx barn, pædagog, forælder, medarbejder, leder, observatør, test.",
            ),
            _Col(
                "subject",
                True,
                "Hvem scoren beskriver: child (et barn), respondent "
                "(den der svarer, fx i en medarbejderundersøgelse) eller department "
                f"(en {ph['dept']}, fx en observation af læringsmiljøet).",
            ),
            _Col(
                "scale_min",
                False,
                "Skalaens laveste værdi, fx 1. Tom = ingen grænse (fx testscorer).",
                "number",
            ),
            _Col(
                "scale_max",
                False,
                "Skalaens højeste værdi, fx 5 (Likert), 3 (smileys), "
                "7 (observation), 100 (percentil). Tom = ingen grænse.",
                "number",
            ),
            _Col(
                "higher_is_better",
                False,
                "ja = høj værdi er godt (standard); nej = lav værdi er godt.",
                "bool",
            ),
            _Col(
                "min_items",
                False,
                "Mindste antal besvarede spørgsmål for at give en score (standard 1).",
                "number",
            ),
            _Col(
                "low_cut", False, "Scorer under denne grænse tælles som 'lav' (valgfri).", "number"
            ),
            _Col(
                "high_cut",
                False,
                "Scorer på eller over denne grænse tælles som 'høj' (valgfri).",
                "number",
            ),
            _Col("group", False, "Gruppe af mål, fx et tema (valgfri)."),
        ],
        "items": [
            _Col("item_id", True, "Id for spørgsmålet/observationspunktet. Unik.", "id"),
            _Col("measure_id", True, "Det mål (fra arket measures), spørgsmålet hører til.", "id"),
            _Col("text", False, "Spørgsmålets ordlyd.", width=50),
            _Col(
                "reverse",
                False,
                "ja = spørgsmålet er vendt (lav værdi er godt) og "
                "vendes om før scoren beregnes. Standard nej.",
                "bool",
            ),
        ],
        "responses": [
            _Col("round", True, "Runden, fx T1. Skal være en af runderne på arket dataset.", "id"),
            _Col("item_id", True, "Spørgsmålets id fra arket items.", "id"),
            _Col(
                "department_id",
                True,
                f"Den {ph['dept']}, {ph['child_def']} gik i i denne runde (fra arket units).",
                "id",
            ),
            _Col(
                "child_id",
                False,
                f"{ph['child_gen'].capitalize()} pseudonym fra arket "
                f"children, når svaret handler om {ph['child_indef']}. Aldrig et CPR-nummer.",
                "id",
            ),
            _Col(
                "respondent_id",
                False,
                "Pseudonym for den, der svarer, når svaret "
                "beskriver svarpersonen selv (fx medarbejderundersøgelse).",
                "id",
            ),
            _Col("value", True, "Svaret som tal på målets skala. Tom = ikke besvaret.", "number"),
        ],
        "goals": [
            _Col("round", True, "Runden, fx T1.", "id"),
            _Col("department_id", True, f"{ph['dept'].capitalize()} (fra arket units).", "id"),
            _Col("goal_id", True, f"Id for læringsmålet, unikt for {ph['dept']} og runde.", "id"),
            _Col(
                "theme",
                False,
                "Tema, fx et læreplanstema." if sector == "dagtilbud" else "Tema eller fag.",
            ),
            _Col("goal", False, "Læringsmålet med jeres egne ord.", width=50),
            _Col("signs_defined", True, "ja = der er beskrevet tegn på læring for målet.", "bool"),
            _Col("signs_documented", True, "ja = tegnene på læring er dokumenteret.", "bool"),
        ],
        "reference": [
            _Col("measure_id", True, "Målet (fra arket measures), referencen gælder.", "id"),
            _Col("round", True, "Runden, fx T1.", "id"),
            _Col("scope", True, "Hvad referencen dækker, fx national eller kommune.", "text"),
            _Col("n", False, "Antal personer bag referencen.", "number"),
            _Col("mean", True, "Gennemsnit.", "number"),
            _Col("sd", True, "Standardafvigelse.", "number"),
        ],
    }


#: Table sheets of the data template, in workbook order.
TABLES = ("units", "children", "measures", "items", "responses", "goals", "reference")

_TABLE_TEXT = {
    "units": "Én række pr. {dept}: hvilken institution den hører til, og evt. klynge og "
    "område. Det er organisationen, resultaterne samles efter.",
    "children": "Én række pr. {child} med baggrundsoplysninger. Id'et er et pseudonym — "
    "aldrig et CPR-nummer.",
    "measures": "Ét mål pr. række (et tema, en indikator, en dimension) med skala og "
    "retning. Arket er udfyldt med profilens standardinstrumenter — ret, slet eller tilføj, "
    "så det passer til jeres kortlægning.",
    "items": "Ét spørgsmål eller observationspunkt pr. række, koblet til et mål. Udfyldt med "
    "standardinstrumenternes spørgsmål.",
    "responses": "Ét svar pr. række: runde, spørgsmål, {dept}, {child} eller svarperson og "
    "værdien.",
    "goals": "Valgfrit. Læringsmål pr. {dept} og runde, og om tegn på læring er beskrevet "
    "og dokumenteret.",
    "reference": "Valgfrit. Eksterne sammenligningstal, fx landsgennemsnit, pr. mål og runde.",
}


# --------------------------------------------------------------------------- public API


def write_template(
    path: str | os.PathLike[str],
    *,
    sector: str = "dagtilbud",
    kind: str = "data",
    rounds: Sequence[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write an Excel workbook to collect data in, or to plan development activities in.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file to write. Missing parent folders are created.
    sector : {"dagtilbud", "skole"}
        The sector profile: labels, default instruments and background categories.
    kind : {"data", "activities"}
        ``"data"``: a workbook in llkit's data format, read back by ``llkit.load``.
        ``"activities"``: the preparation template of a leadership learning day (20-30-50).
    rounds : sequence of str, optional
        Round ids (default: the profile's, e.g. ``["T1", "T2", "T3"]``); used for the
        ``dataset`` sheet and the round drop-downs. Ignored for ``kind="activities"``.
    overwrite : bool, default False
        Replace an existing file. By default an existing file is never touched, so a filled
        workbook cannot be lost by writing a blank template over it.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        Unknown ``kind``, a path not ending in ``.xlsx``, or invalid ``rounds``.
    KeyError
        Unknown ``sector``.
    FileExistsError
        ``path`` exists and ``overwrite`` is false.

    Examples
    --------
    >>> from llkit.data.template import write_template
    >>> write_template("indsamling.xlsx", sector="dagtilbud")      # doctest: +SKIP
    >>> write_template("aktiviteter.xlsx", kind="activities")      # doctest: +SKIP
    """
    if kind not in KINDS:
        raise ValueError(
            f"Unknown template kind {kind!r}. Known kinds: {', '.join(KINDS)} "
            "(data: a workbook to collect data in; activities: the preparation template "
            "of a leadership learning day)."
        )
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(
            f"The template is an Excel workbook; give a file name ending in .xlsx, not {path.name!r}."
        )
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists and was not touched. Choose another file name, or delete "
            "the file first if you really want a blank template in its place."
        )
    from llkit.data.profiles import get_profile  # a higher-layer tool; import when used

    profile = get_profile(sector)
    if kind == "data":
        round_list = _check_rounds(rounds if rounds is not None else profile.default_rounds)
        wb = _data_workbook(profile, round_list)
    else:
        wb = _activities_workbook(profile)
    _save_atomic(wb, path)
    return path


# --------------------------------------------------------------------------- helpers


def _check_rounds(rounds: Sequence[str]) -> list[str]:
    if isinstance(rounds, str):
        rounds = [r.strip() for r in rounds.split(",")]
    out = [str(r).strip() for r in rounds]
    if not out:
        raise ValueError("rounds is empty; give at least one round id, e.g. ['T1', 'T2', 'T3'].")
    bad = [r for r in out if not r or "," in r or "=" in r or '"' in r]
    if bad:
        raise ValueError(
            f"Invalid round ids {bad!r}: a round id must be non-empty and contain no comma, "
            "'=' or quote, e.g. 'T1'."
        )
    dup = sorted({r for r in out if out.count(r) > 1})
    if dup:
        raise ValueError(f"Round ids must be unique; repeated: {dup!r}.")
    return out


def _save_atomic(wb: Any, path: Path) -> None:
    """Save a workbook to a temporary file next to ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


# --------------------------------------------------------------------------- data workbook


def _data_workbook(profile: Any, rounds: list[str]) -> Any:
    from openpyxl import Workbook

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

    # measures/items: profile defaults, with any extra profile columns kept
    measures_df = profile.measures
    items_df = profile.items
    for table, df in (("measures", measures_df), ("items", items_df)):
        known = {c.name for c in columns[table]}
        for extra in [c for c in df.columns if c not in known]:
            columns[table].append(_Col(str(extra), False, "Ekstra kolonne fra sektorprofilen."))

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

    def idx(table: str, name: str) -> int:
        return [c.name for c in columns[table]].index(name) + 1

    round_formula = lists.formula("Runder", rounds)
    for table in ("responses", "goals", "reference"):
        _add_list_validation(
            sheets[table],
            idx(table, "round"),
            round_formula,
            prompt="Vælg runden. Runderne står på arket dataset.",
        )
    item_col = _letter(idx("items", "item_id"))
    _add_list_validation(
        sheets["responses"],
        idx("responses", "item_id"),
        f"=items!${item_col}$2:${item_col}${_RANGE_ROWS}",
        prompt="Vælg et spørgsmål fra arket items.",
    )
    dept_col = _letter(idx("units", "department_id"))
    for table in ("responses", "goals"):
        _add_list_validation(
            sheets[table],
            idx(table, "department_id"),
            f"=units!${dept_col}$2:${dept_col}${_RANGE_ROWS}",
            prompt="Vælg en id fra arket units.",
            strict=False,
        )
    meas_col = _letter(idx("measures", "measure_id"))
    for table in ("items", "reference"):
        _add_list_validation(
            sheets[table],
            idx(table, "measure_id"),
            f"=measures!${meas_col}$2:${meas_col}${_RANGE_ROWS}",
            prompt="Vælg et mål fra arket measures.",
            strict=False,
        )
    _add_list_validation(
        sheets["measures"],
        idx("measures", "subject"),
        lists.formula("subject", SUBJECTS),
        prompt="child, respondent eller department.",
    )
    sources = list(getattr(profile, "source_labels", {}) or {})
    if sources:
        _add_list_validation(
            sheets["measures"],
            idx("measures", "source"),
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
        _add_list_validation(sheets[table], idx(table, name), yes_no, prompt="ja eller nej.")
    for attr, cats in background.items():
        if cats:
            _add_list_validation(
                sheets["children"],
                idx("children", attr),
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
            idx("goals", "theme"),
            lists.formula("Temaer for læringsmål", themes),
            prompt="Vælg et tema fra listen, eller skriv et andet.",
            strict=False,
        )

    _data_guide(guide, profile, rounds, columns, background, lists)
    return wb


def _background_note(attr: str, cats: list[str]) -> str:
    names = {
        "sex": "Køn",
        "parent_education": "Forældrenes højeste uddannelse",
        "language": "Sprog i hjemmet",
    }
    head = names.get(attr, f"Baggrundsoplysning '{attr}'")
    return f"{head}. Vælg fra listen: {', '.join(cats)}. Tom = ukendt."


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


# --------------------------------------------------------------------------- guide sheets


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
    _resolve_lists(ws.parent, g, lists)


# --------------------------------------------------------------------------- activities


_ACTIVITY_COLUMNS = [
    _Col(
        "område",
        True,
        "Hvor aktiviteten foregår: et område, en klynge, et dagtilbud eller hele kommunen.",
        width=22,
    ),
    _Col(
        "aktivitet",
        True,
        "Kort navn på udviklingsaktiviteten, fx 'Sprogindsats i vuggestuer'.",
        width=32,
    ),
    _Col("mål", False, "Hvad skal aktiviteten føre til for børnene / praksis?", width=40),
    _Col("hvem (ansvarlig)", False, "Hvem har ansvaret, og hvem deltager?", width=24),
    _Col(
        "læreplanstema eller pejlemærke",
        False,
        "Vælg det læreplanstema eller element "
        "i det fælles pædagogiske grundlag, aktiviteten især understøtter.",
        width=36,
    ),
    _Col("status", False, "planlagt, i gang, afsluttet eller sat på pause.", width=14),
    _Col("start", False, "Startdato (ÅÅÅÅ-MM-DD).", "date", width=12),
    _Col("slut", False, "Slutdato eller forventet slut (ÅÅÅÅ-MM-DD).", "date", width=12),
    _Col(
        "tegn",
        False,
        "Hvilke tegn vil vise, at aktiviteten virker — for børnene, i praksis og i organisationen?",
        width=48,
    ),
]


def _activities_workbook(profile: Any) -> Any:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    guide_ws = wb.active
    guide_ws.title = "vejledning"
    ws = wb.create_sheet("aktiviteter")
    _style_header(ws, _ACTIVITY_COLUMNS)
    ws.row_dimensions[1].height = 30
    for j in range(1, len(_ACTIVITY_COLUMNS) + 1):
        ws.cell(row=1, column=j).alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[_letter(j)].alignment = Alignment(wrap_text=True, vertical="top")

    g = _Guide(guide_ws)
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
    return wb
