"""``llkit serve`` in a real browser: Playwright driving Debian's Chromium.

One server per module (dashboard and e-learning chapters, scope ``cluster=Klynge Nord 1``,
a known token) on a free port; the browser tests check that the token is required, that
the dashboard renders and redraws for another institution, that an institution outside
the scope is refused with no data in the page, and that an e-learning chapter renders and
gives feedback on an exercise. Skipped only when ``/usr/bin/chromium`` is missing.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from _serve import running_server

ROOT = Path(__file__).resolve().parents[2]
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
TOKEN = "test-token-7f3a9c"
CLUSTER = "Klynge Nord 1"
UNITS = pd.read_csv(DAGTILBUD / "units.csv", dtype=str).drop_duplicates("institution_id")
NAMES = dict(zip(UNITS["institution_id"], UNITS["institution_name"], strict=True))
INSIDE = list(UNITS.loc[UNITS["cluster"] == CLUSTER, "institution_id"])
OUTSIDE = [i for i in NAMES if i not in INSIDE]
CHAPTERS = sorted((ROOT / "notebooks" / "elearning").glob("01_*.ipynb"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt install chromium)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    which = "all" if CHAPTERS else "dashboard"
    args = ["--notebooks", which, "--token", TOKEN, "--scope", f"cluster={CLUSTER}",
            "--pool-size", "2", "--chapter-pool-size", "0"]
    with running_server(DAGTILBUD, args, tmp_path_factory.mktemp("serve") / "serve.log") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    pg.external = []  # requests that left the machine (must stay empty)

    def on_request(req):
        if not req.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
            pg.external.append(req.url)

    pg.on("request", on_request)
    pg.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
    yield pg
    ctx.close()


def _dashboard(server, institution: str | None = None, token: str | None = TOKEN) -> str:
    q = []
    if institution:
        q.append(f"institution={institution}")
    if token:
        q.append(f"token={token}")
    return f"{server['base']}/voila/render/dashboard.ipynb" + ("?" + "&".join(q) if q else "")


def _wait_figure(page, timeout: float = 60_000):
    page.wait_for_selector(".llkit-dashboard .llkit-figure img", state="visible", timeout=timeout)


def _no_leak(content: str, allowed: list[str]) -> None:
    for inst, name in NAMES.items():
        if inst not in allowed:
            assert name not in content, f"{name} ({inst}) is outside the scope but in the page"


def test_without_token_refused(server, page):
    page.goto(_dashboard(server, INSIDE[0], token=None))
    page.wait_for_load_state("domcontentloaded")
    assert "/login" in page.url
    content = page.content()
    assert page.locator("img[src^='data:image/svg+xml;base64'], .llkit-figure, .llkit-dashboard").count() == 0
    _no_leak(content, [])
    page.goto(_dashboard(server, INSIDE[0], token="wrong-token"))
    page.wait_for_load_state("domcontentloaded")
    assert "/login" in page.url
    assert page.locator("img[src^='data:image/svg+xml;base64'], .llkit-figure, .llkit-dashboard").count() == 0
    with urllib.request.urlopen(f"{server['base']}/voila/tree", timeout=30) as r:
        assert "/login" in r.url  # the listing of views needs the token too


def test_dashboard_renders(server, page):
    inst = INSIDE[1]
    page.goto(_dashboard(server, inst))
    _wait_figure(page)
    header = page.locator(".llkit-dashboard h2").first.inner_text()
    assert header == NAMES[inst]
    text = page.locator("body").inner_text()
    for word in ["Overblik", "Fordeling", "Udvikling", "Placering i kommunen", "Tegn på læring",
                 "Målerunde", "Emne"]:
        assert word in text
    # read-only: sources stripped, no tracebacks, nothing from the network
    assert "dashboard.show" not in text and "import" not in text
    assert "Traceback" not in text and "Error" not in text
    assert page.external == []
    _no_leak(page.content(), INSIDE)


def test_other_institution_updates_figures(server, page):
    first, second = INSIDE[0], INSIDE[2]
    page.goto(_dashboard(server, first))
    _wait_figure(page)
    img = page.locator(".llkit-dashboard .llkit-figure img").first
    before = img.get_attribute("src")
    select = page.locator(".llkit-dashboard select").first
    options = [o.replace("\xa0", " ") for o in select.locator("option").all_inner_texts()]
    assert sorted(options) == sorted(f"{NAMES[i]} ({i})" for i in INSIDE)  # scope only
    select.select_option(index=options.index(f"{NAMES[second]} ({second})"))
    page.wait_for_function(
        "name => { const h = document.querySelector('.llkit-dashboard h2'); return h && h.innerText === name; }",
        arg=NAMES[second], timeout=30_000)
    page.wait_for_function(
        "old => { const i = document.querySelector('.llkit-dashboard .llkit-figure img');"
        " return i && i.getAttribute('src') !== old; }", arg=before, timeout=30_000)
    assert img.get_attribute("src") != before
    # another tab draws on demand
    overview = img.get_attribute("src")
    page.locator(".lm-TabBar-tab", has_text="Placering i kommunen").click()
    page.wait_for_function(
        "old => [...document.querySelectorAll('.llkit-dashboard .llkit-figure img')]"
        ".some(i => i.offsetParent !== null && i.getAttribute('src') !== old)",
        arg=overview, timeout=30_000)


def test_out_of_scope_refused(server, page):
    outside = OUTSIDE[0]
    page.goto(_dashboard(server, outside))
    page.wait_for_selector(".llkit-refusal", state="visible", timeout=60_000)
    text = page.locator("body").inner_text()
    assert "Ingen adgang" in text
    assert "There was an error" not in text and "Traceback" not in text
    content = page.content()
    assert page.locator("img, .llkit-figure, table, .llkit-dashboard select").count() == 0
    assert "Gennemsnit" not in text and "Kommunikation og sprog" not in content
    _no_leak(content, [])
    # an unknown id gets the same refusal (nothing about which ids exist)
    page.goto(_dashboard(server, "I99"))
    page.wait_for_selector(".llkit-refusal", state="visible", timeout=60_000)


def test_concurrent_viewers_all_render_without_a_kernel_each(server, browser):
    """Six viewers at once: every page shows its own institution with working menus and no
    error, and the pre-rendered dashboard starts no kernel for any of them."""
    started = server["log"].read_text(errors="replace").count("Kernel started")
    wanted = [INSIDE[i % len(INSIDE)] for i in range(6)]
    views = []
    for inst in wanted:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        pg.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
        views.append((inst, ctx, pg, errors))
    for inst, _, pg, _ in views:  # all navigations start before any page has rendered
        pg.evaluate("url => { window.location.href = url; }", _dashboard(server, inst))
    try:
        for inst, _, pg, errors in views:
            _wait_figure(pg, timeout=120_000)
            pg.wait_for_function(
                "name => { const h = document.querySelector('.llkit-dashboard h2');"
                " return h && h.innerText === name; }", arg=NAMES[inst], timeout=30_000)
            assert pg.locator(".llkit-dashboard select").count() == 4
            text = pg.locator("body").inner_text()
            assert "Traceback" not in text and "There was an error" not in text
            assert errors == []
            _no_leak(pg.content(), INSIDE)
        # a menu works in every page: another measure draws another figure
        inst, _, pg, _ = views[-1]
        before = pg.locator(".llkit-dashboard .llkit-figure img").first.get_attribute("src")
        pg.locator(".lm-TabBar-tab", has_text="Fordeling").click()
        pg.wait_for_function(
            "old => { const i = document.querySelector('#llkit-content .llkit-figure img');"
            " return i && i.getAttribute('src') !== old; }", arg=before, timeout=60_000)
    finally:
        for _, ctx, pg, _ in views:
            pg.close(run_before_unload=True)
            ctx.close()
    log = server["log"].read_text(errors="replace")
    assert log.count("Kernel started") == started  # no kernel per viewer
    assert "timed out" not in log.lower()


def _get(url: str) -> tuple[int, str, str]:
    """(status, final address, body) of a GET that may fail with an HTTP error."""
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.url, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, url, exc.read().decode("utf-8", "replace")


def test_dashboard_requests_keep_token_and_scope(server):
    """The page's own requests (another tab, another institution) pass the same token and
    scope checks as the page: outside the scope 403 and no data; only the menus' choices."""
    base, inside, outside = server["base"], INSIDE[0], OUTSIDE[0]
    tab = (f"{base}/llkit/dashboard/tab?tab=profile&group=L%C3%A6replanstemaer&measure=sprog"
           f"&round=T3&institution=")
    status, url, body = _get(tab + inside)          # no token: the login page
    assert "/login" in url and "llkit-figure" not in body
    status, _, body = _get(tab + inside + f"&token={TOKEN}")
    assert status == 200 and "llkit-figure" in body
    for inst in (outside, "I99"):
        status, _, body = _get(tab + inst + f"&token={TOKEN}")
        assert status == 403 and "Ingen adgang" in body and "llkit-figure" not in body
        _no_leak(body, [])
        status, _, body = _get(f"{base}/llkit/dashboard/view?institution={inst}&token={TOKEN}")
        assert status == 403 and "Ingen adgang" in body
        _no_leak(body, [])
    status, _, body = _get(f"{base}/llkit/dashboard/view?institution={inside}&token={TOKEN}")
    assert status == 200
    _no_leak(body, INSIDE)
    status, _, _ = _get(tab.replace("tab=profile", "tab=secret") + inside + f"&token={TOKEN}")
    assert status == 400


