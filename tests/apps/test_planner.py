"""The action-plan editor (llkit.apps.planner) and notebooks/action_plan.ipynb.

The editor is driven through its Python methods and its buttons (the same code paths as
clicking); plans it builds are compared with plans written by hand and read by
llkit.documents.plans.load_plan, baseline values with llkit.summarize, and the follow-up view with
llkit.documents.plans.plan_status. The notebook is run through papermill on temporary copies of
the sample data (so data/sample is never modified), for a daycare with a plan (I03), one
without (I01) and a school.
"""

from __future__ import annotations

import copy
import shutil
from datetime import date
from html import escape
from pathlib import Path

import pandas as pd
import pytest
from _nbrun import run_many

import llkit
from llkit.apps import planner, report
from llkit.documents.plans import (
    Action,
    Indicator,
    Plan,
    load_plan,
    plan_status,
    validate_plan,
)
from llkit.errors import PlanError
from llkit.present import text

ROOT = Path(__file__).resolve().parents[2]
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
SKOLE = ROOT / "data" / "sample" / "skole"
NOTEBOOK = ROOT / "notebooks" / "action_plan.ipynb"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

HAND_WRITTEN = """\
institution: I03
title: Tillid og sprog i Krudtuglen
created: 2015-06-11
description: Vi starter med kulturen.
focus_areas:
  - focus: Tillid i personalegruppen
    description: Processkriteriet.
    goals:
      - goal: Mere tillid
        indicator: {kind: staff, measure: tillid}
        baseline: T1
        target: 3,5
        target_round: T3
        signs:
          - Svære sager tages op på personalemødet
          - Kolleger beder om sparring
        actions:
          - what: Faste personalemøder
            who: Ledelsesteamet
            deadline: 31.08.2015
          - what: Ledelsen på stuerne
            who: Leder
            deadline: 2015-09-30
  - focus: Sprog for alle børn
    goals:
      - goal: Færre børn med lav sprogscore
        indicator: {kind: share_low, measure: sprog}
        baseline: T1
        target: 5 %
        target_round: T4
        signs: [Børnene fortæller i samling]
        actions:
          - {what: Dialogisk læsning, who: Pædagogerne, deadline: 2015-09-01}
      - goal: Mindre forskel i social udvikling
        indicator: {kind: gap, measure: social}
        baseline: T1
        target: 0.3
        target_round: T3
        signs: [Alle børn har en legekammerat]
        actions:
          - {what: Legegrupper, who: Kontaktpædagogerne, deadline: 2015-11-01}
      - goal: Sproget på én stue
        indicator: {kind: mean, measure: sprog, department: I03-1}
        baseline: T2
        target: 3.9
        target_round: T3
        signs: [Flere turskift i samtalerne]
        actions:
          - {what: Sprogvejleder på stuen, who: Sprogvejleder, deadline: 2017-09-01}
  - focus: Tegn på læring
    goals:
      - goal: Alle stuer dokumenterer tegn
        indicator: {kind: coverage}
        baseline: T1
        target: 100 %
        target_round: T3
        signs: [Tegn hænger i garderoben]
        actions:
          - {what: Årshjul, who: Ledelsen, deadline: 2015-10-01}
"""


@pytest.fixture(scope="module")
def ds():
    return llkit.load(DAGTILBUD)


@pytest.fixture(scope="module")
def hand_plan(tmp_path_factory):
    path = tmp_path_factory.mktemp("hand") / "I03.yaml"
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return load_plan(path)


