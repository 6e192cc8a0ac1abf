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
PURPOSE = ("Efter kapitlet kan I aflæse forskellen mellem børn med forskellig social baggrund i "
           "jeres egne data, sammenligne den med kommunens og vurdere, om den er blevet mindre.")

#: Answers to "has the gap narrowed?" (option id -> Danish label).
TRENDS = {
    "narrows": "Ja – forskellen er blevet mindre, og ændringen er større end usikkerheden",
    "widens": "Nej – forskellen er blevet større, og ændringen er større end usikkerheden",
    "unclear": "Det kan data ikke afgøre – ændringen er mindre end usikkerheden",
}
#: Answers to "how does your gap compare with the municipality's?".
POSITIONS = {
    "larger": "Jeres forskel er tydeligt større end kommunens",
    "same": "Jeres forskel kan ikke skelnes fra kommunens",
    "smaller": "Jeres forskel er tydeligt mindre end kommunens",
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
    lab = common.labels(ds)
    return f"{lab['children']} af forældre med kort og lang uddannelse"


def _d(f: dict[str, Any]) -> int:
    return min(2, f["decimals"] + 1)


def _f(x: float, d: int, sign: bool = False) -> str:
    return tx.fmt_number(x, d, sign=sign)


def _missing(ds: Dataset) -> html.Block:
    lab = common.labels(ds)
    if not _has_background(ds):
        return common.no_data(f"oplysninger om forældrenes uddannelse, så forskelle mellem grupper af "
                              f"{lab['children']} kan ikke vises")
    return common.no_data(f"nogen måling, hvor begge grupper har mindst {ds.meta.min_n} "
                          f"{lab['children']}, så forskellen kan ikke vises")


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

    texts = [
        f"Gruppen med kort uddannelse er {lab['children']}, hvis forældre højst har "
        f"{_or(low)} uddannelse. Gruppen med lang uddannelse er {lab['children']}, hvis forældre "
        f"har {_or(high)} uddannelse. "
        + (f"{lab['children'].capitalize()}, hvis forældre har {_or(middle)} uddannelse, og "
           if middle else f"{lab['children'].capitalize()} ")
        + f"{lab['children']} uden oplysninger tæller ikke med i nogen af grupperne.",
        "Forskellen er gennemsnittet i gruppen med lang uddannelse minus gennemsnittet i gruppen "
        "med kort uddannelse. Et positivt tal betyder, at den første gruppe ligger højest.",
    ]
    f = facts(ds, institution)
    if f is not None:
        texts.append(
            f"I {f['round']} havde {inst['name']} {tx.fmt_int(f['n_low'])} {lab['children']} i gruppen "
            f"med kort uddannelse og {tx.fmt_int(f['n_high'])} i gruppen med lang uddannelse, som "
            f"indgår i {f['label']}. Jo færre i en gruppe, jo større er usikkerheden – en gruppe med "
            f"færre end {tx.fmt_int(ds.meta.min_n)} vises slet ikke.")
    return common.prose(*texts, title="Hvem er i grupperne?")


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
    wrong = [(-correct, 10.0 ** -d, "Du har trukket den forkerte vej. Forskellen regnes som lang "
                                   "uddannelse minus kort uddannelse, så et positivt tal betyder, "
                                   "at børn af forældre med lang uddannelse ligger højest.")]
    if np.isfinite(f["muni_gap"]) and abs(f["muni_gap"] - correct) > 2 * 10.0 ** -d:
        wrong.append((f["muni_gap"], 10.0 ** -d, "Det er kommunens forskel. Regn jeres egen ud fra tabellen."))
    q = ex.Numeric(
        "ch06-forskel",
        f"Hvor stor er forskellen i {f['label']} mellem de to grupper hos jer i {f['round']} "
        "(lang minus kort uddannelse)?",
        correct, 10.0 ** -d * 1.01,
        hint="Træk gennemsnittet for gruppen med kort uddannelse fra gennemsnittet for gruppen med "
             "lang uddannelse.",
        solution=f"{_f(hi, d)} − {_f(lo, d)} = {_f(correct, d)} point. "
                 + ("Børn af forældre med lang uddannelse ligger altså højest." if correct > 0 else
                    "Her ligger børn af forældre med kort uddannelse faktisk højest."
                    if correct < 0 else "Der er ingen forskel mellem grupperne."),
        wrong=wrong, unit="point", decimals=d,
    )
    session.add(q)
    return _Both(html.Block(table), q)


def exercise_municipality(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice: is the institution's gap larger than, smaller than or like the
    municipality's (is the municipality's gap inside the institution's interval)?"""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds)
    if f["position"] is None:
        return common.exercise_skipped()
    d = _d(f)
    name = f["inst"]["name"]
    pos = f["position"]
    point = "larger" if f["gap"] > f["muni_gap"] else "smaller"
    fb = {k: "" for k in POSITIONS}
    fb[pos] = "Rigtigt. "
    inside = f["ci_low"] <= f["muni_gap"] <= f["ci_high"]
    if pos == "same" and not inside:
        fb["same"] += (f"Kommunens forskel ({_f(f['muni_gap'], d)}) ligger lige uden for jeres interval "
                       f"({tx.fmt_interval(f['ci_low'], f['ci_high'], d)}), men målingen er valgt som den "
                       "med den største forskel blandt flere. Når man tager højde for det, er forskellen "
                       "til kommunen ikke sikker.")
        fb["larger"] = fb["smaller"] = ("Intervallet alene ser sådan ud – men målingen er udvalgt blandt "
                                        "flere, og så kan forskellen skyldes tilfældigheder.")
    elif pos == "same":
        fb["same"] += (f"Kommunens forskel ({_f(f['muni_gap'], d)}) ligger inde i jeres interval "
                       f"({tx.fmt_interval(f['ci_low'], f['ci_high'], d)}).")
    if pos == "same" and inside:
        fb[point] = (f"Jeres forskel ({_f(f['gap'], d)}) er {'større' if point == 'larger' else 'mindre'} "
                     "end kommunens som tal betragtet, men kommunens forskel ligger inde i jeres "
                     "interval: forskellen kan skyldes tilfældigheder.")
        other = "smaller" if point == "larger" else "larger"
        fb[other] = "Se på tallene igen – og på intervallet omkring jeres forskel."
    elif pos != "same":
        fb[pos] += (f"Hele jeres interval ({tx.fmt_interval(f['ci_low'], f['ci_high'], d)}) ligger "
                    f"{'over' if pos == 'larger' else 'under'} kommunens forskel ({_f(f['muni_gap'], d)}).")
        fb["same"] = ("Kommunens forskel ligger uden for jeres interval, så her er forskellen større "
                      "end usikkerheden – også når man tager højde for, at målingen er udvalgt blandt flere.")
        other = "smaller" if pos == "larger" else "larger"
        fb[other] = "Se efter, hvilken side af kommunens tal jeres interval ligger på."
    q = ex.MultipleChoice(
        "ch06-kommunen",
        f"I {f['round']} var forskellen i {f['label']} hos {name} {_f(f['gap'], d)} point (95\u00a0%-interval "
        f"{tx.fmt_interval(f['ci_low'], f['ci_high'], d)}). I hele kommunen var den "
        f"{_f(f['muni_gap'], d)} point. Hvad kan I sige?",
        POSITIONS, pos,
        hint="Ligger kommunens tal inde i jeres interval? Så kan forskellen skyldes tilfældigheder.",
        solution=(f"Intervallet {tx.fmt_interval(f['ci_low'], f['ci_high'], d)} "
                  + ("indeholder" if pos == "same" else "indeholder ikke")
                  + f" kommunens forskel på {_f(f['muni_gap'], d)}. Derfor: {POSITIONS[pos].lower()}. "
                  f"Med {tx.fmt_int(f['n_low'])} og {tx.fmt_int(f['n_high'])} {f['noun']} i "
                  "grupperne er jeres interval bredt; kommunens tal bygger på langt flere."),
        feedback={k: v for k, v in fb.items() if v},
    )
    return session.add(q)


def trend_section(ds: Dataset, institution: str) -> Any:
    """Does the gap narrow? The institution's and the municipality's latest change."""
    f = facts(ds, institution)
    if f is None:
        return _missing(ds)
    if f["prev_round"] is None:
        return common.no_data("mere end én måling, så det kan ikke ses, om forskellen bliver mindre")
    d = _d(f)
    texts = []
    if f["trend"] is not None:
        texts.append(f"{f['inst']['name']}, {f['label']}: " + tx.describe_gap_change(
            f["prev_gap"], f["gap"], f["change_ci_low"], f["change_ci_high"],
            groups=_groups_text(ds), from_round=f["prev_round"], to_round=f["round"], decimals=d,
            real=f["real"]))
    if f["muni_trend"]:
        texts.append(f"Hele kommunen: {f['muni_trend']}")
    texts.append(
        "En forskel, der bliver mindre, er kun et fremskridt, hvis det sker, fordi gruppen med kort "
        "uddannelse rykker op – ikke fordi gruppen med lang uddannelse går tilbage. Se derfor "
        "altid også på de to gruppers gennemsnit.")
    texts.append(
        "Ændringen af en forskel er mere usikker end forskellen selv: den bygger på fire "
        f"gennemsnit, hvert med sin usikkerhed. I {words(ds)['an']} enkelt {words(ds)['institution']} "
        "skal forskellen ofte ændre sig meget, før data kan vise det; i hele kommunen er der "
        "flere at regne på.")
    return common.prose(*texts, title="Bliver forskellen mindre?")


def exercise_trend(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Interpret the plot: has the gap narrowed from the previous round?"""
    from llkit.present import plots

    f = facts(ds, institution)
    if f is None:
        return _missing(ds)
    if f["trend"] is None:
        return common.exercise_skipped()
    d = _d(f)
    t = f["trend"]
    smaller = abs(f["gap"]) < abs(f["prev_gap"])
    ci = tx.fmt_interval(f["change_ci_low"], f["change_ci_high"], d)
    fb = {t: "Rigtigt. "}
    if t == "unclear":
        fb[t] += f"Intervallet for ændringen ({ci}) indeholder 0."
        pointed = "narrows" if smaller else "widens"
        fb[pointed] = (f"Punktet for {f['round']} ligger {'tættere på' if smaller else 'længere fra'} 0 "
                       f"end punktet for {f['prev_round']}, men intervallet for ændringen ({ci}) "
                       "indeholder 0: ændringen kan skyldes tilfældigheder.")
        fb["widens" if pointed == "narrows" else "narrows"] = (
            f"Forskellen er gået fra {_f(f['prev_gap'], d)} til {_f(f['gap'], d)} – og selv den "
            "ændring er mindre end usikkerheden.")
    else:
        fb[t] += f"Intervallet for ændringen ({ci}) ligger helt på den ene side af 0."
        fb["unclear"] = (f"Her er ændringen faktisk større end usikkerheden: intervallet ({ci}) "
                         "indeholder ikke 0.")
        other = "widens" if t == "narrows" else "narrows"
        fb[other] = (f"Forskellen er gået fra {_f(f['prev_gap'], d)} til {_f(f['gap'], d)} point. "
                     "Hvilken vej er det?")
    fig = plots.gap(ds, measure=f["measure"], institution=f["inst"]["id"])
    q = ex.InterpretPlot(
        "ch06-udvikling",
        f"Figuren viser forskellen i {f['label']} i hver måling. Er forskellen hos "
        f"{f['inst']['name']} blevet mindre fra {f['prev_round']} til {f['round']}?",
        fig, TRENDS, t,
        hint=(f"Se ikke kun på punkterne. Ændringen fra {f['prev_round']} til {f['round']} har sit eget "
              "interval; indeholder det 0, kan data ikke afgøre, om forskellen er blevet mindre. Og "
              "selv når det ikke gør, skal ændringen holde, når man tager højde for alle de tal, "
              "rapporten sammenligner."),
        solution=(tx.describe_gap_change(f["prev_gap"], f["gap"], f["change_ci_low"],
                                         f["change_ci_high"], groups=_groups_text(ds),
                                         from_round=f["prev_round"], to_round=f["round"], decimals=d,
                                         real=f["real"])
                  + f" Ændringen er {_f(f['change'], d, sign=True)} point (95\u00a0%-interval {ci})."),
        feedback=fb,
    )
    return session.add(q)


def reflection(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """The chapter's reflection prompt for the leadership team."""
    lab = words(ds)
    q = ex.Reflection(
        "ch06-refleksion",
        f"Hvilke {lab['children']} står bag tallene for gruppen med kort uddannelse hos jer – og "
        "hvad ved I om dem, som data ikke viser? Hvor i hverdagen får de mindst ud af "
        "læringsmiljøet, og hvad kunne I gøre anderledes, så deres baggrund betyder mindre?",
    )
    return session.add(q)


def chapter_summary(ds: Dataset, institution: str) -> html.Block:
    """Opsummering."""
    lab = common.labels(ds)
    f = facts(ds, institution)
    points = [
        "Programmets produktkriterium er ikke kun bedre læring og trivsel, men at social "
        f"baggrund betyder mindre for, hvordan det går {lab['children']}.",
        "Forskellen er gennemsnittet for gruppen med lang uddannelse minus gruppen med kort "
        "uddannelse. Den vises kun, når begge grupper er store nok.",
        "Sammenlign med kommunen ved at se, om kommunens forskel ligger inde i jeres interval.",
        "En forskel er først blevet mindre, når intervallet for ændringen ligger under 0 – og "
        "det er kun et fremskridt, hvis gruppen med kort uddannelse er rykket op.",
    ]
    if f is not None:
        points.append(f"Hos {f['inst']['name']} er {f['label']} den måling med den største forskel i "
                      f"{f['round']}: {_f(f['gap'], _d(f))} point.")
    return common.summary(points)
