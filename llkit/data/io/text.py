"""CSV files: the encoding and the dialect are detected, then a fast and a careful parser.

Danish spreadsheet exports vary:

* encoding: UTF-8 with or without byte-order mark, else Windows-1252;
* delimiter: ``,`` or ``;`` (or tab), sniffed from the header line;
* decimal comma when the file is semicolon-separated;
* CRLF or LF line ends; quoted fields may span lines.

A file whose every record is one line is parsed by pyarrow (:func:`_fast_csv`); any
other by the csv module (:func:`_slow_csv`), which tracks the line each record starts on
and reports ragged rows and broken quotes.
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import re
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from llkit.data.io.finish import _finish
from llkit.data.io.raw import RawTable
from llkit.errors import ProblemLog

_PSEUDO_ACTION = "save the table as CSV (UTF-8 or Windows-1252) or Parquet"

# Bytes that never occur in a text file: NUL and the other C0 controls except tab,
# line feed and carriage return (0x1A, the old DOS end-of-file marker, is tolerated).
_BINARY_BYTES = np.zeros(256, dtype=bool)
_BINARY_BYTES[[*range(0, 9), 11, 12, *range(14, 26), *range(27, 32)]] = True
_CHUNK = 1 << 24


def detect_encoding(data: bytes) -> str | None:
    """Return ``"utf-8"`` or ``"cp1252"`` for text, None for binary data.

    A UTF-8 byte-order mark is allowed (and removed by the caller); any NUL or other
    control byte that never occurs in text means the data is binary.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    for i in range(0, len(arr), _CHUNK):
        if _BINARY_BYTES[arr[i:i + _CHUNK]].any():
            return None
    view = memoryview(data)
    for enc in ("utf-8", "cp1252"):
        dec = codecs.getincrementaldecoder(enc)("strict")
        try:
            for i in range(0, len(view), _CHUNK):
                dec.decode(view[i:i + _CHUNK], final=False)
            dec.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return enc
    return None


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


def mixed_encoding_lines(data: bytes) -> tuple[int, int] | None:
    """For data that is not UTF-8: the first line holding a UTF-8 letter and the first
    line that is not UTF-8, when both occur (a file pasted together from two exports).

    Examples
    --------
    >>> mixed_encoding_lines("a\\nø\\n".encode("utf-8") + "æ\\n".encode("cp1252"))
    (2, 3)
    >>> mixed_encoding_lines("a\\nø\\n".encode("cp1252")) is None
    True
    """
    m = _UTF8_SEQUENCE.search(data)
    if m is None:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    else:  # pragma: no cover - the caller passes data that is not UTF-8
        return None
    return data.count(b"\n", 0, m.start()) + 1, data.count(b"\n", 0, bad) + 1


def sniff_delimiter(header: str) -> str:
    """The delimiter of a header line: the most frequent of ``,`` ``;`` and tab outside
    double quotes (``,`` when none occurs)."""
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


def read_csv_table(
    path: Path,
    log: ProblemLog,
    *,
    name: str,
    display: str | None = None,
    categorical: Collection[str] = (),
) -> RawTable | None:
    """Read one CSV file (see :func:`parse_csv_bytes`)."""
    display = display or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error(file=display, problem=f"the file cannot be read: {exc.strerror or exc}",
                  action="check that the file exists and that you may read it")
        return None
    return parse_csv_bytes(data, log, name=name, display=display, categorical=categorical)


