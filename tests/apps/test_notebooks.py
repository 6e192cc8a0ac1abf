"""The report notebooks, run through papermill on the sample data and exported to HTML.

Every report is executed once (in a pool of two worker processes, each starting its own
kernel) and the HTML checked: no error output, no code, nothing that loads from the
network, Danish language and title, and no suppressed group shown as a number.

Runs: the institution report for every sample dagtilbud institution and three schools
(one with ``child_level=True``), the municipality overview for both sectors, the cluster
dialogue for every cluster of the dagtilbud sample, and the institution report, the
overview and a cluster dialogue on a stripped dataset (one round, no goals, no reference,
no staff survey or observations, one measure without a scale) and a five-round dataset.
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from _nbrun import run_many
from conftest import stripped_dataset

import llkit

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
SKOLE = ROOT / "data" / "sample" / "skole"
REPORT = NOTEBOOKS / "institution_report.ipynb"
OVERVIEW = NOTEBOOKS / "municipality_overview.ipynb"
CLUSTER = NOTEBOOKS / "cluster_dialogue.ipynb"
CHROMIUM = Path("/usr/bin/chromium")

# ----------------------------------------------------------------------------- fixtures


def _jobs(stripped: Path, five: Path) -> dict[str, tuple[Path, dict]]:
    ds = llkit.load(DAGTILBUD)
    jobs: dict[str, tuple[Path, dict]] = {}
    for inst in sorted(ds.units["institution_id"].unique()):
        jobs[f"report-dagtilbud-{inst}"] = (REPORT, {"data": str(DAGTILBUD), "institution": str(inst)})
    for inst in ["S01", "S04"]:
        jobs[f"report-skole-{inst}"] = (REPORT, {"data": str(SKOLE), "institution": inst})
    jobs["report-skole-S02-children"] = (REPORT, {"data": str(SKOLE), "institution": "S02", "child_level": True})
    jobs["overview-dagtilbud"] = (OVERVIEW, {"data": str(DAGTILBUD)})
    jobs["overview-skole"] = (OVERVIEW, {"data": str(SKOLE), "rounds": ["T2", "T3"]})
    for cluster in sorted(ds.units["cluster"].dropna().unique()):
        jobs[f"cluster-dagtilbud-{cluster}"] = (CLUSTER, {"data": str(DAGTILBUD), "cluster": str(cluster)})
    jobs["cluster-skole-institutions"] = (CLUSTER, {"data": str(SKOLE), "cluster": None,
                                                    "institutions": ["S01", "S02", "S03"]})
    jobs["report-stripped-I03"] = (REPORT, {"data": str(stripped), "institution": "I03"})
    jobs["overview-stripped"] = (OVERVIEW, {"data": str(stripped)})
    jobs["cluster-stripped"] = (CLUSTER, {"data": str(stripped), "cluster": "Klynge Nord 2"})
    jobs["report-five-I02"] = (REPORT, {"data": str(five), "institution": "I02", "min_n": 6})
    return jobs


@pytest.fixture(scope="session")
def data_folders(tmp_path_factory) -> tuple[Path, Path]:
    from llkit.data.sample import generate

    base = tmp_path_factory.mktemp("data")
    stripped = stripped_dataset(base, institutions=7, seed=5, unscaled=("sprog",),
                                background=True)
    five = base / "five"
    generate("dagtilbud", five, rounds=5, institutions=4, seed=3)
    return stripped, five


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, data_folders) -> dict[str, dict]:
    out_dir = tmp_path_factory.mktemp("reports")
    jobs = _jobs(*data_folders)
    # the longest runs (overviews) first, so the two workers finish together
    order = sorted(jobs, key=lambda n: not n.startswith("overview"))
    return run_many({name: jobs[name] for name in order}, out_dir, html=True)


def _job_names() -> list[str]:
    ds = llkit.load(DAGTILBUD)
    names = [f"report-dagtilbud-{i}" for i in sorted(ds.units["institution_id"].unique())]
    names += ["report-skole-S01", "report-skole-S04", "report-skole-S02-children",
              "overview-dagtilbud", "overview-skole"]
    names += [f"cluster-dagtilbud-{c}" for c in sorted(ds.units["cluster"].dropna().unique())]
    names += ["cluster-skole-institutions", "report-stripped-I03", "overview-stripped", "cluster-stripped",
              "report-five-I02"]
    return names


# ----------------------------------------------------------------------------- the notebooks as committed


@pytest.mark.parametrize("path", [REPORT, OVERVIEW, CLUSTER], ids=lambda p: p.stem)
def test_notebook_is_thin_and_clean(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    for line in code[0].source.splitlines():
        assert re.match(r"^\w+ = .+  # \S", line), f"parameter without a comment: {line!r}"
        assert line.count("=") == 1, f"papermill cannot parse {line!r}"
    sources = "\n".join(c.source for c in code)
    assert "import llkit" in sources and re.search(r"^from llkit(\.\w+)* import", sources, re.M)
    assert "plots" in sources
    assert "plots.use_theme()" in sources
    # the names the notebook imports from llkit (modules of its document, plots, llkit)
    modules = ["llkit"] + [alias.split(" as ")[-1].strip()
                           for found in re.findall(r"^from llkit[\w.]* import (.+)$", sources, re.M)
                           for alias in found.split(",")]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "committed with outputs"
            assert not re.search(r"^\s*(def|class)\s", cell.source, re.M), "def/class belongs in llkit"
            if "parameters" not in cell.metadata.get("tags", []) and "import" not in cell.source:
                calls = re.findall(rf"\b(?:{'|'.join(modules)})\.\w+\(", cell.source)
                assert len(calls) == 1, f"one llkit call per cell: {cell.source!r}"
    assert nb.metadata.kernelspec.name == "python3"
    assert any(c.cell_type == "markdown" for c in nb.cells)


# ----------------------------------------------------------------------------- rendered HTML


def _visible_text(page: str) -> str:
    body = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    body = re.sub(r"<img[^>]*>", "", body)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("name", _job_names())
def test_report_html(rendered, name):
    r = rendered[name]
    assert r["error"] is None, r["error"]
    page = r["html"]
    assert "Traceback" not in page and 'class="output_subarea output_error' not in page
    assert '"output_type": "error"' not in page
    assert "import llkit" not in page and "findings." not in _visible_text(page)
    # nothing that could load from the network
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc", page, re.I)
    assert not re.search(r"@import\s+url\(\s*['\"]?(?:https?:)?//", page, re.I)
    assert "<script" not in page.lower()
    assert '<html lang="da">' in page
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert re.search(r"rapport|Overblik|klyngemøde", title, re.I), title
    # a figure that failed is replaced by one line in the report; its warning is on stderr
    assert "Figuren kan ikke vises" not in page, r["stderr"][-2000:]
    assert "Det vigtigste" in page
    assert "@page" in page and "size: A4" in page


def _executed(rendered, name: str):
    return nbformat.read(rendered[name]["ipynb"], as_version=4)


def test_no_stderr_and_parameters_stay_strings(rendered):
    nb = _executed(rendered, "report-dagtilbud-I01")
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'institution = "I01"' in injected[0].source
    assert "Børnehuset Lindehuset" in rendered["report-dagtilbud-I01"]["html"]


class _Tables(HTMLParser):
    """Rows of every table: list of (caption, header, rows)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "header": [], "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._in_caption and self.tables:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> list[dict]:
    parser = _Tables()
    parser.feed(page)
    for t in parser.tables:
        rows = [r for r in t["rows"] if r]
        t["header"], t["rows"] = (rows[0], rows[1:]) if rows else ([], [])
    return parser.tables


