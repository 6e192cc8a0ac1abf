"""E-learning chapters without a kernel per viewer (``llkit.apps.serve.chapters``).

In-process: the drawn page holds every section the notebook shows (the notebook's own
cells executed as a kernel would are the reference) and every exercise as a form, but no
answer key; an answer replayed from the page's state gives exactly what the widget's
``submit`` gives on a live exercise, and leaves the shared session untouched.

In a browser (slow): a server for chapter 3 runs no kernel while six viewers open the
chapter at once and answer; the solution appears after three wrong answers and not
before; answers survive a reload; the export holds them.
"""

from __future__ import annotations

import html
import json
import pickle
import random
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from _nbexec import exec_notebook
from _serve import CHAPTER3, CHROMIUM, DAGTILBUD, ROOT, institutions, kernels, running_server

from llkit.apps.exercises import MAX_ATTEMPTS, MultipleChoice, Numeric, PickUnit, Reflection
from llkit.apps.serve import chapters, room
from llkit.documents.common import prepare

NOTEBOOKS = sorted((ROOT / "notebooks" / "elearning").glob("[0-9][0-9]_*.ipynb"))
TOKEN = "chapter-token-51b2"
CLUSTER = "Klynge Nord 1"
NAMES = {i: v["name"] for i, v in institutions().items()}
INSIDE = [i for i, v in institutions().items() if v["cluster"] == CLUSTER]
OUTSIDE = [i for i in NAMES if i not in INSIDE]


@pytest.fixture(scope="module")
def ds():
    return prepare(DAGTILBUD)


@pytest.fixture(scope="module")
def drawn(ds):
    """Every chapter drawn for I01, as a render worker draws it (then pickled, as it goes
    to the server)."""
    return {nb.name: pickle.loads(pickle.dumps(chapters.render_chapter(nb, ds, "I01"))) for nb in NOTEBOOKS}


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment (tags, styles and images dropped)."""
    fragment = re.sub(r"<style.*?</style>|<script.*?</script>", "", fragment, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


@pytest.fixture(scope="module")
def reference():
    """Reference: every chapter's own cells run as a kernel runs them (the visible text of
    the sections each cell shows, exercises left out)."""
    out = {}
    for nb in NOTEBOOKS:
        outputs = exec_notebook(nb, {"data": str(DAGTILBUD), "institution": "I01"})
        out[nb.name] = [_text(o) for o in outputs if o.strip() and "llkit-ex" not in o and "<" in o]
    return out


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_page_shows_what_the_notebook_shows(nb, drawn, reference):
    """Every section's text the notebook shows is on the drawn page, and every exercise
    is a form there, in the notebook's order."""
    got = drawn[nb.name]
    body_text = _text(got["body"])
    assert reference[nb.name], "the notebook showed nothing"
    for text in reference[nb.name]:
        if text:
            assert text in body_text, text[:120]
    assert "llkit-cell-failed" not in got["body"]
    forms = re.findall(r'class="llkit-ex llkit-ex-form" data-ex="([^"]+)"', got["body"])
    assert forms == [q.id for q in got["session"].exercises] and forms
    assert got["body"].count("llkit-progress-bar") == sum("progress_widget()" in s for s in _sources(nb))
    assert got["body"].count("llkit-export-link") == 3


