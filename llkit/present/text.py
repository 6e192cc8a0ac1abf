"""Danish wording and number format for everything a daycare leader reads.

Numbers follow Danish typography: decimal comma, full stop as thousands separator, a
true minus sign (U+2212), a no-break space (U+00A0) before ``%``, an en dash (U+2013)
for ranges and for a missing value.

The ``describe_*`` functions turn a statistic with its interval into one or two short,
honest Danish sentences: a difference is only called a difference when it is larger
than the statistical uncertainty, and a change between rounds says whether it concerns
the same children.

Examples
--------
>>> fmt_number(1250.0, 0), fmt_number(-0.34), fmt_percent(0.123), fmt_interval(3.14, 3.56)
('1.250', '−0,3', '12\\xa0%', '3,1–3,6')
"""

from __future__ import annotations

import functools
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import pandas as pd

__all__ = [
    "MINUS",
    "NBSP",
    "DASH",
    "MISSING",
    "fmt_number",
    "fmt_int",
    "fmt_percent",
    "fmt_interval",
    "suppressed_text",
    "describe_difference",
    "describe_change",
    "describe_family",
    "describe_reliable_change",
    "describe_funnel_flag",
    "gap_trend",
    "describe_gap_change",
]

#: Minus sign (U+2212), not a hyphen.
MINUS = "\u2212"
#: No-break space (U+00A0), between a number and ``%``.
NBSP = "\u00a0"
#: En dash (U+2013), for ranges ("3,1–3,6").
DASH = "\u2013"
#: What a missing number is shown as.
MISSING = DASH


def _is_missing(x: Any) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _series_aware(func):
    """Let a scalar formatter also take a pandas Series (returns a Series of str)."""

    @functools.wraps(func)
    def wrapper(x: Any, *args: Any, **kwargs: Any):
        if isinstance(x, pd.Series | pd.Index):
            return pd.Series(
                [func(v, *args, **kwargs) for v in x],
                index=getattr(x, "index", None),
                dtype="object",
                name=getattr(x, "name", None),
            )
        return func(x, *args, **kwargs)

    return wrapper


def _round_half_up(x: float, decimals: int) -> Decimal:
    # 12 significant digits: the number as the user would write it (100 * 0.145 -> 14.5,
    # not 14.499999999999998), then rounded half up
    return Decimal(f"{float(x):.12g}").quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
    )


@_series_aware
def fmt_number(x: Any, decimals: int = 1, *, sign: bool = False) -> str:
    """A number in Danish format: ``3,4``, ``1.250``, ``−0,3``; missing as ``–``.

    Parameters
    ----------
    x : float, int, None or pandas.Series
        The number (a Series gives a Series of strings).
    decimals : int, default 1
        Decimals after rounding half up (2,45 -> 2,5).
    sign : bool, default False
        Show ``+`` before positive numbers (for differences and changes).

    Returns
    -------
    str

    Examples
    --------
    >>> fmt_number(3.35), fmt_number(1250, 0), fmt_number(-0.04), fmt_number(0.3, sign=True)
    ('3,4', '1.250', '0,0', '+0,3')
    """
    if _is_missing(x):
        return MISSING
    if math.isinf(float(x)):
        return ("" if x > 0 else MINUS) + "∞"
    d = _round_half_up(x, decimals)
    text = f"{abs(d):,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if d < 0:
        return MINUS + text
    if d > 0 and sign:
        return "+" + text
    return text


@_series_aware
def fmt_int(x: Any) -> str:
    """A whole number in Danish format: ``1.250``; missing as ``–``.

    Examples
    --------
    >>> fmt_int(2600), fmt_int(None)
    ('2.600', '–')
    """
    return fmt_number(x, 0)


@_series_aware
def fmt_percent(share: Any, decimals: int = 0, *, sign: bool = False) -> str:
    """A share (0-1) as a Danish percentage: ``12 %`` (no-break space); missing as ``–``.

    Examples
    --------
    >>> fmt_percent(0.123), fmt_percent(0.9985, 1)
    ('12\\xa0%', '99,9\\xa0%')
    """
    if _is_missing(share):
        return MISSING
    return f"{fmt_number(100 * float(share), decimals, sign=sign)}{NBSP}%"


