"""The institution report (``notebooks/institution_report.ipynb``): its title and the
``*_section`` functions, one per part of the report, each a :class:`~llkit.present.html.Block`.

Examples
--------
>>> from llkit.documents import common, institution_findings
>>> ds = common.prepare("data/sample/dagtilbud")
>>> items = institution_findings.key_findings(ds, "I01")
>>> 3 <= len(items) <= 5
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.documents.common import (
    coverage_table,
    gap_table,
    heading,
    institution_info,
    institution_rounds,
    last_round,
    plots_module,
    reliability_table,
    rows_where,
    summary_table,
    synthetic_note,
    variance_table,
)
from llkit.documents.family import (
    department_spread,
    family_verdict,
    gap_groups,
    institution_change,
    institution_position,
    position_verdict,
    report_family,
)
from llkit.present import text as tx
from llkit.present.html import (
    Block,
    empty_block,
    esc,
    figures_html,
    heading_html,
    note_html,
    para,
    styled_table,
)
from llkit.present.labels import (
    INSTITUTION_DEFINITE,
    child_measures,
    children_noun,
    departments_definite,
    departments_noun,
    fmt_measure,
    fmt_measure_interval,
    format_estimate,
    institution_noun,
    institutions_noun,
    measure_cells,
    measure_info,
    measures_of,
    profile_label,
    round_label,
    source_label,
    sources_of,
    suppression_note_html,
    suppression_text,
)
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover

    from llkit.data.dataset import Dataset

__all__ = [
    "title_block",
    "basis_section",
    "status_section",
    "distribution_section",
    "change_section",
    "department_section",
    "gap_section",
    "culture_section",
    "coverage_section",
    "funnel_section",
    "reliability_section",
    "child_section",
]


def title_block(ds: Dataset, institution: str) -> Block:
    """The report's title: the institution, its cluster and area, the rounds.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> "<h1>" in title_block(ds, "I01").html
    True
    """
    inst = institution_info(ds, institution)
    where = " · ".join(str(x) for x in [inst["cluster"], inst["area"], ds.meta.name] if x)
    rounds = ", ".join(round_label(ds, r) for r in ds.meta.rounds)
    kind = {"Dagtilbud": "Dagtilbudsrapport", "Skole": "Skolerapport"}.get(institution_noun(ds), "Rapport")
    return Block(
        f'<header class="llkit-title"><p class="llkit-kicker">{esc(kind)} til ledelsesteamet</p>'
        f"{heading_html(1, inst['name'])}"
        f"<p>{esc(where)}</p><p>{esc(profile_label(ds, 'rounds', 'Målinger'))}: {esc(rounds)}</p>"
        f"{synthetic_note(ds)}</header>"
    )


def basis_section(ds: Dataset, institution: str) -> Block:
    """Who answered: per source and round, how many children, staff or teams have scores.

    Counts below the suppression threshold are shown as "færre end N".
    """
    inst = institution_info(ds, institution)
    sc = indicators.scores(ds)
    sc = sc[sc["department_id"].astype(str).isin(inst["departments"]) & sc["score"].notna()]
    if sc.empty:
        return empty_block(f"{inst['name']} har ingen svar i data.")
    info = measure_info(ds)
    src = sc["measure_id"].astype(str).map(info["source"])
    rows = []
    for source, ms in sources_of(ds, list(info.index)):
        part = sc[src == source]
        row = {"Kilde": source_label(ds, source), "Målinger": tx.fmt_int(len(ms))}
        subj = info.loc[ms[0], "subject"]
        noun = info.loc[ms[0], "noun"]
        for r in ds.meta.rounds:
            ids = part.loc[part["round"].astype(str) == r, "subject_id"].nunique()
            if ids == 0:
                row[r] = tx.MISSING
            elif ids < ds.meta.min_n and subj != "department":
                row[r] = f"færre end {ds.meta.min_n} {noun}"
            else:
                row[r] = f"{tx.fmt_int(ids)} {noun}"
        rows.append(row)
    return Block(styled_table(pd.DataFrame(rows), caption="Antal med svar pr. kilde og måling"))


def status_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """Where we stand: per source of child measures, a profile figure and a table of the
    institution's means with their intervals beside the cluster, municipality and national
    figures.
    """
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    pos = institution_position(ds, inst, round)
    child = [m for m in child_measures(ds) if pos is not None and m in pos.index]
    if not child:
        return empty_block(f"Der er ingen målinger af {children_noun(ds)} for {inst['name']} i {round}.")
    plots = plots_module()
    parts = [figures_html([(lambda: plots.profile(ds, institution=inst["id"], round=round, measures=child), None)])]
    has_nat = pos["national"].notna().any()
    for source, ms in sources_of(ds, child):
        parts.append(heading_html(3, source_label(ds, source)))
        rows = []
        for m in ms:
            r = pos.loc[m]
            row = {"Måling": measure_info(ds).loc[m, "label"]}
            if r["suppressed"]:
                row.update({"Antal": suppression_text(ds, m, r["reason"]), "Gennemsnit": "", "95 %-interval": ""})
            else:
                row.update({"Antal": tx.fmt_int(r["n"]), "Gennemsnit": fmt_measure(ds, m, r["mean"]),
                            "95 %-interval": fmt_measure_interval(ds, m, r["ci_low"], r["ci_high"])})
            if inst["cluster"] is not None:
                row["Klyngen"] = (suppression_text(ds, m, r["cluster_reason"]) if r["cluster_suppressed"]
                                  else fmt_measure(ds, m, r["cluster"]))
            row["Kommunen"] = fmt_measure(ds, m, r["municipality"])
            if has_nat:
                row["Landsplan"] = fmt_measure(ds, m, r["national"])
            row["Forskel til kommunen"] = (tx.MISSING if r["suppressed"] or pd.isna(r["diff"])
                                           else fmt_measure(ds, m, r["diff"], sign=True))
            row["Vurdering"] = tx.MISSING if r["suppressed"] else position_verdict(r)
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Måling {round}"))
    parts.append(note_html(
        "»Ingen sikker forskel« betyder, at forskellen til kommunen ikke er større end den "
        "statistiske usikkerhed, når der tages højde for, hvor mange tal rapporten sammenligner "
        "(højst 1 af 10 markerede forskelle ventes at være tilfældige). Skalaen står ved hver "
        "måling i figuren; højere er bedre, medmindre "
        "andet er angivet."))
    return Block("".join(parts))


def distribution_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """How the children are distributed: shares with low, middle and high scores, and per
    department for the measure of each source with the largest low share."""
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    pos = institution_position(ds, inst, round)
    child = [m for m in child_measures(ds) if pos is not None and m in pos.index]
    info = measure_info(ds)
    with_cuts = [m for m in child if pd.notna(info.loc[m, "low_cut"]) or pd.notna(info.loc[m, "high_cut"])]
    if not with_cuts:
        return empty_block("Målingerne har ingen grænser for lav og høj, så fordelingen kan ikke vises.")
    plots = plots_module()
    parts = []
    for source, ms in sources_of(ds, with_cuts):
        parts.append(heading_html(3, source_label(ds, source)))
        rows = []
        for m in ms:
            r = pos.loc[m]
            row = {"Måling": info.loc[m, "label"]}
            if r["suppressed"]:
                row.update({"Lav": suppression_text(ds, m, r["reason"]), "Middel": "", "Høj": ""})
            else:
                row.update({"Lav": tx.fmt_percent(r["share_low"]), "Middel": tx.fmt_percent(r["share_middle"]),
                            "Høj": tx.fmt_percent(r["share_high"])})
            row["Lav i kommunen"] = tx.fmt_percent(r["municipality_share_low"])
            row["Høj i kommunen"] = tx.fmt_percent(r["municipality_share_high"])
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Andel {children_noun(ds)} med lav, middel og høj score, {round}"))
    shown = pos.loc[with_cuts]
    shown = shown[~shown["suppressed"] & shown["share_low"].notna()]
    if len(shown):
        m = shown["share_low"].idxmax()
        parts.append(figures_html([(lambda: plots.distribution(ds, institution=inst["id"], measure=m, round=round),
                                f"{info.loc[m, 'label']} ({info.loc[m, 'source_label'].lower()}): den måling, "
                                f"hvor flest {children_noun(ds)} har en lav score – fordelt på {departments_definite(ds)}.")]))
    parts.append(note_html("Grænserne for lav og høj er fastsat for hver måling (se målingernes beskrivelse)."))
    return Block("".join(parts))


def change_section(ds: Dataset, institution: str) -> Block:
    """What changed since the previous round, and whether it is more than noise."""
    inst = institution_info(ds, institution)
    rounds = institution_rounds(ds, inst)
    if len(ds.meta.rounds) < 2 or len(rounds) < 2:
        return empty_block("Der er kun én måling, så der kan ikke vises udvikling endnu.")
    ch = institution_change(ds, inst)
    if ch is None or ch.empty:
        return empty_block("Der er ikke data nok til at vise udvikling.")
    info = measure_info(ds)
    fam = report_family(ds, inst)
    plots = plots_module()
    measures = [m for m in info.index if m in ch.index and info.loc[m, "subject"] != "department"]
    a, b = str(ch["from_round"].iloc[0]), str(ch["to_round"].iloc[0])
    parts = []
    for source, ms in sources_of(ds, measures):
        parts.append(heading_html(3, source_label(ds, source)))
        rows = []
        for m in ms:
            r = ch.loc[m]
            row = {"Måling": info.loc[m, "label"]}
            if bool(r["suppressed"]):
                row.update({a: suppression_text(ds, m), b: "", "Ændring": "", "95 %-interval": "",
                            "Samme personer?": "", "Vurdering": "", "Forventet pga. regression mod gennemsnittet": ""})
            else:
                paired = bool(r["paired"])
                beyond = family_verdict(fam, "change" if info.loc[m, "subject"] == "child" else "staff_change", m)[1]
                good = (r["diff"] > 0) == bool(info.loc[m, "hib"])
                row.update({
                    a: fmt_measure(ds, m, r["mean_from"]), b: fmt_measure(ds, m, r["mean_to"]),
                    "Ændring": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[0],
                    "95 %-interval": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[1],
                    "Samme personer?": (f"Ja, {tx.fmt_int(r['n_paired'])} {info.loc[m, 'noun']}" if paired
                                        else "Nej, forskellige"),
                    "Vurdering": (("Fremgang" if good else "Tilbagegang") + " – mere end usikkerheden") if beyond
                    else "Inden for usikkerheden",
                    "Forventet pga. regression mod gennemsnittet": fmt_measure(ds, m, r["expected_rtm"], sign=True),
                })
            rows.append(row)
        table = pd.DataFrame(rows)
        rtm_col = "Forventet pga. regression mod gennemsnittet"
        if rtm_col in table and not table[rtm_col].map(lambda v: v not in ("", tx.MISSING) and v.strip("+−0,") != "").any():
            table = table.drop(columns=rtm_col)
        parts.append(styled_table(table, caption=f"Fra {a} til {b}"))
    shown = ch.loc[[m for m in measures if info.loc[m, "subject"] == "child"]]
    shown = shown[~shown["suppressed"].astype(bool) & shown["effect_size"].notna()]
    if len(shown):
        m = shown["effect_size"].abs().idxmax()
        parts.insert(0, figures_html([(lambda: plots.development(ds, measure=m, institution=inst["id"]),
                                   f"{info.loc[m, 'label']} ({info.loc[m, 'source_label'].lower()}): den måling, "
                                   f"der har ændret sig mest fra {a} til {b}.")]))
    parts.append(note_html(
        "Når det er de samme personer i begge målinger, er gennemsnittene for netop dem. Når det "
        "er forskellige personer, kan en ændring også skyldes, at gruppen har ændret sig. "
        "Hvor der er en kolonne for regression mod gennemsnittet, viser den den ændring, man alene "
        "ville forvente, fordi et resultat, der lå langt fra gennemsnittet, ofte ligger tættere på "
        "næste gang."))
    return Block("".join(parts))


def department_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """How the departments differ: a heatmap and a table per source; suppressed cells say
    "færre end N … – vises ikke"."""
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    sd = summary_table(ds, "department")
    sd = sd[sd["department_id"].astype(str).isin(inst["departments"]) & (sd["round"].astype(str) == round)]
    info = measure_info(ds)
    measures = [m for m in info.index if info.loc[m, "subject"] == "child" and m in set(sd["measure_id"].astype(str))]
    if sd.empty or not measures:
        return empty_block(f"Der er ingen målinger af {children_noun(ds)} pr. {profile_label(ds, 'department', 'afdeling').lower()} i {round}.")
    plots = plots_module()
    parts = [figures_html([(lambda: plots.heatmap(ds, institution=inst["id"], round=round), None)])]
    dept_col = profile_label(ds, "department", "Afdeling")
    for source, ms in sources_of(ds, measures):
        parts.append(heading_html(3, source_label(ds, source)))
        rows = []
        sub = sd[sd["measure_id"].astype(str).isin(ms)]
        for _dept, g in sub.groupby(sub["department_id"].astype(str), sort=False):
            rows.append({dept_col: str(g["department_name"].iloc[0]),
                         **measure_cells(ds, g, ms, info, "n")})
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Gennemsnit (antal {children_noun(ds)}), {round}"))
    parts.append(suppression_note_html(ds))
    spread = department_spread(ds, inst, round)
    if spread is not None:
        parts.append(para(f"Forskellen mellem {departments_definite(ds)} er størst i {info.loc[spread, 'label'].lower()}, "
                        "og den er større end den statistiske usikkerhed, også når der tages højde for, "
                        "hvor mange tal rapporten sammenligner."))
    else:
        parts.append(para(f"Forskellene mellem {departments_definite(ds)} er ikke sikre: de er ikke større end den "
                        "statistiske usikkerhed, når der tages højde for, hvor mange tal rapporten sammenligner."))
    return Block("".join(parts))


def gap_section(ds: Dataset, institution: str) -> Block:
    """The equity gap: children of parents with shorter vs longer education, per round."""
    inst = institution_info(ds, institution)
    g = gap_table(ds, "institution")
    groups, _, low, high, attr = gap_groups(ds)
    if g is None:
        return empty_block("Data har ingen oplysninger om baggrund, der kan vise forskelle mellem grupper af "
                      f"{children_noun(ds)}.")
    g = g[g["institution_id"].astype(str) == inst["id"]]
    gm = gap_table(ds, None)
    info = measure_info(ds)
    fam = report_family(ds, inst)
    rounds = [r for r in ds.meta.rounds if r in set(g["round"].astype(str))]
    if g.empty or not rounds:
        return empty_block(f"Der er ingen målinger, der kan vise forskellen mellem {groups}.")
    plots = plots_module()
    parts = [para(f"Forskellen er gennemsnittet for {children_noun(ds)} af forældre med "
                f"{' eller '.join(x.lower() for x in high)} uddannelse minus gennemsnittet for "
                f"{children_noun(ds)} af forældre med {', '.join(x.lower() for x in low)} uddannelse. "
                "Et positivt tal betyder, at den første gruppe ligger højest.")]
    last = rounds[-1]
    for source, ms in sources_of(ds, [m for m in info.index if m in set(g["measure_id"].astype(str))]):
        parts.append(heading_html(3, source_label(ds, source)))
        rows = []
        for m in ms:
            row = {"Måling": info.loc[m, "label"]}
            gm_ = g[g["measure_id"].astype(str) == m].set_index(g["round"].astype(str)[g["measure_id"].astype(str) == m])
            for r in rounds:
                if r not in gm_.index:
                    row[r] = tx.MISSING
                elif bool(gm_.loc[r, "suppressed"]):
                    row[r] = f"færre end {ds.meta.min_n} {children_noun(ds)} i en af grupperne"
                else:
                    row[r] = "{} ({})".format(*format_estimate(ds, m, gm_.loc[r, "gap"], gm_.loc[r, "ci_low"], gm_.loc[r, "ci_high"]))
            if len(rounds) >= 2 and last in gm_.index and rounds[-2] in gm_.index:
                cur, prev = gm_.loc[last], gm_.loc[rounds[-2]]
                t = ("unclear" if cur["suppressed"] or prev["suppressed"] else
                     tx.gap_trend(prev["gap"], cur["gap"], cur["change_ci_low"], cur["change_ci_high"],
                                  real=family_verdict(fam, "gap_change", m)[1]))
                row[f"Udvikling {rounds[-2]}–{last}"] = {"narrows": "Mindre – mere end usikkerheden",
                                                        "widens": "Større – mere end usikkerheden"}.get(t, "Ingen sikker ændring")
            if gm is not None:
                k = gm[(gm["measure_id"].astype(str) == m) & (gm["round"].astype(str) == last)]
                row[f"Kommunen {last}"] = (fmt_measure(ds, m, k["gap"].iloc[0], sign=True)
                                           if len(k) and not bool(k["suppressed"].iloc[0]) else tx.MISSING)
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Forskel mellem {groups} (95 %-interval)"))
    now = g[(g["round"].astype(str) == last) & ~g["suppressed"].astype(bool)]
    if len(now):
        m = str(now.loc[now["gap"].abs().idxmax(), "measure_id"])
        parts.insert(1, figures_html([(lambda: plots.gap(ds, measure=m, institution=inst["id"]),
                                   f"{info.loc[m, 'label']} ({info.loc[m, 'source_label'].lower()}): den måling "
                                   f"med den største forskel i {last}.")]))
    parts.append(note_html("Målet er, at forskellen bliver mindre fra måling til måling. Med få "
                       f"{children_noun(ds)} i hver gruppe er usikkerheden stor."))
    return Block("".join(parts))


def culture_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """Staff culture (staff survey) and learning environment (observations of departments)."""
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    measures = measures_of(ds, ["respondent", "department"])
    pos = institution_position(ds, inst, round)
    measures = [m for m in measures if pos is not None and m in pos.index]
    if not measures:
        return empty_block("Der er ingen målinger af medarbejderkultur eller læringsmiljø i data.")
    plots = plots_module()
    info = measure_info(ds)
    ch = institution_change(ds, inst)
    parts = [figures_html([(lambda: plots.culture(ds, institution=inst["id"], round=round), None)])]
    rows = []
    for m in measures:
        r = pos.loc[m]
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"]}
        if r["suppressed"]:
            row.update({"Antal": suppression_text(ds, m, r["reason"]), "Gennemsnit": "", "95 %-interval": ""})
        else:
            row.update({"Antal": f"{tx.fmt_int(r['n'])} {info.loc[m, 'noun']}", "Gennemsnit": fmt_measure(ds, m, r["mean"]),
                        "95 %-interval": fmt_measure_interval(ds, m, r["ci_low"], r["ci_high"])})
        row["Kommunen"] = fmt_measure(ds, m, r["municipality"])
        row["Vurdering"] = tx.MISSING if r["suppressed"] else position_verdict(r)
        if ch is not None and m in ch.index:
            c = ch.loc[m]
            row[f"Ændring {c['from_round']}–{c['to_round']}"] = (
                tx.MISSING if bool(c["suppressed"]) else
                fmt_measure(ds, m, c["diff"], sign=True) + (" (mere end usikkerheden)" if family_verdict(
                    report_family(ds, inst), "staff_change", m)[1] else ""))
        rows.append(row)
    parts.append(styled_table(pd.DataFrame(rows), caption=f"Medarbejderkultur og læringsmiljø, {round}"))
    parts.append(note_html(
        f"Observationer af læringsmiljøet vurderer {departments_noun(ds)}, ikke personer, og vises derfor "
        "også for små enheder. Medarbejdernes svar vises kun, når mindst "
        f"{ds.meta.min_n} har svaret."))
    return Block("".join(parts))


def coverage_section(ds: Dataset, institution: str) -> Block:
    """Documentation of signs of learning: how many teams documented them, per round."""
    inst = institution_info(ds, institution)
    cov = coverage_table(ds, "institution")
    if cov.empty:
        return empty_block("Data har ingen oplysninger om læringsmål og tegn på læring.")
    c = cov[cov["institution_id"].astype(str) == inst["id"]]
    if c.empty:
        return empty_block(f"{inst['name']} har ingen registrerede læringsmål.")
    total = coverage_table(ds, None)
    total = total.set_index(total["round"].astype(str))
    plots = plots_module()
    teams = departments_noun(ds)
    rows = []
    for _, r in c.iterrows():
        rr = str(r["round"])
        rows.append({
            profile_label(ds, "round", "Måling"): rr,
            teams.capitalize(): tx.fmt_int(r["teams"]),
            "Med læringsmål": tx.fmt_int(r["teams_with_goals"]),
            "Har dokumenteret tegn på læring": tx.fmt_int(r["teams_documenting"]),
            "Andel": tx.fmt_percent(r["share"]),
            "Andel i kommunen": tx.fmt_percent(total.loc[rr, "share"]) if rr in total.index else tx.MISSING,
        })
    parts = [figures_html([(lambda: plots.coverage(ds, institution=inst["id"]), None)]),
             styled_table(pd.DataFrame(rows), caption=f"{teams.capitalize()}, der har dokumenteret tegn på læring"),
             note_html(f"Målet er, at alle {teams} dokumenterer de tegn på læring, de har sat sig for at se efter.")]
    return Block("".join(parts))


def funnel_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """The position against the municipality and national figures: funnel plots and flags."""
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    pos = institution_position(ds, inst, round)
    if pos is None or pos.empty:
        return empty_block(f"{inst['name']} har ingen resultater i {round}.")
    info = measure_info(ds)
    plots = plots_module()
    has_nat = pos["nat_flag"].notna().any()
    short = {"over": "Over grænsen", "under": "Under grænsen", "within": "Inden for grænserne"}
    parts = []
    measures = [m for m in info.index if m in pos.index and info.loc[m, "subject"] != "department"]
    rows = []
    for m in measures:
        r = pos.loc[m]
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"]}
        if r["suppressed"]:
            row["I forhold til kommunen"] = suppression_text(ds, m, r["reason"])
            if has_nat:
                row["I forhold til landsplan"] = ""
        else:
            row["I forhold til kommunen"] = short.get(r["flag_funnel"], tx.MISSING)
            if has_nat:
                row["I forhold til landsplan"] = short.get(r["nat_flag"], tx.MISSING)
        rows.append(row)
    shown = pos.loc[measures]
    shown = shown[~shown["suppressed"] & shown["z"].notna()]
    child_shown = rows_where(shown, lambda m: info.loc[m, "subject"] == "child")
    if len(child_shown):
        shown = child_shown
    if len(shown):
        m = shown["z"].abs().idxmax()
        figs = [(lambda: plots.funnel(ds, measure=m, round=round, highlight=inst["id"]),
                 f"{info.loc[m, 'label']} ({info.loc[m, 'source_label'].lower()}): den måling, hvor "
                 f"{inst['name']} ligger længst fra kommunens gennemsnit.")]
        parts.append(figures_html(figs) + para(tx.describe_funnel_flag(shown.loc[m, "flag_funnel"], name=inst["name"])))
    if rows:
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Placering i tragten (99,8\u00a0%-grænser), {round}"))
    if not has_nat:
        parts.append(note_html("Data har ingen landstal at sammenligne med."))
    parts.append(note_html(
        "Hvert punkt i tragten er et " + institution_noun(ds).lower() + ". Jo flere svar, jo smallere er "
        "tragten. Et punkt uden for de yderste linjer (99,8 %) ligger længere fra gennemsnittet, "
        "end tilfældigheder normalt giver. Tragten rangordner ikke."))
    return Block("".join(parts))


def _alpha_verdict(a: Any) -> str:
    if pd.isna(a):
        return "Kan ikke beregnes (ét spørgsmål)"
    if a >= 0.8:
        return "God"
    if a >= 0.7:
        return "Acceptabel"
    return "Lav – tolk forsigtigt"


def reliability_section(ds: Dataset, institution: str | None = None) -> Block:
    """Reliability caveats: Cronbach's alpha of each measure, how much of the variation lies
    between institutions, and how reliable the institution's own mean is."""
    rel = reliability_table(ds)
    info = measure_info(ds)
    last = ds.meta.rounds[-1]
    inst = institution_info(ds, institution) if institution is not None else None
    pos = institution_position(ds, inst, last_round(ds, inst)) if inst is not None else None
    vc = variance_table(ds, "institution", last).set_index("measure_id") if len(ds.meta.rounds) else None
    insts = institutions_noun(ds)
    rows = []
    for m in info.index:
        if info.loc[m, "subject"] == "department":
            continue
        r = rel[rel["measure_id"].astype(str) == m]
        a = r["alpha"].iloc[0] if len(r) else np.nan
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"],
               "Spørgsmål": tx.fmt_int(r["n_items"].iloc[0]) if len(r) else tx.MISSING,
               "Cronbachs alfa": (f"{tx.fmt_number(a, 2)} ({tx.fmt_interval(r['ci_low'].iloc[0], r['ci_high'].iloc[0], 2)})"
                                  if pd.notna(a) else tx.MISSING),
               "Vurdering": _alpha_verdict(a)}
        row[f"Andel af forskellene, der ligger mellem {insts}"] = (
            tx.fmt_percent(vc.loc[m, "icc"]) if vc is not None and m in vc.index else tx.MISSING)
        if pos is not None:
            row["Pålidelighed af jeres gennemsnit"] = (
                tx.MISSING if m not in pos.index or pos.loc[m, "suppressed"] else tx.fmt_number(pos.loc[m, "reliability"], 2))
        rows.append(row)
    if not rows:
        return empty_block("Der er ingen målinger af personer at vurdere pålideligheden af.")
    parts = [styled_table(pd.DataFrame(rows), caption=f"Målingernes pålidelighed, {last}"),
             para("Cronbachs alfa viser, hvor godt spørgsmålene i en måling hænger sammen (0–1; over 0,7 "
                f"er acceptabelt). Andelen mellem {insts} viser, hvor meget af forskellene mellem "
                f"{children_noun(ds)} der hænger sammen med, hvor de går – resten er forskelle inden for "
                f"samme {institution_noun(ds).lower()}. Typisk er den lille, så de fleste forskelle mellem "
                f"{insts} er små i forhold til forskellene mellem {children_noun(ds)}.")]
    if pos is not None:
        definite = INSTITUTION_DEFINITE.get(institution_noun(ds), "enheden")
        parts.append(para("Pålideligheden af jeres gennemsnit (0–1) viser, hvor meget det afspejler "
                        f"{definite} frem for de tilfældige {children_noun(ds)}, der blev målt. Under "
                        "0,7 bør små forskelle ikke tillægges vægt."))
    return Block("".join(parts))


