"""Attack 2: differencing across levels and rounds.

One department (D01) has 4 children and its institution (I01) 9; min_n is 5. In D02 the
same children are only 3 in both rounds while each round has 5. The attacker collects
every figure the documents are built from (summaries at every level, split by background,
shares, paired and unpaired change, gaps) and tries every subtraction it can find: a
shown group minus shown subgroups (or a shown round minus the other) that leaves 1 to 4
children behind reveals that small group's mean or share. The test fails when one
subtraction succeeds, and checks each guess against the truth computed here.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import pytest
from _attack_data import MIN_N, UNITS
from _attack_data import build as _build

import llkit


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return llkit.load(_build(tmp_path_factory.mktemp("diff") / "ds"))


def _truth(ds) -> pd.DataFrame:
    """Each child's score per round with its department, from the raw answers."""
    r = ds.responses
    s = (r.assign(value=r["value"].astype(float))
         .groupby(["round", "child_id", "department_id"], observed=True)["value"].mean()
         .rename("score").reset_index())
    s["round"] = s["round"].astype(str)
    s["child_id"] = s["child_id"].astype(str)
    s["department_id"] = s["department_id"].astype(str)
    s = s.merge(ds.children[["child_id", "sex", "parent_education"]].astype(str), on="child_id")
    s["institution_id"] = s["department_id"].map({d: v[0] for d, v in UNITS.items()})
    s["cluster"] = s["department_id"].map({d: v[1] for d, v in UNITS.items()})
    s["municipality"] = "all"
    s["low"] = s["score"] < 2.5
    return s


# ------------------------------------------------------------------ what is shown

LEVELS = ["department", "institution", "cluster", "municipality"]
UNIT_COL = {"department": "department_id", "institution": "institution_id",
            "cluster": "cluster", "municipality": "municipality"}


def _shown_groups(ds, truth: pd.DataFrame) -> list[dict]:
    """Every shown aggregate with the children it covers: the summaries at every level
    (report, overview, cluster dialogue, dashboard, e-learning keys), the two group means
    of every gap table, and the two means of every paired and unpaired change."""
    shown = []

    def add(rnd, level, unit, members, n, mean, what):
        shown.append({"round": rnd, "level": level, "unit": unit, "what": what,
                      "members": frozenset(members), "n": int(n), "mean": float(mean)})

    def kids(rnd, level, unit, col=None, value=None):
        t = truth[(truth["round"] == rnd) & (truth[UNIT_COL[level]] == unit)]
        if col:
            t = t[t[col] == value]
        return set(t["child_id"])

    for level in LEVELS:
        by = None if level == "municipality" else level

        def unit_of(row, by=by, level=level):
            return "all" if by is None else str(row[UNIT_COL[level]])

        for row in llkit.summarize(ds, "sprog", by=by).to_dict("records"):
            if not row["suppressed"] and pd.notna(row["mean"]):
                rnd, unit = str(row["round"]), unit_of(row)
                add(rnd, level, unit, kids(rnd, level, unit), row["n"], row["mean"], "summary")
        for row in llkit.gap(ds, "sprog", by=by).to_dict("records"):
            if row["suppressed"]:
                continue
            rnd, unit = str(row["round"]), unit_of(row)
            for side, value in (("low", "Grundskole"), ("high", "Lang videregående")):
                if pd.notna(row[f"mean_{side}"]):
                    add(rnd, level, unit, kids(rnd, level, unit, "parent_education", value),
                        row[f"n_{side}"], row[f"mean_{side}"], f"gap {side}")
        for paired in (True, False):
            for row in llkit.change(ds, "sprog", by=by, paired=paired).to_dict("records"):
                if row["suppressed"] or pd.isna(row["diff"]):
                    continue
                unit = unit_of(row)
                k1, k2 = kids("T1", level, unit), kids("T2", level, unit)
                n1, n2 = row["n_from"], row["n_to"]
                if row["paired"]:
                    k1 = k2 = k1 & k2
                    n1 = n2 = row["n_paired"]
                add("T1", level, unit, k1, n1, row["mean_from"], f"change paired={paired}")
                add("T2", level, unit, k2, n2, row["mean_to"], f"change paired={paired}")
    # a shown share of low scores covers the same children as its mean: whatever
    # subtraction reveals a small group's share also reveals its mean, so means suffice
    return shown


