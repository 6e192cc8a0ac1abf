"""Chapter 1 — Datainformeret læringsledelse: from data to pedagogical practice (the
cycle; levels from child to national; sources and informants; ethics and GDPR).

Examples
--------
>>> from llkit.apps.elearning import common, ch01_datainformeret as ch
>>> ds, s = common.open_chapter("data/sample/dagtilbud", "I01", 1)
>>> lv = ch.level_facts(ds, "I01")
>>> "institution" in lv["means"]
True
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.elearning import common as cm
from llkit.apps.elearning.prose import chapter_texts
from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

NUMBER = 1
TITLE = cm.CHAPTER_TITLES[NUMBER]
MINUTES = 20
TEXTS = chapter_texts(NUMBER)

__all__ = ["header", "cycle_section", "level_facts", "source_facts", "levels_section", "sources_section",
           "ethics_section", "exercise_level", "exercise_sources", "exercise_suppression", "exercise_cycle",
           "reflection", "summary", "NUMBER", "TITLE", "MINUTES"]


def header(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's title, purpose and reading time."""
    return cm.chapter_header(ds, institution, number=NUMBER, title=TITLE, minutes=MINUTES,
                             purpose=TEXTS.paragraph("purpose", **cm.labels(ds)))


def cycle_section(ds: Dataset) -> cm.Block:
    """The cycle from data to pedagogical practice as a numbered flow."""
    lab = cm.labels(ds)
    cycle = [TEXTS.paragraphs("cycle_collect", **lab), TEXTS.paragraphs("cycle_analyse", **lab),
             TEXTS.paragraphs("cycle_interpret", **lab), TEXTS.paragraphs("cycle_act", **lab),
             TEXTS.paragraphs("cycle_follow_up", **lab)]
    steps = "".join(f'<li style="margin:0.3em 0"><b>{html.escape(name)}</b> – {html.escape(text)}</li>'
                    for name, text in cycle)
    intro = cm.prose(*TEXTS.paragraphs("cycle_intro", **lab), title=TEXTS.paragraph("cycle_title"))
    return intro + cm.Block(f'<ol class="llkit-el-box">{steps}</ol>') + cm.prose(
        *TEXTS.paragraphs("cycle_criteria", **lab))


def level_facts(ds: Dataset, institution: str) -> dict[str, Any] | None:
    """The focus measure's mean at each level in the institution's last round.

    Returns
    -------
    dict or None
        ``measure``, ``round``, ``means`` (level -> mean; levels ``institution``,
        ``cluster``, ``municipality``, ``national`` when present), ``names`` (level ->
        Danish label), ``departments`` (id -> (name, mean) of shown departments),
        ``decimals``, ``label``.
    """
    inst = cm.institution_info(ds, institution)
    m = cm.focus_measure(ds, institution)
    if m is None:
        return None

    def make():
        r = cm.inst_rounds(ds, inst["id"])[-1]
        lab = cm.labels(ds)
        means: dict[str, float] = {}
        names: dict[str, str] = {}
        s = indicators.summarize(ds, m, by="institution", round=r)
        row = s[(s["institution_id"].astype(str) == inst["id"]) & ~s["suppressed"].astype(bool)]
        if row.empty:
            return None
        means["institution"] = float(row["mean"].iloc[0])
        names["institution"] = inst["name"]
        if inst["cluster"] is not None:
            c = indicators.summarize(ds, m, by="cluster", round=r)
            c = c[(c["cluster"].astype(str) == str(inst["cluster"])) & ~c["suppressed"].astype(bool)]
            if not c.empty:
                means["cluster"] = float(c["mean"].iloc[0])
                names["cluster"] = str(inst["cluster"])
        mu = indicators.summarize(ds, m, by=None, round=r)
        if not mu.empty and not bool(mu["suppressed"].iloc[0]):
            means["municipality"] = float(mu["mean"].iloc[0])
            names["municipality"] = TEXTS.paragraph("level_municipality", **lab, name=ds.meta.name)
        ref = ds.reference
        if ref is not None and len(ref):
            rr = ref[(ref["measure_id"].astype(str) == m) & (ref["round"].astype(str) == r)]
            if "scope" in rr.columns:
                rr = rr[rr["scope"].astype(str) == "national"]
            if not rr.empty and pd.notna(rr["mean"].iloc[0]):
                means["national"] = float(rr["mean"].iloc[0])
                names["national"] = lab["national"].capitalize()
        dep = indicators.summarize(ds, m, by="department", round=r)
        dep = dep[dep["department_id"].astype(str).isin(inst["departments"]) & ~dep["suppressed"].astype(bool)]
        info = cm.measure_info(ds).loc[m]
        return {"measure": m, "round": r, "means": means, "names": names,
                "departments": {str(d["department_id"]): (str(d["department_name"]), float(d["mean"]))
                                for _, d in dep.iterrows()},
                "decimals": int(info["decimals"]), "label": str(info["label"])}
    return cm.memo(ds, ("ch01_levels", inst["id"], m), make)


