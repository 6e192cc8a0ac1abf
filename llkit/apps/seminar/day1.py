"""Day 1: principles and reading data."""

from __future__ import annotations

from llkit.apps.seminar.checks import _Choice, _Number, _register
from llkit.apps.seminar.context import _answer_rows, _Ctx, _num, _unit
from llkit.present import text as tx

_D1 = "01_dag1_principper_og_data"


@_register("dag1_kilder", _D1, "Hvor mange forskellige kilder (informanter) har jeres data?",
           "Kolonnen source i ds.measures siger, hvem der har svaret. Tæl de forskellige "
           "værdier, fx med ds.measures[\"source\"].nunique().")
def _dag1_kilder(ctx: _Ctx) -> _Number:
    m = ctx.ds.measures
    sources = list(dict.fromkeys(m["source"].astype(str)))
    labels = ", ".join(ctx.ds.profile.source_labels.get(s, s) for s in sources)
    return _Number(
        correct=len(sources), tolerance=0, decimals=0, unit="kilder",
        wrong=[(len(m), 0, f"Det er antallet af mål ({len(m)}). Flere mål kommer fra den samme "
                           "kilde – tæl de forskellige værdier i kolonnen source."),
               (len(ctx.ds.items), 0, "Det er antallet af spørgsmål (items), ikke af kilder.")],
        explain=f"Kilderne er: {labels}. Hver kilde ser {ctx.w['children']} fra sin egen vinkel; "
                "læs dem sammen (triangulering), før I konkluderer.")


@_register("dag1_seneste_maaling", _D1, "Hvilken måling er den seneste, jeres data har?",
           "Målingerne står i rækkefølge i ds.meta.rounds; jeres egne svar har kolonnen round "
           "i ds.responses.")
def _dag1_seneste(ctx: _Ctx) -> _Choice:
    rounds = [str(r) for r in ctx.ds.meta.rounds]
    last = ctx.rounds[-1]
    fb = {}
    for r in rounds:
        if r == last:
            continue
        if r == rounds[0]:
            fb[r] = (f"{r} er den første måling – udgangspunktet (baseline). Den seneste er den "
                     "sidste i rækken, som jeres data har.")
        elif r not in ctx.rounds:
            fb[r] = f"{ctx.w['inst_def'].capitalize()} har ingen data fra {r}."
        else:
            fb[r] = f"{r} er ikke den seneste måling – se, hvilke målinger der kommer efter."
    return _Choice(correct=last, feedback=fb, aliases={r.lower(): r for r in rounds},
                   explain=f"{last} er den seneste måling med data fra jeres {ctx.w['inst']}. "
                           f"Målingerne i data: {', '.join(rounds)}.")


@_register("dag1_antal", _D1,
           "Hvor mange børn/elever har en score i målet i jeres dagtilbud/skole i den seneste måling?",
           "llkit.summarize(ds, maal, by=\"institution\", round=seneste) giver én række pr. "
           "institution; kolonnen n er antallet med en score.")
def _dag1_antal(ctx: _Ctx) -> _Number:
    row = ctx.inst_row()
    w = ctx.w
    wrong = [(_answer_rows(ctx, ctx.round, ctx.institution), 0,
              f"Det er antallet af svar (rækker i ds.responses), ikke antallet af {w['children']}: "
              f"hvert {w['child']} har svar på flere spørgsmål."),
             (ctx.muni_row()["n"], 0, f"Det er antallet i hele kommunen – spørgsmålet gælder "
                                      f"jeres eget {w['inst']}.")]
    if ctx.first != ctx.round:
        wrong.append((ctx.inst_row(ctx.first)["n"], 0,
                      f"Det er antallet i {ctx.first}, den første måling. Spørgsmålet gælder "
                      f"den seneste, {ctx.round}."))
    return _Number(correct=int(row["n"]), tolerance=0, decimals=0, unit=_unit(row["n"], w["child"], w["children"]), wrong=wrong,
                   explain=f"Så mange {w['children']} bygger jeres tal i {ctx.round} på. Jo færre, "
                           "jo større usikkerhed.")


@_register("dag1_gennemsnit", _D1, "Hvad er jeres gennemsnit i målet i den seneste måling?",
           "Kolonnen mean i llkit.summarize(ds, maal, by=\"institution\", round=seneste) – "
           "find jeres egen række med institution_id == institution.")
def _dag1_gennemsnit(ctx: _Ctx) -> _Number:
    row = ctx.visible(ctx.inst_row())
    wrong = [(ctx.muni_row()["mean"], 0.005,
              "Det er kommunens gennemsnit (alle institutioner). Filtrér på jeres egen række."),
             (row["share_low"], 0.005,
              "Det er andelen med en lav score, ikke gennemsnittet (kolonnen mean).")]
    if ctx.first != ctx.round:
        first = ctx.inst_row(ctx.first)
        if not first["suppressed"]:
            wrong.append((first["mean"], 0.005, f"Det er gennemsnittet i {ctx.first}, den første "
                                                f"måling. Brug round=\"{ctx.round}\"."))
    return _Number(correct=float(row["mean"]), tolerance=0.05, decimals=2, wrong=wrong,
                   explain=f"Intervallet er {tx.fmt_interval(row['ci_low'], row['ci_high'], 2)}: "
                           "det sande gennemsnit ligger med stor sandsynlighed her.")


