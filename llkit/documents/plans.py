"""Strategic action plans (handleplaner) whose goals are tied to indicators in the data.

The last seminar day ends with a realistic, meaningful strategic action plan. llkit
closes the loop: every goal of the plan names an indicator in the mapping data, its
baseline round, a target value and the round it should be reached by, so that the next
round shows, goal by goal, where the team stands — decided *with* the statistical
uncertainty, never on a point estimate alone.

A plan is a YAML file (one per institution; see ``docs/plans.md``)::

    institution: I07
    title: Sprog og tillid i Børnehaven Anemonen
    created: 2015-06-10
    focus_areas:
      - focus: Sprog i hverdagen
        goals:
          - goal: Færre børn med en lav sprogvurdering
            indicator: {kind: share_low, measure: sprog}
            baseline: T1
            target: 10 %
            target_round: T3
            signs: [Børnene fortæller om deres weekend i samling]
            actions:
              - what: Dialogisk læsning i små grupper to gange om ugen
                who: Pædagogerne på hver stue
                deadline: 2015-09-01

Indicator kinds (:data:`KINDS`): ``mean`` (mean of a child or department measure),
``share_low`` (share of children with a low score), ``gap`` (equity gap by the
profile's default background: parents' education), ``staff`` (mean of a staff survey
measure — the process criterion) and ``coverage`` (share of teams documenting signs of
learning). Higher is better for ``mean`` and ``staff`` when the measure's
``higher_is_better`` is true, and for ``coverage``; lower is better for ``share_low`` and
``gap``.

Functions: :func:`load_plan`, :func:`validate_plan`, :func:`plan_status`,
:func:`plans_for`, :func:`plans_overview`, :func:`write_plan`, :func:`new_plan`,
:func:`focus_candidates`, :func:`format_status`, and :func:`add_plan_commands` for the
``llkit plan`` command line. Problems are reported in English (the command line) or, with
``lang="da"``, in Danish for the leadership team; both come from one table of messages.
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from llkit._atomic import atomic_write
from llkit.errors import PlanError, ProblemLog, format_problems
from llkit.present.text import fmt_interval, fmt_number, fmt_percent
from llkit.stats.decision import holm, p_value_interval

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "KINDS",
    "STATUSES",
    "Indicator",
    "Action",
    "Goal",
    "FocusArea",
    "Plan",
    "load_plan",
    "validate_plan",
    "plan_status",
    "plans_for",
    "plans_overview",
    "write_plan",
    "plan_to_dict",
    "new_plan",
    "focus_candidates",
    "indicator_info",
    "indicator_values",
    "default_plan_path",
    "status_table",
    "format_status",
    "add_plan_commands",
]

#: Indicator kinds a goal can be tied to.
KINDS = ("mean", "share_low", "gap", "staff", "coverage")
#: The four statuses of a goal, in display order.
STATUSES = ("nået", "på vej", "ikke nået", "kan ikke vurderes")
#: Folder (inside a dataset folder) that holds the institutions' plans.
PLANS_FOLDER = "plans"

_SHARE_KINDS = ("share_low", "coverage")
_MEASURE_KINDS = ("mean", "share_low", "gap", "staff")

_PLAN_KEYS = ("institution", "title", "created", "description", "focus_areas")
_FOCUS_KEYS = ("focus", "description", "goals")
_GOAL_KEYS = ("goal", "indicator", "baseline", "target", "target_round", "signs", "actions")
_INDICATOR_KEYS = ("kind", "measure", "department")
_ACTION_KEYS = ("what", "who", "deadline")

_KIND_SYNONYMS = {"average": "mean", "gennemsnit": "mean", "middel": "mean",
                  "share": "share_low", "low": "share_low", "andel": "share_low",
                  "andel_lav": "share_low", "equity": "gap", "forskel": "gap", "ulighed": "gap",
                  "personale": "staff", "medarbejdere": "staff", "medarbejder": "staff",
                  "documentation": "coverage", "dokumentation": "coverage", "tegn": "coverage"}

_BACKGROUND_DA = {"parent_education": "forældrenes uddannelse", "sex": "køn",
                  "language": "sprog derhjemme"}


# ======================================================================================
# the plan as dataclasses
# ======================================================================================


@dataclass
class Indicator:
    """What a goal is measured by.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    measure : str or None
        A ``measure_id`` of the dataset (not used by ``coverage``).
    department : str or None
        A ``department_id`` of the institution, to follow one department (stue, class)
        instead of the whole institution.
    """

    kind: str
    measure: str | None = None
    department: str | None = None


@dataclass
class Action:
    """One action: what is done, who is responsible, and by when."""

    what: str
    who: str
    deadline: date


@dataclass
class Goal:
    """A goal tied to an indicator: from its value in ``baseline`` to ``target`` by
    ``target_round``; ``signs`` are the signs (tegn) the team will look for."""

    goal: str
    indicator: Indicator
    baseline: str
    target: float
    target_round: str
    signs: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


@dataclass
class FocusArea:
    """A focus area (indsatsområde) of the plan with its goals."""

    focus: str
    goals: list[Goal] = field(default_factory=list)
    description: str | None = None


@dataclass
class Plan:
    """A strategic action plan of one institution.

    ``path`` is the file it was read from and ``lines`` maps a field (as in the problem
    table, e.g. ``"focus_areas[1].goals[2].target"``) to its line in that file; neither
    takes part in comparisons.
    """

    institution: str
    title: str
    created: date
    focus_areas: list[FocusArea] = field(default_factory=list)
    description: str | None = None
    path: Path | None = field(default=None, compare=False, repr=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def goals(self) -> list[tuple[FocusArea, Goal]]:
        """Every goal with its focus area, in plan order."""
        return [(fa, g) for fa in self.focus_areas for g in fa.goals]


# ======================================================================================
# problem messages: one table, in English and Danish
# ======================================================================================


@dataclass(frozen=True)
class _Message:
    """One problem message: ``(problem, action)`` templates in English and in Danish.

    The templates are :meth:`str.format` strings. The English ones use the message's
    parameters (plain text: ids, rounds, numbers as :func:`fmt_plain` writes them); the
    Danish ones use the same parameters and their Danish spellings from
    :func:`_danish_fields` (``target_da``, ``field_da`` …), which are computed from the
    parameters of the English *problem* only — so an English problem table can still be
    put into Danish (:func:`_danish_row`).
    """

    en: tuple[str, str]
    da: tuple[str, str]


_DA_MISSING = ("{Field_da} mangler.", "{missing_action}")
_DA_SHARE_SCALE = ("Målværdien skal være en andel mellem 0 % og 100 %.",
                   "Skriv målværdien i procent, fx 10.")
_DA_KIND_MISMATCH = ("Indikatoren passer ikke til målingen.",
                     "Vælg en anden kombination af indikator og måling.")
_DA_NOT_YAML = ("Filen kan ikke læses som YAML ({detail}).",
                "Tjek indrykning og koloner omkring linjen; sæt tekst med »: « i anførselstegn.")
_EN_TARGET_HELP = ("give the value the indicator should reach, e.g. target: 3.5 "
                   "(shares as 0.10 or '10 %')")

#: Every problem :func:`validate_plan`, :func:`load_plan` and :func:`plans_for` report,
#: by message id.
_MESSAGES: dict[str, _Message] = {
    # ------------------------------------------------------------ reading the file
    "not_utf8": _Message(
        ("the file is not UTF-8 text ({reason})",
         "save the plan as UTF-8 (most editors: 'Save with encoding')"),
        ("Filen er ikke gemt som UTF-8-tekst.",
         "Gem planen med tegnsættet UTF-8 (i de fleste editorer: »Gem som« › kodning).")),
    "empty_file": _Message(
        ("the plan file is empty", "write the plan as described in docs/plans.md"),
        ("Filen med planen er tom.", "Skriv planen som beskrevet i docs/plans.md.")),
    "yaml_syntax": _Message(
        ("not valid YAML: {detail}",
         "check the indentation and the colons near this line; put text containing ': ' or "
         "'#' in quotes"),
        _DA_NOT_YAML),
    "yaml_unreadable": _Message(
        ("not valid YAML: {detail}", "check the file against docs/plans.md"), _DA_NOT_YAML),
    "duplicate_field": _Message(
        ("the field '{key}' is given twice", "keep one of them (YAML would silently use the last)"),
        ("Feltet »{key}« står to gange.",
         "Behold det ene af dem (ellers bruges det sidste uden varsel).")),
    # ------------------------------------------------------------ the plan's structure
    "not_fields": _Message(
        ("{what} must be a set of fields (key: value), not {kind}",
         "write {what} as fields, see docs/plans.md"),
        ("{What_da} skal skrives som felter (navn: værdi), ikke som {kind_da}.",
         "Skriv {what_da} som felter, se docs/plans.md.")),
    "unknown_field": _Message(
        ("unknown field '{key}' in {what} is ignored", "{hint}known fields: {known}"),
        ("Feltet »{key}« kendes ikke og springes over.",
         "Tjek stavningen; felterne er beskrevet i docs/plans.md.")),
    "missing_text": _Message(("missing field '{key}'", "write {explain}"), _DA_MISSING),
    "empty_text": _Message(("the field '{key}' is empty", "write {explain}"), _DA_MISSING),
    "not_text": _Message(
        ("'{key}' must be a text, not {kind}", "write {explain} as one text"),
        ("Feltet »{key}« skal være en tekst, ikke {kind_da}.", "Skriv {field_da} som én tekst.")),
    "missing_date": _Message(
        ("missing field '{key}'", "write {explain} as a date, e.g. 2025-09-01"), _DA_MISSING),
    "empty_date": _Message(
        ("the field '{key}' is empty", "write {explain} as a date, e.g. 2025-09-01"),
        _DA_MISSING),
    "bad_date": _Message(
        ("'{value}' is not a valid date",
         "write the date as YYYY-MM-DD (e.g. 2025-09-01) or DD.MM.YYYY"),
        ("»{value}« er ikke en gyldig dato.", "Skriv datoen som 01.09.2025.")),
    "missing_list": _Message(
        ("missing field '{key}'", "give at least one {item} as a list ('- ...' lines)"),
        _DA_MISSING),
    "empty_list_field": _Message(
        ("the field '{key}' is empty", "give at least one {item} as a list ('- ...' lines)"),
        _DA_MISSING),
    "not_list": _Message(
        ("'{key}' must be a list, not {kind}",
         "write each {item} on its own line starting with '- '"),
        ("Feltet »{key}« skal være en liste, ikke {kind_da}.",
         "Skriv hvert punkt på sin egen linje, der begynder med »- «.")),
    "empty_list": _Message(("'{key}' is an empty list", "give at least one {item}"),
                           _DA_MISSING),
    "bad_sign": _Message(
        ("a sign must be a short text",
         "describe what you will see or hear when the goal is being reached"),
        ("Et tegn skal være en kort tekst.",
         "Beskriv, hvad I vil se eller høre, når I er på vej mod målet.")),
    "missing_indicator": _Message(
        ("missing field '{key}'",
         "tie the goal to the data: indicator: {{kind: mean, measure: sprog}} (kinds: {kinds})"),
        _DA_MISSING),
    "unknown_kind": _Message(
        ("unknown indicator kind '{kind}'", "{hint}use one of: {kinds}"),
        ("Indikatoren »{kind}« kendes ikke.", f"Brug en af: {', '.join(KINDS)}.")),
    "missing_measure": _Message(
        ("missing field '{key}' (kind '{kind}' needs one)",
         "give the measure_id from measures.csv, e.g. measure: sprog"),
        _DA_MISSING),
    "coverage_measure": _Message(
        ("kind 'coverage' uses no measure; it is ignored", "remove 'measure' from this indicator"),
        ("Indikatoren »coverage« (dokumentation af tegn på læring) bruger ingen måling, så "
         "målingen springes over.", "Fjern »measure« fra indikatoren.")),
    "missing_target": _Message(("missing field '{key}'", _EN_TARGET_HELP), _DA_MISSING),
    "empty_target": _Message(("the field '{key}' is empty", _EN_TARGET_HELP), _DA_MISSING),
    "target_not_number": _Message(
        ("the target '{value}' is not a number",
         "write a number (3.5 or 3,5; shares as 0.10 or '10 %')"),
        ("Målværdien »{value}« er ikke et tal.", "Skriv et tal, fx 3,5 (andele i procent: 10).")),
    "percent_not_share": _Message(
        ("a percentage target '{value}' for kind '{kind}'",
         "only share_low and coverage are shares; give a value on the measure's scale"),
        ("Målværdien »{value}« er skrevet i procent, men indikatoren er ikke en andel.",
         "Skriv en værdi på målingens skala, fx 3,5.")),
    "share_as_percent": _Message(
        ("the target {value} is outside the scale: kind '{kind}' is a share between 0 and 1",
         "write the share as {as_share} or '{as_percent} %'"),
        _DA_SHARE_SCALE),
    "share_out_of_range": _Message(
        ("the target {value} is outside the scale: kind '{kind}' is a share between 0 and 1",
         "give a share between 0 and 1"),
        _DA_SHARE_SCALE),
    # ------------------------------------------------------------ against the data
    "unknown_institution": _Message(
        ("unknown institution '{institution}'",
         "use an institution_id from units.csv{suggestion}"),
        ("Data kender ikke dagtilbuddet/skolen »{institution}«.",
         "Vælg en af dem, der findes i data.")),
    "unknown_measure": _Message(
        ("unknown measure '{measure}'", "use a measure_id from measures.csv{suggestion}"),
        ("Data kender ikke målingen »{measure}«.", "Vælg en af dem, der findes i data.")),
    "staff_needs_staff_measure": _Message(
        ("kind 'staff' needs a staff survey measure (subject respondent); '{measure}' "
         "describes a {subject}",
         "use kind 'mean' for this measure, or a staff measure: {staff}"),
        _DA_KIND_MISMATCH),
    "staff_measure_as_mean": _Message(
        ("'{measure}' is a staff survey measure",
         "use kind 'staff' for it (it is computed the same way)"),
        ("Målingen er en medarbejdermåling.",
         "Vælg »Medarbejdernes svar (kultur)« som indikator.")),
    "needs_child_measure": _Message(
        ("kind '{kind}' needs a measure of the children; '{measure}' describes a {subject}",
         "use kind 'mean' or 'staff', or a child measure"),
        _DA_KIND_MISMATCH),
    "no_low_cut": _Message(
        ("the measure '{measure}' has no low_cut, so there is no share of low scores",
         "use kind 'mean', or add low_cut to measures.csv"),
        _DA_KIND_MISMATCH),
    "no_goals_table": _Message(
        ("the dataset has no goals table, so coverage cannot be followed",
         "add goals.csv to the data, or tie the goal to another indicator"),
        ("Data har ingen oplysninger om dokumentation af tegn på læring.",
         "Knyt målet til en anden indikator.")),
    "unknown_department": _Message(
        ("unknown department '{department}'", "use a department_id from units.csv{suggestion}"),
        ("Data kender ikke stuen/gruppen/klassen »{department}«.",
         "Vælg en af dem, der findes i data.")),
    "foreign_department": _Message(
        ("the department '{department}' does not belong to institution '{institution}'",
         "use one of the institution's departments: {own}"),
        ("Stuen/gruppen »{department}« hører ikke til dette hus.",
         "Vælg en af husets egne stuer/grupper.")),
    "unknown_baseline_round": _Message(
        ("unknown round '{round}'", "the baseline must be a round of the data: {rounds}"),
        ("Data kender ikke målingen »{round}«.", "Vælg en af dem, der findes i data.")),
    "unknown_target_round": _Message(
        ("unknown round '{round}'", "use a round of the data ({rounds}){later}"),
        ("Data kender ikke målingen »{round}«.", "Vælg en af dem, der findes i data.")),
    "target_round_not_after": _Message(
        ("the target round {target_round} is {relation} the baseline {baseline_round}",
         "the target must be reached in a later round than the baseline"),
        ("Målet skal nås i {target_round}, men det er {relation_da} udgangspunktet "
         "{baseline_round}.", "Vælg en senere måling end udgangspunktet.")),
    "target_off_scale": _Message(
        ("the target {target} is outside the scale of {what} ({lo} to {hi})",
         "give a target on the indicator's scale"),
        ("Målværdien {target_da} ligger uden for målingens skala ({lo_da} til {hi_da}).",
         "Sæt en målværdi på målingens skala.")),
    "target_off_share_scale": _Message(
        ("the target {target} is outside the scale of {what} (0–1 (0 % to 100 %))",
         "give a target on the indicator's scale"),
        _DA_SHARE_SCALE),
    "baseline_without_value": _Message(
        ("{what} has no value in the baseline round {round} ({why}), so progress cannot be "
         "measured from it",
         "choose another baseline round, or follow the whole institution instead of one "
         "department"),
        ("Indikatoren har ingen værdi i udgangspunktet {round} ({why_da}), så fremgangen kan "
         "ikke måles derfra.",
         "Vælg en anden måling som udgangspunkt, eller følg hele huset i stedet for én stue "
         "eller gruppe.")),
    "target_wrong_side": _Message(
        ("the target {target} is on the wrong side of the baseline {baseline} ({round}): "
         "{better} is better for {what}",
         "set a target {direction} {baseline}, or check the indicator kind and measure"),
        ("Målværdien {target_da} er {worse_da} end udgangspunktet {baseline_da} i {round}, "
         "men for denne indikator er {better_da} bedre.",
         "Sæt en målværdi {side_da} {baseline_da}, eller tjek at I har valgt den rigtige "
         "indikator.")),
    "target_equals_baseline": _Message(
        ("the target equals the baseline {baseline}",
         "fine for a goal of holding the level; otherwise set a target beyond it"),
        ("Målværdien er den samme som udgangspunktet ({baseline_da}).",
         "Det er fint, hvis målet er at fastholde niveauet. Ellers sæt en målværdi, der er "
         "bedre end udgangspunktet.")),
    "deadline_before_plan": _Message(
        ("the deadline {deadline} is before the plan was created ({created})",
         "check the year of the deadline"),
        ("Fristen {deadline_da} ligger før planens dato {created_da}.",
         "Tjek årstallet for fristen.")),
    # ------------------------------------------------------------ the plans of a dataset
    "second_plan": _Message(
        ("a second plan for institution {institution} (the first is {first})",
         "keep one plan file per institution"),
        ("Endnu en plan for {institution} (den første er {first}).",
         "Behold én planfil pr. dagtilbud/skole.")),
}

#: Languages of the problem texts.
_LANGUAGES = ("en", "da")

#: The fields of a plan as a Danish reader names them ("where" in a Danish problem table).
_FIELD_DA = {
    "institution": "dagtilbud", "title": "titel", "created": "dato", "description": "beskrivelse",
    "focus_areas": "fokusområder", "focus": "navnet på fokusområdet", "goals": "mål",
    "goal": "målet", "indicator": "indikator", "kind": "indikator", "measure": "måling",
    "department": "stue/gruppe", "baseline": "udgangspunkt", "target": "målværdi",
    "target_round": "målet nås i", "signs": "tegn", "actions": "handlinger", "what": "hvad",
    "who": "ansvarlig", "deadline": "frist",
}

#: What to do about a missing field, in Danish.
_MISSING_ACTION_DA = {
    "focus_areas": "Tilføj mindst ét fokusområde.",
    "goals": "Tilføj mindst ét mål til fokusområdet.",
    "signs": "Skriv mindst ét tegn: hvad vil I se eller høre, når I er på vej mod målet?",
    "actions": "Tilføj mindst én handling med hvad, hvem og en frist.",
    "indicator": "Vælg, hvad målet følges med i data.",
    "measure": "Vælg den måling, målet følges med.",
    "target": "Skriv den værdi, indikatoren skal nå.",
    "baseline": "Vælg den måling, planen tager udgangspunkt i.",
    "target_round": "Vælg den måling, hvor målet skal være nået.",
    "created": "Vælg datoen for planen.",
}

#: English words in message parameters and their Danish versions, by parameter.
_WORDS_DA = {
    "relation": {"the same as": "den samme som", "before": "før"},
    "why": {"too few persons": "for få personer", "no data": "ingen data"},
    "better": {"higher": "højere", "lower": "lavere"},
    "what": {"the plan": "planen", "a focus area": "et fokusområde", "a goal": "et mål",
             "the indicator": "indikatoren", "an action": "en handling"},
}


def _check_lang(lang: str) -> str:
    if lang not in _LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(map(repr, _LANGUAGES))}, not {lang!r}")
    return lang


def _num_da(text: str, share: bool = False) -> str:
    """A number from an English message in Danish: ``3.5`` → ``3,5``; a share → ``35 %``."""
    try:
        x = float(text)
    except ValueError:
        return text
    if share:
        return fmt_percent(x, 0 if abs(round(x * 100) - x * 100) < 1e-9 else 1)
    return f"{x:.6g}".replace(".", ",")


def _kind_of_da(kind: str) -> str:
    """:func:`_kind_of`'s English description of a value, in Danish."""
    m = re.fullmatch(r"the value '(.*)'", kind, re.S)
    if m:
        return f"værdien »{m.group(1)}«"
    return {"a set of fields": "en række felter", "a list": "en liste",
            "empty": "tom"}.get(kind, kind)


