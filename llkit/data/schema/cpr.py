"""Danish CPR numbers (personal identifiers): found in ids and values, masked in reports."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from llkit.data.io.values import is_text
from llkit.data.schema.values import _texts

_CPR_DASH = re.compile(r"^(\d{2})(\d{2})(\d{2})-\d{4}$")
_CPR_PLAIN = re.compile(r"^(\d{2})(\d{2})(\d{2})\d{4}$")
_CPR_ANYWHERE = re.compile(r"(?<!\d)(\d{6})[- ]?\d{4}(?!\d)")


def _valid_ddmmyy(dd: np.ndarray, mm: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """True where DD-MM-YY is a date in the 1900s or the 2000s."""
    ok = np.zeros(len(dd), dtype=bool)
    for century in (1900, 2000):
        d = pd.to_datetime(
            pd.DataFrame({"year": century + yy, "month": mm, "day": dd}), errors="coerce")
        ok |= d.notna().to_numpy()
    return ok


def looks_like_cpr(vals: Iterable[Any]) -> np.ndarray:
    """True for values that look like a Danish CPR number.

    ``DDMMYY-XXXX`` (with a plausible day and month), or ten digits whose first six
    form a valid date ``DDMMYY``.

    Examples
    --------
    >>> looks_like_cpr(["010203-1234", "0102031234", "3213991234", "C0001"]).tolist()
    [True, True, False, False]
    """
    if isinstance(vals, pd.Series) and is_text(vals):
        t = _texts(vals)  # text already: no per-value formatting
    else:
        t = _texts(pd.Series(list(vals) if not isinstance(vals, pd.Series) else vals,
                             dtype=object))
    out = np.zeros(len(t), dtype=bool)
    if not len(t):
        return out
    if not t.str.fullmatch(r"\d{6}-?\d{4}").fillna(False).any():
        return out
    for pattern, strict in ((_CPR_DASH, False), (_CPR_PLAIN, True)):
        parts = t.str.extract(pattern)
        hit = parts[0].notna().to_numpy()
        if not hit.any():
            continue
        dd = parts.loc[hit, 0].astype(int).to_numpy()
        mm = parts.loc[hit, 1].astype(int).to_numpy()
        yy = parts.loc[hit, 2].astype(int).to_numpy()
        if strict:
            ok = _valid_ddmmyy(dd, mm, yy)
        else:
            ok = (dd >= 1) & (dd <= 31) & (mm >= 1) & (mm <= 12)
        idx = np.flatnonzero(hit)
        out[idx[ok]] = True
    return out


def mask_cpr(problems: pd.DataFrame) -> pd.DataFrame:
    """Mask anything CPR-shaped in the ``value`` and ``problem`` columns (``010203-****``)."""
    out = problems.copy()
    for col in ("value", "problem"):
        if col in out.columns and len(out):
            s = out[col]
            has = s.notna()
            if has.any():
                out.loc[has, col] = (
                    s[has].astype(str).str.replace(_CPR_ANYWHERE, r"\1-****", regex=True)
                )
    return out
