"""Figures for reports and notebooks: one theme, Danish labels, honest uncertainty.

Every function takes a :class:`llkit.Dataset` and returns a :class:`matplotlib.figure.Figure`
(it never calls ``plt.show()``). All numbers come from :mod:`llkit.stats.indicators`; this module
only draws them:

- titles say what is shown and from which round; axis labels are Danish and numbers use
  Danish format (decimal comma, ``12 %``, via :mod:`llkit.present.text`);
- every mean carries its 95 % confidence interval as an error bar, and ``n`` is shown;
- aggregates over fewer than ``min_n`` persons are never drawn as values: a grey,
  hatched placeholder says "færre end N børn – vises ikke";
- one colour-blind-safe palette (Okabe & Ito 2008) is used consistently: the institution
  is always blue, its cluster orange, the municipality green, national figures black
  (:data:`COLOURS`);
- units are never ranked: the funnel plot places them by size, not by position.

When a dataset has no data for a figure (no goals table, no reference, no staff survey,
only one round …) the function returns a figure with a one-line Danish message instead of
raising. Unknown institutions, measures, rounds or levels raise :class:`KeyError` /
:class:`ValueError` naming the known values.

Importing this module changes no global state (no backend, no rcParams). Each function
draws inside its own style context; :func:`use_theme` applies the same theme globally for
a notebook's own plots. Figures are created without :mod:`matplotlib.pyplot`, so they need
no GUI backend, are not kept alive by pyplot, and are shown exactly once when returned as
the last value of a notebook cell.

Examples
--------
>>> import llkit
>>> from llkit import plots
>>> ds = llkit.load("data/sample/dagtilbud")
>>> fig = plots.profile(ds, institution="I01")
>>> fig.savefig("profil.png")  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import math
import re
import textwrap
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import Formatter, MaxNLocator

from llkit.present import text as dk
from llkit.stats import indicators
from llkit.stats import numeric as stats

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "COLOURS",
    "CATEGORY_COLOURS",
    "PALETTE",
    "use_theme",
    "profile",
    "distribution",
    "development",
    "funnel",
    "gap",
    "heatmap",
    "culture",
    "coverage",
    "svg_data_uri",
]

# ----------------------------------------------------------------------------- theme

#: The Okabe–Ito palette: distinguishable with all common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#000000", "#CC79A7", "#56B4E9", "#D55E00",
           "#F0E442"]

#: The colour of each role, the same in every figure.
COLOURS: dict[str, str] = {
    "institution": "#0072B2",   # blue
    "cluster": "#E69F00",       # orange
    "municipality": "#009E73",  # bluish green
    "national": "#000000",      # black
    "department": "#CC79A7",    # reddish purple
    "area": "#56B4E9",          # sky blue
    "other": "#9E9E9E",         # grey: other units (funnel)
}
_MARKERS = {"institution": "o", "cluster": "s", "municipality": "^", "national": "D",
            "department": "o", "area": "s"}

#: Colours of the low / middle / high categories of a measure.
CATEGORY_COLOURS: dict[str, str] = {"low": "#D55E00", "middle": "#DADADA", "high": "#56B4E9"}

#: Sequential colour map of table cells (ColorBrewer YlGnBu: light = low, dark = high).
_CELL_CMAP = mpl.colors.ListedColormap(mpl.colormaps["YlGnBu"](np.linspace(0.06, 0.82, 256)),
                                       name="llkit_cells")


def _cell_colour(position: float) -> tuple[float, float, float, float]:
    return _CELL_CMAP(float(np.clip(position, 0.0, 1.0)))


def _text_colour(colour: Sequence[float]) -> str:
    """Black or white text, whichever reads better on ``colour``."""
    lum = 0.2126 * colour[0] + 0.7152 * colour[1] + 0.0722 * colour[2]
    return "#111111" if lum > 0.45 else "white"


_SUPPRESSED_FACE = "#F3F3F3"
_SUPPRESSED_EDGE = "#9A9A9A"
_HATCH = "////"
_NOTE_COLOUR = "#4D4D4D"
_WIDTH = 7.5  # inches: the text width of an A4 report
_CI_NOTE = "95\u00a0%-konfidensinterval"


def _theme_rc() -> dict[str, Any]:
    """rcParams of the llkit theme (seaborn "whitegrid" plus readable report sizes)."""
    rc: dict[str, Any] = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("notebook", font_scale=0.85))
    rc.update({
        "figure.figsize": (_WIDTH, 4.0),
        "figure.dpi": 100,
        "figure.facecolor": "white",
        "savefig.dpi": 150,
        "savefig.facecolor": "white",
        "figure.titlesize": 12.5,
        "figure.titleweight": "bold",
        "axes.titlesize": 10.5,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 9.5,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#B0B0B0",
        "grid.color": "#E6E6E6",
        "axes.prop_cycle": cycler(color=PALETTE),
        "hatch.color": _SUPPRESSED_EDGE,
        "hatch.linewidth": 0.6,
        "image.cmap": "cividis",
        "axes.formatter.use_locale": False,
        "font.family": ["sans-serif"],
        "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans", "sans-serif"],
    })
    return rc


def use_theme() -> None:
    """Apply the llkit theme globally (seaborn "whitegrid", Okabe–Ito palette, report sizes).

    The plotting functions of this module use the theme whether or not this is called;
    call it in a notebook so that its own matplotlib/seaborn plots look the same.

    Examples
    --------
    >>> from llkit import plots
    >>> plots.use_theme()  # doctest: +SKIP
    """
    rc = _theme_rc()
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.85, palette=PALETTE)
    mpl.rcParams.update(rc)


@contextmanager
def _themed() -> Iterator[None]:
    with mpl.rc_context(_theme_rc()):
        yield


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


# ----------------------------------------------------------------------------- formats


def _decimals_for(values: Sequence[float] | np.ndarray, max_decimals: int = 3) -> int:
    """Fewest decimals (0..max) that show every value exactly (tick labels)."""
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    for d in range(max_decimals + 1):
        if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 * max(1.0, abs(v) * 10**d) for v in vals):
            return d
    return max_decimals


class _DanishNumberFormatter(Formatter):
    """Tick labels with a decimal comma (``3,5``), via :func:`llkit.present.text.fmt_number`."""

    def __init__(self, percent: bool = False) -> None:
        self.percent = percent
        self._digits = 1

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        scale = 100 if self.percent else 1
        self._digits = _decimals_for(np.asarray(values, dtype=float) * scale, 2)
        return [self(v, i) for i, v in enumerate(values)]

    def __call__(self, x: float, pos: int | None = None) -> str:
        if self.percent:
            return dk.fmt_percent(x, self._digits)
        return dk.fmt_number(x, self._digits)

    def format_data_short(self, value: float) -> str:
        return dk.fmt_percent(value, 1) if self.percent else dk.fmt_number(value, 2)


def _danish_axis(ax, axis: Literal["x", "y"] = "y", *, percent: bool = False,
                 integer: bool = False) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    if integer:
        target.set_major_locator(MaxNLocator(nbins="auto", integer=True))
    elif not percent:
        target.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 5, 10]))
    target.set_major_formatter(_DanishNumberFormatter(percent=percent))


def _wrap(s: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(s), width, break_long_words=False)) or str(s)


def _measure_decimals(m: pd.Series) -> int:
    lo, hi = m["scale_min"], m["scale_max"]
    if pd.notna(lo) and pd.notna(hi):
        return 0 if hi - lo >= 20 else 1
    return 1


def _scale_text(m: pd.Series) -> str:
    lo, hi = m["scale_min"], m["scale_max"]
    if pd.notna(lo) and pd.notna(hi):
        return f"skala {dk.fmt_number(lo, _decimals_for([lo]))}{dk.DASH}{dk.fmt_number(hi, _decimals_for([hi]))}"
    return "ingen fast skala"


# ----------------------------------------------------------------------------- arguments


def _known(values: Sequence[str], limit: int = 25) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return shown + (f", … ({len(values)} in all)" if len(values) > limit else "")


def _institution(ds: Dataset, institution: str) -> tuple[str, str]:
    """(id, name) of an institution given by id or exact name."""
    org = ds.org.drop_duplicates("institution_id")
    ids = org["institution_id"].astype(str).tolist()
    names = org["institution_name"].astype(str).tolist()
    key = str(institution)
    if key in ids:
        return key, names[ids.index(key)]
    if key in names:
        return ids[names.index(key)], key
    raise KeyError(
        f"unknown institution {institution!r}; the dataset has institution ids: {_known(ids)}"
    )


def _measure(ds: Dataset, measure: str) -> pd.Series:
    known = ds.measures["measure_id"].astype(str).tolist()
    if not isinstance(measure, str) or measure not in known:
        raise KeyError(f"unknown measure {measure!r}; the dataset has measures: {_known(known, 60)}")
    return ds.measures.set_index("measure_id").loc[measure]


def _measure_list(ds: Dataset, measures: str | Sequence[str] | None) -> list[str]:
    known = ds.measures["measure_id"].astype(str).tolist()
    if measures is None:
        return []
    wanted = [measures] if isinstance(measures, str) else list(measures)
    unknown = [m for m in wanted if m not in known]
    if unknown:
        raise KeyError(
            f"unknown measure(s) {', '.join(map(repr, unknown))}; the dataset has measures: "
            f"{_known(known, 60)}"
        )
    return wanted


def _round(ds: Dataset, round: str | None) -> str:
    rounds = [str(r) for r in ds.meta.rounds]
    if round is None:
        return rounds[-1]
    if not isinstance(round, str) or round not in rounds:
        raise KeyError(f"unknown round {round!r}; the dataset has rounds: {', '.join(rounds)}")
    return round


_LEVELS = ("department", "institution", "cluster", "area", "municipality")


def _level(level: str) -> str:
    if level not in _LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of: {', '.join(_LEVELS)}")
    return level


# ----------------------------------------------------------------------------- words


def _labels(ds: Dataset) -> dict[str, str]:
    return ds.profile.labels


def _round_label(ds: Dataset, r: str) -> str:
    date = (ds.meta.round_dates or {}).get(str(r))
    year = str(date)[:4] if date else ""
    return f"{r} ({year})" if year.isdigit() else str(r)


def _noun(ds: Dataset, m: pd.Series) -> str:
    """Plural noun of the persons (or departments) a measure's n counts."""
    labels = _labels(ds)
    subject = str(m["subject"])
    if subject == "respondent":
        return labels.get("respondents", "Medarbejdere").lower()
    if subject == "department":
        return labels.get("departments", "Stuer/grupper").lower()
    return labels.get("children", "Børn").lower()