def fmt_interval(lo: Any, hi: Any, decimals: int | None = None, *, percent: bool = False) -> str:
    """An interval: ``3,1–3,6``; with a negative bound ``−0,3 til 0,2``; missing as ``–``.

    Parameters
    ----------
    lo, hi : float
        The bounds (shares in 0-1 when ``percent``).
    decimals : int, optional
        Default 1, or 0 with ``percent``.
    percent : bool, default False
        Show shares as percentages: ``8–15 %``.

    Examples
    --------
    >>> fmt_interval(3.14, 3.56), fmt_interval(-0.34, 0.2), fmt_interval(0.08, 0.151, percent=True)
    ('3,1–3,6', '−0,3 til 0,2', '8–15\\xa0%')
    """
    if _is_missing(lo) or _is_missing(hi):
        return MISSING
    scale = 100.0 if percent else 1.0
    decimals = _decimals(decimals, percent)
    a = fmt_number(scale * float(lo), decimals)
    b = fmt_number(scale * float(hi), decimals)
    sep = " til " if a.startswith(MINUS) or b.startswith(MINUS) else DASH
    return f"{a}{sep}{b}" + (f"{NBSP}%" if percent else "")


def suppressed_text(min_n: int, noun: str = "børn", *, complementary: bool = False) -> str:
    """What is shown instead of a suppressed number.

    Parameters
    ----------
    min_n : int
        The suppression threshold.
    noun : str, default "børn"
        Plural noun for the persons ("elever", "medarbejdere").
    complementary : bool, default False
        The number is hidden only so that a small group cannot be recovered by
        subtraction (``suppressed_reason == "complementary"``).

    Examples
    --------
    >>> suppressed_text(5)
    'færre end 5 børn – vises ikke'
    >>> suppressed_text(5, noun="elever", complementary=True)
    'vises ikke, så tal for færre end 5 elever ikke kan regnes ud'
    """
    if complementary:
        return f"vises ikke, så tal for færre end {fmt_int(min_n)} {noun} ikke kan regnes ud"
    return f"færre end {fmt_int(min_n)} {noun} {DASH} vises ikke"


# ------------------------------------------------------------------------- sentences


def _decimals(decimals: int | None, percent: bool) -> int:
    if decimals is None:
        return 0 if percent else 1
    return decimals


def _contains_zero(lo: Any, hi: Any) -> bool:
    return float(lo) <= 0 <= float(hi)


def _level(confidence: float) -> str:
    pct = round(100 * confidence, 1)
    return fmt_number(pct, 0 if pct == int(pct) else 1) + f"{NBSP}%"


def _amount(x: float, decimals: int, percent: bool) -> tuple[str, str]:
    """Absolute amount with unit, and its rounded value as text."""
    if percent:
        num = fmt_number(abs(100 * x), decimals)
        return f"{num} procentpoint", num
    num = fmt_number(abs(x), decimals)
    return f"{num} point", num


def _tiny(decimals: int, percent: bool) -> str:
    """The smallest shown amount with its unit: "0,1 point", "1 procentpoint"."""
    return f"{fmt_number(10.0**-decimals, decimals)} {'procentpoint' if percent else 'point'}"


#: The sentence for a comparison whose own 95 % interval excludes 0 but that the document's
#: family decision (:mod:`llkit.stats.decision`) does not call real.
NOT_REAL_IN_FAMILY = (
    "{what} kan skyldes tilfældigheder: {pron} er ikke større end den statistiske usikkerhed, "
    "når man tager højde for, hvor mange tal der er sammenlignet."
)


def _interval_note(lo: float, hi: float, decimals: int, percent: bool, confidence: float) -> str:
    scale = 100.0 if percent else 1.0
    return f"{_level(confidence)}-interval: {fmt_interval(scale * lo, scale * hi, decimals)}"