def child_section(ds: Dataset, institution: str, *, show: bool = False, round: str | None = None) -> Block:
    """Each child's scores (pseudonymous ids) — only when ``show`` is True.

    Meant for the leadership team alone; empty (nothing shown) otherwise.
    """
    if not show:
        return Block("")
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    info = measure_info(ds)
    child = child_measures(ds)
    sc = indicators.scores(ds, child) if child else None
    head = heading(ds, "children").html
    if sc is None or sc.empty:
        return Block(head) + empty_block(f"Der er ingen målinger af {children_noun(ds)}.")
    sc = sc[sc["department_id"].astype(str).isin(inst["departments"]) & (sc["round"].astype(str) == round)]
    if sc.empty:
        return Block(head) + empty_block(f"Der er ingen målinger af {children_noun(ds)} i {round}.")
    names = ds.org.set_index(ds.org["department_id"].astype(str))["department_name"]
    wide = sc.assign(measure_id=sc["measure_id"].astype(str), subject_id=sc["subject_id"].astype(str),
                     department_id=sc["department_id"].astype(str)).pivot_table(
        index=["department_id", "subject_id"], columns="measure_id", values="score", aggfunc="mean")
    rows = []
    for (dept, cid), r in wide.iterrows():
        row = {profile_label(ds, "department", "Afdeling"): names.get(dept, dept), profile_label(ds, "child", "Barn") + " (pseudonym)": cid}
        for m in [m for m in child if m in wide.columns]:
            row[info.loc[m, "label"]] = fmt_measure(ds, m, r[m])
        rows.append(row)
    return Block(head + para(
        f"Tabellen viser hvert {profile_label(ds, 'child', 'barn').lower()}s score i {round} med pseudonyme id'er. "
        "Den er kun til ledelsesteamet og må ikke deles.") + styled_table(pd.DataFrame(rows)))