def _persons(ds: Dataset, m: pd.Series) -> bool:
    return str(m["subject"]) != "department"


def _n_text(n: Any, noun: str | None = None) -> str:
    return f"n\u00a0=\u00a0{dk.fmt_int(n)}" + (f" {noun}" if noun else "")


def _suppressed_text(ds: Dataset, noun: str, reason: Any = None, short: bool = False) -> str:
    complementary = str(reason) == "complementary"
    if short:
        return f"færre end {dk.fmt_int(ds.meta.min_n)}" if not complementary else "skjult"
    return dk.suppressed_text(ds.meta.min_n, noun, complementary=complementary)


def _hidden_label(ds: Dataset, noun: str, reason: Any = None) -> str:
    """Short placeholder text: "færre end 5 børn" or "skjult" (explained in the note)."""
    if str(reason) == "complementary":
        return "skjult"
    return f"færre end {dk.fmt_int(ds.meta.min_n)} {noun}"


def _suppression_note(ds: Dataset, noun: str, complementary: bool = False) -> str:
    note = f"Skraveret: {dk.suppressed_text(ds.meta.min_n, noun)}."
    if complementary:
        note += (f" »Skjult«: {dk.suppressed_text(ds.meta.min_n, noun, complementary=True)}.")
    return note


def _measure_label(m: pd.Series) -> str:
    return str(m["label"]) if pd.notna(m["label"]) and str(m["label"]) else str(m.name)


# ----------------------------------------------------------------------------- frames


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


def _one(frame: pd.DataFrame, **where: Any) -> pd.Series | None:
    mask = pd.Series(True, index=frame.index)
    for col, value in where.items():
        mask &= frame[col].astype(str) == str(value)
    rows = frame[mask]
    return None if rows.empty else rows.iloc[0]


def _institution_cluster(ds: Dataset, inst_id: str) -> str | None:
    clusters = ds.org.loc[ds.org["institution_id"].astype(str) == inst_id, "cluster"].dropna()
    clusters = [c for c in clusters.astype(str).unique() if c]
    return clusters[0] if clusters else None


def _national(ds: Dataset, measure_ids: Sequence[str], r: str | None = None) -> pd.DataFrame:
    """National reference rows (scope ``national``): measure_id, round, n, mean."""
    ref = ds.reference
    cols = ["measure_id", "round", "n", "mean"]
    if ref is None or ref.empty:
        return pd.DataFrame(columns=cols)
    out = ref[(ref["scope"].astype(str) == "national")
              & ref["measure_id"].astype(str).isin(list(measure_ids))]
    if r is not None:
        out = out[out["round"].astype(str) == r]
    out = out.assign(measure_id=out["measure_id"].astype(str), round=out["round"].astype(str))
    return out[cols].reset_index(drop=True)


def _axis_limits(m: pd.Series, values: Sequence[float], *, full_scale: bool,
                 min_span: float = 0.2) -> tuple[float, float] | None:
    lo, hi = m["scale_min"], m["scale_max"]
    vals = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    bounded = pd.notna(lo) and pd.notna(hi) and hi > lo
    if bounded and full_scale:
        pad = 0.03 * (hi - lo)
        return float(lo - pad), float(hi + pad)
    if vals.size == 0:
        return (float(lo), float(hi)) if bounded else None
    vmin, vmax = float(vals.min()), float(vals.max())
    span = vmax - vmin
    if bounded:
        span = max(span, min_span * (hi - lo))
    else:
        span = max(span, 0.1 * max(abs(vmin), abs(vmax), 1.0))
    mid = (vmin + vmax) / 2
    a, b = mid - 0.6 * span, mid + 0.6 * span
    if bounded:
        a, b = max(a, lo - 0.02 * (hi - lo)), min(b, hi + 0.02 * (hi - lo))
    return a, b


# ----------------------------------------------------------------------------- dot rows


