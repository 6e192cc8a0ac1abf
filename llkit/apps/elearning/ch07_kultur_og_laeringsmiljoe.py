"""Chapter 7 — Kultur, læringsmiljø og tegn på læring.

The process criterion (a lasting change of culture: more trust and well-being among the
staff), observations of the pedagogical learning environment per department, the
documentation of signs of learning (tegn på læring) by every team, and triangulating
informants (pedagogues, the children themselves, parents, tests) — all on the
participant's own data.

Examples
--------
>>> from llkit.apps.elearning import common
>>> ds, session = common.open_chapter("data/sample/dagtilbud", "I01", 7)
>>> f = facts(ds, "I01")
>>> 0 <= f["coverage"]["share"] <= 1
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.elearning import common
from llkit.apps.elearning.ch05_sammenligning import _Both, words
from llkit.apps.elearning.prose import chapter_texts
from llkit.data import memo
from llkit.documents import common as doc
from llkit.documents import family as families
from llkit.documents import institution_report
from llkit.present import html, labels
from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "NUMBER", "TITLE", "MINUTES", "PURPOSE", "AGREEMENT", "facts", "header", "culture_section",
    "exercise_staff", "observation_section", "exercise_observation", "exercise_coverage",
    "coverage_section", "triangulation_section", "exercise_triangulation", "reflection",
    "chapter_summary",
]

NUMBER = 7
TITLE = common.CHAPTER_TITLES[NUMBER]
MINUTES = "25"
TEXTS = chapter_texts(NUMBER)
PURPOSE = TEXTS.paragraph("purpose")

#: Answers to "do the informants point the same way?".
AGREEMENT = {
    "all_over": TEXTS.paragraph("agreement_option_all_over"),
    "all_under": TEXTS.paragraph("agreement_option_all_under"),
    "mixed": TEXTS.paragraph("agreement_option_mixed"),
}


# ----------------------------------------------------------------------------- facts


def facts(ds: Dataset, institution: str) -> dict[str, Any]:
    """The facts behind the chapter's exercises; each part is ``None`` without its data.

    Returns
    -------
    dict
        ``inst``, ``round``; ``staff`` (table of staff measures: label, n, mean,
        municipality, diff; ``correct`` = ids of the lowest diff, ``trap`` = lowest
        mean); ``observation`` (measure, label, ratings per department, ``correct``
        department ids with the lowest rating); ``coverage`` (teams, teams_with_goals,
        teams_documenting, share, goals, goals_documented); ``sources`` (per informant:
        number of measures over / under the municipality beyond the uncertainty, verdict)
        and ``agreement`` (key of :data:`AGREEMENT`).
    """
    inst = common.institution_info(ds, institution)
    return memo.cached(ds, ("el-ch07", inst["id"]), lambda: _facts(ds, inst))


def _facts(ds: Dataset, inst: dict[str, Any]) -> dict[str, Any]:
    rnd = doc.last_round(ds, inst)
    info = labels.measure_info(ds)
    pos = families.institution_position(ds, inst, rnd)
    out: dict[str, Any] = {"inst": inst, "round": rnd, "staff": None, "observation": None,
                           "coverage": None, "sources": None, "agreement": None}
    # staff survey: the process criterion
    staff = [m for m in info.index if info.loc[m, "subject"] == "respondent"
             and pos is not None and m in pos.index]
    if staff:
        t = pos.loc[staff]
        t = t[~t["suppressed"].astype(bool) & t["mean"].notna() & t["municipality"].notna()]
        if len(t) >= 2:
            t = t.assign(label=[str(info.loc[m, "label"]) for m in t.index],
                         diff=t["mean"] - t["municipality"])
            dmin = t["diff"].min()
            out["staff"] = {
                "table": t[["label", "n", "mean", "municipality", "diff"]],
                "correct": set(t.index[np.isclose(t["diff"], dmin, atol=1e-12)]),
                "trap": str(t["mean"].idxmin()),
            }
    # observations of the learning environment, per department
    obs = [m for m in info.index if info.loc[m, "subject"] == "department"]
    if obs:
        d = indicators.summarize(ds, obs, by="department", round=rnd)
        d = d[d["department_id"].astype(str).isin(inst["departments"]) & d["mean"].notna()
              & ~d["suppressed"].astype(bool)]
        d = d.assign(department_id=d["department_id"].astype(str), measure_id=d["measure_id"].astype(str))
        if d["department_id"].nunique() >= 2:
            rng = d.groupby("measure_id")["mean"].agg(lambda s: s.max() - s.min() if len(s) >= 2 else -1)
            m = str(rng.idxmax())
            dm = d[d["measure_id"] == m].set_index("department_id")
            shown = dm["mean"].round(1)  # as the participant sees the ratings
            out["observation"] = {
                "measure": m, "label": str(info.loc[m, "label"]), "all": d,
                "ratings": dm[["department_name", "mean"]],
                "correct": set(dm.index[shown == shown.min()]),
                "scale_min": info.loc[m, "scale_min"], "scale_max": info.loc[m, "scale_max"],
            }
    # documentation of signs of learning
    if ds.goals is not None and not ds.goals.empty:
        cov = indicators.coverage(ds, by="institution", round=rnd)
        cov = cov[cov["institution_id"].astype(str) == inst["id"]]
        if len(cov) and int(cov["teams"].iloc[0]) > 0:
            r = cov.iloc[0]
            out["coverage"] = {k: (float(r[k]) if k == "share" else int(r[k])) for k in
                               ["teams", "teams_with_goals", "teams_documenting", "share", "goals",
                                "goals_with_signs", "goals_documented"]}
    # triangulation: every informant about the children
    child = [m for m in info.index if info.loc[m, "subject"] == "child" and pos is not None
             and m in pos.index]
    rows = []
    for source in dict.fromkeys(str(info.loc[m, "source"]) for m in child):
        ms = [m for m in child if str(info.loc[m, "source"]) == source]
        p = pos.loc[ms]
        p = p[~p["suppressed"].astype(bool) & p["diff"].notna()]
        if p.empty:
            continue
        flag = p["flag"].astype(bool)  # the report's family decision (llkit.stats.decision)
        over = int((flag & (p["diff"] > 0)).sum())
        under = int((flag & (p["diff"] < 0)).sum())
        verdict = "over" if over > under else "under" if under > over else "level"
        rows.append({"source": source, "source_label": str(info.loc[ms[0], "source_label"]),
                     "measures": len(p), "over": over, "under": under,
                     "level": len(p) - over - under, "verdict": verdict})
    if len(rows) >= 2:
        src = pd.DataFrame(rows)
        verdicts = set(src["verdict"])
        out["sources"] = src
        out["agreement"] = ("all_over" if verdicts == {"over"} else
                            "all_under" if verdicts == {"under"} else "mixed")
    return out


def _f(x: float, d: int = 2, sign: bool = False) -> str:
    return tx.fmt_number(x, d, sign=sign)


# ----------------------------------------------------------------------------- page


def header(ds: Dataset, institution: str) -> html.Block:
    """The chapter's title block with purpose and time to learn."""
    return common.chapter_header(ds, institution, number=NUMBER, title=TITLE, purpose=PURPOSE,
                                 minutes=MINUTES)


