"""Cell values as text, as a user would have typed them, and Categorical code types.

Shared by every reader (and by the validation, :mod:`llkit.data.schema`): a number read
from a workbook or a Parquet file is shown and compared as the text it stands for.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd


def is_text(values: Any) -> bool:
    """Values (Series, Index, array) of a ``str`` dtype: not object, not categorical."""
    dtype = getattr(values, "dtype", None)
    return (dtype is not None and pd.api.types.is_string_dtype(dtype)
            and not pd.api.types.is_object_dtype(dtype)
            and not isinstance(dtype, pd.CategoricalDtype))


def _format_value(v: Any) -> Any:
    """Text of one cell value as a user would have typed it."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if np.isnan(f):
            return None
        if f.is_integer() and abs(f) < 1e15:
            return str(int(f))
        return repr(f)
    if isinstance(v, _dt.datetime):
        if (v.hour, v.minute, v.second, v.microsecond) == (0, 0, 0, 0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, pd.Timestamp):
        return _format_value(v.to_pydatetime())
    if v is pd.NA or v is pd.NaT:
        return None
    return str(v)


def values_as_text(s: pd.Series) -> pd.Series:
    """Any Series as text (``str`` dtype), numbers without a spurious ``.0``.

    Only the distinct values are formatted, so this is cheap for long columns with few
    values. Missing values stay missing.
    """
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return s
    codes, uniq = pd.factorize(s, use_na_sentinel=True)
    text = np.array([_format_value(v) for v in uniq] + [None], dtype=object)
    return pd.Series(pd.array(text[codes], dtype="str"), index=s.index, name=s.name)


def code_dtype(n_categories: int) -> type:
    """The integer type pandas gives the codes of a Categorical with this many categories."""
    if n_categories < np.iinfo(np.int8).max:
        return np.int8
    if n_categories < np.iinfo(np.int16).max:
        return np.int16
    if n_categories < np.iinfo(np.int32).max:
        return np.int32
    return np.int64
