"""Chapter 4 — Udvikling over tid: T1→T2→T3, other children versus the same children,
regression to the mean, reliable change.

Examples
--------
>>> from llkit.apps.elearning import common, ch04_udvikling as ch
>>> ds, s = common.open_chapter("data/sample/dagtilbud", "I01", 4)
>>> f = ch.facts(ds, "I01")
>>> f["n_paired"] <= min(f["n_from"], f["n_to"])
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.elearning import common as cm
from llkit.apps.elearning.prose import chapter_texts
from llkit.present import text as tx
from llkit.present.labels import format_estimate
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

NUMBER = 4
TITLE = cm.CHAPTER_TITLES[NUMBER]
MINUTES = 25
TEXTS = chapter_texts(NUMBER)
Z = 1.96

__all__ = ["header", "facts", "threshold_facts", "rtm_facts", "development_section", "children_section",
           "rtm_section", "reliable_section", "exercise_same_children", "exercise_change", "exercise_rtm",
           "exercise_threshold", "exercise_reliable", "reflection", "summary", "NUMBER", "TITLE", "MINUTES"]


def header(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's title, purpose and reading time."""
    return cm.chapter_header(ds, institution, number=NUMBER, title=TITLE, minutes=MINUTES,
                             purpose=TEXTS.paragraph("purpose", **cm.labels(ds)))


def _f(x: float, d: int) -> str:
    return tx.fmt_number(x, d)


def facts(ds: Dataset, institution: str, measure: str | None = None) -> dict[str, Any] | None:
    """The institution's change between its last two rounds for the focus measure.

    Returns
    -------
    dict or None
        ``measure``, ``from_round``, ``to_round``, ``n_from``, ``n_to``, ``n_paired``,
        unpaired ``mean_from``/``mean_to``/``diff``/``ci_low``/``ci_high`` (all children),
        ``paired`` (dict with the same keys for the same children, or None when fewer than
        min_n children are in both rounds), ``share_reliable_up``/``down`` (paired),
        ``share_any_up`` (paired children with any increase), ``decimals``, ``label``.
        ``None`` with fewer than two rounds.
    """
    inst = cm.institution_info(ds, institution)
    m = measure or cm.focus_measure(ds, institution, rounds=2)
    rounds = cm.inst_rounds(ds, institution)
    if m is None or len(rounds) < 2:
        return None
    return cm.memo(ds, ("ch04", inst["id"], m), lambda: _facts(ds, inst, m, rounds[-2], rounds[-1]))


def _facts(ds: Dataset, inst: dict[str, Any], m: str, r1: str, r2: str) -> dict[str, Any] | None:
    un = indicators.change(ds, m, by="institution", from_round=r1, to_round=r2, paired=False)
    un = un[un["institution_id"].astype(str) == inst["id"]]
    if un.empty or bool(un["suppressed"].iloc[0]):
        return None
    u = un.iloc[0]
    pa = indicators.change(ds, m, by="institution", from_round=r1, to_round=r2, paired="auto")
    p = pa[pa["institution_id"].astype(str) == inst["id"]].iloc[0]
    paired = None
    if bool(p["paired"]) and not bool(p["suppressed"]):
        paired = {k: float(p[k]) for k in ["mean_from", "mean_to", "diff", "ci_low", "ci_high"]}
    sc = indicators.scores(ds, m)
    sc = sc[sc["institution_id"].astype(str) == inst["id"]]
    wide = sc.pivot_table(index="subject_id", columns=sc["round"].astype(str), values="score", observed=True)
    both = wide[[r1, r2]].dropna() if {r1, r2} <= set(wide.columns) else pd.DataFrame(columns=[r1, r2])
    info = cm.measure_info(ds).loc[m]
    return {
        "inst_id": inst["id"],
        "measure": m, "from_round": r1, "to_round": r2, "n_from": int(u["n_from"]), "n_to": int(u["n_to"]),
        "n_paired": int(p["n_paired"]), "mean_from": float(u["mean_from"]), "mean_to": float(u["mean_to"]),
        "diff": float(u["diff"]), "ci_low": float(u["ci_low"]), "ci_high": float(u["ci_high"]),
        "paired": paired,
        "share_reliable_up": float(p["share_reliable_up"]) if paired else math.nan,
        "share_reliable_down": float(p["share_reliable_down"]) if paired else math.nan,
        "share_any_up": float((both[r2] > both[r1]).mean()) if len(both) else math.nan,
        "decimals": int(info["decimals"]), "label": str(info["label"]), "hib": bool(info["hib"]),
    }


