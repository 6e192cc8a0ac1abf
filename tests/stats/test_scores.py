"""Scores: the mean of recoded items per subject, checked against a plain pandas version."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import llkit
from llkit.stats.scoring import SCORE_COLUMNS, categorize, scores

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ds():
    return llkit.load(ROOT / "data" / "sample" / "dagtilbud")


def naive_scores(ds) -> pd.DataFrame:
    """Reference: merge, recode and group with plain pandas (no codes, no bincount)."""
    r = ds.responses.astype({c: object for c in ["round", "item_id", "department_id", "child_id", "respondent_id"]})
    r = r.merge(ds.items[["item_id", "measure_id", "reverse"]], on="item_id")
    r = r.merge(ds.measures, on="measure_id")
    v = r["value"].where(~r["reverse"], r["scale_min"] + r["scale_max"] - r["value"])
    r = r.assign(v=v)
    r["subject_id"] = np.select(
        [r["subject"].astype(str) == "child", r["subject"].astype(str) == "respondent"],
        [r["child_id"], r["respondent_id"]],
        default=r["department_id"],
    )
    g = r.groupby(["round", "measure_id", "subject_id"], observed=True)
    out = g.agg(mean=("v", "mean"), n_items=("v", "count"), min_items=("min_items", "first")).reset_index()
    out["score"] = out["mean"].where(out["n_items"] >= out["min_items"])
    return out


def test_scores_equal_a_plain_pandas_reference(ds):
    got = scores(ds)
    assert list(got.columns) == SCORE_COLUMNS
    ref = naive_scores(ds)
    got_ = got.astype({"round": str, "measure_id": str, "subject_id": str}).set_index(["round", "measure_id", "subject_id"]).sort_index()
    ref_ = ref.astype({"round": str}).set_index(["round", "measure_id", "subject_id"]).sort_index()
    assert len(got_) == len(ref_)
    np.testing.assert_allclose(got_["score"].to_numpy(), ref_.loc[got_.index, "score"].to_numpy(), equal_nan=True)
    np.testing.assert_array_equal(got_["n_items"].to_numpy(), ref_.loc[got_.index, "n_items"].to_numpy())


def test_sparse_and_dense_key_paths_agree(ds, monkeypatch):
    dense = scores(ds)
    monkeypatch.setattr("llkit.stats.scoring._use_dense_keys", lambda n_keys, n_rows: False)
    sparse = scores(ds)
    pd.testing.assert_frame_equal(dense, sparse)


def test_scores_carry_the_department_of_that_round(ds):
    got = scores(ds, "sprog") if "sprog" in set(ds.measures.measure_id) else scores(ds, ds.measures.measure_id.iloc[0])
    child = got[got["subject"] == "child"]
    r = ds.responses[["round", "child_id", "department_id"]].dropna().drop_duplicates()
    merged = child.astype({"subject_id": str, "round": str, "department_id": str}).merge(
        r.astype(str), left_on=["round", "subject_id"], right_on=["round", "child_id"], suffixes=("", "_r")
    )
    assert (merged["department_id"] == merged["department_id_r"]).all()
    inst = ds.units.set_index("department_id")["institution_id"]
    assert (child["institution_id"].astype(str).to_numpy() == child["department_id"].astype(str).map(inst).to_numpy()).all()


def test_unknown_measure_names_the_known_ones(ds):
    with pytest.raises(KeyError, match="unknown measure 'nope'"):
        scores(ds, "nope")


def test_categorize_follows_direction():
    up = categorize(np.array([1.0, 2.5, 3.0, 4.0, np.nan]), 2.5, 4.0, True)
    assert list(up.astype(object)) == ["low", "middle", "middle", "high", np.nan]
    down = categorize(np.array([1.0, 2.0, 3.5, 4.5]), 4.0, 2.0, False)
    assert list(down.astype(object)) == ["high", "high", "middle", "low"]
    nocut = categorize(np.array([1.0, 5.0]), np.nan, np.nan, True)
    assert nocut.isna().all()
