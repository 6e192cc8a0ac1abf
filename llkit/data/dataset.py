"""The :class:`Dataset`: validated tables, the organisation tree and the sector profile.

>>> ds = load("data/sample/dagtilbud")          # doctest: +SKIP
>>> ds.select(institution="I01").info()["n_departments"]   # doctest: +SKIP

:func:`load` reads and validates a dataset (raising :class:`~llkit.errors.DataError`
with *all* problems), :func:`validate` returns the problem table without raising.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from llkit.data._pages import ordinary_pages
from llkit.data.io import META_FILE, TABLES, Meta, read_dataset
from llkit.data.schema import categorical_columns, check_dataset, id_columns, mask_cpr
from llkit.errors import PROBLEM_COLUMNS, DataError, DataWarning, ProblemLog, format_problems

__all__ = ["Dataset", "Meta", "LEVELS", "LEVEL_COLUMNS", "load", "validate"]

#: Organisation levels from the smallest to the largest.
LEVELS = ("department", "institution", "cluster", "area", "municipality")
#: The (id, name) columns of each level in :attr:`Dataset.org`.
LEVEL_COLUMNS: dict[str, tuple[str, str]] = {
    "department": ("department_id", "department_name"),
    "institution": ("institution_id", "institution_name"),
    "cluster": ("cluster", "cluster"),
    "area": ("area", "area"),
    "municipality": ("municipality", "municipality"),
}


class Dataset:
    """A validated dataset.

    Build it with :func:`load`. Tables (see the data format in DESIGN.md):

    Attributes
    ----------
    meta : Meta
        name, sector, rounds, round_dates, min_n, synthetic, extra.
    units : pandas.DataFrame
        One row per department; all columns ``str`` (names filled from ids when empty;
        ``cluster`` and ``area`` may be missing).
    children : pandas.DataFrame
        ``child_id`` (str), ``birth_year`` (Int64), the profile's background attributes
        as ordered Categoricals, other columns as str.
    measures, items : pandas.DataFrame
        Instruments (``subject`` Categorical; scales float64, NaN = unbounded).
    responses : pandas.DataFrame
        ``round`` (ordered Categorical of ``meta.rounds``), ``item_id``,
        ``department_id``, ``child_id``, ``respondent_id`` (Categoricals of text),
        ``value`` (float64, NaN = not answered).
    goals, reference : pandas.DataFrame or None
        Optional tables.
    problems : pandas.DataFrame
        The warnings found while loading (empty if none).
    """

    def __init__(
        self,
        *,
        meta: Meta,
        units: pd.DataFrame,
        children: pd.DataFrame,
        measures: pd.DataFrame,
        items: pd.DataFrame,
        responses: pd.DataFrame,
        goals: pd.DataFrame | None = None,
        reference: pd.DataFrame | None = None,
        problems: pd.DataFrame | None = None,
        source: Path | None = None,
    ) -> None:
        self.meta = meta
        self.units = units
        self.children = children
        self.measures = measures
        self.items = items
        self.responses = responses
        self.goals = goals
        self.reference = reference
        self.problems = (problems if problems is not None
                         else pd.DataFrame(columns=PROBLEM_COLUMNS))
        self.source = source

    # ---- basics ---------------------------------------------------------------------

    @property
    def profile(self) -> Any:
        """The sector profile (:class:`llkit.data.profiles.Profile`) of ``meta.sector``."""
        from llkit.data.profiles import get_profile

        return get_profile(self.meta.sector)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by name, in format order."""
        return {n: getattr(self, n) for n in TABLES if getattr(self, n) is not None}

    def __repr__(self) -> str:
        return (f"<Dataset {self.meta.name!r} ({self.meta.sector}): "
                f"{self.units['institution_id'].nunique()} institutions, "
                f"{len(self.units)} departments, {len(self.children)} children, "
                f"{len(self.measures)} measures, {len(self.responses)} responses, "
                f"rounds {', '.join(self.meta.rounds)}>")

    def _replace(self, **tables: Any) -> Dataset:
        kw = {n: getattr(self, n) for n in TABLES}
        kw.update(tables)
        return Dataset(meta=self.meta, problems=self.problems, source=self.source, **kw)

    # ---- organisation ---------------------------------------------------------------

    @property
    def org(self) -> pd.DataFrame:
        """One row per department with every level's id and name, and the municipality."""
        cols = ["department_id", "department_name", "institution_id", "institution_name",
                "cluster", "area"]
        org = self.units[cols].copy()
        org["municipality"] = pd.Series(self.meta.name, index=org.index, dtype="str")
        return org.reset_index(drop=True)

    def level_units(self, level: str) -> pd.DataFrame:
        """The distinct units of a level, with their id and name columns.

        Parameters
        ----------
        level : str
            One of :data:`LEVELS`.

        Returns
        -------
        pandas.DataFrame
            One row per unit, sorted by id (``"municipality"``: one row). Units of a
            level that is not filled in (``cluster`` or ``area`` missing) are left out.
        """
        if level not in LEVEL_COLUMNS:
            raise KeyError(f"unknown level {level!r}; levels are {', '.join(LEVELS)}")
        id_col, name_col = LEVEL_COLUMNS[level]
        cols = [id_col] if id_col == name_col else [id_col, name_col]
        out = self.org[cols].dropna(subset=[id_col]).drop_duplicates(subset=[id_col])
        return out.sort_values(id_col, kind="stable").reset_index(drop=True)

    def select(self, **levels: str | Iterable[str]) -> Dataset:
        """The part of the dataset below the given units.

        Parameters
        ----------
        **levels
            ``department=``, ``institution=``, ``cluster=``, ``area=`` or
            ``municipality=``: an id (a cluster/area name) or a list of them. Several
            keywords are combined with *and*.

        Returns
        -------
        Dataset
            Units, responses and goals restricted to the selected departments; children
            restricted to those with responses left; measures, items and reference kept.

        Raises
        ------
        KeyError
            For an unknown level or value; the message lists the known ones.
        """
        keep = pd.Series(True, index=self.units.index)
        org = self.org.set_index(self.units.index)
        for level, value in levels.items():
            if level not in LEVEL_COLUMNS:
                raise KeyError(f"unknown level {level!r}; levels are {', '.join(LEVELS)}")
            values = [value] if isinstance(value, str) or not isinstance(value, Iterable) \
                else list(value)
            values = [str(v) for v in values]
            col = LEVEL_COLUMNS[level][0]
            known = sorted(org[col].dropna().unique().tolist())
            unknown = [v for v in values if v not in known]
            if unknown:
                shown = ", ".join(known[:30]) + (" …" if len(known) > 30 else "")
                raise KeyError(f"unknown {level} {', '.join(map(repr, unknown))}; known "
                               f"{level} values are: {shown}")
            keep &= org[col].isin(values)
        units = self.units[keep].reset_index(drop=True)
        dept = set(units["department_id"])
        r = self.responses
        rmask = r["department_id"].isin(dept).to_numpy()
        responses = r[rmask].reset_index(drop=True)
        for c in ("department_id", "child_id", "respondent_id"):
            responses[c] = responses[c].cat.remove_unused_categories()
        kids = set(responses["child_id"].dropna().astype(str))
        children = self.children[self.children["child_id"].isin(kids)].reset_index(drop=True)
        goals = None
        if self.goals is not None:
            goals = self.goals[self.goals["department_id"].isin(dept)].reset_index(drop=True)
        return self._replace(units=units, responses=responses, children=children, goals=goals)

    # ---- summary --------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """A summary (used by ``llkit info``): sizes, rounds, answers per source and round.

        Returns
        -------
        dict
            ``name``, ``sector``, ``synthetic``, ``rounds``, ``round_dates``, ``min_n``,
            ``n_areas``, ``n_clusters``, ``n_institutions``, ``n_departments``,
            ``n_children``, ``n_respondents``, ``n_measures``, ``n_items``,
            ``n_responses``, ``n_answered`` (non-empty values), ``responses`` (DataFrame:
            number of response rows per source (rows) and round (columns)),
            ``measures_by_source``,
            ``has_goals``, ``has_reference``, ``n_warnings``.
        """
        r = self.responses
        item_measure = self.items.set_index("item_id")["measure_id"]
        measure_source = self.measures.set_index("measure_id")["source"]
        cats = pd.Index(np.asarray(r["item_id"].cat.categories, dtype=object))
        src_of_cat = measure_source.reindex(item_measure.reindex(cats).to_numpy()).to_numpy(
            dtype=object)
        codes = r["item_id"].cat.codes.to_numpy()
        src = np.append(src_of_cat, None)[codes]
        counts = (pd.DataFrame({"source": src, "round": r["round"]})
                  .dropna()
                  .groupby(["source", "round"], observed=False).size()
                  .unstack("round", fill_value=0))
        sources = sorted(self.measures["source"].dropna().unique().tolist())
        per = (counts.reindex(index=sources, columns=list(self.meta.rounds), fill_value=0)
               .astype("int64"))
        per.index.name = "source"
        per.columns = pd.Index([str(c) for c in per.columns], name="round")
        m = self.measures
        return {
            "name": self.meta.name,
            "sector": self.meta.sector,
            "synthetic": self.meta.synthetic,
            "rounds": list(self.meta.rounds),
            "round_dates": dict(self.meta.round_dates),
            "min_n": self.meta.min_n,
            "n_areas": int(self.units["area"].nunique()),
            "n_clusters": int(self.units["cluster"].nunique()),
            "n_institutions": int(self.units["institution_id"].nunique()),
            "n_departments": int(len(self.units)),
            "n_children": int(len(self.children)),
            "n_respondents": int(r["respondent_id"].nunique()),
            "n_measures": int(len(m)),
            "n_items": int(len(self.items)),
            "n_responses": int(len(r)),
            "n_answered": int(r["value"].notna().sum()),
            "responses": per,
            "measures_by_source": {str(k): int(v) for k, v in
                                   m.groupby("source").size().items()},
            "has_goals": self.goals is not None,
            "has_reference": self.reference is not None,
            "n_warnings": int((self.problems["severity"] == "warning").sum())
            if len(self.problems) else 0,
        }

    # ---- writing --------------------------------------------------------------------

    def to_folder(self, path: str | Path, format: str = "csv", *,
                  overwrite: bool = False) -> Path:
        """Write the dataset as a folder (``dataset.toml`` + one file per table).

        The folder is written to a temporary folder next to ``path`` and renamed into
        place, so a reader never sees half a dataset.

        Parameters
        ----------
        path : str or Path
            The dataset folder to create.
        format : {"csv", "parquet"}
            CSV files are UTF-8, comma-separated, decimal point.
        overwrite : bool
            Replace an existing non-empty folder at ``path``.

        Returns
        -------
        Path
        """
        if format not in ("csv", "parquet"):
            raise ValueError(f"format must be 'csv' or 'parquet', not {format!r}")
        target = Path(path)
        if target.exists() and (not target.is_dir() or any(target.iterdir())) and not overwrite:
            raise FileExistsError(f"{target} exists and is not empty; pass overwrite=True to "
                                  "replace it")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            (tmp / META_FILE).write_text(_meta_toml(self.meta), encoding="utf-8")
            for name, frame in self.tables.items():
                if format == "csv":
                    _csv_frame(frame).to_csv(tmp / f"{name}.csv", index=False,
                                             lineterminator="\n", encoding="utf-8")
                else:
                    frame.to_parquet(tmp / f"{name}.parquet", index=False, engine="pyarrow")
            if target.exists():
                old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
                target.rename(old)
                tmp.rename(target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target


def _csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text for a CSV file: booleans as true/false, numbers without a spurious ``.0``."""
    from llkit.data.io import values_as_text

    out = {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s.dtype) or (
            pd.api.types.is_numeric_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype)
        ):
            out[c] = values_as_text(s)
        else:
            out[c] = s
    return pd.DataFrame(out)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_\-]+$")


