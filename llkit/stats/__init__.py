"""Statistics layer: numeric primitives, scores, indicators, privacy and the decision rule.

``numeric`` holds the array-level primitives (intervals, contrasts, change, variance
components, funnels, reliability); ``scoring`` turns answers into scores,
``indicators`` the public tables (``summarize``, ``change``, ``gap`` …), ``privacy`` the
suppression rules and ``decision`` the one rule for calling a difference real. May
import the data layer, nothing above it.
"""
