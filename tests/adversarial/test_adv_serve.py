"""Attacks 1 and 5, black-box: `llkit serve --legacy` as a subprocess on a loopback port.

The kernel views (``--legacy``: the dashboard, and e-learning chapter 3 with its exercise
widgets); the default server has no kernel per viewer and is attacked in
test_adv_prerendered.py.

1. Kernel channel: a viewer with a valid token and scope opens the page's kernel
   websocket and sends ``execute_request`` (read another institution's rows, list the
   data folder, open a socket, write a file) on every channel and wire format; and
   ``comm_msg`` updates to the widgets with values outside their dropdowns.
5. Load: 200 requests in 10 s to the served page, then 20 page opens in a row (each
   closed as a browser closes a tab): the server stays up and its memory (server and
   kernels) is back at the idle level within 60 s.
"""

from __future__ import annotations

import concurrent.futures as cf
import http.cookiejar
import json
import os
import re
import socket
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from _serve import CHAPTER3, CHROMIUM, DAGTILBUD, institutions, kernels, rss, running_server

TOKEN = "adv-token-4c1d"
NAMES = {i: v["name"] for i, v in institutions().items()}
INSIDE = "I01"
OUTSIDE = {i: n for i, n in NAMES.items() if i != INSIDE}
MAX_KERNELS = 6
CHAPTER = CHAPTER3

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    args = ["--notebooks", "dashboard", "--token", TOKEN, "--scope", f"institution={INSIDE}",
            "--pool-size", "1", "--cull-idle", "20",
            # the kernel dashboard: its kernel and widgets are the channel under attack (the
            # default dashboard and chapters are pre-rendered HTML without a kernel per viewer)
            "--legacy"]
    with running_server(DAGTILBUD, args, tmp_path_factory.mktemp("serve") / "serve.log",
                        env={"LLKIT_SERVE_MAX_KERNELS": str(MAX_KERNELS)}) as srv:
        srv["rel"] = "dashboard.ipynb"
        yield srv


@pytest.fixture(scope="module")
def chapter_server(tmp_path_factory):
    """E-learning chapter 3 in a kernel per viewer (``--legacy``): its exercise widgets and
    kernel are attacked the same way (the default server draws chapters without a kernel,
    see test_adv_prerendered.py)."""
    args = ["--notebooks", "elearning", "--chapters", "3", "--token", TOKEN, "--scope", f"institution={INSIDE}",
            "--chapter-pool-size", "1", "--cull-idle", "20", "--legacy"]
    with running_server(DAGTILBUD, args, tmp_path_factory.mktemp("serve-ch") / "serve.log",
                        ready=f"Kernel pool of {CHAPTER} is filled") as srv:
        srv["rel"] = CHAPTER
        yield srv


@pytest.fixture(params=["server", "chapter_server"], ids=["dashboard", "chapter"])
def target(request):
    return request.getfixturevalue(request.param)


def _page_url(server, institution=INSIDE) -> str:
    return f"{server['base']}/voila/render/{server['rel']}?institution={institution}&token={TOKEN}"


def _open_page(server) -> tuple[str, str, str]:
    """GET the page as a viewer: (html, kernel id, cookie header)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(_page_url(server), timeout=240).read().decode("utf-8")
    kid = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html).group(1)
    return html, kid, "; ".join(f"{c.name}={c.value}" for c in jar)


def _msg(msg_type: str, content: dict, channel: str | None = "shell") -> dict:
    m = {"header": {"msg_id": uuid.uuid4().hex, "username": "angriber",
                    "session": uuid.uuid4().hex, "msg_type": msg_type, "version": "5.3",
                    "date": "2026-01-01T00:00:00Z"},
         "parent_header": {}, "metadata": {}, "content": content, "buffers": []}
    if channel:
        m["channel"] = channel
    return m


def _v1(m: dict) -> bytes:
    """A message in the v1.kernel.websocket.jupyter.org binary format."""
    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    channel = m.pop("channel", "shell")
    return serialize_msg_to_ws_v1(m, channel, pack=lambda part: json.dumps(part).encode())


def _connect(server, kid: str, cookie: str, v1: bool = False):
    import websocket

    return websocket.create_connection(
        f"ws://127.0.0.1:{server['port']}/api/kernels/{kid}/channels?token={TOKEN}",
        cookie=cookie, timeout=5,
        subprotocols=["v1.kernel.websocket.jupyter.org"] if v1 else None)


def _drain(ws, seconds: float) -> list[str]:
    import websocket

    got, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketException, OSError):
            break
        got.append(frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame)
    return got


def test_execute_request_over_the_kernel_websocket_does_not_run(target, tmp_path):
    """Code sent over the page's own kernel channel never runs, on any channel or format."""
    server = target
    _, kid, cookie = _open_page(server)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    lport = listener.getsockname()[1]
    marker = tmp_path / "ran.txt"
    outside = next(iter(OUTSIDE))
    code = (f"import os, socket, llkit\nopen({str(marker)!r}, 'w').write('ran')\n"
            f"socket.create_connection(('127.0.0.1', {lport}), timeout=2)\n"
            f"print('LEAK', os.listdir({str(DAGTILBUD)!r}),\n"
            f"      llkit.load({str(DAGTILBUD)!r}).select(institution={outside!r}).children.head())")
    content = {"code": code, "silent": False, "store_history": False, "user_expressions":
               {"x": "open('/etc/hostname').read()"}, "allow_stdin": False, "stop_on_error": True}
    frames = []
    for channel in ("shell", "control", None):
        ws = _connect(server, kid, cookie)
        ws.send(json.dumps(_msg("execute_request", content, channel)))
        for kind in ("inspect_request", "complete_request", "history_request", "debug_request"):
            ws.send(json.dumps(_msg(kind, {"code": code, "cursor_pos": 3, "hist_access_type":
                                           "tail", "n": 10, "output": True, "raw": True})))
        frames += _drain(ws, 4)
        ws.close()
    ws = _connect(server, kid, cookie, v1=True)
    ws.send_binary(_v1(_msg("execute_request", content)))
    frames += _drain(ws, 4)
    ws.close()
    connected = False
    try:
        listener.accept()
        connected = True
    except TimeoutError:
        pass
    finally:
        listener.close()
    text = "\n".join(frames)
    assert not marker.exists(), "the attacker's code ran in the kernel"
    assert not connected, "the attacker's code opened a socket"
    assert "LEAK" not in text and "execute_reply" not in text and "execute_result" not in text
    for name in OUTSIDE.values():
        assert name not in text
    log = server["log"].read_text(errors="replace")
    assert 'message of type "execute_request", which is not allowed' in log