def build_by_hand(ds, out=None):
    """The hand-written plan above, built with the editor's methods (shares as 0–1)."""
    ed = planner.PlanEditor(ds, "I03", plan=None, out=out, start="empty")
    # the sample's own plan for I03 exists, so start="empty" must be asked for explicitly
    ed.load(Plan(institution="I03", title="", created=date(2000, 1, 1)))
    ed.set_plan(title="Tillid og sprog i Krudtuglen", created=date(2015, 6, 11),
                description="Vi starter med kulturen.")
    f0 = ed.add_focus("Tillid i personalegruppen", "Processkriteriet.")
    ed.add_goal(f0, goal="Mere tillid", indicator=("staff", "tillid"), baseline="T1",
                target=3.5, target_round="T3",
                signs=["Svære sager tages op på personalemødet", "Kolleger beder om sparring"],
                actions=[("Faste personalemøder", "Ledelsesteamet", "31.08.2015")])
    ed.add_action(f0, 0, "Ledelsen på stuerne", "Leder", date(2015, 9, 30))
    f1 = ed.add_focus("Sprog for alle børn")
    ed.add_goal(f1, goal="Færre børn med lav sprogscore",
                indicator={"kind": "share_low", "measure": "sprog"}, baseline="T1",
                target="5", target_round="T4", signs="Børnene fortæller i samling",
                actions=[{"what": "Dialogisk læsning", "who": "Pædagogerne",
                          "deadline": "2015-09-01"}])
    ed.add_goal(f1, goal="Mindre forskel i social udvikling",
                indicator=Indicator("gap", "social"), baseline="T1", target="0,3",
                target_round="T3", signs=["Alle børn har en legekammerat"],
                actions=[Action("Legegrupper", "Kontaktpædagogerne", date(2015, 11, 1))])
    ed.add_goal(f1, goal="Sproget på én stue", indicator=("mean", "sprog", "I03-1"),
                baseline="T2", target=3.9, target_round="T3",
                signs=["Flere turskift i samtalerne"],
                actions=[("Sprogvejleder på stuen", "Sprogvejleder", "2017-09-01")])
    f2 = ed.add_focus("Tegn på læring")
    ed.add_goal(f2, goal="Alle stuer dokumenterer tegn", indicator=("coverage", None),
                baseline="T1", target=1.0, target_round="T3",
                signs=["Tegn hænger i garderoben"],
                actions=[("Årshjul", "Ledelsen", "2015-10-01")])
    return ed


# ----------------------------------------------------------------------- the editor


def test_editor_builds_the_plan_written_by_hand(ds, hand_plan, tmp_path):
    ed = build_by_hand(ds, out=tmp_path / "I03.yaml")
    plan = ed.to_plan()
    assert plan == hand_plan
    check = ed.check()  # coverage was already 100 % in T1: a warning, not an error
    assert list(check["severity"]) == ["warning"]
    assert check["problem"].iloc[0].startswith("Målværdien er den samme som udgangspunktet (100\xa0%)")
    # the widgets hold what a user would see: shares in percent, decimal comma
    goal = ed.focus_forms[1].goals[0]
    assert goal.target.value == "5" and goal.kind.value == "share_low"
    assert ed.focus_forms[0].goals[0].target.value == "3,5"
    written = ed.save()
    assert load_plan(written) == hand_plan
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # atomic: no temp left


def test_round_trip_load_edit_save_load(ds, tmp_path):
    src = tmp_path / "I03.yaml"
    shutil.copy(DAGTILBUD / "plans" / "I03.yaml", src)
    ed = planner.PlanEditor(ds, "I03", plan=src, out=src)
    assert ed.source == src and ed.path == src
    # without out=, the plan is written to the dataset's plans/ folder (as documented)
    assert planner.PlanEditor(ds, "I03", plan=src).path == DAGTILBUD / "plans" / "I03.yaml"
    before = load_plan(src)
    assert ed.to_plan() == before
    ed.set_goal(0, 0, target=3.6, signs=["Et nyt tegn"])
    ed.remove_goal(1, 1)
    ed.add_action(1, 0, "Ny handling", "Souschef", "01.02.2016")
    ed.set_focus(1, focus="Sprog i hverdagen")
    with pytest.raises(FileExistsError):
        ed.save()
    ed.save(confirm=True)
    after = load_plan(src)
    expected = copy.deepcopy(before)
    expected.focus_areas[0].goals[0].target = 3.6
    expected.focus_areas[0].goals[0].signs = ["Et nyt tegn"]
    del expected.focus_areas[1].goals[1]
    expected.focus_areas[1].goals[0].actions.append(
        Action("Ny handling", "Souschef", date(2016, 2, 1)))
    expected.focus_areas[1].focus = "Sprog i hverdagen"
    assert after == expected
    # and a second editor reads it back unchanged
    assert planner.PlanEditor(ds, "I03", plan=src, out=src).to_plan() == after


