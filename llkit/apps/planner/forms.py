"""The widgets of one focus area, goal and action of the plan editor (ipywidgets, imported
only when an editor is built)."""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.apps.planner.formatting import (
    KIND_LABELS,
    _definite_singular,
    _esc,
    _interval_text,
    _later_rounds,
    _measured_text,
    _noun,
    _num_text,
    _rounds,
)
from llkit.documents import plans as _plans
from llkit.documents.plans import Action, FocusArea, Goal, Indicator
from llkit.documents.plans.structure import parse_date, parse_number
from llkit.present import text as tx

if TYPE_CHECKING:  # pragma: no cover
    from llkit.apps.planner.editor import PlanEditor


def _w():
    import ipywidgets as widgets

    return widgets


_WIDE = {"width": "100%"}
_DESC = {"description_width": "11em"}


class _ActionRow:
    """One action: what, who, deadline, and a remove button."""

    def __init__(self, editor: PlanEditor, goal: _GoalForm) -> None:
        w = _w()
        self.editor, self.goal = editor, goal
        self.what = w.Text(description="Hvad", placeholder="Hvad gør I?", style=_DESC,
                           continuous_update=False, layout={"width": "46%"})
        self.who = w.Text(description="Ansvarlig", placeholder="Hvem har ansvaret?",
                          style={"description_width": "5.5em"}, continuous_update=False,
                          layout={"width": "26%"})
        self.deadline = w.DatePicker(description="Frist", style={"description_width": "3em"},
                                     layout={"width": "22%"})
        self.remove = w.Button(description="", icon="trash", tooltip="Fjern handlingen",
                               layout={"width": "3em"})
        self.remove.on_click(lambda _: self.goal.remove_action(self))
        for x in (self.what, self.who, self.deadline):
            x.observe(self.editor._changed, names="value")
        self.box = w.HBox([self.what, self.who, self.deadline, self.remove],
                          layout={"width": "100%"})

    def set(self, what: str | None = None, who: str | None = None,
            deadline: date | str | None = None) -> None:
        if what is not None:
            self.what.value = str(what)
        if who is not None:
            self.who.value = str(who)
        if deadline is not None:
            self.deadline.value = _as_date(deadline)

    def value(self) -> Action:
        return Action(what=self.what.value.strip() or None, who=self.who.value.strip() or None,
                      deadline=self.deadline.value)  # type: ignore[arg-type]


def _as_date(x: date | str) -> date:
    if isinstance(x, date):
        return x
    parsed = parse_date(x)
    if parsed is None:
        raise ValueError(f"'{x}' is not a date; use YYYY-MM-DD or DD.MM.YYYY")
    return parsed