def _sources(nb: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_page_holds_no_answer_key(nb, drawn, reference):
    """No solution, no per-option feedback and no correct option marked: the page cannot
    be read for the answers (they come from the server when due). A sentence the chapter's
    own text shows anyway (the kernel page shows it too) does not count."""
    got = drawn[nb.name]
    page = chapters.page_html(f"elearning/{nb.name}", "I01", got)
    shown = " ".join(reference[nb.name])
    for q in got["session"].exercises:
        keys = [q.solution, *getattr(q, "feedback_map", {}).values(),
                *(m for _, _, m in getattr(q, "wrong_answers", []))]
        for key in keys:
            if key and _text(html.escape(key)) not in shown:
                assert html.escape(key) not in page and key not in page, (q.id, key[:80])
    assert "correct" not in _text(page).lower()
    assert not re.search(r"data-(correct|solution|answer)", page)


def _answer(q):
    """A random answer a participant could give to ``q``."""
    if isinstance(q, Reflection):
        return random.choice(["", "  ", "Vi vil tale om usikkerhed.", "<b>fed</b> & ‘citat’"])
    if isinstance(q, Numeric):
        return random.choice(["", "abc", "3,4", "-1", "1e9",
                              f"{q.correct:.{q.decimals}f}".replace(".", ","), str(q.correct)])
    options = [k for k, _ in q.options]
    return random.choice([*options, None, "x"])


@pytest.mark.parametrize("seed", range(6))
def test_replayed_answers_equal_live_answers(seed, drawn):
    """Reference: the same answers submitted to fresh exercises, as the widgets do. The
    states the page keeps, replayed on the server, give the same feedback, status,
    solution, progress and export, and the shared session stays unanswered."""
    random.seed(seed)
    got = drawn[list(drawn)[seed % len(drawn)]]
    session = got["session"]
    live = pickle.loads(pickle.dumps(session))   # a second copy, answered the widget way
    states: dict = {}
    for _ in range(25):
        q = random.choice(live.exercises)
        value = _answer(q)
        fb = q.submit(value)
        r = chapters.answer(session, {"states": json.loads(json.dumps(states)), "submit": (q.id, value)})
        states = r["states"]
        assert r["parts"][q.id]["fb"] == fb._repr_html_()
        for e in live.exercises:
            assert r["states"][e.id] == e.state()
            assert r["parts"][e.id]["status"] == e._status_html()
            assert r["parts"][e.id]["sol"] == e.parts()["sol"]
        assert r["progress"] == live.progress_text()
        assert r["solved"] == live.solved and r["graded"] == len(live.graded)
        assert r["export"]["md"] == live.to_markdown()
    assert all(q.attempts == 0 and not q.solved for q in session.exercises)


def test_solution_only_when_due():
    from llkit.apps.exercises import Session

    session = Session("03", "I01")
    session.add(Numeric("n", "Hvor mange?", 3, 0, solution="Tre."))
    session.add(MultipleChoice("m", "Hvilken?", {"a": "A", "b": "B"}, "b", solution="B.",
                               feedback={"a": "Nej, A er for lav."}))
    session.add(PickUnit("p", "Hvem?", {"D1": "Stue 1", "D2": "Stue 2"}, "D2", solution="Stue 2."))
    states: dict = {}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        r = chapters.answer(session, {"states": states, "submit": ("n", "4")})
        states = r["states"]
        assert ("Tre." in r["parts"]["n"]["sol"]) == (attempt >= MAX_ATTEMPTS)
    r = chapters.answer(session, {"states": states, "submit": ("m", "a")})
    assert "Nej, A er for lav." in r["parts"]["m"]["fb"] and not r["parts"]["m"]["sol"]
    r = chapters.answer(session, {"states": r["states"], "submit": ("m", "b")})
    assert "B." in r["parts"]["m"]["sol"] and r["states"]["m"]["solved"]
    # a state the page cannot have made is ignored, not an error
    r = chapters.answer(session, {"states": {"p": {"attempts": "mange"}, "zz": {"solved": True}},
                                  "submit": ("zz", "x")})
    assert r["states"]["p"]["attempts"] == 0 and "zz" not in r["states"]


@pytest.mark.parametrize("body", [
    b"", b"not json", b"[]", b'{"chapter": 3}', b'{"chapter": "c", "states": []}',
    b'{"chapter": "c", "submit": "x"}', b'{"chapter": "c", "submit": [1, "x"]}',
    b'{"chapter": "c", "submit": ["a", {"b": 1}]}', b"\xff\xfe", b"[" * 100_000,
    b'{"chapter": "c", "states": {"a": ' + b"[" * 50_000 + b"}}", b'{"chapter": "c", "submit": ["a", NaN]}',
    b'{"chapter": "c", "states": {' + b",".join(b'"k%d": {}' % i for i in range(101)) + b"}}",
])
def test_bad_answer_requests_are_refused(body):
    with pytest.raises(chapters.BadAnswer):
        chapters.parse_answer(body)


def test_too_large_and_long_answers():
    with pytest.raises(chapters.BadAnswer, match="too large"):
        chapters.parse_answer(b'{"chapter": "c", "x": "' + b"a" * chapters.MAX_BODY + b'"}')
    req = chapters.parse_answer(json.dumps({"chapter": "c", "submit": ["r", "å" * 50_000]},
                                           ensure_ascii=False).encode())
    assert len(req["submit"][1]) == chapters.MAX_ANSWER


def test_own_widgets_and_failing_cells_are_told_in_danish(tmp_path, ds):
    """A notebook of one's own (``--source``) with a widget of its own, or a cell that
    fails: a Danish note in its place, the rest of the chapter drawn."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('data = "x"\ninstitution = "I01"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_markdown_cell("## Overskrift"),
                nbformat.v4.new_code_cell("import ipywidgets as w\nw.IntSlider()"),
                nbformat.v4.new_code_cell("1 / 0")]
    path = tmp_path / "09_eget.ipynb"
    nbformat.write(nb, path)
    got = chapters.render_chapter(path, ds, "I01")
    assert "Overskrift" in got["body"] and chapters.NEEDS_KERNEL in got["body"]
    assert chapters.CELL_FAILED in got["body"] and "ZeroDivisionError" not in got["body"]


def test_a_page_not_drawn_in_time_gets_the_danish_preparing_page(monkeypatch):
    """No page waits for ever: a view still being drawn after PAGE_WAIT seconds is None
    (the handler then sends the Danish page that reloads itself)."""
    import asyncio
    from concurrent.futures import Future

    class Slow:
        cache: dict = {}

        def submit(self, *args):
            return Future()   # never done

    from llkit.apps.serve import handlers

    monkeypatch.setattr(handlers, "PAGE_WAIT", 0.2)
    assert asyncio.run(handlers._soon(Slow(), "chapter", "x", "I01")) is None
    page = room.busy_page(3, room.PREPARING_TEXT)
    assert "bliver gjort klar" in page and "location.replace" in page and "I01" not in page


def test_plan_needs_no_kernel_for_pre_rendered_chapters():
    p = room.plan(["dashboard.ipynb", "elearning/03_x.ipynb"], viewers=30, pool_size=2, chapter_pool_size=1,
                  static_dashboard=True, static_chapters=True, available=4000, cores=2)
    assert p.kernels == 0 and p.workers == 2 and p.memory_mb < 1000
    assert any("no kernel per viewer" in line and "e-learning" in line for line in p.describe())
    legacy = room.plan(["elearning/03_x.ipynb"], viewers=10, pool_size=2, chapter_pool_size=1,
                       static_dashboard=False, available=16000, cores=2)
    assert legacy.kernels == 10 and legacy.workers == 0


# ----------------------------------------------------------------------------- browser

def browser_test(f):
    """Slow, and skipped only when Debian's Chromium is missing."""
    f = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt install chromium)")(f)
    return pytest.mark.slow(f)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    rel = CHAPTER3
    args = ["--notebooks", "elearning", "--chapters", "3", "--viewers", "6", "--token", TOKEN,
            "--scope", f"cluster={CLUSTER}"]
    with running_server(DAGTILBUD, args, tmp_path_factory.mktemp("serve-ch") / "serve.log",
                        ready=f"Kernel pool of {rel} is filled") as srv:
        srv["rel"] = rel
        yield srv


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _url(server, inst: str) -> str:
    return f"{server['base']}/voila/render/{server['rel']}?institution={inst}&token={TOKEN}"


