"""Seminar exercises: the generator (one source -> learner and solution versions), the
seminar checks (correct answers pass, typical mistakes get the intended feedback), and the
notebooks run through papermill.

The papermill runs: every solution notebook for two dagtilbud institutions and one school
(every check must report "rigtigt"), and every learner notebook for one institution (it
must run, and every check must say "Ikke besvaret endnu"). Two worker processes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from _nbrun import run_many
from statsmodels.stats.multitest import multipletests

import llkit
from llkit.apps import exercises as ex
from llkit.apps import seminar

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"
SRC = EXERCISES / "src"
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
SKOLE = ROOT / "data" / "sample" / "skole"
STEMS = sorted(p.stem for p in SRC.glob("*.ipynb"))
CHECK_CALL = re.compile(r"""seminar\.check\(\s*["'](\w+)["']""")


@pytest.fixture(scope="module")
def dag() -> llkit.Dataset:
    return llkit.load(DAGTILBUD)


@pytest.fixture(scope="module")
def skole() -> llkit.Dataset:
    return llkit.load(SKOLE)


# ----------------------------------------------------------------------------- generator


def _nb(cells: list) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return nb


def _tagged(cell, tag):
    cell.metadata["tags"] = [tag]
    return cell


def test_split_versions_replaces_blocks_and_drops_tagged_cells():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    src = _nb([
        md("# Titel"),
        _tagged(code('data = "x"  # str: data'), "parameters"),
        code(f"t = 1\n{seminar.START}\nu = t + 1\nsvar = u * 2\n{seminar.END}\nprint(svar)"),
        code(f"{seminar.START}\nplan = 3\nplan += 1\n{seminar.END}"),
        code(f"{seminar.START}\nx = 1\nif x:\n    svar = 'a'\nelse:\n    svar = 'b'\nz = 2\n{seminar.END}"),
        _tagged(md("**Løsning.** u er t plus 1"), "solution"),
        _tagged(md("Kun til deltagerne"), "learner"),
    ])
    learner, solution, hidden = seminar.split_versions(src, "99_test.ipynb")
    lsrc = [c.source for c in learner.cells]
    assert lsrc[2] == "t = 1\n# Skriv jeres kode her\nsvar = None  # skriv jeres svar her\nprint(svar)"
    assert lsrc[3] == "# Skriv jeres kode her\nplan = None  # skriv jeres svar her"
    assert "svar = None" in lsrc[4]  # svar is preferred even when assigned inside an if
    assert not any("Løsning." in s for s in lsrc) and "Kun til deltagerne" in lsrc
    ssrc = [c.source for c in solution.cells]
    assert ssrc[0] == "# Titel" and "Løsningsversion" in ssrc[1]
    assert "t = 1\nu = t + 1\nsvar = u * 2\nprint(svar)" in ssrc
    assert "**Løsning.** u er t plus 1" in ssrc and "Kun til deltagerne" not in ssrc
    assert all(seminar.START not in s and seminar.END not in s for s in lsrc + ssrc)
    assert "u = t + 1" in hidden and "**Løsning.** u er t plus 1" in hidden
    assert learner.cells[1].metadata == {"tags": ["parameters"]}
    assert learner.metadata["llkit"]["version"] == "learner"
    for nb in (learner, solution):
        nbformat.validate(nb)
        assert len({c.id for c in nb.cells}) == len(nb.cells)


@pytest.mark.parametrize("source, match", [
    (f"{seminar.START}\nsvar = 1", "without"),
    (f"svar = 1\n{seminar.END}", "without"),
    (f"{seminar.START}\n{seminar.START}\nsvar = 1\n{seminar.END}", "inside a solution block"),
    (f"{seminar.START}\nprint(1)\n{seminar.END}", "must assign"),
    (f"{seminar.START}\n{seminar.END}", "empty"),
    (f"if True:\n    {seminar.START}\n    svar = 1\n    {seminar.END}", "beginning of the line"),
    (f"{seminar.START}\nsvar = (\n{seminar.END}", "not valid Python"),
])
def test_split_versions_rejects_bad_markers(source, match):
    nb = _nb([nbformat.v4.new_code_cell(source)])
    with pytest.raises(seminar.SeminarError, match=match):
        seminar.split_versions(nb, "bad.ipynb")


def test_markers_in_markdown_are_rejected():
    nb = _nb([nbformat.v4.new_markdown_cell(f"{seminar.START}\nx\n{seminar.END}")])
    with pytest.raises(seminar.SeminarError, match="markdown"):
        seminar.split_versions(nb, "bad.ipynb")


def test_committed_notebooks_are_up_to_date():
    assert seminar.check_built(SRC, EXERCISES) == [], (
        "run `python -m llkit.apps.seminar build` after editing exercises/src")


def test_build_is_deterministic_and_check_detects_stale(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(SRC, src)
    a, b = tmp_path / "a", tmp_path / "b"
    assert len(seminar.build(src, a)) == 2 * len(STEMS)
    seminar.build(src, b)
    for rel in sorted(p.relative_to(a) for p in a.rglob("*.ipynb")):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel
    assert seminar.build(src, a) == []  # nothing changes on a second run
    assert seminar.main(["build", "--check", "--src", str(src), "--out", str(a)]) == 0
    # edit a source: --check fails until the notebooks are rebuilt
    path = src / f"{STEMS[0]}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n\nEn ny linje."
    nbformat.write(nb, path)
    assert seminar.main(["build", "--check", "--src", str(src), "--out", str(a)]) == 1
    assert seminar.check_built(src, a) == [f"learner/{STEMS[0]}.ipynb: out of date",
                                           f"solutions/{STEMS[0]}.ipynb: out of date"]
    assert seminar.main(["build", "--src", str(src), "--out", str(a)]) == 0
    assert seminar.main(["build", "--check", "--src", str(src), "--out", str(a)]) == 0
    # an orphan is reported by --check and removed by build
    (a / "learner" / "99_old.ipynb").write_text("{}", encoding="utf-8")
    assert "learner/99_old.ipynb: has no source" in seminar.check_built(src, a)[0]
    seminar.build(src, a)
    assert not (a / "learner" / "99_old.ipynb").exists()
    assert not list(a.rglob("*.tmp")), "temporary files left behind"


def test_module_command_line_check():
    proc = subprocess.run([sys.executable, "-m", "llkit.apps.seminar", "build", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout


@pytest.mark.parametrize("stem", STEMS)
def test_learner_version_contains_no_solution_text(stem):
    src = nbformat.read(SRC / f"{stem}.ipynb", as_version=4)
    _, _, hidden = seminar.split_versions(src, f"{stem}.ipynb")
    learner = (EXERCISES / "learner" / f"{stem}.ipynb").read_text(encoding="utf-8")
    text = "\n".join(c.source for c in nbformat.reads(learner, as_version=4).cells)
    assert hidden, "the source has no solution blocks"
    for line in hidden:
        if len(line.strip()) > 12:
            assert line.strip() not in text, f"solution line in the learner version: {line!r}"
    assert "LØSNING" not in learner and "**Løsning.**" not in learner
    assert "Løsningsversion" not in learner
    assert text.count("skriv jeres svar her") >= len(CHECK_CALL.findall(text))
    solution = (EXERCISES / "solutions" / f"{stem}.ipynb").read_text(encoding="utf-8")
    assert "LØSNING" not in solution and "Løsningsversion" in solution


@pytest.mark.parametrize("version", ["src", "learner", "solutions"])
@pytest.mark.parametrize("stem", STEMS)
def test_notebooks_are_clean(stem, version):
    nb = nbformat.read(EXERCISES / version / f"{stem}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    for line in code[0].source.splitlines():
        assert re.match(r"^\w+ = .+  # \S", line), f"parameter without a comment: {line!r}"
    assert 'data = "data/sample/dagtilbud"' in code[0].source and 'institution = "I01"' in code[0].source
    for c in code:
        assert c.outputs == [] and c.execution_count is None, "committed with outputs"
        assert not re.search(r"^\s*(def|class)\s", c.source, re.M), "def/class belongs in llkit"
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    ids = CHECK_CALL.findall("\n".join(c.source for c in code))
    assert ids and all(i in seminar.CHECKS for i in ids), ids
    assert all(seminar.CHECKS[i].notebook == stem for i in ids)


def test_every_check_is_used_in_exactly_one_notebook():
    used: list[str] = []
    for stem in STEMS:
        nb = nbformat.read(SRC / f"{stem}.ipynb", as_version=4)
        used += CHECK_CALL.findall("\n".join(c.source for c in nb.cells))
    assert sorted(used) == sorted(seminar.CHECKS)


# ----------------------------------------------------------------------------- checks


CASES = [("dagtilbud", "I01"), ("dagtilbud", "I13"), ("skole", "S05")]


def _ds(request, sector):
    return request.getfixturevalue("dag" if sector == "dagtilbud" else "skole")


@pytest.mark.parametrize("sector, inst", CASES, ids=[f"{s}-{i}" for s, i in CASES])
@pytest.mark.parametrize("check_id", list(seminar.CHECKS))
def test_check_accepts_correct_and_explains_typical_mistakes(request, check_id, sector, inst):
    ds = _ds(request, sector)
    spec = seminar.CHECKS[check_id].prepare(ds, inst)
    right = seminar.check(check_id, spec.solution(), ds=ds, institution=inst)
    assert right.status == "rigtigt", right.message
    assert right.message and "Tip" not in str(right)
    for answer, phrase in spec.typical():
        r = seminar.check(check_id, answer, ds=ds, institution=inst)
        assert r.status == "forkert", (answer, r.message)
        assert phrase in r.message, (answer, phrase, r.message)
        assert f"Tip: {seminar.CHECKS[check_id].hint}" in str(r)
    empty = seminar.check(check_id, None, ds=ds, institution=inst)
    assert empty.status == "ikke besvaret" and str(empty).startswith("Ikke besvaret endnu")


def _independent_share(ds, inst, measure, rnd):
    """Share of low scores and mean, straight from the per-child scores with pandas."""
    s = llkit.scores(ds, measure)
    s = s[(s["institution_id"].astype(str) == inst) & (s["round"].astype(str) == rnd) & s["score"].notna()]
    cat = s["category"].astype(str)
    has = s["category"].notna()
    return float((cat[has] == "low").mean()), float(s["score"].mean()), int(len(s)), int((cat == "low").sum())


def _distinct(a: float, b: float, tol: float = 0.011) -> bool:
    return abs(a - b) > tol


def test_share_low_typical_mistakes(dag):
    """Percent instead of share, the mean, the municipality, T1 instead of T3, the count."""
    all_t3 = llkit.scores(dag, "sprog")
    all_t3 = all_t3[(all_t3["round"].astype(str) == "T3") & all_t3["category"].notna()]
    muni = float((all_t3["category"].astype(str) == "low").mean())
    seen: set[str] = set()
    for k, inst in enumerate(sorted(dag.units["institution_id"].astype(str).unique())):
        if k >= 6 and len(seen) == 4:
            break
        share, mean, n, n_low = _independent_share(dag, inst, "sprog", "T3")
        t1, _, _, _ = _independent_share(dag, inst, "sprog", "T1")
        if n < dag.meta.min_n:
            continue

        def fb(answer, inst=inst):
            return seminar.check("dag2_andel_lav", answer, ds=dag, institution=inst, measure="sprog")

        assert fb(share).correct and fb(round(share, 2)).correct and fb(f"{share:.3f}".replace(".", ",")).correct
        if share > 0.02:
            r = fb(share * 100)
            assert not r.correct and "procent" in r.message
            seen.add("percent")
        r = fb(mean)
        assert not r.correct and "gennemsnittet" in r.message
        if _distinct(muni, share) and abs(muni * 100 - share * 100) > 0.5:
            r = fb(muni)
            assert not r.correct and "kommunens andel" in r.message
            seen.add("municipality")
        if _distinct(t1, share) and _distinct(t1, muni):
            r = fb(t1)
            assert not r.correct and "T1" in r.message
            seen.add("T1")
        if n_low > 1 and abs(n_low - share * 100) > 0.5:
            r = fb(n_low)
            assert not r.correct and "antallet" in r.message
            seen.add("count")
    assert seen == {"percent", "municipality", "T1", "count"}


def test_counts_and_means_against_pandas(dag, skole):
    for ds, inst, m in [(dag, "I01", "sprog"), (skole, "S01", "dansk")]:
        share, mean, n, n_low = _independent_share(ds, inst, m, "T3")
        assert seminar.check("dag1_antal", n, ds=ds, institution=inst).correct
        assert seminar.check("dag1_gennemsnit", round(mean, 2), ds=ds, institution=inst).correct
        assert seminar.check("dag2_boern_lav", n_low, ds=ds, institution=inst).correct
        wrong_round = seminar.check("dag1_gennemsnit", _independent_share(ds, inst, m, "T1")[1],
                                    ds=ds, institution=inst)
        assert not wrong_round.correct
        # the rows of responses are answers to items, not children
        items = set(ds.items.loc[ds.items["measure_id"] == m, "item_id"])
        depts = set(ds.units.loc[ds.units["institution_id"] == inst, "department_id"])
        r = ds.responses
        rows = int((r["item_id"].isin(items) & r["department_id"].isin(depts) & (r["round"] == "T3")).sum())
        assert rows != n
        res = seminar.check("dag1_antal", rows, ds=ds, institution=inst)
        assert not res.correct and "antallet af svar" in res.message
    sources = dag.measures["source"].nunique()
    assert seminar.check("dag1_kilder", sources, ds=dag, institution="I01").correct
    res = seminar.check("dag1_kilder", len(dag.measures), ds=dag, institution="I01")
    assert "antallet af mål" in res.message


def test_national_and_municipality_levels(dag):
    ref = dag.reference
    nat = float(ref.loc[(ref["measure_id"] == "sprog") & (ref["round"] == "T3")
                        & (ref["scope"] == "national"), "mean"].iloc[0])
    s = llkit.scores(dag, "sprog")
    muni = float(s.loc[s["round"] == "T3", "score"].mean())
    assert seminar.check("dag2_landsplan", nat, ds=dag, institution="I01").correct
    assert seminar.check("dag2_kommune", muni, ds=dag, institution="I01").correct
    r = seminar.check("dag2_landsplan", muni, ds=dag, institution="I01")
    assert not r.correct and "kommunens gennemsnit" in r.message
    r = seminar.check("dag2_kommune", nat, ds=dag, institution="I01")
    assert not r.correct and "landstallet" in r.message


def test_round_choice_and_spellings(dag):
    assert seminar.check("dag1_seneste_maaling", "T3", ds=dag, institution="I01").correct
    assert seminar.check("dag1_seneste_maaling", " t3 ", ds=dag, institution="I01").correct
    r = seminar.check("dag1_seneste_maaling", "T1", ds=dag, institution="I01")
    assert not r.correct and "første måling" in r.message
    r = seminar.check("dag1_sikker_forskel", "Ingen sikker forskel", ds=dag, institution="I01")
    assert r.correct  # I01 sprog T3: 3,77 (3,55–3,99) against the municipality's 3,83
    r = seminar.check("dag1_sikker_forskel", "lavere", ds=dag, institution="I01")
    assert not r.correct and "kan være tilfældig" in r.message


def test_department_by_id_or_name_and_wrong_unit(dag):
    t = llkit.summarize(dag, "sprog", by="department", round="T3")
    own = t[t["department_id"].astype(str).str.startswith("I01-") & ~t["suppressed"]]
    top = own.sort_values("share_low", ascending=False).iloc[0]
    assert seminar.check("dag2_stue", top["department_id"], ds=dag, institution="I01").correct
    assert seminar.check("dag2_stue", top["department_name"], ds=dag, institution="I01").correct
    r = seminar.check("dag2_stue", "I02-1", ds=dag, institution="I01")
    assert not r.correct and "hører ikke til" in r.message
    low = own.sort_values("share_low").iloc[0]
    r = seminar.check("dag2_stue", low["department_id"], ds=dag, institution="I01")
    assert not r.correct and "mindste" in r.message


def test_answer_shapes(dag):
    t = llkit.summarize(dag, "sprog", by="institution", round="T3")
    one = t.loc[t["institution_id"] == "I01", "share_low"]
    assert seminar.check("dag2_andel_lav", one, ds=dag, institution="I01").correct
    assert seminar.check("dag2_andel_lav", np.float32(one.item()), ds=dag, institution="I01").correct
    r = seminar.check("dag2_andel_lav", t["share_low"], ds=dag, institution="I01")
    assert r.status == "forkert" and "værdier" in r.message
    r = seminar.check("dag2_andel_lav", t, ds=dag, institution="I01")
    assert r.status == "forkert" and "tabel" in r.message
    r = seminar.check("dag2_andel_lav", float("nan"), ds=dag, institution="I01")
    assert r.status == "forkert" and "NaN" in r.message
    r = seminar.check("dag2_andel_lav", "abc", ds=dag, institution="I01")
    assert r.status == "forkert" and "tal" in r.message
    assert seminar.check("dag2_andel_lav", "", ds=dag, institution="I01").status == "ikke besvaret"
    with pytest.raises(KeyError, match="unknown seminar check"):
        seminar.check("dag9", 1, ds=dag, institution="I01")
    with pytest.raises(KeyError, match="unknown institution"):
        seminar.check("dag2_andel_lav", 1, ds=dag, institution="I99")


def test_plan_check(dag):
    from datetime import date

    from llkit.documents import plans

    draft = plans.new_plan(dag, "I01")
    assert len(draft.focus_areas) > 3
    r = seminar.check("dag3_plan", draft, ds=dag, institution="I01")
    assert not r.correct and "højst 3" in r.message
    draft.focus_areas = draft.focus_areas[:2]
    r = seminar.check("dag3_plan", draft, ds=dag, institution="I01")
    assert not r.correct and "mangler tegn" in r.message
    for fa in draft.focus_areas:
        for g in fa.goals:
            g.signs = ["Børnene fortæller om deres dag"]
            g.actions = [plans.Action(what="Dialogisk læsning", who="Pædagogerne",
                                      deadline=date(2030, 1, 1))]
    assert seminar.check("dag3_plan", draft, ds=dag, institution="I01").correct
    assert plans.validate_plan(draft, dag).query("severity == 'error'").empty
    r = seminar.check("dag3_plan", draft, ds=dag, institution="I02")
    assert not r.correct and "ikke for jeres" in r.message


def test_target_check(dag):
    from llkit.documents import plans

    cand = plans.focus_candidates(dag, "I13")
    row = cand[cand["kind"] == "share_low"].iloc[0]
    base = float(row["value"])

    def fb(x):
        return seminar.check("dag3_maal", x, ds=dag, institution="I13")

    assert fb(round(base * 0.6, 2)).correct and fb(round(base * 0.9, 2)).correct
    assert "procent" in fb(round(base * 60)).message
    assert "ikke lavere" in fb(base).message and "ikke lavere" in fb(base + 0.1).message
    assert "sjældent realistisk" in fb(0).message
    assert "ambitiøst" in fb(0.01).message


def test_status_check_counts_reached_goals_only(dag):
    from datetime import date

    from llkit.documents import plans

    plan = plans.new_plan(dag, "I01", round="T1", target_round="T3")
    for fa in plan.focus_areas:
        for g in fa.goals:
            g.signs, g.actions = ["x"], [plans.Action("y", "z", date(2020, 1, 1))]
    st = plans.plan_status(plan, dag)
    reached = int((st["status"].astype(str) == "nået").sum())
    assert seminar.check("dag3_status", reached, ds=dag, institution="I01").correct
    r = seminar.check("dag3_status", len(st), ds=dag, institution="I01")
    assert not r.correct and "i alt" in r.message


def test_cluster_checks_against_the_tables(dag):
    teams = seminar.meeting_teams(dag, "I01")
    assert teams == ["I01", "I02", "I03", "I04"]
    assert seminar.meeting_teams(dag, "I01", ["I05", "I06", "I07"]) == ["I05", "I06", "I07"]
    c = llkit.compare(dag, "sprog", level="institution", round="T3")
    c = c[c["institution_id"].isin(teams) & ~c["suppressed"]]
    outside = int((c["flag"] != "within").sum())
    assert seminar.check("klynge_tragt", outside, ds=dag, institution="I01").correct
    above = int((c["mean"] > c["target"]).sum())
    if above != outside:
        r = seminar.check("klynge_tragt", above, ds=dag, institution="I01")
        assert "over kommunens gennemsnit" in r.message
    ch = llkit.change(dag, "sprog", by="institution")
    ch = ch[ch["institution_id"].isin(teams)]
    # the cluster's teams are one family: a gain holds when Holm (statsmodels) keeps it
    p = ch["p_value"].to_numpy(dtype=float)
    keep = np.zeros(len(ch), dtype=bool)
    keep[~np.isnan(p)] = multipletests(p[~np.isnan(p)], alpha=0.05, method="holm")[0]
    sure = ch[(ch["ci_low"] > 0) & keep]["institution_id"].astype(str).tolist()
    chance = ch[(ch["ci_low"] > 0) & ~keep]["institution_id"].astype(str).tolist()
    unsure = ch[(ch["diff"] > 0) & (ch["ci_low"] <= 0)]["institution_id"].astype(str).tolist()
    assert chance, "the sample should have a team whose gain does not survive the cluster family"
    for i in sure:
        assert seminar.check("klynge_fremgang", i, ds=dag, institution="I01").correct
    for i in chance:
        r = seminar.check("klynge_fremgang", i, ds=dag, institution="I01")
        assert not r.correct and "tilfældighed" in r.message
    for i in unsure:
        r = seminar.check("klynge_fremgang", i, ds=dag, institution="I01")
        assert not r.correct and "inden for usikkerheden" in r.message
    r = seminar.check("klynge_fremgang", "ingen", ds=dag, institution="I01")
    assert r.correct == (not sure)
    r = seminar.check("klynge_fremgang", "I20", ds=dag, institution="I01")
    assert not r.correct and "ikke med i jeres klyngemøde" in r.message
    cov = llkit.coverage(dag, by="institution", round="T3")
    full = int((cov["institution_id"].isin(teams) & (cov["share"] == 1)).sum())
    assert seminar.check("klynge_dokumentation", full, ds=dag, institution="I01").correct


def test_missing_data_skips_instead_of_failing(dag):
    bare = dag._replace(reference=None, goals=None)
    r = seminar.check("dag2_landsplan", 3.9, ds=bare, institution="I01")
    assert r.status == "springes over" and "ingen landstal" in r.message
    r = seminar.check("klynge_dokumentation", 1, ds=bare, institution="I01")
    assert r.status == "springes over" and "læringsmål" in r.message
    from llkit.documents import common

    one = common.prepare(dag, rounds=["T3"])
    r = seminar.check("dag3_status", 1, ds=one, institution="I01")
    assert r.status == "springes over" and "kun én måling" in r.message


def test_result_display():
    ok = seminar.Result("x", "rigtigt", "Godt.", "Et tip")
    no = seminar.Result("x", "forkert", "Nej.", "Et tip")
    assert ok and not no
    assert 'data-status="rigtigt"' in ok._repr_html_() and "Tip" not in ok._repr_html_()
    assert "<b>Tip:</b> Et tip" in no._repr_html_()
    assert str(no) == "Ikke helt – Nej.\nTip: Et tip" and repr(ok).startswith("✔ Rigtigt")
    assert isinstance(ex.Feedback(True, "a"), ex.Feedback)


def test_pick_measure_and_intro(dag, skole):
    assert seminar.pick_measure(dag) == "sprog" and seminar.pick_measure(skole) == "dansk"
    assert seminar.pick_measure(dag, "kultur") == "kultur"
    with pytest.raises(KeyError, match="unknown measure"):
        seminar.pick_measure(dag, "xyz")
    html = seminar.intro(skole, "S01")._repr_html_()
    assert "Tranehøj Skole" in html and "klasser" in html and "Dansk, læsning" in html


# ----------------------------------------------------------------------------- papermill


def _checks_and_text(nb) -> tuple[list[tuple[str, str]], str]:
    """The (check, status) pairs an executed notebook displayed, and all its text output."""
    statuses, texts = [], []
    for c in nb.cells:
        for o in c.get("outputs", []):
            data = o.get("data", {})
            statuses += re.findall(r'data-check="(\w+)" data-status="([^"]+)"', data.get("text/html", ""))
            texts.append(data.get("text/plain", "") + o.get("text", ""))
            if o.get("output_type") == "error":
                texts.append(json.dumps(o))
    return statuses, "\n".join(texts)


def _jobs() -> dict[str, tuple[Path, dict]]:
    jobs = {}
    for stem in STEMS:
        for data, inst in [(DAGTILBUD, "I01"), (DAGTILBUD, "I13"), (SKOLE, "S01")]:
            jobs[f"solution-{stem}-{inst}"] = (EXERCISES / "solutions" / f"{stem}.ipynb",
                                               {"data": str(data), "institution": inst})
        jobs[f"learner-{stem}-I07"] = (EXERCISES / "learner" / f"{stem}.ipynb",
                                       {"data": "data/sample/dagtilbud", "institution": "I07"})
    return jobs


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, dict]:
    out_dir = tmp_path_factory.mktemp("seminar")
    jobs = _jobs()
    results = run_many(jobs, out_dir, keep_notebook=True)
    for r in results.values():
        r["statuses"], r["text"] = _checks_and_text(r["nb"]) if r["error"] is None else ([], "")
    return results


def _calls(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return CHECK_CALL.findall("\n".join(c.source for c in nb.cells if c.cell_type == "code"))


@pytest.mark.parametrize("name", [n for n in _jobs() if n.startswith("solution-")])
def test_solution_notebook_answers_are_correct(executed, name):
    r = executed[name]
    assert r["error"] is None, r["error"]
    stem = name.split("-")[1]
    expected = _calls(EXERCISES / "solutions" / f"{stem}.ipynb")
    assert [c for c, _ in r["statuses"]] == expected
    wrong = [(c, s) for c, s in r["statuses"] if s != "rigtigt"]
    assert not wrong, (wrong, r["text"][-3000:])
    assert "Traceback" not in r["text"]


@pytest.mark.parametrize("name", [n for n in _jobs() if n.startswith("learner-")])
def test_learner_notebook_runs_unanswered(executed, name):
    r = executed[name]
    assert r["error"] is None, r["error"]
    stem = name.split("-")[1]
    expected = _calls(EXERCISES / "learner" / f"{stem}.ipynb")
    assert r["statuses"] == [(c, "ikke besvaret") for c in expected]
    assert r["text"].count("Ikke besvaret endnu") >= len(expected)


def test_sample_share_matches_summarize(dag):
    """The pandas reference used above agrees with llkit.summarize (sanity of the test)."""
    share, mean, n, _ = _independent_share(dag, "I01", "sprog", "T3")
    t = llkit.summarize(dag, "sprog", by="institution", round="T3").set_index("institution_id")
    assert t.loc["I01", "n"] == n
    assert np.isclose(t.loc["I01", "share_low"], share) and np.isclose(t.loc["I01", "mean"], mean)
    assert isinstance(t, pd.DataFrame)
