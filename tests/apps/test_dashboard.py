"""The dashboard's logic and ``llkit serve`` without a browser: scope parsing and
enforcement (checked against the units table read independently), the kernel-side
parameters, the widget's redraws, data gaps, suppression, the notebook's form, the served
copies, the Voilà configuration and the CLI's errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import llkit
from llkit.apps import dashboard, serve
from llkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
UNITS = pd.read_csv(DAGTILBUD / "units.csv", dtype=str)


@pytest.fixture(scope="module")
def ctx() -> dashboard.Context:
    return dashboard.context(DAGTILBUD, warm=False)


@pytest.fixture()
def served_env(tmp_path, monkeypatch):
    """A kernel environment as ``llkit serve`` (non-preheated path) sets it up."""
    allowed = ["I01", "I02", "I03", "I04"]
    cfg = {"data": str(DAGTILBUD), "scope": "cluster=Klynge Nord 1", "scope_text": "klynge Klynge Nord 1",
           "allowed": allowed, "min_n": 5}
    path = tmp_path / "serve.json"
    path.write_text(json.dumps(cfg), encoding="utf-8")
    monkeypatch.setenv(serve.ENV_CONFIG, str(path))
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)

    def query(q: str) -> None:
        monkeypatch.setenv("QUERY_STRING", q)

    return query


# ----------------------------------------------------------------------------- scope


@pytest.mark.parametrize(("text", "kind", "values"), [
    ("all", "all", ()),
    (None, "all", ()),
    (" ALL ", "all", ()),
    ("institution=I01", "institution", ("I01",)),
    ("institution=I01, I03,", "institution", ("I01", "I03")),
    ("cluster=Klynge Nord 1", "cluster", ("Klynge Nord 1",)),
])
def test_parse_scope(text, kind, values):
    s = serve.parse_scope(text)
    assert (s.kind, s.values) == (kind, values)


@pytest.mark.parametrize("text", ["", "institution", "institution=", "cluster= ,", "area=Nord", "I01"])
def test_parse_scope_rejects(text):
    with pytest.raises(ValueError, match="--scope"):
        serve.parse_scope(text)


def test_scope_institutions_against_units():
    ds = llkit.load(DAGTILBUD)
    for cluster in sorted(UNITS["cluster"].unique()):
        expected = list(dict.fromkeys(UNITS.loc[UNITS["cluster"] == cluster, "institution_id"]))
        assert serve.scope_institutions(ds, f"cluster={cluster}") == expected
    assert serve.scope_institutions(ds, "all") == list(dict.fromkeys(UNITS["institution_id"]))
    assert serve.scope_institutions(ds, "institution=I07,I02") == ["I02", "I07"]
    with pytest.raises(KeyError, match="I99"):
        serve.scope_institutions(ds, "institution=I01,I99")
    with pytest.raises(KeyError, match="Klynge Mars"):
        serve.scope_institutions(ds, "cluster=Klynge Mars")


def test_check_access():
    assert serve.check_access(None, ["I03", "I04"]) == "I03"
    assert serve.check_access("", ["I03", "I04"]) == "I03"
    assert serve.check_access("I04", ["I03", "I04"]) == "I04"
    for bad in ["I05", "i03", "I03 ", "../I03", "I03'"]:
        with pytest.raises(serve.AccessRefused):
            serve.check_access(bad, ["I03", "I04"])
    with pytest.raises(serve.AccessRefused):
        serve.check_access(None, [])


def test_refusal_escapes_and_shows_no_data():
    html = serve.refusal("<script>alert(1)</script>").html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Ingen adgang" in html and "data:image" not in html


def test_kernel_parameters_outside_serve(monkeypatch):
    monkeypatch.delenv(serve.ENV_CONFIG, raising=False)
    assert serve.kernel_parameters("x", "I09") == ("x", "I09")


def test_kernel_parameters_served(served_env, capsys):
    served_env("institution=I02&token=abc")
    assert serve.kernel_parameters("/elsewhere", "I09") == (str(DAGTILBUD), "I02")
    served_env("token=abc")
    assert serve.kernel_parameters("/elsewhere", "I09") == (str(DAGTILBUD), "I01")
    served_env("institution=I09&token=abc")
    with pytest.raises(serve.AccessRefused):
        serve.kernel_parameters("/elsewhere", "I01")
    # the data path can never come from the address
    served_env("institution=I02&data=/etc&token=abc")
    assert serve.kernel_parameters("x", "I01")[0] == str(DAGTILBUD)


def test_dashboard_request_served(served_env):
    c = dashboard.context("/not/used", warm=False)
    assert c.served and c.allowed == ["I01", "I02", "I03", "I04"]
    served_env("institution=I03")
    assert dashboard.request(c, "I09") == "I03"
    served_env("institution=I17")
    with pytest.raises(serve.AccessRefused):
        dashboard.request(c, "I01")


def test_dashboard_request_not_served(ctx, monkeypatch):
    monkeypatch.delenv(serve.ENV_CONFIG, raising=False)
    assert dashboard.request(ctx, "I05") == "I05"
    with pytest.raises(serve.AccessRefused):
        dashboard.request(ctx, "I99")


# ----------------------------------------------------------------------------- dashboard


def test_measure_groups_match_measures_table(ctx):
    m = pd.read_csv(DAGTILBUD / "measures.csv", dtype=str)
    m = m[m["subject"] == "child"]
    expected = {g: list(sub["measure_id"]) for g, sub in m.groupby("group", sort=False)}
    assert dict(dashboard.measure_groups(ctx.ds)) == expected


def test_widget_redraws_on_institution_change(ctx):
    d = dashboard.Dashboard(ctx, "I01")
    name = dict(zip(UNITS["institution_id"], UNITS["institution_name"], strict=False))
    assert name["I01"] in d.header.outputs[0]["data"]["text/html"]
    first = d.outputs[0].outputs[0]["data"]["text/html"]
    assert "data:image/svg+xml;base64," in first
    d.institution.value = "I02"
    assert name["I02"] in d.header.outputs[0]["data"]["text/html"]
    second = d.outputs[0].outputs[0]["data"]["text/html"]
    assert second != first and name["I02"] in second
    # another tab is drawn when opened, for the current choices only
    assert d.outputs[3].outputs == ()
    d.tabs.selected_index = 3
    assert "data:image/svg+xml" in d.outputs[3].outputs[0]["data"]["text/html"]
    # choosing a group sets its measures; a round the institution lacks is not offered
    d.group.value = "Børnenes stemme"
    assert d.measure.value == "barn_trivsel"
    assert [v for _, v in d.round.options] == ["T1", "T2", "T3"]


def test_widget_keeps_to_scope(ctx):
    small = dashboard.Context(ctx.ds, ["I01", "I02"])
    d = dashboard.Dashboard(small, "I02")
    assert [v for _, v in d.institution.options] == ["I01", "I02"]
    with pytest.raises(Exception):  # noqa: B017 - traitlets refuses an option not offered
        d.institution.value = "I03"
    assert d.institution.value == "I02"
    with pytest.raises(serve.AccessRefused):
        dashboard.Dashboard(small, "I03")


def test_every_tab_renders(ctx):
    for key, _ in dashboard.TABS:
        html = dashboard.render_tab(ctx.ds, key, "I04", ["sprog", "social"], "sprog", "T3")
        assert llkit.present.html.FIGURE_FAILED not in html, key
        assert "data:image/svg+xml" in html, key


def test_suppression_everywhere(ctx):
    strict = llkit.documents.common.prepare(DAGTILBUD, min_n=500)
    profile = dashboard.render_tab(strict, "profile", "I01", ["sprog"], "sprog", "T3")
    assert "færre end 500" in profile
    table = profile.split("<table", 1)[1].split("</table>", 1)[0]
    assert "Ingen sikker forskel" not in table and "Over kommunen" not in table
    culture = dashboard.render_tab(strict, "culture", "I01", [], "sprog", "T3")
    assert "færre end 500" in culture


def test_data_gaps(tmp_path):
    from llkit.data.dataset import Dataset
    from llkit.data.sample import generate

    generate("dagtilbud", tmp_path / "full", institutions=4, rounds=["T3"], seed=5)
    one = llkit.load(tmp_path / "full")
    keep = one.measures[~one.measures["source"].isin(["medarbejder", "observatør"])]
    items = one.items[one.items["measure_id"].isin(keep["measure_id"])]
    resp = one.responses[one.responses["item_id"].astype(str).isin(items["item_id"])]
    Dataset(meta=one.meta, units=one.units, children=one.children, measures=keep, items=items,
            responses=resp, goals=None, reference=None).to_folder(tmp_path / "gaps")
    c = dashboard.context(tmp_path / "gaps", warm=False)
    inst = c.allowed[0]
    dev = dashboard.render_tab(c.ds, "development", inst, ["sprog"], "sprog", "T3")
    assert "kun én målerunde" in dev
    assert "læringsmål" in dashboard.render_tab(c.ds, "coverage", inst, [], "sprog", "T3")
    assert "medarbejderkultur" in dashboard.render_tab(c.ds, "culture", inst, [], "sprog", "T3")
    d = dashboard.Dashboard(c, inst)
    for i in range(len(dashboard.TABS)):
        assert llkit.present.html.FIGURE_FAILED not in d.tab_html(i)


def test_shared_cache(ctx, tmp_path):
    c = dashboard.Context(ctx.ds, ctx.allowed, cache_dir=tmp_path)
    a = c.tab("profile", "I01", "Læreplanstemaer", "personlig", "T3")
    assert len(list(tmp_path.glob("*.html"))) == 1
    assert c.tab("profile", "I01", "Læreplanstemaer", "personlig", "T3") == a


def test_notebook_is_thin():
    nb = nbformat.read(ROOT / "notebooks" / "dashboard.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    for c in code:
        assert not c.outputs and c.execution_count is None
        assert "def " not in c.source and "class " not in c.source


# ----------------------------------------------------------------------------- server side


def test_prepare_notebooks(tmp_path):
    src = tmp_path / "src"
    (src / "elearning").mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell('data = "x"\ninstitution = "I01"')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# T"), p, nbformat.v4.new_code_cell("1 + 1")]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="2")]
    nbformat.write(nb, src / "elearning" / "01_test.ipynb")
    nbformat.write(nbformat.v4.new_notebook(), src / "dashboard.ipynb")
    served = serve.prepare_notebooks(tmp_path / "out", "all", source=src)
    assert served == ["dashboard.ipynb", "elearning/01_test.ipynb"]
    ch = nbformat.read(tmp_path / "out" / "elearning" / "01_test.ipynb", as_version=4)
    assert ch.metadata.kernelspec.name == serve.KERNEL_NAME
    assert "warm_kernel()" in ch.cells[2].source          # before the viewer arrives
    assert "kernel_parameters(data, institution)" in ch.cells[3].source
    assert ch.cells[4].outputs == []
    dash = nbformat.read(tmp_path / "out" / "dashboard.ipynb", as_version=4)
    assert dash.cells == []
    with pytest.raises(FileNotFoundError):
        serve.prepare_notebooks(tmp_path / "o2", "elearning", source=tmp_path / "nothing")


def test_kernelspec_and_template(tmp_path):
    import sys

    k = serve.write_kernelspec(tmp_path)
    spec = json.loads((k / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    t = serve.write_template(tmp_path, ["static/voila.js"])
    if t is not None:
        text = (t / "index.html.j2").read_text()
        assert "cdn.jsdelivr" not in text and 'rel="preload"' in text


def test_voila_config():
    c = serve.voila_config("/tmp/x", token="tok", served=["dashboard.ipynb", "elearning/01_a.ipynb"])
    assert c.Voila.ip == "127.0.0.1" and c.Voila.token == "tok"
    assert c.VoilaConfiguration.strip_sources is True
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.preheat_kernel is True
    assert c.VoilaKernelManager.kernel_pools_config["dashboard.ipynb"]["pool_size"] == 2
    assert c.VoilaKernelManager.kernel_pools_config["elearning/01_a.ipynb"]["pool_size"] == 1
    assert c.MappingKernelManager.cull_idle_timeout == serve.DEFAULT_CULL_IDLE == 300
    assert c.MappingKernelManager.cull_connected is False  # a page still open is never culled
    assert c.KernelSpecManager.allowed_kernelspecs == {serve.KERNEL_NAME}
    off = serve.voila_config("/tmp/x", token="tok", preheat=False)
    assert off.VoilaConfiguration.preheat_kernel is False


def test_waiting_cells_never_time_out(tmp_path):
    """Regression: a preheated kernel waits in its ``request`` cell until a viewer arrives;
    with a flat cell timeout (120 s) a kernel left in the pool longer than that ended its
    page without the view, and the viewer who got it waited forever."""
    served = serve.prepare_notebooks(tmp_path, "all")
    timeout = serve.voila_config(tmp_path, token="t", served=served).VoilaExecutor.timeout_func
    assert timeout is serve.cell_timeout
    for rel in served:
        nb = nbformat.read(tmp_path / rel, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        waiting = [c for c in code if "request(" in c.source or "kernel_parameters(" in c.source]
        assert waiting, rel
        for c in code:
            expected = None if c in waiting else serve.CELL_TIMEOUT
            assert timeout(c) == expected, (rel, c.source)
    assert serve.CELL_TIMEOUT >= 300  # ten kernels starting together on two cores


def test_early_view(ctx, monkeypatch, tmp_path):
    """Under llkit serve the first tab is also sent as plain HTML, marked for the template."""
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    served = dashboard.Context(ctx.ds, ["I01", "I02"], served=True, scope_text="klynge X")
    d = dashboard.show(served, "I02")
    assert len(shown) == 1
    (data,), kw = shown[0]
    assert kw == {"raw": True, "metadata": {serve.EARLY_KEY: serve.EARLY_VALUE}}
    early = data["text/html"]
    assert 'class="llkit-early"' in early and d.tab_html(0) in early
    assert "data:image/svg+xml;base64," in early
    # the widgets hide the early view once they are drawn
    assert serve.HIDE_EARLY in d.header.outputs[0]["data"]["text/html"]
    # in Jupyter (not served) nothing extra is shown and nothing is hidden
    shown.clear()
    plain = dashboard.show(dashboard.Context(ctx.ds, ["I01"]), "I01")
    assert shown == [] and serve.HIDE_EARLY not in plain.header.outputs[0]["data"]["text/html"]
    # the template writes marked outputs as HTML and keeps the others for Voilà's scripts
    t = serve.write_template(tmp_path, [])
    if t is not None:
        text = (t / "index.html.j2").read_text()
        assert "output.metadata.get('llkit') == 'early'" in text and "llkit-early-on" in text
        assert "application/vnd.voila.cell-output+json" in text


def test_cache_lock(ctx, tmp_path):
    """Kernels starting together: one draws a tab, the others wait and read it."""
    import threading

    calls = []
    real = dashboard.render_tab

    def slow(*a, **k):
        calls.append(1)
        import time

        time.sleep(0.3)
        return real(*a, **k)

    c = dashboard.Context(ctx.ds, ctx.allowed, cache_dir=tmp_path)
    out = []
    import unittest.mock

    with unittest.mock.patch.object(dashboard, "render_tab", slow):
        threads = [threading.Thread(target=lambda: out.append(
            c.tab("profile", "I03", "Læreplanstemaer", "personlig", "T3"))) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(calls) == 1 and len(set(out)) == 1 and len(out) == 3


def test_urls():
    assert serve.urls("0.0.0.0", 9000, "t", ["elearning/01_a.ipynb"], ["I02"]) == [
        "http://127.0.0.1:9000/voila/render/elearning/01_a.ipynb?institution=I02&token=t"]


# ----------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(("argv", "message"), [
    (["serve", str(ROOT / "no-such-data")], "no dataset"),
    (["serve", str(DAGTILBUD), "--scope", "area=Nord"], "invalid --scope"),
    (["serve", str(DAGTILBUD), "--scope", "cluster=Klynge Mars"], "unknown cluster"),
    (["serve", str(DAGTILBUD), "--scope", "institution=I99"], "unknown institution"),
    (["serve", str(DAGTILBUD), "--token", " "], "--token must not be empty"),
    (["serve", str(DAGTILBUD), "--port", "70000"], "invalid --port"),
    (["serve", str(DAGTILBUD), "--pool-size", "-1"], "pool size"),
    (["serve", str(DAGTILBUD), "--viewers", "0"], "invalid --viewers"),
    (["serve", str(DAGTILBUD), "--max-kernels", "-1"], "invalid --max-kernels"),
    (["serve", str(DAGTILBUD), "--notebooks", "elearning", "--chapters", "x"], "invalid --chapters"),
    (["serve", str(DAGTILBUD), "--notebooks", "elearning", "--chapters", "3", "--viewers", "100000", "--legacy"],
     "cannot hold"),   # kernel chapters (pre-rendered ones need no kernel per viewer)
])
def test_cli_errors(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cli_port_in_use(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        assert main(["serve", str(DAGTILBUD), "--port", str(port)]) == 2
    assert "cannot listen" in capsys.readouterr().err


def test_cli_bad_choice(capsys):
    with pytest.raises(SystemExit) as e:
        main(["serve", str(DAGTILBUD), "--notebooks", "reports"])
    assert e.value.code == 2
