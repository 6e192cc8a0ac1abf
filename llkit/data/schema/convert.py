"""Conversion of raw tables to the typed tables of :class:`llkit.data.dataset.Dataset`.

Values that fail validation become missing (they are reported by the checks); ids and
rounds become Categoricals with sorted text (or ordered round) categories, background
columns ordered Categoricals in the sector profile's order.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from llkit.data.io.raw import RawTable
from llkit.data.io.values import code_dtype, is_text, values_as_text
from llkit.data.schema.spec import _BOOL_DEFAULTS, SUBJECTS
from llkit.data.schema.values import (
    _CHUNK,
    _codes,
    _distinct,
    _parse_bools,
    _parse_dates,
    _parse_numbers,
    _per_row,
)
from llkit.errors import ProblemLog


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
    if is_text(index) and index.dtype == "str" and index.is_unique:
        # distinct text categories (as the readers give them): drop the unused ones and
        # sort, with one recoding of the rows at most
        keep = np.flatnonzero(used)
        kept = index[keep] if len(keep) < n_cats else index
        order = kept.argsort(kind="stable")
        if len(keep) == n_cats and np.array_equal(order, np.arange(n_cats)):
            return s.rename(s.name)
        new_index = kept[order]
        mapping = np.full(n_cats + 1, -1, dtype=code_dtype(len(new_index)))
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
                _unknown_value_warning(log, t, col, value, categories, rows)
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
    :func:`~llkit.data.schema.table.check_table`). Standard columns that are absent are
    created with their default (or missing); extra columns are kept after the standard
    ones as text (or as they are when Categorical).
    """
    f = t.frame
    n = len(f)
    convert = _CONVERTERS.get(t.name)
    out = convert(_Columns(t), rounds, background, t, log) if convert is not None else {}
    for c in f.columns:
        if c not in out:
            s = f[c]
            out[c] = s if isinstance(s.dtype, pd.CategoricalDtype) else _as_str(s)
    if t.name == "children":  # background columns in file order, created ones last
        first = [c for c in ("child_id", "birth_date", "birth_year") if c in out]
        order = first + [c for c in f.columns if c not in first]
        out = {c: out[c] for c in order + [c for c in out if c not in order]}
    # no copy: the converted columns are new or shared with the raw frame, which is
    # emptied right after (check_dataset)
    frame = pd.DataFrame({k: v.reset_index(drop=True) if len(v.index) == n else v
                          for k, v in out.items()}, copy=False)
    frame.index = pd.RangeIndex(n)
    return frame


class _Columns:
    """The columns of a raw table as typed columns; an absent column comes back with its
    default (or missing)."""

    def __init__(self, t: RawTable) -> None:
        self.f = t.frame
        self.n = len(self.f)
        self.idx = self.f.index
        self.dc = t.decimal_comma

    def get(self, col: str) -> pd.Series | None:
        return self.f[col] if col in self.f.columns else None

    def text(self, col: str) -> pd.Series:
        s = self.get(col)
        return _as_str(s) if s is not None else pd.Series(
            pd.array([None] * self.n, dtype="str"), index=self.idx, name=col)

    def num(self, col: str) -> pd.Series:
        s = self.get(col)
        return _as_float(s, self.dc) if s is not None else pd.Series(
            np.full(self.n, np.nan), index=self.idx, name=col)

    def boolean(self, col: str) -> pd.Series:
        s = self.get(col)
        d = _BOOL_DEFAULTS[col]
        return _as_bool(s, d) if s is not None else pd.Series(
            np.full(self.n, d), index=self.idx, name=col)

    def integer(self, col: str) -> pd.Series | None:
        """Whole numbers (``Int64``), or None when the column is absent."""
        return _as_int(self.get(col), self.dc) if self.get(col) is not None else None

    def no_integers(self) -> pd.Series:
        return pd.Series(pd.array([pd.NA] * self.n, dtype="Int64"), index=self.idx)

    def round(self, rounds: list[str] | None) -> pd.Series:
        return _as_round(self.get("round"), rounds) if self.get("round") is not None else \
            _as_round(pd.Series([None] * self.n, index=self.idx, dtype="str"), rounds)


#: ``convert(columns, rounds, background, table, log)``: the typed columns of one table
_Converter = Callable[..., dict[str, pd.Series]]


