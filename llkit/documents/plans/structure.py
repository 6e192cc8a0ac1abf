"""Structural checks (no data needed): the raw YAML of a plan file becomes a :class:`Plan`,
and every problem is logged; with the parsing of dates and numbers as people write them."""

from __future__ import annotations

import difflib
import math
import re
from datetime import date, datetime
from typing import Any

from llkit.documents.plans.messages import _message
from llkit.documents.plans.model import (
    _ACTION_KEYS,
    _FOCUS_KEYS,
    _GOAL_KEYS,
    _INDICATOR_KEYS,
    _KIND_SYNONYMS,
    _MEASURE_KINDS,
    _PLAN_KEYS,
    _SHARE_KINDS,
    KINDS,
    Action,
    FocusArea,
    Goal,
    Indicator,
    Plan,
)
from llkit.documents.plans.reading import Path_, _field, _Lines
from llkit.errors import ProblemLog


class _Reporter:
    """Logs a plan file's problems at the YAML line of a path, in the plan's language."""

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


class _Checker(_Reporter):
    """Turns the raw YAML structure into a :class:`Plan`, logging every problem."""

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
        parsed = parse_date(value)
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
        number, percent = parse_number(value)
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


def parse_date(value: Any) -> date | None:
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


def parse_number(value: Any) -> tuple[float | None, bool]:
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