def test_saving_refuses_an_invalid_plan_in_danish_and_writes_nothing(ds, tmp_path):
    out = tmp_path / "plans" / "I01.yaml"
    ed = planner.PlanEditor(ds, "I01", out=out)  # a draft from the data: no signs, no actions
    assert ed.to_plan().focus_areas
    with pytest.raises(PlanError, match="Handleplanen er ikke gemt") as err:
        ed.save()
    problems = err.value.problems
    assert set(problems["problem"]) >= {"Tegn mangler.", "Handlinger mangler."}
    assert problems["column"].str.startswith("Fokusområde 1").any()
    assert not out.exists() and not out.parent.exists()

    # a target on the wrong side of the baseline, and one that is not a number
    ed = planner.PlanEditor(ds, "I03", plan=DAGTILBUD / "plans" / "I03.yaml", out=out)
    ed.set_goal(0, 0, target=1.5)  # trust was 3,0 in T1; higher is better
    ed.set_goal(1, 0, target="mange")
    with pytest.raises(PlanError) as err:
        ed.save()
    p = err.value.problems
    wrong = p[p["problem"].str.contains("udgangspunktet")].iloc[0]
    assert "Målværdien 1,5 er lavere end udgangspunktet" in wrong["problem"]
    assert "højere bedre" in wrong["problem"] and wrong["action"].startswith("Sæt en målværdi over")
    assert "Målværdien »mange« er ikke et tal." in set(p["problem"])
    assert not out.exists()
    # the click path says the same and writes nothing either
    ed._click_save(confirm=False)
    assert "ikke gemt" in ed.message.value and "Målværdien »mange«" in ed.problems_view.value
    assert not out.exists()


def test_no_overwrite_without_confirm(ds, tmp_path):
    out = tmp_path / "I03.yaml"
    out.write_text("# the team's own file\n", encoding="utf-8")
    ed = planner.PlanEditor(ds, "I03", plan=DAGTILBUD / "plans" / "I03.yaml", out=out)
    with pytest.raises(FileExistsError, match="findes allerede"):
        ed.save()
    assert out.read_text(encoding="utf-8") == "# the team's own file\n"
    # clicking "Gem handleplan" asks first; nothing is written until "Ja, overskriv filen"
    ed.save_button.click()
    assert ed.confirm_box.layout.display is None and "findes" in ed.message.value
    assert out.read_text(encoding="utf-8") == "# the team's own file\n"
    ed.cancel_button.click()
    assert ed.confirm_box.layout.display == "none"
    ed.save_button.click()
    ed.confirm_button.click()
    assert "er gemt" in ed.message.value
    assert load_plan(out) == load_plan(DAGTILBUD / "plans" / "I03.yaml")
    # a new file needs no confirmation
    new = tmp_path / "sub" / "I03.yaml"
    assert ed.save(new) == new and load_plan(new) == load_plan(out)


def test_buttons_add_and_remove_focus_areas_goals_and_actions(ds, tmp_path):
    ed = planner.PlanEditor(ds, "I01", out=tmp_path / "I01.yaml", start="empty")
    assert ed.to_plan().focus_areas == []
    ed.add_focus_button.click()
    ed.focus_forms[0].add_goal_button.click()
    ed.focus_forms[0].add_goal_button.click()
    assert [len(fa.goals) for fa in ed.to_plan().focus_areas] == [2]
    g = ed.focus_forms[0].goals[1]
    g.add_action_button.click()
    assert len(ed.to_plan().focus_areas[0].goals[1].actions) == 1
    g.actions[0].remove.click()
    assert ed.to_plan().focus_areas[0].goals[1].actions == []
    ed.focus_forms[0].goals[0].remove_button.click()
    assert len(ed.to_plan().focus_areas[0].goals) == 1
    ed.focus_forms[0].remove_button.click()
    assert ed.to_plan().focus_areas == []
    # a candidate from the data becomes a focus area with its goal
    n = len(ed._candidates)
    assert n >= 1
    ed.candidate.value = 0
    ed.add_candidate_button.click()
    plan = ed.to_plan()
    cand = ed._candidates.iloc[0]
    assert plan.focus_areas[0].goals[0].indicator.kind == cand["kind"]
    assert plan.focus_areas[0].goals[0].baseline == cand["round"]


