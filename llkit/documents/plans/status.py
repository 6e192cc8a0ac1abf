"""Where an institution stands on each goal of its plan (:func:`plan_status`), decided with
the statistical uncertainty: the latest value's interval, the change since the baseline,
and the plan's goals as one family (Holm)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.documents.plans.model import STATUSES, Goal, Indicator, Plan
from llkit.documents.plans.series import _indicator_info, _Info, _round_position, _series
from llkit.documents.plans.validation import _checked
from llkit.errors import PlanError
from llkit.present.text import fmt_interval, fmt_number, fmt_percent
from llkit.stats.decision import holm, p_value_interval

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def _newcombe(p1: float, l1: float, u1: float, p2: float, l2: float, u2: float
              ) -> tuple[float, float, float]:
    """Difference ``p2 - p1`` of two independent shares with Newcombe's (1998, method 10)
    hybrid score interval, from each share's Wilson interval ``[l, u]``."""
    d = p2 - p1
    return (d, d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
            d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2))


def _change(ds: Dataset, ind: Indicator, institution: str, b_round: str, b: dict,
            l_round: str, v: dict, cache: dict) -> tuple[float, float, float]:
    """Change latest − baseline of the indicator with its 95 % interval."""
    from llkit.stats import numeric as stats

    if ind.kind in ("mean", "staff"):
        wd = stats.welch_difference(b["n"], b["value"], b["sd"], v["n"], v["value"], v["sd"])
        return (float(wd["diff"].iloc[0]), float(wd["ci_low"].iloc[0]),
                float(wd["ci_high"].iloc[0]))
    if ind.kind == "share_low":
        return _newcombe(b["value"], b["ci_low"], b["ci_high"],
                         v["value"], v["ci_low"], v["ci_high"])
    if ind.kind == "gap":
        from llkit.stats import indicators

        level = "department" if ind.department else "institution"
        unit = ind.department or institution
        t = indicators.gap(ds, ind.measure, by=level, round=[b_round, l_round])
        t = t[(t[f"{level}_id"].astype(str) == unit) & (t["round"].astype(str) == l_round)]
        hib = bool(ds.measures.set_index("measure_id").loc[ind.measure, "higher_is_better"])
        s = 1.0 if hib else -1.0
        r = t.iloc[0]
        lo, hi = s * r["change_ci_low"], s * r["change_ci_high"]
        return float(s * r["change_from_previous"]), float(min(lo, hi)), float(max(lo, hi))
    d = v["value"] - b["value"]  # coverage: counts, no sampling error
    return d, d, d


# ======================================================================================
# status
# ======================================================================================

_STATUS_COLUMNS = [
    "institution_id", "focus", "goal", "indicator", "kind", "measure_id", "department_id",
    "baseline_round", "baseline_value", "latest_round", "n", "latest_value", "ci_low",
    "ci_high", "target", "target_round", "higher_is_better", "suppressed", "status", "reason",
]


class _Fmt:
    """Danish formatting of an indicator's values in the reasons."""

    def __init__(self, share: bool, target: float) -> None:
        self.share = share
        if share:
            self.dec = 0 if abs(round(target * 100) - target * 100) < 1e-9 else 1
        else:
            self.dec = 1 if abs(round(target * 10) - target * 10) < 1e-9 else 2

    def v(self, x: float) -> str:
        return fmt_percent(x, self.dec) if self.share else fmt_number(x, self.dec)

    def iv(self, lo: float, hi: float) -> str:
        return fmt_interval(lo, hi, self.dec, percent=self.share)

    def signed(self, x: float) -> str:
        if self.share:
            return f"{fmt_number(100 * x, self.dec, sign=True)} procentpoint"
        return f"{fmt_number(x, self.dec, sign=True)} point"

    def change(self, lo: float, hi: float) -> str:
        if self.share:
            return fmt_interval(100 * lo, 100 * hi, self.dec) + " procentpoint"
        return fmt_interval(lo, hi, self.dec)


def _suppressed_reason(row: dict, rnd: str, min_n: int, noun: str) -> str:
    if row.get("reason") == "complementary":
        return (f"tallet for {rnd} vises ikke, så tal for færre end {min_n} {noun} ikke kan "
                "regnes ud")
    return f"færre end {min_n} {noun} i {rnd} – tallet vises ikke"


@dataclass
class _Latest:
    """What a goal's status is decided from: its latest measured value (``v``, a round of
    :func:`_series`; ``val`` its value), the target ``t`` and the Danish bits of the reasons."""

    t: float
    sign: int  # 1 when higher is better, -1 when lower is
    f: _Fmt
    b_round: str
    t_round: str
    base: dict | None  # the baseline round of the series (None without data)
    latest: str
    v: dict
    val: float
    min_n: int
    target_measured: bool
    not_yet: str
    early: str
    side_good: str
    side_bad: str


