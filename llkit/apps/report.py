"""Run report notebooks and export them to self-contained HTML (and PDF).

A report is a parameterised notebook (see ``notebooks/``) executed with papermill and
converted with nbconvert into one HTML file that

- shows no code and no prompts, and no warnings printed to stderr;
- contains every asset inline (CSS in ``<style>``, figures as ``data:`` URIs) and makes
  **no network request** when opened: nbconvert's references to MathJax, require.js and
  widget JavaScript are not used, every ``<script>`` is removed, any ``src``/``href`` to
  another host is dropped, and a Content-Security-Policy forbids loading anything but
  ``data:`` images;
- is in Danish (``<html lang="da">``, a Danish ``<title>``) and prints on A4 (page size
  and margins, figures and table rows never split, a page break before each major
  section).

:func:`export_pdf` prints such a file with Debian's Chromium through Playwright, with
every request other than ``file:`` and ``data:`` blocked.

The functions are importable and side-effect free, so batch workers can call
:func:`run_notebook` and :func:`to_html` / :func:`export_html` directly.

Examples
--------
>>> from llkit.apps import report
>>> nb = report.run_notebook("notebooks/institution_report.ipynb",
...                          {"data": "data/sample/dagtilbud", "institution": "I01"})  # doctest: +SKIP
>>> report.export_html(nb, "build/I01.html")                                              # doctest: +SKIP
PosixPath('build/I01.html')
"""

from __future__ import annotations

import asyncio
import html as _html
import os
import re
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from llkit._atomic import atomic_write

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "REPORT_CSS",
    "run_notebook",
    "to_html",
    "export_html",
    "export_pdf",
    "render",
    "network_references",
]

#: Debian's Chromium, used for PDF export and the browser tests.
CHROMIUM = "/usr/bin/chromium"
#: Launch arguments: no sandbox (containers), no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

#: The style sheet inlined into every report (screen and A4 print).
REPORT_CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --accent: #0b5394; --soft: #f3f6fa; }
html { font-size: 15px; }
body { margin: 0; color: var(--ink); background: #fff;
  font-family: "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif;
  line-height: 1.45; }
main.llkit-report { max-width: 1000px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 2rem; margin: 0.2em 0 0.3em; color: var(--accent); line-height: 1.2; }
h2 { font-size: 1.45rem; margin: 1.6em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid var(--accent);
  color: var(--accent); }
h3 { font-size: 1.1rem; margin: 1.3em 0 0.4em; }
p, li { max-width: 52em; }
a.anchor-link { display: none; }
.llkit-title { border-bottom: 1px solid var(--line); padding-bottom: 0.6em; margin-bottom: 0.8em; }
.llkit-title p { margin: 0.15em 0; color: var(--muted); }
.llkit-kicker { text-transform: uppercase; letter-spacing: 0.06em; font-size: 0.8rem; }
.llkit-box { background: var(--soft); border-left: 4px solid var(--accent); padding: 0.6em 1.2em 0.7em;
  margin: 0.6em 0 1em; break-inside: avoid; page-break-inside: avoid; }
.llkit-box h3 { margin-top: 0.3em; }
.llkit-findings li { margin: 0.45em 0; }
.llkit-columns { display: grid; grid-template-columns: 1fr 1fr; gap: 0 1em; }
.llkit-note { color: var(--muted); font-size: 0.88rem; }
.llkit-empty { color: var(--muted); font-style: italic; }
.llkit-table-wrap { overflow-x: auto; margin: 0.5em 0 1em; }
table.llkit-table { border-collapse: collapse; font-size: 0.86rem; font-variant-numeric: tabular-nums; }
table.llkit-table caption { caption-side: top; text-align: left; font-weight: 600; padding: 0 0 0.3em; color: var(--muted); }
table.llkit-table th, table.llkit-table td { border-bottom: 1px solid var(--line); padding: 0.28em 0.6em;
  text-align: right; vertical-align: top; }
