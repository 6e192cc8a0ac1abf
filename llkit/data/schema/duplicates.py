"""Repeated keys among millions of rows given as integer code columns, without hashing
them all (:func:`_duplicates`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from llkit.data.schema.values import _CHUNK


def _picked(c: np.ndarray | tuple[np.ndarray, np.ndarray], sel: np.ndarray | None, a: int,
            b: int) -> np.ndarray:
    """Rows ``a:b`` of a column, only the selected ones.

    A column given as ``(codes, table)`` stands for ``table[codes]``, looked up chunk by
    chunk (no full-length recoded column).
    """
    if isinstance(c, tuple):
        codes, table = c
        return table[_picked(codes, sel, a, b)]
    return c[a:b] if sel is None else c[a:b][sel[a:b]]


def _duplicates(cols: list[np.ndarray | tuple[np.ndarray, np.ndarray]],
                sel: np.ndarray | None = None, *, coarse: bool = True,
                ) -> tuple[np.ndarray, np.ndarray]:
    """Repeated keys among rows given as code columns.

    Parameters
    ----------
    cols : list of numpy.ndarray or (codes, table) pairs
        Integer code columns (codes ≥ -1) that together form the key; a pair stands for
        ``table[codes]`` (see :func:`_picked`).
    sel : numpy.ndarray of bool, optional
        Only these rows take part; positions in the result count selected rows only.
    coarse : bool
        Allow the pre-check on leading columns described below.

    Returns
    -------
    later, first : numpy.ndarray
        The positions of every occurrence after the first, and for each the position of
        the first occurrence.

    Notes
    -----
    Each column contributes the range of codes it holds (min to max), and the key is
    built in chunks of rows. When the key space is small enough, a scatter into a table
    indexed by key finds whether any key repeats without hashing millions of rows; only
    the rows of repeated keys are then looked at closely. When the whole key space is too
    large for that but the leading columns' space is not, rows can only repeat a key where
    they repeat the leading columns: those rows are found first, and only they are
    compared on the whole key.
    """
    first_col = cols[0][0] if isinstance(cols[0], tuple) else cols[0]
    n_all = len(first_col)
    empty = np.zeros(0, dtype=np.int64)
    bounds = [(a, min(a + _CHUNK, n_all)) for a in range(0, n_all, _CHUNK)]
    lows, highs, n = _code_ranges(cols, sel, bounds)
    if n < 2:
        return empty, empty
    sizes = [hi - lo + 1 for lo, hi in zip(lows, highs, strict=True)]
    space = _space(sizes)
    lead = len(cols) - 1
    while coarse and lead >= 1 and not _dense_ok(space, n) and not _dense_ok(
            _space(sizes[:lead]), n):
        lead -= 1
    if coarse and 1 <= lead < len(cols) and not _dense_ok(space, n):
        return _duplicates_of_leads(cols, sel, lead, n_all)
    if space >= 2.0**62:
        return _duplicates_hashed(cols, sel, bounds, n)
    found = _packed_keys(cols, sel, bounds, lows, sizes, n, int(space))
    if found is None:
        return empty, empty
    key, idx = found
    s = pd.Series(key)
    dup = s.duplicated(keep="first").to_numpy()
    if not dup.any():
        return empty, empty
    first = pd.Series(idx[~dup], index=key[~dup])
    return idx[dup], first.reindex(key[dup]).to_numpy()


_Column = np.ndarray | tuple[np.ndarray, np.ndarray]


def _code_ranges(cols: list[_Column], sel: np.ndarray | None, bounds: list[tuple[int, int]],
                 ) -> tuple[list[int], list[int], int]:
    """The lowest and highest code of each column, and the number of selected rows."""
    lows = [0] * len(cols)
    highs = [-1] * len(cols)
    n = 0
    for a, b in bounds:
        for j, c in enumerate(cols):
            x = _picked(c, sel, a, b)
            if not len(x):
                break
            lo, hi = int(x.min()), int(x.max())
            if n == 0 or lo < lows[j]:
                lows[j] = lo
            if n == 0 or hi > highs[j]:
                highs[j] = hi
        else:
            n += len(x)
    return lows, highs, n


def _space(sizes: list[int]) -> float:
    """The number of possible keys of columns with these code ranges."""
    return float(np.prod([float(x) for x in sizes]))


def _dense_ok(size: float, n: int) -> bool:
    """Whether a table indexed by key (``size`` entries, for ``n`` rows) is affordable."""
    return size <= max(1 << 24, 4 * n) and size < 2**31


def _duplicates_of_leads(cols: list[_Column], sel: np.ndarray | None, lead: int, n_all: int,
                         ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_duplicates` among the rows that repeat the leading ``lead`` columns."""
    empty = np.zeros(0, dtype=np.int64)
    later, first = _duplicates(cols[:lead], sel, coarse=False)
    if not len(later):
        return empty, empty
    # positions (among the selected rows) of the rows that repeat the leading columns
    cand = np.unique(np.concatenate([later, first]))
    rows = np.flatnonzero(sel) if sel is not None else np.arange(n_all)
    sub = np.zeros(n_all, dtype=bool)
    sub[rows[cand]] = True
    later, first = _duplicates(cols, sub, coarse=False)
    return cand[later], cand[first]


