"""Shared helpers of the adversarial tests: run the CLI as an attacker's victim would.

``run_cli`` starts ``python -m llkit.cli`` in a subprocess with a wall-clock limit and
returns the exit code, the output and the child's peak memory (from ``wait4``), so that a
test can assert "exit 2, a clear message, no traceback, within 60 s and 2 GB".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: The limits every hostile input must be handled within.
MAX_SECONDS = 60.0
MAX_BYTES = 2 * 1024**3


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, timeout: float = MAX_SECONDS, cwd: Path | None = None) -> Run:
    """Run ``llkit ARGS``; kill it (and fail) when it outlives ``timeout`` seconds."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"llkit-adv-{os.getpid()}-{time.time_ns()}"
    start = time.monotonic()
    with open(f"{out_path}.out", "w+b") as out, open(f"{out_path}.err", "w+b") as err:
        proc = subprocess.Popen([sys.executable, "-m", "llkit.cli", *args], stdout=out,
                                stderr=err, cwd=cwd or ROOT, env=env, start_new_session=True)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                raise AssertionError(f"llkit {' '.join(args)} ran longer than {timeout:.0f} s")
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    for suffix in (".out", ".err"):
        Path(f"{out_path}{suffix}").unlink(missing_ok=True)
    return Run(proc.returncode, stdout, stderr, seconds, usage.ru_maxrss * 1024)


def assert_refused(run: Run, *, names: str, says: tuple[str, ...] = ()) -> None:
    """Exit 2, no traceback, the file named, within the time and memory limits."""
    text = run.output
    assert run.returncode == 2, f"exit {run.returncode}, expected 2:\n{text[-3000:]}"
    assert "Traceback" not in text, text[-3000:]
    assert names in text, f"{names!r} not named in:\n{text[-3000:]}"
    for word in says:
        assert word.lower() in text.lower(), f"{word!r} not in:\n{text[-3000:]}"
    assert run.seconds < MAX_SECONDS
    assert run.peak_bytes < MAX_BYTES, f"peak memory {run.peak_bytes / 1e6:.0f} MB"
