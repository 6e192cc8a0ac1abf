"""Action plans (llkit.documents.plans): format, validation, status with uncertainty, CLI."""

from __future__ import annotations

import argparse
import copy
import math
import re
import shutil
import string
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import llkit
from llkit.documents.plans import (
    _MESSAGES,
    STATUSES,
    Action,
    Indicator,
    Plan,
    _identify,
    _message,
    _newcombe,
    add_plan_commands,
    focus_candidates,
    format_status,
    load_plan,
    new_plan,
    plan_status,
    plans_for,
    plans_overview,
    status_table,
    validate_plan,
    write_plan,
)
from llkit.errors import DataError, PlanError, format_problems

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "sample" / "dagtilbud"
PLANS = DATA / "plans"
SAMPLE_PLANS = ["I03.yaml", "I08.yaml", "I20.yaml", "I24.yaml"]

#: the statuses the sample plans were built to have on the committed sample, per goal
EXPECTED = {
    "I03": ["nået", "på vej", "nået", "kan ikke vurderes"],
    "I08": ["på vej", "kan ikke vurderes", "nået", "kan ikke vurderes"],
    "I20": ["kan ikke vurderes", "nået", "kan ikke vurderes", "kan ikke vurderes"],
    "I24": ["ikke nået", "kan ikke vurderes", "ikke nået"],
}


@pytest.fixture(scope="module")
def ds():
    return llkit.load(DATA)


@pytest.fixture(scope="module")
def statuses(ds) -> dict[str, pd.DataFrame]:
    cache: dict = {}
    return {name[:3]: plan_status(PLANS / name, ds, _cache=cache) for name in SAMPLE_PLANS}


def goal_row(status: pd.DataFrame, text: str) -> pd.Series:
    rows = status[status["goal"].str.contains(text, regex=False)]
    assert len(rows) == 1, f"no single goal matching {text!r}"
    return rows.iloc[0]


# ----------------------------------------------------------------------- sample plans


@pytest.mark.parametrize("name", SAMPLE_PLANS)
def test_sample_plans_validate_without_problems(ds, name):
    problems = validate_plan(PLANS / name, ds)
    assert problems.empty, format_problems(problems)
    plan = load_plan(PLANS / name)
    assert plan.institution == name[:3]
    assert all(g.signs and g.actions for _, g in plan.goals)


def test_sample_statuses_are_as_built(statuses):
    got = {k: v["status"].astype(str).tolist() for k, v in statuses.items()}
    assert got == EXPECTED
    every = pd.concat(statuses.values())["status"]
    assert set(every.astype(str)) == set(STATUSES)  # the samples show all four


def test_status_naaet(statuses):
    r = goal_row(statuses["I03"], "mere tillid")
    assert r.status == "nået"
    assert r.ci_low >= r.target  # the whole interval lies above the target
    assert r.reason == "intervallet 3,8–4,7 ligger over målet 3,5"
    assert r.latest_round == "T3" and r.baseline_round == "T1"
    assert goal_row(statuses["I20"], "siger selv").status == "nået"


def test_status_paa_vej(statuses):
    r = goal_row(statuses["I08"], "lav vurdering i kommunikation")
    assert r.status == "på vej"
    # moved toward the target by more than the noise, but the target is inside the interval
    assert r.ci_low <= r.target <= r.ci_high
    assert r.latest_value < r.baseline_value
    assert "mere end usikkerheden" in r.reason and "rummer stadig målet 10" in r.reason
    assert goal_row(statuses["I03"], "evalueringskultur").status == "på vej"


def test_status_ikke_naaet(statuses):
    r = goal_row(statuses["I24"], "kommunens niveau")
    assert r.status == "ikke nået"
    assert r.ci_high < r.target
    assert r.reason == "intervallet 2,9–3,5 ligger under målet 3,7 i T3"
    cov = goal_row(statuses["I24"], "Alle fire stuer")
    assert cov.status == "ikke nået" and cov.kind == "coverage"
    assert cov.latest_value == 0.75 and math.isnan(cov.ci_low)  # a count, no interval
    assert cov.reason.startswith("3 af 4 stuer/grupper")


