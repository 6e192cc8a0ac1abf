"""Test helper: a hypothesis strategy that draws *valid* datasets of odd shapes.

:func:`datasets` draws the tables of a dataset in data format v1 as text (what a user
writes in a file): 1–6 rounds with arbitrary names, 1–20 measures of every subject type
(child, respondent, department) and scale (1–3, 1–5, 1–7, 1–100 and unbounded), with and
without cut points, reverse items, optional columns (cluster, area, background
attributes) and optional tables (goals, reference) left out, tiny and empty groups,
all-missing measures, ties, and units with answers in only one round. Every drawn
dataset validates (the tests assert it). Used by ``tests/documents/test_shapes.py``; the
garbage-input fuzzer is ``tests/data/test_fuzz.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from hypothesis import strategies as st

ROUND_NAMES = ["T1", "T2", "T3", "2019", "2021", "Forår 22", "Efterår 22", "R-3", "år6", "x"]
SCALES = [(1, 3), (1, 5), (1, 7), (1, 100), None]
BACKGROUND = {
    "sex": ["Pige", "Dreng"],
    "parent_education": ["Grundskole", "Gymnasial", "Erhvervsfaglig", "Lang videregående"],
    "language": ["Dansk", "Andet sprog"],
}


@dataclass
class Drawn:
    """A drawn dataset: its meta text, its tables (text frames) and the units to run."""

    meta: str
    tables: dict[str, pd.DataFrame]
    institutions: list[str]
    clusters: list[str]

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "dataset.toml").write_text(self.meta, encoding="utf-8")
        for name, frame in self.tables.items():
            frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        return folder


def _fmt(x: float) -> str:
    return f"{x:g}"


@st.composite
def _measures(draw, sector: str) -> list[dict]:
    n = draw(st.integers(1, 20) if draw(st.booleans()) else st.integers(1, 3))
    child_source = "pædagog" if sector == "dagtilbud" else "test"
    out = []
    for k in range(n):
        subject = draw(st.sampled_from(["child", "child", "respondent", "department"]))
        scale = draw(st.sampled_from(SCALES))
        cuts = scale is not None and draw(st.booleans())
        hib = draw(st.sampled_from(["true", "false", ""]))
        lo, hi = (scale if scale else (None, None))
        low_cut = high_cut = ""
        if cuts:
            a = lo + (hi - lo) * 0.4
            b = lo + (hi - lo) * 0.7
            low_cut, high_cut = _fmt(a), _fmt(b)   # validation wants low_cut <= high_cut
        n_items = draw(st.integers(1, 3))
        out.append({
            "measure_id": f"m{k}", "label": f"Mål {k}",
            "source": {"child": child_source, "respondent": "medarbejder",
                       "department": "observatør"}[subject],
            "subject": subject, "scale_min": "" if lo is None else str(lo),
            "scale_max": "" if hi is None else str(hi), "higher_is_better": hib,
            "min_items": str(draw(st.integers(1, n_items))), "low_cut": low_cut,
            "high_cut": high_cut, "group": draw(st.sampled_from(["", "Trivsel", "Læring"])),
            "_items": n_items, "_reverse": scale is not None and draw(st.booleans()),
            "_missing": draw(st.integers(0, 10)) == 0,   # an all-missing measure
            "_ties": draw(st.booleans()),
        })
    return out


def _value(draw, m: dict) -> str:
    if m["_missing"] or draw(st.integers(0, 9)) == 0:
        return ""
    lo, hi = m["scale_min"], m["scale_max"]
    if lo == "":
        v = draw(st.sampled_from([0.0, 1.5]) if m["_ties"] else
                 st.floats(-40, 400, allow_nan=False, allow_infinity=False))
        return _fmt(round(v, 3))
    lo, hi = int(lo), int(hi)
    return str(draw(st.sampled_from([lo, hi]) if m["_ties"] else st.integers(lo, hi)))


@st.composite
def datasets(draw) -> Drawn:
    """A valid dataset of an odd shape (see the module docstring)."""
    sector = draw(st.sampled_from(["dagtilbud", "skole"]))
    rounds = draw(st.lists(st.sampled_from(ROUND_NAMES), min_size=1, max_size=6, unique=True))
    min_n = draw(st.sampled_from([3, 5, 10]))  # min_n below 3 is refused
    n_inst = draw(st.integers(1, 5))
    depts = []
    for i in range(n_inst):
        for d in range(draw(st.integers(1, 3))):
            depts.append((f"D{i}{d}", f"I{i}", f"Klynge {i % 2}"))
    units = pd.DataFrame({"department_id": [d for d, _, _ in depts],
                          "department_name": [f"Gruppe {d}" for d, _, _ in depts],
                          "institution_id": [i for _, i, _ in depts],
                          "institution_name": [f"Institution {i}" for _, i, _ in depts]})
    with_cluster = draw(st.booleans())
    if with_cluster:
        units["cluster"] = [c for _, _, c in depts]
    if draw(st.booleans()):
        units["area"] = "Område"
    n_children = draw(st.integers(1, 40))
    children = pd.DataFrame({"child_id": [f"c{k}" for k in range(n_children)]})
    for col, cats in BACKGROUND.items():
        if draw(st.booleans()):
            children[col] = [draw(st.sampled_from(cats + [""])) for _ in range(n_children)]
    measures = draw(_measures(sector))
    items = [{"item_id": f"{m['measure_id']}_{j}", "measure_id": m["measure_id"],
              "text": f"Spørgsmål {j}", "reverse": "true" if m["_reverse"] and j == 1 else "false"}
             for m in measures for j in range(m["_items"])]
    one_round_dept = draw(st.sampled_from([d for d, _, _ in depts]))
    rows = []
    for r_i, r in enumerate(rounds):
        live = [d for d, _, _ in depts if d != one_round_dept or r_i == 0]
        if not live:
            continue
        empty_dept = draw(st.sampled_from(live + [None]))   # a unit without answers this round
        live = [d for d in live if d != empty_dept] or live
        # one department per child and round; children may move between rounds
        where = {c: draw(st.sampled_from(live)) for c in children["child_id"]}
        for m in measures:
            its = [it for it in items if it["measure_id"] == m["measure_id"]]
            if m["subject"] == "child":
                subjects = [(c, "") for c in children["child_id"]
                            if draw(st.integers(0, 4)) > 0]
            elif m["subject"] == "respondent":
                subjects = [("", f"r{k}") for k in range(draw(st.integers(0, 12)))]
            else:
                subjects = [("", "")]
            for child, resp in subjects:
                dept = where[child] if child else draw(st.sampled_from(live))
                if m["subject"] == "department":
                    for dept in live:
                        rows += [{"round": r, "item_id": it["item_id"], "department_id": dept,
                                  "child_id": "", "respondent_id": "obs",
                                  "value": _value(draw, m)} for it in its]
                    continue
                rows += [{"round": r, "item_id": it["item_id"], "department_id": dept,
                          "child_id": child, "respondent_id": resp and f"{resp}{r_i}",
                          "value": _value(draw, m)} for it in its]
    if not rows:   # a dataset needs at least one answer
        m = measures[0]
        rows.append({"round": rounds[0], "item_id": f"{m['measure_id']}_0",
                     "department_id": depts[0][0],
                     "child_id": "c0" if m["subject"] == "child" else "",
                     "respondent_id": {"child": "", "respondent": "r0"}.get(m["subject"], "obs"),
                     "value": ""})
    responses = pd.DataFrame(rows, columns=["round", "item_id", "department_id", "child_id",
                                            "respondent_id", "value"])
    tables = {"units": units, "children": children,
              "measures": pd.DataFrame([{k: v for k, v in m.items() if not k.startswith("_")}
                                        for m in measures]),
              "items": pd.DataFrame(items), "responses": responses}
    if draw(st.booleans()):
        tables["goals"] = pd.DataFrame([
            {"round": r, "department_id": d, "goal_id": f"g{k}", "theme": "Sprog", "goal": "Et mål",
             "signs_defined": draw(st.sampled_from(["true", "false"])),
             "signs_documented": draw(st.sampled_from(["true", "false"]))}
            for k, (r, d) in enumerate((r, d) for r in rounds for d, _, _ in depts
                                       if draw(st.booleans()))],
            columns=["round", "department_id", "goal_id", "theme", "goal", "signs_defined",
                     "signs_documented"])
    if draw(st.booleans()):
        tables["reference"] = pd.DataFrame([
            {"measure_id": m["measure_id"], "round": r, "scope": "national", "n": "1000",
             "mean": _fmt((float(m["scale_min"]) + float(m["scale_max"])) / 2) if m["scale_min"] else "0",
             "sd": "1"} for m in measures for r in rounds if draw(st.booleans())],
            columns=["measure_id", "round", "scope", "n", "mean", "sd"])
    quoted = ", ".join(f'"{r}"' for r in rounds)
    meta = (f'name = "Fuzz"\nsector = "{sector}"\nrounds = [{quoted}]\nmin_n = {min_n}\n'
            "synthetic = true\n")
    insts = sorted(units["institution_id"].unique())
    clusters = sorted(units["cluster"].unique()) if with_cluster else []
    return Drawn(meta, tables, insts, clusters)