table.llkit-table th { background: var(--soft); font-weight: 600; }
table.llkit-table th:first-child, table.llkit-table td:first-child { text-align: left; }
.llkit-figures { display: grid; grid-template-columns: 1fr; gap: 0.8em; margin: 0.6em 0 1em; }
.llkit-cols-2 { grid-template-columns: 1fr 1fr; }
.llkit-cols-3 { grid-template-columns: 1fr 1fr 1fr; }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
figure { max-width: 860px; }
.llkit-cols-2 figure, .llkit-cols-3 figure { max-width: none; }
figure img { width: 100%; height: auto; display: block; }
.output_png img, .output_subarea img { max-width: 100%; height: auto; }
figcaption { font-size: 0.85rem; color: var(--muted); margin-top: 0.2em; }
.output_stream pre, .output_text pre { white-space: pre-wrap; font-size: 0.85rem; }
.cell { margin: 0; }
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
@media print {
  html { font-size: 10pt; }
  table.llkit-table { font-size: 8.5pt; }
  figure img { width: auto; max-width: 100%; max-height: 195mm; margin: 0 auto; }
  .llkit-cols-2 figure img, .llkit-cols-3 figure img { max-height: 110mm; }
  main.llkit-report { max-width: none; padding: 0; }
  h2 { break-before: page; page-break-before: always; }
  h2.llkit-keep { break-before: auto; page-break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, img, .llkit-box { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .llkit-table-wrap { overflow: visible; }
  .llkit-box { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table.llkit-table th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""

_STATIC_MIME = ["text/html", "text/markdown", "image/svg+xml", "image/png", "image/jpeg", "text/plain"]

_CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
        "base-uri 'none'; form-action 'none'")


# ----------------------------------------------------------------------------- running


def _plain(value: Any) -> Any:
    """Parameters as plain Python literals: ids stay strings, paths become strings."""
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)  # also numpy.str_, whose repr is not a plain literal
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and not isinstance(value, str | bytes):
        try:
            return value.item()  # numpy scalar
        except (TypeError, ValueError):
            pass
    return str(value)


def run_notebook(
    notebook_path: str | Path,
    parameters: Mapping[str, Any],
    out_ipynb: str | Path | None = None,
    *,
    timeout: int = 600,
    cwd: str | Path | None = None,
):
    """Execute a parameterised notebook with papermill and return the executed notebook.

    Parameters
    ----------
    notebook_path : str or Path
        The notebook, with a cell tagged ``parameters``.
    parameters : mapping
        Values for the parameters. They are injected as Python literals, so ids stay
        strings (``"01"`` is not turned into ``1``); paths become strings.
    out_ipynb : str or Path, optional
        Where to write the executed notebook; nothing is written when omitted.
    timeout : int, default 600
        Seconds one cell may run.
    cwd : str or Path, optional
        Working directory of the kernel (relative data paths are read from there).

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    papermill.PapermillExecutionError
        A cell failed; the executed notebook (with the traceback) is still written to
        ``out_ipynb`` when given.

    Examples
    --------
    >>> nb = run_notebook("notebooks/institution_report.ipynb",
    ...                   {"data": "data/sample/dagtilbud", "institution": "I01"})  # doctest: +SKIP
    """
    import papermill as pm

    params = {str(k): _plain(v) for k, v in dict(parameters).items()}
    if out_ipynb is not None:
        Path(out_ipynb).parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            return _execute(pm, notebook_path, out_ipynb, params, timeout, cwd)
        except Exception as exc:  # noqa: BLE001 - only a failed kernel start is retried
            if attempt == 2 or not _kernel_start_failed(exc):
                raise
            # a kernel that died before answering (a start race on a busy machine): no
            # cell has run yet, so starting another is safe
            time.sleep(1.0)
    raise AssertionError("unreachable")  # pragma: no cover


_KERNEL_START_FAILURES = ("Kernel died before replying to kernel_info",
                          "Kernel didn't respond in", "kernel_info")


def _kernel_start_failed(exc: BaseException) -> bool:
    """True for errors raised while a kernel starts (before any cell ran)."""
    import papermill as pm

    if isinstance(exc, pm.PapermillExecutionError):   # a cell failed: not a start problem
        return False
    text = f"{type(exc).__name__}: {exc}"
    return isinstance(exc, RuntimeError | TimeoutError) and any(
        m in text for m in _KERNEL_START_FAILURES)


def _execute(pm: Any, notebook_path: str | Path, out_ipynb: str | Path | None,
             params: dict[str, Any], timeout: int, cwd: str | Path | None) -> Any:
    return pm.execute_notebook(
        str(notebook_path),
        str(out_ipynb) if out_ipynb is not None else None,
        parameters=params,
        kernel_name="python3",
        language="python",
        progress_bar=False,
        log_output=False,
        request_save_on_cell_execute=False,
        execution_timeout=timeout,
        cwd=str(cwd) if cwd is not None else None,
        # the kernel's own log (TCP notice, shutdown) is noise in batch logs; cell errors
        # still reach the notebook
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )


# ----------------------------------------------------------------------------- HTML


_NETWORK_ATTR = re.compile(r"""\s(?:src|href|xlink:href|srcset|poster|data|action)\s*=\s*(["'])\s*(?:https?:)?//.*?\1""",
                           re.I | re.S)
_NETWORK_ATTR_BARE = re.compile(r"""\s(?:src|href|xlink:href|srcset|poster|data|action)\s*=\s*(?:https?:)?//[^\s>]*""", re.I)
_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.I | re.S)
_SCRIPT_OPEN = re.compile(r"<script\b[^>]*>", re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_CSS_IMPORT = re.compile(r"@import\s+[^;]+;", re.I)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)\s*(?:https?:)?//[^)]*\)", re.I)
_IFRAME = re.compile(r"<(iframe|object|embed)\b.*?(</\1\s*>|/>)", re.I | re.S)
_META_REFRESH = re.compile(r"<meta\b[^>]*http-equiv\s*=\s*['\"]?refresh[^>]*>", re.I)


def _neutralise(body: str) -> str:
    """Remove everything in an HTML fragment that could make a request to the network."""
    body = _SCRIPT.sub("", body)
    body = _SCRIPT_OPEN.sub("", body)
    body = _LINK.sub("", body)
    body = _IFRAME.sub("", body)
    body = _META_REFRESH.sub("", body)
    body = _CSS_IMPORT.sub("", body)
    body = _CSS_URL.sub("none", body)
    body = _NETWORK_ATTR.sub("", body)
    body = _NETWORK_ATTR_BARE.sub("", body)
    return body


def network_references(html_text: str) -> list[str]:
    """Everything in an HTML text that would load from another host (empty for a report).

    Looks for ``src``/``href`` attributes to ``http(s)://`` or protocol-relative ``//``
    URLs, ``<script src>``, ``<link>`` to other hosts and CSS ``@import``/``url()`` of
    remote resources.

    Examples
    --------
    >>> network_references('<img src="https://example.org/x.png"><p>ok</p>')
    ['src="https://example.org/x.png"']
    >>> network_references('<img src="data:image/png;base64,AAAA">')
    []
    """
    found = re.findall(r"""(?:src|href|srcset|poster|action)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*["']?""", html_text, re.I)
    found += re.findall(r"<script\b[^>]*\bsrc\s*=[^>]*>", html_text, re.I)
    found += re.findall(r"@import\s+url\(\s*['\"]?(?:https?:)?//[^)]*\)", html_text, re.I)
    found += re.findall(r"url\(\s*['\"]?(?:https?:)?//[^)]*\)", html_text, re.I)
    return found


def _strip_tags(s: str) -> str:
    return _html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", s))).replace("¶", "").strip()


def _default_title(body: str) -> str:
    h1 = re.search(r"<h1\b[^>]*>(.*?)</h1>", body, re.I | re.S)
    kicker = re.search(r'class="llkit-kicker"[^>]*>(.*?)</p>', body, re.I | re.S)
    name = _strip_tags(h1.group(1)) if h1 else ""
    kind = _strip_tags(kicker.group(1)) if kicker else ""
    if name and kind:
        return f"{kind}: {name}"
    return name or kind or "Rapport"


def _load_nb(nb_or_path: Any):
    import nbformat

    if isinstance(nb_or_path, str | os.PathLike):
        return nbformat.read(os.fspath(nb_or_path), as_version=4)
    return nbformat.from_dict(nb_or_path) if isinstance(nb_or_path, dict) and not hasattr(nb_or_path, "cells") else nb_or_path


def _clean_copy(nb):
    """A copy without stderr output and injected-parameter noise."""
    import copy

    nb = copy.deepcopy(nb)
    for i, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            # papermill gives the cell it adds a random id: the same report should give
            # the same HTML on every run
            cell["id"] = f"injected-parameters-{i}"
        if cell.get("cell_type") != "code":
            continue
        cell["outputs"] = [
            o for o in cell.get("outputs", [])
            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
        ]
    # widget state would make nbconvert emit widget JavaScript
    nb.metadata.pop("widgets", None)
    return nb


def to_html(nb_or_path: Any, *, title: str | None = None) -> str:
    """Convert an executed notebook to one self-contained, offline HTML document.

    Parameters
    ----------
    nb_or_path : NotebookNode, dict, str or Path
        The executed notebook or its file.
    title : str, optional
        The document title (Danish); by default built from the report's heading, e.g.
        "Dagtilbudsrapport til ledelsesteamet: Børnehuset Lindehuset".

    Returns
    -------
    str
        The HTML document: no code, no prompts, no scripts, no network references,
        ``lang="da"``, A4 print styles.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Rapport")])
    >>> page = to_html(nb)
    >>> '<html lang="da">' in page and "<title>Rapport</title>" in page
    True
    """
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = _clean_copy(_load_nb(nb_or_path))
    # only MIME types that render without JavaScript (no widgets, no MathJax, no mermaid)
    config = Config({"NbConvertBase": {"display_data_priority": _STATIC_MIME}})
    exporter = HTMLExporter(config=config, template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True, exclude_raw=True)
    body, _ = exporter.from_notebook_node(nb)
    body = _neutralise(body)
    # the first major heading stays on the first page with the title
    body = re.sub(r"<h2\b", '<h2 class="llkit-keep"', body, count=1)
    doc_title = title or _default_title(body)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="da">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="llkit">\n'
        f"<title>{_html.escape(doc_title)}</title>\n"
        f"<style>{REPORT_CSS}</style>\n</head>\n"
        f'<body>\n<main class="llkit-report">\n{body}\n</main>\n</body>\n</html>\n'
    )


