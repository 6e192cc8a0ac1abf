"""Build, edit and follow up an institution's action plan (handleplan) with widgets.

The logic behind ``notebooks/action_plan.ipynb``. The notebook stays thin: it shows where
the data points (:func:`candidates`), displays a :class:`PlanEditor` (ipywidgets; every
field can also be set from Python, which is how the tests drive it) and the follow-up
view (:func:`followup`: each goal's status with its interval, and a figure per goal).

A plan is written as YAML (see ``docs/plans.md``) with :func:`llkit.documents.plans.write_plan`:
atomically, only after :func:`llkit.documents.plans.validate_plan` finds no errors, and an existing
file only when the user confirms. Problems are shown in Danish
(``validate_plan(..., lang="da")``).

The package's modules: :mod:`.formatting` (labels, colours, HTML helpers), :mod:`.views`
(title, candidates, problems, the plan as a document), :mod:`.figures` (a goal over the
rounds), :mod:`.followup` (the follow-up view), :mod:`.forms` and :mod:`.editor` (the
widget editor). Every public name is importable from ``llkit.apps.planner``.

Examples
--------
>>> import llkit
>>> from llkit.apps import planner
>>> ds = llkit.load("data/sample/dagtilbud")
>>> ed = planner.PlanEditor(ds, "I01", start="empty")
>>> fi = ed.add_focus("Tillid i personalegruppen")
>>> gi = ed.add_goal(fi, goal="Mere tillid", indicator=("staff", "tillid"), baseline="T1",
...                  target=3.8, target_round="T3", signs=["Vi tager svære sager op"],
...                  actions=[("Faste personalemøder", "Ledelsen", "2015-09-01")])
>>> ed.to_plan().goals[0][1].target
3.8
"""

from llkit.apps.planner.editor import PlanEditor
from llkit.apps.planner.figures import goal_figure
from llkit.apps.planner.followup import FollowUp, followup
from llkit.apps.planner.formatting import KIND_LABELS
from llkit.apps.planner.views import (
    candidates,
    indicator_choices,
    plan_block,
    problems_block,
    problems_da,
    title_block,
)

# public, but (as before) not in __all__
from llkit.apps.planner.formatting import STATUS_COLOURS  # noqa: F401  isort: skip

__all__ = [
    "KIND_LABELS",
    "PlanEditor",
    "FollowUp",
    "title_block",
    "candidates",
    "indicator_choices",
    "problems_da",
    "problems_block",
    "followup",
    "goal_figure",
    "plan_block",
]