def _dot_panel(ax, ds: Dataset, rows: list[str], series: list[dict[str, Any]],
               *, noun_of: dict[str, str], show_n_of: str | None) -> set[str]:
    """Horizontal dot plot: one row per measure, one dodged slot (point + CI) per series.

    ``series``: dicts with ``role``, ``label`` and either ``data`` (indexed by
    measure_id, columns mean, ci_low, ci_high, n, suppressed, suppressed_reason; ``ci``
    False to leave out the interval) or ``points`` (measure_id -> list of values, drawn as
    ticks: the ratings of each department). Returns the suppression reasons drawn.
    """
    k = len(series)
    step = 0.76 / max(k, 1)
    offsets = [(i - (k - 1) / 2) * step for i in range(k)]
    reasons: set[str] = set()
    info = ds.measures.set_index("measure_id")
    x_lo, x_hi = ax.get_xlim()
    labels = []
    for i, mid in enumerate(rows):
        main = None
        for s, off in zip(series, offsets, strict=True):
            y = i + off
            colour = COLOURS[s["role"]]
            if "points" in s:
                xs = s["points"].get(mid, [])
                ax.plot(xs, [y] * len(xs), marker="|", color=colour, markersize=9,
                        markeredgewidth=1.8, linestyle="none", zorder=3)
                continue
            data = s["data"]
            if mid not in data.index:
                continue
            row = data.loc[mid]
            if s["role"] == show_n_of:
                main = row
            if bool(row.get("suppressed", False)):
                reasons.add(str(row.get("suppressed_reason", "min_n")))
                text = _hidden_label(ds, noun_of[mid], row.get("suppressed_reason"))
                _placeholder(ax, x_lo, x_hi, y, step * 0.85, f"{_wrap(s['label'], 40)}: {text}",
                             fontsize=7.5)
                continue
            if not np.isfinite(row.get("mean", np.nan)):
                continue
            if s.get("ci", True) and np.isfinite(row.get("ci_low", np.nan)):
                ax.errorbar(row["mean"], y, xerr=[[row["mean"] - row["ci_low"]],
                                                  [row["ci_high"] - row["mean"]]],
                            fmt="none", ecolor=colour, color=colour, elinewidth=1.6, capsize=2.5, zorder=3)
            ax.plot(row["mean"], y, marker=_MARKERS[s["role"]], color=colour,
                    markersize=7 if s["role"] == "institution" else 6, linestyle="none",
                    markeredgecolor="white", markeredgewidth=0.6, zorder=4)
        label = _wrap(_measure_label(info.loc[mid]), 34)
        if main is not None and not bool(main.get("suppressed", False)) and pd.notna(main.get("n")):
            label += f"\n({_n_text(main['n'], noun_of[mid])})"
        labels.append(label)
    ax.set_yticks(range(len(rows)), labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    for i in range(1, len(rows)):
        ax.axhline(i - 0.5, color="#E3E3E3", linewidth=0.8, zorder=0)
    ax.set_xlim(x_lo, x_hi)
    return reasons


def _summary_by(ds: Dataset, ids: list[str], level: str, unit: str | None, r: str) -> pd.DataFrame:
    """summarize() rows of one unit (or the municipality), indexed by measure_id."""
    t = indicators.summarize(ds, ids, by=level, round=r)
    if level != "municipality":
        col = indicators.unit_columns(level)[0]
        t = t[t[col].astype(str) == str(unit)]
    t = t.assign(measure_id=t["measure_id"].astype(str))
    return t.drop_duplicates("measure_id").set_index("measure_id")


def _scale_groups(ds: Dataset, ids: list[str]) -> list[tuple[str, list[str]]]:
    """Measures grouped by scale (unbounded measures each on their own)."""
    info = ds.measures.set_index("measure_id")
    groups: dict[Any, list[str]] = {}
    titles: dict[Any, str] = {}
    for mid in ids:
        m = info.loc[mid]
        if pd.notna(m["scale_min"]) and pd.notna(m["scale_max"]):
            key = (float(m["scale_min"]), float(m["scale_max"]))
            titles[key] = _scale_text(m).capitalize()
        else:
            key = ("u", mid)
            titles[key] = f"{_measure_label(m)} ({_scale_text(m)})"
        groups.setdefault(key, []).append(mid)
    return [(titles[k], v) for k, v in groups.items()]


def _dot_figure(ds: Dataset, panels: list[tuple[str, list[str]]], series: list[dict[str, Any]],
                *, show_n_of: str) -> tuple[Figure, set[str], bool]:
    info = ds.measures.set_index("measure_id")
    n_rows = sum(len(p[1]) for p in panels)
    per_row = 0.3 + 0.07 * len(series)
    height = 1.9 + per_row * n_rows + 0.55 * len(panels)
    fig, lax, axes = _frame(min(max(height, 3.2), 11.5), len(panels), 1,
                            height_ratios=[len(p[1]) + 0.9 for p in panels])
    axes = axes[:, 0]
    reasons: set[str] = set()
    national_drawn = False
    for ax, (title, ids) in zip(axes, panels, strict=True):
        m0 = info.loc[ids[0]]
        values: list[float] = []
        panel_series = []
        for s in series:
            if "points" in s:
                pts = [v for mid in ids for v in s["points"].get(mid, [])]
                values += pts
                if pts:
                    panel_series.append(s)
                continue
            d = s["data"].reindex(ids)
            values += [*d["ci_low"].tolist(), *d["ci_high"].tolist()] if "ci_low" in d else []
            values += d["mean"].tolist()
            shown = d["mean"].notna().any()
            hidden = d["suppressed"].fillna(False).astype(bool).any() if "suppressed" in d else False
            if shown or hidden:
                panel_series.append(s)
        lim = _axis_limits(m0, values, full_scale=True)
        if lim:
            ax.set_xlim(*lim)
        noun_of = {mid: _noun(ds, info.loc[mid]) for mid in ids}
        national_drawn |= any(s["role"] == "national" for s in panel_series)
        reasons |= _dot_panel(ax, ds, ids, panel_series or series[:1], noun_of=noun_of,
                              show_n_of=show_n_of)
        ax.set_title(title, fontsize=9.5, color=_NOTE_COLOUR)
        _danish_axis(ax, "x")
        ax.tick_params(axis="y", length=0)
    axes[-1].set_xlabel("Gennemsnit")
    handles = []
    for s in series:
        if "points" in s:
            handles.append(Line2D([], [], marker="|", color=COLOURS[s["role"]], linestyle="none",
                                  markersize=9, markeredgewidth=1.8, label=s["label"]))
        else:
            handles.append(Line2D([], [], marker=_MARKERS[s["role"]], color=COLOURS[s["role"]],
                                  linestyle="none", markersize=7, label=s["label"]))
    _legend(lax, handles, room=4.8)
    return fig, reasons, national_drawn


# ----------------------------------------------------------------------------- profile


def profile(
    ds: Dataset,
    *,
    institution: str,
    round: str | None = None,
    measures: str | Sequence[str] | None = None,
) -> Figure:
    """Each measure's mean with its interval: the institution beside its cluster, the
    municipality and the national reference.

    Parameters
    ----------
    ds : Dataset
    institution : str
        Institution id (or exact name).
    round : str, optional
        Round id; default the latest round.
    measures : str or list of str, optional
        Measure ids; default every measure about children. Measures with different
        scales are drawn in separate panels, each on its full scale.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.profile(ds, institution="I01")  # doctest: +SKIP
    """
    inst_id, inst_name = _institution(ds, institution)
    r = _round(ds, round)
    ids = _measure_list(ds, measures)
    if measures is None:
        ids = ds.measures.loc[ds.measures["subject"].astype(str) == "child", "measure_id"].astype(str).tolist()
    labels = _labels(ds)
    title = f"{inst_name}: gennemsnit pr. mål, {_round_label(ds, r)}"
    if not ids:
        return _message_figure(title, f"Ingen mål om {labels['children'].lower()} i dette datasæt.")
    inst = _summary_by(ds, ids, "institution", inst_id, r)
    ids = [m for m in ids if m in inst.index]
    if not ids:
        return _message_figure(title, f"Ingen data for {inst_name} i {r}.")
    cluster = _institution_cluster(ds, inst_id)
    series = [{"role": "institution", "label": inst_name, "data": inst}]
    if cluster:
        series.append({"role": "cluster", "label": cluster,
                       "data": _summary_by(ds, ids, "cluster", cluster, r)})
    series.append({"role": "municipality", "label": ds.meta.name,
                   "data": _summary_by(ds, ids, "municipality", None, r)})
    nat = _national(ds, ids, r)
    if not nat.empty:
        series.append({"role": "national", "label": labels.get("national", "Landsplan"),
                       "ci": False, "data": nat.set_index("measure_id")})
    with _themed():
        fig, reasons, national_drawn = _dot_figure(ds, _scale_groups(ds, ids), series,
                                                   show_n_of="institution")
        note = (f"Punkt: gennemsnit. Vandret streg: {_CI_NOTE}. n: antal i {inst_name}. "
                "Hvert mål vises på hele sin skala.")
        if national_drawn:
            note += " Landsplan: referencetal (uden interval)."
        if reasons:
            note += "\n" + _suppression_note(ds, labels["children"].lower(), "complementary" in reasons)
        return _finish(fig, title, note)


# ----------------------------------------------------------------------------- distribution


def _category_labels(m: pd.Series) -> dict[str, str]:
    d = _decimals_for([m["low_cut"], m["high_cut"]], 2)
    d = max(d, 0)
    lo = dk.fmt_number(m["low_cut"], d)
    hi = dk.fmt_number(m["high_cut"], d)
    if bool(m["higher_is_better"]):
        low = f"Lavt niveau (under {lo})" if pd.notna(m["low_cut"]) else "Lavt niveau"
        high = f"Højt niveau ({hi} og derover)" if pd.notna(m["high_cut"]) else "Højt niveau"
    else:
        low = f"Lavt niveau (over {lo})" if pd.notna(m["low_cut"]) else "Lavt niveau"
        high = f"Højt niveau ({hi} og derunder)" if pd.notna(m["high_cut"]) else "Højt niveau"
    return {"low": low, "middle": "Mellem", "high": high}


def distribution(
    ds: Dataset,
    *,
    institution: str,
    measure: str,
    round: str | None = None,
) -> Figure:
    """Shares at low, middle and high level per department, the institution and the
    municipality (stacked bars).

    Parameters
    ----------
    ds : Dataset
    institution : str
        Institution id (or exact name).
    measure : str
        Measure id; it needs cut points (``low_cut`` / ``high_cut``).
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
    >>> fig = plots.distribution(ds, institution="I01", measure="sprog")  # doctest: +SKIP
    """
    inst_id, inst_name = _institution(ds, institution)
    m = _measure(ds, measure)
    r = _round(ds, round)
    labels = _labels(ds)
    noun = _noun(ds, m)
    title = f"{inst_name}: {_measure_label(m)} – fordeling på niveauer, {_round_label(ds, r)}"
    if pd.isna(m["low_cut"]) and pd.isna(m["high_cut"]):
        return _message_figure(title, "Målet har ingen grænser for lavt og højt niveau, så "
                                      "fordelingen kan ikke vises.")
    depts = ds.org[ds.org["institution_id"].astype(str) == inst_id].drop_duplicates("department_id")
    dsum = indicators.summarize(ds, measure, by="department", round=r)
    dsum = dsum.assign(department_id=dsum["department_id"].astype(str)).set_index("department_id")
    isum = _summary_by(ds, [measure], "institution", inst_id, r)
    msum = _summary_by(ds, [measure], "municipality", None, r)
    rows: list[tuple[str, pd.Series | None, str]] = []
    for _, d in depts.iterrows():
        did = str(d["department_id"])
        rows.append((str(d["department_name"]), dsum.loc[did] if did in dsum.index else None, "department"))
    rows.append((f"{inst_name} i alt", isum.loc[measure] if measure in isum.index else None, "institution"))
    rows.append((ds.meta.name, msum.loc[measure] if measure in msum.index else None, "municipality"))
    if all(row is None for _, row, _ in rows):
        return _message_figure(title, f"Ingen data om {_measure_label(m)} i {r}.")
    cats = _category_labels(m)
    with _themed():
        fig, lax, axes = _frame(min(max(2.2 + 0.5 * len(rows), 3.2), 11))
        ax = axes[0, 0]
        ypos = []
        y = 0.0
        for i, (_, _, role) in enumerate(rows):
            if role == "institution" and i > 0:
                y += 0.5
            ypos.append(y)
            y += 1
        reasons: set[str] = set()
        ticklabels = []
        for (name, row, role), y in zip(rows, ypos, strict=True):
            label = _wrap(name, 34)
            if row is None or (not bool(row["suppressed"]) and pd.isna(row["share_low"])):
                ax.text(0.5, y, f"ingen data i {r}", ha="center", va="center", fontsize=8,
                        color=_NOTE_COLOUR, style="italic")
            elif bool(row["suppressed"]):
                reasons.add(str(row.get("suppressed_reason")))
                _placeholder(ax, 0, 1, y, 0.7, _suppressed_text(ds, noun, row.get("suppressed_reason")))
            else:
                left = 0.0
                for cat in ("low", "middle", "high"):
                    share = float(row[f"share_{cat}"]) if pd.notna(row[f"share_{cat}"]) else 0.0
                    ax.barh(y, share, left=left, height=0.7, color=CATEGORY_COLOURS[cat],
                            edgecolor="white", linewidth=0.8,
                            label=cats[cat] if y == ypos[-1] else None)
                    if share >= 0.07:
                        ax.text(left + share / 2, y, dk.fmt_percent(share), ha="center",
                                va="center", fontsize=8,
                                color="white" if cat == "low" else "#1A1A1A")
                    left += share
                label += f"\n({_n_text(row['n'])})"
            ticklabels.append(label)
            if role == "institution":
                ax.axhline(y - 0.75, color="#BBBBBB", linewidth=0.8)
        ax.set_yticks(ypos, ticklabels)
        for t, (_, _, role) in zip(ax.get_yticklabels(), rows, strict=True):
            if role != "department":
                t.set_fontweight("bold")
        ax.set_ylim(ypos[-1] + 0.6, -0.6)
        ax.set_xlim(0, 1)
        _danish_axis(ax, "x", percent=True)
        ax.set_xlabel(f"Andel af {noun}")
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)
        handles = [Patch(facecolor=CATEGORY_COLOURS[c], label=cats[c]) for c in ("low", "middle", "high")]
        _legend(lax, handles)
        note = (f"{_measure_label(m)} ({_scale_text(m)}). n: antal {noun} med en score. "
                f"Hver række er én {labels['department'].lower()}; nederst {labels['institution'].lower()} "
                "og kommunen i alt.")
        if reasons:
            note += "\n" + _suppression_note(ds, noun, "complementary" in reasons)
        return _finish(fig, title, note)