def test_status_kan_ikke_vurderes(statuses):
    small = goal_row(statuses["I24"], "Solsikkerne")
    assert small.status == "kan ikke vurderes"
    assert small.reason == "færre end 5 børn i T3 – tallet vises ikke"
    future = goal_row(statuses["I20"], "sociale udvikling")
    assert future.status == "kan ikke vurderes" and future.target_round == "T4"
    assert "ingen data for T4 endnu" in future.reason
    wide = goal_row(statuses["I08"], "Forskellen i sprog")
    assert wide.status == "kan ikke vurderes"
    assert "for usikkert" in wide.reason
    hidden = goal_row(statuses["I08"], "data og evaluering")
    assert hidden.status == "kan ikke vurderes"
    assert "ikke kan regnes ud" in hidden.reason  # complementary suppression respected


def test_point_estimate_above_target_is_not_naaet(statuses):
    r = goal_row(statuses["I20"], "trives bedre")
    assert r.latest_value > r.target > r.ci_low  # 3,51 > 3,5, interval 3,2–3,8
    assert r.status != "nået"
    assert r.status == "kan ikke vurderes"
    assert "rummer målet 3,5" in r.reason


def test_suppressed_goal_shows_no_number(statuses):
    r = goal_row(statuses["I24"], "Solsikkerne")
    assert bool(r.suppressed)
    assert all(math.isnan(r[c]) for c in ["latest_value", "ci_low", "ci_high"])
    table = status_table(statuses["I24"])
    row = table.iloc[1]
    assert row["Seneste"] == "vises ikke (T3)" and row["Interval"] == "–"
    text = format_status(statuses["I24"])
    assert "vises ikke" in text and "kan ikke vurderes" in text


def test_status_columns_and_types(statuses):
    s = statuses["I03"]
    assert list(s.columns) == [
        "institution_id", "focus", "goal", "indicator", "kind", "measure_id",
        "department_id", "baseline_round", "baseline_value", "latest_round", "n",
        "latest_value", "ci_low", "ci_high", "target", "target_round", "higher_is_better",
        "suppressed", "status", "reason"]
    assert list(s["status"].cat.categories) == list(STATUSES)
    assert str(s["n"].dtype) == "Int64"
    assert s.loc[0, "indicator"] == "Medarbejdere – Tillid"


# ----------------------------------------------------------------------- status rules


def _variant(tmp_path: Path, source: str, old: str, new: str, name: str = "v.yaml") -> Path:
    text = (PLANS / source).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_target_just_inside_the_interval_edges(ds, tmp_path):
    # I20 "trives bedre": interval 3,22–3,80 in T3, baseline 3,20 in T2
    below = _variant(tmp_path, "I20.yaml", "target: 3.5\n", "target: 3.21\n", "a.yaml")
    above = _variant(tmp_path, "I20.yaml", "target: 3.5\n", "target: 3.81\n", "b.yaml")
    assert plan_status(below, ds)["status"].iloc[0] == "nået"
    assert plan_status(above, ds)["status"].iloc[0] == "ikke nået"


def test_before_the_target_round(ds, tmp_path):
    # the target round T4 is not measured: significant progress -> på vej, reached -> nået
    p = _variant(tmp_path, "I08.yaml", "target: 10 %\n        target_round: T3",
                 "target: 3 %\n        target_round: T4")
    r = plan_status(p, ds).iloc[0]
    assert r.status == "på vej" and r.latest_round == "T3"
    assert "ingen data for T4 endnu" in r.reason
    p = _variant(tmp_path, "I03.yaml", "target: 3.5\n        target_round: T3",
                 "target: 3.5\n        target_round: T4", "b.yaml")
    r = plan_status(p, ds).iloc[0]
    assert r.status == "nået" and "allerede i T3" in r.reason


def test_no_round_after_the_baseline(ds, tmp_path):
    p = _variant(tmp_path, "I03.yaml", "baseline: T1\n        target: 3.5\n        target_round: T3",
                 "baseline: T3\n        target: 4.5\n        target_round: T4")
    r = plan_status(p, ds).iloc[0]
    assert r.status == "kan ikke vurderes"
    assert r.reason.startswith("ingen data for T4 endnu")


