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

The package, by side of the run:

``runner``
    :func:`run_batch`: arguments, plans, skipping unchanged units, storing results.
``inputs``, ``manifest``, ``index``
    What a batch reads (notebook, parameters, hashes), what it writes (results,
    ``manifest.json``, file names) and the Danish ``index.html``.
``pool``, ``dask``
    Where the units run: a local process pool or an existing Dask cluster.
``worker``, ``kernels``, ``in_kernel``
    The worker side: one unit on a warm kernel, the kernels themselves, and the code
    that runs inside a kernel (snapshot, reset, the cached :func:`llkit.load`).
"""

from __future__ import annotations

# ``X as X``: kept importable from here but not in __all__. A warm kernel calls
# ``llkit.apps.batch._kernel_snapshot(...)`` and ``._kernel_reset()`` (kernels._Kernel);
# tests/test_batch.py uses the other private names.
from llkit.apps.batch.dask import PLANS_FOLDER as PLANS_FOLDER
from llkit.apps.batch.dask import _pack_dataset as _pack_dataset
from llkit.apps.batch.dask import _unpack_dataset as _unpack_dataset
from llkit.apps.batch.in_kernel import _kernel_reset as _kernel_reset
from llkit.apps.batch.in_kernel import _kernel_snapshot as _kernel_snapshot
from llkit.apps.batch.index import _headlines as _headlines
from llkit.apps.batch.index import render_index
from llkit.apps.batch.inputs import DEFAULT_NOTEBOOKS as DEFAULT_NOTEBOOKS
from llkit.apps.batch.inputs import (
    coerce_parameters,
    data_digest,
    default_notebook,
    input_hash,
    notebook_parameters,
)
from llkit.apps.batch.kernels import UNITS_PER_KERNEL as UNITS_PER_KERNEL
from llkit.apps.batch.kernels import KernelStartError as KernelStartError
from llkit.apps.batch.kernels import _worker_dir as _worker_dir
from llkit.apps.batch.kernels import shutdown_kernels
from llkit.apps.batch.manifest import (
    BATCH_LEVELS,
    STATUSES,
    BatchResult,
    UnitResult,
    format_summary,
)
from llkit.apps.batch.manifest import INDEX as INDEX
from llkit.apps.batch.manifest import MANIFEST as MANIFEST
from llkit.apps.batch.manifest import _clean_tmp as _clean_tmp
from llkit.apps.batch.manifest import _stems as _stems
from llkit.apps.batch.manifest import _write_atomic as _write_atomic
from llkit.apps.batch.runner import run_batch
from llkit.apps.batch.worker import RETRY_KINDS as RETRY_KINDS
from llkit.apps.batch.worker import run_unit

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