def _units(c: _Columns, rounds: list[str] | None, background: dict[str, list[str]] | None,
           t: RawTable, log: ProblemLog | None) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    for col in ("department_id", "department_name", "institution_id", "institution_name",
                "cluster", "area"):
        out[col] = c.text(col)
    out["department_name"] = out["department_name"].fillna(out["department_id"])
    out["institution_name"] = out["institution_name"].fillna(out["institution_id"])
    return out


def _children(c: _Columns, rounds: list[str] | None, background: dict[str, list[str]] | None,
              t: RawTable, log: ProblemLog | None) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    out["child_id"] = c.text("child_id")
    year = c.integer("birth_year")
    if c.get("birth_date") is not None:
        from_date = _per_row(c.get("birth_date"), lambda v: _parse_dates(v)[0], np.nan)
        from_date = pd.Series(from_date, index=c.idx).round().astype("Int64")
        year = from_date if year is None else year.fillna(from_date)
        out["birth_date"] = c.text("birth_date")
    out["birth_year"] = year if year is not None else c.no_integers()
    for attr, cats in (background or {}).items():
        out[attr] = _background(c.get(attr), c.n, c.idx, cats, t, attr, log)
    return out


def _measures(c: _Columns, rounds: list[str] | None, background: dict[str, list[str]] | None,
              t: RawTable, log: ProblemLog | None) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    out["measure_id"] = c.text("measure_id")
    out["label"] = c.text("label")
    out["source"] = c.text("source")
    subj = c.text("subject").str.strip().str.lower()
    out["subject"] = pd.Series(pd.Categorical(subj.where(subj.isin(SUBJECTS)).to_numpy(
        dtype=object, na_value=None), categories=list(SUBJECTS)), index=c.idx)
    out["scale_min"] = c.num("scale_min")
    out["scale_max"] = c.num("scale_max")
    out["higher_is_better"] = c.boolean("higher_is_better")
    mi = c.integer("min_items")
    if mi is None:
        out["min_items"] = pd.Series(np.ones(c.n, dtype=np.int64), index=c.idx)
    else:
        mi = mi.where(mi >= 1)
        out["min_items"] = mi.fillna(1).astype("int64")
    out["low_cut"] = c.num("low_cut")
    out["high_cut"] = c.num("high_cut")
    out["group"] = c.text("group")
    return out


def _items(c: _Columns, rounds: list[str] | None, background: dict[str, list[str]] | None,
           t: RawTable, log: ProblemLog | None) -> dict[str, pd.Series]:
    return {"item_id": c.text("item_id"), "measure_id": c.text("measure_id"),
            "text": c.text("text"), "reverse": c.boolean("reverse")}


def _responses(c: _Columns, rounds: list[str] | None, background: dict[str, list[str]] | None,
               t: RawTable, log: ProblemLog | None) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    out["round"] = c.round(rounds)
    for col in ("item_id", "department_id", "child_id", "respondent_id"):
        s = c.get(col)
        if s is None:
            s = pd.Series(pd.Categorical([None] * c.n, categories=pd.Index([], dtype="str")),
                          index=c.idx)
        out[col] = _as_id_categorical(s)
    out["value"] = c.num("value")
    return out


def _goals(c: _Columns, rounds: list[str] | None, background: dict[str, list[str]] | None,
           t: RawTable, log: ProblemLog | None) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    out["round"] = c.round(rounds)
    for col in ("department_id", "goal_id", "theme", "goal"):
        out[col] = c.text(col)
    out["signs_defined"] = c.boolean("signs_defined")
    out["signs_documented"] = c.boolean("signs_documented")
    return out


def _reference(c: _Columns, rounds: list[str] | None, background: dict[str, list[str]] | None,
               t: RawTable, log: ProblemLog | None) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    out["measure_id"] = c.text("measure_id")
    out["round"] = c.round(rounds)
    out["scope"] = c.text("scope")
    n = c.integer("n")
    out["n"] = n if n is not None else c.no_integers()
    out["mean"] = c.num("mean")
    out["sd"] = c.num("sd")
    return out


#: The conversion of each table (a table of another name keeps only its columns as text).
_CONVERTERS: dict[str, _Converter] = {
    "units": _units, "children": _children, "measures": _measures, "items": _items,
    "responses": _responses, "goals": _goals, "reference": _reference,
}
