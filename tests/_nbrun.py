"""Test helper: run notebooks through papermill in a pool of two worker processes.

Several test modules (report notebooks, e-learning chapters, the action-plan notebook,
the seminar exercises) execute parameterised notebooks on the sample data and then check
what came out. This module is the one place that runs them; the test modules only say
which notebooks, with which parameters, and what to assert.

This is a helper, not a test module: pytest collects tests only from ``test_*.py``, and
with ``--doctest-modules`` it imports this file but finds no examples to run.

Two details matter for the process pool:

- The worker, :func:`run_one`, is a module-level function. The pool starts its
  processes with ``spawn`` (a fresh interpreter, no state inherited from pytest), which
  pickles the function by reference: the child imports ``_nbrun`` by name. That works
  because the ``tests`` folder is on ``sys.path`` of the pytest process (pytest puts it
  there to import ``conftest.py`` and the test modules) and a spawned child starts with
  its parent's ``sys.path``.
- The worker never raises: a failing notebook comes back as a result whose ``error``
  holds the end of the traceback, so one broken notebook fails its own tests and not the
  whole fixture.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Collection, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

#: The project root: the kernel's working directory, so relative data paths resolve.
ROOT = Path(__file__).resolve().parents[1]
#: Seconds one notebook cell may run.
CELL_TIMEOUT = 300
#: Characters of the traceback kept in a failed result.
TRACEBACK_CHARS = 4000

#: A job: the notebook to run and its parameters (injected by papermill).
Job = tuple[Path, Mapping[str, Any]]


def run_one(name: str, notebook: str | Path, params: Mapping[str, Any], out_dir: str | Path,
            *, html: bool = False, keep_notebook: bool = False) -> dict[str, Any]:
    """Execute one notebook with papermill (in the calling process) and describe the run.

    Parameters
    ----------
    name : str
        The run's name; the executed notebook is written to ``out_dir/<name>.ipynb``.
    notebook : str or Path
        The notebook to execute (with a cell tagged ``parameters``).
    params : mapping
        The parameter values, passed to :func:`llkit.apps.report.run_notebook`.
    out_dir : str or Path
        An existing folder for the outputs.
    html : bool, default False
        Also export the executed notebook with :func:`llkit.apps.report.to_html`, and write
        it to ``out_dir/<name>.html``.
    keep_notebook : bool, default False
        Return the executed notebook itself (pickled back to the parent process).

    Returns
    -------
    dict
        ``name``; ``error`` (None, or the end of the traceback when running or exporting
        failed); ``ipynb`` (Path of the executed notebook, also written when a cell
        failed); ``html`` (the exported page or None) and ``html_path`` (its file or
        None); ``stderr`` (everything the notebook printed to stderr); ``nb`` (the
        executed ``NotebookNode`` when ``keep_notebook``, otherwise None).
    """
    from llkit.apps import report

    ipynb = Path(out_dir) / f"{name}.ipynb"
    result: dict[str, Any] = {"name": name, "error": None, "ipynb": ipynb, "html": None,
                              "html_path": None, "stderr": "", "nb": None}
    try:
        nb = report.run_notebook(notebook, params, ipynb, timeout=CELL_TIMEOUT, cwd=ROOT)
        if html:
            page = report.to_html(nb)
            result["html_path"] = ipynb.with_suffix(".html")
            result["html_path"].write_text(page, encoding="utf-8")
            result["html"] = page
    except Exception:  # noqa: BLE001 - reported by the test that reads this result
        result["error"] = traceback.format_exc()[-TRACEBACK_CHARS:]
        return result
    result["stderr"] = "".join(
        o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr")
    if keep_notebook:
        result["nb"] = nb
    return result


def run_many(jobs: Mapping[str, Job], out_dir: str | Path, *,
             html: bool | Collection[str] = False, keep_notebook: bool = False,
             workers: int = 2, start_method: str = "spawn") -> dict[str, dict[str, Any]]:
    """Run every job in a process pool and collect the results by name.

    Parameters
    ----------
    jobs : mapping of str to (notebook, params)
        The runs, by name. They are started in this order, so put the longest first
        when the runs differ much in length (the workers then finish together).
    out_dir : str or Path
        An existing folder; each run writes ``<name>.ipynb`` (and ``<name>.html``).
    html : bool or collection of str, default False
        Export to HTML: every run (True), none (False), or only the runs named.
    keep_notebook : bool, default False
        Return each executed notebook in the result's ``nb``.
    workers : int, default 2
        Worker processes; each starts one kernel at a time.
    start_method : str, default "spawn"
        The :mod:`multiprocessing` start method of the pool (``spawn`` or
        ``forkserver``; not ``fork``, which would copy pytest's state and threads).

    Returns
    -------
    dict of str to dict
        The result of :func:`run_one` for each job, in the order of ``jobs``.
    """
    ctx = multiprocessing.get_context(start_method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {
            name: pool.submit(run_one, name, notebook, dict(params), out_dir,
                              html=html if isinstance(html, bool) else name in html,
                              keep_notebook=keep_notebook)
            for name, (notebook, params) in jobs.items()
        }
        return {name: future.result() for name, future in futures.items()}