def plan_section(ds: Dataset, institution: str) -> Block:
    """Follow-up of the institution's action plan: each goal's status at the latest round.

    Uses :func:`llkit.documents.plans.plan_status` on the plan in the dataset's ``plans/`` folder;
    says so in one line when there is no plan or the plan cannot be read.
    """
    from llkit.documents import plans as _plans
    from llkit.errors import DataError, PlanError

    inst = institution_info(ds, institution)
    try:
        found = _plans.plans_for(ds)
    except (PlanError, DataError):
        return empty_block("Handleplanerne kan ikke læses; kør »llkit plan validate« for at se hvorfor.")
    plan = found.get(inst["id"])
    if plan is None:
        return empty_block(f"{inst['name']} har ingen handleplan i datasættets mappe »plans«.")
    try:
        status = _plans.plan_status(plan, ds)
    except (PlanError, DataError):
        return empty_block("Handleplanen har fejl; kør »llkit plan validate« for at se dem.")
    table = _plans.status_table(status)
    counts = status["status"].value_counts()
    summary = " · ".join(f"{k}: {int(counts.get(k, 0))}" for k in _plans.STATUSES)
    parts = [styled_table(table, caption=f"Handleplan: {plan.title}"),
             note_html("Status afgøres med usikkerheden: et mål er først »nået«, når hele "
                   f"intervallet ligger på den rigtige side af målværdien. I alt – {summary}.")]
    return Block("".join(parts))
