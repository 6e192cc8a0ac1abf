"""Shared helpers of the numeric primitives.

Conversion of numbers, sequences and (nullable) pandas objects to float arrays,
broadcasting, result frames that keep the caller's index, counts as integers, the
normal quantile of a confidence level, safe division and the grouping of values by
one or more label arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

# scipy.special only: scipy.stats and scipy.optimize cost ~0.6 s to import
from scipy import special

ArrayLike = Any  # numbers, sequences, numpy arrays or pandas Series


def _arr(x: ArrayLike) -> np.ndarray:
    """Float array from numbers, lists, numpy arrays or (nullable) pandas objects."""
    if isinstance(x, pd.Series | pd.Index):
        return x.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(x, pd.DataFrame):
        return x.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(x, dtype=float)


def _broadcast(*args: ArrayLike) -> list[np.ndarray]:
    return [np.array(a, dtype=float) for a in np.broadcast_arrays(*(_arr(a) for a in args))]


def _index(*args: ArrayLike, length: int) -> pd.Index:
    for a in args:
        if isinstance(a, pd.Series) and len(a) == length:
            return a.index
    return pd.RangeIndex(length)


def _out(x: np.ndarray) -> float | np.ndarray:
    return float(x) if np.ndim(x) == 0 else x


def _frame(columns: dict[str, np.ndarray], *args: ArrayLike) -> pd.DataFrame:
    cols = {k: np.atleast_1d(v) for k, v in columns.items()}
    length = len(next(iter(cols.values())))
    return pd.DataFrame(cols, index=_index(*args, length=length))


def _counts(n: np.ndarray) -> np.ndarray:
    """Counts as int64 when they are all whole numbers, else unchanged (float)."""
    n = np.atleast_1d(n)
    if np.all(np.isfinite(n)) and np.all(n == np.round(n)):
        return n.astype("int64")
    return n


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}.")


def _z(confidence: float) -> float:
    _check_confidence(confidence)
    return float(special.ndtri(0.5 + confidence / 2))


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(a, b)
    return np.where(b == 0, np.nan, out)


def _group_frame(
    values: dict[str, ArrayLike], groups: ArrayLike | None
) -> tuple[pd.DataFrame, list]:
    """A frame of the value columns plus the grouping columns, and the group keys."""
    frame = pd.DataFrame(
        {k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in values.items()}
    )
    keys: list = []
    if groups is None:
        return frame, keys
    if isinstance(groups, pd.DataFrame):
        group_list = [groups[c] for c in groups.columns]
    elif isinstance(groups, list | tuple) and groups and not np.isscalar(groups[0]):
        group_list = list(groups)
    else:
        group_list = [groups]
    for i, g in enumerate(group_list):
        name = (
            g.name
            if isinstance(g, pd.Series) and g.name is not None
            else f"group{i}"
            if i
            else "group"
        )
        if isinstance(g, pd.Series):
            g = g.reset_index(drop=True)
        if len(g) != len(frame):
            raise ValueError(
                f"groups must have one entry per value: got {len(g)} group labels for "
                f"{len(frame)} values."
            )
        frame[name] = g
        keys.append(name)
    return frame, keys
