"""Sector profiles: Danish labels, default instruments and background categories.

A *profile* describes one sector (``dagtilbud`` or ``skole``): what its levels are called
in Danish ("Stue/gruppe", "Klasse", "Børn", "Elever" …), which measures and items the
sample generator and the templates use by default, and the ordered categories of the
known background attributes (parents' education, sex, home language).

Examples
--------
>>> from llkit.data.profiles import get_profile
>>> p = get_profile("dagtilbud")
>>> p.labels["department"]
'Stue/gruppe'
>>> p.measures.loc[p.measures.group == "Læreplanstemaer", "label"].tolist()[:2]
['Alsidig personlig udvikling', 'Social udvikling']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from llkit.data.profiles import dagtilbud as _dagtilbud
from llkit.data.profiles import skole as _skole

__all__ = [
    "Profile",
    "PROFILES",
    "get_profile",
    "MEASURE_COLUMNS",
    "ITEM_COLUMNS",
    "PARENT_EDUCATION",
    "SEX",
    "LANGUAGE",
]

#: Columns of the ``measures`` table, in file order.
MEASURE_COLUMNS = [
    "measure_id", "label", "source", "subject", "scale_min", "scale_max",
    "higher_is_better", "min_items", "low_cut", "high_cut", "group",
]
#: Columns of the ``items`` table, in file order.
ITEM_COLUMNS = ["item_id", "measure_id", "text", "reverse"]

#: Highest completed education of the parents (the higher of the two), low to high.
PARENT_EDUCATION = [
    "Grundskole",
    "Gymnasial",
    "Erhvervsfaglig",
    "Kort videregående",
    "Mellemlang videregående",
    "Lang videregående",
]
SEX = ["Pige", "Dreng"]
LANGUAGE = ["Dansk", "Dansk og andet sprog", "Andet sprog"]

_BACKGROUND = {
    "parent_education": PARENT_EDUCATION,
    "sex": SEX,
    "language": LANGUAGE,
}
_GAP_DEFAULT = (
    "parent_education",
    ["Grundskole", "Gymnasial", "Erhvervsfaglig"],
    ["Mellemlang videregående", "Lang videregående"],
)


@dataclass(frozen=True)
class Profile:
    """One sector's labels, default instruments and background categories.

    Attributes
    ----------
    sector : str
        ``"dagtilbud"`` or ``"skole"``.
    labels : dict of str to str
        Danish names of levels and persons: keys ``municipality``, ``area``, ``cluster``,
        ``institution``, ``department``, ``child``, their plurals (``institutions``,
        ``departments``, ``children`` …), ``respondent``, ``round``, ``sector``.
    background : dict of str to list of str
        Known background attributes and their ordered categories.
    gap_default : tuple
        ``(attribute, low_levels, high_levels)``: the default equity comparison.
    source_labels : dict of str to str
        Danish display name of each answer source (``"barn"`` -> ``"Børnenes stemme"``).
    default_rounds : list of str
        Round ids the sample data uses.
    themes : list of str
        Themes of learning goals: the six curriculum themes (dagtilbud) or subjects (skole).
    value_labels : dict of str to dict of int to str
        Names of scale points per source, e.g. the smileys of the children's own voice.
    measure_specs : tuple of dict
        The default measures with their items, as plain data; use :attr:`measures` and
        :attr:`items` for the tables.
    """

    sector: str
    labels: dict[str, str]
    background: dict[str, list[str]]
    gap_default: tuple[str, list[str], list[str]]
    source_labels: dict[str, str]
    default_rounds: list[str]
    themes: list[str]
    value_labels: dict[str, dict[int, str]]
    measure_specs: tuple[dict[str, Any], ...] = field(repr=False)

    @property
    def measures(self) -> pd.DataFrame:
        """The default measures, in the ``measures`` table format (a fresh copy)."""
        rows = [{c: m.get(c, _MEASURE_DEFAULTS.get(c)) for c in MEASURE_COLUMNS}
                for m in self.measure_specs]
        df = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
        for c in ("scale_min", "scale_max", "low_cut", "high_cut"):
            df[c] = df[c].astype("float64")
        df["higher_is_better"] = df["higher_is_better"].astype(bool)
        df["min_items"] = df["min_items"].astype("int64")
        return df

    @property
    def items(self) -> pd.DataFrame:
        """The default items, in the ``items`` table format (a fresh copy).

        Item ids are ``<measure_id>_<n>`` with ``n`` counting from 1 within a measure.
        """
        rows = [
            (f"{m['measure_id']}_{k}", m["measure_id"], text, bool(reverse))
            for m in self.measure_specs
            for k, (text, reverse) in enumerate(m["items"], start=1)
        ]
        df = pd.DataFrame(rows, columns=ITEM_COLUMNS)
        df["reverse"] = df["reverse"].astype(bool)
        return df

    def measure_label(self, measure_id: str) -> str:
        """Danish label of a default measure (the id itself if unknown)."""
        for m in self.measure_specs:
            if m["measure_id"] == measure_id:
                return m["label"]
        return measure_id


_MEASURE_DEFAULTS: dict[str, Any] = {
    "scale_min": np.nan,
    "scale_max": np.nan,
    "higher_is_better": True,
    "min_items": 1,
    "low_cut": np.nan,
    "high_cut": np.nan,
    "group": "",
}


def _make(module: Any) -> Profile:
    return Profile(
        sector=module.SECTOR,
        labels=dict(module.LABELS),
        background={k: list(v) for k, v in _BACKGROUND.items()},
        gap_default=(_GAP_DEFAULT[0], list(_GAP_DEFAULT[1]), list(_GAP_DEFAULT[2])),
        source_labels=dict(module.SOURCE_LABELS),
        default_rounds=["T1", "T2", "T3"],
        themes=list(module.THEMES),
        value_labels={k: dict(v) for k, v in module.VALUE_LABELS.items()},
        measure_specs=tuple(module.MEASURES),
    )


#: All known profiles by sector id.
PROFILES: dict[str, Profile] = {"dagtilbud": _make(_dagtilbud), "skole": _make(_skole)}


def get_profile(sector: str) -> Profile:
    """Return the profile of a sector.

    Parameters
    ----------
    sector : str
        ``"dagtilbud"`` or ``"skole"`` (case and surrounding spaces are ignored).

    Returns
    -------
    Profile

    Raises
    ------
    KeyError
        If the sector is unknown; the message lists the known sectors.

    Examples
    --------
    >>> get_profile("skole").labels["children"]
    'Elever'
    """
    key = str(sector).strip().lower()
    try:
        return PROFILES[key]
    except KeyError:
        known = ", ".join(repr(k) for k in PROFILES)
        raise KeyError(
            f"unknown sector {sector!r}; known sectors are {known}. "
            "Set `sector` in dataset.toml to one of them."
        ) from None
