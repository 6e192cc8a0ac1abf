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
PURPOSE = ("Efter kapitlet kan I vælge et fokus ud fra jeres data, formulere mål med tegn på "
           "læring, der kan følges i næste måling, og vurdere et måls status med usikkerheden.")

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
        goal=f"Et højere gennemsnit i {label}", indicator=plans.Indicator(kind="mean", measure=measure),
        baseline=rounds[0], target=target, target_round=rounds[-1],
        signs=["Eksempel på et tegn"],
        actions=[plans.Action(what="Eksempel på en handling", who="Ledelsesteamet",
                              deadline=dt.date(2000, 1, 1))],
    )
    return plans.Plan(institution=inst["id"], title="Eksempel", created=dt.date(2000, 1, 1),
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
        return common.no_data(f"tal nok i {f['round']} til at pege på et fokusområde")
    rows = []
    for r in cand.itertuples():
        share = r.kind in ("share_low", "coverage")
        val = (lambda x: tx.fmt_percent(x)) if share else (lambda x: _f(x, 1))
        rows.append({"Område": _KIND_DA.get(r.kind, r.kind), "Måling": r.label,
                     "Hvad data viser": r.why,
                     "Forslag til mål": val(r.proposed_target)})
    return html.Block(html.styled_table(pd.DataFrame(rows), caption=f"Mulige fokusområder ud fra {f['round']}")
                    + common.prose(
                        "Listen er et forslag fra llkit, ikke en beslutning. Den peger på de steder, "
                        "hvor jeres tal ligger lavest i forhold til kommunen, på forskellen efter "
                        "social baggrund, på medarbejdernes svar og på dokumentationen af tegn på "
                        "læring. Vælg ét eller to fokusområder, som I kan forklare med jeres "
                        "kendskab til hverdagen – data peger, men I vælger.").html)


def exercise_children(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: how many children does the share with a low score correspond to?"""
    f = facts(ds, institution)
    low = f["low"]
    if low is None:
        return common.exercise_skipped()
    share, n, k = low["share"], low["n"], low["children"]
    wrong = []
    if abs(100 * share - k) > 0.5:
        wrong.append((100 * share, 0.6, "Det er procenten. Spørgsmålet gælder antallet: gang "
                                        "andelen med antallet af " + low["noun"] + "."))
    if abs(n - k) > 0.5:
        wrong.append((n, 0.5, f"Det er alle {low['noun']}, der er målt. Hvor mange af dem havde en "
                              "lav score?"))
    q = ex.Numeric(
        "ch08-antal",
        f"{tx.fmt_percent(share)} af jeres {tx.fmt_int(n)} {low['noun']} havde en lav score i "
        f"{low['label']} i {low['round']}. Hvor mange {low['noun']} er det?",
        k, 0.5,
        hint="Gang andelen med antallet, og rund af til et helt tal.",
        solution=(f"{tx.fmt_percent(share, 1)} × {tx.fmt_int(n)} = {tx.fmt_int(k)} {low['noun']}. Bag en "
                  f"procent står konkrete {low['noun']} – I kender dem. Et mål om at halvere andelen "
                  f"betyder, at omkring {tx.fmt_int(max(1, round(k / 2)))} af dem skal op over grænsen "
                  "i næste måling."),
        wrong=wrong, unit=low["noun"], decimals=0,
    )
    return session.add(q)


def department_section(ds: Dataset, institution: str) -> Any:
    """The share with a low score per department (suppressed departments shown as such)."""
    f = facts(ds, institution)
    lab = words(ds)
    if f["departments"] is None:
        return common.no_data(f"mindst to {lab['departments']} med tal nok til at vise andelen med en "
                              "lav score")
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
    return html.Block(
        common.prose(f"Et fokus for hele {lab['the_inst']} bliver konkret, når I ved, hvor I skal "
                     f"begynde. Tabellen viser andelen med en lav score i {dd['label']} for hver {lab['department']} i "
                     f"{dd['round']}.").html
        + html.styled_table(pd.DataFrame(rows), caption=f"{dd['label']} i {lab['the_depts']}, {dd['round']}"))


def exercise_department(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: the department with the largest share of low scores."""
    f = facts(ds, institution)
    lab = words(ds)
    if f["departments"] is None:
        return common.exercise_skipped()
    dd = f["departments"]
    s = dd["shown"]
    best = s.loc[sorted(dd["correct"])[0]]
    fb = {}
    for dep, r in s.iterrows():
        if dep in dd["correct"]:
            fb[dep] = f"Rigtigt. {r['department_name']}: {tx.fmt_percent(r['share_low'])} med lav score."
        elif dep == dd["trap"]:
            fb[dep] = (f"{r['department_name']} har det laveste gennemsnit, men spørgsmålet gælder "
                       "andelen med en lav score. Et gennemsnit kan dække over få, der har det svært.")
        else:
            fb[dep] = (f"{r['department_name']} har {tx.fmt_percent(r['share_low'])}; "
                       f"{best['department_name']} har {tx.fmt_percent(best['share_low'])}.")
    what = "stue/gruppe" if lab["department"] == "stue/gruppe" else lab["department"]
    q = ex.PickUnit(
        "ch08-enhed",
        f"I {'hvilken' if lab['department'] in ('stue/gruppe', 'klasse') else lab['which']} {what} er "
        f"andelen af {dd['noun']} med en lav score i {dd['label']} størst?",
        {dep: str(s.loc[dep, "department_name"]) for dep in s.index}, dd["correct"],
        hint="Se på kolonnen »Andel med lav score«, ikke på gennemsnittet.",
        solution=(f"{best['department_name']} med {tx.fmt_percent(best['share_low'])}. Men husk: med "
                  f"{tx.fmt_int(best['n'])} {dd['noun']} er få {dd['noun']} nok til at "
                  "flytte procenten meget. Brug tallet som anledning til at se nærmere på "
                  "læringsmiljøet dér – ikke som en dom."),
        feedback=fb,
    )
    return session.add(q)


def draft_section(ds: Dataset, institution: str) -> Any:
    """A draft plan from the data (:func:`llkit.documents.plans.new_plan`): goals tied to indicators."""
    f = facts(ds, institution)
    if f["candidates"] is None:
        return common.no_data(f"tal nok i {f['round']} til at lave et udkast til en handleplan")
    try:
        plan = plans.new_plan(ds, f["inst"]["id"])
    except (KeyError, ValueError, PlanError):
        return common.no_data("tal nok til at lave et udkast til en handleplan")
    rows = []
    for fa, g in plan.goals:
        share = g.indicator.kind in ("share_low", "coverage")
        rows.append({"Fokus": fa.focus, "Mål": g.goal,
                     "Indikator": _KIND_DA.get(g.indicator.kind, g.indicator.kind),
                     "Udgangspunkt": g.baseline,
                     "Målværdi": (tx.fmt_percent(g.target) if share else _f(g.target, 1)) + f" i {g.target_round}",
                     "Tegn på læring": "(skriv selv)"})
    return html.Block(
        html.styled_table(pd.DataFrame(rows), caption="Udkast til mål (lavet af llkit ud fra jeres data)")
        + common.prose(
            "Et godt mål siger, hvad der skal være anderledes, hvordan det måles, og hvornår. "
            "Her er hvert mål knyttet til en indikator i kortlægningen, et udgangspunkt og en "
            "målværdi i næste måling. Det, llkit ikke kan skrive, er tegnene: hvad vil I se og "
            "høre i hverdagen, når målet er ved at blive nået? Og handlingerne: hvem gør hvad, "
            "hvornår?").html)


def follow_up_section(ds: Dataset, institution: str) -> Any:
    """Follow-up next round: the status of the institution's own plan (or a worked example)."""
    f = facts(ds, institution)
    st = f["status"]
    if st is None:
        return common.no_data("en handleplan eller mindst to målinger at følge op på")
    intro = common.prose(
        "Når næste måling kommer, afgøres hvert mål med usikkerheden: »nået«, når hele intervallet "
        "ligger på den rigtige side af målværdien; »ikke nået«, når målrunden er målt og hele "
        "intervallet ligger på den forkerte side; »på vej«, når udviklingen siden udgangspunktet er "
        "større end usikkerheden; ellers »kan ikke vurderes«.")
    if st["own_plan"]:
        return html.Block(intro.html + institution_report.plan_section(ds, f["inst"]["id"]).html)
    r = st["row"]
    return html.Block(intro.html + common.prose(
        f"{f['inst']['name']} har ingen handleplan i data. Vi bruger derfor et eksempel: målet "
        f"»{r['goal']}« fra {_f(r['baseline_value'], 2)} i {r['baseline_round']} til "
        f"{_f(r['target'], 1)} i {r['target_round']}.").html)


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
    interval = (f" (95\u00a0%-interval {v(r['ci_low'])}{tx.DASH}{v(r['ci_high'])})"
                if pd.notna(r["ci_low"]) else "")
    fb = {correct: f"Rigtigt: {r['reason']}."}
    for k in plans.STATUSES:
        if k == correct:
            continue
        if k == "nået" and on_side:
            fb[k] = ("Punktet ligger på den rigtige side af målværdien, men intervallet rummer "
                     "målværdien: et mål er først nået, når hele intervallet er på den rigtige side.")
        elif k == "nået":
            fb[k] = "Seneste værdi ligger ikke engang som punkt på den rigtige side af målværdien."
        elif k == "ikke nået" and r["latest_round"] != r["target_round"]:
            fb[k] = (f"Målrunden {r['target_round']} er ikke målt endnu, så målet kan ikke erklæres "
                     "ikke nået.")
        elif k == "på vej":
            fb[k] = ("»På vej« kræver en udvikling siden udgangspunktet, der er større end "
                     f"usikkerheden. Her: {r['reason']}.")
        else:
            fb[k] = f"Ikke rigtigt. Status afgøres af intervallet: {r['reason']}."
    whose = "jeres handleplan" if st["own_plan"] else "eksemplet ovenfor"
    q = ex.MultipleChoice(
        "ch08-status",
        f"Målet »{r['goal']}« i {whose}: udgangspunkt {v(r['baseline_value'])} i {r['baseline_round']}, "
        f"målværdi {v(r['target'])} i {r['target_round']}. I {r['latest_round']} er værdien "
        f"{v(r['latest_value'])}{interval}. "
        + ("Højere er bedre. " if hib else "Lavere er bedre. ")
        + "Hvad er målets status?",
        list(plans.STATUSES), correct,
        hint=("Ligger hele intervallet på den rigtige side af målværdien? Hvis ikke: er udviklingen "
              "siden udgangspunktet større end usikkerheden?"),
        solution=f"Status: {correct} – {r['reason']}.",
        feedback=fb,
    )
    return session.add(q)


def reflection(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """The chapter's reflection prompt for the leadership team."""
    q = ex.Reflection(
        "ch08-refleksion",
        "Hvilket ét fokusområde vil I vælge til jeres handleplan, og hvorfor netop det? Formulér "
        "ét mål, to tegn på læring, I vil se efter i hverdagen, og den første handling: hvem gør "
        "hvad, og hvornår følger I op?",
    )
    return session.add(q)


def chapter_summary(ds: Dataset, institution: str) -> html.Block:
    """Opsummering."""
    return common.summary([
        "Data peger på mulige fokusområder; ledelsesteamet vælger ud fra sit kendskab til hverdagen.",
        "Bag hver procent står konkrete børn eller elever – regn andelen om til et antal.",
        "Et mål knyttes til en indikator, et udgangspunkt, en målværdi og en målrunde, så næste "
        "måling kan vise, hvor I står.",
        "Tegn på læring er det, I vil se og høre i hverdagen, før næste måling kommer.",
        "Et mål er først nået, når hele intervallet ligger på den rigtige side af målværdien.",
    ])
