"""The equity gap over the rounds: :func:`gap`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from llkit.present import text as dk
from llkit.present.plots.arguments import _institution, _measure
from llkit.present.plots.figure import _finish, _frame, _legend, _message_figure, _placeholder
from llkit.present.plots.formats import _danish_axis, _wrap
from llkit.present.plots.theme import _MARKERS, COLOURS, _themed
from llkit.present.plots.words import (
    _CI_NOTE,
    _labels,
    _measure_label,
    _n_text,
    _noun,
    _round_label,
    _suppression_note,
)
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def _group_names(ds: Dataset, attr: str, low: list[str], high: list[str]) -> tuple[str, str, str]:
    if attr == "parent_education":
        return ("kort uddannelse", "lang uddannelse",
                f"{_labels(ds)['children']} af forældre med lang uddannelse "
                f"({', '.join(high).lower()}) minus {_labels(ds)['children'].lower()} af forældre "
                f"med kort uddannelse ({', '.join(low).lower()})")
    return (", ".join(low), ", ".join(high), f"{', '.join(high)} minus {', '.join(low)}")


def gap(
    ds: Dataset,
    *,
    measure: str,
    institution: str | None = None,
) -> Figure:
    """The equity gap over rounds with its interval (default: parents' long minus short
    education, from the sector profile).

    Parameters
    ----------
    ds : Dataset
    measure : str
        A measure about children.
    institution : str, optional
        Institution id (or name); the municipality is drawn for comparison. Default: the
        whole dataset.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.gap(ds, measure="sprog", institution="I01")  # doctest: +SKIP
    """
    m = _measure(ds, measure)
    inst_id = inst_name = None
    if institution is not None:
        inst_id, inst_name = _institution(ds, institution)
    labels = _labels(ds)
    noun = _noun(ds, m)
    attr, low, high = ds.profile.gap_default
    low_name, high_name, diff_text = _group_names(ds, attr, list(low), list(high))
    rounds = [str(r) for r in ds.meta.rounds]
    who = inst_name or ds.meta.name
    span = rounds[0] if len(rounds) == 1 else f"{rounds[0]}{dk.DASH}{rounds[-1]}"
    what = ("forskel efter forældrenes uddannelse" if attr == "parent_education"
            else "forskel efter baggrund")
    title = f"{who}: {what} i {_measure_label(m)}, {span}"
    if str(m["subject"]) != "child":
        return _message_figure(title, f"Forskelle efter social baggrund kan kun vises for mål om "
                                      f"{labels['children'].lower()}.")
    if ds.children is None or attr not in ds.children.columns or ds.children[attr].isna().all():
        return _message_figure(title, "Ingen oplysninger om forældrenes uddannelse i dette datasæt.")
    try:
        series = [("municipality", ds.meta.name, indicators.gap(ds, measure, by=None))]
        if inst_id is not None:
            g = indicators.gap(ds, measure, by="institution")
            series.insert(0, ("institution", inst_name, g[g["institution_id"].astype(str) == inst_id]))
    except (KeyError, ValueError):
        return _message_figure(title, "Ingen oplysninger om forældrenes uddannelse i dette datasæt.")
    if all(s[2].empty for s in series):
        return _message_figure(title, f"Ingen data om {_measure_label(m)} i dette datasæt.")
    values: list[float] = [0.0]
    for _, _, g in series:
        values += [*g["ci_low"].tolist(), *g["ci_high"].tolist()]
    vals = np.asarray([v for v in values if np.isfinite(v)])
    pad = 0.1 * max(float(np.ptp(vals)), 0.1)
    with _themed():
        fig, lax, axes = _frame(4.6)
        ax = axes[0, 0]
        ax.axhline(0, color="#333333", linewidth=1.0, zorder=1)
        k = len(series)
        offs = [(i - (k - 1) / 2) * 0.12 for i in range(k)]
        reasons = False
        ticks = [_round_label(ds, r) for r in rounds]
        for (role, _name, g), off in zip(series, offs, strict=True):
            reasons |= _draw_gap_series(ax, ds, g, role, off, rounds, ticks,
                                        main=role == series[0][0], span=(vals, pad), noun=noun,
                                        group_names=(low_name, high_name))
        _gap_axes(ax, rounds, ticks, vals, pad)
        handles = [Line2D([], [], color=COLOURS[role], marker=_MARKERS[role], label=name)
                   for role, name, _ in series]
        _legend(lax, handles)
        note = (f"Forskel = {diff_text[0].lower() + diff_text[1:]}. Over 0: {labels['children'].lower()} af forældre med "
                f"lang uddannelse ligger højest. Målet er, at forskellen bliver mindre. "
                f"Lodret streg: {_CI_NOTE}; n: antal {noun} i hver gruppe.")
        if reasons:
            note += "\n" + _suppression_note(ds, noun)
        return _finish(fig, title, note)


def _draw_gap_series(ax, ds: Dataset, g: pd.DataFrame, role: str, off: float, rounds: list[str],
                     ticks: list[str], *, main: bool, span: tuple[np.ndarray, float], noun: str,
                     group_names: tuple[str, str]) -> bool:
    """One unit's gap per round (point, interval, joining line). For the main unit, n of
    both groups goes into ``ticks`` and suppressed rounds get a placeholder; returns whether
    one was drawn."""
    vals, pad = span
    low_name, high_name = group_names
    reasons = False
    g = g.assign(round=g["round"].astype(str)).set_index("round")
    colour = COLOURS[role]
    xs, ys = [], []
    for i, r in enumerate(rounds):
        if r not in g.index:
            continue
        row = g.loc[r]
        if bool(row["suppressed"]) or pd.isna(row["gap"]):
            if main:
                reasons = True
                _placeholder(ax, vals.min() - pad * 0.5, vals.max() + pad * 0.5, i + off, 0.1,
                             _wrap(f"færre end {dk.fmt_int(ds.meta.min_n)} {noun} i en af grupperne", 14),
                             fontsize=7, horizontal=False)
            continue
        ax.errorbar(i + off, row["gap"], yerr=[[row["gap"] - row["ci_low"]],
                                               [row["ci_high"] - row["gap"]]],
                    fmt="none", ecolor=colour, color=colour, elinewidth=1.4, capsize=3, zorder=3)
        ax.plot(i + off, row["gap"], marker=_MARKERS[role], color=colour, markersize=7,
                markeredgecolor="white", linestyle="none", zorder=4)
        xs.append(i + off)
        ys.append(row["gap"])
        if main:
            ticks[i] += (f"\n{low_name}: {_n_text(row['n_low'])}"
                         f"\n{high_name}: {_n_text(row['n_high'])}")
    ax.plot(xs, ys, color=colour, linewidth=1.3, alpha=0.6, zorder=2)
    return reasons


def _gap_axes(ax, rounds: list[str], ticks: list[str], vals: np.ndarray, pad: float) -> None:
    ax.set_xticks(range(len(rounds)), ticks, fontsize=8)
    ax.set_xlim(-0.5, len(rounds) - 0.5)
    ax.set_ylim(vals.min() - pad, vals.max() + pad)
    _danish_axis(ax, "y")
    ax.set_ylabel("Forskel i gennemsnit (point)")
    ax.grid(axis="x", visible=False)
    ax.text(1.0, 0, " ingen forskel", transform=ax.get_yaxis_transform(), fontsize=8,
            va="bottom", ha="right", color="#333333")