def threshold_facts(ds: Dataset, institution: str) -> dict[str, Any] | None:
    """Baseline sd (all subjects of the measure in the baseline round), reliability and the
    reliable-change threshold ``1,96 · s · √2 · √(1 − r)`` for the focus measure."""
    m = cm.focus_measure(ds, institution)
    if m is None:
        return None
    rounds = cm.inst_rounds(ds, institution)
    r1 = rounds[-2] if len(rounds) >= 2 else rounds[-1]

    def make():
        sc = indicators.scores(ds, m)
        s = float(sc.loc[sc["round"].astype(str) == r1, "score"].std(ddof=1))
        meas = ds.measures.set_index(ds.measures["measure_id"].astype(str))
        r = math.nan
        if "reliability" in meas.columns and pd.notna(meas.loc[m, "reliability"]):
            r = float(meas.loc[m, "reliability"])
        else:
            rel = indicators.reliability(ds)
            row = rel[(rel["measure_id"].astype(str) == m) & (rel["round"].astype(str) == r1)]
            if not row.empty:
                r = float(row["alpha"].iloc[0])
        if not (np.isfinite(s) and np.isfinite(r) and 0 < r < 1):
            return None
        info = cm.measure_info(ds).loc[m]
        return {"measure": m, "round": r1, "sd": s, "reliability": r,
                "threshold": Z * s * math.sqrt(2) * math.sqrt(1 - r), "decimals": int(info["decimals"]),
                "label": str(info["label"])}
    return cm.memo(ds, ("ch04_threshold", m, r1), make)


def rtm_facts(ds: Dataset, institution: str) -> dict[str, Any] | None:
    """Regression to the mean among all departments of the data: department means in the
    two rounds (shown departments in both), the mean change of the lowest and the highest
    quarter at baseline."""
    f = facts(ds, institution)
    if f is None:
        return None
    m, r1, r2 = f["measure"], f["from_round"], f["to_round"]

    def make():
        s = indicators.summarize(ds, m, by="department", round=[r1, r2])
        s = s[~s["suppressed"].astype(bool)]
        w = s.pivot_table(index="department_id", columns=s["round"].astype(str), values="mean", observed=True)
        if not {r1, r2} <= set(w.columns):
            return None
        w = w[[r1, r2]].dropna()
        if len(w) < 8:
            return None
        w["change"] = w[r2] - w[r1]
        q1, q3 = w[r1].quantile(0.25), w[r1].quantile(0.75)
        low = w[w[r1] <= q1]["change"]
        high = w[w[r1] >= q3]["change"]
        return {"measure": m, "from_round": r1, "to_round": r2, "n_departments": int(len(w)),
                "low_change": float(low.mean()), "high_change": float(high.mean()),
                "n_low": int(len(low)), "n_high": int(len(high)), "table": w, "decimals": f["decimals"],
                "label": f["label"]}
    return cm.memo(ds, ("ch04_rtm", m, r1, r2), make)


# ----------------------------------------------------------------------------- sections