def describe_difference(
    diff: float,
    ci_low: float,
    ci_high: float,
    *,
    name: str = "Dagtilbuddet",
    reference: str = "kommunen",
    decimals: int | None = None,
    percent: bool = False,
    confidence: float = 0.95,
    real: bool | None = None,
) -> str:
    """One or two sentences about a difference to a reference, honest about uncertainty.

    Parameters
    ----------
    diff, ci_low, ci_high : float
        The difference (unit minus reference) and its interval.
    name : str, default "Dagtilbuddet"
        Subject of the sentence (e.g. "Stue Myren", "Skolen").
    reference : str, default "kommunen"
        What it is compared with, in the form that follows "over"/"under".
    decimals : int, optional
        Default 1, or 0 with ``percent``.
    percent : bool, default False
        The values are differences of shares: shown in procentpoint.
    confidence : float, default 0.95
        Level of the interval (only for the wording).
    real : bool, optional
        The decision of the document's family of comparisons (:func:`llkit.stats.decision.decide`).
        Every llkit document passes it; only then may the sentence call the difference
        real. ``None`` judges this one comparison on its own by its interval (for a single,
        planned comparison). With ``real=False`` a difference whose own interval excludes
        0 is described as one that chance can explain.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_difference(0.31, 0.1, 0.52, real=False)
    'Dagtilbuddet ligger 0,3 point over kommunen. Forskellen kan skyldes tilfældigheder: den er ikke større end den statistiske usikkerhed, når man tager højde for, hvor mange tal der er sammenlignet.'
    >>> describe_difference(0.12, -0.1, 0.34)
    'Dagtilbuddet ligger 0,1 point over kommunen. Forskellen er mindre end den statistiske usikkerhed.'
    >>> describe_difference(-0.31, -0.52, -0.1, name="Stue Myren", reference="dagtilbuddet")
    'Stue Myren ligger 0,3 point under dagtilbuddet. Forskellen er større end den statistiske usikkerhed (95\\xa0%-interval: −0,5 til −0,1).'
    """
    if _is_missing(diff):
        return f"Der er ikke data nok til at sammenligne med {reference}."
    decimals = _decimals(decimals, percent)
    amount, num = _amount(diff, decimals, percent)
    rounds_to_zero = num.strip("0,") == ""
    if rounds_to_zero:
        first = f"{name} ligger på niveau med {reference}."
    else:
        first = f"{name} ligger {amount} {'over' if diff > 0 else 'under'} {reference}."
    if rounds_to_zero and not _is_missing(ci_low) and not _contains_zero(ci_low, ci_high):
        return f"{name} ligger på niveau med {reference}: forskellen er under {_tiny(decimals, percent)}."
    if _is_missing(ci_low) or _is_missing(ci_high):
        return f"{first} Der er for få data til at vurdere den statistiske usikkerhed."
    if _contains_zero(ci_low, ci_high):
        return f"{first} Forskellen er mindre end den statistiske usikkerhed."
    if real is False:
        return f"{first} " + NOT_REAL_IN_FAMILY.format(what="Forskellen", pron="den")
    note = _interval_note(ci_low, ci_high, decimals, percent, confidence)
    return f"{first} Forskellen er større end den statistiske usikkerhed ({note})."


