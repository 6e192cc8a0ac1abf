"""Danish words of the figures: labels, nouns, n and suppression texts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.present import text as dk

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


_CI_NOTE = "95\u00a0%-konfidensinterval"


def _labels(ds: Dataset) -> dict[str, str]:
    return ds.profile.labels


def _round_label(ds: Dataset, r: str) -> str:
    date = (ds.meta.round_dates or {}).get(str(r))
    year = str(date)[:4] if date else ""
    return f"{r} ({year})" if year.isdigit() else str(r)


def _noun(ds: Dataset, m: pd.Series) -> str:
    """Plural noun of the persons (or departments) a measure's n counts."""
    labels = _labels(ds)
    subject = str(m["subject"])
    if subject == "respondent":
        return labels.get("respondents", "Medarbejdere").lower()
    if subject == "department":
        return labels.get("departments", "Stuer/grupper").lower()
    return labels.get("children", "Børn").lower()


def _persons(ds: Dataset, m: pd.Series) -> bool:
    return str(m["subject"]) != "department"


def _n_text(n: Any, noun: str | None = None) -> str:
    return f"n\u00a0=\u00a0{dk.fmt_int(n)}" + (f" {noun}" if noun else "")


def _suppressed_text(ds: Dataset, noun: str, reason: Any = None, short: bool = False) -> str:
    complementary = str(reason) == "complementary"
    if short:
        return f"færre end {dk.fmt_int(ds.meta.min_n)}" if not complementary else "skjult"
    return dk.suppressed_text(ds.meta.min_n, noun, complementary=complementary)


def _hidden_label(ds: Dataset, noun: str, reason: Any = None) -> str:
    """Short placeholder text: "færre end 5 børn" or "skjult" (explained in the note)."""
    if str(reason) == "complementary":
        return "skjult"
    return f"færre end {dk.fmt_int(ds.meta.min_n)} {noun}"


def _suppression_note(ds: Dataset, noun: str, complementary: bool = False) -> str:
    note = f"Skraveret: {dk.suppressed_text(ds.meta.min_n, noun)}."
    if complementary:
        note += (f" »Skjult«: {dk.suppressed_text(ds.meta.min_n, noun, complementary=True)}.")
    return note


def _measure_label(m: pd.Series) -> str:
    return str(m["label"]) if pd.notna(m["label"]) and str(m["label"]) else str(m.name)