def _danish_fields(params: dict[str, Any], share: bool = False) -> dict[str, Any]:
    """A message's parameters plus their Danish spellings, for the Danish templates.

    ``share`` says that the goal's indicator is a share (``share_low``, ``coverage``):
    its target and baseline are then written in percent.
    """
    p = dict(params)
    if "key" in p:
        key = str(p["key"])
        p["field_da"] = _FIELD_DA.get(key, key)
        p["Field_da"] = p["field_da"][:1].upper() + p["field_da"][1:]
        p["missing_action"] = _MISSING_ACTION_DA.get(key, "Udfyld feltet.")
    for name in ("target", "baseline"):
        if name in p:
            p[f"{name}_da"] = _num_da(str(p[name]), share)
    for name in ("lo", "hi"):
        if name in p:
            p[f"{name}_da"] = _num_da(str(p[name]))
    for name in ("deadline", "created"):
        if name in p:
            p[f"{name}_da"] = date.fromisoformat(str(p[name])).strftime("%d.%m.%Y")
    for name, words in _WORDS_DA.items():
        if name in p:
            p[f"{name}_da"] = words.get(str(p[name]), str(p[name]))
    if "what_da" in p:
        p["What_da"] = p["what_da"][:1].upper() + p["what_da"][1:]
    if "better" in p:
        higher = p["better"] == "higher"
        p["side_da"] = "over" if higher else "under"
        p["worse_da"] = "lavere" if higher else "højere"
    if "kind" in p:
        p["kind_da"] = _kind_of_da(str(p["kind"]))
    if "detail" in p:
        p["detail"] = str(p["detail"]).strip()
    return p


def _message(msg: str, lang: str, *, share: bool = False, **params: Any) -> tuple[str, str]:
    """The (problem, action) of message ``msg`` in ``lang`` with its parameters filled in."""
    m = _MESSAGES[msg]
    if lang == "da":
        fields = _danish_fields(params, share)
        return m.da[0].format(**fields), m.da[1].format(**fields)
    return m.en[0].format(**params), m.en[1].format(**params)


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regular expression matching what ``template`` formats to, one group per field."""
    out, seen = "", set()
    for literal, name, _, _ in string.Formatter().parse(template):
        out += re.escape(literal)
        if name is not None:
            out += f"(?P={name})" if name in seen else f"(?P<{name}>.*?)"
            seen.add(name)
    return re.compile(out, re.S)


#: The English problem templates as patterns, the most specific (most literal text) first.
_PATTERNS = sorted(
    ((msg, _template_pattern(m.en[0])) for msg, m in _MESSAGES.items()),
    key=lambda item: -len(re.sub(r"\{[^{}]*\}", "", _MESSAGES[item[0]].en[0])))


def _identify(problem: str) -> tuple[str, dict[str, str]] | None:
    """The message id and parameters of an English problem text, or None."""
    for msg, pattern in _PATTERNS:
        m = pattern.fullmatch(problem)
        if m:
            return msg, m.groupdict()
    return None


# ---------------------------------------------------------------- where, in Danish


def _short_da(s: Any, width: int = 40) -> str:
    s = str(s)
    return s if len(s) <= width else s[: width - 1] + "…"


def _name(value: Any) -> str | None:
    """A focus area's or goal's name from plan data, if it is a (non-empty) scalar."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip() or None