def describe_change(
    change: float,
    ci_low: float,
    ci_high: float,
    *,
    paired: bool,
    n: int | None = None,
    from_round: str = "T1",
    to_round: str = "T2",
    noun: str = "børn",
    decimals: int | None = None,
    percent: bool = False,
    confidence: float = 0.95,
    real: bool | None = None,
) -> str:
    """Sentences about the change of a mean (or share) between two rounds.

    Parameters
    ----------
    change, ci_low, ci_high : float
        Change (later minus earlier round) and its interval.
    paired : bool
        True when the change is measured on the same children in both rounds.
    n : int, optional
        Number of children measured in both rounds (paired).
    from_round, to_round : str
        Round labels.
    noun : str, default "børn"
        Plural noun for the subjects ("elever", "medarbejdere").
    decimals, percent, confidence, real
        As in :func:`describe_difference`.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_change(0.24, 0.05, 0.43, paired=True, n=23)
    'Fra T1 til T2 er gennemsnittet steget 0,2 point for de samme 23 børn. Ændringen er større end den statistiske usikkerhed (95\\xa0%-interval: 0,1–0,4).'
    >>> describe_change(-0.1, -0.35, 0.15, paired=False)
    'Fra T1 til T2 er gennemsnittet faldet 0,1 point. Det er ikke de samme børn i de to runder, så ændringen kan også skyldes, at børnegruppen har ændret sig. Ændringen er mindre end den statistiske usikkerhed.'
    """
    if _is_missing(change):
        return f"Der er ikke data nok til at beskrive ændringen fra {from_round} til {to_round}."
    what = "andelen" if percent else "gennemsnittet"
    decimals = _decimals(decimals, percent)
    amount, num = _amount(change, decimals, percent)
    rounds_to_zero = num.strip("0,") == ""
    if rounds_to_zero:
        movement = f"er {what} uændret"
    else:
        movement = f"er {what} {'steget' if change > 0 else 'faldet'} {amount}"
    if paired:
        who = f" for de samme {fmt_int(n)} {noun}" if n is not None else f" for de samme {noun}"
        sentences = [f"Fra {from_round} til {to_round} {movement}{who}."]
    else:
        sentences = [
            f"Fra {from_round} til {to_round} {movement}.",
            f"Det er ikke de samme {noun} i de to runder, så ændringen kan også skyldes, "
            f"at {'børnegruppen' if noun == 'børn' else 'gruppen'} har ændret sig.",
        ]
    if _is_missing(ci_low) or _is_missing(ci_high):
        sentences.append("Der er for få data til at vurdere den statistiske usikkerhed.")
    elif rounds_to_zero and not _contains_zero(ci_low, ci_high):
        sentences.append(f"Ændringen er under {_tiny(decimals, percent)}.")
    elif _contains_zero(ci_low, ci_high):
        sentences.append("Ændringen er mindre end den statistiske usikkerhed.")
    elif real is False:
        sentences.append(NOT_REAL_IN_FAMILY.format(what="Ændringen", pron="den"))
    else:
        note = _interval_note(ci_low, ci_high, decimals, percent, confidence)
        sentences.append(f"Ændringen er større end den statistiske usikkerhed ({note}).")
    return " ".join(sentences)


def describe_family(
    comparisons: int,
    real: int,
    *,
    document: str = "Rapporten",
    what: str = "med kommunen, med den forrige måling og mellem grupper",
    alpha: float = 0.05,
) -> str:
    """How many comparisons a document made, and what chance alone would give.

    Parameters
    ----------
    comparisons : int
        Testable comparisons in the document's family (:func:`llkit.stats.decision.family_counts`).
    real : int
        How many of them the family decision calls real.
    document : str, default "Rapporten"
        Subject of the sentences ("Rapporten", "Materialet", "Oversigten").
    what : str
        What was compared, following "sammenlignet … tal".
    alpha : float, default 0.05
        The family-wise error rate of the decision.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_family(48, 0)
    'Rapporten har sammenlignet 48 tal med kommunen, med den forrige måling og mellem grupper. Hvis der ingen reelle forskelle var, ville man alligevel vente omkring 2,4 »forskelle« ved tilfældighed alene, hvis man så på hvert tal for sig. Derfor kalder rapporten kun en forskel sikker, når den holder, efter at der er taget højde for alle 48 sammenligninger – så er risikoen for blot én falsk sikker forskel under 5\xa0%. Ingen af forskellene er sikre efter den regel.'
    >>> describe_family(1, 1, document="Opgaven", what="med kommunen")
    'Opgaven har sammenlignet 1 tal med kommunen. 1 forskel er sikker.'
    """
    n, k = int(comparisons), int(real)
    first = f"{document} har sammenlignet {fmt_int(n)} tal {what}."
    if n <= 1:
        return f"{first} " + ("1 forskel er sikker." if k else "Forskellen er ikke sikker.")
    chance = fmt_number(alpha * n, 1)
    doc = document[0].lower() + document[1:]
    middle = (f" Hvis der ingen reelle forskelle var, ville man alligevel vente omkring {chance} "
              "»forskelle« ved tilfældighed alene, hvis man så på hvert tal for sig. Derfor kalder "
              f"{doc} kun en forskel sikker, når den holder, efter at der er taget højde for alle "
              f"{fmt_int(n)} sammenligninger – så er risikoen for blot én falsk sikker forskel "
              f"under {fmt_percent(alpha)}.")
    if k == 0:
        last = " Ingen af forskellene er sikre efter den regel."
    elif k == 1:
        last = " Én forskel er sikker efter den regel."
    else:
        last = f" {fmt_int(k)} forskelle er sikre efter den regel."
    return first + middle + last


