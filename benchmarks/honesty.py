"""Honesty benchmark: how often do institution reports call noise a real difference,
and how many real effects do they still find?

In one run, on the same generated municipalities (``llkit.data.sample.generate``, several
seeds, 25 institutions each), two rules decide which comparisons of each institution
report are real:

(a) the old rule: every comparison on its own at 95 % (``decide(method="per-comparison")``);
(b) llkit's rule (``llkit.stats.decision``): weighted Holm over the report's whole family for
    the headlines, weighted Benjamini–Hochberg (10 %) for the table flags.

On **null** data (``effects="none"``: no institution, department, round or background
effect at all) every claim is false. It prints the share of reports with any headline
claim (target for (b): at most 5 %) and the false claims per report.

On **planted** data (``effects="none"`` plus ``Plant``: 2 institutions 0.5 SD above on
every child measure, a real T2→T3 gain of 0.5 SD on one measure at 3 institutions, and an
equity gap of 0.3 SD per SD of parents' education that narrows by half in the last round)
it prints the power — the share of planted effects found — and the false claims:

- *institution effect found*: the report of a planted institution headlines that it lies
  above the municipality — on all child measures together (``profile``) or on at least
  one of them (the planted effect is the institution's; target for (b): at least 80 % of
  what (a) finds);
- *per measure*: the share of (planted institution × child measure) cells called real in
  a headline, and flagged in the tables;
- *planted change*: the share of planted (institution, measure) changes called real;
- *gap narrowing*: the municipal overview calls the narrowing of the gap real, per child
  measure (overview family);
- the table flags' false-discovery proportion, averaged over reports (target ≤ 10 %).

The last lines are ``null_reports_with_claim: X`` and ``power_ratio: Y`` and whether the
targets are met. Run: ``.venv/bin/python benchmarks/honesty.py [--seeds 20]`` (about
4 minutes on the 2-core machine; 500 reports per scenario). The share of null reports with
a claim is printed with its 95 % binomial interval: a rule that keeps a 5 % bound exactly
will measure around 5 %.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llkit.data.sample import Plant, generate  # noqa: E402
from llkit.documents import common  # noqa: E402
from llkit.documents import family as families  # noqa: E402
from llkit.documents import overview as overview_doc  # noqa: E402
from llkit.present import labels  # noqa: E402
from llkit.stats.decision import decide  # noqa: E402

HEADLINE_KINDS = ("profile", "position", "change", "gap", "gap_change", "staff", "staff_change")
PLANT = Plant(institutions=2, size=0.5, change_measure="sprog", change_institutions=3,
              change_size=0.5, gap=0.3, gap_narrowing=0.5)


def _truth_sets(truth: pd.DataFrame) -> dict[str, set]:
    t = truth if truth is not None else pd.DataFrame(columns=["kind"])
    inst = t[t["kind"] == "institution"]
    ch = t[t["kind"] == "change"]
    gapc = t[t["kind"] == "gap_change"]
    return {
        "inst_cells": {(str(i), str(m)) for i, m in zip(inst["institution_id"], inst["measure_id"], strict=True)},
        "insts": set(inst["institution_id"].astype(str)),
        "change": {(str(i), str(m)) for i, m in zip(ch["institution_id"], ch["measure_id"], strict=True)},
        "gap_narrowing": len(gapc) > 0,
        "gap": bool((t["kind"] == "gap").any()),
    }


def _is_true(row: pd.Series, inst: str, truth: dict[str, set]) -> bool | None:
    """Whether a claim of a report is a planted effect in the right direction: True, False,
    or None where the truth is not exactly zero without being planted (then left out of
    the false counts): with planted institutions the municipality's mean moves, so every
    other institution lies a little below it; with a planted gap, departments and
    institutions differ a little in their mix of parents' education."""
    kind, m, est = row["kind"], str(row["measure_id"]), float(row["estimate"])
    if kind in ("profile", "position"):
        if (kind == "profile" and inst in truth["insts"]) or (inst, m) in truth["inst_cells"]:
            return est > 0
        return None if (truth["insts"] and est < 0) or truth["gap"] else False
    if kind == "change":
        return est > 0 if (inst, m) in truth["change"] else False
    if kind == "gap":
        return est > 0 if truth["gap"] else False
    if kind == "gap_change":
        return est < 0 if truth["gap_narrowing"] else False
    if kind == "departments":
        return None if truth["gap"] else False
    return False  # staff, observations: nothing is planted there


def evaluate(ds, truth: pd.DataFrame | None) -> dict[str, list]:
    t = _truth_sets(truth)
    info = labels.measure_info(ds)
    child = [m for m in info.index if info.loc[m, "subject"] == "child"]
    out: dict[str, list] = {k: [] for k in (
        "claim_old", "claim_new", "false_old", "false_new", "fdp_old", "fdp_new",
        "found_old", "found_new", "cells_old", "cells_new", "tcells_old", "tcells_new", "change_old",
        "change_new", "n_family")}
    for inst in dict.fromkeys(ds.units["institution_id"].astype(str)):
        fam = families.report_family(ds, inst)
        rules = {"new": fam, "old": decide(fam.drop(columns=["weight", "p_family", "real", "p_fdr", "flag"]),
                                           method="per-comparison")}
        out["n_family"].append(int(fam["p_value"].notna().sum()))
        for name, d in rules.items():
            head = d[d["kind"].isin(HEADLINE_KINDS) & d["real"]]
            true = [_is_true(r, inst, t) for _, r in head.iterrows()]
            out[f"claim_{name}"].append(len(head) > 0)
            out[f"false_{name}"].append(sum(v is False for v in true))
            ft = [v for v in (_is_true(r, inst, t) for _, r in d[d["flag"]].iterrows()) if v is not None]
            out[f"fdp_{name}"].append(sum(v is False for v in ft) / len(ft) if ft else 0.0)
            if inst in t["insts"]:
                pos = d[(d["kind"] == "position") & d["real"] & (d["estimate"] > 0)]
                prof = d[(d["kind"] == "profile") & d["real"] & (d["estimate"] > 0)]
                out[f"found_{name}"].append(len(pos) + len(prof) > 0)
                out[f"cells_{name}"].append(len(set(pos["measure_id"].astype(str)) & set(child)) / max(len(child), 1))
                tab = d[(d["kind"] == "position") & d["flag"] & (d["estimate"] > 0)]
                out[f"tcells_{name}"].append(len(set(tab["measure_id"].astype(str)) & set(child)) / max(len(child), 1))
            for i, m in t["change"]:
                if i == inst:
                    c = d[(d["kind"] == "change") & (d["measure_id"].astype(str) == m) & d["real"] & (d["estimate"] > 0)]
                    out[f"change_{name}"].append(len(c) > 0)
    return out


