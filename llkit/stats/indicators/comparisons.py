"""Comparing units: variance components at a level and each unit against a target
with funnel limits and shrunken means (:func:`variance_components`, :func:`compare`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from llkit.stats import numeric as stats
from llkit.stats import privacy
from llkit.stats.indicators._cache import _cached
from llkit.stats.indicators._common import (
    _PARENT_LEVEL,
    _UNIT_COLUMNS,
    Level,
    _add_names,
    _describe,
    _finish_ids,
    _level,
    _measure_info,
    _ordered_rounds,
    _parent_map,
    _scored,
)

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


@_cached
def variance_components(
    ds: Dataset,
    measure: str | Sequence[str],
    level: Level = "institution",
    round: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""How much of the variation lies between units? One-way random-effects model (REML).

    Returns
    -------
    pandas.DataFrame
        One row per measure and round: ``measure_id``, ``round``, ``level``,
        ``grand_mean``, ``tau2`` (between-unit variance), ``sigma2`` (within),
        ``icc`` (:math:`\tau^2/(\tau^2+\sigma^2)`), ``n_units``, ``n_obs``,
        ``mean_reliability`` (mean over units of :math:`\lambda_j=\tau^2/(\tau^2+\sigma^2/n_j)`:
        how reliably a unit's mean reflects the unit rather than its particular children).

    Notes
    -----
    REML estimates by :func:`llkit.stats.numeric.variance_components`, which agrees with
    statsmodels' ``MixedLM(reml=True)``. Nationally only a few per cent of the variation in
    school well-being lies between schools; expect small ICCs.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> vc = llkit.variance_components(ds, "sprog", level="institution", round="T1")
    >>> 0 <= float(vc["icc"].iloc[0]) < 1
    True
    """
    lvl = _level(level)
    if lvl in (None, "municipality"):
        raise ValueError("variance components need units below the municipality: "
                         "department, institution, cluster or area")
    s, unit_cols = _scored(ds, measure, round, lvl)
    s = _finish_ids(s)
    uid = unit_cols[0]
    rows = []
    for (m, r), sm in s.groupby(["measure_id", s["round"].astype(str)], sort=False):
        d = _describe(sm, uid)
        vc = stats.variance_components(d["n"].to_numpy(), d["mean"].to_numpy(), d["within_ss"].to_numpy())
        lam = vc.tau2 / (vc.tau2 + vc.sigma2 / d["n"].to_numpy()) if np.isfinite(vc.tau2) else np.nan
        rows.append({
            "measure_id": m, "round": r, "level": lvl, "grand_mean": vc.grand_mean,
            "tau2": vc.tau2, "sigma2": vc.sigma2, "icc": vc.icc, "n_units": int(vc.n_groups),
            "n_obs": int(vc.n_obs), "mean_reliability": float(np.nanmean(lam)) if np.size(lam) and np.isfinite(lam).any() else np.nan,
        })
    cols = ["measure_id", "round", "level", "grand_mean", "tau2", "sigma2", "icc", "n_units",
            "n_obs", "mean_reliability"]
    out = pd.DataFrame(rows, columns=cols)
    return _ordered_rounds(ds, out).sort_values(["measure_id", "round"], kind="stable").reset_index(drop=True)


