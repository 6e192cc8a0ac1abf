"""The sector's words and the measures' labels in Danish: nouns for children, departments
and institutions, measure titles, estimates with their interval in the measure's
decimals, suppression texts and round labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.data.memo import cached
from llkit.present import text as tx
from llkit.present.html import note_html
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover

    from llkit.data.dataset import Dataset

__all__ = [
    "round_label",
    "measure_info",
    "measure_title",
    "format_estimate",
    "suppression_text",
    "suppression_note_html",
    "profile_label",
    "children_noun",
    "departments_noun",
    "institution_noun",
]


def measure_cells(ds: Dataset, g: pd.DataFrame, ms: Sequence[str], info: pd.DataFrame,
                   extra: str) -> dict[str, str]:
    """One table row's cells from a unit's ``summarize`` rows: per measure (column named by
    its label) the mean with its n (``extra="n"``) or its 95 % interval (``"ci"``), the
    suppression text, or the missing marker."""
    g = g.set_index(g["measure_id"].astype(str))
    cells: dict[str, str] = {}
    for m in ms:
        label = info.loc[m, "label"]
        if m not in g.index:
            cells[label] = tx.MISSING
        elif bool(g.loc[m, "suppressed"]):
            cells[label] = suppression_text(ds, m, g.loc[m, "suppressed_reason"], short=True)
        elif extra == "n":
            cells[label] = f"{fmt_measure(ds, m, g.loc[m, 'mean'])} ({tx.fmt_int(g.loc[m, 'n'])})"
        else:
            cells[label] = (f"{fmt_measure(ds, m, g.loc[m, 'mean'])} "
                            f"({fmt_measure_interval(ds, m, g.loc[m, 'ci_low'], g.loc[m, 'ci_high'])})")
    return cells


# ----------------------------------------------------------------------------- metadata

INSTITUTION_DEFINITE = {"Dagtilbud": "dagtilbuddet", "Skole": "skolen"}
_DEPTS_DEFINITE = {"Stuer/grupper": "stuerne", "Klasser": "klasserne"}
INSTITUTIONS_DEFINITE = {"Dagtilbud": "dagtilbuddene", "Skoler": "skolerne"}
INSTITUTION_GENITIVE = {"Dagtilbud": "et dagtilbuds", "Skole": "en skoles"}


def _labels(ds: Dataset) -> dict[str, str]:
    try:
        return dict(ds.profile.labels)
    except Exception:  # noqa: BLE001 - an unknown sector still gets a report
        return {}


def profile_label(ds: Dataset, key: str, default: str) -> str:
    """The sector profile's Danish word for a kind of unit or person.

    Parameters
    ----------
    ds : Dataset
    key : str
        A key of the profile's ``labels``, e.g. "institution", "departments", "children",
        "respondents", "cluster", "round".
    default : str
        Returned when the profile has no such label (or the sector is unknown).

    Returns
    -------
    str
        The label as the profile spells it (capitalised, e.g. "Stuer/grupper").

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> profile_label(ds, "departments", "Afdelinger"), profile_label(ds, "nothing", "Ukendt")
    ('Stuer/grupper', 'Ukendt')
    """
    return _labels(ds).get(key, default)


def children_noun(ds: Dataset) -> str:
    """The sector's word for the children, in lower case, for sentences.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    str
        E.g. "børn" (default "børn").

    Examples
    --------
    >>> import llkit
    >>> children_noun(llkit.load("data/sample/dagtilbud"))
    'børn'
    """
    return profile_label(ds, "children", "Børn").lower()


def departments_noun(ds: Dataset) -> str:
    """The sector's word for the departments (plural, lower case), for sentences.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    str
        E.g. "stuer/grupper" for daycare, "klasser" for schools (default "afdelinger").

    Examples
    --------
    >>> import llkit
    >>> departments_noun(llkit.load("data/sample/dagtilbud"))
    'stuer/grupper'
    """
    return profile_label(ds, "departments", "Afdelinger").lower()


def departments_definite(ds: Dataset) -> str:
    return _DEPTS_DEFINITE.get(profile_label(ds, "departments", ""), "afdelingerne")


def institution_noun(ds: Dataset) -> str:
    """The sector's word for one institution, capitalised as the profile spells it.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    str
        E.g. "Dagtilbud" or "Skole" (default "Institution"); lower-case it inside a
        sentence.

    Examples
    --------
    >>> import llkit
    >>> institution_noun(llkit.load("data/sample/dagtilbud"))
    'Dagtilbud'
    """
    return profile_label(ds, "institution", "Institution")


def institutions_noun(ds: Dataset) -> str:
    return profile_label(ds, "institutions", "Institutioner").lower()


def source_label(ds: Dataset, source: str) -> str:
    try:
        labels = ds.profile.source_labels
    except Exception:  # noqa: BLE001
        labels = {}
    return labels.get(source, str(source).capitalize())


def measure_info(ds: Dataset) -> pd.DataFrame:
    """Per measure: label, source, subject, scale, decimals and the nouns for sentences.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    DataFrame
        Indexed by ``measure_id`` (str), in the order of the measures table: the columns
        of ``ds.measures`` plus ``decimals`` (for showing means), ``scale`` ("skala 1–5",
        or empty), ``noun`` (who is measured, e.g. "børn"), ``source_label`` (Danish
        source name) and ``hib`` (higher is better, bool). Cached per dataset.

    Examples
    --------
    >>> import llkit
    >>> info = measure_info(llkit.load("data/sample/dagtilbud"))
    >>> info.loc["sprog", ["label", "scale", "noun"]].tolist()
    ['Kommunikation og sprog', 'skala 1–5', 'børn']
    """
    def make():
        m = ds.measures.copy()
        m["measure_id"] = m["measure_id"].astype(str)
        m["subject"] = m["subject"].astype(str)
        m["source"] = m["source"].astype(str)
        m = m.set_index("measure_id")
        sc = indicators.scores(ds)
        sd = sc.groupby(sc["measure_id"].astype(str), observed=True)["score"].std()
        dec, scale, noun = [], [], []
        for mid, row in m.iterrows():
            lo, hi = row["scale_min"], row["scale_max"]
            if pd.notna(lo) and pd.notna(hi):
                width = float(hi) - float(lo)
                dec.append(2 if width <= 2.5 else 1 if width <= 20 else 0)
                scale.append(f"skala {tx.fmt_number(lo, 0)}{tx.DASH}{tx.fmt_number(hi, 0)}")
            else:
                s = float(sd.get(mid, np.nan))
                dec.append(0 if (np.isfinite(s) and s >= 5) else 1)
                scale.append("")
            noun.append({"child": children_noun(ds),
                         "respondent": profile_label(ds, "respondents", "Medarbejdere").lower()}.get(
                row["subject"], departments_noun(ds)))
        m["decimals"] = dec
        m["scale"] = scale
        m["noun"] = noun
        m["source_label"] = [source_label(ds, s) for s in m["source"]]
        m["hib"] = m["higher_is_better"].astype(bool)
        return m
    return cached(ds, ("minfo",), make)


def measures_of(ds: Dataset, subject: str | Sequence[str]) -> list[str]:
    subjects = {subject} if isinstance(subject, str) else set(subject)
    info = measure_info(ds)
    return [m for m in info.index if info.loc[m, "subject"] in subjects]


def child_measures(ds: Dataset) -> list[str]:
    return measures_of(ds, "child")


def sources_of(ds: Dataset, measures: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(source, its measures) in the order of the measures table."""
    info = measure_info(ds)
    out: dict[str, list[str]] = {}
    for m in measures:
        out.setdefault(info.loc[m, "source"], []).append(m)
    return list(out.items())