NUMBER = re.compile(r"\d,\d")


@pytest.mark.parametrize("name", [n for n in _job_names() if n.startswith("report-dagtilbud-")])
def test_suppressed_departments_are_never_numbers(rendered, name):
    ds = llkit.load(DAGTILBUD)
    inst = name.rsplit("-", 1)[1]
    last = ds.meta.rounds[-1]
    summary = llkit.summarize(ds, by="department", round=last)
    depts = ds.units.loc[ds.units["institution_id"] == inst, "department_id"]
    hidden = summary[summary["department_id"].isin(depts) & summary["suppressed"]]
    labels = ds.measures.set_index("measure_id")["label"]
    child = set(ds.measures.loc[ds.measures["subject"] == "child", "measure_id"])
    tables = [t for t in _tables(rendered[name]["html"]) if t["caption"].startswith("Gennemsnit (antal")]
    assert tables, "no department table"
    checked = 0
    for _, row in hidden[hidden["measure_id"].isin(child)].iterrows():
        label, dept = labels[row["measure_id"]], row["department_name"]
        for t in tables:
            if label not in t["header"]:
                continue
            col = t["header"].index(label)
            cells = [r[col] for r in t["rows"] if r[0] == dept]
            assert cells, f"{dept} missing from the table of {label}"
            for cell in cells:
                assert "færre end" in cell or "vises ikke" in cell, (dept, label, cell)
                assert not NUMBER.search(cell) and not re.search(r"\d+\)", cell), (dept, label, cell)
                checked += 1
    # every department hidden for having too few children appears with "færre end"
    small = hidden[hidden["measure_id"].isin(child) & (hidden["suppressed_reason"] == "min_n")]
    for dept in small["department_name"].unique():
        rows = [r for t in tables for r in t["rows"] if r[0] == dept]
        assert any("færre end" in c for r in rows for c in r), dept
    assert checked == len(hidden[hidden["measure_id"].isin(child)])