def _outline(source: Plan | dict | None) -> list[tuple[str | None, list[str | None]]]:
    """Per focus area: its name and its goals' texts — of a :class:`Plan` or of the raw
    YAML data of a plan file (which may be broken anywhere)."""
    if isinstance(source, Plan):
        return [(fa.focus, [g.goal for g in fa.goals]) for fa in source.focus_areas]
    areas = source.get("focus_areas") if isinstance(source, dict) else None
    out: list[tuple[str | None, list[str | None]]] = []
    for fa in areas if isinstance(areas, list) else []:
        if not isinstance(fa, dict):
            out.append((None, []))
            continue
        goals = fa.get("goals")
        out.append((_name(fa.get("focus")),
                    [_name(g.get("goal")) if isinstance(g, dict) else None
                     for g in (goals if isinstance(goals, list) else [])]))
    return out


def _where_da(column: Any, plan: Plan | dict | None) -> str:
    """Where a problem is, in Danish: ``focus_areas[2].goals[1].target`` →
    "Fokusområde 2 »Sprog« › mål 1 › målværdi" (the names from ``plan``: a Plan or the raw
    data of a plan file; a goal's name replaces its focus area's)."""
    if not isinstance(column, str) or not column or column == "(plan)":
        return "Planen"
    outline = _outline(plan)
    parts = re.findall(r"([a-z_]+)(?:\[(\d+)\])?", column)
    out: list[str] = []
    goals: list[str | None] | None = None
    for key, idx in parts:
        i = int(idx) if idx else None
        if key == "focus_areas" and i is not None:
            name = ""
            if i - 1 < len(outline):
                focus, goals = outline[i - 1]
                name = f" »{_short_da(focus)}«" if focus else ""
            out.append(f"Fokusområde {i}{name}")
        elif key == "goals" and i is not None:
            name = ""
            if goals is not None and i - 1 < len(goals):
                goal = goals[i - 1]
                name = f" »{_short_da(goal)}«" if goal else ""
            if name and out:
                out[-1] = re.sub(r" ».*«$", "", out[-1])
            out.append(f"mål {i}{name}")
        elif key == "actions" and i is not None:
            out.append(f"handling {i}")
        elif key == "signs" and i is not None:
            out.append(f"tegn {i}")
        elif key == "indicator":
            continue
        else:
            out.append(_FIELD_DA.get(key, key) + (f" {i}" if i is not None else ""))
    text = " › ".join(out) if out else "Planen"
    return text[:1].upper() + text[1:]


def _is_share_goal(plan: Plan | None, column: Any) -> bool:
    """Whether the goal that ``column`` points into is followed by a share."""
    m = re.match(r"focus_areas\[(\d+)\]\.goals\[(\d+)\]", str(column or ""))
    if not isinstance(plan, Plan) or not m:
        return False
    try:
        g = plan.focus_areas[int(m.group(1)) - 1].goals[int(m.group(2)) - 1]
    except IndexError:
        return False
    return bool(g is not None and g.indicator is not None and g.indicator.kind in _SHARE_KINDS)


def _danish_row(row: dict[str, Any], plan: Plan | None) -> tuple[str, str]:
    """Danish (problem, action) for a row of an English problem table from this module
    (found by its message's English template); other text is kept after "Problem i
    planen:"."""
    problem = str(row.get("problem") or "")
    found = _identify(problem)
    if found is None:
        return f"Problem i planen: {problem}.", f"{row.get('action') or ''}"
    msg, params = found
    return _message(msg, "da", share=_is_share_goal(plan, row.get("column")), **params)


def _in_lang(log: ProblemLog, lang: str, names: Plan | dict | None) -> pd.DataFrame:
    """The log's problem table, with ``column`` in Danish ("where") when ``lang`` is da."""
    frame = log.frame()
    if lang == "da" and len(frame):
        frame["column"] = [_where_da(c, names) for c in frame["column"]]
    return frame


# ======================================================================================
# reading YAML with line numbers
# ======================================================================================

Path_ = tuple[Any, ...]