def test_no_subtraction_of_shown_groups_reveals_a_small_group(ds):
    truth = _truth(ds)
    shown = _shown_groups(ds, truth)
    for g in shown:
        assert len(g["members"]) == g["n"], g   # the attacker knows who is in each group
    leaks = []
    by_round: dict[str, list[dict]] = {}
    for g in shown:
        by_round.setdefault(g["round"], []).append(g)
    for rnd, groups in by_round.items():
        t = truth[truth["round"] == rnd].set_index("child_id")
        for big in groups:
            inside = [g for g in groups if g is not big and g["members"] < big["members"]]
            # every set of up to 3 disjoint shown subgroups
            for k in (1, 2, 3):
                for parts in itertools.combinations(inside, k):
                    union = frozenset().union(*(p["members"] for p in parts))
                    if sum(len(p["members"]) for p in parts) != len(union):
                        continue
                    rest = big["members"] - union
                    if not 0 < len(rest) < MIN_N:
                        continue
                    guess = (big["n"] * big["mean"] - sum(p["n"] * p["mean"] for p in parts)
                             ) / len(rest)
                    real = t.loc[sorted(rest), "score"].mean()
                    if math.isclose(guess, real, abs_tol=1e-6):
                        leaks.append((rnd, big["level"], big["unit"], big["what"],
                                      [(p["level"], p["unit"], p["what"]) for p in parts],
                                      len(rest), guess))
    assert not leaks, "\n".join(map(str, leaks[:20]))


def test_paired_change_of_three_children_is_not_shown(ds):
    """D02: 5 children in each round, only 3 in both. Neither the paired change of the 3
    nor an unpaired change that, with the paired one of the institution, isolates them."""
    ch = llkit.change(ds, "sprog", by="department", paired=True)
    d02 = ch[ch["department_id"].astype(str) == "D02"]
    assert d02.empty or d02["suppressed"].all() or d02["diff"].isna().all(), d02.T
    auto = llkit.change(ds, "sprog", by="department", paired="auto")
    row = auto[auto["department_id"].astype(str) == "D02"].iloc[0]
    assert not bool(row.get("paired", False)), row


def test_change_and_summaries_together_reveal_no_small_group(ds):
    """A shown change between rounds plus a shown mean of one round gives the other
    round's mean: it must then be shown anyway (or the change hidden)."""
    truth = _truth(ds)
    shown = {(g["round"], g["level"], g["unit"]) for g in _shown_groups(ds, truth)
             if g["what"] == "summary"}
    leaks = []
    for level in ["department", "institution", "cluster"]:
        for paired in (True, False):
            ch = llkit.change(ds, "sprog", by=level, paired=paired)
            for row in ch.to_dict("records"):
                if row["suppressed"] or pd.isna(row["diff"]) or row["paired"]:
                    continue
                unit = str(row[UNIT_COL[level]])
                for have, want in (("T1", "T2"), ("T2", "T1")):
                    if (have, level, unit) in shown and (want, level, unit) not in shown:
                        sub = truth[(truth["round"] == want) & (truth[UNIT_COL[level]] == unit)]
                        leaks.append((level, unit, paired, want, len(sub)))
    assert not leaks, leaks


def test_gap_tables_reveal_no_small_group(ds):
    """A gap shown beside one of its two group means gives the other group's mean."""
    truth = _truth(ds)
    leaks = []
    for level in ["department", "institution", "cluster", None]:
        gp = llkit.gap(ds, "sprog", by=level)
        for row in gp.to_dict("records"):
            if row.get("suppressed") or pd.isna(row.get("gap")):
                continue
            for col in [c for c in row if c.startswith("n_")]:
                if pd.notna(row[col]) and 0 < int(row[col]) < MIN_N:
                    leaks.append((level, row.get(UNIT_COL.get(level or "", "")), col, row[col]))
    assert not leaks, leaks
    assert len(truth)


def test_paired_changes_of_nested_units_isolate_no_few_stayers(tmp_path):
    """D06 keeps 3 of its 5 children (5 in each round, so its change is unpaired) while
    D05 keeps all 9: a paired change of I03 (12 children) or K2 minus D05's would give
    D06's 3 stayers' change. Every shown paired change, at every level, minus up to
    three shown ones inside it leaves 0 or at least min_n children."""
    from _attack_data import ROSTER_SPLIT

    ds = llkit.load(_build(tmp_path / "ds", roster=ROSTER_SPLIT))
    truth = _truth(ds)
    shown = []
    for level in LEVELS:
        by = None if level == "municipality" else level
        for row in llkit.change(ds, "sprog", by=by).to_dict("records"):
            if row["suppressed"] or pd.isna(row["diff"]) or not row["paired"]:
                continue
            unit = "all" if by is None else str(row[UNIT_COL[level]])
            t = truth[truth[UNIT_COL[level]] == unit]
            kids = set(t[t["round"] == "T1"]["child_id"]) & set(t[t["round"] == "T2"]["child_id"])
            assert len(kids) == row["n_paired"]
            shown.append((level, unit, frozenset(kids)))
    assert shown
    leaks = []
    for big in shown:
        inside = [g for g in shown if g[2] < big[2]]
        for k in (1, 2, 3):
            for parts in itertools.combinations(inside, k):
                union = frozenset().union(*(p[2] for p in parts))
                if sum(len(p[2]) for p in parts) == len(union) and 0 < len(big[2] - union) < MIN_N:
                    leaks.append((big[:2], [p[:2] for p in parts], sorted(big[2] - union)))
    assert not leaks, leaks
