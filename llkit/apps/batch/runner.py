"""Client side of a batch: :func:`run_batch` checks the arguments, plans a unit per id
(skipping those unchanged since the last run), runs the rest on the local pool or Dask,
and writes each unit's files with its manifest entry, then ``index.html``."""

from __future__ import annotations

import contextlib
import copy
import json
import signal
import sys
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llkit.apps.batch.dask import _dask_client, _relocate, _run_dask
from llkit.apps.batch.index import _headlines, render_index
from llkit.apps.batch.inputs import (
    _check_kernel,
    _check_pdf,
    _kernel_name,
    _level_columns,
    _notebook_imports,
    coerce_parameters,
    data_digest,
    default_notebook,
    input_hash,
    notebook_parameters,
)
from llkit.apps.batch.manifest import (
    _FORMAT,
    BATCH_LEVELS,
    INDEX,
    MANIFEST,
    BatchResult,
    UnitResult,
    _clean_tmp,
    _now,
    _outputs_ok,
    _read_manifest,
    _remove_outputs,
    _stems,
    _write_atomic,
)
from llkit.apps.batch.pool import _cpu_count, _LocalPool

#: The workbook of all units of the level, beside ``index.html``.
WORKBOOK = "tal.xlsx"


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
    all_ids, names, run_ids = _unit_ids(ds, level, only)
    prev_units = _previous_units(out, level, names)

    digest = data_digest(ds)
    version = llkit.__version__
    plans = _plans(run_ids, names, _stems(all_ids), out=out, data_path=data_path,
                   nb_path=nb_path, nb_bytes=nb_bytes, nb_json=nb_json,
                   kernel_name=kernel_name, imports=imports, level=level, timeout=timeout,
                   pdf=pdf, extra=extra, digest=digest, version=version)

    state = {
        "format": _FORMAT, "llkit_version": version, "level": level,
        "data": str(data_path), "data_hash": digest, "notebook": str(nb_path.resolve()),
        "parameters": extra, "started": _now(), "updated": _now(),
        "units": {u: prev_units[u].to_json() for u in all_ids if u in prev_units},
    }
    results: dict[str, UnitResult] = {}
    todo = _unchanged_skipped(plans, prev_units, out, force=force, pdf=pdf, results=results,
                              state=state)

    from llkit.apps.export import batch_workbooks

    workbook = batch_workbooks(ds, level, extra)
    # the index's figures (and the workbook of all units) are computed while the workers run
    headline: dict[str, Any] = {}
    level_book: dict[str, Any] = {}

    def figures_and_workbook() -> None:
        headline.update(_headlines(ds, level, extra))
        if todo or not (out / WORKBOOK).is_file():
            try:
                level_book["xlsx"] = workbook(None)
            except Exception as exc:  # noqa: BLE001 - recorded in the manifest
                level_book["error"] = f"{type(exc).__name__}: {exc}"

    figures = threading.Thread(target=figures_and_workbook, daemon=True)
    figures.start()
    interrupted = False

    def on_result(p: _Plan, res: Mapping[str, Any]) -> UnitResult:
        with _sigint_deferred():   # a unit's files and its manifest entry go together
            r = _store(out, p, res, prev_units.get(p.uid), str(data_path), version,
                       workbook=workbook)
            results[p.uid] = r
            state["units"][p.uid] = r.to_json()
            _write_state(out, state, all_ids)
        return r

    bar = _progress(len(todo), level, progress)
    try:
        _write_state(out, state, all_ids)
        if todo and client is not None:
            _run_dask(todo, on_result, bar, client=client, data_path=data_path)
        elif todo and pool is not None:
            pool.run(todo, on_result, bar)
        figures.join()
        _store_level_workbook(out, state, level_book)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        bar.close()
        with contextlib.suppress(Exception):
            _write_state(out, state, all_ids)
        figures.join()
        _write_atomic(out / INDEX, render_index(ds, level, state, headline,
                                                interrupted=interrupted))
    ordered = [results[u] for u in run_ids if u in results]
    return BatchResult(out=out, units=ordered, manifest=out / MANIFEST, index=out / INDEX,
                       elapsed=time.monotonic() - t_start, level=level)


