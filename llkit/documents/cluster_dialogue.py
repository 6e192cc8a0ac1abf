"""The cluster dialogue (``notebooks/cluster_dialogue.ipynb``) for a meeting of 3–4 teams:
the teams' findings side by side, status, change, gaps, coverage and the dialogue
questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from llkit.documents.common import (
    coverage_table,
    first_text,
    gap_table,
    institution_info,
    last_round,
    plots_module,
    rows_where,
    synthetic_note,
)
from llkit.documents.family import (
    family_verdict,
    gap_groups,
    institution_change,
    institution_position,
    report_family,
)
from llkit.documents.institution_findings import key_findings
from llkit.present import text as tx
from llkit.present.html import (
    Block,
    display_findings,
    empty_block,
    esc,
    figures_html,
    heading_html,
    note_html,
    para,
    styled_table,
)
from llkit.present.labels import (
    child_measures,
    children_noun,
    departments_definite,
    departments_noun,
    fmt_measure,
    institution_noun,
    institutions_noun,
    measure_info,
    profile_label,
    round_label,
    source_label,
    sources_of,
    suppression_note_html,
    suppression_text,
)

if TYPE_CHECKING:  # pragma: no cover

    from llkit.data.dataset import Dataset

__all__ = [
    "dialogue_questions",
    "cluster_family_note",
    "cluster_title",
    "cluster_findings_section",
    "cluster_status_section",
    "cluster_change_section",
    "cluster_gap_section",
    "cluster_coverage_section",
]


def cluster_family_note(ds: Dataset, institutions: Sequence[str]) -> Block:
    """The cluster material's statement of its family: every team's report, decided so that
    the whole material keeps the bound (see :func:`cluster_findings_section`).

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> "Materialet har sammenlignet" in str(cluster_family_note(ds, ["I01", "I02", "I03"]))
    True
    """
    from llkit.stats.decision import ALPHA

    alpha = ALPHA / max(len(institutions), 1)
    fams = [report_family(ds, i, alpha=alpha) for i in institutions]
    n = sum(int(f["p_value"].notna().sum()) for f in fams)
    k = sum(int(f["real"].sum()) for f in fams)
    return Block(note_html(tx.describe_family(n, k, document="Materialet",
                                              what="for teamene med kommunen, med den forrige måling og mellem grupper")))


def dialogue_questions(ds: Dataset, institutions: Sequence[str]) -> list[str]:
    """Questions for a cluster meeting of 3–4 leadership teams, built from their data.

    Parameters
    ----------
    ds : Dataset
    institutions : list of str
        Institution ids.

    Returns
    -------
    list of str
        5–8 questions in Danish.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> qs = dialogue_questions(ds, ["I01", "I02", "I03", "I04"])
    >>> len(qs) >= 5
    True
    """
    from llkit.stats.decision import ALPHA

    insts = [institution_info(ds, i) for i in institutions]
    alpha = ALPHA / max(len(insts), 1)
    info = measure_info(ds)
    depts = departments_definite(ds)
    qs = ["Hvor ligner jeres resultater hinanden, og hvor er de forskellige? Hvad kan forklare forskellene – ud over tilfældigheder?"]
    best_over: tuple[float, str, str] | None = None
    best_change: tuple[float, str, str, str, str] | None = None
    for inst in insts:
        last = last_round(ds, inst)
        pos = institution_position(ds, inst, last)
        if pos is not None and len(pos):
            p = rows_where(pos, lambda m: m in child_measures(ds))
            fam = report_family(ds, inst, last, alpha=alpha)
            p = p[~p["suppressed"] & (p["diff"] > 0)]
            p = rows_where(p, lambda m, fam=fam: family_verdict(fam, "position", m)[0])
            for m, r in p.iterrows():
                if best_over is None or r["z"] > best_over[0]:
                    best_over = (float(r["z"]), inst["name"], m)
        ch = institution_change(ds, inst)
        if ch is not None:
            for m, r in ch.iterrows():
                if (m in child_measures(ds) and not r["suppressed"]
                        and family_verdict(report_family(ds, inst, alpha=alpha), "change", m)[0]):
                    good = (r["diff"] > 0) == bool(info.loc[m, "hib"])
                    if good and (best_change is None or abs(r["effect_size"]) > best_change[0]):
                        best_change = (abs(float(r["effect_size"])), inst["name"], m,
                                       str(r["from_round"]), str(r["to_round"]))
    if best_over:
        _, name, m = best_over
        qs.append(f"{name} ligger over kommunens gennemsnit i {info.loc[m, 'label'].lower()}. Hvad gør I konkret – og hvad kunne de andre prøve?")
    if best_change:
        _, name, m, a, b = best_change
        qs.append(f"{name} er gået frem i {info.loc[m, 'label'].lower()} fra {a} til {b}. Hvad tror I har gjort forskellen, og hvordan kan I vide det?")
    cov = coverage_table(ds, "institution")
    if not cov.empty:
        last = ds.meta.rounds[-1]
        c = cov[cov["institution_id"].astype(str).isin([i["id"] for i in insts]) & (cov["round"].astype(str) == last)]
        full = c[c["teams_documenting"] == c["teams"]]
        if len(full) and len(full) < len(c):
            name = institution_info(ds, full["institution_id"].iloc[0])["name"]
            qs.append(f"{name} har dokumenteret tegn på læring i alle {departments_noun(ds)}. Hvordan har I organiseret det arbejde, og hvad kan de andre bruge?")
        elif len(c):
            qs.append(f"Hvordan sikrer I, at alle {depts} dokumenterer tegn på læring – og hvordan bruger I dokumentationen bagefter?")
    if gap_table(ds, "institution") is not None:
        qs.append("Hvordan arbejder I hver især med at mindske betydningen af børnenes sociale baggrund – og hvad virker?"
                  if children_noun(ds) == "børn" else
                  "Hvordan arbejder I hver især med at mindske betydningen af elevernes sociale baggrund – og hvad virker?")
    qs.append("Hvilke data bruger I i hverdagen ud over kortlægningen, og hvad kan I lære af hinandens måde at bruge dem på?")
    qs.append("Hvad vil I aftale i klyngen frem mod næste måling, og hvordan vil I følge op på det sammen?")
    return qs[:8]


# ----------------------------------------------------------------------------- cluster dialogue


def cluster_title(ds: Dataset, institutions: Sequence[str], cluster: str | None = None) -> Block:
    """Title of the cluster-meeting material."""
    insts = [institution_info(ds, i) for i in institutions]
    head = cluster or "Klyngemøde"
    names = ", ".join(i["name"] for i in insts)
    return Block(
        f'<header class="llkit-title"><p class="llkit-kicker">Materiale til klyngemøde</p>{heading_html(1, head)}'
        f"<p>{esc(names)}</p><p>{esc(ds.meta.name)} · {esc(profile_label(ds, 'rounds', 'Målinger'))}: "
        f"{esc(', '.join(round_label(ds, r) for r in ds.meta.rounds))}</p>{synthetic_note(ds)}</header>"
    )


def cluster_findings_section(ds: Dataset, institutions: Sequence[str], *, max_findings: int = 3) -> Block:
    """The most important findings of each team, side by side."""
    from llkit.stats.decision import ALPHA

    parts = []
    alpha = ALPHA / max(len(institutions), 1)
    for i in institutions:
        inst = institution_info(ds, i)
        parts.append(display_findings(key_findings(ds, inst["id"], max_findings=max_findings, alpha=alpha),
                                      title=inst["name"]).html)
    return Block(f'<div class="llkit-columns">{"".join(parts)}</div>')


def cluster_status_section(ds: Dataset, institutions: Sequence[str], *, round: str | None = None) -> Block:
    """The teams side by side: per source a table of means and a funnel plot with the
    cluster's institutions marked."""
    insts = [institution_info(ds, i) for i in institutions]
    round = round or ds.meta.rounds[-1]
    info = measure_info(ds)
    plots = plots_module()
    pos = {i["id"]: institution_position(ds, i, round) for i in insts}
    measures = [m for m in info.index if info.loc[m, "subject"] != "department"
                and any(p is not None and len(p) and m in p.index for p in pos.values())]
    if not measures:
        return empty_block(f"Der er ingen resultater i {round}.")
    parts = []
    mark = {True: " ▲", False: " ▼"}
    for source, ms in sources_of(ds, measures):
        parts.append(heading_html(3, source_label(ds, source)))
        rows = []
        for m in ms:
            row = {"Måling": info.loc[m, "label"]}
            for i in insts:
                p = pos[i["id"]]
                if p is None or not len(p) or m not in p.index:
                    row[i["name"]] = tx.MISSING
                elif p.loc[m, "suppressed"]:
                    row[i["name"]] = suppression_text(ds, m, p.loc[m, "reason"], short=True)
                else:
                    r = p.loc[m]
                    row[i["name"]] = fmt_measure(ds, m, r["mean"]) + (mark[bool(r["diff"] > 0)] if bool(r["flag"]) else "")
            any_p = next((p for p in pos.values() if p is not None and len(p) and m in p.index), None)
            row["Kommunen"] = fmt_measure(ds, m, any_p.loc[m, "municipality"]) if any_p is not None else tx.MISSING
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Gennemsnit, {round}"))
        child = [m for m in ms if info.loc[m, "subject"] == "child"] or ms
        m = child[0]
        parts.append(figures_html([(lambda m=m: plots.funnel(ds, measure=m, round=round, highlight=[i["id"] for i in insts]),
                                f"{info.loc[m, 'label']}: klyngens {institutions_noun(ds)} er markeret.")]))
    parts.append(note_html("▲ / ▼: over / under kommunens gennemsnit, mere end den statistiske usikkerhed (95 %). "
                       "Uden tegn: ingen sikker forskel."))
    parts.append(suppression_note_html(ds, "personer"))
    return Block("".join(parts))