def parse_csv_bytes(
    data: bytes,
    log: ProblemLog,
    *,
    name: str,
    display: str,
    categorical: Collection[str] = (),
) -> RawTable | None:
    """Parse the bytes of a CSV file into a :class:`RawTable`.

    Parameters
    ----------
    data : bytes
        The file's content.
    log : ProblemLog
        Receives problems: empty file, not a text file, ragged rows, unnamed or
        duplicate columns, CSV syntax errors.
    name, display : str
        Table name and file name as shown in problem rows.
    categorical : collection of str
        Columns to return as Categoricals.

    Returns
    -------
    RawTable or None
        None when nothing could be read (empty or binary file).
    """
    if not data.strip():
        log.error(file=display, problem="the file is empty",
                  action="write the header line (the column names) and the data rows into it, "
                  "or remove the file")
        return None
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[len(codecs.BOM_UTF8):] if bom else data
    if body.startswith(b"PK\x03\x04") or body.startswith(b"PAR1"):
        kind = "an Excel workbook" if body.startswith(b"PK") else "a Parquet file"
        log.error(file=display, problem=f"not a text file: it looks like {kind} with a .csv name",
                  action="export the table from the program as CSV, or give the file its right "
                  "extension")
        return None
    enc = detect_encoding(body)
    if enc is None:
        log.error(file=display,
                  problem="not a text file (binary data, or text that is neither UTF-8 nor "
                  "Windows-1252)",
                  action=_PSEUDO_ACTION)
        return None
    if enc == "cp1252" and (mixed := mixed_encoding_lines(body)) is not None:
        log.error(file=display, line=mixed[1],
                  problem=f"the file mixes two encodings: line {mixed[0]} is UTF-8 and line "
                  f"{mixed[1]} is Windows-1252, so letters like æ, ø and å would be read wrong",
                  action="open the file in a text editor, fix the letters on one of these lines "
                  "and save the whole file as UTF-8 (in Excel: 'CSV UTF-8')")
        return None
    if b"\n" not in body and b"\r" in body:  # classic Mac line ends
        body = body.replace(b"\r", b"\n")

    fast = _scan_lines(body)
    if fast is None:
        log.error(file=display, problem="the file is empty (only spaces)",
                  action="write the header line (the column names) and the data rows into it")
        return None
    header_idx, starts, content_end = fast
    header_text = body[starts[header_idx]:content_end[header_idx]].decode(enc)
    delim = sniff_delimiter(header_text)
    decimal_comma = delim == ";"

    result = _fast_csv(body, enc, delim, header_idx, starts, content_end, categorical)
    if result is not None:
        names, frame, lines = result
        header_line = header_idx + 1
    else:
        parsed = _slow_csv(body.decode(enc), delim, display, log)
        if parsed is None:
            log.error(file=display, problem="the file has no header line",
                      action="the first line must hold the column names")
            return None
        names, rows, lines, header_line = parsed
        width = len(names)
        if rows:
            cols = list(zip(*rows, strict=True))
            frame = pd.DataFrame({f"_{i}": pd.array(cols[i], dtype="str") for i in range(width)})
        else:
            frame = pd.DataFrame({f"_{i}": pd.array([], dtype="str") for i in range(width)})
    return _finish(frame, names, np.asarray(lines, dtype=np.int64), name=name, display=display,
                   log=log, header_line=header_line, categorical=categorical,
                   decimal_comma=decimal_comma, kind="csv")


def _scan_lines(body: bytes) -> tuple[int, np.ndarray, np.ndarray] | None:
    """Line starts and content ends (without CR) of a byte string, and the header line."""
    arr = np.frombuffer(body, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], nl + 1))
    ends = np.concatenate((nl, [len(arr)]))
    if starts[-1] == len(arr):  # file ends with a newline: no last line
        starts, ends = starts[:-1], ends[:-1]
    content_end = ends.copy()
    has_cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13)
    content_end[has_cr] -= 1
    lengths = content_end - starts
    # the header is the first line with something besides spaces
    candidates = np.flatnonzero(lengths > 0)
    for idx in candidates:
        if body[starts[idx]:content_end[idx]].strip():
            return int(idx), starts, content_end
    return None


def _fast_csv(
    body: bytes, enc: str, delim: str, header_idx: int, starts: np.ndarray,
    content_end: np.ndarray, categorical: Collection[str] = (),
) -> tuple[list[str], pd.DataFrame, np.ndarray] | None:
    """Parse with pyarrow when every record is one line with the header's field count.

    Returns None when the file needs the careful (csv module) path: a quoted field
    spans lines, a row has the wrong number of fields, or pandas disagrees on the count.
    """
    arr = np.frombuffer(body, dtype=np.uint8)
    dcount = _delimiters_per_line(arr, starts, ord(delim))
    if dcount is None:
        return None  # a quoted field spans lines (or a quote is unbalanced)
    blank = content_end == starts
    data_idx = np.flatnonzero(~blank)
    data_idx = data_idx[data_idx > header_idx]
    width = int(dcount[header_idx]) + 1
    if (dcount[data_idx] != width - 1).any():
        return None
    header = _split_header(body[starts[header_idx]:content_end[header_idx]].decode(enc), delim)
    if header is None or len(header) != width:
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cols = [f"_{i}" for i in range(width)]
    wanted = {str(h).strip().lstrip("\ufeff").strip() for h in header} & set(categorical)
    types = {c: (pa.dictionary(pa.int32(), pa.string())
                 if str(h).strip().lstrip("\ufeff").strip() in wanted else pa.string())
             for c, h in zip(cols, header, strict=True)}
    try:
        table = pacsv.read_csv(
            _io.BytesIO(body),
            read_options=pacsv.ReadOptions(skip_rows=header_idx + 1, column_names=cols,
                                           encoding=enc, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True,
                                             newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                 null_values=[""],
                                                 quoted_strings_can_be_null=True),
        )
        frame = table.to_pandas(split_blocks=True, self_destruct=True)
        del table
    except (pa.ArrowException, ValueError, UnicodeDecodeError):
        return None
    if len(frame) != len(data_idx):
        return None
    return header, frame, data_idx + 1