@_register("dag1_sikker_forskel", _D1,
           "Ligger jeres gennemsnit højere end kommunens, lavere, eller er der ingen sikker forskel?",
           "Sammenlign kommunens gennemsnit med jeres interval (ci_low til ci_high). Ligger "
           "kommunens gennemsnit inden for intervallet, er der ingen sikker forskel.")
def _dag1_sikker(ctx: _Ctx) -> _Choice:
    row = ctx.visible(ctx.inst_row())
    muni = float(ctx.muni_row()["mean"])
    lo, hi, mean = float(row["ci_low"]), float(row["ci_high"]), float(row["mean"])
    ci = tx.fmt_interval(lo, hi, 2)
    m = _num(muni)
    if lo > muni:
        correct = "højere"
    elif hi < muni:
        correct = "lavere"
    else:
        correct = "ingen"
    point = "højere" if mean > muni else "lavere"
    fb = {}
    for opt in ("højere", "lavere"):
        if opt == correct:
            fb[opt] = (f"Hele jeres interval ({ci}) ligger {'over' if opt == 'højere' else 'under'} "
                       f"kommunens gennemsnit ({m}) – forskellen er større end usikkerheden.")
        elif correct == "ingen" and opt == point:
            fb[opt] = (f"Jeres gennemsnit ({_num(mean)}) er {opt} end kommunens ({m}), men "
                       f"kommunens gennemsnit ligger inden for jeres interval ({ci}). Forskellen "
                       "kan være tilfældig.")
        else:
            fb[opt] = (f"Se igen: jeres gennemsnit er {_num(mean)}, kommunens {m}, og jeres "
                       f"interval går fra {ci}.")
    if correct == "ingen":
        fb["ingen"] = (f"Kommunens gennemsnit ({m}) ligger inden for jeres interval ({ci}): "
                       "ingen sikker forskel.")
    else:
        fb["ingen"] = (f"Jeres interval ({ci}) ligger helt {'over' if correct == 'højere' else 'under'} "
                       f"kommunens gennemsnit ({m}) – det er en forskel, der er større end "
                       "usikkerheden.")
    aliases = {"ingen sikker forskel": "ingen", "nej": "ingen", "ingen forskel": "ingen",
               "hoejere": "højere", "højere end kommunen": "højere",
               "lavere end kommunen": "lavere"}
    return _Choice(correct=correct, feedback=fb, aliases=aliases)


@_register("dag1_skjult", _D1,
           "Hvor mange af jeres stuer/klasser har skjulte tal for målet i den seneste måling?",
           "llkit.summarize(ds, maal, by=\"department\", round=seneste) har kolonnen "
           "suppressed; tæl jeres egne stuer/klasser, hvor den er True.")
def _dag1_skjult(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    ds, w = ctx.ds, ctx.w
    t = indicators.summarize(ds, ctx.measure, by="department", round=ctx.round)
    depts = set(ds.org.loc[ds.org["institution_id"].astype(str) == ctx.institution,
                           "department_id"].astype(str))
    t = t[t["department_id"].astype(str).isin(depts)]
    hidden = t[t["suppressed"]]
    few = int((hidden["suppressed_reason"] == "min_n").sum())
    comp = len(hidden) - few
    wrong = []
    if comp:
        wrong.append((few, 0, f"I har talt de {w['depts']} med færre end {tx.fmt_int(ds.meta.min_n)} "
                              f"{w['children']}. Men også {comp} andre er skjult: ellers kunne "
                              f"deres tal regnes ud fra {w['inst_def']}s samlede tal "
                              "(komplementær diskretionering)."))
    if len(hidden):
        wrong.append((0, 0, f"Se efter suppressed == True: nogle af jeres {w['depts']} har tal, "
                            "der ikke vises."))
    wrong.append((len(t), 0, f"Det er antallet af {w['depts']} med svar i alt, ikke dem med "
                             "skjulte tal."))
    if len(hidden):
        why = (f"{few} har færre end {tx.fmt_int(ds.meta.min_n)} {w['children']} med svar"
               + (f", og {comp} er skjult, så tallene ikke kan regnes ud ved at trække fra"
                  if comp else "") + ".")
    else:
        why = (f"Alle jeres {w['depts']} har mindst {tx.fmt_int(ds.meta.min_n)} {w['children']} med svar. "
               f"Små grupper skjules for at beskytte de enkelte {w['children']} og familier.")
    return _Number(correct=len(hidden), tolerance=0, decimals=0, unit=_unit(len(hidden), w["dept"], w["depts"]), wrong=wrong,
                   explain=why)