def _toml_key(k: str) -> str:
    return k if _BARE_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if np.isfinite(v) else ("nan" if np.isnan(v) else
                                               ("inf" if v > 0 else "-inf"))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_toml_key(str(k))} = {_toml_value(x)}"
                               for k, x in v.items()) + "}"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return json.dumps(str(v), ensure_ascii=False)


def _meta_toml(meta: Meta) -> str:
    lines = [
        f"name = {_toml_value(meta.name)}",
        f"sector = {_toml_value(meta.sector)}",
        f"rounds = {_toml_value(list(meta.rounds))}",
        f"min_n = {meta.min_n}",
        f"synthetic = {_toml_value(bool(meta.synthetic))}",
    ]
    tables = []
    for k, v in meta.extra.items():
        if isinstance(v, dict):
            tables.append((k, v))
        else:
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
    if meta.round_dates:
        tables.insert(0, ("round_dates", meta.round_dates))
    for k, v in tables:
        lines.append("")
        lines.append(f"[{_toml_key(k)}]")
        for kk, vv in v.items():
            lines.append(f"{_toml_key(str(kk))} = {_toml_value(vv)}")
    return "\n".join(lines) + "\n"


# ======================================================================================
# load / validate
# ======================================================================================


@ordinary_pages
def _read(path: str | Path, *, validate: bool) -> tuple[Any, ProblemLog]:
    log = ProblemLog()
    cats = {n: categorical_columns(n) for n in TABLES}
    ids = {n: id_columns(n) for n in TABLES}
    raw = read_dataset(path, log, categorical=cats, id_columns=ids)
    checked = check_dataset(raw, log, validate=validate)
    return checked, log


