"""Chapter 3 — Usikkerhed og små grupper: n, intervals, why small departments jump,
suppression.

Examples
--------
>>> from llkit.apps.elearning import common, ch03_usikkerhed as ch
>>> ds, s = common.open_chapter("data/sample/dagtilbud", "I01", 3)
>>> f = ch.facts(ds, "I01")
>>> f["ci_high"] > f["mean"] > f["ci_low"]
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.elearning import common as cm
from llkit.apps.elearning.prose import chapter_texts
from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

NUMBER = 3
TITLE = cm.CHAPTER_TITLES[NUMBER]
MINUTES = 20
TEXTS = chapter_texts(NUMBER)

__all__ = ["header", "facts", "intervals_section", "funnel_section", "suppression_section", "exercise_width",
           "exercise_widest", "exercise_four_times", "exercise_jump", "reflection", "summary",
           "NUMBER", "TITLE", "MINUTES"]


def header(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's title, purpose and reading time."""
    return cm.chapter_header(ds, institution, number=NUMBER, title=TITLE, minutes=MINUTES,
                             purpose=TEXTS.paragraph("purpose", **cm.labels(ds)))


def facts(ds: Dataset, institution: str, measure: str | None = None) -> dict[str, Any] | None:
    """The chapter's numbers: the institution's mean and interval, and per department n,
    mean and interval (shown departments) in the institution's last round.

    Returns
    -------
    dict or None
        ``measure``, ``round``, ``n``, ``mean``, ``ci_low``, ``ci_high``, ``width``,
        ``departments`` (id -> name, n, mean, ci_low, ci_high, width),
        ``n_departments`` (all of the institution's departments with answers),
        ``n_hidden`` (departments whose numbers are suppressed), ``decimals``, ``label``.
    """
    inst = cm.institution_info(ds, institution)
    m = measure or cm.focus_measure(ds, institution)
    if m is None:
        return None
    return cm.memo(ds, ("ch03", inst["id"], m), lambda: _facts(ds, inst, m))


def _facts(ds: Dataset, inst: dict[str, Any], m: str) -> dict[str, Any] | None:
    r = cm.inst_rounds(ds, inst["id"])[-1]
    s = indicators.summarize(ds, m, by="institution", round=r)
    row = s[s["institution_id"].astype(str) == inst["id"]]
    if row.empty or bool(row["suppressed"].iloc[0]):
        return None
    row = row.iloc[0]
    dep = indicators.summarize(ds, m, by="department", round=r)
    dep = dep[dep["department_id"].astype(str).isin(inst["departments"])]
    shown = dep[~dep["suppressed"].astype(bool)]
    info = cm.measure_info(ds).loc[m]
    return {
        "measure": m, "round": r, "n": int(row["n"]), "mean": float(row["mean"]), "sd": float(row["sd"]),
        "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"]),
        "width": float(row["ci_high"] - row["ci_low"]),
        "departments": {
            str(d["department_id"]): {"name": str(d["department_name"]), "n": int(d["n"]), "mean": float(d["mean"]),
                                      "ci_low": float(d["ci_low"]), "ci_high": float(d["ci_high"]),
                                      "width": float(d["ci_high"] - d["ci_low"])}
            for _, d in shown.iterrows()
        },
        "n_departments": int(len(dep)), "n_hidden": int(dep["suppressed"].astype(bool).sum()),
        "decimals": int(info["decimals"]), "label": str(info["label"]), "title": cm.measure_title(ds, m),
    }


def _f(x: float, d: int) -> str:
    return tx.fmt_number(x, d)


