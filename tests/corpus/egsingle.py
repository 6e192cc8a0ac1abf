"""mlmRev ``egsingle``: maths scores of 1,721 pupils in 60 Chicago schools over six years,
grades 1–6 (a subset of the Sustaining Effects Study; Bryk and Raudenbush).

Six rounds (``year`` −2.5 … 2.5 becomes rounds ``År1`` … ``År6``), one unbounded measure
(IRT maths score, no cut points). A department is a school's grade, so a pupil is in a
new department each round (pupils move up a grade; retained pupils stay behind).
Background: sex, and whether the pupil is black or hispanic. Clusters are groups of four
schools.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corpus._v1 import Converted, measure, rdata, write_dataset


def convert(folder: Path, rounds: int = 6) -> Converted:
    d = rdata("egsingle")
    years = sorted(d["year"].unique())[-rounds:]
    d = d[d["year"].isin(years)].copy()
    names = {y: f"År{i + 1}" for i, y in enumerate(years)}
    d["round"] = d["year"].map(names)
    d["inst"] = "E" + d["schoolid"].astype(str)
    d["dept"] = d["inst"] + "-" + (d["grade"] + 1).astype(str)
    d["child"] = "B" + d["childid"].astype(str)
    schools = sorted(d["inst"].unique())
    cluster = {s: f"Klynge {1 + i // 4}" for i, s in enumerate(schools)}
    u = d[["dept", "inst", "grade"]].drop_duplicates("dept").sort_values("dept")
    units = pd.DataFrame({"department_id": u["dept"], "department_name": (u["grade"] + 1).astype(str) + ". klasse",
                          "institution_id": u["inst"], "institution_name": "Skole " + u["inst"].str[1:],
                          "cluster": u["inst"].map(cluster), "area": "Chicago"})
    c = d.drop_duplicates("child")
    ethnic = (c["black"].map({1: "Sort", 0: ""}) + c["hispanic"].map({1: "Latinamerikansk", 0: ""}))
    children = pd.DataFrame({"child_id": c["child"], "sex": c["female"].map({"Female": "Pige", "Male": "Dreng"}),
                             "ethnicity": ethnic.replace("", "Andet")})
    responses = pd.DataFrame({"round": d["round"], "measure_id": "matematik", "department_id": d["dept"],
                              "child_id": d["child"], "value": d["math"]})
    write_dataset(folder, name="egsingle (mlmRev)", rounds=list(names.values()), units=units,
                  children=children, measures=[measure("matematik", "Matematik (IRT-score)")],
                  responses=responses)
    big = str(d.groupby("inst")["child"].nunique().idxmax())
    return Converted(folder, [big], cluster[big], [f"{rounds} rounds", "departments change each round"])