# ----------------------------------------------------------------------------- development


_PAIRING_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _pairing(ds: Dataset, measure: str, level: str) -> dict[tuple[str, str], bool]:
    """(unit, from_round) -> whether the change to the next round concerns the same subjects.

    From :func:`llkit.change` with ``paired="auto"``; cached per dataset object, so a
    report that draws every institution computes each level once.
    """
    try:
        cache = _PAIRING_CACHE.setdefault(ds, {})
    except TypeError:  # pragma: no cover - not weak-referenceable
        cache = {}
    key = (measure, level)
    if key not in cache:
        cache[key] = _compute_pairing(ds, measure, level)
    return cache[key]


def _compute_pairing(ds: Dataset, measure: str, level: str) -> dict[tuple[str, str], bool]:
    rounds = [str(r) for r in ds.meta.rounds]
    out: dict[tuple[str, str], bool] = {}
    col = "municipality" if level == "municipality" else indicators.unit_columns(level)[0]
    for a, b in zip(rounds[:-1], rounds[1:], strict=False):
        try:
            c = indicators.change(ds, measure, by=level, from_round=a, to_round=b)
        except ValueError:
            # e.g. a negative Cronbach's alpha in tiny data: pairing unknown, so the two
            # rounds are not joined by a line
            continue
        for unit, paired in zip(c[col].astype(str), c["paired"], strict=True):
            out[(unit, a)] = bool(paired)
    return out


def _level_summary(ds: Dataset, measure: str, level: str) -> pd.DataFrame:
    t = indicators.summarize(ds, measure, by=level)
    col = "municipality" if level == "municipality" else indicators.unit_columns(level)[0]
    return t.assign(_unit=t[col].astype(str), round=t["round"].astype(str))


def _draw_series(ax, ds: Dataset, t: pd.DataFrame, unit: str, role: str, x_of: dict[str, float],
                 pairing: dict[tuple[str, str], bool] | None, noun: str, *, ci: bool = True,
                 width: float = 1.8, alpha: float = 1.0) -> tuple[set[str], dict[str, Any]]:
    """Means over rounds with CI; segments solid (same subjects) or dashed (others)."""
    rows = t[t["_unit"] == unit].set_index("round")
    colour = COLOURS[role]
    rounds = [r for r in x_of if r in rows.index]
    reasons: set[str] = set()
    n_by_round: dict[str, Any] = {}
    for r in rounds:
        row = rows.loc[r]
        if bool(row["suppressed"]):
            reasons.add(str(row.get("suppressed_reason")))
            n_by_round[r] = str(row.get("suppressed_reason"))
            continue
        n_by_round[r] = row["n"]
        if not np.isfinite(row["mean"]):
            continue
        if ci and np.isfinite(row["ci_low"]):
            ax.errorbar(x_of[r], row["mean"], yerr=[[row["mean"] - row["ci_low"]],
                                                    [row["ci_high"] - row["mean"]]],
                        fmt="none", ecolor=colour, color=colour, elinewidth=1.3, capsize=3, alpha=alpha, zorder=3)
        ax.plot(x_of[r], row["mean"], marker=_MARKERS.get(role, "o"), color=colour,
                markersize=6.5 if ci else 5, markeredgecolor="white", markeredgewidth=0.6,
                alpha=alpha, zorder=4, linestyle="none")
    if pairing is not None:
        order = list(x_of)
        for a, b in zip(order[:-1], order[1:], strict=False):
            if a not in rows.index or b not in rows.index:
                continue
            ya, yb = rows.loc[a, "mean"], rows.loc[b, "mean"]
            if not (np.isfinite(ya) and np.isfinite(yb)):
                continue
            paired = pairing.get((unit, a))
            if paired is None:
                continue
            ax.plot([x_of[a], x_of[b]], [ya, yb], color=colour, linewidth=width, alpha=alpha,
                    linestyle="-" if paired else (0, (4, 2.5)), zorder=2)
    return reasons, n_by_round