def _post(server, payload, token: str | None = TOKEN) -> tuple[int, str]:
    q = f"?token={token}" if token else ""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    req = urllib.request.Request(f"{server['base']}{chapters.ANSWER_PATH}{q}", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


@browser_test
def test_six_viewers_answer_at_once_without_a_kernel(server):
    import asyncio

    from playwright.async_api import async_playwright

    log = server["log"].read_text(errors="replace")
    assert "no kernel per viewer" in log and "pre-rendering the chapters" in log

    async def one(b, i: int) -> tuple[str, str]:
        ctx = await b.new_context()
        pg = await ctx.new_page()
        await pg.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda r: r.abort())
        await pg.goto(_url(server, INSIDE[i % len(INSIDE)]))
        await pg.wait_for_selector(".llkit-live .llkit-ex-form", timeout=60_000)
        box = pg.locator(".llkit-ex-form[data-kind=Numeric]").first
        await box.locator("input.llkit-number").fill("99")
        await box.locator(".llkit-check").click()
        await box.locator(".llkit-fb-no").wait_for(timeout=60_000)
        out = await box.locator("[data-part=fb]").inner_text(), await pg.locator("body").inner_text()
        await ctx.close()
        return out

    async def room_of_six() -> list[tuple[str, str]]:
        async with async_playwright() as p:
            b = await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            try:
                return await asyncio.gather(*(one(b, i) for i in range(6)))
            finally:
                await b.close()

    results = asyncio.run(room_of_six())
    assert kernels(server["proc"].pid) == 0
    for fb, text in results:
        assert "99" in fb and "Traceback" not in text and "Ingen adgang" not in text