def measure_title(ds: Dataset, m: str) -> str:
    """A measure's label with its source and scale, as in headings and sentences.

    Parameters
    ----------
    ds : Dataset
    m : str
        A measure id.

    Returns
    -------
    str
        E.g. 'Kommunikation og sprog (Pædagogvurdering, skala 1–5)'; just the label when
        there is neither a source label nor a scale.

    Examples
    --------
    >>> import llkit
    >>> measure_title(llkit.load("data/sample/dagtilbud"), "sprog")
    'Kommunikation og sprog (Pædagogvurdering, skala 1–5)'
    """
    info = measure_info(ds).loc[m]
    extra = ", ".join(x for x in [info["source_label"], info["scale"]] if x)
    if not extra:
        return str(info["label"])
    if "(" in str(info["label"]):
        return f"{info['label']} – {extra}"
    return f"{info['label']} ({extra})"


def sentence_decimals(ds: Dataset, m: str, lo: Any, hi: Any) -> int:
    """The measure's decimals, or more when an interval bound beyond 0 would show as 0."""
    d = int(measure_info(ds).loc[m, "decimals"])
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        return d
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo <= 0 <= hi:
        return d
    while d < 3 and min(abs(lo), abs(hi)) < 0.5 * 10.0 ** -d:
        d += 1
    return d


