"""Run a notebook once per unit (``llkit batch``), on a local process pool or a Dask cluster.

>>> result = run_batch("data/sample/dagtilbud", "out", only=["I01", "I02"])  # doctest: +SKIP
>>> result.ok, result.counts                                              # doctest: +SKIP
(True, {'ok': 2, 'failed': 0, 'skipped': 0})

For every unit of a level (institution by default) the notebook is executed with papermill,
with the parameters ``data`` (the dataset) and ``<level>`` (the unit's id, always a ``str``),
and exported to HTML (:func:`llkit.apps.report.to_html`) in the worker. The output folder holds

``html/<unit>.html``, ``ipynb/<unit>.ipynb`` (``pdf/<unit>.pdf`` with ``pdf=True``)
    The report of each unit that succeeded.
``failed/<unit>.ipynb``
    The notebook of a unit that failed, executed up to the error.
``manifest.json``
    Per unit: ``status`` (ok, failed, skipped), ``error``, ``duration``, ``input_hash``,
    ``llkit_version``, ``attempts``, ``outputs``. Rewritten atomically after each unit.
``index.html``
    A Danish overview: every unit with its status, link and headline figures.

Every file is written to a temporary file and renamed into place, so a reader (or an
interrupted run) never sees half a file. A re-run skips every unit whose *input hash* is
unchanged and whose outputs are in place; failed units are always redone. The input hash
covers the data the notebook reads (the whole dataset, in canonical form: a report
compares its unit with the cluster and the municipality, so a correction anywhere changes
every report), the notebook file, the parameters (with the unit's id) and the llkit
version.

Speed: each worker keeps one Jupyter kernel warm across units (on a first run the workers
start theirs while the data is loaded), with the notebook's own imports done once. Before
each further unit the kernel's namespace and global state are reset (IPython ``reset``
with execution count 1, matplotlib rcParams and figures, warning filters, pandas options,
working directory, ``sys.path``, environment), so a report is the same as from a fresh
kernel. In the kernel :func:`llkit.load` returns the same Dataset while its files are
unchanged (checked against a content fingerprint before each reuse), so what
``llkit.documents`` and ``llkit.stats.indicators`` cache per Dataset (municipality figures,
funnels, variance components, scores) is computed once per worker, not once per report.
A kernel that timed out, died or failed to start is replaced, and such a unit is tried
once more; a plain cell error is not.

With ``dask="tcp://host:port"`` the units run on an existing Dask cluster whose workers
need only llkit installed: the dataset's files are sent once to each worker, each task
carries the notebook JSON and returns the notebook and HTML, which the client writes.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import html
import io
import json
import os
import pickle
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import unicodedata
import uuid
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from llkit._atomic import atomic_write

__all__ = [
    "BATCH_LEVELS",
    "STATUSES",
    "BatchResult",
    "UnitResult",
    "run_batch",
    "run_unit",
    "input_hash",
    "data_digest",
    "default_notebook",
    "notebook_parameters",
    "coerce_parameters",
    "format_summary",
    "render_index",
    "shutdown_kernels",
]

#: Levels a batch can run at (one report per unit of the level).
BATCH_LEVELS = ("institution", "cluster", "area", "department")
#: Values of a unit's ``status`` in the manifest.
STATUSES = ("ok", "failed", "skipped")
#: Default notebook per level, in the project's ``notebooks/`` folder.
DEFAULT_NOTEBOOKS = {"institution": "institution_report.ipynb",
                     "cluster": "cluster_dialogue.ipynb"}
MANIFEST, INDEX = "manifest.json", "index.html"
#: Failures a second attempt (with a fresh kernel) can cure; a plain cell error cannot.
RETRY_KINDS = frozenset({"timeout", "dead_kernel", "kernel_start", "error"})
#: A kernel is replaced after this many units (bounds slow leaks in long batches).
UNITS_PER_KERNEL = 40
_FORMAT = 1
_ENGINE = "llkit-warm"
#: Temporary files of atomic_write (``.<name>.<random>.tmp``) a killed run left behind.
_TMP_RE = re.compile(r"^\..+\.[0-9a-z_]{8}\.tmp$")


# ======================================================================================
# results
# ======================================================================================


@dataclass
class UnitResult:
    """The outcome of one unit in a batch: one entry of ``manifest.json``'s ``units``.

    ``status`` is ``"ok"``, ``"failed"`` or ``"skipped"`` (unchanged since the run that
    made its outputs; ``finished`` and ``outputs`` are that run's). ``error_kind`` is
    ``"cell_error"``, ``"timeout"``, ``"dead_kernel"``, ``"kernel_start"``, ``"export"``,
    ``"version"``, ``"worker_died"`` or ``"error"``. ``duration`` is the wall seconds of
    this run (all attempts, export included; 0 when skipped); ``outputs`` maps ``ipynb``,
    ``html``, ``pdf`` or ``failed_ipynb`` to paths relative to the output folder.
    """

    id: str
    name: str
    status: str
    error: str | None = None
    error_kind: str | None = None
    duration: float = 0.0
    attempts: int = 0
    input_hash: str = ""
    llkit_version: str = ""
    finished: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    worker: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UnitResult:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


@dataclass
class BatchResult:
    """What :func:`run_batch` did.

    Attributes
    ----------
    out : Path
        The output folder.
    units : list of UnitResult
        The units of this run, in unit order.
    manifest, index : Path
        ``manifest.json`` and ``index.html``.
    elapsed : float
        Wall seconds of the run.
    level : str
        The level of the units.
    """

    out: Path
    units: list[UnitResult]
    manifest: Path
    index: Path
    elapsed: float = 0.0
    level: str = "institution"

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(u.status for u in self.units)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def ok(self) -> bool:
        """True when no unit failed."""
        return self.counts["failed"] == 0


# ======================================================================================
# inputs: notebook, parameters, hash
# ======================================================================================


def default_notebook(level: str = "institution") -> Path:
    """The project's notebook for a level (``notebooks/institution_report.ipynb`` …).

    Looked for in the ``notebooks/`` folder of the llkit source tree, then of the current
    directory.

    Raises
    ------
    FileNotFoundError
        When there is no default notebook for the level or it is not found.
    """
    name = DEFAULT_NOTEBOOKS.get(level)
    if name is None:
        raise FileNotFoundError(f"there is no default notebook for level {level!r}; pass "
                                "--notebook with a notebook that has a parameter "
                                f"{level!r}")
    candidates = [Path(__file__).resolve().parents[2] / "notebooks" / name,
                  Path.cwd() / "notebooks" / name]
    for c in candidates:
        if c.is_file():
            return c
    raise FileNotFoundError(f"the default notebook {name} was not found (looked in "
                            f"{', '.join(str(c.parent) for c in candidates)}); pass --notebook")


def notebook_parameters(notebook: str | Path) -> dict[str, str]:
    """The parameters a notebook declares in its ``parameters``-tagged cell.

    Returns
    -------
    dict
        Parameter name -> type name: the annotation if there is one, else the type that
        the line's comment starts with (the project's convention,
        ``rounds = None  # list of str or None: …``), else the type of the default
        value; ``"None"`` when none of these tells.
    """
    import ast

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    source = ""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in (
                cell.get("metadata", {}).get("tags") or []):
            src = cell.get("source", "")
            source = "".join(src) if isinstance(src, list) else str(src)
            break
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"the parameters cell of {Path(notebook).name} is not valid Python: "
                         f"{exc.msg} (line {exc.lineno})") from None
    lines = source.splitlines()
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            annotation = None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
            annotation = ast.unparse(node.annotation)
        else:
            continue
        value = node.value
        line = lines[node.end_lineno - 1][node.end_col_offset:] if node.end_lineno else ""
        comment = line.split("#", 1)[1] if "#" in line else ""
        t = annotation or _comment_type(comment)
        if t is None and value is not None:
            try:
                literal = ast.literal_eval(value)
            except ValueError:
                literal = None
            t = None if literal is None else type(literal).__name__
        for name in names:
            out[name] = t or "None"
    return out


_COMMENT_TYPE = re.compile(r"^\s*(list of (?:str|int|float)|list|str|int|float|bool)\b",
                           re.I)


def _comment_type(comment: str) -> str | None:
    m = _COMMENT_TYPE.match(comment)
    if not m:
        return None
    t = m.group(1).lower()
    return f"list[{t[8:]}]" if t.startswith("list of ") else t


_TRUE = {"true", "1", "yes", "ja", "sand"}
_FALSE = {"false", "0", "no", "nej", "falsk"}


def _coerce(name: str, value: Any, type_name: str) -> Any:
    if not isinstance(value, str):
        return value
    t = type_name.replace(" ", "").lower()
    try:
        if "list" in t or "tuple" in t or "sequence" in t:
            if value.lstrip().startswith("["):
                return list(json.loads(value))
            return [v.strip() for v in value.split(",") if v.strip()]
        if "str" in t:
            return value
        if t in ("int", "optional[int]", "int|none"):
            return int(value)
        if t in ("float", "optional[float]", "float|none"):
            return float(value)
        if t in ("bool", "optional[bool]", "bool|none"):
            v = value.strip().lower()
            if v in _TRUE | _FALSE:
                return v in _TRUE
            raise ValueError(value)
    except (ValueError, json.JSONDecodeError):
        raise ValueError(f"parameter {name}: {value!r} is not a valid {type_name}") from None
    # unknown / None default: JSON literal if it is one, else the text as given
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return value
    return parsed if not isinstance(parsed, str) else value


def coerce_parameters(values: Mapping[str, Any] | Iterable[tuple[str, Any]],
                      declared: Mapping[str, str]) -> dict[str, Any]:
    """Convert ``-p NAME VALUE`` texts to the types the notebook declares.

    A parameter declared as text stays text (``"007"`` stays ``"007"``); ``int``,
    ``float`` and ``bool`` are converted; lists accept JSON (``["T1","T3"]``) or
    comma-separated text; undeclared types take a JSON literal when the value is one.

    Raises
    ------
    ValueError
        For a name the notebook does not declare, or a value of the wrong type.
    """
    items = values.items() if isinstance(values, Mapping) else values
    out: dict[str, Any] = {}
    for name, value in items:
        if name not in declared:
            raise ValueError(f"the notebook has no parameter {name!r}; its parameters are: "
                             f"{', '.join(declared) or '(none)'}")
        out[name] = _coerce(name, value, declared[name])
    return out


def data_digest(ds: Any) -> str:
    """A sha256 of a dataset's content in canonical form.

    The metadata (as JSON) and every table, its rows sorted by all columns and written
    as CSV in memory, so the digest does not depend on file format, dialect or row
    order.
    """
    h = hashlib.sha256(b"llkit-data/1\n")
    m = ds.meta
    meta = {"name": m.name, "sector": m.sector, "rounds": list(m.rounds),
            "round_dates": dict(m.round_dates), "min_n": m.min_n,
            "synthetic": bool(m.synthetic), "extra": m.extra}
    h.update(json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str).encode())
    for name, frame in ds.tables.items():
        text = frame.astype("string") if len(frame.columns) else frame
        text = text.sort_values(list(text.columns), kind="stable", na_position="first") \
            if len(text.columns) else text
        buf = io.StringIO()
        text.to_csv(buf, index=False, lineterminator="\n")
        h.update(f"\n#table {name} {len(frame)}\n".encode())
        h.update(buf.getvalue().encode())
    # the action plans in plans/ are input too: a changed plan changes the report
    from llkit.documents.plans import _plan_files
    for path in _plan_files(ds):
        h.update(f"\n#plan {path.name}\n".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def input_hash(data: str, notebook: bytes, parameters: Mapping[str, Any],
               version: str) -> str:
    """The input hash of a unit: sha256 over its data digest, the notebook file bytes,
    the parameters (JSON with sorted keys, without the data path) and the llkit version.
    """
    h = hashlib.sha256(b"llkit-batch/1\n")
    h.update(data.encode())
    h.update(b"\n")
    h.update(hashlib.sha256(notebook).hexdigest().encode())
    h.update(b"\n")
    h.update(json.dumps(dict(parameters), sort_keys=True, ensure_ascii=False,
                        default=str).encode())
    h.update(b"\n")
    h.update(version.encode())
    return h.hexdigest()


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}


def _stems(ids: Sequence[str]) -> dict[str, str]:
    """A file name stem per unit id: the id itself when it is a safe file name,
    otherwise a cleaned id plus a short hash (so distinct ids never share a file)."""
    base: dict[str, str] = {}
    for uid in ids:
        s = unicodedata.normalize("NFC", uid)
        s = _UNSAFE.sub("_", s)
        s = re.sub(r"\s+", " ", s).strip().strip(".").strip()[:80]
        if not s or s.upper() in _RESERVED:
            s = "unit"
        base[uid] = s
    folded = Counter(s.casefold() for s in base.values())
    return {uid: s if (s == uid and folded[s.casefold()] == 1)
            else f"{s}-{hashlib.sha1(uid.encode()).hexdigest()[:8]}"
            for uid, s in base.items()}


# ======================================================================================
# files
# ======================================================================================


def _write_atomic(path: Path, data: bytes | str) -> None:
    """Write a batch output atomically and durably (:func:`llkit._atomic.atomic_write`)."""
    atomic_write(path, data, fsync=True)


def _clean_tmp(out: Path) -> None:
    """Remove temporary files an earlier, killed run may have left."""
    for folder in (out, *(out / d for d in ("html", "ipynb", "pdf", "failed"))):
        if folder.is_dir():
            for p in folder.iterdir():
                if _TMP_RE.match(p.name) and p.is_file():
                    with contextlib.suppress(OSError):
                        p.unlink()


def _read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # unreadable: every unit is redone
    return m if isinstance(m, dict) and m.get("format") == _FORMAT else {}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# ======================================================================================
# worker side: warm kernels
# ======================================================================================


class KernelStartError(RuntimeError):
    """The kernel did not start (or did not answer) in time."""


_KERNEL_STATE: dict[str, Any] = {}   # used inside the kernel process
_WORKER_DIR: Path | None = None
_WORKER_LOCK = threading.Lock()
_ALL_KERNELS: list[_Kernel] = []
_LOCAL = threading.local()


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


# ---- code run inside the kernel ------------------------------------------------------


def _kernel_snapshot(imports: Sequence[str] = (), preload: str | None = None) -> None:
    """(In the kernel.) Cache :func:`llkit.load`, import what the notebook imports, load
    the dataset ``preload`` with its scores, and remember the resulting global state
    (restored before each further unit)."""
    import importlib

    _install_load_cache()
    for name in imports:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    if preload:
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # recorded by the cache, shown to the notebook
            import llkit.data.dataset
            import llkit.stats.indicators

            llkit.stats.indicators.scores(llkit.data.dataset.load(preload))
    import matplotlib

    with contextlib.suppress(ImportError):
        import matplotlib.pyplot  # noqa: F401  - activates the inline backend as a notebook would
    rc = dict(matplotlib.rcParams.copy())
    rc.pop("backend", None)
    _KERNEL_STATE.update(
        rc=rc, filters=list(warnings.filters), cwd=os.getcwd(), path=list(sys.path),
        env=dict(os.environ),
    )


def _kernel_reset() -> None:
    """(In the kernel.) Give the next notebook the state of a fresh kernel."""
    from IPython import get_ipython

    ip = get_ipython()
    if ip is not None:
        ip.reset(new_session=True)   # user namespace, Out/_ and execution count 1
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib
        import matplotlib.pyplot as plt

        plt.close("all")
        update = getattr(matplotlib.rcParams, "_update_raw", None)   # no validation
        if update is not None:
            update(_KERNEL_STATE["rc"])
        else:  # pragma: no cover - older matplotlib
            dict.update(matplotlib.rcParams, _KERNEL_STATE["rc"])
    warnings.filters[:] = _KERNEL_STATE["filters"]
    with contextlib.suppress(AttributeError):
        warnings._filters_mutated()  # forget "shown once" registries
    _REPLAY_REGISTRIES.clear()
    if "llkit.stats.indicators" in sys.modules:
        # indicator results stay cached per Dataset (llkit.stats.indicators); their warnings
        # are shown again once per unit, as a fresh kernel would show them
        sys.modules["llkit.stats.indicators"]._REPLAY_REGISTRIES.clear()
    if "pandas" in sys.modules:
        import pandas as pd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")
    os.chdir(_KERNEL_STATE["cwd"])
    sys.path[:] = _KERNEL_STATE["path"]
    env = _KERNEL_STATE["env"]
    for k in [k for k in os.environ if k not in env]:
        del os.environ[k]
    os.environ.update(env)


def _data_key(path: Any, validate: bool) -> tuple | None:
    try:
        p = Path(path).resolve()
        files = sorted(p.iterdir()) if p.is_dir() else [p]
        stats = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns)
                      for f in files if f.is_file())
    except (OSError, TypeError):
        return None
    return (str(p), stats, bool(validate))


def _install_load_cache() -> None:
    """(In the kernel.) Make :func:`llkit.load` return the same Dataset while its files
    are unchanged, so the indicators that ``llkit.documents`` and ``llkit.stats.indicators``
    cache per Dataset object (municipality figures, funnels, variance components …) are
    computed once per worker instead of once per report. The warnings of the first load
    are shown again on every call, as a fresh kernel would show them. Before each reuse
    the Dataset is checked against a fingerprint of its content; if a notebook changed
    it, it is loaded afresh."""
    import functools

    import llkit
    import llkit.data.dataset as dsmod

    original = dsmod.load
    if getattr(original, "_llkit_batch_cached", False):
        return
    cache: dict[tuple, tuple[Any, list, str]] = {}
    here = __file__

    @functools.wraps(original)
    def load(path: Any, *, validate: bool = True) -> Any:
        key = _data_key(path, validate)
        if key is None:
            return original(path, validate=validate)
        hit = cache.get(key)
        if hit is not None and _fingerprint(hit[0]) != hit[2]:
            hit = None   # changed in place by a notebook: never hand it on
        if hit is None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ds = original(path, validate=validate)
            cache.clear()
            hit = cache[key] = (ds, list(caught), _fingerprint(ds))
        ds, caught, _ = hit
        for w in caught:
            if w.filename == here:   # issued for load's caller (stacklevel=2)
                warnings.warn(w.message, w.category, stacklevel=2)
            else:
                _replay([w])
        return ds

    load._llkit_batch_cached = True  # type: ignore[attr-defined]
    dsmod.load = load
    llkit.load = load  # type: ignore[attr-defined]


_REPLAY_REGISTRIES: dict[str, dict] = {}


def _replay(caught: Iterable[Any]) -> None:
    """Issue recorded warnings again, from their own source lines, each once per unit
    (as a fresh kernel would show them)."""
    for w in caught:
        registry = _REPLAY_REGISTRIES.setdefault(w.filename, {})
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                               registry=registry)


def _fingerprint(ds: Any) -> str:
    """A cheap digest of a Dataset's content and attributes (tables hashed by pandas)."""
    import pandas as pd

    h = hashlib.sha256(repr(ds.meta).encode())
    for name, value in sorted(vars(ds).items()):
        h.update(f"{name}:{id(value)}:{type(value).__name__}".encode())
        if isinstance(value, pd.DataFrame):
            h.update(repr((list(value.columns), [str(d) for d in value.dtypes])).encode())
            h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    return h.hexdigest()


# ---- the papermill engine -------------------------------------------------------------


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


# ---- local process pool ----------------------------------------------------------------


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


# ---- Dask ---------------------------------------------------------------------------------

_DATA_DIRS: dict[str, Path] = {}
PLANS_FOLDER = "plans"   # as llkit.documents.plans.PLANS_FOLDER (not imported: keeps this module light)


def _pack_dataset(path: Path) -> bytes:
    """The files of a dataset (folder or workbook) as one compressed blob."""
    p = Path(path)
    if p.is_file():
        files = {p.name: p.read_bytes()}
        kind = "file"
        plans = p.parent / PLANS_FOLDER
    else:
        wanted = {".csv", ".parquet", ".xlsx", ".toml"}
        files = {f.name: f.read_bytes() for f in sorted(p.iterdir())
                 if f.is_file() and f.suffix.lower() in wanted
                 and not f.name.startswith(("~$", "."))}
        kind = "folder"
        plans = p / PLANS_FOLDER
    # the action plans travel with the data (beside a workbook, inside a folder)
    if plans.is_dir():
        files.update({f"{PLANS_FOLDER}/{f.name}": f.read_bytes() for f in sorted(plans.iterdir())
                      if f.is_file() and f.suffix.lower() in (".yaml", ".yml")
                      and not f.name.startswith(".")})
    payload = {"name": p.name, "kind": kind, "files": files}
    return zlib.compress(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL), 3)


