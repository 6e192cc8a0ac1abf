"""Chapter 8 — Fra analyse til handleplan (from analysis to an action plan).

Choosing a focus where the data point (:func:`llkit.documents.plans.focus_candidates`), turning
shares into children, finding the departments to start with, writing goals with signs
(tegn) tied to an indicator (:func:`llkit.documents.plans.new_plan`), and following up in the next
round with the uncertainty (:func:`llkit.documents.plans.plan_status`) — on the participant's own
data and, when the institution has one, its own plan.

Examples
--------
>>> from llkit.apps.elearning import common
>>> ds, session = common.open_chapter("data/sample/dagtilbud", "I03", 8)
>>> facts(ds, "I03")["status"]["own_plan"]
True
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.elearning import common
from llkit.apps.elearning.ch05_sammenligning import words
from llkit.apps.elearning.prose import chapter_texts
from llkit.data import memo
from llkit.documents import common as doc
from llkit.documents import institution_report, plans
from llkit.errors import DataError, PlanError
from llkit.present import html, labels
from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "NUMBER", "TITLE", "MINUTES", "PURPOSE", "facts", "header", "candidates_section",
    "exercise_children", "department_section", "exercise_department", "draft_section",
    "follow_up_section", "exercise_status", "reflection", "chapter_summary",
]

NUMBER = 8
TITLE = common.CHAPTER_TITLES[NUMBER]
MINUTES = "25"
TEXTS = chapter_texts(NUMBER)
PURPOSE = TEXTS.paragraph("purpose")

_KIND_DA = {"share_low": "Andel med lav score", "gap": "Forskel efter social baggrund",
            "staff": "Medarbejdernes svar", "coverage": "Tegn på læring", "mean": "Gennemsnit"}


# ----------------------------------------------------------------------------- facts


def facts(ds: Dataset, institution: str) -> dict[str, Any]:
    """The facts behind the chapter's exercises; each part is ``None`` without its data.

    Returns
    -------
    dict
        ``inst``, ``round``, ``candidates`` (:func:`llkit.documents.plans.focus_candidates`),
        ``low`` (the share-low candidate: measure, label, share, n, ``children`` =
        round(share·n)), ``departments`` (share low per department for that measure:
        shown rows, suppressed rows, ``correct`` ids with the largest displayed share,
        ``trap`` = lowest mean), ``status`` (one goal of the institution's own plan, or
        of a worked example goal when it has none: the status row and ``own_plan``).
    """
    inst = common.institution_info(ds, institution)
    return memo.cached(ds, ("el-ch08", inst["id"]), lambda: _facts(ds, inst))


def _facts(ds: Dataset, inst: dict[str, Any]) -> dict[str, Any]:
    rnd = doc.last_round(ds, inst)
    info = labels.measure_info(ds)
    out: dict[str, Any] = {"inst": inst, "round": rnd, "candidates": None, "low": None,
                           "departments": None, "status": None}
    try:
        cand = plans.focus_candidates(ds, inst["id"])
    except (KeyError, ValueError):
        cand = None
    if cand is not None and len(cand):
        out["candidates"] = cand
        low = cand[cand["kind"] == "share_low"]
        if len(low):
            r = low.iloc[0]
            out["low"] = {"measure": str(r["measure_id"]), "label": str(r["label"]),
                          "share": float(r["value"]), "n": int(r["n"]),
                          "children": int(round(float(r["value"]) * int(r["n"]))),
                          "municipality": float(r["municipality"]), "round": str(r["round"]),
                          "noun": str(info.loc[str(r["measure_id"]), "noun"])}
    # departments: where is the share of low scores largest? The candidate measure
    # first; when too few departments can be shown, the next measure with a low cut
    order = ([out["low"]["measure"]] if out["low"] else []) + [
        m for m in info.index if info.loc[m, "subject"] == "child"
        and pd.notna(ds.measures.set_index("measure_id").loc[m, "low_cut"])]
    for m in dict.fromkeys(order):
        d = indicators.summarize(ds, m, by="department", round=rnd)
        d = d[d["department_id"].astype(str).isin(inst["departments"])]
        d = d.assign(department_id=d["department_id"].astype(str))
        shown = d[~d["suppressed"].astype(bool) & d["share_low"].notna()].set_index("department_id")
        if len(shown) >= 2:
            pct = (100 * shown["share_low"]).round(0)
            out["departments"] = {
                "measure": m, "label": str(info.loc[m, "label"]), "round": rnd,
                "noun": str(info.loc[m, "noun"]),
                "shown": shown, "hidden": d[d["suppressed"].astype(bool)],
                "correct": set(shown.index[pct == pct.max()]),
                "trap": str(shown["mean"].idxmin()),
            }
            break
    out["status"] = _status_fact(ds, inst, out)
    return out


def _example_plan(ds: Dataset, inst: dict[str, Any], measure: str) -> plans.Plan | None:
    """A worked example goal for an institution without a plan: a higher mean in
    ``measure`` from its first to its latest round."""
    rounds = doc.institution_rounds(ds, inst)
    if len(rounds) < 2:
        return None
    s = indicators.summarize(ds, measure, by="institution", round=rounds[0])
    s = s[s["institution_id"].astype(str) == inst["id"]]
    if s.empty or bool(s["suppressed"].iloc[0]) or pd.isna(s["mean"].iloc[0]):
        return None
    base = float(s["mean"].iloc[0])
    info = labels.measure_info(ds)
    step = 0.2 if info.loc[measure, "decimals"] >= 1 else 5.0
    target = plans.round_to(base + step, 0.1 if step < 1 else 1.0)
    hi = info.loc[measure, "scale_max"]
    if pd.notna(hi):
        target = min(target, float(hi))
    label = str(info.loc[measure, "label"])
    goal = plans.Goal(
        goal=TEXTS.paragraph("example_goal", label=label), indicator=plans.Indicator(kind="mean", measure=measure),
        baseline=rounds[0], target=target, target_round=rounds[-1],
        signs=[TEXTS.paragraph("example_sign")],
        actions=[plans.Action(what=TEXTS.paragraph("example_action"), who=TEXTS.paragraph("example_who"),
                              deadline=dt.date(2000, 1, 1))],
    )
    return plans.Plan(institution=inst["id"], title=TEXTS.paragraph("example_title"), created=dt.date(2000, 1, 1),
                      focus_areas=[plans.FocusArea(focus=label, goals=[goal])])


def _status_fact(ds: Dataset, inst: dict[str, Any], out: dict[str, Any]) -> dict[str, Any] | None:
    own = None
    try:
        own = plans.plans_for(ds).get(inst["id"])
    except (PlanError, DataError, OSError):
        own = None
    status, own_plan = None, False
    if own is not None:
        try:
            status = plans.plan_status(own, ds)
            own_plan = True
        except (PlanError, DataError):
            status = None
    if status is None:
        info = labels.measure_info(ds)
        m = out["low"]["measure"] if out["low"] else next(
            (x for x in info.index if info.loc[x, "subject"] == "child"), None)
        plan = _example_plan(ds, inst, m) if m is not None else None
        if plan is None:
            return None
        try:
            status = plans.plan_status(plan, ds)
        except (PlanError, DataError):
            return None
    judged = status[status["latest_value"].notna()]
    if judged.empty:
        return None
    # the most instructive goal: one that is not simply reached, if there is one
    rest = judged[judged["status"].astype(str) != "nået"]
    row = (rest if len(rest) else judged).iloc[0]
    return {"row": row, "own_plan": own_plan, "table": status}


def _f(x: float, d: int = 1, sign: bool = False) -> str:
    return tx.fmt_number(x, d, sign=sign)


# ----------------------------------------------------------------------------- page


def header(ds: Dataset, institution: str) -> html.Block:
    """The chapter's title block with purpose and time to learn."""
    return common.chapter_header(ds, institution, number=NUMBER, title=TITLE, purpose=PURPOSE,
                                 minutes=MINUTES)


