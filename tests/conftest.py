"""Shared fixtures: a small valid dataset built in a temporary folder.

The dataset: 2 institutions (I01, I02) with 2 departments each (D01-D04), 8 children
(2 per department), 2 rounds, and three measures: a pedagogue assessment of each child
(M1, 1-5, with a reverse item), a staff survey (M2, subject respondent) and an
observation of each department (M3, subject department, 1-7).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

META = """name = "Testkommune"
sector = "dagtilbud"
rounds = ["T1", "T2"]
min_n = 3
synthetic = true

[round_dates]
T1 = "2015-03-01"
T2 = "2017-03-01"
"""


def make_tables() -> dict[str, pd.DataFrame]:
    """The tables of the valid test dataset, as text (what a user writes in a file)."""
    units = pd.DataFrame({
        "department_id": ["D01", "D02", "D03", "D04"],
        "department_name": ["Stue A", "Stue B", "Stue C", ""],
        "institution_id": ["I01", "I01", "I02", "I02"],
        "institution_name": ["Solsikken", "Solsikken", "Mælkebøtten", "Mælkebøtten"],
        "cluster": ["Klynge Nord", "Klynge Nord", "Klynge Syd", "Klynge Syd"],
        "area": ["Øst", "Øst", "Øst", "Øst"],
    })
    children = pd.DataFrame({
        "child_id": [f"C{i:03d}" for i in range(1, 9)],
        "birth_date": ["2011-01-15", "2011-02-01", "2011-03-01", "2011-04-01",
                       "2011-05-01", "2011-06-01", "2011-07-01", "2011-08-01"],
        "sex": ["Pige", "Dreng"] * 4,
        "parent_education": ["Grundskole", "Lang videregående", "Gymnasial", "Erhvervsfaglig",
                             "Kort videregående", "Mellemlang videregående", "", "Grundskole"],
        "language": ["Dansk"] * 6 + ["Andet sprog", "Dansk og andet sprog"],
        "note": ["", "", "x", "", "", "", "", ""],
    })
    measures = pd.DataFrame({
        "measure_id": ["M1", "M2", "M3"],
        "label": ["Sprog", "Samarbejde", "Læringsmiljø"],
        "source": ["pædagog", "medarbejder", "observatør"],
        "subject": ["child", "respondent", "department"],
        "scale_min": ["1", "1", "1"],
        "scale_max": ["5", "5", "7"],
        "higher_is_better": ["true", "ja", ""],
        "min_items": ["2", "1", "2"],
        "low_cut": ["2.5", "", "3"],
        "high_cut": ["4", "", "5"],
        "group": ["Læreplanstemaer", "Medarbejdere", "Læringsmiljø"],
    })
    items = pd.DataFrame({
        "item_id": ["M1_1", "M1_2", "M1_3", "M2_1", "M2_2", "M3_1", "M3_2"],
        "measure_id": ["M1", "M1", "M1", "M2", "M2", "M3", "M3"],
        "text": ["Barnet fortæller, hvad det har oplevet", "Barnet lytter", "Barnet trækker sig",
                 "Vi deler viden", "Vi stoler på hinanden", "Rummet", "Relationer"],
        "reverse": ["false", "", "true", "0", "nej", "", ""],
    })
    rows = []
    depts = ["D01", "D01", "D02", "D02", "D03", "D03", "D04", "D04"]
    for r_i, rnd in enumerate(["T1", "T2"]):
        for c in range(8):
            child = f"C{c + 1:03d}"
            for k, item in enumerate(["M1_1", "M1_2", "M1_3"]):
                v = 1 + (c + k + r_i) % 5
                value = "" if (c == 3 and k == 0 and rnd == "T1") else str(v)
                rows.append((rnd, item, depts[c], child, "", value))
        for d_i, dept in enumerate(["D01", "D02", "D03", "D04"]):
            for k, item in enumerate(["M2_1", "M2_2"]):
                rows.append((rnd, item, dept, "", f"R{d_i + 1:02d}", str(2 + (d_i + k) % 3)))
            for k, item in enumerate(["M3_1", "M3_2"]):
                rows.append((rnd, item, dept, "", "OBS1", str(3 + (d_i + k + r_i) % 4) + ".5"))
    responses = pd.DataFrame(rows, columns=["round", "item_id", "department_id", "child_id",
                                            "respondent_id", "value"])
    goals = pd.DataFrame({
        "round": ["T1", "T1", "T1", "T1", "T2", "T2", "T2", "T2"],
        "department_id": ["D01", "D02", "D03", "D04"] * 2,
        "goal_id": ["G1"] * 8,
        "theme": ["Social udvikling"] * 8,
        "goal": ["Børnene hjælper hinanden, også når det er svært"] * 8,
        "signs_defined": ["true", "true", "false", "ja", "true", "true", "true", "true"],
        "signs_documented": ["false", "true", "false", "nej", "true", "true", "false", "true"],
    })
    reference = pd.DataFrame({
        "measure_id": ["M1", "M1"],
        "round": ["T1", "T2"],
        "scope": ["national", "national"],
        "n": ["1250", "1300"],
        "mean": ["3.2", "3.3"],
        "sd": ["0.8", "0.75"],
    })
    return {"units": units, "children": children, "measures": measures, "items": items,
            "responses": responses, "goals": goals, "reference": reference}


def write_dataset(path: Path, tables: dict[str, pd.DataFrame] | None = None,
                  meta: str = META) -> Path:
    """Write tables (default: the valid ones) as UTF-8 CSV + dataset.toml into ``path``."""
    path.mkdir(parents=True, exist_ok=True)
    tables = make_tables() if tables is None else tables
    (path / "dataset.toml").write_text(meta, encoding="utf-8")
    for name, frame in tables.items():
        frame.to_csv(path / f"{name}.csv", index=False, lineterminator="\n")
    return path


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """A fresh copy of the valid tables (text) to break in a test."""
    return make_tables()


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    """A valid dataset folder (CSV)."""
    return write_dataset(tmp_path / "ds")


@pytest.fixture
def make_dataset(tmp_path: Path) -> Callable[..., Path]:
    """Write a (possibly broken) dataset: ``make_dataset(tables, meta=...)``."""
    counter = iter(range(10_000))

    def _make(tables: dict[str, pd.DataFrame] | None = None, meta: str = META) -> Path:
        return write_dataset(tmp_path / f"ds{next(counter)}", tables, meta)

    return _make


def stripped_dataset(folder: Path, *, institutions: int, seed: int,
                     unscaled: tuple[str, ...] = (), background: bool = False) -> Path:
    """A small generated dagtilbud dataset reduced to what a data-poor municipality has:
    one round (T3), no goals, no reference, no staff survey or observations. The
    measures in ``unscaled`` lose their scale and cut points; the children keep their
    background columns only when ``background``. Returns the reduced dataset's folder."""
    import numpy as np

    import llkit
    from llkit.data.dataset import Dataset
    from llkit.data.sample import generate

    generate("dagtilbud", folder / "full", institutions=institutions, rounds=["T3"], seed=seed)
    one = llkit.load(folder / "full")
    measures = one.measures[~one.measures["source"].isin(["medarbejder", "observatør"])].copy()
    measures.loc[measures["measure_id"].isin(unscaled),
                 ["scale_min", "scale_max", "low_cut", "high_cut"]] = np.nan
    items = one.items[one.items["measure_id"].isin(measures["measure_id"])]
    responses = one.responses[one.responses["item_id"].astype(str).isin(items["item_id"])]
    children = one.children if background else one.children[["child_id"]].copy()
    Dataset(meta=one.meta, units=one.units, children=children, measures=measures, items=items,
            responses=responses, goals=None, reference=None).to_folder(folder / "stripped")
    return folder / "stripped"