def _unpack_dataset(blob: bytes) -> Path:
    """Materialise a packed dataset in this worker's temp folder (once per content);
    the folder or workbook keeps its own name."""
    digest = hashlib.sha256(blob).hexdigest()[:16]
    with _WORKER_LOCK:
        hit = _DATA_DIRS.get(digest)
        if hit is not None and hit.exists():
            return hit
    payload = pickle.loads(zlib.decompress(blob))
    name = Path(payload["name"]).name
    root = _worker_dir() / f"data-{digest}"
    staging = _worker_dir() / f".data-{digest}-{uuid.uuid4().hex[:8]}"
    folder = staging if payload["kind"] == "file" else staging / name
    folder.mkdir(parents=True)
    for fname, raw in payload["files"].items():
        parts = Path(fname).parts
        if len(parts) == 2 and parts[0] == PLANS_FOLDER:
            dest = folder / PLANS_FOLDER
            dest.mkdir(exist_ok=True)
            (dest / Path(parts[1]).name).write_bytes(raw)
        else:
            (folder / Path(fname).name).write_bytes(raw)
    with _WORKER_LOCK:
        if root.exists():
            shutil.rmtree(staging, ignore_errors=True)
        else:
            staging.rename(root)
        _DATA_DIRS[digest] = root / name
    return root / name


