"""Suppression: primary (n < min_n) and complementary (nothing recoverable by subtraction).

The complementary rule is checked by linear algebra, independently of llkit's algorithm:
with the shown sums (n * mean) as known values and "parent = sum of its children" as
equations, a hidden sum (or the combined sum of a few hidden units) is recoverable
exactly when its indicator vector lies in the row space of the equations restricted to
the hidden units.
"""

from __future__ import annotations

import doctest
import itertools

import numpy as np
import pandas as pd
import pytest

import llkit.stats.privacy as pv
from llkit.stats.privacy import complementary_suppression, suppress, suppress_complementary

# ------------------------------------------------------------------------ primary


def test_docstring_examples_run():
    assert doctest.testmod(pv, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department_id": ["D1", "D2", "D3", "D4", "D5"],
            "n": [4, 5, 0, 12, np.nan],
            "mean": [3.5, 3.1, np.nan, 2.9, 3.0],
            "ci_low": [3.0, 2.6, np.nan, 2.5, 2.5],
            "n_low": [1, 2, 0, 3, 0],
            "flag": [True, False, True, False, True],
        }
    )


def test_suppress_hides_small_groups():
    out = suppress(summary(), value_cols=["mean", "ci_low", "n_low"])
    assert out["suppressed"].tolist() == [True, False, True, False, True]  # n NaN: unknown
    assert out["mean"].isna().tolist() == [True, False, True, False, True]
    assert out["ci_low"].isna().tolist() == [True, False, True, False, True]
    assert out["n_low"].dtype == "Int64" and out["n_low"].isna().sum() == 3
    assert out["n"].tolist()[:4] == [4, 5, 0, 12]  # the count stays
    assert out["suppressed_reason"].tolist()[:2] == ["min_n", None] or pd.isna(
        out["suppressed_reason"].iloc[1]
    )
    assert out["suppressed_reason"].iloc[0] == "min_n"


def test_suppress_defaults_and_options():
    out = suppress(summary())  # all numeric, non-boolean columns except n
    assert out["n_low"].isna().sum() == 3 and out["flag"].tolist() == summary()["flag"].tolist()
    out = suppress(summary(), min_n=10, value_cols=["mean"])
    assert out["suppressed"].tolist() == [True, True, True, False, True]
    original = summary()
    suppress(original)
    assert original["mean"].notna().sum() == 4  # input not modified


def test_department_ratings_are_exempt():
    out = suppress(summary(), value_cols=["mean"], persons=False)
    assert not out["suppressed"].any() and out["mean"].notna().sum() == 4
    s = summary().assign(counts_persons=[True, False, True, True, True])
    out = suppress(s, value_cols=["mean"], persons="counts_persons")
    assert out["suppressed"].tolist() == [True, False, True, False, True]
    assert out["mean"].iloc[0] != out["mean"].iloc[0]  # NaN
    s = summary().assign(counts_persons=[False, True, True, True, True])
    assert not suppress(s, value_cols=["mean"], persons="counts_persons")["suppressed"].iloc[0]
    flags = np.array([False, True, True, True, True])
    assert suppress(summary(), value_cols=["mean"], persons=flags)["suppressed"].tolist() == [
        False,
        False,
        True,
        False,
        True,
    ]


def test_suppress_combines_with_existing_flag_and_validates():
    s = summary().assign(suppressed=[False, True, False, False, False])
    out = suppress(s, value_cols=["mean"])
    assert out["suppressed"].tolist() == [True, True, True, False, True]
    assert np.isnan(out["mean"].iloc[1])
    with pytest.raises(KeyError, match="count"):
        suppress(summary(), n_col="count")
    with pytest.raises(KeyError, match="value_cols"):
        suppress(summary(), value_cols=["median"])
    with pytest.raises(ValueError, match="min_n"):
        suppress(summary(), min_n=0)
    with pytest.raises(TypeError, match="persons"):
        suppress(summary(), persons=1.5)