def _duplicates_hashed(cols: list[_Column], sel: np.ndarray | None,
                       bounds: list[tuple[int, int]], n: int,
                       ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_duplicates` by hashing the keys (a key space too large to pack)."""
    empty = np.zeros(0, dtype=np.int64)
    frame = pd.DataFrame({i: np.concatenate([_picked(c, sel, a, b) for a, b in bounds])
                          for i, c in enumerate(cols)})
    key = pd.util.hash_pandas_object(frame, index=False).to_numpy().view(np.int64)
    # a repeated hash is only a candidate (two keys may share a hash): the rows whose
    # hash repeats are compared on their values
    cand = np.flatnonzero(pd.Series(key).duplicated(keep=False).to_numpy())
    if not len(cand):
        return empty, empty
    sub = frame.iloc[cand].reset_index(drop=True)
    dup = sub.duplicated(keep="first").to_numpy()
    if not dup.any():
        return empty, empty
    group = sub.groupby(list(sub.columns), sort=False, dropna=False).ngroup().to_numpy()
    first_of = np.full(group.max() + 1, n, dtype=np.int64)
    np.minimum.at(first_of, group, cand)  # the first row of each group
    return cand[dup].astype(np.int64), first_of[group[dup]]


def _chunk_key(cols: list[_Column], lows: list[int], sizes: list[int], sel: np.ndarray | None,
               a: int, b: int) -> np.ndarray:
    """The packed keys (one integer per key) of the selected rows ``a:b``."""
    k = None
    for c, lo, width in zip(cols, lows, sizes, strict=True):
        x = _picked(c, sel, a, b)
        if k is None:
            k = x.astype(np.int64)
            k -= lo
        elif width > 1:
            k *= width
            k += x
            k -= lo
    return k


def _packed_keys(cols: list[_Column], sel: np.ndarray | None, bounds: list[tuple[int, int]],
                 lows: list[int], sizes: list[int], n: int, size: int,
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """The packed keys of the rows that may repeat one, and their positions.

    None when certainly no key repeats. With an affordable key table, only the rows of
    repeated keys are returned; else all rows.
    """
    small = np.int32 if n < 2**31 - 1 else np.int64
    dense = _dense_ok(size, n)
    if dense:
        # usually nothing repeats: one bit-like flag per possible key tells (no key
        # table of row positions, no full-length key column)
        flag = np.zeros(size, dtype=bool)
        for a, b in bounds:
            flag[_chunk_key(cols, lows, sizes, sel, a, b)] = True
        distinct = int(np.count_nonzero(flag))
        del flag
        if distinct == n:
            return None
    key = np.empty(n, dtype=np.int32 if size < 2**31 else np.int64)
    pos = 0
    for a, b in bounds:
        k = _chunk_key(cols, lows, sizes, sel, a, b)
        key[pos:pos + len(k)] = k
        pos += len(k)
    if not dense:
        return key, np.arange(n, dtype=small)
    table = np.empty(size, dtype=small)
    for a in range(0, n, _CHUNK):
        b = min(a + _CHUNK, n)
        table[key[a:b]] = np.arange(a, b, dtype=small)
    lost = np.empty(n, dtype=bool)
    for a in range(0, n, _CHUNK):
        b = min(a + _CHUNK, n)
        np.not_equal(table[key[a:b]], np.arange(a, b, dtype=small), out=lost[a:b])
    del table
    if not lost.any():
        return None
    flag = np.zeros(size, dtype=bool)
    flag[key[lost]] = True
    del lost
    idx = np.flatnonzero(flag[key])
    return key[idx], idx