def development(
    ds: Dataset,
    *,
    measure: str,
    institution: str | None = None,
    level: Literal["department", "institution", "cluster", "area", "municipality"] = "institution",
) -> Figure:
    """Means with intervals over the rounds; each step marked as the same or other children.

    A solid line joins two rounds when the change concerns *the same* children (paired
    comparison, :func:`llkit.change` with ``paired="auto"``); a dashed line when they are
    other children, so the change may just reflect a new group.

    Parameters
    ----------
    ds : Dataset
    measure : str
        Measure id.
    institution : str, optional
        With ``level="institution"``: the institution beside its cluster, the municipality
        and the national reference. With ``level="department"``: one panel per department
        of the institution, with the institution for comparison. Without an institution:
        the whole dataset (municipality) and the national reference, with every unit at
        ``level`` as a thin grey line behind it (none for ``"municipality"``).
    level : {"department", "institution", "cluster", "area", "municipality"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.development(ds, measure="sprog", institution="I01")  # doctest: +SKIP
    """
    m = _measure(ds, measure)
    level = _level(level)
    labels = _labels(ds)
    noun = _noun(ds, m)
    rounds = [str(r) for r in ds.meta.rounds]
    span = rounds[0] if len(rounds) == 1 else f"{rounds[0]}{dk.DASH}{rounds[-1]}"
    inst_id = inst_name = None
    if institution is not None:
        inst_id, inst_name = _institution(ds, institution)
        if level not in ("institution", "department"):
            raise ValueError(
                f"with institution=, level must be 'institution' or 'department', not {level!r}"
            )
    who = inst_name if inst_name else ds.meta.name
    title = f"{who}: udvikling i {_measure_label(m)}, {span}"

    # panels: (title, main role, main unit, level of main, context list of (role, level, unit))
    panels: list[tuple[str | None, str, str, str, list[tuple[str, str, str]]]] = []
    if inst_id is not None and level == "institution":
        ctx = []
        cluster = _institution_cluster(ds, inst_id)
        if cluster:
            ctx.append(("cluster", "cluster", cluster))
        ctx.append(("municipality", "municipality", ds.meta.name))
        panels.append((None, "institution", inst_id, "institution", ctx))
    elif inst_id is not None:
        depts = ds.org[ds.org["institution_id"].astype(str) == inst_id].drop_duplicates("department_id")
        for _, d in depts.iterrows():
            panels.append((str(d["department_name"]), "department", str(d["department_id"]),
                           "department", [("institution", "institution", inst_id)]))
    else:
        panels.append((None, "municipality", ds.meta.name, "municipality", []))
    background = level if inst_id is None and level != "municipality" else None
    if not panels:
        return _message_figure(title, f"Ingen enheder på niveauet {level} i dette datasæt.")
    if len(panels) > 30:
        return _message_figure(
            title, f"For mange enheder ({len(panels)}) til ét diagram – vælg et område eller "
                   "en klynge først (ds.select).")

    levels_needed = {p[3] for p in panels} | {c[1] for p in panels for c in p[4]}
    if background:
        levels_needed.add(background)
    summaries = {lv: _level_summary(ds, measure, lv) for lv in levels_needed}
    pairings = {lv: (_pairing(ds, measure, lv) if len(rounds) > 1 else {}) for lv in levels_needed}
    if all(s.empty for s in summaries.values()):
        return _message_figure(title, f"Ingen data om {_measure_label(m)} i dette datasæt.")
    nat = _national(ds, [measure]) if len(panels) == 1 else pd.DataFrame()

    values: list[float] = []
    drawn = {(p[3], p[2]) for p in panels} | {(c[1], c[2]) for p in panels for c in p[4]}
    for lv, unit in drawn:
        t = summaries[lv]
        t = t[t["_unit"] == unit]
        values += [*t["ci_low"].tolist(), *t["ci_high"].tolist()]
    values += nat["mean"].tolist() if not nat.empty else []
    if background:
        values += summaries[background]["mean"].tolist()
    lim = _axis_limits(m, values, full_scale=False)

    with _themed():
        single = len(panels) == 1
        ncols = 1 if single else min(3, len(panels))
        nrows = math.ceil(len(panels) / ncols)
        height = 4.3 if single else 1.3 + 2.15 * nrows
        fig, lax, grid = _frame(min(height, 11.5), nrows, ncols, sharey=True)
        axes = grid.ravel()
        reasons: set[str] = set()
        roles_drawn: list[str] = []
        for ax, (ptitle, role, unit, lv, ctx) in zip(axes, panels, strict=False):
            series = [(role, lv, unit, True), *[(c[0], c[1], c[2], single) for c in ctx]]
            k = len(series) + (1 if not nat.empty else 0)
            dodge = 0.06 if single else 0.09
            offs = [(i - (k - 1) / 2) * dodge for i in range(k)]
            main_n: dict[str, Any] = {}
            if background:
                _draw_background(ax, summaries[background], rounds)
                roles_drawn.append("background")
            for (srole, slv, sunit, sci), off in zip(series, offs, strict=False):
                x_of = {r: i + off for i, r in enumerate(rounds)}
                main = srole == role
                rs, n_by = _draw_series(ax, ds, summaries[slv], sunit, srole, x_of,
                                        pairings[slv], noun, ci=sci or main,
                                        width=2.0 if main else 1.3, alpha=1.0 if main else 0.85)
                if main:
                    main_n = n_by
                    reasons |= rs
                if srole not in roles_drawn:
                    roles_drawn.append(srole)
            if not nat.empty:
                x_of = {r: i + offs[-1] for i, r in enumerate(rounds)}
                for _, row in nat.iterrows():
                    if row["round"] in x_of:
                        ax.plot(x_of[row["round"]], row["mean"], marker="D", color=COLOURS["national"],
                                markersize=5, linestyle="none", zorder=4)
                roles_drawn.append("national")
            ticks = []
            for r in rounds:
                tl = _round_label(ds, r)
                if r in main_n:
                    tl += "\n" + ("vises ikke" if isinstance(main_n[r], str) else _n_text(main_n[r]))
                ticks.append(tl)
            ax.set_xticks(range(len(rounds)), ticks, fontsize=8 if not single else 9)
            ax.set_xlim(-0.45, len(rounds) - 0.55)
            for r, n in main_n.items():
                if isinstance(n, str):
                    y0, y1 = lim if lim else (0, 1)
                    label = (_wrap(_suppressed_text(ds, noun, n), 12) if single
                             else _suppressed_text(ds, noun, n, short=True))
                    _placeholder(ax, y0 + 0.08 * (y1 - y0), y1 - 0.08 * (y1 - y0),
                                 rounds.index(r), 0.45 if single else 0.4, label, fontsize=7,
                                 horizontal=False)
            if lim:
                ax.set_ylim(*lim)
            _danish_axis(ax, "y")
            ax.grid(axis="x", visible=False)
            if ptitle:
                ax.set_title(_wrap(ptitle, 34), fontsize=9)
        for ax in axes[len(panels):]:
            ax.set_axis_off()
        for ax in axes[::ncols]:
            ax.set_ylabel(f"Gennemsnit ({_scale_text(m)})" if single else "Gennemsnit")
        names = {"institution": inst_name or labels["institution"],
                 "cluster": _institution_cluster(ds, inst_id) if inst_id else labels["cluster"],
                 "municipality": ds.meta.name, "national": labels.get("national", "Landsplan"),
                 "department": labels["department"], "area": labels["area"]}
        handles = [Line2D([], [], color=COLOURS[rl], marker=_MARKERS.get(rl, "o"),
                          linestyle="none" if rl == "national" else "-", label=names[rl])
                   for rl in dict.fromkeys(roles_drawn) if rl != "background"]
        if background:
            plural = labels.get(background + "s", background)
            handles.append(Line2D([], [], color=COLOURS["other"], linewidth=0.9, alpha=0.7,
                                  label=f"{plural} (hver for sig)"))
        if len(rounds) > 1:
            handles += [
                Line2D([], [], color="#333333", linestyle="-", label=f"samme {noun} i begge målinger"),
                Line2D([], [], color="#333333", linestyle=(0, (4, 2.5)), label=f"andre {noun}"),
            ]
        _legend(lax, handles)
        note = (f"Punkt: gennemsnit. Lodret streg: {_CI_NOTE}. n: antal {noun} i "
                f"{names[panels[0][1]] if single else 'enheden'}.")
        if len(rounds) > 1:
            note += (f" Fuld linje: de samme {noun} er målt begge gange (parret sammenligning). "
                     f"Stiplet linje: andre {noun} – ændringen kan skyldes, at gruppen har ændret sig.")
        else:
            note += " Der er kun én måling, så udviklingen kan først vises efter næste måling."
        if background:
            note += (f" Grå linjer: {labels.get(background + 's', background).lower()} hver for "
                     f"sig (uden dem med færre end {dk.fmt_int(ds.meta.min_n)} {noun}) – de viser "
                     "spredningen, ikke en rangorden.")
        if reasons:
            note += "\n" + _suppression_note(ds, noun, "complementary" in reasons)
        return _finish(fig, title, note)