def describe_reliable_change(
    n: int, n_improved: int, n_deteriorated: int, *, noun: str = "børn"
) -> str:
    """Sentences about how many subjects changed more than the measurement error.

    Parameters
    ----------
    n : int
        Subjects measured in both rounds.
    n_improved, n_deteriorated : int
        Subjects with reliable improvement / deterioration (Jacobson-Truax, see
        :func:`llkit.stats.numeric.reliable_change`).
    noun : str, default "børn"

    Returns
    -------
    str

    Examples
    --------
    >>> describe_reliable_change(23, 4, 2)
    'Hos 4 af 23 børn (17\\xa0%) er der sket en pålidelig fremgang, og hos 2 (9\\xa0%) en pålidelig tilbagegang. For resten er ændringen ikke større end målingens usikkerhed.'
    >>> describe_reliable_change(12, 0, 0)
    'Ingen af de 12 børn har ændret sig mere end målingens usikkerhed.'
    """
    if _is_missing(n) or int(n) == 0:
        return f"Ingen {noun} er målt i begge runder."
    n, up, down = int(n), int(n_improved), int(n_deteriorated)
    if up == 0 and down == 0:
        return f"Ingen af de {fmt_int(n)} {noun} har ændret sig mere end målingens usikkerhed."
    parts = []
    if up:
        parts.append(
            f"hos {fmt_int(up)} af {fmt_int(n)} {noun} ({fmt_percent(up / n)}) er der sket "
            "en pålidelig fremgang"
        )
    if down:
        if up:
            parts.append(
                f"og hos {fmt_int(down)} ({fmt_percent(down / n)}) en pålidelig tilbagegang"
            )
        else:
            parts.append(
                f"hos {fmt_int(down)} af {fmt_int(n)} {noun} ({fmt_percent(down / n)}) er "
                "der sket en pålidelig tilbagegang"
            )
    first = ", ".join(parts)
    first = first[0].upper() + first[1:] + "."
    if up + down == n:
        return first
    return f"{first} For resten er ændringen ikke større end målingens usikkerhed."


def describe_funnel_flag(
    flag: Literal["over", "under", "within"] | None,
    *,
    name: str = "Dagtilbuddet",
    level: float = 0.998,
) -> str:
    """A sentence about a unit's position in the funnel plot (see :func:`llkit.stats.numeric.funnel`).

    Parameters
    ----------
    flag : {"over", "under", "within"} or None
        The unit's flag; missing when it could not be placed.
    name : str, default "Dagtilbuddet"
    level : float, default 0.998
        The limits the flag refers to.

    Returns
    -------
    str

    Examples
    --------
    >>> describe_funnel_flag("within")
    'Dagtilbuddet ligger inden for tragtens grænser: forskellen til gennemsnittet kan skyldes tilfældig variation.'
    >>> describe_funnel_flag("over", name="Skolen")
    'Skolen ligger over tragtens øvre grænse (99,8\\xa0%): så stor en forskel opstår sjældent ved tilfældighed alene.'
    """
    if _is_missing(flag):
        return f"{name} kan ikke placeres i tragtdiagrammet, fordi der er for få data."
    if flag == "within":
        return (
            f"{name} ligger inden for tragtens grænser: forskellen til gennemsnittet kan "
            "skyldes tilfældig variation."
        )
    if flag in ("over", "under"):
        side = "øvre" if flag == "over" else "nedre"
        return (
            f"{name} ligger {flag} tragtens {side} grænse ({_level(level)}): så stor en "
            "forskel opstår sjældent ved tilfældighed alene."
        )
    raise ValueError(f"flag must be 'over', 'under', 'within' or missing; got {flag!r}.")


