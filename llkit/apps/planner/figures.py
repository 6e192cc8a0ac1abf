"""A goal over the rounds as a figure (:func:`goal_figure`): the value with its interval,
the baseline, and the target."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from llkit.apps.planner.formatting import STATUS_COLOURS, _rounds, _value_text
from llkit.documents import plans as _plans
from llkit.documents.plans import Goal
from llkit.present import text as tx

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def goal_figure(ds: Dataset, institution: str, goal: Goal, row: pd.Series | None = None):
    """A goal over the rounds: the value with its 95 % interval in each round, the
    baseline, and the target (value and round), titled with the goal and its status.

    Parameters
    ----------
    ds : Dataset
    institution : str
    goal : Goal
        A goal of a valid plan.
    row : pandas.Series, optional
        The goal's row of :func:`llkit.documents.plans.plan_status` (its status colours the title).

    Returns
    -------
    matplotlib.figure.Figure
        Suppressed rounds are marked "vises ikke", never drawn as a value.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    ind = goal.indicator
    info = _plans.indicator_info(ds, ind)
    share = info["share"]
    vals = _plans.indicator_values(ds, institution, ind)
    rounds = _rounds(ds)
    extra = [r for r in (goal.target_round,) if r not in rounds]
    xs = rounds + extra
    x_of = {r: i for i, r in enumerate(xs)}
    fig = Figure(figsize=(7.2, 3.0), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    scale = 100.0 if share else 1.0
    status = str(row["status"]) if row is not None else None
    colour = STATUS_COLOURS.get(status or "", "#0b5394")
    shown = vals[~vals["suppressed"] & vals["value"].notna()]
    ys: list[float] = [goal.target * scale]
    if len(shown):
        x = [x_of[r] for r in shown["round"]]
        y = shown["value"].to_numpy(float) * scale
        lo = shown["ci_low"].to_numpy(float) * scale
        hi = shown["ci_high"].to_numpy(float) * scale
        has_ci = ~np.isnan(lo)
        ax.plot(x, y, color="#0b5394", lw=1.4, zorder=2)
        if has_ci.any():
            xa = np.asarray(x)[has_ci]
            ax.errorbar(xa, y[has_ci], yerr=[y[has_ci] - lo[has_ci], hi[has_ci] - y[has_ci]],
                        fmt="none", ecolor="#0b5394", elinewidth=1.2, capsize=4, zorder=2)
            ys += list(lo[has_ci]) + list(hi[has_ci])
        ax.scatter(x, y, s=36, color="#0b5394", zorder=3,
                   label="Jeres værdi med 95 %-interval" if has_ci.any() else "Jeres værdi")
        ys += list(y)
    for r in vals.loc[vals["suppressed"], "round"]:
        ax.annotate("vises ikke\n(for få)", (x_of[r], 0.5), xycoords=("data", "axes fraction"),
                    ha="center", va="center", fontsize=8, color="#6E6E6E")
    base = shown[shown["round"] == goal.baseline]
    if len(base):
        by = float(base["value"].iloc[0]) * scale
        ax.annotate("udgangspunkt", (x_of[goal.baseline], by), textcoords="offset points",
                    xytext=(7, -3), ha="left", va="top", fontsize=8, color="#57606a")
    t = goal.target * scale
    ax.axhline(t, color="#D55E00", lw=1.2, ls="--", zorder=1)
    good_up = info["higher_is_better"]
    ax.scatter([x_of[goal.target_round]], [t], marker="*", s=160, color="#D55E00", zorder=4,
               label=f"Målet: {_value_text(goal.target, share)} i {goal.target_round}")
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels([r + (" (kommer)" if r in extra else "") for r in xs])
    ax.set_xlim(-0.5, len(xs) - 0.5)
    lo_all, hi_all = min(ys), max(ys)
    pad = max((hi_all - lo_all) * 0.25, 0.05 * (abs(hi_all) + 1))
    bottom, top = lo_all - pad, hi_all + pad
    if np.isfinite(info["lo"]):
        bottom = max(bottom, info["lo"] * scale - (0.02 * scale if share else 0.05))
    if np.isfinite(info["hi"]):
        top = min(top, info["hi"] * scale + (0.02 * scale if share else 0.05))
    ax.set_ylim(bottom, top)
    ax.axhspan(t, top if good_up else bottom, color="#009E73", alpha=0.08, lw=0, zorder=0,
               label="Her er målet nået")
    dec = 0 if share else 1
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: tx.fmt_number(v, dec) + (" %" if share else "")))
    better = "højere er bedre" if info["higher_is_better"] else "lavere er bedre"
    ax.set_ylabel(_wrap(f"{info['label']} ({better})", 34), fontsize=8)
    ax.grid(axis="y", color="#e5e5e5", lw=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    title = _wrap(goal.goal, 70)
    ax.set_title(title, loc="left", fontsize=10.5, fontweight="bold")
    if status:
        fig.text(0.69, 0.5, f"Status:\n{status}", ha="left", va="center", fontsize=10,
                 color=colour, fontweight="bold")
    fig.subplots_adjust(left=0.13, right=0.68, top=0.82 if "\n" not in title else 0.76,
                        bottom=0.14)
    return fig


def _wrap(s: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(s), width)) or str(s)