def _problems(log: ProblemLog) -> pd.DataFrame:
    return mask_cpr(log.frame())


def validate(path: str | Path) -> pd.DataFrame:
    """Check a dataset and return its problem table (never raises for bad data).

    Parameters
    ----------
    path : str or Path
        A dataset folder or workbook (see :func:`load`).

    Returns
    -------
    pandas.DataFrame
        Columns ``severity``, ``file``, ``line``, ``column``, ``value``, ``problem``,
        ``action``; errors first. Empty when the dataset is fine. CPR-like values are
        masked (``010203-****``).
    """
    _, log = _read(path, validate=True)
    return _problems(log)


def load(path: str | Path, *, validate: bool = True) -> Dataset:
    """Read and validate a dataset.

    Parameters
    ----------
    path : str or Path
        A folder with ``dataset.toml`` and the tables (``.csv``/``.parquet``), a folder
        with one ``.xlsx`` workbook, or the workbook itself.
    validate : bool
        False skips the checks (for data validated before); reading problems are still
        errors.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        With *all* problems (``.problems``) when the data has errors. Warnings are
        issued as one :class:`~llkit.errors.DataWarning` and kept in
        ``Dataset.problems``.
    """
    checked, log = _read(path, validate=validate)
    problems = _problems(log)
    if log.has_errors or checked.meta is None:
        if not log.has_errors:  # pragma: no cover - parse_meta always logs why
            log.error(file=META_FILE, problem="the metadata cannot be used",
                      action="check dataset.toml")
            problems = _problems(log)
        raise DataError(problems)
    t = checked.tables
    warn = problems[problems["severity"] == "warning"].reset_index(drop=True)
    if len(warn):
        warnings.warn(DataWarning(f"the data has {len(warn)} warning(s):\n"
                                  f"{format_problems(warn)}"), stacklevel=2)
    return Dataset(
        meta=checked.meta,
        units=t["units"],
        children=t["children"],
        measures=t["measures"],
        items=t["items"],
        responses=t["responses"],
        goals=t.get("goals"),
        reference=t.get("reference"),
        problems=warn,
        source=Path(path),
    )