def _widget_comms(ws) -> list[str]:
    """The ids of the kernel's widget comms (as the page's widget manager asks for them)."""
    ws.send(json.dumps(_msg("comm_info_request", {"target_name": "jupyter.widget"})))
    for frame in _drain(ws, 5):
        m = json.loads(frame)
        if m["header"]["msg_type"] == "comm_info_reply":
            return list(m["content"]["comms"])
    return []


def test_widget_values_outside_the_dropdowns_show_nothing_outside_the_scope(target):
    server = target
    _, kid, cookie = _open_page(server)
    ws = _connect(server, kid, cookie)
    comms = _widget_comms(ws)
    assert comms, "no widget comms in the page's kernel"
    hostile = [{"index": 99}, {"index": -1}, {"index": None}, {"value": next(iter(OUTSIDE))},
               {"label": next(iter(OUTSIDE.values()))}, {"value": "../../../../etc/passwd"},
               {"_options_labels": list(NAMES.values()), "index": len(NAMES) - 1},
               {"options": list(NAMES)}]
    frames = []
    for comm_id in comms:
        for state in hostile:
            ws.send(json.dumps(_msg("comm_msg", {"comm_id": comm_id, "data": {
                "method": "update", "state": state, "buffer_paths": []}})))
        frames += _drain(ws, 0.3)
    frames += _drain(ws, 8)
    ws.close()
    # the kernel's echo of the attacker's own update is not something the kernel shows
    answers = [f for f in frames if '"echo_update"' not in f]
    text = "\n".join(answers)
    if os.environ.get("LLKIT_ADV_DUMP"):
        Path(os.environ["LLKIT_ADV_DUMP"]).write_text(text, encoding="utf-8")
    assert frames, "the kernel answered nothing (the attack did not reach it)"
    for inst, name in OUTSIDE.items():
        assert name not in text, f"{name} ({inst}) reached the page"
    assert "root:x:0:0" not in text and "Traceback" not in text
    assert server["proc"].poll() is None


def test_load_200_requests_then_20_pages_and_memory_returns(server):
    """Bounded, loopback only: 200 GETs of the page in 10 s (20 at a time), then 20 page
    opens in a row, each closed as a browser closes a tab."""
    pid = server["proc"].pid
    time.sleep(2)
    idle_kernels, idle_rss = kernels(pid), rss(pid)

    def get(_):
        try:
            with urllib.request.urlopen(_page_url(server), timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except (urllib.error.URLError, OSError):
            return 0

    start = time.monotonic()
    statuses = []
    with cf.ThreadPoolExecutor(20) as pool:
        futures = []
        for i in range(200):
            time.sleep(max(0.0, start + i * 0.05 - time.monotonic()))   # 20 per second
            futures.append(pool.submit(get, i))
        peak = 0
        for f in cf.as_completed(futures):
            statuses.append(f.result())
            peak = max(peak, kernels(pid))
    assert server["proc"].poll() is None, "the server died"
    assert peak <= MAX_KERNELS + 2, f"{peak} kernels for one attacker"  # + pool refill
    assert statuses.count(200) >= 1 and set(statuses) <= {200, 503}, sorted(set(statuses))

    _back_to_idle(pid, idle_kernels, idle_rss)   # the flood's kernels are culled
    if CHROMIUM.exists():
        _twenty_pages_in_a_row(server)
        _back_to_idle(pid, idle_kernels, idle_rss)
    assert server["proc"].poll() is None


def _back_to_idle(pid: int, idle_kernels: int, idle_rss: int) -> None:
    deadline = time.monotonic() + 60 + 30   # culled after --cull-idle 20 s (+ interval)
    while time.monotonic() < deadline:
        if kernels(pid) <= idle_kernels and rss(pid) < idle_rss * 1.25 + 100e6:
            break
        time.sleep(2)
    assert kernels(pid) <= idle_kernels, (kernels(pid), idle_kernels)
    assert rss(pid) < idle_rss * 1.25 + 100e6, (rss(pid) / 1e6, idle_rss / 1e6)


def _twenty_pages_in_a_row(server) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--no-sandbox", "--disable-gpu",
                                    "--disable-background-networking"])
        try:
            for _ in range(20):
                ctx = b.new_context()
                pg = ctx.new_page()
                pg.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda r: r.abort())
                pg.goto(_page_url(server), timeout=240_000)
                pg.wait_for_selector(".llkit-dashboard .llkit-figure img", state="visible",
                                     timeout=240_000)
                pg.close(run_before_unload=True)
                time.sleep(0.3)
                ctx.close()
        finally:
            b.close()