def _draw_background(ax, t: pd.DataFrame, rounds: list[str]) -> None:
    """Every unit as a thin grey line (its spread behind the main series); suppressed
    unit-rounds are left out."""
    shown = t[~t["suppressed"].astype(bool) & t["mean"].notna()]
    pos = {r: i for i, r in enumerate(rounds)}
    for _, g in shown.groupby("_unit", sort=False):
        xs = [pos[r] for r in g["round"] if r in pos]
        ys = g["mean"].to_numpy(dtype=float)
        order = np.argsort(xs)
        xs, ys = np.asarray(xs)[order], ys[order]
        # join only neighbouring rounds
        start = 0
        for i in range(1, len(xs) + 1):
            if i == len(xs) or xs[i] != xs[i - 1] + 1:
                ax.plot(xs[start:i], ys[start:i], color=COLOURS["other"], linewidth=0.9,
                        alpha=0.55, marker="o" if i - start == 1 else None, markersize=2.5,
                        zorder=1)
                start = i


# ----------------------------------------------------------------------------- funnel


def funnel(
    ds: Dataset,
    *,
    measure: str,
    round: str | None = None,
    level: Literal["department", "institution", "cluster", "area"] = "institution",
    highlight: str | Sequence[str] | None = None,
    target: Literal["municipality", "reference"] = "municipality",
) -> Figure:
    """Funnel plot: each unit's mean against its size, with 95 % and 99,8 % limits.

    Units are placed by their number of children, never ranked. Units outside the 99,8 %
    limits differ more than chance usually gives (Spiegelhalter 2005).

    Parameters
    ----------
    ds : Dataset
    measure : str
    round : str, optional
        Default the latest round.
    level : {"department", "institution", "cluster", "area"}
    highlight : str or list of str, optional
        Unit id(s) (or names) at ``level`` to mark and label by name.
    target : {"municipality", "reference"}
        Compare with the mean of all in the data, or the national reference.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.funnel(ds, measure="sprog", highlight="I01")  # doctest: +SKIP
    """
    m = _measure(ds, measure)
    r = _round(ds, round)
    level = _level(level)
    if level == "municipality":
        raise ValueError("a funnel plot compares units below the municipality: use level "
                         "'department', 'institution', 'cluster' or 'area'")
    if target not in ("municipality", "reference"):
        raise ValueError(f"target must be 'municipality' or 'reference', not {target!r}")
    labels = _labels(ds)
    noun = _noun(ds, m)
    id_col, name_col = indicators.unit_columns(level)[0], indicators.unit_columns(level)[-1]
    units = ds.level_units(level)
    ids = units[id_col].astype(str).tolist()
    names = dict(zip(ids, units[name_col].astype(str), strict=True))
    wanted: list[str] = []
    for h in ([highlight] if isinstance(highlight, str) else list(highlight or [])):
        if str(h) in names:
            wanted.append(str(h))
        elif str(h) in names.values():
            wanted.append(next(k for k, v in names.items() if v == str(h)))
        else:
            raise KeyError(f"unknown {level} {h!r} in highlight=; the dataset has: {_known(ids)}")
    plural = labels.get(level + "s", level).lower() if level != "department" else labels["departments"].lower()
    against = labels.get("national", "Landsplan").lower() if target == "reference" else "kommunen"
    title = f"{_measure_label(m)}, {_round_label(ds, r)}: {plural} sammenlignet med {against}"
    if target == "reference":
        if _national(ds, [measure], r).empty:
            return _message_figure(title, f"Ingen referencetal på landsplan for {_measure_label(m)} "
                                          f"i {r} i dette datasæt.")
        c = indicators.compare(ds, measure, level=level, round=r, target="reference")
    else:
        c = indicators.compare(ds, measure, level=level, round=r)
    c = c.assign(_unit=c[id_col].astype(str))
    shown = c[~c["suppressed"].astype(bool) & c["mean"].notna()]
    if shown.empty:
        return _message_figure(title, f"Ingen {plural} med data nok om {_measure_label(m)} i {r}.")
    theta = float(c["target"].iloc[0])
    sigma = float(np.nanmedian(c["se"] * np.sqrt(c["n"].astype(float))))
    n_max = float(c["n"].max())
    n_min = float(max(2, ds.meta.min_n if _persons(ds, m) else 2))
    grid = np.geomspace(min(n_min, float(shown["n"].min())), max(n_max * 1.08, n_min + 1), 160)
    lim = stats.funnel_limits(grid, target=theta, sigma=sigma)
    with _themed():
        fig, lax, axes = _frame(4.8)
        ax = axes[0, 0]
        tcol = COLOURS["national"] if target == "reference" else COLOURS["municipality"]
        ax.axhline(theta, color=tcol, linewidth=1.6, zorder=2)
        ax.plot(grid, lim["limit95_low"], color="#555555", linestyle=(0, (5, 3)), linewidth=1.1)
        ax.plot(grid, lim["limit95_high"], color="#555555", linestyle=(0, (5, 3)), linewidth=1.1)
        ax.plot(grid, lim["limit998_low"], color="#555555", linestyle=":", linewidth=1.4)
        ax.plot(grid, lim["limit998_high"], color="#555555", linestyle=":", linewidth=1.4)
        others = shown[~shown["_unit"].isin(wanted)]
        ax.scatter(others["n"], others["mean"], s=28, color=COLOURS["other"], edgecolor="white",
                   linewidth=0.5, zorder=3)
        hcol = COLOURS.get(level, COLOURS["institution"])
        hidden_wanted = []
        for j, u in enumerate(wanted):
            row = _one(c, _unit=u)
            if row is None or bool(row["suppressed"]) or pd.isna(row["mean"]):
                hidden_wanted.append(names[u])
                continue
            ax.scatter([row["n"]], [row["mean"]], s=60, color=hcol, edgecolor="white",
                       linewidth=0.8, zorder=5)
            dy = 14 if j % 2 == 0 else -16
            ax.annotate(_wrap(names[u], 28), (row["n"], row["mean"]), xytext=(8, dy),
                        textcoords="offset points", fontsize=8.5, color=hcol, fontweight="bold",
                        ha="left", va="center", zorder=6,
                        arrowprops=dict(arrowstyle="-", color=hcol, linewidth=0.8),
                        bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none",
                                  alpha=0.85))
        for k, name in enumerate(hidden_wanted):
            ax.text(0.01, 0.98 - 0.07 * k, f"{name}: {_suppressed_text(ds, noun)}",
                    transform=ax.transAxes, ha="left", va="top", fontsize=8.5, color="#333333",
                    bbox=dict(boxstyle="round,pad=0.25", facecolor=_SUPPRESSED_FACE,
                              edgecolor=_SUPPRESSED_EDGE, hatch=_HATCH))
        at_smallest = stats.funnel_limits([float(shown["n"].min())], target=theta, sigma=sigma)
        vals = [*shown["mean"].tolist(), float(at_smallest["limit998_low"].iloc[0]),
                float(at_smallest["limit998_high"].iloc[0])]
        ylim = _axis_limits(m, vals, full_scale=False)
        if ylim:
            ax.set_ylim(*ylim)
        ax.set_xlim(0, n_max * 1.1)
        _danish_axis(ax, "x", integer=True)
        _danish_axis(ax, "y")
        ax.set_xlabel(f"Antal {noun} (n)")
        ax.set_ylabel(f"Gennemsnit ({_scale_text(m)})")
        target_label = (f"{labels.get('national', 'Landsplan')} (gennemsnit)" if target == "reference"
                        else f"{ds.meta.name} (gennemsnit)")
        handles = [
            Line2D([], [], color=tcol, linewidth=1.6, label=target_label),
            Line2D([], [], color="#555555", linestyle=(0, (5, 3)), label="95\u00a0%-grænser"),
            Line2D([], [], color="#555555", linestyle=":", linewidth=1.4, label="99,8\u00a0%-grænser"),
            Line2D([], [], marker="o", color=COLOURS["other"], linestyle="none",
                   label=f"{labels.get(level, level)} (ét punkt hver)"),
        ]
        _legend(lax, handles)
        n_hidden = int(c["suppressed"].astype(bool).sum())
        noun_level = labels.get(level, level).lower()
        # Danish gender: "ét dagtilbud/område", "én skole/klynge/stue/klasse"
        one = "ét" if noun_level in ("dagtilbud", "område", "team", "hus") else "én"
        note = (f"Hvert punkt er {one} {noun_level}, placeret efter antal {noun} – "
                "ikke en rangorden. Små enheder spreder sig mere af ren tilfældighed; derfor "
                "tragtformen. Punkter uden for de prikkede linjer (99,8\u00a0%) afviger mere, "
                "end tilfældigheder normalt giver.")
        if n_hidden:
            note += (f"\n{dk.fmt_int(n_hidden)} {plural} med færre end {dk.fmt_int(ds.meta.min_n)} "
                     f"{noun} vises ikke.")
        return _finish(fig, title, note)