def _dask_task(task: Mapping[str, Any], blob: bytes) -> dict[str, Any]:
    """A Dask task: materialise the data, run the unit, return the outputs."""
    import llkit

    if llkit.__version__ != task["llkit_version"]:
        return {"unit": task["unit"], "status": "failed", "error_kind": "version",
                "error": f"the worker has llkit {llkit.__version__}, the client "
                f"{task['llkit_version']}", "attempts": 0, "duration": 0.0,
                "ipynb": None, "html": None, "pdf": None,
                "worker": f"{socket.gethostname()}:{os.getpid()}"}
    data = _unpack_dataset(blob)
    params = dict(task["parameters"])
    params["data"] = str(data)
    result = run_unit({**task, "parameters": params})
    result["relocate"] = str(data)
    return result


def _relocate(text: str | None, old: str, new: str, kind: str) -> str | None:
    """Replace the worker's data path by the client's in a notebook (JSON) or HTML."""
    if not text or not old or old == new:
        return text
    if kind == "json":
        pairs = [(json.dumps(old)[1:-1], json.dumps(new)[1:-1]),
                 (json.dumps(old, ensure_ascii=False)[1:-1],
                  json.dumps(new, ensure_ascii=False)[1:-1])]
    else:
        pairs = [(html.escape(old), html.escape(new)), (old, new)]
    for a, b in pairs:
        text = text.replace(a, b)
    return text