def development_section(ds: Dataset, institution: str) -> cm.Block:
    """The development over the rounds (figure) with a sentence on the last change."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return cm.no_data(TEXTS.paragraph("development_no_data", **lab))
    from llkit.present import plots

    d = f["decimals"]
    est, iv = format_estimate(ds, f["measure"], f["diff"], f["ci_low"], f["ci_high"])
    text = cm.prose(
        *TEXTS.paragraphs("development", **lab, label=f["label"], from_round=f["from_round"],
                          to_round=f["to_round"], mean_from=_f(f["mean_from"], d), mean_to=_f(f["mean_to"], d),
                          change=est, interval=iv),
        title=TEXTS.paragraph("development_title"))
    try:
        fig = cm.figure_html(plots.development(ds, measure=f["measure"], institution=institution))
    except Exception:  # noqa: BLE001 - the text stands without the figure
        fig = cm.no_data(TEXTS.paragraph("development_no_figure"))
    return text + fig


def children_section(ds: Dataset, institution: str) -> cm.Block:
    """Other children versus the same children: counts and both changes."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    first, second = ((TEXTS.paragraph("children_first_default"), TEXTS.paragraph("children_second_default"))
                     if f is None else (f["from_round"], f["to_round"]))
    intro = cm.prose(*TEXTS.paragraphs("children", **lab, first=first, second=second),
                     title=TEXTS.paragraph("children_title", **lab))
    if f is None:
        return intro + cm.no_data(TEXTS.paragraph("children_no_data", **lab))
    est, iv = format_estimate(ds, f["measure"], f["diff"], f["ci_low"], f["ci_high"])
    rows = [{"Sammenligning": TEXTS.paragraph("children_row_all", **lab),
             f"Antal {lab['children']}": f"{tx.fmt_int(f['n_from'])} → {tx.fmt_int(f['n_to'])}",
             "Ændring": est, "Interval (95 %)": iv}]
    if f["paired"]:
        p = f["paired"]
        est, iv = format_estimate(ds, f["measure"], p["diff"], p["ci_low"], p["ci_high"])
        rows.append({"Sammenligning": TEXTS.paragraph("children_row_same", **lab),
                     f"Antal {lab['children']}": tx.fmt_int(f["n_paired"]), "Ændring": est, "Interval (95 %)": iv})
    else:
        rows.append({"Sammenligning": TEXTS.paragraph("children_row_same", **lab),
                     f"Antal {lab['children']}": TEXTS.paragraph("children_too_few", k=ds.meta.min_n),
                     "Ændring": tx.MISSING, "Interval (95 %)": tx.MISSING})
    return intro + cm.table(pd.DataFrame(rows), caption=f"»{f['label']}«, {f['from_round']} → {f['to_round']}")


def rtm_section(ds: Dataset, institution: str) -> cm.Block:
    """Regression to the mean in words, with the quarter-wise changes of all departments."""
    lab = cm.labels(ds)
    intro = cm.prose(*TEXTS.paragraphs("rtm", **lab), title=TEXTS.paragraph("rtm_title"))
    r = rtm_facts(ds, institution)
    if r is None:
        return intro + cm.no_data(TEXTS.paragraph("rtm_no_data", **lab))
    d = r["decimals"] + 1
    return intro + cm.prose(*TEXTS.paragraphs(
        "rtm_here", **lab, label=r["label"], n_low=tx.fmt_int(r["n_low"]), from_round=r["from_round"],
        low_change=tx.fmt_number(r["low_change"], d, sign=True), to_round=r["to_round"],
        n_high=tx.fmt_int(r["n_high"]), high_change=tx.fmt_number(r["high_change"], d, sign=True),
        n_departments=tx.fmt_int(r["n_departments"])))


def reliable_section(ds: Dataset, institution: str) -> cm.Block:
    """Reliable change: the threshold and, with paired data, how many changed more."""
    lab = cm.labels(ds)
    t = threshold_facts(ds, institution)
    f = facts(ds, institution)
    parts = TEXTS.paragraphs("reliable", **{**lab, "each_child": lab["each_child"].capitalize()})
    if t is not None:
        parts.append(TEXTS.paragraph("reliable_values", label=t["label"], sd=_f(t["sd"], 2),
                                     reliability=_f(t["reliability"], 2), round=t["round"]))
    body = cm.prose(*parts, title=TEXTS.paragraph("reliable_title", **lab))
    if t is None:
        return body + cm.no_data(TEXTS.paragraph("reliable_no_reliability"))
    if f is None or not f["paired"]:
        return body + cm.no_data(TEXTS.paragraph("reliable_no_pairs", **lab))
    n = f["n_paired"]
    up = round(f["share_reliable_up"] * n)
    down = round(f["share_reliable_down"] * n)
    return body + cm.prose(tx.describe_reliable_change(n, up, down, noun=lab["children"]))