# ----------------------------------------------------------------------------- gap


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
            g = g.assign(round=g["round"].astype(str)).set_index("round")
            colour = COLOURS[role]
            xs, ys = [], []
            for i, r in enumerate(rounds):
                if r not in g.index:
                    continue
                row = g.loc[r]
                if bool(row["suppressed"]) or pd.isna(row["gap"]):
                    if role == series[0][0]:
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
                if role == series[0][0]:
                    ticks[i] += (f"\n{low_name}: {_n_text(row['n_low'])}"
                                 f"\n{high_name}: {_n_text(row['n_high'])}")
            ax.plot(xs, ys, color=colour, linewidth=1.3, alpha=0.6, zorder=2)
        ax.set_xticks(range(len(rounds)), ticks, fontsize=8)
        ax.set_xlim(-0.5, len(rounds) - 0.5)
        ax.set_ylim(vals.min() - pad, vals.max() + pad)
        _danish_axis(ax, "y")
        ax.set_ylabel("Forskel i gennemsnit (point)")
        ax.grid(axis="x", visible=False)
        ax.text(1.0, 0, " ingen forskel", transform=ax.get_yaxis_transform(), fontsize=8,
                va="bottom", ha="right", color="#333333")
        handles = [Line2D([], [], color=COLOURS[role], marker=_MARKERS[role], label=name)
                   for role, name, _ in series]
        _legend(lax, handles)
        note = (f"Forskel = {diff_text[0].lower() + diff_text[1:]}. Over 0: {labels['children'].lower()} af forældre med "
                f"lang uddannelse ligger højest. Målet er, at forskellen bliver mindre. "
                f"Lodret streg: {_CI_NOTE}; n: antal {noun} i hver gruppe.")
        if reasons:
            note += "\n" + _suppression_note(ds, noun)
        return _finish(fig, title, note)


# ----------------------------------------------------------------------------- heatmap


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
    # rows: a header row per group of measures, then one row per measure
    groups = info.loc[mids, "group"].fillna("").astype(str).tolist()
    layout: list[tuple[str, str, float]] = []  # (kind, text or measure id, y top)
    y = 0.0
    for i, mid in enumerate(mids):
        if groups[i] and (i == 0 or groups[i] != groups[i - 1]):
            layout.append(("group", groups[i], y))
            y += 0.6
        layout.append(("measure", mid, y))
        y += 1
    total_h = y
    width = max(_WIDTH, 2.9 + 0.36 * (len(columns) + 0.3))
    cell_w = (width - 2.9) / (len(columns) + 0.3)
    row_in = float(np.clip(8.0 / max(total_h, 1), 0.34, 0.5))
    height = 2.3 + row_in * total_h
    fs_mean = float(np.clip(cell_w * 16, 7.0, 9.0))
    fs_n = max(fs_mean - 1.8, 5.8)
    col_labels = [_wrap(c[0], 10) for c in columns]
    longest = max(len(line) for lab in col_labels for line in lab.split("\n"))
    rotate = longest * 0.075 > cell_w
    reasons: set[str] = set()
    unbounded_rows = False
    with _themed():
        fig, _, axes = _frame(min(height, 14), width=width, legend=False)
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
            lo, hi = m["scale_min"], m["scale_max"]
            bounded = pd.notna(lo) and pd.notna(hi) and hi > lo
            unbounded_rows |= not bounded
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
        ax.set_xlim(0, xs[-1] + 1)
        ax.set_ylim(total_h, 0)
        ax.set_yticks(yticks, ylabels, fontsize=8.5)
        ax.xaxis.tick_top()
        if rotate:
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
        sm = mpl.cm.ScalarMappable(norm=mpl.colors.Normalize(0, 1), cmap=_CELL_CMAP)
        cb = fig.colorbar(sm, ax=ax, location="bottom", shrink=0.5, aspect=35, pad=0.01)
        cb.set_ticks([0, 0.5, 1], labels=["lavt", "midt", "højt"])
        cb.set_label("Farve: gennemsnittets placering på målets skala", fontsize=8)
        cb.ax.tick_params(labelsize=8, length=0)
        cb.outline.set_visible(False)
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
        return _finish(fig, title, note)


# ----------------------------------------------------------------------------- culture


def culture(
    ds: Dataset,
    *,
    institution: str,
    round: str | None = None,
) -> Figure:
    """Staff survey (collaboration culture, trust, well-being) and observations of the
    learning environment: the institution beside the municipality.

    Observation ratings describe departments, not persons, so each department's rating
    is shown too.

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
    >>> fig = plots.culture(ds, institution="I01")  # doctest: +SKIP
    """
    inst_id, inst_name = _institution(ds, institution)
    r = _round(ds, round)
    labels = _labels(ds)
    title = f"{inst_name}: samarbejdskultur og læringsmiljø, {_round_label(ds, r)}"
    subject = ds.measures["subject"].astype(str)
    staff = ds.measures.loc[subject == "respondent", "measure_id"].astype(str).tolist()
    obs = ds.measures.loc[subject == "department", "measure_id"].astype(str).tolist()
    if not staff and not obs:
        return _message_figure(title, "Ingen data om medarbejdere eller læringsmiljø i dette datasæt.")
    ids = staff + obs
    inst = _summary_by(ds, ids, "institution", inst_id, r)
    ids = [m for m in ids if m in inst.index]
    if not ids:
        return _message_figure(title, f"Ingen data om medarbejdere eller læringsmiljø for "
                                      f"{inst_name} i {r}.")
    muni = _summary_by(ds, ids, "municipality", None, r)
    panels = []
    for name, group in (("Medarbejdernes vurdering", [m for m in staff if m in ids]),
                        ("Observation af læringsmiljøet", [m for m in obs if m in ids])):
        for sub_title, sub in _scale_groups(ds, group):
            panels.append((f"{name} – {sub_title.lower()}", sub))
    points: dict[str, list[float]] = {}
    obs_ids = [m for m in obs if m in ids]
    if obs_ids:
        d = indicators.summarize(ds, obs_ids, by="department", round=r)
        dept_ids = set(ds.org.loc[ds.org["institution_id"].astype(str) == inst_id, "department_id"].astype(str))
        d = d[d["department_id"].astype(str).isin(dept_ids) & ~d["suppressed"].astype(bool)]
        for mid, g in d.groupby(d["measure_id"].astype(str)):
            points[mid] = g["mean"].dropna().tolist()
    series: list[dict[str, Any]] = [{"role": "institution", "label": inst_name, "data": inst}]
    if points:
        series.append({"role": "department", "points": points,
                       "label": f"Hver {labels['department'].lower()} for sig"})
    series.append({"role": "municipality", "label": ds.meta.name, "data": muni})
    with _themed():
        fig, reasons, _ = _dot_figure(ds, panels, series, show_n_of="institution")
        note = f"Punkt: gennemsnit. Vandret streg: {_CI_NOTE}. n: antal i {inst_name}."
        if points:
            note += (f" Lodrette streger: den enkelte {labels['department'].lower()}s "
                     f"observation – forskelle mellem {labels['departments'].lower()} er vigtige "
                     "at drøfte.")
        if reasons:
            note += "\n" + _suppression_note(ds, labels.get("respondents", "Medarbejdere").lower(),
                                             "complementary" in reasons)
        return _finish(fig, title, note)


