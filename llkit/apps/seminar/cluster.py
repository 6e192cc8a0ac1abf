"""Preparing a cluster meeting (3–4 teams)."""

from __future__ import annotations

import pandas as pd

from llkit.apps.seminar.checks import _Choice, _Number, _register
from llkit.apps.seminar.context import _Ctx, _Skip, _unit
from llkit.present import text as tx

_D4 = "04_klyngemoede"


def _team_names(ctx: _Ctx) -> dict[str, str]:
    return {t: ctx.inst_name(t) for t in ctx.teams}


@_register("klynge_tragt", _D4,
           "Hvor mange af klyngens dagtilbud/skoler ligger uden for tragtens 99,8 %-grænser i målet?",
           "llkit.compare(ds, maal, level=\"institution\", round=seneste) har kolonnen flag "
           "(over, under, within = inden for 99,8 %-grænserne). Tæl klyngens egne, der ikke er "
           "within.")
def _klynge_tragt(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    c = indicators.compare(ctx.ds, ctx.measure, level="institution", round=ctx.round)
    c = c[c["institution_id"].astype(str).isin(ctx.teams) & ~c["suppressed"]]
    if c.empty:
        raise _Skip("Ingen af klyngens tal må vises i den seneste måling – opgaven springes over.")
    outside = c[c["flag"].astype(str) != "within"]
    beyond95 = int(((c["mean"] < c["lower95"]) | (c["mean"] > c["upper95"])).sum())
    above = int((c["mean"] > c["target"]).sum())
    below = int((c["mean"] < c["target"]).sum())
    w = ctx.w
    wrong = [(beyond95, 0, "Det er antallet uden for 95 %-grænserne. Med mange enheder ligger "
                           "hver tyvende uden for dem af ren tilfældighed – brug 99,8 %."),
             (above, 0, "Det er antallet over kommunens gennemsnit – uden hensyn til "
                        "usikkerheden. Tragten viser, hvor langt fra gennemsnittet et tal kan "
                        "ligge alene ved tilfældighed."),
             (below, 0, "Det er antallet under kommunens gennemsnit – uden hensyn til "
                        "usikkerheden.")]
    if len(outside):
        names = ", ".join(f"{ctx.inst_name(str(i))} ({'over' if f == 'over' else 'under'})"
                          for i, f in zip(outside["institution_id"], outside["flag"], strict=False))
        explain = f"Uden for tragten: {names}. Det er værd at undersøge nærmere – ikke en dom."
    else:
        explain = (f"Ingen af jer ligger uden for tragten: forskellene mellem {w['insts_def']} kan "
                   "være tilfældige. Tal på klyngemødet om praksis, ikke om placeringer.")
    return _Number(correct=len(outside), tolerance=0, decimals=0,
                   unit=_unit(len(outside), w["inst"], w["insts"]), wrong=wrong,
                   explain=explain)


@_register("klynge_fremgang", _D4,
           "Nævn et dagtilbud/en skole i klyngen, der er gået frem i målet mere end usikkerheden "
           "fra forrige til seneste måling (eller »ingen«).",
           "llkit.change(ds, maal, by=\"institution\") sammenligner de to seneste målinger. En "
           "fremgang er sikker, når hele intervallet (ci_low til ci_high) ligger over 0 – og den "
           "holder, når man tager højde for, at klyngen har flere teams: "
           "llkit.stats.decision.holm(ch[\"p_value\"]) siger, hvilke der holder.")
def _klynge_fremgang(ctx: _Ctx) -> _Choice:
    from llkit.stats import indicators

    ds, w = ctx.ds, ctx.w
    rounds = [str(r) for r in ds.meta.rounds]
    if len(rounds) < 2:
        raise _Skip("Jeres data har kun én måling – opgaven springes over.")
    from llkit.stats.decision import holm

    ch = indicators.change(ds, ctx.measure, by="institution")
    ch = ch[ch["institution_id"].astype(str).isin(ctx.teams)]
    # the cluster's teams are one family: a gain is sure only when Holm keeps it
    holds = dict(zip(ch["institution_id"].astype(str), holm(ch["p_value"].to_numpy(dtype=float))[0],
                     strict=True))
    sign = 1 if ctx.hib else -1
    fb: dict[str, str] = {}
    sure: set[str] = set()
    for r in ch.itertuples():
        i = str(r.institution_id)
        name = ctx.inst_name(i)
        if r.suppressed or pd.isna(r.diff):
            fb[i] = f"Tallene for {name} er skjult (for få {w['children']}) – det kan I ikke sige noget om."
            continue
        d, lo, hi = sign * r.diff, sign * r.ci_low, sign * r.ci_high
        ci = tx.fmt_interval(r.ci_low, r.ci_high, 2)
        change_txt = f"{tx.fmt_number(r.diff, 2, sign=True)} (interval {ci})"
        if min(lo, hi) > 0 and holds.get(i, False):
            sure.add(i)
            fb[i] = (f"{name} gik frem fra {r.from_round} til {r.to_round}: {change_txt}. Spørg "
                     "dem på klyngemødet, hvad de har gjort – og hvordan de ved, at det virkede.")
        elif min(lo, hi) > 0:
            fb[i] = (f"{name} gik frem ({change_txt}), og intervallet ligger over 0 – men med "
                     f"{len(ch)} teams på én gang kan én sådan fremgang opstå ved en tilfældighed, så "
                     "den er ikke sikker.")
        elif d > 0:
            fb[i] = (f"{name} gik frem ({change_txt}), men intervallet omfatter 0: ændringen er "
                     "inden for usikkerheden.")
        else:
            fb[i] = f"{name} gik ikke frem ({change_txt})."
    rest = {i: f"{ctx.inst_name(i)} er ikke med i jeres klyngemøde."
            for i in ds.org["institution_id"].astype(str).unique() if i not in ctx.teams}
    aliases = {ctx.inst_name(i): i for i in ds.org["institution_id"].astype(str).unique()}
    aliases.update({"ingen": "ingen", "none": "ingen", "ingen af os": "ingen"})
    if sure:
        fb["ingen"] = (f"Se igen: {len(sure)} af jer gik frem mere end usikkerheden – find "
                       "rækker, hvor ci_low er over 0.")
        return _Choice(correct=sure, feedback=fb, aliases=aliases, unit=True, rest=rest)
    fb["ingen"] = ("Rigtigt set: ingen af jer gik frem mere end usikkerheden. Tal om, hvad I "
                   "hver især har prøvet, og hvordan I vil kunne se, om det virker.")
    return _Choice(correct="ingen", feedback=fb, aliases=aliases, unit=True, rest=rest)


@_register("klynge_dokumentation", _D4,
           "Hvor mange af klyngens dagtilbud/skoler har tegn på læring dokumenteret i alle "
           "stuer/klasser i den seneste måling?",
           "llkit.coverage(ds, by=\"institution\", round=seneste) har kolonnen share (andelen "
           "af teams, der dokumenterer). Tæl klyngens egne med share == 1.")
def _klynge_dokumentation(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    ds, w = ctx.ds, ctx.w
    if ds.goals is None or ds.goals.empty:
        raise _Skip("Jeres data har ingen oplysninger om læringsmål og tegn på læring – opgaven "
                    "springes over.")
    cov = indicators.coverage(ds, by="institution", round=ctx.round)
    cov = cov[cov["institution_id"].astype(str).isin(ctx.teams)]
    if cov.empty:
        raise _Skip("Klyngen har ingen læringsmål i den seneste måling – opgaven springes over.")
    full = int((cov["share"] >= 1 - 1e-9).sum())
    wrong = [(int(cov["teams_documenting"].sum()), 0,
              f"Det er antallet af {w['depts']}, der dokumenterer. Spørgsmålet er, hvor mange "
              f"{w['insts']} der gør det i alle {w['depts']}."),
             (len(ctx.teams), 0, f"Det er antallet af {w['insts']} i klyngen. Tæl kun dem, hvor "
                                 "alle teams dokumenterer (share == 1)."),
             (float(cov["share"].mean()), 0.005, "Det er den gennemsnitlige andel. Spørgsmålet er "
                                                 "et antal.")]
    return _Number(correct=full, tolerance=0, decimals=0, unit=_unit(full, w["inst"], w["insts"]), wrong=wrong,
                   explain=f"{full} af {len(cov)} {w['insts']} har tegn på læring dokumenteret i "
                           f"alle {w['depts']}. Hvordan har de organiseret det – og hvad kan de "
                           "andre bruge?")
