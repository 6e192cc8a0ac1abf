"""Parquet files, read with pyarrow: ids and categorical columns dictionary-encoded.

The common national-size case (text ids as dictionaries, numbers as floats) is read one
row group at a time straight into compact code arrays (:func:`_parquet_streamed`); any
other file by the general path of :func:`read_parquet_table`, column by column when a
column is broken.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llkit.data.io.finish import _finish
from llkit.data.io.raw import RawTable
from llkit.data.io.values import code_dtype, values_as_text
from llkit.errors import ProblemLog


def read_parquet_table(
    path: Path,
    log: ProblemLog,
    *,
    name: str,
    display: str | None = None,
    categorical: Collection[str] = (),
    id_columns: Collection[str] = (),
) -> RawTable | None:
    """Read one Parquet file with pyarrow.

    Categorical and id columns are dictionary-encoded (ids stored as numbers become
    text); numeric columns stay numeric (``float64`` values, no per-row Python).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    display = display or path.name
    try:
        schema = pq.read_schema(path)
        names = [n for n in schema.names if not n.startswith("__index_level_")]
        read_dict = [n for n in names if (n in categorical or n in id_columns)
                     and (pa.types.is_string(schema.field(n).type)
                          or pa.types.is_large_string(schema.field(n).type))]
        pf = pq.ParquetFile(path, read_dictionary=read_dict)
        n_rows = pf.metadata.num_rows
    except Exception as exc:  # pyarrow raises many types for a broken file
        log.error(file=display, problem=f"the file cannot be read as Parquet: {exc}",
                  action="write the file again (e.g. pandas.DataFrame.to_parquet), or give the "
                  "table as CSV")
        return None
    # the common national-size case (text ids as dictionaries, numbers as floats): one
    # row group at a time straight into compact code arrays, so that the whole Arrow
    # table and its pandas copy never exist at the same time
    series: dict[str, pd.Series] | None = None
    try:
        series = _parquet_streamed(pf, names, n_rows, categorical, id_columns)
    except Exception:  # anything unusual: the general path below reports it
        series = None
    if series is not None:
        frame = pd.DataFrame(series, copy=False) if series else pd.DataFrame(index=range(n_rows))
        del series
        lines = np.arange(2, len(frame) + 2, dtype=_line_dtype(len(frame)))
        return _finish(frame, list(frame.columns), lines, name=name, display=display, log=log,
                       header_line=None, categorical=categorical, decimal_comma=False,
                       kind="parquet", id_columns=id_columns)
    # all columns at once, decoded in parallel (one chunk per row group); a file whose
    # columns cannot all be read is read one column at a time, so that every broken
    # column is reported and the others are kept
    whole = None
    try:
        whole = pf.read(columns=names, use_threads=True)
    except Exception:  # pyarrow raises many types for broken column data
        whole = None
    series = {}
    for i, n in enumerate(names):
        try:
            col = whole.column(i) if whole is not None else pf.read(columns=[n]).column(0)
            s = _parquet_column(col, n, n_rows, log, display, categorical, id_columns)
            del col
        except Exception as exc:  # broken column data: report, keep going
            log.error(file=display, column=n, problem=f"the column cannot be read: {exc}",
                      action="write the file again, or store the column as text or numbers")
            s = pd.Series(pd.array([None] * n_rows, dtype="str"))
        series[n] = s.reset_index(drop=True)
    del whole
    frame = (pd.DataFrame(series, copy=False) if series
             else pd.DataFrame(index=range(n_rows)))
    lines = np.arange(2, len(frame) + 2, dtype=_line_dtype(len(frame)))
    return _finish(frame, list(frame.columns), lines, name=name, display=display, log=log,
                   header_line=None, categorical=categorical, decimal_comma=False,
                   kind="parquet", id_columns=id_columns)


