"""Capacity planning of ``llkit serve`` for a seminar room, chapter selection, the warm
cell of served chapters, the pre-rendered dashboard's page and the benchmark's helpers
(no server, no browser)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from llkit.apps.serve import handlers, room
from llkit.apps.serve import static as static_views
from llkit.apps.serve.notebooks import WAIT_TAG, parse_chapters, prepare_notebooks

ROOT = Path(__file__).resolve().parents[2]
DASH = "dashboard.ipynb"
CH = [f"elearning/0{i}_x.ipynb" for i in range(1, 9)]


def test_plan_sizes_each_served_chapter_for_the_room():
    p = room.plan([DASH, CH[2]], viewers=30, pool_size=2, chapter_pool_size=1,
                  static_dashboard=True, available=16_000, cores=2)
    assert p.pools == {DASH: 0, CH[2]: 30}
    assert p.workers == 2 and p.kernels == 30
    assert p.memory_mb == room.SERVER_MB + 30 * room.KERNEL_MB + 2 * room.WORKER_MB
    assert p.max_kernels >= 30
    text = "\n".join(p.describe())
    assert "GB" in text and "warming" in text and "no kernel per viewer" in text


def test_plan_without_viewers_keeps_todays_pools():
    p = room.plan([DASH, *CH], viewers=None, pool_size=2, chapter_pool_size=1,
                  static_dashboard=False, available=16_000, cores=2)
    assert p.pools[DASH] == 2 and all(p.pools[c] == 1 for c in CH) and p.workers == 0


def test_plan_refuses_what_the_machine_cannot_hold():
    with pytest.raises(ValueError, match=r"cannot hold.*--chapters 3"):
        room.plan([DASH, *CH], viewers=30, pool_size=2, chapter_pool_size=1,
                  static_dashboard=True, available=16_000, cores=2)
    with pytest.raises(ValueError, match="--max-kernels 5"):
        room.plan([CH[2]], viewers=10, pool_size=2, chapter_pool_size=1, static_dashboard=True,
                  max_kernels=5, available=16_000)


def test_busy_page_is_danish_without_data_and_retries():
    page = room.busy_page(retry_seconds=5)
    assert "Vent et øjeblik" in page and room.BUSY_TEXT in page
    assert "location.replace" in page and "5000" in page
    assert "<img" not in page and "<table" not in page


def test_parse_chapters():
    assert parse_chapters(None) is None and parse_chapters("3") == {3}
    assert parse_chapters(" 3, 4 ") == {3, 4}
    for bad in ("", "x", "0", "3,a"):
        if bad == "":
            assert parse_chapters(bad) is None
            continue
        with pytest.raises(ValueError, match="--chapters"):
            parse_chapters(bad)


def test_prepare_notebooks_serves_chosen_chapters_and_warms_before_waiting(tmp_path):
    served = prepare_notebooks(tmp_path, "all", chapters="3")
    assert served[0] == DASH and len(served) == 2 and served[1].startswith("elearning/03_")
    nb = nbformat.read(tmp_path / served[1], as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata["tags"]
    assert "warm_kernel()" in code[1].source and WAIT_TAG not in code[1].metadata.get("tags", [])
    assert "kernel_parameters" in code[2].source and WAIT_TAG in code[2].metadata["tags"]
    with pytest.raises(ValueError, match="no e-learning chapter 9"):
        prepare_notebooks(tmp_path / "x", "elearning", chapters="9")


def _view() -> dict:
    return {"institution": "I01", "institutions": [["A (I01)", "I01"]], "institution_label": "Dagtilbud:",
            "groups": [["G", [["Sprog", "sprog"]]]], "rounds": [["T3", "T3"]],
            "tabs": [["profile", "Overblik"], ["funnel", "Placering i kommunen"]],
            "headers": {"T3": "<h2>A</h2>"}}


def test_page_has_menus_tabs_first_tab_and_no_script_breakout():
    view = _view()
    view["headers"]["T3"] = "<h2>A</h2>"
    first = "<div class='llkit-dash'>x</script><script>alert(1)</script></div>"
    html = static_views.page_html(view, first, ["profile", "I01", "G", "sprog", "T3"])
    assert html.count("<select") == 4 and "Målerunde:" in html and "Emne:" in html
    assert "lm-TabBar-tab" in html and "Placering i kommunen" in html
    data = re.search(r"<script type='application/json' id='llkit-data'>(.*?)</script>", html, re.S)
    assert json.loads(data.group(1))["first"] == first  # the payload cannot close its script
    assert static_views.WAIT_TEXT in html
    assert "Ingen adgang" in static_views.refusal_page("I99")


def test_only_the_menus_choices_are_drawn():
    view = _view()
    ok = {"tab": "funnel", "group": "G", "measure": "sprog", "round": "T3"}
    assert handlers._valid_choice(view, ok)
    for key, bad in (("tab", "x"), ("group", "H"), ("measure", "trivsel"), ("round", "T9")):
        assert not handlers._valid_choice(view, {**ok, key: bad})


def _benchmark():
    spec = importlib.util.spec_from_file_location("bench_dashboard", ROOT / "benchmarks" / "dashboard.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_arrivals_and_percentiles():
    bench = _benchmark()
    a = bench.arrivals(30, 60.0, seed=14)
    assert a == bench.arrivals(30, 60.0, seed=14) and a == sorted(a)
    assert len(a) == 30 and 0 <= a[0] and a[-1] <= 60
    values = [0.5, 1.0, 2.0, 9.0, 3.5]
    assert bench.percentiles(values) == pytest.approx(
        (np.median(values), np.quantile(values, 0.95), 9.0))
    assert all(np.isnan(x) for x in bench.percentiles([]))


def test_kernel_pages_say_in_danish_when_they_wait(tmp_path):
    from llkit.apps.serve.template import WAIT_NOTICE, write_template

    out = write_template(tmp_path)
    if out is None:
        pytest.skip("Voilà's lab template not found")
    text = (out / "index.html.j2").read_text(encoding="utf-8")
    assert WAIT_NOTICE in text and "setTimeout(tick,8000)" in text
