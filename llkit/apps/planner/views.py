"""The plan views of the notebook as blocks of HTML: the notebook's title, where the data
points (:func:`candidates`), the indicators a goal can be tied to, a plan's problems in
Danish and a plan as a readable document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.apps.planner.formatting import (
    _STYLE,
    _esc,
    _inst_name,
    _interval_text,
    _labels,
    _noun,
    _rounds,
    _table_html,
    _value_text,
)
from llkit.documents import plans as _plans
from llkit.documents.plans import Goal, Indicator, Plan
from llkit.documents.plans.danish import danish_row, where_da
from llkit.errors import PROBLEM_COLUMNS
from llkit.present import text as tx
from llkit.present.html import Block

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def indicator_choices(ds: Dataset) -> dict[str, list[tuple[str, str | None]]]:
    """The indicators a goal can be tied to in this dataset, by kind.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    dict of str to list of (label, measure_id)
        Keys are the kinds of :data:`llkit.documents.plans.KINDS` the data supports, in that order:
        ``mean`` (child measures and observations of the learning environment),
        ``share_low`` (child measures with a ``low_cut``), ``gap`` (child measures, when
        the children have the background attribute of the profile's default gap),
        ``staff`` (staff survey measures) and ``coverage`` (when the data has a goals
        table; its one entry has measure ``None``). Kinds without a measure are left out.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> list(indicator_choices(ds))
    ['mean', 'share_low', 'gap', 'staff', 'coverage']
    """
    m = ds.measures
    lab = m.set_index("measure_id")["label"].astype(str)

    def opts(mask: pd.Series) -> list[tuple[str, str | None]]:
        ids = m.loc[mask, "measure_id"].astype(str)
        return [(lab[i], i) for i in ids]

    child = m["subject"] == "child"
    out: dict[str, list[tuple[str, str | None]]] = {
        "mean": opts(m["subject"].isin(["child", "department"])),
        "share_low": opts(child & m["low_cut"].notna()),
        "gap": (opts(child) if ds.profile.gap_default[0] in ds.children.columns
                and ds.children[ds.profile.gap_default[0]].notna().any() else []),
        "staff": opts(m["subject"] == "respondent"),
        "coverage": ([(f"Alle {_noun(ds, 'departments', 'stuer/grupper')}", None)]
                     if ds.goals is not None and not ds.goals.empty else []),
    }
    return {k: v for k, v in out.items() if v}


# ======================================================================================
# title and candidate focus areas
# ======================================================================================


def title_block(ds: Dataset, institution: str) -> Block:
    """The notebook's title: "Strategisk handleplan" for the institution, with the
    rounds of the data and a note when the data is synthetic."""
    name = _inst_name(ds, institution)
    rounds = ", ".join(_rounds(ds))
    synth = ('<p class="llkit-note">Data er syntetiske: alle navne og tal er opdigtede.</p>'
             if getattr(ds.meta, "synthetic", False) else "")
    return Block(
        '<header class="llkit-title"><p class="llkit-kicker">Strategisk handleplan</p>'
        f"<h1>{_esc(name)}</h1><p>{_esc(ds.meta.name)} · "
        f"{_esc(_labels(ds).get('rounds', 'Målinger'))}: {_esc(rounds)}</p>{synth}</header>")


def candidates(ds: Dataset, institution: str, round: str | None = None) -> Block:
    """Where the data points: candidate focus areas with their baseline and uncertainty.

    A Danish table of :func:`llkit.documents.plans.focus_candidates` (the indicator, its value in
    the latest round with the 95 % interval, the whole municipality, the number of
    persons and a proposed target), the sentences saying why, and a note on how to read
    them (the interval, and regression to the mean for units picked for an extreme
    value).

    Parameters
    ----------
    ds : Dataset
    institution : str
    round : str, optional
        Default the latest round with data for the institution.

    Returns
    -------
    Block
    """
    name = _inst_name(ds, institution)
    try:
        cand = _plans.focus_candidates(ds, institution, round=round)
    except ValueError:
        return Block(f'<p class="llkit-empty">{_esc(name)} har ingen data endnu, så data '
                     "peger ikke på et fokusområde.</p>")
    if cand.empty:
        return Block(f'<p class="llkit-empty">Data peger ikke på et bestemt område for '
                     f"{_esc(name)}: ingen målinger ligger tydeligt under kommunen, eller "
                     "grupperne er for små til at vise tallene. Vælg fokus ud fra jeres egen "
                     "viden og de andre afsnit i rapporten.</p>")
    kinds = {"share_low": "Andel med lav score", "gap": "Forskel efter social baggrund",
             "staff": "Medarbejdernes svar (kultur)", "coverage": "Dokumentation"}
    verdicts = _compare_verdicts(cand)
    rows = []
    for r, verdict in zip(cand.itertuples(index=False), verdicts, strict=True):
        share = r.kind in ("share_low", "coverage")
        unit = " point" if r.kind == "gap" else ""

        def fmt(x: float, share: bool = share, unit: str = unit) -> str:
            return (tx.fmt_percent(x, 0) if share else tx.fmt_number(x, 1)) + unit

        interval = ("alle tælles med" if r.kind == "coverage"
                    else _interval_text(r.ci_low, r.ci_high, share))
        rows.append({
            "Område": kinds.get(r.kind, r.kind),
            "Indikator": r.label,
            f"Jeres værdi ({r.round})": fmt(r.value),
            "95 %-interval": interval,
            "Hele kommunen": fmt(r.municipality),
            "I forhold til kommunen": verdict,
            "Antal": tx.fmt_int(r.n),
            "Forslag til målværdi": fmt(r.proposed_target),
        })
    parts = [_STYLE, _table_html(pd.DataFrame(rows),
                                 caption=f"Forslag til fokusområder for {name}",
                                 left=["Område", "Indikator", "I forhold til kommunen"])]
    parts.append("<ul>" + "".join(f"<li>{_esc(w)}.</li>" for w in cand["why"]) + "</ul>")
    children = _noun(ds, "children", "børn")
    parts.append(
        '<p class="llkit-note">Forslagene er de steder, hvor jeres tal skiller sig mest ud: '
        f"de målinger med flest {children} med en lav score sammenlignet med kommunen, den "
        "største forskel efter social baggrund og dokumentationen af tegn på læring. Kulturen "
        "blandt medarbejderne er altid med som forslag (processkriteriet): den af "
        "medarbejdernes målinger, der ligger lavest i forhold til kommunen – også når den "
        "ligger over kommunen. "
        "Intervallet viser usikkerheden: et bredt interval betyder, at tallet bygger på få "
        "svar. Et tal, der skiller sig ud i én måling, ligger ofte tættere på kommunen næste "
        "gang – også uden en indsats (regression mod gennemsnittet). Forslaget til målværdi "
        "er kun et udgangspunkt for jeres drøftelse.</p>")
    return Block("".join(parts))


def _compare_verdicts(cand: pd.DataFrame) -> list[str]:
    """How each candidate compares with the municipality, decided for the table as a family.

    The candidates are the most notable of many indicators, so each row's interval alone
    would overstate it: every row with an interval gets a p-value from it, and the table's
    flags are those of :func:`llkit.stats.decision.decide` over the rows (false-discovery rate
    10 %), like every other llkit table.
    """
    from llkit.stats.decision import decide, p_value_interval

    est = cand["value"].astype(float) - cand["municipality"].astype(float)
    p = p_value_interval(est, cand["ci_low"].astype(float) - cand["municipality"].astype(float),
                         cand["ci_high"].astype(float) - cand["municipality"].astype(float))
    p = np.where(cand["kind"].astype(str) == "coverage", np.nan, p)
    flags = decide(pd.DataFrame({"kind": cand["kind"].astype(str), "p_value": p}))["flag"].to_numpy()
    return [_compare_text(r, bool(f)) for r, f in zip(cand.itertuples(index=False), flags, strict=True)]


def _compare_text(r: Any, flagged: bool) -> str:
    """How a candidate compares with the municipality (``flagged``: by the table's family)."""
    worse_if_higher = r.kind in ("share_low", "gap")
    if r.kind == "coverage":
        if r.value < r.municipality:
            return "færre end i kommunen"
        return "som kommunen eller flere"
    if pd.isna(r.ci_low) or pd.isna(r.municipality):
        return "–"
    if flagged and r.value > r.municipality:
        return "højere – mere end usikkerheden" + (" (dårligere)" if worse_if_higher else "")
    if flagged and r.value < r.municipality:
        return "lavere – mere end usikkerheden" + ("" if worse_if_higher else " (dårligere)")
    return "ingen sikker forskel"


# ======================================================================================
# problems in Danish
# ======================================================================================


def problems_da(problems: pd.DataFrame, plan: Plan | None = None) -> pd.DataFrame:
    """A problem table from :func:`llkit.documents.plans.validate_plan` (in English) in Danish.

    Kept for tables that are already in English; where the plan and the data are at
    hand, ask for Danish directly: ``validate_plan(plan, ds, lang="da")`` (and
    ``load_plan(path, lang="da")``) give the same texts.

    Parameters
    ----------
    problems : pandas.DataFrame
        Columns of :data:`llkit.errors.PROBLEM_COLUMNS`.
    plan : Plan, optional
        The plan that was checked; its focus areas and goals name the places
        ("Fokusområde 1 »Sprog« › mål 2 › målværdi").

    Returns
    -------
    pandas.DataFrame
        The same rows and columns; ``column`` says where in Danish, ``problem`` and
        ``action`` are Danish: each row's message is recognised by its English template
        in :mod:`llkit.documents.plans`'s message table (a text that is none of them keeps its
        English wording after "Problem i planen:"). Errors come first.

    Examples
    --------
    >>> from llkit.errors import ProblemLog
    >>> log = ProblemLog()
    >>> log.error(file="p.yaml", column="focus_areas[1].goals[1].signs",
    ...           problem="missing field 'signs'", action="give at least one sign")
    >>> problems_da(log.frame())["problem"].iloc[0]
    'Tegn mangler.'
    """
    rows = []
    for row in problems.to_dict("records"):
        problem, action = danish_row(row, plan)
        rows.append({**row, "column": where_da(row.get("column"), plan),
                     "problem": problem, "action": action})
    out = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    if len(out):
        out = out.sort_values("severity", key=lambda s: s.map({"error": 0}).fillna(1),
                              kind="stable").reset_index(drop=True)
    return out


def problems_block(problems_in_danish: pd.DataFrame) -> Block:
    """A Danish problem table (:func:`problems_da`) as HTML: errors, then warnings."""
    if problems_in_danish.empty:
        return Block('<p style="color:#006d4e"><b>✓ Planen er klar til at blive gemt.</b> '
                     "Alle mål er knyttet til data og har tegn og handlinger.</p>")
    t = problems_in_danish
    n_err = int((t["severity"] == "error").sum())
    n_warn = len(t) - n_err
    rows = pd.DataFrame({
        "": ["Fejl" if s == "error" else "Bemærk" for s in t["severity"]],
        "Hvor": t["column"], "Hvad er galt": t["problem"], "Hvad gør I": t["action"],
    })
    head = []
    if n_err:
        head.append(f"<b>Planen kan ikke gemmes endnu:</b> {n_err} "
                    f"{'ting mangler eller er forkert' if n_err > 1 else 'ting mangler eller er forkert'}.")
    if n_warn:
        head.append(f"{n_warn} {'bemærkning' if n_warn == 1 else 'bemærkninger'} – planen kan "
                    "gemmes, men se på dem.")
    colour = "#b3261e" if n_err else "#7a5a00"
    return Block(_STYLE + f'<p style="color:{colour}">{" ".join(head)}</p>'
                 + _table_html(rows, cls="llkit-problems", left=rows.columns))


# ======================================================================================
# a plan as readable HTML
# ======================================================================================


def _indicator_text(ds: Dataset, ind: Indicator | None) -> str:
    if ind is None or ind.kind is None:
        return "(ingen indikator valgt)"
    try:
        label = _plans.indicator_info(ds, ind)["label"]
    except (KeyError, ValueError):
        label = f"{ind.kind} {ind.measure or ''}".strip()
    if ind.department:
        org = ds.org.set_index(ds.org["department_id"].astype(str))
        if ind.department in org.index:
            label += f" ({org.loc[ind.department, 'department_name']})"
    return label


def _target_text(ds: Dataset, g: Goal) -> str:
    if g.target is None:
        return "–"
    share = g.indicator is not None and g.indicator.kind in ("share_low", "coverage")
    return _value_text(g.target, share)


def plan_block(ds: Dataset, plan: Plan) -> Block:
    """A plan as a readable Danish document (focus areas, goals, signs, actions)."""
    parts = [_STYLE, '<div class="llkit-plan">',
             f"<p><b>{_esc(plan.title or '(ingen titel)')}</b>"
             + (f" · {plan.created.strftime('%d.%m.%Y')}" if plan.created else "") + "</p>"]
    if plan.description:
        parts.append(f"<p>{_esc(plan.description)}</p>")
    if not plan.focus_areas:
        parts.append('<p class="llkit-empty">Planen har endnu ingen fokusområder.</p>')
    for i, fa in enumerate(plan.focus_areas, start=1):
        parts.append(f"<h3>Fokusområde {i}: {_esc(fa.focus or '(uden navn)')}</h3>")
        if fa.description:
            parts.append(f'<p class="llkit-note">{_esc(fa.description)}</p>')
        for j, g in enumerate(fa.goals, start=1):
            parts.append('<div class="llkit-goal">')
            parts.append(f"<p><b>Mål {j}: {_esc(g.goal or '(ikke skrevet)')}</b></p>")
            coming = (" (en kommende måling)" if g.target_round
                      and g.target_round not in _rounds(ds) else "")
            parts.append(f"<p>Følges med: {_esc(_indicator_text(ds, g.indicator))}. "
                         f"Udgangspunkt: {_esc(g.baseline or '–')}. Målværdi: "
                         f"{_esc(_target_text(ds, g))} i {_esc(g.target_round or '–')}"
                         f"{coming}.</p>")
            signs = "".join(f"<li>{_esc(s)}</li>" for s in g.signs) or \
                '<li class="llkit-empty">(ingen tegn endnu)</li>'
            parts.append(f"<p>Tegn, vi ser efter:</p><ul>{signs}</ul>")
            acts = "".join(
                f"<li>{_esc(a.what or '–')} – {_esc(a.who or '–')}, frist "
                f"{a.deadline.strftime('%d.%m.%Y') if a.deadline else '–'}</li>" for a in g.actions
            ) or '<li class="llkit-empty">(ingen handlinger endnu)</li>'
            parts.append(f"<p>Handlinger:</p><ul>{acts}</ul></div>")
    parts.append("</div>")
    return Block("".join(parts))
