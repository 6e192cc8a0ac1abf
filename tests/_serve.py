"""Test helper: start ``llkit serve`` in its own process group, wait until it is ready,
stop it and every kernel it started. Used by the browser and adversarial serve tests.
Not a test module (no ``test_`` prefix).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAGTILBUD = ROOT / "data" / "sample" / "dagtilbud"
CHROMIUM = Path("/usr/bin/chromium")
#: The third chapter (the seminar room's benchmark chapter), as served.
CHAPTER3 = "elearning/" + next((ROOT / "notebooks" / "elearning").glob("03_*.ipynb")).name


def institutions() -> dict[str, dict[str, str]]:
    """The sample's institutions: id -> {"name", "cluster"} (what a leak would show)."""
    import pandas as pd

    units = pd.read_csv(DAGTILBUD / "units.csv", dtype=str).drop_duplicates("institution_id")
    return {r.institution_id: {"name": r.institution_name, "cluster": r.cluster} for r in units.itertuples()}


#: The line the server logs when the dashboard (or a chapter: its path) is ready.
DASHBOARD_READY = "Kernel pool of dashboard.ipynb is filled"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree(pid: int) -> list:
    """The process and all its descendants (psutil processes; empty when gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def rss(pid: int) -> int:
    """Resident memory of the process and its descendants (bytes)."""
    import psutil

    total = 0
    for p in process_tree(pid):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def kernels(pid: int) -> int:
    """Kernel processes below ``pid``."""
    import psutil

    n = 0
    for p in process_tree(pid):
        try:
            n += "ipykernel_launcher" in " ".join(p.cmdline())
        except psutil.Error:
            pass
    return n


@contextlib.contextmanager
def running_server(data: Path, args: Sequence[str], log: Path, *, ready: str | None = DASHBOARD_READY,
                   env: Mapping[str, str] | None = None, timeout: float = 180) -> Iterator[dict]:
    """``llkit serve DATA --port P ARGS…`` until the block ends.

    Waits until ``ready`` is in the log (``None``: not at all) and ``/login`` answers.
    Yields ``{"base", "port", "log", "proc"}``; at the end stops the server (SIGTERM, then
    SIGKILL) and kills any kernel left (kernels run in their own sessions).
    """
    port = free_port()
    cmd = [sys.executable, "-m", "llkit", "serve", str(data), "--port", str(port), *args]
    fh = open(log, "wb")  # noqa: SIM115 - closed at the end
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llkit serve exited ({proc.returncode}):\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"llkit serve not ready in {timeout:.0f} s:\n{log.read_text()}")
            if ready is None or ready in log.read_text(errors="replace"):
                try:
                    urllib.request.urlopen(f"{base}/login", timeout=5).read()
                    break
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.5)
        yield {"base": base, "port": port, "log": log, "proc": proc}
    finally:
        kids = [p.pid for p in process_tree(proc.pid)[1:]]
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        fh.close()
