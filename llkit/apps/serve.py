"""``llkit serve``: read-only views (the dashboard, the e-learning chapters) in the browser.

The server is Voilà on jupyter_server. Every view runs in its own kernel; a pool of
preheated kernels has already imported llkit and loaded the data when a viewer arrives,
so the page only has to draw. The safety rules:

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

Two halves live here: the server side (:func:`serve`, :func:`prepare_notebooks`,
:func:`voila_config`, the ``serve`` subcommand) and the kernel side (:func:`served_config`,
:func:`request_query`, :func:`check_access`, :func:`kernel_parameters`), which the
notebooks call.

Examples
--------
>>> parse_scope("cluster=Klynge Nord 1")
Scope(kind='cluster', values=('Klynge Nord 1',))
>>> parse_scope("all").describe()
'alle institutioner'
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import html
import json
import os
import secrets
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

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
    "prepare_notebooks",
    "voila_config",
    "serve",
    "add_serve_command",
]

#: Environment variable that points a kernel at the server's configuration file.
ENV_CONFIG = "LLKIT_SERVE_CONFIG"
#: Name of the kernel specification the served notebooks use (this installation's Python).
KERNEL_NAME = "llkit-serve"
NOTEBOOK_CHOICES = ("dashboard", "elearning", "all")
#: Seconds before a kernel without an open page is shut down (``--cull-idle``).
DEFAULT_CULL_IDLE = 300

_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NOTEBOOKS = _ROOT / "notebooks"

# ----------------------------------------------------------------------------- scope


@dataclasses.dataclass(frozen=True)
class Scope:
    """What a server may show: every institution, some institutions, or some clusters.

    Parameters
    ----------
    kind : {"all", "institution", "cluster"}
    values : tuple of str
        Institution ids or cluster names (empty for ``all``).
    """

    kind: str
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        """The scope in Danish, for messages.

        Examples
        --------
        >>> Scope("institution", ("I01", "I02")).describe()
        'institution I01, I02'
        """
        if self.kind == "all":
            return "alle institutioner"
        word = "institution" if self.kind == "institution" else "klynge"
        return f"{word} {', '.join(self.values)}"

    def __str__(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}={','.join(self.values)}"


def parse_scope(text: str | None) -> Scope:
    """Parse ``all``, ``institution=ID[,ID…]`` or ``cluster=NAME[,NAME…]``.

    Raises
    ------
    ValueError
        For anything else (with the accepted forms in the message).

    Examples
    --------
    >>> parse_scope("institution=I01, I03")
    Scope(kind='institution', values=('I01', 'I03'))
    >>> parse_scope("school=S01")
    Traceback (most recent call last):
    ...
    ValueError: invalid --scope 'school=S01': use all, institution=ID[,ID…] or cluster=NAME[,NAME…]
    """
    raw = "all" if text is None else str(text).strip()
    if raw.lower() == "all":
        return Scope("all")
    key, sep, rest = raw.partition("=")
    key = key.strip().lower()
    values = tuple(v.strip() for v in rest.split(",") if v.strip())
    if not sep or key not in ("institution", "cluster") or not values:
        raise ValueError(f"invalid --scope {raw!r}: use all, institution=ID[,ID…] or "
                         "cluster=NAME[,NAME…]")
    return Scope(key, values)


def scope_institutions(ds: Dataset, scope: Scope | str) -> list[str]:
    """The institution ids a scope allows, in the order of the data.

    Raises
    ------
    KeyError
        An institution id or cluster name that is not in the data.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> scope_institutions(ds, "cluster=Klynge Nord 1")
    ['I01', 'I02', 'I03', 'I04']
    """
    scope = parse_scope(scope) if isinstance(scope, str) else scope
    units = ds.units
    ids = list(dict.fromkeys(units["institution_id"].astype(str)))
    if scope.kind == "all":
        return ids
    if scope.kind == "institution":
        unknown = [v for v in scope.values if v not in ids]
        if unknown:
            raise KeyError(f"unknown institution(s) {', '.join(map(repr, unknown))} in --scope; "
                           f"the dataset has: {', '.join(ids[:30])}{' …' if len(ids) > 30 else ''}")
        return [i for i in ids if i in set(scope.values)]
    clusters = units["cluster"].astype("string")
    known = sorted(clusters.dropna().unique())
    unknown = [v for v in scope.values if v not in set(known)]
    if unknown:
        raise KeyError(f"unknown cluster(s) {', '.join(map(repr, unknown))} in --scope; "
                       f"the dataset has: {', '.join(known) or 'no clusters'}")
    inside = units.loc[clusters.isin(scope.values).fillna(False), "institution_id"].astype(str)
    return list(dict.fromkeys(inside))


# ----------------------------------------------------------------------------- kernel side


class AccessRefused(Exception):
    """Raised in a kernel when a viewer asks for an institution outside the server's scope.

    The refusal itself is displayed (in Danish) before this is raised; raising stops Voilà
    from running the rest of the notebook, so no data is computed or sent. The exception
    has no traceback to show (``_render_traceback_``).
    """

    def _render_traceback_(self) -> list[str]:
        return []


#: Hides Voilà's English "There was an error when executing cell" line under a refusal.
_HIDE_ERRORS = (
    "<style>.jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
    ".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']{display:none !important}"
    "</style>"
)


class _HTML:
    def __init__(self, html_: str) -> None:
        self.html = html_

    def _repr_html_(self) -> str:
        return self.html


def refusal(requested: str | None = None) -> Any:
    """The Danish refusal shown instead of a view outside the scope (no data in it).

    Examples
    --------
    >>> "Ingen adgang" in refusal("I99").html
    True
    """
    what = f"»{html.escape(str(requested))}«" if requested else "denne side"
    return _HTML(
        '<div class="llkit-refusal" role="alert" style="border-left:6px solid #B3261E;'
        'background:#FCEEEE;padding:14px 18px;margin:12px 0;font-size:16px;max-width:760px">'
        "<h2 style='margin-top:0'>Ingen adgang</h2>"
        f"<p>Denne adresse giver ikke adgang til data for {what}. Adressen viser kun de "
        "institutioner, som den, der har startet visningen, har åbnet for.</p>"
        "<p>Kontakt den, der har sendt dig linket, hvis du mener, at du skal kunne se "
        "siden.</p></div>" + _HIDE_ERRORS
    )


def served_config() -> dict[str, Any] | None:
    """The configuration the server wrote for its kernels, or ``None`` outside ``llkit serve``.

    Examples
    --------
    >>> served_config() is None or "allowed" in served_config()
    True
    """
    path = os.environ.get(ENV_CONFIG)
    if not path:
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def request_query() -> dict[str, list[str]]:
    """The query string of the viewer's request, parsed (empty outside Voilà).

    In a preheated kernel this waits until a viewer arrives
    (:func:`voila.utils.get_query_string`); everything the notebook ran before the call
    (imports, loading the data) is then already done.
    """
    if not (os.environ.get("VOILA_KERNEL_ID") or os.environ.get("SERVER_SOFTWARE", "").startswith("voila")
            or os.environ.get("VOILA_PREHEAT") == "True"):
        return {}
    try:
        from voila.utils import get_query_string
    except ImportError:  # pragma: no cover - voila is a dependency
        return {}
    query = get_query_string()
    if query is None and os.environ.get("VOILA_PREHEAT") == "True":
        # Voilà's kernel gives up when its connection to the server is not open within
        # 5 s (a busy machine); ask again rather than show the default institution.
        for _ in range(_QUERY_RETRIES):
            query = get_query_string()
            if query is not None:
                break
    return parse_qs(query or "", keep_blank_values=True)


_QUERY_RETRIES = 3


def requested_institution(query: dict[str, list[str]]) -> str | None:
    """The ``institution`` asked for in the query (the last one if repeated), or ``None``.

    Examples
    --------
    >>> requested_institution({"institution": ["I02"], "token": ["x"]})
    'I02'
    >>> requested_institution({}) is None
    True
    """
    values = [v.strip() for v in query.get("institution", [])]
    return values[-1] if values else None


def check_access(institution: str | None, allowed: Sequence[str]) -> str:
    """The institution to show: the requested one if the scope allows it, the first
    allowed one if none was requested.

    Raises
    ------
    AccessRefused
        The requested institution is outside the scope (or unknown: the two are not told
        apart, so a refusal reveals nothing about other institutions).

    Examples
    --------
    >>> check_access(None, ["I01", "I02"])
    'I01'
    >>> check_access("I03", ["I01", "I02"])
    Traceback (most recent call last):
    ...
    llkit.apps.serve.AccessRefused: I03
    """
    allowed = [str(a) for a in allowed]
    if institution is None or institution == "":
        if not allowed:
            raise AccessRefused("")
        return allowed[0]
    if str(institution) not in allowed:
        raise AccessRefused(str(institution))
    return str(institution)


def kernel_parameters(data: Any, institution: Any) -> tuple[Any, Any]:
    """``(data, institution)`` for a served notebook: the server's data path and the
    institution of the address (``?institution=``) checked against the scope.

    Outside ``llkit serve`` the notebook's own parameters are returned unchanged. Under
    ``llkit serve`` the data always come from the server (never from the address); an
    institution outside the scope displays :func:`refusal` and raises
    :class:`AccessRefused`, which stops the notebook.
    """
    cfg = served_config()
    if cfg is None:
        return data, institution
    wanted = requested_institution(request_query())
    try:
        inst = check_access(wanted, cfg["allowed"])
    except AccessRefused:
        from IPython.display import display

        display(refusal(wanted))
        raise
    return cfg["data"], inst


# ----------------------------------------------------------------------------- server side

_INJECTED = (
    "# Injected by llkit serve: the data and the institution come from the server's scope.\n"
    "from llkit.apps import serve as _llkit_serve\n"
    "data, institution = _llkit_serve.kernel_parameters(data, institution)"
)


#: Tag of the cells that wait for a viewer in a preheated kernel (no execution time limit).
WAIT_TAG = "llkit-waits-for-viewer"
#: Calls that wait for the viewer's query string (see :func:`request_query`).
_WAITING_CALLS = ("dashboard.request(", "kernel_parameters(")
#: Time limit (seconds) of every other cell: generous, since ten viewers arriving at once
#: on a small shared machine start ten kernels together.
CELL_TIMEOUT = 600


def cell_timeout(cell: Any) -> int | None:
    """Execution time limit of a served cell (``VoilaExecutor.timeout_func``).

    A cell tagged :data:`WAIT_TAG` waits, in a preheated kernel, until a viewer arrives,
    which may be hours; it must not time out (a timed-out cell ends the page without the
    view, and the viewer who gets that kernel waits forever). Other cells get
    :data:`CELL_TIMEOUT`.

    Examples
    --------
    >>> cell_timeout({"metadata": {"tags": [WAIT_TAG]}}) is None
    True
    >>> cell_timeout({"metadata": {}})
    600
    """
    tags = (cell.get("metadata") or {}).get("tags") or []
    return None if WAIT_TAG in tags else CELL_TIMEOUT


def _select_notebooks(source: Path, which: str) -> list[Path]:
    if which not in NOTEBOOK_CHOICES:
        raise ValueError(f"invalid --notebooks {which!r}: use one of {', '.join(NOTEBOOK_CHOICES)}")
    out: list[Path] = []
    if which in ("dashboard", "all"):
        nb = source / "dashboard.ipynb"
        if not nb.is_file():
            raise FileNotFoundError(f"{nb} not found")
        out.append(nb)
    if which in ("elearning", "all"):
        chapters = sorted((source / "elearning").glob("[0-9][0-9]_*.ipynb"))
        if not chapters and which == "elearning":
            raise FileNotFoundError(f"no e-learning chapters (NN_*.ipynb) in {source / 'elearning'}")
        out.extend(chapters)
    return out


def prepare_notebooks(dest: str | Path, which: str = "dashboard", *,
                      source: str | Path | None = None) -> list[str]:
    """Copy the notebooks to serve into ``dest`` (the server's private folder).

    The copies use the kernel :data:`KERNEL_NAME`; every notebook other than the dashboard
    (which reads the server's configuration itself) gets a cell after its ``parameters``
    cell that takes ``data`` and ``institution`` from the server (:func:`kernel_parameters`).

    Parameters
    ----------
    dest : str or Path
        An empty folder.
    which : {"dashboard", "elearning", "all"}
    source : str or Path, optional
        The notebooks folder (default: the project's ``notebooks``).

    Returns
    -------
    list of str
        The served paths relative to ``dest``, e.g. ``["dashboard.ipynb",
        "elearning/01_data.ipynb"]``.
    """
    import nbformat

    source = Path(source) if source is not None else DEFAULT_NOTEBOOKS
    dest = Path(dest)
    served = []
    for nb_path in _select_notebooks(source, which):
        rel = nb_path.relative_to(source)
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python (llkit)",
                                     "language": "python"}
        if rel.name != "dashboard.ipynb":
            idx = next((i for i, c in enumerate(nb.cells)
                        if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None)
            cell = nbformat.v4.new_code_cell(_INJECTED)
            cell.metadata["tags"] = ["injected-parameters", WAIT_TAG]
            nb.cells.insert(0 if idx is None else idx + 1, cell)
        for cell in nb.cells:
            if cell.cell_type == "code" and any(w in cell.source for w in _WAITING_CALLS):
                tags = cell.metadata.setdefault("tags", [])
                if WAIT_TAG not in tags:
                    tags.append(WAIT_TAG)
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
        served.append(rel.as_posix())
    return served


def write_kernelspec(jupyter_dir: str | Path) -> Path:
    """Write the kernel specification :data:`KERNEL_NAME` (this Python, ``sys.executable``)
    under ``jupyter_dir/kernels``; put ``jupyter_dir`` first on ``JUPYTER_PATH``."""
    kdir = Path(jupyter_dir) / "kernels" / KERNEL_NAME
    kdir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (llkit)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return kdir


def _voila_templates() -> Path | None:
    try:
        import voila.paths as vp

        for base in vp.jupyter_path("voila", "templates"):
            if (Path(base) / "lab" / "index.html.j2").is_file():
                return Path(base)
    except Exception:  # noqa: BLE001 - the stock template is used then
        return None
    return None


#: Danish text under the spinner while the page loads.
_LOADING_JS = (
    "<script>window.voila_process=function(i,n){window.update_loading_text(i,n,"
    "'Henter visningen … ('+i+' af '+n+')')};</script>"
)


#: Metadata marking a display output as the *early view* of a page: static HTML that the
#: template writes straight into the page, visible as soon as it arrives, before Voilà's
#: scripts and the widgets have loaded (see :func:`early_display`).
EARLY_KEY = "llkit"
EARLY_VALUE = "early"

_EARLY_HOOK = "{% block data_priority scoped %}\n{% if output %}"
_EARLY_BLOCK = (
    "{% block data_priority scoped %}\n"
    f"{{% if output and output.metadata and output.metadata.get('{EARLY_KEY}') == '{EARLY_VALUE}' %}}\n"
    "{% set early = output.data['text/html'] %}"
    "<div class=\"llkit-early-src\" hidden>{{ early if early is string else early | join('') }}</div>"
    "<script>(function(s){var src=s.previousElementSibling,box=document.createElement('div');"
    "box.id='llkit-early';box.className='llkit-early';"
    "while(src.firstChild){box.appendChild(src.firstChild);}src.parentNode.removeChild(src);"
    "var r=document.getElementById('rendered_cells');r.parentNode.insertBefore(box,r);"
    "document.body.classList.add('llkit-early-on');window.llkit_early_ms=performance.now();"
    "})(document.currentScript)</script>\n"
    "<style>body.llkit-early-on #loading{display:none !important}"
    "#llkit-early{padding:16px 24px 0 24px}</style>\n"
    "{% elif output %}"
)


def early_display(html_: str) -> None:
    """Display ``html_`` as the page's *early view* (under ``llkit serve``).

    The served template writes this output into the page as plain HTML outside Voilà's
    hidden cell area, so it is visible as soon as the kernel has sent it, and hides the
    loading spinner; Voilà's scripts never render it a second time. The interactive view
    that follows should hide ``#llkit-early`` when it appears (a ``<style>`` in its
    output). Outside the served template the output is ordinary HTML with the class
    ``llkit-early``.
    """
    from IPython.display import display

    display({"text/html": f'<div class="llkit-early">{html_}</div>', "text/plain": ""}, raw=True,
            metadata={EARLY_KEY: EARLY_VALUE})


#: Put in the interactive view's output: hides the early view once the widgets are drawn.
HIDE_EARLY = "<style>.llkit-early{display:none !important}</style>"


def write_template(jupyter_dir: str | Path, preload: Sequence[str] = ()) -> Path | None:
    """Write a copy of Voilà's ``lab`` template under ``jupyter_dir/voila/templates/lab``
    without the two stylesheets it loads from a CDN (no network requests), with a Danish
    loading text, ``<link rel=preload>`` for the page's scripts (``preload``: paths
    below ``/voila/``), so the browser fetches them while the kernel still works, and the
    *early view* (:func:`early_display`): outputs so marked are written into the page as
    HTML, visible before Voilà's scripts have loaded.

    Returns the template folder, or ``None`` if Voilà's template was not found.
    """
    stock = _voila_templates()
    if stock is None:
        return None
    text = (stock / "lab" / "index.html.j2").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if "cdn.jsdelivr.net" not in ln]
    text = "\n".join(lines) + "\n"
    links = "".join(
        f'<link rel="preload" as="script" href="{{{{ resources.base_url }}}}voila/{p}">' for p in preload)
    text = text.replace("{%- block notebook_css -%}", "{%- block notebook_css -%}\n" + links, 1)
    text = text.replace("{{ voila_setup_helper_functions() }}",
                        "{{ voila_setup_helper_functions() }}\n" + _LOADING_JS, 1)
    if _EARLY_HOOK in text:
        text = text.replace(_EARLY_HOOK, _EARLY_BLOCK, 1)
    out = Path(jupyter_dir) / "voila" / "templates" / "lab"
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html.j2").write_text(text, encoding="utf-8")
    return out


def voila_config(root: str | Path, *, host: str = "127.0.0.1", port: int = 8866,
                 token: str = "", pool_size: int = 2, preheat: bool = True,
                 cull_idle: int = DEFAULT_CULL_IDLE, served: Sequence[str] = (), chapter_pool_size: int = 1) -> Any:
    """The traitlets configuration of the Voilà server (see :func:`serve`)."""
    from traitlets.config import Config

    c = Config()
    c.Voila.root_dir = str(root)
    c.Voila.ip = host
    c.Voila.port = port
    c.Voila.port_retries = 0
    c.Voila.open_browser = False
    c.Voila.token = token
    c.VoilaConfiguration.strip_sources = True
    c.VoilaConfiguration.show_tracebacks = False
    c.VoilaConfiguration.file_allowlist = []          # no raw files from the served folder
    c.VoilaConfiguration.preheat_kernel = bool(preheat)
    c.VoilaConfiguration.default_pool_size = max(int(pool_size), 0) if preheat else 0
    c.VoilaConfiguration.http_keep_alive_timeout = 10
    c.VoilaExecutor.cell_error_instruction = ""
    c.VoilaExecutor.timeout = CELL_TIMEOUT
    c.VoilaExecutor.timeout_func = cell_timeout
    if preheat:
        # The dashboard gets the full pool; each e-learning chapter chapter_pool_size.
        chapters = max(int(chapter_pool_size), 0)
        pools: dict[str, Any] = {"default": {"pool_size": chapters}}
        for rel in served:
            pools[rel] = {"pool_size": max(int(pool_size), 0) if rel == "dashboard.ipynb" else chapters}
        c.VoilaKernelManager.kernel_pools_config = pools
        c.VoilaKernelManager.fill_delay = 0.5
    c.KernelSpecManager.allowed_kernelspecs = {KERNEL_NAME}
    c.KernelSpecManager.ensure_native_kernel = False
    # A viewer's kernel is shut down when the page is closed (Voilà's page asks for it);
    # a kernel left without any open page (a crashed browser, a laptop gone to sleep) is
    # culled after ``cull_idle`` seconds without activity. Kernels with a page open and
    # the preheated pool are never culled.
    c.MappingKernelManager.cull_idle_timeout = int(cull_idle)
    c.MappingKernelManager.cull_interval = max(min(int(cull_idle) // 4, 30), 5)
    c.MappingKernelManager.cull_connected = False
    return c


def _preload_list() -> list[str]:
    """The scripts a dashboard page loads (recorded from Voilà 0.5.13), those present."""
    listing = Path(__file__).with_name("serve_preload.txt")
    if not listing.is_file():
        return []
    stock = _voila_templates()
    out = []
    for line in listing.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        out.append(line)
    if stock is not None:
        static = stock / "base" / "static"
        out = [p for p in out if not p.startswith("static/") or (static / p[len("static/"):]).is_file()]
    return out


def _connect_host(host: str) -> str:
    return "127.0.0.1" if host in ("", "0.0.0.0", "::", "*") else host


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise ValueError(f"invalid --port {port}: use 1–65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise ValueError(f"cannot listen on {host}:{port} ({exc.strerror}); "
                             "choose another --port or --host") from None


def urls(host: str, port: int, token: str, served: Sequence[str], allowed: Sequence[str]) -> list[str]:
    """The addresses to send, with the token (one per served notebook).

    Examples
    --------
    >>> urls("127.0.0.1", 8866, "t", ["dashboard.ipynb"], ["I01"])
    ['http://127.0.0.1:8866/voila/render/dashboard.ipynb?institution=I01&token=t']
    """
    base = f"http://{_connect_host(host)}:{port}/voila/render/"
    out = []
    for rel in served:
        q = f"institution={allowed[0]}&token={token}" if allowed else f"token={token}"
        out.append(base + rel + "?" + q)
    return out


def serve(
    data: str | Path,
    *,
    notebooks: str = "dashboard",
    host: str = "127.0.0.1",
    port: int = 8866,
    scope: str = "all",
    token: str | None = None,
    pool_size: int = 2,
    chapter_pool_size: int = 1,
    preheat: bool = True,
    cull_idle: int = DEFAULT_CULL_IDLE,
    source: str | Path | None = None,
    announce: Callable[[str], None] = print,
) -> int:
    """Serve the views until interrupted (Ctrl-C); returns 0.

    Parameters
    ----------
    data : str or Path
        Dataset folder or workbook; checked before the server starts.
    notebooks : {"dashboard", "elearning", "all"}
    host, port
        Where to listen; ``127.0.0.1`` (this machine only) unless told otherwise.
    scope : str
        ``all``, ``institution=ID[,ID…]`` or ``cluster=NAME[,NAME…]``.
    token : str, optional
        The access token; generated (and printed) when not given. An empty token is
        refused: a view of children's data is never served without one.
    pool_size : int, default 2
        Preheated kernels kept ready for the dashboard.
    chapter_pool_size : int, default 1
        Preheated kernels kept ready for each e-learning chapter.
    preheat : bool, default True
        False starts a fresh kernel per viewer (slower; for comparison).
    cull_idle : int, default 300
        Seconds after which a kernel with no open page and no activity is shut down
        (a closed page's kernel is shut down at once).
    source : str or Path, optional
        The notebooks folder (default: the project's ``notebooks``).
    announce : callable
        Receives the lines to print (addresses with the token).
    """
    from llkit.data.dataset import load

    sc = parse_scope(scope)
    if token is not None and not token.strip():
        raise ValueError("--token must not be empty: the views show data about children")
    if pool_size < 0 or chapter_pool_size < 0:
        raise ValueError(f"invalid pool size {min(pool_size, chapter_pool_size)}: use 0 or more")
    if cull_idle < 10:
        raise ValueError(f"invalid --cull-idle {cull_idle}: use 10 seconds or more")
    data = Path(data).expanduser().resolve()
    if not data.exists():
        raise FileNotFoundError(f"no dataset at {data}")
    ds = load(data)
    allowed = scope_institutions(ds, sc)
    if not allowed:
        raise ValueError(f"the scope {sc} holds no institutions")
    _check_port(host, port)
    token = token.strip() if token else secrets.token_urlsafe(24)

    workdir = Path(tempfile.mkdtemp(prefix="llkit-serve-"))
    os.chmod(workdir, stat.S_IRWXU)
    try:
        root = workdir / "notebooks"
        root.mkdir()
        served = prepare_notebooks(root, notebooks, source=source)
        jupyter_dir = workdir / "jupyter"
        write_kernelspec(jupyter_dir)
        write_template(jupyter_dir, _preload_list() if os.environ.get("LLKIT_SERVE_PRELOAD", "1") != "0" else ())
        cfg_path = workdir / "serve.json"
        cache_dir = workdir / "cache"
        cache_dir.mkdir()
        cfg = {"data": str(data), "scope": str(sc), "scope_text": sc.describe(), "allowed": allowed,
               "min_n": int(ds.meta.min_n), "cache_dir": str(cache_dir)}
        cfg_path.write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
        os.chmod(cfg_path, stat.S_IRUSR | stat.S_IWUSR)

        os.environ[ENV_CONFIG] = str(cfg_path)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [str(jupyter_dir)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
        os.environ["VOILA_APP_IP"] = _connect_host(host)
        os.environ.setdefault("MPLBACKEND", "agg")
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"

        announce(f"llkit serve: {data.name} · scope: {sc} ({len(allowed)} institution(s)) · "
                 f"{len(served)} view(s)")
        announce(f"Token: {token}")
        announce("Addresses to send (keep them as secret as a password):")
        for u in urls(host, port, token, served, allowed):
            announce(f"  {u}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            announce(f"Warning: listening on {host}, not only on this machine; use a trusted "
                     "network or an HTTPS proxy.")
        announce("Stop with Ctrl-C.")
        sys.stdout.flush()

        from voila.app import Voila

        _send_xsrf_cookie_with_views()
        config = voila_config(root, host=host, port=port, token=token, pool_size=pool_size,
                              preheat=preheat, cull_idle=cull_idle, served=served,
                              chapter_pool_size=chapter_pool_size)
        app = Voila(config=copy.deepcopy(config))
        app.initialize([])
        app.start()
    finally:
        _stop_children()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _send_xsrf_cookie_with_views() -> None:
    """Make Voilà's view pages set the ``_xsrf`` cookie (in this server process).

    When a viewer closes the page, Voilà's script asks the server to shut the page's kernel
    down (``POST /voila/api/shutdown/<kernel>``, sent with the ``_xsrf`` cookie's value).
    Voilà 0.5 never sets that cookie on a view reached with ``?token=``, so the request
    is refused (403) and the kernel of a closed page lived on until culled. Reading
    :attr:`tornado.web.RequestHandler.xsrf_token` for an authenticated viewer sets it.
    """
    import inspect

    from voila.handler import VoilaHandler

    if getattr(VoilaHandler, "_llkit_xsrf_cookie", False):
        return
    base_prepare = VoilaHandler.prepare

    async def prepare(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = base_prepare(self, *args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        if self.current_user is not None and not self._finished:
            self.xsrf_token  # noqa: B018 - reading it sets the cookie
        return result

    VoilaHandler.prepare = prepare
    VoilaHandler._llkit_xsrf_cookie = True


def _children(pid: int) -> list[int]:
    """Ids of the processes whose parent is ``pid`` (kernels run in their own sessions)."""
    out = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(entry.parent.name))
    return out


def _stop_children(wait: float = 5.0) -> None:
    """Terminate kernels still running when the server stops (then kill after ``wait`` s)."""
    import signal
    import time

    pids = _children(os.getpid()) if Path("/proc").is_dir() else []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + wait
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)]
        time.sleep(0.1)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


# ----------------------------------------------------------------------------- CLI


def _cmd_serve(args: argparse.Namespace) -> int:
    return serve(
        args.data,
        notebooks=args.notebooks,
        host=args.host,
        port=args.port,
        scope=args.scope,
        token=args.token,
        pool_size=args.pool_size,
        chapter_pool_size=args.chapter_pool_size,
        preheat=not args.no_preheat,
        cull_idle=args.cull_idle,
    )


def add_serve_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``serve DATA [options]`` on the ``llkit`` parser.

    Invalid input raises :class:`ValueError`, :class:`KeyError` or
    :class:`FileNotFoundError`, which ``llkit.cli.main`` reports in one line (exit 2).
    """
    desc = ("serve read-only views (dashboard, e-learning chapters) in the browser: "
            "token-protected, scoped, on this machine unless told otherwise")
    p = subparsers.add_parser("serve", help=desc, description=desc)
    p.add_argument("data", help="dataset folder or .xlsx workbook")
    p.add_argument("--notebooks", choices=list(NOTEBOOK_CHOICES), default="dashboard",
                   help="which views to serve (default: dashboard)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    p.add_argument("--scope", default="all",
                   help="what viewers may see: all, institution=ID[,ID…] or cluster=NAME[,NAME…]")
    p.add_argument("--token", default=None,
                   help="access token (default: a new random token, printed at start)")
    p.add_argument("--pool-size", type=int, default=2,
                   help="preheated dashboard kernels kept ready (default 2)")
    p.add_argument("--chapter-pool-size", type=int, default=1,
                   help="preheated kernels kept ready per e-learning chapter (default 1)")
    p.add_argument("--no-preheat", action="store_true",
                   help="start a fresh kernel for every viewer (slower)")
    p.add_argument("--cull-idle", type=int, default=DEFAULT_CULL_IDLE,
                   help="seconds before a kernel with no open page is shut down "
                        f"(default {DEFAULT_CULL_IDLE})")
    p.set_defaults(func=_cmd_serve)
    return p
