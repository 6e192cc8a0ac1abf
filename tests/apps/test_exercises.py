"""The exercise checks (pure functions) and the exercise widgets driven through
``submit`` — the same path as clicking "Tjek svar"."""

from __future__ import annotations

import base64
import json
import re

import pytest

from llkit.apps import exercises as ex

# ----------------------------------------------------------------------------- parse_number


@pytest.mark.parametrize("typed, value", [
    ("3,4", 3.4), ("3.4", 3.4), (" 3,4 ", 3.4), ("-0,5", -0.5), ("\u22120,5", -0.5), ("+2", 2.0),
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("12 %", 12.0), ("12%", 12.0), ("3,4 point", 3.4),
    (",5", 0.5), ("7", 7.0), (7, 7.0), (2.5, 2.5), ("1.234.567", 1234567.0), ("1 234", 1234.0),
])
def test_parse_number_accepts_danish_and_english(typed, value):
    assert ex.parse_number(typed) == pytest.approx(value)


@pytest.mark.parametrize("typed", ["", "   ", None, "abc", "3,4,5", "3 4", "--2", float("nan"), True])
def test_parse_number_rejects(typed):
    assert ex.parse_number(typed) is None


# ----------------------------------------------------------------------------- check_number


def test_check_number_correct_with_danish_comma():
    fb = ex.check_number("3,4", 3.4, 0.05)
    assert fb.correct and fb.valid and fb.message == "Rigtigt: 3,4."


def test_check_number_shows_unit_and_decimals():
    fb = ex.check_number("12", 12.3, 1, decimals=0, unit="%")
    assert fb.correct and fb.message == "Rigtigt: 12 %."


@pytest.mark.parametrize("typed, ok", [
    ("3,35", True), ("3,45", True),          # exactly on the tolerance edges (inclusive)
    ("3,3499", False), ("3,4501", False),    # just outside
])
def test_check_number_tolerance_edges(typed, ok):
    assert ex.check_number(typed, 3.4, 0.05).correct is ok


def test_check_number_float_edge_is_inclusive():
    # 3.5 - 3.4 is 0.10000000000000009 in binary floating point
    assert ex.check_number("3,5", 3.4, 0.1).correct
    assert ex.check_number(3.3, 3.4, 0.1).correct


def test_check_number_zero_tolerance_for_counts():
    assert ex.check_number("25", 25, 0, decimals=0).correct
    assert not ex.check_number("26", 25, 0, decimals=0).correct


def test_check_number_typical_mistakes_get_specific_feedback():
    wrong = [(3.9, 0.05, "Det er kommunens gennemsnit."), (0.2, 0.01, "Skriv i procent.")]
    fb = ex.check_number("3,9", 3.4, 0.05, wrong=wrong)
    assert not fb.correct and fb.valid and fb.message == "Det er kommunens gennemsnit."
    assert ex.check_number("0,2", 3.4, 0.05, wrong=wrong).message == "Skriv i procent."
    # the correct answer wins when a typical mistake overlaps it
    assert ex.check_number("3,4", 3.4, 0.05, wrong=[(3.42, 0.05, "x")]).correct


def test_check_number_generic_direction():
    high = ex.check_number("5", 3.4, 0.05)
    low = ex.check_number("1,25", 3.4, 0.05)
    assert "for højt" in high.message and "(5)" in high.message
    assert "for lavt" in low.message and "1,25" in low.message


@pytest.mark.parametrize("typed", ["", "  ", None])
def test_check_number_empty_input_is_not_an_attempt(typed):
    fb = ex.check_number(typed, 3.4, 0.05)
    assert not fb.correct and not fb.valid and "Skriv et tal" in fb.message


def test_check_number_unreadable_input():
    fb = ex.check_number("tre", 3, 0)
    assert not fb.valid and "»tre« kan ikke læses som et tal" in fb.message


# ----------------------------------------------------------------------------- choice / unit


