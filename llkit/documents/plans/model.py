"""The plan as dataclasses (Plan, FocusArea, Goal, Indicator, Action) and the constants
of the plan format: indicator kinds, statuses, the fields of each part of a plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

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
