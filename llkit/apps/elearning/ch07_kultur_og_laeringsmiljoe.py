"""Chapter 7 — Kultur, læringsmiljø og tegn på læring.

The process criterion (a lasting change of culture: more trust and well-being among the
staff), observations of the pedagogical learning environment per department, the
documentation of signs of learning (tegn på læring) by every team, and triangulating
informants (pedagogues, the children themselves, parents, tests) — all on the
participant's own data.

Examples
--------
>>> from llkit.apps.elearning import common
>>> ds, session = common.open_chapter("data/sample/dagtilbud", "I01", 7)
>>> f = facts(ds, "I01")
>>> 0 <= f["coverage"]["share"] <= 1
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
from llkit.documents import institution_report
from llkit.present import html, labels
from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "NUMBER", "TITLE", "MINUTES", "PURPOSE", "AGREEMENT", "facts", "header", "culture_section",
    "exercise_staff", "observation_section", "exercise_observation", "exercise_coverage",
    "coverage_section", "triangulation_section", "exercise_triangulation", "reflection",
    "chapter_summary",
]

NUMBER = 7
TITLE = common.CHAPTER_TITLES[NUMBER]
MINUTES = "25"
PURPOSE = ("Efter kapitlet kan I læse medarbejdernes svar om tillid og trivsel som et mål for "
           "kulturen, bruge observationer af læringsmiljøet i hver stue eller klasse, følge dokumentationen "
           "af tegn på læring og holde flere informanters svar op mod hinanden.")

#: Answers to "do the informants point the same way?".
AGREEMENT = {
    "all_over": "Ja – alle kilder ligger overvejende over kommunen",
    "all_under": "Ja – alle kilder ligger overvejende under kommunen",
    "mixed": "Nej – kilderne peger forskellige veje, eller nogle ligger på niveau med kommunen",
}


# ----------------------------------------------------------------------------- facts


def facts(ds: Dataset, institution: str) -> dict[str, Any]:
    """The facts behind the chapter's exercises; each part is ``None`` without its data.

    Returns
    -------
    dict
        ``inst``, ``round``; ``staff`` (table of staff measures: label, n, mean,
        municipality, diff; ``correct`` = ids of the lowest diff, ``trap`` = lowest
        mean); ``observation`` (measure, label, ratings per department, ``correct``
        department ids with the lowest rating); ``coverage`` (teams, teams_with_goals,
        teams_documenting, share, goals, goals_documented); ``sources`` (per informant:
        number of measures over / under the municipality beyond the uncertainty, verdict)
        and ``agreement`` (key of :data:`AGREEMENT`).
    """
    inst = common.institution_info(ds, institution)
    return memo.cached(ds, ("el-ch07", inst["id"]), lambda: _facts(ds, inst))


def _facts(ds: Dataset, inst: dict[str, Any]) -> dict[str, Any]:
    rnd = doc.last_round(ds, inst)
    info = labels.measure_info(ds)
    pos = families.institution_position(ds, inst, rnd)
    out: dict[str, Any] = {"inst": inst, "round": rnd, "staff": None, "observation": None,
                           "coverage": None, "sources": None, "agreement": None}
    # staff survey: the process criterion
    staff = [m for m in info.index if info.loc[m, "subject"] == "respondent"
             and pos is not None and m in pos.index]
    if staff:
        t = pos.loc[staff]
        t = t[~t["suppressed"].astype(bool) & t["mean"].notna() & t["municipality"].notna()]
        if len(t) >= 2:
            t = t.assign(label=[str(info.loc[m, "label"]) for m in t.index],
                         diff=t["mean"] - t["municipality"])
            dmin = t["diff"].min()
            out["staff"] = {
                "table": t[["label", "n", "mean", "municipality", "diff"]],
                "correct": set(t.index[np.isclose(t["diff"], dmin, atol=1e-12)]),
                "trap": str(t["mean"].idxmin()),
            }
    # observations of the learning environment, per department
    obs = [m for m in info.index if info.loc[m, "subject"] == "department"]
    if obs:
        d = indicators.summarize(ds, obs, by="department", round=rnd)
        d = d[d["department_id"].astype(str).isin(inst["departments"]) & d["mean"].notna()
              & ~d["suppressed"].astype(bool)]
        d = d.assign(department_id=d["department_id"].astype(str), measure_id=d["measure_id"].astype(str))
        if d["department_id"].nunique() >= 2:
            rng = d.groupby("measure_id")["mean"].agg(lambda s: s.max() - s.min() if len(s) >= 2 else -1)
            m = str(rng.idxmax())
            dm = d[d["measure_id"] == m].set_index("department_id")
            shown = dm["mean"].round(1)  # as the participant sees the ratings
            out["observation"] = {
                "measure": m, "label": str(info.loc[m, "label"]), "all": d,
                "ratings": dm[["department_name", "mean"]],
                "correct": set(dm.index[shown == shown.min()]),
                "scale_min": info.loc[m, "scale_min"], "scale_max": info.loc[m, "scale_max"],
            }
    # documentation of signs of learning
    if ds.goals is not None and not ds.goals.empty:
        cov = indicators.coverage(ds, by="institution", round=rnd)
        cov = cov[cov["institution_id"].astype(str) == inst["id"]]
        if len(cov) and int(cov["teams"].iloc[0]) > 0:
            r = cov.iloc[0]
            out["coverage"] = {k: (float(r[k]) if k == "share" else int(r[k])) for k in
                               ["teams", "teams_with_goals", "teams_documenting", "share", "goals",
                                "goals_with_signs", "goals_documented"]}
    # triangulation: every informant about the children
    child = [m for m in info.index if info.loc[m, "subject"] == "child" and pos is not None
             and m in pos.index]
    rows = []
    for source in dict.fromkeys(str(info.loc[m, "source"]) for m in child):
        ms = [m for m in child if str(info.loc[m, "source"]) == source]
        p = pos.loc[ms]
        p = p[~p["suppressed"].astype(bool) & p["diff"].notna()]
        if p.empty:
            continue
        flag = p["flag"].astype(bool)  # the report's family decision (llkit.stats.decision)
        over = int((flag & (p["diff"] > 0)).sum())
        under = int((flag & (p["diff"] < 0)).sum())
        verdict = "over" if over > under else "under" if under > over else "level"
        rows.append({"source": source, "source_label": str(info.loc[ms[0], "source_label"]),
                     "measures": len(p), "over": over, "under": under,
                     "level": len(p) - over - under, "verdict": verdict})
    if len(rows) >= 2:
        src = pd.DataFrame(rows)
        verdicts = set(src["verdict"])
        out["sources"] = src
        out["agreement"] = ("all_over" if verdicts == {"over"} else
                            "all_under" if verdicts == {"under"} else "mixed")
    return out


def _f(x: float, d: int = 2, sign: bool = False) -> str:
    return tx.fmt_number(x, d, sign=sign)


# ----------------------------------------------------------------------------- page


def header(ds: Dataset, institution: str) -> html.Block:
    """The chapter's title block with purpose and time to learn."""
    return common.chapter_header(ds, institution, number=NUMBER, title=TITLE, purpose=PURPOSE,
                                 minutes=MINUTES)


