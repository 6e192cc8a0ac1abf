"""llkit.apps.report (running notebooks, offline HTML, PDF) and llkit.documents (plain-Danish
findings, questions and report sections)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

import llkit
from llkit.apps import report
from llkit.documents import (
    cluster_dialogue,
    common,
    institution_findings,
    institution_report,
    overview,
)
from llkit.documents import family as families
from llkit.present import html as blocks
from llkit.present import text as tx

ROOT = Path(__file__).resolve().parents[2]
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
SKOLE = ROOT / "data" / "sample" / "skole"
CHROMIUM = Path(report.CHROMIUM)


@pytest.fixture(scope="module")
def ds():
    return common.prepare(DAGTILBUD)


@pytest.fixture(scope="module")
def skole():
    return common.prepare(SKOLE)


@pytest.fixture(scope="module")
def stripped(ds):
    """One round, no goals, no reference, no staff survey or observations."""
    from llkit.data.dataset import Dataset

    one = common.prepare(ds, rounds=["T3"])
    measures = one.measures[~one.measures["source"].isin(["medarbejder", "observatør"])].copy()
    items = one.items[one.items["measure_id"].isin(measures["measure_id"])]
    responses = one.responses[one.responses["item_id"].astype(str).isin(items["item_id"])]
    return Dataset(meta=one.meta, units=one.units, children=one.children, measures=measures,
                   items=items, responses=responses, goals=None, reference=None)


# ----------------------------------------------------------------------------- HTML export


def _hostile_notebook():
    """A notebook with everything nbconvert would turn into a network request."""
    nb = new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    md = new_markdown_cell("# Rapport for Solsikken\n\nSe [siden](https://example.org) og "
                           "![logo](https://example.org/logo.png) samt $x^2$.")
    code = new_code_cell("import llkit\nprint('hej')")
    code.outputs = [
        new_output("stream", name="stdout", text="synligt output\n"),
        new_output("stream", name="stderr", text="DataWarning: noget\n"),
        new_output("display_data", data={
            "text/html": '<script src="https://cdn.example.org/x.js"></script><p style="background:url(https://x.org/a.png)">tabel</p>'
                         '<link rel="stylesheet" href="//cdn.example.org/x.css"><img src="http://example.org/y.png">'
                         "<style>@import url(https://fonts.example.org/f.css); p {color: red}</style>",
            "text/plain": "tabel"}),
        new_output("display_data", data={"application/javascript": "alert(1)", "text/plain": "js"}),
        new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                                         "text/plain": "widget"}),
        new_output("display_data", data={"image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
                                         "text/plain": "fig"}),
    ]
    code.execution_count = 1
    nb.cells = [md, code]
    return nb


def test_to_html_is_offline_danish_and_without_code():
    page = report.to_html(_hostile_notebook())
    assert report.network_references(page) == []
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I)
    assert '<html lang="da">' in page
    assert "<title>Rapport for Solsikken</title>" in page
    assert "import llkit" not in page and "In&nbsp;[" not in page and "Out[" not in page
    assert "synligt output" in page and "DataWarning" not in page
    assert "data:image/png;base64," in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "mathjax" not in page.lower() and "require.js" not in page.lower()
    assert "siden" in page  # the link text stays, the link goes


def test_to_html_title_and_print_css():
    nb = new_notebook(cells=[new_markdown_cell("## Første\n\ntekst\n\n## Anden")])
    page = report.to_html(nb, title="Dagtilbudsrapport: Myretuen")
    assert "<title>Dagtilbudsrapport: Myretuen</title>" in page
    assert "@page { size: A4" in page and "break-before: page" in page and "break-inside: avoid" in page
    assert page.count('class="llkit-keep"') == 1  # the first section stays on page one


def test_network_references_finds_remote_resources():
    assert report.network_references('<script src="x.js"></script>')
    assert report.network_references('<a href="//cdn.org/x">x</a>')
    assert report.network_references("<style>@import url('https://f.org/a.css');</style>")
    assert report.network_references('<img src="data:image/png;base64,AA"><a href="#top">t</a>') == []


def test_export_html_is_atomic(tmp_path):
    out = report.export_html(_hostile_notebook(), tmp_path / "sub" / "r.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["r.html"]  # no temp file left behind
    assert os.stat(out).st_mode & 0o044  # readable like any other file


def test_export_html_reads_a_notebook_file(tmp_path):
    path = tmp_path / "nb.ipynb"
    nbformat.write(_hostile_notebook(), path)
    assert "Rapport for Solsikken" in report.export_html(path, tmp_path / "x.html").read_text(encoding="utf-8")


def test_parameters_become_plain_literals():
    params = report._plain({"institution": np.str_("01"), "path": Path("/a/b"), "rounds": ("T1", "T2"),
                            "n": np.int64(3), "flag": np.bool_(True)})
    assert params == {"institution": "01", "path": "/a/b", "rounds": ["T1", "T2"], "n": 3, "flag": True}
    assert type(params["institution"]) is str


def test_run_notebook_keeps_ids_as_strings(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell('institution = "I01"  # an id', metadata={"tags": ["parameters"]}),
        new_code_cell("print(type(institution).__name__, repr(institution))"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "p.ipynb"
    nbformat.write(nb, path)
    out = report.run_notebook(path, {"institution": "0101"}, tmp_path / "out" / "p.ipynb")
    text = out.cells[-1].outputs[0]["text"]
    assert text.strip() == "str '0101'"
    assert (tmp_path / "out" / "p.ipynb").exists()


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Chromium is not installed")
def test_export_pdf_a4(tmp_path):
    html = report.export_html(_hostile_notebook(), tmp_path / "r.html")
    pdf = report.export_pdf(html, tmp_path / "r.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    assert box and abs(float(box.group(1)) - 595.9) < 2 and abs(float(box.group(2)) - 842.9) < 2


def test_export_pdf_needs_chromium(tmp_path):
    html = report.export_html(_hostile_notebook(), tmp_path / "r.html")
    with pytest.raises(FileNotFoundError, match="Chromium"):
        report.export_pdf(html, tmp_path / "r.pdf", executable=str(tmp_path / "no-chromium"))


# ----------------------------------------------------------------------------- prepare


def test_prepare_restricts_rounds_and_raises_min_n(ds):
    sub = common.prepare(ds, rounds="T2, T3", min_n=7)
    assert sub.meta.rounds == ["T2", "T3"] and sub.meta.min_n == 7
    assert set(sub.responses["round"].astype(str)) == {"T2", "T3"}
    assert list(sub.responses["round"].cat.categories) == ["T2", "T3"]
    assert set(sub.goals["round"].astype(str)) <= {"T2", "T3"}
    assert common.prepare(ds) is ds


def test_prepare_refuses_to_hide_less(ds):
    with pytest.raises(ValueError, match="never less"):
        common.prepare(ds, min_n=3)
    with pytest.raises(KeyError, match="T9"):
        common.prepare(ds, rounds=["T9"])


# ----------------------------------------------------------------------------- findings


def test_key_findings_every_institution(ds):
    info = ds.measures.set_index("measure_id")
    summary = llkit.summarize(ds, by="institution", round="T3")
    for inst in ds.units["institution_id"].unique():
        items = institution_findings.key_findings(ds, inst)
        assert 3 <= len(items) <= 5, (inst, items)
        hidden = summary[(summary["institution_id"] == inst) & summary["suppressed"]]
        for item in items:
            # every stated difference or change comes with its uncertainty
            if "point over" in item or "point under" in item or "steget" in item or "faldet" in item:
                assert "usikkerhed" in item, item
            # never a number of a hidden aggregate
            for m in hidden["measure_id"]:
                assert not item.startswith(f"{info.loc[m, 'label']} ("), (inst, m, item)
                assert f"– {info.loc[m, 'label']} (" not in item, (inst, m, item)


def test_key_findings_only_call_differences_real_by_the_family_rule(ds):
    for inst in ["I01", "I05", "I09", "I14", "I20"]:
        fam = families.report_family(ds, inst)
        info = ds.measures.set_index("measure_id")
        for item in institution_findings.key_findings(ds, inst):
            if item.startswith("Samlet set"):
                # the profile of all child measures: one comparison of its own in the family
                assert fam.loc[fam["kind"] == "profile", "real"].any(), item
                continue
            if "kommunens gennemsnit" in item and "ligger" in item and "Forskellen er større" in item:
                topic = item.replace("Medarbejderkultur – ", "")
                m = max((m for m in info.index if topic.startswith(info.loc[m, "label"])),
                        key=lambda m: len(info.loc[m, "label"]))
                kind = "staff" if item.startswith("Medarbejderkultur") else "position"
                assert families.family_verdict(fam, kind, m)[0], item
        # a finding that says "larger than the uncertainty" is backed by a real comparison
        if any("større end den statistiske usikkerhed" in i for i in institution_findings.key_findings(ds, inst)):
            assert fam["real"].any()


def test_change_sentence_mentions_regression_to_the_mean(ds):
    ch = common.change_table(ds, "institution")
    ch = ch[~ch["suppressed"].astype(bool) & ch["expected_rtm"].notna() & ch["diff"].notna()]
    ch = ch[(ch["expected_rtm"] * ch["diff"] > 0) & (ch["expected_rtm"].abs() >= 0.25 * ch["diff"].abs())
            & (ch["expected_rtm"].abs() >= 0.05)]
    assert len(ch)
    r = ch.iloc[0]
    text = families.change_sentence(ds, str(r["measure_id"]), r, "Dagtilbuddet", real=True)
    assert "regression mod gennemsnittet" in text
    paired = ch[ch["paired"].astype(bool)]
    unpaired = common.change_table(ds, "institution")
    unpaired = unpaired[~unpaired["paired"].astype(bool) & unpaired["diff"].notna()]
    assert "de samme" in families.change_sentence(ds, str(paired.iloc[0]["measure_id"]), paired.iloc[0], "X", real=True)
    assert "ikke de samme" in families.change_sentence(ds, str(unpaired.iloc[0]["measure_id"]), unpaired.iloc[0], "X", real=False)


def test_key_findings_one_round_and_rounds_argument(ds, stripped):
    items = institution_findings.key_findings(stripped, "I01")
    assert any("kun én måling" in i for i in items)
    assert not any("Tegn på læring" in i for i in items)
    assert institution_findings.key_findings(ds, "I01", rounds=["T1", "T2"])[0]
    with pytest.raises(KeyError, match="I99"):
        institution_findings.key_findings(ds, "I99")


def test_questions(ds, skole):
    qs = institution_findings.reflection_questions(ds, "I01")
    assert 5 <= len(qs) <= 7 and all(q.endswith("?") for q in qs)
    dq = cluster_dialogue.dialogue_questions(ds, common.cluster_institutions(ds, "Klynge Nord 1"))
    assert 5 <= len(dq) <= 8 and all(q.endswith("?") for q in dq)
    assert any("elevernes" in q for q in cluster_dialogue.dialogue_questions(skole, ["S01", "S02", "S03"]))


def test_cluster_institutions(ds):
    assert common.cluster_institutions(ds, "Klynge Nord 1") == ["I01", "I02", "I03", "I04"]
    assert common.cluster_institutions(ds, None, "I01, I05") == ["I01", "I05"]
    with pytest.raises(KeyError, match="Klynge Nord 1"):
        common.cluster_institutions(ds, "Klynge X")
    with pytest.raises(ValueError):
        common.cluster_institutions(ds)


def test_display_findings_escapes_and_bolds():
    b = blocks.display_findings(["Sprog: <b>3,4</b> point.", "Uden emne."], title="Det vigtigste", numbered=True)
    assert "<strong>Sprog</strong>" in b.html and "&lt;b&gt;" in b.html and "<ol" in b.html
    assert str(b).startswith("Det vigtigste")


def test_heading_uses_sector_words(ds, skole):
    assert str(common.heading(ds, "departments")) == "Hvordan adskiller stuerne sig?"
    assert str(common.heading(skole, "departments")) == "Hvordan adskiller klasserne sig?"
    with pytest.raises(KeyError):
        common.heading(ds, "nope")


# ----------------------------------------------------------------------------- sections


def test_sections_without_data_say_so_in_one_line(stripped):
    assert "kun én måling" in str(institution_report.change_section(stripped, "I01"))
    assert "ingen målinger af medarbejderkultur" in str(institution_report.culture_section(stripped, "I01"))
    assert "ingen oplysninger om læringsmål" in str(institution_report.coverage_section(stripped, "I01"))
    assert "kun én måling" in str(overview.overview_change_section(stripped))
    assert "ingen oplysninger om læringsmål" in str(overview.overview_coverage_section(stripped))
    assert "kun én måling" in str(cluster_dialogue.cluster_change_section(stripped, ["I01", "I02"]))


def test_department_table_hides_small_groups(ds):
    html = institution_report.department_section(ds, "I02").html
    summary = llkit.summarize(ds, by="department", round="T3")
    child = ds.measures.loc[ds.measures["subject"] == "child", "measure_id"]
    hidden = summary[summary["department_id"].str.startswith("I02-") & summary["suppressed"]
                     & summary["measure_id"].isin(child)]
    assert len(hidden)
    rows = html.split("<tr>")
    for name in hidden["department_name"].unique():
        mine = [r for r in rows if f">{name}</td>" in r]
        assert mine and any("færre end" in r or "vises ikke" in r for r in mine), name


def test_tables_use_danish_numbers(ds):
    text = str(institution_report.status_section(ds, "I01"))
    assert re.search(r"\d,\d", text) and not re.search(r"\d\.\d", text)
    assert tx.MINUS in str(institution_report.change_section(ds, "I01")) or "+" in str(institution_report.change_section(ds, "I01"))


def test_child_section_only_on_request(ds):
    assert institution_report.child_section(ds, "I01").html == ""
    shown = institution_report.child_section(ds, "I01", show=True)
    assert "pseudonym" in str(shown)


def test_a_failing_figure_does_not_stop_the_report(monkeypatch):
    def broken():
        raise ValueError("boom")

    monkeypatch.delenv("LLKIT_STRICT_FIGURES", raising=False)
    with pytest.warns(RuntimeWarning, match="boom"):
        html = blocks.figures_html([(broken, None)])
    assert blocks.FIGURE_FAILED in html
    monkeypatch.setenv("LLKIT_STRICT_FIGURES", "1")
    with pytest.raises(ValueError):
        blocks.figures_html([(broken, None)])


def test_findings_is_cheap_to_import():
    import subprocess
    import sys

    code = "import sys, llkit.documents.institution_report, llkit.documents.overview, llkit.documents.cluster_dialogue, llkit.apps.report; print('matplotlib' in sys.modules, 'papermill' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_overview_findings(ds):
    items = overview.overview_findings(ds)
    assert 3 <= len(items) <= 5
    assert any("ved tilfældighed alene" in i.lower() for i in items)
    assert not any(re.search(r"\b\d+\. plads|rang", i) for i in items)


def test_position_uses_summary_suppression(ds):
    pos = families.institution_position(ds, common.institution_info(ds, "I02"), "T3")
    hidden = pos[pos["suppressed"]]
    assert len(hidden) and hidden[["mean", "diff", "z"]].isna().all().all()
    assert isinstance(pos, pd.DataFrame)


def test_run_notebook_retries_a_failed_kernel_start_once(monkeypatch, tmp_path):
    """A kernel that dies before answering kernel_info (a start race on a busy machine) is
    started again once; a cell error or any other failure is not retried."""
    from llkit.apps import report

    monkeypatch.setattr(report.time, "sleep", lambda s: None)
    calls = []

    def flaky(pm, path, out, params, timeout, cwd):
        calls.append(params)
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "executed"

    monkeypatch.setattr(report, "_execute", flaky)
    assert report.run_notebook(tmp_path / "nb.ipynb", {"institution": "007"}) == "executed"
    assert calls == [{"institution": "007"}] * 2

    def always_dies(*args):
        calls.append("x")
        raise RuntimeError("Kernel died before replying to kernel_info")

    calls.clear()
    monkeypatch.setattr(report, "_execute", always_dies)
    with pytest.raises(RuntimeError, match="kernel_info"):
        report.run_notebook(tmp_path / "nb.ipynb", {})
    assert calls == ["x", "x"]   # one retry, then the error

    def cell_error(*args):
        calls.append("y")
        raise ValueError("a cell failed")

    calls.clear()
    monkeypatch.setattr(report, "_execute", cell_error)
    with pytest.raises(ValueError):
        report.run_notebook(tmp_path / "nb.ipynb", {})
    assert calls == ["y"]