@_cached
def compare(
    ds: Dataset,
    measure: str | Sequence[str],
    level: Level = "institution",
    round: str | Sequence[str] | None = None,
    target: Literal["municipality", "reference"] = "municipality",
    overdispersion: bool = False,
    scope: str = "national",
) -> pd.DataFrame:
    r"""Each unit against a target, with funnel limits and shrunken means — no league table.

    Parameters
    ----------
    ds : Dataset
    measure : str or list of str
    level : level
        The units to compare (not ``municipality``).
    round : str or list of str, optional
    target : {"municipality", "reference"}
        Compare with the mean of all subjects in the data, or with the ``reference``
        table's mean and sd for ``scope`` (e.g. national figures).
    overdispersion : bool
        Widen the limits by the between-unit variance estimated from the winsorised
        z-scores (additive random-effects form, Spiegelhalter 2005).
    scope : str
        Reference scope when ``target="reference"``.

    Returns
    -------
    pandas.DataFrame
        ``measure_id``, unit columns, ``round``, ``n``, ``mean``, ``target``, ``se``,
        ``z``, ``lower95``, ``upper95``, ``lower998``, ``upper998`` (funnel limits at the
        unit's n), ``flag`` (``over``/``under``/``within`` the 99.8 % limits),
        ``shrunken_mean``, ``shrunken_ci_low``, ``shrunken_ci_high``, ``reliability``
        (:math:`\lambda_j`), ``suppressed`` (fewer than ``min_n`` persons, or hidden
        so that such a unit cannot be recovered from its parent's total).

    Notes
    -----
    Funnel: :math:`z_j = (\bar y_j-\theta_0)/(\sigma/\sqrt{n_j})` with limits
    :math:`\theta_0 \pm 1.96` and :math:`\pm 3.09` standard errors; :math:`\sigma` is the sd of
    all subjects' scores (or the reference sd). Empirical Bayes:
    :math:`\tilde\mu_j=\hat\mu+\lambda_j(\bar y_j-\hat\mu)` with REML variance components.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> c = llkit.compare(ds, "sprog", round="T3")
    >>> set(c["flag"].dropna()) <= {"over", "under", "within"}
    True
    """
    lvl = _level(level)
    if lvl in (None, "municipality"):
        raise ValueError("compare needs units below the municipality: department, institution, "
                         "cluster or area")
    if target not in ("municipality", "reference"):
        raise ValueError(f"target must be 'municipality' or 'reference', not {target!r}")
    s, unit_cols = _scored(ds, measure, round, lvl)
    s = _finish_ids(s)
    uid = unit_cols[0]
    info = _measure_info(ds)
    rows = []
    for (m, r), sm in s.groupby(["measure_id", s["round"].astype(str)], sort=False):
        res = _compared_units(ds, sm, m, r, uid, target, scope, overdispersion)
        res.insert(0, "measure_id", m)
        res.insert(2, "round", r)
        persons = bool(info.loc[m, "persons"])
        res["suppressed"] = (res["n"] < ds.meta.min_n) & persons
        rows.append(res)
    cols = ["measure_id", uid, "round", "n", "mean", "target", "se", "z", "lower95", "upper95",
            "lower998", "upper998", "flag", "shrunken_mean", "shrunken_ci_low",
            "shrunken_ci_high", "reliability", "suppressed"]
    if not rows:
        return pd.DataFrame(columns=cols)
    # in the final order: the complementary suppression below then breaks ties between
    # equally small units by unit id, as summarize does
    out = _ordered_rounds(ds, pd.concat(rows, ignore_index=True)[cols]).sort_values(
        ["measure_id", "round", uid], kind="stable").reset_index(drop=True)
    # the same complementary suppression as summarize: a single hidden unit must not be
    # recoverable from its parent's total shown beside it
    if lvl in _PARENT_LEVEL:
        parent_level = _PARENT_LEVEL[lvl]
        if parent_level == "municipality":
            out["_parent"] = "all"
        else:
            out["_parent"] = _parent_map(ds, lvl, _UNIT_COLUMNS[parent_level][0], out[uid])
        persons = out["measure_id"].map(info["persons"]).fillna(True).to_numpy(dtype=bool)
        out = privacy.complementary_suppression(
            out, n_col="n", parent_cols=["measure_id", "round", "_parent"],
            min_n=ds.meta.min_n, value_cols=["mean", "z"], persons=persons,
        ).drop(columns=["_parent", "suppressed_reason"])
    hidden = out["suppressed"].to_numpy(dtype=bool)
    for c in ["mean", "z", "shrunken_mean", "shrunken_ci_low", "shrunken_ci_high"]:
        out.loc[hidden, c] = np.nan
    out["flag"] = out["flag"].astype(object).where(~hidden, None)
    return _add_names(ds, out, lvl)


def _compared_units(ds: Dataset, sm: pd.DataFrame, m: str, r: str, uid: str, target: str,
                    scope: str, overdispersion: bool) -> pd.DataFrame:
    """The units of one measure and round against the target: funnel position and limits,
    and the shrunken mean by the variance components of these units."""
    d = _describe(sm, uid)
    if target == "reference":
        theta, sigma = _reference(ds, m, r, scope)
    else:
        theta, sigma = float(sm["score"].mean()), float(sm["score"].std())
    f = stats.funnel(d["mean"].to_numpy(), d["n"].to_numpy(), target=theta, sigma=sigma,
                     overdispersion="additive" if overdispersion else False)
    vc = stats.variance_components(d["n"].to_numpy(), d["mean"].to_numpy(), d["within_ss"].to_numpy())
    tau2 = vc.tau2 if np.isfinite(vc.tau2) else 0.0
    sh = stats.shrink(d["n"].to_numpy(), d["mean"].to_numpy(), grand_mean=vc.grand_mean,
                      tau2=tau2, sigma2=vc.sigma2, grand_mean_se=vc.grand_mean_se)
    res = pd.DataFrame({
        uid: d.index.to_numpy(), "n": d["n"].to_numpy().astype("int64"),
        "mean": d["mean"].to_numpy(), "target": theta,
        "se": f["se_adjusted"].to_numpy(), "z": f["z_adjusted"].to_numpy(),
        "lower95": f["limit95_low"].to_numpy(), "upper95": f["limit95_high"].to_numpy(),
        "lower998": f["limit998_low"].to_numpy(), "upper998": f["limit998_high"].to_numpy(),
        "flag": f["flag"].to_numpy(),
        "shrunken_mean": sh["shrunken_mean"].to_numpy(),
        "shrunken_ci_low": sh["ci_low"].to_numpy(), "shrunken_ci_high": sh["ci_high"].to_numpy(),
        "reliability": sh["reliability"].to_numpy(),
    })
    return res


def _reference(ds: Dataset, measure: str, round: str, scope: str) -> tuple[float, float]:
    ref = ds.reference
    if ref is None or ref.empty:
        raise ValueError("the dataset has no reference table; use target='municipality'")
    row = ref[(ref["measure_id"] == measure) & (ref["round"].astype(str) == round) & (ref["scope"] == scope)]
    if row.empty:
        raise ValueError(
            f"no {scope!r} reference for measure {measure!r} in round {round!r}; the reference "
            f"table has scopes: {', '.join(sorted(ref['scope'].astype(str).unique()))}"
        )
    return float(row["mean"].iloc[0]), float(row["sd"].iloc[0])