def export_html(nb_or_path: Any, out_path: str | Path, *, title: str | None = None) -> Path:
    """Write :func:`to_html` of a notebook to ``out_path`` atomically (temp file, then rename).

    Returns
    -------
    pathlib.Path
        ``out_path``.
    """
    out = Path(out_path)
    atomic_write(out, to_html(nb_or_path, title=title).encode("utf-8"))
    return out


# ----------------------------------------------------------------------------- PDF


def _pdf_sync(html_path: Path, pdf_path: Path, executable: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(("file:", "data:")) else route.abort())
            page.goto(html_path.resolve().as_uri(), wait_until="load")
            pdf = page.pdf(
                format="A4", print_background=True, prefer_css_page_size=True,
                display_header_footer=True, header_template="<span></span>",
                footer_template=('<div style="font-size:8px;width:100%;text-align:center;color:#57606a;">'
                                 'Side <span class="pageNumber"></span> af <span class="totalPages"></span></div>'),
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
            )
        finally:
            browser.close()
    atomic_write(pdf_path, pdf)


def export_pdf(html_path: str | Path, pdf_path: str | Path, *, executable: str = CHROMIUM) -> Path:
    """Print an exported HTML report to an A4 PDF with headless Chromium (Playwright).

    Every request other than ``file:`` and ``data:`` is blocked; pages are numbered in
    the footer ("Side 2 af 9").

    Parameters
    ----------
    html_path : str or Path
        A file written by :func:`export_html`.
    pdf_path : str or Path
        Where to write the PDF (atomically).
    executable : str, default "/usr/bin/chromium"
        The Chromium binary (Debian's package ``chromium``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        Chromium or the HTML file is missing.
    """
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    if not html_path.is_file():
        raise FileNotFoundError(f"no HTML file at {html_path}; write it with export_html first")
    if not Path(executable).exists():
        raise FileNotFoundError(
            f"Chromium not found at {executable}; install it with `apt-get install chromium` "
            "or pass executable= the path of a Chromium binary"
        )
    try:
        asyncio.get_running_loop()
        in_loop = True
    except RuntimeError:
        in_loop = False
    if not in_loop:
        _pdf_sync(html_path, pdf_path, executable)
    else:  # Playwright's sync API refuses to run inside an event loop (e.g. Jupyter)
        error: list[BaseException] = []

        def work() -> None:
            try:
                _pdf_sync(html_path, pdf_path, executable)
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                error.append(exc)

        t = threading.Thread(target=work)
        t.start()
        t.join()
        if error:
            raise error[0]
    return pdf_path