def test_check_choice():
    fb = {"b": "Nej – b er gennemsnittet.", "a": "Ja, fordi ..."}
    assert ex.check_choice("a", "a", fb) == ex.Feedback(True, "Ja, fordi ...")
    assert ex.check_choice("b", "a", fb) == ex.Feedback(False, "Nej – b er gennemsnittet.")
    generic = ex.check_choice("c", "a", fb)
    assert not generic.correct and "Ikke rigtigt" in generic.message
    assert ex.check_choice("a", "a").message == "Rigtigt!"
    assert not ex.check_choice(None, "a").valid and not ex.check_choice("", "a").valid


def test_check_unit_accepts_ties_and_feedback():
    assert ex.check_unit("I01-2", {"I01-2", "I01-3"}).correct
    assert ex.check_unit("I01-3", ["I01-2", "I01-3"]).correct
    fb = ex.check_unit("I01-1", "I01-2", {"I01-1": "Uglerne har det laveste gennemsnit, men ..."})
    assert not fb.correct and fb.message.startswith("Uglerne")
    assert not ex.check_unit(None, "I01-2").valid


def test_feedback_is_frozen_and_renders():
    fb = ex.Feedback(True, "Rigtigt <3")
    with pytest.raises(AttributeError):
        fb.correct = False  # type: ignore[misc]
    assert "Rigtigt &lt;3" in fb._repr_html_() and "llkit-fb-ok" in fb._repr_html_()


# ----------------------------------------------------------------------------- widgets


def _mc():
    return ex.MultipleChoice("q", "Hvilken?", {"a": "A", "b": "B", "c": "C"}, "a", hint="Tænk efter",
                             solution="A er rigtigt, fordi ...", feedback={"b": "B er kommunen."})


def test_submit_updates_state_and_widgets_like_a_click():
    q = _mc()
    box = q.widget()
    assert q._w["sol"].value == "" and q._w["hint_html"].value == ""
    fb = q.submit("b")
    assert not fb.correct and fb.message == "B er kommunen." and q.attempts == 1 and not q.solved
    assert "B er kommunen." in q._w["fb"].value
    # clicking the button goes through the same submit path
    q._w["input"].value = "a"
    q._w["check"].click()
    assert q.solved and q.attempts == 2 and "llkit-fb-ok" in q._w["fb"].value
    assert "A er rigtigt" in q._w["sol"].value  # the worked answer is shown once solved
    assert box is q.widget()


def test_solution_after_three_wrong_attempts_and_empty_not_counted():
    q = _mc()
    q.widget()
    assert not q.submit(None).valid and q.attempts == 0
    q.submit("b")
    q.submit("c")
    assert not q.solution_shown and q._w["sol"].value == ""
    fb = q.submit("b")
    assert q.wrong == 3 and q.solution_shown and "Se løsningen" in fb.message
    assert "A er rigtigt" in q._w["sol"].value and not q.solved


def test_hint_button():
    q = _mc()
    q.widget()
    q._w["hint"].click()
    assert q.hint_shown and "Tænk efter" in q._w["hint_html"].value


def test_numeric_widget_reads_text_with_unit():
    q = ex.Numeric("n", "Hvor mange procent?", 12.3, 1, hint="h", solution="s", unit="%", decimals=0)
    q.widget()
    q._w["input"].children[0].value = "12,5"
    q._w["check"].click()
    assert q.solved and q.answer == "12,5"


def test_pick_unit_and_interpret_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    u = ex.PickUnit("u", "Hvilken stue?", {"I01-1": "Uglerne", "I01-2": "Bjørnene"}, {"I01-2"}, hint="", solution="",
                    feedback={"I01-1": "Uglerne har det laveste gennemsnit."})
    assert u.submit("I01-1").message == "Uglerne har det laveste gennemsnit."
    assert u.submit("I01-2").correct and u.answer_text() == "Bjørnene"
    fig, ax = plt.subplots()
    ax.plot([1, 2], [1, 2])
    p = ex.InterpretPlot("p", "Hvad viser figuren?", fig, ["Stigning", "Fald"], "Stigning", hint="", solution="")
    assert "data:image/svg+xml;base64," in p.static_html()
    assert p.submit("Stigning").correct
    with pytest.raises(ValueError):
        ex.MultipleChoice("x", "?", ["a"], "b")