# ----------------------------------------------------------------------------- coverage


def coverage(
    ds: Dataset,
    *,
    institution: str | None = None,
    level: Literal["department", "institution", "cluster", "area", "municipality"] = "institution",
) -> Figure:
    """Share of teams that documented signs of learning (tegn på læring), over rounds.

    The goal is that *all* teams document signs of learning.

    Parameters
    ----------
    ds : Dataset
    institution : str, optional
        One institution over the rounds, with the municipality for comparison. Without
        it: every unit at ``level`` (a table-like chart, units in name order).
    level : {"department", "institution", "cluster", "area", "municipality"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.coverage(ds, institution="I01")  # doctest: +SKIP
    """
    level = _level(level)
    inst_id = inst_name = None
    if institution is not None:
        inst_id, inst_name = _institution(ds, institution)
    rounds = [str(r) for r in ds.meta.rounds]
    span = rounds[0] if len(rounds) == 1 else f"{rounds[0]}{dk.DASH}{rounds[-1]}"
    who = inst_name or ds.meta.name
    title = f"{who}: teams, der dokumenterer tegn på læring, {span}"
    if ds.goals is None or ds.goals.empty:
        return _message_figure(title, "Ingen data om tegn på læring i dette datasæt.")
    if inst_id is not None:
        return _coverage_institution(ds, inst_id, inst_name, rounds, title)
    by = level
    cov = indicators.coverage(ds, by=None if by == "municipality" else by)
    if cov.empty:
        return _message_figure(title, "Ingen data om tegn på læring i dette datasæt.")
    if by == "municipality":
        cov = cov.assign(_unit=ds.meta.name, _name=ds.meta.name)
    else:
        id_col, name_col = indicators.unit_columns(by)[0], indicators.unit_columns(by)[-1]
        cov = cov.assign(_unit=cov[id_col].astype(str), _name=cov[name_col].astype(str))
    units = cov.drop_duplicates("_unit")[["_unit", "_name"]].sort_values("_name", kind="stable")
    if len(units) > 60:
        return _message_figure(title, f"For mange enheder ({len(units)}) til ét diagram – vælg "
                                      "et område eller en klynge først (ds.select).")
    cov = cov.assign(round=cov["round"].astype(str)).set_index(["_unit", "round"])
    with _themed():
        fig, _, axes = _frame(min(max(1.9 + 0.3 * len(units), 3.0), 14),
                              width=min(max(4.5 + 1.1 * len(rounds), 6.0), _WIDTH), legend=False)
        ax = axes[0, 0]
        for i, (u, _name) in enumerate(units.itertuples(index=False)):
            for j, r in enumerate(rounds):
                if (u, r) not in cov.index:
                    ax.add_patch(Rectangle((j, i), 1, 1, facecolor="white", edgecolor="#E0E0E0"))
                    ax.text(j + 0.5, i + 0.5, dk.MISSING, ha="center", va="center", color="#999999")
                    continue
                row = cov.loc[(u, r)]
                share = float(row["share"])
                colour = _cell_colour(share)
                tc = _text_colour(colour)
                ax.add_patch(Rectangle((j, i), 1, 1, facecolor=colour, edgecolor="white", linewidth=1.2))
                ax.text(j + 0.5, i + 0.5,
                        f"{dk.fmt_percent(share)}  ({dk.fmt_int(row['teams_documenting'])} af "
                        f"{dk.fmt_int(row['teams'])})", ha="center", va="center", fontsize=8, color=tc)
        ax.set_xlim(0, len(rounds))
        ax.set_ylim(len(units), 0)
        ax.set_xticks([j + 0.5 for j in range(len(rounds))], [_round_label(ds, r) for r in rounds])
        ax.xaxis.tick_top()
        ax.set_yticks([i + 0.5 for i in range(len(units))], [_wrap(n, 34) for n in units["_name"]],
                      fontsize=8.5)
        ax.tick_params(length=0)
        ax.grid(False)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        note = ("Andel teams, der har dokumenteret tegn på læring for mindst ét læringsmål "
                "(i parentes: antal teams). Målet er 100\u00a0%. Enhederne står i navneorden.")
        return _finish(fig, title, note)


def _coverage_institution(ds: Dataset, inst_id: str, inst_name: str, rounds: list[str],
                          title: str) -> Figure:
    cov = indicators.coverage(ds, by="institution")
    inst = cov[cov["institution_id"].astype(str) == inst_id]
    muni = indicators.coverage(ds, by=None)
    if inst.empty:
        return _message_figure(title, f"Ingen data om tegn på læring for {inst_name}.")
    with _themed():
        fig, lax, axes = _frame(4.4)
        ax = axes[0, 0]
        ax.axhline(1.0, color="#333333", linewidth=1.0, linestyle=(0, (2, 2)), zorder=1)
        ax.text(-0.45, 1.0, "Mål: alle teams", fontsize=8, va="bottom", ha="left", color="#333333")
        ticks = [_round_label(ds, r) for r in rounds]
        for role, _name, t, off in (("institution", inst_name, inst, -0.06),
                                   ("municipality", ds.meta.name, muni, 0.06)):
            t = t.assign(round=t["round"].astype(str)).set_index("round")
            colour = COLOURS[role]
            xs, ys = [], []
            for i, r in enumerate(rounds):
                if r not in t.index:
                    continue
                row = t.loc[r]
                x = i + off
                ax.errorbar(x, row["share"], yerr=[[row["share"] - row["share_ci_low"]],
                                                   [row["share_ci_high"] - row["share"]]],
                            fmt="none", ecolor=colour, color=colour, elinewidth=1.3, capsize=3, zorder=3)
                ax.plot(x, row["share"], marker=_MARKERS[role], color=colour, markersize=7,
                        markeredgecolor="white", linestyle="none", zorder=4, label=None)
                xs.append(x)
                ys.append(row["share"])
                if role == "institution":
                    ax.annotate(f"{dk.fmt_int(row['teams_documenting'])} af {dk.fmt_int(row['teams'])}",
                                (x, row["share"]), xytext=(-7, 0), textcoords="offset points",
                                ha="right", va="center", fontsize=8, color=colour, fontweight="bold")
                    ticks[i] += f"\n{dk.fmt_int(row['teams'])} teams"
            ax.plot(xs, ys, color=colour, linewidth=1.4, alpha=0.7, zorder=2)
        ax.set_xticks(range(len(rounds)), ticks)
        ax.set_xlim(-0.5, len(rounds) - 0.5)
        ax.set_ylim(-0.03, 1.09)
        _danish_axis(ax, "y", percent=True)
        ax.set_ylabel("Andel teams")
        ax.grid(axis="x", visible=False)
        handles = [Line2D([], [], color=COLOURS[r], marker=_MARKERS[r], label=n)
                   for r, n in (("institution", inst_name), ("municipality", ds.meta.name))]
        _legend(lax, handles)
        note = ("Andel teams, der har dokumenteret tegn på læring for mindst ét læringsmål. "
                f"Lodret streg: {_CI_NOTE} (Wilson). Tallene ved punkterne: antal teams, der "
                "dokumenterer, af alle aktive teams.")
        return _finish(fig, title, note)