# ------------------------------------------------------------------ complementary


def tree_frame(spec: dict, means: np.random.Generator | None = None) -> pd.DataFrame:
    """Rows for a hierarchy {id: (parent, n)} where leaves carry n and parents the sum."""
    parent = {k: v[0] for k, v in spec.items()}
    n = {k: v[1] for k, v in spec.items() if v[1] is not None}
    children = {k: [c for c, p in parent.items() if p == k] for k in spec}

    def total(k):
        if k not in n:
            n[k] = sum(total(c) for c in children[k])
        return n[k]

    for k in spec:
        total(k)
    rng = means or np.random.default_rng(0)
    return pd.DataFrame(
        {
            "unit": list(spec),
            "parent": [parent[k] for k in spec],
            "n": [n[k] for k in spec],
            "mean": rng.uniform(1, 5, len(spec)).round(2),
        }
    )


def recoverable(frame: pd.DataFrame, min_n: int, id_col="unit", parent_col="parent") -> list:
    """Everything hidden that the shown sums reveal, by linear algebra."""
    ids = frame[id_col].tolist()
    col = {u: i for i, u in enumerate(ids)}
    n = dict(zip(ids, frame["n"], strict=True))
    parent = dict(zip(ids, frame[parent_col], strict=True))
    rows = []
    for p in ids:
        kids = [c for c in ids if parent[c] == p]
        if kids:
            row = np.zeros(len(ids))
            row[col[p]] = 1
            row[[col[c] for c in kids]] = -1
            rows.append(row)
    hidden = [u for u in ids if frame.loc[frame[id_col] == u, "suppressed"].iloc[0] and n[u] > 0]
    if not rows or not hidden:
        return []
    a = np.array(rows)[:, [col[u] for u in hidden]]
    rank = np.linalg.matrix_rank(a)

    def determined(w: np.ndarray) -> bool:
        return np.linalg.matrix_rank(np.vstack([a, w])) == rank

    def below(v, u):
        while v is not None and not pd.isna(v):
            if v == u:
                return True
            v = parent[v]
        return False

    found = []
    for i, u in enumerate(hidden):  # a single hidden value
        w = np.zeros(len(hidden))
        w[i] = 1
        if determined(w):
            found.append(("single", u))
    for size in (2, 3):  # a few hidden units together with fewer than min_n persons
        for combo in itertools.combinations(range(len(hidden)), size):
            units = [hidden[i] for i in combo]
            if any(below(x, y) for x in units for y in units if x != y):
                continue
            if sum(n[u] for u in units) >= min_n:
                continue
            w = np.zeros(len(hidden))
            w[list(combo)] = 1
            if determined(w):
                found.append(("combined", tuple(units)))
    for i, j in itertools.permutations(range(len(hidden)), 2):  # a hidden unit minus a part
        u, d = hidden[i], hidden[j]
        if below(d, u) and 0 < n[u] - n[d] < min_n:
            w = np.zeros(len(hidden))
            w[i], w[j] = 1, -1
            if determined(w):
                found.append(("difference", (u, d)))
    return found


def run(frame: pd.DataFrame, min_n: int = 5) -> pd.DataFrame:
    return suppress_complementary(
        frame, id_col="unit", parent_col="parent", min_n=min_n, value_cols=["mean"]
    )


def test_one_hidden_department_gets_a_partner():
    t = tree_frame({"I": (None, None), "D1": ("I", 3), "D2": ("I", 12), "D3": ("I", 15)})
    assert recoverable(suppress(t, value_cols=["mean"]), 5)  # the problem is real
    out = run(t)
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out["suppressed_reason"].tolist()[1:3] == ["min_n", "complementary"]
    assert out["mean"].isna().tolist() == [False, True, True, False]
    assert recoverable(out, 5) == []


