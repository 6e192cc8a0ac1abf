"""Chapter 2 — Gennemsnit og fordelinger: scales, mean versus distribution, the children
with low scores.

Every function takes the participant's dataset and institution; the exercises' correct
answers come from :func:`facts`, which is tested against an independent pandas
computation.

Examples
--------
>>> from llkit.apps.elearning import common, ch02_gennemsnit as ch
>>> ds, s = common.open_chapter("data/sample/dagtilbud", "I01", 2)
>>> f = ch.facts(ds, "I01")
>>> 1 <= f["mean"] <= 5
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

NUMBER = 2
TITLE = cm.CHAPTER_TITLES[NUMBER]
MINUTES = 20
TEXTS = chapter_texts(NUMBER)


def header(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's title, purpose and reading time."""
    return cm.chapter_header(ds, institution, number=NUMBER, title=TITLE, minutes=MINUTES,
                             purpose=TEXTS.paragraph("purpose", **cm.labels(ds)))


def tol(ds: Dataset, measure: str) -> float:
    """Tolerance for a mean on the measure's scale (half a unit of the shown decimal)."""
    d = int(cm.measure_info(ds).loc[measure, "decimals"])
    return 0.6 * 10.0 ** -d


def facts(ds: Dataset, institution: str, measure: str | None = None) -> dict[str, Any] | None:
    """The numbers of the chapter for one institution, last round, focus measure.

    Returns
    -------
    dict or None
        ``measure``, ``round``, ``n``, ``mean``, ``median``, ``share_low``, ``share_middle``,
        ``share_high``, ``municipality_mean``, ``low_cut``, ``high_cut``, ``decimals``,
        ``departments`` (department id -> dict with name, n, mean, share_low; shown
        departments only). ``None`` when the institution has no measure with cut points.
    """
    inst = cm.institution_info(ds, institution)
    m = measure or cm.focus_measure(ds, institution, cuts=True)
    if m is None:
        return None
    return cm.memo(ds, ("ch02", inst["id"], m), lambda: _facts(ds, inst, m))


def _facts(ds: Dataset, inst: dict[str, Any], m: str) -> dict[str, Any] | None:
    institution = inst["id"]
    info = cm.measure_info(ds).loc[m]
    r = cm.inst_rounds(ds, institution)[-1]
    s = indicators.summarize(ds, m, by="institution", round=r)
    row = s[s["institution_id"].astype(str) == inst["id"]]
    if row.empty or bool(row["suppressed"].iloc[0]):
        return None
    row = row.iloc[0]
    muni = indicators.summarize(ds, m, by=None, round=r).iloc[0]
    sc = indicators.scores(ds, m)
    mine = sc[(sc["institution_id"].astype(str) == inst["id"]) & (sc["round"].astype(str) == r)]["score"]
    dep = indicators.summarize(ds, m, by="department", round=r)
    dep = dep[dep["department_id"].astype(str).isin(inst["departments"]) & ~dep["suppressed"].astype(bool)]
    departments = {
        str(d["department_id"]): {"name": str(d["department_name"]), "n": int(d["n"]), "mean": float(d["mean"]),
                                  "share_low": float(d["share_low"])}
        for _, d in dep.iterrows()
    }
    return {
        "measure": m, "round": r, "n": int(row["n"]), "mean": float(row["mean"]),
        "median": float(mine.median()), "sd": float(row["sd"]),
        "share_low": float(row["share_low"]), "share_middle": float(row["share_middle"]),
        "share_high": float(row["share_high"]), "municipality_mean": float(muni["mean"]),
        "low_cut": float(info["low_cut"]), "high_cut": float(info["high_cut"]),
        "scale_min": float(info["scale_min"]), "scale_max": float(info["scale_max"]),
        "decimals": int(info["decimals"]), "departments": departments,
        "label": str(info["label"]), "title": cm.measure_title(ds, m),
    }


def _f(x: float, d: int) -> str:
    return tx.fmt_number(x, d)


def _words(ds: Dataset) -> dict[str, str]:
    """The sector's words for the templates, with ``Children`` capitalised."""
    lab = cm.labels(ds)
    return {**lab, "Children": lab["children"].capitalize()}


