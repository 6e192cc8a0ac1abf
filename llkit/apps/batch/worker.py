"""Worker side: one unit executed with papermill on this worker's warm kernel (retried once
where a fresh kernel can help) and exported to HTML (and PDF); the initializer and task
of a local pool worker."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import tempfile
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from llkit.apps.batch.kernels import (
    KernelStartError,
    _discard_kernel,
    _Kernel,
    _kernel_for,
    _worker_dir,
    shutdown_kernels,
)
from llkit.apps.batch.manifest import _write_atomic

#: Failures a second attempt (with a fresh kernel) can cure; a plain cell error cannot.
RETRY_KINDS = frozenset({"timeout", "dead_kernel", "kernel_start", "error"})
_ENGINE = "llkit-warm"


def _quiet_log() -> Any:
    """nbclient's logger for batch runs: its messages duplicate the recorded errors."""
    import logging

    log = logging.getLogger("llkit.apps.batch.nbclient")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
        log.propagate = False
    return log


def _register_engine() -> None:
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    if _ENGINE in papermill_engines._engines:
        return

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine on a kernel that outlives the notebook."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, llkit_kernel=None,
                                     llkit_holder=None, **kwargs):
            kernel: _Kernel = llkit_kernel
            if llkit_holder is not None:
                llkit_holder["nb"] = nb_man.nb
            for cell in nb_man.nb.cells:   # a stable id, so reruns give the same output
                if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
                    cell["id"] = "injected-parameters"
            client = PapermillNotebookClient(
                nb_man, km=kernel.km, timeout_func=kernel.timeout_func,
                startup_timeout=start_timeout, kernel_name=kernel_name, log=_quiet_log(),
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file)
            client.kc = kernel.kc   # the kernel's own client: stays connected
            return client.execute()

    papermill_engines.register(_ENGINE, WarmKernelEngine)


