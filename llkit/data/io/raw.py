"""The tables of data format v1 and what the readers return: raw tables and metadata.

Nothing here reads a file: :class:`RawTable`, :class:`RawMeta` and :class:`RawDataset`
hold the values as the user wrote them, with the lines they came from, and :class:`Meta`
is the validated metadata (built by :func:`llkit.data.schema.parse_meta`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

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
