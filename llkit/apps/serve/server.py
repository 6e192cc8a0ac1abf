"""Server side of ``llkit serve``: checks, the server's private folder and configuration,
Voilà's traitlets configuration, the addresses to send, and stopping the kernels."""

from __future__ import annotations

import copy
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
from typing import Any

from llkit.apps.serve import room
from llkit.apps.serve import static as static_views
from llkit.apps.serve.kernel import ENV_CONFIG
from llkit.apps.serve.notebooks import (
    CELL_TIMEOUT,
    KERNEL_NAME,
    cell_timeout,
    parse_chapters,
    prepare_notebooks,
    write_kernelspec,
)
from llkit.apps.serve.scope import Scope, parse_scope, scope_institutions
from llkit.apps.serve.template import _preload_list, write_template

#: Seconds before a kernel without an open page is shut down (``--cull-idle``).
DEFAULT_CULL_IDLE = 300


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
    viewers: int | None = None,
    chapters: str | None = None,
    max_kernels: int | None = None,
    legacy: bool = False,
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
        Preheated kernels kept ready for the dashboard (only with ``legacy``: otherwise
        the dashboard is pre-rendered and needs no kernel per viewer).
    chapter_pool_size : int, default 1
        Preheated kernels kept ready for each e-learning chapter (only with ``legacy``;
        ``viewers`` overrides it).
    preheat : bool, default True
        False starts a fresh kernel per viewer (slower; for comparison).
    cull_idle : int, default 300
        Seconds after which a kernel with no open page and no activity is shut down
        (a closed page's kernel is shut down at once).
    source : str or Path, optional
        The notebooks folder (default: the project's ``notebooks``).
    announce : callable
        Receives the lines to print (addresses with the token).
    viewers : int, optional
        Viewers expected at the same moment (a seminar room): each served chapter keeps
        this many kernels ready; the plan's memory is printed and refused when the machine
        cannot hold it (:func:`llkit.apps.serve.room.plan`).
    chapters : str, optional
        Which e-learning chapters to serve, e.g. ``"3"`` or ``"3,4"`` (default all).
    max_kernels : int, optional
        Kernels at once; a page beyond it gets a Danish "vent et øjeblik" page that retries
        by itself (default: what the memory holds).
    legacy : bool, default False
        Serve the dashboard and the chapters in a kernel per viewer, as before the
        pre-rendered views (for comparison, ``benchmarks/dashboard.py``).
    """
    from llkit.data.dataset import load

    sc = parse_scope(scope)
    _check_options(token, pool_size, chapter_pool_size, cull_idle, viewers, max_kernels)
    parse_chapters(chapters)   # a bad --chapters is told before anything else is tried
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
    renderer = None
    try:
        root = workdir / "notebooks"
        root.mkdir()
        served = prepare_notebooks(root, notebooks, source=source, chapters=chapters)
        static = not legacy and preheat
        static_dashboard = static and "dashboard.ipynb" in served
        static_chapters = [rel for rel in served if rel != "dashboard.ipynb"] if static else []
        pl = room.plan(served, viewers=viewers, pool_size=pool_size, chapter_pool_size=chapter_pool_size,
                       static_dashboard=static_dashboard, static_chapters=bool(static_chapters),
                       max_kernels=max_kernels)
        jupyter_dir = workdir / "jupyter"
        write_kernelspec(jupyter_dir)
        write_template(jupyter_dir, _preload_list() if os.environ.get("LLKIT_SERVE_PRELOAD", "1") != "0" else ())
        cfg_path = _write_config(workdir, data, sc, allowed, int(ds.meta.min_n), notebooks_root=root)
        _set_environment(cfg_path, jupyter_dir, host)
        for line in pl.describe():
            announce(line)
        if static_dashboard or static_chapters:
            renderer = static_views.Renderer(allowed, workers=pl.workers, dashboard=static_dashboard,
                                             chapters=static_chapters)
            renderer.prerender(static_views.progress_bar("pre-rendering the dashboard"))
            # the chapters named for the room are drawn before the server opens; the rest
            # while it runs (a viewer who comes first has it drawn on demand)
            first = static_chapters if chapters else []
            if first:
                renderer.prerender_chapters(first, static_views.progress_bar("pre-rendering the chapters"))
            else:
                renderer.prerender_chapters([])
        _announce(announce, data, sc, allowed, served, token, host, port)
        _run_voila(root, host=host, port=port, token=token, pool_size=pool_size,
                   preheat=preheat, cull_idle=cull_idle, served=served,
                   chapter_pool_size=chapter_pool_size, plan=pl, renderer=renderer,
                   fill_delay=90.0 if viewers else 0.5)
    finally:
        if renderer is not None:
            renderer.close()
        _stop_children()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _check_options(token: str | None, pool_size: int, chapter_pool_size: int,
                   cull_idle: int, viewers: int | None = None, max_kernels: int | None = None) -> None:
    """Refuse an empty token, a negative pool size, a too short ``--cull-idle`` and fewer
    than one viewer."""
    if viewers is not None and viewers < 1:
        raise ValueError(f"invalid --viewers {viewers}: use 1 or more")
    if max_kernels is not None and max_kernels < 0:
        raise ValueError(f"invalid --max-kernels {max_kernels}: use 0 or more")
    if token is not None and not token.strip():
        raise ValueError("--token must not be empty: the views show data about children")
    if pool_size < 0 or chapter_pool_size < 0:
        raise ValueError(f"invalid pool size {min(pool_size, chapter_pool_size)}: use 0 or more")
    if cull_idle < 10:
        raise ValueError(f"invalid --cull-idle {cull_idle}: use 10 seconds or more")


def _write_config(workdir: Path, data: Path, sc: Scope, allowed: list[str], min_n: int,
                  notebooks_root: Path | None = None) -> Path:
    """Write the kernels' and render workers' configuration ``serve.json`` (readable by
    this user only) and create their cache folder; returns the file."""
    cfg_path = workdir / "serve.json"
    cache_dir = workdir / "cache"
    cache_dir.mkdir()
    cfg = {"data": str(data), "scope": str(sc), "scope_text": sc.describe(), "allowed": allowed,
           "min_n": min_n, "cache_dir": str(cache_dir),
           "notebooks": str(notebooks_root if notebooks_root is not None else workdir / "notebooks")}
    cfg_path.write_text(json.dumps(cfg, ensure_ascii=False), encoding="utf-8")
    os.chmod(cfg_path, stat.S_IRUSR | stat.S_IWUSR)
    return cfg_path


def _set_environment(cfg_path: Path, jupyter_dir: Path, host: str) -> None:
    """The environment the kernels inherit: the configuration file, the kernel
    specification first on ``JUPYTER_PATH``, the address, the matplotlib backend."""
    os.environ[ENV_CONFIG] = str(cfg_path)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(jupyter_dir)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])
    os.environ["VOILA_APP_IP"] = _connect_host(host)
    os.environ.setdefault("MPLBACKEND", "agg")
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"


def _announce(announce: Callable[[str], None], data: Path, sc: Scope, allowed: list[str],
              served: list[str], token: str, host: str, port: int) -> None:
    """The lines printed at start: what is served, the token and the addresses."""
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


def _run_voila(root: Path, *, host: str, port: int, token: str, pool_size: int,
               preheat: bool, cull_idle: int, served: list[str],
               chapter_pool_size: int, plan: room.Plan | None = None,
               renderer: static_views.Renderer | None = None, fill_delay: float = 0.5) -> None:
    """Start Voilà on ``root`` and serve until interrupted."""
    from tornado.ioloop import IOLoop
    from voila.app import Voila

    _send_xsrf_cookie_with_views()
    config = voila_config(root, host=host, port=port, token=token, pool_size=pool_size,
                          preheat=preheat, cull_idle=cull_idle, served=served,
                          chapter_pool_size=chapter_pool_size)
    if plan is not None and preheat:
        pools = {"default": {"pool_size": 0}}
        pools.update({rel: {"pool_size": n} for rel, n in plan.pools.items()})
        config.VoilaKernelManager.kernel_pools_config = pools
        config.VoilaKernelManager.fill_delay = float(fill_delay)
    extra: list = []
    if renderer is not None:
        from llkit.apps.serve.handlers import handlers

        # every served view pre-rendered: no viewer has a kernel, so none can be reached
        all_drawn = all(rel in renderer.chapters or (rel == "dashboard.ipynb" and renderer.dashboard)
                        for rel in served)
        extra = handlers(renderer, kernels=not all_drawn)

    class LlkitVoila(Voila):
        def init_handlers(self) -> list:
            return extra + super().init_handlers()

    app = LlkitVoila(config=copy.deepcopy(config))
    app.initialize([])
    if plan is not None:
        _KERNEL_CAP[0] = plan.max_kernels
        if preheat and plan.kernels:
            IOLoop.current().add_callback(lambda: _watch_warming(app.kernel_manager, plan.kernels))
    if renderer is not None:
        def ready() -> None:
            # The lines scripts wait for (as for a kernel pool): the views are ready.
            for rel in (["dashboard.ipynb"] if renderer.dashboard else []) + renderer.chapters:
                app.log.info(f"Kernel pool of {rel} is filled with 0 kernel(s) "
                             "(pre-rendered: no kernel per viewer)")
            IOLoop.current().add_callback(renderer.fill_background, app.log.info)

        IOLoop.current().add_callback(ready)
    app.start()


#: Environment variable: the most kernels (views and preheated pools together) a server
#: runs at once when ``--max-kernels`` is not given; a stricter ``--max-kernels`` wins.
ENV_MAX_KERNELS = "LLKIT_SERVE_MAX_KERNELS"
DEFAULT_MAX_KERNELS = 40
_RENDERING = [0]   # views being rendered now (their kernels may still be starting)
#: The cap on kernels at once (``--max-kernels``), read by the patched view handler.
_KERNEL_CAP: list[int | None] = [None]


def max_kernels() -> int:
    """The kernel cap: the smaller of ``--max-kernels`` (when given) and
    ``LLKIT_SERVE_MAX_KERNELS`` (when set to a positive whole number, else
    :data:`DEFAULT_MAX_KERNELS`)."""
    raw = os.environ.get(ENV_MAX_KERNELS, "")
    env = int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_MAX_KERNELS
    cap = _KERNEL_CAP[0]
    return env if cap is None else min(cap, env)


def _watch_warming(km: Any, total: int) -> None:
    """Print a progress bar while the preheated pools fill."""
    from tornado.ioloop import PeriodicCallback

    show = static_views.progress_bar("warming kernels")
    last = [-1]

    def tick() -> None:
        pools = getattr(km, "_pools", {})
        done = sum(1 for pool in pools.values() for t in pool if t.done())
        if done != last[0]:
            last[0] = done
            show(min(done, total), total)
        if done >= total:
            cb.stop()

    cb = PeriodicCallback(tick, 1000)
    cb.start()


def _busy(handler: Any) -> bool:
    """True when a view needs a new kernel and the server runs its cap already (kernels
    still starting are not listed yet, so the renders under way count too)."""
    if not handler.request.path.endswith(".ipynb"):
        return False
    km = handler.kernel_manager
    path = handler.request.path.split("/voila/render/", 1)[-1]
    # a preheated pool's kernels are listed too: a viewer may take one of them, and the
    # pool's refill is allowed beyond the cap, but no more (a flood would refill forever)
    pool = getattr(km, "_pools", {}).get(path) or []
    return len(km.list_kernel_ids()) + _RENDERING[0] >= max_kernels() + len(pool)


def _send_xsrf_cookie_with_views() -> None:
    """Make Voilà's view pages set the ``_xsrf`` cookie (in this server process).

    When a viewer closes the page, Voilà's script asks the server to shut the page's kernel
    down (``POST /voila/api/shutdown/<kernel>``, sent with the ``_xsrf`` cookie's value).
    Voilà 0.5 never sets that cookie on a view reached with ``?token=``, so the request
    is refused (403) and the kernel of a closed page lived on until culled. Reading
    :attr:`tornado.web.RequestHandler.xsrf_token` for an authenticated viewer sets it.
    The same hook refuses a view (503) when :func:`max_kernels` kernels already run.
    """
    import inspect

    from voila.handler import VoilaHandler

    if getattr(VoilaHandler, "_llkit_xsrf_cookie", False):
        return
    base_prepare = VoilaHandler.prepare
    base_on_finish = VoilaHandler.on_finish

    async def prepare(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = base_prepare(self, *args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        if self.current_user is not None and not self._finished:
            self.xsrf_token  # noqa: B018 - reading it sets the cookie
            if _busy(self):
                # past the cap a flood of page requests is answered at once (503, a Danish
                # page that retries by itself) instead of starting kernels until memory runs out
                self.set_status(503)
                self.set_header("Retry-After", "5")
                self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
                self.finish(room.busy_page())
            else:
                _RENDERING[0] += 1
                self._llkit_counted = True
        return result

    def on_finish(self: Any) -> None:
        if getattr(self, "_llkit_counted", False):
            self._llkit_counted = False
            _RENDERING[0] -= 1
        base_on_finish(self)

    VoilaHandler.prepare = prepare
    VoilaHandler.on_finish = on_finish
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