# ======================================================================================
# client side
# ======================================================================================


@dataclass
class _Plan:
    uid: str
    name: str
    stem: str
    hash: str
    task: dict[str, Any]


def run_batch(
    data: str | Path,
    out: str | Path,
    *,
    notebook: str | Path | None = None,
    level: str = "institution",
    only: Sequence[str] | None = None,
    workers: int | None = None,
    dask: str | None = None,
    timeout: float = 600,
    force: bool = False,
    pdf: bool = False,
    parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    progress: bool = True,
) -> BatchResult:
    """Run a notebook once per unit and write the reports, ``index.html`` and
    ``manifest.json`` to ``out``.

    Parameters
    ----------
    data : str or Path
        The dataset (folder or workbook); loaded and validated first.
    out : str or Path
        The output folder (created; an earlier batch there is updated).
    notebook : str or Path, optional
        Default :func:`default_notebook` of ``level``. It must declare the parameters
        ``data`` and ``<level>``.
    level : {"institution", "cluster", "area", "department"}
    only : list of str, optional
        Unit ids to run (default: every unit of the level).
    workers : int, optional
        Local worker processes (default: the number of CPUs).
    dask : str, optional
        Address of a Dask scheduler (``tcp://host:port``) to run on instead.
    timeout : float
        Seconds a unit's notebook may run (kernel start not counted).
    force : bool
        Redo every unit, changed or not.
    pdf : bool
        Also write a PDF per unit.
    parameters : dict or list of (name, value), optional
        Further notebook parameters; text values are converted to the declared type.
    progress : bool
        Show a progress bar (stderr).

    Returns
    -------
    BatchResult

    Raises
    ------
    DataError
        The data is not valid.
    KeyError
        An ``only`` id is not a unit of the level.
    ValueError, FileNotFoundError, LlkitError
        Bad arguments: unknown level or parameter, no notebook, unreachable scheduler.
    """
    t_start = time.monotonic()
    if level not in BATCH_LEVELS:
        raise ValueError(f"unknown level {level!r}; levels are {', '.join(BATCH_LEVELS)}")
    if not timeout or timeout <= 0:
        raise ValueError("--timeout must be a positive number of seconds")
    if workers is not None and workers < 1:
        raise ValueError("--workers must be at least 1")
    nb_path = Path(notebook) if notebook is not None else default_notebook(level)
    if not nb_path.is_file():
        raise FileNotFoundError(f"no notebook at {nb_path}")
    nb_bytes = nb_path.read_bytes()
    declared = notebook_parameters(nb_path)
    for needed in ("data", level):
        if needed not in declared:
            raise ValueError(f"the notebook {nb_path.name} has no parameter {needed!r} "
                             f"(its parameters: {', '.join(declared) or 'none'}); llkit "
                             f"batch passes data= and {level}=")
    extra = coerce_parameters(parameters or {}, declared)
    for reserved in ("data", level):
        if reserved in extra:
            raise ValueError(f"-p {reserved} is set by llkit batch itself")
    if pdf:
        _check_pdf()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} is a file, not a folder")
    nb_json = nb_bytes.decode("utf-8")
    kernel_name = _kernel_name(nb_json)
    if not dask:
        _check_kernel(kernel_name, nb_path)
    imports = _notebook_imports(nb_json)

    client = _dask_client(dask) if dask else None
    # a first run: start the workers (and their kernels) while the data is loaded
    warm = {"kernel_name": kernel_name, "imports": imports, "data": str(Path(data).resolve())}
    pool = None if dask else _LocalPool(workers or _cpu_count(), warm)
    if pool is not None and (force or not (out / MANIFEST).is_file()):
        pool.start(len(only) if only else pool.workers)
    try:
        return _run_batch(
            data, out, pool=pool, client=client, nb_path=nb_path, nb_bytes=nb_bytes,
            nb_json=nb_json, kernel_name=kernel_name, imports=imports, level=level,
            only=only, timeout=timeout, force=force, pdf=pdf, extra=extra,
            progress=progress, t_start=t_start)
    except BaseException:
        if pool is not None:
            pool.kill()
        raise
    finally:
        if pool is not None:
            pool.close()
        if client is not None:
            client.close()


