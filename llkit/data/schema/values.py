"""Distinct-value helpers: every check and conversion looks at distinct values only.

A column of a million answers holds a few dozen distinct texts: they are parsed once
(:func:`_parse_numbers`, :func:`_parse_bools`, :func:`_parse_dates`) and the results
spread to the rows by code (:func:`_per_row`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from llkit.data.io.values import is_text, values_as_text

#: Accepted spellings of true / false (any case). Empty means the column's default.
TRUE_WORDS = ("true", "1", "ja", "yes", "sand")
FALSE_WORDS = ("false", "0", "nej", "no", "falsk")
#: Cell texts that mean "no number" in a numeric column (besides an empty cell).
_NUMBER_MISSING = ("na", "nan")
#: Rows per step of the chunked passes over a column (no full-length temporaries).
_CHUNK = 1 << 16


def _per_row(s: pd.Series, fn: Callable[[pd.Series], np.ndarray], na: Any) -> np.ndarray:
    """Apply ``fn`` to the distinct non-missing values of ``s`` and spread the result.

    ``fn`` gets a Series of distinct values and returns one result per value; rows with a
    missing value get ``na``.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        res = np.asarray(fn(_distinct(cats)))
        codes = _codes(s)
    else:
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        if len(uniq) and not isinstance(uniq, pd.Index):
            uniq = pd.Index(uniq)
        res = np.asarray(fn(_distinct(uniq)))
    out_dtype = np.result_type(res.dtype, np.asarray([na]).dtype) if res.dtype != object else object
    table = np.empty(len(res) + 1, dtype=out_dtype)
    table[:-1] = res
    table[-1] = na
    if table.dtype.kind != "O" and (table == table[0]).all():
        # one result for every row (a check that passes everywhere): no lookup per row
        return np.full(len(codes), table[0], dtype=out_dtype)
    return table[codes]


def _distinct(values: Any) -> pd.Series:
    """Distinct values as a Series: text stays ``str`` (no per-value formatting),
    anything else becomes ``object``."""
    if is_text(values):
        return pd.Series(values, dtype="str").reset_index(drop=True)
    return pd.Series(np.asarray(values, dtype=object))


def _texts(vals: pd.Series) -> pd.Series:
    """Distinct values as stripped text (``str`` dtype)."""
    return values_as_text(vals).str.strip()


def _parse_numbers(vals: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of distinct values: (float array with NaN, bad mask)."""
    if len(vals) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    inferred = pd.api.types.infer_dtype(vals, skipna=True)
    if inferred == "string":
        numeric = np.zeros(len(vals), dtype=bool)
    elif inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        numeric = np.ones(len(vals), dtype=bool)
    else:
        numeric = np.array([isinstance(v, (int, float, np.integer, np.floating))
                            and not isinstance(v, (bool, np.bool_)) for v in vals], dtype=bool)
    out = np.full(len(vals), np.nan)
    bad = np.zeros(len(vals), dtype=bool)
    if numeric.any():
        x = pd.to_numeric(vals[numeric], errors="coerce").to_numpy(dtype=float)
        finite = np.isfinite(x)
        out[numeric] = np.where(finite, x, np.nan)
        bad[numeric] = ~finite
    rest = ~numeric
    if rest.any():
        t = _texts(vals[rest])
        if decimal_comma:
            t = t.str.replace(",", ".", regex=False)
        missing = (t.str.lower().isin(_NUMBER_MISSING) | (t == "") | t.isna()).to_numpy()
        ok_text = t.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?").fillna(False).to_numpy(
            dtype=bool)
        x = pd.to_numeric(t.where(ok_text), errors="coerce").to_numpy(dtype=float, copy=True)
        x[~np.isfinite(x)] = np.nan
        out[rest] = x
        bad[rest] = ~missing & np.isnan(x)
    return out, bad


def _parse_bools(vals: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Booleans of distinct values: (float array 1/0/NaN, bad mask)."""
    t = _texts(vals).str.lower()
    t = t.str.replace(r"\.0+$", "", regex=True)  # 1.0 from a spreadsheet
    yes = t.isin(TRUE_WORDS).to_numpy()
    no = t.isin(FALSE_WORDS).to_numpy()
    empty = (t.isna() | (t == "")).to_numpy()
    out = np.where(yes, 1.0, np.where(no, 0.0, np.nan))
    return out, ~(yes | no | empty)


def _parse_dates(vals: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Years of distinct date values: (float array of years, bad mask)."""
    t = _texts(vals)
    t = t.str.replace(r"[ T]00:00(:00)?$", "", regex=True)
    parsed = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(t[todo], format=fmt, errors="coerce")
    empty = (t.isna() | (t == "")).to_numpy()
    year = parsed.dt.year.to_numpy(dtype=float)
    bad = ~empty & np.isnan(year)
    return year, bad


def _codes(s: pd.Series) -> np.ndarray:
    """Category codes (-1 = missing) in their compact integer type.

    Lookup tables indexed by codes have one extra last entry for missing values, so that
    code -1 picks it.
    """
    return np.asarray(s.array.codes)  # a read-only view (``.cat.codes`` copies)
