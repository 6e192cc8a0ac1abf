"""Interactive exercises for the e-learning chapters and seminar notebooks.

Two layers:

- **check functions** — :func:`check_choice`, :func:`check_number`, :func:`check_unit` —
  are pure: they take the participant's answer and the correct answer (computed by llkit
  from the participant's own data) and return a :class:`Feedback` with a specific Danish
  message. They have no widgets and are tested on their own.
- **exercises** — :class:`MultipleChoice`, :class:`Numeric`, :class:`PickUnit`,
  :class:`InterpretPlot`, :class:`Reflection` — show themselves as ipywidgets (JupyterLab
  and Voila; no code needed) and call the check functions. ``q.submit(value)`` runs the
  same path as clicking "Tjek svar", so tests and seminar notebooks can drive them.
  A hint button is always there; the worked solution appears when the exercise is solved
  or after three wrong attempts. A :class:`Session` collects the exercises of a chapter,
  shows progress ("2 af 5 opgaver løst") and saves/exports answers and reflections (JSON,
  Markdown, HTML; downloads are ``data:`` URIs, nothing goes over the network).

Every exercise also carries a static HTML rendering, so an executed notebook converted to
HTML (:func:`llkit.apps.report.to_html`) shows the questions instead of widget placeholders.

Examples
--------
>>> check_number("3,4", 3.4, 0.05).correct
True
>>> check_number("4,1", 3.4, 0.05, wrong=[(4.1, 0.05, "Det er jeres højeste stue.")]).message
'Det er jeres højeste stue.'
>>> check_choice("b", "a", {"b": "Nej – b er gennemsnittet."}).message
'Nej – b er gennemsnittet.'
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llkit.present import text as tx

__all__ = [
    "Feedback",
    "parse_number",
    "check_choice",
    "check_number",
    "check_unit",
    "Exercise",
    "MultipleChoice",
    "Numeric",
    "PickUnit",
    "InterpretPlot",
    "Reflection",
    "Session",
    "MAX_ATTEMPTS",
]

#: Wrong attempts after which the worked solution is shown.
MAX_ATTEMPTS = 3

_EMPTY_CHOICE = "Vælg et svar, før du tjekker."
_EMPTY_NUMBER = "Skriv et tal i feltet, før du tjekker (fx 3,4)."

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


def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


# ----------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Feedback:
    """The result of checking one answer.

    Attributes
    ----------
    correct : bool
        Whether the answer is right.
    message : str
        Specific Danish feedback for this answer.
    valid : bool
        False when the answer was empty or could not be read (it does not count as an
        attempt).
    """

    correct: bool
    message: str
    valid: bool = True

    def _repr_html_(self) -> str:
        cls = "llkit-fb-ok" if self.correct else "llkit-fb-no"
        return f'<p class="{cls}">{_esc(self.message)}</p>'

    def __bool__(self) -> bool:
        return self.correct


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def parse_number(answer: Any) -> float | None:
    """Read a number typed by a participant, Danish or English style.

    Accepts a decimal comma ("3,4") or point ("3.4"), a Danish thousands point with a
    decimal comma ("1.234,5"), spaces, a leading "+" or a Unicode minus, and a trailing
    unit or "%" ("12 %", "3,4 point"). Returns ``None`` for empty or unreadable input.

    Parameters
    ----------
    answer : str, int or float

    Returns
    -------
    float or None

    Examples
    --------
    >>> parse_number("3,4"), parse_number(" -0.5 "), parse_number("1.234,5"), parse_number("12 %")
    (3.4, -0.5, 1234.5, 12.0)
    >>> parse_number(""), parse_number("abc")
    (None, None)
    """
    if answer is None or isinstance(answer, bool):
        return None
    if isinstance(answer, int | float):
        x = float(answer)
        return x if math.isfinite(x) else None
    s = str(answer).strip().replace("\u2212", "-").replace("\u2013", "-").replace("\xa0", " ")
    # a trailing unit or percent sign: "12 %", "3,4 point"
    s = re.sub(r"\s*(%|procent|procentpoint|point|[a-zA-ZæøåÆØÅ.]+)$", "", s) if re.search(r"\d", s) else s
    s = s.strip()
    if re.search(r"\d\s+\d", s) and not re.fullmatch(r"[+-]?\d{1,3}(\s\d{3})+([.,]\d*)?", s):
        return None  # "3 4" is two numbers; "1 234" is a thousands space
    s = s.replace(" ", "")
    if not s:
        return None
    if "," in s and "." in s:  # 1.234,5 (Danish) or 1,234.5 (English)
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "")
        else:
            s = s.replace(",", "")
    elif s.count(".") > 1:  # 1.234.567
        s = s.replace(".", "")
    elif s.count(",") > 1:
        return None
    if not _NUMBER.match(s):
        return None
    x = float(s.replace(",", "."))
    return x if math.isfinite(x) else None


def _close(x: float, target: float, tolerance: float) -> bool:
    eps = 1e-9 * max(1.0, abs(target))
    return abs(x - target) <= abs(tolerance) + eps


def _key(x: Any) -> str:
    return "" if x is None else str(x).strip()


def _correct_set(correct: Any) -> set[str]:
    if isinstance(correct, str) or not isinstance(correct, Iterable):
        return {_key(correct)}
    return {_key(c) for c in correct}


def check_choice(answer: Any, correct: Any, feedback: Mapping[Any, str] | None = None) -> Feedback:
    """Check a multiple-choice answer.

    Parameters
    ----------
    answer : str or None
        The chosen option (its id).
    correct : str or iterable of str
        The correct option, or several options that are all accepted.
    feedback : mapping, optional
        ``{option: "specific Danish message"}``; the message for the chosen option is
        returned (also for the correct one, as an explanation).

    Returns
    -------
    Feedback

    Examples
    --------
    >>> check_choice("a", "a").correct
    True
    >>> check_choice(None, "a").message
    'Vælg et svar, før du tjekker.'
    """
    fb = {_key(k): v for k, v in (feedback or {}).items()}
    a = _key(answer)
    if not a:
        return Feedback(False, _EMPTY_CHOICE, valid=False)
    if a in _correct_set(correct):
        return Feedback(True, fb.get(a) or "Rigtigt!")
    return Feedback(False, fb.get(a) or "Ikke rigtigt. Læs spørgsmålet igen, eller brug et tip.")


def check_unit(answer: Any, correct: Any, feedback: Mapping[Any, str] | None = None) -> Feedback:
    """Check a "pick the unit" answer (which department/institution/group is meant).

    Parameters
    ----------
    answer : str or None
        The chosen unit id.
    correct : str or iterable of str
        The correct unit id, or a set of ids that are all right (ties).
    feedback : mapping, optional
        ``{unit id: "specific Danish message"}``.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> check_unit("I01-2", {"I01-2", "I01-3"}).correct
    True
    """
    fb = {_key(k): v for k, v in (feedback or {}).items()}
    a = _key(answer)
    if not a:
        return Feedback(False, _EMPTY_CHOICE, valid=False)
    if a in _correct_set(correct):
        return Feedback(True, fb.get(a) or "Rigtigt – det er den enhed, der er tale om.")
    return Feedback(False, fb.get(a) or "Ikke den rigtige. Se på figuren eller tabellen igen.")


def check_number(
    answer: Any,
    correct: float,
    tolerance: float,
    *,
    wrong: Iterable[tuple[float, float, str]] = (),
    decimals: int = 1,
    unit: str = "",
) -> Feedback:
    """Check a numeric answer with a tolerance; Danish decimal comma accepted.

    Parameters
    ----------
    answer : str or number
        What the participant typed ("3,4", "3.4", "12 %").
    correct : float
        The right value (computed from the data).
    tolerance : float
        Accepted absolute difference (inclusive).
    wrong : iterable of (value, tolerance, message)
        Typical mistakes: an answer within ``tolerance`` of ``value`` gets ``message``.
        Checked in order, after the correct answer.
    decimals : int, default 1
        Decimals when the correct value is shown.
    unit : str, optional
        Unit shown after numbers ("point", "%", "børn").

    Returns
    -------
    Feedback

    Examples
    --------
    >>> check_number("3,45", 3.4, 0.05).correct
    True
    >>> check_number("5", 3.4, 0.05).message
    'Dit svar (5) er for højt. Prøv igen – eller brug et tip.'
    """
    u = f" {unit}" if unit else ""
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return Feedback(False, _EMPTY_NUMBER, valid=False)
    x = parse_number(answer)
    if x is None:
        return Feedback(False, f"»{str(answer).strip()}« kan ikke læses som et tal. Skriv fx 3,4.", valid=False)
    c = float(correct)
    if _close(x, c, tolerance):
        return Feedback(True, f"Rigtigt: {tx.fmt_number(c, decimals)}{u}.")
    for value, tol, message in wrong:
        if _close(x, float(value), float(tol)):
            return Feedback(False, message)
    shown = tx.fmt_number(x, _typed_decimals(answer) if isinstance(answer, str) else decimals)
    direction = "for højt" if x > c else "for lavt"
    return Feedback(False, f"Dit svar ({shown}{u}) er {direction}. Prøv igen – eller brug et tip.")


def _typed_decimals(answer: Any) -> int:
    s = str(answer).strip()
    m = re.search(r"[.,](\d+)\D*$", s)
    return min(len(m.group(1)), 3) if m else 0


# ----------------------------------------------------------------------------- exercises


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

    def _refresh(self) -> None:
        if self._w is None:
            return
        w = self._w
        w["status"].value = self._status_html()
        w["fb"].value = self.feedback._repr_html_() if self.feedback is not None else ""
        w["hint_html"].value = (f'<p class="llkit-hint"><b>Tip:</b> {_esc(self.hint)}</p>'
                                if self.hint_shown and self.hint else "")
        if self.solution_shown:
            w["sol"].value = f'<div class="llkit-solution"><b>Løsning:</b> {_esc(self.solution)}</div>'
        else:
            w["sol"].value = ""

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


# ----------------------------------------------------------------------------- session


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
        return _Displayable(w.HBox(list(self._progress)), static, "Fremskridt")

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
        return _Displayable(w.VBox(parts), static, "Eksport af svar og refleksioner")

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

    def __init__(self, widget, html_text: str, plain: str) -> None:
        self.widget = widget
        self.html = html_text
        self.plain = plain

    def _ipython_display_(self) -> None:
        from IPython.display import display

        bundle = dict(self.widget._repr_mimebundle_() or {})
        bundle["text/html"] = self.html
        bundle["text/plain"] = self.plain
        display(bundle, raw=True)