def test_change_interval_for_shares_matches_statsmodels():
    from statsmodels.stats.proportion import confint_proportions_2indep

    from llkit.stats.numeric import wilson_interval

    for k1, n1, k2, n2 in [(10, 37, 2, 33), (0, 20, 3, 25), (5, 40, 5, 40)]:
        l1, u1 = wilson_interval(k1, n1)
        l2, u2 = wilson_interval(k2, n2)
        d, lo, hi = _newcombe(k1 / n1, l1, u1, k2 / n2, l2, u2)
        ref = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff")
        assert d == pytest.approx(k2 / n2 - k1 / n1)
        assert (lo, hi) == pytest.approx((float(ref[0]), float(ref[1])), abs=1e-9)


# ----------------------------------------------------------------------- validation

BASE = """\
institution: I08
title: Testplan
created: 2015-06-18
focus_areas:
  - focus: Sprog
    goals:
      - goal: Færre børn med lav sprogscore
        indicator:
          kind: share_low
          measure: sprog
        baseline: T1
        target: 0.10
        target_round: T3
        signs:
          - Børnene fortæller om deres weekend
        actions:
          - what: Dialogisk læsning
            who: Pædagogerne
            deadline: 2015-09-01
"""
G = "focus_areas[1].goals[1]"


def problems_of(ds, tmp_path: Path, text: str) -> pd.DataFrame:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return validate_plan(path, ds)


def find(problems: pd.DataFrame, field: str, words: str, severity: str = "error") -> pd.Series:
    rows = problems[(problems["column"] == field) & problems["problem"].str.contains(words)
                    & (problems["severity"] == severity)]
    assert len(rows) == 1, f"no {severity} {words!r} on {field}:\n{format_problems(problems)}"
    return rows.iloc[0]


def test_base_plan_is_valid(ds, tmp_path):
    assert problems_of(ds, tmp_path, BASE).empty


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "words"),
    [
        ("institution: I08", "institution: I99", 1, "institution", "unknown institution"),
        ("measure: sprog", "measure: sprg", 10, f"{G}.indicator.measure", "unknown measure"),
        ("baseline: T1", "baseline: T0", 11, f"{G}.baseline", "unknown round 'T0'"),
        ("target_round: T3", "target_round: X4", 13, f"{G}.target_round", "unknown round 'X4'"),
        ("kind: share_low", "kind: andel", 9, f"{G}.indicator.kind", "unknown indicator kind"),
        ("deadline: 2015-09-01", "deadline: 2015-09-31", 19, f"{G}.actions[1].deadline",
         "not a valid date"),
        ("created: 2015-06-18", "created: 18/18/2015", 3, "created", "not a valid date"),
        ("target: 0.10", "target: 0.40", 12, f"{G}.target", "wrong side of the baseline"),
        ("target: 0.10", "target: 10", 12, f"{G}.target", "outside the scale"),
    ],
)
def test_validation_rule(ds, tmp_path, old, new, line, field, words):
    assert old in BASE
    problems = problems_of(ds, tmp_path, BASE.replace(old, new, 1))
    row = find(problems, field, words)
    assert row["line"] == line
    assert row["file"] == "plan.yaml"
    assert row["action"]  # every problem says what to do


def test_target_round_before_baseline(ds, tmp_path):
    text = BASE.replace("baseline: T1", "baseline: T2").replace("target_round: T3",
                                                                 "target_round: T1")
    row = find(problems_of(ds, tmp_path, text), f"{G}.target_round", "before the baseline T2")
    assert row["line"] == 13


def test_target_outside_a_measures_scale(ds, tmp_path):
    text = BASE.replace("kind: share_low", "kind: mean").replace("target: 0.10", "target: 7")
    row = find(problems_of(ds, tmp_path, text), f"{G}.target", "outside the scale")
    assert row["line"] == 12 and "1 to 5" in row["problem"]


