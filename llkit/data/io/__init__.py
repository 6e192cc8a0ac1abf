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

The modules, from the top:

* :mod:`~llkit.data.io.folder` — a dataset path (folder or workbook): :func:`read_dataset`;
* :mod:`~llkit.data.io.meta` — ``dataset.toml``;
* :mod:`~llkit.data.io.text` — CSV files (encoding, dialect, fast and careful parser);
* :mod:`~llkit.data.io.parquet` — Parquet files;
* :mod:`~llkit.data.io.excel` — Excel workbooks;
* :mod:`~llkit.data.io.finish` — what every reader does last (names, stripping, Categoricals);
* :mod:`~llkit.data.io.values` — cell values as text;
* :mod:`~llkit.data.io.raw` — the table names and the raw tables the readers return.
"""

from __future__ import annotations

from llkit.data.io.excel import read_workbook
from llkit.data.io.folder import read_dataset
from llkit.data.io.meta import read_toml_meta
from llkit.data.io.parquet import read_parquet_table
from llkit.data.io.raw import (
    IGNORED_SHEETS,
    META_FILE,
    META_SHEET,
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    TABLES,
    Meta,
    RawDataset,
    RawMeta,
    RawTable,
)
from llkit.data.io.text import detect_encoding, parse_csv_bytes, read_csv_table, sniff_delimiter
from llkit.data.io.values import values_as_text

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

# Private names that other modules still import (or patch) here; they belong to their
# own modules now: import them from there.
from llkit.data.io.parquet import _parquet_streamed as _parquet_streamed  # noqa: E402
from llkit.data.io.parquet import _with_validity as _with_validity  # noqa: E402
from llkit.data.io.text import _slow_csv as _slow_csv  # noqa: E402
