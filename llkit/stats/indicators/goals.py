"""Coverage of the documentation of signs of learning (:func:`coverage`), from the
goals table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from llkit.stats import numeric as stats
from llkit.stats.indicators._cache import _cached
from llkit.stats.indicators._common import (
    Level,
    _add_names,
    _attach_unit,
    _level,
    _ordered_rounds,
    _rounds,
    unit_columns,
)

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


@_cached
def coverage(
    ds: Dataset,
    by: Level | None = "institution",
    round: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Documentation of signs of learning: the share of teams that documented them.

    The programme's goal is that *all* teams (departments) document identified signs of
    learning (tegn på læring). A team counts when it is active in the round (has answers
    or goals) and documented signs for at least one of its goals.

    Returns
    -------
    pandas.DataFrame
        Unit columns, ``round``, ``teams`` (active departments), ``teams_with_goals``,
        ``teams_documenting``, ``share`` (= teams_documenting / teams), ``share_ci_low``,
        ``share_ci_high`` (Wilson), ``goals``, ``goals_with_signs`` (signs defined),
        ``goals_documented``. Empty when the dataset has no goals table. Teams are not
        persons, so nothing is suppressed.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> cov = llkit.coverage(ds, by="institution", round="T3")
    >>> bool(((cov["share"] >= 0) & (cov["share"] <= 1)).all())
    True
    """
    level = _level(by)
    cols_unit = unit_columns(level)
    key = cols_unit[:1]
    cols = [*key, "round", "teams", "teams_with_goals", "teams_documenting", "share",
            "share_ci_low", "share_ci_high", "goals", "goals_with_signs", "goals_documented"]
    if ds.goals is None or ds.goals.empty:
        return pd.DataFrame(columns=cols)
    rounds = _rounds(ds, round)
    goals = ds.goals[ds.goals["round"].isin(rounds)]
    active = pd.concat([
        ds.responses.loc[ds.responses["round"].isin(rounds), ["round", "department_id"]],
        goals[["round", "department_id"]],
    ]).astype(str).drop_duplicates()
    g = goals.assign(round=goals["round"].astype(str), department_id=goals["department_id"].astype(str))
    per_team = g.groupby(["round", "department_id"]).agg(
        goals=("goal_id", "size"),
        goals_with_signs=("signs_defined", "sum"),
        goals_documented=("signs_documented", "sum"),
    ).reset_index()
    teams = active.merge(per_team, on=["round", "department_id"], how="left")
    teams[["goals", "goals_with_signs", "goals_documented"]] = teams[
        ["goals", "goals_with_signs", "goals_documented"]].fillna(0).astype("int64")
    teams["has_goals"] = teams["goals"] > 0
    teams["documenting"] = teams["goals_documented"] > 0
    _attach_unit(ds, teams, level)
    if not key:
        teams["_all"] = "all"
    gkey = key or ["_all"]
    out = teams.groupby([*gkey, "round"], sort=False).agg(
        teams=("department_id", "size"), teams_with_goals=("has_goals", "sum"),
        teams_documenting=("documenting", "sum"), goals=("goals", "sum"),
        goals_with_signs=("goals_with_signs", "sum"), goals_documented=("goals_documented", "sum"),
    ).reset_index()
    out["share"] = out["teams_documenting"] / out["teams"]
    out["share_ci_low"], out["share_ci_high"] = stats.wilson_interval(
        out["teams_documenting"].to_numpy(), out["teams"].to_numpy()
    )
    out = out.drop(columns="_all", errors="ignore")
    out = _ordered_rounds(ds, out).sort_values([*key, "round"], kind="stable")
    out = out[cols].reset_index(drop=True)
    return _add_names(ds, out, level)
