"""mlmRev ``Exam``: exam scores of 4,059 pupils in 65 London schools (Goldstein et al. 1993).

One round, a single measure: ``normexam``, the normalised GCSE exam score (unbounded, no
cut points). Each school is an institution with one department (its exam year group).
Background: the pupil's sex. Clusters are groups of about five schools in the order of
their number; one extra cluster holds the two smallest schools (2 and 8 pupils), and the
dataset's ``min_n = 10`` suppresses both: a cluster whose units are all suppressed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corpus._v1 import Converted, measure, rdata, write_dataset


def convert(folder: Path) -> Converted:
    d = rdata("Exam")
    d["inst"] = "L" + d["school"].astype(str).str.zfill(2)
    d["dept"] = d["inst"] + "-11"
    d["child"] = "X" + d["school"].astype(str) + "-" + d["student"].astype(str)
    # four pupil numbers occur twice in a school in the source: two pupils, not two answers
    twice = d.groupby("child").cumcount()
    d.loc[twice > 0, "child"] += "b"
    size = d.groupby("inst").size()
    smallest = size.nsmallest(2).index.tolist()
    schools = sorted(d["inst"].unique())
    cluster = {s: f"Klynge {1 + i // 5}" for i, s in enumerate(s for s in schools if s not in smallest)}
    cluster.update({s: "Klynge små skoler" for s in smallest})
    units = pd.DataFrame({"department_id": [f"{s}-11" for s in schools],
                          "department_name": "11. årgang", "institution_id": schools,
                          "institution_name": [f"Skole {s[1:]}" for s in schools],
                          "cluster": [cluster[s] for s in schools], "area": "London"})
    children = (d[["child", "sex"]].drop_duplicates("child")
                .rename(columns={"child": "child_id"})
                .assign(sex=lambda x: x["sex"].map({"F": "Pige", "M": "Dreng"})))
    responses = pd.DataFrame({"round": "2000", "measure_id": "normexam", "department_id": d["dept"],
                              "child_id": d["child"], "value": d["normexam"].round(4)})
    write_dataset(folder, name="Exam (mlmRev)", rounds=["2000"], units=units, children=children,
                  measures=[measure("normexam", "Eksamen (normeret)")], responses=responses,
                  min_n=10)
    biggest = str(size.idxmax())
    return Converted(folder, [biggest, smallest[0]], "Klynge små skoler",
                     ["one round", "single measure", "cluster all suppressed"])
