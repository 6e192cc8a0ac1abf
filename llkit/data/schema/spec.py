"""The format-v1 contract: one specification per table, and its pandera schema.

:func:`table_spec` is the single source of truth for the column names, which columns
are required, and the constraints on single values (ids present and unique, numbers,
booleans, rounds known, no CPR numbers); :func:`table_schema` builds the pandera schema
from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from llkit.data.io.raw import TABLES
from llkit.data.schema.cpr import looks_like_cpr
from llkit.data.schema.values import (
    _parse_bools,
    _parse_dates,
    _parse_numbers,
    _per_row,
    _texts,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandera.pandas as pa

#: Whom a measure's score describes.
SUBJECTS = ("child", "respondent", "department")


_BOOL_DEFAULTS = {"higher_is_better": True, "reverse": False, "signs_defined": False,
                  "signs_documented": False}


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
    valid dataset is checked by :func:`llkit.data.schema.table._passes` without it, and
    pandera runs only to produce the failure cases of a table that does not pass.

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
