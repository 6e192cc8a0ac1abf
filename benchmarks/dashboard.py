"""Benchmark of ``llkit serve`` in a seminar room: today's behaviour beside the new, in one run.

Usage::

    .venv/bin/python benchmarks/dashboard.py [--quick] [--modes legacy,new] [--scenarios dashboard,chapter]
        [--seed 14] [--timeout 120] [--data DIR]

Two servers are compared in the same run, on the same machine, one after the other:

- **legacy** — ``llkit serve --legacy``: the dashboard runs in a kernel per viewer (two
  kept preheated, the rest started on demand), one preheated kernel per e-learning
  chapter. This is the behaviour before the seminar-room work (commit e0b31f5), kept
  behind ``--legacy`` so both are measured by the same script, browser and load;
- **new** — ``llkit serve --viewers N``: the dashboard and the served chapter are
  pre-rendered by two render workers (no kernel per viewer); a chapter's answers are
  checked by the server (``llkit.apps.serve.chapters``).

Scenarios, each in fresh Chromium contexts (cold cache): (a) 10 viewers open the
dashboard in the same second; (b) 30 viewers arrive over 60 s (uniform random arrival
times, seeded) and keep their pages open; (c) 10 viewers open e-learning chapter 3 at
once; (d) the peak memory (RSS of the server and all its processes) while the 30 viewers
of (b) have their pages open. For every scenario: p50/p95/max seconds from navigation to
the *first figure* visible on screen and to *interactive* (dashboard: the menus work;
chapter: the first exercise's "Tjek svar" has been clicked and its feedback is on
screen — an answer checked end to end), failures (not rendered within
``--timeout`` s, an error in the page, "Ingen adgang", a traceback) and the peak memory.

``--quick`` is a smoke run (3 at once, 4 arrivals over 6 s, 2 on the chapter). The load
average is printed in the header and at the end: on a shared machine the figures depend
on it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
TOKEN = "bench-token"
CHAPTER = "elearning/03_usikkerhed_og_smaa_grupper.ipynb"
#: The first figure of the dashboard: pre-rendered page, early view, or the widgets' own.
DASH_FIRST = ".llkit-static .llkit-figure img, .llkit-early .llkit-figure img, .llkit-dashboard .llkit-figure img"
#: The dashboard is interactive: the menus work (pre-rendered page: its script has run).
DASH_READY = ".llkit-dashboard .llkit-figure img"
CHAPTER_FIRST = ".llkit-figure img"
#: A chapter's exercise can be answered: the page's script has run (pre-rendered) or the
#: widgets are drawn (kernel).
CHAPTER_READY = ".llkit-live .llkit-ex-form button, .llkit-ex .widget-button"
#: True when an element matching the selector is visible on screen (an image decoded).
_VISIBLE = """sel => [...document.querySelectorAll(sel)].some(i => {
  const r = i.getBoundingClientRect();
  return (i.tagName !== 'IMG' || (i.complete && i.naturalWidth > 0)) && r.width > 0 && r.height > 0
    && i.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
})"""
#: (scenario, p95 target in seconds) for the new server; (d) is a memory target.
TARGETS = {"a": 10.0, "b": 3.0, "c": 15.0}
MEMORY_TARGET_MB = 8 * 1024


def arrivals(n: int, window: float, seed: int) -> list[float]:
    """``n`` arrival times (seconds) uniform over ``window``, seeded, in order."""
    rng = random.Random(seed)
    return sorted(rng.uniform(0.0, window) for _ in range(n))


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """(p50, p95, max) of ``values`` (linear interpolation), NaN when empty."""
    if not values:
        return (float("nan"),) * 3
    a = np.asarray(values, dtype=float)
    return float(np.percentile(a, 50)), float(np.percentile(a, 95)), float(a.max())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``llkit serve`` in its own session, with its log in a temporary file."""

    def __init__(self, data: Path, extra: list[str], ready: str) -> None:
        self.port = _free_port()
        self.log = Path(tempfile.mkstemp(prefix="llkit-bench-", suffix=".log")[1])
        cmd = [sys.executable, "-m", "llkit", "serve", str(data), "--port", str(self.port),
               "--token", TOKEN, *extra]
        self.fh = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self.fh, stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.ready, self.base = ready, f"http://127.0.0.1:{self.port}"
        self.started = time.monotonic()

    def wait_ready(self, timeout: float = 600) -> float:
        """Seconds until the server is ready (its pools filled)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text(errors="replace"))
            if self.ready in self.log.read_text(errors="replace"):
                try:
                    urllib.request.urlopen(f"{self.base}/login", timeout=5).read()
                    return time.monotonic() - self.started
                except OSError:
                    pass
            time.sleep(0.5)
        raise RuntimeError(f"server not ready:\n{self.log.read_text(errors='replace')}")

    def wait_idle(self, timeout: float = 90) -> None:
        """Wait until the server's processes use (almost) no CPU."""
        deadline, quiet = time.monotonic() + timeout, 0
        procs = self.processes()
        for p in procs:
            _cpu(p)
        while time.monotonic() < deadline and quiet < 3:
            time.sleep(0.5)
            quiet = quiet + 1 if sum(_cpu(p) for p in procs) < 10 else 0
            procs = self.processes()

    def processes(self) -> list[psutil.Process]:
        try:
            me = psutil.Process(self.proc.pid)
            return [me, *me.children(recursive=True)]
        except psutil.Error:
            return []

    def memory_mb(self) -> float:
        total = 0
        for p in self.processes():
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def url(self, notebook: str, institution: str) -> str:
        return f"{self.base}/voila/render/{notebook}?institution={institution}&token={TOKEN}"

    def stop(self) -> None:
        kids = [p.pid for p in self.processes()[1:]]
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.fh.close()
        self.log.unlink(missing_ok=True)


