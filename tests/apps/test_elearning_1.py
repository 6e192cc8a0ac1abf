"""E-learning chapters 1–4: the notebooks through papermill on both sectors and a stripped
dataset, and the chapters' correct answers against independent pandas computations."""

from __future__ import annotations

import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from _nbrun import run_many
from conftest import stripped_dataset
from scipy import stats

import llkit
from llkit.apps import exercises as ex
from llkit.apps.elearning import ch01_datainformeret as ch1
from llkit.apps.elearning import ch02_gennemsnit as ch2
from llkit.apps.elearning import ch03_usikkerhed as ch3
from llkit.apps.elearning import ch04_udvikling as ch4
from llkit.apps.elearning import common as cm

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "notebooks" / "elearning"
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
SKOLE = ROOT / "data" / "sample" / "skole"
CHAPTERS = ["01_datainformeret_laeringsledelse", "02_gennemsnit_og_fordelinger", "03_usikkerhed_og_smaa_grupper",
            "04_udvikling_over_tid"]
WIDGET = "application/vnd.jupyter.widget-view+json"


# ----------------------------------------------------------------------------- fixtures


def _datasets(stripped: Path) -> dict[str, dict]:
    return {"dagtilbud-I01": {"data": "data/sample/dagtilbud", "institution": "I01"},
            "dagtilbud-I07": {"data": str(DAGTILBUD), "institution": "I07"},
            "skole-S02": {"data": str(SKOLE), "institution": "S02"},
            "stripped-I03": {"data": str(stripped), "institution": "I03"}}


RUNS = [f"{c[:2]}-{d}" for c in CHAPTERS for d in ["dagtilbud-I01", "dagtilbud-I07", "skole-S02", "stripped-I03"]]


@pytest.fixture(scope="session")
def stripped(tmp_path_factory) -> Path:
    return stripped_dataset(tmp_path_factory.mktemp("elearning-data"), institutions=5, seed=7,
                            unscaled=("sprog",))


@pytest.fixture(scope="session")
def executed(tmp_path_factory, stripped) -> dict[str, dict]:
    out_dir = tmp_path_factory.mktemp("elearning-runs")
    jobs = {}
    for chapter in CHAPTERS:
        for key, params in _datasets(stripped).items():
            jobs[f"{chapter[:2]}-{key}"] = (BOOK / f"{chapter}.ipynb", params)
    # only chapter 4 on I01 is exported to HTML (test_chapter_html_is_offline_and_danish)
    return run_many(jobs, out_dir, html={n for n in jobs if n.startswith("04") and "I01" in n})


# ----------------------------------------------------------------------------- notebooks as committed


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_notebook_is_thin_and_clean(chapter):
    nb = nbformat.read(BOOK / f"{chapter}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert 'data = "data/sample/dagtilbud"' in code[0].source and 'institution = "I01"' in code[0].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "committed with outputs"
            assert not re.search(r"^\s*(def|class)\s", cell.source, re.M)
            if "parameters" not in cell.metadata.get("tags", []) and "import" not in cell.source:
                assert len(re.findall(r"\b\w+\.\w+\(", cell.source)) == 1, f"one call per cell: {cell.source!r}"
    assert nb.metadata.kernelspec.name == "python3"


# ----------------------------------------------------------------------------- executed notebooks


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]


@pytest.mark.parametrize("name", RUNS)
def test_chapter_runs_and_shows_exercise_widgets(executed, name):
    r = executed[name]
    assert r["error"] is None, r["error"]
    nb = nbformat.read(r["ipynb"], as_version=4)
    outs = _outputs(nb)
    assert not [o for o in outs if o.get("output_type") == "error"]
    stderr = "".join(o.get("text", "") for o in outs if o.get("output_type") == "stream" and o.get("name") == "stderr")
    assert "Traceback" not in stderr, stderr[-2000:]
    kinds = [o for o in outs if WIDGET in o.get("data", {})]
    exercise_views = [o for o in kinds if re.search(r"Opgave \d", o["data"].get("text/plain", ""))]
    assert len(exercise_views) >= 3, [o["data"].get("text/plain") for o in kinds]
    assert any("Refleksion" in o["data"].get("text/plain", "") for o in kinds)
    html = " ".join(o.get("data", {}).get("text/html", "") for o in outs)
    assert "Opsummering" in html and "Formål:" in html and "minutters læsning" in html
    assert re.search(r"\b(og|er|jeres|af)\b", html)
    for word in ["Traceback", "Error", "nan", "None"]:
        assert not re.search(rf"\b{word}\b", re.sub(r"<[^>]+>", " ", html)), word
    if name.endswith("stripped-I03") and name.startswith("04"):
        assert "Jeres data har ikke" in html  # one round: sections say so
    if name.endswith("skole-S02"):
        assert "elever" in html and "klasse" in html
        assert not re.search(r"\bbørn\b", re.sub(r"<[^>]+>", " ", html))