def _goal_status(ds: Dataset, plan: Plan, g: Goal, info: _Info, series: dict[str, dict],
                 cache: dict) -> dict[str, Any]:
    rounds = [str(r) for r in ds.meta.rounds]
    min_n = int(ds.meta.min_n)
    ind, t, b_round, t_round = g.indicator, float(g.target), g.baseline, g.target_round
    sign = 1 if info.higher_is_better else -1
    f = _Fmt(info.share, t)
    pos_b = _round_position(b_round, rounds)
    pos_t = _round_position(t_round, rounds)
    window = [r for r in rounds if pos_b <= _round_position(r, rounds) <= pos_t]
    with_data = [r for r in window if r in series]
    base = series.get(b_round)
    res: dict[str, Any] = {
        "baseline_value": np.nan, "latest_round": None, "n": pd.NA, "latest_value": np.nan,
        "ci_low": np.nan, "ci_high": np.nan, "suppressed": False, "p_claim": np.nan,
    }
    if base is not None and not base["suppressed"]:
        res["baseline_value"] = base["value"]

    def done(status: str, reason: str) -> dict[str, Any]:
        res["status"], res["reason"] = status, reason
        return res

    later = [r for r in with_data if r != b_round]
    if not with_data:
        return done("kan ikke vurderes", f"ingen data for indikatoren i {b_round}–{t_round}")
    latest = with_data[-1]
    v = series[latest]
    res.update(latest_round=latest, n=v["n"], suppressed=v["suppressed"])
    if not v["suppressed"]:
        res.update(latest_value=v["value"], ci_low=v["ci_low"], ci_high=v["ci_high"])
    target_measured = latest == t_round
    not_yet = f"ingen data for {t_round} endnu"
    if not later:
        return done("kan ikke vurderes", f"ingen data for {t_round} endnu – kun udgangspunktet "
                    f"{b_round}")
    if v["suppressed"]:
        return done("kan ikke vurderes", _suppressed_reason(v, latest, min_n, info.noun))
    val = float(v["value"])
    early = "" if target_measured else f" – allerede i {latest}, før målrunden {t_round}"
    side_good, side_bad = ("over", "under") if sign > 0 else ("under", "over")
    s = _Latest(t=t, sign=sign, f=f, b_round=b_round, t_round=t_round, base=base,
                latest=latest, v=v, val=val, min_n=min_n, target_measured=target_measured,
                not_yet=not_yet, early=early, side_good=side_good, side_bad=side_bad)
    if ind.kind == "coverage":
        return done(*_coverage_status(info, s))
    return done(*_estimate_status(ds, plan, ind, info, s, res, cache))


def _coverage_status(info: _Info, s: _Latest) -> tuple[str, str]:
    """(status, reason) of a coverage goal: a count of all teams, compared directly."""
    t, f, v, val, latest, base = s.t, s.f, s.v, s.val, s.latest, s.base
    b_round, t_round, not_yet, early = s.b_round, s.t_round, s.not_yet, s.early
    k, n = v["k"], v["n"]
    now = f"{k} af {n} {info.noun} ({f.v(val)}) dokumenterede tegn på læring i {latest}"
    if val >= t:
        return ("nået", f"{now}; målet var {f.v(t)}{early}")
    if s.target_measured:
        return ("ikke nået", f"{now}; målet var {f.v(t)}")
    if base is not None and val > base["value"]:
        return ("på vej", f"{now}, op fra {f.v(base['value'])} i {b_round}; målet er "
                f"{f.v(t)} i {t_round}; {not_yet}")
    b_txt = f"{f.v(base['value'])} i {b_round}" if base is not None else f"ingen data i {b_round}"
    return ("kan ikke vurderes", f"{now} (udgangspunkt {b_txt}) – ingen fremgang endnu, "
            f"og {not_yet}")