def candidates_section(ds: Dataset, institution: str) -> Any:
    """Where the data point: the candidate focus areas with the municipality beside."""
    f = facts(ds, institution)
    cand = f["candidates"]
    if cand is None:
        return common.no_data(TEXTS.paragraph("candidates_no_data", round=f["round"]))
    rows = []
    for r in cand.itertuples():
        share = r.kind in ("share_low", "coverage")
        val = (lambda x: tx.fmt_percent(x)) if share else (lambda x: _f(x, 1))
        rows.append({"Område": _KIND_DA.get(r.kind, r.kind), "Måling": r.label,
                     "Hvad data viser": r.why,
                     "Forslag til mål": val(r.proposed_target)})
    return html.Block(html.styled_table(pd.DataFrame(rows),
                                        caption=TEXTS.paragraph("candidates_caption", round=f["round"]))
                      + common.prose(*TEXTS.paragraphs("candidates_text")).html)


def exercise_children(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: how many children does the share with a low score correspond to?"""
    f = facts(ds, institution)
    low = f["low"]
    if low is None:
        return common.exercise_skipped()
    share, n, k = low["share"], low["n"], low["children"]
    noun = low["noun"]
    wrong = []
    if abs(100 * share - k) > 0.5:
        wrong.append((100 * share, 0.6, TEXTS.paragraph("children_wrong_percent", noun=noun)))
    if abs(n - k) > 0.5:
        wrong.append((n, 0.5, TEXTS.paragraph("children_wrong_all", noun=noun)))
    q = ex.Numeric(
        "ch08-antal",
        TEXTS.paragraph("children_question", share=tx.fmt_percent(share), n=tx.fmt_int(n), noun=noun,
                        label=low["label"], round=low["round"]),
        k, 0.5,
        hint=TEXTS.paragraph("children_hint"),
        solution=TEXTS.paragraph("children_solution", share=tx.fmt_percent(share, 1), n=tx.fmt_int(n),
                                 k=tx.fmt_int(k), noun=noun, half=tx.fmt_int(max(1, round(k / 2)))),
        wrong=wrong, unit=noun, decimals=0,
    )
    return session.add(q)


def department_section(ds: Dataset, institution: str) -> Any:
    """The share with a low score per department (suppressed departments shown as such)."""
    f = facts(ds, institution)
    lab = words(ds)
    if f["departments"] is None:
        return common.no_data(TEXTS.paragraph("department_no_data", **lab))
    dd = f["departments"]
    rows = []
    for _dep, r in dd["shown"].iterrows():
        rows.append({lab["department"].capitalize(): str(r["department_name"]),
                     f"Antal {dd['noun']}": tx.fmt_int(r["n"]),
                     "Gennemsnit": _f(r["mean"], 1), "Andel med lav score": tx.fmt_percent(r["share_low"])})
    for r in dd["hidden"].itertuples():
        rows.append({lab["department"].capitalize(): str(r.department_name),
                     f"Antal {dd['noun']}": tx.suppressed_text(ds.meta.min_n, dd["noun"],
                                                                    complementary=r.suppressed_reason == "complementary"),
                     "Gennemsnit": "", "Andel med lav score": ""})
    where = {**lab, "label": dd["label"], "round": dd["round"]}
    return html.Block(
        common.prose(*TEXTS.paragraphs("department_intro", **where)).html
        + html.styled_table(pd.DataFrame(rows), caption=TEXTS.paragraph("department_caption", **where)))


def exercise_department(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: the department with the largest share of low scores."""
    f = facts(ds, institution)
    lab = words(ds)
    if f["departments"] is None:
        return common.exercise_skipped()
    dd = f["departments"]
    s = dd["shown"]
    best = s.loc[sorted(dd["correct"])[0]]
    top = {"best": best["department_name"], "best_share": tx.fmt_percent(best["share_low"])}
    fb = {}
    for dep, r in s.iterrows():
        unit = {"unit": r["department_name"], "share": tx.fmt_percent(r["share_low"])}
        if dep in dd["correct"]:
            fb[dep] = TEXTS.paragraph("department_right", **unit)
        elif dep == dd["trap"]:
            fb[dep] = TEXTS.paragraph("department_wrong_lowest_mean", **unit)
        else:
            fb[dep] = TEXTS.paragraph("department_wrong_other", **unit, **top)
    q = ex.PickUnit(
        "ch08-enhed",
        TEXTS.paragraph("department_question", department=lab["department"], noun=dd["noun"], label=dd["label"],
                        which="hvilken" if lab["department"] in ("stue/gruppe", "klasse") else lab["which"]),
        {dep: str(s.loc[dep, "department_name"]) for dep in s.index}, dd["correct"],
        hint=TEXTS.paragraph("department_hint"),
        solution=TEXTS.paragraph("department_solution", **top, n=tx.fmt_int(best["n"]), noun=dd["noun"]),
        feedback=fb,
    )
    return session.add(q)


def draft_section(ds: Dataset, institution: str) -> Any:
    """A draft plan from the data (:func:`llkit.documents.plans.new_plan`): goals tied to indicators."""
    f = facts(ds, institution)
    if f["candidates"] is None:
        return common.no_data(TEXTS.paragraph("draft_no_data", round=f["round"]))
    try:
        plan = plans.new_plan(ds, f["inst"]["id"])
    except (KeyError, ValueError, PlanError):
        return common.no_data(TEXTS.paragraph("draft_no_plan_no_data"))
    rows = []
    for fa, g in plan.goals:
        share = g.indicator.kind in ("share_low", "coverage")
        rows.append({"Fokus": fa.focus, "Mål": g.goal,
                     "Indikator": _KIND_DA.get(g.indicator.kind, g.indicator.kind),
                     "Udgangspunkt": g.baseline,
                     "Målværdi": (tx.fmt_percent(g.target) if share else _f(g.target, 1)) + f" i {g.target_round}",
                     "Tegn på læring": "(skriv selv)"})
    return html.Block(
        html.styled_table(pd.DataFrame(rows), caption=TEXTS.paragraph("draft_caption"))
        + common.prose(*TEXTS.paragraphs("draft_text")).html)


def follow_up_section(ds: Dataset, institution: str) -> Any:
    """Follow-up next round: the status of the institution's own plan (or a worked example)."""
    f = facts(ds, institution)
    st = f["status"]
    if st is None:
        return common.no_data(TEXTS.paragraph("follow_up_no_data"))
    intro = common.prose(*TEXTS.paragraphs("follow_up_intro"))
    if st["own_plan"]:
        return html.Block(intro.html + institution_report.plan_section(ds, f["inst"]["id"]).html)
    r = st["row"]
    return html.Block(intro.html + common.prose(*TEXTS.paragraphs(
        "follow_up_example", name=f["inst"]["name"], goal=r["goal"], baseline=_f(r["baseline_value"], 2),
        baseline_round=r["baseline_round"], target=_f(r["target"], 1), target_round=r["target_round"])).html)


def _status_feedback(r: Any, correct: str, on_side: bool) -> dict[str, str]:
    """Feedback on each status in :func:`exercise_status`."""
    fb = {correct: TEXTS.paragraph("status_right", reason=r["reason"])}
    for k in plans.STATUSES:
        if k == correct:
            continue
        if k == "nået" and on_side:
            fb[k] = TEXTS.paragraph("status_wrong_reached_on_side")
        elif k == "nået":
            fb[k] = TEXTS.paragraph("status_wrong_reached")
        elif k == "ikke nået" and r["latest_round"] != r["target_round"]:
            fb[k] = TEXTS.paragraph("status_wrong_not_reached", target_round=r["target_round"])
        elif k == "på vej":
            fb[k] = TEXTS.paragraph("status_wrong_on_way", reason=r["reason"])
        else:
            fb[k] = TEXTS.paragraph("status_wrong_other", reason=r["reason"])
    return fb


def exercise_status(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice: the status of one goal, decided with the uncertainty."""
    f = facts(ds, institution)
    st = f["status"]
    if st is None:
        return common.exercise_skipped()
    r = st["row"]
    share = r["kind"] in ("share_low", "coverage")
    v = (lambda x: tx.fmt_percent(x)) if share else (lambda x: _f(x, 2))
    correct = str(r["status"])
    hib = bool(r["higher_is_better"])
    on_side = (r["latest_value"] >= r["target"]) if hib else (r["latest_value"] <= r["target"])
    interval = (" " + TEXTS.paragraph("status_interval", low=v(r["ci_low"]), high=v(r["ci_high"]))
                if pd.notna(r["ci_low"]) else "")
    q = ex.MultipleChoice(
        "ch08-status",
        TEXTS.paragraph(
            "status_question", goal=r["goal"], baseline=v(r["baseline_value"]), baseline_round=r["baseline_round"],
            target=v(r["target"]), target_round=r["target_round"], latest_round=r["latest_round"],
            latest=v(r["latest_value"]), interval=interval,
            whose=TEXTS.paragraph("status_whose_own") if st["own_plan"] else TEXTS.paragraph("status_whose_example"),
            direction=TEXTS.paragraph("status_higher_better") if hib else TEXTS.paragraph("status_lower_better")),
        list(plans.STATUSES), correct,
        hint=TEXTS.paragraph("status_hint"),
        solution=TEXTS.paragraph("status_solution", status=correct, reason=r["reason"]),
        feedback=_status_feedback(r, correct, on_side),
    )
    return session.add(q)


def reflection(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """The chapter's reflection prompt for the leadership team."""
    q = ex.Reflection("ch08-refleksion", TEXTS.paragraph("reflection"))
    return session.add(q)


def chapter_summary(ds: Dataset, institution: str) -> html.Block:
    """Opsummering."""
    return common.summary(TEXTS.paragraphs("summary"))