def _cpu(p: psutil.Process) -> float:
    try:
        return p.cpu_percent(interval=None)
    except psutil.Error:
        return 0.0


@dataclass
class Result:
    """One scenario on one server."""

    name: str
    mode: str
    viewers: int
    first: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    peak_mb: float = 0.0
    wall: float = 0.0


class Sampler:
    """The peak memory of a server, read every 0.25 s while a scenario runs."""

    def __init__(self, server: Server) -> None:
        self.server, self.peak, self.task = server, 0.0, None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, self.server.memory_mb())
            await asyncio.sleep(0.25)

    def __enter__(self) -> Sampler:
        self.task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        self.task.cancel()
        self.peak = max(self.peak, self.server.memory_mb())


class _Arrived:
    """Counts the viewers that have rendered or failed (the pages of (b) stay open until
    all have)."""

    def __init__(self) -> None:
        self.n = 0


async def _view(browser, url: str, first_sel: str, ready_sel: str, timeout: float,
                delay: float = 0.0, hold: asyncio.Event | None = None,
                arrived: _Arrived | None = None, answer: bool = False) -> tuple[float, float, list[str]]:
    """Open ``url`` after ``delay`` s in a fresh context: seconds to the first figure and to
    interactive, and the errors; with ``hold`` the page stays open until it is set."""
    await asyncio.sleep(delay)
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.route("https://**", lambda r: r.abort())
    try:
        try:
            t0 = time.perf_counter()
            await page.goto(url, wait_until="commit", timeout=timeout * 1000)
            await page.wait_for_function(_VISIBLE, arg=first_sel, timeout=timeout * 1000)
            first = time.perf_counter() - t0
            left = max(timeout - first, 1.0)
            await page.wait_for_function(_VISIBLE, arg=ready_sel, timeout=left * 1000)
            if answer:   # check one answer end to end (empty: the feedback asks for one)
                box = page.locator(".llkit-ex").filter(has=page.locator("button", has_text="Tjek svar")).first
                await box.locator("button", has_text="Tjek svar").click(timeout=left * 1000)
                await box.locator(".llkit-fb-ok, .llkit-fb-no").first.wait_for(
                    state="visible", timeout=max(timeout - (time.perf_counter() - t0), 1.0) * 1000)
            ready = time.perf_counter() - t0
            text = await page.locator("body").inner_text()
            errors += [bad for bad in ("Traceback", "There was an error", "Ingen adgang") if bad in text]
        finally:
            if arrived is not None:
                arrived.n += 1
        if hold is not None:
            await hold.wait()
        return first, ready, errors
    finally:
        await page.close(run_before_unload=True)
        await asyncio.sleep(1.0)  # its last request (the kernel's shutdown) leaves
        await ctx.close()