def _estimate_status(ds: Dataset, plan: Plan, ind: Indicator, info: _Info, s: _Latest,
                     res: dict[str, Any], cache: dict) -> tuple[str, str]:
    """(status, reason) of an estimated indicator: by the latest value's interval, and when
    that does not decide, by the change since the baseline. Sets ``res["p_claim"]``."""
    t, sign, f, v, val, latest = s.t, s.sign, s.f, s.v, s.val, s.latest
    target_measured, not_yet = s.target_measured, s.not_yet
    lo, hi = float(v["ci_low"]), float(v["ci_high"])
    iv = f.iv(lo, hi)
    if math.isnan(lo) or math.isnan(hi):
        return ("kan ikke vurderes", f"for få svar i {latest} til et interval "
                f"(værdi {f.v(val)})")
    reached = lo >= t if sign > 0 else hi <= t
    missed = hi < t if sign > 0 else lo > t
    if reached or (target_measured and missed):
        # the claim "on the target's side" for the plan's family (see plan_status)
        res["p_claim"] = float(p_value_interval(val - t, lo - t, hi - t))
    if reached:
        return ("nået", f"intervallet {iv} ligger {s.side_good} målet {f.v(t)}{s.early}")
    if target_measured and missed:
        return ("ikke nået", f"intervallet {iv} ligger {s.side_bad} målet {f.v(t)} i {latest}")
    # the target lies inside the interval, or the target round has not come yet:
    # has the indicator moved toward the target by more than the noise?
    base, b_round = s.base, s.b_round
    if base is None or base["suppressed"] or pd.isna(base["value"]):
        why = (_suppressed_reason(base, b_round, s.min_n, info.noun) if base is not None
               else f"ingen data i {b_round}")
        tail = (f"intervallet {iv} rummer målet {f.v(t)}" if target_measured
                else f"{not_yet}")
        return ("kan ikke vurderes", f"udgangspunktet kan ikke bruges ({why}), og {tail}")
    return _change_status(ds, plan, ind, s, lo, hi, iv, res, cache)


def _change_status(ds: Dataset, plan: Plan, ind: Indicator, s: _Latest, lo: float, hi: float,
                   iv: str, res: dict[str, Any], cache: dict) -> tuple[str, str]:
    """(status, reason) by the change since the baseline (the interval ``iv`` = ``[lo, hi]``
    of the latest value did not decide). Sets ``res["p_claim"]`` for an improvement."""
    t, sign, f, b_round = s.t, s.sign, s.f, s.b_round
    target_measured, not_yet = s.target_measured, s.not_yet
    d, dlo, dhi = _change(ds, ind, plan.institution, b_round, s.base, s.latest, s.v, cache)
    if math.isnan(dlo) or math.isnan(dhi):
        return ("kan ikke vurderes", f"ændringen siden {b_round} kan ikke beregnes (for få "
                "svar)")
    toward = dlo > 0 if sign > 0 else dhi < 0
    away = dhi < 0 if sign > 0 else dlo > 0
    chg = (f"{f.signed(d)} siden {b_round}, interval for ændringen "
           f"{f.change(dlo, dhi)}")
    if toward:
        res["p_claim"] = float(p_value_interval(d, dlo, dhi))
        if target_measured:
            tail = f"intervallet {iv} rummer stadig målet {f.v(t)}"
        elif (hi < t if sign > 0 else lo > t):
            tail = f"intervallet {iv} ligger endnu {s.side_bad} målet {f.v(t)}, og {not_yet}"
        else:
            tail = f"intervallet {iv} rummer målet {f.v(t)}, og {not_yet}"
        return ("på vej", f"en forbedring på mere end usikkerheden ({chg}); {tail}")
    if away:
        tail = (f"intervallet {iv} rummer dog målet {f.v(t)}" if target_measured
                else not_yet)
        return ("kan ikke vurderes", f"udviklingen går den forkerte vej ({chg}); {tail}")
    if target_measured:
        return ("kan ikke vurderes", f"intervallet {iv} rummer målet {f.v(t)}, og ændringen "
                f"({chg}) kan være tilfældig – for usikkert til at sige, om målet er nået")
    return ("kan ikke vurderes", f"ændringen ({chg}) kan være tilfældig, og {not_yet}")


def _family_of_goals(rows: list[dict[str, Any]], claims: list[float]) -> None:
    """The plan's goals are one family (:mod:`llkit.stats.decision`): a status that claims more than
    noise — *nået* or *ikke nået* by the interval, *på vej* by the change — stands only when
    Holm's procedure over all such claims of the plan keeps it; otherwise the goal *kan ikke
    vurderes*, and the reason says why."""
    p = np.asarray(claims, dtype=float)
    k = int(np.isfinite(p).sum())
    if k < 2:
        return  # one claim: its own 95 % interval is the family
    kept, _ = holm(p)
    for row, pi, keep in zip(rows, p, kept, strict=True):
        if np.isfinite(pi) and not keep:
            row["reason"] = (f"{row['reason']} – men planen har {k} mål, der hver kan se ud til at "
                             "flytte sig ved en tilfældighed, og når der tages højde for dem alle, er "
                             f"det ikke sikkert, at målet er {row['status']}"
                             if row["status"] != "på vej" else
                             f"{row['reason']} – men planen har {k} mål, der hver kan se ud til at "
                             "flytte sig ved en tilfældighed, og når der tages højde for dem alle, er "
                             "forbedringen ikke sikker")
            row["status"] = "kan ikke vurderes"


