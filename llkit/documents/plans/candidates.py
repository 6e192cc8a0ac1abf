"""Proposing a plan from the data: where the data points (:func:`focus_candidates`) and a
draft plan with one focus area per candidate (:func:`new_plan`)."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.documents.plans.model import _BACKGROUND_DA, FocusArea, Goal, Indicator, Plan
from llkit.documents.plans.series import next_round
from llkit.present.text import fmt_interval, fmt_number, fmt_percent

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def focus_candidates(ds: Dataset, institution: str, round: str | None = None) -> pd.DataFrame:
    """Where the data points: candidate focus areas for an institution's plan.

    Looks at the round (default: the latest round with data for the institution) for
    the child measures with the largest shares of low scores (compared with the
    municipality), the largest equity gap, the lowest staff survey mean (trust,
    well-being …) and documentation coverage below 100 %. Suppressed values are never
    used.

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``measure_id``, ``label``, ``round``, ``value``, ``ci_low``,
        ``ci_high``, ``municipality`` (the same indicator for the whole dataset), ``n``,
        ``why`` (a Danish sentence), ``proposed_target``; ordered by kind as listed.
    """
    from llkit.stats import indicators

    org = ds.org
    if institution not in set(org["institution_id"].astype(str)):
        raise KeyError(f"unknown institution {institution!r}; known: "
                       + ", ".join(sorted(org["institution_id"].astype(str).unique())))
    sub = ds.select(institution=institution)
    rounds = [str(r) for r in ds.meta.rounds]
    present = set(sub.responses["round"].dropna().astype(str))
    if round is None:
        have = [r for r in rounds if r in present]
        if not have:   # no answers at all: no candidates (the notebooks say so in Danish)
            return pd.DataFrame(columns=_CANDIDATE_COLUMNS)
        round = have[-1]
    m = ds.measures
    children = ds.profile.labels.get("children", "Børn").lower()
    rows: list[dict[str, Any]] = []
    summ = indicators.summarize(ds, by="institution", round=round)
    summ = summ[summ["institution_id"].astype(str) == institution]
    whole = indicators.summarize(ds, by=None, round=round).set_index("measure_id")
    child = m[(m["subject"] == "child") & m["low_cut"].notna()]["measure_id"].astype(str)
    rows += _share_low_rows(ds, summ, whole, child, round, children)
    rows += _gap_rows(ds, child, institution, round)
    rows += _staff_rows(ds, m, summ, whole, round)
    rows += _coverage_rows(ds, institution, round)
    return pd.DataFrame(rows, columns=_CANDIDATE_COLUMNS)


_CANDIDATE_COLUMNS = ["kind", "measure_id", "label", "round", "value", "ci_low", "ci_high",
                      "municipality", "n", "why", "proposed_target"]


def _share_low_rows(ds: Dataset, summ: pd.DataFrame, whole: pd.DataFrame, child: pd.Series,
                    round: str, children: str) -> list[dict[str, Any]]:
    """The (at most two) child measures with the largest excess share of low scores."""
    rows: list[dict[str, Any]] = []
    sl = summ[summ["measure_id"].isin(child) & ~summ["suppressed"]].copy()
    if len(sl):
        sl["excess"] = sl["share_low"] - sl["measure_id"].map(whole["share_low"])
        for r in sl.sort_values(["excess", "share_low"], ascending=False).head(2).itertuples():
            if not r.share_low > 0:
                continue
            label = _label(ds, r.measure_id)
            muni = float(whole.loc[r.measure_id, "share_low"])
            rows.append({
                "kind": "share_low", "measure_id": r.measure_id, "label": label,
                "round": round, "value": r.share_low, "ci_low": r.share_low_ci_low,
                "ci_high": r.share_low_ci_high, "municipality": muni, "n": r.n,
                "why": f"{fmt_percent(r.share_low)} af {_definite(children)} havde en lav score i "
                       f"{label} i {round} (interval {fmt_interval(r.share_low_ci_low, r.share_low_ci_high, percent=True)}; "
                       f"hele kommunen: {fmt_percent(muni)})",
                "proposed_target": round_to(max(0.0, min(r.share_low / 2, muni)), 0.01),
            })
    return rows


def _gap_rows(ds: Dataset, child: pd.Series, institution: str, round: str
              ) -> list[dict[str, Any]]:
    """The child measure with the largest equity gap (if it is positive)."""
    from llkit.stats import indicators

    rows: list[dict[str, Any]] = []
    if not len(child):
        return rows
    try:
        gaps = indicators.gap(ds, list(child), by="institution", round=round)
    except ValueError:  # the background attribute is missing or has none of its groups
        return rows
    gaps = gaps[(gaps["institution_id"].astype(str) == institution) & ~gaps["suppressed"]]
    if len(gaps):
        r = gaps.sort_values("gap", ascending=False).iloc[0]
        if r["gap"] > 0:
            label = _label(ds, r["measure_id"])
            bg = _BACKGROUND_DA.get(str(r["background"]), str(r["background"]))
            muni_gap = indicators.gap(ds, r["measure_id"], by=None, round=round)["gap"].iloc[0]
            rows.append({
                "kind": "gap", "measure_id": r["measure_id"], "label": label, "round": round,
                "value": r["gap"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                "municipality": muni_gap, "n": int(r["n_low"] + r["n_high"]),
                "why": f"Forskellen efter {bg} i {label} var {fmt_number(r['gap'])} point i "
                       f"{round} (interval {fmt_interval(r['ci_low'], r['ci_high'])}; hele "
                       f"kommunen: {fmt_number(muni_gap)})",
                "proposed_target": round_to(r["gap"] / 2, 0.1),
            })
    return rows


def _staff_rows(ds: Dataset, m: pd.DataFrame, summ: pd.DataFrame, whole: pd.DataFrame,
                round: str) -> list[dict[str, Any]]:
    """The staff survey measure lowest compared with the municipality (always proposed)."""
    rows: list[dict[str, Any]] = []
    staff = m[m["subject"] == "respondent"]["measure_id"].astype(str)
    st = summ[summ["measure_id"].isin(staff) & ~summ["suppressed"]].copy()
    if len(st):
        mi = m.set_index("measure_id")
        lower_better = mi["higher_is_better"].eq(False).fillna(False).astype(bool)
        # worst compared with the municipality in the measure's good direction
        sign = st["measure_id"].map(lower_better).map({True: -1.0, False: 1.0})
        st["rel"] = sign * (st["mean"] - st["measure_id"].map(whole["mean"]))
        r = st.sort_values("rel").iloc[0]
        label = _label(ds, r["measure_id"])
        mm = mi.loc[r["measure_id"]]
        down = bool(lower_better[r["measure_id"]])
        top = float(mm["scale_max"]) if pd.notna(mm["scale_max"]) else math.inf
        bottom = float(mm["scale_min"]) if pd.notna(mm["scale_min"]) else -math.inf
        rows.append({
            "kind": "staff", "measure_id": r["measure_id"], "label": label, "round": round,
            "value": r["mean"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
            "municipality": float(whole.loc[r["measure_id"], "mean"]), "n": int(r["n"]),
            "why": f"Medarbejdernes {label.lower()} var {fmt_number(r['mean'])} i {round} "
                   f"(interval {fmt_interval(r['ci_low'], r['ci_high'])}; hele kommunen: "
                   f"{fmt_number(whole.loc[r['measure_id'], 'mean'])})",
            "proposed_target": (max(bottom, round_to(r["mean"] - 0.3, 0.1)) if down
                                else min(top, round_to(r["mean"] + 0.3, 0.1))),
        })
    return rows


def _coverage_rows(ds: Dataset, institution: str, round: str) -> list[dict[str, Any]]:
    """Documentation of signs of learning, when not every team documents."""
    from llkit.stats import indicators

    rows: list[dict[str, Any]] = []
    if ds.goals is not None and not ds.goals.empty:
        cov = indicators.coverage(ds, by="institution", round=round)
        cov = cov[cov["institution_id"].astype(str) == institution]
        if len(cov) and cov["share"].iloc[0] < 1:
            r = cov.iloc[0]
            deps = ds.profile.labels.get("departments", "Stuer/grupper").lower()
            rows.append({
                "kind": "coverage", "measure_id": None,
                "label": f"Andel {deps} der dokumenterer tegn på læring", "round": round,
                "value": r["share"], "ci_low": np.nan, "ci_high": np.nan,
                "municipality": float(indicators.coverage(ds, by=None, round=round)["share"]
                                      .iloc[0]),
                "n": int(r["teams"]),
                "why": f"{int(r['teams_documenting'])} af {int(r['teams'])} {deps} "
                       f"dokumenterede tegn på læring i {round}",
                "proposed_target": 1.0,
            })
    return rows

def _definite(noun: str) -> str:
    """Danish definite plural of a plural noun: børn → børnene, elever → eleverne."""
    if noun.endswith("e"):
        return noun + "ne"
    if noun.endswith("er"):
        return noun + "ne"
    return noun + "ene"


def round_to(x: float, step: float) -> float:
    """``x`` rounded to a multiple of ``step`` (for proposed targets)."""
    return float(round(round(x / step) * step, 10))


def _label(ds: Dataset, measure_id: str) -> str:
    return str(ds.measures.set_index("measure_id").loc[measure_id, "label"])


_PROPOSED_FOCUS = {
    "share_low": ("{label}", "Færre {children} med en lav score i {label_lower}"),
    "gap": ("Lige muligheder: {label}", "Mindre forskel efter {bg} i {label_lower}"),
    "staff": ("Kultur: {label}", "Styrke {label_lower} blandt medarbejderne"),
    "coverage": ("Tegn på læring", "Alle {deps} dokumenterer tegn på læring"),
}


def new_plan(ds: Dataset, institution: str, *, round: str | None = None,
             target_round: str | None = None, created: date | None = None) -> Plan:
    """A draft plan with one focus area per place the data points to.

    Built from :func:`focus_candidates`: each candidate becomes a focus area whose
    ``description`` says what the data shows (with the baseline and its interval), with
    one goal tied to the indicator, the baseline round, a proposed target and the target
    round. Signs (tegn) and actions are left empty: the team writes them, so the draft
    does not validate until they are added — it is where the action-plan work starts,
    not its result.

    Parameters
    ----------
    ds : Dataset
    institution : str
        The institution id.
    round : str, optional
        Baseline round; default the latest round with data for the institution.
    target_round : str, optional
        Default: the round after the baseline (``T4`` after ``T3`` when the data ends).
    created : date, optional
        Default today.

    Returns
    -------
    Plan
    """
    cand = focus_candidates(ds, institution, round=round)
    rounds = [str(r) for r in ds.meta.rounds]
    base = str(cand["round"].iloc[0]) if len(cand) else (round or rounds[-1])
    if target_round is None:
        i = rounds.index(base) if base in rounds else len(rounds) - 1
        target_round = rounds[i + 1] if i + 1 < len(rounds) else next_round(rounds)
    labels = ds.profile.labels
    fill = {
        "children": labels.get("children", "Børn").lower(),
        "deps": labels.get("departments", "Stuer/grupper").lower(),
        "bg": _BACKGROUND_DA.get(ds.profile.gap_default[0], ds.profile.gap_default[0]),
    }
    name = ds.org.loc[ds.org["institution_id"].astype(str) == institution,
                      "institution_name"].iloc[0]
    areas = []
    for r in cand.itertuples(index=False):
        focus_t, goal_t = _PROPOSED_FOCUS[r.kind]
        label = str(r.label)
        text = {**fill, "label": label, "label_lower": label[:1].lower() + label[1:]}
        areas.append(FocusArea(
            focus=focus_t.format(**text), description=r.why,
            goals=[Goal(goal=goal_t.format(**text),
                        indicator=Indicator(kind=r.kind, measure=None if pd.isna(r.measure_id)
                                            else str(r.measure_id)),
                        baseline=base, target=float(r.proposed_target),
                        target_round=target_round)],  # type: ignore[arg-type]
        ))
    return Plan(institution=institution, title=f"Handleplan for {name}",
                created=created or date.today(), focus_areas=areas,
                description=f"Udkast lavet af llkit ud fra data fra {base}. Vælg de "
                "fokusområder, der giver mening, og skriv tegn og handlinger.")