def gap_trend(
    gap_before: float, gap_after: float, change_ci_low: float, change_ci_high: float,
    *, real: bool | None = None,
) -> Literal["narrows", "widens", "unclear"]:
    """Whether a gap between two groups narrows, widens, or the data cannot tell.

    The gap narrows (widens) when its absolute size falls (rises) *and* the change is
    real: by the document's family decision ``real`` (:mod:`llkit.stats.decision`), or, when
    ``real`` is None, by the interval of the change ``gap_after - gap_before`` excluding 0;
    otherwise it is ``"unclear"``.

    Examples
    --------
    >>> gap_trend(0.5, 0.2, -0.5, -0.1), gap_trend(0.5, 0.45, -0.3, 0.2)
    ('narrows', 'unclear')
    """
    values = (gap_before, gap_after, change_ci_low, change_ci_high)
    if any(_is_missing(v) for v in values) or _contains_zero(change_ci_low, change_ci_high):
        return "unclear"
    if real is False:
        return "unclear"
    if abs(float(gap_after)) < abs(float(gap_before)):
        return "narrows"
    if abs(float(gap_after)) > abs(float(gap_before)):
        return "widens"
    return "unclear"


def describe_gap_change(
    gap_before: float,
    gap_after: float,
    change_ci_low: float,
    change_ci_high: float,
    *,
    groups: str = "de to grupper",
    from_round: str = "T1",
    to_round: str = "T2",
    decimals: int | None = None,
    percent: bool = False,
    real: bool | None = None,
) -> str:
    """Sentences about how a gap between background groups developed between rounds.

    Parameters
    ----------
    gap_before, gap_after : float
        The gap (e.g. mean of children of parents with long minus short education) in
        the two rounds.
    change_ci_low, change_ci_high : float
        Interval of the change of the gap, ``gap_after - gap_before``.
    groups : str, default "de to grupper"
        The groups, as they follow "forskellen mellem" (e.g. "børn af forældre med kort
        og lang uddannelse").
    from_round, to_round : str
    decimals : int, optional
        Default 1, or 0 with ``percent``.
    percent : bool, default False
        Gaps between shares: shown in procentpoint.
    real : bool, optional
        The family decision on the change (see :func:`describe_difference`).

    Returns
    -------
    str

    Examples
    --------
    >>> describe_gap_change(0.5, 0.2, -0.5, -0.1)
    'Forskellen mellem de to grupper var 0,5 point i T1 og 0,2 point i T2. Forskellen er blevet mindre, og ændringen er større end den statistiske usikkerhed.'
    """
    if _is_missing(gap_before) or _is_missing(gap_after):
        return f"Der er ikke data nok til at følge forskellen mellem {groups}."
    scale, unit = (100.0, "procentpoint") if percent else (1.0, "point")
    decimals = _decimals(decimals, percent)
    first = (
        f"Forskellen mellem {groups} var {fmt_number(scale * gap_before, decimals)} {unit} i "
        f"{from_round} og {fmt_number(scale * gap_after, decimals)} {unit} i {to_round}."
    )
    trend = gap_trend(gap_before, gap_after, change_ci_low, change_ci_high, real=real)
    if trend == "unclear" and real is False and not (
            _is_missing(change_ci_low) or _is_missing(change_ci_high)
            or _contains_zero(change_ci_low, change_ci_high)):
        return f"{first} " + NOT_REAL_IN_FAMILY.format(what="Ændringen", pron="den")
    if trend == "narrows":
        second = (
            "Forskellen er blevet mindre, og ændringen er større end den statistiske usikkerhed."
        )
    elif trend == "widens":
        second = (
            "Forskellen er blevet større, og ændringen er større end den statistiske usikkerhed."
        )
    elif _is_missing(change_ci_low) or _is_missing(change_ci_high):
        second = "Der er for få data til at vurdere, om forskellen er blevet mindre eller større."
    else:
        second = (
            "Det er uklart, om forskellen er blevet mindre eller større: ændringen er "
            "mindre end den statistiske usikkerhed."
        )
    return f"{first} {second}"