def _field(path: Path_) -> str:
    """A field path as shown in the problem table: ``focus_areas[1].goals[2].target``
    (list positions counted from 1)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(plan)"


class _Lines:
    """Line numbers of the fields of a YAML document (1-based, as an editor shows)."""

    def __init__(self, lines: dict[str, int] | None = None) -> None:
        self.lines = dict(lines or {})

    def of(self, path: Path_) -> int | None:
        """The line of ``path``, or of the nearest enclosing field that has one."""
        path = tuple(path)
        while True:
            key = _field(path)
            if key in self.lines:
                return self.lines[key]
            if not path:
                return None
            path = path[:-1]


def _walk_lines(node: yaml.Node, path: Path_, lines: dict[str, int], dupes: list) -> None:
    lines.setdefault(_field(path), node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for knode, vnode in node.value:
            key = str(knode.value) if isinstance(knode, yaml.ScalarNode) else "?"
            if key in seen:
                dupes.append((path + (key,), knode.start_mark.line + 1))
            seen.add(key)
            # a field's line is the line of its key (where the user looks for it)
            lines[_field(path + (key,))] = knode.start_mark.line + 1
            _walk_lines(vnode, path + (key,), lines, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk_lines(item, path + (i,), lines, dupes)


class _PlanLoader(yaml.SafeLoader):
    """Safe YAML loading, with dates kept as text so a bad date becomes a problem row
    (PyYAML's own date constructor raises on e.g. 2015-02-30)."""


_PlanLoader.add_constructor("tag:yaml.org,2002:timestamp",
                            lambda loader, node: loader.construct_scalar(node))


def _read_yaml(path: Path, file: str, log: ProblemLog, lang: str = "en") -> tuple[Any, _Lines]:
    def error(msg: str, line: int | None = None, column: str | None = None,
              **params: Any) -> None:
        problem, action = _message(msg, lang, **params)
        log.error(file=file, line=line, column=column, problem=problem, action=action)

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        error("not_utf8", reason=exc.reason)
        return None, _Lines()
    loader = _PlanLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            error("empty_file", line=1)
            return None, _Lines()
        lines: dict[str, int] = {}
        dupes: list = []
        _walk_lines(node, (), lines, dupes)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "cannot be read"
        error("yaml_syntax", line=line, detail=what)
        return None, _Lines()
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # pragma: no cover - rare
        error("yaml_unreadable", detail=exc)
        return None, _Lines()
    finally:
        loader.dispose()
    for dpath, line in dupes:
        error("duplicate_field", line=line, column=_field(dpath), key=dpath[-1])
    return data, _Lines(lines)


# ======================================================================================
# structural checks (no data needed): raw YAML -> Plan
# ======================================================================================


class _Checker:
    """Turns the raw YAML structure into a :class:`Plan`, logging every problem."""

    def __init__(self, file: str, lines: _Lines, log: ProblemLog, lang: str = "en") -> None:
        self.file, self.lines, self.log, self.lang = file, lines, log, lang

    def error(self, path: Path_, msg: str, value: Any = None, /, **params: Any) -> None:
        """Log message ``msg`` (an id of :data:`_MESSAGES`) with its ``params`` as an error
        at ``path``; ``value`` is what the problem table shows in its value column."""
        problem, action = _message(msg, self.lang, **params)
        self.log.error(file=self.file, line=self.lines.of(path), column=_field(path),
                       value=value, problem=problem, action=action)

    def warning(self, path: Path_, msg: str, value: Any = None, /, **params: Any) -> None:
        """Log message ``msg`` as a warning at ``path``."""
        problem, action = _message(msg, self.lang, **params)
        self.log.warning(file=self.file, line=self.lines.of(path), column=_field(path),
                         value=value, problem=problem, action=action)

    def absent(self, path: Path_, m: dict, key: str, missing: str, empty: str,
               **params: Any) -> None:
        """Log that field ``key`` of ``m`` is missing (message ``missing``) or empty
        (message ``empty``)."""
        self.error(path + (key,), missing if key not in m else empty, key=key, **params)

    # ---------------------------------------------------------------- generic fields

    def mapping(self, raw: Any, path: Path_, what: str, keys: tuple[str, ...]) -> dict | None:
        if not isinstance(raw, dict):
            self.error(path, "not_fields", _short(raw), what=what, kind=_kind_of(raw))
            return None
        for key in raw:
            if str(key) not in keys:
                close = difflib.get_close_matches(str(key), keys, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.warning(path + (str(key),), "unknown_field", key, key=key, what=what,
                             hint=hint, known=", ".join(keys))
        return raw

    def text(self, m: dict, key: str, path: Path_, *, required: bool = True) -> str | None:
        value = m.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.absent(path, m, key, "missing_text", "empty_text",
                            explain=_EXPLAIN.get(key, key))
            return None
        if isinstance(value, dict | list):
            self.error(path + (key,), "not_text", _short(value), key=key, kind=_kind_of(value),
                       explain=_EXPLAIN.get(key, key))
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def date(self, m: dict, key: str, path: Path_) -> date | None:
        value = m.get(key)
        if value is None or value == "":
            self.absent(path, m, key, "missing_date", "empty_date",
                        explain=_EXPLAIN.get(key, key))
            return None
        parsed = _parse_date(value)
        if parsed is None:
            self.error(path + (key,), "bad_date", value, value=value)
        return parsed

    def items(self, m: dict, key: str, path: Path_, what: str) -> list:
        value = m.get(key)
        if value is None:
            self.absent(path, m, key, "missing_list", "empty_list_field", item=what)
            return []
        if not isinstance(value, list):
            self.error(path + (key,), "not_list", _short(value), key=key, kind=_kind_of(value),
                       item=what)
            return []
        if not value:
            self.error(path + (key,), "empty_list", key=key, item=what)
        return value

    # ---------------------------------------------------------------- the plan

    def plan(self, raw: Any) -> Plan | None:
        m = self.mapping(raw, (), "the plan", _PLAN_KEYS)
        if m is None:
            return None
        institution = self.text(m, "institution", ())
        title = self.text(m, "title", ())
        created = self.date(m, "created", ())
        description = self.text(m, "description", (), required=False)
        areas = [self.focus_area(fa, ("focus_areas", i))
                 for i, fa in enumerate(self.items(m, "focus_areas", (), "focus area"))]
        return Plan(institution=institution, title=title, created=created,  # type: ignore[arg-type]
                    focus_areas=[a for a in areas if a is not None], description=description,
                    lines=dict(self.lines.lines))

    def focus_area(self, raw: Any, path: Path_) -> FocusArea | None:
        m = self.mapping(raw, path, "a focus area", _FOCUS_KEYS)
        if m is None:
            return None
        focus = self.text(m, "focus", path)
        description = self.text(m, "description", path, required=False)
        goals = [self.goal(g, path + ("goals", i))
                 for i, g in enumerate(self.items(m, "goals", path, "goal"))]
        return FocusArea(focus=focus, goals=[g for g in goals if g is not None],  # type: ignore[arg-type]
                         description=description)

    def goal(self, raw: Any, path: Path_) -> Goal | None:
        m = self.mapping(raw, path, "a goal", _GOAL_KEYS)
        if m is None:
            return None
        text = self.text(m, "goal", path)
        indicator = self.indicator(m, path)
        baseline = self.text(m, "baseline", path)
        target_round = self.text(m, "target_round", path)
        target = self.target(m, path, indicator.kind if indicator else None)
        signs_raw = self.items(m, "signs", path, "sign (tegn) the team will look for")
        signs = []
        for i, s in enumerate(signs_raw):
            if s is None or isinstance(s, dict | list) or not str(s).strip():
                self.error(path + ("signs", i), "bad_sign", _short(s))
            else:
                signs.append(str(s).strip())
        actions = [self.action(a, path + ("actions", i))
                   for i, a in enumerate(self.items(m, "actions", path, "action"))]
        return Goal(goal=text, indicator=indicator, baseline=baseline,  # type: ignore[arg-type]
                    target=target, target_round=target_round, signs=signs,  # type: ignore[arg-type]
                    actions=[a for a in actions if a is not None])

    def indicator(self, m: dict, path: Path_) -> Indicator | None:
        ipath = path + ("indicator",)
        if "indicator" not in m or m["indicator"] is None:
            self.error(ipath, "missing_indicator", key="indicator", kinds=", ".join(KINDS))
            return None
        im = self.mapping(m["indicator"], ipath, "the indicator", _INDICATOR_KEYS)
        if im is None:
            return None
        kind = self.text(im, "kind", ipath)
        if kind is not None and kind not in KINDS:
            close = ([_KIND_SYNONYMS[kind.lower()]] if kind.lower() in _KIND_SYNONYMS
                     else difflib.get_close_matches(kind, KINDS, n=1))
            hint = f"did you mean '{close[0]}'? " if close else ""
            self.error(ipath + ("kind",), "unknown_kind", kind, kind=kind, hint=hint,
                       kinds=", ".join(KINDS))
            kind = None
        measure = self.text(im, "measure", ipath, required=False)
        if kind in _MEASURE_KINDS and measure is None:
            self.error(ipath + ("measure",), "missing_measure", key="measure", kind=kind)
        if kind == "coverage" and measure is not None:
            self.warning(ipath + ("measure",), "coverage_measure", measure)
            measure = None
        department = self.text(im, "department", ipath, required=False)
        # kind None (missing or unknown): the measure and department are still checked
        return Indicator(kind=kind, measure=measure, department=department)  # type: ignore[arg-type]

    def target(self, m: dict, path: Path_, kind: str | None) -> float | None:
        tpath = path + ("target",)
        value = m.get("target")
        if value is None or value == "":
            self.absent(path, m, "target", "missing_target", "empty_target")
            return None
        number, percent = _parse_number(value)
        if number is None:
            self.error(tpath, "target_not_number", value, value=value)
            return None
        if percent:
            if kind is not None and kind not in _SHARE_KINDS:
                self.error(tpath, "percent_not_share", value, value=value, kind=kind)
                return None
            number /= 100.0
        elif kind in _SHARE_KINDS and not (0 <= number <= 1):
            if 1 < number <= 100:
                self.error(tpath, "share_as_percent", value, value=value, kind=kind,
                           as_share=f"{number / 100:g}", as_percent=fmt_plain(number))
            else:
                self.error(tpath, "share_out_of_range", value, value=value, kind=kind)
            return None
        return float(number)

    def action(self, raw: Any, path: Path_) -> Action | None:
        m = self.mapping(raw, path, "an action", _ACTION_KEYS)
        if m is None:
            return None
        what = self.text(m, "what", path)
        who = self.text(m, "who", path)
        deadline = self.date(m, "deadline", path)
        return Action(what=what, who=who, deadline=deadline)  # type: ignore[arg-type]


_EXPLAIN = {
    "institution": "the institution_id of the institution (as in units.csv), e.g. I01",
    "title": "a title for the plan",
    "created": "the date the plan was made",
    "focus": "the name of the focus area",
    "goal": "the goal in one sentence",
    "baseline": "the round the plan starts from (its baseline), e.g. T1",
    "target_round": "the round the target should be reached by, e.g. T3",
    "kind": f"the indicator kind ({', '.join(KINDS)})",
    "what": "what will be done",
    "who": "who is responsible",
    "deadline": "the deadline",
}


def fmt_plain(x: float) -> str:
    """A number without trailing zeros (``10``, ``12.5``) for messages."""
    return f"{x:g}"


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"the value '{_short(value)}'"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text).date()  # also "2015-06-11 10:00"
    except ValueError:
        pass
    for fmt in ("%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_NUMBER = re.compile(r"^\s*([+\-\u2212]?\d+(?:[.,]\d+)?)\s*(%|pct\.?|procent)?\s*$", re.I)


def _parse_number(value: Any) -> tuple[float | None, bool]:
    """A number from YAML: 3.5, "3,5", "10 %" (-> 10.0, True). Booleans are not numbers."""
    if isinstance(value, bool):
        return None, False
    if isinstance(value, int | float):
        return (float(value), False) if math.isfinite(float(value)) else (None, False)
    m = _NUMBER.match(str(value))
    if not m:
        return None, False
    num = float(m.group(1).replace(",", ".").replace("\u2212", "-"))
    return num, m.group(2) is not None


# ======================================================================================
# load / write
# ======================================================================================


def _parse(path: str | Path, lang: str = "en") -> tuple[Plan | None, ProblemLog, _Lines, str, Any]:
    """Read and structurally check a plan file: (plan or None, log, lines, file name, the
    raw YAML data)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"plan file not found: {path}")
    file = path.name
    log = ProblemLog()
    raw, lines = _read_yaml(path, file, log, lang)
    plan = None
    if raw is not None or not log.has_errors:
        plan = _Checker(file, lines, log, lang).plan(raw)
    if plan is not None:
        plan.path = path
    return plan, log, lines, file, raw


def load_plan(path: str | Path, *, lang: str = "en") -> Plan:
    """Read an action plan from a YAML file and check its structure.

    Parameters
    ----------
    path : str or Path
        The plan file (``.yaml``); the format is described in ``docs/plans.md``.
    lang : {"en", "da"}, default "en"
        The language of the problem table of a :class:`~llkit.errors.PlanError` (see
        :func:`validate_plan`).

    Returns
    -------
    Plan

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    PlanError
        With every structural problem (``.problems``: file, line, field in ``column``,
        value, problem, action) — missing fields, bad dates, unknown indicator kinds,
        targets that are not numbers or not shares. Whether the institution, measures
        and rounds exist is checked against a dataset by :func:`validate_plan`.

    Examples
    --------
    >>> plan = load_plan("data/sample/dagtilbud/plans/I03.yaml")
    >>> plan.institution, len(plan.goals) > 0
    ('I03', True)
    """
    plan, log, _, file, raw = _parse(path, _check_lang(lang))
    if log.has_errors or plan is None:
        raise PlanError(_in_lang(log, lang, raw), f"The action plan {file} has problems")
    return plan


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan as plain Python data in the YAML layout (what :func:`write_plan` writes)."""

    def clean(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if v is not None}

    def goal(g: Goal) -> dict[str, Any]:
        ind = g.indicator
        return clean({
            "goal": g.goal,
            "indicator": clean({"kind": ind.kind, "measure": ind.measure,
                                "department": ind.department}) if ind is not None else None,
            "baseline": g.baseline,
            "target": None if g.target is None else float(g.target),
            "target_round": g.target_round,
            "signs": list(g.signs),
            "actions": [clean({"what": a.what, "who": a.who, "deadline": a.deadline})
                        for a in g.actions],
        })

    return clean({
        "institution": plan.institution,
        "title": plan.title,
        "created": plan.created,
        "description": plan.description,
        "focus_areas": [clean({"focus": fa.focus, "description": fa.description,
                               "goals": [goal(g) for g in fa.goals]})
                        for fa in plan.focus_areas],
    })


def write_plan(plan: Plan, path: str | Path) -> Path:
    """Write a plan as YAML (UTF-8), atomically: a reader never sees half a file.

    Parameters
    ----------
    plan : Plan
    path : str or Path
        The file to write; its folder is created if needed. An existing file is replaced.

    Returns
    -------
    Path
        The written file. :func:`load_plan` reads it back to an equal plan (comments of
        a hand-written file are not kept).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(plan_to_dict(plan), allow_unicode=True, sort_keys=False,
                          default_flow_style=False, width=100)
    text = ("# Handleplan (llkit) – formatet er beskrevet i docs/plans.md\n" + body)
    return atomic_write(path, text)


# ======================================================================================
# checks against the data
# ======================================================================================


def _round_position(r: str, rounds: list[str]) -> float | None:
    """Position of a round in the dataset's order; rounds continuing a numbered series
    (``T4`` after ``T1``–``T3``) come after the known ones; other unknown rounds: None."""
    if r in rounds:
        return float(rounds.index(r))
    pat = re.compile(r"^(.*?)(\d+)$")
    parts = [pat.match(x) for x in rounds]
    m = pat.match(r)
    if not m or not parts or not all(parts):
        return None
    prefixes = {p.group(1) for p in parts}  # type: ignore[union-attr]
    if prefixes != {m.group(1)}:
        return None
    last = max(int(p.group(2)) for p in parts)  # type: ignore[union-attr]
    n = int(m.group(2))
    if n <= last:
        return None
    return float(len(rounds) - 1 + (n - last))


def _next_round(rounds: list[str]) -> str | None:
    m = re.match(r"^(.*?)(\d+)$", rounds[-1]) if rounds else None
    if not m:
        return None
    cand = f"{m.group(1)}{int(m.group(2)) + 1}"
    return cand if _round_position(cand, rounds) is not None else None


@dataclass
class _Info:
    """What the data says about one indicator: direction, scale, labels."""

    higher_is_better: bool
    lo: float
    hi: float
    share: bool
    label: str
    noun: str


def _indicator_info(ds: Dataset, ind: Indicator) -> _Info:
    labels = ds.profile.labels
    children = labels.get("children", "Børn").lower()
    if ind.kind == "coverage":
        deps = labels.get("departments", "Stuer/grupper").lower()
        return _Info(True, 0.0, 1.0, True,
                     f"Andel {deps} der dokumenterer tegn på læring", deps)
    m = ds.measures.set_index("measure_id").loc[ind.measure]
    hib = bool(m["higher_is_better"])
    smin, smax = float(m["scale_min"]), float(m["scale_max"])
    label = str(m["label"])
    if ind.kind == "share_low":
        return _Info(False, 0.0, 1.0, True, f"Andel {children} med lav score – {label}", children)
    if ind.kind == "gap":
        width = smax - smin if not (math.isnan(smin) or math.isnan(smax)) else math.inf
        bg = ds.profile.gap_default[0]
        return _Info(False, -width, width, False,
                     f"Forskel efter {_BACKGROUND_DA.get(bg, bg)} – {label}", children)
    lo = -math.inf if math.isnan(smin) else smin
    hi = math.inf if math.isnan(smax) else smax
    if ind.kind == "staff":
        resp = labels.get("respondents", "Medarbejdere")
        return _Info(hib, lo, hi, False, f"{resp} – {label}", resp.lower())
    subject = str(m["subject"])
    noun = children if subject == "child" else labels.get("respondents", "Medarbejdere").lower()
    return _Info(hib, lo, hi, False, f"Gennemsnit – {label}", noun)


def indicator_info(ds: Dataset, indicator: Indicator) -> dict[str, Any]:
    """What the data says about an indicator: its Danish label and direction.

    Parameters
    ----------
    ds : Dataset
    indicator : Indicator
        A valid indicator (a known kind, and a known measure unless ``coverage``).

    Returns
    -------
    dict
        ``label`` (Danish, e.g. "Medarbejdere – Tillid"), ``higher_is_better`` (bool),
        ``share`` (True for ``share_low`` and ``coverage``: values in 0–1), ``lo`` and
        ``hi`` (the scale of the indicator; infinite when the measure has none) and
        ``noun`` (whom the numbers count, e.g. "børn").

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> indicator_info(ds, Indicator("share_low", "sprog"))["higher_is_better"]
    False
    """
    info = _indicator_info(ds, indicator)
    return {"label": info.label, "higher_is_better": info.higher_is_better,
            "share": info.share, "lo": info.lo, "hi": info.hi, "noun": info.noun}


def indicator_values(ds: Dataset, institution: str, indicator: Indicator) -> pd.DataFrame:
    """The indicator of an institution (or one of its departments) in every round.

    The same numbers :func:`plan_status` uses, e.g. to show a goal's baseline while the
    plan is written.

    Parameters
    ----------
    ds : Dataset
    institution : str
    indicator : Indicator

    Returns
    -------
    pandas.DataFrame
        One row per round with data, in round order: ``round``, ``n`` (children,
        respondents or teams), ``value``, ``ci_low``, ``ci_high`` (95 %; missing for
        ``coverage``, which counts all teams), ``suppressed`` and ``reason``.
        Suppressed values are missing, never shown.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> indicator_values(ds, "I03", Indicator("staff", "tillid"))["round"].tolist()
    ['T1', 'T2', 'T3']
    """
    series = _series(ds, institution, indicator, {})
    order = [str(r) for r in ds.meta.rounds]
    rows = []
    for r in order:
        if r not in series:
            continue
        v = series[r]
        hide = bool(v["suppressed"])
        rows.append({"round": r, "n": v["n"],
                     "value": np.nan if hide else float(v["value"]),
                     "ci_low": np.nan if hide else float(v["ci_low"]),
                     "ci_high": np.nan if hide else float(v["ci_high"]),
                     "suppressed": hide, "reason": v.get("reason")})
    out = pd.DataFrame(rows, columns=["round", "n", "value", "ci_low", "ci_high",
                                      "suppressed", "reason"])
    out["n"] = pd.array(out["n"].tolist(), dtype="Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def default_plan_path(ds: Dataset, institution: str) -> Path | None:
    """Where an institution's plan lives: ``plans/<institution>.yaml`` in the dataset
    folder (beside a workbook); None for a dataset not read from disk."""
    folder = _plans_dir(ds)
    return None if folder is None else folder / f"{institution}.yaml"


def _check_data(plan: Plan, ds: Dataset, file: str, lines: _Lines, log: ProblemLog,
                cache: dict, lang: str = "en") -> None:
    def error(path: Path_, msg: str, value: Any = None, /, **params: Any) -> None:
        problem, action = _message(msg, lang, **params)
        log.error(file=file, line=lines.of(path), column=_field(path), value=value,
                  problem=problem, action=action)

    def warning(path: Path_, msg: str, value: Any = None, /, **params: Any) -> None:
        problem, action = _message(msg, lang, **params)
        log.warning(file=file, line=lines.of(path), column=_field(path), value=value,
                    problem=problem, action=action)

    org = ds.org
    inst_ids = sorted(org["institution_id"].astype(str).unique())
    institution = plan.institution
    inst_ok = institution is not None and institution in inst_ids
    if institution is not None and not inst_ok:
        error(("institution",), "unknown_institution", institution, institution=institution,
              suggestion=_suggest(institution, inst_ids))
    rounds = [str(r) for r in ds.meta.rounds]
    measures = ds.measures.set_index("measure_id")
    measure_ids = list(measures.index.astype(str))
    depts = org.set_index(org["department_id"].astype(str))
    for i, fa in enumerate(plan.focus_areas):
        for j, g in enumerate(fa.goals):
            gp: Path_ = ("focus_areas", i, "goals", j)
            ind = g.indicator
            ind_ok = (ind is not None and ind.kind is not None
                      and (ind.kind == "coverage" or ind.measure is not None))
            # ------------------------------------------------ measure and kind
            if ind is not None and ind.kind != "coverage" and ind.measure is not None:
                mp = gp + ("indicator", "measure")
                if ind.measure not in measure_ids:
                    error(mp, "unknown_measure", ind.measure, measure=ind.measure,
                          suggestion=_suggest(ind.measure, measure_ids))
                    ind_ok = False
                else:
                    m = measures.loc[ind.measure]
                    subject = str(m["subject"])
                    if ind.kind == "staff" and subject != "respondent":
                        staff = measures.index[measures["subject"] == "respondent"].astype(str)
                        error(gp + ("indicator", "kind"), "staff_needs_staff_measure", ind.kind,
                              measure=ind.measure, subject=subject, staff=", ".join(staff))
                        ind_ok = False
                    elif ind.kind == "mean" and subject == "respondent":
                        warning(gp + ("indicator", "kind"), "staff_measure_as_mean", ind.kind,
                                measure=ind.measure)
                    elif ind.kind in ("share_low", "gap") and subject != "child":
                        error(gp + ("indicator", "kind"), "needs_child_measure", ind.kind,
                              kind=ind.kind, measure=ind.measure, subject=subject)
                        ind_ok = False
                    elif ind.kind == "share_low" and pd.isna(m["low_cut"]):
                        error(mp, "no_low_cut", ind.measure, measure=ind.measure)
                        ind_ok = False
            if ind is not None and ind.kind == "coverage" and (ds.goals is None or ds.goals.empty):
                error(gp + ("indicator", "kind"), "no_goals_table", "coverage")
                ind_ok = False
            if ind is not None and ind.department is not None:
                dp = gp + ("indicator", "department")
                if ind.department not in depts.index:
                    error(dp, "unknown_department", ind.department, department=ind.department,
                          suggestion=_suggest(ind.department, list(depts.index)))
                    ind_ok = False
                elif inst_ok and str(depts.loc[ind.department, "institution_id"]) != institution:
                    own = sorted(org.loc[org["institution_id"] == institution, "department_id"]
                                 .astype(str))
                    error(dp, "foreign_department", ind.department, department=ind.department,
                          institution=institution, own=", ".join(own))
                    ind_ok = False
            # ------------------------------------------------ rounds
            pos_b = pos_t = None
            if g.baseline is not None:
                if g.baseline not in rounds:
                    error(gp + ("baseline",), "unknown_baseline_round", g.baseline,
                          round=g.baseline, rounds=", ".join(rounds))
                else:
                    pos_b = _round_position(g.baseline, rounds)
            if g.target_round is not None:
                pos_t = _round_position(g.target_round, rounds)
                if pos_t is None:
                    later = _next_round(rounds)
                    error(gp + ("target_round",), "unknown_target_round", g.target_round,
                          round=g.target_round, rounds=", ".join(rounds),
                          later=f" or a later one such as {later}" if later else "")
            if pos_b is not None and pos_t is not None and pos_t <= pos_b:
                error(gp + ("target_round",), "target_round_not_after", g.target_round,
                      target_round=g.target_round, baseline_round=g.baseline,
                      relation="the same as" if pos_t == pos_b else "before")
            # ------------------------------------------------ target vs scale and baseline
            if not (ind_ok and ind is not None and g.target is not None):
                continue
            info = _indicator_info(ds, ind)
            if not (info.lo <= g.target <= info.hi):
                if info.share:
                    error(gp + ("target",), "target_off_share_scale", fmt_plain(g.target),
                          target=fmt_plain(g.target), what=_what(ind))
                else:
                    error(gp + ("target",), "target_off_scale", fmt_plain(g.target),
                          target=fmt_plain(g.target), what=_what(ind), lo=fmt_plain(info.lo),
                          hi=fmt_plain(info.hi))
                continue
            if not inst_ok or pos_b is None:
                continue
            series = _series(ds, institution, ind, cache)
            row = series.get(g.baseline)
            if row is None or row["suppressed"] or pd.isna(row["value"]):
                why = ("too few persons" if row is not None and row["suppressed"]
                       else "no data")
                warning(gp + ("baseline",), "baseline_without_value", g.baseline,
                        what=_what(ind), round=g.baseline, why=why)
                continue
            b = float(row["value"])
            sign = 1 if info.higher_is_better else -1
            if sign * (g.target - b) < 0:
                error(gp + ("target",), "target_wrong_side", fmt_plain(g.target),
                      share=info.share, target=fmt_plain(round(g.target, 4)),
                      baseline=fmt_plain(round(b, 3)), round=g.baseline, what=_what(ind),
                      better="higher" if sign > 0 else "lower",
                      direction="above" if sign > 0 else "below")
            elif g.target == b:
                warning(gp + ("target",), "target_equals_baseline", fmt_plain(g.target),
                        share=info.share, baseline=fmt_plain(b))
            # ------------------------------------------------ dates
    if plan.created is not None:
        for i, fa in enumerate(plan.focus_areas):
            for j, g in enumerate(fa.goals):
                for k, a in enumerate(g.actions):
                    if a.deadline is not None and a.deadline < plan.created:
                        path = ("focus_areas", i, "goals", j, "actions", k, "deadline")
                        warning(path, "deadline_before_plan", a.deadline.isoformat(),
                                deadline=a.deadline.isoformat(),
                                created=plan.created.isoformat())


def _what(ind: Indicator) -> str:
    if ind.kind == "coverage":
        return "coverage (share of teams documenting signs of learning)"
    return f"{ind.kind} of '{ind.measure}'"


def _suggest(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(str(value), known, n=1)
    if close:
        return f" — did you mean '{close[0]}'?"
    shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    return f" ({shown})"


def _checked(plan_or_path: Plan | str | Path, ds: Dataset, cache: dict | None = None,
             lang: str = "en") -> tuple[Plan | None, pd.DataFrame]:
    cache = {} if cache is None else cache
    names: Plan | Any
    if isinstance(plan_or_path, Plan):
        plan0 = names = plan_or_path
        file = plan0.path.name if plan0.path is not None else "(plan)"
        lines = _Lines(plan0.lines)
        log = ProblemLog()
        plan = _Checker(file, lines, log, lang).plan(_raw(plan0))
        if plan is not None:
            plan.path = plan0.path
    else:
        plan, log, lines, file, names = _parse(plan_or_path, lang)
    if plan is not None:
        _check_data(plan, ds, file, lines, log, cache, lang)
    return plan, _in_lang(log, lang, names)


def _raw(plan: Plan) -> dict[str, Any]:
    """A Plan as the raw structure the checker reads (keeps None to report it missing)."""
    d = plan_to_dict(plan)
    for key in ("institution", "title", "created"):
        d.setdefault(key, None)
    return d


def validate_plan(plan_or_path: Plan | str | Path, ds: Dataset, *, lang: str = "en"
                  ) -> pd.DataFrame:
    """Check a plan, structurally and against a dataset; never raises for a bad plan.

    Parameters
    ----------
    plan_or_path : Plan or str or Path
        A plan file, or a :class:`Plan` (e.g. from :func:`new_plan`).
    ds : Dataset
        The data the plan's goals are tied to.
    lang : {"en", "da"}, default "en"
        The language of ``column``, ``problem`` and ``action``. In Danish (for the
        leadership team, e.g. in the action-plan editor) ``column`` says where in plain
        words — "Fokusområde 1 »Sprog« › mål 2 › målværdi" (the focus area and goal
        named from the plan) — instead of the field path. Every check has one message
        id with both texts, so the two languages always report the same rows.

    Returns
    -------
    pandas.DataFrame
        A problem table (columns ``severity``, ``file``, ``line``, ``column`` — the
        field, e.g. ``focus_areas[1].goals[2].target`` counted from 1 —, ``value``,
        ``problem``, ``action``); empty when the plan is fine. Errors: YAML syntax,
        missing or empty fields, bad dates, unknown indicator kind, unknown institution,
        measure, department or round, a target round not after the baseline, a target
        outside the indicator's scale or on the wrong side of the baseline value.
        Warnings: unknown fields, a baseline without a value (suppressed or no data),
        a deadline before the plan was made.

    Raises
    ------
    ValueError
        If ``lang`` is not "en" or "da".

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> plan = load_plan("data/sample/dagtilbud/plans/I03.yaml")
    >>> plan.focus_areas[0].goals[0].target_round = "T1"
    >>> row = validate_plan(plan, ds, lang="da").iloc[0]
    >>> row["problem"]
    'Målet skal nås i T1, men det er den samme som udgangspunktet T1.'
    >>> row["column"]
    'Fokusområde 1 › mål 1 »Medarbejderne oplever mere tillid til h…« › målet nås i'
    """
    _, problems = _checked(plan_or_path, ds, lang=_check_lang(lang))
    return problems


# ======================================================================================
# the indicator's values per round
# ======================================================================================


def _series(ds: Dataset, institution: str, ind: Indicator, cache: dict) -> dict[str, dict]:
    """Per round (str): n, value, ci_low, ci_high, suppressed, reason, sd, share CI —
    oriented so that the value is the indicator as the plan states it."""
    key = ("series", institution, ind.kind, ind.measure, ind.department)
    if key in cache:
        return cache[key]
    from llkit.stats import indicators

    level = "department" if ind.department else "institution"
    unit = ind.department or institution
    id_col = f"{level}_id"
    out: dict[str, dict] = {}
    if ind.kind in ("mean", "staff", "share_low"):
        tkey = ("summarize", ind.measure, level)
        if tkey not in cache:
            cache[tkey] = indicators.summarize(ds, ind.measure, by=level)
        t = cache[tkey]
        t = t[t[id_col].astype(str) == unit]
        for r in t.itertuples(index=False):
            share = ind.kind == "share_low"
            out[str(r.round)] = {
                "n": int(r.n),
                "value": r.share_low if share else r.mean,
                "ci_low": r.share_low_ci_low if share else r.ci_low,
                "ci_high": r.share_low_ci_high if share else r.ci_high,
                "sd": r.sd,
                "suppressed": bool(r.suppressed),
                "reason": str(r.suppressed_reason) if bool(r.suppressed) else None,
            }
    elif ind.kind == "gap":
        tkey = ("gap", ind.measure, level)
        if tkey not in cache:
            cache[tkey] = indicators.gap(ds, ind.measure, by=level)
        t = cache[tkey]
        t = t[t[id_col].astype(str) == unit]
        hib = bool(ds.measures.set_index("measure_id").loc[ind.measure, "higher_is_better"])
        sign = 1.0 if hib else -1.0
        for r in t.itertuples(index=False):
            lo, hi = sign * r.ci_low, sign * r.ci_high
            out[str(r.round)] = {
                "n": int(r.n_low + r.n_high),
                "value": sign * r.gap,
                "ci_low": min(lo, hi),
                "ci_high": max(lo, hi),
                "suppressed": bool(r.suppressed),
                "reason": "min_n" if bool(r.suppressed) else None,
            }
    elif ind.kind == "coverage":
        tkey = ("coverage", level)
        if tkey not in cache:
            cache[tkey] = indicators.coverage(ds, by=level)
        t = cache[tkey]
        t = t[t[id_col].astype(str) == unit] if len(t) else t
        for r in t.itertuples(index=False):
            out[str(r.round)] = {
                "n": int(r.teams),
                "k": int(r.teams_documenting),
                "value": float(r.share),
                "ci_low": np.nan,  # a count of all teams: nothing is estimated
                "ci_high": np.nan,
                "suppressed": False,
                "reason": None,
            }
    cache[key] = out
    return out


def _newcombe(p1: float, l1: float, u1: float, p2: float, l2: float, u2: float
              ) -> tuple[float, float, float]:
    """Difference ``p2 - p1`` of two independent shares with Newcombe's (1998, method 10)
    hybrid score interval, from each share's Wilson interval ``[l, u]``."""
    d = p2 - p1
    return (d, d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
            d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2))


def _change(ds: Dataset, ind: Indicator, institution: str, b_round: str, b: dict,
            l_round: str, v: dict, cache: dict) -> tuple[float, float, float]:
    """Change latest − baseline of the indicator with its 95 % interval."""
    from llkit.stats import numeric as stats

    if ind.kind in ("mean", "staff"):
        wd = stats.welch_difference(b["n"], b["value"], b["sd"], v["n"], v["value"], v["sd"])
        return (float(wd["diff"].iloc[0]), float(wd["ci_low"].iloc[0]),
                float(wd["ci_high"].iloc[0]))
    if ind.kind == "share_low":
        return _newcombe(b["value"], b["ci_low"], b["ci_high"],
                         v["value"], v["ci_low"], v["ci_high"])
    if ind.kind == "gap":
        from llkit.stats import indicators

        level = "department" if ind.department else "institution"
        unit = ind.department or institution
        t = indicators.gap(ds, ind.measure, by=level, round=[b_round, l_round])
        t = t[(t[f"{level}_id"].astype(str) == unit) & (t["round"].astype(str) == l_round)]
        hib = bool(ds.measures.set_index("measure_id").loc[ind.measure, "higher_is_better"])
        s = 1.0 if hib else -1.0
        r = t.iloc[0]
        lo, hi = s * r["change_ci_low"], s * r["change_ci_high"]
        return float(s * r["change_from_previous"]), float(min(lo, hi)), float(max(lo, hi))
    d = v["value"] - b["value"]  # coverage: counts, no sampling error
    return d, d, d


# ======================================================================================
# status
# ======================================================================================

_STATUS_COLUMNS = [
    "institution_id", "focus", "goal", "indicator", "kind", "measure_id", "department_id",
    "baseline_round", "baseline_value", "latest_round", "n", "latest_value", "ci_low",
    "ci_high", "target", "target_round", "higher_is_better", "suppressed", "status", "reason",
]


class _Fmt:
    """Danish formatting of an indicator's values in the reasons."""

    def __init__(self, share: bool, target: float) -> None:
        self.share = share
        if share:
            self.dec = 0 if abs(round(target * 100) - target * 100) < 1e-9 else 1
        else:
            self.dec = 1 if abs(round(target * 10) - target * 10) < 1e-9 else 2

    def v(self, x: float) -> str:
        return fmt_percent(x, self.dec) if self.share else fmt_number(x, self.dec)

    def iv(self, lo: float, hi: float) -> str:
        return fmt_interval(lo, hi, self.dec, percent=self.share)

    def signed(self, x: float) -> str:
        if self.share:
            return f"{fmt_number(100 * x, self.dec, sign=True)} procentpoint"
        return f"{fmt_number(x, self.dec, sign=True)} point"

    def change(self, lo: float, hi: float) -> str:
        if self.share:
            return fmt_interval(100 * lo, 100 * hi, self.dec) + " procentpoint"
        return fmt_interval(lo, hi, self.dec)


def _suppressed_reason(row: dict, rnd: str, min_n: int, noun: str) -> str:
    if row.get("reason") == "complementary":
        return (f"tallet for {rnd} vises ikke, så tal for færre end {min_n} {noun} ikke kan "
                "regnes ud")
    return f"færre end {min_n} {noun} i {rnd} – tallet vises ikke"


def _goal_status(ds: Dataset, plan: Plan, g: Goal, info: _Info, series: dict[str, dict],
                 cache: dict) -> dict[str, Any]:
    rounds = [str(r) for r in ds.meta.rounds]
    min_n = int(ds.meta.min_n)
    ind, t, b_round, t_round = g.indicator, float(g.target), g.baseline, g.target_round
    sign = 1 if info.higher_is_better else -1
    f = _Fmt(info.share, t)
    pos_b = _round_position(b_round, rounds)
    pos_t = _round_position(t_round, rounds)
    window = [r for r in rounds if pos_b <= _round_position(r, rounds) <= pos_t]
    with_data = [r for r in window if r in series]
    base = series.get(b_round)
    res: dict[str, Any] = {
        "baseline_value": np.nan, "latest_round": None, "n": pd.NA, "latest_value": np.nan,
        "ci_low": np.nan, "ci_high": np.nan, "suppressed": False, "p_claim": np.nan,
    }
    if base is not None and not base["suppressed"]:
        res["baseline_value"] = base["value"]

    def done(status: str, reason: str) -> dict[str, Any]:
        res["status"], res["reason"] = status, reason
        return res

    later = [r for r in with_data if r != b_round]
    if not with_data:
        return done("kan ikke vurderes", f"ingen data for indikatoren i {b_round}–{t_round}")
    latest = with_data[-1]
    v = series[latest]
    res.update(latest_round=latest, n=v["n"], suppressed=v["suppressed"])
    if not v["suppressed"]:
        res.update(latest_value=v["value"], ci_low=v["ci_low"], ci_high=v["ci_high"])
    target_measured = latest == t_round
    not_yet = f"ingen data for {t_round} endnu"
    if not later:
        return done("kan ikke vurderes", f"ingen data for {t_round} endnu – kun udgangspunktet "
                    f"{b_round}")
    if v["suppressed"]:
        return done("kan ikke vurderes", _suppressed_reason(v, latest, min_n, info.noun))
    val = float(v["value"])
    early = "" if target_measured else f" – allerede i {latest}, før målrunden {t_round}"
    side_good, side_bad = ("over", "under") if sign > 0 else ("under", "over")

    # ---------------------------------------------------------------- coverage: a count
    if ind.kind == "coverage":
        k, n = v["k"], v["n"]
        now = f"{k} af {n} {info.noun} ({f.v(val)}) dokumenterede tegn på læring i {latest}"
        if val >= t:
            return done("nået", f"{now}; målet var {f.v(t)}{early}")
        if target_measured:
            return done("ikke nået", f"{now}; målet var {f.v(t)}")
        if base is not None and val > base["value"]:
            return done("på vej", f"{now}, op fra {f.v(base['value'])} i {b_round}; målet er "
                        f"{f.v(t)} i {t_round}; {not_yet}")
        b_txt = f"{f.v(base['value'])} i {b_round}" if base is not None else f"ingen data i {b_round}"
        return done("kan ikke vurderes", f"{now} (udgangspunkt {b_txt}) – ingen fremgang endnu, "
                    f"og {not_yet}")

    lo, hi = float(v["ci_low"]), float(v["ci_high"])
    iv = f.iv(lo, hi)
    if math.isnan(lo) or math.isnan(hi):
        return done("kan ikke vurderes", f"for få svar i {latest} til et interval "
                    f"(værdi {f.v(val)})")
    reached = lo >= t if sign > 0 else hi <= t
    missed = hi < t if sign > 0 else lo > t
    if reached or (target_measured and missed):
        # the claim "on the target's side" for the plan's family (see plan_status)
        res["p_claim"] = float(p_value_interval(val - t, lo - t, hi - t))
    if reached:
        return done("nået", f"intervallet {iv} ligger {side_good} målet {f.v(t)}{early}")
    if target_measured and missed:
        return done("ikke nået", f"intervallet {iv} ligger {side_bad} målet {f.v(t)} i {latest}")
    # the target lies inside the interval, or the target round has not come yet:
    # has the indicator moved toward the target by more than the noise?
    if base is None or base["suppressed"] or pd.isna(base["value"]):
        why = (_suppressed_reason(base, b_round, min_n, info.noun) if base is not None
               else f"ingen data i {b_round}")
        tail = (f"intervallet {iv} rummer målet {f.v(t)}" if target_measured
                else f"{not_yet}")
        return done("kan ikke vurderes", f"udgangspunktet kan ikke bruges ({why}), og {tail}")
    d, dlo, dhi = _change(ds, ind, plan.institution, b_round, base, latest, v, cache)
    if math.isnan(dlo) or math.isnan(dhi):
        return done("kan ikke vurderes", f"ændringen siden {b_round} kan ikke beregnes (for få "
                    "svar)")
    toward = dlo > 0 if sign > 0 else dhi < 0
    away = dhi < 0 if sign > 0 else dlo > 0
    chg = (f"{f.signed(d)} siden {b_round}, interval for ændringen "
           f"{f.change(dlo, dhi)}")
    if toward:
        res["p_claim"] = float(p_value_interval(d, dlo, dhi))
        if target_measured:
            tail = f"intervallet {iv} rummer stadig målet {f.v(t)}"
        elif (hi < t if sign > 0 else lo > t):
            tail = f"intervallet {iv} ligger endnu {side_bad} målet {f.v(t)}, og {not_yet}"
        else:
            tail = f"intervallet {iv} rummer målet {f.v(t)}, og {not_yet}"
        return done("på vej", f"en forbedring på mere end usikkerheden ({chg}); {tail}")
    if away:
        tail = (f"intervallet {iv} rummer dog målet {f.v(t)}" if target_measured
                else not_yet)
        return done("kan ikke vurderes", f"udviklingen går den forkerte vej ({chg}); {tail}")
    if target_measured:
        return done("kan ikke vurderes", f"intervallet {iv} rummer målet {f.v(t)}, og ændringen "
                    f"({chg}) kan være tilfældig – for usikkert til at sige, om målet er nået")
    return done("kan ikke vurderes", f"ændringen ({chg}) kan være tilfældig, og {not_yet}")


def _family_of_goals(rows: list[dict[str, Any]], claims: list[float]) -> None:
    """The plan's goals are one family (:mod:`llkit.stats.decision`): a status that claims more than
    noise — *nået* or *ikke nået* by the interval, *på vej* by the change — stands only when
    Holm's procedure over all such claims of the plan keeps it; otherwise the goal *kan ikke
    vurderes*, and the reason says why."""
    p = np.asarray(claims, dtype=float)
    k = int(np.isfinite(p).sum())
    if k < 2:
        return  # one claim: its own 95 % interval is the family
    kept, _ = holm(p)
    for row, pi, keep in zip(rows, p, kept, strict=True):
        if np.isfinite(pi) and not keep:
            row["reason"] = (f"{row['reason']} – men planen har {k} mål, der hver kan se ud til at "
                             "flytte sig ved en tilfældighed, og når der tages højde for dem alle, er "
                             f"det ikke sikkert, at målet er {row['status']}"
                             if row["status"] != "på vej" else
                             f"{row['reason']} – men planen har {k} mål, der hver kan se ud til at "
                             "flytte sig ved en tilfældighed, og når der tages højde for dem alle, er "
                             "forbedringen ikke sikker")
            row["status"] = "kan ikke vurderes"


def plan_status(plan: Plan | str | Path, ds: Dataset, *, _cache: dict | None = None
                ) -> pd.DataFrame:
    r"""Where the institution stands on each goal of its plan, with the uncertainty.

    Parameters
    ----------
    plan : Plan or str or Path
        The plan (or its file).
    ds : Dataset
        The data, with the rounds measured so far.

    Returns
    -------
    pandas.DataFrame
        One row per goal: ``institution_id``, ``focus``, ``goal``, ``indicator`` (Danish
        label), ``kind``, ``measure_id``, ``department_id``, ``baseline_round``,
        ``baseline_value``, ``latest_round`` (the target round if it has data, otherwise
        the latest round with data between baseline and target round), ``n`` (children,
        respondents or teams), ``latest_value``, ``ci_low``, ``ci_high`` (95 %),
        ``target``, ``target_round``, ``higher_is_better``, ``suppressed``, ``status``
        (ordered categorical of :data:`STATUSES`) and ``reason`` (Danish). Suppressed
        values (fewer than ``min_n`` persons) are missing, never shown.

    Raises
    ------
    PlanError
        If the plan has errors (see :func:`validate_plan`).

    Notes
    -----
    Shares are in 0–1. "Better" means higher for ``mean``/``staff`` of a measure with
    ``higher_is_better`` and for ``coverage``; lower for ``share_low`` and ``gap``. The
    ``gap`` is mean(high background group) − mean(low group), sign-flipped for a measure
    where lower is better, so a smaller gap is always better. The status is decided in
    this order, with the 95 % interval :math:`[l, u]` of the latest value and the target
    :math:`m` (written here for higher-is-better; mirrored otherwise):

    1. **kan ikke vurderes** when there is no data between baseline and target round,
       no round after the baseline yet, or the latest value is suppressed.
    2. **nået** when the whole interval is on the target's side: :math:`l \ge m` (also
       before the target round: "allerede i T2").
    3. **ikke nået** when the target round has data and the whole interval is on the
       wrong side: :math:`u < m`.
    4. Otherwise (the target lies inside the interval, or the target round is not yet
       measured) the change since the baseline decides: **på vej** when its 95 %
       interval lies entirely in the better direction (more than noise); **kan ikke
       vurderes** when it may be chance, goes the wrong way, or the baseline value is
       suppressed.
    5. The plan's goals are one family (:mod:`llkit.stats.decision`): when two or more goals
       make such a claim (steps 2–4, not coverage, which is counted, not estimated), each
       claim stands only when Holm's procedure at 5 % over the claims' p-values (from
       their intervals) keeps it; otherwise the goal **kan ikke vurderes**, and the
       reason says so.

    The change interval is Welch's for means (rounds as independent samples), Newcombe's
    hybrid score interval from the Wilson intervals for shares, and the gap's own change
    interval (:func:`llkit.gap`). ``coverage`` counts *all* the teams of the unit — nothing
    is estimated, so it has no interval and compares the observed share directly:
    nået when share ≥ target, ikke nået when the target round is below target, på vej
    when it has risen since the baseline.
    """
    cache = {} if _cache is None else _cache
    checked, problems = _checked(plan, ds, cache)
    errors = problems[problems["severity"] == "error"]
    if checked is None or len(errors):
        name = checked.path.name if checked is not None and checked.path else "plan"
        raise PlanError(problems, f"The action plan {name} has problems")
    rows: list[dict[str, Any]] = []
    claims: list[float] = []
    for fa, g in checked.goals:
        ind = g.indicator
        info = _indicator_info(ds, ind)
        series = _series(ds, checked.institution, ind, cache)
        label = info.label
        if ind.department:
            name = ds.org.set_index(ds.org["department_id"].astype(str)).loc[
                ind.department, "department_name"]
            label += f" ({name})"
        res = _goal_status(ds, checked, g, info, series, cache)
        claims.append(res.pop("p_claim"))
        rows.append({
            "institution_id": checked.institution, "focus": fa.focus, "goal": g.goal,
            "indicator": label, "kind": ind.kind, "measure_id": ind.measure,
            "department_id": ind.department, "baseline_round": g.baseline,
            "target": g.target, "target_round": g.target_round,
            "higher_is_better": info.higher_is_better, **res,
        })
    _family_of_goals(rows, claims)
    out = pd.DataFrame(rows, columns=_STATUS_COLUMNS)
    for col in ["baseline_value", "latest_value", "ci_low", "ci_high", "target"]:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["n"] = pd.array(out["n"].tolist(), dtype="Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    out["higher_is_better"] = out["higher_is_better"].astype(bool)
    out["status"] = pd.Categorical(out["status"], categories=list(STATUSES), ordered=True)
    return out


# ======================================================================================
# plans of a dataset, overview
# ======================================================================================


def _plans_dir(ds: Dataset) -> Path | None:
    src = getattr(ds, "source", None)
    if src is None:
        return None
    src = Path(src)
    folder = src if src.is_dir() else src.parent
    return folder / PLANS_FOLDER


def _plan_files(ds: Dataset) -> list[Path]:
    folder = _plans_dir(ds)
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith("."))


def plans_for(ds: Dataset) -> dict[str, Plan]:
    """The institutions' plans in the dataset folder's ``plans/`` subfolder.

    Parameters
    ----------
    ds : Dataset
        Loaded from a folder (or a workbook: then ``plans/`` beside it).

    Returns
    -------
    dict of str to Plan
        Keyed by institution id, in file order; empty when there is no ``plans/``.

    Raises
    ------
    PlanError
        With the problems of every broken file, or when two files are plans of the same
        institution.
    """
    log = ProblemLog()
    plans: dict[str, Plan] = {}
    for path in _plan_files(ds):
        plan, plog, _, file, _ = _parse(path)
        if plog.has_errors or plan is None:
            log.add_frame(plog.frame())
            continue
        if plan.institution in plans:
            other = plans[plan.institution].path
            problem, action = _message("second_plan", "en", institution=plan.institution,
                                       first=other.name if other else "?")
            log.error(file=f"{PLANS_FOLDER}/{file}", line=plan.lines.get("institution"),
                      column="institution", value=plan.institution, problem=problem,
                      action=action)
            continue
        plans[plan.institution] = plan
    if log.has_errors:
        raise PlanError(log.frame(), "Some action plans have problems")
    return plans


def plans_overview(ds: Dataset) -> pd.DataFrame:
    """Municipal overview: per institution, how many goals have each status.

    Every institution of the dataset gets a row, also those without a plan (``plan``
    missing, ``note`` "ingen handleplan") or with a broken plan (``note`` says so; run
    ``llkit plan validate``) — one broken file never stops the overview.

    Returns
    -------
    pandas.DataFrame
        ``institution_id``, ``institution_name``, ``plan`` (file name), ``title``,
        ``goals``, one column per status in :data:`STATUSES` (counts, Int64; missing
        without a usable plan), ``note``.
    """
    cache: dict = {}
    inst = (ds.org[["institution_id", "institution_name"]].drop_duplicates()
            .astype(str).sort_values("institution_id").reset_index(drop=True))
    rows: dict[str, dict[str, Any]] = {}
    for path in _plan_files(ds):
        row: dict[str, Any] = {"plan": path.name}
        try:
            plan = load_plan(path)
            row["title"] = plan.title
            status = plan_status(plan, ds, _cache=cache)
        except PlanError as exc:
            n_err = int((exc.problems["severity"] == "error").sum())
            row["note"] = (f"planen har {n_err} fejl – kør llkit plan validate "
                           f"{PLANS_FOLDER}/{path.name}")
            inst_id = _peek_institution(path)
        else:
            inst_id = plan.institution
            row["goals"] = len(status)
            counts = status["status"].value_counts()
            for s in STATUSES:
                row[s] = int(counts.get(s, 0))
            row["note"] = ""
        if inst_id is None:
            continue
        if inst_id in rows:
            rows[inst_id]["note"] = (rows[inst_id].get("note") or "") + \
                f" (flere planer: også {path.name})"
            continue
        rows[inst_id] = row
    out = inst.copy()
    out["plan"] = [rows.get(i, {}).get("plan") for i in out["institution_id"]]
    out["title"] = [rows.get(i, {}).get("title") for i in out["institution_id"]]
    for col in ["goals", *STATUSES]:
        out[col] = pd.array([rows.get(i, {}).get(col) for i in out["institution_id"]],
                            dtype="Int64")
    out["note"] = [rows[i].get("note", "") if i in rows else "ingen handleplan"
                   for i in out["institution_id"]]
    return out


def _peek_institution(path: Path) -> str | None:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_PlanLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError, ValueError):
        return None
    if isinstance(raw, dict) and raw.get("institution") is not None:
        return str(raw["institution"])
    return None


