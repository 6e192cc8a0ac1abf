"""Checks of the answers: scales, who answered, duplicate answers, a child in two
departments, and the warnings about departments and items without answers.

One pass over the answers in cache-sized chunks finds the rows of most checks
(:func:`_scan`); each check then logs its rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from llkit.data.io.raw import RawTable
from llkit.data.schema.duplicates import _duplicates
from llkit.data.schema.report import _emit, _num
from llkit.data.schema.spec import SUBJECTS
from llkit.data.schema.values import _CHUNK, _codes
from llkit.errors import ProblemLog

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.schema.validate import Checked

#: Warn about an item when more than this share of its answer rows are empty.
MISSING_SHARE_WARN = 0.30


def _check_responses(checked: Checked, log: ProblemLog, present: Callable[..., bool]) -> None:
    """Every check of the answers, in the order their problems are listed."""
    T = checked.tables
    raw = checked.raw.tables
    ans = _answers(T, raw["responses"])
    want_present = ("units" in T and present("units", "department_id")
                    and present("responses", "department_id"))
    want_empty = "items" in T and present("responses", "value") and ans.nc > 0
    scan = _scan(ans, want_present, want_empty)
    if scan.out.any():
        _log_outside_scale(ans, scan.out, log, raw)
    _log_who_is_missing(ans, scan, log)
    _log_duplicate_answers(ans, scan.sels, log)
    _log_two_departments(ans, log)
    # ---- warnings ----------------------------------------------------------------------
    if want_present:
        _warn_departments_without_answers(ans, scan.present_code, T["units"], raw["units"],
                                          log)
    if want_empty:
        _warn_empty_items(ans, scan, T["items"], raw["items"], log)


@dataclass
class _Answers:
    """The answers as codes, and per item category its measure, the measure's subject
    (code in :data:`SUBJECTS`, -1 unknown) and scale; the per-item arrays have one extra
    last entry for a missing item, which code -1 picks."""

    r: pd.DataFrame
    rt: RawTable
    n: int
    item_cats: pd.Index
    item_codes: np.ndarray
    nc: int
    subject_of: np.ndarray
    lo_of: np.ndarray
    hi_of: np.ndarray
    measure_of: np.ndarray
    value: np.ndarray
    child: np.ndarray
    resp: np.ndarray
    dept: np.ndarray
    rnd: np.ndarray


@dataclass
class _Scan:
    """The row masks and counts found by the one pass over the answers (:func:`_scan`)."""

    out: np.ndarray  # value outside the scale
    miss_child: np.ndarray
    miss_resp: np.ndarray
    sels: list[np.ndarray]  # rows of each subject type
    present_code: np.ndarray  # departments with answers (by code; last entry: missing)
    total: np.ndarray  # answer rows per item
    empty: np.ndarray  # empty answer rows per item


def _answers(T: dict[str, pd.DataFrame], rt: RawTable) -> _Answers:
    r = T["responses"]
    item_cats = pd.Index(np.asarray(r["item_id"].cat.categories, dtype=object))
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
    return _Answers(
        r=r, rt=rt, n=len(r), item_cats=item_cats, item_codes=_codes(r["item_id"]), nc=nc,
        subject_of=subject_of, lo_of=lo_of, hi_of=hi_of, measure_of=measure_of,
        value=r["value"].to_numpy(), child=_codes(r["child_id"]),
        resp=_codes(r["respondent_id"]), dept=_codes(r["department_id"]),
        rnd=_codes(r["round"]),
    )


def _scan(ans: _Answers, want_present: bool, want_empty: bool) -> _Scan:
    """One pass over the answers in cache-sized chunks (no full-length temporaries): the
    row masks of the checks, the departments that have answers and the answer counts per
    item."""
    n, nc = ans.n, ans.nc
    item_codes, subject_of, lo_of, hi_of = ans.item_codes, ans.subject_of, ans.lo_of, ans.hi_of
    value, child, resp, dept, rnd = ans.value, ans.child, ans.resp, ans.dept, ans.rnd
    check_scale = bool(np.isfinite(lo_of).any() or np.isfinite(hi_of).any())
    out = np.zeros(n, dtype=bool)  # value outside the scale
    miss_child = np.zeros(n, dtype=bool)
    miss_resp = np.zeros(n, dtype=bool)
    sels = [np.zeros(n, dtype=bool) for _ in SUBJECTS]  # rows of each subject type
    present_code = np.zeros(len(ans.r["department_id"].cat.categories) + 1, dtype=bool)
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
    return _Scan(out=out, miss_child=miss_child, miss_resp=miss_resp, sels=sels,
                 present_code=present_code, total=total, empty=empty)


def _log_outside_scale(ans: _Answers, out: np.ndarray, log: ProblemLog,
                       raw: dict[str, RawTable]) -> None:
    mfile = raw["measures"].file if "measures" in raw else "measures"
    item_codes, lo_of, hi_of, measure_of = ans.item_codes, ans.lo_of, ans.hi_of, ans.measure_of

    def scale_text(pos: np.ndarray) -> list[str]:
        res = []
        for p in pos:
            ic = item_codes[p]
            a, b, mm = lo_of[ic], hi_of[ic], measure_of[ic]
            rng = (f"{_num(a)}–{_num(b)}" if not np.isnan(a) and not np.isnan(b)
                   else (f"at least {_num(a)}" if not np.isnan(a) else f"at most {_num(b)}"))
            res.append(f"value outside the scale {rng} of measure {mm}")
        return res

    _emit(log, ans.rt, out, column="value", value=ans.r["value"], problem=scale_text,
          action=f"correct the value, or the scale (scale_min/scale_max) in {mfile}")


def _log_who_is_missing(ans: _Answers, scan: _Scan, log: ProblemLog) -> None:
    """Who answered: child_id / respondent_id where the subject needs it."""
    rt, r = ans.rt, ans.r
    item_cats, item_codes, measure_of = ans.item_cats, ans.item_codes, ans.measure_of
    has_child_col = "child_id" in rt.frame.columns
    has_resp_col = "respondent_id" in rt.frame.columns
    _emit(log, rt, scan.miss_child, column="child_id", value=r["item_id"],
          problem=lambda pos: [f"child_id is missing: item {item_cats[item_codes[p]]!r} belongs "
                               f"to measure {measure_of[item_codes[p]]!r}, which describes "
                               "children (subject child)" for p in pos],
          action="fill in the child_id of the child the answer is about"
          + ("" if has_child_col else " (add a child_id column to the responses)"))
    _emit(log, rt, scan.miss_resp, column="respondent_id", value=r["item_id"],
          problem=lambda pos: [f"respondent_id is missing: item {item_cats[item_codes[p]]!r} "
                               f"belongs to measure {measure_of[item_codes[p]]!r}, which "
                               "describes respondents (subject respondent)" for p in pos],
          action="fill in the (pseudonymised) id of the person who answered"
          + ("" if has_resp_col else " (add a respondent_id column to the responses)"))


def _log_duplicate_answers(ans: _Answers, sels: list[np.ndarray], log: ProblemLog) -> None:
    """Two answers of one subject to one item in one round."""
    rt, n = ans.rt, ans.n
    item_cats, item_codes, subject_of = ans.item_cats, ans.item_codes, ans.subject_of
    rnd, child, resp, dept = ans.rnd, ans.child, ans.resp, ans.dept
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


def _log_two_departments(ans: _Answers, log: ProblemLog) -> None:
    """A child with answers in two departments in the same round."""
    found = _two_departments(ans)
    if found is None:
        return
    mask, other = found
    r, child, dept, rnd = ans.r, ans.child, ans.dept, ans.rnd
    dept_cats = np.asarray(r["department_id"].cat.categories, dtype=object)
    child_cats = np.asarray(r["child_id"].cat.categories, dtype=object)
    round_cats = np.asarray(r["round"].cat.categories, dtype=object)

    def two_depts(pos: np.ndarray) -> list[str]:
        return [f"{child_cats[child[p]]}: {dept_cats[dept[p]]} here, "
                f"{dept_cats[other[p]]} on other rows of {round_cats[rnd[p]]}"
                for p in pos]

    _emit(log, ans.rt, mask, column="department_id", value=two_depts,
          problem="the child has answers in two departments in the same round",
          action="a child belongs to one department per round: correct the "
          "department_id (or the child_id) on the wrong rows")


def _two_departments(ans: _Answers) -> tuple[np.ndarray, dict[int, int]] | None:
    """The rows of a child in a second department of a round, and for each the child's
    first department there; None when there are none (or too many keys to look).

    Each row's department is written into a table indexed by (round, child); a row whose
    department differs from the table's entry shares its (round, child) with a row in
    another department.
    """
    r, n = ans.r, ans.n
    rnd, child, dept = ans.rnd, ans.child, ans.dept
    n_rounds = len(r["round"].cat.categories)
    n_child = len(r["child_id"].cat.categories)
    if n_child == 0 or not n_rounds * n_child < 2**31 - 1:   # no child ids: nothing to look for
        return None

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
    if not any_conflict:
        return None
    sel = (rnd >= 0) & (child >= 0) & (dept >= 0)
    k2 = rnd.astype(np.int32) * np.int32(n_child)
    k2 += child
    k2[~sel] = 0
    conflict = sel & (seen[k2] != dept)
    del seen
    # keep, per (round, child), the first row of each department but the first
    rows = np.flatnonzero(sel & np.isin(k2, np.unique(k2[conflict])))
    sub = pd.DataFrame({"k2": k2[rows], "dept": dept[rows], "row": rows})
    firsts = sub.drop_duplicates(["k2", "dept"])
    first_dept = firsts.drop_duplicates("k2").set_index("k2")["dept"]
    later = firsts[firsts.duplicated("k2")]
    mask = np.zeros(n, dtype=bool)
    mask[later["row"].to_numpy()] = True
    other = dict(zip(later["row"], first_dept.reindex(later["k2"]).to_numpy(), strict=True))
    return mask, other


def _warn_departments_without_answers(ans: _Answers, present_code: np.ndarray,
                                      u: pd.DataFrame, ut: RawTable, log: ProblemLog) -> None:
    # each unit's department among the answers' departments (-1: none there)
    pos = pd.Index(ans.r["department_id"].cat.categories).get_indexer(u["department_id"])
    has_answers = np.append(present_code[:-1], False)[pos]
    no_answers = u["department_id"].notna().to_numpy() & ~has_answers
    _emit(log, ut, no_answers, column="department_id", value=u["department_id"],
          problem="the department has no answers in the responses", severity="warning",
          action="check the department_id on its response rows, or remove the department "
          "if it had no mapping")


def _warn_empty_items(ans: _Answers, scan: _Scan, items: pd.DataFrame, it: RawTable,
                      log: ProblemLog) -> None:
    total, empty, item_cats = scan.total, scan.empty, ans.item_cats
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, empty / np.maximum(total, 1), 0.0)
    share_by_item = pd.Series(share, index=pd.Index(item_cats, dtype=object))
    total_by_item = pd.Series(total, index=pd.Index(item_cats, dtype=object))
    ish = items["item_id"].map(share_by_item).fillna(0).to_numpy(dtype=float)
    itot = items["item_id"].map(total_by_item).fillna(0).to_numpy(dtype=float)
    many = ish > MISSING_SHARE_WARN
    _emit(log, it, many, column="item_id", value=items["item_id"],
          problem=lambda pos: [f"{ish[p]:.0%} of the {int(itot[p])} answer rows of this "
                               "item are empty" for p in pos],
          severity="warning",
          action="check the item's wording and whether it was asked everywhere; scores "
          "with many missing answers are less reliable")
