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

from llkit.present.plots.dotrows import culture, profile
from llkit.present.plots.figure import svg_data_uri
from llkit.present.plots.formats import _danish_axis as _danish_axis  # the e-learning chapter 4
from llkit.present.plots.funnels import funnel
from llkit.present.plots.gaps import gap
from llkit.present.plots.goals import coverage
from llkit.present.plots.heatmaps import heatmap
from llkit.present.plots.shares import distribution
from llkit.present.plots.theme import CATEGORY_COLOURS, COLOURS, PALETTE, use_theme
from llkit.present.plots.trends import development

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
