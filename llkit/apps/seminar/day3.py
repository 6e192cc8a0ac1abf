"""Day 3: a realistic strategic action plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.seminar.checks import _Choice, _Custom, _Number, _register, _scalar
from llkit.apps.seminar.context import _BadAnswer, _Ctx, _num, _pct, _Skip
from llkit.present import text as tx

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


_D3 = "03_dag3_handleplan"


def _candidates(ctx: _Ctx, round: str | None = None) -> pd.DataFrame:
    from llkit.documents import plans

    r = round or ctx.round
    return ctx.memo(("cand", r), lambda: plans.focus_candidates(ctx.ds, ctx.institution, round=r))


def _first_share_low(ctx: _Ctx) -> pd.Series:
    cand = _candidates(ctx)
    sl = cand[cand["kind"] == "share_low"]
    if sl.empty:
        raise _Skip(f"Data peger ikke på et mål med flere {ctx.w['children']} med en lav score "
                    "end i kommunen – opgaven springes over.")
    return sl.iloc[0]


@_register("dag3_fokus", _D3,
           "Hvilket mål (measure_id) har flest børn/elever med en lav score i forhold til kommunen?",
           "plans.focus_candidates(ds, institution) viser, hvor data peger. Rækkerne med "
           "kind == \"share_low\" er ordnet efter, hvor meget jeres andel overstiger kommunens.")
def _dag3_fokus(ctx: _Ctx) -> _Choice:
    from llkit.stats import indicators

    ds = ctx.ds
    top = _first_share_low(ctx)
    correct = str(top["measure_id"])
    cand = _candidates(ctx)
    fb: dict[str, str] = {}
    for r in cand.itertuples():
        m = None if pd.isna(r.measure_id) else str(r.measure_id)
        if m is None or m == correct or m in fb:
            continue
        if r.kind == "share_low":
            fb[m] = (f"{r.label} er også en kandidat, men forskellen til kommunen er størst for "
                     f"{top['label']}.")
        elif r.kind == "gap":
            fb[m] = (f"{r.label} er det mål, hvor forskellen efter social baggrund er størst – "
                     "også et muligt fokus, men spørgsmålet er andelen med en lav score.")
        elif r.kind == "staff":
            fb[m] = (f"{r.label} er medarbejdernes svar (processen, kulturen) – vigtigt, men "
                     f"spørgsmålet gælder {ctx.w['children_def']}.")
    child = ds.measures[(ds.measures["subject"] == "child")]["measure_id"].astype(str).tolist()
    summ = indicators.summarize(ds, child, by="institution", round=ctx.round)
    summ = summ[(summ["institution_id"].astype(str) == ctx.institution) & ~summ["suppressed"]]
    if len(summ):
        lowest = str(summ.sort_values("mean").iloc[0]["measure_id"])
        if lowest != correct and lowest not in fb:
            fb[lowest] = (f"{ctx.label_of(lowest)} har jeres laveste gennemsnit – men skalaerne er "
                          "forskellige, og et gennemsnit skjuler fordelingen. Se på andelen med "
                          "en lav score sammenlignet med kommunen.")
    aliases = {str(lab): str(mid) for mid, lab in zip(ds.measures["measure_id"], ds.measures["label"],
                                                      strict=False)}
    explain = (f"{top['why']}. Et fokus, hvor data og jeres egen viden om {ctx.w['children_def']} "
               "peger samme vej, er et godt sted at begynde.")
    return _Choice(correct=correct, feedback=fb, aliases=aliases, unit=True, explain=explain)


@_register("dag3_maal", _D3,
           "Sæt et realistisk mål for andelen (0–1) med en lav score i jeres fokusmål ved næste måling.",
           "Udgangspunktet står i kolonnen value i focus_candidates; llkit foreslår et mål i "
           "proposed_target. Målet skal være lavere end udgangspunktet, men realistisk.")
def _dag3_maal(ctx: _Ctx) -> _Custom:
    top = _first_share_low(ctx)
    base = float(top["value"])
    proposed = float(top["proposed_target"])
    lower = min(proposed, base / 2) - 0.005
    n = int(top["n"])
    w = ctx.w
    ci = tx.fmt_interval(top["ci_low"], top["ci_high"], percent=True)

    def ok(x: float) -> bool:
        return lower <= x < base - 1e-9

    def evaluate(answer: Any) -> ex.Feedback:
        x = ex.parse_number(_scalar(answer))
        if x is None:
            return ex.Feedback(False, f"»{answer}« kan ikke læses som et tal. Skriv fx 0,08.",
                               valid=False)
        if x > 1 and ok(x / 100):
            return ex.Feedback(False, "Det ligner procent. Skriv målet som en andel mellem 0 og "
                                      f"1 – fx {_num(x / 100)} for {tx.fmt_number(x, 0)} %.")
        if x < 0 or x > 1:
            return ex.Feedback(False, "En andel ligger mellem 0 og 1.")
        if x >= base - 1e-9:
            return ex.Feedback(False, f"Målet er ikke lavere end udgangspunktet ({_num(base)} = "
                                      f"{_pct(base)}). Målet skal være færre {w['children']} "
                                      "med en lav score.")
        if x == 0:
            return ex.Feedback(False, f"Nul {w['children']} med en lav score er sjældent "
                                      "realistisk til næste måling. Sæt et mål, I kan nå.")
        if not ok(x):
            return ex.Feedback(False, f"Meget ambitiøst: fra {_pct(base)} til {_pct(x)}. "
                                      "En halvering til næste måling er allerede et stort skridt "
                                      "– sæt et mål, der er realistisk.")
        fewer = (base - x) * n
        return ex.Feedback(True, f"Et realistisk mål: fra {_pct(base)} til {_pct(x)}, dvs. ca. "
                                 f"{tx.fmt_number(fewer, 0)} færre {w['children']} af {n} med en "
                                 f"lav score. Husk usikkerheden: udgangspunktets interval er {ci}. "
                                 "Målet tæller først som nået, når hele intervallet ligger under "
                                 "det.")

    correct = proposed if ok(proposed) else round(base * 0.75, 3)
    typical = [(base, "ikke lavere end udgangspunktet"), (min(base + 0.05, 1.0), "ikke lavere"),
               (correct * 100, "procent")]
    if not ok(0.0):
        typical.append((0.0, "sjældent realistisk"))
    if lower - 0.02 > 0:
        typical.append((round(max(lower - 0.02, 0.001), 3), "ambitiøst"))
    return _Custom(correct=correct, evaluate=evaluate, typical_answers=lambda: typical)


def _fill(plan: Any, *, deadline: date) -> Any:
    """A plan whose goals all have a sign and an action (for the checks' own references)."""
    from llkit.documents import plans

    for fa in plan.focus_areas:
        for g in fa.goals:
            g.signs = g.signs or ["Tegn, teamet vil se efter"]
            g.actions = g.actions or [plans.Action(what="Handling", who="Ledelsesteamet",
                                                   deadline=deadline)]
    return plan


_MAX_FOCUS = 3


@_register("dag3_plan", _D3,
           "Lav et udkast med plans.new_plan, vælg højst tre fokusområder, og skriv tegn og "
           "handlinger til hvert mål.",
           "Vælg fokusområder med plan.focus_areas = plan.focus_areas[:2]. Hvert mål (g i "
           "fa.goals) skal have g.signs = [\"…\"] og g.actions = [plans.Action(what=…, who=…, "
           "deadline=…)].")
def _dag3_plan(ctx: _Ctx) -> _Custom:
    from llkit.documents import plans

    ds, w = ctx.ds, ctx.w

    def evaluate(plan: Any) -> ex.Feedback:
        if not isinstance(plan, plans.Plan):
            raise _BadAnswer(f"Svaret skal være en plan (et Plan-objekt fra plans.new_plan), ikke "
                             f"{type(plan).__name__}.")
        if str(plan.institution) != ctx.institution:
            return ex.Feedback(False, f"Planen er for {plan.institution}, ikke for jeres "
                                      f"{w['inst']} ({ctx.institution}).")
        k = len(plan.focus_areas)
        if k == 0:
            return ex.Feedback(False, "Planen har ingen fokusområder. Behold et til tre af "
                                      "udkastets.")
        if k > _MAX_FOCUS:
            return ex.Feedback(False, f"Planen har {k} fokusområder. En realistisk plan har højst "
                                      f"{_MAX_FOCUS}: vælg dem, hvor data og jeres egen viden peger "
                                      "samme vej (fx plan.focus_areas = plan.focus_areas[:2]).")
        for _fa, g in plan.goals:
            if not g.signs:
                return ex.Feedback(False, f"Målet »{g.goal}« mangler tegn: hvad vil I kunne se og "
                                          f"høre {w['children_def']} gøre, når I er på vej?")
            if not g.actions:
                return ex.Feedback(False, f"Målet »{g.goal}« mangler handlinger: hvad gør I, "
                                          "hvem gør det, og hvornår?")
        problems = plans.validate_plan(plan, ds)
        errors = problems[problems["severity"] == "error"]
        if len(errors):
            lines = "; ".join(f"{r.column}: {r.problem}" for r in errors.head(3).itertuples())
            return ex.Feedback(False, f"Planen har {len(errors)} fejl – {lines}.")
        goals = len(plan.goals)
        return ex.Feedback(True, f"Planen er realistisk og gyldig: {k} fokusområde"
                                 f"{'r' if k > 1 else ''} og {goals} mål, alle med tegn og "
                                 "handlinger. Gem den med plans.write_plan(plan, …) i mappen "
                                 "plans/ i jeres data, så rapporten kan følge op på den.")

    soon = date.today() + timedelta(days=90)
    good = _fill(plans.new_plan(ds, ctx.institution), deadline=soon)
    good.focus_areas = good.focus_areas[:2]
    return _Custom(correct=good, evaluate=evaluate,
                   typical_answers=lambda: _typical_plans(ds, ctx.institution, soon))


def _typical_plans(ds: Dataset, institution: str, soon: date) -> list[tuple[Any, str]]:
    """Typical unfinished or wrong plans, with a phrase of their feedback."""
    from llkit.documents import plans

    draft = plans.new_plan(ds, institution)
    typical: list[tuple[Any, str]] = []
    if len(draft.focus_areas) > _MAX_FOCUS:
        typical.append((draft, "højst"))
    bare = plans.new_plan(ds, institution)
    bare.focus_areas = bare.focus_areas[:2]
    typical.append((bare, "mangler tegn"))
    signs_only = plans.new_plan(ds, institution)
    signs_only.focus_areas = signs_only.focus_areas[:2]
    for fa in signs_only.focus_areas:
        for g in fa.goals:
            g.signs = ["Tegn"]
    typical.append((signs_only, "mangler handlinger"))
    others = [i for i in ds.org["institution_id"].astype(str).unique() if i != institution]
    if others:
        other = _fill(plans.new_plan(ds, others[0]), deadline=soon)
        other.focus_areas = other.focus_areas[:2]
        typical.append((other, "ikke for jeres"))
    typical.append((pd.DataFrame({"a": [1, 2]}), "Plan-objekt"))
    return typical


@_register("dag3_status", _D3,
           "Forestil jer, at udkastet var lavet efter den første måling med mål til den seneste. "
           "Hvor mange af målene ville have status »nået«?",
           "Lav udkastet med plans.new_plan(ds, institution, round=første, target_round=seneste), "
           "giv alle mål tegn og handlinger, og tæl status == \"nået\" i "
           "plans.plan_status(plan, ds). Behold alle udkastets fokusområder.")
def _dag3_status(ctx: _Ctx) -> _Number:
    from llkit.documents import plans

    if len(ctx.rounds) < 2:
        raise _Skip("Jeres data har kun én måling; der er intet at følge op på – opgaven "
                    "springes over.")
    first, last = ctx.rounds[0], ctx.rounds[-1]
    plan = _fill(plans.new_plan(ctx.ds, ctx.institution, round=first, target_round=last),
                 deadline=date.today())
    if not plan.focus_areas:
        raise _Skip(f"Data fra {first} peger ikke på noget fokus – opgaven springes over.")
    st = plans.plan_status(plan, ctx.ds)
    status = st["status"].astype(str)
    reached = int((status == "nået").sum())
    hib = st["higher_is_better"].astype(bool)
    point = int((((st["latest_value"] >= st["target"]) & hib)
                 | ((st["latest_value"] <= st["target"]) & ~hib)).sum())
    wrong = [(point, 0, "I har talt de mål, hvor tallet er på den rigtige side af målet. Men et "
                        "mål tæller først som nået, når hele usikkerhedsintervallet er det."),
             (int(status.isin(["nået", "på vej"]).sum()), 0,
              "I har også talt mål, der er »på vej«. Spørgsmålet er kun de nåede."),
             (len(st), 0, "Det er antallet af mål i alt. Tæl dem med status »nået«.")]
    counts = ", ".join(f"{int((status == s).sum())} {s}" for s in plans.STATUSES
                       if (status == s).any())
    return _Number(correct=reached, tolerance=0, decimals=0, unit="mål", wrong=wrong,
                   explain=f"Af {len(st)} mål: {counts}. Et mål kan være »kan ikke vurderes«, "
                           "selv om tallet ser bedre ud: ændringen er måske ikke større end "
                           "usikkerheden.")
