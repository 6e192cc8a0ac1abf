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
PURPOSE = ("Efter kapitlet kan I sætte jeres tal ved siden af kommunens og landets, forklare, "
           "hvorfor én af mange sammenligninger ser ud som en forskel ved et tilfælde, læse et "
           "tragtdiagram og forklare, hvorfor en rangliste ikke siger, hvem der gør det bedst.")
Z95, Z998 = 1.959963984540054, 3.090232306167813

#: Where a unit's point lies in the funnel plot (option id -> Danish label).
ZONES = {
    "inside": "Inden for de stiplede linjer (95\u00a0%-grænserne)",
    "between_over": "Over den øverste stiplede linje, men inden for den prikkede (99,8\u00a0%)",
    "between_under": "Under den nederste stiplede linje, men inden for den prikkede (99,8\u00a0%)",
    "outside_over": "Over den øverste prikkede linje (uden for 99,8\u00a0%-grænsen)",
    "outside_under": "Under den nederste prikkede linje (uden for 99,8\u00a0%-grænsen)",
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
    """Sector words with their grammatical gender: ``et dagtilbud`` but ``en skole``.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> words(prepare("data/sample/skole"))["an"], words(prepare("data/sample/dagtilbud"))["an"]
    ('en', 'et')
    """
    lab = common.labels(ds)
    neuter = lab["institution"] == "dagtilbud"
    return {**lab,
            "an": "et" if neuter else "en", "which": "hvilket" if neuter else "hvilken",
            "other": "andet" if neuter else "anden",
            "the_inst": "dagtilbuddet" if lab["institution"] == "dagtilbud" else
            ("skolen" if lab["institution"] == "skole" else "institutionen"),
            "the_depts": "stuerne/grupperne" if lab["departments"] == "stuer/grupper" else
            ("klasserne" if lab["departments"] == "klasser" else "afdelingerne")}


def _f(x: float, d: int) -> str:
    return tx.fmt_number(x, d)


def _d(f: dict[str, Any]) -> int:
    """Decimals for exercise numbers: one more than the report's, at most 2."""
    return min(2, f["decimals"] + 1)


_NO_COMPARE = ("et mål om {children}, hvor {name} har tal nok til at blive sammenlignet "
               "med kommunen")


def _missing(ds: Dataset, institution: str) -> blocks.Block:
    lab = common.labels(ds)
    name = common.institution_info(ds, institution)["name"]
    return common.no_data(_NO_COMPARE.format(children=lab["children"], name=name))


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
    text = [
        f"I resten af kapitlet bruger vi {f['label']} ({f['source_label'].lower()}) som "
        f"eksempel: det er den måling, hvor {name} i {f['round']} ligger længst fra kommunens "
        f"gennemsnit, når man tager højde for antallet af {f['noun']}.",
        f"{name}: {_f(f['mean'], d)} ({tx.fmt_int(f['n'])} {f['noun']}). Kommunen: "
        f"{_f(f['target'], d)}."
        + (f" Landsplan: {_f(f['national'], d)}." if np.isfinite(f["national"]) else ""),
        tx.describe_difference(diff, diff - Z95 * f["se"], diff + Z95 * f["se"], name=name,
                               reference="kommunen", decimals=d,
                               real=families.family_verdict(families.report_family(ds, f["inst"], f["round"]),
                                                      "position", f["measure"])[0]),
        f"Kommunens tal er gennemsnittet af alle {lab['children']} i data – også jeres egne. "
        "Landstallet kommer fra en national måling og er et fast referencepunkt.",
    ]
    parts.append(common.prose(*text, title=f"Eksemplet i kapitlet: {f['label']}"))
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
    q = ex.Numeric(
        "ch05-graense",
        f"I {f['label']} er spredningen (standardafvigelsen) blandt alle {f['noun']} i kommunen "
        f"{_f(s, 2)} point, og {f['inst']['name']} har {tx.fmt_int(n)} {f['noun']} med. Hvor mange "
        f"point skal jeres gennemsnit mindst ligge fra kommunens gennemsnit, før det kommer uden "
        f"for 95\u00a0%-grænserne i tragtdiagrammet?",
        correct, max(0.01, 10.0 ** -d),
        hint="Standardfejlen er spredningen divideret med kvadratroden af antallet: "
             "σ/√n. 95\u00a0%-grænsen ligger 1,96 standardfejl fra gennemsnittet.",
        solution=f"Standardfejl = {_f(s, 2)} / √{tx.fmt_int(n)} = {_f(s / np.sqrt(n), 3)}. "
                 f"Grænsen ligger 1,96 × {_f(s / np.sqrt(n), 3)} = {_f(correct, 2)} point fra "
                 f"kommunens gennemsnit. En forskel, der er mindre end det, kan let opstå af ren "
                 f"tilfældighed – hvilke {f['noun']} der tilfældigvis gik hos jer det år.",
        wrong=[
            (Z95 * s / n, 0.005, "Du har divideret med antallet, ikke med kvadratroden af "
                                 "antallet. Standardfejlen er σ/√n."),
            (Z998 * s / np.sqrt(n), 10.0 ** -d, "Det er afstanden til 99,8\u00a0%-grænsen (3,09 "
                                                "standardfejl). Spørgsmålet gælder 95\u00a0%-grænsen."),
            (s / np.sqrt(n), 10.0 ** -d, "Det er én standardfejl. Grænsen ligger 1,96 "
                                         "standardfejl fra gennemsnittet."),
            (Z95 * s, 10.0 ** -d, "Du har glemt at dividere med √n. Jo flere "
                                  f"{f['noun']}, jo smallere er tragten."),
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
    return common.prose(
        f"I tragtdiagrammet er hvert punkt {'ét' if lab['an'] == 'et' else 'én'} {lab['institution']} i kommunen. Den vandrette "
        f"akse er antallet af {f['noun']}, den lodrette gennemsnittet. Punkterne står altså "
        "efter størrelse – ikke i rækkefølge efter resultat.",
        f"Linjerne viser, hvor langt fra kommunens gennemsnit et resultat kan ligge af ren "
        f"tilfældighed. Med {tx.fmt_int(f['n'])} {f['noun']} ligger jeres 95\u00a0%-grænser "
        f"±{_f(f['limit95'], d)} point fra gennemsnittet og 99,8\u00a0%-grænserne "
        f"±{_f(f['limit998'], d)} point. {lab['an'].capitalize()} lille {lab['institution']} har en "
        f"bred tragt; {lab['an']} {'stort' if lab['an'] == 'et' else 'stor'} en smal.",
        "Et punkt uden for de prikkede 99,8\u00a0%-grænser er værd at undersøge nærmere: så "
        "stor en afstand opstår sjældent ved tilfældighed alene. Det fortæller ikke hvorfor – "
        f"det kan være praksis, men også hvilke {f['noun']} der går der, eller hvordan "
        "målingen blev gennemført.",
        title="Sådan læses et tragtdiagram",
    )


def exercise_funnel(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Interpret the plot: where does the institution's point lie in the funnel?"""
    from llkit.present import plots

    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    name = f["inst"]["name"]
    z = f["zone"]
    below = f["mean"] < f["target"]
    side = "under" if below else "over"
    fb = {
        "inside": (f"{name} ligger inden for 95\u00a0%-grænserne: forskellen til kommunen kan "
                   "sagtens skyldes tilfældigheder."),
        "between_over": ("Punktet er over den stiplede linje, men inden for den prikkede: en "
                         "forskel, der er værd at holde øje med, men ikke en klar afvigelse."),
        "between_under": ("Punktet er under den stiplede linje, men inden for den prikkede: en "
                          "forskel, der er værd at holde øje med, men ikke en klar afvigelse."),
        "outside_over": ("Punktet ligger over den prikkede linje: så stor en forskel opstår "
                         "sjældent ved tilfældighed alene – undersøg hvorfor."),
        "outside_under": ("Punktet ligger under den prikkede linje: så stor en forskel opstår "
                          "sjældent ved tilfældighed alene – undersøg hvorfor."),
    }
    feedback = {k: ("Rigtigt. " + v) if k == z else "" for k, v in fb.items()}
    for k in ZONES:
        if k == z:
            continue
        if z == "inside" and k.endswith(side):
            feedback[k] = (f"Jeres punkt ligger {side} den vandrette linje (kommunens "
                           "gennemsnit), men se på tragtens linjer ved jeres antal "
                           f"{f['noun']}: punktet er stadig inden for de stiplede grænser.")
        elif z.startswith("outside") and k.startswith("between") and k.endswith(side):
            feedback[k] = "Næsten – se efter, om punktet også er forbi den prikkede linje."
        elif z.startswith("between") and k.startswith("outside") and k.endswith(side):
            feedback[k] = ("Se efter igen: punktet er forbi den stiplede linje, men ikke forbi "
                           "den prikkede.")
        elif not k.endswith(side) and k != "inside":
            feedback[k] = (f"Jeres gennemsnit ({_f(f['mean'], _d(f))}) ligger {side} kommunens "
                           f"({_f(f['target'], _d(f))}), så punktet er på den anden side af "
                           "den vandrette linje.")
        else:
            feedback[k] = "Ikke rigtigt. Find det fremhævede punkt med jeres navn og sammenlign med linjerne lige over og under det."
    fig = plots.funnel(ds, measure=f["measure"], round=f["round"], highlight=f["inst"]["id"])
    q = ex.InterpretPlot(
        "ch05-tragt",
        f"Tragtdiagrammet viser {f['label']} i {f['round']} for alle {common.labels(ds)['institutions']} "
        f"i kommunen. Hvor ligger punktet for {name}?",
        fig, ZONES, z,
        hint=("Find punktet med jeres navn. De stiplede linjer er 95\u00a0%-grænserne, de "
              "prikkede 99,8\u00a0%-grænserne – begge ved jeres antal " + f["noun"] + "."),
        solution=(f"{name} har {tx.fmt_int(f['n'])} {f['noun']} og et gennemsnit på "
                  f"{_f(f['mean'], _d(f))}; kommunens er {_f(f['target'], _d(f))}. Ved det antal "
                  f"går 95\u00a0%-grænserne fra {_f(f['target'] - f['limit95'], _d(f))} til "
                  f"{_f(f['target'] + f['limit95'], _d(f))} og 99,8\u00a0%-grænserne fra "
                  f"{_f(f['target'] - f['limit998'], _d(f))} til {_f(f['target'] + f['limit998'], _d(f))}. "
                  f"Altså: {ZONES[z].lower()}. {tx.describe_funnel_flag(f['flag'], name=name)}"),
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
        return common.no_data(f"landstal for {f['label']} i {f['round']}")
    name = f["inst"]["name"]
    fig = plots.funnel(ds, measure=f["measure"], round=f["round"], highlight=f["inst"]["id"],
                       target="reference")
    diff = f["mean"] - f["national"]
    texts = [
        f"Landsplan: {_f(f['national'], _d(f))}; {name}: {_f(f['mean'], _d(f))} – "
        f"{'over' if diff > 0 else 'under'} landstallet med {_f(abs(diff), _d(f))} point.",
        tx.describe_funnel_flag(f["nat_flag"], name=name),
        "Landstallet er et fast referencepunkt, men husk, at andre kommuner kan have andre "
        "børnegrupper og har målt på andre tidspunkter. Kommunens tal er ofte det mest "
        "relevante at sammenligne med, fordi rammerne er de samme.",
    ]
    return blocks.Block(common.figure_html(fig).html + common.prose(*texts).html)


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
    rows = []
    for i in opts:
        u = units.loc[i]
        rows.append({
            lab["institution"].capitalize(): str(u["institution_name"]),
            f"Antal {f['noun']}": tx.fmt_int(u["n"]),
            "Gennemsnit": _f(u["mean"], d),
            "99,8\u00a0%-grænser ved dette antal": tx.fmt_interval(u["lower998"], u["upper998"], d),
        })
    table = blocks.styled_table(pd.DataFrame(rows), caption=f"{f['label']}, {f['round']}. Kommunens gennemsnit: "
                                                   f"{_f(f['target'], d)}. Ordnet efter navn.")
    table += blocks.note_html(
        "Grænserne er de prikkede linjer i tragtdiagrammet ved det antal: jo færre "
        f"{f['noun']}, jo bredere. Et gennemsnit uden for sine grænser afviger mere, end "
        "tilfældigheder normalt giver; et gennemsnit tæt på midten af sine grænser afviger næsten ikke.")
    feedback = {}
    correct = f["pick_correct"]
    best = units.loc[sorted(correct)[0]]
    for i in opts:
        u = units.loc[i]
        if i in correct:
            feedback[i] = (f"Rigtigt. {u['institution_name']} ligger {_f(abs(u['z']), 1)} "
                           "standardfejl fra kommunens gennemsnit – længst af dem alle i forhold "
                           "til sin tragt.")
        elif i == f["pick_trap"]:
            feedback[i] = (f"{u['institution_name']} har det gennemsnit, der ligger længst fra "
                           f"kommunens, men med {tx.fmt_int(u['n'])} {f['noun']} er tragten "
                           "bred dér. Sammenlign afstanden med grænserne ved hvert antal.")
        else:
            feedback[i] = (f"{u['institution_name']} ligger {_f(abs(u['z']), 1)} standardfejl fra "
                           f"gennemsnittet; {best['institution_name']} ligger {_f(abs(best['z']), 1)}.")
    q = ex.PickUnit(
        "ch05-enhed",
        f"{lab['which'].capitalize()} af disse {lab['institutions']} afviger mest fra kommunens gennemsnit i "
        f"{f['label']}, når man tager højde for antallet af {f['noun']}?",
        {i: str(units.loc[i, "institution_name"]) for i in opts}, correct,
        hint=("Det er ikke nødvendigvis det gennemsnit, der ligger længst fra kommunens. Se, hvor "
              "langt hvert gennemsnit ligger fra kommunens i forhold til hvor brede grænserne "
              "er ved det antal."),
        solution=(f"{best['institution_name']}: gennemsnit {_f(best['mean'], d)} med "
                  f"{tx.fmt_int(best['n'])} {f['noun']}, dvs. {_f(abs(best['z']), 1)} standardfejl "
                  "fra kommunens gennemsnit (99,8\u00a0%-grænsen ligger ved 3,1). "
                  f"{lab['an'].capitalize()} lille {lab['institution']} kan ligge langt fra gennemsnittet af ren tilfældighed."),
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
    rows = [
        {"": f"{lab['institutions'].capitalize()} med tal nok i {f['label']}", "Antal": tx.fmt_int(N)},
        {"": f"Tydeligt bedre end {name} (hele intervallet bedre)", "Antal": tx.fmt_int(f["clearly_better"])},
        {"": f"Tydeligt dårligere end {name}", "Antal": tx.fmt_int(f["clearly_worse"])},
        {"": f"Kan ikke skelnes fra {name}", "Antal": tx.fmt_int(same)},
    ]
    table = blocks.styled_table(pd.DataFrame(rows), caption=f"{f['label']}, {f['round']}: hvem kan skelnes fra jer?")
    texts = [
        "En rangliste sætter alle på én række, som om forskellen mellem nr. 5 og nr. 6 betød "
        "noget. Men hvert gennemsnit er usikkert, og små enheder svinger mest. Nationale "
        f"undersøgelser viser, at kun en lille del af forskellene mellem {lab['children']} skyldes, "
        f"{lab['which']} {lab['institution']} de går i – resten er forskelle inden for {lab['the_inst']}.",
        f"Tabellen bruger intervaller, der tager højde for usikkerheden (små {lab['institutions']} "
        f"trækkes lidt ind mod kommunens gennemsnit). {lab['an'].capitalize()} {lab['other']} {lab['institution']} regnes kun for "
        f"tydeligt bedre end {name}, når hele dets interval ligger over jeres.",
        "Derfor viser llkit aldrig en rangliste – kun tragtdiagrammer, hvor punkterne står "
        "efter størrelse, og intervaller.",
    ]
    return blocks.Block(common.prose(*texts).html + table)


def exercise_rank(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the best place the institution could realistically have."""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds, institution)
    lab = common.labels(ds)
    name = f["inst"]["name"]
    best, worst, point = f["best_rank"], f["worst_rank"], f["point_rank"]
    wrong = []
    if point != best:
        wrong.append((point, 0.4, f"Det er pladsen ud fra gennemsnittet alene. Men kun de "
                                  f"{tx.fmt_int(f['clearly_better'])}, der er tydeligt bedre, ligger "
                                  "med sikkerhed foran jer."))
    if f["clearly_better"] not in (best, point):
        wrong.append((f["clearly_better"], 0.4, "Det er antallet, der er tydeligt bedre. Jeres "
                                                "bedste plads er lige efter dem: læg 1 til."))
    if worst not in (best, point):
        wrong.append((worst, 0.4, "Det er jeres dårligst mulige plads. Spørgsmålet gælder den "
                                  "bedste."))
    q = ex.Numeric(
        "ch05-plads",
        f"Forestil jer, at nogen rangordner kommunens {lab['institutions']} efter {f['label']}. "
        f"Brug tabellen ovenfor: hvad er den bedste plads (nr. 1 = bedst), {name} realistisk kan "
        "have, når usikkerheden tages med?",
        best, 0.4,
        hint=(f"De {lab['institutions']}, der er tydeligt bedre end jer, ligger med sikkerhed foran "
              "jer. Alle de andre kan ligge bag jer."),
        solution=(f"{tx.fmt_int(f['clearly_better'])} er tydeligt bedre, så den bedste plads er nr. "
                  f"{tx.fmt_int(best)}. {tx.fmt_int(f['clearly_worse'])} er tydeligt dårligere, så "
                  f"den dårligste er nr. {tx.fmt_int(worst)} af {tx.fmt_int(f['n_units'])}. Ud fra "
                  f"gennemsnittet alene ville I stå som nr. {tx.fmt_int(point)} – men alt fra nr. "
                  f"{tx.fmt_int(best)} til nr. {tx.fmt_int(worst)} er foreneligt med data. Derfor "
                  "siger en rangliste meget lidt."),
        wrong=wrong, unit="", decimals=0,
    )
    return session.add(q)


def family_section(ds: Dataset, institution: str) -> blocks.Block:
    """Why one of many comparisons differs by chance, and the family of the team's report."""
    inst = doc.institution_info(ds, institution)
    fam = families.report_family(ds, inst)
    n = int(fam["p_value"].notna().sum())
    if n == 0:
        return common.no_data("sammenligninger i rapporten")
    naive = int((fam["p_value"] <= 0.05).sum())
    real = int(fam["real"].sum())
    text = [
        f"Jeres rapport sammenligner {tx.fmt_int(n)} tal: hver måling med kommunens gennemsnit, "
        "hver ændring siden sidste måling, forskellen mellem grupper med forskellig social baggrund "
        f"og forskellene mellem {common.labels(ds)['departments']}.",
        f"Ser man på hvert tal for sig med et 95\u00a0%-interval, ligger {tx.fmt_int(naive)} af dem "
        "uden for usikkerheden. Men selv hvis der slet ingen reelle forskelle var, ville man vente "
        f"omkring {tx.fmt_number(0.05 * n, 1)} af den slags – 1 ud af 20 – ved tilfældighed alene. Og "
        "vælger man den største af dem til forsiden, er den næsten altid »en forskel«.",
        "Derfor kalder rapporten kun en forskel sikker, når den holder, efter at der er taget højde "
        "for alle sammenligningerne på én gang: risikoen for blot én falsk sikker forskel i hele "
        "rapporten er under 5\u00a0%. "
        + (f"Hos {inst['name']} holder {tx.fmt_int(real)} forskel{'le' if real != 1 else ''} den prøve."
           if real else f"Hos {inst['name']} holder ingen forskel den prøve – det er et almindeligt og "
           "ærligt resultat, fordi forskellene mellem enheder er små."),
    ]
    return common.prose(*text, title="Mange tal på én gang")


def exercise_family(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: how many "differences" chance alone gives among the report's comparisons."""
    inst = doc.institution_info(ds, institution)
    fam = families.report_family(ds, inst)
    n = int(fam["p_value"].notna().sum())
    if n < 2:
        return common.exercise_skipped()
    correct = 0.05 * n
    q = ex.Numeric(
        "ch05-mange-tal",
        f"Rapporten for {inst['name']} sammenligner {tx.fmt_int(n)} tal. Forestil jer, at der slet "
        "ingen reelle forskelle var. Hvor mange af tallene ville man alligevel vente lå uden for "
        "deres 95\u00a0%-interval, hvis man så på hvert tal for sig?",
        correct, 0.15,
        hint="Et 95\u00a0%-interval rammer forkert i 5\u00a0% af tilfældene, når der ingen forskel er.",
        solution=(f"5\u00a0% af {tx.fmt_int(n)} = {tx.fmt_number(correct, 1)}. Så mange »forskelle« giver "
                  "tilfældighederne i gennemsnit – derfor tager rapporten højde for alle tallene på én "
                  "gang, før den kalder en forskel sikker."),
        wrong=[
            (0.0, 0.01, "Hvis der ingen reelle forskelle er, kan der stadig være tal uden for deres "
                        "interval: intervallet rammer forkert i 1 ud af 20 tilfælde."),
            (0.95 * n, 0.5, "Det er antallet, der ligger *inden for* intervallet. Spørgsmålet er, "
                            "hvor mange der ligger uden for."),
            (5.0, 0.01, "5 % er en andel, ikke et antal: gang 0,05 med antallet af tal."),
        ],
        unit="tal", decimals=1,
    )
    return session.add(q)


def reflection(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """The chapter's reflection prompt for the leadership team (saved with the answers)."""
    lab = words(ds)
    q = ex.Reflection(
        "ch05-refleksion",
        "Hvem sammenligner I jer med i dag – og hvad bruger I det til? Hvis en forælder eller "
        f"en avis spørger, {lab['which']} {lab['institution']} der er »bedst«, hvad vil I så svare ud "
        "fra tragtdiagrammet? Hvilken afvigelse fra kommunen vil I undersøge nærmere, og hvem "
        "skal I tale med for at forstå den?",
    )
    return session.add(q)


def chapter_summary(ds: Dataset, institution: str) -> blocks.Block:
    """Opsummering."""
    f = facts(ds, institution)
    lab = common.labels(ds)
    points = [
        f"Kommunens gennemsnit omfatter alle {lab['children']} i data; landstallet er et fast "
        "referencepunkt fra en national måling.",
        "En forskel er kun værd at drøfte som forskel, når den er større end usikkerheden. Hvor "
        f"stor den skal være, afhænger af antallet af {lab['children']}: 1,96·σ/√n for 95\u00a0%.",
        "En rapport sammenligner mange tal på én gang. Ved tilfældighed alene ligger ca. 1 ud af 20 "
        "uden for sit 95\u00a0%-interval, så rapporten kalder kun en forskel sikker, når den holder for "
        "alle tallene samlet.",
        "Tragtdiagrammet placerer enhederne efter størrelse. Punkter uden for 99,8\u00a0%-grænserne "
        "afviger mere, end tilfældigheder normalt giver – det er et spørgsmål, ikke en dom.",
    ]
    if f is not None:
        points.append(f"I {f['label']} kan {f['inst']['name']} ligge alt fra nr. "
                      f"{tx.fmt_int(f['best_rank'])} til nr. {tx.fmt_int(f['worst_rank'])} af "
                      f"{tx.fmt_int(f['n_units'])}: en rangliste uden usikkerhed vildleder.")
    return common.summary(points)
