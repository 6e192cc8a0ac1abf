"""Kernel side of ``llkit serve``, called by the served notebooks: the server's
configuration, the viewer's query, the access check against the scope (with the Danish
refusal), and the *early view* a page shows before Voilà's scripts have loaded."""

from __future__ import annotations

import html
import json
import os
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

#: Environment variable that points a kernel at the server's configuration file.
ENV_CONFIG = "LLKIT_SERVE_CONFIG"


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
    _quiet_tracebacks()
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
    llkit.apps.serve.kernel.AccessRefused: I03
    """
    allowed = [str(a) for a in allowed]
    if institution is None or institution == "":
        if not allowed:
            raise AccessRefused("")
        return allowed[0]
    if str(institution) not in allowed:
        raise AccessRefused(str(institution))
    return str(institution)


#: The dataset a preheated kernel loaded before its viewer arrived (:func:`warm_kernel`).
_WARM: dict[str, Any] = {}


def warm_kernel() -> None:
    """In a served chapter's kernel, before the viewer arrives: import the chapters, set
    the plot theme, load the server's data and its summaries, and draw one throw-away
    figure (fonts, matplotlib's caches), so that only the viewer's own institution is
    left to compute. Does nothing outside ``llkit serve``."""
    cfg = served_config()
    if cfg is None or cfg["data"] in _WARM:
        return
    import llkit.apps.elearning  # noqa: F401 - the chapters' imports
    from llkit.documents import common
    from llkit.present import html as blocks
    from llkit.present import plots

    plots.use_theme()
    ds = common.prepare(cfg["data"])
    for by in (None, "institution", "department"):
        common.summary_table(ds, by)
    if cfg.get("allowed"):
        try:
            blocks.figure_html(plots.profile(ds, institution=cfg["allowed"][0]))
        except Exception:  # noqa: BLE001 - warming only
            pass
    _WARM[cfg["data"]] = ds


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
    return _WARM.get(cfg["data"], cfg["data"]), inst


def _quiet_tracebacks() -> None:
    """In a served kernel, send viewers a one-line error instead of a traceback.

    Errors outside a cell -- e.g. a widget update with a value outside its dropdown,
    which ipywidgets reports with ``showtraceback`` -- would otherwise send the page the
    full traceback with the installation's paths and source lines. The traceback goes to
    the server's log instead; :class:`AccessRefused` keeps its own (Danish) rendering.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - always installed with a kernel
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "_llkit_quiet", False):
        return
    original = shell._showtraceback

    def _showtraceback(etype: Any, evalue: Any, stb: Any) -> Any:
        if isinstance(evalue, AccessRefused):
            return original(etype, evalue, stb)
        print("\n".join(stb), file=sys.__stderr__)
        return original(etype, evalue, ["Der opstod en fejl i visningen; se serverens log."])

    shell._showtraceback = _showtraceback
    shell._llkit_quiet = True


#: Metadata marking a display output as the *early view* of a page: static HTML that the
#: template writes straight into the page, visible as soon as it arrives, before Voilà's
#: scripts and the widgets have loaded (see :func:`early_display`).
EARLY_KEY = "llkit"
EARLY_VALUE = "early"


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