async def _scenario(browser, server: Server, res: Result, urls: list[str], delays: list[float],
                    first_sel: str, ready_sel: str, timeout: float, hold: bool = False,
                    answer: bool = False) -> Result:
    event, arrived = (asyncio.Event() if hold else None), _Arrived()
    with Sampler(server) as sampler:
        t0 = time.perf_counter()
        tasks = [asyncio.ensure_future(_view(browser, u, first_sel, ready_sel, timeout, d, event, arrived, answer))
                 for u, d in zip(urls, delays, strict=True)]
        if event is not None:
            while arrived.n < len(tasks):   # every viewer has rendered (or failed) ...
                await asyncio.sleep(0.25)
            await asyncio.sleep(2.0)        # ... and all pages are open: the memory of (d)
            event.set()
        outs = await asyncio.gather(*tasks, return_exceptions=True)
        res.wall = time.perf_counter() - t0
    res.peak_mb = sampler.peak
    for out in outs:
        if isinstance(out, BaseException):
            res.failures.append(type(out).__name__ + ": " + (str(out).splitlines() or [""])[0][:120])
        elif out[2]:
            res.failures.append("; ".join(out[2])[:160])
        else:
            res.first.append(out[0])
            res.ready.append(out[1])
    return res


async def _dashboard(browser, args, mode: str, ids: list[str], n_a: int, n_b: int,
                     window: float) -> list[Result]:
    extra = ["--legacy"] if mode == "legacy" else ["--viewers", str(n_b)]
    server = Server(args.data, extra, "Kernel pool of dashboard.ipynb is filled")
    try:
        print(f"  {mode}: dashboard server ready in {server.wait_ready():.0f} s", flush=True)
        server.wait_idle()
        a = Result("(a) dashboard, all at once", mode, n_a)
        urls = [server.url("dashboard.ipynb", ids[i % len(ids)]) for i in range(n_a)]
        await _scenario(browser, server, a, urls, [0.0] * n_a, DASH_FIRST, DASH_READY, args.timeout)
        _line(a)
        server.wait_idle(timeout=120)
        b = Result(f"(b) dashboard, arriving over {window:.0f} s", mode, n_b)
        urls = [server.url("dashboard.ipynb", ids[i % len(ids)]) for i in range(n_b)]
        await _scenario(browser, server, b, urls, arrivals(n_b, window, args.seed), DASH_FIRST,
                        DASH_READY, args.timeout, hold=True)
        _line(b)
        return [a, b]
    finally:
        server.stop()


async def _chapter(browser, args, mode: str, ids: list[str], n_c: int) -> Result:
    extra = (["--legacy", "--notebooks", "elearning"] if mode == "legacy" else
             ["--notebooks", "elearning", "--chapters", "3", "--viewers", str(n_c)])
    server = Server(args.data, extra, f"Kernel pool of {CHAPTER} is filled")
    try:
        print(f"  {mode}: chapter server ready in {server.wait_ready():.0f} s", flush=True)
        server.wait_idle(timeout=180)
        c = Result("(c) chapter 3, all at once", mode, n_c)
        urls = [server.url(CHAPTER, ids[i % len(ids)]) for i in range(n_c)]
        await _scenario(browser, server, c, urls, [0.0] * n_c, CHAPTER_FIRST, CHAPTER_READY, args.timeout,
                        answer=True)
        _line(c)
        return c
    finally:
        server.stop()


