"""Change of the mean between two rounds, per unit (:func:`change`): paired or unpaired,
with effect size, reliable change and the change regression to the mean predicts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from llkit.stats import numeric as stats
from llkit.stats.indicators._cache import _cached
from llkit.stats.indicators._common import (
    Level,
    _add_names,
    _describe,
    _finish_ids,
    _level,
    _measure_info,
    _rounds,
    _scored,
)
from llkit.stats.indicators.items import _measure_reliability

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

_CHANGE_COLUMNS = ["from_round", "to_round", "n_from", "n_to", "n_paired", "paired",
                   "mean_from", "mean_to", "diff", "ci_low", "ci_high", "p_value", "effect_size",
                   "effect_size_type", "share_reliable_up", "share_reliable_down", "reliability",
                   "expected_rtm", "suppressed"]


@_cached
def change(
    ds: Dataset,
    measure: str | Sequence[str],
    by: Level | None = "institution",
    from_round: str | None = None,
    to_round: str | None = None,
    paired: bool | Literal["auto"] = "auto",
) -> pd.DataFrame:
    r"""Change of the mean between two rounds, per unit — more than noise or not?

    Parameters
    ----------
    ds : Dataset
    measure : str or list of str
    by : level or None
        See :func:`summarize`.
    from_round, to_round : str, optional
        Defaults: the last two rounds of the dataset.
    paired : "auto", True or False
        Paired analysis follows *the same subjects* (children measured in that unit in both
        rounds); unpaired compares all subjects of each round (other children). ``"auto"``
        chooses paired where at least ``min_n`` subjects are in both rounds and the
        paired changes of the units below it cannot be subtracted from it to leave 1 to
        ``min_n - 1`` children (a small department's stayers, or children who moved
        between departments); ``True`` hides the change of such a unit.

    Returns
    -------
    pandas.DataFrame
        ``measure_id``, unit columns, ``from_round``, ``to_round``, ``n_from``, ``n_to``,
        ``n_paired``, ``paired`` (bool), ``mean_from``, ``mean_to`` (of the paired
        subjects when paired), ``diff``, ``ci_low``, ``ci_high``, ``p_value`` (two-sided,
        paired t or Welch; one comparison on its own — see :mod:`llkit.stats.decision` before
        calling it real), ``effect_size``,
        ``effect_size_type`` (``hedges_g`` or ``d_z``), ``share_reliable_up``,
        ``share_reliable_down`` (paired only: Jacobson–Truax with the measure's
        reliability), ``reliability``, ``expected_rtm``, ``suppressed``.

    Notes
    -----
    Unpaired: :math:`\bar x_2-\bar x_1` with Welch's interval and Hedges' g. Paired: mean
    change :math:`\bar d` with a t interval and :math:`d_z=\bar d/s_d` (Lakens 2013).
    Reliable change (Jacobson & Truax 1991) uses the baseline sd of all subjects and the
    measure's reliability: the ``reliability`` column of ``measures`` if present,
    otherwise Cronbach's alpha of the measure in ``from_round`` (single-item measures, and
    measures whose alpha is not between 0 and 1 in this data, get no reliable-change shares). ``expected_rtm`` is the change regression to the
    mean alone predicts from the unit's baseline position,
    :math:`-(1-\lambda_j)(\bar y_j-\hat\mu)` with :math:`\lambda_j=\tau^2/(\tau^2+\sigma^2/n_j)`
    from the variance components at this level in ``from_round`` (Barnett et al. 2005);
    it is missing for ``by=None``.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> c = llkit.change(ds, "sprog", by="institution", from_round="T1", to_round="T2")
    >>> sorted(set(c["effect_size_type"].dropna()))  # doctest: +SKIP
    ['d_z', 'hedges_g']
    """
    from_round, to_round = _change_rounds(ds, paired, from_round, to_round)
    level = _level(by)
    s, unit_cols = _scored(ds, measure, [from_round, to_round], level)
    s = _finish_ids(s)
    key = unit_cols[:1]
    if not key:
        s["_all"] = "all"
        key = ["_all"]
    uid = key[0]
    info = _measure_info(ds)
    rows = []
    for m, sm in s.groupby("measure_id", sort=False):
        res = _change_of_measure(ds, sm, m, uid, level, from_round, to_round, paired,
                                 persons=bool(info.loc[m, "persons"]))
        rows.append(res.reset_index(names=uid))
    cols = ["measure_id", *key, *_CHANGE_COLUMNS]
    if not rows:
        return pd.DataFrame(columns=[c for c in cols if c != "_all"])
    out = pd.concat(rows, ignore_index=True)[cols]
    _no_differencing(ds, out, key[0], by, from_round, to_round)
    hide = ["mean_from", "mean_to", "diff", "ci_low", "ci_high", "p_value", "effect_size",
            "share_reliable_up", "share_reliable_down", "expected_rtm"]
    out.loc[out["suppressed"], hide] = np.nan
    out.loc[out["suppressed"], "effect_size_type"] = None
    if "_all" in out:
        out = out.drop(columns="_all")
    out = _add_names(ds, out, level)
    return out.reset_index(drop=True)


def _no_differencing(ds: Dataset, out: pd.DataFrame, uid: str, by: Level | None,
                     from_round: str, to_round: str) -> None:
    """Close the two ways a shown change would let a reader subtract a small group (in
    place): a unit whose mean :func:`summarize` hides in either round (complementary
    suppression) has its change hidden too; and a paired row does not show the means of
    its paired children when fewer than ``min_n`` children left or joined the unit,
    since those means beside the round's mean give the leavers' (or joiners') mean."""
    from llkit.stats.indicators.summaries import summarize

    min_n = ds.meta.min_n
    if uid != "_all":
        summ = summarize(ds, list(out["measure_id"].unique()), by=by,
                         round=[from_round, to_round])
        summ[uid] = summ[uid].astype(str)
        hidden = summ.loc[summ["suppressed"].astype(bool), ["measure_id", uid]]
        keys = set(zip(hidden["measure_id"].astype(str), hidden[uid], strict=True))
        mask = [(str(m), str(u)) in keys for m, u in zip(out["measure_id"], out[uid],
                                                          strict=True)]
        out.loc[np.asarray(mask, dtype=bool), "suppressed"] = True
    left = out["n_from"] - out["n_paired"]
    joined = out["n_to"] - out["n_paired"]
    few = ((left > 0) & (left < min_n)) | ((joined > 0) & (joined < min_n))
    out.loc[out["paired"].astype(bool) & few, ["mean_from", "mean_to"]] = np.nan


def _change_rounds(ds: Dataset, paired, from_round: str | None, to_round: str | None,
                   ) -> tuple[str, str]:
    """The checked arguments of :func:`change`: its two rounds (by default the last two)."""
    if paired not in ("auto", True, False):
        raise ValueError(f"paired must be 'auto', True or False, not {paired!r}")
    rounds = list(ds.meta.rounds)
    if from_round is None or to_round is None:
        if len(rounds) < 2:
            raise ValueError("change needs two rounds; the dataset has only " + ", ".join(rounds))
        from_round = from_round or rounds[-2]
        to_round = to_round or rounds[-1]
    _rounds(ds, [from_round, to_round])
    if from_round == to_round:
        raise ValueError("from_round and to_round are the same round")
    return from_round, to_round


def _change_of_measure(ds: Dataset, sm: pd.DataFrame, m: str, uid: str, level: str | None,
                       from_round: str, to_round: str, paired, *, persons: bool,
                       ) -> pd.DataFrame:
    """The change of one measure per unit (indexed by unit id), before the values of
    suppressed units are hidden."""
    min_n = ds.meta.min_n
    s1 = sm[sm["round"] == from_round]
    s2 = sm[sm["round"] == to_round]
    d1 = _describe(s1, uid).add_suffix("_from")
    d2 = _describe(s2, uid).add_suffix("_to")
    units = d1.index.union(d2.index)
    res = pd.DataFrame(index=units).join(d1).join(d2)
    res[["n_from", "n_to"]] = res[["n_from", "n_to"]].fillna(0).astype("int64")
    # the same subjects in the same unit in both rounds
    both = s1[["subject_id", uid, "score"]].merge(
        s2[["subject_id", uid, "score"]], on=["subject_id", uid], suffixes=("_1", "_2")
    )
    isolating = _isolating_units(sm, uid, from_round, to_round, min_n, units)
    use_paired = _paired_or_unpaired(res, units, both, uid, paired, min_n, isolating)
    # reliable change of the paired subjects
    _reliable_shares(res, units, both, s1, uid, use_paired,
                     _measure_reliability(ds, m, from_round))
    # regression to the mean predicted from the baseline position
    res["expected_rtm"] = np.nan
    if level is not None and len(d1) > 1:
        _expected_rtm(res, units, d1)
    n_check = np.where(use_paired, res["n_paired"], np.minimum(res["n_from"], res["n_to"]))
    res["suppressed"] = (n_check < min_n) & persons
    if paired is True and persons:   # asked for the same children, and those would isolate a few
        res.loc[isolating & persons, "suppressed"] = True
    res["measure_id"] = m
    res["from_round"] = from_round
    res["to_round"] = to_round
    return res


#: The levels of a unit from the finest up (the columns of the scores).
_HIERARCHY = ["department_id", "institution_id", "cluster", "area"]


def _isolating_units(sm: pd.DataFrame, uid: str, from_round: str, to_round: str, min_n: int,
                     units: pd.Index) -> pd.Series:
    """Units whose paired change would let a reader subtract a paired group of fewer than
    ``min_n`` below them (a boolean Series on ``units``).

    A paired change covers the children measured in the unit in both rounds. Below it,
    the paired changes of its sub-units can be shown too (or follow from their two means,
    when every child stayed), and the unit's paired sum minus theirs gives the children
    left over: those of sub-units whose paired change is not shown and those who moved
    between sub-units. Working up from the departments, a sub-unit counts as shown when it
    has at least ``min_n`` children in both rounds and is itself shown paired (or every
    child stayed) — more than a reader can always see, so the rule errs on the safe
    side. A unit whose left-over children number 1 to ``min_n - 1`` is not shown paired:
    its change is unpaired (``paired="auto"``) or hidden (``paired=True``); the change of
    all children of each round, which the two rounds' means give anyway.
    """
    out = pd.Series(False, index=units)
    cols = [c for c in _HIERARCHY if c in sm.columns]
    below = cols[:cols.index(uid)] if uid in cols else cols
    if not below or sm.empty:
        return out
    chain = [*below, uid]
    keep = ["subject_id", *dict.fromkeys(chain)]
    a = sm.loc[sm["round"] == from_round, keep]
    b = sm.loc[sm["round"] == to_round, keep]
    a = a.assign(**{c: a[c].astype(object) for c in chain})
    b = b.assign(**{c: b[c].astype(object) for c in chain})
    pairs = a.merge(b, on="subject_id", suffixes=("_1", "_2"))
    if pairs.empty:
        return out
    coverage: pd.Series | None = None   # paired children of shown blocks, per unit
    unsafe: pd.Series | None = None
    previous = None
    for col in chain:
        same = pairs[pairs[f"{col}_1"] == pairs[f"{col}_2"]]
        n_paired = same.groupby(f"{col}_1").size()
        n_from = a.groupby(col).size().reindex(n_paired.index).fillna(0)
        n_to = b.groupby(col).size().reindex(n_paired.index).fillna(0)
        if previous is None:   # a department: nothing shown below it
            inner = pd.Series(0, index=n_paired.index)
            unsafe = pd.Series(False, index=n_paired.index)
        else:
            parent_of = same[[f"{previous}_1", f"{col}_1"]].drop_duplicates()
            parent_of = dict(zip(parent_of[f"{previous}_1"], parent_of[f"{col}_1"], strict=True))
            inner = coverage.groupby(coverage.index.map(parent_of)).sum()
            inner = inner.reindex(n_paired.index).fillna(0)
            left = n_paired - inner
            unsafe = (left > 0) & (left < min_n)
        big = n_paired >= min_n
        known = big & (~unsafe | ((n_from == n_paired) & (n_to == n_paired)))
        coverage = n_paired.where(known, inner)
        previous = col
    out[:] = [bool(unsafe.get(u, False)) for u in units]
    return out


def _paired_or_unpaired(res: pd.DataFrame, units: pd.Index, both: pd.DataFrame, uid: str,
                        paired, min_n: int, isolating: pd.Series | None = None) -> pd.Series:
    """Add the paired count, the choice and the change columns (paired t or Welch) to
    ``res``, indexed by ``units`` (in place); return the choice per unit. ``isolating``:
    units that are never paired under ``"auto"`` (:func:`_isolating_units`)."""
    pc = stats.paired_change_values(both["score_1"], both["score_2"], both[uid])
    pc = pc.rename(columns={"group": uid}).set_index(uid) if len(pc) else pd.DataFrame(
        columns=["n", "mean_before", "mean_after", "change", "ci_low", "ci_high", "p_value", "d_z"])
    res["n_paired"] = pc["n"].reindex(units).fillna(0).astype("int64")
    use_paired = {"auto": res["n_paired"] >= min_n, True: res["n_paired"] >= 1,
                  False: pd.Series(False, index=units)}[paired]
    use_paired = use_paired.astype(bool)
    if paired == "auto" and isolating is not None:
        use_paired = use_paired & ~isolating.reindex(units, fill_value=False)
    wd = stats.welch_difference(
        res["n_from"].to_numpy(), res["mean_from"].to_numpy(), res["sd_from"].to_numpy(),
        res["n_to"].to_numpy(), res["mean_to"].to_numpy(), res["sd_to"].to_numpy(),
    )
    wd.index = units
    pcr = pc.reindex(units)
    res["paired"] = use_paired
    res["mean_from"] = np.where(use_paired, pcr["mean_before"], res["mean_from"])
    res["mean_to"] = np.where(use_paired, pcr["mean_after"], res["mean_to"])
    res["diff"] = np.where(use_paired, pcr["change"], wd["diff"])
    res["ci_low"] = np.where(use_paired, pcr["ci_low"], wd["ci_low"])
    res["ci_high"] = np.where(use_paired, pcr["ci_high"], wd["ci_high"])
    res["p_value"] = np.where(use_paired, pcr["p_value"], wd["p_value"])
    res["effect_size"] = np.where(use_paired, pcr["d_z"], wd["hedges_g"])
    res["effect_size_type"] = np.where(use_paired, "d_z", "hedges_g")
    return use_paired


def _reliable_shares(res: pd.DataFrame, units: pd.Index, both: pd.DataFrame,
                     s1: pd.DataFrame, uid: str, use_paired: pd.Series, rel: float) -> None:
    """Add the measure's reliability and the shares of paired subjects with reliable
    improvement / deterioration (Jacobson-Truax) to ``res`` (in place)."""
    res["reliability"] = rel
    res["share_reliable_up"] = np.nan
    res["share_reliable_down"] = np.nan
    if np.isfinite(rel) and 0 < rel < 1 and len(both):  # alpha <= 0: no usable reliability
        sd_base = float(s1["score"].std())
        rc = stats.reliable_change_summary(
            both["score_1"], both["score_2"], both[uid], reliability=rel,
            sd_baseline=sd_base, higher_is_better=True,
        )
        rc = rc.rename(columns={"group": uid}).set_index(uid).reindex(units)
        res["share_reliable_up"] = np.where(use_paired, rc["share_improved"], np.nan)
        res["share_reliable_down"] = np.where(use_paired, rc["share_deteriorated"], np.nan)


def _expected_rtm(res: pd.DataFrame, units: pd.Index, d1: pd.DataFrame) -> None:
    """Set ``expected_rtm`` of ``res`` (in place): the change regression to the mean
    predicts from each unit's baseline mean, by the variance components of the units in
    the first round (left missing when they cannot be separated)."""
    vc = stats.variance_components(
        d1["n_from"].to_numpy(), d1["mean_from"].to_numpy(), d1["within_ss_from"].to_numpy()
    )
    if np.isfinite(vc.tau2):
        lam = vc.tau2 / (vc.tau2 + vc.sigma2 / res["n_from"].clip(lower=1).to_numpy())
        base = pd.Series(d1["mean_from"]).reindex(units).to_numpy()
        res["expected_rtm"] = stats.regression_to_mean(
            base, grand_mean=vc.grand_mean, reliability=lam
        )
