"""From item answers to one score per subject, measure and round.

A subject is whom a score describes: a child (pedagogue assessment, the child's own voice,
a parent's answers about the child, a test), a respondent (staff survey) or a department
(observation of the learning environment). See :func:`scores`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from llkit.data._pages import ordinary_pages

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

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


_CHUNK = 1 << 21


def _int_type(n: int) -> type:
    """The smallest signed integer type that holds 0 .. n - 1 (and -1)."""
    for t in (np.int8, np.int16, np.int32):
        if n <= np.iinfo(t).max:
            return t
    return np.int64


class _Accumulator:
    """Sums, answered counts and the last department per (round, subject, measure) key.

    Keys are added in row order, chunk by chunk. A dense key space is counted into arrays
    of all keys (no sorting of millions of rows); a sparse one collects the keys and
    groups them once at the end.
    """

    def __init__(self, n_rounds: int, n_subj: int, n_m: int, n_rows: int) -> None:
        self.shape = (n_rounds, n_subj, n_m)
        self.n_keys = n_rounds * n_subj * n_m
        self.dense = _use_dense_keys(self.n_keys, n_rows)
        if self.dense:
            self.sums = np.zeros(self.n_keys)
            self.counts = np.zeros(self.n_keys, dtype=np.int32 if n_rows < 2**31 else np.int64)
            self.seen = np.zeros(self.n_keys, dtype=bool)
            self.last: np.ndarray | None = None  # in the type of the department codes
        else:
            self.chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, key: np.ndarray, v: np.ndarray, dept: np.ndarray) -> None:
        if not self.dense:
            self.chunks.append((key, v, dept))
            return
        answered = ~np.isnan(v)
        self.seen[key] = True
        if self.last is None:
            self.last = np.zeros(self.n_keys, dtype=dept.dtype)
        # the department of the subject in that round: the one on its rows (validated
        # unique for children); for several, one of them (the last row written)
        self.last[key] = dept
        ka = key[answered]
        np.add.at(self.sums, ka, v[answered])
        np.add.at(self.counts, ka, self.counts.dtype.type(1))

    def result(self) -> tuple[np.ndarray, ...] | None:
        """Round codes, local measure positions, subject codes, sums, counts (int64) and
        department codes of the keys present, in (round, measure, subject) order."""
        n_rounds, n_subj, n_m = self.shape
        if self.dense:
            # the keys present, in (round, measure, subject) order, as compact codes (one
            # int64 position array at a time: national data has millions of keys)
            seen = self.seen.reshape(self.shape).transpose(0, 2, 1)
            pos = np.flatnonzero(seen)
            del seen
            s_codes = (pos % n_subj).astype(_int_type(n_subj))
            pos //= n_subj
            m_loc = (pos % n_m).astype(_int_type(n_m))
            pos //= n_m
            r_codes = pos.astype(_int_type(n_rounds))
            del pos
            flat = r_codes.astype(np.int64)
            flat *= n_subj
            flat += s_codes
            flat *= n_m
            flat += m_loc
            last = self.last if self.last is not None else np.zeros(self.n_keys, dtype=np.int32)
            out = (r_codes, m_loc, s_codes, self.sums[flat],
                   self.counts[flat].astype(np.int64), last[flat])
            # the counting arrays are not needed any more
            self.sums = self.counts = self.seen = self.last = None  # type: ignore[assignment]
            return out
        if not self.chunks:
            return None
        key = np.concatenate([c[0] for c in self.chunks])
        v = np.concatenate([c[1] for c in self.chunks])
        dept = np.concatenate([c[2] for c in self.chunks])
        self.chunks = []
        # (round, subject, measure) -> (round, measure, subject) for the output order
        m_loc = key % n_m
        rest = key // n_m
        s_codes = rest % n_subj
        r_codes = rest // n_subj
        key = (r_codes * n_m + m_loc) * n_subj + s_codes
        uniq, inverse = np.unique(key, return_inverse=True)
        answered = ~np.isnan(v)
        sums = np.bincount(inverse, weights=np.where(answered, v, 0.0), minlength=len(uniq))
        counts = np.bincount(inverse, weights=answered, minlength=len(uniq)).astype(np.int64)
        last_row = np.zeros(len(uniq), dtype=np.int64)
        last_row[inverse] = np.arange(len(key))
        s_codes = uniq % n_subj
        rest = uniq // n_subj
        return rest // n_m, rest % n_m, s_codes, sums, counts, dept[last_row]



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
    codes = np.where(is_low, np.int8(0), np.where(is_high, np.int8(2), np.int8(1)))
    codes[np.isnan(s) | (np.isnan(lo) & np.isnan(hi))] = -1
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(CATEGORIES, ordered=True),
                                     validate=False)


@ordinary_pages
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
    responses = ds.responses
    lookup = _item_lookup(ds, measures, responses)
    types = _subject_types(responses, lookup, len(measures))
    _accumulate(responses, lookup, types)
    parts = _score_parts(types, measures)
    if not parts:
        return _no_scores(responses)
    return _score_frame(ds, parts, measures, responses)


class _ItemLookup(NamedTuple):
    """Lookup tables indexed by the responses' item code, with one extra last entry for
    a missing item (code -1 picks it)."""

    measure: np.ndarray  # position of the item's measure (-1: no requested measure)
    reverse: np.ndarray  # reverse item
    flip: np.ndarray  # scale_min + scale_max of a reverse item's measure
    measure_subject: np.ndarray  # subject type of each measure (and -1 last)
    subject: np.ndarray  # subject type of each item (-1: no requested measure)


def _item_lookup(ds: Dataset, measures: pd.DataFrame, responses: pd.DataFrame) -> _ItemLookup:
    """Measure, reverse flag, recoding and subject type per item code of the responses."""
    items = ds.items[ds.items["measure_id"].isin(measures["measure_id"])]
    item_cat = responses["item_id"].cat.categories
    # per item code: measure position, reverse flag
    item_pos = pd.Index(item_cat).get_indexer(items["item_id"])
    keep = item_pos >= 0
    items = items[keep]
    item_pos = item_pos[keep]
    n_item_codes = len(item_cat)
    measure_index = pd.Index(measures["measure_id"])
    # lookup tables indexed by item code, with one extra last entry for a missing item
    # (code -1 picks it)
    item_measure = np.full(n_item_codes + 1, -1, dtype=np.int64)
    item_measure[item_pos] = measure_index.get_indexer(items["measure_id"])
    item_reverse = np.zeros(n_item_codes + 1, dtype=bool)
    item_reverse[item_pos] = items["reverse"].to_numpy(dtype=bool)
    smin = measures["scale_min"].to_numpy(dtype=float)
    smax = measures["scale_max"].to_numpy(dtype=float)
    # a reverse item's answer v is recoded as (scale_min + scale_max) - v (missing when the
    # measure's scale is open)
    item_flip = np.full(n_item_codes + 1, np.nan)
    rev = np.flatnonzero(item_reverse)
    item_flip[rev] = smin[item_measure[rev]] + smax[item_measure[rev]]

    # subject type of each measure and item (-1: no requested measure)
    subjects = list(SUBJECT_ID_COLUMN)
    measure_subject = np.array(
        [subjects.index(x) if x in subjects else -1 for x in measures["subject"].astype(str)]
        + [-1],
        dtype=np.int8,
    )
    item_subject = measure_subject[item_measure]  # item_measure == -1 picks the last (-1)
    return _ItemLookup(item_measure, item_reverse, item_flip, measure_subject, item_subject)


def _subject_types(responses: pd.DataFrame, lookup: _ItemLookup, n_meas: int) -> list[tuple]:
    """Per subject type with a requested measure: its measures numbered locally (in
    measure order), the codes of the column that identifies the subject, and an
    accumulator of its scores."""
    n_rounds = len(responses["round"].cat.categories)
    n_rows = len(responses)
    measure_subject = lookup.measure_subject
    types = []
    for k, id_col in enumerate(SUBJECT_ID_COLUMN.values()):
        if not (measure_subject == k).any():
            continue
        m_global = np.flatnonzero(measure_subject[:-1] == k)
        n_m = len(m_global)
        local = np.full(n_meas + 1, -1, dtype=np.int64)
        local[m_global] = np.arange(n_m)
        subj_cat = responses[id_col].cat.categories
        n_subj = max(len(subj_cat), 1)
        types.append((k, m_global, local[lookup.measure], np.asarray(responses[id_col].array.codes),
                      subj_cat, n_subj, n_m, _Accumulator(n_rounds, n_subj, n_m, n_rows)))
    return types


def _accumulate(responses: pd.DataFrame, lookup: _ItemLookup, types: list[tuple]) -> None:
    """Add every answer (recoded) to the accumulator of its subject type, in chunks of
    rows: no full-length temporaries for national-size data."""
    item_codes = np.asarray(responses["item_id"].array.codes)
    values = responses["value"].to_numpy(dtype=float)
    round_codes = np.asarray(responses["round"].array.codes)
    dept_codes = np.asarray(responses["department_id"].array.codes)
    n_rows = len(responses)
    item_reverse, item_flip = lookup.reverse, lookup.flip
    for a in range(0, n_rows, _CHUNK):
        b = min(a + _CHUNK, n_rows)
        ic_all = item_codes[a:b]
        st = lookup.subject[ic_all]
        st[round_codes[a:b] < 0] = -1
        for k, _m_global, item_local, subj_col, _cat, n_subj, n_m, acc in types:
            sel = st == k
            sel &= subj_col[a:b] >= 0
            if not sel.any():
                continue
            ic = ic_all[sel]
            v = values[a:b][sel]
            rv = item_reverse[ic]
            if rv.any():
                v[rv] = item_flip[ic[rv]] - v[rv]
            # key in (round, subject, measure) order: the rows of one subject are usually
            # together, so the counting arrays are written nearly in order
            key = round_codes[a:b][sel].astype(np.int64)
            key *= n_subj
            key += subj_col[a:b][sel]
            key *= n_m
            key += item_local[ic]
            acc.add(key, v, dept_codes[a:b][sel])


def _score_parts(types: list[tuple], measures: pd.DataFrame) -> list[dict]:
    """The scores of each subject type (those with any answer), as code arrays."""
    n_meas = len(measures)
    parts = []
    for k, m_global, _local, _codes, subj_cat, _n_subj, _n_m, acc in types:
        res = acc.result()
        if res is None:
            continue
        r_codes, m_loc, s_codes, sums, counts, dept = res
        m_pos = m_global[m_loc].astype(_int_type(n_meas))
        min_items = measures["min_items"].to_numpy(dtype=np.int64)[m_pos]
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(counts >= np.maximum(min_items, 1), sums / np.maximum(counts, 1), np.nan)
        parts.append({"round": r_codes, "measure": m_pos, "subject": k, "subject_id": s_codes,
                      "subject_cat": subj_cat, "dept": dept, "score": score, "n_items": counts})
    return parts


def _no_scores(responses: pd.DataFrame) -> pd.DataFrame:
    """The frame of :func:`scores` without rows."""
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in SCORE_COLUMNS})
    out["round"] = pd.Categorical([], dtype=responses["round"].dtype)
    out["score"] = out["score"].astype(float)
    out["n_items"] = out["n_items"].astype(np.int64)
    out["category"] = pd.Categorical([], categories=CATEGORIES, ordered=True)
    return out


def _subject_ids(parts: list[dict]) -> tuple[pd.Index, np.ndarray]:
    """The subject ids: the union of the parts' categories in order of appearance (as
    pandas.api.types.union_categoricals), and each part's codes recoded into it."""
    subject_cats = parts[0]["subject_cat"]
    for p in parts[1:]:
        subject_cats = subject_cats.append(p["subject_cat"])
    if len(parts) > 1:
        subject_cats = subject_cats.unique()
    code_type = _int_type(len(subject_cats))
    # the first part's categories open the union in their own order: its codes stay
    subject_codes = np.concatenate([
        p["subject_id"].astype(code_type, copy=False) if i == 0
        else subject_cats.get_indexer(p["subject_cat"]).astype(code_type)[p["subject_id"]]
        for i, p in enumerate(parts)
    ])
    return subject_cats, subject_codes


