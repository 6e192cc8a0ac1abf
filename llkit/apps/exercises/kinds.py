"""The exercise kinds: :class:`Exercise` (state, attempts, hint/solution, widget frame)
and :class:`MultipleChoice`, :class:`PickUnit`, :class:`InterpretPlot`, :class:`Numeric`,
:class:`Reflection`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from llkit.apps.exercises.checking import (
    Feedback,
    _correct_set,
    _esc,
    check_choice,
    check_number,
    check_unit,
)
from llkit.present import text as tx

#: Wrong attempts after which the worked solution is shown.
MAX_ATTEMPTS = 3

_CSS = """
<style>
.llkit-ex { border: 1px solid #d0d7de; border-left: 4px solid #1f5f8b; border-radius: 4px;
  padding: 0.6em 1em; margin: 0.8em 0; background: #fbfcfd; }
.llkit-ex .llkit-ex-kicker { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.05em;
  color: #555; margin: 0; }
.llkit-ex .llkit-ex-q { font-weight: 600; margin: 0.3em 0 0.5em; }
.llkit-fb-ok { color: #17612f; background: #e6f4ea; padding: 0.4em 0.7em; border-radius: 3px; }
.llkit-fb-no { color: #8a3b00; background: #fdf0e6; padding: 0.4em 0.7em; border-radius: 3px; }
.llkit-hint { color: #333; background: #f1f4f8; padding: 0.4em 0.7em; border-radius: 3px; }
.llkit-solution { background: #eef5fb; border-left: 3px solid #1f5f8b; padding: 0.4em 0.8em; }
.llkit-progress { font-weight: 600; }
.llkit-ex img { max-width: 100%; height: auto; }
</style>
"""


def _figure_html(figure: Any) -> str:
    """A matplotlib figure, an object with ``_repr_html_`` or an HTML string as HTML."""
    if figure is None:
        return ""
    if isinstance(figure, str):
        return figure
    if hasattr(figure, "savefig"):
        from llkit.present.plots import svg_data_uri

        src = svg_data_uri(figure)
        try:
            import matplotlib.pyplot as plt

            plt.close(figure)
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
        return f'<figure class="llkit-figure"><img alt="Figur" src="{src}"></figure>'
    if hasattr(figure, "_repr_html_"):
        return figure._repr_html_()
    return f"<p>{_esc(figure)}</p>"


def _options(options: Any) -> list[tuple[str, str]]:
    """Options as (id, label) pairs from a list of labels, a mapping or a list of pairs."""
    if isinstance(options, Mapping):
        return [(str(k), str(v)) for k, v in options.items()]
    out = []
    for o in options:
        if isinstance(o, tuple | list) and len(o) == 2:
            out.append((str(o[0]), str(o[1])))
        else:
            out.append((str(o), str(o)))
    return out


class Exercise:
    """Base class: state, attempts, hint/solution logic and the widget frame.

    Subclasses define :meth:`check` (a pure check function call), :meth:`_input` (the
    input widget) and :meth:`_static_input` (HTML for static output).
    """

    kind = "Opgave"
    graded = True

    def __init__(self, id: str, question: str, *, hint: str = "", solution: str = "") -> None:
        self.id = str(id)
        self.question = str(question)
        self.hint = str(hint or "")
        self.solution = str(solution or "")
        self.attempts = 0          # valid, checked answers
        self.wrong = 0             # valid wrong answers
        self.solved = False
        self.answer: Any = None    # last submitted answer
        self.feedback: Feedback | None = None
        self.hint_shown = False
        self._listeners: list[Callable[[Exercise], None]] = []
        self._w: dict[str, Any] | None = None
        self.number: int | None = None

    # -- logic ---------------------------------------------------------------
    def check(self, value: Any) -> Feedback:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def solution_shown(self) -> bool:
        """Whether the worked solution is visible (solved, or three wrong attempts)."""
        return bool(self.solution) and (self.solved or self.wrong >= MAX_ATTEMPTS)

    def submit(self, value: Any) -> Feedback:
        """Check an answer exactly as clicking "Tjek svar" does, update state and widgets.

        Parameters
        ----------
        value : Any
            The answer (option id, number or text).

        Returns
        -------
        Feedback
        """
        fb = self.check(value)
        if fb.valid:
            self.attempts += 1
            self.answer = value
            if fb.correct:
                self.solved = True
            else:
                self.wrong += 1
        if not fb.correct and fb.valid and self.wrong >= MAX_ATTEMPTS and not self.solved:
            fb = Feedback(False, fb.message + " Se løsningen nedenfor.", valid=True)
        self.feedback = fb
        self._refresh()
        for f in list(self._listeners):
            f(self)
        return fb

    def show_hint(self) -> str:
        """Show the hint (as clicking "Tip" does) and return it."""
        self.hint_shown = True
        self._refresh()
        return self.hint

    def state(self) -> dict[str, Any]:
        """JSON-ready state: answer, attempts, solved."""
        ans = self.answer
        if ans is not None and not isinstance(ans, str | int | float | bool):
            ans = str(ans)
        return {"id": self.id, "type": type(self).__name__, "question": self.question,
                "answer": ans, "answer_text": self.answer_text(), "attempts": self.attempts,
                "solved": self.solved}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Restore the state saved by :meth:`state` (a previous session)."""
        self.answer = state.get("answer")
        self.attempts = int(state.get("attempts") or 0)
        self.solved = bool(state.get("solved"))
        self.wrong = self.attempts - (1 if self.solved else 0)
        self._refresh()

    def answer_text(self) -> str:
        """The last answer as the participant saw it."""
        return "" if self.answer is None else str(self.answer)

    def on_change(self, callback: Callable[[Exercise], None]) -> None:
        """Call ``callback(exercise)`` after every submit."""
        self._listeners.append(callback)

    # -- rendering -----------------------------------------------------------
    def _title(self) -> str:
        return f"{self.kind} {self.number}" if self.number else self.kind

    def _head_html(self) -> str:
        return (f'<p class="llkit-ex-kicker">{_esc(self._title())}</p>'
                f'<p class="llkit-ex-q">{_esc(self.question)}</p>')

    def _extra_html(self) -> str:
        return ""

    def _static_input(self) -> str:
        return ""

    def static_html(self) -> str:
        """The exercise as static HTML (for converted reports and as a display fallback)."""
        note = '<p class="llkit-note">Opgaven er interaktiv, når kapitlet åbnes i JupyterLab eller Voila.</p>'
        return (f'{_CSS}<div class="llkit-ex">{self._head_html()}{self._extra_html()}'
                f"{self._static_input()}{note}</div>")

    def _status_html(self) -> str:
        if self.solved:
            tries = "første forsøg" if self.attempts <= 1 else f"{self.attempts}. forsøg"
            return f'<span style="color:#17612f">✔ Løst ({tries})</span>'
        if self.attempts:
            return f'<span style="color:#555">Forsøg: {self.attempts}</span>'
        return ""

    def _input(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _value(self) -> Any:
        return self._w["input"].value if self._w else None

    def widget(self):
        """The ipywidgets box (built once)."""
        if self._w is None:
            import ipywidgets as w

            inp = self._input()
            check = w.Button(description="Tjek svar", button_style="primary", icon="check",
                             layout=w.Layout(width="auto"))
            hint = w.Button(description="Tip", icon="lightbulb-o", layout=w.Layout(width="auto"),
                            disabled=not self.hint)
            status = w.HTML()
            fb = w.HTML()
            hint_html = w.HTML()
            sol = w.HTML()
            check.on_click(lambda _b: self.submit(self._value()))
            hint.on_click(lambda _b: self.show_hint())
            head = w.HTML(_CSS + self._head_html() + self._extra_html())
            box = w.VBox([head, inp, w.HBox([check, hint, status]), fb, hint_html, sol],
                         layout=w.Layout(border="1px solid #d0d7de", padding="6px 12px", margin="10px 0"))
            box.add_class("llkit-ex")
            self._w = {"box": box, "input": inp, "check": check, "hint": hint, "status": status,
                       "fb": fb, "hint_html": hint_html, "sol": sol}
            self._refresh()
        return self._w["box"]

    def parts(self) -> dict[str, str]:
        """The HTML of the parts that change as the participant works: ``status``,
        ``fb`` (the last feedback), ``hint_html`` (once asked for) and ``sol`` (the
        worked solution, once solved or after three wrong attempts; empty before).

        The widgets show these, and so does the kernel-less chapter page of
        ``llkit serve`` (:mod:`llkit.apps.serve.chapters`), which gets them from the
        server after each answer: the solution never reaches a page before it is due.
        """
        return {
            "status": self._status_html(),
            "fb": self.feedback._repr_html_() if self.feedback is not None else "",
            "hint_html": (f'<p class="llkit-hint"><b>Tip:</b> {_esc(self.hint)}</p>'
                          if self.hint_shown and self.hint else ""),
            "sol": (f'<div class="llkit-solution"><b>Løsning:</b> {_esc(self.solution)}</div>'
                    if self.solution_shown else ""),
        }

    def _refresh(self) -> None:
        if self._w is None:
            return
        for name, value in self.parts().items():
            self._w[name].value = value

    # -- the page without a kernel (llkit serve) ------------------------------
    #: Label of the check button.
    check_label = "Tjek svar"

    def _form_input(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def form_html(self) -> str:
        """The exercise as an HTML form for a page without a kernel: the question, the
        input, "Tjek svar" and "Tip" buttons and empty places for status, feedback, hint
        and solution. It holds no answer key (no correct answer, feedback per option or
        solution); the hint is in it, hidden until asked for."""
        hint = (f'<button type="button" class="llkit-btn llkit-hint-btn">Tip</button>'
                if self.hint else "")
        hint_text = (f'<p class="llkit-hint" hidden><b>Tip:</b> {_esc(self.hint)}</p>' if self.hint else "")
        return (f'<div class="llkit-ex llkit-ex-form" data-ex="{_esc(self.id)}" '
                f'data-kind="{_esc(type(self).__name__)}">{self._head_html()}{self._extra_html()}'
                f'<div class="llkit-ex-input">{self._form_input()}</div>'
                f'<div class="llkit-ex-buttons"><button type="button" class="llkit-btn llkit-btn-primary '
                f'llkit-check">{_esc(self.check_label)}</button>{hint}'
                f'<span class="llkit-ex-part" data-part="status"></span></div>'
                f'<div class="llkit-ex-part" data-part="fb" aria-live="polite"></div>{hint_text}'
                f'<div class="llkit-ex-part" data-part="sol"></div></div>')

    def _ipython_display_(self) -> None:
        from IPython.display import display

        box = self.widget()
        bundle = dict(box._repr_mimebundle_() or {})
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = f"{self._title()}: {self.question}"
        display(bundle, raw=True)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.id!r}, solved={self.solved}, attempts={self.attempts})"


class _Choice(Exercise):
    """Radio-button exercises (multiple choice, pick the unit, interpret the plot)."""

    def __init__(self, id, question, options, correct, *, hint="", solution="", feedback=None) -> None:
        super().__init__(id, question, hint=hint, solution=solution)
        self.options = _options(options)
        ids = {k for k, _ in self.options}
        self.correct = correct
        missing = _correct_set(correct) - ids
        if missing:
            raise ValueError(f"correct answer(s) {sorted(missing)} not among the options {sorted(ids)}")
        self.feedback_map = dict(feedback or {})

    def check(self, value: Any) -> Feedback:
        return check_choice(value, self.correct, self.feedback_map)

    def _input(self):
        import ipywidgets as w

        return w.RadioButtons(options=[(label, key) for key, label in self.options], value=None,
                              layout=w.Layout(width="max-content"))

    def _static_input(self) -> str:
        items = "".join(f"<li>{_esc(label)}</li>" for _, label in self.options)
        return f'<ul class="llkit-options">{items}</ul>'

    def _form_input(self) -> str:
        name = _esc(f"llkit-{self.id}")
        return "".join(f'<label class="llkit-option"><input type="radio" name="{name}" value="{_esc(key)}"> '
                       f"{_esc(label)}</label>" for key, label in self.options)

    def answer_text(self) -> str:
        labels = dict(self.options)
        return "" if self.answer is None else labels.get(str(self.answer), str(self.answer))

    def correct_text(self) -> str:
        labels = dict(self.options)
        return " / ".join(labels[c] for c in sorted(_correct_set(self.correct)) if c in labels)


class MultipleChoice(_Choice):
    """A multiple-choice question.

    Parameters
    ----------
    id : str
        Unique within the chapter.
    question : str
        Danish question.
    options : list of str, list of (id, label) or mapping id -> label
    correct : str or set of str
        The correct option id(s).
    hint, solution : str
        Danish hint (always available) and worked answer (after solving or 3 wrong tries).
    feedback : mapping, optional
        Specific message per option.

    Examples
    --------
    >>> q = MultipleChoice("q1", "Hvad er 1+1?", ["1", "2"], "2", hint="Tæl", solution="2")
    >>> q.submit("1").correct, q.submit("2").correct, q.solved, q.attempts
    (False, True, True, 2)
    """

    kind = "Opgave"


class PickUnit(_Choice):
    """Pick the department, institution or group a statement is about.

    Parameters
    ----------
    id, question : str
    units : mapping unit id -> label
    correct : str or set of str
        The right unit id (several when tied).
    hint, solution, feedback : see :class:`MultipleChoice`
    """

    kind = "Opgave"

    def __init__(self, id, question, units, correct, *, hint="", solution="", feedback=None) -> None:
        super().__init__(id, question, units, correct, hint=hint, solution=solution, feedback=feedback)

    def check(self, value: Any) -> Feedback:
        return check_unit(value, self.correct, self.feedback_map)


class InterpretPlot(_Choice):
    """Read a figure and choose the right interpretation.

    Parameters
    ----------
    id, question : str
    figure : matplotlib Figure, HTML string or object with ``_repr_html_``
        Shown above the options (inlined as SVG; the figure is closed).
    options, correct, hint, solution, feedback : see :class:`MultipleChoice`
    """

    kind = "Opgave"

    def __init__(self, id, question, figure, options, correct, *, hint="", solution="", feedback=None) -> None:
        super().__init__(id, question, options, correct, hint=hint, solution=solution, feedback=feedback)
        self.figure_html = _figure_html(figure)

    def _extra_html(self) -> str:
        return self.figure_html


class Numeric(Exercise):
    """A number to compute or read off, checked with a tolerance.

    Parameters
    ----------
    id, question : str
    correct : float
    tolerance : float
        Accepted absolute difference (inclusive).
    hint, solution : str
    wrong : iterable of (value, tolerance, message)
        Typical mistakes and their specific feedback.
    unit : str, optional
    decimals : int, default 1

    Examples
    --------
    >>> q = Numeric("n", "Hvor mange?", 3.4, 0.05, hint="", solution="3,4")
    >>> q.submit("3,4").correct
    True
    """

    kind = "Opgave"

    def __init__(self, id, question, correct, tolerance, *, hint="", solution="", wrong=(), unit="",
                 decimals=1) -> None:
        super().__init__(id, question, hint=hint, solution=solution)
        self.correct = float(correct)
        self.tolerance = float(tolerance)
        self.wrong_answers = [(float(v), float(t), str(m)) for v, t, m in wrong]
        self.unit = str(unit or "")
        self.decimals = int(decimals)

    def check(self, value: Any) -> Feedback:
        return check_number(value, self.correct, self.tolerance, wrong=self.wrong_answers,
                            decimals=self.decimals, unit=self.unit)

    def _input(self):
        import ipywidgets as w

        txt = w.Text(value="", placeholder="Skriv et tal, fx 3,4", layout=w.Layout(width="14em"))
        if self.unit:
            return w.HBox([txt, w.HTML(f"&nbsp;{_esc(self.unit)}")])
        return txt

    def _value(self) -> Any:
        if not self._w:
            return None
        inp = self._w["input"]
        return inp.children[0].value if hasattr(inp, "children") else inp.value

    def _static_input(self) -> str:
        u = f" {_esc(self.unit)}" if self.unit else ""
        return f"<p>Svar: ______{u}</p>"

    def _form_input(self) -> str:
        u = f"&nbsp;{_esc(self.unit)}" if self.unit else ""
        return ('<input type="text" class="llkit-number" inputmode="decimal" autocomplete="off" '
                f'placeholder="Skriv et tal, fx 3,4" aria-label="Jeres svar">{u}')

    def correct_text(self) -> str:
        u = f" {self.unit}" if self.unit else ""
        return f"{tx.fmt_number(self.correct, self.decimals)}{u}"


class Reflection(Exercise):
    """A free-text reflection for the leadership team (not graded; saved and exported).

    Parameters
    ----------
    id : str
    prompt : str
        The Danish prompt.

    Examples
    --------
    >>> r = Reflection("r1", "Hvad overrasker jer?")
    >>> r.submit("At stuerne er så forskellige.").correct, r.text
    (True, 'At stuerne er så forskellige.')
    """

    kind = "Refleksion"
    graded = False

    def __init__(self, id: str, prompt: str) -> None:
        super().__init__(id, prompt)
        self.text = ""

    def check(self, value: Any) -> Feedback:
        t = "" if value is None else str(value).strip()
        if not t:
            return Feedback(False, "Skriv jeres refleksion i feltet, før I gemmer.", valid=False)
        return Feedback(True, "Refleksionen er gemt i denne session. Husk at gemme eller eksportere.")

    def submit(self, value: Any) -> Feedback:
        t = "" if value is None else str(value).strip()
        if t:
            self.text = t
        fb = super().submit(value)
        return fb

    @property
    def solution_shown(self) -> bool:
        return False

    def answer_text(self) -> str:
        return self.text

    def restore(self, state: Mapping[str, Any]) -> None:
        self.text = str(state.get("answer_text") or state.get("answer") or "")
        super().restore(state)
        if self._w is not None:
            self._w["input"].value = self.text

    def _status_html(self) -> str:
        return '<span style="color:#17612f">✔ Gemt</span>' if self.text else ""

    def _input(self):
        import ipywidgets as w

        return w.Textarea(value=self.text, placeholder="Skriv jeres refleksion her …",
                          layout=w.Layout(width="100%", height="7em"))

    def widget(self):
        box = super().widget()
        self._w["check"].description = "Gem refleksion"
        self._w["check"].icon = "save"
        self._w["hint"].layout.display = "none"
        return box

    def _static_input(self) -> str:
        return '<div style="border:1px dashed #999;min-height:4em;margin:0.4em 0"></div>'

    check_label = "Gem refleksion"

    def _form_input(self) -> str:
        return ('<textarea class="llkit-text" rows="5" placeholder="Skriv jeres refleksion her …" '
                'aria-label="Jeres refleksion"></textarea>')