def source_facts(ds: Dataset, institution: str) -> dict[str, Any]:
    """Sources (informants) with answers about the institution in its last round.

    Returns
    -------
    dict
        ``round``, ``sources`` (source -> dict with label, measures (labels), n answering
        persons or departments), ``n_measures`` (measures with data), ``all_sources``
        (sources in the dataset).
    """
    inst = cm.institution_info(ds, institution)

    def make():
        r = cm.inst_rounds(ds, inst["id"])[-1]
        info = cm.measure_info(ds)
        sc = indicators.scores(ds)
        sc = sc[(sc["institution_id"].astype(str) == inst["id"]) & (sc["round"].astype(str) == r)]
        out: dict[str, dict[str, Any]] = {}
        for m, sm in sc.groupby(sc["measure_id"].astype(str), sort=False):
            if sm.empty:
                continue
            src = str(info.loc[m, "source"])
            e = out.setdefault(src, {"label": str(info.loc[m, "source_label"]), "measures": [], "n": 0,
                                     "subject": str(info.loc[m, "subject"])})
            e["measures"].append(str(info.loc[m, "label"]))
            e["n"] = max(e["n"], int(sm["subject_id"].nunique()))
        order = list(dict.fromkeys(info["source"].astype(str)))
        out = {k: out[k] for k in order if k in out}
        return {"round": r, "sources": out, "n_measures": sum(len(v["measures"]) for v in out.values()),
                "all_sources": order}
    return cm.memo(ds, ("ch01_sources", inst["id"]), make)


def levels_section(ds: Dataset, institution: str) -> cm.Block:
    """The focus measure at every level, with the profile figure."""
    lab = cm.labels(ds)
    intro = cm.prose(*TEXTS.paragraphs("levels_intro", **lab), title=TEXTS.paragraph("levels_title", **lab))
    f = level_facts(ds, institution)
    if f is None:
        return intro + cm.no_data(TEXTS.paragraph("levels_no_data", **lab))
    d = f["decimals"]
    rows = [{"Niveau": lab["department"].capitalize() + ": " + name, "Gennemsnit": tx.fmt_number(mean, d)}
            for name, mean in f["departments"].values()]
    level_names = {"institution": lab["institution"].capitalize(), "cluster": TEXTS.paragraph("level_cluster"),
                   "municipality": lab["municipality"].capitalize(), "national": lab["national"].capitalize()}
    rows += [{"Niveau": f"{level_names[k]}: {f['names'][k]}" if k in ("institution", "cluster")
              else level_names[k], "Gennemsnit": tx.fmt_number(v, d)} for k, v in f["means"].items()]
    tab = cm.table(pd.DataFrame(rows), caption=f"{cm.measure_title(ds, f['measure'])}, "
                                               f"{cm.round_label(ds, f['round'])}")
    missing = "" if "national" in f["means"] else str(cm.no_data(TEXTS.paragraph("levels_no_national")))
    from llkit.present import plots

    try:
        fig = cm.figure_html(plots.profile(ds, institution=institution, round=f["round"]))
    except Exception:  # noqa: BLE001 - the table stands without the figure
        fig = cm.no_data(TEXTS.paragraph("levels_no_figure"))
    return intro + tab + cm.Block(missing) + cm.prose(*TEXTS.paragraphs("levels_figure", **lab)) + fig


def sources_section(ds: Dataset, institution: str) -> cm.Block:
    """Who answered: sources (informants), their measures and how many answered."""
    lab = cm.labels(ds)
    f = source_facts(ds, institution)
    intro = cm.prose(*TEXTS.paragraphs("sources_intro", **lab), title=TEXTS.paragraph("sources_title"))
    if not f["sources"]:
        return intro + cm.no_data(TEXTS.paragraph("sources_no_data", **lab))
    k = ds.meta.min_n
    nouns = {"child": lab["children"], "respondent": lab["respondents"], "department": lab["departments"]}
    rows = [{"Kilde": v["label"], "Mål": ", ".join(v["measures"]),
             "Antal med svar": (f"{tx.fmt_int(v['n'])} {nouns.get(v['subject'], '')}" if v["n"] >= k
                                else TEXTS.paragraph("sources_too_few", k=k))}
            for v in f["sources"].values()]
    caption = TEXTS.paragraph("sources_caption", round=cm.round_label(ds, f["round"]))
    return intro + cm.table(pd.DataFrame(rows), caption=caption)