def _run_batch(data: str | Path, out: Path, *, pool: _LocalPool | None, client: Any,
               nb_path: Path, nb_bytes: bytes, nb_json: str, kernel_name: str,
               imports: list[str], level: str, only: Sequence[str] | None, timeout: float,
               force: bool, pdf: bool, extra: dict[str, Any], progress: bool,
               t_start: float) -> BatchResult:
    import llkit
    from llkit.data.dataset import load

    data_path = Path(data).resolve()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # warnings are shown by the reports themselves
        ds = load(data)
    units = ds.level_units(level)
    id_col, name_col = _level_columns(level)
    if units.empty:
        raise ValueError(f"the data has no {level} ids (column {id_col} is empty)")
    all_ids = [str(x) for x in units[id_col]]
    names = dict(zip(all_ids, (str(x) for x in units[name_col]), strict=True))
    if only:
        wanted = list(dict.fromkeys(str(x) for x in only))
        unknown = [u for u in wanted if u not in names]
        if unknown:
            shown = ", ".join(all_ids[:30]) + (" …" if len(all_ids) > 30 else "")
            raise KeyError(f"unknown {level} {', '.join(map(repr, unknown))}; the {level} "
                           f"ids are: {shown}")
        run_ids = [u for u in all_ids if u in set(wanted)]
    else:
        run_ids = all_ids

    out.mkdir(parents=True, exist_ok=True)
    _clean_tmp(out)
    previous = _read_manifest(out)
    if previous and previous.get("level") not in (None, level):
        raise ValueError(f"{out} holds a batch at level {previous.get('level')!r}; use "
                         "another --out folder for level " + repr(level))
    prev_units = {k: UnitResult.from_json(v)
                  for k, v in (previous.get("units") or {}).items() if k in names}
    for k, v in (previous.get("units") or {}).items():
        if k not in names:   # units that are no longer in the data: drop their files
            _remove_outputs(out, UnitResult.from_json(v).outputs)

    digest = data_digest(ds)
    version = llkit.__version__
    stems = _stems(all_ids)
    plans: list[_Plan] = []
    for uid in run_ids:
        params = {**extra, level: uid}
        h = input_hash(digest, nb_bytes, {"level": level, **params}, version)
        stem = stems[uid]
        task = {
            "unit": uid, "notebook_json": nb_json, "kernel_name": kernel_name,
            "imports": imports, "parameters": {"data": str(data_path), **params},
            "timeout": float(timeout), "pdf": bool(pdf), "llkit_version": version,
            "paths": {"input": str(nb_path.resolve()),
                      "ok": str((out / f"ipynb/{stem}.ipynb").resolve()),
                      "failed": str((out / f"failed/{stem}.ipynb").resolve())},
        }
        plans.append(_Plan(uid, names[uid], stem, h, task))

    state = {
        "format": _FORMAT, "llkit_version": version, "level": level,
        "data": str(data_path), "data_hash": digest, "notebook": str(nb_path.resolve()),
        "parameters": extra, "started": _now(), "updated": _now(),
        "units": {u: prev_units[u].to_json() for u in all_ids if u in prev_units},
    }
    results: dict[str, UnitResult] = {}
    todo: list[_Plan] = []
    for p in plans:
        prev = prev_units.get(p.uid)
        if (not force and prev is not None and prev.status in ("ok", "skipped")
                and prev.input_hash == p.hash and _outputs_ok(out, prev.outputs, pdf)):
            r = copy.copy(prev)
            r.status, r.duration, r.error, r.error_kind = "skipped", 0.0, None, None
            r.timings = {}
            results[p.uid] = r
            state["units"][p.uid] = r.to_json()
        else:
            todo.append(p)

    # the index's figures are computed while the workers run
    headline: dict[str, Any] = {}
    figures = threading.Thread(
        target=lambda: headline.update(_headlines(ds, level, extra)), daemon=True)
    figures.start()
    interrupted = False

    def write_state() -> None:
        state["updated"] = _now()
        ordered = {u: state["units"][u] for u in all_ids if u in state["units"]}
        state["units"] = ordered
        state["summary"] = dict(Counter(v["status"] for v in ordered.values()))
        _write_atomic(out / MANIFEST, json.dumps(state, ensure_ascii=False, indent=2) + "\n")

    def on_result(p: _Plan, res: Mapping[str, Any]) -> UnitResult:
        with _sigint_deferred():   # a unit's files and its manifest entry go together
            r = _store(out, p, res, prev_units.get(p.uid), str(data_path), version)
            results[p.uid] = r
            state["units"][p.uid] = r.to_json()
            write_state()
        return r

    bar = _progress(len(todo), level, progress)
    try:
        write_state()
        if todo and client is not None:
            _run_dask(todo, on_result, bar, client=client, data_path=data_path)
        elif todo and pool is not None:
            pool.run(todo, on_result, bar)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        bar.close()
        with contextlib.suppress(Exception):
            write_state()
        figures.join()
        _write_atomic(out / INDEX, render_index(ds, level, state, headline,
                                                interrupted=interrupted))
    ordered = [results[u] for u in run_ids if u in results]
    return BatchResult(out=out, units=ordered, manifest=out / MANIFEST, index=out / INDEX,
                       elapsed=time.monotonic() - t_start, level=level)


