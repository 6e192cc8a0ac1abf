"""Replace person identifiers by keyed-hash pseudonyms before the data is analysed.

llkit refuses data with CPR numbers. :func:`pseudonymize` reads a dataset (a folder of
CSV/Parquet tables with ``dataset.toml``, or one ``.xlsx`` workbook) and writes a copy in
which every person identifier is replaced by a pseudonym:

* ``child_id`` and ``respondent_id`` in every table where they occur;
* any column whose values look like CPR numbers (``DDMMYY-XXXX`` or ten digits that start
  with a valid date) — in every table where a column of that name occurs, so that ids
  keep matching between tables;
* any further columns the caller names with ``columns=``.

A pseudonym is ``"P"`` followed by 12 base32 characters of HMAC-SHA256(key, id), where
``id`` is the identifier with surrounding spaces removed and, for CPR numbers, without the
dash (``"010203-1234"`` and ``"0102031234"`` are the same person). The same person gets the
same pseudonym in every round, file and run that uses the same key; without the key the
pseudonyms cannot be traced back. The key lives in a separate key file that is never
written into the output. Columns named ``cpr``, ``cpr_nummer``, ``personnummer`` (and
similar) are dropped, since the ``child_id`` already identifies the child.

The output is a dataset folder: ``dataset.toml`` and one UTF-8, comma-separated CSV per
table. Only llkit's tables are written; other files or sheets are listed in the report as
not copied, because they could hold personal data that llkit cannot recognise.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llkit.errors import DataError, ProblemLog

__all__ = ["pseudonymize", "pseudonym", "ID_COLUMNS", "TABLE_NAMES"]

#: Columns that always hold person identifiers.
ID_COLUMNS = ("child_id", "respondent_id")

#: The tables of llkit's data format (only these are written to the output).
TABLE_NAMES = ("units", "children", "measures", "items", "responses", "goals", "reference")

#: Normalised names of columns that hold CPR numbers and are dropped.
_CPR_COLUMN_NAMES = {"cpr", "cprnr", "cprno", "cprnummer", "cprnumber", "personnummer"}

#: Numeric columns whose decimal commas (from semicolon-separated files) become points.
_NUMERIC_COLUMNS = {
    "value",
    "scale_min",
    "scale_max",
    "min_items",
    "low_cut",
    "high_cut",
    "n",
    "mean",
    "sd",
    "birth_year",
}

_PREFIX = "P"
_HASH_CHARS = 12
_KEY_BYTES = 32
_MIN_KEY_BYTES = 16

_CPR_RE = re.compile(r"^(\d{2})(\d{2})(\d{2})[- ]?(\d{4})$")
_NINE_DIGITS_RE = re.compile(r"^\d{9}$")
_DECIMAL_COMMA_RE = re.compile(r"^\s*[+-]?\d*,\d+\s*$")


# --------------------------------------------------------------------------- identifiers


def _is_cpr(value: Any) -> bool:
    """Whether a value looks like a Danish CPR number.

    ``DDMMYY-XXXX``, ``DDMMYY XXXX`` or ten digits, where ``DDMMYY`` is a valid date in
    the 1900s or 2000s. The modulus-11 check is not used (CPR numbers issued since 2007
    need not satisfy it).

    Examples
    --------
    >>> _is_cpr("010203-1234"), _is_cpr("0102031234"), _is_cpr("B0001")
    (True, True, False)
    >>> _is_cpr("3102031234")   # 31 February
    False
    """
    if value is None:
        return False
    m = _CPR_RE.match(str(value).strip())
    if not m:
        return False
    return _valid_ddmmyy(m.group(1), m.group(2), m.group(3))


def _any_cpr(col: pd.Series) -> bool:
    """Whether any value of a column of strings looks like a CPR number.

    True when :func:`_is_cpr` or the validator's test (:func:`llkit.data.schema.looks_like_cpr`)
    finds one, so that the output never fails validation for a CPR-like value.
    """
    from llkit.data.schema import looks_like_cpr

    text = col.astype(str).str.strip()
    candidates = pd.unique(text[text.str.fullmatch(r"\d{6}[- ]?\d{4}")])
    if not len(candidates):
        return False
    return bool(looks_like_cpr(pd.Series(candidates, dtype=object)).any()) or any(
        _is_cpr(v) for v in candidates
    )


def _valid_ddmmyy(dd: str, mm: str, yy: str) -> bool:
    d, mo, y = int(dd), int(mm), int(yy)
    for century in (2000, 1900):
        try:
            _dt.date(century + y, mo, d)
            return True
        except ValueError:
            continue
    return False


def _normalise_id(value: str) -> tuple[str, str]:
    """The identifier that is hashed, and how it was recognised.

    Returns ``(normalised, kind)`` with kind ``"cpr"`` (a CPR number; dash or space
    removed), ``"cpr9"`` (nine digits that are a CPR number whose leading zero was lost,
    e.g. in Excel; the zero is put back) or ``"id"`` (any other id; only surrounding
    spaces removed).
    """
    text = value.strip()
    m = _CPR_RE.match(text)
    if m and _valid_ddmmyy(m.group(1), m.group(2), m.group(3)):
        return "".join(m.groups()), "cpr"
    if _NINE_DIGITS_RE.match(text):
        padded = "0" + text
        if _valid_ddmmyy(padded[0:2], padded[2:4], padded[4:6]):
            return padded, "cpr9"
    return text, "id"


def pseudonym(value: str, key: bytes) -> str:
    """The pseudonym of one identifier under ``key``.

    Parameters
    ----------
    value : str
        The identifier (a CPR number, a child id …). It is normalised first: surrounding
        spaces removed, and a CPR number's dash removed.
    key : bytes
        The secret key (at least 16 bytes).

    Returns
    -------
    str
        ``"P"`` followed by 12 base32 characters (A-Z, 2-7). Never ten digits, so a
        pseudonym never looks like a CPR number.

    Examples
    --------
    >>> key = bytes(32)
    >>> pseudonym("010203-1234", key) == pseudonym(" 0102031234 ", key)
    True
    >>> len(pseudonym("B0001", key))
    13
    """
    normalised, _ = _normalise_id(str(value))
    return _hash(normalised, key)


def _hash(normalised: str, key: bytes) -> str:
    digest = hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).digest()
    return _PREFIX + base64.b32encode(digest).decode("ascii")[:_HASH_CHARS]


# --------------------------------------------------------------------------- key file


def _load_or_make_key(key_file: Path) -> tuple[bytes, bool, str | None]:
    """Read the key, or make a new one (written later). Returns (key, is_new, note)."""
    if key_file.is_dir():
        raise DataError.single(
            file=str(key_file),
            problem="the key file is a folder",
            action="give the path of a file (it is created if it does not exist)",
        )
    if not key_file.exists():
        return secrets.token_bytes(_KEY_BYTES), True, None
    try:
        text = key_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError.single(
            file=str(key_file),
            problem=f"the key file cannot be read as text ({exc})",
            action="give the key file llkit created, or a new path to create a new key",
        ) from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < _MIN_KEY_BYTES:
        raise DataError.single(
            file=str(key_file),
            problem="the key file does not hold a key (expected at least 32 hexadecimal "
            "characters)",
            action="give the key file llkit created for this data; with another key every "
            "pseudonym changes",
        )
    note = None
    try:
        if os.name == "posix" and key_file.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            note = (
                f"the key file {key_file} can be read by other users; restrict it with "
                f"chmod 600 {key_file}"
            )
    except OSError:  # pragma: no cover
        pass
    return key, False, note


def _write_key(key_file: Path, key: bytes) -> None:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (key.hex() + "\n").encode("ascii"))
    finally:
        os.close(fd)
    try:
        os.chmod(key_file, 0o600)
    except OSError:  # pragma: no cover - e.g. file systems without permissions
        pass


# --------------------------------------------------------------------------- reading


class _Table:
    """One table to write: its name, file name as shown to the user, and values."""

    def __init__(self, name: str, file: str, frame: pd.DataFrame, decimal_comma: bool = False):
        self.name = name
        self.file = file
        self.frame = frame
        self.decimal_comma = decimal_comma


def _read_source(
    src: Path, log: ProblemLog
) -> tuple[list[_Table], str | None, dict[str, Any] | None, list[str]]:
    """Read the dataset with :mod:`llkit.data.io`.

    Returns (tables, dataset.toml text or None, workbook metadata or None, names of
    files or sheets that are not copied). A folder may hold only some of the tables (e.g.
    the next round's responses); a workbook must be complete.
    """
    from llkit.data import io as llio

    if src.is_file() and src.suffix.lower() == ".xlsx":
        return _read_workbook(src, log)
    if src.is_dir():
        entries = sorted(src.iterdir())
        has_tables = any(
            e.is_file()
            and e.suffix.lower() in (".csv", ".parquet")
            and e.stem.strip().lower() in llio.TABLES
            for e in entries
        )
        books = [
            e
            for e in entries
            if e.is_file() and e.suffix.lower() == ".xlsx" and not e.name.startswith("~$")
        ]
        if not has_tables and not (src / llio.META_FILE).is_file() and len(books) == 1:
            return _read_workbook(books[0], log)
        return _read_folder(src, entries, log)
    raise DataError.single(
        file=str(src),
        problem="not a dataset: neither a folder nor an .xlsx workbook",
        action="give a dataset folder (dataset.toml and CSV/Parquet tables) or an .xlsx workbook",
    )


def _read_folder(
    src: Path, entries: list[Path], log: ProblemLog
) -> tuple[list[_Table], str | None, None, list[str]]:
    from llkit.data import io as llio

    tables: list[_Table] = []
    not_copied: list[str] = []
    meta_text: str | None = None
    seen: dict[str, str] = {}
    for path in entries:
        stem, suffix = path.stem.strip().lower(), path.suffix.lower()
        if path.name == llio.META_FILE and path.is_file():
            if llio.read_toml_meta(path, log) is not None:
                meta_text = (
                    path.read_bytes()
                    .decode(llio.detect_encoding(path.read_bytes()) or "utf-8")
                    .lstrip("\ufeff")
                )
            continue
        if not (path.is_file() and suffix in (".csv", ".parquet") and stem in llio.TABLES):
            not_copied.append(path.name + ("/" if path.is_dir() else ""))
            continue
        if stem in seen:
            log.error(
                file=path.name,
                problem=f"the table {stem} is given twice ({seen[stem]} and {path.name})",
                action="keep one file per table and remove the other",
            )
            continue
        seen[stem] = path.name
        if suffix == ".csv":
            raw = llio.read_csv_table(path, log, name=stem, display=path.name)
        else:
            # numeric columns stay numeric; _as_text formats them without ".0"
            raw = llio.read_parquet_table(path, log, name=stem, display=path.name)
        if raw is not None:
            tables.append(_Table(stem, raw.file, _as_text(raw.frame), raw.decimal_comma))
    if not tables and not log.has_errors:
        log.error(
            file=None,
            problem=f"no tables found in {src}",
            action="give a folder with the tables as CSV or Parquet files ("
            + ", ".join(f"{t}.csv" for t in llio.TABLES)
            + ") and dataset.toml",
        )
    return tables, meta_text, None, not_copied


def _read_workbook(
    path: Path, log: ProblemLog
) -> tuple[list[_Table], None, dict[str, Any] | None, list[str]]:
    from llkit.data import io as llio

    raw = llio.read_workbook(path, log)  # every cell comes back as text
    tables = [_Table(name, t.file, _as_text(t.frame)) for name, t in raw.tables.items()]
    not_copied: list[str] = []
    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        known = set(llio.TABLES) | {llio.META_SHEET} | set(llio.IGNORED_SHEETS)
        not_copied = [f"{path.name}:{n}" for n in wb.sheetnames if n.strip().lower() not in known]
        wb.close()
    except Exception:  # already reported by read_workbook
        pass
    meta = raw.meta.values if raw.meta is not None else None
    return tables, None, meta, not_copied


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """All columns as text (empty = ""), numbers without a spurious ``.0``."""
    out = {}
    for col in frame.columns:
        s = frame[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
            out[col] = s.fillna("")
            continue
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        text = [_cell_text(v) for v in uniques] + [""]
        out[col] = pd.Series(pd.array([text[c] for c in codes], dtype="str"), index=frame.index)
    return pd.DataFrame(out, index=frame.index)


def _cell_text(value: Any) -> str:
    """One value as the text a user would have typed."""
    if value is None or (not isinstance(value, str) and _isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def _isna(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- writing


def _meta_to_toml(meta: dict[str, Any]) -> str:
    """Write a workbook's metadata (as read by :mod:`llkit.data.io`) as ``dataset.toml``."""

    def val(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        if isinstance(v, (float, np.floating)):
            return repr(float(v))
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return json.dumps(str(v), ensure_ascii=False)  # a TOML basic string

    def key(k: str) -> str:
        return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)

    lines = ["# Written by llkit pseudonymize from the workbook's 'dataset' sheet."]
    tables: list[str] = []
    for k, v in meta.items():
        if isinstance(v, dict):
            tables += ["", f"[{key(str(k))}]"]
            tables += [f"{key(str(k2))} = {val(v2)}" for k2, v2 in v.items()]
        else:
            lines.append(f"{key(str(k))} = {val(v)}")
    return "\n".join(lines + tables) + "\n"


def _check_dst(src: Path, dst: Path, key_file: Path) -> None:
    src_r, dst_r = src.resolve(), dst.resolve()
    if dst_r == src_r or (src_r.is_dir() and src_r in dst_r.parents):
        raise DataError.single(
            file=str(dst),
            problem="the output folder is the input or lies inside it",
            action="write the pseudonymised copy to a new folder outside the input, "
            "e.g. next to it",
        )
    if dst_r.exists() and (not dst_r.is_dir() or any(dst_r.iterdir())):
        raise DataError.single(
            file=str(dst),
            problem="the output exists and is not an empty folder",
            action="give a new folder name; llkit never writes over existing files",
        )
    if dst_r.suffix.lower() in (".xlsx", ".csv", ".toml", ".parquet"):
        raise DataError.single(
            file=str(dst),
            problem="the output is a folder, but the name looks like a file",
            action="give a folder name, e.g. data_pseudonymised",
        )
    key_r = key_file.resolve()
    if key_r == dst_r or dst_r in key_r.parents:
        raise DataError.single(
            file=str(key_file),
            problem="the key file would be stored inside the output",
            action="keep the key file apart from the data, e.g. in your home folder",
        )
    if key_r == src_r:
        raise DataError.single(
            file=str(key_file),
            problem="the key file is the input",
            action="give another path for the key file",
        )


def _write_output(dst: Path, tables: list[_Table], meta_text: str | None) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    # mkdir (not mkdtemp) so that the folder gets the usual permissions (umask)
    tmp = dst.parent / f".{dst.name}.tmp-{secrets.token_hex(6)}"
    tmp.mkdir()
    try:
        if meta_text is not None:
            (tmp / "dataset.toml").write_text(meta_text, encoding="utf-8")
        for t in tables:
            t.frame.to_csv(
                tmp / f"{t.name}.csv", index=False, encoding="utf-8", lineterminator="\n"
            )
        if dst.exists():
            dst.rmdir()  # empty, checked before
        os.replace(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --------------------------------------------------------------------------- main


def pseudonymize(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    key_file: str | os.PathLike[str],
    columns: Iterable[str] | None = None,
) -> dict[str, Any]:
    """Write a copy of a dataset with every person identifier replaced by a pseudonym.

    Parameters
    ----------
    src : str or path-like
        The dataset: a folder with ``dataset.toml`` and CSV/Parquet tables, an ``.xlsx``
        workbook, or a folder holding exactly one workbook. Values are read as text, so
        leading zeros are kept.
    dst : str or path-like
        The folder to write: it must not exist (or be empty) and must lie outside
        ``src``. It is written completely or not at all (a temporary folder is renamed).
    key_file : str or path-like
        The secret key. If the file does not exist, a new random key (32 bytes, hex) is
        created with permissions 600. Keep it apart from the data: with the same key the
        next round's data gets the same pseudonyms; without it they cannot be traced back.
    columns : iterable of str, optional
        More columns to pseudonymise (in every table where they occur), besides
        ``child_id``, ``respondent_id`` and columns with CPR-like values.

    Returns
    -------
    dict
        A report: ``pseudonymised`` (table -> columns), ``distinct_ids`` (column -> number
        of distinct persons), ``cpr_numbers`` (distinct CPR numbers replaced), ``dropped_columns``,
        ``not_copied`` (files or sheets left out), ``key_file`` (created or read),
        ``output`` (format written), and ``notes``.

    Raises
    ------
    llkit.errors.DataError
        The input cannot be read, ``dst`` is not a new folder outside ``src``, the key
        file is unusable, or a column named in ``columns`` does not exist. Nothing is
        written then.

    Examples
    --------
    >>> from llkit.data.pseudonym import pseudonymize
    >>> report = pseudonymize("raa_data", "data", key_file="~/llkit-noegle.txt")  # doctest: +SKIP
    >>> report["distinct_ids"]                                                      # doctest: +SKIP
    {'child_id': 412, 'respondent_id': 57}
    """
    src, dst = Path(src).expanduser(), Path(dst).expanduser()
    key_file = Path(key_file).expanduser()
    extra = [str(c) for c in (columns or [])]
    if not src.exists():
        raise DataError.single(
            file=str(src),
            problem="the dataset does not exist",
            action="give the path of a dataset folder or .xlsx workbook",
        )
    _check_dst(src, dst, key_file)
    key, new_key, key_note = _load_or_make_key(key_file)

    log = ProblemLog()
    tables, meta_text, meta, not_copied = _read_source(src, log)
    log.raise_if_errors("The input cannot be pseudonymised")
    # a key file inside the input folder is not a table, but say it is not copied
    not_copied = [n for n in not_copied if (src / n.rstrip("/")).resolve() != key_file.resolve()]

    _check_extra_columns(tables, extra, log)
    dropped = _drop_cpr_columns(tables, extra, log)
    log.raise_if_errors("The input cannot be pseudonymised")

    done, distinct, kinds = _replace_ids(tables, _id_columns(tables, extra), key)

    notes: list[str] = []
    converted = _decimal_points(tables)
    if converted:
        notes.append("decimal commas were changed to points in " + ", ".join(converted))
    if kinds["cpr9"]:
        notes.append(
            f"{len(kinds['cpr9'])} nine-digit ids were read as CPR numbers that lost "
            "their leading zero (e.g. in Excel)"
        )
    if key_note:
        notes.append(key_note)

    if meta_text is None and meta is not None:
        meta_text = _meta_to_toml(meta)
    if meta_text is None:
        notes.append("the input has no dataset.toml, so the output has none either")
    if new_key:
        _write_key(key_file, key)
    _write_output(dst, tables, meta_text)

    return {
        "pseudonymised": done,
        "distinct_ids": {c: len(v) for c, v in distinct.items()},
        "cpr_numbers": len(kinds["cpr"] | kinds["cpr9"]),
        "dropped_columns": dropped,
        "not_copied": not_copied,
        "key_file": (
            f"created {key_file} (new random key, permissions 600)"
            if new_key
            else f"read {key_file}"
        ),
        "output": f"{dst}: dataset.toml and UTF-8 comma-separated CSV "
        f"({', '.join(t.name + '.csv' for t in tables)})",
        "notes": notes,
    }


# --------------------------------------------------------------------------- steps of pseudonymize


def _check_extra_columns(tables: list[_Table], extra: list[str], log: ProblemLog) -> None:
    """Log an error for every column named in ``columns=`` that is in no table."""
    all_columns = {c for t in tables for c in t.frame.columns}
    for c in extra:
        if c not in all_columns:
            log.error(
                file=None,
                column=c,
                problem=f"column {c!r} (given in columns=) is in no table",
                action="check the spelling; the columns are: " + ", ".join(sorted(all_columns)),
            )


def _drop_cpr_columns(tables: list[_Table], extra: list[str], log: ProblemLog) -> list[str]:
    """Drop the columns named like CPR columns; return them as ``table.column``.

    A table of children or responses with a CPR column but no ``child_id`` is logged as an
    error instead: dropping the column would lose who is who.
    """
    dropped: list[str] = []
    for t in tables:
        cpr_cols = [
            c
            for c in t.frame.columns
            if re.sub(r"[^a-z]", "", c.lower()) in _CPR_COLUMN_NAMES and c not in extra
        ]
        if cpr_cols and t.name in ("children", "responses") and "child_id" not in t.frame.columns:
            log.error(
                file=t.file,
                line=1,
                column=cpr_cols[0],
                problem="the table has a CPR column but no child_id column; dropping "
                "the CPR column would lose who is who",
                action=f"rename the column {cpr_cols[0]} to child_id and run again: "
                "then it is replaced by a pseudonym",
            )
            continue
        for c in cpr_cols:
            t.frame = t.frame.drop(columns=c)
            dropped.append(f"{t.name}.{c}")
    return dropped


def _id_columns(tables: list[_Table], extra: list[str]) -> set[str]:
    """The columns to pseudonymise: the id columns, those named, those with CPR values."""
    id_names = set(ID_COLUMNS) | set(extra)
    for t in tables:
        for c in t.frame.columns:
            if c not in id_names and _any_cpr(t.frame[c]):
                id_names.add(c)
    return id_names


def _replace_ids(
    tables: list[_Table], id_names: set[str], key: bytes
) -> tuple[dict[str, list[str]], dict[str, set[str]], dict[str, set[str]]]:
    """Replace every value of the ``id_names`` columns by its pseudonym, in place.

    Returns the pseudonymised columns per table, the distinct pseudonyms per column, and
    the normalised CPR numbers found (``"cpr"``, and ``"cpr9"`` for nine-digit ones).
    """
    mapping: dict[str, str] = {}  # normalised id -> pseudonym
    reverse: dict[str, str] = {}
    distinct: dict[str, set[str]] = {}
    kinds: dict[str, set[str]] = {"cpr": set(), "cpr9": set()}
    done: dict[str, list[str]] = {}
    for t in tables:
        for c in [c for c in t.frame.columns if c in id_names]:
            col = t.frame[c].astype(object)
            codes, uniques = pd.factorize(col)
            new_uniques = []
            for v in uniques:
                if str(v).strip() == "":
                    new_uniques.append("")
                    continue
                norm, kind = _normalise_id(str(v))
                if kind != "id":
                    kinds[kind].add(norm)
                p = mapping.get(norm)
                if p is None:
                    p = _hash(norm, key)
                    if p in reverse and reverse[p] != norm:  # pragma: no cover - 2**-60
                        raise DataError.single(
                            file=t.file,
                            column=c,
                            problem="two ids got the same pseudonym",
                            action="report this to the llkit developers",
                        )
                    mapping[norm], reverse[p] = p, norm
                distinct.setdefault(c, set()).add(p)
                new_uniques.append(p)
            t.frame[c] = (
                pd.Series(new_uniques, dtype=object).take(codes).to_numpy() if len(codes) else col
            )
            done.setdefault(t.name, []).append(c)
    return done, distinct, kinds


def _decimal_points(tables: list[_Table]) -> list[str]:
    """Write decimal commas of numeric columns as points (tables read with ``;``), in place;
    return the ``file:column`` changed."""
    converted = []
    for t in tables:
        if t.decimal_comma:
            for c in [c for c in t.frame.columns if c in _NUMERIC_COLUMNS]:
                col = t.frame[c]
                mask = col.str.match(_DECIMAL_COMMA_RE.pattern)
                if mask.any():
                    t.frame[c] = col.where(~mask, col.str.replace(",", ".", regex=False))
                    converted.append(f"{t.file}:{c}")
    return converted