def test_chapter_html_is_offline_and_danish(executed):
    page = executed["04-dagtilbud-I01"]["html"]
    assert page and '<html lang="da">' in page and "<script" not in page.lower()
    assert "Opgave 1" in page and "Opgaven er interaktiv" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)


# ----------------------------------------------------------------------------- answers vs references


@pytest.fixture(scope="module")
def dag():
    return cm.open_chapter(DAGTILBUD, "I01", 2)[0]


def _scores(ds, m, inst, r):
    sc = llkit.scores(ds, m).dropna(subset=["score"])
    return sc[(sc["institution_id"].astype(str) == inst) & (sc["round"].astype(str) == r)]


def _coded_responses(ds, m, r):
    """Responses of a measure in a round, reverse-keyed items recoded (min + max − value)."""
    items = ds.items[ds.items["measure_id"].astype(str) == m]
    meas = ds.measures.set_index(ds.measures["measure_id"].astype(str)).loc[m]
    rev = set(items.loc[items["reverse"].astype(str).str.lower().isin(["true", "1"]), "item_id"].astype(str))
    resp = ds.responses[(ds.responses["round"].astype(str) == r)
                        & ds.responses["item_id"].astype(str).isin(set(items["item_id"].astype(str)))].copy()
    flip = resp["item_id"].astype(str).isin(rev)
    resp.loc[flip, "value"] = meas["scale_min"] + meas["scale_max"] - resp.loc[flip, "value"]
    return resp.dropna(subset=["value"])


def _ref_from_responses(ds, m, inst, r):
    """Scores computed straight from the response table (mean of the items, min_items)."""
    meas = ds.measures.set_index(ds.measures["measure_id"].astype(str)).loc[m]
    deps = ds.units[ds.units["institution_id"].astype(str) == inst]["department_id"].astype(str)
    resp = _coded_responses(ds, m, r)
    resp = resp[resp["department_id"].astype(str).isin(deps)]
    g = resp.groupby("child_id")["value"]
    n_items = g.size()
    return g.mean()[n_items >= int(meas["min_items"])]


@pytest.mark.parametrize("data, inst", [(DAGTILBUD, "I01"), (DAGTILBUD, "I12"), (SKOLE, "S03")])
def test_ch02_answers(data, inst):
    ds = cm.open_chapter(data, inst, 2)[0]
    f = ch2.facts(ds, inst)
    sc = _scores(ds, f["measure"], inst, f["round"])["score"]
    assert f["n"] == len(sc)
    assert f["mean"] == pytest.approx(sc.mean())
    assert f["median"] == pytest.approx(sc.median())
    low, high = f["low_cut"], f["high_cut"]
    assert f["share_low"] == pytest.approx((sc < low).mean())
    assert f["share_high"] == pytest.approx((sc >= high).mean())
    muni = llkit.scores(ds, f["measure"]).dropna(subset=["score"])
    assert f["municipality_mean"] == pytest.approx(muni[muni["round"].astype(str) == f["round"]]["score"].mean())
    # the scores themselves straight from the responses (child-rated measures only)
    if cm.measure_info(ds).loc[f["measure"], "subject"] == "child":
        ref = _ref_from_responses(ds, f["measure"], inst, f["round"])
        assert f["mean"] == pytest.approx(ref.mean())
    # per department: the largest share at low level is the correct unit
    s = ex.Session("02", inst)
    q = ch2.exercise_department(ds, inst, s)
    if isinstance(q, ex.PickUnit):
        sc_all = _scores(ds, f["measure"], inst, f["round"])
        share = sc_all.assign(low=sc_all["score"] < low).groupby("department_id")["low"].mean()
        share = share[share.index.isin(f["departments"])]
        assert q.correct == set(share[share >= share.max() - 0.005].index)
        for wrong in set(f["departments"]) - q.correct:
            assert not q.submit(wrong).correct


