"""Development over the rounds: :func:`development`."""

from __future__ import annotations

import math
import weakref
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from llkit.present import text as dk
from llkit.present.plots.arguments import _institution, _level, _measure
from llkit.present.plots.figure import _finish, _frame, _legend, _message_figure, _placeholder
from llkit.present.plots.formats import _axis_limits, _danish_axis, _scale_text, _wrap
from llkit.present.plots.lookup import _institution_cluster, _national
from llkit.present.plots.theme import _MARKERS, COLOURS, _themed
from llkit.present.plots.words import (
    _CI_NOTE,
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


_PAIRING_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _pairing(ds: Dataset, measure: str, level: str) -> dict[tuple[str, str], bool]:
    """(unit, from_round) -> whether the change to the next round concerns the same subjects.

    From :func:`llkit.change` with ``paired="auto"``; cached per dataset object, so a
    report that draws every institution computes each level once.
    """
    try:
        cache = _PAIRING_CACHE.setdefault(ds, {})
    except TypeError:  # pragma: no cover - not weak-referenceable
        cache = {}
    key = (measure, level)
    if key not in cache:
        cache[key] = _compute_pairing(ds, measure, level)
    return cache[key]


def _compute_pairing(ds: Dataset, measure: str, level: str) -> dict[tuple[str, str], bool]:
    rounds = [str(r) for r in ds.meta.rounds]
    out: dict[tuple[str, str], bool] = {}
    col = "municipality" if level == "municipality" else indicators.unit_columns(level)[0]
    for a, b in zip(rounds[:-1], rounds[1:], strict=False):
        try:
            c = indicators.change(ds, measure, by=level, from_round=a, to_round=b)
        except ValueError:
            # e.g. a negative Cronbach's alpha in tiny data: pairing unknown, so the two
            # rounds are not joined by a line
            continue
        for unit, paired in zip(c[col].astype(str), c["paired"], strict=True):
            out[(unit, a)] = bool(paired)
    return out


def _level_summary(ds: Dataset, measure: str, level: str) -> pd.DataFrame:
    t = indicators.summarize(ds, measure, by=level)
    col = "municipality" if level == "municipality" else indicators.unit_columns(level)[0]
    return t.assign(_unit=t[col].astype(str), round=t["round"].astype(str))


def _draw_series(ax, ds: Dataset, t: pd.DataFrame, unit: str, role: str, x_of: dict[str, float],
                 pairing: dict[tuple[str, str], bool] | None, noun: str, *, ci: bool = True,
                 width: float = 1.8, alpha: float = 1.0) -> tuple[set[str], dict[str, Any]]:
    """Means over rounds with CI; segments solid (same subjects) or dashed (others)."""
    rows = t[t["_unit"] == unit].set_index("round")
    colour = COLOURS[role]
    rounds = [r for r in x_of if r in rows.index]
    reasons: set[str] = set()
    n_by_round: dict[str, Any] = {}
    for r in rounds:
        row = rows.loc[r]
        if bool(row["suppressed"]):
            reasons.add(str(row.get("suppressed_reason")))
            n_by_round[r] = str(row.get("suppressed_reason"))
            continue
        n_by_round[r] = row["n"]
        if not np.isfinite(row["mean"]):
            continue
        if ci and np.isfinite(row["ci_low"]):
            ax.errorbar(x_of[r], row["mean"], yerr=[[row["mean"] - row["ci_low"]],
                                                    [row["ci_high"] - row["mean"]]],
                        fmt="none", ecolor=colour, color=colour, elinewidth=1.3, capsize=3, alpha=alpha, zorder=3)
        ax.plot(x_of[r], row["mean"], marker=_MARKERS.get(role, "o"), color=colour,
                markersize=6.5 if ci else 5, markeredgecolor="white", markeredgewidth=0.6,
                alpha=alpha, zorder=4, linestyle="none")
    if pairing is not None:
        order = list(x_of)
        for a, b in zip(order[:-1], order[1:], strict=False):
            if a not in rows.index or b not in rows.index:
                continue
            ya, yb = rows.loc[a, "mean"], rows.loc[b, "mean"]
            if not (np.isfinite(ya) and np.isfinite(yb)):
                continue
            paired = pairing.get((unit, a))
            if paired is None:
                continue
            ax.plot([x_of[a], x_of[b]], [ya, yb], color=colour, linewidth=width, alpha=alpha,
                    linestyle="-" if paired else (0, (4, 2.5)), zorder=2)
    return reasons, n_by_round


def development(
    ds: Dataset,
    *,
    measure: str,
    institution: str | None = None,
    level: Literal["department", "institution", "cluster", "area", "municipality"] = "institution",
) -> Figure:
    """Means with intervals over the rounds; each step marked as the same or other children.

    A solid line joins two rounds when the change concerns *the same* children (paired
    comparison, :func:`llkit.change` with ``paired="auto"``); a dashed line when they are
    other children, so the change may just reflect a new group.

    Parameters
    ----------
    ds : Dataset
    measure : str
        Measure id.
    institution : str, optional
        With ``level="institution"``: the institution beside its cluster, the municipality
        and the national reference. With ``level="department"``: one panel per department
        of the institution, with the institution for comparison. Without an institution:
        the whole dataset (municipality) and the national reference, with every unit at
        ``level`` as a thin grey line behind it (none for ``"municipality"``).
    level : {"department", "institution", "cluster", "area", "municipality"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.development(ds, measure="sprog", institution="I01")  # doctest: +SKIP
    """
    m = _measure(ds, measure)
    level = _level(level)
    labels = _labels(ds)
    noun = _noun(ds, m)
    rounds = [str(r) for r in ds.meta.rounds]
    span = rounds[0] if len(rounds) == 1 else f"{rounds[0]}{dk.DASH}{rounds[-1]}"
    inst_id = inst_name = None
    if institution is not None:
        inst_id, inst_name = _institution(ds, institution)
        if level not in ("institution", "department"):
            raise ValueError(
                f"with institution=, level must be 'institution' or 'department', not {level!r}"
            )
    who = inst_name if inst_name else ds.meta.name
    title = f"{who}: udvikling i {_measure_label(m)}, {span}"
    panels = _panels(ds, inst_id, level)
    background = level if inst_id is None and level != "municipality" else None
    if not panels:
        return _message_figure(title, f"Ingen enheder på niveauet {level} i dette datasæt.")
    if len(panels) > 30:
        return _message_figure(
            title, f"For mange enheder ({len(panels)}) til ét diagram – vælg et område eller "
                   "en klynge først (ds.select).")

    levels_needed = {p[3] for p in panels} | {c[1] for p in panels for c in p[4]}
    if background:
        levels_needed.add(background)
    summaries = {lv: _level_summary(ds, measure, lv) for lv in levels_needed}
    pairings = {lv: (_pairing(ds, measure, lv) if len(rounds) > 1 else {}) for lv in levels_needed}
    if all(s.empty for s in summaries.values()):
        return _message_figure(title, f"Ingen data om {_measure_label(m)} i dette datasæt.")
    nat = _national(ds, [measure]) if len(panels) == 1 else pd.DataFrame()
    lim = _value_limits(m, panels, summaries, nat, background)

    with _themed():
        single = len(panels) == 1
        ncols = 1 if single else min(3, len(panels))
        nrows = math.ceil(len(panels) / ncols)
        height = 4.3 if single else 1.3 + 2.15 * nrows
        fig, lax, grid = _frame(min(height, 11.5), nrows, ncols, sharey=True)
        axes = grid.ravel()
        reasons: set[str] = set()
        roles_drawn: list[str] = []
        for ax, panel in zip(axes, panels, strict=False):
            main_n = _draw_panel(ax, ds, panel, rounds, (summaries, pairings, nat, background),
                                 single=single, noun=noun, reasons=reasons,
                                 roles_drawn=roles_drawn)
            _panel_axes(ax, ds, panel[0], rounds, main_n, lim, single=single, noun=noun)
        for ax in axes[len(panels):]:
            ax.set_axis_off()
        for ax in axes[::ncols]:
            ax.set_ylabel(f"Gennemsnit ({_scale_text(m)})" if single else "Gennemsnit")
        names = {"institution": inst_name or labels["institution"],
                 "cluster": _institution_cluster(ds, inst_id) if inst_id else labels["cluster"],
                 "municipality": ds.meta.name, "national": labels.get("national", "Landsplan"),
                 "department": labels["department"], "area": labels["area"]}
        _legend(lax, _handles(labels, names, roles_drawn, background, len(rounds) > 1, noun))
        who_n = names[panels[0][1]] if single else "enheden"
        return _finish(fig, title, _note(ds, labels, who_n, len(rounds) > 1, background, noun,
                                         reasons))


# a panel: (title, main role, main unit, level of main, context list of (role, level, unit))
_Panel = tuple[str | None, str, str, str, list[tuple[str, str, str]]]


def _panels(ds: Dataset, inst_id: str | None, level: str) -> list[_Panel]:
    """The institution with its context, one panel per department, or the municipality."""
    panels: list[_Panel] = []
    if inst_id is not None and level == "institution":
        ctx = []
        cluster = _institution_cluster(ds, inst_id)
        if cluster:
            ctx.append(("cluster", "cluster", cluster))
        ctx.append(("municipality", "municipality", ds.meta.name))
        panels.append((None, "institution", inst_id, "institution", ctx))
    elif inst_id is not None:
        depts = ds.org[ds.org["institution_id"].astype(str) == inst_id].drop_duplicates("department_id")
        for _, d in depts.iterrows():
            panels.append((str(d["department_name"]), "department", str(d["department_id"]),
                           "department", [("institution", "institution", inst_id)]))
    else:
        panels.append((None, "municipality", ds.meta.name, "municipality", []))
    return panels


def _value_limits(m: pd.Series, panels: list[_Panel], summaries: dict[str, pd.DataFrame],
                  nat: pd.DataFrame, background: str | None) -> tuple[float, float] | None:
    """The y limits: every interval drawn, the national means and the background units."""
    values: list[float] = []
    drawn = {(p[3], p[2]) for p in panels} | {(c[1], c[2]) for p in panels for c in p[4]}
    for lv, unit in drawn:
        t = summaries[lv]
        t = t[t["_unit"] == unit]
        values += [*t["ci_low"].tolist(), *t["ci_high"].tolist()]
    values += nat["mean"].tolist() if not nat.empty else []
    if background:
        values += summaries[background]["mean"].tolist()
    return _axis_limits(m, values, full_scale=False)


def _draw_panel(ax, ds: Dataset, panel: _Panel, rounds: list[str], data: tuple[Any, ...], *,
                single: bool, noun: str, reasons: set[str],
                roles_drawn: list[str]) -> dict[str, Any]:
    """The background units, the main series and its context, and the national reference
    of one panel. Adds to ``reasons`` and ``roles_drawn``; returns n (or the suppression
    reason) of the main series per round."""
    summaries, pairings, nat, background = data
    _, role, unit, lv, ctx = panel
    series = [(role, lv, unit, True), *[(c[0], c[1], c[2], single) for c in ctx]]
    k = len(series) + (1 if not nat.empty else 0)
    dodge = 0.06 if single else 0.09
    offs = [(i - (k - 1) / 2) * dodge for i in range(k)]
    main_n: dict[str, Any] = {}
    if background:
        _draw_background(ax, summaries[background], rounds)
        roles_drawn.append("background")
    for (srole, slv, sunit, sci), off in zip(series, offs, strict=False):
        x_of = {r: i + off for i, r in enumerate(rounds)}
        main = srole == role
        rs, n_by = _draw_series(ax, ds, summaries[slv], sunit, srole, x_of,
                                pairings[slv], noun, ci=sci or main,
                                width=2.0 if main else 1.3, alpha=1.0 if main else 0.85)
        if main:
            main_n = n_by
            reasons |= rs
        if srole not in roles_drawn:
            roles_drawn.append(srole)
    if not nat.empty:
        x_of = {r: i + offs[-1] for i, r in enumerate(rounds)}
        for _, row in nat.iterrows():
            if row["round"] in x_of:
                ax.plot(x_of[row["round"]], row["mean"], marker="D", color=COLOURS["national"],
                        markersize=5, linestyle="none", zorder=4)
        roles_drawn.append("national")
    return main_n


def _panel_axes(ax, ds: Dataset, ptitle: str | None, rounds: list[str], main_n: dict[str, Any],
                lim: tuple[float, float] | None, *, single: bool, noun: str) -> None:
    """Round ticks with n, placeholders for suppressed rounds, limits and the title."""
    ticks = []
    for r in rounds:
        tl = _round_label(ds, r)
        if r in main_n:
            tl += "\n" + ("vises ikke" if isinstance(main_n[r], str) else _n_text(main_n[r]))
        ticks.append(tl)
    ax.set_xticks(range(len(rounds)), ticks, fontsize=8 if not single else 9)
    ax.set_xlim(-0.45, len(rounds) - 0.55)
    for r, n in main_n.items():
        if isinstance(n, str):
            y0, y1 = lim if lim else (0, 1)
            label = (_wrap(_suppressed_text(ds, noun, n), 12) if single
                     else _suppressed_text(ds, noun, n, short=True))
            _placeholder(ax, y0 + 0.08 * (y1 - y0), y1 - 0.08 * (y1 - y0),
                         rounds.index(r), 0.45 if single else 0.4, label, fontsize=7,
                         horizontal=False)
    if lim:
        ax.set_ylim(*lim)
    _danish_axis(ax, "y")
    ax.grid(axis="x", visible=False)
    if ptitle:
        ax.set_title(_wrap(ptitle, 34), fontsize=9)


def _handles(labels: dict[str, str], names: dict[str, str], roles_drawn: list[str],
             background: str | None, several: bool, noun: str) -> list[Line2D]:
    handles = [Line2D([], [], color=COLOURS[rl], marker=_MARKERS.get(rl, "o"),
                      linestyle="none" if rl == "national" else "-", label=names[rl])
               for rl in dict.fromkeys(roles_drawn) if rl != "background"]
    if background:
        plural = labels.get(background + "s", background)
        handles.append(Line2D([], [], color=COLOURS["other"], linewidth=0.9, alpha=0.7,
                              label=f"{plural} (hver for sig)"))
    if several:
        handles += [
            Line2D([], [], color="#333333", linestyle="-", label=f"samme {noun} i begge målinger"),
            Line2D([], [], color="#333333", linestyle=(0, (4, 2.5)), label=f"andre {noun}"),
        ]
    return handles


def _note(ds: Dataset, labels: dict[str, str], who_n: str, several: bool,
          background: str | None, noun: str, reasons: set[str]) -> str:
    note = (f"Punkt: gennemsnit. Lodret streg: {_CI_NOTE}. n: antal {noun} i "
            f"{who_n}.")
    if several:
        note += (f" Fuld linje: de samme {noun} er målt begge gange (parret sammenligning). "
                 f"Stiplet linje: andre {noun} – ændringen kan skyldes, at gruppen har ændret sig.")
    else:
        note += " Der er kun én måling, så udviklingen kan først vises efter næste måling."
    if background:
        note += (f" Grå linjer: {labels.get(background + 's', background).lower()} hver for "
                 f"sig (uden dem med færre end {dk.fmt_int(ds.meta.min_n)} {noun}) – de viser "
                 "spredningen, ikke en rangorden.")
    if reasons:
        note += "\n" + _suppression_note(ds, noun, "complementary" in reasons)
    return note


def _draw_background(ax, t: pd.DataFrame, rounds: list[str]) -> None:
    """Every unit as a thin grey line (its spread behind the main series); suppressed
    unit-rounds are left out."""
    shown = t[~t["suppressed"].astype(bool) & t["mean"].notna()]
    pos = {r: i for i, r in enumerate(rounds)}
    for _, g in shown.groupby("_unit", sort=False):
        xs = [pos[r] for r in g["round"] if r in pos]
        ys = g["mean"].to_numpy(dtype=float)
        order = np.argsort(xs)
        xs, ys = np.asarray(xs)[order], ys[order]
        # join only neighbouring rounds
        start = 0
        for i in range(1, len(xs) + 1):
            if i == len(xs) or xs[i] != xs[i - 1] + 1:
                ax.plot(xs[start:i], ys[start:i], color=COLOURS["other"], linewidth=0.9,
                        alpha=0.55, marker="o" if i - start == 1 else None, markersize=2.5,
                        zorder=1)
                start = i