def _parquet_column(col: Any, n: str, n_rows: int, log: ProblemLog, display: str,
                    categorical: Collection[str], id_columns: Collection[str]) -> pd.Series:
    """One Arrow column of a Parquet table as a pandas Series (see read_parquet_table)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if n in categorical or n in id_columns:
        if pa.types.is_dictionary(t):
            if not (pa.types.is_string(t.value_type)
                    or pa.types.is_large_string(t.value_type)):
                col = pc.cast(col, t.value_type)
                t = col.type
        if not pa.types.is_dictionary(t):
            keep_numeric = n not in id_columns and (
                pa.types.is_integer(t) or pa.types.is_floating(t)
                or pa.types.is_boolean(t))
            if not keep_numeric:
                if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
                    col = _arrow_text(col)
                col = pc.dictionary_encode(col)
    elif pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        log.error(file=display, column=n, line=None,
                  problem=f"the column has the type {t}, which llkit cannot read",
                  action="store the column as text or numbers")
        col = pa.nulls(n_rows, pa.string())
    elif (pa.types.is_temporal(t) or pa.types.is_decimal(t)
          or pa.types.is_null(t)):
        col = _arrow_text(col)
    return col.to_pandas()


def _parquet_streamed(pf: Any, names: list[str], n_rows: int, categorical: Collection[str],
                      id_columns: Collection[str]) -> dict[str, pd.Series] | None:
    """Read a Parquet file one row group at a time into compact pandas columns.

    Only for files whose columns are all text read as dictionaries (categorical and id
    columns) or floating-point numbers (not ids); returns None for any other file, which
    is then read by the general path. The values equal what the general path gives:
    Categoricals with the dictionary values as ``str`` categories (in the order of the
    dictionaries; values no row uses are left out later, by the conversion to the
    dataset's types) and ``float64``/``float32`` columns with NaN for missing values.
    """
    n_groups = pf.metadata.num_row_groups
    if n_groups < 1 or not names:
        return None
    # the next row group is read (by Arrow, without the GIL) while this one is copied
    pool = ThreadPoolExecutor(1, thread_name_prefix="llkit-parquet") if n_groups > 1 else None
    try:
        return _parquet_groups(pf, names, n_rows, categorical, id_columns, pool)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class _NotStreamable(Exception):
    """The file is not one for the row-group path: the general path reads it."""


@dataclass
class _Streamed:
    """One column on the row-group path: its kind and Arrow type, the values so far."""

    kind: str  # "dict" (text read as a dictionary) or "float"
    type: Any
    #: the codes (dict) or the values (float) of all rows, filled group by group
    out: np.ndarray | None = None
    #: the dictionary values seen, in order of appearance, and as an Index
    values: list[Any] = field(default_factory=list)
    index: pd.Index = field(default_factory=lambda: pd.Index([], dtype="str"))
    #: the previous dictionary and its mapping to codes (None: its indices are the codes)
    last: tuple[Any, np.ndarray | None] | None = None


def _parquet_groups(pf: Any, names: list[str], n_rows: int, categorical: Collection[str],
                    id_columns: Collection[str], pool: Any) -> dict[str, pd.Series] | None:
    """The loop of :func:`_parquet_streamed`; ``pool`` (or None) reads ahead."""
    import pyarrow as pa

    try:
        columns = _stream_groups(pf, names, n_rows, categorical, id_columns, pool)
    except _NotStreamable:
        return None
    pa.default_memory_pool().release_unused()
    arrays = {n: c.out for n, c in columns.items() if c.out is not None}
    res: dict[str, pd.Series] = {}
    for n in names:
        if columns[n].kind == "float":
            res[n] = pd.Series(arrays.pop(n), copy=False)
        else:
            c = arrays.pop(n, None)
            if c is None:  # no rows
                c = np.full(n_rows, -1, dtype=np.int8)
            cat = pd.Categorical.from_codes(c, dtype=pd.CategoricalDtype(columns[n].index),
                                            validate=False)
            res[n] = pd.Series(cat, copy=False)
    return res


def _stream_groups(pf: Any, names: list[str], n_rows: int, categorical: Collection[str],
                   id_columns: Collection[str], pool: Any) -> dict[str, _Streamed]:
    """Copy every row group into the columns; :class:`_NotStreamable` if one is unusual."""
    n_groups = pf.metadata.num_row_groups
    columns: dict[str, _Streamed] = {}
    pos = 0

    def read(g: int) -> Any:
        return pf.read_row_group(g, columns=names, use_threads=True)

    ahead = pool.submit(read, 0) if pool is not None else None
    for g in range(n_groups):
        if ahead is not None:
            tab = ahead.result()
            ahead = pool.submit(read, g + 1) if g + 1 < n_groups else None
        else:
            tab = read(g)
        m = tab.num_rows
        if pos + m > n_rows:
            raise _NotStreamable
        for i, n in enumerate(names):
            col = tab.column(i)
            if n not in columns:
                columns[n] = _streamed_column(n, col.type, n_rows, categorical, id_columns)
            elif col.type != columns[n].type:
                raise _NotStreamable
            if _copy_chunks(columns[n], col, pos, n_rows) != pos + m:
                raise _NotStreamable
        pos += m
        del tab
    if pos != n_rows:
        raise _NotStreamable
    return columns


def _streamed_column(n: str, t: Any, n_rows: int, categorical: Collection[str],
                     id_columns: Collection[str]) -> _Streamed:
    """The column's kind, from its type in the first row group."""
    import pyarrow as pa

    if (pa.types.is_dictionary(t) and (n in categorical or n in id_columns)
            and (pa.types.is_string(t.value_type)
                 or pa.types.is_large_string(t.value_type))):
        return _Streamed("dict", t)
    if pa.types.is_floating(t) and n not in id_columns:
        return _Streamed("float", t, out=np.empty(n_rows, dtype=t.to_pandas_dtype()))
    raise _NotStreamable


def _copy_chunks(c: _Streamed, col: Any, pos: int, n_rows: int) -> int:
    """Copy one row group's chunks of a column from row ``pos`` on; the row after them."""
    import pyarrow as pa

    at = pos
    for chunk in col.chunks:
        k = len(chunk)
        if c.kind == "float":
            if not pa.types.is_floating(chunk.type):
                raise _NotStreamable
            c.out[at:at + k] = chunk.to_numpy(zero_copy_only=False)
            at += k
            continue
        if not pa.types.is_dictionary(chunk.type):
            raise _NotStreamable
        mapping = _chunk_mapping(c, chunk.dictionary, n_rows)
        idx = chunk.indices
        part = c.out[at:at + k]
        if idx.null_count == k:
            part[:] = -1
        elif idx.null_count:
            raw, valid = _with_validity(idx)
            if mapping is None:
                part[:] = raw
                np.putmask(part, ~valid, -1)
            else:  # the values under missing entries are undefined: -1 first
                np.take(mapping, np.where(valid, raw, -1), out=part)
        elif mapping is None:
            part[:] = idx.to_numpy(zero_copy_only=False)
        else:
            np.take(mapping, idx.to_numpy(zero_copy_only=False), out=part)
        at += k
    return at


def _chunk_mapping(c: _Streamed, d: Any, n_rows: int) -> np.ndarray | None:
    """The codes of a chunk's dictionary ``d`` (None: its indices are the codes).

    New dictionary values are added to the column's categories; the code array is
    created, or widened, for their number.
    """
    prev = c.last
    if prev is not None and (prev[0] is d or prev[0].equals(d)):
        return prev[1]
    if d.null_count:
        raise _NotStreamable
    texts = pd.Index(d.to_numpy(zero_copy_only=False), dtype="str")
    if len(c.index):
        where = c.index.get_indexer(texts)
    else:
        where = np.full(len(texts), -1, dtype=np.intp)
    new = where < 0
    if new.any():
        start = len(c.values)
        c.values.extend(texts[new].tolist())
        where[new] = np.arange(start, start + int(new.sum()))
        c.index = pd.Index(c.values, dtype="str")
        if not c.index.is_unique:
            raise _NotStreamable
    dt = code_dtype(len(c.values))
    if c.out is None:
        c.out = np.empty(n_rows, dtype=dt)
    elif c.out.dtype != dt:
        c.out = c.out.astype(dt)
    # None: the chunk's indices are the codes already
    mapping = (None if np.array_equal(where, np.arange(len(where)))
               else np.append(where, -1).astype(dt))
    c.last = (d, mapping)
    return mapping


def _with_validity(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """An Arrow integer array with missing entries as its raw values (those under a
    missing entry are undefined) and a boolean array, True where present; both without
    a copy of the values (``pyarrow.compute.fill_null`` writes a new array)."""
    off, k = arr.offset, len(arr)
    raw = np.frombuffer(arr.buffers()[1], dtype=arr.type.to_pandas_dtype(), count=off + k)[off:]
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    valid = np.unpackbits(bits, bitorder="little", count=off + k)[off:].view(bool)
    return raw, valid


def _line_dtype(n: int) -> type:
    return np.int32 if n < 2**31 - 16 else np.int64


def _arrow_text(col: Any) -> Any:
    """An Arrow column as text; integral floats without ``.0``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if pa.types.is_floating(t) or pa.types.is_temporal(t) or pa.types.is_decimal(t):
        values = pd.Series(col.to_pandas(), dtype=object)
        return pa.chunked_array([pa.array(values_as_text(values).to_numpy(dtype=object),
                                          type=pa.string())])
    if pa.types.is_boolean(t):
        return pc.if_else(col, "true", "false")
    return pc.cast(col, pa.string())
