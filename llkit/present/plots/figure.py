"""Figure scaffolding: report figures, frames with a legend row, titles, notes,
messages, placeholders, and deterministic SVG."""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from llkit.present.plots.formats import _wrap
from llkit.present.plots.theme import (
    _HATCH,
    _NOTE_COLOUR,
    _SUPPRESSED_EDGE,
    _SUPPRESSED_FACE,
    _WIDTH,
    _themed,
)

_CLIP_ID = re.compile(rb'(?<=id=")p[0-9a-f]{10}(?=")|(?<=url\(#)p[0-9a-f]{10}(?=\))')


def svg_data_uri(fig: Figure) -> str:
    """A figure as an SVG ``data:`` URI, the same bytes for the same figure on every run.

    Text is drawn as paths (no fonts needed by the viewer), the file has no date, and
    the clip paths -- which matplotlib names by a hash of their coordinates, whose last
    bits vary from run to run -- are numbered in order. Reports therefore do not change
    when nothing in them changed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str
        ``data:image/svg+xml;base64,…``, for an ``<img src>`` (no files, no network).

    Examples
    --------
    >>> fig = _new_figure(2.0)
    >>> _ = fig.add_subplot().plot([0, 1], [1, 2])
    >>> svg_data_uri(fig) == svg_data_uri(fig)
    True
    """
    buf = io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "path", "svg.hashsalt": "llkit"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    ids: dict[bytes, bytes] = {}
    svg = _CLIP_ID.sub(lambda m: ids.setdefault(m[0], b"clip%d" % len(ids)), buf.getvalue())
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


class _ReportFigure(Figure):
    """A Figure that shows itself as PNG in Jupyter even before a backend is loaded."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.savefig(buf, format="png", dpi=110, bbox_inches="tight", facecolor="white")
        return buf.getvalue()


def _new_figure(height: float, width: float = _WIDTH) -> Figure:
    return _ReportFigure(figsize=(width, height), layout="constrained")


def _frame(height: float, nrows: int = 1, ncols: int = 1, *, width: float = _WIDTH,
           height_ratios: Sequence[float] | None = None, legend: bool = True,
           sharey: bool = False) -> tuple[Figure, Any, np.ndarray]:
    """A figure with a grid of axes and, above them, a row that holds the legend.

    The legend sits in its own (invisible) axes so that the constrained layout keeps it
    between the title and the plot instead of drawing it over the title.
    """
    fig = _new_figure(height, width)
    ratios = list(height_ratios) if height_ratios is not None else [1.0] * nrows
    if legend:
        gs = fig.add_gridspec(nrows + 1, ncols, height_ratios=[1e-3 * sum(ratios), *ratios])
        lax = fig.add_subplot(gs[0, :])
        lax.set_axis_off()
    else:
        gs = fig.add_gridspec(nrows, ncols, height_ratios=ratios)
        lax = None
    first = 1 if legend else 0
    axes = np.empty((nrows, ncols), dtype=object)
    for i in range(nrows):
        for j in range(ncols):
            share = axes[0, 0] if sharey and (i, j) != (0, 0) else None
            axes[i, j] = fig.add_subplot(gs[i + first, j], sharey=share)
            if share is not None and j > 0:
                axes[i, j].tick_params(labelleft=False)
    return fig, lax, axes


def _legend(lax, handles: list[Any], ncols: int | None = None, *, room: float = 6.3) -> None:
    """The legend in the header row: as many columns as fit in ``room`` inches."""
    if lax is None or not handles:
        return
    n = len(handles)
    entry = [0.5 + 0.067 * len(str(h.get_label())) for h in handles]
    if ncols is None:
        ncols = 1
        for c in range(n, 0, -1):
            widths = [max(entry[k::c]) for k in range(c)]
            if sum(widths) <= room:
                ncols = c
                break
    ncols = max(1, min(ncols, n))
    rows = math.ceil(n / ncols)
    ncols = math.ceil(n / rows)  # balance the rows: 2 + 2 rather than 3 + 1
    # matplotlib fills the legend column by column; order the handles so that it reads
    # left to right, top to bottom
    ordered = [handles[r * ncols + k] for k in range(ncols) for r in range(rows)
               if r * ncols + k < n]
    lax.legend(handles=ordered, loc="center left", bbox_to_anchor=(0, 0.5), ncols=ncols,
               borderaxespad=0, fontsize=8.5, handletextpad=0.4, columnspacing=1.5,
               handlelength=2.2)



def _finish(fig: Figure, title: str, note: str | None = None, width: int = 64) -> Figure:
    fig.suptitle(_wrap(title, width), x=0.02, ha="left", fontsize=12.5, fontweight="bold")
    if note:
        wrapped = "\n".join(_wrap(p, 118) for p in note.split("\n") if p)
        fig.supxlabel(wrapped, x=0.02, ha="left", fontsize=8, color=_NOTE_COLOUR,
                      linespacing=1.35)
    return fig


def _message_figure(title: str, message: str) -> Figure:
    """A small figure with a title and a one-line Danish message (no data to draw)."""
    with _themed():
        fig = _new_figure(1.9)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.45, _wrap(message, 90), ha="center", va="center", fontsize=11,
                color=_NOTE_COLOUR, style="italic", transform=ax.transAxes)
        return _finish(fig, title)


def _placeholder(ax, x0: float, x1: float, y: float, height: float, label: str,
                 *, fontsize: float = 8.0, horizontal: bool = True) -> None:
    """Grey hatched box with text where a suppressed value would be."""
    if horizontal:
        rect = Rectangle((x0, y - height / 2), x1 - x0, height)
        tx, ty = (x0 + x1) / 2, y
    else:
        rect = Rectangle((y - height / 2, x0), height, x1 - x0)
        tx, ty = y, (x0 + x1) / 2
    rect.set(facecolor=_SUPPRESSED_FACE, edgecolor=_SUPPRESSED_EDGE, hatch=_HATCH,
             linewidth=0.6, zorder=1)
    ax.add_patch(rect)
    ax.text(tx, ty, label, ha="center", va="center", fontsize=fontsize, color="#333333",
            zorder=3, bbox=dict(boxstyle="round,pad=0.2", facecolor="white",
                                edgecolor="none", alpha=0.9))
