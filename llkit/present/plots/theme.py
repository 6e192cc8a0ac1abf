"""The llkit theme: palettes, role colours and markers, cell colours, rcParams."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
import seaborn as sns
from cycler import cycler

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