@contextlib.contextmanager
def _sigint_deferred() -> Any:
    """Hold back Ctrl-C until the block is done (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda *a: caught.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            raise KeyboardInterrupt


def _notebook_imports(nb_json: str) -> list[str]:
    """Modules the notebook imports at the top level of its code cells."""
    import ast

    names: list[str] = []
    for cell in json.loads(nb_json).get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        try:
            tree = ast.parse("".join(src) if isinstance(src, list) else str(src))
        except SyntaxError:
            continue   # e.g. IPython magics: left to the notebook
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    return list(dict.fromkeys(names))


def _check_kernel(name: str, nb_path: Path) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise ValueError(f"the notebook {nb_path.name} asks for the Jupyter kernel {name!r}, "
                         "which is not installed; use a python3 kernel") from None


def _check_pdf() -> None:
    from llkit.apps.report import CHROMIUM
    from llkit.errors import LlkitError

    try:
        import playwright  # noqa: F401
    except ImportError:
        raise LlkitError("--pdf needs the 'playwright' package (pip install playwright)") from None
    if not Path(CHROMIUM).exists():
        raise LlkitError(f"--pdf needs Chromium at {CHROMIUM} (apt-get install chromium)")


def _level_columns(level: str) -> tuple[str, str]:
    from llkit.data.dataset import LEVEL_COLUMNS

    return LEVEL_COLUMNS[level]


def _kernel_name(nb_json: str) -> str:
    meta = json.loads(nb_json).get("metadata", {})
    return (meta.get("kernelspec") or {}).get("name") or "python3"


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _outputs_ok(out: Path, outputs: Mapping[str, str], pdf: bool) -> bool:
    need = ("ipynb", "html", "pdf") if pdf else ("ipynb", "html")
    return all(k in outputs and (out / outputs[k]).is_file() for k in need)


def _remove_outputs(out: Path, outputs: Mapping[str, str], keep: Iterable[str] = ()) -> None:
    keep = set(keep)
    for rel in outputs.values():
        if rel not in keep:
            with contextlib.suppress(OSError):
                (out / rel).unlink()


def _store(out: Path, p: _Plan, res: Mapping[str, Any], prev: UnitResult | None,
           client_data: str, version: str) -> UnitResult:
    """Write a unit's outputs (atomically) and return its manifest entry."""
    old = res.get("relocate")
    ipynb = _relocate(res.get("ipynb"), old, client_data, "json") if old else res.get("ipynb")
    page = _relocate(res.get("html"), old, client_data, "html") if old else res.get("html")
    ok = res.get("status") == "ok" and ipynb is not None and page is not None
    outputs: dict[str, str] = {}
    if ok:
        _write_atomic(out / f"ipynb/{p.stem}.ipynb", ipynb)
        outputs["ipynb"] = f"ipynb/{p.stem}.ipynb"
        _write_atomic(out / f"html/{p.stem}.html", page)
        outputs["html"] = f"html/{p.stem}.html"
        if res.get("pdf"):
            _write_atomic(out / f"pdf/{p.stem}.pdf", res["pdf"])
            outputs["pdf"] = f"pdf/{p.stem}.pdf"
        with contextlib.suppress(OSError):
            (out / f"failed/{p.stem}.ipynb").unlink()
    elif ipynb is not None:
        _write_atomic(out / f"failed/{p.stem}.ipynb", ipynb)
        outputs["failed_ipynb"] = f"failed/{p.stem}.ipynb"
    if prev is not None:   # files of an earlier run that no longer belong to the unit
        _remove_outputs(out, prev.outputs, keep=outputs.values())
    error = res.get("error")
    return UnitResult(
        id=p.uid, name=p.name, status="ok" if ok else "failed",
        error=None if ok else (error or "failed"),
        error_kind=None if ok else (res.get("error_kind") or "error"),
        duration=float(res.get("duration") or 0.0), attempts=int(res.get("attempts") or 0),
        input_hash=p.hash, llkit_version=version, finished=_now(), outputs=outputs,
        worker=res.get("worker"), timings=dict(res.get("timings") or {}),
    )


class _NoBar:
    def update(self, n: int = 1) -> None: ...
    def set_postfix_str(self, s: str) -> None: ...
    def close(self) -> None: ...


def _progress(total: int, level: str, show: bool) -> Any:
    if not show or total == 0:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="report", desc=f"llkit batch ({level})", file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5)


def _failed_result(task: Mapping[str, Any], error: str, kind: str) -> dict[str, Any]:
    return {"unit": task["unit"], "status": "failed", "error": error, "error_kind": kind,
            "attempts": 1, "duration": 0.0, "ipynb": None, "html": None, "pdf": None}