def _fmt(values: list[float]) -> str:
    p50, p95, mx = percentiles(values)
    return "—" if not values else f"{p50:5.2f} {p95:5.2f} {mx:5.2f}"


def _line(r: Result) -> None:
    print(f"  {r.name:<34} {r.mode:<6} rendered {len(r.first):>2}/{r.viewers:<2} failed {len(r.failures):>2} "
          f"first p50/p95/max {_fmt(r.first)}  interactive {_fmt(r.ready)}  peak {r.peak_mb / 1024:.2f} GB "
          f"(wall {r.wall:.0f} s)", flush=True)
    for f in r.failures[:3]:
        print(f"      failure: {f}")


def _verdict(results: list[Result]) -> bool:
    ok = True
    print("\ntargets (new server):")
    for r in results:
        if r.mode != "new":
            continue
        key = r.name[1]
        p95 = percentiles(r.first)[1]
        met = len(r.first) == r.viewers and not r.failures and p95 <= TARGETS[key]
        print(f"  {r.name:<34} all {r.viewers} render, p95 first figure ≤ {TARGETS[key]:.0f} s: "
              f"{'met' if met else 'NOT met'} ({len(r.first)}/{r.viewers}, p95 {p95:.2f} s)")
        ok &= met
        if key == "b":
            mem = r.peak_mb <= MEMORY_TARGET_MB
            print(f"  (d) memory with {r.viewers} open viewers ≤ 8 GB: {'met' if mem else 'NOT met'} "
                  f"({r.peak_mb / 1024:.2f} GB)")
            ok &= mem
    return ok


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs"


async def _main(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    import llkit

    ids = list(dict.fromkeys(llkit.load(args.data).units["institution_id"].astype(str)))
    n_a, n_b, window, n_c = (3, 4, 6.0, 2) if args.quick else (10, 30, 60.0, 10)
    print(f"llkit serve in a seminar room · {'quick smoke run' if args.quick else 'full run'} · "
          f"load average {_load()} · seed {args.seed} · timeout {args.timeout:.0f} s")
    results: list[Result] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for mode in args.modes if "dashboard" in args.scenarios else []:
            results += await _dashboard(browser, args, mode, ids, n_a, n_b, window)
        for mode in args.modes if "chapter" in args.scenarios else []:
            results.append(await _chapter(browser, args, mode, ids, n_c))
        await browser.close()
    print("\nscenario                           server rendered   failed  first figure p50/p95/max (s)"
          "  interactive p50/p95/max (s)  peak memory")
    for r in sorted(results, key=lambda r: (r.name, r.mode)):
        print(f"{r.name:<34} {r.mode:<6} {len(r.first):>3}/{r.viewers:<3} {len(r.failures):>6}    "
              f"{_fmt(r.first):<29} {_fmt(r.ready):<28} {r.peak_mb / 1024:.2f} GB")
    ok = _verdict(results) if "new" in args.modes and not args.quick else True
    print(f"\nload average at the end: {_load()}")
    return 0 if ok else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "sample" / "dagtilbud")
    ap.add_argument("--quick", action="store_true", help="a short smoke run")
    ap.add_argument("--seed", type=int, default=14, help="seed of the arrival times in (b)")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds a viewer waits before counting as failed (default 120)")
    ap.add_argument("--modes", default="legacy,new", help="servers to compare (default legacy,new)")
    ap.add_argument("--scenarios", default="dashboard,chapter",
                    help="dashboard ((a), (b), (d)) and/or chapter ((c)); default both")
    args = ap.parse_args()
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    args.scenarios = [m.strip() for m in args.scenarios.split(",") if m.strip()]
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
