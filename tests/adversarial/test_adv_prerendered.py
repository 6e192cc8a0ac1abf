"""Attacks 1 and 5 on the default server: every view pre-rendered, no kernel per viewer.

``llkit serve`` (without ``--legacy``) draws the dashboard and the chapters in render
workers and checks a chapter's answers in the server (``llkit.apps.serve.chapters``), so
the attack surface is not a kernel channel but the server's own requests. A viewer with a
valid token and scope (``institution=I01``):

1. tries to reach a kernel anyway (Voilà's kernel routes, a websocket to a made-up kernel
   id, the shutdown route);
2. sends hostile answer requests: deep nesting, NaN, too large, wrong types, another
   institution, chapter names that walk out of the served folder or name an unserved
   chapter, made-up exercise ids and states, markup and script in answers and
   reflections;
3. floods: 200 requests in 10 s (pages, tabs, answers), then 20 chapter pages opened and
   closed in a row in Chromium; the server stays up, starts no kernel, and its memory is
   back at the idle level within 60 s.

Each test fails if the attack succeeds.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import re
import time
import urllib.error
import urllib.request
import uuid

import pytest
from _serve import CHAPTER3, CHROMIUM, DAGTILBUD, institutions, kernels, rss, running_server

from llkit.apps.serve.chapters import ANSWER_PATH, MAX_BODY
from llkit.apps.serve.static import BACKGROUND_DONE

TOKEN = "adv-pre-token-93e1"
NAMES = {i: v["name"] for i, v in institutions().items()}
INSIDE = "I01"
OUTSIDE = {i: n for i, n in NAMES.items() if i != INSIDE}
CHAPTER = CHAPTER3

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    args = ["--notebooks", "all", "--chapters", "3", "--token", TOKEN, "--scope", f"institution={INSIDE}"]
    with running_server(DAGTILBUD, args, tmp_path_factory.mktemp("serve-pre") / "serve.log",
                        ready=f"Kernel pool of {CHAPTER} is filled") as srv:
        yield srv


def _request(url: str, data: bytes | None = None, method: str = "GET") -> tuple[int, str]:
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def _answer(server, payload) -> tuple[int, str]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    return _request(f"{server['base']}{ANSWER_PATH}?token={TOKEN}", body, "POST")


def _no_outside_names(text: str) -> None:
    for inst, name in OUTSIDE.items():
        assert name not in text, f"{name} ({inst}) reached the attacker"


def _quiet_log(server) -> None:
    log = server["log"].read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert server["proc"].poll() is None, "the server died"


def test_no_kernel_can_be_reached(server):
    import websocket

    kid = str(uuid.uuid4())
    base, q = server["base"], f"?token={TOKEN}"
    for path in ["/api/kernels", f"/api/kernels/{kid}", f"/api/kernels/{kid}/channels", "/api/sessions",
                 "/api/kernelspecs", f"/voila/api/shutdown/{kid}"]:
        for method in ("GET", "POST"):
            status, _ = _request(base + path + q, b"{}" if method == "POST" else None, method)
            assert status in (403, 404, 405), (path, method, status)
    with pytest.raises((websocket.WebSocketException, OSError)):
        websocket.create_connection(f"ws://127.0.0.1:{server['port']}/api/kernels/{kid}/channels{q}",
                                    timeout=5).recv()
    status, _ = _request(f"{base}/voila/render/{CHAPTER}?institution={INSIDE}&token={TOKEN}")
    assert status == 200
    assert kernels(server["proc"].pid) == 0


HOSTILE_BODIES = [
    b"[" * 200_000,
    b'{"chapter": "' + CHAPTER.encode() + b'", "states": {"a": ' + b"{\"b\": " * 50_000 + b"}}",
    b'{"chapter": "' + CHAPTER.encode() + b'", "submit": ["ch03_width", NaN]}',
    b'{"chapter": "' + CHAPTER.encode() + b'", "x": "' + b"a" * (MAX_BODY + 1) + b'"}',
    b"\x00\x01\x02", b"", b"null", b'"text"', b"1e999",
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_hostile_answer_bodies_are_refused(server, body):
    status, text = _answer(server, body)
    assert status in (400, 413), status
    _no_outside_names(text)
    _quiet_log(server)


def test_answers_stay_inside_the_scope_and_the_served_chapter(server):
    ok = {"chapter": CHAPTER, "institution": INSIDE, "submit": ["ch03_width", "0,5"]}
    assert _answer(server, ok)[0] == 200
    for inst in list(OUTSIDE)[:5] + ["", "I01 ", "../I02", "I01\x00", "%"]:
        status, text = _answer(server, {**ok, "institution": inst})
        assert status in (403, 200), (inst, status)
        if status == 200:   # only the own institution, however written ("I01 " is I01)
            assert json.loads(text)["states"], inst
        _no_outside_names(text)
    for chapter in ["dashboard.ipynb", "../serve.json", "/etc/passwd", "elearning/../serve.json",
                    "elearning/01_datainformeret_laeringsledelse.ipynb", CHAPTER + "/..", CHAPTER.upper()]:
        assert _answer(server, {**ok, "chapter": chapter})[0] == 400, chapter
    # made-up exercises and states: ignored, never an error or another chapter's key
    status, text = _answer(server, {**ok, "states": {"ch01_cycle": {"solved": True, "attempts": 9},
                                                      "ch03_width": {"attempts": -5, "solved": "ja"}},
                                    "submit": ["ch01_cycle", "a"]})
    assert status == 200
    reply = json.loads(text)
    assert "ch01_cycle" not in reply["states"]
    _quiet_log(server)


def test_markup_in_answers_comes_back_as_text(server):
    evil = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    status, text = _answer(server, {"chapter": CHAPTER, "institution": INSIDE,
                                    "submit": ["ch03_width", evil]})
    assert status == 200
    reply = json.loads(text)
    assert "<img" not in reply["parts"]["ch03_width"]["fb"] and "<script" not in reply["parts"]["ch03_width"]["fb"]
    status, text = _answer(server, {"chapter": CHAPTER, "institution": INSIDE,
                                    "submit": ["ch03_reflection", evil + "</textarea>"]})
    reply = json.loads(text)
    assert "<script>alert(2)" not in reply["export"]["html"] and "&lt;script&gt;" in reply["export"]["html"]
    _quiet_log(server)


def test_load_200_requests_then_20_pages_and_memory_returns(server):
    pid = server["proc"].pid
    base = server["base"]
    page = f"{base}/voila/render/{CHAPTER}?institution={INSIDE}&token={TOKEN}"
    dash = f"{base}/voila/render/dashboard.ipynb?institution={INSIDE}&token={TOKEN}"
    tab = f"{base}/llkit/dashboard/view?institution={INSIDE}&token={TOKEN}"
    _request(page), _request(dash), _request(tab)   # the views drawn once: the idle level,
    _wait_for_log(server, BACKGROUND_DONE)            # with the queued views drawn too
    time.sleep(2)
    idle = rss(pid)

    def one(i: int) -> int:
        kind = i % 4
        if kind == 3:
            return _answer(server, {"chapter": CHAPTER, "institution": INSIDE,
                                    "submit": ["ch03_width", str(i)]})[0]
        return _request((page, dash, tab)[kind])[0]

    start, statuses, peak_kernels = time.monotonic(), [], 0
    with cf.ThreadPoolExecutor(20) as pool:
        futures = []
        for i in range(200):
            time.sleep(max(0.0, start + i * 0.05 - time.monotonic()))   # 20 per second
            futures.append(pool.submit(one, i))
        for f in cf.as_completed(futures):
            statuses.append(f.result())
            peak_kernels = max(peak_kernels, kernels(pid))
    assert server["proc"].poll() is None, "the server died"
    assert peak_kernels == 0
    assert set(statuses) <= {200, 503} and statuses.count(200) >= 190, sorted(set(statuses))
    _back_to_idle(pid, idle)
    if CHROMIUM.exists():
        _twenty_pages_in_a_row(page)
        _back_to_idle(pid, idle)
    _quiet_log(server)


def _wait_for_log(server: dict, line: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while line not in server["log"].read_text(errors="replace"):
        assert time.monotonic() < deadline, f"no {line!r} in the log in {timeout:.0f} s"
        time.sleep(1)


def _back_to_idle(pid: int, idle: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and rss(pid) >= idle * 1.25 + 100e6:
        time.sleep(2)
    assert rss(pid) < idle * 1.25 + 100e6, (rss(pid) / 1e6, idle / 1e6)
    assert kernels(pid) == 0


def _twenty_pages_in_a_row(url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            for _ in range(20):
                ctx = b.new_context()
                pg = ctx.new_page()
                pg.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda r: r.abort())
                pg.goto(url, timeout=60_000)
                pg.wait_for_selector(".llkit-live .llkit-ex-form", timeout=60_000)
                pg.close(run_before_unload=True)
                ctx.close()
        finally:
            b.close()
