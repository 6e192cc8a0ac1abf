"""mlmRev ``Chem97``: A-level chemistry of 31,022 pupils in 2,410 English schools and
colleges in 131 local education authorities (Yang et al. 2002).

One round, two measures: the A-level chemistry grade (0–10 points, bounded) and the
average GCSE score (unbounded). Schools are institutions (more than 1,000), the
authorities are areas and clusters. The children table has only ``child_id``: no
background attributes. The schools of the largest authority are joined into one
institution with each school as a department, so one institution has more than 500
pupils (as a Danish school with several departments may have).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corpus._v1 import Converted, measure, rdata, write_dataset


def convert(folder: Path) -> Converted:
    d = rdata("Chem97")
    d["dept"] = "C" + d["school"].astype(str).str.zfill(4)
    big_lea = int(d.groupby("lea").size().idxmax())
    d["inst"] = d["dept"].where(d["lea"] != big_lea, f"A{big_lea:03d}")
    d["child"] = "K" + d["student"].astype(str)
    u = d[["dept", "inst", "lea"]].drop_duplicates("dept")
    units = pd.DataFrame({"department_id": u["dept"], "department_name": "Skole " + u["dept"].str[1:],
                          "institution_id": u["inst"],
                          "institution_name": u["inst"].map(lambda i: f"Skole {i[1:]}" if i[0] == "C"
                                                            else f"Samlet skole {i[1:]}"),
                          "cluster": "Myndighed " + u["lea"].astype(str),
                          "area": "Myndighed " + u["lea"].astype(str)})
    children = pd.DataFrame({"child_id": d["child"].unique()})
    long = pd.concat([
        pd.DataFrame({"measure_id": "kemi", "value": d["score"]}),
        pd.DataFrame({"measure_id": "gcse", "value": d["gcsescore"].round(4)}),
    ])
    n = len(d)
    responses = long.assign(round="1997", department_id=pd.concat([d["dept"]] * 2).to_numpy(),
                            child_id=pd.concat([d["child"]] * 2).to_numpy())
    assert len(responses) == 2 * n
    measures = [measure("kemi", "Kemi, A-level (point)", scale=(0, 10)),
                measure("gcse", "Gennemsnit ved GCSE")]
    write_dataset(folder, name="Chem97 (mlmRev)", rounds=["1997"], units=units, children=children,
                  measures=measures, responses=responses)
    sizes = d.groupby("inst").size()
    return Converted(folder, [f"A{big_lea:03d}", str(sizes.index[sizes == sizes.median()][0])
                              if (sizes == sizes.median()).any() else str(sizes.index[0])],
                     f"Myndighed {big_lea}", ["> 1,000 institutions", "> 500 pupils", "no background"])
