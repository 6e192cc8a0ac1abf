"""Suppression of aggregates about few persons (diskretionering).

A published aggregate (mean, share, count ...) over fewer than ``min_n`` persons could
reveal something about an individual child, so it is *suppressed*: its values are set
missing and ``suppressed`` is true, and reports show "færre end N børn" instead of a
number (:func:`llkit.present.text.suppressed_text`). Ratings *of a department* (observations of
the learning environment, ``subject = "department"``) describe no person and are exempt.

Two steps:

:func:`suppress`
    Primary suppression: every row with ``n < min_n`` (counting persons).
:func:`suppress_complementary`
    Secondary (complementary) suppression in a hierarchy. If an institution is shown
    with its departments and only one department is hidden, the hidden one can be
    recovered by subtraction: ``n_inst * mean_inst - sum(n_d * mean_d)``. This step
    hides further units (the smallest first) until nothing hidden can be recovered.

Both take tidy summary frames (one row per unit and measure/round) and return a copy.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"unit": ["I1", "D1", "D2", "D3"], "parent": [None, "I1", "I1", "I1"],
...                   "n": [30, 3, 12, 15], "mean": [3.1, 2.0, 3.3, 3.2]})
>>> out = suppress_complementary(t, id_col="unit", parent_col="parent", value_cols=["mean"])
>>> out[["unit", "mean", "suppressed", "suppressed_reason"]]
  unit  mean  suppressed suppressed_reason
0   I1   3.1       False               NaN
1   D1   NaN        True             min_n
2   D2   NaN        True     complementary
3   D3   3.2       False               NaN
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "suppress",
    "suppress_complementary",
    "complementary_suppression",
    "SUPPRESSION_REASONS",
]

#: Values of the ``suppressed_reason`` column: too few persons, or hidden so that a
#: small group cannot be recovered by subtraction.
SUPPRESSION_REASONS = ["min_n", "complementary"]

#: ``persons``: one flag for all rows, a boolean column name, or one boolean per row.
Persons = bool | str | Sequence[bool] | np.ndarray | pd.Series


def _check(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"{what}: column(s) {missing} not in the frame; its columns are {list(frame.columns)}."
        )


def _value_columns(
    frame: pd.DataFrame, n_col: str, value_cols: Sequence[str] | None, exclude: Sequence[str] = ()
) -> list[str]:
    if value_cols is not None:
        cols = [value_cols] if isinstance(value_cols, str) else list(value_cols)
        _check(frame, cols, "value_cols")
        return cols
    skip = {n_col, "suppressed", *exclude}
    return [
        c
        for c in frame.columns
        if c not in skip
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]


def _persons_mask(frame: pd.DataFrame, persons: Persons) -> np.ndarray:
    if isinstance(persons, bool | np.bool_):
        return np.full(len(frame), bool(persons))
    if isinstance(persons, str):
        _check(frame, [persons], "persons")
        return frame[persons].fillna(True).astype(bool).to_numpy()
    if isinstance(persons, Sequence | np.ndarray | pd.Series) and len(persons) == len(frame):
        arr = np.asarray(persons)
        if arr.dtype == bool:  # fast path for a boolean array
            return arr.copy()
        mask = pd.Series(np.asarray(persons, dtype=object)).fillna(True)
        if mask.map(lambda v: isinstance(v, bool | np.bool_)).all():
            return mask.astype(bool).to_numpy()
    raise TypeError(
        "persons must be True, False, a column name or one boolean per row; "
        f"got a {type(persons).__name__}."
    )


def _blank(frame: pd.DataFrame, mask: np.ndarray, cols: Sequence[str]) -> None:
    """Set ``cols`` missing where ``mask`` (in place); integer columns become nullable."""
    if not mask.any():
        return
    for c in cols:
        s = frame[c]
        if pd.api.types.is_integer_dtype(s) and not isinstance(
            s.dtype, pd.api.extensions.ExtensionDtype
        ):
            s = s.astype("Int64")
        frame[c] = s.mask(mask)


def _mark(frame: pd.DataFrame, mask: np.ndarray, reason: str) -> None:
    already = frame["suppressed"].to_numpy(dtype=bool)
    new = mask & ~already
    frame["suppressed"] = already | mask
    if frame["suppressed_reason"].dtype == "str":
        # set only the new reasons (no round trip of every row through Python objects)
        if new.any():
            col = frame["suppressed_reason"].copy()
            col.iloc[np.flatnonzero(new)] = reason
            frame["suppressed_reason"] = col
        return
    reasons = frame["suppressed_reason"].astype("object").to_numpy(copy=True)
    reasons[new] = reason
    frame["suppressed_reason"] = pd.Series(reasons, index=frame.index, dtype="str")


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    if "suppressed" not in out.columns:
        out["suppressed"] = False
    out["suppressed"] = out["suppressed"].fillna(False).astype(bool)
    if "suppressed_reason" not in out.columns:
        out["suppressed_reason"] = pd.Series(
            np.where(out["suppressed"], "min_n", None), index=out.index, dtype="str"
        )
    return out


def suppress(
    frame: pd.DataFrame,
    *,
    n_col: str = "n",
    min_n: int = 5,
    value_cols: Sequence[str] | None = None,
    persons: Persons = True,
) -> pd.DataFrame:
    """Hide the values of rows that summarise fewer than ``min_n`` persons.

    Parameters
    ----------
    frame : pandas.DataFrame
        A tidy summary: one row per unit (and measure, round ...), with a count column.
    n_col : str, default "n"
        Number of persons (children, pupils, respondents) behind the row. A missing
        count is treated as too small.
    min_n : int, default 5
        Smallest number of persons that may be shown (``Meta.min_n``).
    value_cols : list of str, optional
        Columns to hide (means, intervals, shares, counts of subgroups ...). By default
        every numeric, non-boolean column except ``n_col``. The count itself stays: the
        report shows "færre end N børn", never the hidden values.
    persons : bool, str or array of bool, default True
        Whether the rows count persons. ``False`` for ratings of a department
        (observations), which describe no person and are never suppressed; or, per row,
        the name of a boolean column or one boolean per row (e.g.
        ``subject != "department"``).

    Returns
    -------
    pandas.DataFrame
        A copy with the values hidden (missing; integer columns become nullable
        ``Int64``), a boolean ``suppressed`` column (combined with an existing one) and
        ``suppressed_reason`` (``"min_n"`` or missing).

    Examples
    --------
    >>> t = pd.DataFrame({"unit": ["A", "B"], "n": [4, 12], "mean": [3.5, 3.1]})
    >>> suppress(t)
      unit   n  mean  suppressed suppressed_reason
    0    A   4   NaN        True             min_n
    1    B  12   3.1       False               NaN
    """
    if int(min_n) != min_n or min_n < 1:
        raise ValueError(f"min_n must be a whole number of at least 1, got {min_n!r}.")
    _check(frame, [n_col], "n_col")
    out = _prepare(frame)
    cols = _value_columns(out, n_col, value_cols, exclude=("suppressed_reason",))
    n = pd.to_numeric(out[n_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    small = ~(n >= min_n) & _persons_mask(out, persons)
    _mark(out, small, "min_n")
    _blank(out, out["suppressed"].to_numpy(dtype=bool), cols)
    return out


# --------------------------------------------------------------- complementary step


def _primary(
    frame: pd.DataFrame, *, n_col: str, min_n: int, value_cols: list[str], persons: Persons
) -> pd.DataFrame:
    """Primary suppression, unless the frame carries it already (``suppressed`` column)."""
    if int(min_n) != min_n or min_n < 1:
        raise ValueError(f"min_n must be a whole number of at least 1, got {min_n!r}.")
    if "suppressed" in frame.columns:
        return _prepare(frame)
    return suppress(frame, n_col=n_col, min_n=min_n, value_cols=value_cols, persons=persons)


class _Tree:
    """A hierarchy of units with counts, for one measure/round."""

    def __init__(self, ids: list[Hashable], parents: list[Hashable], n: list[float]):
        self.ids = ids
        self.n = dict(zip(ids, n, strict=True))
        known = set(ids)
        self.parent = {
            i: (p if p in known and p != i else None) for i, p in zip(ids, parents, strict=True)
        }
        self.children: dict[Hashable, list[Hashable]] = defaultdict(list)
        for i in ids:
            if self.parent[i] is not None:
                self.children[self.parent[i]].append(i)
        self.roots = [i for i in ids if self.parent[i] is None]
        # top-down order (parents before children); guards against cycles
        self.order: list[Hashable] = []
        stack = list(reversed(self.roots))
        seen: set[Hashable] = set()
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            self.order.append(v)
            stack.extend(reversed(self.children.get(v, [])))
        if len(seen) != len(ids):
            cyc = [i for i in ids if i not in seen][:5]
            raise ValueError(
                f"the parent column forms a cycle (e.g. at {cyc}); a unit cannot contain itself."
            )

    def is_below(self, v: Hashable, u: Hashable) -> bool:
        """Whether ``v`` is ``u`` or a descendant of ``u``."""
        while v is not None:
            if v == u:
                return True
            v = self.parent[v]
        return False

    def next_to_hide(self, hidden: set[Hashable], min_n: int) -> Hashable | None:
        """The next unit to hide, or None when nothing hidden can be recovered.

        Known (shown) units reveal the sum over their persons. The persons of a shown
        unit K not covered by a shown unit below it form its *residual* R(K) (size r);
        the sums over these residuals are exactly what can be learned by subtraction.
        Safe when for every shown K: r(K) is 0 or at least ``min_n``, and no hidden unit
        U below K (with K its nearest shown ancestor) has a residual equal to R(K) --
        and no hidden unit is fully covered by shown units below it (r(U) = 0 < n(U)).
        """
        cover: dict[Hashable, float] = {}
        maximal: dict[Hashable, list[Hashable]] = {}
        for v in reversed(self.order):  # bottom-up
            c, m = 0.0, []
            for ch in self.children.get(v, []):
                if ch in hidden:
                    c += cover[ch]
                    m.extend(maximal[ch])
                else:
                    c += self.n[ch]
                    m.append(ch)
            cover[v], maximal[v] = c, m
        r = {v: max(0.0, self.n[v] - cover[v]) for v in self.order}
        anchor: dict[Hashable, Hashable | None] = {}  # nearest shown ancestor
        for v in self.order:
            p = self.parent[v]
            anchor[v] = None if p is None else (p if p not in hidden else anchor[p])

        def pick(cands: list[Hashable]) -> Hashable | None:
            if not cands:
                return None
            return min(cands, key=lambda c: (r[c] <= 0, self.n[c], str(c)))

        hidden_by_anchor: dict[Hashable, list[Hashable]] = defaultdict(list)
        for u in self.order:
            if u in hidden and self.n[u] > 0:
                if r[u] <= 0:  # fully covered by shown units below it
                    choice = pick(maximal[u])
                    if choice is not None:
                        return choice
                hidden_by_anchor[anchor[u]].append(u)
        for k in self.order:
            if k in hidden:
                continue
            if 0 < r[k] < min_n:
                choice = pick(maximal[k])
                return k if choice is None else choice
            for u in hidden_by_anchor.get(k, []):
                if r[u] == r[k] > 0:
                    choice = pick([c for c in maximal[k] if not self.is_below(c, u)])
                    return k if choice is None else choice
        return None


def suppress_complementary(
    frame: pd.DataFrame,
    *,
    id_col: str,
    parent_col: str,
    n_col: str = "n",
    min_n: int = 5,
    value_cols: Sequence[str] | None = None,
    by: Sequence[str] | str | None = None,
    persons: Persons = True,
) -> pd.DataFrame:
    """Primary and complementary suppression in a hierarchy of units.

    Parameters
    ----------
    frame : pandas.DataFrame
        Summary rows of units at several levels that are published together (e.g. the
        municipality, its institutions and their departments), one row per unit and
        ``by`` group.
    id_col, parent_col : str
        Unit id and the id of the unit it belongs to (missing, or an id not in the
        frame, for the top). Ids must be unique within a ``by`` group across levels
        (prefix them by level if needed). A unit's persons are assumed to be the union
        of its children's persons when it has children in the frame.
    n_col, min_n, value_cols, persons
        As in :func:`suppress`. Rows with ``persons`` false are left alone and take no
        part in the hierarchy; keep person and department measures in separate ``by``
        groups.
    by : str or list of str, optional
        Columns that separate independent tables, e.g. ``["measure_id", "round"]``.

    Returns
    -------
    pandas.DataFrame
        As :func:`suppress`; ``suppressed_reason`` is ``"complementary"`` for rows hidden
        by this step (a report may say "vises ikke, så små grupper ikke kan regnes ud").

    Notes
    -----
    Rule. First every row with ``n < min_n`` is hidden (by :func:`suppress`, unless the
    frame already has a ``suppressed`` column: then that is taken as the primary
    suppression). Then, per ``by`` group, while
    something hidden can be recovered by subtracting shown sums (``n * mean``) from the
    sum of a shown parent, one more shown unit is hidden: among the shown units that
    would hide more persons, the one with the smallest ``n`` ("the next smallest
    sibling"), or the parent itself if there is none. Recoverable means:

    * a hidden unit is the only hidden part of a shown parent (parent - shown siblings),
      also across levels (a hidden institution whose departments are all shown);
    * or several hidden parts of a shown parent together have fewer than ``min_n``
      persons (their combined mean would be revealed).

    After the step, for every shown unit the persons not covered by shown units below it
    number 0 or at least ``min_n`` and include persons of at least two hidden units --
    so no hidden value, and no combination of fewer than ``min_n`` persons, follows from
    the shown sums. The rule is greedy, not minimal, and protects only against
    subtraction within the frame: publish each figure in one frame (one report).

    Examples
    --------
    Two departments of 3 and 1 children are hidden; together 4 < 5, so a third one is
    hidden too:

    >>> t = pd.DataFrame({"unit": ["I", "A", "B", "C", "D"], "parent": [None] + ["I"] * 4,
    ...                   "n": [40, 3, 1, 16, 20], "mean": [3.0, 2.0, 4.0, 3.1, 3.0]})
    >>> suppress_complementary(t, id_col="unit", parent_col="parent")["suppressed"].tolist()
    [False, True, True, True, False]
    """
    _check(frame, [id_col, parent_col, n_col], "suppress_complementary")
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    _check(frame, by_cols, "by")
    cols = _value_columns(
        frame, n_col, value_cols, exclude=(id_col, parent_col, *by_cols, "suppressed_reason")
    )
    out = _primary(frame, n_col=n_col, min_n=min_n, value_cols=cols, persons=persons)
    person_rows = _persons_mask(out, persons)
    extra = np.zeros(len(out), dtype=bool)
    work = out.assign(_pos=np.arange(len(out)))[person_rows]
    groups = work.groupby(by_cols, dropna=False, sort=False) if by_cols else [((), work)]
    for key, g in groups:
        ids = g[id_col].tolist()
        if len(set(ids)) != len(ids):
            dup = g.loc[g[id_col].duplicated(), id_col].iloc[0]
            where = (
                f" in the group {dict(zip(by_cols, key if isinstance(key, tuple) else (key,), strict=True))}"
                if by_cols
                else ""
            )
            raise ValueError(
                f"id {dup!r} occurs more than once{where}; ids must be unique per table "
                "(prefix them by level, or pass the table columns as `by`)."
            )
        parents = [None if pd.isna(p) else p for p in g[parent_col].tolist()]
        n = pd.to_numeric(g[n_col], errors="coerce").fillna(0).astype(float).tolist()
        tree = _Tree(ids, parents, n)
        hidden = set(g.loc[g["suppressed"], id_col])
        pos = dict(zip(ids, g["_pos"], strict=True))
        while (nxt := tree.next_to_hide(hidden, int(min_n))) is not None:
            hidden.add(nxt)
            extra[pos[nxt]] = True
    _mark(out, extra, "complementary")
    _blank(out, out["suppressed"].to_numpy(dtype=bool), cols)
    return out


def complementary_suppression(
    frame: pd.DataFrame,
    *,
    parent_cols: Sequence[str] | str,
    n_col: str = "n",
    min_n: int = 5,
    value_cols: Sequence[str] | None = None,
    persons: Persons = True,
) -> pd.DataFrame:
    """Complementary suppression among siblings whose total is published elsewhere.

    Use it for a table of the parts of a unit -- the departments of an institution, or
    the background groups (e.g. parents' education) of a unit -- when the unit's total
    appears in another table or report. If exactly one part is hidden, it could be
    recovered as total minus the shown parts; so the next smallest part is hidden too.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per part, with the columns identifying the whole.
    parent_cols : str or list of str
        Columns that identify the whole a row is a part of; rows with equal values are
        siblings (include the measure and round, e.g.
        ``["measure_id", "round", "institution_id"]``).
    n_col, min_n, value_cols, persons
        As in :func:`suppress`. Rows already marked ``suppressed`` are taken as the
        primary suppression; without a ``suppressed`` column :func:`suppress` is applied
        first.

    Returns
    -------
    pandas.DataFrame
        As :func:`suppress`; ``suppressed_reason`` is ``"complementary"`` for rows hidden
        here.

    Notes
    -----
    The total is taken to be the sum of the parts (so persons outside every part are
    ignored, which errs on the side of hiding more). The same rule as
    :func:`suppress_complementary`, with the total as a shown parent: afterwards the
    hidden parts of each whole are none, or at least two with together at least
    ``min_n`` persons. If that is impossible (all parts hidden), the total itself has
    fewer than ``min_n`` persons and must not be published either.

    Examples
    --------
    >>> t = pd.DataFrame({"institution_id": ["I1"] * 3 + ["I2"] * 2,
    ...                   "department_id": ["A", "B", "C", "D", "E"],
    ...                   "n": [3, 12, 9, 8, 7], "mean": [2.0, 3.0, 3.5, 3.1, 2.9]})
    >>> out = complementary_suppression(t, parent_cols="institution_id")
    >>> out["suppressed"].tolist()
    [True, False, True, False, False]
    """
    parents = [parent_cols] if isinstance(parent_cols, str) else list(parent_cols)
    _check(frame, [n_col, *parents], "complementary_suppression")
    cols = _value_columns(frame, n_col, value_cols, exclude=(*parents, "suppressed_reason"))
    out = _primary(frame, n_col=n_col, min_n=min_n, value_cols=cols, persons=persons)
    person_rows = _persons_mask(out, persons)
    extra = np.zeros(len(out), dtype=bool)
    work = out.assign(_pos=np.arange(len(out)))[person_rows]
    if len(work):
        # Vectorised over all wholes at once (national tables have ~10^5 of them). Within a
        # whole, order the parts: hidden first, then shown ones with persons by size
        # (smallest first). Hide the shortest prefix that includes every hidden part and
        # has at least two parts with persons and at least ``min_n`` persons together;
        # if none, all parts. This is what the greedy rule of :class:`_Tree` reaches for
        # one level below a shown total.
        gid = work.groupby(parents, dropna=False, sort=False).ngroup().to_numpy()
        n = pd.to_numeric(work[n_col], errors="coerce").fillna(0).to_numpy(dtype=float)
        hid = work["suppressed"].to_numpy(dtype=bool)
        pos = work["_pos"].to_numpy()
        order = np.lexsort((pos, n, n <= 0, ~hid, gid))
        g, n, hid, pos = gid[order], n[order], hid[order], pos[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        sizes = np.diff(np.r_[starts, len(g)])
        first = np.repeat(starts, sizes)
        rank = np.arange(len(g)) - first + 1
        cum_n = np.cumsum(n)
        cum_n = cum_n - np.repeat(cum_n[starts] - n[starts], sizes)
        cum_pos = np.cumsum(n > 0)
        cum_pos = cum_pos - np.repeat(cum_pos[starts] - (n[starts] > 0), sizes)
        n_hidden = np.add.reduceat(hid.astype(np.int64), starts)
        ok = (rank >= np.repeat(n_hidden, sizes)) & (cum_pos >= 2) & (cum_n >= min_n)
        k = np.minimum.reduceat(np.where(ok, rank, np.iinfo(np.int64).max), starts)
        k = np.where(k == np.iinfo(np.int64).max, sizes, k)
        # a hidden part without persons reveals nothing: no extra hiding for it alone
        n_hidden_pos = np.add.reduceat((hid & (n > 0)).astype(np.int64), starts)
        k = np.where(n_hidden_pos == 0, n_hidden, k)
        hide = rank <= np.repeat(k, sizes)
        extra[pos[hide & ~hid]] = True
    _mark(out, extra, "complementary")
    _blank(out, out["suppressed"].to_numpy(dtype=bool), cols)
    return out