# ======================================================================================
# proposing a plan from the data
# ======================================================================================


def focus_candidates(ds: Dataset, institution: str, round: str | None = None) -> pd.DataFrame:
    """Where the data points: candidate focus areas for an institution's plan.

    Looks at the round (default: the latest round with data for the institution) for
    the child measures with the largest shares of low scores (compared with the
    municipality), the largest equity gap, the lowest staff survey mean (trust,
    well-being …) and documentation coverage below 100 %. Suppressed values are never
    used.

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``measure_id``, ``label``, ``round``, ``value``, ``ci_low``,
        ``ci_high``, ``municipality`` (the same indicator for the whole dataset), ``n``,
        ``why`` (a Danish sentence), ``proposed_target``; ordered by kind as listed.
    """
    from llkit.stats import indicators

    org = ds.org
    if institution not in set(org["institution_id"].astype(str)):
        raise KeyError(f"unknown institution {institution!r}; known: "
                       + ", ".join(sorted(org["institution_id"].astype(str).unique())))
    sub = ds.select(institution=institution)
    rounds = [str(r) for r in ds.meta.rounds]
    present = set(sub.responses["round"].dropna().astype(str))
    if round is None:
        have = [r for r in rounds if r in present]
        if not have:
            raise ValueError(f"institution {institution} has no data")
        round = have[-1]
    m = ds.measures
    children = ds.profile.labels.get("children", "Børn").lower()
    rows: list[dict[str, Any]] = []
    summ = indicators.summarize(ds, by="institution", round=round)
    summ = summ[summ["institution_id"].astype(str) == institution]
    whole = indicators.summarize(ds, by=None, round=round).set_index("measure_id")
    child = m[(m["subject"] == "child") & m["low_cut"].notna()]["measure_id"].astype(str)
    sl = summ[summ["measure_id"].isin(child) & ~summ["suppressed"]].copy()
    if len(sl):
        sl["excess"] = sl["share_low"] - sl["measure_id"].map(whole["share_low"])
        for r in sl.sort_values(["excess", "share_low"], ascending=False).head(2).itertuples():
            if not r.share_low > 0:
                continue
            label = _label(ds, r.measure_id)
            muni = float(whole.loc[r.measure_id, "share_low"])
            rows.append({
                "kind": "share_low", "measure_id": r.measure_id, "label": label,
                "round": round, "value": r.share_low, "ci_low": r.share_low_ci_low,
                "ci_high": r.share_low_ci_high, "municipality": muni, "n": r.n,
                "why": f"{fmt_percent(r.share_low)} af {_definite(children)} havde en lav score i "
                       f"{label} i {round} (interval {fmt_interval(r.share_low_ci_low, r.share_low_ci_high, percent=True)}; "
                       f"hele kommunen: {fmt_percent(muni)})",
                "proposed_target": round_to(max(0.0, min(r.share_low / 2, muni)), 0.01),
            })
    gaps = indicators.gap(ds, list(child), by="institution", round=round)
    gaps = gaps[(gaps["institution_id"].astype(str) == institution) & ~gaps["suppressed"]]
    if len(gaps):
        r = gaps.sort_values("gap", ascending=False).iloc[0]
        if r["gap"] > 0:
            label = _label(ds, r["measure_id"])
            bg = _BACKGROUND_DA.get(str(r["background"]), str(r["background"]))
            muni_gap = indicators.gap(ds, r["measure_id"], by=None, round=round)["gap"].iloc[0]
            rows.append({
                "kind": "gap", "measure_id": r["measure_id"], "label": label, "round": round,
                "value": r["gap"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                "municipality": muni_gap, "n": int(r["n_low"] + r["n_high"]),
                "why": f"Forskellen efter {bg} i {label} var {fmt_number(r['gap'])} point i "
                       f"{round} (interval {fmt_interval(r['ci_low'], r['ci_high'])}; hele "
                       f"kommunen: {fmt_number(muni_gap)})",
                "proposed_target": round_to(r["gap"] / 2, 0.1),
            })
    staff = m[m["subject"] == "respondent"]["measure_id"].astype(str)
    st = summ[summ["measure_id"].isin(staff) & ~summ["suppressed"]].copy()
    if len(st):
        st["rel"] = st["mean"] - st["measure_id"].map(whole["mean"])
        r = st.sort_values("rel").iloc[0]
        label = _label(ds, r["measure_id"])
        mm = m.set_index("measure_id").loc[r["measure_id"]]
        top = float(mm["scale_max"]) if pd.notna(mm["scale_max"]) else math.inf
        rows.append({
            "kind": "staff", "measure_id": r["measure_id"], "label": label, "round": round,
            "value": r["mean"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
            "municipality": float(whole.loc[r["measure_id"], "mean"]), "n": int(r["n"]),
            "why": f"Medarbejdernes {label.lower()} var {fmt_number(r['mean'])} i {round} "
                   f"(interval {fmt_interval(r['ci_low'], r['ci_high'])}; hele kommunen: "
                   f"{fmt_number(whole.loc[r['measure_id'], 'mean'])})",
            "proposed_target": min(top, round_to(r["mean"] + 0.3, 0.1)),
        })
    if ds.goals is not None and not ds.goals.empty:
        cov = indicators.coverage(ds, by="institution", round=round)
        cov = cov[cov["institution_id"].astype(str) == institution]
        if len(cov) and cov["share"].iloc[0] < 1:
            r = cov.iloc[0]
            deps = ds.profile.labels.get("departments", "Stuer/grupper").lower()
            rows.append({
                "kind": "coverage", "measure_id": None,
                "label": f"Andel {deps} der dokumenterer tegn på læring", "round": round,
                "value": r["share"], "ci_low": np.nan, "ci_high": np.nan,
                "municipality": float(indicators.coverage(ds, by=None, round=round)["share"]
                                      .iloc[0]),
                "n": int(r["teams"]),
                "why": f"{int(r['teams_documenting'])} af {int(r['teams'])} {deps} "
                       f"dokumenterede tegn på læring i {round}",
                "proposed_target": 1.0,
            })
    cols = ["kind", "measure_id", "label", "round", "value", "ci_low", "ci_high",
            "municipality", "n", "why", "proposed_target"]
    return pd.DataFrame(rows, columns=cols)


def _definite(noun: str) -> str:
    """Danish definite plural of a plural noun: børn → børnene, elever → eleverne."""
    if noun.endswith("e"):
        return noun + "ne"
    if noun.endswith("er"):
        return noun + "ne"
    return noun + "ene"


def round_to(x: float, step: float) -> float:
    """``x`` rounded to a multiple of ``step`` (for proposed targets)."""
    return float(round(round(x / step) * step, 10))


def _label(ds: Dataset, measure_id: str) -> str:
    return str(ds.measures.set_index("measure_id").loc[measure_id, "label"])


_PROPOSED_FOCUS = {
    "share_low": ("{label}", "Færre {children} med en lav score i {label_lower}"),
    "gap": ("Lige muligheder: {label}", "Mindre forskel efter {bg} i {label_lower}"),
    "staff": ("Kultur: {label}", "Styrke {label_lower} blandt medarbejderne"),
    "coverage": ("Tegn på læring", "Alle {deps} dokumenterer tegn på læring"),
}


def new_plan(ds: Dataset, institution: str, *, round: str | None = None,
             target_round: str | None = None, created: date | None = None) -> Plan:
    """A draft plan with one focus area per place the data points to.

    Built from :func:`focus_candidates`: each candidate becomes a focus area whose
    ``description`` says what the data shows (with the baseline and its interval), with
    one goal tied to the indicator, the baseline round, a proposed target and the target
    round. Signs (tegn) and actions are left empty: the team writes them, so the draft
    does not validate until they are added — it is where the action-plan work starts,
    not its result.

    Parameters
    ----------
    ds : Dataset
    institution : str
        The institution id.
    round : str, optional
        Baseline round; default the latest round with data for the institution.
    target_round : str, optional
        Default: the round after the baseline (``T4`` after ``T3`` when the data ends).
    created : date, optional
        Default today.

    Returns
    -------
    Plan
    """
    cand = focus_candidates(ds, institution, round=round)
    rounds = [str(r) for r in ds.meta.rounds]
    base = str(cand["round"].iloc[0]) if len(cand) else (round or rounds[-1])
    if target_round is None:
        i = rounds.index(base) if base in rounds else len(rounds) - 1
        target_round = rounds[i + 1] if i + 1 < len(rounds) else _next_round(rounds)
    labels = ds.profile.labels
    fill = {
        "children": labels.get("children", "Børn").lower(),
        "deps": labels.get("departments", "Stuer/grupper").lower(),
        "bg": _BACKGROUND_DA.get(ds.profile.gap_default[0], ds.profile.gap_default[0]),
    }
    name = ds.org.loc[ds.org["institution_id"].astype(str) == institution,
                      "institution_name"].iloc[0]
    areas = []
    for r in cand.itertuples(index=False):
        focus_t, goal_t = _PROPOSED_FOCUS[r.kind]
        label = str(r.label)
        text = {**fill, "label": label, "label_lower": label[:1].lower() + label[1:]}
        areas.append(FocusArea(
            focus=focus_t.format(**text), description=r.why,
            goals=[Goal(goal=goal_t.format(**text),
                        indicator=Indicator(kind=r.kind, measure=None if pd.isna(r.measure_id)
                                            else str(r.measure_id)),
                        baseline=base, target=float(r.proposed_target),
                        target_round=target_round)],  # type: ignore[arg-type]
        ))
    return Plan(institution=institution, title=f"Handleplan for {name}",
                created=created or date.today(), focus_areas=areas,
                description=f"Udkast lavet af llkit ud fra data fra {base}. Vælg de "
                "fokusområder, der giver mening, og skriv tegn og handlinger.")


# ======================================================================================
# Danish tables for people
# ======================================================================================


def status_table(status: pd.DataFrame) -> pd.DataFrame:
    """:func:`plan_status` as a Danish table of strings (for reports and the terminal).

    Columns ``Fokus``, ``Mål``, ``Indikator``, ``Udgangspunkt``, ``Seneste``,
    ``Interval``, ``Målværdi``, ``Status``, ``Begrundelse``; suppressed values show as
    "vises ikke", never as a number.
    """
    rows = []
    for r in status.itertuples(index=False):
        share = r.kind in _SHARE_KINDS
        f = _Fmt(share, float(r.target))
        base = ("vises ikke" if pd.isna(r.baseline_value) else f.v(r.baseline_value))
        if r.latest_round is None or (isinstance(r.latest_round, float) and pd.isna(r.latest_round)):
            latest, interval = "–", "–"
        elif r.suppressed:
            latest, interval = f"vises ikke ({r.latest_round})", "–"
        else:
            latest = f"{f.v(r.latest_value)} ({r.latest_round})"
            interval = f.iv(r.ci_low, r.ci_high) if pd.notna(r.ci_low) else "–"
        rows.append({
            "Fokus": r.focus, "Mål": r.goal, "Indikator": r.indicator,
            "Udgangspunkt": f"{base} ({r.baseline_round})", "Seneste": latest,
            "Interval": interval, "Målværdi": f"{f.v(r.target)} i {r.target_round}",
            "Status": str(r.status), "Begrundelse": r.reason,
        })
    return pd.DataFrame(rows, columns=["Fokus", "Mål", "Indikator", "Udgangspunkt", "Seneste",
                                       "Interval", "Målværdi", "Status", "Begrundelse"])


def format_status(status: pd.DataFrame, *, title: str | None = None, width: int = 38) -> str:
    """Plain-text Danish rendering of :func:`plan_status` for a terminal.

    One table row per goal (long texts shortened to ``width`` characters), then the
    reasons numbered by goal, then the count of each status.
    """
    t = status_table(status)
    short = t.copy()
    for col in ["Fokus", "Mål", "Indikator"]:
        short[col] = short[col].map(lambda s: s if len(s) <= width else s[: width - 1] + "…")
    short.insert(0, "Nr.", range(1, len(short) + 1))
    short = short.drop(columns="Begrundelse")
    cols = list(short.columns)
    cells = [[str(v) for v in row] for row in short.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]

    def line(vals: Iterable[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)).rstrip()

    out = []
    if title:
        out += [title, ""]
    out += [line(cols), line("-" * w for w in widths), *[line(r) for r in cells], ""]
    out.append("Begrundelser:")
    for i, reason in enumerate(t["Begrundelse"], start=1):
        out.append(f"  {i}. {reason}")
    counts = status["status"].value_counts()
    out += ["", "I alt: " + " · ".join(f"{s}: {int(counts.get(s, 0))}" for s in STATUSES)]
    return "\n".join(out)


# ======================================================================================
# command line: `llkit plan validate PLAN DATA`, `llkit plan status PLAN DATA`
# ======================================================================================


def _cmd_plan_validate(args: argparse.Namespace) -> int:
    from llkit.data.dataset import load

    ds = load(args.data)
    problems = validate_plan(args.plan, ds)
    errors = int((problems["severity"] == "error").sum())
    warnings_ = int((problems["severity"] == "warning").sum())
    if len(problems):
        print(format_problems(problems))
    if errors:
        print(f"\n{args.plan}: NOT valid — fix the {errors} error(s) above and run again.")
        return 2
    note = f" ({warnings_} warning(s) worth a look)" if warnings_ else ""
    print(f"{args.plan}: valid{note}.")
    return 0


def _cmd_plan_status(args: argparse.Namespace) -> int:
    from llkit.data.dataset import load

    ds = load(args.data)
    plan = load_plan(args.plan)
    status = plan_status(plan, ds)
    name = ds.org.loc[ds.org["institution_id"].astype(str) == plan.institution,
                      "institution_name"]
    head = f"{plan.title} – {name.iloc[0] if len(name) else plan.institution} " \
           f"({plan.institution}), oprettet {plan.created.strftime('%d.%m.%Y')}"
    print(format_status(status, title=head))
    return 0


def add_plan_commands(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``plan validate PLAN DATA`` and ``plan status PLAN DATA``.

    Parameters
    ----------
    subparsers
        The object returned by ``parser.add_subparsers()`` of the ``llkit`` parser.

    Returns
    -------
    argparse.ArgumentParser
        The ``plan`` parser. Each subcommand sets ``func``, which returns the exit code
        (0 valid / done, 2 a plan with errors) or raises :class:`~llkit.errors.PlanError`
        / :class:`~llkit.errors.DataError` for ``llkit.cli.main`` to print as a problem
        table (exit 2).
    """
    desc = "check an action plan against the data, or show where each goal stands"
    plan_p = subparsers.add_parser("plan", help=desc, description=desc)
    sub = plan_p.add_subparsers(dest="plan_command", metavar="PLAN_COMMAND", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_: str) -> None:
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("plan", help="the plan file (.yaml), see docs/plans.md")
        p.add_argument("data", help="dataset folder or .xlsx workbook")
        p.set_defaults(func=func)

    add("validate", _cmd_plan_validate,
        "check a plan: fields, dates, institution, measures, rounds and targets (exit 2 if "
        "invalid)")
    add("status", _cmd_plan_status,
        "show each goal's status (nået / på vej / ikke nået / kan ikke vurderes) with its "
        "interval and the reason, in Danish")
    return plan_p

