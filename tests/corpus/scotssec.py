"""mlmRev ``ScotsSec``: 3,435 Scottish pupils, their verbal reasoning at the end of primary
school and their attainment four years later in secondary school (Paterson 1991).

Two rounds: ``P7`` (verbal reasoning, unbounded, in the pupil's primary school) and
``S4`` (attainment, 1–10, in the secondary school). Every pupil changes department and
institution between the rounds, and each round has its own measure, so no measure has
two rounds. Primary and secondary schools are institutions; the 19 secondary schools and
the primary schools that send most of their pupils to each form the clusters.
Background: sex and social class (``social``: 0 = unknown).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from corpus._v1 import Converted, measure, rdata, write_dataset

SOCIAL = {0: "", 1: "Lav", 2: "Mellem", 3: "Høj"}


def convert(folder: Path) -> Converted:
    d = rdata("ScotsSec").reset_index(drop=True)
    d["child"] = "P" + (d.index + 1).astype(str).str.zfill(4)
    d["prim"] = "P" + d["primary"].astype(str).str.zfill(3)
    d["sec"] = "S" + d["second"].astype(str).str.zfill(2)
    # a primary school belongs to the cluster of the secondary school most of its pupils go to
    feeds = d.groupby("prim")["sec"].agg(lambda s: s.mode().iloc[0])
    prim_units = pd.DataFrame({"department_id": feeds.index + "-7", "department_name": "7. klasse",
                               "institution_id": feeds.index,
                               "institution_name": "Grundskole " + feeds.index.str[1:],
                               "cluster": "Klynge " + feeds.to_numpy()})
    secs = sorted(d["sec"].unique())
    sec_units = pd.DataFrame({"department_id": [f"{s}-S4" for s in secs], "department_name": "S4",
                              "institution_id": secs,
                              "institution_name": [f"Gymnasieskole {s[1:]}" for s in secs],
                              "cluster": [f"Klynge {s}" for s in secs]})
    units = pd.concat([prim_units, sec_units]).assign(area="Skotland")
    children = pd.DataFrame({"child_id": d["child"],
                             "sex": d["sex"].map({"F": "Pige", "M": "Dreng"}),
                             "social_class": d["social"].map(SOCIAL)})
    responses = pd.concat([
        pd.DataFrame({"round": "P7", "measure_id": "verbal", "department_id": d["prim"] + "-7",
                      "child_id": d["child"], "value": d["verbal"]}),
        pd.DataFrame({"round": "S4", "measure_id": "attain", "department_id": d["sec"] + "-S4",
                      "child_id": d["child"], "value": d["attain"]}),
    ])
    measures = [measure("verbal", "Verbal ræsonnering"),
                measure("attain", "Karakter i S4", scale=(1, 10))]
    write_dataset(folder, name="ScotsSec (mlmRev)", rounds=["P7", "S4"], units=units,
                  children=children, measures=measures, responses=responses)
    big_prim = str(d.groupby("prim").size().idxmax())
    big_sec = str(d.groupby("sec").size().idxmax())
    return Converted(folder, [big_sec, big_prim], f"Klynge {big_sec}",
                     ["pupils change school", "departments change", "a measure per round"])