def cluster_change_section(ds: Dataset, institutions: Sequence[str]) -> Block:
    """Change since the previous round for each team, side by side."""
    if len(ds.meta.rounds) < 2:
        return empty_block("Der er kun én måling, så der kan ikke vises udvikling endnu.")
    insts = [institution_info(ds, i) for i in institutions]
    info = measure_info(ds)
    chs = {i["id"]: institution_change(ds, i) for i in insts}
    ch_any = next((c for c in chs.values() if c is not None and len(c)), None)
    if ch_any is None:
        return empty_block("Der er ikke data nok til at vise udvikling.")
    a, b = first_text(ch_any, "from_round"), first_text(ch_any, "to_round")
    measures = [m for m in info.index if info.loc[m, "subject"] != "department"]
    parts = []
    for source, ms in sources_of(ds, measures):
        rows = []
        for m in ms:
            row = {"Måling": info.loc[m, "label"]}
            for i in insts:
                c = chs[i["id"]]
                if c is None or m not in c.index:
                    row[i["name"]] = tx.MISSING
                elif bool(c.loc[m, "suppressed"]):
                    row[i["name"]] = suppression_text(ds, m, short=True)
                else:
                    r = c.loc[m]
                    kind = "change" if info.loc[m, "subject"] == "child" else "staff_change"
                    flagged = family_verdict(report_family(ds, i), kind, m)[1]
                    row[i["name"]] = (fmt_measure(ds, m, r["diff"], sign=True) + (" *" if flagged else "")
                                      + (" (samme)" if bool(r["paired"]) else ""))
            rows.append(row)
        parts.append(heading_html(3, source_label(ds, source)))
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Ændring fra {a} til {b}"))
    parts.append(note_html("* større end den statistiske usikkerhed (95 %). »(samme)«: målt på de samme "
                       f"{children_noun(ds)} i begge målinger; ellers er det forskellige."))
    return Block("".join(parts))


