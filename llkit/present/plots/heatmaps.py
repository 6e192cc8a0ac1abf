"""Every measure in every department: :func:`heatmap`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from llkit.present import text as dk
from llkit.present.plots.arguments import _institution, _round
from llkit.present.plots.figure import _finish, _frame, _message_figure
from llkit.present.plots.formats import _measure_decimals, _scale_text, _wrap
from llkit.present.plots.lookup import _summary_by
from llkit.present.plots.theme import (
    _CELL_CMAP,
    _HATCH,
    _SUPPRESSED_FACE,
    _WIDTH,
    _cell_colour,
    _text_colour,
    _themed,
)
from llkit.present.plots.words import _labels, _measure_label, _noun, _round_label, _suppressed_text
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def heatmap(
    ds: Dataset,
    *,
    institution: str,
    round: str | None = None,
) -> Figure:
    """Mean of every measure in every department of an institution, beside the institution
    and the municipality; suppressed cells hatched with "færre end N".

    The colour shows where a mean lies on its measure's scale (so measures on different
    scales can be read together); the number is the mean itself.

    Parameters
    ----------
    ds : Dataset
    institution : str
        Institution id (or exact name).
    round : str, optional
        Default the latest round.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.heatmap(ds, institution="I01")  # doctest: +SKIP
    """
    inst_id, inst_name = _institution(ds, institution)
    r = _round(ds, round)
    labels = _labels(ds)
    title = f"{inst_name}: alle mål pr. {labels['department'].lower()}, {_round_label(ds, r)}"
    depts = ds.org[ds.org["institution_id"].astype(str) == inst_id].drop_duplicates("department_id")
    dept_ids = depts["department_id"].astype(str).tolist()
    dsum = indicators.summarize(ds, None, by="department", round=r)
    dsum = dsum[dsum["department_id"].astype(str).isin(dept_ids)]
    if dsum.empty:
        return _message_figure(title, f"Ingen data for {inst_name} i {r}.")
    present = set(dsum["measure_id"].astype(str))
    mids = [m for m in ds.measures["measure_id"].astype(str) if m in present]
    isum = _summary_by(ds, mids, "institution", inst_id, r)
    msum = _summary_by(ds, mids, "municipality", None, r)
    info = ds.measures.set_index("measure_id")
    dsum = dsum.assign(measure_id=dsum["measure_id"].astype(str),
                       department_id=dsum["department_id"].astype(str))
    dsum = dsum.set_index(["measure_id", "department_id"])
    columns, xs = _columns(depts, labels)
    layout, total_h = _rows(info, mids)
    size = _sizes(columns, total_h)
    reasons: set[str] = set()
    unbounded_rows = False
    with _themed():
        fig, _, axes = _frame(min(size["height"], 14), width=size["width"], legend=False)
        ax = axes[0, 0]
        yticks, ylabels = [], []
        for kind, key, top in layout:
            if kind == "group":
                ax.text(0, top + 0.42, key, ha="left", va="bottom", fontsize=8.5,
                        fontweight="bold", color="#333333")
                continue
            m = info.loc[key]
            yticks.append(top + 0.5)
            ylabels.append(_wrap(f"{_measure_label(m)} ({_scale_text(m).replace('skala ', '')})", 34))
            cells = []
            for _, role, unit in columns:
                if role == "department":
                    cells.append(dsum.loc[(key, unit)] if (key, unit) in dsum.index else None)
                elif role == "institution":
                    cells.append(isum.loc[key] if key in isum.index else None)
                else:
                    cells.append(msum.loc[key] if key in msum.index else None)
            unbounded_rows |= not _draw_row(ax, ds, m, top, xs, cells, size, reasons)
        _axes(ax, xs, total_h, yticks, ylabels, columns, size)
        _colorbar(fig, ax)
        return _finish(fig, title, _note(ds, labels, unbounded_rows, reasons))


def _columns(depts: pd.DataFrame, labels: dict[str, str]
             ) -> tuple[list[tuple[str, str, str | None]], list[float]]:
    """(name, role, department id) of every column, and its left edge: the departments,
    then, a little apart, the institution and the municipality."""
    columns: list[tuple[str, str, str | None]] = [
        (str(d["department_name"]), "department", str(d["department_id"])) for _, d in depts.iterrows()
    ]
    columns += [(f"{labels['institution']} i alt", "institution", None),
                (labels["municipality"], "municipality", None)]
    xs: list[float] = []
    x = 0.0
    for _, role, _ in columns:
        if role == "institution":
            x += 0.3
        xs.append(x)
        x += 1
    return columns, xs


def _rows(info: pd.DataFrame, mids: list[str]) -> tuple[list[tuple[str, str, float]], float]:
    """A header row per group of measures, then one row per measure: (kind, text or
    measure id, y top), and the total height."""
    groups = info.loc[mids, "group"].fillna("").astype(str).tolist()
    layout: list[tuple[str, str, float]] = []  # (kind, text or measure id, y top)
    y = 0.0
    for i, mid in enumerate(mids):
        if groups[i] and (i == 0 or groups[i] != groups[i - 1]):
            layout.append(("group", groups[i], y))
            y += 0.6
        layout.append(("measure", mid, y))
        y += 1
    return layout, y


def _sizes(columns: list[tuple[str, str, str | None]], total_h: float) -> dict[str, Any]:
    """Figure width and height, cell width, font sizes and column labels (rotated when
    they do not fit)."""
    width = max(_WIDTH, 2.9 + 0.36 * (len(columns) + 0.3))
    cell_w = (width - 2.9) / (len(columns) + 0.3)
    row_in = float(np.clip(8.0 / max(total_h, 1), 0.34, 0.5))
    height = 2.3 + row_in * total_h
    fs_mean = float(np.clip(cell_w * 16, 7.0, 9.0))
    fs_n = max(fs_mean - 1.8, 5.8)
    col_labels = [_wrap(c[0], 10) for c in columns]
    longest = max(len(line) for lab in col_labels for line in lab.split("\n"))
    rotate = longest * 0.075 > cell_w
    return {"width": width, "cell_w": cell_w, "height": height, "fs_mean": fs_mean,
            "fs_n": fs_n, "col_labels": col_labels, "rotate": rotate}


def _draw_row(ax, ds: Dataset, m: pd.Series, top: float, xs: list[float],
              cells: list[pd.Series | None], size: dict[str, Any], reasons: set[str]) -> bool:
    """The cells of one measure; adds the suppression reasons drawn to ``reasons``.
    Returns whether the measure has a bounded scale (and so coloured cells)."""
    fs_mean, fs_n, cell_w = size["fs_mean"], size["fs_n"], size["cell_w"]
    lo, hi = m["scale_min"], m["scale_max"]
    bounded = pd.notna(lo) and pd.notna(hi) and hi > lo
    d = _measure_decimals(m)
    noun = _noun(ds, m)
    for xpos, row in zip(xs, cells, strict=True):
        if row is None:
            ax.add_patch(Rectangle((xpos, top), 1, 1, facecolor="white",
                                   edgecolor="#E0E0E0", linewidth=0.6))
            ax.text(xpos + 0.5, top + 0.5, dk.MISSING, ha="center", va="center",
                    fontsize=fs_mean, color="#999999")
            continue
        if bool(row["suppressed"]):
            reason = row.get("suppressed_reason")
            reasons.add(str(reason))
            ax.add_patch(Rectangle((xpos, top), 1, 1, facecolor=_SUPPRESSED_FACE,
                                   edgecolor="white", hatch=_HATCH, linewidth=1.0))
            short = _suppressed_text(ds, noun, reason, short=True)
            ax.text(xpos + 0.5, top + 0.5, _wrap(short, 6 if cell_w < 0.6 else 12),
                    ha="center", va="center", fontsize=fs_n, color="#333333",
                    linespacing=1.0, bbox=dict(boxstyle="round,pad=0.1",
                                               facecolor=_SUPPRESSED_FACE, edgecolor="none"))
            continue
        mean = float(row["mean"])
        if bounded:
            pos = (mean - lo) / (hi - lo)
            colour = _cell_colour(pos if bool(m["higher_is_better"]) else 1 - pos)
        else:  # no scale to place the mean on: no colour
            colour = mpl.colors.to_rgba("#EDEDED")
        ax.add_patch(Rectangle((xpos, top), 1, 1, facecolor=colour, edgecolor="white",
                               linewidth=1.0))
        tc = _text_colour(colour)
        ax.text(xpos + 0.5, top + 0.4, dk.fmt_number(mean, d), ha="center", va="center",
                fontsize=fs_mean, color=tc, fontweight="bold")
        ax.text(xpos + 0.5, top + 0.78, f"n={dk.fmt_int(row['n'])}", ha="center",
                va="center", fontsize=fs_n, color=tc)
    return bool(bounded)


def _axes(ax, xs: list[float], total_h: float, yticks: list[float], ylabels: list[str],
          columns: list[tuple[str, str, str | None]], size: dict[str, Any]) -> None:
    """Limits, measure labels at the left, column labels on top (units bold), no frame."""
    col_labels = size["col_labels"]
    ax.set_xlim(0, xs[-1] + 1)
    ax.set_ylim(total_h, 0)
    ax.set_yticks(yticks, ylabels, fontsize=8.5)
    ax.xaxis.tick_top()
    if size["rotate"]:
        ax.set_xticks([xpos + 0.5 for xpos in xs], col_labels, fontsize=8.5, rotation=45,
                      ha="left", rotation_mode="anchor")
    else:
        ax.set_xticks([xpos + 0.5 for xpos in xs], col_labels, fontsize=8.5)
    for t, (_, role, _) in zip(ax.get_xticklabels(), columns, strict=True):
        if role != "department":
            t.set_fontweight("bold")
    ax.tick_params(length=0)
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)


def _colorbar(fig: Figure, ax) -> None:
    sm = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(0, 1), cmap=_CELL_CMAP)
    cb = fig.colorbar(sm, ax=ax, location="bottom", shrink=0.5, aspect=35, pad=0.01)
    cb.set_ticks([0, 0.5, 1], labels=["lavt", "midt", "højt"])
    cb.set_label("Farve: gennemsnittets placering på målets skala", fontsize=8)
    cb.ax.tick_params(labelsize=8, length=0)
    cb.outline.set_visible(False)


def _note(ds: Dataset, labels: dict[str, str], unbounded_rows: bool, reasons: set[str]) -> str:
    note = (f"Tallet i feltet er gennemsnittet; n er antallet bag det ({labels['children'].lower()}, "
            "medarbejdere eller observationer). Forskelle mellem felterne kan skyldes "
            "tilfældig variation – se intervallerne i de andre figurer. "
            f"{dk.MISSING}: ingen data.")
    if unbounded_rows:
        note += " Mål uden fast skala er ikke farvet."
    if reasons:
        note += (f"\nSkraveret: færre end {dk.fmt_int(ds.meta.min_n)} "
                 f"{labels['children'].lower()} eller medarbejdere {dk.DASH} vises ikke.")
        if "complementary" in reasons:
            note += " »Skjult«: vises ikke, så tal for små grupper ikke kan regnes ud."
    return note