def test_ch02_exercises_feedback(dag):
    s = ex.Session("02", "I01")
    q = ch2.exercise_share_low(dag, "I01", s)
    f = ch2.facts(dag, "I01")
    assert q.submit(tx_comma(100 * f["share_low"])).correct
    rest = 100 * (f["share_middle"] + f["share_high"])
    assert "IKKE" in q.submit(tx_comma(rest)).message
    m = ch2.exercise_mean(dag, "I01", s)
    assert m.submit(tx_comma(f["mean"] - f["municipality_mean"], 2)).correct
    assert "Det er jeres gennemsnit" in m.submit(tx_comma(f["mean"], 2)).message
    c = ch2.exercise_concept(dag, "I01", s)
    assert c.submit("b").correct and not c.submit("a").correct


def tx_comma(x: float, d: int = 1) -> str:
    return f"{x:.{d}f}".replace(".", ",")


@pytest.mark.parametrize("data, inst", [(DAGTILBUD, "I01"), (SKOLE, "S02")])
def test_ch03_answers(data, inst):
    ds = cm.open_chapter(data, inst, 3)[0]
    f = ch3.facts(ds, inst)
    sc = _scores(ds, f["measure"], inst, f["round"])["score"]
    n = len(sc)
    half = stats.t.ppf(0.975, n - 1) * sc.std(ddof=1) / math.sqrt(n)
    assert f["n"] == n
    assert f["width"] == pytest.approx(2 * half)
    s = ex.Session("03", inst)
    q = ch3.exercise_width(ds, inst, s)
    assert q.correct == pytest.approx(2 * half)
    assert "halve bredde" in q.submit(tx_comma(half, 3)).message or abs(half - 2 * half) <= q.tolerance
    four = ch3.exercise_four_times(ds, inst, s)
    assert four.correct == pytest.approx(half)
    assert "kvadratroden" in four.submit(tx_comma(half / 2, 4)).message
    widest = ch3.exercise_widest(ds, inst, s)
    allsc = _scores(ds, f["measure"], inst, f["round"])
    g = allsc.groupby("department_id")["score"]
    width = (2 * g.std(ddof=1) / np.sqrt(g.size()) * stats.t.ppf(0.975, g.size() - 1))
    width = width[width.index.isin(f["departments"])]
    assert widest.correct == set(width[width >= width.max() - 1e-9].index)
    # suppression counts: departments with fewer than min_n children are hidden
    small = (g.size() < ds.meta.min_n).sum()
    assert f["n_hidden"] >= small


@pytest.mark.parametrize("data, inst", [(DAGTILBUD, "I01"), (DAGTILBUD, "I05"), (SKOLE, "S01")])
def test_ch04_answers(data, inst):
    ds = cm.open_chapter(data, inst, 4)[0]
    f = ch4.facts(ds, inst)
    r1, r2 = f["from_round"], f["to_round"]
    a = _scores(ds, f["measure"], inst, r1).set_index("subject_id")["score"]
    b = _scores(ds, f["measure"], inst, r2).set_index("subject_id")["score"]
    both = a.index.intersection(b.index)
    assert (f["n_from"], f["n_to"], f["n_paired"]) == (len(a), len(b), len(both))
    assert f["diff"] == pytest.approx(b.mean() - a.mean())
    d = b[both] - a[both]
    if f["paired"]:
        assert f["paired"]["diff"] == pytest.approx(d.mean())
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
        assert f["paired"]["ci_low"] == pytest.approx(d.mean() - half)
    s = ex.Session("04", inst)
    q = ch4.exercise_same_children(ds, inst, s)
    assert q.correct == len(both)
    assert q.submit(str(len(both))).correct
    if len(a) != len(both):
        assert "antallet ved" in q.submit(str(len(a))).message
    # reliable change: Jacobson–Truax with the baseline sd of all children and alpha
    t = ch4.threshold_facts(ds, inst)
    allsc = llkit.scores(ds, f["measure"]).dropna(subset=["score"])
    s1 = allsc[allsc["round"].astype(str) == r1]["score"].std(ddof=1)
    assert t["sd"] == pytest.approx(s1)
    items = _alpha_items(ds, f["measure"], r1)
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert t["reliability"] == pytest.approx(alpha, abs=0.02)
    thr = 1.96 * s1 * math.sqrt(2) * math.sqrt(1 - t["reliability"])
    assert t["threshold"] == pytest.approx(thr)
    if f["paired"]:
        assert f["share_reliable_up"] == pytest.approx((d > thr).mean())
        assert f["share_any_up"] == pytest.approx((d > 0).mean())
        rq = ch4.exercise_reliable(ds, inst, s)
        assert rq.submit(tx_comma(100 * (d > thr).mean(), 0)).correct
    th = ch4.exercise_threshold(ds, inst, s)
    assert "√2" in th.submit(tx_comma(th.correct / math.sqrt(2), 3)).message