def test_nothing_to_do_when_nothing_is_hidden_or_two_are():
    t = tree_frame({"I": (None, None), "D1": ("I", 6), "D2": ("I", 12)})
    assert not run(t)["suppressed"].any()
    t = tree_frame({"I": (None, None), "D1": ("I", 3), "D2": ("I", 4), "D3": ("I", 15)})
    out = run(t)  # 3 + 4 = 7 >= 5: their combined mean may be shown
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert recoverable(out, 5) == []


def test_hidden_groups_together_too_small():
    t = tree_frame(
        {"I": (None, None), "A": ("I", 3), "B": ("I", 1), "C": ("I", 16), "D": ("I", 20)}
    )
    assert recoverable(suppress(t, value_cols=["mean"]), 5)[0][0] == "combined"
    out = run(t)
    assert out["suppressed"].tolist() == [False, True, True, True, False]
    assert recoverable(out, 5) == []


def test_complementary_suppression_across_levels():
    # Hiding institution I2 as the partner of I1 would let I2 be recovered from its
    # departments (all shown); the rule must hide one of them too.
    spec = {
        "M": (None, None),
        "I1": ("M", None),
        "I1a": ("I1", 2),
        "I1b": ("I1", 1),
        "I2": ("M", None),
        "I2a": ("I2", 6),
        "I2b": ("I2", 7),
        "I3": ("M", None),
        "I3a": ("I3", 20),
        "I3b": ("I3", 25),
    }
    t = tree_frame(spec)
    out = run(t)
    hidden = set(out.loc[out["suppressed"], "unit"])
    assert {"I1", "I1a", "I1b", "I2"} <= hidden
    assert hidden & {"I2a", "I2b"}
    assert recoverable(out, 5) == []


def test_only_child_and_hidden_parent():
    # a parent hidden by min_n with a single child: nothing else to do
    t = tree_frame({"I": (None, None), "D": ("I", 4)})
    out = run(t)
    assert out["suppressed"].all() and recoverable(out, 5) == []
    # a large only child equals its parent: both shown, no hidden value involved
    t = tree_frame({"I": (None, None), "D": ("I", 14)})
    assert not run(t)["suppressed"].any()


def test_by_groups_are_independent_and_exempt_rows_untouched():
    t = tree_frame({"I": (None, None), "D1": ("I", 3), "D2": ("I", 12), "D3": ("I", 15)})
    t2 = t.assign(n=[30, 10, 6, 14])
    frame = pd.concat([t.assign(measure="sprog"), t2.assign(measure="trivsel")], ignore_index=True)
    out = suppress_complementary(
        frame, id_col="unit", parent_col="parent", value_cols=["mean"], by="measure"
    )
    assert out["suppressed"].tolist() == [False, True, True, False] + [False] * 4
    obs = t.assign(measure="miljø", person=False)
    frame = pd.concat([t.assign(measure="sprog", person=True), obs], ignore_index=True)
    out = suppress_complementary(
        frame,
        id_col="unit",
        parent_col="parent",
        value_cols=["mean"],
        by=["measure"],
        persons="person",
    )
    assert not out.loc[out["measure"] == "miljø", "suppressed"].any()
    assert out.loc[out["measure"] == "miljø", "mean"].notna().all()


def test_complementary_validation():
    t = tree_frame({"I": (None, None), "D1": ("I", 3), "D2": ("I", 12)})
    with pytest.raises(ValueError, match="more than once"):
        run(pd.concat([t, t]))
    cyc = pd.DataFrame({"unit": ["A", "B"], "parent": ["B", "A"], "n": [6, 6], "mean": [1.0, 2.0]})
    with pytest.raises(ValueError, match="cycle"):
        run(cyc)
    with pytest.raises(KeyError, match="by"):
        suppress_complementary(t, id_col="unit", parent_col="parent", by="round")