def test_share_written_as_percent(ds, tmp_path):
    assert problems_of(ds, tmp_path, BASE.replace("target: 0.10", "target: 10 %")).empty
    row = find(problems_of(ds, tmp_path, BASE.replace("target: 0.10", "target: 10")),
               f"{G}.target", "outside the scale")
    assert "'10 %'" in row["action"]


def test_missing_fields(ds, tmp_path):
    text = BASE.replace("            who: Pædagogerne\n", "").replace("title: Testplan\n", "")
    problems = problems_of(ds, tmp_path, text)
    assert find(problems, f"{G}.actions[1].who", "missing field 'who'")["line"] == 16
    assert find(problems, "title", "missing field 'title'")["line"] == 1
    text = BASE.replace("        signs:\n          - Børnene fortæller om deres weekend\n", "")
    assert find(problems_of(ds, tmp_path, text), f"{G}.signs", "missing field 'signs'")["line"] == 7


def test_missing_measure_for_kind(ds, tmp_path):
    text = BASE.replace("          measure: sprog\n", "")
    row = find(problems_of(ds, tmp_path, text), f"{G}.indicator.measure", "missing field 'measure'")
    assert row["line"] == 8


def test_measure_must_fit_the_kind(ds, tmp_path):
    text = BASE.replace("kind: share_low", "kind: staff").replace("target: 0.10", "target: 4")
    row = find(problems_of(ds, tmp_path, text), f"{G}.indicator.kind", "staff survey measure")
    assert "tillid" in row["action"]


def test_department_of_another_institution(ds, tmp_path):
    text = BASE.replace("          measure: sprog\n",
                        "          measure: sprog\n          department: I03-1\n")
    row = find(problems_of(ds, tmp_path, text), f"{G}.indicator.department", "does not belong")
    assert row["line"] == 11 and "I08-1" in row["action"]


def test_yaml_syntax_error_has_a_line(ds, tmp_path):
    text = BASE.replace("title: Testplan", "title: Testplan\n  created: x")
    problems = problems_of(ds, tmp_path, text)
    assert len(problems) == 1
    assert problems.loc[0, "problem"].startswith("not valid YAML")
    assert problems.loc[0, "line"] == 3


def test_duplicate_and_unknown_fields(ds, tmp_path):
    text = BASE.replace("        target: 0.10\n", "        target: 0.10\n        target: 0.05\n")
    row = find(problems_of(ds, tmp_path, text), f"{G}.target", "given twice")
    assert row["line"] == 13
    text = BASE.replace("        baseline: T1\n", "        baseline: T1\n        golas: x\n")
    row = find(problems_of(ds, tmp_path, text), f"{G}.golas", "unknown field", "warning")
    assert "did you mean 'goal'" in row["action"]


def test_empty_and_non_mapping_files(ds, tmp_path):
    assert "empty" in problems_of(ds, tmp_path, "")["problem"].iloc[0]
    assert "set of fields" in problems_of(ds, tmp_path, "- a\n- b\n")["problem"].iloc[0]