def test_dropdowns_come_from_the_data_and_baseline_is_shown(ds):
    ed = planner.PlanEditor(ds, "I03", start="empty")
    ed.load(Plan(institution="I03", title="x", created=date(2015, 1, 1)))
    fi = ed.add_focus("Kultur")
    ed.add_goal(fi, indicator=("staff", "tillid"), baseline="T1")
    g = ed.focus_forms[0].goals[0]
    m = ds.measures
    staff = set(m.loc[m["subject"] == "respondent", "measure_id"])
    assert {o[1] for o in g.measure.options} == staff
    assert [o[1] for o in g.kind.options] == ["mean", "share_low", "gap", "staff", "coverage"]
    deps = set(ds.org.loc[ds.org["institution_id"] == "I03", "department_id"])
    assert {o[1] for o in g.department.options} == deps | {""}
    assert list(g.target_round.options) == ["T2", "T3", "T4"]
    # the baseline value shown equals llkit.summarize for the institution
    ref = llkit.summarize(ds, "tillid", by="institution", round="T1")
    ref = ref[ref["institution_id"] == "I03"].iloc[0]
    shown = g.baseline_info.value
    assert text.fmt_number(ref["mean"], 1) in shown
    assert text.fmt_interval(ref["ci_low"], ref["ci_high"], 1) in shown
    # share kinds: the measures with a low cut only, and the target unit is percent
    g.kind.value = "share_low"
    assert {o[1] for o in g.measure.options} == set(m.loc[(m["subject"] == "child")
                                                          & m["low_cut"].notna(), "measure_id"])
    assert "procent" in g.target_unit.value
    # a later baseline leaves only later target rounds
    g.baseline.value = "T2"
    assert list(g.target_round.options) == ["T3", "T4"]
    with pytest.raises(ValueError, match="must come after the baseline"):
        ed.set_goal(0, 0, target_round="T2")
    with pytest.raises(ValueError, match="cannot be used with kind"):
        ed.set_goal(0, 0, indicator=("share_low", "tillid"))


def test_a_suppressed_baseline_is_not_shown_as_a_number(ds):
    ed = planner.PlanEditor(ds, "I24", plan=DAGTILBUD / "plans" / "I24.yaml")
    g = ed.focus_forms[0].goals[1]  # one department's language mean
    assert g.indicator().department is not None
    g.baseline.value = "T2"
    vals = llkit.documents.plans.indicator_values(ds, "I24", g.indicator())
    if bool(vals.loc[vals["round"] == "T2", "suppressed"].iloc[0]):
        assert "vises ikke" in g.baseline_info.value


def test_live_preview_and_check_follow_the_fields(ds):
    ed = planner.PlanEditor(ds, "I03", plan=DAGTILBUD / "plans" / "I03.yaml")
    assert "Planen er klar" in ed.problems_view.value
    ed.title.value = "Ny titel for Krudtuglen"
    assert "Ny titel for Krudtuglen" in ed.preview.value
    ed.focus_forms[0].goals[0].signs.value = ""
    assert "Tegn mangler." in ed.problems_view.value
    assert "Fokusområde 1 › mål 1 »Medarbejderne" in ed.problems_view.value


def test_a_broken_plan_file_is_reported_and_not_overwritten_silently(ds, tmp_path):
    bad = tmp_path / "I03.yaml"
    bad.write_text("institution: I03\ntitle: x\ncreated: 2015-02-30\nfocus_areas: []\n",
                   encoding="utf-8")
    ed = planner.PlanEditor(ds, "I03", plan=bad)
    assert ed.load_problems is not None
    assert "er ikke en gyldig dato" in " ".join(ed.load_problems["problem"])
    assert "kan ikke læses" in ed.origin()
    assert ed.to_plan().focus_areas  # a draft to start from
    with pytest.raises(PlanError):
        ed.save(confirm=True)  # the draft is not complete
    assert "2015-02-30" in bad.read_text(encoding="utf-8")


def test_problems_in_danish_cover_the_common_errors(ds):
    plan = copy.deepcopy(load_plan(DAGTILBUD / "plans" / "I03.yaml"))
    g = plan.focus_areas[0].goals[0]
    g.target_round = "T1"
    plan.focus_areas[1].goals[0].indicator = Indicator("mean", "sprogg")
    plan.focus_areas[1].goals[1].actions[0].deadline = date(2014, 1, 1)
    plan.focus_areas[0].goals[1].target = 9.0
    raw = validate_plan(plan, ds)
    da = planner.problems_da(raw, plan)
    assert len(da) == len(raw)
    assert not da["problem"].str.startswith("Problem i planen").any()
    text = " ".join(da["problem"])
    assert "Målet skal nås i T1, men det er den samme som udgangspunktet T1." in text
    assert "Data kender ikke målingen »sprogg«." in text
    assert "Fristen 01.01.2014 ligger før planens dato 11.06.2015." in text
    assert "uden for målingens skala (1 til 5)" in text
    assert list(da["severity"]) == sorted(da["severity"], key=lambda s: s != "error")


