"""HTML building blocks of the reports and views: :class:`Block`, escaped paragraphs and
headings, notes, Danish-styled tables, inlined SVG figures and finding lists.

Knows how a document looks, not what it says; used by every document, the dashboard and
the e-learning chapters so that they look the same.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.present import text as tx

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


__all__ = [
    "FIGURE_FAILED",
    "Block",
    "display_findings",
    "styled_table",
    "figure_html",
    "figures_html",
    "note_html",
]

# ----------------------------------------------------------------------------- blocks


class Block:
    """A piece of a report as HTML; notebooks display it (``_repr_html_``).

    Parameters
    ----------
    html : str
        The HTML fragment.

    Examples
    --------
    >>> Block("<p>Hej</p>")._repr_html_()
    '<p>Hej</p>'
    """

    def __init__(self, html: str = "") -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        plain = re.sub(r"<style.*?</style>", "", self.html, flags=re.S)
        plain = re.sub(r"<img[^>]*>", "", plain)
        plain = re.sub(r"<[^>]+>", " ", plain)
        return re.sub(r"\s+", " ", html.unescape(plain)).strip()

    def __repr__(self) -> str:
        return f"Block({str(self)[:60]!r}…)"

    def __add__(self, other: Block) -> Block:
        return Block(self.html + other.html)

    def __bool__(self) -> bool:
        return bool(self.html)


def esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def para(s: str, cls: str | None = None) -> str:
    c = f' class="{cls}"' if cls else ""
    return f"<p{c}>{esc(s)}</p>"


def heading_html(level: int, s: str) -> str:
    return f"<h{level}>{esc(s)}</h{level}>"


def note_html(s: str) -> str:
    """A small explanatory note under a table or figure, as an HTML paragraph.

    Parameters
    ----------
    s : str
        The (Danish) note; it is HTML-escaped.

    Returns
    -------
    str
        ``<p class="llkit-note">…</p>``.

    Examples
    --------
    >>> note_html("Få svar & stor usikkerhed.")
    '<p class="llkit-note">Få svar &amp; stor usikkerhed.</p>'
    """
    return para(s, "llkit-note")


def empty_block(s: str) -> Block:
    """The one line shown instead of a section without data."""
    return Block(f'<p class="llkit-empty">{esc(s)}</p>')


def _is_suppressed_text(v: Any) -> bool:
    return isinstance(v, str) and (v.startswith("færre end") or v.startswith("vises ikke"))


def styled_table(df: pd.DataFrame, *, caption: str | None = None) -> str:
    """A table of already formatted (Danish) strings as HTML in the reports' style.

    The index is hidden, missing cells show the missing marker, suppression texts
    ("færre end N", "vises ikke*") are set in grey italics, and columns of text are
    left-aligned while columns of numbers, percents and intervals stay right-aligned.

    Parameters
    ----------
    df : DataFrame
        The rows to show, already formatted for reading (column names are the headers).
    caption : str, optional
        A caption above the table.

    Returns
    -------
    str
        ``<div class="llkit-table-wrap">`` holding the styled ``<table class="llkit-table">``.

    Examples
    --------
    >>> df = pd.DataFrame({"Måling": ["Sprog"], "Gennemsnit": ["3,4"]})
    >>> styled_table(df, caption="T3").startswith('<div class="llkit-table-wrap">')
    True
    """
    df = df.astype(object).where(df.notna(), tx.MISSING)
    sty = df.style.hide(axis="index").format(escape="html").format_index(escape="html", axis=1)
    sty = sty.set_table_attributes('class="llkit-table"')
    sty = sty.map(lambda v: ("color: #555; font-style: italic;" if _is_suppressed_text(v) else "")
                  + (" white-space: nowrap;" if isinstance(v, str) and len(v) <= 18 else ""))
    # text columns (names, goals, sentences) read better left-aligned; numbers stay right
    text_cols = [c for c in df.columns if not _numeric_column(df[c])]
    if text_cols:
        sty = sty.set_properties(subset=text_cols, **{"text-align": "left"})
        sty = sty.set_table_styles({c: [{"selector": "th", "props": "text-align: left;"}]
                                    for c in text_cols}, overwrite=False)
    # the table's id from its content: the same table gives the same HTML on every run
    # (and an identical table elsewhere on the page the same, identical, styles)
    digest = hashlib.sha1(caption.encode() if caption else b"")
    digest.update(repr(list(df.columns)).encode())
    digest.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())
    sty = sty.set_uuid(digest.hexdigest()[:10])
    if caption:
        sty = sty.set_caption(esc(caption))
    return f'<div class="llkit-table-wrap">{sty.to_html()}</div>'


_NUMBERISH = re.compile(r"^[\s+\-−–]*[\d.,]+\s*(%|pct\.?)?(\s*[–-]\s*[\-−]?[\d.,]+\s*%?)?"
                        r"(\s*\(.*\))?$")


def _numeric_column(col: pd.Series) -> bool:
    """True when every shown value is a (Danish formatted) number, percent or interval, or
    a missing/suppressed marker — such a column is right-aligned."""
    seen = False
    for v in col:
        if isinstance(v, int | float | np.number):
            seen = True
            continue
        t = str(v).strip()
        if t in ("", tx.MISSING) or _is_suppressed_text(t):
            continue
        if not _NUMBERISH.match(t):
            return False
        seen = True
    return seen


def _close(fig: Figure) -> None:
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)


def figure_html(fig: Figure, caption: str | None = None) -> str:
    """A matplotlib figure inlined as an SVG data URI (no files, no network).

    SVG with the glyphs as paths: sharp when printed, looks the same on every machine
    (no fonts needed), and renders about twice as fast as a PNG. The figure is closed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, e.g. from :mod:`llkit.present.plots`.
    caption : str, optional
        A caption under the figure; it is also the image's ``alt`` text (otherwise the
        figure's title, or "Figur").

    Returns
    -------
    str
        ``<figure class="llkit-figure"><img …></figure>``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("Sprog")
    >>> figure_html(fig)[:47]
    '<figure class="llkit-figure"><img alt="Sprog" s'
    """
    from llkit.present.plots import svg_data_uri

    src = svg_data_uri(fig)
    alt = esc(caption or _figure_title(fig) or "Figur")
    _close(fig)
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="llkit-figure"><img alt="{alt}" src="{src}">{cap}</figure>'


def _figure_title(fig: Figure) -> str:
    texts = [t.get_text() for t in getattr(fig, "texts", []) if t.get_text()]
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text():
        return sup.get_text()
    for ax in fig.axes:
        for loc in ("center", "left", "right"):  # the llkit theme puts titles left
            if ax.get_title(loc=loc):
                return ax.get_title(loc=loc)
    return texts[0] if texts else ""


#: Shown instead of a figure that could not be drawn (the report goes on).
FIGURE_FAILED = "Figuren kan ikke vises for disse data."


def figures_html(items: list[tuple[Callable[[], Figure], str | None]], columns: int = 1) -> str:
    """Figures side by side, each drawn by :func:`figure_html`, where one that fails is
    replaced by one line.

    A figure whose function raises becomes the line :data:`FIGURE_FAILED` (and a
    ``RuntimeWarning``, which reports leave out), so one figure never stops a whole report
    or view; set the environment variable ``LLKIT_STRICT_FIGURES=1`` to raise instead
    (tests).

    Parameters
    ----------
    items : list of (callable, str or None)
        For each figure: a function without arguments that returns the matplotlib figure
        (e.g. a ``lambda`` around a :mod:`llkit.present.plots` call), and its caption.
    columns : int, default 1
        Figures per row (the ``llkit-cols-N`` class of the reports' style).

    Returns
    -------
    str
        ``<div class="llkit-figures llkit-cols-N">…</div>``, or "" when ``items`` is empty.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> def sprog():
    ...     fig, ax = plt.subplots()
    ...     _ = ax.set_title("Sprog")
    ...     return fig
    >>> figures_html([(sprog, None)], columns=2)[:69]
    '<div class="llkit-figures llkit-cols-2"><figure class="llkit-figure">'
    >>> figures_html([])
    ''
    """
    parts = []
    for make, cap in items:
        try:
            parts.append(figure_html(make(), cap))
        except Exception as exc:  # noqa: BLE001 - see docstring
            if os.environ.get("LLKIT_STRICT_FIGURES") == "1":
                raise
            warnings.warn(f"figure failed: {type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=2)
            parts.append(f'<p class="llkit-empty">{esc(FIGURE_FAILED)}</p>')
    if not parts:
        return ""
    return f'<div class="llkit-figures llkit-cols-{columns}">{"".join(parts)}</div>'


def display_findings(
    items: Iterable[str],
    *,
    title: str | None = None,
    numbered: bool = False,
    note: str | None = None,
) -> Block:
    """Render findings or questions as a list block for a notebook.

    A leading "Emne: " (up to 90 characters, no full stop) of each item is set in bold.

    Parameters
    ----------
    items : iterable of str
        Sentences, e.g. from :func:`key_findings` or :func:`reflection_questions`.
    title : str, optional
        A heading above the list.
    numbered : bool, default False
        A numbered list (for questions).
    note : str, optional
        A short line below the list.

    Returns
    -------
    Block

    Examples
    --------
    >>> b = display_findings(["Sprog: Dagtilbuddet ligger på niveau med kommunen."])
    >>> "<strong>Sprog</strong>" in b.html
    True
    """
    rows = []
    for item in items:
        s = str(item)
        m = re.match(r"^([^.:]{1,90}): (.+)$", s, flags=re.S)
        if m:
            rows.append(f"<li><strong>{esc(m.group(1))}</strong>: {esc(m.group(2))}</li>")
        else:
            rows.append(f"<li>{esc(s)}</li>")
    tag = "ol" if numbered else "ul"
    body = f'<{tag} class="llkit-findings">{"".join(rows)}</{tag}>' if rows else ""
    head = heading_html(3, title) if title else ""
    tail = note_html(note) if note else ""
    return Block(f'<div class="llkit-box">{head}{body}{tail}</div>')