def ethics_section(ds: Dataset) -> cm.Block:
    """Ethics and GDPR for the leadership team, with the dataset's suppression threshold."""
    return cm.prose(*TEXTS.paragraphs("ethics", **cm.labels(ds), k=ds.meta.min_n),
                    title=TEXTS.paragraph("ethics_title"))


# ----------------------------------------------------------------------------- exercises


def exercise_level(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: the level with the highest mean of the focus measure."""
    f = level_facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or len(f["means"]) < 2:
        return cm.exercise_skipped()
    d = f["decimals"]
    shown = {k: round(v, d) for k, v in f["means"].items()}
    top = max(shown.values())
    correct = {k for k, v in shown.items() if v == top}
    units = {k: f["names"][k] for k in f["means"]}
    feedback = {k: TEXTS.paragraph("level_wrong", unit=units[k], mean=tx.fmt_number(f["means"][k], d))
                for k in f["means"] if k not in correct}
    best = " og ".join(units[k] for k in units if k in correct)  # in table order
    return session.add(ex.PickUnit(
        "ch01_level", TEXTS.paragraph("level_question", **lab, label=f["label"], round=f["round"]), units, correct,
        feedback=feedback, hint=TEXTS.paragraph("level_hint", **lab),
        solution=TEXTS.paragraph("level_solution", best=best, mean=tx.fmt_number(top, d))))


def exercise_sources(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: how many sources (informants) answered about the institution (mistake:
    the number of measures)."""
    f = source_facts(ds, institution)
    lab = cm.labels(ds)
    n = len(f["sources"])
    if n == 0:
        return cm.exercise_skipped()
    wrong = []
    if f["n_measures"] != n:
        wrong.append((f["n_measures"], 0, TEXTS.paragraph("sources_wrong_measures")))
    if len(f["all_sources"]) != n:
        wrong.append((len(f["all_sources"]), 0, TEXTS.paragraph("sources_wrong_all", **lab, round=f["round"])))
    labels = ", ".join(v["label"] for v in f["sources"].values())
    return session.add(ex.Numeric(
        "ch01_sources", TEXTS.paragraph("sources_question", **lab, round=f["round"]), n, 0, decimals=0,
        wrong=wrong, hint=TEXTS.paragraph("sources_hint"),
        solution=TEXTS.paragraph("sources_solution", n=n, sources=labels)))


def exercise_suppression(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice (always available): what a report shows for a small group."""
    lab = cm.labels(ds)
    v = {**lab, "k": ds.meta.min_n, "below": ds.meta.min_n - 1, "each_child": lab["each_child"].capitalize()}
    return session.add(ex.MultipleChoice(
        "ch01_suppression", TEXTS.paragraph("suppression_question", **v),
        {"a": TEXTS.paragraph("suppression_option_a", **v),
         "b": TEXTS.paragraph("suppression_option_b", **v),
         "c": TEXTS.paragraph("suppression_option_c", **v)},
        "b",
        feedback={"a": TEXTS.paragraph("suppression_feedback_a", **v),
                  "c": TEXTS.paragraph("suppression_feedback_c")},
        hint=TEXTS.paragraph("suppression_hint", **v),
        solution=TEXTS.paragraph("suppression_solution", **v)))


def exercise_cycle(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice (always available): the step after the analysis in the cycle."""
    return session.add(ex.MultipleChoice(
        "ch01_cycle", TEXTS.paragraph("cycle_question"),
        {"a": TEXTS.paragraph("cycle_option_a"),
         "b": TEXTS.paragraph("cycle_option_b"),
         "c": TEXTS.paragraph("cycle_option_c")},
        "b",
        feedback={"a": TEXTS.paragraph("cycle_feedback_a"),
                  "c": TEXTS.paragraph("cycle_feedback_c")},
        hint=TEXTS.paragraph("cycle_hint"),
        solution=TEXTS.paragraph("cycle_solution")))


def reflection(ds: Dataset, institution: str, session: ex.Session) -> ex.Reflection:
    """The team's reflection prompt."""
    return session.add(ex.Reflection("ch01_reflection", TEXTS.paragraph("reflection", **cm.labels(ds))))


def summary(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's summary."""
    f = source_facts(ds, institution)
    points = TEXTS.paragraphs("summary", **cm.labels(ds))
    if f["sources"]:
        points.append(TEXTS.paragraph("summary_sources", n=len(f["sources"]), round=f["round"]))
    return cm.summary(points)