# ----------------------------------------------------------------------------- exercises


def exercise_same_children(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: children measured in both rounds (mistakes: either round's count, their
    sum); without two rounds a multiple-choice question on other versus same children."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return session.add(ex.MultipleChoice(
            "ch04_same_children", TEXTS.paragraph("same_children_concept_question", **lab),
            {"a": TEXTS.paragraph("same_children_concept_option_a", **lab),
             "b": TEXTS.paragraph("same_children_concept_option_b", **lab),
             "c": TEXTS.paragraph("same_children_concept_option_c")},
            "b",
            feedback={"a": TEXTS.paragraph("same_children_concept_feedback_a", **lab),
                      "c": TEXTS.paragraph("same_children_concept_feedback_c")},
            hint=TEXTS.paragraph("same_children_concept_hint"),
            solution=TEXTS.paragraph("same_children_concept_solution", **lab)))
    v = {**lab, "from_round": f["from_round"], "to_round": f["to_round"]}
    wrong = [(f["n_from"], 0, TEXTS.paragraph("same_children_wrong_from", **v)),
             (f["n_to"], 0, TEXTS.paragraph("same_children_wrong_to", **v)),
             (f["n_from"] + f["n_to"], 0, TEXTS.paragraph("same_children_wrong_sum"))]
    wrong = [w for w in wrong if w[0] != f["n_paired"]]
    return session.add(ex.Numeric(
        "ch04_same_children", TEXTS.paragraph("same_children_question", **v, label=f["label"]),
        f["n_paired"], 0, decimals=0, unit=lab["children"], wrong=wrong,
        hint=TEXTS.paragraph("same_children_hint", **lab),
        solution=TEXTS.paragraph("same_children_solution", **v, n_from=tx.fmt_int(f["n_from"]),
                                 n_to=tx.fmt_int(f["n_to"]), n_paired=tx.fmt_int(f["n_paired"]))))


def _direction(lo: float, hi: float, hib: bool) -> str:
    if lo > 0:
        return "up" if hib else "down"
    if hi < 0:
        return "down" if hib else "up"
    return "none"


