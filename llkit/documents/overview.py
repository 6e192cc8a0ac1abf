"""The municipal overview (``notebooks/municipality_overview.ipynb``): the administration's
family of comparisons over all institutions, its key findings, and its sections (funnels,
variance components, change, gaps, coverage, areas and clusters, action plans).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.data.memo import cached
from llkit.documents.common import (
    change_table,
    comparison_table,
    coverage_table,
    first_text,
    gap_table,
    plots_module,
    rows_where,
    summary_table,
    synthetic_note,
    variance_table,
)
from llkit.documents.family import change_sentence, gap_groups
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
    INSTITUTION_GENITIVE,
    INSTITUTIONS_DEFINITE,
    child_measures,
    children_noun,
    departments_noun,
    fmt_measure,
    format_estimate,
    institution_noun,
    institutions_noun,
    measure_cells,
    measure_info,
    measure_title,
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
    "overview_findings",
    "overview_family_note",
    "overview_title",
    "overview_family",
    "overview_verdict",
    "overview_funnel_section",
    "variance_section",
    "overview_change_section",
    "overview_gap_section",
    "overview_coverage_section",
    "area_cluster_section",
]


def overview_family_note(ds: Dataset) -> Block:
    """The municipal overview's statement of its family (see :func:`overview_family`).

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> "Oversigten har sammenlignet" in str(overview_family_note(prepare("data/sample/dagtilbud")))
    True
    """
    from llkit.stats.decision import family_counts

    c = family_counts(overview_family(ds))
    return Block(note_html(tx.describe_family(
        c["comparisons"], c["real"], document="Oversigten",
        what=f"om udvikling og social baggrund for kommunen og hvert {institution_noun(ds).lower()}")
        + " Tragtdiagrammerne har deres egne grænser (99,8\u00a0%), se nedenfor."))


# ----------------------------------------------------------------------------- municipality overview


def overview_title(ds: Dataset, workbook: str | None = None) -> Block:
    """Title of the municipality overview; with ``workbook`` (a path relative to the HTML,
    e.g. from ``llkit export``) a link "Hent tallene (Excel)" under it."""
    from llkit.documents.workbook import download_link_html

    n_inst = ds.units["institution_id"].nunique()
    rounds = ", ".join(round_label(ds, r) for r in ds.meta.rounds)
    heading = f"{ds.meta.name}: {institutions_noun(ds)} side om side"
    return Block(
        f'<header class="llkit-title"><p class="llkit-kicker">Overblik til forvaltningen</p>'
        f"{heading_html(1, heading)}"
        f"<p>{esc(tx.fmt_int(n_inst))} {esc(institutions_noun(ds))} · {esc(tx.fmt_int(len(ds.units)))} "
        f"{esc(departments_noun(ds))}</p><p>{esc(profile_label(ds, 'rounds', 'Målinger'))}: {esc(rounds)}</p>"
        f"{synthetic_note(ds)}</header>" + (download_link_html(workbook) if workbook else "")
    )



#: Shares of the overview's error budget (see :data:`llkit.stats.decision.KIND_WEIGHTS`).
OVERVIEW_WEIGHTS = {"change": 0.30, "staff_change": 0.05, "gap": 0.10, "gap_change": 0.15,
                    "unit_change": 0.25, "unit_gap": 0.15}


def overview_family(ds: Dataset) -> pd.DataFrame:
    """Every comparison the municipal overview makes, with the decision which are real.

    The municipality's change per measure (``change``, ``staff_change``), its equity gap
    in the last round and the gap's change (``gap``, ``gap_change``), and per institution
    and measure the change (``unit_change``) and the gap (``unit_gap``), decided together
    by :func:`llkit.stats.decision.decide` with :data:`OVERVIEW_WEIGHTS`. The funnel plots keep
    their own 99,8 % limits and say how many results chance alone puts outside them.

    Returns
    -------
    DataFrame
        ``kind``, ``measure_id``, ``institution_id`` (None for the municipality),
        ``estimate``, ``p_value`` and the decision columns.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> fam = overview_family(prepare("data/sample/dagtilbud"))
    >>> {"change", "unit_change"} <= set(fam["kind"])
    True
    """
    def make():
        from llkit.stats.decision import decide

        info = measure_info(ds)
        last = ds.meta.rounds[-1]
        rows: list[dict[str, Any]] = []
        for by, prefix in ((None, ""), ("institution", "unit_")):
            ch = change_table(ds, by)
            if ch is not None and len(ch):
                for _, r in ch[~ch["suppressed"].astype(bool) & ch["p_value"].notna()].iterrows():
                    m = str(r["measure_id"])
                    subject = info.loc[m, "subject"]
                    if subject == "department":
                        continue
                    kind = prefix + "change" if (subject == "child" or prefix) else "staff_change"
                    rows.append({"kind": kind, "measure_id": m,
                                 "institution_id": str(r["institution_id"]) if by else None,
                                 "estimate": float(r["diff"]), "p_value": float(r["p_value"])})
            g = gap_table(ds, by)
            if g is not None and len(g):
                g = g[(g["round"].astype(str) == last) & ~g["suppressed"].astype(bool)]
                for _, r in g.iterrows():
                    iid = str(r["institution_id"]) if by else None
                    rows.append({"kind": prefix + "gap", "measure_id": str(r["measure_id"]), "institution_id": iid,
                                 "estimate": float(r["gap"]), "p_value": float(r["p_value"])})
                    if not by and pd.notna(r["change_p_value"]):
                        rows.append({"kind": "gap_change", "measure_id": str(r["measure_id"]), "institution_id": None,
                                     "estimate": float(r["change_from_previous"]),
                                     "p_value": float(r["change_p_value"])})
        cols = ["kind", "measure_id", "institution_id", "estimate", "p_value"]
        return decide(pd.DataFrame(rows, columns=cols).astype({"p_value": float, "estimate": float}),
                      kind_weights=OVERVIEW_WEIGHTS)
    return cached(ds, ("overview_family",), make)


def overview_verdict(fam: pd.DataFrame, kind: str, measure: str, institution: str | None = None) -> tuple[bool, bool]:
    """``(real, flag)`` of one comparison of :func:`overview_family` (False, False if absent).

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> fam = overview_family(prepare("data/sample/dagtilbud"))
    >>> overview_verdict(fam, "change", "no-such-measure")
    (False, False)
    """
    sel = (fam["kind"] == kind) & (fam["measure_id"].astype(str) == str(measure))
    sel &= fam["institution_id"].isna() if institution is None else (fam["institution_id"].astype(str) == str(institution))
    hit = fam[sel]
    return (bool(hit["real"].iloc[0]), bool(hit["flag"].iloc[0])) if len(hit) else (False, False)


def overview_findings(ds: Dataset, *, max_findings: int = 5) -> list[str]:
    """The main findings for the administration, in plain Danish.

    How much of the variation lies between institutions, how many results fall outside the
    funnel limits compared with what chance gives, the municipality's change, the equity
    gap and documentation coverage.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> len(overview_findings(ds)) >= 3
    True
    """
    last = ds.meta.rounds[-1]
    info = measure_info(ds)
    child = child_measures(ds)
    insts = institutions_noun(ds)
    ofam = overview_family(ds)
    out = []
    vc = variance_table(ds, "institution", last)
    vc = vc[vc["measure_id"].astype(str).isin(child) & vc["icc"].notna()]
    if len(vc):
        lo, hi, mid = vc["icc"].min(), vc["icc"].max(), vc["icc"].median()
        rng = (tx.fmt_percent(mid) if tx.fmt_percent(lo) == tx.fmt_percent(hi) else
               f"omkring {tx.fmt_percent(mid)} (mellem {tx.fmt_number(100 * lo, 0)} og {tx.fmt_percent(hi)} på de enkelte målinger)")
        out.append(
            f"Forskelle mellem {insts}: Kun {rng} af forskellene mellem {children_noun(ds)}s resultater i "
            f"{last} ligger mellem {insts}; resten er forskelle mellem {children_noun(ds)} i samme "
            f"{institution_noun(ds).lower()}. Små forskelle mellem {insts} bør ikke i sig selv føre til handling."
            .replace(f"{children_noun(ds)}s", "børnenes" if children_noun(ds) == "børn" else "elevernes"))
    cm = comparison_table(ds, last)
    if cm is not None:
        persons = rows_where(cm, lambda m: info.loc[str(m), "subject"] != "department", "measure_id")
        shown = persons[~persons["suppressed"].astype(bool) & persons["flag"].notna()]
        n_over = int((shown["flag"] == "over").sum())
        n_under = int((shown["flag"] == "under").sum())
        expect = 0.002 * len(shown)
        out.append(
            f"Tragtdiagrammerne, {last}: Af {tx.fmt_int(len(shown))} resultater ({insts} × målinger) ligger "
            f"{tx.fmt_int(n_over)} over og {tx.fmt_int(n_under)} under tragtens 99,8 %-grænser. Ved "
            f"tilfældighed alene ville man vente omkring {tx.fmt_number(expect, 1)}; resten ligger inden "
            "for, hvad tilfældig variation kan give.")
    ch = change_table(ds, None)
    if ch is not None and len(ch):
        c = ch[ch["measure_id"].astype(str).isin(child) & ~ch["suppressed"].astype(bool)]
        sig = rows_where(c, lambda m: overview_verdict(ofam, "change", str(m))[0], "measure_id")
        if len(sig):
            r = sig.loc[sig["effect_size"].abs().idxmax()]
            m = str(r["measure_id"])
            s = change_sentence(ds, m, r, ds.meta.name, real=True)
            more = f" I alt har {tx.fmt_int(len(sig))} af {tx.fmt_int(len(c))} målinger sikkert ændret sig." if len(sig) > 1 else ""
            out.append(f"{measure_title(ds, m)}, hele kommunen: {s}{more}")
        elif len(c):
            out.append(f"Udvikling i hele kommunen fra {first_text(c, 'from_round')} til {first_text(c, 'to_round')}: Ingen af "
                       f"{tx.fmt_int(len(c))} målinger har sikkert ændret sig, når der tages højde for, hvor mange "
                       "tal oversigten sammenligner.")
    g = gap_table(ds, None)
    groups, *_ = gap_groups(ds)
    if g is not None and len(ds.meta.rounds) >= 2:
        now = g[(g["round"].astype(str) == last) & ~g["suppressed"].astype(bool) & g["change_from_previous"].notna()]
        trends = [(tx.gap_trend(r["gap"] - r["change_from_previous"], r["gap"], r["change_ci_low"], r["change_ci_high"],
                                real=overview_verdict(ofam, "gap_change", str(r["measure_id"]))[0]), r)
                  for _, r in now.iterrows()]
        n_n = sum(t == "narrows" for t, _ in trends)
        n_w = sum(t == "widens" for t, _ in trends)
        prev = ds.meta.rounds[-2]
        if trends and n_n + n_w == 0:
            out.append(
                f"Social baggrund: Forskellen mellem {groups} har på ingen af de "
                f"{tx.fmt_int(len(trends))} målinger sikkert ændret sig "
                f"fra {prev} til {last}. Målet er, at den bliver mindre.")
        elif trends:
            out.append(
                f"Social baggrund: Fra {prev} til {last} er forskellen mellem {groups} blevet mindre på "
                f"{tx.fmt_int(n_n)} og større på {tx.fmt_int(n_w)} af {tx.fmt_int(len(trends))} målinger "
                "(sikre ændringer, når der tages højde for alle oversigtens sammenligninger); på resten kan "
                "data ikke afgøre det.")
    cov = coverage_table(ds, None)
    if not cov.empty:
        r = cov[cov["round"].astype(str) == last]
        if len(r):
            r = r.iloc[0]
            out.append(
                f"Tegn på læring: I {last} har {tx.fmt_int(r['teams_documenting'])} af {tx.fmt_int(r['teams'])} "
                f"{departments_noun(ds)} ({tx.fmt_percent(r['share'])}) dokumenteret tegn på læring. Målet er alle.")
    return out[:max_findings]


def _grouped_institutions(ds: Dataset) -> pd.DataFrame:
    """Institutions ordered by area, cluster and name (never by a result)."""
    u = ds.org.drop_duplicates("institution_id")[["institution_id", "institution_name", "cluster", "area"]]
    return u.sort_values(["area", "cluster", "institution_name"], na_position="last").reset_index(drop=True)


def overview_funnel_section(ds: Dataset, *, round: str | None = None, columns: int = 2) -> Block:
    """All institutions side by side: a funnel plot per measure and a table of who lies
    outside the limits — ordered by area and cluster, never ranked."""
    round = round or ds.meta.rounds[-1]
    cm = comparison_table(ds, round)
    if cm is None:
        return empty_block(f"Der er ingen resultater i {round}.")
    info = measure_info(ds)
    plots = plots_module()
    measures = [m for m in info.index if m in set(cm["measure_id"].astype(str)) and info.loc[m, "subject"] != "department"]
    parts = []
    si = summary_table(ds, "institution")
    si = si[si["round"].astype(str) == round]
    hidden = {(str(a), str(b)): r for a, b, s, r in zip(si["measure_id"], si["institution_id"], si["suppressed"], si["suppressed_reason"], strict=True) if s}
    org = _grouped_institutions(ds)
    word = {"over": "over", "under": "under", "within": "inden for"}
    for source, ms in sources_of(ds, measures):
        parts.append(heading_html(3, source_label(ds, source)))
        parts.append(figures_html([(lambda m=m: plots.funnel(ds, measure=m, round=round), None) for m in ms],
                              columns=columns))
        rows = []
        c = cm[cm["measure_id"].astype(str).isin(ms)]
        for _, u in org.iterrows():
            row = {institution_noun(ds): u["institution_name"], "Klynge": u["cluster"] if pd.notna(u["cluster"]) else tx.MISSING}
            cu = c[c["institution_id"].astype(str) == str(u["institution_id"])].set_index("measure_id")
            for m in ms:
                key = (m, str(u["institution_id"]))
                if key in hidden or (m in cu.index and bool(cu.loc[m, "suppressed"])):
                    row[info.loc[m, "label"]] = suppression_text(ds, m, hidden.get(key), short=True)
                elif m in cu.index:
                    row[info.loc[m, "label"]] = word.get(cu.loc[m, "flag"], tx.MISSING)
                else:
                    row[info.loc[m, "label"]] = tx.MISSING
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Placering i forhold til tragtens 99,8 %-grænser, {round} (ordnet efter klynge, ikke efter resultat)"))
    parts.append(note_html("»over« og »under« betyder uden for tragtens yderste grænser: længere fra kommunens "
                       "gennemsnit, end tilfældigheder normalt giver. Der vises ingen rangliste."))
    parts.append(suppression_note_html(ds, "personer"))
    return Block("".join(parts))


def variance_section(ds: Dataset, *, round: str | None = None) -> Block:
    """How much of the variation lies between institutions and between departments."""
    round = round or ds.meta.rounds[-1]
    info = measure_info(ds)
    vi = variance_table(ds, "institution", round).set_index("measure_id")
    vd = variance_table(ds, "department", round).set_index("measure_id")
    rows = []
    for m in info.index:
        if info.loc[m, "subject"] == "department" or m not in vi.index:
            continue
        rows.append({
            "Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"],
            f"Mellem {institutions_noun(ds)}": tx.fmt_percent(vi.loc[m, "icc"]),
            f"Mellem {departments_noun(ds)}": tx.fmt_percent(vd.loc[m, "icc"]) if m in vd.index else tx.MISSING,
            f"Pålidelighed af {INSTITUTION_GENITIVE.get(institution_noun(ds), 'en enheds')} gennemsnit": tx.fmt_number(vi.loc[m, "mean_reliability"], 2),
        })
    if not rows:
        return empty_block("Der er ikke data nok til at opdele variationen.")
    return Block(styled_table(pd.DataFrame(rows), caption=f"Andel af variationen, der ligger mellem enhederne, {round}") + note_html(
        f"Andelen mellem {institutions_noun(ds)} (intraklassekorrelation) er den del af forskellene mellem "
        f"{children_noun(ds)}, der hænger sammen med, hvor de går. Andelen mellem {departments_noun(ds)} "
        f"omfatter også forskelle mellem {INSTITUTIONS_DEFINITE.get(profile_label(ds, 'institutions', ''), 'enhederne')}. Pålideligheden (0–1) viser, hvor meget et "
        "gennemsnit afspejler enheden frem for de tilfældige, der blev målt."))


def overview_change_section(ds: Dataset) -> Block:
    """Who changed beyond noise since the previous round — with how many chance alone gives."""
    ch = change_table(ds, "institution")
    if ch is None:
        return empty_block("Der er kun én måling, så der kan ikke vises udvikling endnu.")
    info = measure_info(ds)
    plots = plots_module()
    c = rows_where(ch, lambda m: info.loc[str(m), "subject"] != "department", "measure_id")
    shown = c[~c["suppressed"].astype(bool) & c["diff"].notna()]
    ofam = overview_family(ds)
    naive = int((shown["p_value"] <= 0.05).sum())
    sig = rows_where(shown, lambda m, i: overview_verdict(ofam, "unit_change", str(m), str(i))[1],
                     "measure_id", "institution_id")
    a, b = first_text(c, "from_round"), first_text(c, "to_round")
    parts = [para(
        f"Fra {a} til {b} har {tx.fmt_int(naive)} af {tx.fmt_int(len(shown))} resultater "
        f"({institutions_noun(ds)} × målinger) et 95\u00a0%-interval, der ikke rummer 0. Ved tilfældighed alene "
        f"ville man vente omkring {tx.fmt_int(round(0.05 * len(shown)))} af den slags. Når der tages højde for, "
        f"at der er sammenlignet {tx.fmt_int(len(shown))} tal, er {tx.fmt_int(len(sig))} af ændringerne sikre nok "
        "til at blive vist nedenfor (højst 1 af 10 ventes at være tilfældige).")]
    total = change_table(ds, None)
    if total is not None and len(total):
        rows = []
        for _, r in total.iterrows():
            m = str(r["measure_id"])
            if info.loc[m, "subject"] == "department":
                continue
            rows.append({"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"],
                         a: fmt_measure(ds, m, r["mean_from"]), b: fmt_measure(ds, m, r["mean_to"]),
                         "Ændring": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[0],
                         "95 %-interval": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[1],
                         "Samme personer?": f"Ja, {tx.fmt_int(r['n_paired'])}" if bool(r["paired"]) else "Nej"})
        parts.append(heading_html(3, "Hele kommunen"))
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Fra {a} til {b}"))
        child = [m for m in child_measures(ds) if m in set(total["measure_id"].astype(str))]
        figs = []
        for source, ms in sources_of(ds, child):
            t = total[total["measure_id"].astype(str).isin(ms)]
            m = str(t.loc[t["effect_size"].abs().idxmax(), "measure_id"]) if t["effect_size"].notna().any() else ms[0]
            figs.append((lambda m=m: plots.development(ds, measure=m), f"{info.loc[m, 'label']} ({source_label(ds, source)})"))
        parts.append(figures_html(figs, columns=2))
    if len(sig):
        rows = []
        names = _grouped_institutions(ds).set_index("institution_id")
        order = {i: k for k, i in enumerate(names.index)}
        sig = sig.assign(_o=sig["institution_id"].map(order)).sort_values(["_o", "measure_id"])
        for _, r in sig.iterrows():
            m = str(r["measure_id"])
            rows.append({
                institution_noun(ds): r["institution_name"], "Måling": info.loc[m, "label"],
                "Ændring": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[0],
                "95 %-interval": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[1],
                "Samme personer?": f"Ja, {tx.fmt_int(r['n_paired'])}" if bool(r["paired"]) else "Nej",
                "Forventet pga. regression mod gennemsnittet": fmt_measure(ds, m, r["expected_rtm"], sign=True),
            })
        parts.append(heading_html(3, f"{profile_label(ds, 'institutions', 'Institutioner')} med sikre ændringer"))
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Fra {a} til {b} (ordnet efter klynge)"))
        parts.append(note_html("Sidste kolonne viser den ændring, man alene ville forvente, fordi et resultat, der "
                           "lå langt fra gennemsnittet, ofte ligger tættere på næste gang."))
    return Block("".join(parts))


def overview_gap_section(ds: Dataset) -> Block:
    """Equity gaps for the whole municipality over rounds, and per institution now."""
    g = gap_table(ds, None)
    groups, _, low, high, _ = gap_groups(ds)
    if g is None or g.empty:
        return empty_block("Data har ingen oplysninger om baggrund, der kan vise forskelle mellem grupper.")
    info = measure_info(ds)
    plots = plots_module()
    ofam = overview_family(ds)
    rounds = list(ds.meta.rounds)
    last = rounds[-1]
    rows = []
    for m in [m for m in info.index if m in set(g["measure_id"].astype(str))]:
        gm = g[g["measure_id"].astype(str) == m].set_index(g["round"].astype(str)[g["measure_id"].astype(str) == m])
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"]}
        for r in rounds:
            row[r] = (tx.MISSING if r not in gm.index else
                      f"færre end {ds.meta.min_n} {children_noun(ds)} i en af grupperne" if bool(gm.loc[r, "suppressed"]) else
                      "{} ({})".format(*format_estimate(ds, m, gm.loc[r, "gap"], gm.loc[r, "ci_low"], gm.loc[r, "ci_high"])))
        if len(rounds) >= 2 and last in gm.index and rounds[-2] in gm.index:
            cur, prev = gm.loc[last], gm.loc[rounds[-2]]
            t = "unclear" if cur["suppressed"] or prev["suppressed"] else tx.gap_trend(
                prev["gap"], cur["gap"], cur["change_ci_low"], cur["change_ci_high"],
                real=overview_verdict(ofam, "gap_change", m)[1])
            row[f"Udvikling {rounds[-2]}–{last}"] = {"narrows": "Mindre – mere end usikkerheden",
                                                    "widens": "Større – mere end usikkerheden"}.get(t, "Ingen sikker ændring")
        rows.append(row)
    parts = [para(f"Forskellen mellem {groups}: gennemsnittet for {children_noun(ds)} af forældre med "
                f"{' eller '.join(x.lower() for x in high)} uddannelse minus gennemsnittet for dem med "
                f"{', '.join(x.lower() for x in low)} uddannelse."),
             styled_table(pd.DataFrame(rows), caption="Hele kommunen (95 %-interval)")]
    figs = []
    for source, ms in sources_of(ds, [m for m in info.index if m in set(g["measure_id"].astype(str))]):
        now = g[g["measure_id"].astype(str).isin(ms) & (g["round"].astype(str) == last) & ~g["suppressed"].astype(bool)]
        if len(now):
            m = str(now.loc[now["gap"].abs().idxmax(), "measure_id"])
            figs.append((lambda m=m: plots.gap(ds, measure=m), f"{info.loc[m, 'label']} ({source_label(ds, source)})"))
    parts.append(figures_html(figs, columns=2))
    gi = gap_table(ds, "institution")
    if gi is not None and len(gi):
        gi = gi[gi["round"].astype(str) == last]
        org = _grouped_institutions(ds)
        for source, ms in sources_of(ds, [m for m in info.index if m in set(gi["measure_id"].astype(str))]):
            rows = []
            for _, u in org.iterrows():
                row = {institution_noun(ds): u["institution_name"]}
                gu = gi[gi["institution_id"].astype(str) == str(u["institution_id"])].set_index("measure_id")
                for m in ms:
                    if m not in gu.index:
                        row[info.loc[m, "label"]] = tx.MISSING
                    elif bool(gu.loc[m, "suppressed"]):
                        row[info.loc[m, "label"]] = f"færre end {ds.meta.min_n} i en gruppe"
                    else:
                        star = " *" if overview_verdict(ofam, "unit_gap", m, str(u["institution_id"]))[1] else ""
                        row[info.loc[m, "label"]] = fmt_measure(ds, m, gu.loc[m, "gap"], sign=True) + star
                rows.append(row)
            parts.append(heading_html(3, f"{source_label(ds, source)} pr. {institution_noun(ds).lower()}, {last}"))
            parts.append(styled_table(pd.DataFrame(rows)))
        parts.append(note_html("* forskellen er større end den statistiske usikkerhed, når der tages højde for, "
                           "hvor mange tal oversigten sammenligner. Med få "
                           f"{children_noun(ds)} i hver gruppe er usikkerheden for det enkelte "
                           f"{institution_noun(ds).lower()} stor."))
    return Block("".join(parts))


def overview_coverage_section(ds: Dataset) -> Block:
    """Documentation of signs of learning per institution and round."""
    cov = coverage_table(ds, "institution")
    if cov.empty:
        return empty_block("Data har ingen oplysninger om læringsmål og tegn på læring.")
    plots = plots_module()
    org = _grouped_institutions(ds)
    rounds = list(ds.meta.rounds)
    rows = []
    for _, u in org.iterrows():
        c = cov[cov["institution_id"].astype(str) == str(u["institution_id"])]
        c = c.set_index(c["round"].astype(str))
        row = {institution_noun(ds): u["institution_name"], "Klynge": u["cluster"] if pd.notna(u["cluster"]) else tx.MISSING}
        for r in rounds:
            row[r] = (f"{tx.fmt_int(c.loc[r, 'teams_documenting'])} af {tx.fmt_int(c.loc[r, 'teams'])}"
                      if r in c.index else tx.MISSING)
        rows.append(row)
    total = coverage_table(ds, None)
    tot = "; ".join(f"{r['round']}: {tx.fmt_percent(r['share'])}" for _, r in total.iterrows())
    return Block(figures_html([(lambda: plots.coverage(ds, level="institution"), None)])
                 + para(f"Hele kommunen – andel {departments_noun(ds)}, der har dokumenteret tegn på læring: {tot}.")
                 + styled_table(pd.DataFrame(rows), caption=f"{departments_noun(ds).capitalize()}, der har dokumenteret tegn på læring"))


def area_cluster_section(ds: Dataset, *, round: str | None = None) -> Block:
    """Means by area and cluster for each source of child and staff measures, and coverage by cluster."""
    round = round or ds.meta.rounds[-1]
    info = measure_info(ds)
    parts = []
    measures = [m for m in info.index if info.loc[m, "subject"] != "department"]
    for level, label in (("area", profile_label(ds, "area", "Område")), ("cluster", profile_label(ds, "cluster", "Klynge"))):
        s = summary_table(ds, level)
        s = s[(s["round"].astype(str) == round)]
        if s.empty or s[level].isna().all():
            parts.append(empty_block(f"Data har ingen {label.lower()}r." if level == "area" else f"Data har ingen {profile_label(ds, 'clusters', 'klynger').lower()}.")._repr_html_())
            continue
        parts.append(heading_html(3, profile_label(ds, "areas" if level == "area" else "clusters", label)))
        for source, ms in sources_of(ds, [m for m in measures if m in set(s["measure_id"].astype(str))]):
            rows = []
            sub = s[s["measure_id"].astype(str).isin(ms)]
            for unit, g in sub.groupby(sub[level].astype(str), sort=True):
                rows.append({label: unit, **measure_cells(ds, g, ms, info, "ci")})
            parts.append(styled_table(pd.DataFrame(rows), caption=f"{source_label(ds, source)}: gennemsnit (95 %-interval), {round}"))
    cov = coverage_table(ds, "cluster")
    if not cov.empty:
        c = cov[cov["round"].astype(str) == round]
        rows = [{profile_label(ds, "cluster", "Klynge"): r["cluster"], departments_noun(ds).capitalize(): tx.fmt_int(r["teams"]),
                 "Har dokumenteret tegn på læring": tx.fmt_int(r["teams_documenting"]), "Andel": tx.fmt_percent(r["share"])}
                for _, r in c.iterrows() if pd.notna(r["cluster"])]
        if rows:
            parts.append(styled_table(pd.DataFrame(rows), caption=f"Tegn på læring pr. klynge, {round}"))
    return Block("".join(parts))


def overview_plans_section(ds: Dataset) -> Block:
    """Municipal overview of the action plans: goals per status for each institution."""
    from llkit.documents import plans as _plans

    ov = _plans.plans_overview(ds)
    if ov.empty or ov["plan"].isna().all():
        return empty_block("Ingen dagtilbud/skoler har en handleplan i datasættets mappe »plans«.")
    with_plan = ov[ov["plan"].notna()]
    rows = []
    for r in with_plan.to_dict("records"):
        row = {"Enhed": r["institution_name"],
               "Handleplan": r["title"] if isinstance(r["title"], str) else "–",
               "Mål": tx.fmt_int(r["goals"]) if pd.notna(r["goals"]) else "–"}
        for k in _plans.STATUSES:
            v = r.get(k)
            row[k.capitalize()] = tx.fmt_int(v) if v is not None and pd.notna(v) else "–"
        row["Note"] = r["note"] if isinstance(r["note"], str) else ""
        rows.append(row)
    without = len(ov) - len(with_plan)
    note = note_html(f"{without} af {len(ov)} enheder har endnu ingen handleplan i mappen »plans«.")
    return Block(styled_table(pd.DataFrame(rows), caption="Handleplaner og status for deres mål") + note)
