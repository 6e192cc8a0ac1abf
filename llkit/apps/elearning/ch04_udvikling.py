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
from llkit.present import text as tx
from llkit.present.labels import format_estimate
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

NUMBER = 4
TITLE = cm.CHAPTER_TITLES[NUMBER]
MINUTES = 25
Z = 1.96

__all__ = ["header", "facts", "threshold_facts", "rtm_facts", "development_section", "children_section",
           "rtm_section", "reliable_section", "exercise_same_children", "exercise_change", "exercise_rtm",
           "exercise_threshold", "exercise_reliable", "reflection", "summary", "NUMBER", "TITLE", "MINUTES"]


def header(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's title, purpose and reading time."""
    lab = cm.labels(ds)
    return cm.chapter_header(
        ds, institution, number=NUMBER, title=TITLE, minutes=MINUTES,
        purpose=(f"I kan læse en udvikling fra måling til måling, skelne mellem andre {lab['children']} og de samme "
                 f"{lab['children']}, genkende regression mod midten, og I ved, hvornår en ændring hos "
                 f"{lab['the_single_child']} er større end målingens usikkerhed."),
    )


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
        return cm.no_data(f"mindst to målinger med nok {lab['children']} – udviklingen over tid kan ikke vises")
    from llkit.present import plots

    d = f["decimals"]
    est, iv = format_estimate(ds, f["measure"], f["diff"], f["ci_low"], f["ci_high"])
    text = cm.prose(
        f"Figuren viser jeres gennemsnit for »{f['label']}« ved hver måling, med usikkerhedsintervaller. En fuld "
        f"linje betyder, at ændringen gælder de samme {lab['children']}; en stiplet linje, at det er andre "
        f"{lab['children']}.",
        f"Fra {f['from_round']} til {f['to_round']} gik gennemsnittet for alle {lab['children']} fra "
        f"{_f(f['mean_from'], d)} til {_f(f['mean_to'], d)} ({est}; interval {iv}).",
        title="Fra måling til måling")
    try:
        fig = cm.figure_html(plots.development(ds, measure=f["measure"], institution=institution))
    except Exception:  # noqa: BLE001 - the text stands without the figure
        fig = cm.no_data("nok data til figuren over udviklingen")
    return text + fig


def children_section(ds: Dataset, institution: str) -> cm.Block:
    """Other children versus the same children: counts and both changes."""
    f = facts(ds, institution)
    lab = cm.labels(ds)
    first, second = ("første måling", "næste") if f is None else (f["from_round"], f["to_round"])
    intro = (f"Mellem to målinger kommer nye {lab['children']} til, og andre stopper. Sammenligner I alle "
             f"{lab['children']} ved {first} med alle ved {second}, kan en ændring skyldes, at gruppen er en anden. "
             f"Følger I de samme {lab['children']}, ser I deres udvikling – men de er også blevet ældre.")
    if f is None:
        return cm.prose(intro, title=f"Andre {lab['children']} eller de samme?") + cm.no_data(
            "to målinger for jeres institution – sammenligningen af andre og samme " + lab["children"] + " udgår")
    est, iv = format_estimate(ds, f["measure"], f["diff"], f["ci_low"], f["ci_high"])
    rows = [{"Sammenligning": f"Alle {lab['children']} (andre {lab['children']})",
             f"Antal {lab['children']}": f"{tx.fmt_int(f['n_from'])} → {tx.fmt_int(f['n_to'])}",
             "Ændring": est, "Interval (95 %)": iv}]
    if f["paired"]:
        p = f["paired"]
        est, iv = format_estimate(ds, f["measure"], p["diff"], p["ci_low"], p["ci_high"])
        rows.append({"Sammenligning": f"De samme {lab['children']}",
                     f"Antal {lab['children']}": tx.fmt_int(f["n_paired"]), "Ændring": est, "Interval (95 %)": iv})
    else:
        rows.append({"Sammenligning": f"De samme {lab['children']}",
                     f"Antal {lab['children']}": f"færre end {ds.meta.min_n}", "Ændring": tx.MISSING,
                     "Interval (95 %)": tx.MISSING})
    return (cm.prose(intro, title=f"Andre {lab['children']} eller de samme?")
            + cm.table(pd.DataFrame(rows), caption=f"»{f['label']}«, {f['from_round']} → {f['to_round']}"))


def rtm_section(ds: Dataset, institution: str) -> cm.Block:
    """Regression to the mean in words, with the quarter-wise changes of all departments."""
    lab = cm.labels(ds)
    intro = cm.prose(
        f"Når en {lab['department']} scorer meget lavt ved én måling, skyldes det ofte dels reelle forhold, dels "
        "uheld: en svær dag, få svar. Ved næste måling er uheldet typisk væk, og tallet nærmer sig midten – også "
        "uden nogen indsats. Det kaldes regression mod midten. Omvendt falder de højeste ofte lidt. Vælger I "
        "indsatser ud fra de laveste tal, skal I derfor forvente en fremgang, der ikke skyldes indsatsen.",
        title="Regression mod midten")
    r = rtm_facts(ds, institution)
    if r is None:
        return intro + cm.no_data(f"to målinger for nok {lab['departments']} til at vise regression mod midten")
    d = r["decimals"] + 1
    return intro + cm.prose(
        f"I jeres kommune gælder for »{r['label']}«: de {tx.fmt_int(r['n_low'])} {lab['departments']} med de laveste "
        f"gennemsnit ved {r['from_round']} ændrede sig i gennemsnit {tx.fmt_number(r['low_change'], d, sign=True)} "
        f"point til {r['to_round']}; de {tx.fmt_int(r['n_high'])} med de højeste "
        f"{tx.fmt_number(r['high_change'], d, sign=True)} point. Figuren i opgaven nedenfor viser alle "
        f"{tx.fmt_int(r['n_departments'])} {lab['departments']}.")


def reliable_section(ds: Dataset, institution: str) -> cm.Block:
    """Reliable change: the threshold and, with paired data, how many changed more."""
    lab = cm.labels(ds)
    t = threshold_facts(ds, institution)
    f = facts(ds, institution)
    parts = [f"{lab['each_child'].capitalize()}s score er også usikker. En ændring er først pålidelig, når den er større end "
             "det, målingens usikkerhed alene kan give: 1,96 × s × √2 × √(1 − r), hvor s er spredningen ved første "
             "måling og r målets pålidelighed (Jacobson og Truax)."]
    if t is not None:
        parts.append(f"For »{t['label']}« er s = {_f(t['sd'], 2)} og r = {_f(t['reliability'], 2)} ({t['round']}).")
    body = cm.prose(*parts, title=f"Pålidelig ændring hos {lab['the_single_child']}")
    if t is None:
        return body + cm.no_data("et mål med kendt pålidelighed – grænsen for pålidelig ændring kan ikke regnes ud")
    if f is None or not f["paired"]:
        return body + cm.no_data(f"nok {lab['children']} målt to gange til at tælle pålidelige ændringer")
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
            "ch04_same_children", f"Gennemsnittet stiger fra T1 til T2, men en tredjedel af {lab['children']} er nye. "
            "Hvad kan I sige?",
            {"a": f"At {lab['children']} har udviklet sig.",
             "b": f"At gruppen har et højere gennemsnit – men ikke om de enkelte {lab['children']} har udviklet sig; "
                  f"det kræver, at I følger de samme {lab['children']}.",
             "c": "Ingenting – tal fra forskellige år kan aldrig sammenlignes."},
            "b",
            feedback={"a": f"Ikke nødvendigvis: de nye {lab['children']} kan bare score højere end dem, der stoppede.",
                      "c": "Jo, men I skal vide, om det er de samme eller andre – det ændrer spørgsmålet."},
            hint="Tænk på, hvem der er med ved begge målinger.",
            solution=f"Et højere gennemsnit for en ny gruppe siger noget om gruppen. Udvikling hos {lab['children']} "
                     f"ses kun ved at følge de samme {lab['children']} (parret sammenligning)."))
    wrong = [(f["n_from"], 0, f"Det er antallet ved {f['from_round']}. Hvor mange af dem er også målt ved "
              f"{f['to_round']}?"),
             (f["n_to"], 0, f"Det er antallet ved {f['to_round']}. Hvor mange af dem var også med ved {f['from_round']}?"),
             (f["n_from"] + f["n_to"], 0, "Det er summen af de to målinger – de samme tælles så to gange.")]
    wrong = [w for w in wrong if w[0] != f["n_paired"]]
    return session.add(ex.Numeric(
        "ch04_same_children", f"Hvor mange af jeres {lab['children']} har en score på »{f['label']}« ved både "
        f"{f['from_round']} og {f['to_round']}?", f["n_paired"], 0, decimals=0, unit=lab["children"], wrong=wrong,
        hint="Tabellen »Andre eller de samme?« viser antallet i rækken med de samme " + lab["children"] + ".",
        solution=f"{tx.fmt_int(f['n_from'])} {lab['children']} ved {f['from_round']} og {tx.fmt_int(f['n_to'])} ved "
                 f"{f['to_round']}, men kun {tx.fmt_int(f['n_paired'])} er målt begge gange."))


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
    who = f"de samme {lab['children']}" if f["paired"] else f"alle {lab['children']}"
    direction = _direction(c["ci_low"], c["ci_high"], f["hib"])
    # the answer key follows the report's family decision (llkit.stats.decision), not the interval alone
    fam = cm.report_family(ds, f["inst_id"], f["to_round"])
    real = cm.family_verdict(fam, "change", f["measure"])[0]
    correct = direction if (real or direction == "none") else "chance"
    n_fam = int(fam["p_value"].notna().sum())
    est, iv = format_estimate(ds, f["measure"], c["diff"], c["ci_low"], c["ci_high"])
    return session.add(ex.MultipleChoice(
        "ch04_change", f"Se på ændringen for {who} fra {f['from_round']} til {f['to_round']} i tabellen. Hvad viser "
        "den?",
        {"up": "En fremgang, der er større end usikkerheden – også når man tager højde for rapportens mange tal.",
         "down": "En tilbagegang, der er større end usikkerheden – også når man tager højde for rapportens mange tal.",
         "chance": "Intervallet rummer ikke 0, men med alle rapportens sammenligninger kan ændringen stadig være tilfældig.",
         "none": "En ændring, der ikke er større end usikkerheden – intervallet rummer 0."},
        correct,
        feedback={"up": f"Intervallet er {iv}." + (" Det ligger helt over 0, og ændringen holder også, når man tager højde for alle rapportens tal – rigtigt." if correct == "up" else
                                                     " Rummer det 0? Og holder ændringen, når rapporten sammenligner mange tal?"),
                  "down": f"Intervallet er {iv}." + (" Det ligger helt under 0, og ændringen holder også, når man tager højde for alle rapportens tal – rigtigt." if correct == "down" else
                                                       " Rummer det 0? Og holder ændringen, når rapporten sammenligner mange tal?"),
                  "chance": f"Intervallet er {iv}." + (f" Rigtigt: det rummer ikke 0, men rapporten sammenligner {n_fam} tal, og så giver tilfældigheder let et par af den slags." if correct == "chance" else
                                                       " Se igen: hvor ligger intervallet i forhold til 0?"),
                  "none": f"Intervallet er {iv}." + (" Det rummer 0 – rigtigt." if correct == "none" else
                                                       " Rummer det virkelig 0?")},
        hint=("Se først, om hele intervallet ligger over 0, under 0, eller om 0 er med. Tjek derefter "
              "rapportens vurdering: den tager højde for, at mange tal er sammenlignet på én gang."),
        solution=f"Ændringen for {who} er {est} med intervallet {iv}. "
                 + {"up": "Hele intervallet ligger over 0, og fremgangen holder, når man tager højde for alle rapportens sammenligninger.",
                    "down": "Hele intervallet ligger under 0, og tilbagegangen holder, når man tager højde for alle rapportens sammenligninger.",
                    "chance": (f"Intervallet rummer ikke 0, men rapporten sammenligner {n_fam} tal. Ser man på hvert tal "
                               "for sig, giver tilfældigheder ca. 1 af 20 af den slags, så ændringen er ikke sikker."),
                    "none": "0 ligger i intervallet, så ændringen kan være tilfældig."}[correct]))


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
            "ch04_rtm", f"De fem {lab['departments']} med de laveste tal ved T1 fik en særlig indsats. Ved T2 er deres "
            "gennemsnit steget. Hvad er den bedste konklusion?",
            {"a": "Indsatsen virker.",
             "b": "En del af stigningen kan være regression mod midten; sammenlign med lignende "
                  f"{lab['departments']} uden indsats.",
             "c": "Stigningen er tilfældig og betyder intet."},
            "b",
            feedback={"a": "Måske – men de laveste stiger ofte også uden indsats (regression mod midten).",
                      "c": "Ikke nødvendigvis – men I kan ikke tilskrive indsatsen hele stigningen."},
            hint="Hvad sker der typisk med de laveste tal ved næste måling, helt uden indsats?",
            solution="De, der er valgt, fordi de lå lavest, stiger typisk lidt af sig selv. En sammenligning med "
                     "lignende enheder uden indsats viser, hvad indsatsen selv har betydet."))
    d = r["decimals"] + 1
    gap = r["low_change"] - r["high_change"]
    correct = "low" if gap > 0.02 else ("high" if gap < -0.02 else "same")
    return session.add(ex.InterpretPlot(
        "ch04_rtm", f"Hvert punkt er en {lab['department']}: gennemsnittet ved {r['from_round']} (hen ad) og ændringen "
        f"til {r['to_round']} (op ad). Hvad viser figuren?",
        _rtm_figure(r, lab),
        {"low": f"De {lab['departments']}, der lå lavest ved {r['from_round']}, steg mest – de høje steg mindre eller "
                "faldt.",
         "high": f"De {lab['departments']}, der lå højest ved {r['from_round']}, steg mest.",
         "same": "Lave og høje ændrede sig lige meget."},
        correct,
        feedback={"low": "Rigtigt – og det er netop regression mod midten: det ville ske, selv uden nogen indsats."
                  if correct == "low" else "Se på den røde linje: falder den fra venstre mod højre?",
                  "high": "Se på den røde linje: stiger den fra venstre mod højre?" if correct != "high" else
                  "Rigtigt – usædvanligt, for det modsatte (regression mod midten) er det almindelige.",
                  "same": "Se på den røde linje: er den vandret?" if correct != "same" else "Rigtigt."},
        hint="Den røde linje viser tendensen. Falder den mod højre, steg de lave mest.",
        solution=f"De laveste fjerdedel ændrede sig i gennemsnit {tx.fmt_number(r['low_change'], d, sign=True)}, den "
                 f"højeste fjerdedel {tx.fmt_number(r['high_change'], d, sign=True)}. At de lave stiger og de høje "
                 "falder, forventes af regression mod midten alene."))


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
    return session.add(ex.Numeric(
        "ch04_threshold", f"Regn grænsen for en pålidelig ændring ud for »{t['label']}«: 1,96 × s × √2 × √(1 − r) med "
        f"s = {_f(s, 2)} og r = {_f(r, 2)}. Hvor mange point skal {lab['a_child']} mindst ændre sig?",
        value, tol, decimals=d,
        wrong=[(Z * s * math.sqrt(1 - r), tol, "Du mangler faktoren √2 (der er usikkerhed i begge målinger)."),
               (s * math.sqrt(2) * math.sqrt(1 - r), tol, "Du mangler faktoren 1,96 (95 %)."),
               (Z * s * math.sqrt(2) * (1 - r), tol, "Husk kvadratroden af (1 − r)."),
               (Z * s * math.sqrt(2) * math.sqrt(r), tol, "Det skal være √(1 − r), ikke √r.")],
        hint=f"√2 ≈ 1,414 og √(1 − {_f(r, 2)}) = √{_f(1 - r, 2)} ≈ {_f(math.sqrt(1 - r), 3)}.",
        solution=f"1,96 × {_f(s, 2)} × 1,414 × {_f(math.sqrt(1 - r), 3)} ≈ {_f(value, d)} point. Ændringer, der er "
                 "mindre, kan skyldes målingens usikkerhed."))


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
        wrong.append((100 * f["share_any_up"], 1.0, "Det er andelen med en hvilken som helst fremgang. En pålidelig "
                      "fremgang skal være større end grænsen."))
    return session.add(ex.Numeric(
        "ch04_reliable", f"Hvor mange procent af de {tx.fmt_int(f['n_paired'])} {lab['children']}, der er målt både "
        f"{f['from_round']} og {f['to_round']}, har en pålidelig fremgang?", p, 1.0, decimals=0, unit="%",
        wrong=wrong, hint="Sætningen under »Pålidelig ændring« giver svaret.",
        solution=tx.describe_reliable_change(f["n_paired"], round(f["share_reliable_up"] * f["n_paired"]),
                                             round(f["share_reliable_down"] * f["n_paired"]), noun=lab["children"])))


def reflection(ds: Dataset, institution: str, session: ex.Session) -> ex.Reflection:
    """The team's reflection prompt."""
    lab = cm.labels(ds)
    return session.add(ex.Reflection(
        "ch04_reflection",
        f"Hvilke ændringer i jeres tal har I tolket som resultater af en indsats? Var det de samme {lab['children']}, "
        "var ændringen større end usikkerheden, og kan regression mod midten forklare en del af den?"))


def summary(ds: Dataset, institution: str) -> cm.Block:
    """The chapter's summary."""
    lab = cm.labels(ds)
    f = facts(ds, institution)
    points = [
        f"Skeln mellem andre {lab['children']} (gruppen har ændret sig) og de samme {lab['children']} (udvikling).",
        "En ændring er først mere end tilfældigheder, når intervallet ikke rummer 0.",
        "De laveste stiger og de højeste falder ofte af sig selv: regression mod midten.",
        f"For {lab['the_single_child']} skal ændringen være større end grænsen for pålidelig ændring.",
    ]
    if f is not None:
        points.append(f"Hos jer er {tx.fmt_int(f['n_paired'])} {lab['children']} målt både {f['from_round']} og "
                      f"{f['to_round']}.")
    return cm.summary(points)