def test_load_plan_raises_with_the_problem_table(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("deadline: 2015-09-01", "deadline: 2015-09-31"), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(path)
    assert err.value.problems.loc[0, "line"] == 19
    with pytest.raises(FileNotFoundError, match="plan file not found"):
        load_plan(tmp_path / "nowhere.yaml")
    path.write_text(BASE.replace("I08", "I99"), encoding="utf-8")
    assert load_plan(path).institution == "I99"  # the data is checked by validate_plan


def test_plan_status_refuses_an_invalid_plan(ds, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("measure: sprog", "measure: sprg"), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        plan_status(path, ds)
    assert "unknown measure" in err.value.problems["problem"].iloc[0]


def test_future_round_continuing_the_series_is_accepted(ds, tmp_path):
    assert problems_of(ds, tmp_path, BASE.replace("target_round: T3", "target_round: T4")).empty


# ----------------------------------------------------------------------- files


def test_write_plan_round_trip(tmp_path):
    plan = load_plan(PLANS / "I08.yaml")
    out = write_plan(plan, tmp_path / "sub" / "I08.yaml")
    again = load_plan(out)
    assert again == plan
    assert isinstance(again.focus_areas[0].goals[0].actions[0].deadline, date)
    assert sorted(p.name for p in out.parent.iterdir()) == ["I08.yaml"]  # no temp files
    assert "Sprog for alle børn" in out.read_text(encoding="utf-8")


def test_plans_for_finds_one_plan_per_institution(ds):
    plans = plans_for(ds)
    assert sorted(plans) == ["I03", "I08", "I20", "I24"]
    assert all(isinstance(p, Plan) for p in plans.values())


def test_plans_for_reports_broken_and_duplicate_plans(ds, tmp_path, monkeypatch):
    folder = tmp_path / "plans"
    folder.mkdir()
    shutil.copy(PLANS / "I03.yaml", folder / "I03.yaml")
    shutil.copy(PLANS / "I03.yaml", folder / "I03-kopi.yaml")
    (folder / "I08.yaml").write_text(BASE.replace("2015-09-01", "2015-09-31"), encoding="utf-8")
    monkeypatch.setattr(ds, "source", tmp_path)
    with pytest.raises(PlanError) as err:
        plans_for(ds)
    problems = err.value.problems
    assert set(problems["problem"].str.extract(r"(second plan|not a valid date)")[0]) == {
        "second plan", "not a valid date"}
    over = plans_overview(ds).set_index("institution_id")
    assert "fejl" in over.loc["I08", "note"]
    assert pd.isna(over.loc["I08", "nået"])
    assert over.loc["I03", "nået"] == 2


def test_plans_overview(ds):
    over = plans_overview(ds)
    assert len(over) == ds.org["institution_id"].nunique()
    assert list(over.columns) == ["institution_id", "institution_name", "plan", "title",
                                  "goals", *STATUSES, "note"]
    row = over.set_index("institution_id").loc["I24"]
    assert (row["goals"], row["nået"], row["ikke nået"], row["kan ikke vurderes"]) == (3, 0, 2, 1)
    assert (over["note"] == "ingen handleplan").sum() == len(over) - 4
    assert int(over[list(STATUSES)].sum().sum()) == 15


# ----------------------------------------------------------------------- proposals


def test_focus_candidates_point_to_the_data(ds):
    cand = focus_candidates(ds, "I08", round="T1")
    assert {"share_low", "gap", "staff", "coverage"} <= set(cand["kind"])
    top = cand[cand["kind"] == "share_low"].iloc[0]
    assert top["measure_id"] == "sprog" and top["value"] > top["municipality"]
    assert "27" in top["why"] and "%" in top["why"]
    with pytest.raises(KeyError, match="unknown institution"):
        focus_candidates(ds, "I99")


def test_new_plan_is_a_draft_to_complete(ds, tmp_path):
    draft = new_plan(ds, "I08", round="T1", target_round="T3", created=date(2015, 6, 1))
    assert draft.institution == "I08" and draft.focus_areas
    assert all(fa.description for fa in draft.focus_areas)  # the baseline, in Danish
    problems = validate_plan(draft, ds)
    errors = problems[problems["severity"] == "error"]
    assert len(errors) and errors["column"].str.contains(r"\.(?:signs|actions)$").all()
    for _, g in draft.goals:
        g.signs = ["Et tegn"]
        g.actions = [Action(what="Noget", who="Nogen", deadline=date(2015, 9, 1))]
    assert validate_plan(draft, ds).empty
    status = plan_status(draft, ds)
    assert len(status) == len(draft.goals)
    out = write_plan(draft, tmp_path / "I08.yaml")
    assert load_plan(out) == draft
    latest = new_plan(ds, "I08")  # after the last round: targets the next one
    assert {g.target_round for _, g in latest.goals} == {"T4"}


# ----------------------------------------------------------------------- CLI


def cli(argv: list[str]) -> int:
    """Like llkit.cli.main: a fresh parser with the plan commands; errors as exit 2."""
    parser = argparse.ArgumentParser(prog="llkit")
    sub = parser.add_subparsers(dest="command", required=True)
    add_plan_commands(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (PlanError, DataError) as exc:
        print(format_problems(exc.problems))
        return 2


def test_cli_validate_ok(capsys):
    assert cli(["plan", "validate", str(PLANS / "I03.yaml"), str(DATA)]) == 0
    assert "valid" in capsys.readouterr().out


def test_cli_validate_bad_plan_exits_2_with_a_table(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("baseline: T1", "baseline: T0"), encoding="utf-8")
    assert cli(["plan", "validate", str(path), str(DATA)]) == 2
    out = capsys.readouterr()
    assert "unknown round 'T0'" in out.out and "11" in out.out and "NOT valid" in out.out
    assert "Traceback" not in out.out + out.err


def test_cli_status_prints_a_danish_table(capsys):
    assert cli(["plan", "status", str(PLANS / "I24.yaml"), str(DATA)]) == 0
    out = capsys.readouterr().out
    assert "Naturbørnehaven Bøgely" in out and "Status" in out and "Begrundelser" in out
    assert "ikke nået" in out and "færre end 5 børn" in out
    assert "3,7 i T3" in out


def test_cli_status_of_bad_plan_raises_plan_error(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("created: 2015-06-18", "created: never"), encoding="utf-8")
    assert cli(["plan", "status", str(path), str(DATA)]) == 2
    out = capsys.readouterr()
    assert "not a valid date" in out.out and "Traceback" not in out.out + out.err


def test_cli_requires_a_subcommand():
    with pytest.raises(SystemExit) as err:
        cli(["plan"])
    assert err.value.code == 2


def test_report_sections_show_the_plan_follow_up():
    import llkit
    from llkit.documents import institution_report, overview

    ds = llkit.load("data/sample/dagtilbud")
    inst = str(institution_report.plan_section(ds, "I20"))
    assert "Handleplan" in inst and "kan ikke vurderes" in inst and "nået" in inst
    assert "ingen handleplan" in str(institution_report.plan_section(ds, "I01"))
    ov = str(overview.overview_plans_section(ds))
    assert "Børnehuset Æblehaven" in ov and "21 af 25" in ov
    skole = llkit.load("data/sample/skole")
    assert "Ingen" in str(overview.overview_plans_section(skole))


# ----------------------------------------------------------------------- Danish problem texts

#: Parameter values that the Danish spellings can be made from (dates, known words).
_SAMPLE = {"deadline": "2015-01-02", "created": "2015-03-04", "relation": "before",
           "better": "higher", "why": "no data", "kind": "a list", "target": "0.25",
           "baseline": "0.5", "lo": "1", "hi": "5", "what": "a goal", "key": "signs"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("msg", sorted(_MESSAGES))
def test_every_message_has_english_and_danish(msg):
    m = _MESSAGES[msg]
    assert len(m.en) == 2 and len(m.da) == 2 and all(m.en) and all(m.da)
    params = {name: _SAMPLE.get(name, f"<{name}>") for name in _fields(m.en[0]) | _fields(m.en[1])}
    en_problem, en_action = _message(msg, "en", **params)
    assert en_problem and en_action
    # the Danish texts need only the parameters of the English problem (so an English
    # problem table can be put into Danish), and they are Danish sentences
    only_problem = {k: v for k, v in params.items() if k in _fields(m.en[0])}
    da_problem, da_action = _message(msg, "da", **only_problem)
    for text in (da_problem, da_action):
        assert text.endswith((".", "?")), text
        assert not re.search(r"\b(the|is|must|field|give|write|use)\b", text), text
    # the English problem is recognised again, as this message or one with the same Danish
    found = _identify(en_problem)
    assert found is not None, en_problem
    assert _message(found[0], "da", **found[1]) == (da_problem, da_action)


def test_messages_with_the_same_english_problem_have_the_same_danish():
    by_problem: dict[str, set] = {}
    for m in _MESSAGES.values():
        by_problem.setdefault(m.en[0], set()).add(m.da)
    assert all(len(da) == 1 for da in by_problem.values())


#: Broken plans and the Danish texts the planner's translation of the English messages
#: gave before the messages were kept in both languages: (where, problem, action).
GOAL = "Fokusområde 1 › mål 1 »Færre børn med lav sprogscore«"
DANISH = [
    ([("target: 0.10", "target: 0.40")],
     [("error", f"{GOAL} › målværdi",
       "Målværdien 40\xa0% er højere end udgangspunktet 27\xa0% i T1, men for denne indikator "
       "er lavere bedre.",
       "Sæt en målværdi under 27\xa0%, eller tjek at I har valgt den rigtige indikator.")]),
    ([("kind: share_low", "kind: mean"), ("target: 0.10", "target: 1.2")],
     [("error", f"{GOAL} › målværdi",
       "Målværdien 1,2 er lavere end udgangspunktet 3,369 i T1, men for denne indikator er "
       "højere bedre.",
       "Sæt en målværdi over 3,369, eller tjek at I har valgt den rigtige indikator.")]),
    ([("          measure: sprog\n", "          measure: sprog\n          department: I03-1\n")],
     [("error", f"{GOAL} › stue/gruppe", "Stuen/gruppen »I03-1« hører ikke til dette hus.",
       "Vælg en af husets egne stuer/grupper.")]),
    ([("institution: I08", "institution: I03"),
      ("          measure: sprog\n", "          measure: sprog\n          department: I03-2\n")],
     [("warning", f"{GOAL} › udgangspunkt",
       "Indikatoren har ingen værdi i udgangspunktet T1 (for få personer), så fremgangen kan "
       "ikke måles derfra.",
       "Vælg en anden måling som udgangspunkt, eller følg hele huset i stedet for én stue "
       "eller gruppe.")]),
    ([("baseline: T1", "baseline: T2"), ("target_round: T3", "target_round: T1")],
     [("error", f"{GOAL} › målet nås i", "Målet skal nås i T1, men det er før udgangspunktet T2.",
       "Vælg en senere måling end udgangspunktet.")]),
    ([("kind: share_low", "kind: gap"), ("target: 0.10", "target: 10")],
     [("error", f"{GOAL} › målværdi", "Målværdien 10 ligger uden for målingens skala (-4 til 4).",
       "Sæt en målværdi på målingens skala.")]),
    ([("kind: share_low", "kind: staff"), ("target: 0.10", "target: 4")],
     [("error", f"{GOAL} › indikator", "Indikatoren passer ikke til målingen.",
       "Vælg en anden kombination af indikator og måling.")]),
    ([("kind: share_low", "kind: mean"), ("measure: sprog", "measure: tillid"),
      ("target: 0.10", "target: 4.5")],
     [("warning", f"{GOAL} › indikator", "Målingen er en medarbejdermåling.",
       "Vælg »Medarbejdernes svar (kultur)« som indikator.")]),
    ([("deadline: 2015-09-01", "deadline: 2014-01-01")],
     [("warning", f"{GOAL} › handling 1 › frist",
       "Fristen 01.01.2014 ligger før planens dato 18.06.2015.", "Tjek årstallet for fristen.")]),
    ([("institution: I08", "institution: I99")],
     [("error", "Dagtilbud", "Data kender ikke dagtilbuddet/skolen »I99«.",
       "Vælg en af dem, der findes i data.")]),
    ([("target_round: T3", "target_round: X4")],
     [("error", f"{GOAL} › målet nås i", "Data kender ikke målingen »X4«.",
       "Vælg en af dem, der findes i data.")]),
    ([("        baseline: T1\n", "        baseline: T1\n        golas: x\n")],
     [("warning", f"{GOAL} › golas", "Feltet »golas« kendes ikke og springes over.",
       "Tjek stavningen; felterne er beskrevet i docs/plans.md.")]),
]


@pytest.mark.parametrize(("changes", "expected"), DANISH, ids=lambda x: "")
def test_danish_validation_gives_the_danish_texts(ds, tmp_path, changes, expected):
    text = BASE
    for old, new in changes:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    da = validate_plan(path, ds, lang="da")
    got = list(da[["severity", "column", "problem", "action"]].itertuples(index=False, name=None))
    assert got == expected
    # the same rows as in English, and the English table put into Danish agrees
    en = validate_plan(path, ds)
    pd.testing.assert_frame_equal(da[["severity", "file", "line", "value"]],
                                  en[["severity", "file", "line", "value"]])
    from llkit.apps import planner

    wrapped = planner.problems_da(en, load_plan(path))
    assert list(wrapped[["severity", "column", "problem", "action"]].itertuples(
        index=False, name=None)) == expected


def test_danish_validation_of_a_plan_object(ds):
    plan = copy.deepcopy(load_plan(PLANS / "I03.yaml"))
    plan.focus_areas[0].goals[0].target_round = "T1"
    plan.focus_areas[1].goals[0].indicator = Indicator("mean", "sprogg")
    plan.focus_areas[1].goals[1].actions[0].deadline = date(2014, 1, 1)
    plan.focus_areas[0].goals[1].target = 9.0
    da = validate_plan(plan, ds, lang="da")
    assert list(da[["severity", "column", "problem", "action"]].itertuples(index=False, name=None)) == [
        ("error", "Fokusområde 1 › mål 1 »Medarbejderne oplever mere tillid til h…« › målet nås i",
         "Målet skal nås i T1, men det er den samme som udgangspunktet T1.",
         "Vælg en senere måling end udgangspunktet."),
        ("error", "Fokusområde 1 › mål 2 »En evalueringskultur, hvor vi bruger da…« › målværdi",
         "Målværdien 9 ligger uden for målingens skala (1 til 5).",
         "Sæt en målværdi på målingens skala."),
        ("error", "Fokusområde 2 › mål 1 »Børnenes sprog styrkes i hverdagens sam…« › måling",
         "Data kender ikke målingen »sprogg«.", "Vælg en af dem, der findes i data."),
        ("warning", "Fokusområde 2 › mål 2 »Børnenes sociale udvikling afhænger min…« › handling "
         "1 › frist", "Fristen 01.01.2014 ligger før planens dato 11.06.2015.",
         "Tjek årstallet for fristen."),
    ]
    assert list(validate_plan(plan, ds)["line"]) == list(da["line"])


def test_load_plan_in_danish(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(BASE.replace("deadline: 2015-09-01", "deadline: 2015-09-31"), encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(path, lang="da")
    row = err.value.problems.iloc[0]
    assert row["problem"] == "»2015-09-31« er ikke en gyldig dato."
    assert row["action"] == "Skriv datoen som 01.09.2025."
    assert row["column"] == f"{GOAL} › handling 1 › frist" and row["line"] == 19
    path.write_text("- a\n", encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(path, lang="da")
    assert err.value.problems.loc[0, "problem"] == (
        "Planen skal skrives som felter (navn: værdi), ikke som en liste.")
    assert err.value.problems.loc[0, "column"] == "Planen"


def test_unknown_language_is_refused(ds):
    with pytest.raises(ValueError, match="lang must be one of 'en', 'da', not 'de'"):
        validate_plan(PLANS / "I03.yaml", ds, lang="de")


def test_goals_of_a_plan_are_one_family():
    """Goals that each just pass their own 95 % interval: Holm over the plan keeps the strong."""
    from llkit.documents.plans import _family_of_goals

    rows = [{"status": "på vej", "reason": "en forbedring på mere end usikkerheden"},
            {"status": "nået", "reason": "intervallet ligger over målet"},
            {"status": "ikke nået", "reason": "intervallet ligger under målet"},
            {"status": "kan ikke vurderes", "reason": "ingen data"},
            {"status": "nået", "reason": "3 af 3 teams"}]
    # Holm over 3 claims: 0.001 <= 0.05/3 is kept; 0.04 > 0.05/2 stops the rest
    _family_of_goals(rows, [0.04, 0.001, 0.045, float("nan"), float("nan")])
    assert [r["status"] for r in rows] == ["kan ikke vurderes", "nået", "kan ikke vurderes",
                                           "kan ikke vurderes", "nået"]
    assert "planen har 3 mål" in rows[0]["reason"] and "forbedringen ikke sikker" in rows[0]["reason"]
    assert "ikke sikkert, at målet er ikke nået" in rows[2]["reason"]
    single = [{"status": "på vej", "reason": "x"}, {"status": "nået", "reason": "3 af 3"}]
    _family_of_goals(single, [0.04, float("nan")])  # one claim: its own interval decides
    assert single[0]["status"] == "på vej"
