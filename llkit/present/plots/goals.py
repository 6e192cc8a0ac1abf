"""Signs of learning documented by the teams: :func:`coverage`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from llkit.present import text as dk
from llkit.present.plots.arguments import _institution, _level
from llkit.present.plots.figure import _finish, _frame, _legend, _message_figure
from llkit.present.plots.formats import _danish_axis, _wrap
from llkit.present.plots.theme import _MARKERS, _WIDTH, COLOURS, _cell_colour, _text_colour, _themed
from llkit.present.plots.words import _CI_NOTE, _round_label
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def coverage(
    ds: Dataset,
    *,
    institution: str | None = None,
    level: Literal["department", "institution", "cluster", "area", "municipality"] = "institution",
) -> Figure:
    """Share of teams that documented signs of learning (tegn på læring), over rounds.

    The goal is that *all* teams document signs of learning.

    Parameters
    ----------
    ds : Dataset
    institution : str, optional
        One institution over the rounds, with the municipality for comparison. Without
        it: every unit at ``level`` (a table-like chart, units in name order).
    level : {"department", "institution", "cluster", "area", "municipality"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import llkit
    >>> from llkit import plots
    >>> ds = llkit.load("data/sample/dagtilbud")  # doctest: +SKIP
    >>> fig = plots.coverage(ds, institution="I01")  # doctest: +SKIP
    """
    level = _level(level)
    inst_id = inst_name = None
    if institution is not None:
        inst_id, inst_name = _institution(ds, institution)
    rounds = [str(r) for r in ds.meta.rounds]
    span = rounds[0] if len(rounds) == 1 else f"{rounds[0]}{dk.DASH}{rounds[-1]}"
    who = inst_name or ds.meta.name
    title = f"{who}: teams, der dokumenterer tegn på læring, {span}"
    if ds.goals is None or ds.goals.empty:
        return _message_figure(title, "Ingen data om tegn på læring i dette datasæt.")
    if inst_id is not None:
        return _coverage_institution(ds, inst_id, inst_name, rounds, title)
    by = level
    cov = indicators.coverage(ds, by=None if by == "municipality" else by)
    if cov.empty:
        return _message_figure(title, "Ingen data om tegn på læring i dette datasæt.")
    if by == "municipality":
        cov = cov.assign(_unit=ds.meta.name, _name=ds.meta.name)
    else:
        id_col, name_col = indicators.unit_columns(by)[0], indicators.unit_columns(by)[-1]
        cov = cov.assign(_unit=cov[id_col].astype(str), _name=cov[name_col].astype(str))
    units = cov.drop_duplicates("_unit")[["_unit", "_name"]].sort_values("_name", kind="stable")
    if len(units) > 60:
        return _message_figure(title, f"For mange enheder ({len(units)}) til ét diagram – vælg "
                                      "et område eller en klynge først (ds.select).")
    cov = cov.assign(round=cov["round"].astype(str)).set_index(["_unit", "round"])
    with _themed():
        fig, _, axes = _frame(min(max(1.9 + 0.3 * len(units), 3.0), 14),
                              width=min(max(4.5 + 1.1 * len(rounds), 6.0), _WIDTH), legend=False)
        ax = axes[0, 0]
        for i, (u, _name) in enumerate(units.itertuples(index=False)):
            for j, r in enumerate(rounds):
                if (u, r) not in cov.index:
                    ax.add_patch(Rectangle((j, i), 1, 1, facecolor="white", edgecolor="#E0E0E0"))
                    ax.text(j + 0.5, i + 0.5, dk.MISSING, ha="center", va="center", color="#999999")
                    continue
                row = cov.loc[(u, r)]
                share = float(row["share"])
                colour = _cell_colour(share)
                tc = _text_colour(colour)
                ax.add_patch(Rectangle((j, i), 1, 1, facecolor=colour, edgecolor="white", linewidth=1.2))
                ax.text(j + 0.5, i + 0.5,
                        f"{dk.fmt_percent(share)}  ({dk.fmt_int(row['teams_documenting'])} af "
                        f"{dk.fmt_int(row['teams'])})", ha="center", va="center", fontsize=8, color=tc)
        ax.set_xlim(0, len(rounds))
        ax.set_ylim(len(units), 0)
        ax.set_xticks([j + 0.5 for j in range(len(rounds))], [_round_label(ds, r) for r in rounds])
        ax.xaxis.tick_top()
        ax.set_yticks([i + 0.5 for i in range(len(units))], [_wrap(n, 34) for n in units["_name"]],
                      fontsize=8.5)
        ax.tick_params(length=0)
        ax.grid(False)
        for side in ("top", "right", "bottom", "left"):
            ax.spines[side].set_visible(False)
        note = ("Andel teams, der har dokumenteret tegn på læring for mindst ét læringsmål "
                "(i parentes: antal teams). Målet er 100\u00a0%. Enhederne står i navneorden.")
        return _finish(fig, title, note)


def _coverage_institution(ds: Dataset, inst_id: str, inst_name: str, rounds: list[str],
                          title: str) -> Figure:
    cov = indicators.coverage(ds, by="institution")
    inst = cov[cov["institution_id"].astype(str) == inst_id]
    muni = indicators.coverage(ds, by=None)
    if inst.empty:
        return _message_figure(title, f"Ingen data om tegn på læring for {inst_name}.")
    with _themed():
        fig, lax, axes = _frame(4.4)
        ax = axes[0, 0]
        ax.axhline(1.0, color="#333333", linewidth=1.0, linestyle=(0, (2, 2)), zorder=1)
        ax.text(-0.45, 1.0, "Mål: alle teams", fontsize=8, va="bottom", ha="left", color="#333333")
        ticks = [_round_label(ds, r) for r in rounds]
        for role, _name, t, off in (("institution", inst_name, inst, -0.06),
                                   ("municipality", ds.meta.name, muni, 0.06)):
            t = t.assign(round=t["round"].astype(str)).set_index("round")
            colour = COLOURS[role]
            xs, ys = [], []
            for i, r in enumerate(rounds):
                if r not in t.index:
                    continue
                row = t.loc[r]
                x = i + off
                ax.errorbar(x, row["share"], yerr=[[row["share"] - row["share_ci_low"]],
                                                   [row["share_ci_high"] - row["share"]]],
                            fmt="none", ecolor=colour, color=colour, elinewidth=1.3, capsize=3, zorder=3)
                ax.plot(x, row["share"], marker=_MARKERS[role], color=colour, markersize=7,
                        markeredgecolor="white", linestyle="none", zorder=4, label=None)
                xs.append(x)
                ys.append(row["share"])
                if role == "institution":
                    ax.annotate(f"{dk.fmt_int(row['teams_documenting'])} af {dk.fmt_int(row['teams'])}",
                                (x, row["share"]), xytext=(-7, 0), textcoords="offset points",
                                ha="right", va="center", fontsize=8, color=colour, fontweight="bold")
                    ticks[i] += f"\n{dk.fmt_int(row['teams'])} teams"
            ax.plot(xs, ys, color=colour, linewidth=1.4, alpha=0.7, zorder=2)
        ax.set_xticks(range(len(rounds)), ticks)
        ax.set_xlim(-0.5, len(rounds) - 0.5)
        ax.set_ylim(-0.03, 1.09)
        _danish_axis(ax, "y", percent=True)
        ax.set_ylabel("Andel teams")
        ax.grid(axis="x", visible=False)
        handles = [Line2D([], [], color=COLOURS[r], marker=_MARKERS[r], label=n)
                   for r, n in (("institution", inst_name), ("municipality", ds.meta.name))]
        _legend(lax, handles)
        note = ("Andel teams, der har dokumenteret tegn på læring for mindst ét læringsmål. "
                f"Lodret streg: {_CI_NOTE} (Wilson). Tallene ved punkterne: antal teams, der "
                "dokumenterer, af alle aktive teams.")
        return _finish(fig, title, note)
