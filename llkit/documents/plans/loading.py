"""Loading a plan file (:func:`load_plan`) and writing a plan as YAML (:func:`write_plan`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from llkit._atomic import atomic_write
from llkit.documents.plans.danish import _in_lang
from llkit.documents.plans.messages import _check_lang
from llkit.documents.plans.model import Goal, Plan
from llkit.documents.plans.reading import _Lines, _read_yaml
from llkit.documents.plans.structure import _Checker
from llkit.errors import PlanError, ProblemLog


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
