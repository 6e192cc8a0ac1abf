"""Where a problem is, in Danish ("Fokusområde 1 »Sprog« › mål 2 › målværdi"), and an
English problem row put into Danish."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from llkit.documents.plans.messages import _FIELD_DA, _identify, _message
from llkit.documents.plans.model import _SHARE_KINDS, Plan
from llkit.errors import ProblemLog


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


def where_da(column: Any, plan: Plan | dict | None) -> str:
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


def danish_row(row: dict[str, Any], plan: Plan | None) -> tuple[str, str]:
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
        frame["column"] = [where_da(c, names) for c in frame["column"]]
    return frame