def intervals_section(ds: Dataset, institution: str) -> cm.Block:
    """The institution's and departments' means with n and 95 % intervals."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return cm.no_data(TEXTS.paragraph("intervals_no_data", **lab))
    d = f["decimals"]
    text = cm.prose(
        *TEXTS.paragraphs("intervals", **lab, label=f["label"], round=f["round"], mean=_f(f["mean"], d),
                          n=tx.fmt_int(f["n"]), interval=tx.fmt_interval(f["ci_low"], f["ci_high"], d)),
        title=TEXTS.paragraph("intervals_title"))
    rows = [{lab["department"].capitalize(): v["name"], f"Antal {lab['children']}": tx.fmt_int(v["n"]),
             "Gennemsnit": _f(v["mean"], d), "Interval (95 %)": tx.fmt_interval(v["ci_low"], v["ci_high"], d)}
            for v in f["departments"].values()]
    rows.append({lab["department"].capitalize(): TEXTS.paragraph("intervals_total_row"),
                 f"Antal {lab['children']}": tx.fmt_int(f["n"]),
                 "Gennemsnit": _f(f["mean"], d), "Interval (95 %)": tx.fmt_interval(f["ci_low"], f["ci_high"], d)})
    return text + cm.table(pd.DataFrame(rows), caption=f"{f['title']}, {cm.round_label(ds, f['round'])}")


def funnel_section(ds: Dataset, institution: str) -> cm.Block:
    """The funnel plot of all departments in the data, the institution's highlighted."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or not f["departments"]:
        return cm.no_data(TEXTS.paragraph("funnel_no_data", **lab))
    from llkit.present import plots

    text = cm.prose(*TEXTS.paragraphs("funnel", **lab), title=TEXTS.paragraph("funnel_title", **lab))
    try:
        fig = cm.figure_html(plots.funnel(ds, measure=f["measure"], round=f["round"], level="department",
                                          highlight=list(f["departments"])))
    except Exception:  # noqa: BLE001 - the text stands without the figure
        fig = cm.no_data(TEXTS.paragraph("funnel_no_figure"))
    return text + fig


def suppression_section(ds: Dataset, institution: str) -> cm.Block:
    """How suppression works, with the institution's count of hidden departments."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    extra = ""
    if f is not None:
        extra = TEXTS.paragraph("suppression_here", **lab, hidden=tx.fmt_int(f["n_hidden"]),
                                departments_total=tx.fmt_int(f["n_departments"]), round=f["round"],
                                label=f["label"])
    return cm.prose(*TEXTS.paragraphs("suppression", **lab, k=ds.meta.min_n), extra,
                    title=TEXTS.paragraph("suppression_title"))


# ----------------------------------------------------------------------------- exercises


def exercise_width(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the width of the institution's interval (mistake: half the width)."""
    f = facts(ds, institution)
    if f is None:
        return cm.exercise_skipped()
    d = f["decimals"]
    t = 1.2 * 10.0 ** -d
    wrong = [(f["width"] / 2, t / 2, TEXTS.paragraph("width_wrong_half")),
             (f["mean"], t / 2, TEXTS.paragraph("width_wrong_mean"))]
    return session.add(ex.Numeric(
        "ch03_width", TEXTS.paragraph("width_question"), f["width"], t, decimals=d, wrong=wrong,
        hint=TEXTS.paragraph("width_hint"),
        solution=TEXTS.paragraph("width_solution", interval=tx.fmt_interval(f["ci_low"], f["ci_high"], d),
                                 high=_f(f["ci_high"], d), low=_f(f["ci_low"], d), width=_f(f["width"], d))))