def _alpha_items(ds, m, r):
    resp = _coded_responses(ds, m, r)
    return resp.pivot_table(index="child_id", columns="item_id", values="value").dropna()


def test_ch04_regression_to_the_mean_reference(dag):
    r = ch4.rtm_facts(dag, "I01")
    s = llkit.summarize(dag, r["measure"], by="department", round=[r["from_round"], r["to_round"]])
    s = s[~s["suppressed"].astype(bool)]
    w = s.pivot_table(index="department_id", columns=s["round"].astype(str), values="mean", observed=True).dropna()
    ch = w[r["to_round"]] - w[r["from_round"]]
    low = ch[w[r["from_round"]] <= w[r["from_round"]].quantile(0.25)].mean()
    assert r["low_change"] == pytest.approx(low)
    q = ch4.exercise_rtm(dag, "I01", ex.Session("04", "I01"))
    assert isinstance(q, ex.InterpretPlot)
    assert q.correct == ("low" if r["low_change"] - r["high_change"] > 0.02 else q.correct)


def test_ch01_answers(dag):
    f = ch1.level_facts(dag, "I01")
    sc = llkit.scores(dag, f["measure"])
    sc = sc[sc["round"].astype(str) == f["round"]]
    assert f["means"]["institution"] == pytest.approx(sc[sc["institution_id"] == "I01"]["score"].mean())
    assert f["means"]["municipality"] == pytest.approx(sc["score"].mean())
    src = ch1.source_facts(dag, "I01")
    allsc = llkit.scores(dag)
    mine = allsc[(allsc["institution_id"] == "I01") & (allsc["round"].astype(str) == src["round"])]
    sources = dag.measures.set_index("measure_id").loc[mine["measure_id"].astype(str).unique(), "source"]
    assert set(src["sources"]) == set(sources)
    q = ch1.exercise_sources(dag, "I01", ex.Session("01", "I01"))
    assert q.submit(str(len(set(sources)))).correct
    assert "antallet af mål" in q.submit(str(mine["measure_id"].nunique())).message
    lv = ch1.exercise_level(dag, "I01", ex.Session("01", "I01"))
    shown = {k: round(v, f["decimals"]) for k, v in f["means"].items()}
    assert lv.correct == {k for k, v in shown.items() if v == max(shown.values())}


def test_without_data_sections_say_so(stripped):
    ds = cm.open_chapter(stripped, "I03", 4)[0]
    assert ch4.facts(ds, "I03") is None
    assert "Jeres data har ikke" in str(ch4.development_section(ds, "I03"))
    s = ex.Session("04", "I03")
    made = [ch4.exercise_same_children(ds, "I03", s), ch4.exercise_change(ds, "I03", s), ch4.exercise_rtm(ds, "I03", s),
            ch4.exercise_threshold(ds, "I03", s), ch4.exercise_reliable(ds, "I03", s)]
    assert sum(isinstance(x, ex.Exercise) for x in made) >= 3
    assert cm.labels(cm.open_chapter(SKOLE, "S01", 1)[0])["the_single_child"] == "den enkelte elev"
    ds1 = cm.open_chapter(stripped, "I03", 1)[0]
    assert "national" not in ch1.level_facts(ds1, "I03")["means"]
    assert isinstance(pd.DataFrame(), pd.DataFrame)