def test_indicator_choices_follow_the_data():
    skole = llkit.load(SKOLE)
    ch = planner.indicator_choices(skole)
    m = skole.measures
    assert {mid for _, mid in ch["staff"]} == set(m.loc[m["subject"] == "respondent", "measure_id"])
    assert {mid for _, mid in ch["gap"]} == set(m.loc[m["subject"] == "child", "measure_id"])
    stripped = llkit.load(SKOLE)
    stripped.goals = None
    assert "coverage" not in planner.indicator_choices(stripped)


# ----------------------------------------------------------------------- follow-up


@pytest.mark.parametrize("name", ["I03", "I08", "I20", "I24"])
def test_followup_statuses_equal_plan_status(ds, name):
    path = DAGTILBUD / "plans" / f"{name}.yaml"
    view = planner.followup(ds, path)
    ref = plan_status(load_plan(path), ds)
    pd.testing.assert_frame_equal(view.status, ref)
    html = view._repr_html_()
    positions = [html.index(f">{s}</span>") for s in ref["status"].astype(str)]
    assert len(positions) == len(ref)
    for reason in ref["reason"]:
        assert escape(str(reason)) in html
    assert html.count("<figure") == len(ref)
    assert "http" not in html.replace("http-equiv", "")


def test_followup_without_a_plan_says_so(ds, tmp_path):
    view = planner.followup(ds, None, institution="I01")
    assert view.status is None and "ingen gemt handleplan" in view.html
    bad = tmp_path / "I03.yaml"
    bad.write_text("institution: I03\n", encoding="utf-8")
    view = planner.followup(ds, bad)
    assert view.status is None and "kan ikke læses" in view.html


def test_editor_followup_is_the_saved_plan(ds, tmp_path):
    ed = build_by_hand(ds, out=tmp_path / "I03.yaml")
    assert ed.followup().status is None
    ed.save()
    pd.testing.assert_frame_equal(ed.followup().status, plan_status(ed.to_plan(), ds))


def test_candidates_show_the_baseline_and_interval(ds):
    html = planner.candidates(ds, "I01").html
    cand = llkit.documents.plans.focus_candidates(ds, "I01")
    for r in cand.itertuples():
        assert escape(str(r.why)) in html
    assert "95 %-interval" in html and "regression mod gennemsnittet" in html


# ----------------------------------------------------------------------- the notebook


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    base = tmp_path_factory.mktemp("planner_nb")
    dag = base / "dagtilbud"
    skole = base / "skole"
    shutil.copytree(DAGTILBUD, dag)
    shutil.copytree(SKOLE, skole)
    jobs = {
        "I03": {"data": str(dag), "institution": "I03"},
        "I01": {"data": str(dag), "institution": "I01"},
        "S01": {"data": str(skole), "institution": "S01"},
    }
    before = {p.name: p.read_bytes() for p in (dag / "plans").iterdir()}
    results = run_many({n: (NOTEBOOK, p) for n, p in jobs.items()}, base, html=True,
                       keep_notebook=True)
    after = {p.name: p.read_bytes() for p in (dag / "plans").iterdir()}
    results["_unchanged"] = before == after and not (skole / "plans").exists()
    return results


@pytest.mark.parametrize("name", ["I03", "I01", "S01"])
def test_notebook_runs_and_displays_widgets(executed, name):
    r = executed[name]
    assert r["error"] is None, r["error"]
    outputs = [o for c in r["nb"].cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(WIDGET_MIME in o.get("data", {}) for o in outputs)
    page = r["html"]
    assert "Strategisk handleplan" in page and '<html lang="da">' in page
    assert not report.network_references(page)
    assert "Traceback" not in page


def test_notebook_shows_the_followup_of_an_existing_plan(executed):
    page = executed["I03"]["html"]
    assert "Planen er hentet fra" in page and "Status for hvert mål" in page
    assert page.count("<figure") >= 4
    page = executed["I01"]["html"]
    assert "udkast" in page and "ingen gemt handleplan" in page
    assert "Forslag til fokusområder" in page


def test_notebook_modifies_no_data(executed):
    assert executed["_unchanged"]


def test_notebook_is_thin_and_committed_without_outputs():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert not any(line.lstrip().startswith(("def ", "class "))
                   for c in code for line in c.source.splitlines())