def scales_section(ds: Dataset) -> cm.Block:
    """Table of the measures: informant, scale and the cut points for low/high level."""
    info = cm.measure_info(ds)
    rows = []
    for _m, r in info.iterrows():
        has_scale = pd.notna(r["scale_min"]) and pd.notna(r["scale_max"])
        cuts = pd.notna(r["low_cut"]) and pd.notna(r["high_cut"])
        rows.append({
            "Mål": r["label"], "Informant": r["source_label"],
            "Skala": f"{_f(r['scale_min'], 0)}{tx.DASH}{_f(r['scale_max'], 0)}" if has_scale else "ingen fast skala",
            "Lavt niveau": f"under {_f(r['low_cut'], r['decimals'])}" if cuts else tx.MISSING,
            "Højt niveau": f"fra {_f(r['high_cut'], r['decimals'])}" if cuts else tx.MISSING,
        })
    intro = cm.prose(*TEXTS.paragraphs("scales_intro"), title=TEXTS.paragraph("scales_title"))
    return intro + cm.table(pd.DataFrame(rows), caption=TEXTS.paragraph("scales_caption"))


def mean_section(ds: Dataset, institution: str) -> cm.Block:
    """The institution's mean, median and shares in words, with the distribution figure."""
    f = facts(ds, institution)
    if f is None:
        return cm.no_data(TEXTS.paragraph("mean_no_data"))
    d = f["decimals"]
    text = cm.prose(*TEXTS.paragraphs(
        "mean_text", **cm.labels(ds), round=cm.round_label(ds, f["round"]), n=tx.fmt_int(f["n"]),
        label=f["label"], mean=_f(f["mean"], d), median=_f(f["median"], d),
        municipality_mean=_f(f["municipality_mean"], d), share_middle=tx.fmt_percent(f["share_middle"]),
        share_high=tx.fmt_percent(f["share_high"]), high_cut=_f(f["high_cut"], d),
        low_cut=_f(f["low_cut"], d)),
        title=TEXTS.paragraph("mean_title", label=f["label"]))
    from llkit.present import plots

    try:
        fig = cm.figure_html(plots.distribution(ds, institution=institution, measure=f["measure"], round=f["round"]))
    except Exception:  # noqa: BLE001 - the text stands without the figure
        fig = cm.no_data(TEXTS.paragraph("mean_figure_no_data"))
    return text + fig


def low_scores_section(ds: Dataset, institution: str) -> cm.Block:
    """Per department: mean and share at low level side by side (shown departments only)."""
    f = facts(ds, institution)
    lab = _words(ds)
    if f is None or len(f["departments"]) < 2:
        return cm.no_data(TEXTS.paragraph("low_no_data", **lab))
    d = f["decimals"]
    df = pd.DataFrame([
        {lab["department"].capitalize(): v["name"], f"Antal {lab['children']}": tx.fmt_int(v["n"]),
         "Gennemsnit": _f(v["mean"], d), "Andel på lavt niveau": tx.fmt_percent(v["share_low"])}
        for v in f["departments"].values()
    ])
    intro = cm.prose(*TEXTS.paragraphs("low_intro", **lab, min_n=ds.meta.min_n),
                     title=TEXTS.paragraph("low_title", **lab))
    return intro + cm.table(df, caption=f"{f['label']}, {cm.round_label(ds, f['round'])}")


# ----------------------------------------------------------------------------- exercises


