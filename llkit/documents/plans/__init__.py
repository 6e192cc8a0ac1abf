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
``lang="da"``, in Danish for the leadership team; both come from one table of messages
(``messages.toml``).

The package's modules, from the bottom: :mod:`.model` (the dataclasses), :mod:`.messages`
and :mod:`.danish` (the problem texts), :mod:`.reading` and :mod:`.structure` (YAML with
line numbers, the structural checks), :mod:`.loading` (load and write), :mod:`.series`
(an indicator's values per round), :mod:`.validation` (checks against the data),
:mod:`.status` and :mod:`.tables` (where each goal stands), :mod:`.folder` (the plans of
a dataset), :mod:`.candidates` (a draft from the data) and :mod:`.commands` (the command
line). Every public name is importable from ``llkit.documents.plans``.
"""

from llkit.documents.plans.candidates import focus_candidates, new_plan
from llkit.documents.plans.commands import add_plan_commands
from llkit.documents.plans.folder import default_plan_path, plans_for, plans_overview
from llkit.documents.plans.loading import load_plan, plan_to_dict, write_plan
from llkit.documents.plans.model import (
    KINDS,
    STATUSES,
    Action,
    FocusArea,
    Goal,
    Indicator,
    Plan,
)
from llkit.documents.plans.series import indicator_info, indicator_values
from llkit.documents.plans.status import plan_status
from llkit.documents.plans.tables import format_status, status_table
from llkit.documents.plans.validation import validate_plan

# public, but (as before) not in __all__: llkit.apps.elearning and tests use them
from llkit.documents.plans.candidates import round_to  # noqa: F401  isort: skip
from llkit.documents.plans.model import PLANS_FOLDER  # noqa: F401  isort: skip

# private names other modules still import from here (llkit.apps.batch, tests/test_plans.py)
from llkit.documents.plans.folder import plan_files  # noqa: F401  isort: skip
from llkit.documents.plans.messages import _MESSAGES, _identify, _message  # noqa: F401  isort: skip
from llkit.documents.plans.status import _family_of_goals, _newcombe  # noqa: F401  isort: skip

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
