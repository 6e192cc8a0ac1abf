"""Build, edit and follow up an institution's action plan (handleplan) with widgets.

The logic behind ``notebooks/action_plan.ipynb``. The notebook stays thin: it shows where
the data points (:func:`candidates`), displays a :class:`PlanEditor` (ipywidgets; every
field can also be set from Python, which is how the tests drive it) and the follow-up
view (:func:`followup`: each goal's status with its interval, and a figure per goal).

A plan is written as YAML (see ``docs/plans.md``) with :func:`llkit.documents.plans.write_plan`:
atomically, only after :func:`llkit.documents.plans.validate_plan` finds no errors, and an existing
file only when the user confirms. Problems are shown in Danish
(``validate_plan(..., lang="da")``).

Examples
--------
>>> import llkit
>>> from llkit import planner
>>> ds = llkit.load("data/sample/dagtilbud")
>>> ed = planner.PlanEditor(ds, "I01", start="empty")
>>> fi = ed.add_focus("Tillid i personalegruppen")
>>> gi = ed.add_goal(fi, goal="Mere tillid", indicator=("staff", "tillid"), baseline="T1",
...                  target=3.8, target_round="T3", signs=["Vi tager svære sager op"],
...                  actions=[("Faste personalemøder", "Ledelsen", "2015-09-01")])
>>> ed.to_plan().goals[0][1].target
3.8
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from llkit.documents import plans as _plans
from llkit.documents.plans import Action, FocusArea, Goal, Indicator, Plan
from llkit.errors import PROBLEM_COLUMNS, PlanError
from llkit.present import text as tx
from llkit.present.html import Block

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "KIND_LABELS",
    "PlanEditor",
    "FollowUp",
    "title_block",
    "candidates",
    "indicator_choices",
    "problems_da",
    "problems_block",
    "followup",
    "goal_figure",
    "plan_block",
]

#: The indicator kinds as a daycare leader reads them (dropdown labels).
KIND_LABELS = {
    "mean": "Gennemsnit af en måling",
    "share_low": "Andel med en lav score",
    "gap": "Forskel efter social baggrund",
    "staff": "Medarbejdernes svar (kultur)",
    "coverage": "Dokumentation af tegn på læring",
}

#: Colours of the four statuses (Okabe–Ito: colour-blind safe); the word is always shown.
STATUS_COLOURS = {"nået": "#009E73", "på vej": "#0072B2", "ikke nået": "#D55E00",
                  "kan ikke vurderes": "#6E6E6E"}

_STYLE = """<style>
.llkit-plan { font-size: 0.95em; }
.llkit-plan h3 { margin: 0.8em 0 0.2em; }
.llkit-plan .llkit-goal { border-left: 3px solid #0b5394; padding: 0.1em 0 0.3em 0.8em; margin: 0.5em 0 0.8em; }
.llkit-plan .llkit-goal p { margin: 0.2em 0; }
.llkit-plan ul { margin: 0.2em 0 0.4em; }
.llkit-status { display: inline-block; padding: 0 0.5em; border-radius: 0.6em; color: #fff; font-weight: 600;
  white-space: nowrap; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.llkit-problems td, .llkit-problems th { text-align: left !important; }
</style>"""


# ======================================================================================
# small formatting helpers
# ======================================================================================


def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _num_text(x: float) -> str:
    """A number as the user would type it: at most 6 significant digits, decimal comma."""
    return f"{x:.6g}".replace(".", ",")


def _labels(ds: Dataset) -> dict[str, str]:
    return ds.profile.labels


def _noun(ds: Dataset, key: str, default: str) -> str:
    return _labels(ds).get(key, default).lower()


def _definite_singular(noun: str) -> str:
    """dagtilbud → dagtilbuddet, skole → skolen (Danish definite singular)."""
    if noun == "dagtilbud":
        return "dagtilbuddet"
    return noun + ("n" if noun.endswith("e") else "et")


def _inst_name(ds: Dataset, institution: str) -> str:
    org = ds.org
    hit = org.loc[org["institution_id"].astype(str) == str(institution), "institution_name"]
    if not len(hit):
        known = ", ".join(sorted(org["institution_id"].astype(str).unique()))
        raise KeyError(f"unknown institution {institution!r}; known: {known}")
    return str(hit.iloc[0])


def _rounds(ds: Dataset) -> list[str]:
    return [str(r) for r in ds.meta.rounds]


def _later_rounds(ds: Dataset, baseline: str | None) -> list[str]:
    """Rounds after ``baseline`` in the data, then the next coming round (T4 after T3)."""
    rounds = _rounds(ds)
    start = rounds.index(baseline) + 1 if baseline in rounds else 0
    out = rounds[start:]
    nxt = _plans._next_round(rounds)
    if nxt is not None:
        out.append(nxt)
    return out


def _value_text(x: float, share: bool) -> str:
    if share:
        return tx.fmt_percent(x, 0 if abs(round(x * 100) - x * 100) < 1e-9 else 1)
    return tx.fmt_number(x, 2 if abs(round(x * 10) - x * 10) > 1e-9 else 1)


def _measured_text(x: float, share: bool) -> str:
    """A measured value as the reports show it: shares in whole percent, else 1 decimal."""
    return tx.fmt_percent(x, 0) if share else tx.fmt_number(x, 1)


def _interval_text(lo: float, hi: float, share: bool) -> str:
    return tx.fmt_interval(lo, hi, 0 if share else 1, percent=share)


def _figure_html(fig: Any, alt: str, caption: str | None = None) -> str:
    """A matplotlib figure inlined as an SVG data URI (no files, no network)."""
    from llkit.present.plots import svg_data_uri

    cap = f"<figcaption>{_esc(caption)}</figcaption>" if caption else ""
    return (f'<figure class="llkit-figure"><img alt="{_esc(alt)}" style="max-width:100%" '
            f'src="{svg_data_uri(fig)}">{cap}</figure>')


def _table_html(df: pd.DataFrame, caption: str | None = None, cls: str = "",
                left: Iterable[str] = ()) -> str:
    """A table of formatted strings; columns in ``left`` (texts) are left-aligned."""
    left = set(left)
    align = ['style="text-align:left"' if c in left else "" for c in df.columns]
    head = "".join(f"<th {a}>{_esc(c)}</th>" for c, a in zip(df.columns, align, strict=True))
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for v, a in zip(row, align, strict=True):
            cells.append(f"<td {a}>{v.html if isinstance(v, Block) else _esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return (f'<div class="llkit-table-wrap"><table class="llkit-table {cls}">{cap}<thead><tr>'
            f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _status_chip(status: str) -> Block:
    colour = STATUS_COLOURS.get(status, "#6E6E6E")
    return Block(f'<span class="llkit-status" style="background:{colour}">{_esc(status)}</span>')


# ======================================================================================
# indicators offered by the data
# ======================================================================================


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
        problem, action = _plans._danish_row(row, plan)
        rows.append({**row, "column": _plans._where_da(row.get("column"), plan),
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


# ======================================================================================
# the follow-up view
# ======================================================================================


class FollowUp(Block):
    """The follow-up view of a plan: HTML for the notebook, and the numbers behind it.

    Attributes
    ----------
    status : pandas.DataFrame or None
        :func:`llkit.documents.plans.plan_status` of the plan (None when there is no usable plan).
    problems : pandas.DataFrame or None
        The Danish problem table when the plan has errors.
    """

    def __init__(self, html_: str, status: pd.DataFrame | None = None,
                 problems: pd.DataFrame | None = None) -> None:
        super().__init__(html_)
        self.status = status
        self.problems = problems


def goal_figure(ds: Dataset, institution: str, goal: Goal, row: pd.Series | None = None):
    """A goal over the rounds: the value with its 95 % interval in each round, the
    baseline, and the target (value and round), titled with the goal and its status.

    Parameters
    ----------
    ds : Dataset
    institution : str
    goal : Goal
        A goal of a valid plan.
    row : pandas.Series, optional
        The goal's row of :func:`llkit.documents.plans.plan_status` (its status colours the title).

    Returns
    -------
    matplotlib.figure.Figure
        Suppressed rounds are marked "vises ikke", never drawn as a value.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    ind = goal.indicator
    info = _plans.indicator_info(ds, ind)
    share = info["share"]
    vals = _plans.indicator_values(ds, institution, ind)
    rounds = _rounds(ds)
    extra = [r for r in (goal.target_round,) if r not in rounds]
    xs = rounds + extra
    x_of = {r: i for i, r in enumerate(xs)}
    fig = Figure(figsize=(7.2, 3.0), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    scale = 100.0 if share else 1.0
    status = str(row["status"]) if row is not None else None
    colour = STATUS_COLOURS.get(status or "", "#0b5394")
    shown = vals[~vals["suppressed"] & vals["value"].notna()]
    ys: list[float] = [goal.target * scale]
    if len(shown):
        x = [x_of[r] for r in shown["round"]]
        y = shown["value"].to_numpy(float) * scale
        lo = shown["ci_low"].to_numpy(float) * scale
        hi = shown["ci_high"].to_numpy(float) * scale
        has_ci = ~np.isnan(lo)
        ax.plot(x, y, color="#0b5394", lw=1.4, zorder=2)
        if has_ci.any():
            xa = np.asarray(x)[has_ci]
            ax.errorbar(xa, y[has_ci], yerr=[y[has_ci] - lo[has_ci], hi[has_ci] - y[has_ci]],
                        fmt="none", ecolor="#0b5394", elinewidth=1.2, capsize=4, zorder=2)
            ys += list(lo[has_ci]) + list(hi[has_ci])
        ax.scatter(x, y, s=36, color="#0b5394", zorder=3,
                   label="Jeres værdi med 95 %-interval" if has_ci.any() else "Jeres værdi")
        ys += list(y)
    for r in vals.loc[vals["suppressed"], "round"]:
        ax.annotate("vises ikke\n(for få)", (x_of[r], 0.5), xycoords=("data", "axes fraction"),
                    ha="center", va="center", fontsize=8, color="#6E6E6E")
    base = shown[shown["round"] == goal.baseline]
    if len(base):
        by = float(base["value"].iloc[0]) * scale
        ax.annotate("udgangspunkt", (x_of[goal.baseline], by), textcoords="offset points",
                    xytext=(7, -3), ha="left", va="top", fontsize=8, color="#57606a")
    t = goal.target * scale
    ax.axhline(t, color="#D55E00", lw=1.2, ls="--", zorder=1)
    good_up = info["higher_is_better"]
    ax.scatter([x_of[goal.target_round]], [t], marker="*", s=160, color="#D55E00", zorder=4,
               label=f"Målet: {_value_text(goal.target, share)} i {goal.target_round}")
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels([r + (" (kommer)" if r in extra else "") for r in xs])
    ax.set_xlim(-0.5, len(xs) - 0.5)
    lo_all, hi_all = min(ys), max(ys)
    pad = max((hi_all - lo_all) * 0.25, 0.05 * (abs(hi_all) + 1))
    bottom, top = lo_all - pad, hi_all + pad
    if np.isfinite(info["lo"]):
        bottom = max(bottom, info["lo"] * scale - (0.02 * scale if share else 0.05))
    if np.isfinite(info["hi"]):
        top = min(top, info["hi"] * scale + (0.02 * scale if share else 0.05))
    ax.set_ylim(bottom, top)
    ax.axhspan(t, top if good_up else bottom, color="#009E73", alpha=0.08, lw=0, zorder=0,
               label="Her er målet nået")
    dec = 0 if share else 1
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: tx.fmt_number(v, dec) + (" %" if share else "")))
    better = "højere er bedre" if info["higher_is_better"] else "lavere er bedre"
    ax.set_ylabel(_wrap(f"{info['label']} ({better})", 34), fontsize=8)
    ax.grid(axis="y", color="#e5e5e5", lw=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    title = _wrap(goal.goal, 70)
    ax.set_title(title, loc="left", fontsize=10.5, fontweight="bold")
    if status:
        fig.text(0.69, 0.5, f"Status:\n{status}", ha="left", va="center", fontsize=10,
                 color=colour, fontweight="bold")
    fig.subplots_adjust(left=0.13, right=0.68, top=0.82 if "\n" not in title else 0.76,
                        bottom=0.14)
    return fig


def _wrap(s: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(s), width)) or str(s)


def _resolve_plan(ds: Dataset, plan: Plan | str | Path | None, institution: str | None
                  ) -> tuple[Plan | None, Path | None]:
    """The plan to follow up (loaded if given as a file) and its file; a plan file with
    errors raises PlanError with the problems in Danish."""
    if isinstance(plan, Plan):
        return plan, plan.path
    if plan is None:
        if institution is None:
            return None, None
        path = _plans.default_plan_path(ds, institution)
        if path is None or not path.is_file():
            return None, path
        plan = path
    return _plans.load_plan(plan, lang="da"), Path(plan)


def _no_plan(ds: Dataset, institution: str | None, path: Path | None) -> FollowUp:
    who = _inst_name(ds, institution) if institution else "Huset"
    where = f" ({path})" if path is not None else ""
    return FollowUp(f'<p class="llkit-empty">{_esc(who)} har endnu ingen gemt handleplan'
                    f"{_esc(where)}. Når planen er gemt med knappen »Gem handleplan«, "
                    "viser opfølgningen her, hvor I står på hvert mål.</p>")


def followup(ds: Dataset, plan: Plan | str | Path | None, *,
             institution: str | None = None) -> FollowUp:
    """The follow-up view: where each goal of the plan stands, with a figure per goal.

    Parameters
    ----------
    ds : Dataset
        The data, with the rounds measured so far.
    plan : Plan or str or Path or None
        The plan or its file; None means the institution's plan in the dataset's
        ``plans/`` folder (``institution`` must then be given).
    institution : str, optional
        Used when ``plan`` is None (and to say whose plan is missing).

    Returns
    -------
    FollowUp
        Displays as HTML: a table with, per goal, the baseline, the latest value with
        its interval, the target, the status (nået / på vej / ikke nået / kan ikke
        vurderes) and the reason, then one figure per goal. ``.status`` is
        :func:`llkit.documents.plans.plan_status` of the plan. A missing plan or a plan with
        errors is said in Danish (``.problems`` holds the errors) instead of failing.
    """
    try:
        p, path = _resolve_plan(ds, plan, institution)
    except PlanError as exc:
        da = exc.problems
        return FollowUp("<p><b>Den gemte handleplan kan ikke læses.</b></p>"
                        + problems_block(da).html, problems=da)
    if p is None:
        return _no_plan(ds, institution, path)
    try:
        status = _plans.plan_status(p, ds)
    except PlanError:
        da = _plans.validate_plan(p, ds, lang="da")
        return FollowUp("<p><b>Handleplanen har fejl, så opfølgningen kan ikke vises.</b></p>"
                        + problems_block(da).html, problems=da)
    table = _plans.status_table(status)
    rows = pd.DataFrame({
        "Mål": table["Mål"], "Indikator": table["Indikator"],
        "Udgangspunkt": table["Udgangspunkt"], "Seneste": table["Seneste"],
        "95 %-interval": table["Interval"], "Målværdi": table["Målværdi"],
        "Status": [_status_chip(s) for s in table["Status"]],
        "Begrundelse": table["Begrundelse"],
    })
    counts = status["status"].value_counts()
    summary = " · ".join(f"{k}: {int(counts.get(k, 0))}" for k in _plans.STATUSES)
    parts = [_STYLE, f"<p><b>{_esc(p.title)}</b>"
             + (f" (oprettet {p.created.strftime('%d.%m.%Y')})" if p.created else "")
             + f". I alt {len(status)} mål – {summary}.</p>",
             _table_html(rows, caption="Status for hvert mål",
                         left=["Mål", "Indikator", "Begrundelse"]),
             '<p class="llkit-note">Et mål er først »nået«, når hele 95 %-intervallet ligger '
             "på den rigtige side af målværdien, og »ikke nået«, når hele intervallet ligger "
             "på den forkerte side i målrunden. »På vej« betyder, at udviklingen siden "
             "udgangspunktet er større end usikkerheden. »Kan ikke vurderes« betyder, at data "
             "endnu ikke kan sige det sikkert – begrundelsen siger hvorfor. Se også på de tegn, "
             "I har aftalt at se efter: de fortæller noget, tallene ikke kan.</p>"]
    figs = []
    import matplotlib as mpl

    with mpl.rc_context({"font.size": 9}):
        for (_fa, g), (_, row) in zip(p.goals, status.iterrows(), strict=True):
            fig = goal_figure(ds, p.institution, g, row)
            figs.append(_figure_html(fig, f"{g.goal}: {row['status']}",
                                     f"{str(row['status']).capitalize()}: {row['reason']}."))
    parts.append(f'<div class="llkit-figures llkit-cols-1">{"".join(figs)}</div>')
    return FollowUp("".join(parts), status=status)


# ======================================================================================
# the widget editor
# ======================================================================================


def _w():
    import ipywidgets as widgets

    return widgets


_WIDE = {"width": "100%"}
_DESC = {"description_width": "11em"}


class _ActionRow:
    """One action: what, who, deadline, and a remove button."""

    def __init__(self, editor: PlanEditor, goal: _GoalForm) -> None:
        w = _w()
        self.editor, self.goal = editor, goal
        self.what = w.Text(description="Hvad", placeholder="Hvad gør I?", style=_DESC,
                           continuous_update=False, layout={"width": "46%"})
        self.who = w.Text(description="Ansvarlig", placeholder="Hvem har ansvaret?",
                          style={"description_width": "5.5em"}, continuous_update=False,
                          layout={"width": "26%"})
        self.deadline = w.DatePicker(description="Frist", style={"description_width": "3em"},
                                     layout={"width": "22%"})
        self.remove = w.Button(description="", icon="trash", tooltip="Fjern handlingen",
                               layout={"width": "3em"})
        self.remove.on_click(lambda _: self.goal.remove_action(self))
        for x in (self.what, self.who, self.deadline):
            x.observe(self.editor._changed, names="value")
        self.box = w.HBox([self.what, self.who, self.deadline, self.remove],
                          layout={"width": "100%"})

    def set(self, what: str | None = None, who: str | None = None,
            deadline: date | str | None = None) -> None:
        if what is not None:
            self.what.value = str(what)
        if who is not None:
            self.who.value = str(who)
        if deadline is not None:
            self.deadline.value = _as_date(deadline)

    def value(self) -> Action:
        return Action(what=self.what.value.strip() or None, who=self.who.value.strip() or None,
                      deadline=self.deadline.value)  # type: ignore[arg-type]


def _as_date(x: date | str) -> date:
    if isinstance(x, date):
        return x
    parsed = _plans._parse_date(x)
    if parsed is None:
        raise ValueError(f"'{x}' is not a date; use YYYY-MM-DD or DD.MM.YYYY")
    return parsed


class _GoalForm:
    """The widgets of one goal."""

    def __init__(self, editor: PlanEditor, focus: _FocusForm) -> None:
        w = _w()
        self.editor, self.focus = editor, focus
        ds = editor.ds
        kinds = [(KIND_LABELS[k], k) for k in editor.choices]
        self.goal = w.Text(description="Målet", placeholder="Målet i én sætning",
                           style=_DESC, continuous_update=False, layout=_WIDE)
        self.kind = w.Dropdown(options=kinds, description="Følges med", style=_DESC,
                               layout={"width": "60%"})
        self.measure = w.Dropdown(options=[], description="Måling", style=_DESC,
                                  layout={"width": "60%"})
        deps = ds.org[ds.org["institution_id"].astype(str) == editor.institution]
        self.department = w.Dropdown(
            options=[(f"Hele {_definite_singular(_noun(ds, 'institution', 'dagtilbud'))}", "")]
            + [(str(r.department_name), str(r.department_id)) for r in deps.itertuples()],
            description="For", style=_DESC, layout={"width": "60%"})
        self.baseline = w.Dropdown(options=_rounds(ds), description="Udgangspunkt",
                                   style=_DESC, layout={"width": "30%"})
        self.baseline_info = w.HTML(layout={"width": "68%"})
        self.target = w.Text(description="Målværdi", placeholder="fx 3,5", style=_DESC,
                             continuous_update=False, layout={"width": "30%"})
        self.target_unit = w.HTML(layout={"width": "68%"})
        self.target_round = w.Dropdown(options=_later_rounds(ds, self.baseline.value),
                                       description="Nås senest i", style=_DESC,
                                       layout={"width": "30%"})
        self.signs = w.Textarea(description="Tegn (ét pr. linje)", style=_DESC,
                                placeholder="Hvad vil I se eller høre, når I er på vej mod "
                                "målet? Skriv ét tegn pr. linje.",
                                continuous_update=False, layout={"width": "100%", "height": "5em"})
        self.actions: list[_ActionRow] = []
        self.actions_box = w.VBox()
        self.add_action_button = w.Button(description="Tilføj handling", icon="plus")
        self.add_action_button.on_click(lambda _: self.add_action())
        self.remove_button = w.Button(description="Fjern målet", icon="trash",
                                      button_style="warning")
        self.remove_button.on_click(lambda _: self.focus.remove_goal(self))
        self.heading = w.HTML()
        self.kind.observe(self._kind_changed, names="value")
        self.measure.observe(self._indicator_changed, names="value")
        self.department.observe(self._indicator_changed, names="value")
        self.baseline.observe(self._baseline_changed, names="value")
        for x in (self.goal, self.target, self.target_round, self.signs):
            x.observe(self.editor._changed, names="value")
        self._kind_changed()
        self.box = w.VBox([
            self.heading, self.goal, self.kind, self.measure, self.department,
            w.HBox([self.baseline, self.baseline_info]),
            w.HBox([self.target, self.target_unit]), self.target_round, self.signs,
            w.HTML("<b>Handlinger</b> – hvad gør I, hvem har ansvaret, og hvornår?"),
            self.actions_box, w.HBox([self.add_action_button, self.remove_button]),
        ], layout={"border": "1px solid #d0d7de", "padding": "4px 8px", "margin": "6px 0"})

    # ---------------------------------------------------------------- reactions

    def _kind_changed(self, change: Any = None) -> None:
        opts = self.editor.choices.get(self.kind.value, [])
        old = self.measure.value
        with self.editor._hold():
            self.measure.options = [(lab, mid if mid is not None else "") for lab, mid in opts]
            ids = [o[1] for o in self.measure.options]
            if old in ids:
                self.measure.value = old
        self.measure.layout.display = "none" if self.kind.value == "coverage" else None
        share = self.kind.value in ("share_low", "coverage")
        self.target.placeholder = "fx 10" if share else "fx 3,5"
        self._indicator_changed()

    def _baseline_changed(self, change: Any = None) -> None:
        old = self.target_round.value
        later = _later_rounds(self.editor.ds, self.baseline.value)
        with self.editor._hold():
            self.target_round.options = later
            if old in later:
                self.target_round.value = old
        self._indicator_changed()

    def _indicator_changed(self, change: Any = None) -> None:
        self._update_info()
        self.editor._changed()

    def _update_info(self) -> None:
        ind = self.indicator()
        ds = self.editor.ds
        share = self.kind.value in ("share_low", "coverage")
        if ind is None:
            self.baseline_info.value = ""
            self.target_unit.value = ""
            return
        info = _plans.indicator_info(ds, ind)
        better = "højere er bedre" if info["higher_is_better"] else "lavere er bedre"
        if share:
            unit = "i procent (0–100)"
        elif ind.kind == "gap":
            unit = "point: forskellen mellem grupperne"
        else:
            lo, hi = info["lo"], info["hi"]
            unit = (f"på skalaen {_num_text(lo)}–{_num_text(hi)}"
                    if math.isfinite(lo) and math.isfinite(hi) else "på målingens skala")
        self.target_unit.value = f'<span style="color:#57606a">{_esc(unit)} · {better}</span>'
        vals = self.editor._values(ind)
        row = vals[vals["round"] == self.baseline.value]
        min_n = int(ds.meta.min_n)
        if row.empty:
            text = f"Ingen data i {self.baseline.value}."
        elif bool(row["suppressed"].iloc[0]):
            text = (f"{self.baseline.value}: vises ikke (færre end {min_n} {info['noun']}) – "
                    "vælg et andet udgangspunkt eller hele huset.")
        else:
            r = row.iloc[0]
            iv = ("" if pd.isna(r["ci_low"])
                  else f", usikkerhed {_interval_text(r['ci_low'], r['ci_high'], share)}")
            if ind.kind == "coverage":
                k = int(round(r["value"] * int(r["n"])))
                text = (f"Værdi i {r['round']}: <b>{_measured_text(r['value'], share)}</b> "
                        f"({k} af {int(r['n'])} {info['noun']})")
            else:
                text = (f"Værdi i {r['round']}: <b>{_measured_text(r['value'], share)}</b>{iv} "
                        f"({tx.fmt_int(r['n'])} {info['noun']})")
        self.baseline_info.value = f'<span style="color:#1f2328">{text}</span>'

    # ---------------------------------------------------------------- values

    def indicator(self) -> Indicator | None:
        kind = self.kind.value
        if kind is None:
            return None
        measure = self.measure.value or None
        if kind != "coverage" and measure is None:
            return None
        return Indicator(kind=kind, measure=None if kind == "coverage" else measure,
                         department=self.department.value or None)

    def add_action(self, what: str | None = None, who: str | None = None,
                   deadline: date | str | None = None) -> _ActionRow:
        row = _ActionRow(self.editor, self)
        with self.editor._hold():
            row.set(what, who, deadline)
        self.actions.append(row)
        self.actions_box.children = [a.box for a in self.actions]
        self.editor._changed()
        return row

    def remove_action(self, row: _ActionRow) -> None:
        self.actions.remove(row)
        self.actions_box.children = [a.box for a in self.actions]
        self.editor._changed()

    def set(self, **fields: Any) -> None:
        unknown = set(fields) - {"goal", "indicator", "baseline", "target", "target_round",
                                 "signs", "actions"}
        if unknown:
            raise TypeError(f"unknown goal field(s): {', '.join(sorted(unknown))}")
        ed = self.editor
        with ed._hold():
            if fields.get("goal") is not None:
                self.goal.value = str(fields["goal"])
            if fields.get("indicator") is not None:
                ind = fields["indicator"]
                if isinstance(ind, dict):
                    ind = Indicator(**ind)
                elif isinstance(ind, tuple | list):
                    ind = Indicator(*ind)
                if ind.kind not in ed.choices:
                    raise ValueError(f"indicator kind {ind.kind!r} is not available in this "
                                     f"data; available: {', '.join(ed.choices)}")
                self.kind.value = ind.kind
                if ind.kind != "coverage":
                    ids = [o[1] for o in self.measure.options]
                    if ind.measure not in ids:
                        raise ValueError(f"measure {ind.measure!r} cannot be used with kind "
                                         f"{ind.kind!r}; choose one of: {', '.join(ids)}")
                    self.measure.value = ind.measure
                deps = [o[1] for o in self.department.options]
                if (ind.department or "") not in deps:
                    raise ValueError(f"department {ind.department!r} is not one of the "
                                     f"institution's: {', '.join(d for d in deps if d)}")
                self.department.value = ind.department or ""
            if fields.get("baseline") is not None:
                self.baseline.value = str(fields["baseline"])
            if fields.get("target_round") is not None:
                tr = str(fields["target_round"])
                if tr not in self.target_round.options:
                    raise ValueError(f"target round {tr!r} must come after the baseline; "
                                     f"choose one of: {', '.join(self.target_round.options)}")
                self.target_round.value = tr
            if "target" in fields:
                t = fields["target"]
                if t is None:
                    self.target.value = ""
                elif isinstance(t, str):
                    self.target.value = t
                else:
                    share = self.kind.value in ("share_low", "coverage")
                    self.target.value = _num_text(float(t) * (100 if share else 1))
            if fields.get("signs") is not None:
                signs = fields["signs"]
                self.signs.value = signs if isinstance(signs, str) else "\n".join(signs)
            if fields.get("actions") is not None:
                for a in list(self.actions):
                    self.remove_action(a)
                for a in fields["actions"]:
                    if isinstance(a, Action):
                        self.add_action(a.what, a.who, a.deadline)
                    elif isinstance(a, dict):
                        self.add_action(**a)
                    else:
                        self.add_action(*a)
        self._update_info()
        ed._changed()

    def target_value(self) -> tuple[float | None, str | None]:
        """The target on the plan's scale (shares 0–1), or a Danish problem."""
        text = self.target.value.strip()
        if not text:
            return None, None
        number, percent = _plans._parse_number(text)
        share = self.kind.value in ("share_low", "coverage")
        if number is None:
            return None, (f"Målværdien »{text}« er ikke et tal.",
                          "Skriv et tal, fx 3,5" + (" (i procent: 10)" if share else "") + ".")
        if share:
            return number / 100.0, None
        if percent:
            return None, ("Målværdien er skrevet i procent, men indikatoren er ikke en andel.",
                          "Skriv en værdi på målingens skala, fx 3,5.")
        return number, None

    def value(self) -> Goal:
        target, _ = self.target_value()
        signs = [s.strip(" -•\t") for s in self.signs.value.splitlines()]
        return Goal(goal=self.goal.value.strip() or None, indicator=self.indicator(),  # type: ignore[arg-type]
                    baseline=self.baseline.value, target=target,  # type: ignore[arg-type]
                    target_round=self.target_round.value,
                    signs=[s for s in signs if s], actions=[a.value() for a in self.actions])


class _FocusForm:
    """The widgets of one focus area with its goals."""

    def __init__(self, editor: PlanEditor) -> None:
        w = _w()
        self.editor = editor
        self.focus = w.Text(description="Fokusområde", placeholder="Navnet på fokusområdet",
                            style=_DESC, continuous_update=False, layout=_WIDE)
        self.description = w.Textarea(description="Hvorfor (valgfri)", style=_DESC,
                                      placeholder="Hvad viser data, og hvorfor er det vigtigt "
                                      "for jer?", continuous_update=False,
                                      layout={"width": "100%", "height": "4em"})
        self.goals: list[_GoalForm] = []
        self.goals_box = w.VBox()
        self.add_goal_button = w.Button(description="Tilføj mål", icon="plus",
                                        button_style="info")
        self.add_goal_button.on_click(lambda _: self.add_goal())
        self.remove_button = w.Button(description="Fjern fokusområdet", icon="trash",
                                      button_style="danger")
        self.remove_button.on_click(lambda _: self.editor._remove_focus_form(self))
        self.heading = w.HTML()
        for x in (self.focus, self.description):
            x.observe(self.editor._changed, names="value")
        self.box = w.VBox([self.heading, self.focus, self.description, self.goals_box,
                           w.HBox([self.add_goal_button, self.remove_button])],
                          layout={"border": "2px solid #0b5394", "padding": "6px 10px",
                                  "margin": "10px 0"})

    def add_goal(self, **fields: Any) -> _GoalForm:
        g = _GoalForm(self.editor, self)
        self.goals.append(g)
        self._relabel()
        if fields:
            g.set(**fields)
        self.editor._changed()
        return g

    def remove_goal(self, g: _GoalForm) -> None:
        self.goals.remove(g)
        self._relabel()
        self.editor._changed()

    def _relabel(self) -> None:
        for j, g in enumerate(self.goals, start=1):
            g.heading.value = f"<b>Mål {j}</b>"
        self.goals_box.children = [g.box for g in self.goals]

    def value(self) -> FocusArea:
        return FocusArea(focus=self.focus.value.strip() or None,  # type: ignore[arg-type]
                         goals=[g.value() for g in self.goals],
                         description=self.description.value.strip() or None)


class PlanEditor:
    """Build or edit an institution's action plan with widgets, and save it as YAML.

    Everything the widgets do can be done from Python (the tests do): :meth:`add_focus`,
    :meth:`add_goal`, :meth:`set_goal`, :meth:`add_action`, :meth:`remove_goal`,
    :meth:`remove_focus`, :meth:`set_plan`, :meth:`add_candidate`, :meth:`to_plan`,
    :meth:`check` and :meth:`save`.

    Parameters
    ----------
    ds : Dataset
        The team's data; indicators, measures, departments and rounds in the dropdowns
        come from it, and the baseline value is read from it.
    institution : str
        The institution id.
    plan : Plan or str or Path, optional
        A plan (or its file) to edit. By default the institution's plan in the dataset's
        ``plans/`` folder if it exists.
    out : str or Path, optional
        Where :meth:`save` writes; default ``plans/<institution>.yaml`` in the dataset
        folder.
    start : {"draft", "empty"}, default "draft"
        Without a plan to edit: start from :func:`llkit.documents.plans.new_plan` (one focus area
        per place the data points to, for the team to keep, change or remove) or from an
        empty plan.
    created : date, optional
        The date of a new plan; default today.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The editor. Displaying the editor itself shows the widget in Jupyter and, in a
        static HTML export, the plan as a document.
    path : Path or None
        Where the plan is saved.
    source : Path or None
        The plan file that was loaded (None for a new plan).
    load_problems : pandas.DataFrame or None
        Danish problems of a plan file that could not be read (the editor then starts
        from a draft; saving replaces the broken file only after a confirmation).
    """

    def __init__(self, ds: Dataset, institution: str, plan: Plan | str | Path | None = None,
                 *, out: str | Path | None = None, start: str = "draft",
                 created: date | None = None) -> None:
        if start not in ("draft", "empty"):
            raise ValueError(f"start must be 'draft' or 'empty', not {start!r}")
        self.ds = ds
        self.institution = str(institution)
        self.name = _inst_name(ds, self.institution)
        self.choices = indicator_choices(ds)
        self._cache: dict[Any, pd.DataFrame] = {}
        self._holding = 0
        self._display_handle: Any = None
        self.load_problems: pd.DataFrame | None = None
        default = _plans.default_plan_path(ds, self.institution)
        self.path = Path(out) if out is not None else default
        self.source: Path | None = None
        initial: Plan | None = None
        if isinstance(plan, Plan):
            initial, self.source = plan, plan.path
        else:
            file = Path(plan) if plan is not None else (default if default is not None
                                                        and default.is_file() else None)
            if plan is not None and not Path(plan).is_file():
                raise FileNotFoundError(f"plan file not found: {plan}")
            if file is not None:
                self.source = file
                try:
                    initial = _plans.load_plan(file, lang="da")
                except PlanError as exc:
                    self.load_problems = exc.problems
        if initial is not None and str(initial.institution) != self.institution:
            raise ValueError(f"the plan {self.source or ''} is for institution "
                             f"{initial.institution}, not {self.institution}")
        self._started = "loaded" if initial is not None else start
        if initial is None:
            if start == "draft":
                try:
                    initial = _plans.new_plan(ds, self.institution, created=created)
                except ValueError:  # no data for the institution yet
                    initial = None
            if initial is None:
                initial = Plan(institution=self.institution,
                               title=f"Handleplan for {self.name}",
                               created=created or date.today())
        self._build()
        self.load(initial)

    # ---------------------------------------------------------------- building

    def _hold(self):
        editor = self

        class _Ctx:
            def __enter__(self_inner):
                editor._holding += 1

            def __exit__(self_inner, *exc):
                editor._holding -= 1

        return _Ctx()

    def _build(self) -> None:
        w = _w()
        self.title = w.Text(description="Titel", style=_DESC, continuous_update=False,
                            layout=_WIDE)
        self.created = w.DatePicker(description="Dato", style=_DESC)
        self.description = w.Textarea(description="Baggrund (valgfri)", style=_DESC,
                                      continuous_update=False,
                                      layout={"width": "100%", "height": "4em"})
        for x in (self.title, self.created, self.description):
            x.observe(self._changed, names="value")
        self.focus_forms: list[_FocusForm] = []
        self.focus_box = w.VBox()
        self.add_focus_button = w.Button(description="Tilføj fokusområde", icon="plus",
                                         button_style="info")
        self.add_focus_button.on_click(lambda _: self.add_focus())
        try:
            self._candidates = _plans.focus_candidates(self.ds, self.institution)
        except ValueError:
            self._candidates = pd.DataFrame(columns=["kind", "label", "why"])
        cand_opts = [(f"{KIND_LABELS[r.kind]}: {r.label}", i)
                     for i, r in enumerate(self._candidates.itertuples())]
        self.candidate = w.Dropdown(options=cand_opts, description="Forslag fra data",
                                    style=_DESC, layout={"width": "70%"})
        self.add_candidate_button = w.Button(description="Tilføj forslaget", icon="plus")
        self.add_candidate_button.on_click(
            lambda _: self.add_candidate(self.candidate.value) if self.candidate.value
            is not None else None)
        cand_row = (w.HBox([self.candidate, self.add_candidate_button]) if cand_opts
                    else w.HTML("<i>Data peger ikke på et bestemt område.</i>"))
        self.preview = w.HTML()
        self.problems_view = w.HTML()
        self.save_button = w.Button(description="Gem handleplan", icon="save",
                                    button_style="success", layout={"width": "14em"})
        self.save_button.on_click(lambda _: self._click_save(confirm=False))
        self.confirm_button = w.Button(description="Ja, overskriv filen", button_style="danger",
                                       layout={"width": "14em"})
        self.confirm_button.on_click(lambda _: self._click_save(confirm=True))
        self.cancel_button = w.Button(description="Fortryd", layout={"width": "8em"})
        self.cancel_button.on_click(lambda _: self._hide_confirm())
        self.confirm_box = w.HBox([self.confirm_button, self.cancel_button],
                                  layout={"display": "none"})
        self.message = w.HTML()
        where = f"<code>{_esc(self.path)}</code>" if self.path else "(ingen fil valgt)"
        self.path_label = w.HTML(f"Planen gemmes i {where}.")
        head = w.HTML(
            f"<h3 style='margin:0.2em 0'>Handleplan for {_esc(self.name)}</h3>"
            f"<p style='margin:0.2em 0'>{self.origin()}</p>"
            "<p style='margin:0.2em 0 0.6em'>Udfyld felterne. Hvert mål knyttes til en "
            "indikator i jeres data; udgangspunktet vises automatisk. Skriv de tegn, I vil se "
            "efter, og de handlinger, I vil sætte i gang. Under felterne ses, om der mangler "
            "noget, før planen kan gemmes.</p>"
            + (problems_block(self.load_problems).html if self.load_problems is not None
               else ""))
        self.editor_box = w.VBox([
            head, self.title, self.created, self.description,
            w.HTML("<b>Fokusområder</b>"), self.focus_box,
            w.HBox([self.add_focus_button]), cand_row,
        ])
        self.preview_box = w.Accordion(children=[self.preview], selected_index=None)
        self.preview_box.set_title(0, "Vis planen som YAML-fil (det, der bliver gemt)")
        self.widget = w.VBox([
            self.editor_box,
            w.HTML("<h4 style='margin:0.8em 0 0.2em'>Tjek af planen</h4>"), self.problems_view,
            self.preview_box,
            w.HBox([self.save_button, self.path_label]), self.message, self.confirm_box,
        ], layout={"max_width": "1000px"})

    def origin(self) -> str:
        """One Danish sentence (HTML): where the plan in the editor comes from."""
        if self.load_problems is not None:
            return (f"<b>Den gemte plan <code>{_esc(self.source)}</code> kan ikke læses</b> "
                    "(se fejlene nedenfor). Editoren starter derfor med et nyt udkast; "
                    "den gamle fil erstattes kun, hvis I bekræfter det.")
        if self.source is not None:
            return f"Planen er hentet fra <code>{_esc(self.source)}</code>."
        if self._started == "draft":
            return ("Der er endnu ingen gemt handleplan. Editoren starter med et <b>udkast "
                    "ud fra data</b>: ét fokusområde for hvert af forslagene ovenfor. Behold "
                    "dem, der giver mening for jer, ret dem til, og fjern resten.")
        return "Der er endnu ingen gemt handleplan: start med at tilføje et fokusområde."

    # ---------------------------------------------------------------- state

    def load(self, plan: Plan) -> None:
        """Replace the editor's content with ``plan``."""
        with self._hold():
            for f in list(self.focus_forms):
                self._remove_focus_form(f)
            self.title.value = plan.title or ""
            self.created.value = plan.created
            self.description.value = plan.description or ""
            for fa in plan.focus_areas:
                fi = self.add_focus(fa.focus or "", fa.description)
                for g in fa.goals:
                    ind = g.indicator
                    usable = (ind is not None and ind.kind in self.choices)
                    self.add_goal(fi, goal=g.goal, indicator=ind if usable else None,
                                  baseline=g.baseline if g.baseline in _rounds(self.ds) else None,
                                  target=g.target,
                                  target_round=g.target_round, signs=g.signs,
                                  actions=[(a.what, a.who, a.deadline) for a in g.actions])
        self._changed()

    def _values(self, ind: Indicator) -> pd.DataFrame:
        key = (ind.kind, ind.measure, ind.department)
        if key not in self._cache:
            self._cache[key] = _plans.indicator_values(self.ds, self.institution, ind)
        return self._cache[key]

    def _changed(self, change: Any = None) -> None:
        if self._holding:
            return
        self._hide_confirm()
        for i, f in enumerate(self.focus_forms, start=1):
            f.heading.value = f"<h4 style='margin:0.2em 0'>Fokusområde {i}</h4>"
        plan = self.to_plan()
        body = yaml.safe_dump(_plans.plan_to_dict(plan), allow_unicode=True, sort_keys=False,
                              default_flow_style=False, width=100)
        self.preview.value = (f"<pre style='max-height:24em;overflow:auto;background:#f6f8fa;"
                              f"padding:0.5em;font-size:0.85em'>{_esc(body)}</pre>")
        self.problems_view.value = problems_block(self.check()).html

    # ---------------------------------------------------------------- public API

    def set_plan(self, *, title: str | None = None, created: date | str | None = None,
                 description: str | None = None) -> None:
        """Set the plan's title, date and description."""
        with self._hold():
            if title is not None:
                self.title.value = title
            if created is not None:
                self.created.value = _as_date(created)
            if description is not None:
                self.description.value = description
        self._changed()

    def add_focus(self, focus: str = "", description: str | None = None) -> int:
        """Add a focus area; returns its index (from 0)."""
        f = _FocusForm(self)
        with self._hold():
            f.focus.value = focus or ""
            f.description.value = description or ""
        self.focus_forms.append(f)
        self.focus_box.children = [x.box for x in self.focus_forms]
        self._changed()
        return len(self.focus_forms) - 1

    def set_focus(self, index: int, *, focus: str | None = None,
                  description: str | None = None) -> None:
        """Change the name or description of focus area ``index``."""
        f = self.focus_forms[index]
        with self._hold():
            if focus is not None:
                f.focus.value = focus
            if description is not None:
                f.description.value = description
        self._changed()

    def remove_focus(self, index: int) -> None:
        """Remove focus area ``index`` with its goals."""
        self._remove_focus_form(self.focus_forms[index])

    def _remove_focus_form(self, f: _FocusForm) -> None:
        self.focus_forms.remove(f)
        self.focus_box.children = [x.box for x in self.focus_forms]
        self._changed()

    def add_goal(self, focus: int, **fields: Any) -> int:
        """Add a goal to focus area ``focus``; returns its index in the focus area.

        Fields (all optional): ``goal`` (text), ``indicator`` (an
        :class:`~llkit.documents.plans.Indicator`, a dict or a tuple ``(kind, measure[,
        department])``), ``baseline`` and ``target_round`` (rounds), ``target`` (a number
        on the plan's scale: shares as 0–1, e.g. 0.10; or the text a user would type,
        where shares are in percent: "10"), ``signs`` (list of texts) and ``actions``
        (list of ``(what, who, deadline)``, dicts or :class:`~llkit.documents.plans.Action`).
        """
        f = self.focus_forms[focus]
        with self._hold():
            f.add_goal(**fields)
        self._changed()
        return len(f.goals) - 1

    def set_goal(self, focus: int, goal: int, **fields: Any) -> None:
        """Change fields of a goal (the same fields as :meth:`add_goal`)."""
        self.focus_forms[focus].goals[goal].set(**fields)

    def remove_goal(self, focus: int, goal: int) -> None:
        """Remove a goal."""
        f = self.focus_forms[focus]
        f.remove_goal(f.goals[goal])

    def add_action(self, focus: int, goal: int, what: str, who: str,
                   deadline: date | str) -> None:
        """Add an action to a goal."""
        self.focus_forms[focus].goals[goal].add_action(what, who, deadline)

    def remove_action(self, focus: int, goal: int, action: int) -> None:
        """Remove an action of a goal."""
        g = self.focus_forms[focus].goals[goal]
        g.remove_action(g.actions[action])

    def add_candidate(self, index: int) -> int:
        """Add candidate ``index`` of :func:`llkit.documents.plans.focus_candidates` as a focus area
        with one goal (indicator, baseline, proposed target; next round); returns the
        focus area's index."""
        r = self._candidates.iloc[int(index)]
        draft = _plans.new_plan(self.ds, self.institution, round=str(r["round"]))
        match = [fa for fa in draft.focus_areas
                 if fa.goals and fa.goals[0].indicator.kind == r["kind"]
                 and (fa.goals[0].indicator.measure or None) ==
                 (None if pd.isna(r["measure_id"]) else r["measure_id"])]
        fa = match[0]
        g = fa.goals[0]
        with self._hold():
            fi = self.add_focus(fa.focus, fa.description)
            self.add_goal(fi, goal=g.goal, indicator=g.indicator, baseline=g.baseline,
                          target=g.target, target_round=g.target_round)
        self._changed()
        return fi

    def to_plan(self) -> Plan:
        """The plan as it stands in the editor (may be incomplete; see :meth:`check`)."""
        return Plan(institution=self.institution, title=self.title.value.strip() or None,  # type: ignore[arg-type]
                    created=self.created.value,
                    focus_areas=[f.value() for f in self.focus_forms],
                    description=self.description.value.strip() or None, path=self.path)

    def check(self) -> pd.DataFrame:
        """Every problem of the plan as it stands, in Danish: the editor's own (a target
        that is not a number) and ``validate_plan(plan, ds, lang="da")``'s."""
        plan = self.to_plan()
        own = []
        for i, f in enumerate(self.focus_forms):
            for j, g in enumerate(f.goals):
                _, problem = g.target_value()
                if problem:
                    col = f"focus_areas[{i + 1}].goals[{j + 1}].target"
                    own.append({"severity": "error", "file": None, "line": None,
                                "column": _plans._where_da(col, plan),
                                "value": g.target.value, "problem": problem[0],
                                "action": problem[1]})
        da = _plans.validate_plan(plan, self.ds, lang="da")
        # the editor's own problem replaces validate_plan's for the same target
        da = da[~da["column"].isin({o["column"] for o in own})]
        if own:
            da = pd.concat([pd.DataFrame(own), da], ignore_index=True)
            da = da.sort_values("severity", key=lambda s: s.map({"error": 0}).fillna(1),
                                kind="stable").reset_index(drop=True)
        return da[PROBLEM_COLUMNS]

    def save(self, path: str | Path | None = None, *, confirm: bool = False) -> Path:
        """Validate the plan and write it as YAML (atomically).

        Parameters
        ----------
        path : str or Path, optional
            Default :attr:`path`.
        confirm : bool, default False
            Must be True to replace an existing file.

        Returns
        -------
        Path

        Raises
        ------
        PlanError
            The plan has errors (``.problems`` in Danish); nothing is written.
        FileExistsError
            The file exists and ``confirm`` is False; nothing is written.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("Der er ikke valgt en fil at gemme i: angiv out= (fx "
                             "plans/I01.yaml).")
        problems = self.check()
        errors = problems[problems["severity"] == "error"]
        if len(errors):
            raise PlanError(problems, f"Handleplanen er ikke gemt: {len(errors)} "
                            f"{'fejl skal' if len(errors) > 1 else 'fejl skal'} rettes først "
                            f"({errors['column'].iloc[0]}: {errors['problem'].iloc[0]})")
        if target.exists() and not confirm:
            raise FileExistsError(f"Filen {target} findes allerede. Den overskrives kun, når I "
                                  "bekræfter (knappen »Ja, overskriv filen«, eller "
                                  "save(confirm=True)).")
        plan = self.to_plan()
        written = _plans.write_plan(plan, target)
        self.path = target
        self._refresh_followup()
        return written

    # ---------------------------------------------------------------- buttons

    def _hide_confirm(self) -> None:
        if hasattr(self, "confirm_box"):
            self.confirm_box.layout.display = "none"

    def _click_save(self, confirm: bool) -> None:
        self._hide_confirm()
        try:
            written = self.save(confirm=confirm)
        except PlanError as exc:
            self.message.value = (f"<p style='color:#b3261e'><b>{_esc(exc.args[0])}.</b> Se "
                                  "listen under »Tjek af planen«. Der er ikke gemt noget.</p>")
            self.problems_view.value = problems_block(exc.problems).html
        except FileExistsError:
            self.message.value = (f"<p style='color:#7a5a00'><b>Filen {_esc(self.path)} findes "
                                  "allerede.</b> Vil I erstatte den med planen her? Den gamle "
                                  "version kan ikke hentes tilbage.</p>")
            self.confirm_box.layout.display = None
        except OSError as exc:
            self.message.value = (f"<p style='color:#b3261e'><b>Planen kunne ikke gemmes:</b> "
                                  f"{_esc(exc)}</p>")
        else:
            self.message.value = (f"<p style='color:#006d4e'><b>✓ Handleplanen er gemt i "
                                  f"{_esc(written)}.</b> Opfølgningen nedenfor er opdateret."
                                  "</p>")

    # ---------------------------------------------------------------- follow-up

    def followup(self) -> FollowUp:
        """The follow-up view of the saved plan (:func:`followup`)."""
        if self.path is None or not self.path.is_file():
            return _no_plan(self.ds, self.institution, self.path)
        return followup(self.ds, self.path, institution=self.institution)

    def followup_view(self) -> None:
        """Display :meth:`followup`, and update it in place each time the plan is saved."""
        from IPython.display import display

        self._display_handle = display(self.followup(), display_id=True)

    def _refresh_followup(self) -> None:
        if self._display_handle is not None:
            self._display_handle.update(self.followup())

    # ---------------------------------------------------------------- display

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        note = (f"<p>{self.origin()}</p>"
                '<p class="llkit-note">Redigeringen sker i de interaktive felter, som vises, '
                "når notesbogen kører i Jupyter. Her ses planen, som den står nu.</p>")
        bundle["text/html"] = note + plan_block(self.ds, self.to_plan()).html + \
            problems_block(self.check()).html
        bundle["text/plain"] = f"Handleplan for {self.name} ({self.institution})"
        return bundle

    def __repr__(self) -> str:
        return f"PlanEditor({self.institution!r}, path={str(self.path)!r})"

