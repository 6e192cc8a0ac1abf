"""Chapter 6 — Social baggrund og lige muligheder (equity gaps and whether they narrow).

The programme's product criterion asks not only for better learning and well-being but
for children's social background to matter less. This chapter shows the participant's
own gap between children of parents with shorter and longer education (the sector
profile's default groups), compares it with the municipality's, and asks whether it
narrows — decided with the uncertainty of the change, not on the points alone.

Examples
--------
>>> from llkit.apps.elearning import common
>>> ds, session = common.open_chapter("data/sample/dagtilbud", "I03", 6)
>>> f = facts(ds, "I03")
>>> f["trend"] in ("narrows", "widens", "unclear", None)
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
from llkit.documents import institution_report, overview
from llkit.present import html, labels
from llkit.present import text as tx
from llkit.stats import indicators
from llkit.stats.decision import decide, p_value_interval

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "NUMBER", "TITLE", "MINUTES", "PURPOSE", "TRENDS", "POSITIONS", "facts", "header",
    "groups_section", "gap_section", "exercise_gap", "exercise_municipality", "trend_section",
    "exercise_trend", "reflection", "chapter_summary",
]

NUMBER = 6
TITLE = common.CHAPTER_TITLES[NUMBER]
MINUTES = "20"
TEXTS = chapter_texts(NUMBER)
PURPOSE = TEXTS.paragraph("purpose")

#: Answers to "has the gap narrowed?" (option id -> Danish label).
TRENDS = {
    "narrows": TEXTS.paragraph("trend_option_narrows"),
    "widens": TEXTS.paragraph("trend_option_widens"),
    "unclear": TEXTS.paragraph("trend_option_unclear"),
}
#: Answers to "how does your gap compare with the municipality's?".
POSITIONS = {
    "larger": TEXTS.paragraph("position_option_larger"),
    "same": TEXTS.paragraph("position_option_same"),
    "smaller": TEXTS.paragraph("position_option_smaller"),
}


def _groups(ds: Dataset) -> tuple[str, list[str], list[str]]:
    attr, low, high = ds.profile.gap_default
    return attr, list(low), list(high)


def _has_background(ds: Dataset) -> bool:
    attr, _, _ = _groups(ds)
    ch = ds.children
    return ch is not None and attr in ch.columns and ch[attr].notna().any()


def facts(ds: Dataset, institution: str) -> dict[str, Any] | None:
    """The gap facts the chapter's exercises ask about.

    The focus measure is the child measure with the largest gap (in units of the
    municipality's standard deviation, so scales are comparable) in the institution's
    latest round among the gaps that are shown (both groups at least ``min_n``).

    Returns
    -------
    dict or None
        ``None`` without background data or when no gap can be shown. Keys: ``inst``,
        ``round``, ``measure``, ``label``, ``decimals``, ``n_low``, ``n_high``,
        ``mean_low``, ``mean_high``, ``gap``, ``ci_low``, ``ci_high``, ``muni_gap``,
        ``position`` (key of :data:`POSITIONS`: the municipality's gap inside, below or
        above the institution's interval), ``prev_round``, ``prev_gap``, ``change``,
        ``change_ci_low``, ``change_ci_high``, ``trend`` (key of :data:`TRENDS`, ``None``
        without a comparable previous round), ``muni_trend``, ``table`` (all gaps of the
        institution).
    """
    inst = common.institution_info(ds, institution)
    return memo.cached(ds, ("el-ch06", inst["id"]), lambda: _facts(ds, inst))


def _facts(ds: Dataset, inst: dict[str, Any]) -> dict[str, Any] | None:
    if not _has_background(ds):
        return None
    info = labels.measure_info(ds)
    child = [m for m in info.index if info.loc[m, "subject"] == "child"]
    if not child:
        return None
    try:
        g = indicators.gap(ds, child, by="institution")
        gm = indicators.gap(ds, child, by=None)
    except (KeyError, ValueError):
        return None
    g = g[g["institution_id"].astype(str) == inst["id"]].assign(
        round=lambda d: d["round"].astype(str), measure_id=lambda d: d["measure_id"].astype(str))
    gm = gm.assign(round=gm["round"].astype(str), measure_id=gm["measure_id"].astype(str))
    rnd = doc.last_round(ds, inst)
    now = g[(g["round"] == rnd) & ~g["suppressed"].astype(bool) & g["gap"].notna()]
    if now.empty:
        return None
    whole = indicators.summarize(ds, child, by=None, round=rnd).set_index("measure_id")["sd"]
    std = now["gap"].abs() / now["measure_id"].map(whole).replace(0, np.nan)
    r = now.loc[std.fillna(-1).idxmax()]
    m = str(r["measure_id"])
    rounds = [x for x in ds.meta.rounds if x in set(g["round"])]
    prev = rounds[rounds.index(rnd) - 1] if rnd in rounds and rounds.index(rnd) > 0 else None
    mg = g[g["measure_id"] == m].set_index("round")
    mm = gm[gm["measure_id"] == m].set_index("round")
    muni = float(mm.loc[rnd, "gap"]) if rnd in mm.index and not bool(mm.loc[rnd, "suppressed"]) else np.nan
    # the measure was picked as the largest gap of several: decide its comparison with the
    # municipality within the family of all of them (llkit.stats.decision), not on its interval alone
    muni_now = gm[(gm["round"] == rnd) & ~gm["suppressed"].astype(bool)].set_index("measure_id")["gap"]
    ref = now["measure_id"].map(muni_now).astype(float)
    p = p_value_interval(now["gap"] - ref, now["ci_low"] - ref, now["ci_high"] - ref)
    sure = dict(zip(now["measure_id"], decide(pd.DataFrame({"p_value": p}))["real"], strict=True))
    if not np.isfinite(muni):
        position = None
    elif sure.get(m) and r["gap"] > muni:
        position = "larger"
    elif sure.get(m) and r["gap"] < muni:
        position = "smaller"
    else:
        position = "same"
    out = {
        "inst": inst, "round": rnd, "measure": m, "label": str(info.loc[m, "label"]),
        "source_label": str(info.loc[m, "source_label"]), "decimals": int(info.loc[m, "decimals"]),
        "noun": str(info.loc[m, "noun"]), "n_low": int(r["n_low"]), "n_high": int(r["n_high"]),
        "mean_low": float(r["mean_low"]), "mean_high": float(r["mean_high"]),
        "gap": float(r["gap"]), "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
        "muni_gap": muni, "position": position, "prev_round": prev, "prev_gap": np.nan,
        "change": np.nan, "change_ci_low": np.nan, "change_ci_high": np.nan, "trend": None, "real": None,
        "muni_trend": None, "table": g,
    }
    if prev is not None and prev in mg.index and not bool(mg.loc[prev, "suppressed"]):
        cur = mg.loc[rnd]
        out.update(prev_gap=float(mg.loc[prev, "gap"]), change=float(cur["change_from_previous"]),
                   change_ci_low=float(cur["change_ci_low"]), change_ci_high=float(cur["change_ci_high"]))
        out["real"] = families.family_verdict(families.report_family(ds, inst, rnd), "gap_change", m)[0]
        out["trend"] = tx.gap_trend(out["prev_gap"], out["gap"], out["change_ci_low"], out["change_ci_high"],
                                    real=out["real"])
    if prev is not None and prev in mm.index and rnd in mm.index:
        c = mm.loc[rnd]
        out["muni_trend"] = tx.describe_gap_change(
            float(mm.loc[prev, "gap"]), float(c["gap"]), float(c["change_ci_low"]),
            float(c["change_ci_high"]), groups=_groups_text(ds), from_round=prev, to_round=rnd,
            decimals=min(2, out["decimals"] + 1),
            real=overview.overview_verdict(overview.overview_family(ds), "gap_change", m)[0])
    return out


def _groups_text(ds: Dataset) -> str:
    return TEXTS.paragraph("groups_phrase", **common.labels(ds))


def _d(f: dict[str, Any]) -> int:
    return min(2, f["decimals"] + 1)


def _f(x: float, d: int, sign: bool = False) -> str:
    return tx.fmt_number(x, d, sign=sign)


def _missing(ds: Dataset) -> html.Block:
    lab = common.labels(ds)
    if not _has_background(ds):
        return common.no_data(TEXTS.paragraph("no_background_no_data", **lab))
    return common.no_data(TEXTS.paragraph("no_gap_no_data", **lab, min_n=ds.meta.min_n))


# ----------------------------------------------------------------------------- page


def header(ds: Dataset, institution: str) -> html.Block:
    """The chapter's title block with purpose and time to learn."""
    return common.chapter_header(ds, institution, number=NUMBER, title=TITLE, purpose=PURPOSE,
                                 minutes=MINUTES)


def groups_section(ds: Dataset, institution: str) -> html.Block:
    """Who is in the two groups, and how many of the institution's children are in each."""
    lab = words(ds)
    if not _has_background(ds):
        return _missing(ds)
    attr, low, high = _groups(ds)
    inst = common.institution_info(ds, institution)
    middle = sorted(set(ds.children[attr].dropna().astype(str)) - set(low) - set(high))

    def _or(xs: list[str]) -> str:
        xs = [x.lower() for x in xs]
        return xs[0] if len(xs) == 1 else f"{', '.join(xs[:-1])} eller {xs[-1]}"

    lab = {**lab, "Children": lab["children"].capitalize()}
    texts = [
        TEXTS.paragraph("groups_definition", **lab, low=_or(low), high=_or(high)) + " "
        + (TEXTS.paragraph("groups_excluded_middle", **lab, middle=_or(middle)) if middle else
           TEXTS.paragraph("groups_excluded", **lab)),
        *TEXTS.paragraphs("groups_gap_definition"),
    ]
    f = facts(ds, institution)
    if f is not None:
        texts.extend(TEXTS.paragraphs(
            "groups_counts", **lab, round=f["round"], name=inst["name"], n_low=tx.fmt_int(f["n_low"]),
            n_high=tx.fmt_int(f["n_high"]), label=f["label"], min_n=tx.fmt_int(ds.meta.min_n)))
    return common.prose(*texts, title=TEXTS.paragraph("groups_title"))


def gap_section(ds: Dataset, institution: str) -> Any:
    """The gaps of every child measure over the rounds: figure and table."""
    if not _has_background(ds):
        return _missing(ds)
    return institution_report.gap_section(ds, institution)


def exercise_gap(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: compute the gap from the two groups' means."""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds)
    d = _d(f)
    lab = common.labels(ds)
    lo, hi = round(f["mean_low"], d), round(f["mean_high"], d)
    correct = hi - lo
    rows = [{"Gruppe": "Forældre med kort uddannelse", f"Antal {lab['children']}": tx.fmt_int(f["n_low"]),
             "Gennemsnit": _f(lo, d)},
            {"Gruppe": "Forældre med lang uddannelse", f"Antal {lab['children']}": tx.fmt_int(f["n_high"]),
             "Gennemsnit": _f(hi, d)}]
    table = html.styled_table(pd.DataFrame(rows), caption=f"{f['inst']['name']}: {f['label']}, {f['round']}")
    wrong = [(-correct, 10.0 ** -d, TEXTS.paragraph("gap_wrong_sign"))]
    if np.isfinite(f["muni_gap"]) and abs(f["muni_gap"] - correct) > 2 * 10.0 ** -d:
        wrong.append((f["muni_gap"], 10.0 ** -d, TEXTS.paragraph("gap_wrong_municipality")))
    verdict = (TEXTS.paragraph("gap_solution_long_highest") if correct > 0 else
               TEXTS.paragraph("gap_solution_short_highest") if correct < 0 else
               TEXTS.paragraph("gap_solution_none"))
    q = ex.Numeric(
        "ch06-forskel",
        TEXTS.paragraph("gap_question", label=f["label"], round=f["round"]),
        correct, 10.0 ** -d * 1.01,
        hint=TEXTS.paragraph("gap_hint"),
        solution=TEXTS.paragraph("gap_solution", high=_f(hi, d), low=_f(lo, d), gap=_f(correct, d))
        + " " + verdict,
        wrong=wrong, unit="point", decimals=d,
    )
    session.add(q)
    return _Both(html.Block(table), q)


def _municipality_feedback(f: dict[str, Any], d: int) -> dict[str, str]:
    """Feedback on each answer to :func:`exercise_municipality` (empty: the generic one)."""
    pos = f["position"]
    nums = {"muni": _f(f["muni_gap"], d), "ci": tx.fmt_interval(f["ci_low"], f["ci_high"], d),
            "gap": _f(f["gap"], d)}
    point = "larger" if f["gap"] > f["muni_gap"] else "smaller"
    fb = {k: "" for k in POSITIONS}
    inside = f["ci_low"] <= f["muni_gap"] <= f["ci_high"]
    if pos == "same" and not inside:
        fb["same"] = TEXTS.paragraph("municipality_right_same_outside", **nums)
        fb["larger"] = fb["smaller"] = TEXTS.paragraph("municipality_wrong_same_outside")
    elif pos == "same":
        fb["same"] = TEXTS.paragraph("municipality_right_same_inside", **nums)
        fb[point] = TEXTS.paragraph("municipality_wrong_same_inside_point", **nums,
                                    comparison="større" if point == "larger" else "mindre")
        fb["smaller" if point == "larger" else "larger"] = TEXTS.paragraph("municipality_wrong_same_inside_other")
    else:
        fb[pos] = TEXTS.paragraph("municipality_right_clear", **nums, side="over" if pos == "larger" else "under")
        fb["same"] = TEXTS.paragraph("municipality_wrong_clear_same")
        fb["smaller" if pos == "larger" else "larger"] = TEXTS.paragraph("municipality_wrong_clear_other")
    return fb


def exercise_municipality(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice: is the institution's gap larger than, smaller than or like the
    municipality's (is the municipality's gap inside the institution's interval)?"""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds)
    if f["position"] is None:
        return common.exercise_skipped()
    d = _d(f)
    pos = f["position"]
    ci, muni = tx.fmt_interval(f["ci_low"], f["ci_high"], d), _f(f["muni_gap"], d)
    fb = _municipality_feedback(f, d)
    q = ex.MultipleChoice(
        "ch06-kommunen",
        TEXTS.paragraph("municipality_question", round=f["round"], label=f["label"], name=f["inst"]["name"],
                        gap=_f(f["gap"], d), ci=ci, muni=muni),
        POSITIONS, pos,
        hint=TEXTS.paragraph("municipality_hint"),
        solution=(TEXTS.paragraph("municipality_solution_same", ci=ci, muni=muni) if pos == "same" else
                  TEXTS.paragraph("municipality_solution_clear", ci=ci, muni=muni))
        + " " + TEXTS.paragraph("municipality_solution_rest", answer=POSITIONS[pos].lower(),
                                n_low=tx.fmt_int(f["n_low"]), n_high=tx.fmt_int(f["n_high"]), noun=f["noun"]),
        feedback={k: v for k, v in fb.items() if v},
    )
    return session.add(q)


def trend_section(ds: Dataset, institution: str) -> Any:
    """Does the gap narrow? The institution's and the municipality's latest change."""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds)
    if f["prev_round"] is None:
        return common.no_data(TEXTS.paragraph("trend_no_data"))
    d = _d(f)
    texts = []
    if f["trend"] is not None:
        texts.append(TEXTS.paragraph("trend_institution", name=f["inst"]["name"], label=f["label"],
                                     description=tx.describe_gap_change(
            f["prev_gap"], f["gap"], f["change_ci_low"], f["change_ci_high"],
            groups=_groups_text(ds), from_round=f["prev_round"], to_round=f["round"], decimals=d,
            real=f["real"])))
    if f["muni_trend"]:
        texts.append(TEXTS.paragraph("trend_municipality", description=f["muni_trend"]))
    texts.extend(TEXTS.paragraphs("trend_caution", **words(ds)))
    return common.prose(*texts, title=TEXTS.paragraph("trend_title"))


def _trend_feedback(f: dict[str, Any], d: int) -> dict[str, str]:
    """Feedback on each answer to :func:`exercise_trend`."""
    t = f["trend"]
    nums = {"ci": tx.fmt_interval(f["change_ci_low"], f["change_ci_high"], d), "round": f["round"],
            "prev_round": f["prev_round"], "prev_gap": _f(f["prev_gap"], d), "gap": _f(f["gap"], d)}
    if t == "unclear":
        smaller = abs(f["gap"]) < abs(f["prev_gap"])
        pointed = "narrows" if smaller else "widens"
        return {t: TEXTS.paragraph("trend_right_unclear", **nums),
                pointed: (TEXTS.paragraph("trend_wrong_unclear_closer", **nums) if smaller else
                          TEXTS.paragraph("trend_wrong_unclear_farther", **nums)),
                "widens" if pointed == "narrows" else "narrows": TEXTS.paragraph("trend_wrong_unclear_other", **nums)}
    return {t: TEXTS.paragraph("trend_right_clear", **nums),
            "unclear": TEXTS.paragraph("trend_wrong_clear_unclear", **nums),
            "widens" if t == "narrows" else "narrows": TEXTS.paragraph("trend_wrong_clear_other", **nums)}


def exercise_trend(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Interpret the plot: has the gap narrowed from the previous round?"""
    from llkit.present import plots

    f = facts(ds, institution)
    if f is None:
        return _missing(ds)
    if f["trend"] is None:
        return common.exercise_skipped()
    d = _d(f)
    rounds = {"round": f["round"], "prev_round": f["prev_round"]}
    fig = plots.gap(ds, measure=f["measure"], institution=f["inst"]["id"])
    q = ex.InterpretPlot(
        "ch06-udvikling",
        TEXTS.paragraph("trend_question", **rounds, label=f["label"], name=f["inst"]["name"]),
        fig, TRENDS, f["trend"],
        hint=TEXTS.paragraph("trend_hint", **rounds),
        solution=TEXTS.paragraph(
            "trend_solution", change=_f(f["change"], d, sign=True),
            ci=tx.fmt_interval(f["change_ci_low"], f["change_ci_high"], d),
            description=tx.describe_gap_change(f["prev_gap"], f["gap"], f["change_ci_low"],
                                               f["change_ci_high"], groups=_groups_text(ds),
                                               from_round=f["prev_round"], to_round=f["round"], decimals=d,
                                               real=f["real"])),
        feedback=_trend_feedback(f, d),
    )
    return session.add(q)


def reflection(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """The chapter's reflection prompt for the leadership team."""
    q = ex.Reflection("ch06-refleksion", TEXTS.paragraph("reflection", **words(ds)))
    return session.add(q)


def chapter_summary(ds: Dataset, institution: str) -> html.Block:
    """Opsummering."""
    f = facts(ds, institution)
    points = TEXTS.paragraphs("summary", **common.labels(ds))
    if f is not None:
        points.append(TEXTS.paragraph("summary_own", name=f["inst"]["name"], label=f["label"],
                                      round=f["round"], gap=_f(f["gap"], _d(f))))
    return common.summary(points)
