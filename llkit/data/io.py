"""Read a dataset folder (CSV / Parquet tables) or one Excel workbook into *raw* tables.

This is the lowest layer of llkit. It knows file formats, not meanings: every table comes
back as a :class:`RawTable` whose columns hold the values as the user wrote them (text,
with ``NA`` for empty cells), plus the line of the file each row came from, so that the
validation layer (:mod:`llkit.data.schema`) can point at the exact line a user must fix.

CSV dialects are detected, as Danish spreadsheet exports vary:

* encoding: UTF-8 with or without byte-order mark, else Windows-1252;
* delimiter: ``,`` or ``;`` (or tab), sniffed from the header line;
* decimal comma when the file is semicolon-separated;
* CRLF or LF line ends; quoted fields may span lines.

Columns listed as *categorical* are returned as pandas Categoricals with text categories
(ids keep their leading zeros). Parquet files are read with pyarrow, dictionary-encoding
those columns, so that national-size data (millions of answers) stays small in memory.

Nothing here raises for bad data: problems go to a :class:`~llkit.errors.ProblemLog`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io as _io
import re
import tomllib
from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llkit.errors import ProblemLog

__all__ = [
    "TABLES",
    "REQUIRED_TABLES",
    "OPTIONAL_TABLES",
    "META_FILE",
    "META_SHEET",
    "IGNORED_SHEETS",
    "Meta",
    "RawMeta",
    "RawTable",
    "RawDataset",
    "read_dataset",
    "read_csv_table",
    "parse_csv_bytes",
    "read_parquet_table",
    "read_workbook",
    "read_toml_meta",
    "detect_encoding",
    "sniff_delimiter",
    "values_as_text",
]

#: Table names of data format v1, in the order they are read and reported.
TABLES = ("units", "children", "measures", "items", "responses", "goals", "reference")
#: Tables every dataset must have.
REQUIRED_TABLES = ("units", "children", "measures", "items", "responses")
#: Tables a dataset may leave out.
OPTIONAL_TABLES = ("goals", "reference")
#: The metadata file of a dataset folder.
META_FILE = "dataset.toml"
#: The metadata sheet of a workbook (two columns: ``key``, ``value``).
META_SHEET = "dataset"
#: Workbook sheets that are not data (instructions) and are skipped silently.
IGNORED_SHEETS = frozenset({"vejledning"})

_TABLE_SUFFIXES = (".csv", ".parquet")
_PSEUDO_ACTION = "save the table as CSV (UTF-8 or Windows-1252) or Parquet"

# Bytes that never occur in a text file: NUL and the other C0 controls except tab,
# line feed and carriage return (0x1A, the old DOS end-of-file marker, is tolerated).
_BINARY_BYTES = np.zeros(256, dtype=bool)
_BINARY_BYTES[[*range(0, 9), 11, 12, *range(14, 26), *range(27, 32)]] = True
_CHUNK = 1 << 24


@dataclass
class Meta:
    """The metadata of a dataset (``dataset.toml`` or the workbook's ``dataset`` sheet).

    Attributes
    ----------
    name : str
        Name of the dataset, usually the municipality ("Eksempel Kommune").
    sector : str
        ``"dagtilbud"`` or ``"skole"``: selects the sector profile.
    rounds : list of str
        Round ids in time order, e.g. ``["T1", "T2", "T3"]``.
    round_dates : dict of str to str
        Optional date (ISO text) of each round.
    min_n : int
        Suppression threshold: aggregates over fewer persons are not shown.
    synthetic : bool
        True for generated example data.
    extra : dict
        Any other keys, kept as they were.
    """

    name: str
    sector: str
    rounds: list[str]
    round_dates: dict[str, str] = field(default_factory=dict)
    min_n: int = 5
    synthetic: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawMeta:
    """Metadata as read, before validation.

    ``values`` holds TOML types (workbook text is converted to the same types where the
    meaning is clear: ``rounds`` becomes a list, ``round_dates`` a dict); ``lines`` gives
    the line (or sheet row) of each key when known.
    """

    file: str
    values: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class RawTable:
    """One table as read from its file.

    Attributes
    ----------
    name : str
        Table name (``"responses"``).
    file : str
        File name relative to the dataset folder, as shown in problem tables
        (``"responses.csv"``, ``"data.xlsx:responses"``).
    frame : pandas.DataFrame
        The values, one row per data row, columns named as in the file. Text columns
        have ``str`` dtype, categorical columns text categories; empty cells are
        missing; surrounding spaces are removed. Parquet and workbook files may give
        numeric or boolean columns where the file stored numbers or booleans.
    lines : numpy.ndarray
        The line each row starts on, as the user sees it (header = line 1 in a CSV file;
        the sheet row in a workbook; data row number + 1 in a Parquet file).
    header_line : int or None
        The line of the header (None for Parquet).
    decimal_comma : bool
        True when a comma is accepted as the decimal mark (semicolon-separated CSV, and
        workbooks, where a number typed as text may have one); a point is always accepted.
    kind : str
        ``"csv"``, ``"parquet"`` or ``"xlsx"``.
    """

    name: str
    file: str
    frame: pd.DataFrame
    lines: np.ndarray
    header_line: int | None = 1
    decimal_comma: bool = False
    kind: str = "csv"

    def __len__(self) -> int:
        return len(self.frame)


@dataclass
class RawDataset:
    """Everything read from a dataset path: metadata and tables (possibly incomplete)."""

    root: Path
    meta: RawMeta | None
    tables: dict[str, RawTable]
    workbook: str | None = None
    #: the display name each missing table would have had (for problem rows)
    expected_files: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# dataset folders and workbooks
# --------------------------------------------------------------------------------------


def read_dataset(
    path: str | Path,
    log: ProblemLog,
    *,
    categorical: Mapping[str, Collection[str]] | None = None,
    id_columns: Mapping[str, Collection[str]] | None = None,
) -> RawDataset:
    """Read a dataset folder or workbook.

    Parameters
    ----------
    path : str or Path
        A folder with ``dataset.toml`` and table files, a folder holding exactly one
        ``.xlsx`` workbook (and no table files), or the ``.xlsx`` file itself.
    log : ProblemLog
        Receives every problem found while reading.
    categorical : mapping of table name to column names, optional
        Columns to return as Categoricals when they hold text (memory-light for large
        tables).
    id_columns : mapping of table name to column names, optional
        Identifier columns: always returned as Categoricals with text categories, even
        when a Parquet or workbook file stored them as numbers.

    Returns
    -------
    RawDataset
        Missing or unreadable tables are absent from ``tables``; the log says why.
    """
    categorical = categorical or {}
    id_columns = id_columns or {}
    p = Path(path)
    empty = RawDataset(root=p, meta=None, tables={})
    if not p.exists():
        log.error(
            file=None,
            problem=f"no dataset at {p}: the path does not exist",
            action="give the path of a dataset folder (with dataset.toml) or of an .xlsx workbook",
        )
        return empty
    if p.is_file():
        if p.suffix.lower() == ".xlsx":
            return read_workbook(p, log, categorical=categorical, id_columns=id_columns)
        if p.name == META_FILE:
            p = p.parent
        else:
            log.error(
                file=p.name,
                problem="not a dataset: a dataset is a folder or an .xlsx workbook",
                action="give the folder that holds dataset.toml and the tables, or the .xlsx workbook",
            )
            return empty

    try:
        entries = sorted(e for e in p.iterdir() if e.is_file())
    except OSError as exc:
        log.error(file=None, problem=f"the folder {p} cannot be read: {exc.strerror or exc}",
                  action="check that the folder exists and that you may read it")
        return empty
    found: dict[str, list[Path]] = {}
    workbooks: list[Path] = []
    others: list[Path] = []
    for e in entries:
        suffix = e.suffix.lower()
        stem = e.stem.strip().lower()
        if suffix in _TABLE_SUFFIXES and stem in TABLES:
            found.setdefault(stem, []).append(e)
        elif suffix == ".xlsx" and not e.name.startswith("~$"):
            workbooks.append(e)
        elif suffix in _TABLE_SUFFIXES:
            others.append(e)
    has_meta = (p / META_FILE).is_file()
    if not found and workbooks:
        if len(workbooks) == 1:
            if has_meta:
                log.warning(file=META_FILE,
                            problem="dataset.toml is ignored: the folder holds a workbook and no "
                            "tables, so the metadata is read from the workbook's dataset sheet",
                            action="remove dataset.toml, or put the tables as CSV/Parquet files "
                            "next to it")
            return read_workbook(workbooks[0], log, categorical=categorical, id_columns=id_columns,
                                 root=p)
        log.error(
            file=None,
            problem="the folder holds several workbooks ("
            + ", ".join(w.name for w in workbooks)
            + ") and no tables; llkit cannot tell which one is the dataset",
            action="give the path of the workbook itself, or keep one workbook in the folder",
        )
        return RawDataset(root=p, meta=None, tables={})

    meta = read_toml_meta(p / META_FILE, log)
    for e in others:
        log.warning(
            file=e.name,
            problem=f"file ignored: {e.stem!r} is not a table of the data format",
            action="rename it to one of " + ", ".join(f"{t}{e.suffix}" for t in TABLES)
            + " if it is one of these tables, or move it out of the dataset folder",
        )
    tables: dict[str, RawTable] = {}
    expected: dict[str, str] = {}
    for name in TABLES:
        files = found.get(name, [])
        expected[name] = files[0].name if files else f"{name}.csv"
        if not files:
            if name in REQUIRED_TABLES:
                log.error(
                    file=f"{name}.csv",
                    problem=f"the table {name} is missing (no {name}.csv or {name}.parquet)",
                    action=f"add {name}.csv (or {name}.parquet) to the dataset folder; "
                    "`llkit template` writes an empty one with the right columns",
                )
            continue
        if len(files) > 1:
            log.error(
                file=files[0].name,
                problem=f"the table {name} is given twice: " + " and ".join(f.name for f in files),
                action="keep one file per table and remove the other",
            )
            continue
        f = files[0]
        cats = set(categorical.get(name, ())) | set(id_columns.get(name, ()))
        ids = set(id_columns.get(name, ()))
        if f.suffix.lower() == ".csv":
            t = read_csv_table(f, log, name=name, display=f.name, categorical=cats)
        else:
            t = read_parquet_table(f, log, name=name, display=f.name, categorical=cats,
                                   id_columns=ids)
        if t is not None:
            tables[name] = t
    return RawDataset(root=p, meta=meta, tables=tables, expected_files=expected)


# --------------------------------------------------------------------------------------
# dataset.toml
# --------------------------------------------------------------------------------------

_KEY_LINE = re.compile(r"""^\s*(?:\[\s*)?["']?([A-Za-z0-9_\-]+)["']?\s*(?:=|\])""")


def read_toml_meta(path: Path, log: ProblemLog) -> RawMeta | None:
    """Read ``dataset.toml``; syntax problems are reported with their line.

    Returns None when the file is missing or cannot be parsed.
    """
    name = path.name
    if not path.is_file():
        log.error(
            file=META_FILE,
            problem="dataset.toml is missing",
            action='add a dataset.toml with name = "...", sector = "dagtilbud" or "skole", '
            'and rounds = ["T1", "T2"] (`llkit template` writes one)',
        )
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error(file=name, problem=f"dataset.toml cannot be read: {exc.strerror or exc}",
                  action="check that you may read the file")
        return None
    if not data.strip():
        log.error(file=name, problem="dataset.toml is empty",
                  action='write name = "...", sector = "..." and rounds = [...] into it')
        return None
    enc = detect_encoding(data)
    if enc is None:
        log.error(file=name, problem="dataset.toml is not a text file",
                  action="save dataset.toml as plain UTF-8 text")
        return None
    text = data.decode(enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"at line (\d+)", msg)
        line = int(m.group(1)) if m else getattr(exc, "lineno", None)
        if line is None and "end of document" in msg:
            line = max(len(text.splitlines()), 1)
        log.error(
            file=name,
            line=line,
            problem=f"dataset.toml is not valid TOML: {msg}",
            action='fix the syntax: text values in double quotes (name = "Eksempel Kommune"), '
            'lists in brackets (rounds = ["T1", "T2"])',
        )
        return None
    lines: dict[str, int] = {}
    for i, raw in enumerate(text.splitlines(), start=1):
        m = _KEY_LINE.match(raw)
        if m and m.group(1) not in lines:
            lines[m.group(1)] = i
    return RawMeta(file=name, values=values, lines=lines)


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# common finishing: column names, stripping, empty rows, categoricals
# --------------------------------------------------------------------------------------


def _finish(
    frame: pd.DataFrame,
    names: list[str],
    lines: np.ndarray,
    *,
    name: str,
    display: str,
    log: ProblemLog,
    header_line: int | None,
    categorical: Collection[str],
    decimal_comma: bool,
    kind: str,
    id_columns: Collection[str] = (),
) -> RawTable:
    names = [("" if n is None else str(n)).strip().lstrip("\ufeff").strip() for n in names]
    frame.columns = [f"_{i}" for i in range(frame.shape[1])]
    keep: list[str] = []
    final: list[str] = []
    seen: dict[str, int] = {}
    for i, col_name in enumerate(names):
        col = f"_{i}"
        frame[col] = _clean(frame[col], categorical=col_name in categorical,
                            as_text=col_name in id_columns)
        if col_name == "":
            if frame[col].notna().any():
                log.warning(
                    file=display, line=header_line, column=f"column {i + 1}",
                    problem=f"column {i + 1} has values but no name in the header; it is ignored",
                    action="give the column a name in the header line, or delete it",
                )
            continue
        if col_name in seen:
            log.error(
                file=display, line=header_line, column=col_name,
                problem=f"the column name {col_name!r} occurs twice in the header "
                f"(columns {seen[col_name] + 1} and {i + 1})",
                action="give each column its own name, or delete the extra column",
            )
            continue
        seen[col_name] = i
        keep.append(col)
        final.append(col_name)
    frame = frame[keep]
    frame.columns = final
    if len(frame) and frame.shape[1]:
        empty_rows = np.ones(len(frame), dtype=bool)
        for c in frame.columns:
            empty_rows &= frame[c].isna().to_numpy()
            if not empty_rows.any():
                break
        if empty_rows.any():
            frame = frame.loc[~empty_rows]
            lines = lines[~empty_rows]
    frame = frame.reset_index(drop=True)
    return RawTable(name=name, file=display, frame=frame, lines=np.asarray(lines),
                    header_line=header_line, decimal_comma=decimal_comma, kind=kind)


def _clean(s: pd.Series, *, categorical: bool, as_text: bool = False) -> pd.Series:
    """Strip text, turn empty text into NA, and optionally make a text Categorical."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _clean_categorical(s, as_text=as_text)
    if pd.api.types.is_bool_dtype(s.dtype) or (
        pd.api.types.is_numeric_dtype(s.dtype) and not as_text
    ):
        return s
    if not pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
        s = values_as_text(s)
    if categorical:
        return _clean_categorical(s.astype("category"), as_text=True)
    s = s.str.strip()
    return s.mask(s == "")


def _clean_categorical(s: pd.Series, *, as_text: bool = True) -> pd.Series:
    """A Categorical with stripped, non-empty text categories (codes remapped)."""
    cats = s.cat.categories
    if not as_text and pd.api.types.is_numeric_dtype(cats.dtype):
        return s
    if _is_text(cats) and cats.is_unique:
        # text categories already (Parquet dictionaries): unchanged when none has
        # surrounding spaces or is empty
        stripped = cats.str.strip()
        if (stripped.str.len().to_numpy() > 0).all() and (stripped == cats).all():
            return s
    text = values_as_text(pd.Series(cats, dtype=cats.dtype)).str.strip()
    valid = (text.notna() & (text != "")).to_numpy()
    if valid.all() and text.is_unique:
        new = pd.Index(text.to_numpy(), dtype="str")
        if cats.dtype == new.dtype and new.equals(cats):
            return s
        return s.cat.rename_categories(new)
    uniq = pd.Index(text[valid].unique(), dtype="str")
    mapping = np.full(len(cats) + 1, -1, dtype=np.int64)
    mapping[:-1][valid] = uniq.get_indexer(text[valid])
    codes = s.cat.codes.to_numpy().astype(np.int64)
    return pd.Series(pd.Categorical.from_codes(mapping[codes], categories=uniq), index=s.index,
                     name=s.name)


def _is_text(values: Any) -> bool:
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


# --------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------


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


def _code_dtype(n_categories: int) -> type:
    """The integer type pandas gives the codes of a Categorical with this many categories."""
    if n_categories < np.iinfo(np.int8).max:
        return np.int8
    if n_categories < np.iinfo(np.int16).max:
        return np.int16
    if n_categories < np.iinfo(np.int32).max:
        return np.int32
    return np.int64


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


def _parquet_groups(pf: Any, names: list[str], n_rows: int, categorical: Collection[str],
                    id_columns: Collection[str], pool: Any) -> dict[str, pd.Series] | None:
    """The loop of :func:`_parquet_streamed`; ``pool`` (or None) reads ahead."""
    import pyarrow as pa

    n_groups = pf.metadata.num_row_groups
    kinds: dict[str, str] = {}
    types: dict[str, Any] = {}
    arrays: dict[str, np.ndarray] = {}
    values: dict[str, list[Any]] = {}  # dictionary values seen, in order of appearance
    index: dict[str, pd.Index] = {}
    # the previous dictionary and its mapping to codes (None: its indices are the codes)
    last: dict[str, tuple[Any, np.ndarray | None]] = {}
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
            return None
        for i, n in enumerate(names):
            col = tab.column(i)
            t = col.type
            if n not in kinds:
                if (pa.types.is_dictionary(t) and (n in categorical or n in id_columns)
                        and (pa.types.is_string(t.value_type)
                             or pa.types.is_large_string(t.value_type))):
                    kinds[n] = "dict"
                    values[n] = []
                    index[n] = pd.Index([], dtype="str")
                elif pa.types.is_floating(t) and n not in id_columns:
                    kinds[n] = "float"
                    arrays[n] = np.empty(n_rows, dtype=t.to_pandas_dtype())
                else:
                    return None
                types[n] = t
            elif t != types[n]:
                return None
            at = pos
            out = arrays.get(n)
            for chunk in col.chunks:
                k = len(chunk)
                if kinds[n] == "float":
                    if not pa.types.is_floating(chunk.type):
                        return None
                    out[at:at + k] = chunk.to_numpy(zero_copy_only=False)
                    at += k
                    continue
                if not pa.types.is_dictionary(chunk.type):
                    return None
                d = chunk.dictionary
                prev = last.get(n)
                if prev is not None and (prev[0] is d or prev[0].equals(d)):
                    mapping = prev[1]
                else:
                    if d.null_count:
                        return None
                    texts = pd.Index(d.to_numpy(zero_copy_only=False), dtype="str")
                    if len(index[n]):
                        where = index[n].get_indexer(texts)
                    else:
                        where = np.full(len(texts), -1, dtype=np.intp)
                    new = where < 0
                    if new.any():
                        start = len(values[n])
                        values[n].extend(texts[new].tolist())
                        where[new] = np.arange(start, start + int(new.sum()))
                        index[n] = pd.Index(values[n], dtype="str")
                        if not index[n].is_unique:
                            return None
                    dt = _code_dtype(len(values[n]))
                    if out is None:
                        out = arrays[n] = np.empty(n_rows, dtype=dt)
                    elif out.dtype != dt:
                        out = arrays[n] = out.astype(dt)
                    # None: the chunk's indices are the codes already
                    mapping = (None if np.array_equal(where, np.arange(len(where)))
                               else np.append(where, -1).astype(dt))
                    last[n] = (d, mapping)
                idx = chunk.indices
                part = out[at:at + k]
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
            if at != pos + m:
                return None
        pos += m
        del tab
    if pos != n_rows:
        return None
    pa.default_memory_pool().release_unused()
    res: dict[str, pd.Series] = {}
    for n in names:
        if kinds[n] == "float":
            res[n] = pd.Series(arrays.pop(n), copy=False)
        else:
            c = arrays.pop(n, None)
            if c is None:  # no rows
                c = np.full(n_rows, -1, dtype=np.int8)
            cat = pd.Categorical.from_codes(c, dtype=pd.CategoricalDtype(index[n]),
                                            validate=False)
            res[n] = pd.Series(cat, copy=False)
    return res


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


# --------------------------------------------------------------------------------------
# Excel workbooks
# --------------------------------------------------------------------------------------


def read_workbook(
    path: Path,
    log: ProblemLog,
    *,
    categorical: Mapping[str, Collection[str]] | None = None,
    id_columns: Mapping[str, Collection[str]] | None = None,
    root: Path | None = None,
) -> RawDataset:
    """Read a dataset from one ``.xlsx`` workbook.

    The sheet ``dataset`` (columns ``key``, ``value``) holds the metadata, each table is a
    sheet named as the table, and a sheet ``vejledning`` (instructions) is skipped. Line
    numbers are the sheet's row numbers.
    """
    categorical = categorical or {}
    id_columns = id_columns or {}
    wb_name = path.name
    out = RawDataset(root=root or path.parent, meta=None, tables={}, workbook=wb_name)
    try:
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException ...
        log.error(file=wb_name, problem=f"the file cannot be read as an Excel workbook: {exc}",
                  action="open it in Excel and save it again as an .xlsx workbook")
        return out
    try:
        sheets = {str(ws.title).strip().lower(): ws for ws in wb.worksheets}
        for key, ws in sheets.items():
            if key not in TABLES and key != META_SHEET and key not in IGNORED_SHEETS:
                log.warning(
                    file=f"{wb_name}:{ws.title}",
                    problem=f"sheet ignored: {ws.title!r} is not a table of the data format",
                    action="rename the sheet to one of " + ", ".join(TABLES)
                    + " if it is one of these tables",
                )
        meta_ws = sheets.get(META_SHEET)
        if meta_ws is None:
            log.error(file=wb_name,
                      problem="the workbook has no sheet named 'dataset' (the metadata)",
                      action="add a sheet 'dataset' with the columns key and value, and rows "
                      "name, sector and rounds (e.g. rounds = T1, T2, T3)")
        else:
            out.meta = _workbook_meta(meta_ws, f"{wb_name}:{meta_ws.title}", log)
        for name in TABLES:
            display = f"{wb_name}:{name}"
            out.expected_files[name] = display
            ws = sheets.get(name)
            if ws is None:
                if name in REQUIRED_TABLES:
                    log.error(file=wb_name,
                              problem=f"the table {name} is missing (no sheet named {name!r})",
                              action=f"add a sheet named {name} with a header row and the data")
                continue
            display = f"{wb_name}:{ws.title}"
            out.expected_files[name] = display
            cats = set(categorical.get(name, ())) | set(id_columns.get(name, ()))
            t = _sheet_table(ws, log, name=name, display=display, categorical=cats,
                             id_columns=set(id_columns.get(name, ())))
            if t is not None:
                out.tables[name] = t
    except Exception as exc:
        # a corrupt sheet inside a valid zip: report instead of crashing
        log.error(file=wb_name, problem=f"the workbook cannot be read: {exc}",
                  action="open it in Excel and save it again as an .xlsx workbook")
    finally:
        try:
            wb.close()
        except Exception:  # pragma: no cover - defensive
            pass
    return out


def _sheet_rows(ws: Any) -> tuple[list[Any] | None, int | None, list[list[Any]], list[int]]:
    header: list[Any] | None = None
    header_row: int | None = None
    rows: list[list[Any]] = []
    lines: list[int] = []
    for i, row in enumerate(ws.iter_rows(values_only=True), start=1):
        values = list(row)
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if header is None:
            header, header_row = values, i
            continue
        rows.append(values)
        lines.append(i)
    return header, header_row, rows, lines


def _sheet_table(
    ws: Any, log: ProblemLog, *, name: str, display: str, categorical: Collection[str],
    id_columns: Collection[str],
) -> RawTable | None:
    header, header_row, rows, lines = _sheet_rows(ws)
    if header is None:
        log.error(file=display, problem="the sheet is empty",
                  action="write the column names in the first row and the data below them")
        return None
    # trim trailing empty header cells that have no data
    width = len(header)
    while width and header[width - 1] is None and not any(
        len(r) >= width and r[width - 1] is not None for r in rows
    ):
        width -= 1
    names = [_format_value(h) or "" for h in header[:width]]
    data = {}
    for i in range(width):
        col = [(r[i] if i < len(r) else None) for r in rows]
        data[f"_{i}"] = pd.Series(np.array([_format_value(v) for v in col] or [], dtype=object),
                                  dtype="str")
    frame = pd.DataFrame(data, index=range(len(rows)))
    return _finish(frame, names, np.asarray(lines, dtype=np.int64), name=name, display=display,
                   log=log, header_line=header_row, categorical=categorical,
                   decimal_comma=True, kind="xlsx", id_columns=id_columns)


def _workbook_meta(ws: Any, display: str, log: ProblemLog) -> RawMeta | None:
    header, header_row, rows, lines = _sheet_rows(ws)
    if header is None:
        log.error(file=display, problem="the metadata sheet is empty",
                  action="write key and value in the first row, then rows name, sector, rounds")
        return None
    names = [(_format_value(h) or "").strip().lower() for h in header]
    if "key" in names and "value" in names:
        ki, vi = names.index("key"), names.index("value")
        body = list(zip(rows, lines, strict=True))
    else:  # no header row: the first row is already a key/value pair
        ki, vi = 0, 1
        body = [(header, header_row)] + list(zip(rows, lines, strict=True))
    values: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for row, line in body:
        key = _format_value(row[ki]) if ki < len(row) else None
        if key is None or not str(key).strip():
            continue
        key = str(key).strip()
        val = row[vi] if vi < len(row) else None
        if isinstance(val, str):
            val = val.strip()
        if key in values:
            log.error(file=display, line=line, column="key", value=key,
                      problem=f"the key {key!r} is given twice",
                      action="keep one row per key")
            continue
        key_lines[key] = line
        if val is None or val == "":
            continue
        if key == "rounds":
            val = [v.strip() for v in re.split(r"[,;]", _format_value(val)) if v.strip()]
        elif key == "round_dates":
            dates: dict[str, str] = {}
            for part in re.split(r"[,;]", _format_value(val)):
                if not part.strip():
                    continue
                if "=" not in part:
                    log.error(file=display, line=line, column="value", value=part.strip(),
                              problem="round_dates must be written as T1=2015-03-01, "
                              "T2=2017-03-01",
                              action="write each round's date as ROUND=DATE, separated by commas")
                    continue
                k, v = part.split("=", 1)
                dates[k.strip()] = v.strip()
            val = dates
        elif key == "synthetic" and isinstance(val, str):
            low = val.lower()
            if low in ("true", "1", "ja", "yes", "sand"):
                val = True
            elif low in ("false", "0", "nej", "no", "falsk"):
                val = False
        elif key == "min_n":
            if isinstance(val, float) and val.is_integer():
                val = int(val)
            elif isinstance(val, str) and re.fullmatch(r"[+-]?\d+", val):
                val = int(val)
        elif isinstance(val, (_dt.datetime, _dt.date)):
            val = _format_value(val)
        values[key] = val
    return RawMeta(file=display, values=values, lines=key_lines)
