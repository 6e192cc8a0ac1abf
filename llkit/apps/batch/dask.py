"""Running a batch on an existing Dask cluster: the dataset's files packed once and sent to
every worker, one task per unit (the outputs come back to the client), and the worker's
data path replaced by the client's in what comes back."""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import pickle
import shutil
import socket
import uuid
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llkit.apps.batch.kernels import _DATA_DIRS, _WORKER_LOCK, _worker_dir, shutdown_kernels
from llkit.apps.batch.worker import _failed_result, run_unit

if TYPE_CHECKING:  # pragma: no cover
    from llkit.apps.batch.manifest import UnitResult
    from llkit.apps.batch.runner import _Plan

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