def format_estimate(ds: Dataset, m: str, x: Any, lo: Any, hi: Any) -> tuple[str, str]:
    """A signed estimate (a change, difference or gap) and its 95 % interval in Danish.

    Uses the measure's decimals, or more (up to 3) when needed to show the bounds apart
    (no "0,0–0,0") and to not show a bound as 0 when the interval excludes 0.

    Parameters
    ----------
    ds : Dataset
    m : str
        The measure id (its decimals are the starting point).
    x, lo, hi : float
        The estimate and the bounds of its interval.

    Returns
    -------
    tuple of str
        The estimate with its sign and the interval, e.g. ``('+0,04', '0,01–0,07')``.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> format_estimate(ds, "sprog", 0.04, 0.01, 0.07)
    ('+0,04', '0,01–0,07')
    >>> format_estimate(ds, "sprog", 0.3, -0.1, 0.7)
    ('+0,3', '−0,1 til 0,7')
    """
    d = sentence_decimals(ds, m, lo, hi)
    while d < 3 and tx.fmt_interval(lo, hi, d) != tx.MISSING and tx.fmt_number(lo, d) == tx.fmt_number(hi, d):
        d += 1
    return tx.fmt_number(x, d, sign=True), tx.fmt_interval(lo, hi, d)


def fmt_measure(ds: Dataset, m: str, x: Any, *, sign: bool = False) -> str:
    return tx.fmt_number(x, int(measure_info(ds).loc[m, "decimals"]), sign=sign)


def fmt_measure_interval(ds: Dataset, m: str, lo: Any, hi: Any) -> str:
    return tx.fmt_interval(lo, hi, int(measure_info(ds).loc[m, "decimals"]))


def suppression_text(ds: Dataset, m: str, reason: Any = None, *, short: bool = False) -> str:
    """What is shown instead of a hidden (suppressed) number.

    Parameters
    ----------
    ds : Dataset
    m : str
        The measure id (its noun, e.g. "børn", goes into the long text).
    reason : str, optional
        The suppression reason of the row (``suppressed_reason`` of
        :func:`summary_table`, ``reason`` of :func:`institution_position`):
        "complementary" when the number is hidden so that a small one cannot be worked
        out from the others; anything else means too few answers.
    short : bool, default False
        The short form for wide tables, explained once under the table by
        :func:`suppression_note_html`.

    Returns
    -------
    str
        E.g. "færre end 5 børn – vises ikke", or short "færre end 5" / "vises ikke*".

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> suppression_text(ds, "sprog")
    'færre end 5 børn – vises ikke'
    >>> suppression_text(ds, "sprog", "complementary", short=True)
    'vises ikke*'
    """
    noun = measure_info(ds).loc[m, "noun"]
    complementary = str(reason) == "complementary"
    if short:
        return "vises ikke*" if complementary else f"færre end {tx.fmt_int(ds.meta.min_n)}"
    return tx.suppressed_text(ds.meta.min_n, noun, complementary=complementary)


def suppression_note_html(ds: Dataset, noun: str | None = None) -> str:
    """The note under a table that uses the short :func:`suppression_text`.

    Parameters
    ----------
    ds : Dataset
    noun : str, optional
        Who the numbers count; default :func:`children_noun`.

    Returns
    -------
    str
        A :func:`note_html` paragraph explaining »færre end N« and »vises ikke*«.

    Examples
    --------
    >>> import llkit
    >>> suppression_note_html(llkit.load("data/sample/dagtilbud"))[:60]
    '<p class="llkit-note">»færre end 5«: tallet bygger på færre '
    """
    noun = noun or children_noun(ds)
    k = tx.fmt_int(ds.meta.min_n)
    return note_html(f"»færre end {k}«: tallet bygger på færre end {k} {noun} og vises "
                 f"ikke. »vises ikke*«: tallet er skjult, så et tal for færre end {k} ikke kan "
                 "regnes ud af de andre.")


def round_label(ds: Dataset, r: str) -> str:
    """A round with its month and year when the dataset has the round's date.

    Parameters
    ----------
    ds : Dataset
    r : str
        A round id.

    Returns
    -------
    str
        E.g. 'T3 (marts 2019)'; the round id alone without a (valid) date.

    Examples
    --------
    >>> import llkit
    >>> round_label(llkit.load("data/sample/dagtilbud"), "T3")
    'T3 (marts 2019)'
    """
    date = ds.meta.round_dates.get(r)
    if not date:
        return r
    try:
        d = pd.Timestamp(date)
    except (ValueError, TypeError):
        return r
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
              "september", "oktober", "november", "december"]
    return f"{r} ({months[d.month - 1]} {d.year})"
