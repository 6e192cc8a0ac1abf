"""The plan editor (:class:`PlanEditor`): build or edit an institution's action plan with
widgets, check it in Danish, and save it as YAML."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from llkit.apps.planner.followup import FollowUp, _no_plan, followup
from llkit.apps.planner.formatting import KIND_LABELS, _esc, _inst_name, _rounds
from llkit.apps.planner.forms import _DESC, _WIDE, _as_date, _FocusForm, _w
from llkit.apps.planner.views import indicator_choices, plan_block, problems_block
from llkit.documents import plans as _plans
from llkit.documents.plans import Indicator, Plan
from llkit.documents.plans.danish import where_da
from llkit.errors import PROBLEM_COLUMNS, PlanError

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


class PlanEditor:
    """Build or edit an institution's action plan with widgets, and save it as YAML.

    Everything the widgets do can be done from Python (the tests do): :meth:`add_focus`,
    :meth:`add_goal`, :meth:`set_goal`, :meth:`add_action`, :meth:`remove_goal`,
    :meth:`remove_focus`, :meth:`set_plan`, :meth:`add_candidate`, :meth:`to_plan`,
    :meth:`check` and :meth:`save`.

    Parameters
    ----------
    ds : Dataset
        The team's data; indicators, measures, departments and rounds in the dropdowns
        come from it, and the baseline value is read from it.
    institution : str
        The institution id.
    plan : Plan or str or Path, optional
        A plan (or its file) to edit. By default the institution's plan in the dataset's
        ``plans/`` folder if it exists.
    out : str or Path, optional
        Where :meth:`save` writes; default ``plans/<institution>.yaml`` in the dataset
        folder.
    start : {"draft", "empty"}, default "draft"
        Without a plan to edit: start from :func:`llkit.documents.plans.new_plan` (one focus area
        per place the data points to, for the team to keep, change or remove) or from an
        empty plan.
    created : date, optional
        The date of a new plan; default today.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The editor. Displaying the editor itself shows the widget in Jupyter and, in a
        static HTML export, the plan as a document.
    path : Path or None
        Where the plan is saved.
    source : Path or None
        The plan file that was loaded (None for a new plan).
    load_problems : pandas.DataFrame or None
        Danish problems of a plan file that could not be read (the editor then starts
        from a draft; saving replaces the broken file only after a confirmation).
    """

    def __init__(self, ds: Dataset, institution: str, plan: Plan | str | Path | None = None,
                 *, out: str | Path | None = None, start: str = "draft",
                 created: date | None = None) -> None:
        if start not in ("draft", "empty"):
            raise ValueError(f"start must be 'draft' or 'empty', not {start!r}")
        self.ds = ds
        self.institution = str(institution)
        self.name = _inst_name(ds, self.institution)
        self.choices = indicator_choices(ds)
        self._cache: dict[Any, pd.DataFrame] = {}
        self._holding = 0
        self._display_handle: Any = None
        self.load_problems: pd.DataFrame | None = None
        default = _plans.default_plan_path(ds, self.institution)
        self.path = Path(out) if out is not None else default
        self.source: Path | None = None
        initial: Plan | None = None
        if isinstance(plan, Plan):
            initial, self.source = plan, plan.path
        else:
            file = Path(plan) if plan is not None else (default if default is not None
                                                        and default.is_file() else None)
            if plan is not None and not Path(plan).is_file():
                raise FileNotFoundError(f"plan file not found: {plan}")
            if file is not None:
                self.source = file
                try:
                    initial = _plans.load_plan(file, lang="da")
                except PlanError as exc:
                    self.load_problems = exc.problems
        if initial is not None and str(initial.institution) != self.institution:
            raise ValueError(f"the plan {self.source or ''} is for institution "
                             f"{initial.institution}, not {self.institution}")
        self._started = "loaded" if initial is not None else start
        if initial is None:
            if start == "draft":
                try:
                    initial = _plans.new_plan(ds, self.institution, created=created)
                except ValueError:  # no data for the institution yet
                    initial = None
            if initial is None:
                initial = Plan(institution=self.institution,
                               title=f"Handleplan for {self.name}",
                               created=created or date.today())
        self._build()
        self.load(initial)

    # ---------------------------------------------------------------- building

    def _hold(self):
        editor = self

        class _Ctx:
            def __enter__(self_inner):
                editor._holding += 1

            def __exit__(self_inner, *exc):
                editor._holding -= 1

        return _Ctx()

    def _build(self) -> None:
        w = _w()
        self.title = w.Text(description="Titel", style=_DESC, continuous_update=False,
                            layout=_WIDE)
        self.created = w.DatePicker(description="Dato", style=_DESC)
        self.description = w.Textarea(description="Baggrund (valgfri)", style=_DESC,
                                      continuous_update=False,
                                      layout={"width": "100%", "height": "4em"})
        for x in (self.title, self.created, self.description):
            x.observe(self._changed, names="value")
        self.focus_forms: list[_FocusForm] = []
        self.focus_box = w.VBox()
        self.add_focus_button = w.Button(description="Tilføj fokusområde", icon="plus",
                                         button_style="info")
        self.add_focus_button.on_click(lambda _: self.add_focus())
        try:
            self._candidates = _plans.focus_candidates(self.ds, self.institution)
        except ValueError:
            self._candidates = pd.DataFrame(columns=["kind", "label", "why"])
        cand_opts = [(f"{KIND_LABELS[r.kind]}: {r.label}", i)
                     for i, r in enumerate(self._candidates.itertuples())]
        self.candidate = w.Dropdown(options=cand_opts, description="Forslag fra data",
                                    style=_DESC, layout={"width": "70%"})
        self.add_candidate_button = w.Button(description="Tilføj forslaget", icon="plus")
        self.add_candidate_button.on_click(
            lambda _: self.add_candidate(self.candidate.value) if self.candidate.value
            is not None else None)
        cand_row = (w.HBox([self.candidate, self.add_candidate_button]) if cand_opts
                    else w.HTML("<i>Data peger ikke på et bestemt område.</i>"))
        self.preview = w.HTML()
        self.problems_view = w.HTML()
        self.save_button = w.Button(description="Gem handleplan", icon="save",
                                    button_style="success", layout={"width": "14em"})
        self.save_button.on_click(lambda _: self._click_save(confirm=False))
        self.confirm_button = w.Button(description="Ja, overskriv filen", button_style="danger",
                                       layout={"width": "14em"})
        self.confirm_button.on_click(lambda _: self._click_save(confirm=True))
        self.cancel_button = w.Button(description="Fortryd", layout={"width": "8em"})
        self.cancel_button.on_click(lambda _: self._hide_confirm())
        self.confirm_box = w.HBox([self.confirm_button, self.cancel_button],
                                  layout={"display": "none"})
        self.message = w.HTML()
        where = f"<code>{_esc(self.path)}</code>" if self.path else "(ingen fil valgt)"
        self.path_label = w.HTML(f"Planen gemmes i {where}.")
        head = w.HTML(
            f"<h3 style='margin:0.2em 0'>Handleplan for {_esc(self.name)}</h3>"
            f"<p style='margin:0.2em 0'>{self.origin()}</p>"
            "<p style='margin:0.2em 0 0.6em'>Udfyld felterne. Hvert mål knyttes til en "
            "indikator i jeres data; udgangspunktet vises automatisk. Skriv de tegn, I vil se "
            "efter, og de handlinger, I vil sætte i gang. Under felterne ses, om der mangler "
            "noget, før planen kan gemmes.</p>"
            + (problems_block(self.load_problems).html if self.load_problems is not None
               else ""))
        self.editor_box = w.VBox([
            head, self.title, self.created, self.description,
            w.HTML("<b>Fokusområder</b>"), self.focus_box,
            w.HBox([self.add_focus_button]), cand_row,
        ])
        self.preview_box = w.Accordion(children=[self.preview], selected_index=None)
        self.preview_box.set_title(0, "Vis planen som YAML-fil (det, der bliver gemt)")
        self.widget = w.VBox([
            self.editor_box,
            w.HTML("<h4 style='margin:0.8em 0 0.2em'>Tjek af planen</h4>"), self.problems_view,
            self.preview_box,
            w.HBox([self.save_button, self.path_label]), self.message, self.confirm_box,
        ], layout={"max_width": "1000px"})

    def origin(self) -> str:
        """One Danish sentence (HTML): where the plan in the editor comes from."""
        if self.load_problems is not None:
            return (f"<b>Den gemte plan <code>{_esc(self.source)}</code> kan ikke læses</b> "
                    "(se fejlene nedenfor). Editoren starter derfor med et nyt udkast; "
                    "den gamle fil erstattes kun, hvis I bekræfter det.")
        if self.source is not None:
            return f"Planen er hentet fra <code>{_esc(self.source)}</code>."
        if self._started == "draft":
            return ("Der er endnu ingen gemt handleplan. Editoren starter med et <b>udkast "
                    "ud fra data</b>: ét fokusområde for hvert af forslagene ovenfor. Behold "
                    "dem, der giver mening for jer, ret dem til, og fjern resten.")
        return "Der er endnu ingen gemt handleplan: start med at tilføje et fokusområde."

    # ---------------------------------------------------------------- state

    def load(self, plan: Plan) -> None:
        """Replace the editor's content with ``plan``."""
        with self._hold():
            for f in list(self.focus_forms):
                self._remove_focus_form(f)
            self.title.value = plan.title or ""
            self.created.value = plan.created
            self.description.value = plan.description or ""
            for fa in plan.focus_areas:
                fi = self.add_focus(fa.focus or "", fa.description)
                for g in fa.goals:
                    ind = g.indicator
                    usable = (ind is not None and ind.kind in self.choices)
                    self.add_goal(fi, goal=g.goal, indicator=ind if usable else None,
                                  baseline=g.baseline if g.baseline in _rounds(self.ds) else None,
                                  target=g.target,
                                  target_round=g.target_round, signs=g.signs,
                                  actions=[(a.what, a.who, a.deadline) for a in g.actions])
        self._changed()

    def _values(self, ind: Indicator) -> pd.DataFrame:
        key = (ind.kind, ind.measure, ind.department)
        if key not in self._cache:
            self._cache[key] = _plans.indicator_values(self.ds, self.institution, ind)
        return self._cache[key]

    def _changed(self, change: Any = None) -> None:
        if self._holding:
            return
        self._hide_confirm()
        for i, f in enumerate(self.focus_forms, start=1):
            f.heading.value = f"<h4 style='margin:0.2em 0'>Fokusområde {i}</h4>"
        plan = self.to_plan()
        body = yaml.safe_dump(_plans.plan_to_dict(plan), allow_unicode=True, sort_keys=False,
                              default_flow_style=False, width=100)
        self.preview.value = (f"<pre style='max-height:24em;overflow:auto;background:#f6f8fa;"
                              f"padding:0.5em;font-size:0.85em'>{_esc(body)}</pre>")
        self.problems_view.value = problems_block(self.check()).html

    # ---------------------------------------------------------------- public API

    def set_plan(self, *, title: str | None = None, created: date | str | None = None,
                 description: str | None = None) -> None:
        """Set the plan's title, date and description."""
        with self._hold():
            if title is not None:
                self.title.value = title
            if created is not None:
                self.created.value = _as_date(created)
            if description is not None:
                self.description.value = description
        self._changed()

    def add_focus(self, focus: str = "", description: str | None = None) -> int:
        """Add a focus area; returns its index (from 0)."""
        f = _FocusForm(self)
        with self._hold():
            f.focus.value = focus or ""
            f.description.value = description or ""
        self.focus_forms.append(f)
        self.focus_box.children = [x.box for x in self.focus_forms]
        self._changed()
        return len(self.focus_forms) - 1

    def set_focus(self, index: int, *, focus: str | None = None,
                  description: str | None = None) -> None:
        """Change the name or description of focus area ``index``."""
        f = self.focus_forms[index]
        with self._hold():
            if focus is not None:
                f.focus.value = focus
            if description is not None:
                f.description.value = description
        self._changed()

    def remove_focus(self, index: int) -> None:
        """Remove focus area ``index`` with its goals."""
        self._remove_focus_form(self.focus_forms[index])

    def _remove_focus_form(self, f: _FocusForm) -> None:
        self.focus_forms.remove(f)
        self.focus_box.children = [x.box for x in self.focus_forms]
        self._changed()

    def add_goal(self, focus: int, **fields: Any) -> int:
        """Add a goal to focus area ``focus``; returns its index in the focus area.

        Fields (all optional): ``goal`` (text), ``indicator`` (an
        :class:`~llkit.documents.plans.Indicator`, a dict or a tuple ``(kind, measure[,
        department])``), ``baseline`` and ``target_round`` (rounds), ``target`` (a number
        on the plan's scale: shares as 0–1, e.g. 0.10; or the text a user would type,
        where shares are in percent: "10"), ``signs`` (list of texts) and ``actions``
        (list of ``(what, who, deadline)``, dicts or :class:`~llkit.documents.plans.Action`).
        """
        f = self.focus_forms[focus]
        with self._hold():
            f.add_goal(**fields)
        self._changed()
        return len(f.goals) - 1

    def set_goal(self, focus: int, goal: int, **fields: Any) -> None:
        """Change fields of a goal (the same fields as :meth:`add_goal`)."""
        self.focus_forms[focus].goals[goal].set(**fields)

    def remove_goal(self, focus: int, goal: int) -> None:
        """Remove a goal."""
        f = self.focus_forms[focus]
        f.remove_goal(f.goals[goal])

    def add_action(self, focus: int, goal: int, what: str, who: str,
                   deadline: date | str) -> None:
        """Add an action to a goal."""
        self.focus_forms[focus].goals[goal].add_action(what, who, deadline)

    def remove_action(self, focus: int, goal: int, action: int) -> None:
        """Remove an action of a goal."""
        g = self.focus_forms[focus].goals[goal]
        g.remove_action(g.actions[action])

    def add_candidate(self, index: int) -> int:
        """Add candidate ``index`` of :func:`llkit.documents.plans.focus_candidates` as a focus area
        with one goal (indicator, baseline, proposed target; next round); returns the
        focus area's index."""
        r = self._candidates.iloc[int(index)]
        draft = _plans.new_plan(self.ds, self.institution, round=str(r["round"]))
        match = [fa for fa in draft.focus_areas
                 if fa.goals and fa.goals[0].indicator.kind == r["kind"]
                 and (fa.goals[0].indicator.measure or None) ==
                 (None if pd.isna(r["measure_id"]) else r["measure_id"])]
        fa = match[0]
        g = fa.goals[0]
        with self._hold():
            fi = self.add_focus(fa.focus, fa.description)
            self.add_goal(fi, goal=g.goal, indicator=g.indicator, baseline=g.baseline,
                          target=g.target, target_round=g.target_round)
        self._changed()
        return fi

    def to_plan(self) -> Plan:
        """The plan as it stands in the editor (may be incomplete; see :meth:`check`)."""
        return Plan(institution=self.institution, title=self.title.value.strip() or None,  # type: ignore[arg-type]
                    created=self.created.value,
                    focus_areas=[f.value() for f in self.focus_forms],
                    description=self.description.value.strip() or None, path=self.path)

    def check(self) -> pd.DataFrame:
        """Every problem of the plan as it stands, in Danish: the editor's own (a target
        that is not a number) and ``validate_plan(plan, ds, lang="da")``'s."""
        plan = self.to_plan()
        own = []
        for i, f in enumerate(self.focus_forms):
            for j, g in enumerate(f.goals):
                _, problem = g.target_value()
                if problem:
                    col = f"focus_areas[{i + 1}].goals[{j + 1}].target"
                    own.append({"severity": "error", "file": None, "line": None,
                                "column": where_da(col, plan),
                                "value": g.target.value, "problem": problem[0],
                                "action": problem[1]})
        da = _plans.validate_plan(plan, self.ds, lang="da")
        # the editor's own problem replaces validate_plan's for the same target
        da = da[~da["column"].isin({o["column"] for o in own})]
        if own:
            da = pd.concat([pd.DataFrame(own), da], ignore_index=True)
            da = da.sort_values("severity", key=lambda s: s.map({"error": 0}).fillna(1),
                                kind="stable").reset_index(drop=True)
        return da[PROBLEM_COLUMNS]

    def save(self, path: str | Path | None = None, *, confirm: bool = False) -> Path:
        """Validate the plan and write it as YAML (atomically).

        Parameters
        ----------
        path : str or Path, optional
            Default :attr:`path`.
        confirm : bool, default False
            Must be True to replace an existing file.

        Returns
        -------
        Path

        Raises
        ------
        PlanError
            The plan has errors (``.problems`` in Danish); nothing is written.
        FileExistsError
            The file exists and ``confirm`` is False; nothing is written.
        """
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("Der er ikke valgt en fil at gemme i: angiv out= (fx "
                             "plans/I01.yaml).")
        problems = self.check()
        errors = problems[problems["severity"] == "error"]
        if len(errors):
            raise PlanError(problems, f"Handleplanen er ikke gemt: {len(errors)} "
                            f"{'fejl skal' if len(errors) > 1 else 'fejl skal'} rettes først "
                            f"({errors['column'].iloc[0]}: {errors['problem'].iloc[0]})")
        if target.exists() and not confirm:
            raise FileExistsError(f"Filen {target} findes allerede. Den overskrives kun, når I "
                                  "bekræfter (knappen »Ja, overskriv filen«, eller "
                                  "save(confirm=True)).")
        plan = self.to_plan()
        written = _plans.write_plan(plan, target)
        self.path = target
        self._refresh_followup()
        return written

    # ---------------------------------------------------------------- buttons

    def _hide_confirm(self) -> None:
        if hasattr(self, "confirm_box"):
            self.confirm_box.layout.display = "none"

    def _click_save(self, confirm: bool) -> None:
        self._hide_confirm()
        try:
            written = self.save(confirm=confirm)
        except PlanError as exc:
            self.message.value = (f"<p style='color:#b3261e'><b>{_esc(exc.args[0])}.</b> Se "
                                  "listen under »Tjek af planen«. Der er ikke gemt noget.</p>")
            self.problems_view.value = problems_block(exc.problems).html
        except FileExistsError:
            self.message.value = (f"<p style='color:#7a5a00'><b>Filen {_esc(self.path)} findes "
                                  "allerede.</b> Vil I erstatte den med planen her? Den gamle "
                                  "version kan ikke hentes tilbage.</p>")
            self.confirm_box.layout.display = None
        except OSError as exc:
            self.message.value = (f"<p style='color:#b3261e'><b>Planen kunne ikke gemmes:</b> "
                                  f"{_esc(exc)}</p>")
        else:
            self.message.value = (f"<p style='color:#006d4e'><b>✓ Handleplanen er gemt i "
                                  f"{_esc(written)}.</b> Opfølgningen nedenfor er opdateret."
                                  "</p>")

    # ---------------------------------------------------------------- follow-up

    def followup(self) -> FollowUp:
        """The follow-up view of the saved plan (:func:`followup`)."""
        if self.path is None or not self.path.is_file():
            return _no_plan(self.ds, self.institution, self.path)
        return followup(self.ds, self.path, institution=self.institution)

    def followup_view(self) -> None:
        """Display :meth:`followup`, and update it in place each time the plan is saved."""
        from IPython.display import display

        self._display_handle = display(self.followup(), display_id=True)

    def _refresh_followup(self) -> None:
        if self._display_handle is not None:
            self._display_handle.update(self.followup())

    # ---------------------------------------------------------------- display

    def _repr_mimebundle_(self, include: Iterable[str] | None = None,
                          exclude: Iterable[str] | None = None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        note = (f"<p>{self.origin()}</p>"
                '<p class="llkit-note">Redigeringen sker i de interaktive felter, som vises, '
                "når notesbogen kører i Jupyter. Her ses planen, som den står nu.</p>")
        bundle["text/html"] = note + plan_block(self.ds, self.to_plan()).html + \
            problems_block(self.check()).html
        bundle["text/plain"] = f"Handleplan for {self.name} ({self.institution})"
        return bundle

    def __repr__(self) -> str:
        return f"PlanEditor({self.institution!r}, path={str(self.path)!r})"

