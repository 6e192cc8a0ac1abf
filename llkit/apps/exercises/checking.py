"""Pure check functions: a participant's answer against the correct one, as :class:`Feedback`.

No widgets here; :mod:`llkit.apps.exercises.kinds` calls these from its exercises.

Examples
--------
>>> check_number("3,4", 3.4, 0.05).correct
True
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from llkit.present import text as tx

_EMPTY_CHOICE = "Vælg et svar, før du tjekker."
_EMPTY_NUMBER = "Skriv et tal i feltet, før du tjekker (fx 3,4)."


def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


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

