"""A goal's indicator in the data: its direction, scale and Danish label, and its value
with the 95 % interval in every round; and the order of rounds (also coming ones)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.documents.plans.model import _BACKGROUND_DA, Indicator

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def _round_position(r: str, rounds: list[str]) -> float | None:
    """Position of a round in the dataset's order; rounds continuing a numbered series
    (``T4`` after ``T1``–``T3``) come after the known ones; other unknown rounds: None."""
    if r in rounds:
        return float(rounds.index(r))
    pat = re.compile(r"^(.*?)(\d+)$")
    parts = [pat.match(x) for x in rounds]
    m = pat.match(r)
    if not m or not parts or not all(parts):
        return None
    prefixes = {p.group(1) for p in parts}  # type: ignore[union-attr]
    if prefixes != {m.group(1)}:
        return None
    last = max(int(p.group(2)) for p in parts)  # type: ignore[union-attr]
    n = int(m.group(2))
    if n <= last:
        return None
    return float(len(rounds) - 1 + (n - last))


def next_round(rounds: list[str]) -> str | None:
    m = re.match(r"^(.*?)(\d+)$", rounds[-1]) if rounds else None
    if not m:
        return None
    cand = f"{m.group(1)}{int(m.group(2)) + 1}"
    return cand if _round_position(cand, rounds) is not None else None


@dataclass
class _Info:
    """What the data says about one indicator: direction, scale, labels."""

    higher_is_better: bool
    lo: float
    hi: float
    share: bool
    label: str
    noun: str


def _indicator_info(ds: Dataset, ind: Indicator) -> _Info:
    labels = ds.profile.labels
    children = labels.get("children", "Børn").lower()
    if ind.kind == "coverage":
        deps = labels.get("departments", "Stuer/grupper").lower()
        return _Info(True, 0.0, 1.0, True,
                     f"Andel {deps} der dokumenterer tegn på læring", deps)
    m = ds.measures.set_index("measure_id").loc[ind.measure]
    hib = bool(m["higher_is_better"])
    smin, smax = float(m["scale_min"]), float(m["scale_max"])
    label = str(m["label"])
    if ind.kind == "share_low":
        return _Info(False, 0.0, 1.0, True, f"Andel {children} med lav score – {label}", children)
    if ind.kind == "gap":
        width = smax - smin if not (math.isnan(smin) or math.isnan(smax)) else math.inf
        bg = ds.profile.gap_default[0]
        return _Info(False, -width, width, False,
                     f"Forskel efter {_BACKGROUND_DA.get(bg, bg)} – {label}", children)
    lo = -math.inf if math.isnan(smin) else smin
    hi = math.inf if math.isnan(smax) else smax
    if ind.kind == "staff":
        resp = labels.get("respondents", "Medarbejdere")
        return _Info(hib, lo, hi, False, f"{resp} – {label}", resp.lower())
    subject = str(m["subject"])
    noun = children if subject == "child" else labels.get("respondents", "Medarbejdere").lower()
    return _Info(hib, lo, hi, False, f"Gennemsnit – {label}", noun)


def indicator_info(ds: Dataset, indicator: Indicator) -> dict[str, Any]:
    """What the data says about an indicator: its Danish label and direction.

    Parameters
    ----------
    ds : Dataset
    indicator : Indicator
        A valid indicator (a known kind, and a known measure unless ``coverage``).

    Returns
    -------
    dict
        ``label`` (Danish, e.g. "Medarbejdere – Tillid"), ``higher_is_better`` (bool),
        ``share`` (True for ``share_low`` and ``coverage``: values in 0–1), ``lo`` and
        ``hi`` (the scale of the indicator; infinite when the measure has none) and
        ``noun`` (whom the numbers count, e.g. "børn").

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> indicator_info(ds, Indicator("share_low", "sprog"))["higher_is_better"]
    False
    """
    info = _indicator_info(ds, indicator)
    return {"label": info.label, "higher_is_better": info.higher_is_better,
            "share": info.share, "lo": info.lo, "hi": info.hi, "noun": info.noun}


def indicator_values(ds: Dataset, institution: str, indicator: Indicator) -> pd.DataFrame:
    """The indicator of an institution (or one of its departments) in every round.

    The same numbers :func:`plan_status` uses, e.g. to show a goal's baseline while the
    plan is written.

    Parameters
    ----------
    ds : Dataset
    institution : str
    indicator : Indicator

    Returns
    -------
    pandas.DataFrame
        One row per round with data, in round order: ``round``, ``n`` (children,
        respondents or teams), ``value``, ``ci_low``, ``ci_high`` (95 %; missing for
        ``coverage``, which counts all teams), ``suppressed`` and ``reason``.
        Suppressed values are missing, never shown.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> indicator_values(ds, "I03", Indicator("staff", "tillid"))["round"].tolist()
    ['T1', 'T2', 'T3']
    """
    series = _series(ds, institution, indicator, {})
    order = [str(r) for r in ds.meta.rounds]
    rows = []
    for r in order:
        if r not in series:
            continue
        v = series[r]
        hide = bool(v["suppressed"])
        rows.append({"round": r, "n": v["n"],
                     "value": np.nan if hide else float(v["value"]),
                     "ci_low": np.nan if hide else float(v["ci_low"]),
                     "ci_high": np.nan if hide else float(v["ci_high"]),
                     "suppressed": hide, "reason": v.get("reason")})
    out = pd.DataFrame(rows, columns=["round", "n", "value", "ci_low", "ci_high",
                                      "suppressed", "reason"])
    out["n"] = pd.array(out["n"].tolist(), dtype="Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def _series(ds: Dataset, institution: str, ind: Indicator, cache: dict) -> dict[str, dict]:
    """Per round (str): n, value, ci_low, ci_high, suppressed, reason, sd, share CI —
    oriented so that the value is the indicator as the plan states it."""
    key = ("series", institution, ind.kind, ind.measure, ind.department)
    if key in cache:
        return cache[key]
    from llkit.stats import indicators

    level = "department" if ind.department else "institution"
    unit = ind.department or institution
    id_col = f"{level}_id"
    out: dict[str, dict] = {}
    if ind.kind in ("mean", "staff", "share_low"):
        tkey = ("summarize", ind.measure, level)
        if tkey not in cache:
            cache[tkey] = indicators.summarize(ds, ind.measure, by=level)
        t = cache[tkey]
        t = t[t[id_col].astype(str) == unit]
        for r in t.itertuples(index=False):
            share = ind.kind == "share_low"
            out[str(r.round)] = {
                "n": int(r.n),
                "value": r.share_low if share else r.mean,
                "ci_low": r.share_low_ci_low if share else r.ci_low,
                "ci_high": r.share_low_ci_high if share else r.ci_high,
                "sd": r.sd,
                "suppressed": bool(r.suppressed),
                "reason": str(r.suppressed_reason) if bool(r.suppressed) else None,
            }
    elif ind.kind == "gap":
        tkey = ("gap", ind.measure, level)
        if tkey not in cache:
            cache[tkey] = indicators.gap(ds, ind.measure, by=level)
        t = cache[tkey]
        t = t[t[id_col].astype(str) == unit]
        hib = bool(ds.measures.set_index("measure_id").loc[ind.measure, "higher_is_better"])
        sign = 1.0 if hib else -1.0
        for r in t.itertuples(index=False):
            lo, hi = sign * r.ci_low, sign * r.ci_high
            out[str(r.round)] = {
                "n": int(r.n_low + r.n_high),
                "value": sign * r.gap,
                "ci_low": min(lo, hi),
                "ci_high": max(lo, hi),
                "suppressed": bool(r.suppressed),
                "reason": "min_n" if bool(r.suppressed) else None,
            }
    elif ind.kind == "coverage":
        tkey = ("coverage", level)
        if tkey not in cache:
            cache[tkey] = indicators.coverage(ds, by=level)
        t = cache[tkey]
        t = t[t[id_col].astype(str) == unit] if len(t) else t
        for r in t.itertuples(index=False):
            out[str(r.round)] = {
                "n": int(r.teams),
                "k": int(r.teams_documenting),
                "value": float(r.share),
                "ci_low": np.nan,  # a count of all teams: nothing is estimated
                "ci_high": np.nan,
                "suppressed": False,
                "reason": None,
            }
    cache[key] = out
    return out
