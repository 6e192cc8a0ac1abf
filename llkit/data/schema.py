"""Validation: what a valid dataset is, and the problem table when it is not.

One specification per table (:func:`table_spec`) is the single source of truth for the
column names, which columns are required, and the constraints on single values (ids
present and unique, numbers, booleans, rounds known, no CPR numbers). A valid table is
confirmed by vectorised checks of that specification; only a table that fails them is run
through its pandera schema (:func:`table_schema`, built from the same specification),
lazily, so every failing value is found at once, and pandera's ``failure_cases`` become
rows of the problem table with the line the user sees in the file. (pandera is imported
only then: loading a valid dataset does not pay for it.)

Checks between tables (references to unknown ids, values outside the measure's scale,
duplicate answers, a child in two departments in one round …) are vectorised
(:func:`check_cross`): they work on the codes and categories of Categorical columns, never
row by row, so a national-size dataset is checked in seconds.

:func:`check_dataset` runs everything and returns the typed tables that
:class:`llkit.data.dataset.Dataset` is built from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.data.io import (
    META_FILE,
    OPTIONAL_TABLES,
    TABLES,
    Meta,
    RawDataset,
    RawMeta,
    RawTable,
    _code_dtype,
    _is_text,
    values_as_text,
)
from llkit.errors import ProblemLog

if TYPE_CHECKING:  # pragma: no cover
    import pandera.pandas as pa

__all__ = [
    "SUBJECTS",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "PSEUDONYMIZE_ACTION",
    "MAX_ROWS_PER_CHECK",
    "MISSING_SHARE_WARN",
    "table_spec",
    "table_schema",
    "ColumnSpec",
    "Rule",
    "columns",
    "required_columns",
    "id_columns",
    "categorical_columns",
    "looks_like_cpr",
    "mask_cpr",
    "parse_meta",
    "check_table",
    "convert_table",
    "check_cross",
    "check_dataset",
    "Checked",
]

#: Whom a measure's score describes.
SUBJECTS = ("child", "respondent", "department")
#: Accepted spellings of true / false (any case). Empty means the column's default.
TRUE_WORDS = ("true", "1", "ja", "yes", "sand")
FALSE_WORDS = ("false", "0", "nej", "no", "falsk")
#: Cell texts that mean "no number" in a numeric column (besides an empty cell).
_NUMBER_MISSING = ("na", "nan")
#: What to do about personal identifiers.
PSEUDONYMIZE_ACTION = (
    "pseudonymise the ids first: `llkit pseudonymize IN OUT --key-file KEY` replaces them "
    "with a keyed hash that is stable across rounds; keep the key file safe and validate OUT"
)
#: At most this many problem rows are kept per check and column; the rest are counted.
MAX_ROWS_PER_CHECK = 1000
#: Warn about an item when more than this share of its answer rows are empty.
MISSING_SHARE_WARN = 0.30

_BOOL_DEFAULTS = {"higher_is_better": True, "reverse": False, "signs_defined": False,
                  "signs_documented": False}


# ======================================================================================
# distinct-value helpers: every check and conversion looks at distinct values only
# ======================================================================================


def _per_row(s: pd.Series, fn: Callable[[pd.Series], np.ndarray], na: Any) -> np.ndarray:
    """Apply ``fn`` to the distinct non-missing values of ``s`` and spread the result.

    ``fn`` gets a Series of distinct values and returns one result per value; rows with a
    missing value get ``na``.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        res = np.asarray(fn(_distinct(cats)))
        codes = _codes(s)
    else:
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        if len(uniq) and not isinstance(uniq, pd.Index):
            uniq = pd.Index(uniq)
        res = np.asarray(fn(_distinct(uniq)))
    out_dtype = np.result_type(res.dtype, np.asarray([na]).dtype) if res.dtype != object else object
    table = np.empty(len(res) + 1, dtype=out_dtype)
    table[:-1] = res
    table[-1] = na
    if table.dtype.kind != "O" and (table == table[0]).all():
        # one result for every row (a check that passes everywhere): no lookup per row
        return np.full(len(codes), table[0], dtype=out_dtype)
    return table[codes]


def _distinct(values: Any) -> pd.Series:
    """Distinct values as a Series: text stays ``str`` (no per-value formatting),
    anything else becomes ``object``."""
    if _is_text(values):
        return pd.Series(values, dtype="str").reset_index(drop=True)
    return pd.Series(np.asarray(values, dtype=object))


def _texts(vals: pd.Series) -> pd.Series:
    """Distinct values as stripped text (``str`` dtype)."""
    return values_as_text(vals).str.strip()