class _LocalPool:
    """A process pool whose workers keep their kernels warm; can be started early."""

    def __init__(self, workers: int, warm: Mapping[str, Any] | None):
        self.workers = workers
        self.warm = dict(warm) if warm else None
        self.ex: Any = None

    def start(self, n: int) -> None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if self.ex is not None:
            return
        n = max(1, min(self.workers, n))
        self.ex = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"),
                                      initializer=_worker_init, initargs=(self.warm,))
        for _ in range(n):   # spawn the workers now (the pool does it on submit)
            self.ex.submit(_noop)

    def kill(self) -> None:
        """Stop at once: SIGTERM makes each worker stop its kernel and exit."""
        if self.ex is None:
            return
        for proc in list(getattr(self.ex, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        self.ex.shutdown(wait=False, cancel_futures=True)
        self.ex = None

    def close(self) -> None:
        if self.ex is not None:
            self.ex.shutdown(wait=True)
            self.ex = None

    def run(self, todo: list[_Plan],
            on_result: Callable[[_Plan, Mapping[str, Any]], UnitResult], bar: Any) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        pending = list(todo)
        restarts = 0
        while pending:
            self.start(len(pending))
            futures = {self.ex.submit(_pool_task, p.task): p for p in pending}
            broken: list[_Plan] = []
            not_done = set(futures)
            while not_done:
                done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                for f in done:
                    p = futures[f]
                    try:
                        res = f.result()
                    except BrokenProcessPool:
                        broken.append(p)
                        continue
                    except Exception as exc:  # noqa: BLE001 - recorded per unit
                        res = _failed_result(p.task, f"{type(exc).__name__}: {exc}", "error")
                    r = on_result(p, res)
                    bar.update(1)
                    bar.set_postfix_str(f"{r.id}: {r.status}")
            pending = broken
            if pending:   # a worker process died: a new pool, once
                self.kill()
                restarts += 1
                if restarts > 1:
                    for p in pending:
                        on_result(p, _failed_result(
                            p.task, "the worker process died (twice)", "worker_died"))
                        bar.update(1)
                    return


def _dask_client(address: str) -> Any:
    from llkit.errors import LlkitError

    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise LlkitError(f"--dask needs the 'distributed' package: {exc}") from None
    try:
        return Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise LlkitError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _run_dask(todo: list[_Plan], on_result: Callable[[_Plan, Mapping[str, Any]], UnitResult],
              bar: Any, *, client: Any, data_path: Path) -> None:
    from distributed import as_completed

    try:
        blob = _pack_dataset(data_path)
        [blob_future] = client.scatter([blob], broadcast=True, hash=False)
        run = uuid.uuid4().hex[:8]
        futures = {}
        for p in todo:
            key = f"llkit-batch-{run}-{hashlib.sha1(p.uid.encode()).hexdigest()[:10]}"
            futures[client.submit(_dask_task, p.task, blob_future, key=key, pure=False)] = p
        try:
            for f in as_completed(futures, loop=client.loop):
                p = futures[f]
                try:
                    res = f.result()
                except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: recorded
                    res = _failed_result(p.task, f"{type(exc).__name__}: {exc}", "error")
                r = on_result(p, res)
                bar.update(1)
                bar.set_postfix_str(f"{r.id}: {r.status}")
        except BaseException:
            client.cancel(list(futures), force=True)
            raise
    finally:
        with contextlib.suppress(Exception):
            client.run(shutdown_kernels)


# ======================================================================================
# index.html
# ======================================================================================


def _headlines(ds: Any, level: str, parameters: Mapping[str, Any] | None = None
               ) -> dict[str, Any]:
    """Headline figures per unit for the index: children in the latest round and the
    means of (up to) two child measures, suppression respected. The notebook parameters
    ``min_n`` (a stricter threshold) and ``rounds`` (the rounds reported on) apply here
    too."""
    import dataclasses

    from llkit.stats.indicators import summarize

    parameters = parameters or {}
    id_col = _level_columns(level)[0]
    wanted = parameters.get("min_n")
    if isinstance(wanted, int) and not isinstance(wanted, bool) and wanted > ds.meta.min_n:
        ds = copy.copy(ds)
        ds.meta = dataclasses.replace(ds.meta, min_n=wanted)
    min_n = int(ds.meta.min_n)
    only_rounds = parameters.get("rounds")
    if isinstance(only_rounds, str):
        only_rounds = [r.strip() for r in only_rounds.split(",")]
    out: dict[str, Any] = {"round": None, "columns": [], "rows": {}, "min_n": min_n,
                           "complementary": False}
    try:
        r = ds.responses
        answered = r[r["value"].notna() & r["child_id"].notna()]
        if answered.empty:
            return out
        rounds = [x for x in ds.meta.rounds if (answered["round"] == x).any()
                  and (not only_rounds or x in only_rounds)]
        if not rounds:
            return out
        last = rounds[-1]
        out["round"] = last
        org = ds.org.set_index("department_id")[id_col]
        cur = answered[answered["round"] == last]
        unit = cur["department_id"].astype(str).map(org)
        kids = (cur.assign(_unit=unit.to_numpy()).dropna(subset=["_unit"])
                .groupby("_unit", observed=True)["child_id"].nunique())
        m = ds.measures
        child_measures = m[m["subject"].astype(str) == "child"]["measure_id"].tolist()
        item_measure = ds.items.set_index("item_id")["measure_id"]
        measured = set(item_measure.reindex(cur["item_id"].astype(str).unique()).dropna())
        chosen = [x for x in child_measures if x in measured][:2]
        labels = m.set_index("measure_id")
        noun = ds.profile.labels.get("children", "Børn")
        out["columns"] = [f"{noun} med svar ({last})"] + [
            f"{labels.at[x, 'label']}: gennemsnit ({last}{_scale(labels.loc[x])})"
            for x in chosen]
        table = summarize(ds, chosen, by=level, round=last) if chosen else None
        for uid in ds.level_units(level)[id_col].astype(str):
            n = int(kids.get(uid, 0))
            cells = [_fmt_count(n, min_n)]
            for x in chosen:
                row = table[(table["measure_id"] == x) & (table[id_col].astype(str) == uid)]
                if row.empty:
                    cells.append("–")
                    continue
                row = row.iloc[0]
                if bool(row["suppressed"]):
                    if str(row.get("suppressed_reason")) == "complementary":
                        out["complementary"] = True
                        cells.append("vises ikke*")
                    else:
                        cells.append(_fmt_count(0, min_n))
                else:
                    cells.append(_fmt_num(row["mean"]))
            out["rows"][uid] = cells
    except Exception as exc:  # noqa: BLE001 - the index is still written without figures
        warnings.warn(f"llkit batch: the index's headline figures could not be computed "
                      f"({type(exc).__name__}: {exc})", stacklevel=2)
        out["columns"], out["rows"] = [], {}
    return out


def _scale(row: Any) -> str:
    from llkit.present.text import fmt_number

    lo, hi = row.get("scale_min"), row.get("scale_max")
    try:
        if lo == lo and hi == hi and lo is not None and hi is not None:
            return f", skala {fmt_number(lo, 0)}–{fmt_number(hi, 0)}"
    except TypeError:
        pass
    return ""


def _fmt_num(x: Any) -> str:
    from llkit.present.text import fmt_number

    return fmt_number(x, 1)


def _fmt_count(n: int, min_n: int) -> str:
    from llkit.present.text import fmt_int

    return f"færre end {fmt_int(min_n)}" if n < min_n else fmt_int(n)


_MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
           "september", "oktober", "november", "december"]


def _da_time(iso: str | None) -> str:
    if not iso:
        return "–"
    try:
        d = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return f"{d.day}. {_MONTHS[d.month - 1]} {d.year} kl. {d:%H.%M}"


_STATUS_DA = {"ok": "Færdig", "skipped": "Uændret", "failed": "Fejlet"}
_KIND_DA = {"cell_error": "fejl i en celle", "timeout": "tog for lang tid",
            "dead_kernel": "Python-kernen stoppede", "kernel_start": "Python-kernen kunne "
            "ikke starte", "export": "eksporten fejlede", "version": "forkert llkit-version",
            "worker_died": "arbejdsprocessen stoppede", "error": "fejl"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}p.meta{color:#555;margin-top:0}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #ddd;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3;font-weight:600}th.num,td.num{text-align:right}
td.num{white-space:nowrap}td.links{white-space:nowrap}
.id{color:#666;font-size:.85em}.ok{color:#1a6b2f}.skipped{color:#3b5f8a}
.failed{color:#a4161a;font-weight:600}
.err{color:#a4161a;font-size:.85em;font-weight:400;white-space:pre-wrap}
.summary span{margin-right:1.2rem}footer{margin-top:1.5rem;color:#555;font-size:.9em}
a{color:#0b5394}
"""


def render_index(ds: Any, level: str, state: Mapping[str, Any], headline: Mapping[str, Any],
                 *, interrupted: bool = False) -> str:
    """The Danish ``index.html`` of a batch: every unit with status, link and figures.

    Self-contained (inline CSS, no scripts, no network requests), ``lang="da"``.
    """
    from llkit.present.text import fmt_int

    e = html.escape
    labels = getattr(ds.profile, "labels", {}) or {}
    unit_label = labels.get(level, level.capitalize())
    units = state.get("units", {})
    counts = Counter(v.get("status") for v in units.values())
    title = f"Rapporter – {ds.meta.name}"
    cols = list(headline.get("columns") or [])
    rows_html = []
    for uid, u in units.items():
        status = u.get("status", "failed")
        outputs = u.get("outputs") or {}
        links = []
        if status != "failed" and "html" in outputs:
            links.append(f'<a href="{e(quote(outputs["html"]))}">Åbn rapport</a>')
            if "pdf" in outputs:
                links.append(f'<a href="{e(quote(outputs["pdf"]))}">PDF</a>')
            if "ipynb" in outputs:
                links.append(f'<a href="{e(quote(outputs["ipynb"]))}">notebook</a>')
        elif "failed_ipynb" in outputs:
            links.append(f'<a href="{e(quote(outputs["failed_ipynb"]))}">notebook med '
                         "fejlen</a>")
        name = u.get("name") or uid
        who = f"{e(name)}" + (f'<br><span class="id">{e(uid)}</span>' if name != uid else "")
        status_txt = _STATUS_DA.get(status, status)
        err = (f'<div class="err">{e(_KIND_DA.get(u.get("error_kind") or "", "Fejl"))}: '
               f'{e(str(u.get("error") or ""))}</div>' if status == "failed" else "")
        figures = headline.get("rows", {}).get(uid, ["–"] * len(cols))
        fig_cells = "".join(f'<td class="num">{e(x)}</td>' for x in figures)
        when = _da_time(u.get("finished"))
        rows_html.append(
            f'<tr><td>{who}</td><td class="{e(status)}">{e(status_txt)}{err}</td>'
            f'<td class="links">{" · ".join(links) or "–"}</td>{fig_cells}'
            f'<td class="num">{e(when)}</td></tr>')
    head_cells = "".join(f'<th class="num">{e(c)}</th>' for c in cols)
    min_n = int(headline.get("min_n") or ds.meta.min_n)
    noun = labels.get("children", "Børn").lower()
    notes = [f"Tal for færre end {fmt_int(min_n)} {e(noun)} vises ikke, af hensyn til de "
             "enkelte børn og familier."]
    if headline.get("complementary"):
        notes.append("* vises ikke, så tal for en lille gruppe ikke kan regnes ud fra de "
                     "andre tal.")
    if cols:
        notes.append("Gennemsnit er beregnet over de børn, der har en score i runden.")
    notes.append("Status »Uændret«: data, notebook og parametre er de samme som ved sidste "
                 "kørsel, så rapporten er ikke lavet igen.")
    if interrupted:
        notes.insert(0, "<strong>Kørslen blev afbrudt</strong>: kør den igen for at lave "
                     "de manglende rapporter.")
    summary = (f'<span>{unit_label}: {fmt_int(len(units))}</span>'
               f'<span class="ok">Færdige: {fmt_int(counts.get("ok", 0))}</span>'
               f'<span class="skipped">Uændrede: {fmt_int(counts.get("skipped", 0))}</span>'
               f'<span class="{"failed" if counts.get("failed") else ""}">Fejlet: '
               f'{fmt_int(counts.get("failed", 0))}</span>')
    rounds = ", ".join(ds.meta.rounds)
    version = e(str(state.get("llkit_version", "")))
    return f"""<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="llkit batch">
<title>{e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{e(title)}</h1>
<p class="meta">Én rapport pr. {e(unit_label.lower())} · runder: {e(rounds)} ·
opdateret {e(_da_time(state.get("updated")))} · llkit {version}</p>
<p class="summary">{summary}</p>
<table>
<thead><tr><th>{e(unit_label)}</th><th>Status</th><th>Rapport</th>{head_cells}<th class="num">Lavet</th></tr></thead>
<tbody>
{chr(10).join(rows_html)}
</tbody>
</table>
<footer>{"<br>".join(notes)}</footer>
</main>
</body>
</html>
"""


# ======================================================================================
# summary for the CLI
# ======================================================================================


def format_summary(result: BatchResult) -> str:
    """A plain-text table of the units of a run and a closing line (English)."""
    rows = [("unit", "name", "status", "seconds", "error")]
    for u in result.units:
        err = (u.error or "").splitlines()[0][:70] if u.error else ""
        rows.append((u.id, u.name[:32], u.status, f"{u.duration:.1f}", err))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join([r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].ljust(widths[2]),
                        r[3].rjust(widths[3]), r[4]]).rstrip() for r in rows]
    c = result.counts
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.append(f"{len(result.units)} unit(s): {c['ok']} ok, {c['failed']} failed, "
                 f"{c['skipped']} skipped (unchanged) in {result.elapsed:.1f} s. "
                 f"Index: {result.index}")
    return "\n".join(lines)