def exercise_mean(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: how far the institution's mean lies above (+) or below (−) the
    municipality's (typical mistakes: the wrong sign, the mean itself)."""
    f = facts(ds, institution)
    if f is None:
        return cm.exercise_skipped()
    d, t = f["decimals"], 2 * tol(ds, f["measure"])
    diff = f["mean"] - f["municipality_mean"]
    wrong = []
    if abs(diff) > t:
        wrong.append((-diff, t, TEXTS.paragraph("mean_wrong_sign")))
    wrong.append((f["mean"], t / 2, TEXTS.paragraph("mean_wrong_own")))
    rounding = (TEXTS.paragraph("mean_rounding_whole") if d == 0 else TEXTS.paragraph("mean_rounding_one")
                if d == 1 else TEXTS.paragraph("mean_rounding_many", d=d))
    return session.add(ex.Numeric(
        "ch02_mean", TEXTS.paragraph("mean_question", label=f["label"], round=f["round"], rounding=rounding),
        diff, t, decimals=d, wrong=wrong,
        hint=TEXTS.paragraph("mean_hint"),
        solution=TEXTS.paragraph("mean_solution", mean=_f(f["mean"], d),
                                 municipality_mean=_f(f["municipality_mean"], d),
                                 diff=tx.fmt_number(diff, d, sign=True))))


def exercise_share_low(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the share at low level in percent, from the shares in the middle and at
    high level (typical mistakes: the share not at low level, a proportion)."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return cm.exercise_skipped()
    p = 100 * f["share_low"]
    rest = 100 * (f["share_middle"] + f["share_high"])
    wrong = [(rest, 1.5, TEXTS.paragraph("share_low_wrong_rest"))]
    if abs(100 * f["share_high"] - p) > 2:
        wrong.append((100 * f["share_high"], 0.6, TEXTS.paragraph("share_low_wrong_high")))
    if p > 3:
        wrong.append((f["share_low"], 0.015, TEXTS.paragraph("share_low_wrong_fraction")))
    low_cut = _f(f["low_cut"], f["decimals"])
    return session.add(ex.Numeric(
        "ch02_share_low", TEXTS.paragraph("share_low_question", **lab, label=f["label"], round=f["round"]),
        p, 1.5, decimals=0, unit="%", wrong=wrong,
        hint=TEXTS.paragraph("share_low_hint", low_cut=low_cut),
        solution=TEXTS.paragraph("share_low_solution", **lab, share_middle=tx.fmt_percent(f["share_middle"]),
                                 share_high=tx.fmt_percent(f["share_high"]),
                                 share_low=tx.fmt_percent(f["share_low"]), n=tx.fmt_int(f["n"]),
                                 low_cut=low_cut)))


def exercise_department(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: the department with the largest share at low level. Choosing the
    department with the lowest mean (when it is another one) gets its own feedback."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or len(f["departments"]) < 2:
        return cm.exercise_skipped()
    deps = f["departments"]
    top = max(v["share_low"] for v in deps.values())
    correct = {k for k, v in deps.items() if v["share_low"] >= top - 0.005}
    lowest_mean = min(deps, key=lambda k: deps[k]["mean"])
    feedback = {}
    if lowest_mean not in correct:
        feedback[lowest_mean] = TEXTS.paragraph("department_feedback_lowest_mean", name=deps[lowest_mean]["name"])
    for k, v in deps.items():
        if k not in correct and k not in feedback:
            feedback[k] = TEXTS.paragraph("department_feedback_other", **lab, name=v["name"],
                                          share_low=tx.fmt_percent(v["share_low"]))
    names = ", ".join(deps[k]["name"] for k in sorted(correct))
    return session.add(ex.PickUnit(
        "ch02_department", TEXTS.paragraph("department_question", **lab, label=f["label"]),
        {k: v["name"] for k, v in deps.items()}, correct,
        feedback=feedback,
        hint=TEXTS.paragraph("department_hint"),
        solution=TEXTS.paragraph("department_solution", names=names, top=tx.fmt_percent(top),
                                 lowest=deps[lowest_mean]["name"],
                                 lowest_mean=_f(deps[lowest_mean]["mean"], f["decimals"]))))


def exercise_concept(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice (always available): what two equal means say about the low scores."""
    lab = cm.labels(ds)
    return session.add(ex.MultipleChoice(
        "ch02_concept", TEXTS.paragraph("concept_question", **lab),
        {"a": TEXTS.paragraph("concept_option_a", **lab),
         "b": TEXTS.paragraph("concept_option_b"),
         "c": TEXTS.paragraph("concept_option_c", **lab)},
        "b",
        feedback={"a": TEXTS.paragraph("concept_feedback_a"),
                  "b": TEXTS.paragraph("concept_feedback_b"),
                  "c": TEXTS.paragraph("concept_feedback_c", **lab)},
        hint=TEXTS.paragraph("concept_hint"),
        solution=TEXTS.paragraph("concept_solution")))


def reflection(ds: Dataset, institution: str, session: ex.Session) -> ex.Reflection:
    """The team's reflection prompt."""
    return session.add(ex.Reflection("ch02_reflection", TEXTS.paragraph("reflection", **cm.labels(ds))))


def summary(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's summary."""
    lab = cm.labels(ds)
    f = facts(ds, institution)
    points = TEXTS.paragraphs("summary", **lab)
    if f is not None:
        points.append(TEXTS.paragraph("summary_own", **lab, share_low=tx.fmt_percent(f["share_low"]),
                                      label=f["label"], round=f["round"]))
    return cm.summary(points)


__all__ = ["header", "facts", "scales_section", "mean_section", "low_scores_section", "exercise_mean",
           "exercise_share_low", "exercise_department", "exercise_concept", "reflection", "summary", "tol",
           "NUMBER", "TITLE", "MINUTES"]