def gap_power(ds) -> tuple[float, float]:
    fam = overview_doc.overview_family(ds)
    g = fam[fam["kind"] == "gap_change"]
    old = decide(g.drop(columns=["weight", "p_family", "real", "p_fdr", "flag"]), method="per-comparison")
    return (float((old["real"] & (old["estimate"] < 0)).mean()) if len(old) else float("nan"),
            float((g["real"] & (g["estimate"] < 0)).mean()) if len(g) else float("nan"))


def run(kind: str, seeds: list[int], tmp: Path, institutions: int) -> tuple[dict[str, list], list]:
    total: dict[str, list] = {}
    gaps = []
    for seed in seeds:
        out = tmp / f"{kind}-{seed}"
        plant = PLANT if kind == "planted" else None
        _, truth = generate("dagtilbud", out, institutions=institutions, seed=seed, effects="none",
                            plant=plant, truth=True)
        ds = common.prepare(out)
        res = evaluate(ds, truth)
        for k, v in res.items():
            total.setdefault(k, []).extend(v)
        if kind == "planted":
            gaps.append(gap_power(ds))
        print(f"  {kind} seed {seed}: {len(res['claim_new'])} reports, family size "
              f"{int(np.median(res['n_family']))} (median), reports with a headline claim: "
              f"old {sum(res['claim_old'])}, new {sum(res['claim_new'])}", flush=True)
    return total, gaps


def _wilson(k: int, n: int) -> tuple[float, float]:
    from llkit.stats.numeric import wilson_interval

    lo, hi = wilson_interval(k, n)
    return float(lo), float(hi)


def mean(x: list) -> float:
    return float(np.mean(x)) if len(x) else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20, help="municipalities per scenario (default 20)")
    ap.add_argument("--institutions", type=int, default=25)
    args = ap.parse_args()
    seeds = list(range(101, 101 + args.seeds))
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="llkit-honesty-") as d:
        null, _ = run("null", seeds, Path(d), args.institutions)
        planted, gaps = run("planted", seeds, Path(d), args.institutions)
    n_null = len(null["claim_new"])
    print()
    print(f"{'':44s} {'old: 95 % each':>16s} {'llkit':>10s}")
    rows = [
        ("null: reports with any headline claim", mean(null["claim_old"]), mean(null["claim_new"]), "%"),
        ("null: false headline claims per report", mean(null["false_old"]), mean(null["false_new"]), ""),
        ("null: reports with any table flag", mean(null["fdp_old"]), mean(null["fdp_new"]), "%"),
        ("planted: institution effect found", mean(planted["found_old"]), mean(planted["found_new"]), "%"),
        ("planted: per measure of a planted institution", mean(planted["cells_old"]), mean(planted["cells_new"]), "%"),
        ("planted: the same, flagged in the tables", mean(planted["tcells_old"]), mean(planted["tcells_new"]), "%"),
        ("planted: planted change found", mean(planted["change_old"]), mean(planted["change_new"]), "%"),
        ("planted: gap narrowing found (overview)", mean([g[0] for g in gaps]), mean([g[1] for g in gaps]), "%"),
        ("planted: false headline claims per report", mean(planted["false_old"]), mean(planted["false_new"]), ""),
        ("planted: false share of table flags (FDP)", mean(planted["fdp_old"]), mean(planted["fdp_new"]), "%"),
    ]
    for label, a, b, unit in rows:
        f = (lambda v: f"{100 * v:6.1f} %") if unit == "%" else (lambda v: f"{v:8.2f}")
        print(f"{label:44s} {f(a):>16s} {f(b):>10s}")
    claim = mean(null["claim_new"])
    ratio = mean(planted["found_new"]) / mean(planted["found_old"]) if mean(planted["found_old"]) else float("nan")
    cell_ratio = mean(planted["cells_new"]) / mean(planted["cells_old"]) if mean(planted["cells_old"]) else float("nan")
    print()
    print(f"{n_null} null reports, {len(planted['claim_new'])} planted reports, {len(seeds)} seeds each, "
          f"{time.perf_counter() - t0:.0f} s")
    print(f"per-measure power ratio (new/old): {cell_ratio:.2f}")
    lo, hi = _wilson(sum(null["claim_new"]), n_null)
    print(f"null_reports_with_claim: {100 * claim:.1f} % (95 % interval {100 * lo:.1f}–{100 * hi:.1f} %; "
          f"target <= 5 %) -> {'met' if claim <= 0.05 else 'NOT met'}")
    print(f"power_ratio: {ratio:.2f} (target >= 0.80) -> {'met' if ratio >= 0.8 else 'NOT met'}")
    return 0 if claim <= 0.05 and ratio >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