def test_child_level_table_only_when_asked(rendered):
    ds = llkit.load(SKOLE)
    depts = ds.units.loc[ds.units["institution_id"] == "S02", "department_id"]
    ids = ds.responses.loc[ds.responses["department_id"].isin(depts), "child_id"].dropna().astype(str).unique()
    with_children = rendered["report-skole-S02-children"]["html"]
    assert "pseudonym" in with_children
    assert sum(i in with_children for i in ids) > 10
    for name in ["report-skole-S01", "report-skole-S04"]:
        page = rendered[name]["html"]
        assert "pseudonym" not in page
        assert not re.search(r">E\d{6}<", page), "a child id in a report without child_level"


def test_school_reports_use_school_words(rendered):
    text = _visible_text(rendered["report-skole-S01"]["html"])
    assert "Hvordan fordeler eleverne sig?" in text and "Hvordan adskiller klasserne sig?" in text
    assert "Skolerapport til ledelsesteamet" in text
    assert "stuer" not in text.lower()


def test_stripped_dataset_says_what_is_missing(rendered):
    text = _visible_text(rendered["report-stripped-I03"]["html"])
    assert "kun én måling" in text
    assert "ingen målinger af medarbejderkultur eller læringsmiljø" in text
    assert "ingen oplysninger om læringsmål" in text
    assert "Data har ingen landstal" in text
    overview = _visible_text(rendered["overview-stripped"]["html"])
    assert "kun én måling" in overview and "ingen oplysninger om læringsmål" in overview


def test_five_rounds(rendered):
    text = _visible_text(rendered["report-five-I02"]["html"])
    assert "T5" in text and "Fra T4 til T5" in text


def test_overview_has_no_league_table(rendered):
    page = rendered["overview-dagtilbud"]["html"]
    assert "ordnet efter klynge, ikke efter resultat" in page
    assert not re.search(r"\b(Rang|Placering nr\.|nr\. 1)\b", _visible_text(page))


# ----------------------------------------------------------------------------- in a browser


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                    reason="Chromium is not installed (/usr/bin/chromium); runs in CI")
def test_report_makes_no_network_requests_in_chromium(rendered):
    from playwright.sync_api import sync_playwright

    from llkit.apps.report import CHROMIUM_ARGS

    path = rendered["report-dagtilbud-I01"]["html_path"]
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def intercept(route):
                requests.append(route.request.url)
                if route.request.url.startswith(("file:", "data:")):
                    route.continue_()
                else:
                    route.abort()

            page.route("**/*", intercept)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_timeout(300)
            n_images = page.evaluate("document.images.length")
            loaded = page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
            lang = page.evaluate("document.documentElement.lang")
        finally:
            browser.close()
    outside = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert outside == [], outside
    assert n_images >= 5 and loaded
    assert lang == "da"
    assert json.dumps(requests)  # the list was recorded
