"""From item answers to one score per subject, measure and round.

A subject is whom a score describes: a child (pedagogue assessment, the child's own voice,
a parent's answers about the child, a test), a respondent (staff survey) or a department
(observation of the learning environment). See :func:`scores`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

if TYPE_CHECKING:  # pragma: no cover
    from llkit.dataset import Dataset

__all__ = ["scores", "categorize", "SCORE_COLUMNS", "SUBJECT_ID_COLUMN"]

#: Which response column identifies the subject, by the measure's ``subject``.
SUBJECT_ID_COLUMN = {"child": "child_id", "respondent": "respondent_id", "department": "department_id"}

#: Columns of the frame returned by :func:`scores`, in order.
SCORE_COLUMNS = [
    "round", "measure_id", "subject", "subject_id", "department_id", "institution_id",
    "cluster", "area", "score", "category", "n_items",
]

CATEGORIES = ["low", "middle", "high"]


def _measures_of(ds: Dataset, measure: str | list[str] | None) -> pd.DataFrame:
    measures = ds.measures
    if measure is None:
        return measures
    wanted = [measure] if isinstance(measure, str) else list(measure)
    known = set(measures["measure_id"])
    unknown = [m for m in wanted if m not in known]
    if unknown:
        raise KeyError(
            f"unknown measure {', '.join(map(repr, unknown))}; the dataset has: "
            f"{', '.join(sorted(known))}"
        )
    return measures[measures["measure_id"].isin(wanted)]


def _use_dense_keys(n_keys: int, n_rows: int) -> bool:
    """Count into a dense array of all keys when it is not much larger than the rows."""
    return n_keys <= max(4 * n_rows, 1 << 20)


def categorize(
    score: np.ndarray | pd.Series,
    low_cut: np.ndarray | float,
    high_cut: np.ndarray | float,
    higher_is_better: np.ndarray | bool = True,
) -> pd.Categorical:
    """Put scores in the categories ``low`` / ``middle`` / ``high``.

    ``low`` is always the group that gives concern and ``high`` the strong group. When
    higher is better: low = score < low_cut, high = score >= high_cut. When lower is
    better (the cuts are given on the raw scale, low_cut > high_cut): low = score >
    low_cut, high = score <= high_cut. A missing cut leaves that category empty; a
    missing score, or a measure with neither cut, has no category.

    Examples
    --------
    >>> list(categorize(np.array([1.5, 3.0, 4.5]), 2.5, 4.0))
    ['low', 'middle', 'high']
    """
    s = np.asarray(score, dtype=float)
    lo = np.broadcast_to(np.asarray(low_cut, dtype=float), s.shape)
    hi = np.broadcast_to(np.asarray(high_cut, dtype=float), s.shape)
    better_up = np.broadcast_to(np.asarray(higher_is_better, dtype=bool), s.shape)
    with np.errstate(invalid="ignore"):
        is_low = np.where(better_up, s < lo, s > lo)
        is_high = np.where(better_up, s >= hi, s <= hi)
    codes = np.where(is_low, 0, np.where(is_high, 2, 1))
    codes = np.where(np.isnan(s) | (np.isnan(lo) & np.isnan(hi)), -1, codes)
    return pd.Categorical.from_codes(codes, categories=CATEGORIES, ordered=True)


def scores(ds: Dataset, measure: str | list[str] | None = None) -> pd.DataFrame:
    """One score per round × measure × subject.

    A subject's score on a measure is the mean of its (recoded) item values in that round,
    when at least ``min_items`` items were answered; otherwise missing. Reverse items are
    recoded as ``scale_min + scale_max - value`` before averaging. When several
    respondents rate the same subject (two parents about one child, two observers of one
    department) all their answers enter the mean.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`llkit.load`).
    measure : str or list of str, optional
        Measure id(s); all measures when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCORE_COLUMNS`: ``round`` (ordered categorical), ``measure_id``,
        ``subject`` (child/respondent/department), ``subject_id``, the unit columns
        ``department_id``, ``institution_id``, ``cluster``, ``area`` of the department the
        subject was in that round, ``score`` (float, NaN when too few items were
        answered), ``category`` (low/middle/high, see :func:`categorize`) and
        ``n_items`` (items answered).

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> s = llkit.scores(ds, "sprog")
    >>> s.columns.tolist()[:4]
    ['round', 'measure_id', 'subject', 'subject_id']
    """
    measures = _measures_of(ds, measure).reset_index(drop=True)
    items = ds.items[ds.items["measure_id"].isin(measures["measure_id"])]
    responses = ds.responses
    parts = []
    item_cat = responses["item_id"].cat.categories
    # per item code: measure position, reverse flag
    item_pos = pd.Index(item_cat).get_indexer(items["item_id"])
    keep = item_pos >= 0
    items = items[keep]
    item_pos = item_pos[keep]
    n_item_codes = len(item_cat)
    measure_index = pd.Index(measures["measure_id"])
    item_measure = np.full(n_item_codes, -1, dtype=np.int64)
    item_measure[item_pos] = measure_index.get_indexer(items["measure_id"])
    item_reverse = np.zeros(n_item_codes, dtype=bool)
    item_reverse[item_pos] = items["reverse"].to_numpy(dtype=bool)

    item_codes = responses["item_id"].cat.codes.to_numpy()
    resp_measure = np.where(item_codes >= 0, item_measure[np.maximum(item_codes, 0)], -1)
    values = responses["value"].to_numpy(dtype=float)
    smin = measures["scale_min"].to_numpy(dtype=float)
    smax = measures["scale_max"].to_numpy(dtype=float)
    reverse = item_reverse[np.maximum(item_codes, 0)] & (item_codes >= 0)
    if reverse.any():
        m = resp_measure[reverse]
        values = values.copy()
        values[reverse] = smin[m] + smax[m] - values[reverse]
    round_codes = responses["round"].cat.codes.to_numpy()
    dept_codes = responses["department_id"].cat.codes.to_numpy()
    dept_cat = responses["department_id"].cat.categories

    # subject type of each response row (-1: item of no requested measure)
    subjects = list(SUBJECT_ID_COLUMN)
    measure_subject = np.array(
        [subjects.index(x) if x in subjects else -1 for x in measures["subject"].astype(str)]
        + [-1],
        dtype=np.int8,
    )
    resp_subject = measure_subject[resp_measure]  # resp_measure == -1 picks the last (-1)

    for k, (subject, id_col) in enumerate(SUBJECT_ID_COLUMN.items()):
        if not (measure_subject == k).any():
            continue
        rows = np.flatnonzero(resp_subject == k)
        if len(rows) == 0:
            continue
        subj_codes = responses[id_col].cat.codes.to_numpy()[rows].astype(np.int64)
        ok = subj_codes >= 0
        rows, subj_codes = rows[ok], subj_codes[ok]
        n_subj = len(responses[id_col].cat.categories) + 1
        n_meas = len(measures)
        key = (round_codes[rows].astype(np.int64) * n_meas + resp_measure[rows]) * n_subj + subj_codes
        v = values[rows]
        answered = ~np.isnan(v)
        weights = np.where(answered, v, 0.0)
        n_keys = len(responses["round"].cat.categories) * n_meas * n_subj
        if _use_dense_keys(n_keys, len(key)):
            # dense key space: counting beats sorting (no argsort of millions of rows)
            rows_per_key = np.bincount(key, minlength=n_keys)
            uniq = np.flatnonzero(rows_per_key)
            sums = np.bincount(key, weights=weights, minlength=n_keys)[uniq]
            counts = np.bincount(key, weights=answered, minlength=n_keys)[uniq].astype(np.int64)
            # department of the subject in that round: the one on its rows (validated
            # unique for children); for several, one of them (the last row written)
            last = np.zeros(n_keys, dtype=np.int64)
            last[key] = dept_codes[rows]
            dept = last[uniq]
        else:
            uniq, inverse = np.unique(key, return_inverse=True)
            sums = np.bincount(inverse, weights=weights, minlength=len(uniq))
            counts = np.bincount(inverse, weights=answered, minlength=len(uniq)).astype(np.int64)
            last_row = np.zeros(len(uniq), dtype=np.int64)
            last_row[inverse] = np.arange(len(rows))
            dept = dept_codes[rows][last_row]
        s_codes = uniq % n_subj
        rest = uniq // n_subj
        m_pos = rest % n_meas
        r_codes = rest // n_meas
        min_items = measures["min_items"].to_numpy(dtype=np.int64)[m_pos]
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(counts >= np.maximum(min_items, 1), sums / np.maximum(counts, 1), np.nan)
        part = pd.DataFrame(
            {
                "round": pd.Categorical.from_codes(r_codes, dtype=responses["round"].dtype),
                "measure_id": pd.Categorical.from_codes(m_pos, categories=measure_index),
                "subject": subject,
                "subject_id": pd.Categorical.from_codes(
                    s_codes, categories=responses[id_col].cat.categories
                ),
                "_dept": dept,
                "score": score,
                "n_items": counts,
            }
        )
        parts.append(part)

    if not parts:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in SCORE_COLUMNS})
        out["round"] = pd.Categorical([], dtype=responses["round"].dtype)
        out["score"] = out["score"].astype(float)
        out["n_items"] = out["n_items"].astype(np.int64)
        out["category"] = pd.Categorical([], categories=CATEGORIES, ordered=True)
        return out
    subject_ids = union_categoricals([p["subject_id"].array for p in parts])
    out = pd.concat([p.drop(columns="subject_id") for p in parts], ignore_index=True)
    out["subject_id"] = subject_ids
    out["subject"] = pd.Categorical(out["subject"], categories=list(SUBJECT_ID_COLUMN))
    m_pos = out["measure_id"].cat.codes.to_numpy()
    out["category"] = categorize(
        out["score"].to_numpy(),
        measures["low_cut"].to_numpy(dtype=float)[m_pos],
        measures["high_cut"].to_numpy(dtype=float)[m_pos],
        measures["higher_is_better"].to_numpy(dtype=bool)[m_pos],
    )
    # unit columns from the department codes (no string work per row)
    dept = out.pop("_dept").to_numpy()
    out["department_id"] = pd.Categorical.from_codes(dept, categories=dept_cat)
    units = ds.units.drop_duplicates("department_id").set_index("department_id")
    for col in ["institution_id", "cluster", "area"]:
        per_dept = pd.Categorical(units[col].reindex(dept_cat).to_numpy())
        out[col] = pd.Categorical.from_codes(
            per_dept.codes[dept], categories=per_dept.categories
        )
    return out[SCORE_COLUMNS]