def exercise_change(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice: is the change of the same children (or all children) larger than
    the uncertainty, and in which direction?"""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return cm.exercise_skipped()
    c = f["paired"] or {"diff": f["diff"], "ci_low": f["ci_low"], "ci_high": f["ci_high"]}
    who = TEXTS.paragraph("change_who_paired", **lab) if f["paired"] else TEXTS.paragraph("change_who_all", **lab)
    direction = _direction(c["ci_low"], c["ci_high"], f["hib"])
    # the answer key follows the report's family decision (llkit.stats.decision), not the interval alone
    fam = cm.report_family(ds, f["inst_id"], f["to_round"])
    real = cm.family_verdict(fam, "change", f["measure"])[0]
    correct = direction if (real or direction == "none") else "chance"
    n_fam = int(fam["p_value"].notna().sum())
    est, iv = format_estimate(ds, f["measure"], c["diff"], c["ci_low"], c["ci_high"])
    v = {"interval": iv, "n_fam": n_fam}
    wrong_direction = TEXTS.paragraph("change_feedback_direction_wrong", **v)
    conclusion = {"up": TEXTS.paragraph("change_solution_up"), "down": TEXTS.paragraph("change_solution_down"),
                  "chance": TEXTS.paragraph("change_solution_chance", n_fam=n_fam),
                  "none": TEXTS.paragraph("change_solution_none")}[correct]
    return session.add(ex.MultipleChoice(
        "ch04_change", TEXTS.paragraph("change_question", who=who, from_round=f["from_round"],
                                       to_round=f["to_round"]),
        {"up": TEXTS.paragraph("change_option_up"),
         "down": TEXTS.paragraph("change_option_down"),
         "chance": TEXTS.paragraph("change_option_chance"),
         "none": TEXTS.paragraph("change_option_none")},
        correct,
        feedback={"up": TEXTS.paragraph("change_feedback_up_right", **v) if correct == "up" else wrong_direction,
                  "down": TEXTS.paragraph("change_feedback_down_right", **v) if correct == "down" else wrong_direction,
                  "chance": (TEXTS.paragraph("change_feedback_chance_right", **v) if correct == "chance"
                             else TEXTS.paragraph("change_feedback_chance_wrong", **v)),
                  "none": (TEXTS.paragraph("change_feedback_none_right", **v) if correct == "none"
                           else TEXTS.paragraph("change_feedback_none_wrong", **v))},
        hint=TEXTS.paragraph("change_hint"),
        solution=TEXTS.paragraph("change_solution", who=who, change=est, interval=iv, conclusion=conclusion)))


def _rtm_figure(r: dict[str, Any], lab: dict[str, str]):
    from llkit.present import plots

    plots.use_theme()
    import matplotlib.pyplot as plt

    w = r["table"]
    fig, ax = plt.subplots(figsize=(7.0, 3.8))
    ax.scatter(w[r["from_round"]], w["change"], s=18, color="#1f5f8b", alpha=0.7)
    ax.axhline(0, color="#888", linewidth=0.8)
    slope, icpt = np.polyfit(w[r["from_round"]], w["change"], 1)
    xs = np.linspace(w[r["from_round"]].min(), w[r["from_round"]].max(), 10)
    ax.plot(xs, icpt + slope * xs, color="#c0504d", linewidth=1.5)
    ax.set_xlabel(f"Gennemsnit ved {r['from_round']}")
    ax.set_ylabel(f"Ændring til {r['to_round']}")
    ax.set_title(f"{r['label']}: alle {lab['departments']} i kommunen", loc="left")
    for axis in ("x", "y"):
        plots._danish_axis(ax, axis)
    fig.tight_layout()
    return fig


def exercise_rtm(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Interpret the plot: do the lowest departments at baseline rise more than the
    highest? (conceptual multiple choice without two rounds)."""
    lab = cm.labels(ds)
    r = rtm_facts(ds, institution)
    if r is None:
        return session.add(ex.MultipleChoice(
            "ch04_rtm", TEXTS.paragraph("rtm_concept_question", **lab),
            {"a": TEXTS.paragraph("rtm_concept_option_a"),
             "b": TEXTS.paragraph("rtm_concept_option_b", **lab),
             "c": TEXTS.paragraph("rtm_concept_option_c")},
            "b",
            feedback={"a": TEXTS.paragraph("rtm_concept_feedback_a"),
                      "c": TEXTS.paragraph("rtm_concept_feedback_c")},
            hint=TEXTS.paragraph("rtm_concept_hint"),
            solution=TEXTS.paragraph("rtm_concept_solution")))
    d = r["decimals"] + 1
    gap = r["low_change"] - r["high_change"]
    correct = "low" if gap > 0.02 else ("high" if gap < -0.02 else "same")
    v = {**lab, "from_round": r["from_round"], "to_round": r["to_round"]}
    return session.add(ex.InterpretPlot(
        "ch04_rtm", TEXTS.paragraph("rtm_question", **v),
        _rtm_figure(r, lab),
        {"low": TEXTS.paragraph("rtm_option_low", **v),
         "high": TEXTS.paragraph("rtm_option_high", **v),
         "same": TEXTS.paragraph("rtm_option_same")},
        correct,
        feedback={"low": (TEXTS.paragraph("rtm_feedback_low_right") if correct == "low"
                          else TEXTS.paragraph("rtm_feedback_low_wrong")),
                  "high": (TEXTS.paragraph("rtm_feedback_high_right") if correct == "high"
                           else TEXTS.paragraph("rtm_feedback_high_wrong")),
                  "same": (TEXTS.paragraph("rtm_feedback_same_right") if correct == "same"
                           else TEXTS.paragraph("rtm_feedback_same_wrong"))},
        hint=TEXTS.paragraph("rtm_hint"),
        solution=TEXTS.paragraph("rtm_solution", low_change=tx.fmt_number(r["low_change"], d, sign=True),
                                 high_change=tx.fmt_number(r["high_change"], d, sign=True))))


def exercise_threshold(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the reliable-change threshold from the data's s and r (mistakes: without
    √2, without 1,96)."""
    t = threshold_facts(ds, institution)
    lab = cm.labels(ds)
    if t is None:
        return cm.exercise_skipped()
    s, r = round(t["sd"], 2), round(t["reliability"], 2)
    value = Z * s * math.sqrt(2) * math.sqrt(1 - r)
    d = max(2, t["decimals"])
    tol = max(0.03 * value, 0.6 * 10.0 ** -d)
    root = _f(math.sqrt(1 - r), 3)
    return session.add(ex.Numeric(
        "ch04_threshold", TEXTS.paragraph("threshold_question", **lab, label=t["label"], sd=_f(s, 2),
                                          reliability=_f(r, 2)),
        value, tol, decimals=d,
        wrong=[(Z * s * math.sqrt(1 - r), tol, TEXTS.paragraph("threshold_wrong_no_sqrt2")),
               (s * math.sqrt(2) * math.sqrt(1 - r), tol, TEXTS.paragraph("threshold_wrong_no_z")),
               (Z * s * math.sqrt(2) * (1 - r), tol, TEXTS.paragraph("threshold_wrong_no_root")),
               (Z * s * math.sqrt(2) * math.sqrt(r), tol, TEXTS.paragraph("threshold_wrong_root_r"))],
        hint=TEXTS.paragraph("threshold_hint", reliability=_f(r, 2), one_minus_r=_f(1 - r, 2), root=root),
        solution=TEXTS.paragraph("threshold_solution", sd=_f(s, 2), root=root, value=_f(value, d))))


def exercise_reliable(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: percent of the same children with a reliable improvement (mistake: the
    share with any increase)."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or not f["paired"] or not np.isfinite(f["share_reliable_up"]):
        return cm.exercise_skipped()
    p = 100 * f["share_reliable_up"]
    wrong = []
    if np.isfinite(f["share_any_up"]) and abs(100 * f["share_any_up"] - p) > 1.5:
        wrong.append((100 * f["share_any_up"], 1.0, TEXTS.paragraph("reliable_wrong_any")))
    return session.add(ex.Numeric(
        "ch04_reliable", TEXTS.paragraph("reliable_question", **lab, n_paired=tx.fmt_int(f["n_paired"]),
                                         from_round=f["from_round"], to_round=f["to_round"]),
        p, 1.0, decimals=0, unit="%", wrong=wrong, hint=TEXTS.paragraph("reliable_hint"),
        solution=tx.describe_reliable_change(f["n_paired"], round(f["share_reliable_up"] * f["n_paired"]),
                                             round(f["share_reliable_down"] * f["n_paired"]), noun=lab["children"])))


def reflection(ds: Dataset, institution: str, session: ex.Session) -> ex.Reflection:
    """The team's reflection prompt."""
    return session.add(ex.Reflection("ch04_reflection", TEXTS.paragraph("reflection", **cm.labels(ds))))


def summary(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's summary."""
    lab = cm.labels(ds)
    f = facts(ds, institution)
    points = TEXTS.paragraphs("summary", **lab)
    if f is not None:
        points.append(TEXTS.paragraph("summary_paired", **lab, n_paired=tx.fmt_int(f["n_paired"]),
                                      from_round=f["from_round"], to_round=f["to_round"]))
    return cm.summary(points)
