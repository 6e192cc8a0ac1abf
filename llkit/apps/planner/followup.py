"""The follow-up view of a plan (:func:`followup`): where each goal stands, with a figure
per goal."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from llkit.apps.planner.figures import goal_figure
from llkit.apps.planner.formatting import (
    _STYLE,
    _esc,
    _figure_html,
    _inst_name,
    _status_chip,
    _table_html,
)
from llkit.apps.planner.views import problems_block
from llkit.documents import plans as _plans
from llkit.documents.plans import Plan
from llkit.errors import PlanError
from llkit.present.html import Block

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


class FollowUp(Block):
    """The follow-up view of a plan: HTML for the notebook, and the numbers behind it.

    Attributes
    ----------
    status : pandas.DataFrame or None
        :func:`llkit.documents.plans.plan_status` of the plan (None when there is no usable plan).
    problems : pandas.DataFrame or None
        The Danish problem table when the plan has errors.
    """

    def __init__(self, html_: str, status: pd.DataFrame | None = None,
                 problems: pd.DataFrame | None = None) -> None:
        super().__init__(html_)
        self.status = status
        self.problems = problems


def _resolve_plan(ds: Dataset, plan: Plan | str | Path | None, institution: str | None
                  ) -> tuple[Plan | None, Path | None]:
    """The plan to follow up (loaded if given as a file) and its file; a plan file with
    errors raises PlanError with the problems in Danish."""
    if isinstance(plan, Plan):
        return plan, plan.path
    if plan is None:
        if institution is None:
            return None, None
        path = _plans.default_plan_path(ds, institution)
        if path is None or not path.is_file():
            return None, path
        plan = path
    return _plans.load_plan(plan, lang="da"), Path(plan)


def _no_plan(ds: Dataset, institution: str | None, path: Path | None) -> FollowUp:
    who = _inst_name(ds, institution) if institution else "Huset"
    where = f" ({path})" if path is not None else ""
    return FollowUp(f'<p class="llkit-empty">{_esc(who)} har endnu ingen gemt handleplan'
                    f"{_esc(where)}. Når planen er gemt med knappen »Gem handleplan«, "
                    "viser opfølgningen her, hvor I står på hvert mål.</p>")


def followup(ds: Dataset, plan: Plan | str | Path | None, *,
             institution: str | None = None) -> FollowUp:
    """The follow-up view: where each goal of the plan stands, with a figure per goal.

    Parameters
    ----------
    ds : Dataset
        The data, with the rounds measured so far.
    plan : Plan or str or Path or None
        The plan or its file; None means the institution's plan in the dataset's
        ``plans/`` folder (``institution`` must then be given).
    institution : str, optional
        Used when ``plan`` is None (and to say whose plan is missing).

    Returns
    -------
    FollowUp
        Displays as HTML: a table with, per goal, the baseline, the latest value with
        its interval, the target, the status (nået / på vej / ikke nået / kan ikke
        vurderes) and the reason, then one figure per goal. ``.status`` is
        :func:`llkit.documents.plans.plan_status` of the plan. A missing plan or a plan with
        errors is said in Danish (``.problems`` holds the errors) instead of failing.
    """
    try:
        p, path = _resolve_plan(ds, plan, institution)
    except PlanError as exc:
        da = exc.problems
        return FollowUp("<p><b>Den gemte handleplan kan ikke læses.</b></p>"
                        + problems_block(da).html, problems=da)
    if p is None:
        return _no_plan(ds, institution, path)
    try:
        status = _plans.plan_status(p, ds)
    except PlanError:
        da = _plans.validate_plan(p, ds, lang="da")
        return FollowUp("<p><b>Handleplanen har fejl, så opfølgningen kan ikke vises.</b></p>"
                        + problems_block(da).html, problems=da)
    table = _plans.status_table(status)
    rows = pd.DataFrame({
        "Mål": table["Mål"], "Indikator": table["Indikator"],
        "Udgangspunkt": table["Udgangspunkt"], "Seneste": table["Seneste"],
        "95 %-interval": table["Interval"], "Målværdi": table["Målværdi"],
        "Status": [_status_chip(s) for s in table["Status"]],
        "Begrundelse": table["Begrundelse"],
    })
    counts = status["status"].value_counts()
    summary = " · ".join(f"{k}: {int(counts.get(k, 0))}" for k in _plans.STATUSES)
    parts = [_STYLE, f"<p><b>{_esc(p.title)}</b>"
             + (f" (oprettet {p.created.strftime('%d.%m.%Y')})" if p.created else "")
             + f". I alt {len(status)} mål – {summary}.</p>",
             _table_html(rows, caption="Status for hvert mål",
                         left=["Mål", "Indikator", "Begrundelse"]),
             '<p class="llkit-note">Et mål er først »nået«, når hele 95 %-intervallet ligger '
             "på den rigtige side af målværdien, og »ikke nået«, når hele intervallet ligger "
             "på den forkerte side i målrunden. »På vej« betyder, at udviklingen siden "
             "udgangspunktet er større end usikkerheden. »Kan ikke vurderes« betyder, at data "
             "endnu ikke kan sige det sikkert – begrundelsen siger hvorfor. Se også på de tegn, "
             "I har aftalt at se efter: de fortæller noget, tallene ikke kan.</p>"]
    figs = []
    import matplotlib as mpl

    with mpl.rc_context({"font.size": 9}):
        for (_fa, g), (_, row) in zip(p.goals, status.iterrows(), strict=True):
            fig = goal_figure(ds, p.institution, g, row)
            figs.append(_figure_html(fig, f"{g.goal}: {row['status']}",
                                     f"{str(row['status']).capitalize()}: {row['reason']}."))
    parts.append(f'<div class="llkit-figures llkit-cols-1">{"".join(figs)}</div>')
    return FollowUp("".join(parts), status=status)
