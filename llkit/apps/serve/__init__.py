"""``llkit serve``: read-only views (the dashboard, the e-learning chapters) in the browser.

The server is Voilà on jupyter_server. The dashboard is pre-rendered
(:mod:`~llkit.apps.serve.static`): render workers draw each tab once and every viewer gets
the HTML at once, with no kernel per viewer (``--legacy`` runs it in kernels as before).
Every e-learning chapter runs in its own kernel; a pool of preheated kernels has already
imported llkit and loaded the data when a viewer arrives (``--viewers N`` sizes the pools
for a seminar room and checks the memory, :mod:`~llkit.apps.serve.room`), so the page only
has to compute the viewer's own institution. The safety rules:

- a token is required (generated with :mod:`secrets` and printed when not given), and the
  server binds to ``127.0.0.1`` unless told otherwise;
- the data path and the *scope* (which institutions may be seen) are decided by whoever
  starts the server. They reach the kernels through a JSON file that the server writes
  in a private temporary folder (environment variable ``LLKIT_SERVE_CONFIG``), never
  through the address. The kernel checks every requested institution against the scope
  (:func:`check_access`); outside it the page shows a Danish refusal and no data;
- sources are stripped and tracebacks hidden; a closed page's kernel is shut down, and a
  kernel without an open page is culled after ``--cull-idle`` seconds (default 300);
- the notebooks are served from a temporary copy (the data folder is never written to),
  and the kernels run the Python of this installation (:data:`sys.executable`), not a
  user-level kernel specification.

Speed: a preheated kernel has run everything up to the cell that waits for the viewer
(that cell has no time limit, :func:`cell_timeout`); the dashboard then sends its header
and first tab as plain HTML ahead of the widgets (:func:`early_display`), which the
served template writes straight into the page, so the first figure is visible before
Voilà's scripts have loaded.

Two halves live here: the server side (:mod:`~llkit.apps.serve.server` with
:func:`serve` and :func:`voila_config`; :mod:`~llkit.apps.serve.notebooks` with
:func:`prepare_notebooks`; :mod:`~llkit.apps.serve.template`; the ``serve`` subcommand in
:mod:`~llkit.apps.serve.command`) and the kernel side (:mod:`~llkit.apps.serve.kernel`:
:func:`served_config`, :func:`request_query`, :func:`check_access`,
:func:`kernel_parameters`), which the notebooks call. :mod:`~llkit.apps.serve.scope`
parses ``--scope``.

Examples
--------
>>> parse_scope("cluster=Klynge Nord 1")
Scope(kind='cluster', values=('Klynge Nord 1',))
>>> parse_scope("all").describe()
'alle institutioner'
"""

from __future__ import annotations

from llkit.apps.serve.command import add_serve_command
from llkit.apps.serve.kernel import EARLY_KEY as EARLY_KEY
from llkit.apps.serve.kernel import EARLY_VALUE as EARLY_VALUE
from llkit.apps.serve.kernel import (
    ENV_CONFIG,
    AccessRefused,
    check_access,
    kernel_parameters,
    refusal,
    request_query,
    requested_institution,
    served_config,
    warm_kernel,
)
from llkit.apps.serve.kernel import HIDE_EARLY as HIDE_EARLY
from llkit.apps.serve.kernel import early_display as early_display
from llkit.apps.serve.notebooks import CELL_TIMEOUT as CELL_TIMEOUT
from llkit.apps.serve.notebooks import KERNEL_NAME as KERNEL_NAME
from llkit.apps.serve.notebooks import NOTEBOOK_CHOICES as NOTEBOOK_CHOICES
from llkit.apps.serve.notebooks import WAIT_TAG as WAIT_TAG
from llkit.apps.serve.notebooks import cell_timeout as cell_timeout
from llkit.apps.serve.notebooks import prepare_notebooks
from llkit.apps.serve.notebooks import write_kernelspec as write_kernelspec
from llkit.apps.serve.scope import Scope, parse_scope, scope_institutions
from llkit.apps.serve.server import DEFAULT_CULL_IDLE as DEFAULT_CULL_IDLE
from llkit.apps.serve.server import serve, voila_config
from llkit.apps.serve.server import urls as urls
from llkit.apps.serve.template import write_template as write_template

__all__ = [
    "ENV_CONFIG",
    "Scope",
    "AccessRefused",
    "parse_scope",
    "scope_institutions",
    "served_config",
    "request_query",
    "requested_institution",
    "check_access",
    "refusal",
    "kernel_parameters",
    "warm_kernel",
    "prepare_notebooks",
    "voila_config",
    "serve",
    "add_serve_command",
]