@pytest.mark.skipif(not CHAPTERS, reason="notebooks/elearning/01_*.ipynb not written yet")
def test_elearning_chapter_feedback(server, page):
    rel = f"elearning/{CHAPTERS[0].name}"
    page.goto(f"{server['base']}/voila/render/{rel}?institution={INSIDE[1]}&token={TOKEN}")
    page.wait_for_selector(".llkit-ex", state="visible", timeout=120_000)
    box = page.locator(".llkit-ex").filter(has=page.locator("input[type=radio]")).first
    box.scroll_into_view_if_needed()
    box.locator("input[type=radio]").first.check()
    box.locator("button", has_text="Tjek svar").click()
    box.locator(".llkit-fb-ok, .llkit-fb-no").first.wait_for(state="visible", timeout=30_000)
    assert box.locator(".llkit-fb-ok, .llkit-fb-no").first.inner_text().strip()
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and "kernel_parameters" not in text
    assert page.external == []
    _no_leak(page.content(), INSIDE)


@pytest.mark.skipif(not CHAPTERS, reason="notebooks/elearning/01_*.ipynb not written yet")
def test_elearning_out_of_scope_refused(server, page):
    rel = f"elearning/{CHAPTERS[0].name}"
    page.goto(f"{server['base']}/voila/render/{rel}?institution={OUTSIDE[0]}&token={TOKEN}")
    page.wait_for_selector(".llkit-refusal", state="visible", timeout=120_000)
    assert page.locator(".llkit-ex, img, .llkit-figure, table").count() == 0