def cluster_gap_section(ds: Dataset, institutions: Sequence[str]) -> Block:
    """The equity gap of each team in the last round, side by side."""
    g = gap_table(ds, "institution")
    groups, *_ = gap_groups(ds)
    if g is None:
        return empty_block("Data har ingen oplysninger om baggrund, der kan vise forskelle mellem grupper.")
    insts = [institution_info(ds, i) for i in institutions]
    info = measure_info(ds)
    last = ds.meta.rounds[-1]
    g = g[g["round"].astype(str) == last]
    rows = []
    for m in [m for m in info.index if m in set(g["measure_id"].astype(str))]:
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"]}
        for i in insts:
            r = g[(g["institution_id"].astype(str) == i["id"]) & (g["measure_id"].astype(str) == m)]
            if r.empty:
                row[i["name"]] = tx.MISSING
            elif bool(r["suppressed"].iloc[0]):
                row[i["name"]] = f"færre end {ds.meta.min_n} i en gruppe"
            else:
                flagged = family_verdict(report_family(ds, i, last), "gap", m)[1]
                row[i["name"]] = fmt_measure(ds, m, r["gap"].iloc[0], sign=True) + (" *" if flagged else "")
        rows.append(row)
    if not rows:
        return empty_block(f"Der er ingen målinger, der kan vise forskellen mellem {groups}.")
    return Block(para(f"Forskellen mellem {groups} i {last}. Et positivt tal betyder, at "
                    f"{children_noun(ds)} af forældre med længere uddannelse ligger højest.")
                 + styled_table(pd.DataFrame(rows))                 + note_html("* større end den statistiske usikkerhed, når der tages højde for, hvor mange "
                             "tal hvert teams rapport sammenligner."))


def cluster_coverage_section(ds: Dataset, institutions: Sequence[str]) -> Block:
    """Documentation of signs of learning for each team, per round."""
    cov = coverage_table(ds, "institution")
    if cov.empty:
        return empty_block("Data har ingen oplysninger om læringsmål og tegn på læring.")
    insts = [institution_info(ds, i) for i in institutions]
    rows = []
    for i in insts:
        c = cov[cov["institution_id"].astype(str) == i["id"]]
        c = c.set_index(c["round"].astype(str))
        row = {institution_noun(ds): i["name"]}
        for r in ds.meta.rounds:
            row[r] = f"{tx.fmt_int(c.loc[r, 'teams_documenting'])} af {tx.fmt_int(c.loc[r, 'teams'])}" if r in c.index else tx.MISSING
        rows.append(row)
    return Block(styled_table(pd.DataFrame(rows), caption=f"{departments_noun(ds).capitalize()}, der har dokumenteret tegn på læring")
                 + note_html(f"Målet er, at alle {departments_noun(ds)} dokumenterer tegn på læring."))