def _parse_numbers(vals: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of distinct values: (float array with NaN, bad mask)."""
    if len(vals) == 0:
        return np.zeros(0), np.zeros(0, dtype=bool)
    inferred = pd.api.types.infer_dtype(vals, skipna=True)
    if inferred == "string":
        numeric = np.zeros(len(vals), dtype=bool)
    elif inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
        numeric = np.ones(len(vals), dtype=bool)
    else:
        numeric = np.array([isinstance(v, (int, float, np.integer, np.floating))
                            and not isinstance(v, (bool, np.bool_)) for v in vals], dtype=bool)
    out = np.full(len(vals), np.nan)
    bad = np.zeros(len(vals), dtype=bool)
    if numeric.any():
        x = pd.to_numeric(vals[numeric], errors="coerce").to_numpy(dtype=float)
        finite = np.isfinite(x)
        out[numeric] = np.where(finite, x, np.nan)
        bad[numeric] = ~finite
    rest = ~numeric
    if rest.any():
        t = _texts(vals[rest])
        if decimal_comma:
            t = t.str.replace(",", ".", regex=False)
        missing = (t.str.lower().isin(_NUMBER_MISSING) | (t == "") | t.isna()).to_numpy()
        ok_text = t.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?").fillna(False).to_numpy(
            dtype=bool)
        x = pd.to_numeric(t.where(ok_text), errors="coerce").to_numpy(dtype=float, copy=True)
        x[~np.isfinite(x)] = np.nan
        out[rest] = x
        bad[rest] = ~missing & np.isnan(x)
    return out, bad


def _parse_bools(vals: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Booleans of distinct values: (float array 1/0/NaN, bad mask)."""
    t = _texts(vals).str.lower()
    t = t.str.replace(r"\.0+$", "", regex=True)  # 1.0 from a spreadsheet
    yes = t.isin(TRUE_WORDS).to_numpy()
    no = t.isin(FALSE_WORDS).to_numpy()
    empty = (t.isna() | (t == "")).to_numpy()
    out = np.where(yes, 1.0, np.where(no, 0.0, np.nan))
    return out, ~(yes | no | empty)


def _parse_dates(vals: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Years of distinct date values: (float array of years, bad mask)."""
    t = _texts(vals)
    t = t.str.replace(r"[ T]00:00(:00)?$", "", regex=True)
    parsed = pd.Series(pd.NaT, index=t.index, dtype="datetime64[ns]")
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"):
        todo = parsed.isna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(t[todo], format=fmt, errors="coerce")
    empty = (t.isna() | (t == "")).to_numpy()
    year = parsed.dt.year.to_numpy(dtype=float)
    bad = ~empty & np.isnan(year)
    return year, bad


_CPR_DASH = re.compile(r"^(\d{2})(\d{2})(\d{2})-\d{4}$")
_CPR_PLAIN = re.compile(r"^(\d{2})(\d{2})(\d{2})\d{4}$")
_CPR_ANYWHERE = re.compile(r"(?<!\d)(\d{6})[- ]?\d{4}(?!\d)")


def _valid_ddmmyy(dd: np.ndarray, mm: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """True where DD-MM-YY is a date in the 1900s or the 2000s."""
    ok = np.zeros(len(dd), dtype=bool)
    for century in (1900, 2000):
        d = pd.to_datetime(
            pd.DataFrame({"year": century + yy, "month": mm, "day": dd}), errors="coerce")
        ok |= d.notna().to_numpy()
    return ok


def looks_like_cpr(vals: Iterable[Any]) -> np.ndarray:
    """True for values that look like a Danish CPR number.

    ``DDMMYY-XXXX`` (with a plausible day and month), or ten digits whose first six
    form a valid date ``DDMMYY``.

    Examples
    --------
    >>> looks_like_cpr(["010203-1234", "0102031234", "3213991234", "C0001"]).tolist()
    [True, True, False, False]
    """
    if isinstance(vals, pd.Series) and _is_text(vals):
        t = _texts(vals)  # text already: no per-value formatting
    else:
        t = _texts(pd.Series(list(vals) if not isinstance(vals, pd.Series) else vals,
                             dtype=object))
    out = np.zeros(len(t), dtype=bool)
    if not len(t):
        return out
    if not t.str.fullmatch(r"\d{6}-?\d{4}").fillna(False).any():
        return out
    for pattern, strict in ((_CPR_DASH, False), (_CPR_PLAIN, True)):
        parts = t.str.extract(pattern)
        hit = parts[0].notna().to_numpy()
        if not hit.any():
            continue
        dd = parts.loc[hit, 0].astype(int).to_numpy()
        mm = parts.loc[hit, 1].astype(int).to_numpy()
        yy = parts.loc[hit, 2].astype(int).to_numpy()
        if strict:
            ok = _valid_ddmmyy(dd, mm, yy)
        else:
            ok = (dd >= 1) & (dd <= 31) & (mm >= 1) & (mm <= 12)
        idx = np.flatnonzero(hit)
        out[idx[ok]] = True
    return out


def mask_cpr(problems: pd.DataFrame) -> pd.DataFrame:
    """Mask anything CPR-shaped in the ``value`` and ``problem`` columns (``010203-****``)."""
    out = problems.copy()
    for col in ("value", "problem"):
        if col in out.columns and len(out):
            s = out[col]
            has = s.notna()
            if has.any():
                out.loc[has, col] = (
                    s[has].astype(str).str.replace(_CPR_ANYWHERE, r"\1-****", regex=True)
                )
    return out


# ======================================================================================
# the schemas
# ======================================================================================


@dataclass(frozen=True)
class Rule:
    """A named column check: ``fn(series)`` gives a boolean Series, True where the value
    is acceptable (missing values pass). Becomes a ``pandera.Check`` of the same name in
    :func:`table_schema`."""

    name: str
    fn: Callable[[pd.Series], pd.Series]


@dataclass(frozen=True)
class ColumnSpec:
    """What a table's column must satisfy (see :func:`table_spec`)."""

    kind: str
    required: bool
    nullable: bool
    unique: bool
    rules: list[Rule] = field(default_factory=list)


def _check(name: str, ok: Callable[[pd.Series], np.ndarray]) -> Rule:
    """A check that evaluates ``ok`` on distinct values (missing values pass)."""

    def fn(s: pd.Series) -> pd.Series:
        return pd.Series(_per_row(s, ok, True).astype(bool, copy=False), index=s.index,
                         copy=False)

    return Rule(name, fn)


def _number_check(decimal_comma: bool, name: str = "number",
                  extra: Callable[[np.ndarray], np.ndarray] | None = None) -> Rule:
    def ok(vals: pd.Series) -> np.ndarray:
        x, bad = _parse_numbers(vals, decimal_comma)
        good = ~bad
        if extra is not None:
            with np.errstate(invalid="ignore"):
                good &= np.isnan(x) | extra(x)
        return good

    def fn(s: pd.Series) -> pd.Series:
        if (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
                and not isinstance(s.dtype, pd.CategoricalDtype)):
            # numbers already (Parquet, 13 million answers): no per-value work
            x = s.to_numpy(dtype=float, na_value=np.nan)
            res = ~np.isinf(x)
            if extra is not None:
                with np.errstate(invalid="ignore"):
                    res &= np.isnan(x) | extra(x)
            return pd.Series(res, index=s.index)
        return pd.Series(_per_row(s, ok, True).astype(bool, copy=False), index=s.index,
                         copy=False)

    return Rule(name, fn)


def _kind_checks(kind: str, decimal_comma: bool, rounds: list[str] | None) -> list[Rule]:
    if kind == "id":
        return [_check("cpr", lambda v: ~looks_like_cpr(v))]
    if kind == "round":
        if rounds is None:
            return []
        known = set(rounds)
        return [_check("round", lambda v: _texts(v).isin(known).to_numpy())]
    if kind == "number":
        return [_number_check(decimal_comma)]
    if kind == "nonneg":
        return [_number_check(decimal_comma, "nonneg", lambda x: x >= 0)]
    if kind == "posint":
        return [_number_check(decimal_comma, "posint", lambda x: (x >= 1) & (x == np.round(x)))]
    if kind == "count":
        return [_number_check(decimal_comma, "count", lambda x: (x >= 0) & (x == np.round(x)))]
    if kind == "year":
        return [_number_check(decimal_comma, "year",
                              lambda x: (x >= 1900) & (x <= 2100) & (x == np.round(x)))]
    if kind == "bool":
        return [_check("boolean", lambda v: ~_parse_bools(v)[1])]
    if kind == "date":
        return [_check("date", lambda v: ~_parse_dates(v)[1])]
    if kind == "subject":
        return [_check("subject", lambda v: _texts(v).str.lower().isin(SUBJECTS).to_numpy())]
    if kind == "background":
        return [_check("cpr", lambda v: ~looks_like_cpr(v))]
    return []


# (kind, required column, value required, unique)
_SPEC: dict[str, dict[str, tuple[str, bool, bool, bool]]] = {
    "units": {
        "department_id": ("id", True, True, True),
        "department_name": ("text", False, False, False),
        "institution_id": ("id", True, True, False),
        "institution_name": ("text", False, False, False),
        "cluster": ("text", False, False, False),
        "area": ("text", False, False, False),
    },
    "children": {
        "child_id": ("id", True, True, True),
        "birth_date": ("date", False, False, False),
        "birth_year": ("year", False, False, False),
        "sex": ("background", False, False, False),
        "parent_education": ("background", False, False, False),
        "language": ("background", False, False, False),
    },
    "measures": {
        "measure_id": ("id", True, True, True),
        "label": ("text", True, True, False),
        "source": ("text", True, True, False),
        "subject": ("subject", True, True, False),
        "scale_min": ("number", False, False, False),
        "scale_max": ("number", False, False, False),
        "higher_is_better": ("bool", False, False, False),
        "min_items": ("posint", False, False, False),
        "low_cut": ("number", False, False, False),
        "high_cut": ("number", False, False, False),
        "group": ("text", False, False, False),
    },
    "items": {
        "item_id": ("id", True, True, True),
        "measure_id": ("id", True, True, False),
        "text": ("text", False, False, False),
        "reverse": ("bool", False, False, False),
    },
    "responses": {
        "round": ("round", True, True, False),
        "item_id": ("id", True, True, False),
        "department_id": ("id", True, True, False),
        "child_id": ("id", False, False, False),
        "respondent_id": ("id", False, False, False),
        "value": ("number", True, False, False),
    },
    "goals": {
        "round": ("round", True, True, False),
        "department_id": ("id", True, True, False),
        "goal_id": ("id", True, True, False),
        "theme": ("text", False, False, False),
        "goal": ("text", False, False, False),
        "signs_defined": ("bool", True, False, False),
        "signs_documented": ("bool", True, False, False),
    },
    "reference": {
        "measure_id": ("id", True, True, False),
        "round": ("round", True, True, False),
        "scope": ("text", True, True, False),
        "n": ("count", False, False, False),
        "mean": ("number", True, True, False),
        "sd": ("nonneg", True, True, False),
    },
}
_UNIQUE_TOGETHER: dict[str, list[str]] = {"goals": ["round", "department_id", "goal_id"]}


def table_spec(
    name: str,
    *,
    rounds: list[str] | None = None,
    decimal_comma: bool = False,
    extra_columns: Iterable[str] = (),
    present: Iterable[str] | None = None,
) -> tuple[dict[str, ColumnSpec], list[str] | None]:
    """The rules of one table, on the values as read (text): the single source of truth
    for what a valid table is. :func:`table_schema` turns it into a pandera schema.

    Parameters
    ----------
    name : str
        Table name (one of :data:`llkit.data.io.TABLES`).
    rounds : list of str, optional
        The dataset's rounds; when given, ``round`` values must be among them.
    decimal_comma : bool
        Accept a decimal comma in numbers (semicolon-separated files, workbooks).
    extra_columns : iterable of str
        Further columns of the table. In ``children`` every column is checked for CPR
        numbers, so extra columns get that check too; elsewhere they are not checked.
    present : iterable of str, optional
        The columns the table has; a combined-uniqueness check that needs a missing
        column is left out (the missing column is reported instead).

    Returns
    -------
    columns : dict of str to ColumnSpec
        Per column: ``kind`` (``id``, ``round``, ``text``, ``number`` …), ``required``
        (the column must exist), ``nullable``, ``unique`` and its value ``rules``.
    together : list of str or None
        Columns whose combination must be unique.
    """
    if name not in _SPEC:
        raise KeyError(f"unknown table {name!r}; tables are {', '.join(TABLES)}")
    cols: dict[str, ColumnSpec] = {}
    for col, (kind, required, nonempty, unique) in _SPEC[name].items():
        checks = _kind_checks(kind, decimal_comma, rounds)
        if name == "children" and kind not in ("id", "background"):
            checks = checks + _kind_checks("background", decimal_comma, rounds)
        cols[col] = ColumnSpec(kind, required, not nonempty, unique, checks)
    if name == "children":
        for col in extra_columns:
            if col not in cols:
                cols[col] = ColumnSpec("text", False, True, False,
                                       _kind_checks("background", decimal_comma, rounds))
    together = _UNIQUE_TOGETHER.get(name)
    if together and present is not None and not set(together) <= set(present):
        together = None  # a missing column is reported on its own
    return cols, together


def table_schema(
    name: str,
    *,
    rounds: list[str] | None = None,
    decimal_comma: bool = False,
    extra_columns: Iterable[str] = (),
    present: Iterable[str] | None = None,
) -> pa.DataFrameSchema:
    """The pandera schema of one table, on the values as read (text).

    Built from :func:`table_spec` (same parameters). pandera is imported only here: a
    valid dataset is checked by :func:`_passes` without it, and pandera runs only to
    produce the failure cases of a table that does not pass.

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Each column's ``metadata`` holds ``kind`` (``id``, ``round``, ``text``,
        ``number`` …) and ``required``.
    """
    import pandera.pandas as pa

    spec, together = table_spec(name, rounds=rounds, decimal_comma=decimal_comma,
                                extra_columns=extra_columns, present=present)
    cols = {
        col: pa.Column(
            required=c.required,
            nullable=c.nullable,
            unique=c.unique,
            report_duplicates="exclude_first",
            checks=[pa.Check(r.fn, name=r.name, ignore_na=False) for r in c.rules],
            metadata={"kind": c.kind, "required": c.required},
        )
        for col, c in spec.items()
    }
    return pa.DataFrameSchema(
        cols,
        name=name,
        unique=together,
        report_duplicates="exclude_first",
        strict=False,
        coerce=False,
    )


def columns(name: str) -> list[str]:
    """The standard columns of a table, in format order."""
    return list(table_spec(name)[0])


def required_columns(name: str) -> list[str]:
    """The columns a table must have."""
    return [c for c, col in table_spec(name)[0].items() if col.required]


def id_columns(name: str) -> list[str]:
    """Identifier columns of a table (kept as text, checked for CPR numbers)."""
    return [c for c, col in table_spec(name)[0].items() if col.kind == "id"]


def categorical_columns(name: str) -> list[str]:
    """Columns read as Categoricals: ids and rounds, and every column of ``responses``."""
    out = [c for c, col in table_spec(name)[0].items() if col.kind in ("id", "round")]
    if name == "responses":
        out.append("value")
    return out


# ======================================================================================
# metadata
# ======================================================================================


def _known_sectors() -> list[str]:
    from llkit.data.profiles import PROFILES

    return list(PROFILES)


def parse_meta(raw: RawMeta | None, log: ProblemLog) -> Meta | None:
    """Validate the metadata; return :class:`~llkit.data.io.Meta`, or None if it is unusable.

    Errors: missing ``name``, ``sector`` or ``rounds``; unknown sector; rounds not a
    non-empty list of unique texts; ``min_n`` not a positive whole number; ``synthetic``
    not true/false. Unknown keys are kept in ``Meta.extra``.
    """
    if raw is None:
        return None
    v = dict(raw.values)
    file = raw.file
    is_toml = file.endswith(".toml")
    where = "dataset.toml" if is_toml else "the dataset sheet"

    def err(key: str, problem: str, action: str, value: Any = None) -> None:
        log.error(file=file, line=raw.lines.get(key), column=key, value=value,
                  problem=problem, action=action)

    for key, example in (("name", '"Eksempel Kommune"'), ("sector", '"dagtilbud"'),
                         ("rounds", '["T1", "T2", "T3"]')):
        if key not in v:
            ex = example if is_toml else example.replace('"', "").strip("[]")
            err(key, f"the key {key} is missing",
                f"add {key} = {ex} to {where}")
    name = v.pop("name", None)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        err("name", "name must be a non-empty text", f'write name = "Eksempel Kommune" in {where}',
            name)
    sector = v.pop("sector", None)
    sectors = _known_sectors()
    if sector is not None:
        if not isinstance(sector, str) or sector.strip().lower() not in sectors:
            err("sector", f"unknown sector {sector!r}; the known sectors are "
                + ", ".join(sectors), "set sector to " + " or ".join(f'"{s}"' for s in sectors),
                sector)
        else:
            sector = sector.strip().lower()
    rounds = v.pop("rounds", None)
    if rounds is not None:
        if isinstance(rounds, str) and is_toml:
            err("rounds", "rounds must be a list of round ids, not a single text",
                'write rounds = ["T1", "T2", "T3"] (in time order)', rounds)
        elif not isinstance(rounds, list) or not rounds:
            err("rounds", "rounds must be a non-empty list of round ids",
                'write rounds = ["T1", "T2", "T3"] (in time order)', rounds)
        elif not all(isinstance(r, str) and r.strip() for r in rounds):
            err("rounds", "every round id must be a non-empty text",
                'write the rounds in quotes: rounds = ["T1", "T2"]', rounds)
        else:
            rounds = [r.strip() for r in rounds]
            dups = sorted({r for r in rounds if rounds.count(r) > 1})
            if dups:
                err("rounds", "rounds lists " + ", ".join(dups) + " more than once",
                    "list each round once, in time order", rounds)
    round_dates = v.pop("round_dates", {})
    dates: dict[str, str] = {}
    if not isinstance(round_dates, dict):
        err("round_dates", "round_dates must be a table of round = date",
            'write [round_dates] and below it T1 = "2015-03-01"' if is_toml
            else "write round_dates as T1=2015-03-01, T2=2017-03-01", round_dates)
    else:
        for k, d in round_dates.items():
            dates[str(k)] = d.isoformat() if hasattr(d, "isoformat") else str(d)
        if isinstance(rounds, list):
            unknown = [k for k in dates if k not in rounds]
            if unknown:
                log.warning(file=file, line=raw.lines.get("round_dates"), column="round_dates",
                            value=", ".join(unknown),
                            problem="round_dates has dates for rounds that are not in rounds: "
                            + ", ".join(unknown),
                            action="remove these dates, or add the rounds to rounds")
    min_n = v.pop("min_n", 5)
    if isinstance(min_n, bool) or not isinstance(min_n, int) or min_n < 1:
        err("min_n", "min_n must be a positive whole number (the smallest group size shown)",
            "write min_n = 5 (or leave it out: the default is 5)", min_n)
        min_n = 5
    synthetic = v.pop("synthetic", False)
    if not isinstance(synthetic, bool):
        err("synthetic", "synthetic must be true or false",
            "write synthetic = true for generated example data, else leave it out", synthetic)
        synthetic = False
    ok = (
        isinstance(name, str) and name.strip()
        and isinstance(sector, str) and sector in sectors
        and isinstance(rounds, list) and rounds and all(isinstance(r, str) for r in rounds)
        and len(set(rounds)) == len(rounds)
    )
    if not ok:
        return None
    return Meta(name=name.strip(), sector=sector, rounds=list(rounds), round_dates=dates,
                min_n=int(min_n), synthetic=bool(synthetic), extra=v)


# ======================================================================================
# single-table checks (pandera)
# ======================================================================================


def _fmt_value(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    return str(v)


def check_table(t: RawTable, log: ProblemLog, *, rounds: list[str] | None = None) -> None:
    """Run the table's pandera schema lazily and log every failure with its line."""
    options = dict(rounds=rounds, decimal_comma=t.decimal_comma,
                   extra_columns=list(t.frame.columns), present=list(t.frame.columns))
    if len(t.frame) == 0 and t.name not in ("children",) + OPTIONAL_TABLES:
        log.error(file=t.file, line=t.header_line,
                  problem=f"the table {t.name} has no data rows",
                  action=f"add the {t.name} rows below the header")
    if _passes(*table_spec(t.name, **options), t.frame):
        return  # nothing for pandera to report (it would find the same, more slowly)
    import pandera.errors

    try:
        table_schema(t.name, **options).validate(t.frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        _log_failures(exc.failure_cases, t, log, rounds)


def _passes(spec: dict[str, ColumnSpec], together: list[str] | None,
            frame: pd.DataFrame) -> bool:
    """True when the frame certainly passes the table's rules (vectorised, no failure
    cases); ``spec`` and ``together`` come from :func:`table_spec`.

    Runs the same checks as pandera (required columns, no missing values where a value
    is required, uniqueness, the column checks, combined uniqueness) directly on the
    columns. It is at least as strict as pandera: anything it cannot vouch for returns
    False, and pandera then runs and produces the failure cases.
    """
    try:
        for name, col in spec.items():
            if name not in frame.columns:
                if col.required:
                    return False
                continue
            s = frame[name]
            if isinstance(s, pd.DataFrame):  # a repeated column name
                return False
            if not col.nullable and _has_missing(s):
                return False
            if col.unique and _has_duplicates(s):
                return False
            for rule in col.rules:
                ok = rule.fn(s)
                if isinstance(ok, pd.Series):
                    ok = ok.to_numpy()
                ok = np.asarray(ok)
                if ok.dtype != bool or ok.shape != (len(s),) or not ok.all():
                    return False
        if together:
            cols = [together] if isinstance(together, str) else list(together)
            if not set(cols) <= set(frame.columns) or frame.duplicated(subset=cols).any():
                return False
    except Exception:  # let pandera report whatever went wrong
        return False
    return True


def _has_missing(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return bool((_codes(s) < 0).any())
    return bool(s.isna().any())


def _has_duplicates(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = _codes(s)
        if len(codes) == 0:
            return False
        counts = np.bincount(codes.astype(np.intp) + 1, minlength=len(s.cat.categories) + 1)
        # duplicated categories (e.g. " a" and "a") are not merged here: pandera
        # compares the values, so leave anything unusual to it
        return bool(counts.max(initial=0) > 1) or not s.cat.categories.is_unique
    return bool(s.duplicated().any())


def _log_failures(fc: pd.DataFrame, t: RawTable, log: ProblemLog,
                  rounds: list[str] | None) -> None:
    fc = fc.copy()
    broken = fc["index"].isna() & ~fc["check"].isin(
        ["column_in_dataframe", "multiple_fields_uniqueness"])
    if broken.any():
        # pandera turns an exception inside a check into a failure case: that is a bug
        # in llkit, not a problem of the data, so it must not be shown as one
        r = fc[broken].iloc[0]
        raise RuntimeError(f"internal error in check {r['check']!r} on {t.file}, column "
                           f"{r['column']!r}: {r['failure_case']}")
    idx = pd.to_numeric(fc["index"], errors="coerce")
    fc["_pos"] = idx
    n = len(t.lines)
    line = pd.Series(pd.NA, index=fc.index, dtype="Int64")
    has = idx.notna() & (idx >= 0) & (idx < n)
    if has.any():
        line[has] = t.lines[idx[has].astype(int).to_numpy()]
    fc["_line"] = line

    # combined uniqueness: one row per failing line
    multi = fc["check"] == "multiple_fields_uniqueness"
    if multi.any():
        cols = _UNIQUE_TOGETHER.get(t.name, [])
        sub = fc[multi].drop_duplicates("_pos")
        keys = t.frame[cols].astype(object).apply(tuple, axis=1) if len(cols) else None
        first_line: dict[Any, int] = {}
        if keys is not None:
            firsts = ~keys.duplicated(keep="first")
            for k, ln in zip(keys[firsts], t.lines[firsts.to_numpy()], strict=True):
                first_line[k] = int(ln)
        rows = []
        for _, r in sub.iterrows():
            pos = int(r["_pos"])
            key = keys.iloc[pos] if keys is not None else None
            rows.append({
                "severity": "error", "file": t.file, "line": r["_line"],
                "column": ", ".join(cols),
                "value": " / ".join(_fmt_value(x) for x in key or ())
                + f" (first on line {first_line.get(key, '?')})",
                "problem": f"duplicate {' + '.join(cols)}: the same combination is on an "
                "earlier line",
                "action": "give each goal its own goal_id within a department and round, or "
                "delete the duplicate row",
            })
        _add_capped(log, pd.DataFrame(rows))
        fc = fc[~multi]

    for (col, check), grp in fc.groupby(["column", "check"], dropna=False, sort=False):
        col = None if pd.isna(col) else str(col)
        values = grp["failure_case"]
        lines = grp["_line"]
        if check == "column_in_dataframe":
            for v in values:
                log.error(file=t.file, line=t.header_line, column=str(v), value=None,
                          problem=f"missing required column {v}",
                          action=f"add a column named {v} to {t.file} (column names are "
                          "lower case, exactly as in the data format)")
            continue
        problem, action = _message(t, col, str(check), rounds)
        frame = pd.DataFrame({
            "severity": "error", "file": t.file, "line": lines.to_numpy(), "column": col,
            "value": values.map(_fmt_value).to_numpy(), "problem": problem, "action": action,
        })
        if check == "field_uniqueness" and col in t.frame.columns:
            s = t.frame[col]
            first = ~s.duplicated(keep="first") & s.notna()
            first_line = pd.Series(t.lines[first.to_numpy()],
                                   index=s[first].astype(str).to_numpy())
            keyvals = values.map(_fmt_value)
            ok = keyvals != ""
            frame = frame[ok.to_numpy()]
            fl = first_line.reindex(keyvals[ok].to_numpy()).to_numpy()
            frame["problem"] = f"duplicate {col}: the same {col} is on an earlier line"
            frame["value"] = [f"{v} (first on line {'?' if pd.isna(x) else int(x)})"
                              for v, x in zip(frame["value"], fl, strict=True)]
        _add_capped(log, frame)


def _message(t: RawTable, col: str | None, check: str,
             rounds: list[str] | None) -> tuple[str, str]:
    table = t.name
    sep_hint = ("a decimal comma (3,5)" if t.decimal_comma else "a decimal point (3.5)")
    if check == "not_nullable":
        return (f"empty {col}", f"every row of {table} needs a {col}: fill it in, or delete the "
                "row if it is not needed")
    if check == "field_uniqueness":
        return (f"duplicate {col}", f"give each row its own {col}, or delete the duplicate row")
    if check == "cpr":
        return (f"{col} looks like a CPR number (a personal identifier)", PSEUDONYMIZE_ACTION)
    if check == "number":
        return (f"{col} is not a number",
                f"write a number with {sep_hint}, or leave the cell empty")
    if check == "nonneg":
        return (f"{col} is not a number of at least 0", f"write a number ≥ 0 with {sep_hint}")
    if check == "posint":
        return (f"{col} must be a whole number of at least 1",
                "write a whole number such as 2 (or leave it empty for the default 1)")
    if check == "count":
        return (f"{col} must be a whole number of at least 0",
                "write the number of persons, e.g. 1250")
    if check == "year":
        return (f"{col} is not a year", "write the year as a four-digit number, e.g. 2019")
    if check == "date":
        return (f"{col} is not a date", "write dates as YYYY-MM-DD (2019-05-31), DD-MM-YYYY or "
                "DD.MM.YYYY")
    if check == "boolean":
        default = "true" if _BOOL_DEFAULTS.get(col or "", False) else "false"
        return (f"{col} is not a yes/no value",
                f"write true or false (also ja/nej, yes/no, sand/falsk, 1/0); empty means {default}")
    if check == "subject":
        return ("subject must be child, respondent or department",
                "write child (a score describes a child), respondent (a person answering about "
                "their own work, e.g. a staff survey) or department (a rating of the department, "
                "e.g. an observation)")
    if check == "round":
        known = ", ".join(rounds or [])
        return (f"round is not one of the rounds in {META_FILE} ({known})",
                f"use one of {known}, or add the round to rounds in {META_FILE} (in time order)")
    return (f"{col}: check {check} failed", "correct the value")


def _add_capped(log: ProblemLog, frame: pd.DataFrame) -> None:
    """Add problem rows, keeping at most MAX_ROWS_PER_CHECK per (file, column, problem)."""
    if frame.empty:
        return
    if len(frame) <= MAX_ROWS_PER_CHECK:
        log.add_frame(frame)
        return
    for _, grp in frame.groupby(["file", "column", "action"], dropna=False, sort=False):
        log.add_frame(grp.head(MAX_ROWS_PER_CHECK))
        if len(grp) > MAX_ROWS_PER_CHECK:
            r = grp.iloc[0]
            log.add(severity=r["severity"], file=r["file"], line=None, column=r["column"],
                    value=None,
                    problem=f"{len(grp) - MAX_ROWS_PER_CHECK} more rows like the above "
                    f"({r['problem']}) are not listed",
                    action=r["action"])


def _emit(
    log: ProblemLog,
    t: RawTable,
    mask: np.ndarray,
    *,
    column: str | None,
    value: Any,
    problem: str | Callable[[np.ndarray], Any],
    action: str,
    severity: str = "error",
) -> None:
    """Log one problem per row where ``mask`` is true (at most MAX_ROWS_PER_CHECK)."""
    pos = np.flatnonzero(mask)
    if not len(pos):
        return
    shown = pos[:MAX_ROWS_PER_CHECK]
    if callable(value):
        vals = value(shown)
    elif isinstance(value, (pd.Series, pd.Categorical)):
        vals = np.asarray(pd.Series(value).iloc[shown].astype(object))
    elif isinstance(value, np.ndarray):
        vals = value[shown]
    else:
        vals = value
    if isinstance(vals, np.ndarray) and vals.dtype.kind == "f":
        vals = np.array([_num(v) for v in vals], dtype=object)
    elif isinstance(vals, np.ndarray) and vals.dtype == object:
        vals = np.array([_num(v) if isinstance(v, float) else v for v in vals], dtype=object)
    prob = problem(shown) if callable(problem) else problem
    log.add_frame(pd.DataFrame({
        "severity": severity, "file": t.file, "line": t.lines[shown], "column": column,
        "value": vals, "problem": prob, "action": action,
    }))
    if len(pos) > MAX_ROWS_PER_CHECK:
        first = prob if isinstance(prob, str) else str(np.asarray(prob)[0])
        log.add(severity=severity, file=t.file, line=None, column=column, value=None,
                problem=f"{len(pos) - MAX_ROWS_PER_CHECK} more rows like the above ({first}) "
                "are not listed", action=action)


# ======================================================================================
# conversion to typed tables
# ======================================================================================


def _as_str(s: pd.Series) -> pd.Series:
    """Any raw column as ``str`` dtype (missing stays missing)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = values_as_text(pd.Series(np.asarray(s.cat.categories, dtype=object)))
        table = np.append(cats.to_numpy(dtype=object), None)
        return pd.Series(pd.array(table[_codes(s)], dtype="str"), index=s.index,
                         name=s.name)
    out = values_as_text(s)
    return out.mask(out.str.strip() == "") if len(out) else out


def _as_id_categorical(s: pd.Series) -> pd.Series:
    """A Categorical with sorted text categories and no unused ones."""
    if not isinstance(s.dtype, pd.CategoricalDtype):
        s = _as_str(s).astype("category")
    codes = _codes(s)
    n_cats = len(s.cat.categories)
    used = np.zeros(n_cats + 1, dtype=bool)
    used[codes] = True  # code -1 (missing) marks the extra last entry
    used = used[:-1]
    index = s.cat.categories
    if _is_text(index) and index.dtype == "str" and index.is_unique:
        # distinct text categories (as the readers give them): drop the unused ones and
        # sort, with one recoding of the rows at most
        keep = np.flatnonzero(used)
        kept = index[keep] if len(keep) < n_cats else index
        order = kept.argsort(kind="stable")
        if len(keep) == n_cats and np.array_equal(order, np.arange(n_cats)):
            return s.rename(s.name)
        new_index = kept[order]
        mapping = np.full(n_cats + 1, -1, dtype=_code_dtype(len(new_index)))
        mapping[keep[order]] = np.arange(len(new_index))
        cat = pd.Categorical.from_codes(mapping[codes], dtype=pd.CategoricalDtype(new_index),
                                        validate=False)
        return pd.Series(cat, index=s.index, name=s.name)
    cats = values_as_text(_distinct(s.cat.categories))
    cats = cats.to_numpy(dtype=object)
    keep = np.flatnonzero(used)
    kept = cats[keep]
    # merge categories that became equal as text (e.g. 1 and "1"), sort them
    new_index = pd.Index(np.array(sorted(set(kept)), dtype=object), dtype="str")
    if used.all() and len(new_index) == len(cats) and (new_index == pd.Index(
            cats, dtype="str")).all():
        if s.cat.categories.dtype == new_index.dtype:
            return s.rename(s.name)
        return s.cat.rename_categories(new_index)
    mapping = np.full(len(cats) + 1, -1, dtype=np.int64 if len(cats) >= 2**31 - 1 else np.int32)
    mapping[keep] = new_index.get_indexer(pd.Index(kept, dtype="str"))
    cat = pd.Categorical.from_codes(mapping[codes], dtype=pd.CategoricalDtype(new_index))
    return pd.Series(cat, index=s.index, name=s.name)


def _as_float(s: pd.Series, decimal_comma: bool) -> pd.Series:
    if s.dtype == np.float64 and not _any_inf(s.to_numpy()):
        return s.rename(s.name)  # no copy (copy-on-write protects the raw column)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        x = s.to_numpy(dtype=float, na_value=np.nan)
        inf = np.isinf(x)
        if inf.any():
            x = np.where(inf, np.nan, x)
        return pd.Series(x, index=s.index, name=s.name, dtype="float64", copy=False)
    x = _per_row(s, lambda v: _parse_numbers(v, decimal_comma)[0], np.nan).astype(float)
    return pd.Series(x, index=s.index, name=s.name, dtype="float64")


def _any_inf(x: np.ndarray) -> bool:
    """Whether a float array holds an infinity (in chunks: no full-length temporary)."""
    return any(np.isinf(x[a:a + _CHUNK]).any() for a in range(0, len(x), _CHUNK))


def _as_bool(s: pd.Series, default: bool) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
        return s.astype(bool)
    x = _per_row(s, lambda v: _parse_bools(v)[0], np.nan).astype(float)
    x = np.where(np.isnan(x), float(default), x)
    return pd.Series(x.astype(bool), index=s.index, name=s.name)


def _as_int(s: pd.Series, decimal_comma: bool) -> pd.Series:
    x = _as_float(s, decimal_comma).to_numpy()
    ok = np.isfinite(x) & (x == np.round(x)) & (np.abs(x) < 2**53)
    out = pd.array(np.where(ok, x, 0).astype(np.int64), dtype="Int64")
    out[~ok] = pd.NA
    return pd.Series(out, index=s.index, name=s.name)


def _as_round(s: pd.Series, rounds: list[str] | None) -> pd.Series:
    text = _as_str(s) if not isinstance(s.dtype, pd.CategoricalDtype) else s
    if isinstance(text.dtype, pd.CategoricalDtype):
        cats = values_as_text(_distinct(text.cat.categories))
        codes = _codes(text)
    else:
        c, u = pd.factorize(text, use_na_sentinel=True)
        cats, codes = pd.Series(np.asarray(u, dtype=object)), c.astype(np.int64)
    cats = cats.str.strip()
    if rounds is None:
        rounds = sorted({str(c) for c in cats.dropna() if str(c)})
    order = pd.Index(rounds, dtype="str")
    mapping = np.append(order.get_indexer(pd.Index(cats.to_numpy(dtype=object), dtype="str")),
                        -1)
    if not np.array_equal(mapping[:-1], np.arange(len(cats))):
        # small lookup table, indexed by the (small) codes; -1 picks the last entry
        codes = mapping.astype(np.int8 if len(order) < 127 else np.int64)[codes]
    # codes are -1 or positions in ``order`` (from the mapping above, or the identity)
    cat = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(order, ordered=True),
                                    validate=False)
    return pd.Series(cat, index=s.index, name=s.name)


def _background(s: pd.Series | None, n: int, index: pd.Index, categories: list[str],
                t: RawTable | None, col: str, log: ProblemLog | None) -> pd.Series:
    """An ordered Categorical in the profile's order; unknown values appended (warning)."""
    if s is None:
        return pd.Series(pd.Categorical([None] * n, categories=categories, ordered=True),
                         index=index, name=col)
    canon = {c.lower(): c for c in categories}
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _background_codes(s, index, categories, canon, t, col, log)
    text = _as_str(s)
    lowered = text.str.lower()
    mapped = lowered.map(canon)
    text = text.where(mapped.isna(), mapped)
    unknown = text.notna() & ~text.isin(categories)
    extra: list[str] = []
    if unknown.any():
        extra = sorted(text[unknown].unique().tolist())
        if log is not None and t is not None:
            for value in extra:
                rows = np.flatnonzero((text == value).to_numpy(dtype=bool, na_value=False))
                log.warning(
                    file=t.file, line=int(t.lines[rows[0]]), column=col, value=value,
                    problem=f"{value!r} is not one of the known values of {col} ("
                    + ", ".join(categories) + f"); {len(rows)} row(s), first on this line. "
                    "It is kept as an extra category after the known ones",
                    action=f"use one of the known values of {col} if one is meant, so that "
                    "groups are compared correctly",
                )
    cat = pd.Categorical(text.to_numpy(dtype=object, na_value=None),
                         categories=list(categories) + extra, ordered=True)
    return pd.Series(cat, index=index, name=col)


def _unknown_value_warning(log: ProblemLog, t: RawTable, col: str, value: str,
                           categories: list[str], rows: np.ndarray) -> None:
    log.warning(
        file=t.file, line=int(t.lines[rows[0]]), column=col, value=value,
        problem=f"{value!r} is not one of the known values of {col} ("
        + ", ".join(categories) + f"); {len(rows)} row(s), first on this line. "
        "It is kept as an extra category after the known ones",
        action=f"use one of the known values of {col} if one is meant, so that "
        "groups are compared correctly",
    )


def _background_codes(s: pd.Series, index: pd.Index, categories: list[str],
                      canon: dict[str, str], t: RawTable | None, col: str,
                      log: ProblemLog | None) -> pd.Series:
    """:func:`_background` of a Categorical: the same steps on its categories only."""
    codes = _codes(s)
    text = values_as_text(pd.Series(np.asarray(s.cat.categories, dtype=object)))
    mapped = text.str.lower().map(canon)
    text = text.where(mapped.isna(), mapped)
    present = np.zeros(len(text) + 1, dtype=bool)
    present[codes] = True  # code -1 (missing) marks the extra last entry
    present = present[:-1]
    unknown = (text.notna() & ~text.isin(categories)).to_numpy() & present
    extra: list[str] = sorted(set(text[unknown].tolist())) if unknown.any() else []
    if extra and log is not None and t is not None:
        for value in extra:
            ks = np.flatnonzero((text == value).to_numpy(dtype=bool, na_value=False))
            rows = np.flatnonzero(np.isin(codes, ks))
            _unknown_value_warning(log, t, col, value, list(categories), rows)
    final = pd.Index(list(categories) + extra, dtype=object)
    table = np.append(final.get_indexer(pd.Index(text.to_numpy(dtype=object, na_value=None),
                                                 dtype=object)), -1)
    new_codes = table.astype(np.int32 if len(final) >= 127 else np.int8)[codes]
    cat = pd.Categorical.from_codes(new_codes, dtype=pd.CategoricalDtype(
        list(categories) + extra, ordered=True))
    return pd.Series(cat, index=index, name=col)


def convert_table(
    t: RawTable,
    *,
    rounds: list[str] | None = None,
    background: dict[str, list[str]] | None = None,
    log: ProblemLog | None = None,
) -> pd.DataFrame:
    """Convert a raw table to the dtypes of :class:`llkit.data.dataset.Dataset`.

    Values that fail validation become missing (they are reported by
    :func:`check_table`). Standard columns that are absent are created with their
    default (or missing); extra columns are kept after the standard ones as text (or as
    they are when Categorical).
    """
    f = t.frame
    n = len(f)
    idx = f.index
    dc = t.decimal_comma
    out: dict[str, pd.Series] = {}

    def get(col: str) -> pd.Series | None:
        return f[col] if col in f.columns else None

    def text(col: str) -> pd.Series:
        s = get(col)
        return _as_str(s) if s is not None else pd.Series(pd.array([None] * n, dtype="str"),
                                                          index=idx, name=col)

    def num(col: str) -> pd.Series:
        s = get(col)
        return _as_float(s, dc) if s is not None else pd.Series(np.full(n, np.nan), index=idx,
                                                                 name=col)

    def boolean(col: str) -> pd.Series:
        s = get(col)
        d = _BOOL_DEFAULTS[col]
        return _as_bool(s, d) if s is not None else pd.Series(np.full(n, d), index=idx, name=col)

    name = t.name
    if name == "units":
        for c in ("department_id", "department_name", "institution_id", "institution_name",
                  "cluster", "area"):
            out[c] = text(c)
        out["department_name"] = out["department_name"].fillna(out["department_id"])
        out["institution_name"] = out["institution_name"].fillna(out["institution_id"])
    elif name == "children":
        out["child_id"] = text("child_id")
        year = _as_int(get("birth_year"), dc) if get("birth_year") is not None else None
        if get("birth_date") is not None:
            from_date = _per_row(get("birth_date"), lambda v: _parse_dates(v)[0], np.nan)
            from_date = pd.Series(from_date, index=idx).round().astype("Int64")
            year = from_date if year is None else year.fillna(from_date)
            out["birth_date"] = text("birth_date")
        out["birth_year"] = year if year is not None else pd.Series(
            pd.array([pd.NA] * n, dtype="Int64"), index=idx)
        for attr, cats in (background or {}).items():
            out[attr] = _background(get(attr), n, idx, cats, t, attr, log)
    elif name == "measures":
        out["measure_id"] = text("measure_id")
        out["label"] = text("label")
        out["source"] = text("source")
        subj = text("subject").str.strip().str.lower()
        out["subject"] = pd.Series(pd.Categorical(subj.where(subj.isin(SUBJECTS)).to_numpy(
            dtype=object, na_value=None), categories=list(SUBJECTS)), index=idx)
        out["scale_min"] = num("scale_min")
        out["scale_max"] = num("scale_max")
        out["higher_is_better"] = boolean("higher_is_better")
        mi = _as_int(get("min_items"), dc) if get("min_items") is not None else None
        if mi is None:
            out["min_items"] = pd.Series(np.ones(n, dtype=np.int64), index=idx)
        else:
            mi = mi.where(mi >= 1)
            out["min_items"] = mi.fillna(1).astype("int64")
        out["low_cut"] = num("low_cut")
        out["high_cut"] = num("high_cut")
        out["group"] = text("group")
    elif name == "items":
        out["item_id"] = text("item_id")
        out["measure_id"] = text("measure_id")
        out["text"] = text("text")
        out["reverse"] = boolean("reverse")
    elif name == "responses":
        out["round"] = _as_round(get("round"), rounds) if get("round") is not None else \
            _as_round(pd.Series([None] * n, index=idx, dtype="str"), rounds)
        for c in ("item_id", "department_id", "child_id", "respondent_id"):
            s = get(c)
            if s is None:
                s = pd.Series(pd.Categorical([None] * n, categories=pd.Index([], dtype="str")),
                              index=idx)
            out[c] = _as_id_categorical(s)
        out["value"] = num("value")
    elif name == "goals":
        out["round"] = _as_round(get("round"), rounds) if get("round") is not None else \
            _as_round(pd.Series([None] * n, index=idx, dtype="str"), rounds)
        for c in ("department_id", "goal_id", "theme", "goal"):
            out[c] = text(c)
        out["signs_defined"] = boolean("signs_defined")
        out["signs_documented"] = boolean("signs_documented")
    elif name == "reference":
        out["measure_id"] = text("measure_id")
        out["round"] = _as_round(get("round"), rounds) if get("round") is not None else \
            _as_round(pd.Series([None] * n, index=idx, dtype="str"), rounds)
        out["scope"] = text("scope")
        out["n"] = _as_int(get("n"), dc) if get("n") is not None else pd.Series(
            pd.array([pd.NA] * n, dtype="Int64"), index=idx)
        out["mean"] = num("mean")
        out["sd"] = num("sd")
    for c in f.columns:
        if c not in out:
            s = f[c]
            out[c] = s if isinstance(s.dtype, pd.CategoricalDtype) else _as_str(s)
    if name == "children":  # background columns in file order, created ones last
        first = [c for c in ("child_id", "birth_date", "birth_year") if c in out]
        order = first + [c for c in f.columns if c not in first]
        out = {c: out[c] for c in order + [c for c in out if c not in order]}
    # no copy: the converted columns are new or shared with the raw frame, which is
    # emptied right after (check_dataset)
    frame = pd.DataFrame({k: v.reset_index(drop=True) if len(v.index) == n else v
                          for k, v in out.items()}, copy=False)
    frame.index = pd.RangeIndex(n)
    return frame


# ======================================================================================
# cross-table checks
# ======================================================================================


@dataclass
class Checked:
    """Result of :func:`check_dataset`: the metadata and the typed tables."""

    meta: Meta | None
    tables: dict[str, pd.DataFrame]
    raw: RawDataset


def _codes(s: pd.Series) -> np.ndarray:
    """Category codes (-1 = missing) in their compact integer type.

    Lookup tables indexed by codes have one extra last entry for missing values, so that
    code -1 picks it.
    """
    return np.asarray(s.array.codes)  # a read-only view (``.cat.codes`` copies)


def _isin_text(values: Any, known: Any) -> np.ndarray:
    """Membership of text values in a set of texts, by hashing (no per-value Python)."""
    left = pd.Index(np.asarray(values, dtype=object), dtype=object)
    right = pd.Index(np.asarray(pd.Series(known).dropna(), dtype=object), dtype=object)
    return left.isin(right)


def _unknown_in(s: pd.Series, known: pd.Series) -> np.ndarray:
    """Row mask: the Categorical's value is present but not in ``known``."""
    bad_cat = ~_isin_text(s.cat.categories, known)
    if not bad_cat.any():
        return np.zeros(len(s), dtype=bool)
    table = np.append(bad_cat, False)
    return table[_codes(s)]


_CHUNK = 1 << 16


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
    if n < 2:
        return empty, empty
    sizes = [hi - lo + 1 for lo, hi in zip(lows, highs, strict=True)]
    space = float(np.prod([float(x) for x in sizes]))
    small = np.int32 if n < 2**31 - 1 else np.int64

    def dense_ok(size: float) -> bool:
        return size <= max(1 << 24, 4 * n) and size < 2**31

    lead = len(cols) - 1
    while coarse and lead >= 1 and not dense_ok(space) and not dense_ok(
            float(np.prod([float(x) for x in sizes[:lead]]))):
        lead -= 1
    if coarse and 1 <= lead < len(cols) and not dense_ok(space):
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
    if space >= 2.0**62:
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
    else:
        size = int(space)

        def chunk_key(a: int, b: int) -> np.ndarray:
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

        dense = dense_ok(size)
        if dense:
            # usually nothing repeats: one bit-like flag per possible key tells (no key
            # table of row positions, no full-length key column)
            flag = np.zeros(size, dtype=bool)
            for a, b in bounds:
                flag[chunk_key(a, b)] = True
            distinct = int(np.count_nonzero(flag))
            del flag
            if distinct == n:
                return empty, empty
        key = np.empty(n, dtype=np.int32 if size < 2**31 else np.int64)
        pos = 0
        for a, b in bounds:
            k = chunk_key(a, b)
            key[pos:pos + len(k)] = k
            pos += len(k)
        idx = None
        if dense:
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
                return empty, empty
            flag = np.zeros(size, dtype=bool)
            flag[key[lost]] = True
            del lost
            idx = np.flatnonzero(flag[key])
            key = key[idx]
        else:
            idx = np.arange(n, dtype=small)
    s = pd.Series(key)
    dup = s.duplicated(keep="first").to_numpy()
    if not dup.any():
        return empty, empty
    first = pd.Series(idx[~dup], index=key[~dup])
    return idx[dup], first.reindex(key[dup]).to_numpy()


def check_cross(checked: Checked, log: ProblemLog) -> None:
    """Checks between tables and dataset-level warnings (vectorised)."""
    T = checked.tables
    raw = checked.raw.tables

    def present(table: str, *cols: str) -> bool:
        return table in T and table in raw and all(c in raw[table].frame.columns for c in cols)

    # ---- references ----------------------------------------------------------------
    def ref_rows(table: str, col: str, target: str, target_col: str, what: str) -> None:
        if not (present(table, col) and present(target, target_col)):
            return
        s = T[table][col]
        known = T[target][target_col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            mask = _unknown_in(s, known)
        else:
            mask = s.notna().to_numpy() & ~_isin_text(s, known)
        tfile = checked.raw.tables[target].file
        _emit(log, raw[table], mask, column=col, value=s,
              problem=f"unknown {col}: there is no such {what} in {tfile}",
              action=f"correct the {col}, or add the {what} to {tfile}")

    ref_rows("items", "measure_id", "measures", "measure_id", "measure")
    ref_rows("responses", "item_id", "items", "item_id", "item")
    ref_rows("responses", "department_id", "units", "department_id", "department")
    ref_rows("responses", "child_id", "children", "child_id", "child")
    ref_rows("goals", "department_id", "units", "department_id", "department")
    ref_rows("reference", "measure_id", "measures", "measure_id", "measure")

    # ---- measures --------------------------------------------------------------------
    if "measures" in T:
        m = T["measures"]
        mt = raw["measures"]
        bad = (m["scale_min"] >= m["scale_max"]).to_numpy()
        _emit(log, mt, bad, column="scale_max", value=m["scale_max"],
              problem="scale_min must be smaller than scale_max",
              action="correct the scale: e.g. scale_min 1 and scale_max 5 for a 1–5 scale")
        bad = (m["low_cut"] > m["high_cut"]).to_numpy()
        _emit(log, mt, bad, column="high_cut", value=m["high_cut"],
              problem="low_cut is greater than high_cut",
              action="correct the cut-offs: low_cut ≤ high_cut")

    if "items" in T and "measures" in T and present("items", "measure_id"):
        items = T["items"]
        m = T["measures"]
        mt = raw["measures"]
        n_items = items.groupby("measure_id").size()
        count = m["measure_id"].map(n_items).fillna(0).astype(int).to_numpy()
        ids = m["measure_id"].notna().to_numpy()
        _emit(log, mt, ids & (count == 0), column="measure_id", value=m["measure_id"],
              problem="the measure has no items", severity="warning",
              action=f"add its items to {raw['items'].file}, or remove the measure")
        too_many = ids & (count > 0) & (m["min_items"].to_numpy() > count)
        _emit(log, mt, too_many, column="min_items", value=m["min_items"],
              problem=lambda pos: [f"min_items is {int(a)} but the measure has only {int(b)} "
                                   "item(s), so no score can be computed"
                                   for a, b in zip(m["min_items"].to_numpy()[pos], count[pos],
                                                   strict=True)],
              action="lower min_items to at most the number of items", severity="warning")

    # ---- responses -------------------------------------------------------------------
    if "responses" in T and present("responses", "item_id"):
        _check_responses(checked, log, present)


def _check_responses(checked: Checked, log: ProblemLog, present: Callable[..., bool]) -> None:
    T = checked.tables
    raw = checked.raw.tables
    r = T["responses"]
    rt = raw["responses"]
    n = len(r)
    item_cats = pd.Index(np.asarray(r["item_id"].cat.categories, dtype=object))
    item_codes = _codes(r["item_id"])
    nc = len(item_cats)

    # item -> measure attributes, aligned with the item categories (+1 slot for NA)
    subject_of = np.full(nc + 1, -1, dtype=np.int8)
    lo_of = np.full(nc + 1, np.nan)
    hi_of = np.full(nc + 1, np.nan)
    measure_of = np.full(nc + 1, None, dtype=object)
    if "items" in T and "measures" in T:
        it = T["items"].dropna(subset=["item_id"]).drop_duplicates("item_id").set_index("item_id")
        ms = T["measures"].dropna(subset=["measure_id"]).drop_duplicates("measure_id")
        ms = ms.set_index("measure_id")
        mid = it["measure_id"].reindex(item_cats)
        measure_of[:-1] = mid.to_numpy(dtype=object, na_value=None)
        subj = ms["subject"].reindex(mid.to_numpy())
        subject_of[:-1] = pd.Categorical(subj, categories=list(SUBJECTS)).codes
        if "scale_min" in ms:
            lo_of[:-1] = ms["scale_min"].reindex(mid.to_numpy()).to_numpy(dtype=float)
            hi_of[:-1] = ms["scale_max"].reindex(mid.to_numpy()).to_numpy(dtype=float)
    value = r["value"].to_numpy()
    child = _codes(r["child_id"])
    resp = _codes(r["respondent_id"])
    dept = _codes(r["department_id"])
    rnd = _codes(r["round"])

    # One pass over the answers in cache-sized chunks (no full-length temporaries): the
    # row masks of the checks below, the departments that have answers and the answer
    # counts per item.
    check_scale = bool(np.isfinite(lo_of).any() or np.isfinite(hi_of).any())
    want_present = ("units" in T and present("units", "department_id")
                    and present("responses", "department_id"))
    want_empty = "items" in T and present("responses", "value") and nc > 0
    out = np.zeros(n, dtype=bool)  # value outside the scale
    miss_child = np.zeros(n, dtype=bool)
    miss_resp = np.zeros(n, dtype=bool)
    sels = [np.zeros(n, dtype=bool) for _ in SUBJECTS]  # rows of each subject type
    present_code = np.zeros(len(r["department_id"].cat.categories) + 1, dtype=bool)
    total = np.zeros(nc, dtype=np.int64)
    empty = np.zeros(nc, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        for a in range(0, n, _CHUNK):
            b = min(a + _CHUNK, n)
            ic = item_codes[a:b].astype(np.intp)
            st = subject_of.take(ic)  # code -1 takes the extra last entry
            v = value[a:b]
            if check_scale:
                o = out[a:b]
                np.less(v, lo_of.take(ic), out=o)
                o |= v > hi_of.take(ic)
            c, rs, d = child[a:b], resp[a:b], dept[a:b]
            np.logical_and(st == 0, c < 0, out=miss_child[a:b])
            np.logical_and(st == 1, rs < 0, out=miss_resp[a:b])
            base = (rnd[a:b] >= 0) & (ic >= 0)
            np.logical_and(base & (st == 0), c >= 0, out=sels[0][a:b])
            np.logical_and(base & (st == 1), rs >= 0, out=sels[1][a:b])
            np.logical_and(base & (st == 2), d >= 0, out=sels[2][a:b])
            if want_present:
                present_code[d] = True  # code -1 (missing) marks the extra last entry
            if want_empty:
                valid = ic >= 0
                total += np.bincount(ic[valid], minlength=nc)
                empty += np.bincount(ic[valid & np.isnan(v)], minlength=nc)

    if out.any():
        mfile = raw["measures"].file if "measures" in raw else "measures"

        def scale_text(pos: np.ndarray) -> list[str]:
            res = []
            for p in pos:
                ic = item_codes[p]
                a, b, mm = lo_of[ic], hi_of[ic], measure_of[ic]
                rng = (f"{_num(a)}–{_num(b)}" if not np.isnan(a) and not np.isnan(b)
                       else (f"at least {_num(a)}" if not np.isnan(a) else f"at most {_num(b)}"))
                res.append(f"value outside the scale {rng} of measure {mm}")
            return res

        _emit(log, rt, out, column="value", value=r["value"], problem=scale_text,
              action=f"correct the value, or the scale (scale_min/scale_max) in {mfile}")

    # who answered: child_id / respondent_id where the subject needs it
    has_child_col = "child_id" in rt.frame.columns
    has_resp_col = "respondent_id" in rt.frame.columns
    _emit(log, rt, miss_child, column="child_id", value=r["item_id"],
          problem=lambda pos: [f"child_id is missing: item {item_cats[item_codes[p]]!r} belongs "
                               f"to measure {measure_of[item_codes[p]]!r}, which describes "
                               "children (subject child)" for p in pos],
          action="fill in the child_id of the child the answer is about"
          + ("" if has_child_col else " (add a child_id column to the responses)"))
    _emit(log, rt, miss_resp, column="respondent_id", value=r["item_id"],
          problem=lambda pos: [f"respondent_id is missing: item {item_cats[item_codes[p]]!r} "
                               f"belongs to measure {measure_of[item_codes[p]]!r}, which "
                               "describes respondents (subject respondent)" for p in pos],
          action="fill in the (pseudonymised) id of the person who answered"
          + ("" if has_resp_col else " (add a respondent_id column to the responses)"))

    # duplicate answers
    specs = [
        # the subject before the item: rows of one subject are usually together in a
        # file, so the key table below is then written nearly in order
        (0, sels[0], [rnd, child, item_codes, resp],
         "child", "the same child, item and round"),
        (1, sels[1], [rnd, resp, item_codes],
         "respondent", "the same respondent, item and round"),
        (2, sels[2], [rnd, dept, resp, item_codes],
         "department", "the same department, respondent, item and round"),
    ]
    for code, sel, cols, who, same in specs:
        if np.count_nonzero(sel) < 2:
            continue
        # the items of this subject type, numbered among themselves (a small key space)
        of_type = subject_of[:-1] == code
        local = np.append(np.where(of_type, np.cumsum(of_type) - 1, -1), -1).astype(
            np.int16 if of_type.sum() < 2**15 else np.int32)
        cols = [(c, local) if c is item_codes else c for c in cols]
        later, first = _duplicates(cols, sel)
        del cols
        if not len(later):
            continue
        rows = np.flatnonzero(sel)
        mask = np.zeros(n, dtype=bool)
        mask[rows[later]] = True
        lookup = dict(zip(rows[later], rt.lines[rows[first]], strict=True))
        _emit(log, rt, mask, column="item_id",
              value=lambda pos, lookup=lookup: [
                  f"{item_cats[item_codes[p]]} (first on line {int(lookup[p])})" for p in pos],
              problem=f"duplicate answer: {same} is on an earlier line",
              action=f"keep one answer per {who}, item and round: delete or correct one of the "
              "rows")

    # a child in two departments in the same round: write each row's department into a
    # table indexed by (round, child); a row whose department differs from the table's
    # entry shares its (round, child) with a row in another department
    n_rounds = len(r["round"].cat.categories)
    n_child = len(r["child_id"].cat.categories)
    if n_rounds * n_child < 2**31 - 1:
        # in chunks of rows: no full-length temporaries unless there is a conflict
        def chunk_k2(a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
            sel = (rnd[a:b] >= 0) & (child[a:b] >= 0) & (dept[a:b] >= 0)
            k2 = rnd[a:b].astype(np.int32) * np.int32(n_child)
            k2 += child[a:b]
            k2[~sel] = 0
            return sel, k2

        bounds = [(a, min(a + _CHUNK, n)) for a in range(0, n, _CHUNK)]
        seen = np.full(n_rounds * n_child, -1, dtype=np.int32)
        for a, b in bounds:
            sel, k2 = chunk_k2(a, b)
            seen[k2[sel]] = dept[a:b][sel]
        any_conflict = False
        for a, b in bounds:
            sel, k2 = chunk_k2(a, b)
            if (sel & (seen[k2] != dept[a:b])).any():
                any_conflict = True
                break
        if any_conflict:
            sel = (rnd >= 0) & (child >= 0) & (dept >= 0)
            k2 = rnd.astype(np.int32) * np.int32(n_child)
            k2 += child
            k2[~sel] = 0
            conflict = sel & (seen[k2] != dept)
        del seen
        if any_conflict:
            # keep, per (round, child), the first row of each department but the first
            rows = np.flatnonzero(sel & np.isin(k2, np.unique(k2[conflict])))
            sub = pd.DataFrame({"k2": k2[rows], "dept": dept[rows], "row": rows})
            firsts = sub.drop_duplicates(["k2", "dept"])
            first_dept = firsts.drop_duplicates("k2").set_index("k2")["dept"]
            later = firsts[firsts.duplicated("k2")]
            mask = np.zeros(n, dtype=bool)
            mask[later["row"].to_numpy()] = True
            other = dict(zip(later["row"], first_dept.reindex(later["k2"]).to_numpy(),
                             strict=True))
            dept_cats = np.asarray(r["department_id"].cat.categories, dtype=object)
            child_cats = np.asarray(r["child_id"].cat.categories, dtype=object)
            round_cats = np.asarray(r["round"].cat.categories, dtype=object)

            def two_depts(pos: np.ndarray) -> list[str]:
                return [f"{child_cats[child[p]]}: {dept_cats[dept[p]]} here, "
                        f"{dept_cats[other[p]]} on other rows of {round_cats[rnd[p]]}"
                        for p in pos]

            _emit(log, rt, mask, column="department_id", value=two_depts,
                  problem="the child has answers in two departments in the same round",
                  action="a child belongs to one department per round: correct the "
                  "department_id (or the child_id) on the wrong rows")

    # ---- warnings ----------------------------------------------------------------------
    if want_present:
        u = T["units"]
        # each unit's department among the answers' departments (-1: none there)
        pos = pd.Index(r["department_id"].cat.categories).get_indexer(u["department_id"])
        has_answers = np.append(present_code[:-1], False)[pos]
        no_answers = u["department_id"].notna().to_numpy() & ~has_answers
        _emit(log, raw["units"], no_answers, column="department_id", value=u["department_id"],
              problem="the department has no answers in the responses", severity="warning",
              action="check the department_id on its response rows, or remove the department "
              "if it had no mapping")

    if want_empty:
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, empty / np.maximum(total, 1), 0.0)
        items = T["items"]
        share_by_item = pd.Series(share, index=pd.Index(item_cats, dtype=object))
        total_by_item = pd.Series(total, index=pd.Index(item_cats, dtype=object))
        ish = items["item_id"].map(share_by_item).fillna(0).to_numpy(dtype=float)
        itot = items["item_id"].map(total_by_item).fillna(0).to_numpy(dtype=float)
        many = ish > MISSING_SHARE_WARN
        _emit(log, raw["items"], many, column="item_id", value=items["item_id"],
              problem=lambda pos: [f"{ish[p]:.0%} of the {int(itot[p])} answer rows of this "
                                   "item are empty" for p in pos],
              severity="warning",
              action="check the item's wording and whether it was asked everywhere; scores "
              "with many missing answers are less reliable")


def _num(x: float) -> str:
    if np.isnan(x):
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ======================================================================================
# all together
# ======================================================================================


def check_dataset(raw: RawDataset, log: ProblemLog, *, validate: bool = True) -> Checked:
    """Validate the metadata and every table, convert them, and run the cross-table checks.

    Parameters
    ----------
    raw : RawDataset
        What :func:`llkit.data.io.read_dataset` returned.
    log : ProblemLog
        Receives every problem.
    validate : bool
        False skips the single-table and cross-table checks (trusted data); the
        conversion still runs.

    Returns
    -------
    Checked
    """
    meta = parse_meta(raw.meta, log)
    rounds = meta.rounds if meta is not None else None
    background: dict[str, list[str]] = {}
    if meta is not None:
        from llkit.data.profiles import get_profile

        background = {k: list(v) for k, v in get_profile(meta.sector).background.items()}
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        t = raw.tables.get(name)
        if t is None:
            continue
        if validate:
            check_table(t, log, rounds=rounds)
        tables[name] = convert_table(t, rounds=rounds, background=background, log=log)
        # the values are not needed any more (only the column names and lines are)
        t.frame = t.frame.iloc[0:0]
    checked = Checked(meta=meta, tables=tables, raw=raw)
    if validate:
        check_cross(checked, log)
    return checked