class _GoalForm:
    """The widgets of one goal."""

    def __init__(self, editor: PlanEditor, focus: _FocusForm) -> None:
        w = _w()
        self.editor, self.focus = editor, focus
        ds = editor.ds
        kinds = [(KIND_LABELS[k], k) for k in editor.choices]
        self.goal = w.Text(description="Målet", placeholder="Målet i én sætning",
                           style=_DESC, continuous_update=False, layout=_WIDE)
        self.kind = w.Dropdown(options=kinds, description="Følges med", style=_DESC,
                               layout={"width": "60%"})
        self.measure = w.Dropdown(options=[], description="Måling", style=_DESC,
                                  layout={"width": "60%"})
        deps = ds.org[ds.org["institution_id"].astype(str) == editor.institution]
        self.department = w.Dropdown(
            options=[(f"Hele {_definite_singular(_noun(ds, 'institution', 'dagtilbud'))}", "")]
            + [(str(r.department_name), str(r.department_id)) for r in deps.itertuples()],
            description="For", style=_DESC, layout={"width": "60%"})
        self.baseline = w.Dropdown(options=_rounds(ds), description="Udgangspunkt",
                                   style=_DESC, layout={"width": "30%"})
        self.baseline_info = w.HTML(layout={"width": "68%"})
        self.target = w.Text(description="Målværdi", placeholder="fx 3,5", style=_DESC,
                             continuous_update=False, layout={"width": "30%"})
        self.target_unit = w.HTML(layout={"width": "68%"})
        self.target_round = w.Dropdown(options=_later_rounds(ds, self.baseline.value),
                                       description="Nås senest i", style=_DESC,
                                       layout={"width": "30%"})
        self.signs = w.Textarea(description="Tegn (ét pr. linje)", style=_DESC,
                                placeholder="Hvad vil I se eller høre, når I er på vej mod "
                                "målet? Skriv ét tegn pr. linje.",
                                continuous_update=False, layout={"width": "100%", "height": "5em"})
        self.actions: list[_ActionRow] = []
        self.actions_box = w.VBox()
        self.add_action_button = w.Button(description="Tilføj handling", icon="plus")
        self.add_action_button.on_click(lambda _: self.add_action())
        self.remove_button = w.Button(description="Fjern målet", icon="trash",
                                      button_style="warning")
        self.remove_button.on_click(lambda _: self.focus.remove_goal(self))
        self.heading = w.HTML()
        self.kind.observe(self._kind_changed, names="value")
        self.measure.observe(self._indicator_changed, names="value")
        self.department.observe(self._indicator_changed, names="value")
        self.baseline.observe(self._baseline_changed, names="value")
        for x in (self.goal, self.target, self.target_round, self.signs):
            x.observe(self.editor._changed, names="value")
        self._kind_changed()
        self.box = w.VBox([
            self.heading, self.goal, self.kind, self.measure, self.department,
            w.HBox([self.baseline, self.baseline_info]),
            w.HBox([self.target, self.target_unit]), self.target_round, self.signs,
            w.HTML("<b>Handlinger</b> – hvad gør I, hvem har ansvaret, og hvornår?"),
            self.actions_box, w.HBox([self.add_action_button, self.remove_button]),
        ], layout={"border": "1px solid #d0d7de", "padding": "4px 8px", "margin": "6px 0"})

    # ---------------------------------------------------------------- reactions

    def _kind_changed(self, change: Any = None) -> None:
        opts = self.editor.choices.get(self.kind.value, [])
        old = self.measure.value
        with self.editor._hold():
            self.measure.options = [(lab, mid if mid is not None else "") for lab, mid in opts]
            ids = [o[1] for o in self.measure.options]
            if old in ids:
                self.measure.value = old
        self.measure.layout.display = "none" if self.kind.value == "coverage" else None
        share = self.kind.value in ("share_low", "coverage")
        self.target.placeholder = "fx 10" if share else "fx 3,5"
        self._indicator_changed()

    def _baseline_changed(self, change: Any = None) -> None:
        old = self.target_round.value
        later = _later_rounds(self.editor.ds, self.baseline.value)
        with self.editor._hold():
            self.target_round.options = later
            if old in later:
                self.target_round.value = old
        self._indicator_changed()

    def _indicator_changed(self, change: Any = None) -> None:
        self._update_info()
        self.editor._changed()

    def _update_info(self) -> None:
        ind = self.indicator()
        ds = self.editor.ds
        share = self.kind.value in ("share_low", "coverage")
        if ind is None:
            self.baseline_info.value = ""
            self.target_unit.value = ""
            return
        info = _plans.indicator_info(ds, ind)
        better = "højere er bedre" if info["higher_is_better"] else "lavere er bedre"
        if share:
            unit = "i procent (0–100)"
        elif ind.kind == "gap":
            unit = "point: forskellen mellem grupperne"
        else:
            lo, hi = info["lo"], info["hi"]
            unit = (f"på skalaen {_num_text(lo)}–{_num_text(hi)}"
                    if math.isfinite(lo) and math.isfinite(hi) else "på målingens skala")
        self.target_unit.value = f'<span style="color:#57606a">{_esc(unit)} · {better}</span>'
        vals = self.editor._values(ind)
        row = vals[vals["round"] == self.baseline.value]
        min_n = int(ds.meta.min_n)
        if row.empty:
            text = f"Ingen data i {self.baseline.value}."
        elif bool(row["suppressed"].iloc[0]):
            text = (f"{self.baseline.value}: vises ikke (færre end {tx.fmt_int(min_n)} {info['noun']}) – "
                    "vælg et andet udgangspunkt eller hele huset.")
        else:
            r = row.iloc[0]
            iv = ("" if pd.isna(r["ci_low"])
                  else f", usikkerhed {_interval_text(r['ci_low'], r['ci_high'], share)}")
            if ind.kind == "coverage":
                k = int(round(r["value"] * int(r["n"])))
                text = (f"Værdi i {r['round']}: <b>{_measured_text(r['value'], share)}</b> "
                        f"({k} af {int(r['n'])} {info['noun']})")
            else:
                text = (f"Værdi i {r['round']}: <b>{_measured_text(r['value'], share)}</b>{iv} "
                        f"({tx.fmt_int(r['n'])} {info['noun']})")
        self.baseline_info.value = f'<span style="color:#1f2328">{text}</span>'

    # ---------------------------------------------------------------- values

    def indicator(self) -> Indicator | None:
        kind = self.kind.value
        if kind is None:
            return None
        measure = self.measure.value or None
        if kind != "coverage" and measure is None:
            return None
        return Indicator(kind=kind, measure=None if kind == "coverage" else measure,
                         department=self.department.value or None)

    def add_action(self, what: str | None = None, who: str | None = None,
                   deadline: date | str | None = None) -> _ActionRow:
        row = _ActionRow(self.editor, self)
        with self.editor._hold():
            row.set(what, who, deadline)
        self.actions.append(row)
        self.actions_box.children = [a.box for a in self.actions]
        self.editor._changed()
        return row

    def remove_action(self, row: _ActionRow) -> None:
        self.actions.remove(row)
        self.actions_box.children = [a.box for a in self.actions]
        self.editor._changed()

    def set(self, **fields: Any) -> None:
        unknown = set(fields) - {"goal", "indicator", "baseline", "target", "target_round",
                                 "signs", "actions"}
        if unknown:
            raise TypeError(f"unknown goal field(s): {', '.join(sorted(unknown))}")
        ed = self.editor
        with ed._hold():
            if fields.get("goal") is not None:
                self.goal.value = str(fields["goal"])
            if fields.get("indicator") is not None:
                ind = fields["indicator"]
                if isinstance(ind, dict):
                    ind = Indicator(**ind)
                elif isinstance(ind, tuple | list):
                    ind = Indicator(*ind)
                if ind.kind not in ed.choices:
                    raise ValueError(f"indicator kind {ind.kind!r} is not available in this "
                                     f"data; available: {', '.join(ed.choices)}")
                self.kind.value = ind.kind
                if ind.kind != "coverage":
                    ids = [o[1] for o in self.measure.options]
                    if ind.measure not in ids:
                        raise ValueError(f"measure {ind.measure!r} cannot be used with kind "
                                         f"{ind.kind!r}; choose one of: {', '.join(ids)}")
                    self.measure.value = ind.measure
                deps = [o[1] for o in self.department.options]
                if (ind.department or "") not in deps:
                    raise ValueError(f"department {ind.department!r} is not one of the "
                                     f"institution's: {', '.join(d for d in deps if d)}")
                self.department.value = ind.department or ""
            if fields.get("baseline") is not None:
                self.baseline.value = str(fields["baseline"])
            if fields.get("target_round") is not None:
                tr = str(fields["target_round"])
                if tr not in self.target_round.options:
                    raise ValueError(f"target round {tr!r} must come after the baseline; "
                                     f"choose one of: {', '.join(self.target_round.options)}")
                self.target_round.value = tr
            if "target" in fields:
                t = fields["target"]
                if t is None:
                    self.target.value = ""
                elif isinstance(t, str):
                    self.target.value = t
                else:
                    share = self.kind.value in ("share_low", "coverage")
                    self.target.value = _num_text(float(t) * (100 if share else 1))
            if fields.get("signs") is not None:
                signs = fields["signs"]
                self.signs.value = signs if isinstance(signs, str) else "\n".join(signs)
            if fields.get("actions") is not None:
                for a in list(self.actions):
                    self.remove_action(a)
                for a in fields["actions"]:
                    if isinstance(a, Action):
                        self.add_action(a.what, a.who, a.deadline)
                    elif isinstance(a, dict):
                        self.add_action(**a)
                    else:
                        self.add_action(*a)
        self._update_info()
        ed._changed()

    def target_value(self) -> tuple[float | None, str | None]:
        """The target on the plan's scale (shares 0–1), or a Danish problem."""
        text = self.target.value.strip()
        if not text:
            return None, None
        number, percent = parse_number(text)
        share = self.kind.value in ("share_low", "coverage")
        if number is None:
            return None, (f"Målværdien »{text}« er ikke et tal.",
                          "Skriv et tal, fx 3,5" + (" (i procent: 10)" if share else "") + ".")
        if share:
            return number / 100.0, None
        if percent:
            return None, ("Målværdien er skrevet i procent, men indikatoren er ikke en andel.",
                          "Skriv en værdi på målingens skala, fx 3,5.")
        return number, None

    def value(self) -> Goal:
        target, _ = self.target_value()
        signs = [s.strip(" -•\t") for s in self.signs.value.splitlines()]
        return Goal(goal=self.goal.value.strip() or None, indicator=self.indicator(),  # type: ignore[arg-type]
                    baseline=self.baseline.value, target=target,  # type: ignore[arg-type]
                    target_round=self.target_round.value,
                    signs=[s for s in signs if s], actions=[a.value() for a in self.actions])


