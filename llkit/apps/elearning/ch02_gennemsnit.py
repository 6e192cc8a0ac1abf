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
    lab = cm.labels(ds)
    return cm.chapter_header(
        ds, institution, number=NUMBER, title=TITLE, minutes=MINUTES,
        purpose=(f"I kan læse en skala, forklare forskellen på et gennemsnit og en fordeling, og I "
                 f"kan finde de {lab['children']}, som gennemsnittet skjuler: dem med lave scorer."),
    )


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
    return intro + cm.table(pd.DataFrame(rows), caption="Målene i jeres data")


def mean_section(ds: Dataset, institution: str) -> cm.Block:
    """The institution's mean, median and shares in words, with the distribution figure."""
    f = facts(ds, institution)
    if f is None:
        return cm.no_data("et mål med skala og grænser for lavt og højt niveau for jeres institution")
    lab = cm.labels(ds)
    d = f["decimals"]
    text = cm.prose(
        f"I {cm.round_label(ds, f['round'])} har {tx.fmt_int(f['n'])} {lab['children']} en score på "
        f"»{f['label']}«. Gennemsnittet er {_f(f['mean'], d)}, og medianen – den midterste score – er "
        f"{_f(f['median'], d)}. I hele kommunen er gennemsnittet {_f(f['municipality_mean'], d)}.",
        f"Men gennemsnittet siger ikke, hvordan {lab['children']} fordeler sig. "
        f"{tx.fmt_percent(f['share_middle'])} ligger i midten og {tx.fmt_percent(f['share_high'])} på højt niveau "
        f"(fra {_f(f['high_cut'], d)}). Resten ligger på lavt niveau (under {_f(f['low_cut'], d)}) – den "
        f"andel regner I ud i en opgave nedenfor. Figuren viser fordelingen for hver {lab['department']}.",
        title=f"Gennemsnit og fordeling: {f['label']}")
    from llkit.present import plots

    try:
        fig = cm.figure_html(plots.distribution(ds, institution=institution, measure=f["measure"], round=f["round"]))
    except Exception:  # noqa: BLE001 - the text stands without the figure
        fig = cm.no_data("nok data til figuren over fordelingen")
    return text + fig