@pytest.fixture(scope="module")
def full_server(tmp_path_factory):
    """A server with no kernel to spare: chapter 1 in kernels (``--legacy``: pre-rendered
    chapters need none), without a pool and --max-kernels 0."""
    args = ["--notebooks", "elearning", "--chapters", "1", "--token", TOKEN, "--chapter-pool-size", "0",
            "--max-kernels", "0", "--legacy"]
    with running_server(DAGTILBUD, args, tmp_path_factory.mktemp("serve-full") / "serve.log",
                        ready=None, timeout=120) as srv:
        yield srv


@pytest.mark.skipif(not CHAPTERS, reason="notebooks/elearning/01_*.ipynb not written yet")
def test_viewer_without_a_kernel_gets_danish_message_and_retries(full_server, page):
    """No kernel free: the page says so in Danish at once (no blank page, no data) and
    reloads itself to try again."""
    rel = f"elearning/{CHAPTERS[0].name}"
    page.goto(f"{full_server['base']}/voila/render/{rel}?institution={INSIDE[0]}&token={TOKEN}")
    page.wait_for_selector(".llkit-busy", state="visible", timeout=10_000)
    text = page.locator("body").inner_text()
    assert "Vent et øjeblik" in text and "prøver selv igen" in text
    assert page.locator(".llkit-ex, img, .llkit-figure, table").count() == 0
    _no_leak(page.content(), [])
    page.wait_for_url(re.compile(r"llkit_try=2"), timeout=30_000)   # it retried by itself
    page.wait_for_selector(".llkit-busy", state="visible", timeout=10_000)
    assert "Kernel started" not in full_server["log"].read_text(errors="replace")
