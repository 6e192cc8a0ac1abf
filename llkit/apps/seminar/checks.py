"""Check results (:class:`Result`), the kinds of answers, the registry and :func:`check`."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.apps import exercises as ex
from llkit.apps.seminar.context import _BadAnswer, _context, _Ctx, _Skip

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


RIGHT, WRONG, EMPTY, SKIPPED = "rigtigt", "forkert", "ikke besvaret", "springes over"
_TITLES = {RIGHT: "Rigtigt", WRONG: "Ikke helt", EMPTY: "Ikke besvaret endnu",
           SKIPPED: "Springes over"}
_ICONS = {RIGHT: "✔", WRONG: "✘", EMPTY: "…", SKIPPED: "–"}
_COLOURS = {RIGHT: ("#17612f", "#e6f4ea"), WRONG: ("#8a3b00", "#fdf0e6"),
            EMPTY: ("#444", "#f1f4f8"), SKIPPED: ("#444", "#f1f4f8")}
_EMPTY_MESSAGE = "skriv jeres svar i cellen ovenfor (svar = …), og kør cellerne igen."


@dataclass(frozen=True)
class Result:
    """What :func:`check` says about one answer; shows itself in a notebook.

    Attributes
    ----------
    check_id : str
    status : str
        ``"rigtigt"``, ``"forkert"``, ``"ikke besvaret"`` or ``"springes over"`` (the
        data lack what the exercise needs).
    message : str
        Specific Danish feedback.
    hint : str
        A hint, shown with wrong answers.
    """

    check_id: str
    status: str
    message: str
    hint: str = ""

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == RIGHT

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        text = f"{_TITLES[self.status]} – {self.message}"
        if self.status == WRONG and self.hint:
            text += f"\nTip: {self.hint}"
        return text

    def __repr__(self) -> str:
        return f"{_ICONS[self.status]} {self}"

    def _repr_html_(self) -> str:
        fg, bg = _COLOURS[self.status]
        hint = (f'<p style="margin:0.3em 0 0"><b>Tip:</b> {html.escape(self.hint)}</p>'
                if self.status == WRONG and self.hint else "")
        return (f'<div class="llkit-seminar-check" data-check="{html.escape(self.check_id)}" '
                f'data-status="{html.escape(self.status)}" style="color:{fg};background:{bg};'
                f'padding:0.5em 0.8em;border-radius:3px;margin:0.4em 0">'
                f'<b>{_ICONS[self.status]} {_TITLES[self.status]}</b> – '
                f'{html.escape(self.message)}{hint}</div>')


# ======================================================================================
# kinds of checks
# ======================================================================================


@dataclass
class _Number:
    """A numeric answer: ``correct`` ± ``tolerance``; ``wrong`` are typical mistakes."""

    correct: float
    tolerance: float
    decimals: int = 1
    unit: str = ""
    wrong: list[tuple[float, float, str]] = field(default_factory=list)
    explain: str = ""

    def evaluate(self, answer: Any) -> ex.Feedback:
        x = _scalar(answer)
        if isinstance(x, float) and math.isnan(x):
            raise _BadAnswer("Jeres svar er tomt (NaN). Måske er tallet skjult, fordi gruppen er "
                             "for lille – eller filteret fandt ingen rækker.")
        wrong = self.wrong_list()
        xf = ex.parse_number(x)
        if xf is not None:  # the closest typical mistake wins when several match
            wrong.sort(key=lambda w: abs(xf - w[0]))
        fb = ex.check_number(x, self.correct, self.tolerance, wrong=wrong,
                             decimals=self.decimals, unit=self.unit)
        if fb.correct and self.explain:
            return ex.Feedback(True, f"{fb.message} {self.explain}")
        return fb

    def wrong_list(self) -> list[tuple[float, float, str]]:
        return [(v, t, m) for v, t, m in self.wrong
                if v is not None and np.isfinite(v) and abs(v - self.correct) > self.tolerance + 1e-9]

    def solution(self) -> Any:
        return self.correct

    def typical(self) -> list[tuple[Any, str]]:
        """Typical wrong answers that the check can tell apart, with their message."""
        out: list[tuple[Any, str]] = []
        for v, _t, m in self.wrong_list():
            if not any(abs(v - sv) < 1e-9 for sv, _ in out):
                out.append((v, m))
        return out


@dataclass
class _Choice:
    """One option (or unit) out of several; ``aliases`` map other spellings to ids."""

    correct: str | set[str]
    feedback: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    unit: bool = False
    explain: str = ""
    rest: dict[str, str] = field(default_factory=dict)

    def normalise(self, answer: Any) -> str:
        a = str(_scalar(answer)).strip()
        low = a.lower()
        table = {k.lower(): v for k, v in self.aliases.items()}
        return table.get(low, a)

    def evaluate(self, answer: Any) -> ex.Feedback:
        a = self.normalise(answer)
        func = ex.check_unit if self.unit else ex.check_choice
        fb = func(a, self.correct, {**self.rest, **self.feedback})
        if fb.correct and self.explain:
            msg = self.feedback.get(a) or self.explain
            return ex.Feedback(True, msg if msg == self.explain else f"{msg} {self.explain}")
        return fb

    def solution(self) -> Any:
        return sorted(self.correct)[0] if isinstance(self.correct, set) else self.correct

    def typical(self) -> list[tuple[Any, str]]:
        ok = self.correct if isinstance(self.correct, set) else {self.correct}
        out = [(k, v) for k, v in self.feedback.items() if k not in ok]
        return out + list(self.rest.items())[:1]


@dataclass
class _Custom:
    """Any answer, checked by a function; ``typical`` lists mistakes and their message."""

    correct: Any
    evaluate: Callable[[Any], ex.Feedback]
    typical_answers: Callable[[], list[tuple[Any, str]]] = list

    def solution(self) -> Any:
        return self.correct

    def typical(self) -> list[tuple[Any, str]]:
        return self.typical_answers()


def _scalar(answer: Any) -> Any:
    """A single value out of a one-element Series, array, list or 1×1 table."""
    if isinstance(answer, pd.DataFrame):
        if answer.size == 1:
            return _scalar(answer.iloc[0, 0])
        raise _BadAnswer(f"Jeres svar er en tabel med {len(answer)} rækker og "
                         f"{answer.shape[1]} kolonner. Vælg den ene værdi, fx med "
                         ".loc[række, kolonne] eller .item().")
    if isinstance(answer, pd.Series | pd.Index | np.ndarray | list | tuple):
        values = list(np.asarray(answer, dtype=object).ravel())
        if len(values) == 1:
            return _scalar(values[0])
        raise _BadAnswer(f"Jeres svar indeholder {len(values)} værdier. Vælg jeres egen række "
                         "(filtrér fx på institution_id == institution) og tag værdien med "
                         ".item().")
    if isinstance(answer, np.generic):
        return answer.item()
    return answer


# ======================================================================================
# the registry
# ======================================================================================


@dataclass(frozen=True)
class SeminarCheck:
    """One exercise check of a seminar notebook.

    Attributes
    ----------
    id : str
        Used in the notebooks: ``seminar.check("dag2_andel_lav", svar, ...)``.
    notebook : str
        Source notebook stem (``01_dag1_principper_og_data``).
    question : str
        The question in Danish (short).
    hint : str
        Shown with wrong answers.
    spec : callable
        ``spec(ctx)`` -> the correct answer and typical mistakes, computed from the data.
    """

    id: str
    notebook: str
    question: str
    hint: str
    spec: Callable[[_Ctx], Any] = field(repr=False)

    def prepare(self, ds: Dataset, institution: str, *, measure: str | None = None,
                round: str | None = None, teams: str | Sequence[str] | None = None,
                **extra: Any) -> Any:
        """The check's specification for this data: ``.solution()`` is a correct answer,
        ``.typical()`` lists typical wrong answers with (part of) their feedback,
        ``.evaluate(answer)`` returns a :class:`llkit.apps.exercises.Feedback`. Raises
        ``_Skip`` when the data lack what the exercise needs."""
        return self.spec(_context(ds, institution, measure, round, teams, extra))


#: Every seminar check by id.
CHECKS: dict[str, SeminarCheck] = {}


def _register(id: str, notebook: str, question: str, hint: str
              ) -> Callable[[Callable[[_Ctx], Any]], Callable[[_Ctx], Any]]:
    def deco(func: Callable[[_Ctx], Any]) -> Callable[[_Ctx], Any]:
        if id in CHECKS:  # pragma: no cover - programming error
            raise ValueError(f"duplicate seminar check {id!r}")
        CHECKS[id] = SeminarCheck(id, notebook, question, hint, func)
        return func
    return deco


def check(check_id: str, answer: Any, *, ds: Dataset, institution: str,
          measure: str | None = None, round: str | None = None,
          teams: str | Sequence[str] | None = None, **extra: Any) -> Result:
    """Check a seminar answer against the correct answer computed from the data.

    Parameters
    ----------
    check_id : str
        One of :data:`CHECKS` (e.g. ``"dag2_andel_lav"``).
    answer : any
        The team's answer (``svar``); ``None`` means not answered yet.
    ds : Dataset
    institution : str
        The team's institution id.
    measure : str, optional
        The measure the exercise is about (default :func:`pick_measure`).
    round : str, optional
        Default: the institution's latest round.
    teams : list of str, optional
        The teams of a cluster meeting (default: the institution's cluster).

    Returns
    -------
    Result
        Displays itself in the notebook: "Rigtigt", "Ikke helt" with specific feedback and
        a hint, "Ikke besvaret endnu", or "Springes over" when the data lack what the
        exercise needs.
    """
    if check_id not in CHECKS:
        raise KeyError(f"unknown seminar check {check_id!r}; known: {', '.join(CHECKS)}")
    chk = CHECKS[check_id]
    empty = answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip())
    try:
        # first: can the data answer the exercise at all? (then say why not, even unanswered)
        spec = chk.prepare(ds, institution, measure=measure, round=round, teams=teams, **extra)
        if empty:
            return Result(check_id, EMPTY, _EMPTY_MESSAGE, chk.hint)
        fb = spec.evaluate(answer)
    except _Skip as skip:
        return Result(check_id, SKIPPED, str(skip))
    except _BadAnswer as bad:
        return Result(check_id, WRONG, str(bad), chk.hint)
    message = fb.message
    if fb.correct:  # the title already says "Rigtigt"
        message = re.sub(r"^Rigtigt\s*[:!–-]\s*", "", message) or message
    return Result(check_id, RIGHT if fb.correct else WRONG, message, chk.hint)