# ----------------------------------------------------------------------------- all in one


def render(
    notebook_path: str | Path,
    parameters: Mapping[str, Any],
    out_dir: str | Path,
    *,
    name: str,
    pdf: bool = False,
    title: str | None = None,
    timeout: int = 600,
) -> dict[str, Any]:
    """Run a report notebook and write ``name.ipynb``, ``name.html`` (and ``name.pdf``).

    Parameters
    ----------
    notebook_path : str or Path
    parameters : mapping
        See :func:`run_notebook`.
    out_dir : str or Path
        Output folder (created).
    name : str
        File stem, e.g. the institution id.
    pdf : bool, default False
        Also print a PDF with Chromium.
    title : str, optional
        See :func:`to_html`.
    timeout : int, default 600

    Returns
    -------
    dict
        ``ipynb``, ``html``, ``pdf`` (Path or None), ``title``, ``seconds`` (run),
        ``seconds_html``, ``seconds_pdf``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ipynb = out_dir / f"{name}.ipynb"
    t0 = time.perf_counter()
    nb = run_notebook(notebook_path, parameters, ipynb, timeout=timeout)
    t1 = time.perf_counter()
    page = to_html(nb, title=title)
    html_path = out_dir / f"{name}.html"
    atomic_write(html_path, page.encode("utf-8"))
    t2 = time.perf_counter()
    pdf_path = export_pdf(html_path, out_dir / f"{name}.pdf") if pdf else None
    t3 = time.perf_counter()
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    return {
        "ipynb": ipynb, "html": html_path, "pdf": pdf_path,
        "title": _html.unescape(found.group(1)) if found else "",
        "seconds": t1 - t0, "seconds_html": t2 - t1, "seconds_pdf": (t3 - t2) if pdf else None,
    }
