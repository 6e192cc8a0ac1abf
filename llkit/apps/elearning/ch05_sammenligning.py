"""Chapter 5 — Sammenligning med andre (comparing with the municipality and the country).

Every figure and every correct answer is computed from the participant's own data:
the institution's mean beside the municipality's and the national figure, the funnel
plot (95 % and 99,8 % limits at the unit's size, Spiegelhalter 2005), and why a league
table says little: the range of places an institution could have once the uncertainty
(empirical-Bayes intervals) is taken into account.

The notebook ``notebooks/elearning/05_sammenligning_med_andre.ipynb`` calls one function
per cell. Functions that build exercises add them to the chapter's session and return
them; when the data lack what an exercise needs they return :func:`common.no_data`.

Examples
--------
>>> from llkit.apps.elearning import common
>>> ds, session = common.open_chapter("data/sample/dagtilbud", "I01", 5)
>>> f = facts(ds, "I01")
>>> f["zone"] in ZONES
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.elearning import common
from llkit.apps.elearning.prose import chapter_texts
from llkit.data import memo
from llkit.documents import common as doc
from llkit.documents import family as families
from llkit.documents import institution_report
from llkit.present import html as blocks
from llkit.present import labels
from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "NUMBER", "TITLE", "MINUTES", "PURPOSE", "ZONES", "facts", "header", "position_section",
    "exercise_limit", "family_section", "exercise_family", "funnel_section", "exercise_funnel", "national_section",
    "exercise_pick_unit", "league_section", "exercise_rank", "reflection", "chapter_summary",
]

NUMBER = 5
TITLE = common.CHAPTER_TITLES[NUMBER]
MINUTES = "20"
TEXTS = chapter_texts(NUMBER)
PURPOSE = TEXTS.paragraph("purpose")
Z95, Z998 = 1.959963984540054, 3.090232306167813

#: Where a unit's point lies in the funnel plot (option id -> Danish label).
ZONES = {
    "inside": TEXTS.paragraph("zone_inside"),
    "between_over": TEXTS.paragraph("zone_between_over"),
    "between_under": TEXTS.paragraph("zone_between_under"),
    "outside_over": TEXTS.paragraph("zone_outside_over"),
    "outside_under": TEXTS.paragraph("zone_outside_under"),
}


# ----------------------------------------------------------------------------- facts


def _zone(mean: float, r: pd.Series) -> str:
    if mean > r["upper998"]:
        return "outside_over"
    if mean < r["lower998"]:
        return "outside_under"
    if mean > r["upper95"]:
        return "between_over"
    if mean < r["lower95"]:
        return "between_under"
    return "inside"


def _focus_measure(ds: Dataset, inst: dict[str, Any], rnd: str) -> str | None:
    """The child measure in which the institution lies furthest from the municipality
    (largest |z|), among measures it is shown in."""
    pos = families.institution_position(ds, inst, rnd)
    if pos is None or pos.empty:
        return None
    info = labels.measure_info(ds)
    child = [m for m in pos.index if info.loc[m, "subject"] == "child"]
    shown = pos.loc[child]
    shown = shown[~shown["suppressed"].astype(bool) & shown["z"].notna()]
    if shown.empty:
        return None
    return str(shown["z"].abs().idxmax())


def facts(ds: Dataset, institution: str) -> dict[str, Any] | None:
    """Everything the chapter's exercises ask about, computed from the data.

    Parameters
    ----------
    ds : Dataset
    institution : str

    Returns
    -------
    dict or None
        ``None`` when the institution has no (unsuppressed) child measure to compare.
        Keys: ``inst``, ``round``, ``measure``, ``label``, ``decimals``, ``n``, ``mean``,
        ``target`` (the municipality's mean of all children), ``sigma`` (sd of all
        children), ``se``, ``limit95`` (the distance from the target to the 95 % limit at
        the unit's n, = 1,96·σ/√n), ``limit998``, ``zone`` (key of :data:`ZONES`),
        ``flag``, ``national`` (mean, NaN without reference), ``nat_flag``, ``units``
        (the comparison of all institutions: id, name, n, mean, z, shrunken interval),
        ``pick_options`` / ``pick_correct`` / ``pick_trap`` (the pick-the-unit exercise),
        ``n_units``, ``clearly_better``, ``clearly_worse``, ``best_rank``,
        ``worst_rank``, ``point_rank``, ``higher_is_better``.
    """
    inst = common.institution_info(ds, institution)
    return memo.cached(ds, ("el-ch05", inst["id"]), lambda: _facts(ds, inst))


def _facts(ds: Dataset, inst: dict[str, Any]) -> dict[str, Any] | None:
    rnd = doc.last_round(ds, inst)
    m = _focus_measure(ds, inst, rnd)
    if m is None:
        return None
    info = labels.measure_info(ds)
    hib = bool(info.loc[m, "hib"])
    c = indicators.compare(ds, m, level="institution", round=rnd)
    c = c.assign(institution_id=c["institution_id"].astype(str))
    row = c[c["institution_id"] == inst["id"]].iloc[0]
    sigma = float(row["se"] * np.sqrt(row["n"]))
    shown = c[~c["suppressed"].astype(bool) & c["mean"].notna()].copy()
    shown["abs_z"] = shown["z"].abs()
    shown["abs_diff"] = (shown["mean"] - shown["target"]).abs()
    # pick the unit: furthest from the target relative to its limits (|z|), with the unit
    # whose raw mean is furthest away (the trap: ignoring n), our own, the smallest and
    # the largest as the other options
    correct_ids = set(shown.loc[np.isclose(shown["abs_z"], shown["abs_z"].max()), "institution_id"])
    trap = str(shown.loc[shown["abs_diff"].idxmax(), "institution_id"])
    options = list(dict.fromkeys([
        *sorted(correct_ids), trap, inst["id"],
        str(shown.loc[shown["n"].idxmin(), "institution_id"]),
        str(shown.loc[shown["n"].idxmax(), "institution_id"]),
        *shown.sort_values("abs_z", ascending=False)["institution_id"].astype(str),
    ]))[:5]
    # the range of places: clearly better / worse = intervals that do not overlap ours
    lo, hi = float(row["shrunken_ci_low"]), float(row["shrunken_ci_high"])
    others = shown[shown["institution_id"] != inst["id"]]
    above = int((others["shrunken_ci_low"] > hi).sum())
    below = int((others["shrunken_ci_high"] < lo).sum())
    higher = int((others["mean"] > row["mean"]).sum())
    lower = int((others["mean"] < row["mean"]).sum())
    better, worse = (above, below) if hib else (below, above)
    n_units = len(shown)
    nat = np.nan
    nat_flag = None
    pos = families.institution_position(ds, inst, rnd)
    if m in pos.index:
        nat = float(pos.loc[m, "national"])
        nat_flag = pos.loc[m, "nat_flag"]
    return {
        "inst": inst, "round": rnd, "measure": m, "label": str(info.loc[m, "label"]),
        "source_label": str(info.loc[m, "source_label"]),
        "decimals": int(info.loc[m, "decimals"]), "noun": str(info.loc[m, "noun"]),
        "n": int(row["n"]), "mean": float(row["mean"]), "target": float(row["target"]),
        "sigma": sigma, "se": float(row["se"]),
        "limit95": float(row["upper95"] - row["target"]),
        "limit998": float(row["upper998"] - row["target"]),
        "zone": _zone(float(row["mean"]), row), "flag": row["flag"],
        "national": nat, "nat_flag": nat_flag, "units": shown,
        "pick_options": options, "pick_correct": correct_ids, "pick_trap": trap,
        "n_units": n_units, "clearly_better": better, "clearly_worse": worse,
        "best_rank": better + 1, "worst_rank": n_units - worse,
        "point_rank": (higher if hib else lower) + 1, "higher_is_better": hib,
        "shrunken_low": lo, "shrunken_high": hi,
    }


def words(ds: Dataset) -> dict[str, str]:
    """Sector words with their grammatical gender: ``et dagtilbud`` but ``en skole``
    (``An``/``Which`` … capitalised for the start of a sentence).

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> words(prepare("data/sample/skole"))["an"], words(prepare("data/sample/dagtilbud"))["an"]
    ('en', 'et')
    """
    lab = common.labels(ds)
    neuter = lab["institution"] == "dagtilbud"
    out = {**lab,
           "an": "et" if neuter else "en", "which": "hvilket" if neuter else "hvilken",
           "other": "andet" if neuter else "anden",
           "the_inst": "dagtilbuddet" if lab["institution"] == "dagtilbud" else
           ("skolen" if lab["institution"] == "skole" else "institutionen"),
           "the_depts": "stuerne/grupperne" if lab["departments"] == "stuer/grupper" else
           ("klasserne" if lab["departments"] == "klasser" else "afdelingerne")}
    return {**out, "An": out["an"].capitalize(), "Which": out["which"].capitalize(),
            "Institutions": out["institutions"].capitalize()}


def _f(x: float, d: int) -> str:
    return tx.fmt_number(x, d)


def _d(f: dict[str, Any]) -> int:
    """Decimals for exercise numbers: one more than the report's, at most 2."""
    return min(2, f["decimals"] + 1)


def _missing(ds: Dataset, institution: str) -> blocks.Block:
    lab = common.labels(ds)
    name = common.institution_info(ds, institution)["name"]
    return common.no_data(TEXTS.paragraph("no_compare", children=lab["children"], name=name))


# ----------------------------------------------------------------------------- page


def header(ds: Dataset, institution: str) -> blocks.Block:
    """The chapter's title block with purpose and time to learn."""
    return common.chapter_header(ds, institution, number=NUMBER, title=TITLE, purpose=PURPOSE,
                                 minutes=MINUTES)


def position_section(ds: Dataset, institution: str) -> blocks.Block:
    """Jeres tal, kommunens og landets: the profile figure and the focus measure in words."""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    lab = common.labels(ds)
    name = f["inst"]["name"]
    d = _d(f)
    parts = [institution_report.status_section(ds, institution)]
    diff = f["mean"] - f["target"]
    v = {"name": name, "label": f["label"], "noun": f["noun"], "round": f["round"]}
    numbers = TEXTS.paragraph("position_numbers", **v, mean=_f(f["mean"], d), n=tx.fmt_int(f["n"]),
                              target=_f(f["target"], d))
    if np.isfinite(f["national"]):
        numbers += " " + TEXTS.paragraph("position_national", national=_f(f["national"], d))
    text = [
        TEXTS.paragraph("position_intro", **v, source=f["source_label"].lower()),
        numbers,
        tx.describe_difference(diff, diff - Z95 * f["se"], diff + Z95 * f["se"], name=name,
                               reference="kommunen", decimals=d,
                               real=families.family_verdict(families.report_family(ds, f["inst"], f["round"]),
                                                      "position", f["measure"])[0]),
        *TEXTS.paragraphs("position_reference", **lab),
    ]
    parts.append(common.prose(*text, title=TEXTS.paragraph("position_title", label=f["label"])))
    return blocks.Block("".join(p.html if hasattr(p, "html") else str(p) for p in parts))


def exercise_limit(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: how far from the municipality's mean must the institution lie to be
    outside the 95 % limits at its size (1,96·σ/√n)?"""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    d = _d(f)
    n, s = f["n"], f["sigma"]
    correct = Z95 * s / np.sqrt(n)
    v = {"label": f["label"], "noun": f["noun"], "name": f["inst"]["name"], "n": tx.fmt_int(n),
         "sigma": _f(s, 2), "se": _f(s / np.sqrt(n), 3), "limit": _f(correct, 2)}
    q = ex.Numeric(
        "ch05-graense", TEXTS.paragraph("limit_question", **v),
        correct, max(0.01, 10.0 ** -d),
        hint=TEXTS.paragraph("limit_hint"),
        solution=TEXTS.paragraph("limit_solution", **v),
        wrong=[
            (Z95 * s / n, 0.005, TEXTS.paragraph("limit_wrong_n")),
            (Z998 * s / np.sqrt(n), 10.0 ** -d, TEXTS.paragraph("limit_wrong_998")),
            (s / np.sqrt(n), 10.0 ** -d, TEXTS.paragraph("limit_wrong_one_se")),
            (Z95 * s, 10.0 ** -d, TEXTS.paragraph("limit_wrong_no_root", **v)),
        ],
        unit="point", decimals=2,
    )
    return session.add(q)


def funnel_section(ds: Dataset, institution: str) -> blocks.Block:
    """How a funnel plot is built, with the institution's own numbers."""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    lab = words(ds)
    d = _d(f)
    neuter = lab["an"] == "et"
    return common.prose(
        *TEXTS.paragraphs("funnel_text", **lab, noun=f["noun"], n=tx.fmt_int(f["n"]),
                          limit95=_f(f["limit95"], d), limit998=_f(f["limit998"], d),
                          one="ét" if neuter else "én", big="stort" if neuter else "stor"),
        title=TEXTS.paragraph("funnel_title"),
    )


def _funnel_feedback(f: dict[str, Any], z: str, side: str) -> dict[str, str]:
    """Feedback per zone for the funnel exercise: the right zone's explanation, and for
    each wrong zone what the participant probably misread."""
    v = {"name": f["inst"]["name"], "noun": f["noun"], "side": side, "mean": _f(f["mean"], _d(f)),
         "target": _f(f["target"], _d(f))}
    fb = {
        "inside": TEXTS.paragraph("funnel_explain_inside", **v),
        "between_over": TEXTS.paragraph("funnel_explain_between_over"),
        "between_under": TEXTS.paragraph("funnel_explain_between_under"),
        "outside_over": TEXTS.paragraph("funnel_explain_outside_over"),
        "outside_under": TEXTS.paragraph("funnel_explain_outside_under"),
    }
    feedback = {k: TEXTS.paragraph("funnel_right", explanation=e) if k == z else "" for k, e in fb.items()}
    for k in ZONES:
        if k == z:
            continue
        if z == "inside" and k.endswith(side):
            feedback[k] = TEXTS.paragraph("funnel_wrong_inside_side", **v)
        elif z.startswith("outside") and k.startswith("between") and k.endswith(side):
            feedback[k] = TEXTS.paragraph("funnel_wrong_almost")
        elif z.startswith("between") and k.startswith("outside") and k.endswith(side):
            feedback[k] = TEXTS.paragraph("funnel_wrong_not_dotted")
        elif not k.endswith(side) and k != "inside":
            feedback[k] = TEXTS.paragraph("funnel_wrong_other_side", **v)
        else:
            feedback[k] = TEXTS.paragraph("funnel_wrong")
    return feedback


def exercise_funnel(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Interpret the plot: where does the institution's point lie in the funnel?"""
    from llkit.present import plots

    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    name = f["inst"]["name"]
    z = f["zone"]
    side = "under" if f["mean"] < f["target"] else "over"
    feedback = _funnel_feedback(f, z, side)
    fig = plots.funnel(ds, measure=f["measure"], round=f["round"], highlight=f["inst"]["id"])
    d = _d(f)
    v = {"name": name, "label": f["label"], "round": f["round"], "noun": f["noun"]}
    q = ex.InterpretPlot(
        "ch05-tragt",
        TEXTS.paragraph("funnel_question", **v, institutions=common.labels(ds)["institutions"]),
        fig, ZONES, z,
        hint=TEXTS.paragraph("funnel_hint", **v),
        solution=TEXTS.paragraph(
            "funnel_solution", **v, n=tx.fmt_int(f["n"]), mean=_f(f["mean"], d), target=_f(f["target"], d),
            low95=_f(f["target"] - f["limit95"], d), high95=_f(f["target"] + f["limit95"], d),
            low998=_f(f["target"] - f["limit998"], d), high998=_f(f["target"] + f["limit998"], d),
            zone=ZONES[z].lower(), flag=tx.describe_funnel_flag(f["flag"], name=name)),
        feedback=feedback,
    )
    return session.add(q)


def national_section(ds: Dataset, institution: str) -> Any:
    """The funnel against the national reference, or a note that there is none."""
    from llkit.present import plots

    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    if not np.isfinite(f["national"]):
        return common.no_data(TEXTS.paragraph("national_no_data", label=f["label"], round=f["round"]))
    name = f["inst"]["name"]
    fig = plots.funnel(ds, measure=f["measure"], round=f["round"], highlight=f["inst"]["id"],
                       target="reference")
    diff = f["mean"] - f["national"]
    texts = [
        TEXTS.paragraph("national_numbers", national=_f(f["national"], _d(f)), name=name, mean=_f(f["mean"], _d(f)),
                        side="over" if diff > 0 else "under", diff=_f(abs(diff), _d(f))),
        tx.describe_funnel_flag(f["nat_flag"], name=name),
        *TEXTS.paragraphs("national_caveat"),
    ]
    return blocks.Block(common.figure_html(fig).html + common.prose(*texts).html)


def _pick_table(f: dict[str, Any], units: pd.DataFrame, opts: list[str], lab: dict[str, str]) -> str:
    """The options of the pick-the-unit exercise with n, mean and 99,8 % limits."""
    d = _d(f)
    rows = []
    for i in opts:
        u = units.loc[i]
        rows.append({
            lab["institution"].capitalize(): str(u["institution_name"]),
            f"Antal {f['noun']}": tx.fmt_int(u["n"]),
            "Gennemsnit": _f(u["mean"], d),
            "99,8\u00a0%-grænser ved dette antal": tx.fmt_interval(u["lower998"], u["upper998"], d),
        })
    caption = TEXTS.paragraph("pick_caption", label=f["label"], round=f["round"], target=_f(f["target"], d))
    table = blocks.styled_table(pd.DataFrame(rows), caption=caption)
    return table + blocks.note_html(TEXTS.paragraph("pick_note", noun=f["noun"]))


def exercise_pick_unit(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: which institution deviates most when its size is taken into account?"""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    lab = words(ds)
    units = f["units"].set_index("institution_id")
    options = f["pick_options"]
    if len(options) < 3:
        return common.exercise_skipped()
    d = _d(f)
    opts = sorted(options, key=lambda i: str(units.loc[i, "institution_name"]))
    table = _pick_table(f, units, opts, lab)
    feedback = {}
    correct = f["pick_correct"]
    best = units.loc[sorted(correct)[0]]
    for i in opts:
        u = units.loc[i]
        v = {"name": u["institution_name"], "z": _f(abs(u["z"]), 1)}
        if i in correct:
            feedback[i] = TEXTS.paragraph("pick_feedback_right", **v)
        elif i == f["pick_trap"]:
            feedback[i] = TEXTS.paragraph("pick_feedback_trap", **v, n=tx.fmt_int(u["n"]), noun=f["noun"])
        else:
            feedback[i] = TEXTS.paragraph("pick_feedback_other", **v, best=best["institution_name"],
                                          best_z=_f(abs(best["z"]), 1))
    q = ex.PickUnit(
        "ch05-enhed", TEXTS.paragraph("pick_question", **lab, label=f["label"], noun=f["noun"]),
        {i: str(units.loc[i, "institution_name"]) for i in opts}, correct,
        hint=TEXTS.paragraph("pick_hint"),
        solution=TEXTS.paragraph("pick_solution", **lab, name=best["institution_name"], mean=_f(best["mean"], d),
                                 n=tx.fmt_int(best["n"]), noun=f["noun"], z=_f(abs(best["z"]), 1)),
        feedback=feedback,
    )
    session.add(q)
    return _Both(blocks.Block(table), q)


class _Both:
    """A table shown above an exercise widget (one cell, one output)."""

    def __init__(self, block: blocks.Block, exercise: ex.Exercise) -> None:
        self.block = block
        self.exercise = exercise

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(HTML(self.block.html))
        display(self.exercise)


def league_section(ds: Dataset, institution: str) -> blocks.Block:
    """Why not a league table: the range of places the uncertainty allows."""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    lab = words(ds)
    name = f["inst"]["name"]
    N = f["n_units"]
    same = N - 1 - f["clearly_better"] - f["clearly_worse"]
    v = {**lab, "name": name, "label": f["label"], "round": f["round"]}
    rows = [
        {"": TEXTS.paragraph("league_row_all", **v), "Antal": tx.fmt_int(N)},
        {"": TEXTS.paragraph("league_row_better", **v), "Antal": tx.fmt_int(f["clearly_better"])},
        {"": TEXTS.paragraph("league_row_worse", **v), "Antal": tx.fmt_int(f["clearly_worse"])},
        {"": TEXTS.paragraph("league_row_same", **v), "Antal": tx.fmt_int(same)},
    ]
    table = blocks.styled_table(pd.DataFrame(rows), caption=TEXTS.paragraph("league_caption", **v))
    return blocks.Block(common.prose(*TEXTS.paragraphs("league_text", **v)).html + table)


def exercise_rank(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the best place the institution could realistically have."""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    lab = common.labels(ds)
    best, worst, point = f["best_rank"], f["worst_rank"], f["point_rank"]
    v = {**lab, "name": f["inst"]["name"], "label": f["label"], "better": tx.fmt_int(f["clearly_better"]),
         "worse": tx.fmt_int(f["clearly_worse"]), "best": tx.fmt_int(best), "worst": tx.fmt_int(worst),
         "point": tx.fmt_int(point), "n_units": tx.fmt_int(f["n_units"])}
    wrong = []
    if point != best:
        wrong.append((point, 0.4, TEXTS.paragraph("rank_wrong_point", **v)))
    if f["clearly_better"] not in (best, point):
        wrong.append((f["clearly_better"], 0.4, TEXTS.paragraph("rank_wrong_better")))
    if worst not in (best, point):
        wrong.append((worst, 0.4, TEXTS.paragraph("rank_wrong_worst")))
    q = ex.Numeric(
        "ch05-plads", TEXTS.paragraph("rank_question", **v),
        best, 0.4,
        hint=TEXTS.paragraph("rank_hint", **v),
        solution=TEXTS.paragraph("rank_solution", **v),
        wrong=wrong, unit="", decimals=0,
    )
    return session.add(q)


def family_section(ds: Dataset, institution: str) -> blocks.Block:
    """Why one of many comparisons differs by chance, and the family of the team's report."""
    inst = doc.institution_info(ds, institution)
    fam = families.report_family(ds, inst)
    n = int(fam["p_value"].notna().sum())
    if n == 0:
        return common.no_data(TEXTS.paragraph("family_no_data"))
    naive = int((fam["p_value"] <= 0.05).sum())
    real = int(fam["real"].sum())
    verdict = (TEXTS.paragraph("family_real", name=inst["name"], real=tx.fmt_int(real), le="le" if real != 1 else "")
               if real else TEXTS.paragraph("family_none", name=inst["name"]))
    text = [
        *TEXTS.paragraphs("family_text", n=tx.fmt_int(n), departments=common.labels(ds)["departments"],
                          naive=tx.fmt_int(naive), expected=tx.fmt_number(0.05 * n, 1)),
        TEXTS.paragraph("family_sure") + " " + verdict,
    ]
    return common.prose(*text, title=TEXTS.paragraph("family_title"))


def exercise_family(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: how many "differences" chance alone gives among the report's comparisons."""
    inst = doc.institution_info(ds, institution)
    fam = families.report_family(ds, inst)
    n = int(fam["p_value"].notna().sum())
    if n < 2:
        return common.exercise_skipped()
    correct = 0.05 * n
    v = {"name": inst["name"], "n": tx.fmt_int(n), "expected": tx.fmt_number(correct, 1)}
    q = ex.Numeric(
        "ch05-mange-tal", TEXTS.paragraph("many_question", **v),
        correct, 0.15,
        hint=TEXTS.paragraph("many_hint"),
        solution=TEXTS.paragraph("many_solution", **v),
        wrong=[
            (0.0, 0.01, TEXTS.paragraph("many_wrong_zero")),
            (0.95 * n, 0.5, TEXTS.paragraph("many_wrong_inside")),
            (5.0, 0.01, TEXTS.paragraph("many_wrong_five")),
        ],
        unit="tal", decimals=1,
    )
    return session.add(q)


def reflection(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """The chapter's reflection prompt for the leadership team (saved with the answers)."""
    return session.add(ex.Reflection("ch05-refleksion", TEXTS.paragraph("reflection", **words(ds))))


def chapter_summary(ds: Dataset, institution: str) -> blocks.Block:
    """Opsummering."""
    f = facts(ds, institution)
    points = TEXTS.paragraphs("summary", **common.labels(ds))
    if f is not None:
        points.append(TEXTS.paragraph("summary_yours", label=f["label"], name=f["inst"]["name"],
                                      best=tx.fmt_int(f["best_rank"]), worst=tx.fmt_int(f["worst_rank"]),
                                      n_units=tx.fmt_int(f["n_units"])))
    return common.summary(points)
