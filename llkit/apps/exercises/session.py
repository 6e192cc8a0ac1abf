"""A chapter's :class:`Session`: progress, saving and export of answers and reflections."""

from __future__ import annotations

import base64
import copy
import datetime as _dt
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from llkit.apps.exercises.checking import _esc
from llkit.apps.exercises.kinds import Exercise


class Session:
    """The exercises of one chapter for one institution: progress, saving and export.

    Parameters
    ----------
    chapter : str or int
        Chapter id, e.g. ``"01"`` or ``"seminar_dag1"``.
    institution : str
        Institution id (or name) the answers concern.
    title : str, optional
        Human title for exports ("Kapitel 2: Gennemsnit og fordelinger").
    store : str or Path, optional
        A JSON file. Loaded when it exists (answers and reflections come back) and
        written after every answer.

    Examples
    --------
    >>> from llkit.apps.exercises import Numeric
    >>> s = Session("01", "I01")
    >>> q = s.add(Numeric("n", "Hvor mange?", 3, 0, hint="", solution="3"))
    >>> _ = q.submit("3")
    >>> s.progress_text()
    '1 af 1 opgaver løst'
    """

    def __init__(self, chapter: Any, institution: Any, *, title: str | None = None,
                 store: str | Path | None = None) -> None:
        self.chapter = str(chapter)
        self.institution = str(institution)
        self.title = title or f"Kapitel {self.chapter}"
        self.store = Path(store) if store else None
        self.exercises: list[Exercise] = []
        self._saved: dict[str, Any] = {}
        self._progress = None
        self._export = None
        if self.store is not None and self.store.exists():
            try:
                loaded = json.loads(self.store.read_text(encoding="utf-8"))
                self._saved = {e["id"]: e for e in loaded.get("exercises", [])}
            except (OSError, ValueError, KeyError, TypeError):
                self._saved = {}

    # -- collection ----------------------------------------------------------
    def add(self, q: Exercise) -> Exercise:
        """Add an exercise (numbered in order) and return it."""
        if any(e.id == q.id for e in self.exercises):
            raise ValueError(f"duplicate exercise id {q.id!r} in chapter {self.chapter}")
        self.exercises.append(q)
        if q.graded:
            q.number = sum(1 for e in self.exercises if e.graded)
        if q.id in self._saved:
            q.restore(self._saved[q.id])
        q.on_change(self._changed)
        self._refresh()
        return q

    def __iter__(self):
        return iter(self.exercises)

    def __len__(self) -> int:
        return len(self.exercises)

    @property
    def graded(self) -> list[Exercise]:
        return [e for e in self.exercises if e.graded]

    @property
    def solved(self) -> int:
        return sum(1 for e in self.graded if e.solved)

    def progress_text(self) -> str:
        """'2 af 5 opgaver løst' (+ reflections written)."""
        s = f"{self.solved} af {len(self.graded)} opgaver løst"
        refl = [e for e in self.exercises if not e.graded]
        if refl:
            done = sum(1 for e in refl if e.answer_text())
            s += f" · {done} af {len(refl)} refleksioner skrevet"
        return s

    def _changed(self, _q: Exercise) -> None:
        self._refresh()
        if self.store is not None:
            try:
                self.save(self.store)
            except OSError:
                pass

    def _refresh(self) -> None:
        if self._progress is not None:
            self._progress[0].value = self.solved
            self._progress[0].max = max(1, len(self.graded))
            self._progress[1].value = f'<span class="llkit-progress">{_esc(self.progress_text())}</span>'
        if self._export is not None:
            self._export.value = self._export_html()

    # -- widgets -------------------------------------------------------------
    def progress_widget(self):
        """A progress bar with "2 af 5 opgaver løst", updated after every answer."""
        import ipywidgets as w

        if self._progress is None:
            bar = w.IntProgress(value=0, min=0, max=1, bar_style="success",
                                layout=w.Layout(width="16em"))
            label = w.HTML()
            self._progress = (bar, label)
            self._refresh()
        static = ('<p class="llkit-note">Jeres fremskridt (»2 af 5 opgaver løst«) vises her, når kapitlet er '
                  "åbent i JupyterLab eller Voila.</p>")
        return _Displayable(w.HBox(list(self._progress)), static, "Fremskridt", "progress")

    def export_widget(self):
        """Download links for the answers and reflections (Markdown, HTML, JSON) and, when
        the session has a ``store``, a save button. Links are ``data:`` URIs."""
        import ipywidgets as w

        if self._export is None:
            self._export = w.HTML()
            self._refresh()
        parts = [self._export]
        if self.store is not None:
            btn = w.Button(description="Gem svar", icon="save")
            msg = w.HTML()

            def save(_b):
                p = self.save(self.store)
                msg.value = f"Gemt i {_esc(p.name)}."
            btn.on_click(save)
            parts.append(w.HBox([btn, msg]))
        static = ('<p class="llkit-note">Når kapitlet er åbent i JupyterLab eller Voila, kan svar og '
                  "refleksioner hentes her som Markdown, HTML eller JSON og deles i ledelsesteamet.</p>")
        return _Displayable(w.VBox(parts), static, "Eksport af svar og refleksioner", "export")

    def _filename(self, ext: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", f"llkit_kapitel_{self.chapter}_{self.institution}")
        return f"{base}.{ext}"

    def _export_html(self) -> str:
        def link(data: str, mime: str, ext: str, label: str) -> str:
            b64 = base64.b64encode(data.encode("utf-8")).decode("ascii")
            return (f'<a download="{_esc(self._filename(ext))}" href="data:{mime};charset=utf-8;base64,{b64}" '
                    f'style="margin-right:1.2em">{_esc(label)}</a>')
        return ("<p><b>Del jeres svar og refleksioner:</b> "
                + link(self.to_markdown(), "text/markdown", "md", "Hent som Markdown")
                + link(self.to_html(), "text/html", "html", "Hent som HTML")
                + link(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), "application/json", "json",
                       "Hent som JSON")
                + "</p>")

    # -- a page without a kernel (llkit serve) -------------------------------
    def replay(self, states: Mapping[str, Any] | None = None, *, submit: tuple[str, Any] | None = None,
               hint: str | None = None) -> dict[str, Any]:
        """What the participant's page shows after an answer, computed on a copy.

        A page without a kernel (:mod:`llkit.apps.serve.chapters`) keeps each exercise's
        :meth:`Exercise.state` itself and sends it with every answer; this session (the
        chapter as drawn, never answered) is left unchanged, so one session serves every
        viewer of the same chapter and institution.

        Parameters
        ----------
        states : mapping exercise id -> state, optional
            The states the page holds (:meth:`Exercise.state`); unknown ids and states
            that cannot be read are ignored.
        submit : (exercise id, answer), optional
            An answer to check, exactly as clicking "Tjek svar" does.
        hint : str, optional
            An exercise whose hint was asked for.

        Returns
        -------
        dict
            ``states`` and ``parts`` (:meth:`Exercise.parts`) per exercise id,
            ``progress`` (:meth:`progress_text`), ``export`` (Markdown, HTML and JSON
            text) and ``files`` (their file names).

        Examples
        --------
        >>> from llkit.apps.exercises import Numeric
        >>> s = Session("01", "I01")
        >>> _ = s.add(Numeric("n", "Hvor mange?", 3, 0, solution="3"))
        >>> r = s.replay(submit=("n", "4"))
        >>> r["states"]["n"]["attempts"], r["progress"], s.exercises[0].attempts
        (1, '0 af 1 opgaver løst', 0)
        >>> s.replay(r["states"], submit=("n", "3"))["states"]["n"]["solved"]
        True
        """
        copy_ = Session(self.chapter, self.institution, title=self.title)
        states = states if isinstance(states, Mapping) else {}
        for e in self.exercises:
            q = copy.copy(e)
            q._listeners, q._w, q.feedback, q.hint_shown = [], None, None, False
            state = states.get(e.id)
            if isinstance(state, Mapping):
                try:
                    q.restore(state)
                except (TypeError, ValueError):
                    pass
            copy_.exercises.append(q)
        by_id = {q.id: q for q in copy_.exercises}
        if hint in by_id:
            by_id[hint].show_hint()
        if submit is not None and submit[0] in by_id:
            value = submit[1]
            by_id[submit[0]].submit(None if value is None else str(value))
        return {"states": {q.id: q.state() for q in copy_.exercises},
                "parts": {q.id: q.parts() for q in copy_.exercises},
                "progress": copy_.progress_text(),
                "export": {"md": copy_.to_markdown(), "html": copy_.to_html(),
                           "json": json.dumps(copy_.to_dict(), ensure_ascii=False, indent=2)},
                "files": {ext: copy_._filename(ext) for ext in ("md", "html", "json")}}

    # -- export --------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: chapter, institution, progress and every exercise's state."""
        return {"chapter": self.chapter, "institution": self.institution, "title": self.title,
                "saved": _dt.datetime.now().isoformat(timespec="seconds"),
                "progress": self.progress_text(), "exercises": [e.state() for e in self.exercises]}

    def save(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as JSON (UTF-8) and return the path."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        return p

    def load(self, path: str | Path) -> None:
        """Restore answers saved by :meth:`save` into the exercises already added."""
        loaded = json.loads(Path(path).read_text(encoding="utf-8"))
        saved = {e["id"]: e for e in loaded.get("exercises", [])}
        self._saved.update(saved)
        for e in self.exercises:
            if e.id in saved:
                e.restore(saved[e.id])
        self._refresh()

    def to_markdown(self) -> str:
        """Answers and reflections as Markdown, to share in the leadership team."""
        lines = [f"# {self.title}", "", f"Institution: {self.institution}  ", f"Status: {self.progress_text()}", ""]
        graded = self.graded
        if graded:
            lines += ["## Opgaver", ""]
            for e in graded:
                status = "løst" if e.solved else ("ikke besvaret" if not e.attempts else "ikke løst endnu")
                lines.append(f"{e.number}. **{e.question}**  ")
                lines.append(f"   Svar: {e.answer_text() or '–'} ({status}, {e.attempts} forsøg)")
                lines.append("")
        refl = [e for e in self.exercises if not e.graded]
        if refl:
            lines += ["## Refleksioner", ""]
            for e in refl:
                lines += [f"**{e.question}**", "", e.answer_text() or "_(ikke skrevet endnu)_", ""]
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self) -> str:
        """Answers and reflections as a small self-contained HTML page (no network)."""
        rows = []
        for e in self.graded:
            status = "løst" if e.solved else ("ikke besvaret" if not e.attempts else "ikke løst endnu")
            rows.append(f"<li><p><b>{_esc(e.question)}</b><br>Svar: {_esc(e.answer_text() or '–')} "
                        f"({status}, {e.attempts} forsøg)</p></li>")
        refl = "".join(f"<h3>{_esc(e.question)}</h3><p>{_esc(e.answer_text() or '(ikke skrevet endnu)')}</p>"
                       for e in self.exercises if not e.graded)
        body = (f"<h1>{_esc(self.title)}</h1><p>Institution: {_esc(self.institution)}<br>"
                f"Status: {_esc(self.progress_text())}</p>"
                + (f"<h2>Opgaver</h2><ol>{''.join(rows)}</ol>" if rows else "")
                + (f"<h2>Refleksioner</h2>{refl}" if refl else ""))
        return ('<!DOCTYPE html><html lang="da"><head><meta charset="utf-8">'
                f"<title>{_esc(self.title)}</title><style>body{{font-family:sans-serif;max-width:45em;"
                f"margin:2em auto;line-height:1.45}}</style></head><body>{body}</body></html>")

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.progress_widget())


class _Displayable:
    """A widget with a static HTML fallback for converted notebooks."""

    def __init__(self, widget, html_text: str, plain: str, role: str = "") -> None:
        self.widget = widget
        self.html = html_text
        self.plain = plain
        self.role = role   # "progress" or "export": what a page without a kernel puts here

    def _ipython_display_(self) -> None:
        from IPython.display import display

        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/html"] = self.html
        bundle["text/plain"] = self.plain
        display(bundle, raw=True)
