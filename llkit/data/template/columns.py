"""The columns of the template sheets and their Danish notes, read from ``texts.toml``.

:func:`_columns` gives the columns of every table sheet of the data template, with the
notes worded for the sector (``stue/gruppe`` and ``barn`` in dagtilbud, ``klasse`` and
``elev`` in skole); :data:`_ACTIVITY_COLUMNS` are those of the activities template.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

#: Table sheets of the data template, in workbook order.
TABLES = ("units", "children", "measures", "items", "responses", "goals", "reference")


@dataclass(frozen=True)
class _Col:
    """One column of a table sheet."""

    name: str
    required: bool
    note: str  # Danish: what goes into the column
    kind: str = "text"  # "id" (text format), "text", "number", "bool", "date"
    width: float | None = None


@functools.cache
def _texts() -> dict[str, Any]:
    """The tables of ``texts.toml`` (read once)."""
    text = resources.files(__package__).joinpath("texts.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _phrases(sector: str) -> dict[str, str]:
    """Danish inflected forms of the sector's level and person names."""
    phrases = _texts()["phrases"]
    return phrases.get(sector, phrases["dagtilbud"])


def _col(spec: dict[str, Any], note: str) -> _Col:
    """A column of ``texts.toml`` with its (filled-in) note."""
    return _Col(spec["name"], spec["required"], note, spec.get("kind", "text"),
                width=spec.get("width"))


def _columns(ph: dict[str, str], sector: str) -> dict[str, list[_Col]]:
    """The columns of every table, with Danish notes worded for the sector."""
    words = {**ph, "dept_cap": ph["dept"].capitalize(),
             "child_gen_cap": ph["child_gen"].capitalize()}
    return {
        table: [_col(spec, spec.get("note_by_sector", {}).get(sector, spec["note"])
                     .format(**words)) for spec in specs]
        for table, specs in _texts()["columns"].items()
    }


#: One line about each table sheet; ``{dept}`` and ``{child}`` are the sector's words.
_TABLE_TEXT: dict[str, str] = dict(_texts()["tables"])

#: The columns of the activities template's sheet ``aktiviteter``.
_ACTIVITY_COLUMNS = [_col(spec, spec["note"]) for spec in _texts()["activities"]]


def _background_note(attr: str, cats: list[str]) -> str:
    names = {
        "sex": "Køn",
        "parent_education": "Forældrenes højeste uddannelse",
        "language": "Sprog i hjemmet",
    }
    head = names.get(attr, f"Baggrundsoplysning '{attr}'")
    return f"{head}. Vælg fra listen: {', '.join(cats)}. Tom = ukendt."