def low_scores_section(ds: Dataset, institution: str) -> cm.Block:
    """Per department: mean and share at low level side by side (shown departments only)."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None or len(f["departments"]) < 2:
        return cm.no_data(f"mindst to {lab['departments']} med nok {lab['children']} til at vise tal")
    d = f["decimals"]
    df = pd.DataFrame([
        {lab["department"].capitalize(): v["name"], f"Antal {lab['children']}": tx.fmt_int(v["n"]),
         "Gennemsnit": _f(v["mean"], d), "Andel på lavt niveau": tx.fmt_percent(v["share_low"])}
        for v in f["departments"].values()
    ])
    intro = cm.prose(
        f"De {lab['children']}, der scorer lavt, forsvinder let i et gennemsnit: et par meget høje scorer kan "
        f"opveje dem. Se derfor både på gennemsnittet og på andelen på lavt niveau. Tabellen viser begge dele "
        f"for de {lab['departments']}, der har mindst {ds.meta.min_n} {lab['children']} med svar.",
        title=f"{lab['children'].capitalize()} med lave scorer")
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
        wrong.append((-diff, t, "Fortegnet er forkert: regn jeres gennemsnit minus kommunens. Ligger I under "
                      "kommunen, er forskellen negativ."))
    wrong.append((f["mean"], t / 2, "Det er jeres gennemsnit. Spørgsmålet gælder forskellen til kommunens."))
    rounding = "afrund til et helt tal" if d == 0 else f"skriv med {d} decimal{'er' if d != 1 else ''}"
    return session.add(ex.Numeric(
        "ch02_mean", f"Hvor meget ligger jeres gennemsnit for »{f['label']}« over (+) eller under (−) kommunens i "
        f"{f['round']}? ({rounding.capitalize()}; skriv et minus, hvis I ligger under.)",
        diff, t, decimals=d, wrong=wrong,
        hint="Begge gennemsnit står i første afsnit under »Gennemsnit og fordeling«. Regn jeres minus kommunens.",
        solution=f"Jeres gennemsnit er {_f(f['mean'], d)}, kommunens {_f(f['municipality_mean'], d)}; forskellen er "
                 f"{tx.fmt_number(diff, d, sign=True)}. Om en så stor forskel er mere end tilfældigheder, handler "
                 "kapitel 3 om."))


def exercise_share_low(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the share at low level in percent, from the shares in the middle and at
    high level (typical mistakes: the share not at low level, a proportion)."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    if f is None:
        return cm.exercise_skipped()
    p = 100 * f["share_low"]
    rest = 100 * (f["share_middle"] + f["share_high"])
    wrong = [(rest, 1.5, "Det er andelen, der IKKE ligger på lavt niveau. Træk den fra 100 %.")]
    if abs(100 * f["share_high"] - p) > 2:
        wrong.append((100 * f["share_high"], 0.6, "Det er andelen på højt niveau. Spørgsmålet gælder lavt niveau."))
    if p > 3:
        wrong.append((f["share_low"], 0.015, "Skriv andelen i procent, fx 12 for 12 %, ikke som brøk."))
    return session.add(ex.Numeric(
        "ch02_share_low", f"Hvor mange procent af jeres {lab['children']} ligger på lavt niveau i »{f['label']}« "
        f"({f['round']})?", p, 1.5, decimals=0, unit="%", wrong=wrong,
        hint=f"Teksten giver andelen i midten og på højt niveau. Resten op til 100 % ligger på lavt niveau "
             f"(under {_f(f['low_cut'], f['decimals'])}). Figuren viser det samme.",
        solution=f"100 % − {tx.fmt_percent(f['share_middle'])} − {tx.fmt_percent(f['share_high'])} ≈ "
                 f"{tx.fmt_percent(f['share_low'])} af {tx.fmt_int(f['n'])} {lab['children']} har en score under "
                 f"{_f(f['low_cut'], f['decimals'])}."))


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
        feedback[lowest_mean] = (f"{deps[lowest_mean]['name']} har det laveste gennemsnit, men ikke den største "
                                 "andel på lavt niveau. Gennemsnit og fordeling fortæller ikke det samme.")
    for k, v in deps.items():
        if k not in correct and k not in feedback:
            feedback[k] = (f"{v['name']} har {tx.fmt_percent(v['share_low'])} på lavt niveau. Find den "
                           f"{lab['department']} med den største andel.")
    names = ", ".join(deps[k]["name"] for k in sorted(correct))
    return session.add(ex.PickUnit(
        "ch02_department", f"Hvilken {lab['department']} har den største andel {lab['children']} på lavt niveau i "
        f"»{f['label']}«?", {k: v["name"] for k, v in deps.items()}, correct,
        feedback=feedback,
        hint="Se kolonnen »Andel på lavt niveau« i tabellen – ikke gennemsnittet.",
        solution=f"{names} har den største andel på lavt niveau ({tx.fmt_percent(top)}). "
                 f"{deps[lowest_mean]['name']} har det laveste gennemsnit ({_f(deps[lowest_mean]['mean'], f['decimals'])})."))


def exercise_concept(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice (always available): what two equal means say about the low scores."""
    lab = cm.labels(ds)
    return session.add(ex.MultipleChoice(
        "ch02_concept", f"To {lab['departments']} har begge gennemsnittet 3,5 på en skala 1–5. Hvad ved I så om "
        f"{lab['children']} med lave scorer?",
        {"a": f"At de to {lab['departments']} har lige mange {lab['children']} på lavt niveau.",
         "b": "Ingenting sikkert – fordelingen kan være helt forskellig bag det samme gennemsnit.",
         "c": f"At ingen {lab['children']} ligger på lavt niveau, fordi 3,5 er over midten."},
        "b",
        feedback={"a": "Nej. Det samme gennemsnit kan dække over mange på lavt niveau og mange på højt niveau – "
                       "eller næsten alle i midten.",
                  "b": "Rigtigt. Derfor ser I både på gennemsnit og fordeling.",
                  "c": f"Nej. Et gennemsnit over midten udelukker ikke, at nogle {lab['children']} scorer lavt."},
        hint="Forestil jer én gruppe, hvor alle har 3,5, og én, hvor halvdelen har 2 og halvdelen 5.",
        solution="Gennemsnittet 3,5 kan komme af, at alle har 3,5 – eller af, at halvdelen har 2 og halvdelen 5. "
                 "Kun fordelingen viser, hvor mange der har brug for en særlig indsats."))


def reflection(ds: Dataset, institution: str, session: ex.Session) -> ex.Reflection:
    """The team's reflection prompt."""
    lab = cm.labels(ds)
    return session.add(ex.Reflection(
        "ch02_reflection",
        f"Hvem er de {lab['children']}, der ligger på lavt niveau hos jer – kender I dem i hverdagen? Hvad gør "
        f"jeres læringsmiljø i dag for netop dem, og hvad vil I undersøge nærmere?"))


def summary(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's summary."""
    lab = cm.labels(ds)
    f = facts(ds, institution)
    points = [
        "Læs altid skalaen først: hvad er lavest, højest og midten?",
        "Gennemsnittet er ét tal for hele gruppen; fordelingen viser, hvordan de enkelte ligger.",
        f"Se efter andelen af {lab['children']} på lavt niveau – de kan gemme sig i et pænt gennemsnit.",
    ]
    if f is not None:
        points.append(f"Hos jer ligger {tx.fmt_percent(f['share_low'])} af {lab['children']} på lavt niveau i "
                      f"»{f['label']}« ({f['round']}).")
    return cm.summary(points)


__all__ = ["header", "facts", "scales_section", "mean_section", "low_scores_section", "exercise_mean",
           "exercise_share_low", "exercise_department", "exercise_concept", "reflection", "summary", "tol",
           "NUMBER", "TITLE", "MINUTES"]