def _notebook_file(text: str) -> Path:
    """The notebook JSON written once per worker (keyed by content)."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = _worker_dir() / f"notebook-{digest}.ipynb"
    if not path.is_file():
        _write_atomic(path, text)
    return path


def _attempt(task: Mapping[str, Any], timings: dict[str, float]
             ) -> tuple[str, str | None, Any]:
    """Execute the notebook once. Returns (kind, error, notebook): kind "ok",
    "cell_error", "timeout", "dead_kernel", "kernel_start" or "error". Adds the seconds
    spent getting a ready kernel (start or reset) and executing to ``timings``."""
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    _register_engine()
    nb_path = _notebook_file(task["notebook_json"])
    kernel_name = task["kernel_name"]
    t0 = time.monotonic()
    imports = task.get("imports", ())
    try:
        kernel = _kernel_for(kernel_name, imports)
        try:
            kernel.prepare()
        except Exception:
            _discard_kernel(kernel)
            kernel = _kernel_for(kernel_name, imports)
    except KernelStartError as exc:
        return "kernel_start", str(exc), None
    finally:
        t1 = time.monotonic()
        timings["kernel"] = timings.get("kernel", 0.0) + t1 - t0
    holder: dict[str, Any] = {}
    timings["warm"] = float(kernel.units > 0)
    kernel.deadline = time.monotonic() + float(task["timeout"])
    kernel.units += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # papermill: "Passed unknown parameter"
            nb = pm.execute_notebook(
                str(nb_path), None, parameters=dict(task["parameters"]),
                engine_name=_ENGINE, request_save_on_cell_execute=False,
                progress_bar=False, kernel_name=kernel_name, start_timeout=60,
                llkit_kernel=kernel, llkit_holder=holder)
        return "ok", None, nb
    except PapermillExecutionError as exc:
        where = f" (cell [{exc.exec_count}])" if exc.exec_count else ""
        return "cell_error", f"{exc.ename}: {exc.evalue}{where}".strip(), holder.get("nb")
    except CellTimeoutError:
        _discard_kernel(kernel)
        return ("timeout", f"timeout: the notebook did not finish within "
                f"{_secs(task['timeout'])} s", holder.get("nb"))
    except DeadKernelError as exc:
        tail = kernel.log_tail()
        _discard_kernel(kernel)
        msg = f"the kernel died: {exc}".strip() + (f"\n{tail}" if tail else "")
        return "dead_kernel", msg, holder.get("nb")
    except Exception as exc:  # noqa: BLE001 - zmq/kernel trouble: recorded, retried once
        _discard_kernel(kernel)
        return "error", f"{type(exc).__name__}: {exc}", holder.get("nb")
    finally:
        kernel.deadline = None
        timings["execute"] = timings.get("execute", 0.0) + time.monotonic() - t1


def _secs(x: float) -> str:
    return f"{x:g}"


def _export(nb: Any, pdf: bool) -> tuple[str, bytes | None]:
    """HTML (and PDF) of an executed notebook with :mod:`llkit.apps.report`, in the worker."""
    from llkit.apps.report import export_pdf, to_html

    page = to_html(nb)
    if not pdf:
        return page, None
    folder = Path(tempfile.mkdtemp(prefix="pdf-", dir=_worker_dir()))
    try:
        (folder / "report.html").write_text(page, encoding="utf-8")
        export_pdf(folder / "report.html", folder / "report.pdf")
        return page, (folder / "report.pdf").read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_unit(task: Mapping[str, Any]) -> dict[str, Any]:
    """Run one unit (with one retry where it can help) and export it; never raises.

    Parameters
    ----------
    task : dict
        ``unit``, ``notebook_json``, ``kernel_name``, ``parameters``, ``timeout``,
        ``pdf`` (see :func:`run_batch`).

    Returns
    -------
    dict
        ``unit``, ``status`` ("ok"/"failed"), ``error``, ``error_kind``, ``attempts``,
        ``duration``, ``timings`` (seconds getting a ready kernel, executing and
        exporting; ``warm`` is 1 when the kernel had run a unit before), ``ipynb``
        (JSON text), ``html`` (text), ``pdf`` (bytes or None), ``worker``.
    """
    import nbformat

    t0 = time.monotonic()
    attempts = 0
    timings: dict[str, float] = {}
    while True:
        attempts += 1
        kind, error, nb = _attempt(task, timings)
        if kind == "ok" or kind not in RETRY_KINDS or attempts >= 2:
            break
    out: dict[str, Any] = {"unit": task["unit"], "status": "failed", "error": error,
                           "error_kind": None if kind == "ok" else kind,
                           "attempts": attempts, "ipynb": None, "html": None, "pdf": None,
                           "worker": f"{socket.gethostname()}:{os.getpid()}"}
    if kind == "ok":
        t_export = time.monotonic()
        try:
            out["html"], out["pdf"] = _export(nb, bool(task.get("pdf")))
            out["status"] = "ok"
        except Exception as exc:  # noqa: BLE001 - recorded in the manifest
            out.update(error=f"export failed: {type(exc).__name__}: {exc}",
                       error_kind="export", html=None, pdf=None)
        timings["export"] = time.monotonic() - t_export
    if nb is not None:
        with contextlib.suppress(Exception):
            paths = task.get("paths") or {}
            meta = nb.metadata.setdefault("papermill", {})
            if "input" in paths:
                meta["input_path"] = paths["input"]
            where = "ok" if out["status"] == "ok" else "failed"
            if where in paths:
                meta["output_path"] = paths[where]
            out["ipynb"] = nbformat.writes(nb)
    out["duration"] = round(time.monotonic() - t0, 3)
    out["timings"] = {k: round(v, 3) for k, v in timings.items()}
    return out


def _worker_init(warm: Mapping[str, Any] | None = None) -> None:
    """Initializer of a local pool worker: Ctrl-C is the parent's business; on SIGTERM
    (the parent was interrupted) the worker stops its kernels and exits. With ``warm``
    (``kernel_name``, ``imports``, ``data``) the kernel is started at once, while the
    parent is still loading the data."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(signum: int, frame: Any) -> None:
        shutdown_kernels()
        os._exit(143)

    signal.signal(signal.SIGTERM, on_term)
    if warm:
        with contextlib.suppress(Exception):   # a failure shows again at the first unit
            import nbconvert  # noqa: F401
            import papermill  # noqa: F401

            import llkit.apps.report  # noqa: F401

            _register_engine()
            _kernel_for(warm["kernel_name"], warm.get("imports", ()), warm.get("data"))


def _noop() -> None:
    return None


def _pool_task(task: Mapping[str, Any]) -> dict[str, Any]:
    return run_unit(task)


def _failed_result(task: Mapping[str, Any], error: str, kind: str) -> dict[str, Any]:
    return {"unit": task["unit"], "status": "failed", "error": error, "error_kind": kind,
            "attempts": 1, "duration": 0.0, "ipynb": None, "html": None, "pdf": None}
