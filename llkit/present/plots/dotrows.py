"""Dot-row figures of means with intervals: :func:`profile` and :func:`culture`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from llkit.present.plots.arguments import _institution, _measure_list, _round
from llkit.present.plots.figure import _finish, _frame, _legend, _message_figure, _placeholder
from llkit.present.plots.formats import _axis_limits, _danish_axis, _wrap
from llkit.present.plots.lookup import _institution_cluster, _national, _scale_groups, _summary_by
from llkit.present.plots.theme import _MARKERS, _NOTE_COLOUR, COLOURS, _themed
from llkit.present.plots.words import (
    _CI_NOTE,
    _hidden_label,
    _labels,
    _measure_label,
    _n_text,
    _noun,
    _round_label,
    _suppression_note,
)
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def _dot_panel(ax, ds: Dataset, rows: list[str], series: list[dict[str, Any]],
               *, noun_of: dict[str, str], show_n_of: str | None) -> set[str]:
    """Horizontal dot plot: one row per measure, one dodged slot (point + CI) per series.

    ``series``: dicts with ``role``, ``label`` and either ``data`` (indexed by
    measure_id, columns mean, ci_low, ci_high, n, suppressed, suppressed_reason; ``ci``
    False to leave out the interval) or ``points`` (measure_id -> list of values, drawn as
    ticks: the ratings of each department). Returns the suppression reasons drawn.
    """
    k = len(series)
    step = 0.76 / max(k, 1)
    offsets = [(i - (k - 1) / 2) * step for i in range(k)]
    reasons: set[str] = set()
    info = ds.measures.set_index("measure_id")
    x_lo, x_hi = ax.get_xlim()
    labels = []
    for i, mid in enumerate(rows):
        main = None
        for s, off in zip(series, offsets, strict=True):
            y = i + off
            colour = COLOURS[s["role"]]
            if "points" in s:
                xs = s["points"].get(mid, [])
                ax.plot(xs, [y] * len(xs), marker="|", color=colour, markersize=9,
                        markeredgewidth=1.8, linestyle="none", zorder=3)
                continue
            data = s["data"]
            if mid not in data.index:
                continue
            row = data.loc[mid]
            if s["role"] == show_n_of:
                main = row
            if bool(row.get("suppressed", False)):
                reasons.add(str(row.get("suppressed_reason", "min_n")))
                text = _hidden_label(ds, noun_of[mid], row.get("suppressed_reason"))
                _placeholder(ax, x_lo, x_hi, y, step * 0.85, f"{_wrap(s['label'], 40)}: {text}",
                             fontsize=7.5)
                continue
            if not np.isfinite(row.get("mean", np.nan)):
                continue
            if s.get("ci", True) and np.isfinite(row.get("ci_low", np.nan)):
                ax.errorbar(row["mean"], y, xerr=[[row["mean"] - row["ci_low"]],
                                                  [row["ci_high"] - row["mean"]]],
                            fmt="none", ecolor=colour, color=colour, elinewidth=1.6, capsize=2.5, zorder=3)
            ax.plot(row["mean"], y, marker=_MARKERS[s["role"]], color=colour,
                    markersize=7 if s["role"] == "institution" else 6, linestyle="none",
                    markeredgecolor="white", markeredgewidth=0.6, zorder=4)
        label = _wrap(_measure_label(info.loc[mid]), 34)
        if main is not None and not bool(main.get("suppressed", False)) and pd.notna(main.get("n")):
            label += f"\n({_n_text(main['n'], noun_of[mid])})"
        labels.append(label)
    ax.set_yticks(range(len(rows)), labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    for i in range(1, len(rows)):
        ax.axhline(i - 0.5, color="#E3E3E3", linewidth=0.8, zorder=0)
    ax.set_xlim(x_lo, x_hi)
    return reasons


def _dot_figure(ds: Dataset, panels: list[tuple[str, list[str]]], series: list[dict[str, Any]],
                *, show_n_of: str) -> tuple[Figure, set[str], bool]:
    info = ds.measures.set_index("measure_id")
    n_rows = sum(len(p[1]) for p in panels)
    per_row = 0.3 + 0.07 * len(series)
    height = 1.9 + per_row * n_rows + 0.55 * len(panels)
    fig, lax, axes = _frame(min(max(height, 3.2), 11.5), len(panels), 1,
                            height_ratios=[len(p[1]) + 0.9 for p in panels])
    axes = axes[:, 0]
    reasons: set[str] = set()
    national_drawn = False
    for ax, (title, ids) in zip(axes, panels, strict=True):
        m0 = info.loc[ids[0]]
        values: list[float] = []
        panel_series = []
        for s in series:
            if "points" in s:
                pts = [v for mid in ids for v in s["points"].get(mid, [])]
                values += pts
                if pts:
                    panel_series.append(s)
                continue
            d = s["data"].reindex(ids)
            values += [*d["ci_low"].tolist(), *d["ci_high"].tolist()] if "ci_low" in d else []
            values += d["mean"].tolist()
            shown = d["mean"].notna().any()
            hidden = d["suppressed"].fillna(False).astype(bool).any() if "suppressed" in d else False
            if shown or hidden:
                panel_series.append(s)
        lim = _axis_limits(m0, values, full_scale=True)
        if lim:
            ax.set_xlim(*lim)
        noun_of = {mid: _noun(ds, info.loc[mid]) for mid in ids}
        national_drawn |= any(s["role"] == "national" for s in panel_series)
        reasons |= _dot_panel(ax, ds, ids, panel_series or series[:1], noun_of=noun_of,
                              show_n_of=show_n_of)
        ax.set_title(title, fontsize=9.5, color=_NOTE_COLOUR)
        _danish_axis(ax, "x")
        ax.tick_params(axis="y", length=0)
    axes[-1].set_xlabel("Gennemsnit")
    handles = []
    for s in series:
        if "points" in s:
            handles.append(Line2D([], [], marker="|", color=COLOURS[s["role"]], linestyle="none",
                                  markersize=9, markeredgewidth=1.8, label=s["label"]))
        else:
            handles.append(Line2D([], [], marker=_MARKERS[s["role"]], color=COLOURS[s["role"]],
                                  linestyle="none", markersize=7, label=s["label"]))
    _legend(lax, handles, room=4.8)
    return fig, reasons, national_drawn



def profile(
    ds: Dataset,
    *,
    institution: str,
    round: str | None = None,
    measures: str | Sequence[str] | None = None,
) -> Figure:
    """Each measure's mean with its interval: the institution beside its cluster, the
    municipality and the national reference.

    Parameters
    ----------
    ds : Dataset
    institution : str
        Institution id (or exact name).
    round : str, optional
        Round id; default the latest round.
    measures : str or list of str, optional
        Measure ids; default every measure about children. Measures with different
        scales are drawn in separate panels, each on its full scale.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.profile(ds, institution="I01")  # doctest: +SKIP
    """
    inst_id, inst_name = _institution(ds, institution)
    r = _round(ds, round)
    ids = _measure_list(ds, measures)
    if measures is None:
        ids = ds.measures.loc[ds.measures["subject"].astype(str) == "child", "measure_id"].astype(str).tolist()
    labels = _labels(ds)
    title = f"{inst_name}: gennemsnit pr. mål, {_round_label(ds, r)}"
    if not ids:
        return _message_figure(title, f"Ingen mål om {labels['children'].lower()} i dette datasæt.")
    inst = _summary_by(ds, ids, "institution", inst_id, r)
    ids = [m for m in ids if m in inst.index]
    if not ids:
        return _message_figure(title, f"Ingen data for {inst_name} i {r}.")
    cluster = _institution_cluster(ds, inst_id)
    series = [{"role": "institution", "label": inst_name, "data": inst}]
    if cluster:
        series.append({"role": "cluster", "label": cluster,
                       "data": _summary_by(ds, ids, "cluster", cluster, r)})
    series.append({"role": "municipality", "label": ds.meta.name,
                   "data": _summary_by(ds, ids, "municipality", None, r)})
    nat = _national(ds, ids, r)
    if not nat.empty:
        series.append({"role": "national", "label": labels.get("national", "Landsplan"),
                       "ci": False, "data": nat.set_index("measure_id")})
    with _themed():
        fig, reasons, national_drawn = _dot_figure(ds, _scale_groups(ds, ids), series,
                                                   show_n_of="institution")
        note = (f"Punkt: gennemsnit. Vandret streg: {_CI_NOTE}. n: antal i {inst_name}. "
                "Hvert mål vises på hele sin skala.")
        if national_drawn:
            note += " Landsplan: referencetal (uden interval)."
        if reasons:
            note += "\n" + _suppression_note(ds, labels["children"].lower(), "complementary" in reasons)
        return _finish(fig, title, note)



def culture(
    ds: Dataset,
    *,
    institution: str,
    round: str | None = None,
) -> Figure:
    """Staff survey (collaboration culture, trust, well-being) and observations of the
    learning environment: the institution beside the municipality.

    Observation ratings describe departments, not persons, so each department's rating
    is shown too.

    Parameters
    ----------
    ds : Dataset
    institution : str
        Institution id (or exact name).
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
    >>> fig = plots.culture(ds, institution="I01")  # doctest: +SKIP
    """
    inst_id, inst_name = _institution(ds, institution)
    r = _round(ds, round)
    labels = _labels(ds)
    title = f"{inst_name}: samarbejdskultur og læringsmiljø, {_round_label(ds, r)}"
    subject = ds.measures["subject"].astype(str)
    staff = ds.measures.loc[subject == "respondent", "measure_id"].astype(str).tolist()
    obs = ds.measures.loc[subject == "department", "measure_id"].astype(str).tolist()
    if not staff and not obs:
        return _message_figure(title, "Ingen data om medarbejdere eller læringsmiljø i dette datasæt.")
    ids = staff + obs
    inst = _summary_by(ds, ids, "institution", inst_id, r)
    ids = [m for m in ids if m in inst.index]
    if not ids:
        return _message_figure(title, f"Ingen data om medarbejdere eller læringsmiljø for "
                                      f"{inst_name} i {r}.")
    muni = _summary_by(ds, ids, "municipality", None, r)
    panels = []
    for name, group in (("Medarbejdernes vurdering", [m for m in staff if m in ids]),
                        ("Observation af læringsmiljøet", [m for m in obs if m in ids])):
        for sub_title, sub in _scale_groups(ds, group):
            panels.append((f"{name} – {sub_title.lower()}", sub))
    points: dict[str, list[float]] = {}
    obs_ids = [m for m in obs if m in ids]
    if obs_ids:
        d = indicators.summarize(ds, obs_ids, by="department", round=r)
        dept_ids = set(ds.org.loc[ds.org["institution_id"].astype(str) == inst_id, "department_id"].astype(str))
        d = d[d["department_id"].astype(str).isin(dept_ids) & ~d["suppressed"].astype(bool)]
        for mid, g in d.groupby(d["measure_id"].astype(str)):
            points[mid] = g["mean"].dropna().tolist()
    series: list[dict[str, Any]] = [{"role": "institution", "label": inst_name, "data": inst}]
    if points:
        series.append({"role": "department", "points": points,
                       "label": f"Hver {labels['department'].lower()} for sig"})
    series.append({"role": "municipality", "label": ds.meta.name, "data": muni})
    with _themed():
        fig, reasons, _ = _dot_figure(ds, panels, series, show_n_of="institution")
        note = f"Punkt: gennemsnit. Vandret streg: {_CI_NOTE}. n: antal i {inst_name}."
        if points:
            note += (f" Lodrette streger: den enkelte {labels['department'].lower()}s "
                     f"observation – forskelle mellem {labels['departments'].lower()} er vigtige "
                     "at drøfte.")
        if reasons:
            note += "\n" + _suppression_note(ds, labels.get("respondents", "Medarbejdere").lower(),
                                             "complementary" in reasons)
        return _finish(fig, title, note)
