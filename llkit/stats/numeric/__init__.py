"""Pure numeric primitives behind llkit's indicators.

Every function here works on numbers, numpy arrays or pandas Series -- never on a
:class:`~llkit.data.dataset.Dataset` -- so that it can be checked against an independent
reference (scipy, statsmodels, pingouin or a published example) and reused by
:mod:`llkit.stats.indicators`.

Most functions are *vectorised over groups*: they take arrays of per-group summaries
(``n``, ``mean``, ``sd`` ...) and return one value or one row per group, so an indicator
over thousands of units is one call, not a Python loop. Functions that return a
:class:`pandas.DataFrame` use the index of the first :class:`pandas.Series` argument
(if any), so the result lines up with the frame the arguments came from.

Conventions
-----------
* Missing values are ``NaN``. A group that is too small for a statistic gets ``NaN``,
  never an exception (``n < 2`` for a t interval, ``n = 0`` for a proportion).
* Intervals are two-sided with coverage ``confidence`` (default 0.95) and are returned as
  ``ci_low`` / ``ci_high``.
* A change or difference is always *second minus first* (``after - before``,
  ``mean2 - mean1``), so a positive value means "higher in the later round / in group 2".

Overview
--------
========================================  ==============================================
:func:`t_interval`                        t interval for a mean from ``n, mean, sd``
:func:`wilson_interval`                   Wilson score interval for a proportion
:func:`describe`, :func:`proportions`     per-group n, mean/sd or share with interval
:func:`welch_difference`                  difference of two means (Welch) + Hedges' g
:func:`hedges_g`, :func:`hedges_j`        standardised mean difference
:func:`paired_change`                     mean change of the same subjects + d_z
:func:`reliable_change`                   Jacobson-Truax reliable change (per subject)
:func:`reliable_change_summary`           shares with reliable change, per group
:func:`regression_to_mean`                change expected from the baseline position
:func:`variance_components`               REML one-way random effects (tau2, sigma2, ICC)
:func:`shrink`                            empirical-Bayes shrunken unit means
:func:`funnel`, :func:`funnel_limits`     funnel plot (Spiegelhalter 2005)
:func:`cronbach_alpha`                    Cronbach's alpha with Feldt interval
========================================  ==============================================

Layout
------
One flat public namespace over topic modules (import from here, not from them):
``intervals`` (t, Wilson, describe, proportions), ``contrasts`` (Welch, Hedges' g),
``change`` (paired change, regression to the mean), ``reliable`` (Jacobson-Truax),
``variance`` (variance components, shrinkage), ``funnels`` and ``reliability``
(Cronbach's alpha); ``_common`` holds the shared array helpers.
"""

from __future__ import annotations

from llkit.stats.numeric.change import paired_change, paired_change_values, regression_to_mean
from llkit.stats.numeric.contrasts import hedges_g, hedges_j, welch_difference
from llkit.stats.numeric.funnels import (
    FUNNEL_FLAGS,
    Overdispersion,
    estimate_overdispersion,
    funnel,
    funnel_limits,
)
from llkit.stats.numeric.intervals import describe, proportions, t_interval, wilson_interval
from llkit.stats.numeric.reliability import CronbachAlpha, cronbach_alpha
from llkit.stats.numeric.reliable import (
    RELIABLE_CHANGE_CATEGORIES,
    reliable_change,
    reliable_change_index,
    reliable_change_summary,
)
from llkit.stats.numeric.variance import (
    VarianceComponents,
    shrink,
    variance_components,
    variance_components_from_values,
)

__all__ = [
    "t_interval",
    "wilson_interval",
    "describe",
    "proportions",
    "welch_difference",
    "hedges_g",
    "hedges_j",
    "paired_change",
    "paired_change_values",
    "reliable_change_index",
    "reliable_change",
    "reliable_change_summary",
    "regression_to_mean",
    "VarianceComponents",
    "variance_components",
    "variance_components_from_values",
    "shrink",
    "Overdispersion",
    "estimate_overdispersion",
    "funnel",
    "funnel_limits",
    "CronbachAlpha",
    "cronbach_alpha",
    "RELIABLE_CHANGE_CATEGORIES",
    "FUNNEL_FLAGS",
]
