"""Day 2: an overview of one's own data at every level."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llkit.apps.seminar.checks import _Choice, _Number, _register
from llkit.apps.seminar.context import _Ctx, _n, _num, _pct, _Skip, _unit
from llkit.present import text as tx

_D2 = "02_dag2_overblik"


@_register("dag2_boern_lav", _D2,
           "Barn: hvor mange børn/elever i jeres dagtilbud/skole havde en lav score i den seneste måling?",
           "llkit.scores(ds, maal) har én række pr. barn og måling med kolonnerne "
           "institution_id, round og category; tæl rækkerne med category == \"low\".")
def _dag2_boern_lav(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    ctx.visible(ctx.inst_row())
    s = indicators.scores(ctx.ds, ctx.measure)
    s = s[s["round"].astype(str).isin([ctx.round, ctx.first])]
    low = s["category"].astype(str) == "low"
    mine = s["institution_id"].astype(str) == ctx.institution
    now = s["round"].astype(str) == ctx.round
    count = int((low & mine & now).sum())
    w = ctx.w
    wrong = [(ctx.inst_row()["share_low"], 0.005,
              f"Det er andelen. Spørgsmålet er, hvor mange {w['children']} det drejer sig om."),
             (int((low & now).sum()), 0, f"Det er antallet i hele kommunen. Filtrér på jeres "
                                         f"eget {w['inst']} (institution_id == institution).")]
    if ctx.first != ctx.round:
        wrong.append((int((low & mine & (s["round"].astype(str) == ctx.first)).sum()), 0,
                      f"Det er antallet i {ctx.first}. Filtrér også på round == \"{ctx.round}\"."))
    return _Number(correct=count, tolerance=0, decimals=0, unit=_unit(count, w["child"], w["children"]),
                   wrong=wrong,
                   explain=f"Bag tallet står {count} {_unit(count, w['child'], w['children'])}, som personalet kender. Hvem "
                           "er de, og hvad har de brug for? (Drøft det i ledelsesteamet – "
                           "navne hører ikke hjemme i delte dokumenter.)")


@_register("dag2_andel_lav", _D2,
           "Dagtilbud/skole: hvor stor en andel (0–1) af jeres børn/elever havde en lav score?",
           "Kolonnen share_low i llkit.summarize(ds, maal, by=\"institution\", round=seneste) er "
           "andelen med en lav score, som et tal mellem 0 og 1.")
def _dag2_andel_lav(ctx: _Ctx) -> _Number:
    row = ctx.visible(ctx.inst_row())
    share = float(row["share_low"])
    w = ctx.w
    wrong = [(share * 100, 0.5, "Det ligner procent. Skriv andelen som et tal mellem 0 og 1 "
                                "– fx 0,23 for 23 %."),
             (row["mean"], 0.005, "Det er gennemsnittet (mean), ikke andelen med en lav score "
                                  "(share_low)."),
             (ctx.muni_row()["share_low"], 0.005,
              f"Det er kommunens andel. Spørgsmålet gælder jeres eget {w['inst']}.")]
    if ctx.first != ctx.round:
        first = ctx.inst_row(ctx.first)
        if not first["suppressed"]:
            wrong.append((first["share_low"], 0.005, f"Det er andelen i {ctx.first}, den første "
                                                     f"måling – brug den seneste, {ctx.round}."))
    n_low = round(share * row["n"])
    wrong.append((n_low, 0.5, f"Det er antallet af {w['children']} med en lav score. Andelen er "
                              f"antallet divideret med alle {w['children']} med en score."))
    ci = tx.fmt_interval(row["share_low_ci_low"], row["share_low_ci_high"], percent=True)
    return _Number(correct=share, tolerance=0.005, decimals=2, wrong=wrong,
                   explain=f"Det er {_pct(share)} af {w['children_def']} (interval {ci}; "
                           f"kommunen: {_pct(ctx.muni_row()['share_low'])}).")


@_register("dag2_stue", _D2,
           "Stue/klasse: hvilken af jeres stuer/klasser har den største andel med en lav score?",
           "llkit.summarize(ds, maal, by=\"department\", round=seneste); behold jeres egne "
           "stuer/klasser (department_id begynder med jeres id), spring skjulte tal over, og "
           "find den største share_low.")
def _dag2_stue(ctx: _Ctx) -> _Choice:
    from llkit.stats import indicators

    ds, w = ctx.ds, ctx.w
    t = indicators.summarize(ds, ctx.measure, by="department", round=ctx.round)
    org = ds.org
    own = org[org["institution_id"].astype(str) == ctx.institution]
    mine = t[t["department_id"].astype(str).isin(set(own["department_id"].astype(str)))]
    shown = mine[~mine["suppressed"] & mine["share_low"].notna()]
    if shown.empty:
        raise _Skip(f"Ingen af jeres {w['depts']} har tal, der må vises, i {ctx.round} – "
                    "opgaven springes over.")
    top = float(shown["share_low"].max())
    best = set(shown.loc[np.isclose(shown["share_low"], top), "department_id"].astype(str))
    names = dict(zip(org["department_id"].astype(str), org["department_name"].astype(str),
                     strict=False))
    fb: dict[str, str] = {}
    for r in shown.itertuples():
        d = str(r.department_id)
        ci = tx.fmt_interval(r.share_low_ci_low, r.share_low_ci_high, percent=True)
        if d in best:
            fb[d] = (f"{names[d]}: {_pct(r.share_low)} af {r.n} {w['children']} havde en lav "
                     f"score (interval {ci}). Med så få {w['children']} pr. {w['dept']} er "
                     f"intervallet bredt – forskellen til de andre {w['depts']} kan være "
                     "tilfældig. Brug tallet til at spørge nysgerrigt, ikke til at dømme.")
        elif np.isclose(r.share_low, shown["share_low"].min()):
            fb[d] = (f"{names[d]} har den mindste andel ({_pct(r.share_low)}). Spørgsmålet er "
                     "den største.")
        else:
            fb[d] = (f"{names[d]} har {_pct(r.share_low)} med en lav score – der er en "
                     f"{w['dept']} med en større andel.")
    for r in mine[mine["suppressed"]].itertuples():
        fb[str(r.department_id)] = (f"Tallet for {names[str(r.department_id)]} er skjult (for få "
                                    f"{w['children']}, eller så det ikke kan regnes ud) – det kan "
                                    "I ikke sige noget om ud fra tabellen.")
    rest = {d: f"{d} hører ikke til jeres {w['inst']}. Vælg blandt jeres egne {w['depts']}."
            for d, inst in zip(org["department_id"].astype(str), org["institution_id"].astype(str),
                               strict=False) if inst != ctx.institution}
    aliases = {names[d]: d for d in own["department_id"].astype(str)}
    return _Choice(correct=best, feedback=fb, aliases=aliases, unit=True, rest=rest)


@_register("dag2_kommune", _D2, "Kommune: hvad er kommunens gennemsnit i målet i den seneste måling?",
           "llkit.summarize(ds, maal, by=None, round=seneste) giver én række for hele "
           "kommunen (alle børn/elever i data).")
def _dag2_kommune(ctx: _Ctx) -> _Number:
    muni = ctx.muni_row()
    inst = ctx.inst_row()
    wrong = []
    if not inst["suppressed"]:
        wrong.append((inst["mean"], 0.005, f"Det er jeres eget gennemsnit. Kommunens er for alle "
                                           f"{ctx.w['children']} i data (by=None)."))
    nat = _national(ctx)
    if nat is not None:
        wrong.append((nat, 0.0005, "Det er landstallet fra ds.reference. Kommunens gennemsnit "
                                   "regnes ud fra jeres egne data."))
    wrong.append((muni["share_low"], 0.005, "Det er kommunens andel med en lav score, ikke "
                                            "gennemsnittet."))
    return _Number(correct=float(muni["mean"]), tolerance=0.05, decimals=2, wrong=wrong,
                   explain=f"Kommunens gennemsnit bygger på {_n(muni['n'])} {ctx.w['children']}.")


def _national(ctx: _Ctx, round: str | None = None) -> float | None:
    ref = ctx.ds.reference
    if ref is None or ref.empty:
        return None
    r = round or ctx.round
    hit = ref[(ref["measure_id"].astype(str) == ctx.measure) & (ref["round"].astype(str) == r)
              & (ref["scope"].astype(str) == "national")]
    return None if hit.empty or pd.isna(hit["mean"].iloc[0]) else float(hit["mean"].iloc[0])


@_register("dag2_landsplan", _D2, "Landsplan: hvad er landsgennemsnittet i målet i den seneste måling?",
           "Landstallene står i tabellen ds.reference (scope == \"national\"); filtrér på "
           "measure_id og round.")
def _dag2_landsplan(ctx: _Ctx) -> _Number:
    nat = _national(ctx)
    if nat is None:
        raise _Skip(f"Jeres data har ingen landstal for {ctx.label} i {ctx.round} – opgaven "
                    "springes over. Har I landstal, så skriv dem i tabellen reference (measure_id, "
                    "round, scope = national, mean, sd).")
    muni = float(ctx.muni_row()["mean"])
    wrong = [(muni, 0.005, "Det er kommunens gennemsnit. Landstallet står i ds.reference.")]
    inst = ctx.inst_row()
    if not inst["suppressed"]:
        wrong.append((inst["mean"], 0.005, "Det er jeres eget gennemsnit. Landstallet står i "
                                           "ds.reference."))
    if ctx.first != ctx.round:
        old = _national(ctx, ctx.first)
        if old is not None:
            wrong.append((old, 0.0005, f"Det er landstallet i {ctx.first}. Filtrér også på "
                                       f"round == \"{ctx.round}\"."))
    return _Number(correct=nat, tolerance=0.005, decimals=2, wrong=wrong,
                   explain=f"Kommunen ligger på {_num(muni)}. Landstal og kommunetal er målt "
                           "på mange flere, så deres usikkerhed er lille – jeres egen er større.")


@_register("dag2_niveau", _D2,
           "Hvor stor en andel (0–1) af forskellene mellem børnene/eleverne ligger mellem "
           "dagtilbuddene/skolerne?",
           "llkit.variance_components(ds, maal, level=\"institution\", round=seneste); "
           "kolonnen icc er andelen af variationen, der ligger mellem enhederne.")
def _dag2_niveau(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    vc = indicators.variance_components(ctx.ds, ctx.measure, level="institution", round=ctx.round)
    if vc.empty or pd.isna(vc["icc"].iloc[0]):
        raise _Skip("Der er for få enheder til at dele variationen op – opgaven springes over.")
    icc = float(vc["icc"].iloc[0])
    w = ctx.w
    wrong = [(icc * 100, 1, "Det ligner procent. Skriv andelen som et tal mellem 0 og 1."),
             (1 - icc, 0.01, f"Det er andelen, der ligger inden for {w['insts_def']} – mellem "
                             f"{w['children']} i {w['same_inst']}. Spørgsmålet er andelen mellem "
                             f"{w['insts_def']}.")]
    dep = indicators.variance_components(ctx.ds, ctx.measure, level="department", round=ctx.round)
    if not dep.empty and pd.notna(dep["icc"].iloc[0]):
        wrong.append((float(dep["icc"].iloc[0]), 0.002,
                      f"Det er andelen mellem {w['depts_def']} (level=\"department\"). "
                      f"Spørgsmålet er mellem {w['insts_def']}."))
    return _Number(correct=icc, tolerance=0.01, decimals=2, wrong=wrong,
                   explain=f"Kun {_pct(icc)} af forskellene ligger mellem {w['insts_def']}; "
                           f"resten ligger mellem {w['children']} i {w['same_inst']}. Et "
                           f"gennemsnit siger derfor mindre om det enkelte {w['inst']}, end man "
                           f"tror – se også på {w['depts']} og de enkelte {w['children']}.")