def test_reflection_is_saved_not_graded():
    r = ex.Reflection("r", "Hvad overrasker jer?")
    assert not r.submit("  ").valid
    assert r.submit("Forskellen mellem stuerne.").correct and r.text == "Forskellen mellem stuerne."
    assert not r.graded and not r.solution_shown


def test_static_html_has_no_network_and_escapes():
    q = ex.MultipleChoice("q", "Er 2 < 3?", ["ja", "nej"], "ja", hint="", solution="")
    page = q.static_html()
    assert "Er 2 &lt; 3?" in page and "<script" not in page and "http" not in page


def test_display_bundle_has_widget_view_and_html(monkeypatch):
    shown = []
    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    _mc()._ipython_display_()
    bundle = shown[0]
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Hvilken?" in bundle["text/html"]


# ----------------------------------------------------------------------------- session


def _session(tmp_path=None):
    s = ex.Session("02", "I01", title="Kapitel 2", store=tmp_path / "svar.json" if tmp_path else None)
    s.add(ex.Numeric("n", "Gennemsnit?", 3.4, 0.05, hint="h", solution="3,4"))
    s.add(_mc())
    s.add(ex.Reflection("r", "Hvad nu?"))
    return s


def test_session_progress_and_numbering():
    s = _session()
    assert s.progress_text() == "0 af 2 opgaver løst · 0 af 1 refleksioner skrevet"
    assert [e.number for e in s] == [1, 2, None]
    pw = s.progress_widget()
    s.exercises[0].submit("3,4")
    assert s.progress_text().startswith("1 af 2 opgaver løst")
    assert s._progress[0].value == 1 and "1 af 2 opgaver løst" in s._progress[1].value
    s.exercises[2].submit("Vi vil se på sproget.")
    assert s.progress_text().endswith("1 af 1 refleksioner skrevet")
    assert pw is not None
    with pytest.raises(ValueError):
        s.add(ex.Reflection("r", "igen"))


def test_session_markdown_html_and_export_links():
    s = _session()
    s.exercises[0].submit("3,9")
    s.exercises[1].submit("a")
    s.exercises[2].submit("Vi vil se på sproget <nu>.")
    md = s.to_markdown()
    assert md.startswith("# Kapitel 2") and "1 af 2 opgaver løst" in md
    assert "Svar: 3,9 (ikke løst endnu, 1 forsøg)" in md and "Svar: A (løst, 1 forsøg)" in md
    assert "## Refleksioner" in md and "Vi vil se på sproget <nu>." in md
    page = s.to_html()
    assert '<html lang="da">' in page and "&lt;nu&gt;" in page and "http" not in page
    s.export_widget()
    links = s._export.value
    hrefs = re.findall(r'href="data:([^;]+);charset=utf-8;base64,([^"]+)"', links)
    assert [m for m, _ in hrefs] == ["text/markdown", "text/html", "application/json"]
    assert base64.b64decode(hrefs[0][1]).decode("utf-8") == s.to_markdown()
    assert 'download="llkit_kapitel_02_I01.md"' in links
    # the links follow new answers
    s.exercises[0].submit("3,4")
    assert "2 af 2 opgaver løst" in base64.b64decode(re.findall(r'base64,([^"]+)"', s._export.value)[0]).decode()


def test_session_save_and_restore(tmp_path):
    s = _session(tmp_path)
    s.exercises[0].submit("3,4")
    s.exercises[1].submit("b")
    s.exercises[2].submit("Fokus på sprog.")
    saved = json.loads((tmp_path / "svar.json").read_text(encoding="utf-8"))  # written after every answer
    assert saved["chapter"] == "02" and saved["exercises"][0]["solved"] is True
    again = _session(tmp_path)
    assert again.exercises[0].solved and again.exercises[1].attempts == 1 and not again.exercises[1].solved
    assert again.exercises[2].text == "Fokus på sprog."
    third = ex.Session("02", "I01")
    third.add(ex.Numeric("n", "Gennemsnit?", 3.4, 0.05))
    third.load(s.save(tmp_path / "kopi.json"))
    assert third.exercises[0].solved
