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
from llkit.apps.exercises.checking import (
    Feedback,
    check_choice,
    check_number,
    check_unit,
    parse_number,
)
from llkit.apps.exercises.kinds import (
    MAX_ATTEMPTS,
    Exercise,
    InterpretPlot,
    MultipleChoice,
    Numeric,
    PickUnit,
    Reflection,
)
from llkit.apps.exercises.session import Session

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