class _FocusForm:
    """The widgets of one focus area with its goals."""

    def __init__(self, editor: PlanEditor) -> None:
        w = _w()
        self.editor = editor
        self.focus = w.Text(description="Fokusområde", placeholder="Navnet på fokusområdet",
                            style=_DESC, continuous_update=False, layout=_WIDE)
        self.description = w.Textarea(description="Hvorfor (valgfri)", style=_DESC,
                                      placeholder="Hvad viser data, og hvorfor er det vigtigt "
                                      "for jer?", continuous_update=False,
                                      layout={"width": "100%", "height": "4em"})
        self.goals: list[_GoalForm] = []
        self.goals_box = w.VBox()
        self.add_goal_button = w.Button(description="Tilføj mål", icon="plus",
                                        button_style="info")
        self.add_goal_button.on_click(lambda _: self.add_goal())
        self.remove_button = w.Button(description="Fjern fokusområdet", icon="trash",
                                      button_style="danger")
        self.remove_button.on_click(lambda _: self.editor._remove_focus_form(self))
        self.heading = w.HTML()
        for x in (self.focus, self.description):
            x.observe(self.editor._changed, names="value")
        self.box = w.VBox([self.heading, self.focus, self.description, self.goals_box,
                           w.HBox([self.add_goal_button, self.remove_button])],
                          layout={"border": "2px solid #0b5394", "padding": "6px 10px",
                                  "margin": "10px 0"})

    def add_goal(self, **fields: Any) -> _GoalForm:
        g = _GoalForm(self.editor, self)
        self.goals.append(g)
        self._relabel()
        if fields:
            g.set(**fields)
        self.editor._changed()
        return g

    def remove_goal(self, g: _GoalForm) -> None:
        self.goals.remove(g)
        self._relabel()
        self.editor._changed()

    def _relabel(self) -> None:
        for j, g in enumerate(self.goals, start=1):
            g.heading.value = f"<b>Mål {j}</b>"
        self.goals_box.children = [g.box for g in self.goals]

    def value(self) -> FocusArea:
        return FocusArea(focus=self.focus.value.strip() or None,  # type: ignore[arg-type]
                         goals=[g.value() for g in self.goals],
                         description=self.description.value.strip() or None)
