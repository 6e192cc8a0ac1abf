"""*Det vigtigste* of the institution report: the 3–5 key findings in plain Danish, chosen
only among the differences the family rule calls real, and the reflection questions for
the leadership team.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.documents.common import (
    coverage_table,
    gap_table,
    institution_info,
    institution_rounds,
    last_round,
    prepare,
    rows_where,
)
from llkit.documents.family import (
    HEADLINE_KINDS,
    Z95,
    change_sentence,
    department_spread,
    family_verdict,
    gap_groups,
    institution_change,
    institution_position,
    normal_cdf,
    profile_position,
    report_family,
)
from llkit.present import text as tx
from llkit.present.labels import (
    child_measures,
    children_noun,
    departments_definite,
    departments_noun,
    fmt_measure,
    fmt_measure_interval,
    measure_info,
    measure_title,
    measures_of,
    sentence_decimals,
)

if TYPE_CHECKING:  # pragma: no cover

    from llkit.data.dataset import Dataset

__all__ = [
    "key_findings",
    "reflection_questions",
]


# ----------------------------------------------------------------------------- findings


@dataclasses.dataclass
class _Finding:
    theme: int  # order in the list: 0 position, 1 change, 2 gap, 3 coverage, 4 staff
    priority: float
    text: str


def _position_findings(ds: Dataset, inst: dict[str, Any], last: str, fam: pd.DataFrame) -> list[_Finding]:
    pos = institution_position(ds, inst, last)
    if pos is None or pos.empty:
        return [_Finding(0, 30, f"{inst['name']} har ingen svar i {last}, så rapporten kan ikke vise, hvor I står.")]
    info = measure_info(ds)
    persons = pos[pos.index.map(lambda m: info.loc[m, "subject"] == "child").to_numpy(dtype=bool)]
    shown = persons[~persons["suppressed"] & persons["diff"].notna()]
    real = shown[pd.Series([family_verdict(fam, "position", m)[0] for m in shown.index],
                           index=shown.index, dtype=bool)].copy()
    real["absz"] = real["z"].abs()
    out = []
    k = len(shown)
    prof = fam[(fam["kind"] == "profile") & fam["real"].astype(bool)]
    if len(prof):
        pp = profile_position(ds, last).loc[inst["id"]]
        d = float(pp["mean"])
        lo, hi = d - Z95 * float(pp["se"]), d + Z95 * float(pp["se"])
        noun = children_noun(ds)
        out.append(_Finding(0, 150, (
            f"Samlet set, {last}: På tværs af de {int(pp['measures'])} målinger af {noun} ligger "
            f"{inst['name']} {tx.fmt_number(abs(d), 2)} standardafvigelser "
            f"{'over' if d > 0 else 'under'} kommunens gennemsnit (95 %-interval: "
            f"{tx.fmt_interval(lo, hi, 2)}): et {'typisk barn' if noun == 'børn' else 'typisk elev'} hos jer "
            f"ligger {'højere' if d > 0 else 'lavere'} end omkring {tx.fmt_percent(normal_cdf(abs(d)))} "
            f"af kommunens {noun}. Forskellen er større end den statistiske usikkerhed, "
            "også når der tages højde for, hvor mange tal rapporten sammenligner. Se i tabellerne, "
            "hvilke målinger der trækker mest.")))
    for rank, (m, r) in enumerate(real.sort_values("absz", ascending=False).iterrows()):
        s = tx.describe_difference(
            r["diff"], r["diff_ci_low"], r["diff_ci_high"], name=inst["name"],
            reference="kommunens gennemsnit", real=True,
            decimals=sentence_decimals(ds, m, r["diff_ci_low"], r["diff_ci_high"]),
        )
        out.append(_Finding(0, 100 + r["absz"] - 5 * rank, f"{measure_title(ds, m)}, {last}: {s}"))
    if not len(real) and not len(prof) and k:
        out.append(_Finding(0, 60, (
            f"I forhold til kommunen, {last}: På ingen af de {k} målinger adskiller {inst['name']} "
            "sig sikkert fra kommunens gennemsnit, når der tages højde for, hvor mange tal "
            "rapporten sammenligner. Små forskelle i tallene bør derfor ikke i sig selv føre til handling.")))
    n_hidden = int(persons["suppressed"].sum())
    if n_hidden and not k:
        out.append(_Finding(0, 50, (
            f"For få svar, {last}: Alle målinger bygger på færre end {ds.meta.min_n} personer og "
            "vises derfor ikke som tal.")))
    return out


def _change_findings(ds: Dataset, inst: dict[str, Any], fam: pd.DataFrame) -> list[_Finding]:
    rounds = institution_rounds(ds, inst)
    if len(ds.meta.rounds) < 2 or len(rounds) < 2:
        r = rounds[-1] if rounds else ds.meta.rounds[-1]
        return [_Finding(1, 10, f"Udvikling: Der er kun én måling ({r}), så rapporten kan endnu ikke vise udvikling over tid.")]
    ch = institution_change(ds, inst)
    if ch is None or ch.empty:
        return []
    info = measure_info(ds)
    ch = rows_where(ch, lambda m: info.loc[m, "subject"] == "child")
    shown = ch[~ch["suppressed"].astype(bool) & ch["diff"].notna()]
    sig = rows_where(shown, lambda m: family_verdict(fam, "change", m)[0]).copy()
    a, b = (str(shown["from_round"].iloc[0]), str(shown["to_round"].iloc[0])) if len(shown) else ("", "")
    out = []
    sig["abs_es"] = sig["effect_size"].abs()
    k = len(shown)
    for rank, (m, r) in enumerate(sig.sort_values("abs_es", ascending=False).iterrows()):
        s = change_sentence(ds, m, r, inst["name"], real=True)
        out.append(_Finding(1, 90 + min(float(r["abs_es"]), 2) - 5 * rank, f"{measure_title(ds, m)}: {s}"))
    if not len(sig) and k:
        out.append(_Finding(1, 58, (
            f"Udvikling fra {a} til {b}: Ingen af de {k} målinger har sikkert ændret sig, når der "
            "tages højde for, hvor mange tal rapporten sammenligner. Det betyder ikke, at intet er "
            "sket – men tallene kan ikke skelne en eventuel ændring fra tilfældig variation.")))
    return out


def _gap_findings(ds: Dataset, inst: dict[str, Any], last: str, fam: pd.DataFrame) -> list[_Finding]:
    g = gap_table(ds, "institution")
    if g is None:
        return []
    g = g[g["institution_id"].astype(str) == inst["id"]]
    groups, *_ = gap_groups(ds)
    rounds = [r for r in ds.meta.rounds if r in institution_rounds(ds, inst)]
    now = g[(g["round"].astype(str) == last) & ~g["suppressed"].astype(bool)]
    if now.empty:
        return [_Finding(2, 5, (
            f"Social baggrund: Der er for få {children_noun(ds)} i en af grupperne til at vise "
            f"forskellen mellem {groups}."))]
    out = []
    if len(rounds) >= 2:
        prev = rounds[rounds.index(last) - 1] if last in rounds and rounds.index(last) > 0 else None
        if prev is not None:
            trends = []
            for _, r in now.iterrows():
                m = str(r["measure_id"])
                p = g[(g["measure_id"].astype(str) == m) & (g["round"].astype(str) == prev)]
                if p.empty or bool(p["suppressed"].iloc[0]) or pd.isna(r["change_from_previous"]):
                    continue
                real = family_verdict(fam, "gap_change", m)[0]
                t = tx.gap_trend(p["gap"].iloc[0], r["gap"], r["change_ci_low"], r["change_ci_high"], real=real)
                trends.append((t, abs(float(r["change_from_previous"])), m, float(p["gap"].iloc[0]), r))
            moving = [t for t in trends if t[0] != "unclear"]
            if moving:
                t, _, m, before, r = max(moving, key=lambda x: x[1])
                s = tx.describe_gap_change(before, r["gap"], r["change_ci_low"], r["change_ci_high"],
                                           groups=groups, from_round=prev, to_round=last, real=True,
                                           decimals=int(measure_info(ds).loc[m, "decimals"]))
                return [_Finding(2, 80 if t == "narrows" else 85, f"Social baggrund – {measure_title(ds, m)}: {s}")]
    real_gaps = rows_where(now, lambda m: family_verdict(fam, "gap", str(m))[0], "measure_id")
    if len(real_gaps):
        r = real_gaps.loc[real_gaps["gap"].abs().idxmax()]
        m = str(r["measure_id"])
        noun = children_noun(ds).capitalize()
        s = (f"{noun} af forældre med længere uddannelse ligger {fmt_measure(ds, m, abs(r['gap']))} point "
             f"{'højere' if r['gap'] > 0 else 'lavere'} end {noun.lower()} af forældre med kortere "
             f"uddannelse (95 %-interval for forskellen: {fmt_measure_interval(ds, m, r['ci_low'], r['ci_high'])}). "
             "Forskellen er større end den statistiske usikkerhed, også når der tages højde for, hvor "
             "mange tal rapporten sammenligner.")
        if len(real_gaps) > 1:
            s += f" Forskellen er sikker på {len(real_gaps)} af de {len(now)} målinger; her er den største."
        if len(rounds) >= 2:
            s += " Den har ikke sikkert ændret sig siden sidste måling."
        out.append(_Finding(2, 55, f"Social baggrund – {measure_title(ds, m)}, {last}: {s}"))
    else:
        out.append(_Finding(2, 35, (
            f"Social baggrund: I {last} er forskellen mellem {groups} ikke sikker på nogen af de "
            f"{len(now)} målinger, når der tages højde for, hvor mange tal rapporten sammenligner.")))
    return out


def _coverage_findings(ds: Dataset, inst: dict[str, Any], last: str) -> list[_Finding]:
    cov = coverage_table(ds, "institution")
    if cov.empty:
        return []
    c = cov[cov["institution_id"].astype(str) == inst["id"]]
    c = c.set_index(c["round"].astype(str))
    if last not in c.index:
        return []
    r = c.loc[last]
    teams = departments_noun(ds)
    s = f"I {last} har {tx.fmt_int(r['teams_documenting'])} af {tx.fmt_int(r['teams'])} {teams} dokumenteret tegn på læring"
    rounds = [x for x in ds.meta.rounds if x in c.index]
    if len(rounds) >= 2:
        p = c.loc[rounds[-2]]
        s += f" (i {rounds[-2]}: {tx.fmt_int(p['teams_documenting'])} af {tx.fmt_int(p['teams'])})"
    full = int(r["teams_documenting"]) == int(r["teams"])
    s += ". Det er alle, som er målet." if full else ". Målet er, at alle gør det."
    return [_Finding(3, 40 if full else 70, f"Tegn på læring: {s}")]


def _staff_findings(ds: Dataset, inst: dict[str, Any], last: str, fam: pd.DataFrame) -> list[_Finding]:
    """One finding about the staff survey: the most notable real result, or that nothing stands out."""
    staff = measures_of(ds, "respondent")
    pos = institution_position(ds, inst, last)
    if not staff or pos is None or pos.empty:
        return []
    p = pos[pos.index.isin(staff)]
    if p.empty:
        return []
    info = measure_info(ds)
    labels = ", ".join(info.loc[m, "label"].lower() for m in p.index)
    if p["suppressed"].all():
        noun = info.loc[p.index[0], "noun"]
        return [_Finding(4, 20, (
            f"Medarbejderkultur: Færre end {ds.meta.min_n} {noun} har svaret på spørgsmålene om "
            f"{labels} i {last} – tallene vises ikke."))]
    ch = institution_change(ds, inst)
    best: tuple[float, str, list[str]] | None = None
    for m, r in p[~p["suppressed"]].iterrows():
        texts, score = [], 0.0
        if family_verdict(fam, "staff", m)[0] and pd.notna(r["diff"]):
            texts.append(tx.describe_difference(
                r["diff"], r["diff_ci_low"], r["diff_ci_high"], name=inst["name"],
                reference="kommunens gennemsnit", real=True,
                decimals=sentence_decimals(ds, m, r["diff_ci_low"], r["diff_ci_high"])))
            score += abs(float(r["z"]))
        if ch is not None and m in ch.index:
            c = ch.loc[m]
            if not bool(c["suppressed"]) and family_verdict(fam, "staff_change", m)[0]:
                texts.append(change_sentence(ds, m, c, inst["name"], real=True))
                score += 2 * abs(float(c["effect_size"]))
        if texts and (best is None or score > best[0]):
            best = (score, m, texts)
    if best is not None:
        _, m, texts = best
        return [_Finding(4, 75 + min(best[0], 10), f"Medarbejderkultur – {measure_title(ds, m)}, {last}: {' '.join(texts)}")]
    return [_Finding(4, 45, (
        f"Medarbejderkultur: Medarbejdernes svar om {labels} adskiller sig i {last} ikke sikkert "
        "fra kommunens gennemsnit og har ikke sikkert ændret sig."))]


def _no_real_finding(ds: Dataset, inst: dict[str, Any], fam: pd.DataFrame) -> _Finding:
    """The first finding of a report whose family has no real difference: what can be learned."""
    n = int(fam["p_value"].notna().sum())
    teams = departments_noun(ds)
    return _Finding(0, 200, (
        f"Ingen sikre forskelle: Rapporten har sammenlignet {n} tal for {inst['name']}, og ingen "
        "forskel er større, end tilfældigheder kan give, når man ser på dem alle. Det er et "
        "almindeligt resultat – forskelle mellem enheder er små, og usikkerheden er stor. Brug "
        f"derfor tallene til at se jeres niveau og spredningen mellem {children_noun(ds)}, hvilke "
        f"{children_noun(ds)} der har lave scorer, og om alle {teams} dokumenterer tegn på læring – "
        "ikke til at udpege en enkelt måling som jeres svaghed eller styrke."))


def key_findings(
    ds: Dataset,
    institution: str,
    *,
    rounds: str | Sequence[str] | None = None,
    max_findings: int = 5,
    alpha: float | None = None,
) -> list[str]:
    """The 3–5 most important findings for an institution's leadership team, in plain Danish.

    Each finding starts with its topic ("Kommunikation og sprog (Pædagogvurdering, skala
    1–5), T3: …") and says how certain it is. Chosen, in this order of importance:

    - measures where the institution differs from the municipality's mean by more than the
      statistical uncertainty (95 % interval of the funnel standard error), largest first;
      if none does, that is the finding;
    - changes since the previous round that are more than noise — for the same or other
      children, with the regression-to-the-mean that an extreme baseline predicts; if none
      is, that is said;
    - the equity gap between children of parents with shorter and longer education, and
      whether it narrowed or widened beyond the uncertainty;
    - the share of teams documenting signs of learning (goal: all);
    - the staff culture survey.

    With many measures, a lone difference is marked as one that chance alone could give.
    Suppressed numbers are never mentioned.

    Parameters
    ----------
    ds : Dataset
    institution : str
        Institution id (or name).
    rounds : str or list of str, optional
        Restrict to these rounds (see :func:`prepare`).
    max_findings : int, default 5
    alpha : float, optional
        Family-wise error rate of the report's family (:func:`report_family`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> any("kommunens gennemsnit" in f for f in key_findings(ds, "I01"))
    True
    """
    if rounds is not None:
        ds = prepare(ds, rounds=rounds)
    inst = institution_info(ds, institution)
    last = last_round(ds, inst)
    fam = report_family(ds, inst, last, alpha=alpha)
    cands = (_position_findings(ds, inst, last, fam) + _change_findings(ds, inst, fam)
             + _gap_findings(ds, inst, last, fam) + _coverage_findings(ds, inst, last)
             + _staff_findings(ds, inst, last, fam))
    per_theme_max = {0: 2, 1: 1, 2: 1, 3: 1, 4: 1}
    if not fam.loc[fam["kind"].isin(HEADLINE_KINDS), "real"].any():
        cands.append(_no_real_finding(ds, inst, fam))
        per_theme_max[0] = 1
    chosen: list[_Finding] = []
    for f in sorted(cands, key=lambda f: -f.priority):
        if sum(c.theme == f.theme for c in chosen) < per_theme_max.get(f.theme, 1):
            chosen.append(f)
        if len(chosen) >= max_findings:
            break
    chosen.sort(key=lambda f: (f.theme, -f.priority))
    return [f.text for f in chosen]


def reflection_questions(ds: Dataset, institution: str) -> list[str]:
    """Questions for the team's professional learning community, built from its data.

    Parameters
    ----------
    ds : Dataset
    institution : str

    Returns
    -------
    list of str
        5–7 questions in Danish.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> qs = reflection_questions(ds, "I01")
    >>> 5 <= len(qs) <= 7 and all(q.endswith("?") for q in qs)
    True
    """
    inst = institution_info(ds, institution)
    last = last_round(ds, inst)
    info = measure_info(ds)
    depts = departments_definite(ds)
    noun = children_noun(ds)
    qs: list[str] = ["Hvilke resultater bekræfter det, I allerede ved om jeres praksis – og hvilke overrasker jer?"]
    pos = institution_position(ds, inst, last)
    child = [m for m in child_measures(ds) if pos is not None and m in pos.index]
    if child:
        p = pos.loc[child]
        p = p[~p["suppressed"] & p["z"].notna()]
        over = p[p["real"].astype(bool) & (p["diff"] > 0)]
        under = p[p["real"].astype(bool) & (p["diff"] < 0)]
        if len(over):
            m = over["z"].idxmax()
            qs.append(f"{info.loc[m, 'label']} ligger over kommunens gennemsnit. Hvad gør I, som I vil holde fast i – og hvordan kan det deles mellem {depts}?")
        if len(under):
            m = under["z"].idxmin()
            qs.append(f"{info.loc[m, 'label']} ligger under kommunens gennemsnit. Hvad kan forklare det, og hvilke tegn på læring vil I se efter i den kommende periode?")
    spread = department_spread(ds, inst, last)
    if spread is not None:
        qs.append(f"{depts.capitalize()} ligger forskelligt i {info.loc[spread, 'label'].lower()}. Hvad kan {depts} lære af hinanden – og hvordan ser læringsmiljøet ud hos hver af dem?")
    if gap_table(ds, "institution") is not None:
        _, low_phrase, *_ = gap_groups(ds)
        qs.append(f"Hvordan tilrettelægger I hverdagen, så {low_phrase} får lige så meget ud af læringsmiljøet som andre {noun}?")
    if len(institution_rounds(ds, inst)) >= 2:
        prev = institution_rounds(ds, inst)[-2]
        qs.append(f"Hvilke indsatser har I sat i gang siden {prev}? Kan I genkende dem i tallene – eller er det for tidligt at se en virkning?")
    cov = coverage_table(ds, "institution")
    if not cov.empty:
        c = cov[(cov["institution_id"].astype(str) == inst["id"]) & (cov["round"].astype(str) == last)]
        if len(c) and int(c["teams_documenting"].iloc[0]) < int(c["teams"].iloc[0]):
            qs.append(f"Hvad skal der til, for at alle {depts} dokumenterer tegn på læring – og hvordan kan ledelsen støtte dem i det?")
    qs.append("Hvilke forskelle i rapporten er så små, at I ikke bør handle på dem alene – og hvad vil I undersøge nærmere, før I beslutter noget?")
    if len(qs) < 7 and measures_of(ds, "respondent"):
        qs.append("Hvordan bruger I jeres faglige fællesskaber til at drøfte data – og hvem mangler at blive inddraget?")
    if len(qs) < 5:
        qs.append("Hvad vil I gøre anderledes frem mod næste måling, og hvordan vil I følge op på det?")
    return qs[:7]
