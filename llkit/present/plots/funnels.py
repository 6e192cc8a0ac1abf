"""Funnel plot of units against their size: :func:`funnel`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from llkit.present import text as dk
from llkit.present.plots.arguments import _known, _level, _measure, _round
from llkit.present.plots.figure import _finish, _frame, _legend, _message_figure
from llkit.present.plots.formats import _axis_limits, _danish_axis, _scale_text, _wrap
from llkit.present.plots.lookup import _national, _one
from llkit.present.plots.theme import _HATCH, _SUPPRESSED_EDGE, _SUPPRESSED_FACE, COLOURS, _themed
from llkit.present.plots.words import (
    _labels,
    _measure_label,
    _noun,
    _persons,
    _round_label,
    _suppressed_text,
)
from llkit.stats import indicators
from llkit.stats import numeric as stats

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def funnel(
    ds: Dataset,
    *,
    measure: str,
    round: str | None = None,
    level: Literal["department", "institution", "cluster", "area"] = "institution",
    highlight: str | Sequence[str] | None = None,
    target: Literal["municipality", "reference"] = "municipality",
) -> Figure:
    """Funnel plot: each unit's mean against its size, with 95 % and 99,8 % limits.

    Units are placed by their number of children, never ranked. Units outside the 99,8 %
    limits differ more than chance usually gives (Spiegelhalter 2005).

    Parameters
    ----------
    ds : Dataset
    measure : str
    round : str, optional
        Default the latest round.
    level : {"department", "institution", "cluster", "area"}
    highlight : str or list of str, optional
        Unit id(s) (or names) at ``level`` to mark and label by name.
    target : {"municipality", "reference"}
        Compare with the mean of all in the data, or the national reference.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.funnel(ds, measure="sprog", highlight="I01")  # doctest: +SKIP
    """
    m = _measure(ds, measure)
    r = _round(ds, round)
    level = _level(level)
    if level == "municipality":
        raise ValueError("a funnel plot compares units below the municipality: use level "
                         "'department', 'institution', 'cluster' or 'area'")
    if target not in ("municipality", "reference"):
        raise ValueError(f"target must be 'municipality' or 'reference', not {target!r}")
    labels = _labels(ds)
    noun = _noun(ds, m)
    id_col, names, wanted = _highlighted(ds, level, highlight)
    plural = labels.get(level + "s", level).lower() if level != "department" else labels["departments"].lower()
    against = labels.get("national", "Landsplan").lower() if target == "reference" else "kommunen"
    title = f"{_measure_label(m)}, {_round_label(ds, r)}: {plural} sammenlignet med {against}"
    if target == "reference":
        if _national(ds, [measure], r).empty:
            return _message_figure(title, f"Ingen referencetal på landsplan for {_measure_label(m)} "
                                          f"i {r} i dette datasæt.")
        c = indicators.compare(ds, measure, level=level, round=r, target="reference")
    else:
        c = indicators.compare(ds, measure, level=level, round=r)
    c = c.assign(_unit=c[id_col].astype(str))
    shown = c[~c["suppressed"].astype(bool) & c["mean"].notna()]
    if shown.empty:
        return _message_figure(title, f"Ingen {plural} med data nok om {_measure_label(m)} i {r}.")
    theta = float(c["target"].iloc[0])
    sigma = float(np.nanmedian(c["se"] * np.sqrt(c["n"].astype(float))))
    n_max = float(c["n"].max())
    n_min = float(max(2, ds.meta.min_n if _persons(ds, m) else 2))
    grid = np.geomspace(min(n_min, float(shown["n"].min())), max(n_max * 1.08, n_min + 1), 160)
    lim = stats.funnel_limits(grid, target=theta, sigma=sigma)
    with _themed():
        fig, lax, axes = _frame(4.8)
        ax = axes[0, 0]
        tcol = COLOURS["national"] if target == "reference" else COLOURS["municipality"]
        _draw_limits(ax, grid, lim, theta, tcol)
        _draw_units(ax, ds, c, shown, wanted, names, COLOURS.get(level, COLOURS["institution"]),
                    noun)
        _funnel_axes(ax, m, shown, theta, sigma, n_max, noun)
        _legend(lax, _funnel_handles(ds, labels, level, target, tcol))
        return _finish(fig, title, _funnel_note(ds, c, labels, level, plural, noun))


def _highlighted(ds: Dataset, level: str, highlight: str | Sequence[str] | None
                 ) -> tuple[str, dict[str, str], list[str]]:
    """(id column, unit id -> name, ids of the units to highlight, given by id or name)."""
    id_col, name_col = indicators.unit_columns(level)[0], indicators.unit_columns(level)[-1]
    units = ds.level_units(level)
    ids = units[id_col].astype(str).tolist()
    names = dict(zip(ids, units[name_col].astype(str), strict=True))
    wanted: list[str] = []
    for h in ([highlight] if isinstance(highlight, str) else list(highlight or [])):
        if str(h) in names:
            wanted.append(str(h))
        elif str(h) in names.values():
            wanted.append(next(k for k, v in names.items() if v == str(h)))
        else:
            raise KeyError(f"unknown {level} {h!r} in highlight=; the dataset has: {_known(ids)}")
    return id_col, names, wanted


def _draw_limits(ax, grid: np.ndarray, lim: pd.DataFrame, theta: float, tcol: str) -> None:
    """The target line and the 95 % (dashed) and 99,8 % (dotted) limits."""
    ax.axhline(theta, color=tcol, linewidth=1.6, zorder=2)
    ax.plot(grid, lim["limit95_low"], color="#555555", linestyle=(0, (5, 3)), linewidth=1.1)
    ax.plot(grid, lim["limit95_high"], color="#555555", linestyle=(0, (5, 3)), linewidth=1.1)
    ax.plot(grid, lim["limit998_low"], color="#555555", linestyle=":", linewidth=1.4)
    ax.plot(grid, lim["limit998_high"], color="#555555", linestyle=":", linewidth=1.4)


def _draw_units(ax, ds: Dataset, c: pd.DataFrame, shown: pd.DataFrame, wanted: list[str],
                names: dict[str, str], hcol: str, noun: str) -> None:
    """Every shown unit as a grey point; the highlighted ones coloured and labelled by name,
    or, when suppressed, named in a hatched box."""
    others = shown[~shown["_unit"].isin(wanted)]
    ax.scatter(others["n"], others["mean"], s=28, color=COLOURS["other"], edgecolor="white",
               linewidth=0.5, zorder=3)
    hidden_wanted = []
    for j, u in enumerate(wanted):
        row = _one(c, _unit=u)
        if row is None or bool(row["suppressed"]) or pd.isna(row["mean"]):
            hidden_wanted.append(names[u])
            continue
        ax.scatter([row["n"]], [row["mean"]], s=60, color=hcol, edgecolor="white",
                   linewidth=0.8, zorder=5)
        dy = 14 if j % 2 == 0 else -16
        ax.annotate(_wrap(names[u], 28), (row["n"], row["mean"]), xytext=(8, dy),
                    textcoords="offset points", fontsize=8.5, color=hcol, fontweight="bold",
                    ha="left", va="center", zorder=6,
                    arrowprops=dict(arrowstyle="-", color=hcol, linewidth=0.8),
                    bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none",
                              alpha=0.85))
    for k, name in enumerate(hidden_wanted):
        ax.text(0.01, 0.98 - 0.07 * k, f"{name}: {_suppressed_text(ds, noun)}",
                transform=ax.transAxes, ha="left", va="top", fontsize=8.5, color="#333333",
                bbox=dict(boxstyle="round,pad=0.25", facecolor=_SUPPRESSED_FACE,
                          edgecolor=_SUPPRESSED_EDGE, hatch=_HATCH))


def _funnel_axes(ax, m: pd.Series, shown: pd.DataFrame, theta: float, sigma: float,
                 n_max: float, noun: str) -> None:
    """Limits (the points and the 99,8 % limits at the smallest unit), ticks and labels."""
    at_smallest = stats.funnel_limits([float(shown["n"].min())], target=theta, sigma=sigma)
    vals = [*shown["mean"].tolist(), float(at_smallest["limit998_low"].iloc[0]),
            float(at_smallest["limit998_high"].iloc[0])]
    ylim = _axis_limits(m, vals, full_scale=False)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_xlim(0, n_max * 1.1)
    _danish_axis(ax, "x", integer=True)
    _danish_axis(ax, "y")
    ax.set_xlabel(f"Antal {noun} (n)")
    ax.set_ylabel(f"Gennemsnit ({_scale_text(m)})")


def _funnel_handles(ds: Dataset, labels: dict[str, str], level: str, target: str,
                    tcol: str) -> list[Line2D]:
    target_label = (f"{labels.get('national', 'Landsplan')} (gennemsnit)" if target == "reference"
                    else f"{ds.meta.name} (gennemsnit)")
    return [
        Line2D([], [], color=tcol, linewidth=1.6, label=target_label),
        Line2D([], [], color="#555555", linestyle=(0, (5, 3)), label="95\u00a0%-grænser"),
        Line2D([], [], color="#555555", linestyle=":", linewidth=1.4, label="99,8\u00a0%-grænser"),
        Line2D([], [], marker="o", color=COLOURS["other"], linestyle="none",
               label=f"{labels.get(level, level)} (ét punkt hver)"),
    ]


def _funnel_note(ds: Dataset, c: pd.DataFrame, labels: dict[str, str], level: str, plural: str,
                 noun: str) -> str:
    n_hidden = int(c["suppressed"].astype(bool).sum())
    noun_level = labels.get(level, level).lower()
    # Danish gender: "ét dagtilbud/område", "én skole/klynge/stue/klasse"
    one = "ét" if noun_level in ("dagtilbud", "område", "team", "hus") else "én"
    note = (f"Hvert punkt er {one} {noun_level}, placeret efter antal {noun} – "
            "ikke en rangorden. Små enheder spreder sig mere af ren tilfældighed; derfor "
            "tragtformen. Punkter uden for de prikkede linjer (99,8\u00a0%) afviger mere, "
            "end tilfældigheder normalt giver.")
    if n_hidden:
        note += (f"\n{dk.fmt_int(n_hidden)} {plural} med færre end {dk.fmt_int(ds.meta.min_n)} "
                 f"{noun} vises ikke.")
    return note