def culture_section(ds: Dataset, institution: str) -> Any:
    """Staff survey and observations: the institution beside the municipality."""
    info = labels.measure_info(ds)
    if not any(info["subject"].isin(["respondent", "department"])):
        return common.no_data("en medarbejderundersøgelse eller observationer af læringsmiljøet")
    return institution_report.culture_section(ds, institution)


def exercise_staff(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice: which staff measure lies lowest compared with the municipality?"""
    f = facts(ds, institution)
    s = f["staff"]
    if s is None:
        return common.exercise_skipped()
    t = s["table"]
    options = {m: t.loc[m, "label"] for m in t.index}
    best = t.loc[sorted(s["correct"])[0]]
    fb = {}
    for m in t.index:
        r = t.loc[m]
        if m in s["correct"]:
            fb[m] = (f"Rigtigt. {r['label']}: {_f(r['mean'])} hos jer mod {_f(r['municipality'])} i "
                     f"kommunen ({_f(r['diff'], sign=True)}).")
        elif m == s["trap"]:
            fb[m] = (f"{r['label']} har jeres laveste gennemsnit ({_f(r['mean'])}), men kommunen ligger "
                     f"også lavt ({_f(r['municipality'])}). Spørgsmålet gælder forskellen til kommunen.")
        else:
            fb[m] = (f"{r['label']}: {_f(r['diff'], sign=True)} i forhold til kommunen. "
                     f"{best['label']} ligger {_f(best['diff'], sign=True)}.")
    q = ex.MultipleChoice(
        "ch07-medarbejdere",
        f"Se på tabellen over medarbejdernes svar ovenfor ({f['round']}). Hvilket mål ligger lavest hos "
        f"{f['inst']['name']} i forhold til kommunen?",
        options, s["correct"],
        hint="Træk kommunens gennemsnit fra jeres for hvert mål. Det mest negative tal er svaret.",
        solution="Forskel til kommunen: " + "; ".join(
            f"{t.loc[m, 'label']} {_f(t.loc[m, 'diff'], sign=True)}" for m in t.index)
        + f". Lavest: {best['label']}. Husk, at medarbejdergruppen er lille, så se også på "
          "intervallerne, før I konkluderer.",
        feedback=fb,
    )
    return session.add(q)


def observation_section(ds: Dataset, institution: str) -> Any:
    """The observation ratings of every department (they describe rooms, not persons)."""
    f = facts(ds, institution)
    o = f["observation"]
    lab = words(ds)
    if o is None:
        return common.no_data(f"observationer af læringsmiljøet i mindst to {lab['departments']}")
    info = labels.measure_info(ds)
    a = o["all"]
    table = a.pivot_table(index="department_name", columns="measure_id", values="mean", aggfunc="first")
    table = table[[m for m in info.index if m in table.columns]]
    shown = table.apply(lambda c: c.map(lambda v: _f(v, 1)))
    shown.columns = [str(info.loc[m, "label"]) for m in table.columns]
    shown = shown.reset_index().rename(columns={"department_name": lab["department"].capitalize()})
    texts = [
        f"Observationerne vurderer læringsmiljøet i hver {lab['department']} på en skala fra "
        f"{_f(o['scale_min'], 0)} til {_f(o['scale_max'], 0)}. På de gængse observationsskalaer "
        "(fx ECERS) betyder 1 utilstrækkelig, 3 minimal, 5 god og 7 fremragende.",
        f"En observation beskriver et rum og en praksis, ikke en person – derfor vises den for "
        f"hver {lab['department']}, også de små. Nationale undersøgelser har vist store forskelle "
        f"mellem {lab['departments']} i samme {lab['institution']}; et gennemsnit for hele "
        f"{lab['the_inst']} kan skjule netop det.",
    ]
    return html.Block(common.prose(*texts, title="Læringsmiljøet stue for stue"
                                 if lab["institution"] == "dagtilbud" else
                                 "Læringsmiljøet klasse for klasse").html
                    + html.styled_table(shown, caption=f"Observationer af læringsmiljøet, {f['round']}"))


def exercise_observation(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Pick the unit: which department got the lowest rating in the most varying area?"""
    f = facts(ds, institution)
    o = f["observation"]
    lab = words(ds)
    if o is None:
        return common.exercise_skipped()
    r = o["ratings"]
    low = r.loc[sorted(o["correct"])[0]]
    hi_id = str(r["mean"].idxmax())
    fb = {}
    for dep in r.index:
        if dep in o["correct"]:
            fb[dep] = f"Rigtigt. {r.loc[dep, 'department_name']} fik {_f(r.loc[dep, 'mean'], 1)}."
        elif dep == hi_id:
            fb[dep] = (f"{r.loc[dep, 'department_name']} fik den højeste vurdering "
                       f"({_f(r.loc[dep, 'mean'], 1)}). Spørgsmålet gælder den laveste.")
        else:
            fb[dep] = (f"{r.loc[dep, 'department_name']} fik {_f(r.loc[dep, 'mean'], 1)}; "
                       f"{low['department_name']} fik {_f(low['mean'], 1)}.")
    q = ex.PickUnit(
        "ch07-observation",
        f"{o['label']} er det område, hvor jeres {lab['departments']} adskiller sig mest fra hinanden. "
        f"{lab['which'].capitalize() if lab['department'] != 'stue/gruppe' else 'Hvilken'} "
        f"{lab['department']} fik den laveste vurdering i {o['label']}?",
        {dep: str(r.loc[dep, "department_name"]) for dep in r.index}, o["correct"],
        hint=f"Find kolonnen {o['label']} i tabellen og se efter det mindste tal.",
        solution=(f"{low['department_name']} fik {_f(low['mean'], 1)} i {o['label']}, mens den højeste "
                  f"fik {_f(r['mean'].max(), 1)}. Forskellen mellem {lab['departments']} i samme "
                  f"{lab['institution']} er et godt sted at begynde en faglig samtale: hvad gør de "
                  "forskelligt?"),
        feedback=fb,
    )
    return session.add(q)


def exercise_coverage(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Numeric: the share of teams that documented signs of learning (in per cent)."""
    f = facts(ds, institution)
    c = f["coverage"]
    lab = words(ds)
    if c is None:
        return common.exercise_skipped()
    rows = [
        {"": f"Aktive {lab['departments']} (teams)", "Antal": tx.fmt_int(c["teams"])},
        {"": "… heraf med mindst ét læringsmål", "Antal": tx.fmt_int(c["teams_with_goals"])},
        {"": "… heraf har dokumenteret tegn på læring", "Antal": tx.fmt_int(c["teams_documenting"])},
        {"": "Læringsmål i alt", "Antal": tx.fmt_int(c["goals"])},
        {"": "… heraf med tegn på læring formuleret", "Antal": tx.fmt_int(c["goals_with_signs"])},
        {"": "… heraf med dokumenterede tegn", "Antal": tx.fmt_int(c["goals_documented"])},
    ]
    table = html.styled_table(pd.DataFrame(rows), caption=f"{f['inst']['name']}: læringsmål og tegn på læring, "
                                                  f"{f['round']}")
    correct = 100 * c["share"]
    wrong = []
    if c["goals"]:
        g = 100 * c["goals_documented"] / c["goals"]
        if abs(g - correct) > 1:
            wrong.append((g, 1.0, "Det er andelen af læringsmålene. Spørgsmålet gælder teams: hvor "
                                  "mange af teamene har dokumenteret tegn for mindst ét mål?"))
    wg = 100 * c["teams_with_goals"] / c["teams"]
    if abs(wg - correct) > 1:
        wrong.append((wg, 1.0, "Det er andelen af teams med læringsmål. Ikke alle af dem har "
                               "dokumenteret tegn på læring."))
    if abs(c["teams_documenting"] - correct) > 1:
        wrong.append((c["teams_documenting"], 0.01, "Det er antallet af teams. Omregn til procent "
                                                    "af alle aktive teams."))
    q = ex.Numeric(
        "ch07-tegn",
        f"Hvor stor en andel af jeres {lab['departments']} (teams) dokumenterede tegn på læring i "
        f"{f['round']}? Svar i procent.",
        correct, 1.0,
        hint="Del antallet af teams, der har dokumenteret tegn på læring, med antallet af aktive "
             "teams, og gang med 100.",
        solution=(f"{tx.fmt_int(c['teams_documenting'])} af {tx.fmt_int(c['teams'])} teams = "
                  f"{tx.fmt_percent(c['share'])}. Målet er 100\u00a0%: alle teams dokumenterer de "
                  "tegn på læring, de har sat sig for at se efter."),
        wrong=wrong, unit="%", decimals=0,
    )
    session.add(q)
    return _Both(html.Block(table), q)


def coverage_section(ds: Dataset, institution: str) -> Any:
    """Documentation of signs of learning over the rounds (figure), beside the municipality."""
    from llkit.present import plots

    f = facts(ds, institution)
    if f["coverage"] is None:
        return common.no_data("oplysninger om læringsmål og tegn på læring")
    lab = words(ds)
    fig = plots.coverage(ds, institution=f["inst"]["id"])
    return html.Block(common.figure_html(fig).html + common.prose(
        f"Figuren følger andelen af {lab['departments']}, der dokumenterer tegn på læring, over "
        "målingerne. Her er der ingen stikprøve: alle teams tæller med. Intervallet viser alligevel, "
        "hvor lidt et enkelt team flytter tallet, når der kun er få teams.").html)


def triangulation_section(ds: Dataset, institution: str) -> Any:
    """The informants about the children side by side: over, under or like the municipality."""
    f = facts(ds, institution)
    lab = words(ds)
    src = f["sources"]
    if src is None:
        return common.no_data(f"mindst to kilder (informanter) med svar om {lab['children']}")
    verdict = {"over": "Overvejende over kommunen", "under": "Overvejende under kommunen",
               "level": "På niveau / blandet"}
    rows = [{"Kilde": r.source_label, "Målinger": tx.fmt_int(r.measures),
             "Over kommunen": tx.fmt_int(r.over), "Under kommunen": tx.fmt_int(r.under),
             "Ingen sikker forskel": tx.fmt_int(r.level), "Samlet": verdict[r.verdict]}
            for r in src.itertuples()]
    texts = [
        f"Kortlægningen spørger flere om de samme {lab['children']}: pædagoger eller lærere, "
        f"{lab['children']}ne selv, forældrene – og nogle steder tests. Hver kilde ser noget "
        "forskelligt. Når de peger samme vej, står et fund stærkere; når de er uenige, er det "
        "et spørgsmål værd: hvad ser de forskelligt?",
        "Tabellen tæller for hver kilde, hvor mange af dens målinger der ligger tydeligt over "
        "eller under kommunen (mere end usikkerheden), og hvor mange der ikke kan skelnes fra "
        "kommunen.",
    ]
    return html.Block(common.prose(*texts, title="Flere informanter – triangulering").html
                    + html.styled_table(pd.DataFrame(rows), caption=f"Kilderne i {f['round']} i forhold til kommunen"))


def exercise_triangulation(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """Multiple choice: do the informants point the same way?"""
    f = facts(ds, institution)
    lab = words(ds)
    if f["agreement"] is None:
        return common.exercise_skipped()
    a = f["agreement"]
    src = f["sources"]
    desc = "; ".join(f"{r.source_label}: {r.over} over, {r.under} under, {r.level} på niveau"
                     for r in src.itertuples())
    fb = {a: f"Rigtigt. {desc}."}
    for k in AGREEMENT:
        if k == a:
            continue
        if k == "mixed":
            fb[k] = "Se på kolonnen »Samlet« igen: her peger alle kilder faktisk samme vej."
        else:
            fb[k] = (f"Ikke alle kilder ligger {'over' if k == 'all_over' else 'under'} kommunen. "
                     "Se på kolonnen »Samlet« for hver kilde.")
    q = ex.MultipleChoice(
        "ch07-triangulering",
        f"Peger kilderne (informanterne) om jeres {lab['children']} i samme retning i {f['round']}?",
        AGREEMENT, a,
        hint="Se på kolonnen »Samlet« i tabellen: står der det samme for alle kilder?",
        solution=(f"{desc}. Derfor: {AGREEMENT[a].lower()}. Når kilderne er uenige, så spørg: ser "
                  "de forskellige sider af det samme, eller måler de noget forskelligt?"),
        feedback=fb,
    )
    return session.add(q)


def reflection(ds: Dataset, institution: str, session: ex.Session) -> Any:
    """The chapter's reflection prompt for the leadership team."""
    lab = words(ds)
    q = ex.Reflection(
        "ch07-refleksion",
        "Hvad gør I i ledelsen for at skabe tillid og trivsel i medarbejdergruppen – og hvordan "
        f"vil I kunne se det i næste måling? Hvilke {lab['departments']} kunne lære af hinanden ud "
        "fra observationerne, og hvordan sikrer I, at alle teams dokumenterer tegn på læring?",
    )
    return session.add(q)


def chapter_summary(ds: Dataset, institution: str) -> html.Block:
    """Opsummering."""
    lab = words(ds)
    return common.summary([
        "Processkriteriet er en varig kulturændring med mere tillid og trivsel i "
        f"{lab['the_inst']}. Medarbejdernes svar er det mål, vi har for det.",
        "Sammenlign hvert medarbejdermål med kommunen – ikke kun jeres mål med hinanden.",
        f"Observationer af læringsmiljøet beskriver {lab['departments']}, ikke personer: brug "
        f"forskellene mellem {lab['the_depts']} til faglige samtaler.",
        "Målet er, at alle teams dokumenterer tegn på læring. Tæl teams, ikke læringsmål.",
        "Hold kilderne op mod hinanden: et fund står stærkest, når flere informanter peger samme vej.",
    ])