def exercise_widest(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: the department with the widest interval."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or len(f["departments"]) < 2:
        return cm.exercise_skipped()
    deps = f["departments"]
    top = max(v["width"] for v in deps.values())
    correct = {k for k, v in deps.items() if v["width"] >= top - 1e-9}
    smallest = min(deps, key=lambda k: deps[k]["n"])
    feedback = {k: TEXTS.paragraph("widest_wrong", **lab, name=v["name"], n=tx.fmt_int(v["n"]),
                                   interval=tx.fmt_interval(v["ci_low"], v["ci_high"], f["decimals"]))
                for k, v in deps.items() if k not in correct}
    why = (TEXTS.paragraph("widest_why_smallest", **lab) if smallest in correct
           else TEXTS.paragraph("widest_why_not_smallest", **lab))
    names = ", ".join(deps[k]["name"] for k in sorted(correct))
    return session.add(ex.PickUnit(
        "ch03_widest", TEXTS.paragraph("widest_question", **lab),
        {k: v["name"] for k, v in deps.items()}, correct, feedback=feedback,
        hint=TEXTS.paragraph("widest_hint", **lab),
        solution=TEXTS.paragraph("widest_solution", names=names, width=_f(top, f["decimals"]), why=why)))


def exercise_four_times(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the width with four times as many children (half the width; mistake: a
    quarter)."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return cm.exercise_skipped()
    d = f["decimals"] + 1
    w = f["width"]
    t = max(0.08 * w, 0.6 * 10.0 ** -d)
    return session.add(ex.Numeric(
        "ch03_four_times", TEXTS.paragraph("four_times_question", **lab, width=_f(w, d)), w / 2, t, decimals=d,
        wrong=[(w / 4, t, TEXTS.paragraph("four_times_wrong_quarter")),
               (w, t, TEXTS.paragraph("four_times_wrong_same", **lab)),
               (w * 2, t, TEXTS.paragraph("four_times_wrong_double"))],
        hint=TEXTS.paragraph("four_times_hint"),
        solution=TEXTS.paragraph("four_times_solution", width=_f(w, d), half=_f(w / 2, d))))


def exercise_jump(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice (always available): a small department's jump of a tenth of the
    scale."""
    lab = cm.labels(ds)
    f = facts(ds, institution)
    k = ds.meta.min_n
    lo, hi, d = 1.0, 5.0, 1
    if f is not None:
        info = cm.measure_info(ds).loc[f["measure"]]
        lo, hi, d = float(info["scale_min"]), float(info["scale_max"]), f["decimals"]
    jump = tx.fmt_number(0.1 * (hi - lo), d)
    scale = f"{tx.fmt_number(lo, 0)}{tx.DASH}{tx.fmt_number(hi, 0)}"
    if f is not None and f["departments"]:
        small = min(f["departments"].values(), key=lambda v: v["n"])
        n = small["n"]
        iv = " " + TEXTS.paragraph("jump_interval", round=f["round"],
                                   interval=tx.fmt_interval(small["ci_low"], small["ci_high"], d))
        name = small["name"]
    else:
        n, iv, name = k + 1, "", TEXTS.paragraph("jump_unit", **lab)
    v = {**lab, "n": tx.fmt_int(n), "k": k, "jump": jump, "scale": scale}
    return session.add(ex.MultipleChoice(
        "ch03_jump", TEXTS.paragraph("jump_question", **v, name=name, interval_sentence=iv),
        {"a": TEXTS.paragraph("jump_option_a", **v),
         "b": TEXTS.paragraph("jump_option_b", **v),
         "c": TEXTS.paragraph("jump_option_c", **v)},
        "b",
        feedback={"a": TEXTS.paragraph("jump_feedback_a", **v),
                  "b": TEXTS.paragraph("jump_feedback_b", **v),
                  "c": TEXTS.paragraph("jump_feedback_c", **v)},
        hint=TEXTS.paragraph("jump_hint", **v),
        solution=TEXTS.paragraph("jump_solution", **v)))


def reflection(ds: Dataset, institution: str, session: ex.Session) -> ex.Reflection:
    """The team's reflection prompt."""
    return session.add(ex.Reflection("ch03_reflection", TEXTS.paragraph("reflection", **cm.labels(ds))))


def summary(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's summary."""
    lab = cm.labels(ds)
    f = facts(ds, institution)
    points = TEXTS.paragraphs("summary", **lab, k=ds.meta.min_n)
    if f is not None:
        points.append(TEXTS.paragraph("summary_width", **lab, label=f["label"],
                                      width=_f(f["width"], f["decimals"]), n=tx.fmt_int(f["n"])))
    return cm.summary(points)
