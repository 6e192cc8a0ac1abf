"""Indicators: the numbers leaders act on, by organisational level, with uncertainty and
suppression of small groups.

Every function takes a :class:`llkit.Dataset` and returns a tidy DataFrame with one row per
measure × unit × round; the unit is identified by the column named as in ``units``
(``department_id``, ``institution_id``, ``cluster``, ``area``) with its name column beside
it (``department_name``, ``institution_name``), or ``municipality``. Aggregates over fewer
than ``ds.meta.min_n`` persons are suppressed: their values are missing and
``suppressed`` is True. Ratings *of a department* (observations of the learning
environment) describe no person and are never suppressed.

The numeric work is done by :mod:`llkit.stats.numeric` (checked there against scipy,
statsmodels and pingouin); suppression by :mod:`llkit.stats.privacy`.

The public functions live in topic modules and are imported from here:
``summaries`` (:func:`summarize`, with ``aggregation``), ``changes`` (:func:`change`),
``gaps`` (:func:`gap`), ``comparisons`` (:func:`variance_components`, :func:`compare`),
``items`` (:func:`reliability`) and ``goals`` (:func:`coverage`); ``_common`` holds the
levels, :func:`scores` and the shared frame helpers, ``_cache`` the per-Dataset cache.
"""

from __future__ import annotations

# _REPLAY_REGISTRIES: llkit.apps.batch clears it between units; _aggregate: tests
from llkit.stats.indicators._cache import _REPLAY_REGISTRIES, clear_cache  # noqa: F401
from llkit.stats.indicators._common import Level, scores, unit_columns  # noqa: F401
from llkit.stats.indicators.aggregation import _aggregate  # noqa: F401
from llkit.stats.indicators.changes import change
from llkit.stats.indicators.comparisons import compare, variance_components
from llkit.stats.indicators.gaps import gap
from llkit.stats.indicators.goals import coverage
from llkit.stats.indicators.items import reliability
from llkit.stats.indicators.summaries import summarize

__all__ = [
    "scores",
    "summarize",
    "change",
    "gap",
    "variance_components",
    "compare",
    "reliability",
    "coverage",
    "unit_columns",
]

