"""What every document starts from: the dataset prepared for a report, the indicator tables
computed once per dataset (summaries, change, gaps, comparisons, coverage, variance
components), the institution and cluster look-ups, and the section headings.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.data.memo import cached
from llkit.present.html import Block, heading_html, note_html
from llkit.present.labels import (
    child_measures,
    children_noun,
    departments_definite,
    institutions_noun,
    measure_info,
    profile_label,
)
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover

    from llkit.data.dataset import Dataset

__all__ = [
    "prepare",
    "heading",
    "cluster_institutions",
    "institution_info",
    "institution_rounds",
    "last_round",
    "summary_table",
    "gap_table",
    "coverage_table",
]


# ----------------------------------------------------------------------------- data


def prepare(
    data: str | Path | Dataset,
    *,
    rounds: str | Sequence[str] | None = None,
    min_n: int | None = None,
) -> Dataset:
    """Load a dataset for a report, optionally restricted to some rounds.

    Parameters
    ----------
    data : str, Path or Dataset
        A dataset folder or workbook (see :func:`llkit.load`), or a loaded dataset.
    rounds : str or list of str, optional
        The rounds to report on, e.g. ``["T2", "T3"]`` or ``"T2, T3"``; all when omitted.
    min_n : int, optional
        A stricter suppression threshold than the dataset's. It may only be raised: the
        data owner's threshold is the least a report hides.

    Returns
    -------
    Dataset
        The dataset itself when nothing is restricted, otherwise a new one whose
        ``meta.rounds`` and tables hold the chosen rounds only.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud", rounds=["T2", "T3"], min_n=6)
    >>> ds.meta.rounds, ds.meta.min_n
    (['T2', 'T3'], 6)
    """
    from llkit.data.dataset import Dataset, load

    ds = data if isinstance(data, Dataset) else load(data)
    new_min_n = ds.meta.min_n
    if min_n is not None and not (isinstance(min_n, float) and math.isnan(min_n)):
        if int(min_n) != min_n:
            raise ValueError(f"min_n must be a whole number, not {min_n!r}")
        if int(min_n) < ds.meta.min_n:
            raise ValueError(
                f"min_n={int(min_n)} is below the dataset's suppression threshold "
                f"{ds.meta.min_n}; a report may hide more than the data owner decided, "
                "never less. Leave min_n empty or raise it."
            )
        new_min_n = int(min_n)
    keep = list(ds.meta.rounds)
    if rounds is not None:
        wanted = [r.strip() for r in rounds.split(",")] if isinstance(rounds, str) else [str(r) for r in rounds]
        wanted = [r for r in wanted if r]
        unknown = [r for r in wanted if r not in ds.meta.rounds]
        if unknown or not wanted:
            raise KeyError(
                f"unknown round(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
                f"the dataset has: {', '.join(ds.meta.rounds)}"
            )
        keep = [r for r in ds.meta.rounds if r in set(wanted)]
    if keep == list(ds.meta.rounds) and new_min_n == ds.meta.min_n:
        return ds
    meta = dataclasses.replace(
        ds.meta, rounds=keep, min_n=new_min_n,
        round_dates={k: v for k, v in ds.meta.round_dates.items() if k in keep},
    )

    def restrict(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        if frame is None:
            return None
        out = frame[frame["round"].astype(str).isin(keep)].copy()
        out["round"] = pd.Categorical(out["round"].astype(str), categories=keep, ordered=True)
        return out.reset_index(drop=True)

    return Dataset(
        meta=meta, units=ds.units, children=ds.children, measures=ds.measures,
        items=ds.items, responses=restrict(ds.responses), goals=restrict(ds.goals),
        reference=restrict(ds.reference), problems=ds.problems, source=ds.source,
    )


def summary_table(ds: Dataset, by: str | None) -> pd.DataFrame:
    """:func:`llkit.stats.indicators.summarize` for every measure and round at one level, computed
    once per dataset (the numbers every section and view shows).

    Parameters
    ----------
    ds : Dataset
    by : {"department", "institution", "cluster", "area", "municipality"} or None
        The level, as for :func:`~llkit.stats.indicators.summarize`; None for the whole dataset.

    Returns
    -------
    DataFrame
        One row per unit, measure and round: ``n``, ``mean``, its 95 % interval, the
        shares low/middle/high and ``suppressed`` with ``suppressed_reason``. Do not
        modify it: it is shared.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> s = summary_table(ds, "institution")
    >>> row = s[(s["institution_id"] == "I03") & (s["measure_id"] == "sprog") & (s["round"] == "T3")]
    >>> int(row["n"].iloc[0])
    52
    """
    return cached(ds, ("summary", by), lambda: indicators.summarize(ds, by=by))


def change_table(ds: Dataset, by: str | None) -> pd.DataFrame | None:
    def make():
        if len(ds.meta.rounds) < 2:
            return None
        return indicators.change(ds, ds.measures["measure_id"].tolist(), by=by)
    return cached(ds, ("change", by), make)


def gap_table(ds: Dataset, by: str | None) -> pd.DataFrame | None:
    """:func:`llkit.stats.indicators.gap` of the child measures between the profile's two social
    groups (:func:`gap_groups`), computed once per dataset.

    Parameters
    ----------
    ds : Dataset
    by : {"department", "institution", "cluster", "area", "municipality"} or None
        The level, as for :func:`~llkit.stats.indicators.gap`; None for the whole dataset.

    Returns
    -------
    DataFrame or None
        One row per unit, measure and round: ``gap`` (high group minus low group) with its
        interval, the change from the previous round and ``suppressed``. None when there
        are no child measures or the data lack the background attribute (or its groups).
        Shared: do not modify it.

    Examples
    --------
    >>> g = gap_table(prepare("data/sample/dagtilbud"), "institution")
    >>> sorted(set(g["round"].astype(str)))
    ['T1', 'T2', 'T3']
    """
    def make():
        child = child_measures(ds)
        if not child:
            return None
        try:
            return indicators.gap(ds, child, by=by)
        except (KeyError, ValueError):
            return None  # no background attribute, or none of its groups in the data
    return cached(ds, ("gap", by), make)


def comparison_table(ds: Dataset, round: str, level: str = "institution", target: str = "municipality") -> pd.DataFrame | None:
    def make():
        measures = ds.measures["measure_id"].tolist()
        if target == "reference":
            ref = ds.reference
            if ref is None or ref.empty:
                return None
            ref = ref[(ref["round"].astype(str) == round) & (ref["scope"].astype(str) == "national")]
            measures = [m for m in measures if m in set(ref["measure_id"].astype(str))]
        if not measures:
            return None
        try:
            out = indicators.compare(ds, measures, level=level, round=round, target=target)
        except ValueError:
            return None
        return out if len(out) else None
    return cached(ds, ("compare", round, level, target), make)


def reliability_table(ds: Dataset) -> pd.DataFrame:
    return cached(ds, ("reliability",), lambda: indicators.reliability(ds, round=ds.meta.rounds[-1]))


def coverage_table(ds: Dataset, by: str | None) -> pd.DataFrame:
    """:func:`llkit.stats.indicators.coverage` (learning goals and documented signs of learning)
    for every round, computed once per dataset.

    Parameters
    ----------
    ds : Dataset
    by : {"department", "institution", "cluster", "area", "municipality"} or None
        The level, as for :func:`~llkit.stats.indicators.coverage`; None for the whole dataset.

    Returns
    -------
    DataFrame
        One row per unit and round: ``teams``, ``teams_with_goals``,
        ``teams_documenting``, ``share`` with its interval, ``goals`` and the goals with
        signs / documented. Empty when the data have no goals. Shared: do not modify it.

    Examples
    --------
    >>> cov = coverage_table(prepare("data/sample/dagtilbud"), "institution")
    >>> sorted(set(cov["institution_id"].astype(str)))[:3]
    ['I01', 'I02', 'I03']
    """
    return cached(ds, ("coverage", by), lambda: indicators.coverage(ds, by=by))


def variance_table(ds: Dataset, level: str, round: str) -> pd.DataFrame:
    def make():
        measures = [m for m in ds.measures["measure_id"] if measure_info(ds).loc[m, "subject"] != "department" or level != "department"]
        try:
            return indicators.variance_components(ds, measures, level=level, round=round)
        except (ValueError, KeyError):
            return pd.DataFrame(columns=["measure_id", "icc", "mean_reliability"])
    return cached(ds, ("vc", level, round), make)


# ----------------------------------------------------------------------------- units


def institution_info(ds: Dataset, institution: str) -> dict[str, Any]:
    """An institution's id, name, cluster, area and departments.

    The dict is what :func:`institution_rounds`, :func:`last_round` and
    :func:`institution_position` take as ``inst``.

    Parameters
    ----------
    ds : Dataset
    institution : str
        An institution id, or else its exact name.

    Returns
    -------
    dict
        ``id`` and ``name`` (str), ``cluster`` and ``area`` (None when not given) and
        ``departments`` (list of department ids).

    Raises
    ------
    KeyError
        When the dataset has no such institution (the message lists the known ids).

    Examples
    --------
    >>> inst = institution_info(prepare("data/sample/dagtilbud"), "I03")
    >>> inst["name"], inst["cluster"], inst["departments"]
    ('Børnehuset Krudtuglen', 'Klynge Nord 1', ['I03-1', 'I03-2', 'I03-3', 'I03-4'])
    """
    inst = str(institution)
    org = ds.org
    rows = org[org["institution_id"].astype(str) == inst]
    if rows.empty:
        by_name = org[org["institution_name"].astype(str) == inst]
        if by_name.empty:
            known = sorted(org["institution_id"].astype(str).unique())
            shown = ", ".join(known[:30]) + (" …" if len(known) > 30 else "")
            raise KeyError(f"unknown institution {inst!r}; the dataset has: {shown}")
        rows = by_name
    first = rows.iloc[0]
    cluster = first["cluster"] if pd.notna(first["cluster"]) else None
    area = first["area"] if pd.notna(first["area"]) else None
    return {
        "id": str(first["institution_id"]), "name": str(first["institution_name"]),
        "cluster": cluster, "area": area,
        "departments": rows["department_id"].astype(str).tolist(),
    }


def institution_rounds(ds: Dataset, inst: dict[str, Any]) -> list[str]:
    """The rounds in which the institution has answers, in the dataset's order.

    Parameters
    ----------
    ds : Dataset
    inst : dict
        The institution, from :func:`institution_info`.

    Returns
    -------
    list of str
        Cached per dataset and institution.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> institution_rounds(ds, institution_info(ds, "I03"))
    ['T1', 'T2', 'T3']
    """
    def make():
        r = ds.responses
        present = set(r.loc[r["department_id"].astype(str).isin(inst["departments"]), "round"].astype(str))
        return [x for x in ds.meta.rounds if x in present]
    return cached(ds, ("inst_rounds", inst["id"]), make)


def last_round(ds: Dataset, inst: dict[str, Any] | None = None) -> str:
    """The institution's last round with answers, or the dataset's last round.

    Parameters
    ----------
    ds : Dataset
    inst : dict, optional
        The institution, from :func:`institution_info`. Without it, or when the
        institution has no answers, the dataset's last round is returned.

    Returns
    -------
    str

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> last_round(ds, institution_info(ds, "I03")), last_round(ds)
    ('T3', 'T3')
    """
    if inst is not None:
        rounds = institution_rounds(ds, inst)
        if rounds:
            return rounds[-1]
    return ds.meta.rounds[-1]


def cluster_institutions(
    ds: Dataset, cluster: str | None = None, institutions: str | Sequence[str] | None = None
) -> list[str]:
    """The institution ids of a cluster, or the given institutions checked against the data.

    Parameters
    ----------
    ds : Dataset
    cluster : str, optional
        A cluster name (``units.cluster``).
    institutions : str or list of str, optional
        Institution ids; used when given (a comma-separated string is accepted).

    Returns
    -------
    list of str

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> cluster_institutions(ds, "Klynge Nord 1")
    ['I01', 'I02', 'I03', 'I04']
    """
    if institutions is not None and len(institutions):
        ids = [s.strip() for s in institutions.split(",")] if isinstance(institutions, str) else [str(i) for i in institutions]
        return [institution_info(ds, i)["id"] for i in ids if i]
    if cluster is None:
        raise ValueError("give cluster= (a cluster name) or institutions= (3–4 institution ids)")
    org = ds.org
    rows = org[org["cluster"].astype(str) == str(cluster)]
    if rows.empty:
        known = sorted(org["cluster"].dropna().astype(str).unique())
        raise KeyError(f"unknown cluster {cluster!r}; the dataset has: {', '.join(known) or 'no clusters'}")
    return list(dict.fromkeys(rows["institution_id"].astype(str)))


# ----------------------------------------------------------------------------- institution report

_HEADINGS = {
    "findings": "Det vigtigste",
    "status": "Hvor står vi?",
    "distribution": "Hvordan fordeler {children} sig?",
    "change": "Hvad har ændret sig siden sidste måling?",
    "departments": "Hvordan adskiller {depts} sig?",
    "gap": "Betyder social baggrund mindre?",
    "culture": "Medarbejderkultur og læringsmiljø",
    "coverage": "Tegn på læring",
    "funnel": "Placering i kommunen og på landsplan",
    "reliability": "Hvor sikre er tallene?",
    "reflection": "Spørgsmål til jeres professionelle læringsfællesskab",
    "children": "De enkelte {children}",
    "overview_findings": "Det vigtigste for forvaltningen",
    "side_by_side": "Alle {insts} side om side",
    "variance": "Hvor meget af forskellene ligger mellem {insts}?",
    "who_changed": "Hvem har ændret sig mere end tilfældigheder?",
    "areas": "{areas} og {clusters}",
    "team_findings": "Det vigtigste for hvert team",
    "teams": "Teamene side om side",
    "dialogue": "Spørgsmål til dialog i klyngen",
}


def heading(ds: Dataset, key: str, *, level: int = 2) -> Block:
    """A section heading in the sector's words ("Hvordan fordeler børnene sig?" /
    "Hvordan fordeler eleverne sig?").

    Parameters
    ----------
    ds : Dataset
    key : str
        One of: findings, status, distribution, change, departments, gap, culture,
        coverage, funnel, reliability, reflection, children, overview_findings,
        side_by_side, variance, who_changed, areas, team_findings, teams, dialogue.
    level : int, default 2

    Examples
    --------
    >>> ds = prepare("data/sample/skole")
    >>> str(heading(ds, "distribution"))
    'Hvordan fordeler eleverne sig?'
    """
    if key not in _HEADINGS:
        raise KeyError(f"unknown heading {key!r}; use one of: {', '.join(_HEADINGS)}")
    noun = children_noun(ds)
    children = {"børn": "børnene", "elever": "eleverne"}.get(noun, noun)
    text = _HEADINGS[key].format(
        children=children, depts=departments_definite(ds), insts=institutions_noun(ds),
        areas=profile_label(ds, "areas", "Områder"), clusters=profile_label(ds, "clusters", "Klynger").lower(),
    )
    return Block(heading_html(level, text))



def plots_module():
    from llkit.present import plots

    return plots


def synthetic_note(ds: Dataset) -> str:
    return note_html("Data er syntetiske: alle navne og tal er opdigtede.") if ds.meta.synthetic else ""


def first_text(frame: pd.DataFrame, col: str) -> str:
    """First value of a column as text (helper for sentences)."""
    return str(frame[col].iloc[0]) if len(frame) else ""


def rows_where(frame: pd.DataFrame, keep: Callable[..., Any], *columns: str) -> pd.DataFrame:
    """The rows of ``frame`` for which ``keep`` is true, selected with an aligned boolean mask.

    ``keep`` is called with the row's index label (no ``columns``) or with the values of
    the named columns. The mask is a boolean Series on ``frame.index``, so an empty frame
    gives an empty frame with all its columns (``frame[[...]]`` with an empty list would
    select no *columns*).

    Examples
    --------
    >>> df = pd.DataFrame({"m": ["a", "b"], "x": [1, 2]})
    >>> rows_where(df, lambda m: m == "b", "m")["x"].tolist()
    [2]
    >>> list(rows_where(df.iloc[:0], lambda m: True, "m").columns)
    ['m', 'x']
    """
    if columns:
        values = zip(*(frame[c].tolist() for c in columns), strict=True)
        flags = [bool(keep(*v)) for v in values]
    else:
        flags = [bool(keep(k)) for k in frame.index]
    return frame.loc[pd.Series(flags, index=frame.index, dtype=bool)]
