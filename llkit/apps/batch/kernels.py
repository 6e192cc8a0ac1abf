"""Worker side: the Jupyter kernels a worker process keeps warm across units (one per
thread and kernel name), the worker's temporary folder, and :func:`shutdown_kernels`."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: A kernel is replaced after this many units (bounds slow leaks in long batches).
UNITS_PER_KERNEL = 40


class KernelStartError(RuntimeError):
    """The kernel did not start (or did not answer) in time."""


_WORKER_DIR: Path | None = None
_WORKER_LOCK = threading.Lock()
_ALL_KERNELS: list[_Kernel] = []
_LOCAL = threading.local()
#: Datasets shipped to this (Dask) worker: content digest -> path (see the dask module).
_DATA_DIRS: dict[str, Path] = {}


def _worker_dir() -> Path:
    """This process's temporary folder (kernel working directory, logs, shipped data);
    removed with the kernels at exit."""
    global _WORKER_DIR
    with _WORKER_LOCK:
        if _WORKER_DIR is None or not _WORKER_DIR.is_dir():
            import atexit
            import multiprocessing.util as mpu

            _WORKER_DIR = Path(tempfile.mkdtemp(prefix="llkit-batch-"))
            atexit.register(shutdown_kernels)   # a normal interpreter exit
            mpu.Finalize(None, shutdown_kernels, exitpriority=100)   # a pool/Dask process
        return _WORKER_DIR


class _Kernel:
    """A Jupyter kernel kept warm across units (one per worker thread)."""

    def __init__(self, kernel_name: str, cwd: Path, imports: Sequence[str] = (),
                 preload: str | None = None, startup_timeout: float = 60):
        from jupyter_client.manager import AsyncKernelManager

        self.kernel_name = kernel_name
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        self.units = 0
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.deadline: float | None = None
        self.log = cwd / f"kernel-{uuid.uuid4().hex[:8]}.log"
        self.kc: Any = None
        self.imports = list(imports)
        self.preload = preload

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            with open(self.log, "ab") as log:   # the kernel's own stderr, for diagnosis
                run_sync(self.km.start_kernel)(
                    cwd=str(self.cwd), stdout=log, stderr=log,
                    extra_arguments=["--HistoryManager.hist_file=:memory:"])
            # one client for the kernel's life: no handshake per unit
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            self.kc.allow_stdin = False
            self.run_code("__import__('llkit.apps.batch').apps.batch._kernel_snapshot("
                          f"{self.imports!r}, {self.preload!r})", timeout=self.startup_timeout)
        except Exception as exc:
            tail = self.log_tail()
            self.kill()
            raise KernelStartError(f"the kernel did not start: {type(exc).__name__}: "
                                   f"{exc}" + (f"\n{tail}" if tail else "")) from exc

    @property
    def process(self) -> Any:
        prov = getattr(self.km, "provisioner", None)
        return getattr(prov, "process", None) if prov is not None else None

    def log_tail(self, lines: int = 5) -> str:
        """The last lines the kernel wrote to its stderr (minus routine warnings)."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        keep = [t for t in text.splitlines() if t.strip() and "without encryption" not in t]
        return "\n".join(keep[-lines:])

    def alive(self) -> bool:
        proc = self.process
        return proc is not None and proc.poll() is None

    def kill(self) -> None:
        """Stop the kernel process now (safe from any thread)."""
        import subprocess

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
            self.kc = None

        proc = self.process
        if proc is not None and proc.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, sig)   # the kernel leads its own session
                with contextlib.suppress(OSError):
                    proc.send_signal(sig)
                try:
                    proc.wait(timeout=3)
                    break
                except subprocess.TimeoutExpired:
                    continue
        with contextlib.suppress(Exception):
            cf = self.km.connection_file
            if cf and os.path.exists(cf):
                os.remove(cf)
        with contextlib.suppress(OSError):
            self.log.unlink()
        with _WORKER_LOCK, contextlib.suppress(ValueError):
            _ALL_KERNELS.remove(self)

    # -- code -------------------------------------------------------------------------

    def run_code(self, code: str, timeout: float = 60) -> None:
        """Run ``code`` in the kernel outside of any notebook; raise on an error."""
        from jupyter_core.utils import run_sync

        async def _run() -> dict:
            errors: list[str] = []

            def hook(msg: dict) -> None:
                if msg.get("msg_type") == "error":
                    errors.append(f"{msg['content'].get('ename')}: "
                                  f"{msg['content'].get('evalue')}")

            reply = await self.kc.execute_interactive(
                code, store_history=False, allow_stdin=False, timeout=timeout,
                output_hook=hook)
            if reply["content"].get("status") != "ok":
                raise RuntimeError("; ".join(errors) or str(reply["content"]))
            return reply

        run_sync(_run)()

    def prepare(self) -> None:
        """Reset the kernel's state before a further unit."""
        if self.units:
            self.run_code("__import__('llkit.apps.batch').apps.batch._kernel_reset()", timeout=60)

    def timeout_func(self, cell: Any) -> int | None:
        if self.deadline is None:
            return None
        return max(1, int(self.deadline - time.monotonic() + 0.999))


def _kernel_for(kernel_name: str, imports: Sequence[str] = (),
                preload: str | None = None) -> _Kernel:
    """This thread's warm kernel (started, or replaced after UNITS_PER_KERNEL units);
    a new kernel imports ``imports`` (the notebook's own imports) and loads the dataset
    ``preload`` right away."""
    kernels: dict[str, _Kernel] = getattr(_LOCAL, "kernels", None) or {}
    _LOCAL.kernels = kernels
    k = kernels.get(kernel_name)
    if k is not None and (k.units >= UNITS_PER_KERNEL or not k.alive()):
        k.kill()
        k = None
    if k is None:
        k = _Kernel(kernel_name, _worker_dir(), imports, preload)
        kernels[kernel_name] = k
        with _WORKER_LOCK:
            _ALL_KERNELS.append(k)
        try:
            k.start()
        except KernelStartError:
            kernels.pop(kernel_name, None)
            raise
    return k


def _discard_kernel(k: _Kernel) -> None:
    k.kill()
    kernels = getattr(_LOCAL, "kernels", {})
    if kernels.get(k.kernel_name) is k:
        del kernels[k.kernel_name]


def shutdown_kernels() -> int:
    """Stop every warm kernel of this process (all threads); returns how many."""
    with _WORKER_LOCK:
        ks = list(_ALL_KERNELS)
    for k in ks:
        k.kill()
    if hasattr(_LOCAL, "kernels"):
        _LOCAL.kernels = {}
    global _WORKER_DIR
    with _WORKER_LOCK:
        if _WORKER_DIR is not None:
            shutil.rmtree(_WORKER_DIR, ignore_errors=True)
            _WORKER_DIR = None
        _DATA_DIRS.clear()
    return len(ks)
