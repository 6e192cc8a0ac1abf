"""Checking a plan against a dataset (:func:`validate_plan`): the institution, each goal's
indicator (measure, kind, department), rounds and target, and the actions' deadlines."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.documents.plans.danish import _in_lang
from llkit.documents.plans.loading import _parse, plan_to_dict
from llkit.documents.plans.messages import _check_lang
from llkit.documents.plans.model import Goal, Indicator, Plan
from llkit.documents.plans.reading import Path_, _Lines
from llkit.documents.plans.series import _indicator_info, _round_position, _series, next_round
from llkit.documents.plans.structure import _Checker, _Reporter, fmt_plain
from llkit.errors import ProblemLog

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def _check_data(plan: Plan, ds: Dataset, file: str, lines: _Lines, log: ProblemLog,
                cache: dict, lang: str = "en") -> None:
    """Log every problem of a structurally checked ``plan`` against the data ``ds``."""
    _DataChecker(plan, ds, file, lines, log, cache, lang).run()


class _DataChecker(_Reporter):
    """Checks a :class:`Plan` against a dataset, in plan order, logging every problem."""

    def __init__(self, plan: Plan, ds: Dataset, file: str, lines: _Lines, log: ProblemLog,
                 cache: dict, lang: str = "en") -> None:
        super().__init__(file, lines, log, lang)
        self.plan, self.ds, self.cache = plan, ds, cache

    def run(self) -> None:
        plan, ds = self.plan, self.ds
        org = self.org = ds.org
        inst_ids = sorted(org["institution_id"].astype(str).unique())
        institution = self.institution = plan.institution
        self.inst_ok = institution is not None and institution in inst_ids
        if institution is not None and not self.inst_ok:
            self.error(("institution",), "unknown_institution", institution,
                       institution=institution, suggestion=_suggest(institution, inst_ids))
        self.rounds = [str(r) for r in ds.meta.rounds]
        self.measures = ds.measures.set_index("measure_id")
        self.measure_ids = list(self.measures.index.astype(str))
        self.depts = org.set_index(org["department_id"].astype(str))
        for i, fa in enumerate(plan.focus_areas):
            for j, g in enumerate(fa.goals):
                self._check_goal(("focus_areas", i, "goals", j), g)
        if plan.created is not None:
            self._check_deadlines()

    def _check_goal(self, gp: Path_, g: Goal) -> None:
        ind = g.indicator
        ind_ok = self._check_indicator(gp, ind)
        pos_b = self._check_rounds(gp, g)
        if ind_ok and ind is not None and g.target is not None:
            self._check_target(gp, g, ind, pos_b)

    # ---------------------------------------------------------------- measure and kind

    def _check_indicator(self, gp: Path_, ind: Indicator | None) -> bool:
        """Check the goal's indicator; whether the goal can be followed with it."""
        ind_ok = (ind is not None and ind.kind is not None
                  and (ind.kind == "coverage" or ind.measure is not None))
        if ind is not None and ind.kind != "coverage" and ind.measure is not None:
            ind_ok = self._check_measure(gp, ind) and ind_ok
        if ind is not None and ind.kind == "coverage" and (self.ds.goals is None
                                                           or self.ds.goals.empty):
            self.error(gp + ("indicator", "kind"), "no_goals_table", "coverage")
            ind_ok = False
        if ind is not None and ind.department is not None:
            ind_ok = self._check_department(gp, ind) and ind_ok
        return ind_ok

    def _check_measure(self, gp: Path_, ind: Indicator) -> bool:
        """Whether the indicator's measure exists and fits its kind."""
        measures = self.measures
        mp = gp + ("indicator", "measure")
        if ind.measure not in self.measure_ids:
            self.error(mp, "unknown_measure", ind.measure, measure=ind.measure,
                       suggestion=_suggest(ind.measure, self.measure_ids))
            return False
        m = measures.loc[ind.measure]
        subject = str(m["subject"])
        if ind.kind == "staff" and subject != "respondent":
            staff = measures.index[measures["subject"] == "respondent"].astype(str)
            self.error(gp + ("indicator", "kind"), "staff_needs_staff_measure", ind.kind,
                       measure=ind.measure, subject=subject, staff=", ".join(staff))
            return False
        elif ind.kind == "mean" and subject == "respondent":
            self.warning(gp + ("indicator", "kind"), "staff_measure_as_mean", ind.kind,
                         measure=ind.measure)
        elif ind.kind in ("share_low", "gap") and subject != "child":
            self.error(gp + ("indicator", "kind"), "needs_child_measure", ind.kind,
                       kind=ind.kind, measure=ind.measure, subject=subject)
            return False
        elif ind.kind == "share_low" and pd.isna(m["low_cut"]):
            self.error(mp, "no_low_cut", ind.measure, measure=ind.measure)
            return False
        return True

    def _check_department(self, gp: Path_, ind: Indicator) -> bool:
        """Whether the indicator's department exists and belongs to the institution."""
        org, depts, institution = self.org, self.depts, self.institution
        dp = gp + ("indicator", "department")
        if ind.department not in depts.index:
            self.error(dp, "unknown_department", ind.department, department=ind.department,
                       suggestion=_suggest(ind.department, list(depts.index)))
            return False
        elif self.inst_ok and str(depts.loc[ind.department, "institution_id"]) != institution:
            own = sorted(org.loc[org["institution_id"] == institution, "department_id"]
                         .astype(str))
            self.error(dp, "foreign_department", ind.department, department=ind.department,
                       institution=institution, own=", ".join(own))
            return False
        return True

    # ---------------------------------------------------------------- rounds

    def _check_rounds(self, gp: Path_, g: Goal) -> float | None:
        """Check the baseline and target round; the baseline's position (None if unknown)."""
        rounds = self.rounds
        pos_b = pos_t = None
        if g.baseline is not None:
            if g.baseline not in rounds:
                self.error(gp + ("baseline",), "unknown_baseline_round", g.baseline,
                           round=g.baseline, rounds=", ".join(rounds))
            else:
                pos_b = _round_position(g.baseline, rounds)
        if g.target_round is not None:
            pos_t = _round_position(g.target_round, rounds)
            if pos_t is None:
                later = next_round(rounds)
                self.error(gp + ("target_round",), "unknown_target_round", g.target_round,
                           round=g.target_round, rounds=", ".join(rounds),
                           later=f" or a later one such as {later}" if later else "")
        if pos_b is not None and pos_t is not None and pos_t <= pos_b:
            self.error(gp + ("target_round",), "target_round_not_after", g.target_round,
                       target_round=g.target_round, baseline_round=g.baseline,
                       relation="the same as" if pos_t == pos_b else "before")
        return pos_b

    # ---------------------------------------------------------------- target vs scale and baseline

    def _check_target(self, gp: Path_, g: Goal, ind: Indicator, pos_b: float | None) -> None:
        info = _indicator_info(self.ds, ind)
        if not (info.lo <= g.target <= info.hi):
            if info.share:
                self.error(gp + ("target",), "target_off_share_scale", fmt_plain(g.target),
                           target=fmt_plain(g.target), what=_what(ind))
            else:
                self.error(gp + ("target",), "target_off_scale", fmt_plain(g.target),
                           target=fmt_plain(g.target), what=_what(ind), lo=fmt_plain(info.lo),
                           hi=fmt_plain(info.hi))
            return
        if not self.inst_ok or pos_b is None:
            return
        series = _series(self.ds, self.institution, ind, self.cache)
        row = series.get(g.baseline)
        if row is None or row["suppressed"] or pd.isna(row["value"]):
            why = ("too few persons" if row is not None and row["suppressed"]
                   else "no data")
            self.warning(gp + ("baseline",), "baseline_without_value", g.baseline,
                         what=_what(ind), round=g.baseline, why=why)
            return
        b = float(row["value"])
        sign = 1 if info.higher_is_better else -1
        if sign * (g.target - b) < 0:
            self.error(gp + ("target",), "target_wrong_side", fmt_plain(g.target),
                       share=info.share, target=fmt_plain(round(g.target, 4)),
                       baseline=fmt_plain(round(b, 3)), round=g.baseline, what=_what(ind),
                       better="higher" if sign > 0 else "lower",
                       direction="above" if sign > 0 else "below")
        elif g.target == b:
            self.warning(gp + ("target",), "target_equals_baseline", fmt_plain(g.target),
                         share=info.share, baseline=fmt_plain(b))

    # ---------------------------------------------------------------- dates

    def _check_deadlines(self) -> None:
        plan = self.plan
        for i, fa in enumerate(plan.focus_areas):
            for j, g in enumerate(fa.goals):
                for k, a in enumerate(g.actions):
                    if a.deadline is not None and a.deadline < plan.created:
                        path = ("focus_areas", i, "goals", j, "actions", k, "deadline")
                        self.warning(path, "deadline_before_plan", a.deadline.isoformat(),
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
    >>> from llkit.documents.plans import load_plan
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
