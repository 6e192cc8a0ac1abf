"""E-learning chapters 5–8 (helper D): notebooks through papermill, and the chapter
functions' correct answers against independent pandas/scipy references.

The notebooks run for two dagtilbud institutions (I03 has an action plan, I01 has none),
one school and a stripped dataset (one round, no staff survey or observations, no
background, no goals, no reference), in a pool of two processes.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from _nbrun import run_many
from conftest import stripped_dataset
from scipy import stats as sps

import llkit
from llkit.apps.elearning import ch05_sammenligning as ch05
from llkit.apps.elearning import ch06_social_baggrund as ch06
from llkit.apps.elearning import ch07_kultur_og_laeringsmiljoe as ch07
from llkit.apps.elearning import ch08_handleplan as ch08
from llkit.apps.elearning import common

ROOT = Path(__file__).resolve().parents[2]
EL = ROOT / "notebooks" / "elearning"
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
SKOLE = ROOT / "data" / "sample" / "skole"
CHAPTERS = {
    5: EL / "05_sammenligning_med_andre.ipynb",
    6: EL / "06_social_baggrund_og_lige_muligheder.ipynb",
    7: EL / "07_kultur_laeringsmiljoe_og_tegn_paa_laering.ipynb",
    8: EL / "08_fra_analyse_til_handleplan.ipynb",
}
RUNS = {"I03": (DAGTILBUD, "I03"), "I01": (DAGTILBUD, "I01"), "S01": (SKOLE, "S01")}


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def stripped(tmp_path_factory) -> Path:
    return stripped_dataset(tmp_path_factory.mktemp("el2data"), institutions=7, seed=5)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, stripped) -> dict[str, dict]:
    out_dir = tmp_path_factory.mktemp("el2")
    jobs = {}
    for num, nb in CHAPTERS.items():
        for key, (data, inst) in RUNS.items():
            jobs[f"{num}-{key}"] = (nb, {"data": str(data), "institution": inst})
        jobs[f"{num}-stripped"] = (nb, {"data": str(stripped), "institution": "I03"})
    return run_many(jobs, out_dir, html=True)


def _names() -> list[str]:
    return [f"{n}-{k}" for n in CHAPTERS for k in [*RUNS, "stripped"]]


def _visible_text(page: str) -> str:
    body = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    body = re.sub(r"<img[^>]*>", "", body)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", body))


# ----------------------------------------------------------------------------- notebooks as committed


@pytest.mark.parametrize("path", CHAPTERS.values(), ids=lambda p: p.stem)
def test_notebook_is_thin_and_clean(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    assert 'data = "data/sample/dagtilbud"' in code[0].source and 'institution = "I01"' in code[0].source
    for line in code[0].source.splitlines():
        assert re.match(r"^\w+ = .+  # \S", line), line
    assert "plots.use_theme()" in "\n".join(c.source for c in code)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None, "committed with outputs"
        assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), "def/class belongs in llkit"
        if "parameters" not in cell.metadata.get("tags", []) and "import" not in cell.source:
            assert len(re.findall(r"\b\w+\.\w+\(", cell.source)) == 1, cell.source
    assert sum(c.cell_type == "markdown" for c in nb.cells) >= 5


# ----------------------------------------------------------------------------- executed chapters


@pytest.mark.slow
@pytest.mark.parametrize("name", _names())
def test_chapter_runs(rendered, name):
    r = rendered[name]
    assert r["error"] is None, r["error"]
    page = r["html"]
    assert "Traceback" not in page and "output_error" not in page
    assert '<html lang="da">' in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    text = _visible_text(page)
    assert "Formål" in text and "Opsummering" in text and "Til refleksion" in text
    assert "import llkit" not in page and "ch.exercise" not in text
    assert "Figuren kan ikke vises" not in page, r["stderr"][-2000:]
    # Danish number format, never an English decimal point in the prose
    assert not re.search(r"\b\d+\.\d{1,2}\s+point", text)
    graded = len(re.findall(r'class="llkit-ex-kicker">Opgave', page))
    if name.endswith("stripped"):
        assert "springes over" in text
    else:
        assert graded >= 3, (name, graded)
    # a suppressed group is never shown as a number
    for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S):
        plain = htmllib.unescape(re.sub(r"<[^>]+>", "", cell))
        if "færre end" in plain or "vises ikke" in plain:
            assert not re.search(r"\d,\d|\d\s*%", plain.replace(f"færre end {5}", "")), plain


@pytest.mark.slow
def test_school_words_and_plan(rendered):
    text = _visible_text(rendered["8-I03"]["html"])
    assert "Tillid, fælles faglighed og sprog i Krudtuglen" in text   # its own plan
    assert "ingen handleplan i data" in _visible_text(rendered["8-I01"]["html"])
    school = " ".join(_visible_text(rendered[f"{n}-S01"]["html"]) for n in CHAPTERS)
    assert "elever" in school and "stue/gruppe" not in school.lower()


@pytest.mark.slow
def test_stripped_says_what_is_missing(rendered):
    t6 = _visible_text(rendered["6-stripped"]["html"])
    assert "oplysninger om forældrenes uddannelse" in t6
    t7 = _visible_text(rendered["7-stripped"]["html"])
    assert "medarbejderundersøgelse" in t7 and "tegn på læring" in t7
    t5 = _visible_text(rendered["5-stripped"]["html"])
    assert "landstal" in t5


@pytest.mark.slow
def test_suppressed_departments_in_chapter_8(rendered):
    ds = llkit.load(DAGTILBUD)
    for inst in ["I01", "I03"]:
        f = ch08.facts(common.open_chapter(ds, inst, 8)[0], inst)
        hidden = f["departments"]["hidden"]
        page = rendered[f"8-{inst}"]["html"]
        for name in hidden["department_name"]:
            rows = re.findall(rf"<tr>\s*<td[^>]*>{re.escape(name)}</td>(.*?)</tr>", page, re.S)
            for row in rows:
                assert "%" not in row and not re.search(r"\d,\d", row), (inst, name, row)


# ----------------------------------------------------------------------------- independent references


@pytest.fixture(scope="module")
def dag():
    return llkit.load(DAGTILBUD)


@pytest.fixture(scope="module")
def sko():
    return llkit.load(SKOLE)


def _scores(ds, measure, rnd):
    """Scores from llkit.scores (the scoring layer) joined to units with plain pandas."""
    s = llkit.scores(ds, measure)
    s = s[s["round"].astype(str) == rnd]
    org = ds.units[["department_id", "department_name"]].astype(str)
    s = s.drop(columns=["institution_id"]).assign(department_id=s["department_id"].astype(str))
    s = s.merge(ds.units[["department_id", "institution_id"]].astype(str), on="department_id")
    s = s.merge(org, on="department_id")
    return s.dropna(subset=["score"])


@pytest.mark.parametrize("inst", ["I01", "I19", "S03"])
def test_ch05_against_pandas(dag, sko, inst):
    ds = sko if inst.startswith("S") else dag
    f = ch05.facts(ds, inst)
    s = _scores(ds, f["measure"], f["round"])
    mine = s[s["institution_id"] == inst]["score"]
    assert f["n"] == len(mine)
    assert f["mean"] == pytest.approx(mine.mean())
    assert f["target"] == pytest.approx(s["score"].mean())
    sigma = s["score"].std(ddof=1)
    assert f["limit95"] == pytest.approx(sps.norm.ppf(0.975) * sigma / np.sqrt(len(mine)))
    assert f["limit998"] == pytest.approx(sps.norm.ppf(0.999) * sigma / np.sqrt(len(mine)), rel=1e-3)
    z = (mine.mean() - s["score"].mean()) / (sigma / np.sqrt(len(mine)))
    zone = ("outside_over" if z > 3.0902 else "outside_under" if z < -3.0902 else
            "between_over" if z > 1.96 else "between_under" if z < -1.96 else "inside")
    assert f["zone"] == zone
    # the unit furthest from the target relative to its funnel: largest |z| of all
    per = s.groupby("institution_id")["score"].agg(["mean", "size"])
    per = per[per["size"] >= ds.meta.min_n]
    zs = ((per["mean"] - s["score"].mean()) / (sigma / np.sqrt(per["size"]))).abs()
    assert zs.idxmax() in f["pick_correct"]
    # the range of places from the shrunken intervals (no overlap = clearly better/worse)
    u = f["units"]
    me = u[u["institution_id"] == inst].iloc[0]
    others = u[u["institution_id"] != inst]
    assert f["best_rank"] == 1 + int((others["shrunken_ci_low"] > me["shrunken_ci_high"]).sum())
    assert f["worst_rank"] == len(u) - int((others["shrunken_ci_high"] < me["shrunken_ci_low"]).sum())
    assert f["best_rank"] <= f["point_rank"] <= f["worst_rank"]


@pytest.mark.parametrize("inst", ["I01", "I03", "S01"])
def test_ch06_against_pandas(dag, sko, inst):
    ds = sko if inst.startswith("S") else dag
    f = ch06.facts(ds, inst)
    attr, low, high = ds.profile.gap_default
    bg = ds.children.set_index(ds.children["child_id"].astype(str))[attr]

    def groups(rnd):
        s = _scores(ds, f["measure"], rnd)
        s = s[s["institution_id"] == inst]
        edu = s["subject_id"].astype(str).map(bg)
        return s.loc[edu.isin(low), "score"], s.loc[edu.isin(high), "score"]

    lo, hi = groups(f["round"])
    assert (f["n_low"], f["n_high"]) == (len(lo), len(hi))
    assert f["gap"] == pytest.approx(hi.mean() - lo.mean())
    ci = sps.ttest_ind(hi, lo, equal_var=False).confidence_interval(0.95)
    assert (f["ci_low"], f["ci_high"]) == pytest.approx((ci.low, ci.high))
    muni = llkit.gap(ds, f["measure"], by=None, round=f["round"])["gap"].iloc[0]
    expected = "larger" if ci.low > muni else "smaller" if ci.high < muni else "same"
    assert f["position"] == expected
    if f["prev_round"]:
        plo, phi = groups(f["prev_round"])
        prev = phi.mean() - plo.mean()
        assert f["prev_gap"] == pytest.approx(prev)
        se = np.sqrt(sum(v.var(ddof=1) / len(v) for v in (lo, hi, plo, phi)))
        change = f["gap"] - prev
        lo_c, hi_c = change - 1.959964 * se, change + 1.959964 * se
        trend = ("unclear" if lo_c <= 0 <= hi_c else "narrows" if abs(f["gap"]) < abs(prev) else "widens")
        assert f["trend"] == trend


@pytest.mark.parametrize("inst", ["I01", "I03", "S01"])
def test_ch07_against_pandas(dag, sko, inst):
    ds = sko if inst.startswith("S") else dag
    f = ch07.facts(ds, inst)
    rnd = f["round"]
    depts = set(ds.units.loc[ds.units["institution_id"] == inst, "department_id"].astype(str))
    # coverage: teams active in the round (answers or goals), documenting = any documented sign
    g = ds.goals[(ds.goals["round"].astype(str) == rnd) & ds.goals["department_id"].astype(str).isin(depts)]
    r = ds.responses[(ds.responses["round"].astype(str) == rnd)
                     & ds.responses["department_id"].astype(str).isin(depts)]
    active = set(r["department_id"].astype(str)) | set(g["department_id"].astype(str))
    documenting = set(g.loc[g["signs_documented"].astype(bool), "department_id"].astype(str))
    assert f["coverage"]["teams"] == len(active)
    assert f["coverage"]["share"] == pytest.approx(len(documenting) / len(active))
    # staff: lowest difference to the municipality
    staff = ds.measures.loc[ds.measures["subject"] == "respondent", "measure_id"]
    diffs = {}
    for m in staff:
        s = _scores(ds, m, rnd)
        diffs[m] = s.loc[s["institution_id"] == inst, "score"].mean() - s["score"].mean()
    assert min(diffs, key=diffs.get) in f["staff"]["correct"]
    # observations: the department with the lowest rating in the measure shown
    o = f["observation"]
    if o is not None:
        s = _scores(ds, o["measure"], rnd)
        per = s[s["department_id"].isin(depts)].groupby("department_id")["score"].mean()
        assert per.idxmin() in o["correct"]
    # exercises: the right answer passes, a typical mistake gets its own message
    _, session = common.open_chapter(ds, inst, 7)
    both = ch07.exercise_coverage(ds, inst, session)
    q = both.exercise
    assert q.check(f"{100 * f['coverage']['share']:.0f}").correct
    c = f["coverage"]
    goal_share = 100 * c["goals_documented"] / c["goals"]
    if abs(goal_share - 100 * c["share"]) > 1:
        assert "andelen af læringsmålene" in q.check(f"{goal_share:.0f}").message


@pytest.mark.parametrize("inst", ["I01", "I03", "S01"])
def test_ch08_against_pandas(dag, sko, inst):
    ds = sko if inst.startswith("S") else dag
    f = ch08.facts(ds, inst)
    low = f["low"]
    cut = float(ds.measures.set_index("measure_id").loc[low["measure"], "low_cut"])
    s = _scores(ds, low["measure"], low["round"])
    mine = s[s["institution_id"] == inst]["score"]
    assert low["n"] == len(mine)
    assert low["children"] == int((mine < cut).sum())
    dd = f["departments"]
    cut = float(ds.measures.set_index("measure_id").loc[dd["measure"], "low_cut"])
    s = _scores(ds, dd["measure"], dd["round"])
    per = s[s["institution_id"] == inst].groupby("department_id")["score"].agg(
        share=lambda v: (v < cut).mean(), n="size")
    per = per[per["n"] >= ds.meta.min_n]
    assert set(per.index) >= set(dd["shown"].index)
    assert per.loc[list(dd["shown"].index), "share"].idxmax() in dd["correct"]
    _, session = common.open_chapter(ds, inst, 8)
    q = ch08.exercise_children(ds, inst, session)
    assert q.check(str(low["children"])).correct
    if abs(100 * low["share"] - low["children"]) > 1:
        assert "procenten" in q.check(f"{100 * low['share']:.0f}").message
    st = ch08.exercise_status(ds, inst, session)
    assert st.check(str(f["status"]["row"]["status"])).correct
    assert f["status"]["own_plan"] is (inst == "I03")


def test_ch05_and_ch06_feedback(dag):
    _, session = common.open_chapter(dag, "I01", 5)
    f = ch05.facts(dag, "I01")
    q = ch05.exercise_limit(dag, "I01", session)
    assert q.check(str(f["limit95"])).correct
    assert "kvadratroden" in q.check(str(1.959964 * f["sigma"] / f["n"])).message
    assert "99,8" in q.check(str(3.0902 * f["sigma"] / np.sqrt(f["n"]))).message
    r = ch05.exercise_rank(dag, "I01", session)
    assert r.check(str(f["best_rank"])).correct
    if f["point_rank"] != f["best_rank"]:
        assert "gennemsnittet alene" in r.check(str(f["point_rank"])).message
    _, s6 = common.open_chapter(dag, "I01", 6)
    g = ch06.facts(dag, "I01")
    q6 = ch06.exercise_gap(dag, "I01", s6).exercise
    d = min(2, g["decimals"] + 1)
    right = round(g["mean_high"], d) - round(g["mean_low"], d)
    assert q6.check(f"{right:.{d}f}".replace(".", ",")).correct
    assert "forkerte vej" in q6.check(f"{-right:.{d}f}").message


def test_no_data_sections_do_not_fail(stripped):
    ds = llkit.load(stripped)
    _, session = common.open_chapter(ds, "I03", 7)
    assert "springes over" in str(ch07.exercise_staff(ds, "I03", session))
    assert "springes over" in str(ch07.exercise_coverage(ds, "I03", session))
    assert "springes over" in str(ch06.exercise_trend(ds, "I03", session))
    assert "springes over" in str(ch05.national_section(ds, "I03"))
    assert "springes over" in str(ch08.exercise_status(ds, "I03", session))
    assert pd.notna(ch05.facts(ds, "I03")["mean"])