def _unit_ids(ds: Any, level: str, only: Sequence[str] | None
              ) -> tuple[list[str], dict[str, str], list[str]]:
    """(every unit id of the level, id -> name, the ids to run: ``only`` in data order)."""
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
    return all_ids, names, run_ids


def _previous_units(out: Path, level: str, names: Mapping[str, str]) -> dict[str, UnitResult]:
    """Create ``out`` (minus a killed run's temporary files) and read the earlier run's
    units that are still in the data; the files of units no longer in it are removed."""
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
    return prev_units


def _plans(run_ids: Sequence[str], names: Mapping[str, str], stems: Mapping[str, str], *,
           out: Path, data_path: Path, nb_path: Path, nb_bytes: bytes, nb_json: str,
           kernel_name: str, imports: list[str], level: str, timeout: float, pdf: bool,
           extra: dict[str, Any], digest: str, version: str) -> list[_Plan]:
    """A plan (input hash and worker task) per unit to run."""
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
    return plans


def _unchanged_skipped(plans: list[_Plan], prev_units: Mapping[str, UnitResult], out: Path, *,
                       force: bool, pdf: bool, results: dict[str, UnitResult],
                       state: dict[str, Any]) -> list[_Plan]:
    """Record every unit whose input hash is unchanged and whose outputs are in place as
    skipped (in ``results`` and ``state``); returns the plans still to run."""
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
    return todo


def _write_state(out: Path, state: dict[str, Any], all_ids: Sequence[str]) -> None:
    """Rewrite ``manifest.json`` from ``state`` (units in data order, with a summary)."""
    state["updated"] = _now()
    ordered = {u: state["units"][u] for u in all_ids if u in state["units"]}
    state["units"] = ordered
    state["summary"] = dict(Counter(v["status"] for v in ordered.values()))
    _write_atomic(out / MANIFEST, json.dumps(state, ensure_ascii=False, indent=2) + "\n")


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


def _store_level_workbook(out: Path, state: dict[str, Any], level_book: Mapping[str, Any]) -> None:
    """The workbook of every unit of the level (``tal.xlsx``, linked from the index)."""
    state.pop("workbook_error", None)
    if "xlsx" in level_book:
        _write_atomic(out / WORKBOOK, level_book["xlsx"])
    if "error" in level_book:
        state["workbook_error"] = level_book["error"]
    elif (out / WORKBOOK).is_file():
        state["workbook"] = WORKBOOK


def _unit_workbook(p: _Plan, page: str, workbook: Any) -> tuple[bytes | None, str, str | None]:
    """(the unit's workbook, its page with the link "Hent tallene (Excel)", error)."""
    from urllib.parse import quote

    from llkit.apps.export import add_download_link

    try:
        xlsx = workbook(p.uid)
    except Exception as exc:  # noqa: BLE001 - recorded in the manifest
        return None, page, f"workbook failed: {type(exc).__name__}: {exc}"
    return xlsx, add_download_link(page, quote(f"{p.stem}.xlsx")), None


def _store(out: Path, p: _Plan, res: Mapping[str, Any], prev: UnitResult | None,
           client_data: str, version: str, workbook: Any = None) -> UnitResult:
    """Write a unit's outputs (atomically) and return its manifest entry."""
    old = res.get("relocate")
    ipynb = _relocate(res.get("ipynb"), old, client_data, "json") if old else res.get("ipynb")
    page = _relocate(res.get("html"), old, client_data, "html") if old else res.get("html")
    ok = res.get("status") == "ok" and ipynb is not None and page is not None
    outputs: dict[str, str] = {}
    xlsx = None
    if ok and workbook is not None:
        xlsx, page, wb_error = _unit_workbook(p, page, workbook)
        if wb_error:
            ok, res = False, {**res, "error": wb_error, "error_kind": "workbook"}
    if ok:
        _write_atomic(out / f"ipynb/{p.stem}.ipynb", ipynb)
        outputs["ipynb"] = f"ipynb/{p.stem}.ipynb"
        _write_atomic(out / f"html/{p.stem}.html", page)
        outputs["html"] = f"html/{p.stem}.html"
        if xlsx is not None:
            _write_atomic(out / f"html/{p.stem}.xlsx", xlsx)
            outputs["xlsx"] = f"html/{p.stem}.xlsx"
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