def culture_section(ds: Dataset, institution: str) -> Any:
    """Staff survey and observations: the institution beside the municipality."""
    info = labels.measure_info(ds)
    if not any(info["subject"].isin(["respondent", "department"])):
        return common.no_data(TEXTS.paragraph("culture_no_data"))
    return institution_report.culture_section(ds, institution)


def exercise_staff(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice: which staff measure lies lowest compared with the municipality?"""
    f = facts(ds, institution)
    s = f["staff"]
    if s is None:
        return common.exercise_skipped()
    t = s["table"]
    options = {m: t.loc[m, "label"] for m in t.index}
    best = t.loc[sorted(s["correct"])[0]]
    fb = {}
    for m in t.index:
        r = t.loc[m]
        nums = {"label": r["label"], "mean": _f(r["mean"]), "municipality": _f(r["municipality"]),
                "diff": _f(r["diff"], sign=True)}
        if m in s["correct"]:
            fb[m] = TEXTS.paragraph("staff_right", **nums)
        elif m == s["trap"]:
            fb[m] = TEXTS.paragraph("staff_wrong_lowest_mean", **nums)
        else:
            fb[m] = TEXTS.paragraph("staff_wrong_other", **nums, best_label=best["label"],
                                    best_diff=_f(best["diff"], sign=True))
    q = ex.MultipleChoice(
        "ch07-medarbejdere",
        TEXTS.paragraph("staff_question", round=f["round"], name=f["inst"]["name"]),
        options, s["correct"],
        hint=TEXTS.paragraph("staff_hint"),
        solution=TEXTS.paragraph("staff_solution", best_label=best["label"], differences="; ".join(
            f"{t.loc[m, 'label']} {_f(t.loc[m, 'diff'], sign=True)}" for m in t.index)),
        feedback=fb,
    )
    return session.add(q)


def observation_section(ds: Dataset, institution: str) -> Any:
    """The observation ratings of every department (they describe rooms, not persons)."""
    f = facts(ds, institution)
    o = f["observation"]
    lab = words(ds)
    if o is None:
        return common.no_data(TEXTS.paragraph("observation_no_data", **lab))
    info = labels.measure_info(ds)
    a = o["all"]
    table = a.pivot_table(index="department_name", columns="measure_id", values="mean", aggfunc="first")
    table = table[[m for m in info.index if m in table.columns]]
    shown = table.apply(lambda c: c.map(lambda v: _f(v, 1)))
    shown.columns = [str(info.loc[m, "label"]) for m in table.columns]
    shown = shown.reset_index().rename(columns={"department_name": lab["department"].capitalize()})
    texts = TEXTS.paragraphs("observation_intro", **lab, scale_min=_f(o["scale_min"], 0),
                             scale_max=_f(o["scale_max"], 0))
    title = (TEXTS.paragraph("observation_title_rooms") if lab["institution"] == "dagtilbud" else
             TEXTS.paragraph("observation_title_classes"))
    return html.Block(common.prose(*texts, title=title).html
                    + html.styled_table(shown, caption=TEXTS.paragraph("observation_caption", round=f["round"])))


def exercise_observation(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: which department got the lowest rating in the most varying area?"""
    f = facts(ds, institution)
    o = f["observation"]
    lab = words(ds)
    if o is None:
        return common.exercise_skipped()
    r = o["ratings"]
    low = r.loc[sorted(o["correct"])[0]]
    hi_id = str(r["mean"].idxmax())
    lowest = {"lowest": low["department_name"], "lowest_rating": _f(low["mean"], 1)}
    fb = {}
    for dep in r.index:
        unit = {"unit": r.loc[dep, "department_name"], "rating": _f(r.loc[dep, "mean"], 1)}
        if dep in o["correct"]:
            fb[dep] = TEXTS.paragraph("observation_right", **unit)
        elif dep == hi_id:
            fb[dep] = TEXTS.paragraph("observation_wrong_highest", **unit)
        else:
            fb[dep] = TEXTS.paragraph("observation_wrong_other", **unit, **lowest)
    q = ex.PickUnit(
        "ch07-observation",
        TEXTS.paragraph("observation_question", **{**lab, "Which": (
            lab["which"].capitalize() if lab["department"] != "stue/gruppe" else "Hvilken")},
                        label=o["label"]),
        {dep: str(r.loc[dep, "department_name"]) for dep in r.index}, o["correct"],
        hint=TEXTS.paragraph("observation_hint", label=o["label"]),
        solution=TEXTS.paragraph("observation_solution", **lab, **lowest, label=o["label"],
                                 highest_rating=_f(r["mean"].max(), 1)),
        feedback=fb,
    )
    return session.add(q)


def exercise_coverage(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the share of teams that documented signs of learning (in per cent)."""
    f = facts(ds, institution)
    c = f["coverage"]
    lab = words(ds)
    if c is None:
        return common.exercise_skipped()
    rows = [
        {"": f"Aktive {lab['departments']} (teams)", "Antal": tx.fmt_int(c["teams"])},
        {"": "… heraf med mindst ét læringsmål", "Antal": tx.fmt_int(c["teams_with_goals"])},
        {"": "… heraf har dokumenteret tegn på læring", "Antal": tx.fmt_int(c["teams_documenting"])},
        {"": "Læringsmål i alt", "Antal": tx.fmt_int(c["goals"])},
        {"": "… heraf med tegn på læring formuleret", "Antal": tx.fmt_int(c["goals_with_signs"])},
        {"": "… heraf med dokumenterede tegn", "Antal": tx.fmt_int(c["goals_documented"])},
    ]
    table = html.styled_table(pd.DataFrame(rows), caption=TEXTS.paragraph(
        "coverage_caption", name=f["inst"]["name"], round=f["round"]))
    correct = 100 * c["share"]
    wrong = []
    if c["goals"]:
        g = 100 * c["goals_documented"] / c["goals"]
        if abs(g - correct) > 1:
            wrong.append((g, 1.0, TEXTS.paragraph("coverage_wrong_goals")))
    wg = 100 * c["teams_with_goals"] / c["teams"]
    if abs(wg - correct) > 1:
        wrong.append((wg, 1.0, TEXTS.paragraph("coverage_wrong_teams_with_goals")))
    if abs(c["teams_documenting"] - correct) > 1:
        wrong.append((c["teams_documenting"], 0.01, TEXTS.paragraph("coverage_wrong_count")))
    q = ex.Numeric(
        "ch07-tegn",
        TEXTS.paragraph("coverage_question", **lab, round=f["round"]),
        correct, 1.0,
        hint=TEXTS.paragraph("coverage_hint"),
        solution=TEXTS.paragraph("coverage_solution", documenting=tx.fmt_int(c["teams_documenting"]),
                                 teams=tx.fmt_int(c["teams"]), share=tx.fmt_percent(c["share"])),
        wrong=wrong, unit="%", decimals=0,
    )
    session.add(q)
    return _Both(html.Block(table), q)


def coverage_section(ds: Dataset, institution: str) -> Any:
    """Documentation of signs of learning over the rounds (figure), beside the municipality."""
    from llkit.present import plots

    f = facts(ds, institution)
    if f["coverage"] is None:
        return common.no_data(TEXTS.paragraph("coverage_no_data"))
    fig = plots.coverage(ds, institution=f["inst"]["id"])
    return html.Block(common.figure_html(fig).html
                      + common.prose(*TEXTS.paragraphs("coverage_text", **words(ds))).html)


def triangulation_section(ds: Dataset, institution: str) -> Any:
    """The informants about the children side by side: over, under or like the municipality."""
    f = facts(ds, institution)
    lab = words(ds)
    src = f["sources"]
    if src is None:
        return common.no_data(TEXTS.paragraph("triangulation_no_data", **lab))
    verdict = {"over": TEXTS.paragraph("triangulation_verdict_over"),
               "under": TEXTS.paragraph("triangulation_verdict_under"),
               "level": TEXTS.paragraph("triangulation_verdict_level")}
    rows = [{"Kilde": r.source_label, "Målinger": tx.fmt_int(r.measures),
             "Over kommunen": tx.fmt_int(r.over), "Under kommunen": tx.fmt_int(r.under),
             "Ingen sikker forskel": tx.fmt_int(r.level), "Samlet": verdict[r.verdict]}
            for r in src.itertuples()]
    return html.Block(common.prose(*TEXTS.paragraphs("triangulation_intro", **lab),
                                   title=TEXTS.paragraph("triangulation_title")).html
                      + html.styled_table(pd.DataFrame(rows),
                                          caption=TEXTS.paragraph("triangulation_caption", round=f["round"])))


def exercise_triangulation(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice: do the informants point the same way?"""
    f = facts(ds, institution)
    lab = words(ds)
    if f["agreement"] is None:
        return common.exercise_skipped()
    a = f["agreement"]
    src = f["sources"]
    desc = "; ".join(TEXTS.paragraph("triangulation_source", source=r.source_label, over=r.over, under=r.under,
                                     level=r.level) for r in src.itertuples())
    fb = {a: TEXTS.paragraph("triangulation_right", sources=desc)}
    for k in AGREEMENT:
        if k == a:
            continue
        if k == "mixed":
            fb[k] = TEXTS.paragraph("triangulation_wrong_mixed")
        else:
            fb[k] = TEXTS.paragraph("triangulation_wrong_all", side="over" if k == "all_over" else "under")
    q = ex.MultipleChoice(
        "ch07-triangulering",
        TEXTS.paragraph("triangulation_question", **lab, round=f["round"]),
        AGREEMENT, a,
        hint=TEXTS.paragraph("triangulation_hint"),
        solution=TEXTS.paragraph("triangulation_solution", sources=desc, answer=AGREEMENT[a].lower()),
        feedback=fb,
    )
    return session.add(q)


def reflection(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """The chapter's reflection prompt for the leadership team."""
    q = ex.Reflection("ch07-refleksion", TEXTS.paragraph("reflection", **words(ds)))
    return session.add(q)


def chapter_summary(ds: Dataset, institution: str) -> html.Block:
    """Opsummering."""
    return common.summary(TEXTS.paragraphs("summary", **words(ds)))
