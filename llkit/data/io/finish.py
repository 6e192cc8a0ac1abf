"""What every reader does last: column names, stripped text, no empty rows, Categoricals."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from llkit.data.io.raw import RawTable
from llkit.data.io.values import is_text, values_as_text
from llkit.errors import ProblemLog


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
    folded: dict[str, str] = {}
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
        variant = folded.get(col_name.casefold())
        if variant is not None:
            log.error(
                file=display, line=header_line, column=col_name,
                problem=f"the column names {variant!r} and {col_name!r} differ only in upper "
                f"and lower case (columns {seen[variant] + 1} and {i + 1}); llkit cannot tell "
                "which one holds the data",
                action="keep one of the two columns, or rename the other so it is clearly "
                "different",
            )
            continue
        seen[col_name] = i
        folded[col_name.casefold()] = col_name
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
    if is_text(cats) and cats.is_unique:
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