def random_spec(rng: np.random.Generator) -> dict:
    spec = {"M": (None, None)}
    clusters = rng.integers(0, 3)  # 0: institutions directly under the municipality
    parents = [f"K{c}" for c in range(clusters)] or ["M"]
    for k in parents:
        if k != "M":
            spec[k] = ("M", None)
    for i in range(rng.integers(2, 6)):
        inst = f"I{i}"
        spec[inst] = (parents[rng.integers(len(parents))], None)
        for d in range(rng.integers(1, 5)):
            n = int(rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 10, 14, 20]))
            spec[f"{inst}d{d}"] = (inst, n)
    return spec


@pytest.mark.parametrize("min_n", [3, 5, 10])
def test_random_hierarchies_leave_nothing_recoverable(min_n):
    rng = np.random.default_rng(min_n)
    for _ in range(120):
        t = tree_frame(random_spec(rng), rng)
        out = run(t, min_n)
        found = recoverable(out, min_n)
        assert found == [], (found, out[["unit", "parent", "n", "suppressed"]].to_string())
        # primary suppression is respected, and shown values are unchanged
        assert (out.loc[out["n"] < min_n, "suppressed"]).all()
        shown = ~out["suppressed"]
        assert out.loc[shown, "mean"].equals(t.loc[shown, "mean"])
        assert out.loc[~shown, "mean"].isna().all()


# ------------------------------------------------- siblings with a total shown elsewhere


def test_complementary_suppression_of_siblings():
    t = pd.DataFrame(
        {
            "measure_id": ["sprog"] * 5 + ["miljø"] * 2,
            "institution_id": ["I1", "I1", "I1", "I2", "I2", "I1", "I1"],
            "department_id": ["A", "B", "C", "D", "E", "A", "B"],
            "n": [3, 12, 9, 8, 7, 1, 1],
            "mean": [2.0, 3.0, 3.5, 3.1, 2.9, 4.0, 5.0],
        }
    )
    persons = (t["measure_id"] != "miljø").to_numpy()
    first = suppress(t, value_cols=["mean"], persons=persons)
    out = complementary_suppression(
        first, parent_cols=["measure_id", "institution_id"], value_cols=["mean"], persons=persons
    )
    assert out["suppressed"].tolist() == [True, False, True, False, False, False, False]
    assert out["suppressed_reason"].iloc[2] == "complementary"
    assert out["mean"].iloc[5:].notna().all()  # observations of departments stay
    # without a `suppressed` column the primary step runs first
    again = complementary_suppression(t.iloc[:5], parent_cols="institution_id")
    assert again["suppressed"].tolist() == [True, False, True, False, False]


def test_complementary_suppression_when_everything_is_small():
    t = pd.DataFrame({"g": ["x"] * 3, "n": [1, 2, 1], "mean": [1.0, 2.0, 3.0]})
    out = complementary_suppression(t, parent_cols="g")
    assert out["suppressed"].all()


@pytest.mark.parametrize("min_n", [3, 5])
def test_random_sibling_groups_leave_nothing_recoverable(min_n):
    rng = np.random.default_rng(100 + min_n)
    for _ in range(150):
        k = int(rng.integers(1, 7))
        n = rng.choice([0, 1, 2, 3, 4, 5, 6, 9, 15], k)
        t = pd.DataFrame({"g": "x", "unit": [f"d{i}" for i in range(k)], "n": n, "mean": 3.0})
        out = complementary_suppression(t, parent_cols="g", min_n=min_n, value_cols=["mean"])
        # add the total (shown elsewhere) as a shown parent and check by linear algebra
        total = pd.DataFrame(
            {"unit": ["T"], "parent": [None], "n": [n.sum()], "suppressed": [n.sum() < min_n]}
        )
        full = pd.concat([total, out.assign(parent="T")[["unit", "parent", "n", "suppressed"]]])
        if not total["suppressed"].iloc[0]:
            assert recoverable(full.reset_index(drop=True), min_n) == [], out.to_string()