def _score_frame(ds: Dataset, parts: list[dict], measures: pd.DataFrame,
                 responses: pd.DataFrame) -> pd.DataFrame:
    """The frame of :func:`scores` from the parts' code arrays."""
    def cat(key: str) -> np.ndarray:
        return np.concatenate([p[key] for p in parts])

    subject_cats, subject_codes = _subject_ids(parts)
    m_pos = cat("measure")
    dept = cat("dept")
    score = cat("score")
    dept_cat = responses["department_id"].cat.categories
    units = ds.units.drop_duplicates("department_id").set_index("department_id")
    # every code below is -1 or a position in its categories (validate=False: no copy)
    out: dict[str, object] = {
        "round": pd.Categorical.from_codes(cat("round"), dtype=responses["round"].dtype,
                                           validate=False),
        "measure_id": pd.Categorical.from_codes(
            m_pos, dtype=pd.CategoricalDtype(pd.Index(measures["measure_id"])), validate=False),
        "subject": pd.Categorical.from_codes(
            np.concatenate([np.full(len(p["score"]), p["subject"], dtype=np.int8)
                            for p in parts]),
            dtype=pd.CategoricalDtype(list(SUBJECT_ID_COLUMN)), validate=False),
        "subject_id": pd.Categorical.from_codes(
            subject_codes, dtype=pd.CategoricalDtype(subject_cats), validate=False),
        # unit columns from the department codes (no string work per row)
        "department_id": pd.Categorical.from_codes(dept, dtype=pd.CategoricalDtype(dept_cat),
                                                   validate=False),
    }
    for col in ["institution_id", "cluster", "area"]:
        per_dept = pd.Categorical(units[col].reindex(dept_cat).to_numpy())
        out[col] = pd.Categorical.from_codes(
            per_dept.codes[dept], categories=per_dept.categories
        )
    out["score"] = score
    out["category"] = categorize(
        score,
        measures["low_cut"].to_numpy(dtype=float)[m_pos],
        measures["high_cut"].to_numpy(dtype=float)[m_pos],
        measures["higher_is_better"].to_numpy(dtype=bool)[m_pos],
    )
    out["n_items"] = cat("n_items")
    return pd.DataFrame(out, copy=False)[SCORE_COLUMNS]