@browser_test
def test_wrong_three_times_then_solution_and_reload_keeps_answers(server, browser):
    pg = browser.new_page()
    pg.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda r: r.abort())
    pg.goto(_url(server, INSIDE[0]))
    pg.wait_for_selector(".llkit-live .llkit-ex-form", timeout=60_000)
    box = pg.locator(".llkit-ex-form[data-kind=Numeric]").first
    sol = box.locator("[data-part=sol]")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        box.locator("input.llkit-number").fill(str(90 + attempt))
        box.locator(".llkit-check").click()
        pg.wait_for_function("([b, n]) => b.querySelector('[data-part=status]').textContent.includes('Forsøg: ' + n)",
                             arg=[box.element_handle(), attempt], timeout=30_000)
        assert (sol.inner_text().startswith("Løsning")) == (attempt >= MAX_ATTEMPTS)
    hint = box.locator(".llkit-hint")
    assert not hint.is_visible()
    box.locator(".llkit-hint-btn").click()
    assert hint.is_visible() and "Tip" in hint.inner_text()
    refl = pg.locator(".llkit-ex-form[data-kind=Reflection]")
    refl.locator("textarea").fill("Vi taler om små grupper på næste møde.")
    refl.locator(".llkit-check").click()
    refl.locator(".llkit-fb-ok").wait_for(timeout=30_000)
    assert "1 af 1 refleksioner skrevet" in pg.locator("[data-progress]").last.inner_text()
    pg.reload()
    pg.wait_for_selector(".llkit-live", timeout=60_000)
    pg.wait_for_function("() => document.querySelector('[data-progress]').textContent.includes('1 af 1')",
                         timeout=30_000)
    assert refl.locator("textarea").input_value() == "Vi taler om små grupper på næste møde."
    assert box.locator("input.llkit-number").input_value() == "93"
    assert sol.inner_text().startswith("Løsning") and "93" in box.locator("[data-part=fb]").inner_text()
    with pg.expect_download() as d:
        pg.locator("a.llkit-export-link[data-ext=md]").last.click()
    text = Path(d.value.path()).read_text(encoding="utf-8")
    assert "Vi taler om små grupper på næste møde." in text and "Svar: 93 (ikke løst endnu, 3 forsøg)" in text
    assert d.value.suggested_filename == f"llkit_kapitel_03_{INSIDE[0]}.md"
    pg.close()


@browser_test
def test_out_of_scope_and_token_as_the_kernel_pages(server, browser):
    pg = browser.new_page()
    pg.goto(_url(server, OUTSIDE[0]))
    pg.wait_for_selector(".llkit-refusal", timeout=60_000)
    assert pg.locator(".llkit-ex, img, table").count() == 0
    assert NAMES[OUTSIDE[0]] not in pg.content()
    pg.close()
    pg = browser.new_page()   # a new context: no login cookie from the address with the token
    pg.goto(_url(server, INSIDE[0]).replace(f"&token={TOKEN}", ""))
    assert "/login" in pg.url and pg.locator(".llkit-ex").count() == 0
    pg.close()
    ok = {"chapter": server["rel"], "institution": INSIDE[0], "submit": ["x", "1"]}
    assert _post(server, ok)[0] == 200
    status, body = _post(server, {**ok, "institution": OUTSIDE[0]})
    assert status == 403 and "Ingen adgang" in body and NAMES[OUTSIDE[0]] not in body
    status, _ = _post(server, ok, token=None)
    assert status == 403
    status, _ = _post(server, ok, token="wrong")
    assert status == 403
    for chapter in ["elearning/01_datainformeret_laeringsledelse.ipynb", "../serve.json",
                    "dashboard.ipynb", f"{server['rel']}/../../serve.json"]:
        assert _post(server, {**ok, "chapter": chapter})[0] == 400
    assert _post(server, b"{" * 10)[0] == 400
    assert _post(server, b'{"chapter": "' + b"a" * (chapters.MAX_BODY + 10) + b'"}')[0] == 413
    with pytest.raises(urllib.error.HTTPError) as err:   # a chapter this server does not serve
        urllib.request.urlopen(f"{server['base']}/voila/render/elearning/{NOTEBOOKS[0].name}"
                               f"?institution={INSIDE[0]}&token={TOKEN}", timeout=30)
    assert err.value.code == 404