def plan_status(plan: Plan | str | Path, ds: Dataset, *, _cache: dict | None = None
                ) -> pd.DataFrame:
    r"""Where the institution stands on each goal of its plan, with the uncertainty.

    Parameters
    ----------
    plan : Plan or str or Path
        The plan (or its file).
    ds : Dataset
        The data, with the rounds measured so far.

    Returns
    -------
    pandas.DataFrame
        One row per goal: ``institution_id``, ``focus``, ``goal``, ``indicator`` (Danish
        label), ``kind``, ``measure_id``, ``department_id``, ``baseline_round``,
        ``baseline_value``, ``latest_round`` (the target round if it has data, otherwise
        the latest round with data between baseline and target round), ``n`` (children,
        respondents or teams), ``latest_value``, ``ci_low``, ``ci_high`` (95 %),
        ``target``, ``target_round``, ``higher_is_better``, ``suppressed``, ``status``
        (ordered categorical of :data:`STATUSES`) and ``reason`` (Danish). Suppressed
        values (fewer than ``min_n`` persons) are missing, never shown.

    Raises
    ------
    PlanError
        If the plan has errors (see :func:`validate_plan`).

    Notes
    -----
    Shares are in 0–1. "Better" means higher for ``mean``/``staff`` of a measure with
    ``higher_is_better`` and for ``coverage``; lower for ``share_low`` and ``gap``. The
    ``gap`` is mean(high background group) − mean(low group), sign-flipped for a measure
    where lower is better, so a smaller gap is always better. The status is decided in
    this order, with the 95 % interval :math:`[l, u]` of the latest value and the target
    :math:`m` (written here for higher-is-better; mirrored otherwise):

    1. **kan ikke vurderes** when there is no data between baseline and target round,
       no round after the baseline yet, or the latest value is suppressed.
    2. **nået** when the whole interval is on the target's side: :math:`l \ge m` (also
       before the target round: "allerede i T2").
    3. **ikke nået** when the target round has data and the whole interval is on the
       wrong side: :math:`u < m`.
    4. Otherwise (the target lies inside the interval, or the target round is not yet
       measured) the change since the baseline decides: **på vej** when its 95 %
       interval lies entirely in the better direction (more than noise); **kan ikke
       vurderes** when it may be chance, goes the wrong way, or the baseline value is
       suppressed.
    5. The plan's goals are one family (:mod:`llkit.stats.decision`): when two or more goals
       make such a claim (steps 2–4, not coverage, which is counted, not estimated), each
       claim stands only when Holm's procedure at 5 % over the claims' p-values (from
       their intervals) keeps it; otherwise the goal **kan ikke vurderes**, and the
       reason says so.

    The change interval is Welch's for means (rounds as independent samples), Newcombe's
    hybrid score interval from the Wilson intervals for shares, and the gap's own change
    interval (:func:`llkit.gap`). ``coverage`` counts *all* the teams of the unit — nothing
    is estimated, so it has no interval and compares the observed share directly:
    nået when share ≥ target, ikke nået when the target round is below target, på vej
    when it has risen since the baseline.
    """
    cache = {} if _cache is None else _cache
    checked, problems = _checked(plan, ds, cache)
    errors = problems[problems["severity"] == "error"]
    if checked is None or len(errors):
        name = checked.path.name if checked is not None and checked.path else "plan"
        raise PlanError(problems, f"The action plan {name} has problems")
    rows: list[dict[str, Any]] = []
    claims: list[float] = []
    for fa, g in checked.goals:
        ind = g.indicator
        info = _indicator_info(ds, ind)
        series = _series(ds, checked.institution, ind, cache)
        label = info.label
        if ind.department:
            name = ds.org.set_index(ds.org["department_id"].astype(str)).loc[
                ind.department, "department_name"]
            label += f" ({name})"
        res = _goal_status(ds, checked, g, info, series, cache)
        claims.append(res.pop("p_claim"))
        rows.append({
            "institution_id": checked.institution, "focus": fa.focus, "goal": g.goal,
            "indicator": label, "kind": ind.kind, "measure_id": ind.measure,
            "department_id": ind.department, "baseline_round": g.baseline,
            "target": g.target, "target_round": g.target_round,
            "higher_is_better": info.higher_is_better, **res,
        })
    _family_of_goals(rows, claims)
    out = pd.DataFrame(rows, columns=_STATUS_COLUMNS)
    for col in ["baseline_value", "latest_value", "ci_low", "ci_high", "target"]:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["n"] = pd.array(out["n"].tolist(), dtype="Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    out["higher_is_better"] = out["higher_is_better"].astype(bool)
    out["status"] = pd.Categorical(out["status"], categories=list(STATUSES), ordered=True)
    return out