def _delimiters_per_line(arr: np.ndarray, starts: np.ndarray, delim: int) -> np.ndarray | None:
    """Delimiters outside double quotes on each line; None if a line has an odd number
    of quotes (a quoted value spans lines). Works in chunks of whole lines, so the
    temporaries stay small however large the file is."""
    n_lines = len(starts)
    dcount = np.zeros(n_lines, dtype=np.int64)
    if not n_lines:
        return dcount
    cuts = np.unique(np.searchsorted(starts, np.arange(0, len(arr), _CHUNK // 4)))
    cuts = np.append(cuts[cuts < n_lines], n_lines)
    for i0, i1 in zip(cuts[:-1], cuts[1:], strict=True):
        if i1 <= i0:
            continue
        a = int(starts[i0])
        b = int(starts[i1]) if i1 < n_lines else len(arr)
        seg = arr[a:b]
        local = starts[i0:i1] - a
        is_q = seg == 34
        is_d = seg == delim
        if is_q.any():
            if (np.add.reduceat(is_q, local, dtype=np.int64) & 1).any():
                return None
            # quote parity before each byte: a delimiter after an odd number of quotes
            # on its line is inside a quoted value (lines start with even parity)
            inside = (np.cumsum(is_q, dtype=np.uint8) & 1).astype(bool)
            is_d &= ~inside
        dcount[i0:i1] = np.add.reduceat(is_d, local, dtype=np.int64)
    return dcount


def _split_header(text: str, delim: str) -> list[str] | None:
    try:
        rows = list(csv.reader([text], delimiter=delim))
    except csv.Error:
        return None
    return rows[0] if rows else None


def _slow_csv(
    text: str, delim: str, display: str, log: ProblemLog
) -> tuple[list[str], list[list[str]], list[int], int] | None:
    """Parse with the csv module, tracking the line each record starts on."""
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delim, quotechar='"',
                        doublequote=True, strict=False)
    header: list[str] | None = None
    header_line = 1
    rows: list[list[str]] = []
    lines: list[int] = []
    ragged: list[tuple[int, int]] = []
    prev = 0
    width = 0
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            log.error(file=display, line=prev + 1,
                      problem=f"the file cannot be read as CSV from here on: {exc}",
                      action="check the quotes on this line: a value with quotes must be "
                      'enclosed in double quotes, and a quote inside it doubled ("")')
            break
        start = prev + 1
        prev = reader.line_num
        if not rec or all(not f.strip() for f in rec):
            continue
        if header is None:
            header, header_line, width = rec, start, len(rec)
            continue
        if len(rec) != width:
            if len(rec) > width and not any(f.strip() for f in rec[width:]):
                rec = rec[:width]  # trailing empty fields, as some spreadsheets write
            else:
                ragged.append((start, len(rec)))
                continue
        rows.append(rec)
        lines.append(start)
    if header is None:
        return None
    if text.count('"') % 2:
        log.error(file=display, line=None,
                  problem="a double quote is not closed: the rest of the file after it is read "
                  "as one value",
                  action='close the quote, or double a quote that is part of a value ("")')
    sep_name = {";": "semicolon", ",": "comma", "\t": "tab"}[delim]
    for line, n in ragged:
        log.error(
            file=display, line=line,
            problem=f"wrong number of values: {n} instead of {width} (the header has {width} "
            "columns)",
            action=f"give this row one value per column, separated by {sep_name}s; a value "
            f"containing a {sep_name} must be in double quotes",
        )
    return header, rows, lines, header_line
