"""A dataset path: a folder of CSV / Parquet tables with ``dataset.toml``, or a workbook."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from llkit.data.io.excel import read_workbook
from llkit.data.io.meta import read_toml_meta
from llkit.data.io.parquet import read_parquet_table
from llkit.data.io.raw import META_FILE, REQUIRED_TABLES, TABLES, RawDataset, RawTable
from llkit.data.io.text import read_csv_table
from llkit.errors import ProblemLog

_TABLE_SUFFIXES = (".csv", ".parquet")


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

    listing = _list_folder(p, log)
    if listing is None:
        return empty
    found, workbooks, others = listing
    if not found and workbooks:
        return _folder_workbook(p, workbooks, log, categorical, id_columns)

    meta = read_toml_meta(p / META_FILE, log)
    _warn_other_files(others, log)
    tables, expected = _read_tables(found, log, categorical, id_columns)
    return RawDataset(root=p, meta=meta, tables=tables, expected_files=expected)


def _list_folder(p: Path, log: ProblemLog,
                 ) -> tuple[dict[str, list[Path]], list[Path], list[Path]] | None:
    """The folder's table files (by table name), workbooks and other table-like files.

    None (and an error) when the folder cannot be read.
    """
    try:
        entries = sorted(e for e in p.iterdir() if e.is_file())
    except OSError as exc:
        log.error(file=None, problem=f"the folder {p} cannot be read: {exc.strerror or exc}",
                  action="check that the folder exists and that you may read it")
        return None
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
    return found, workbooks, others


def _folder_workbook(p: Path, workbooks: list[Path], log: ProblemLog,
                     categorical: Mapping[str, Collection[str]],
                     id_columns: Mapping[str, Collection[str]]) -> RawDataset:
    """A folder without tables but with workbooks: its one workbook is the dataset."""
    if len(workbooks) == 1:
        if (p / META_FILE).is_file():
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


def _warn_other_files(others: list[Path], log: ProblemLog) -> None:
    """A warning for each CSV / Parquet file that is not a table of the format."""
    for e in others:
        log.warning(
            file=e.name,
            problem=f"file ignored: {e.stem!r} is not a table of the data format",
            action="rename it to one of " + ", ".join(f"{t}{e.suffix}" for t in TABLES)
            + " if it is one of these tables, or move it out of the dataset folder",
        )


def _read_tables(found: dict[str, list[Path]], log: ProblemLog,
                 categorical: Mapping[str, Collection[str]],
                 id_columns: Mapping[str, Collection[str]],
                 ) -> tuple[dict[str, RawTable], dict[str, str]]:
    """Read each table's file; also the file name each table has (or would have)."""
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
    return tables, expected
