"""Shares at low, middle and high level: :func:`distribution`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from llkit.present import text as dk
from llkit.present.plots.arguments import _institution, _measure, _round
from llkit.present.plots.figure import _finish, _frame, _legend, _message_figure, _placeholder
from llkit.present.plots.formats import _danish_axis, _decimals_for, _scale_text, _wrap
from llkit.present.plots.lookup import _summary_by
from llkit.present.plots.theme import _NOTE_COLOUR, CATEGORY_COLOURS, _themed
from llkit.present.plots.words import (
    _labels,
    _measure_label,
    _n_text,
    _noun,
    _round_label,
    _suppressed_text,
    _suppression_note,
)
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def _category_labels(m: pd.Series) -> dict[str, str]:
    d = _decimals_for([m["low_cut"], m["high_cut"]], 2)
    d = max(d, 0)
    lo = dk.fmt_number(m["low_cut"], d)
    hi = dk.fmt_number(m["high_cut"], d)
    if bool(m["higher_is_better"]):
        low = f"Lavt niveau (under {lo})" if pd.notna(m["low_cut"]) else "Lavt niveau"
        high = f"Højt niveau ({hi} og derover)" if pd.notna(m["high_cut"]) else "Højt niveau"
    else:
        low = f"Lavt niveau (over {lo})" if pd.notna(m["low_cut"]) else "Lavt niveau"
        high = f"Højt niveau ({hi} og derunder)" if pd.notna(m["high_cut"]) else "Højt niveau"
    return {"low": low, "middle": "Mellem", "high": high}


def distribution(
    ds: Dataset,
    *,
    institution: str,
    measure: str,
    round: str | None = None,
) -> Figure:
    """Shares at low, middle and high level per department, the institution and the
    municipality (stacked bars).

    Parameters
    ----------
    ds : Dataset
    institution : str
        Institution id (or exact name).
    measure : str
        Measure id; it needs cut points (``low_cut`` / ``high_cut``).
    round : str, optional
        Default the latest round.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.distribution(ds, institution="I01", measure="sprog")  # doctest: +SKIP
    """
    inst_id, inst_name = _institution(ds, institution)
    m = _measure(ds, measure)
    r = _round(ds, round)
    labels = _labels(ds)
    noun = _noun(ds, m)
    title = f"{inst_name}: {_measure_label(m)} – fordeling på niveauer, {_round_label(ds, r)}"
    if pd.isna(m["low_cut"]) and pd.isna(m["high_cut"]):
        return _message_figure(title, "Målet har ingen grænser for lavt og højt niveau, så "
                                      "fordelingen kan ikke vises.")
    depts = ds.org[ds.org["institution_id"].astype(str) == inst_id].drop_duplicates("department_id")
    dsum = indicators.summarize(ds, measure, by="department", round=r)
    dsum = dsum.assign(department_id=dsum["department_id"].astype(str)).set_index("department_id")
    isum = _summary_by(ds, [measure], "institution", inst_id, r)
    msum = _summary_by(ds, [measure], "municipality", None, r)
    rows: list[tuple[str, pd.Series | None, str]] = []
    for _, d in depts.iterrows():
        did = str(d["department_id"])
        rows.append((str(d["department_name"]), dsum.loc[did] if did in dsum.index else None, "department"))
    rows.append((f"{inst_name} i alt", isum.loc[measure] if measure in isum.index else None, "institution"))
    rows.append((ds.meta.name, msum.loc[measure] if measure in msum.index else None, "municipality"))
    if all(row is None for _, row, _ in rows):
        return _message_figure(title, f"Ingen data om {_measure_label(m)} i {r}.")
    cats = _category_labels(m)
    with _themed():
        fig, lax, axes = _frame(min(max(2.2 + 0.5 * len(rows), 3.2), 11))
        ax = axes[0, 0]
        ypos = []
        y = 0.0
        for i, (_, _, role) in enumerate(rows):
            if role == "institution" and i > 0:
                y += 0.5
            ypos.append(y)
            y += 1
        reasons: set[str] = set()
        ticklabels = []
        for (name, row, role), y in zip(rows, ypos, strict=True):
            label = _wrap(name, 34)
            if row is None or (not bool(row["suppressed"]) and pd.isna(row["share_low"])):
                ax.text(0.5, y, f"ingen data i {r}", ha="center", va="center", fontsize=8,
                        color=_NOTE_COLOUR, style="italic")
            elif bool(row["suppressed"]):
                reasons.add(str(row.get("suppressed_reason")))
                _placeholder(ax, 0, 1, y, 0.7, _suppressed_text(ds, noun, row.get("suppressed_reason")))
            else:
                _draw_bar(ax, row, y, cats, last=y == ypos[-1])
                label += f"\n({_n_text(row['n'])})"
            ticklabels.append(label)
            if role == "institution":
                ax.axhline(y - 0.75, color="#BBBBBB", linewidth=0.8)
        ax.set_yticks(ypos, ticklabels)
        for t, (_, _, role) in zip(ax.get_yticklabels(), rows, strict=True):
            if role != "department":
                t.set_fontweight("bold")
        ax.set_ylim(ypos[-1] + 0.6, -0.6)
        ax.set_xlim(0, 1)
        _danish_axis(ax, "x", percent=True)
        ax.set_xlabel(f"Andel af {noun}")
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)
        handles = [Patch(facecolor=CATEGORY_COLOURS[c], label=cats[c]) for c in ("low", "middle", "high")]
        _legend(lax, handles)
        note = (f"{_measure_label(m)} ({_scale_text(m)}). n: antal {noun} med en score. "
                f"Hver række er én {labels['department'].lower()}; nederst {labels['institution'].lower()} "
                "og kommunen i alt.")
        if reasons:
            note += "\n" + _suppression_note(ds, noun, "complementary" in reasons)
        return _finish(fig, title, note)


def _draw_bar(ax, row: pd.Series, y: float, cats: dict[str, str], *, last: bool) -> None:
    """One stacked bar: the low, middle and high shares, labelled when wide enough."""
    left = 0.0
    for cat in ("low", "middle", "high"):
        share = float(row[f"share_{cat}"]) if pd.notna(row[f"share_{cat}"]) else 0.0
        ax.barh(y, share, left=left, height=0.7, color=CATEGORY_COLOURS[cat],
                edgecolor="white", linewidth=0.8,
                label=cats[cat] if last else None)
        if share >= 0.07:
            ax.text(left + share / 2, y, dk.fmt_percent(share), ha="center",
                    va="center", fontsize=8,
                    color="white" if cat == "low" else "#1A1A1A")
        left += share
