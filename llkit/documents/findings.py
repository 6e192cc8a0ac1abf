"""Plain-Danish findings, reflection and dialogue questions, and the report sections the
notebooks show.

Everything a leadership team reads is built here from the indicators
(:mod:`llkit.stats.indicators`) and the honest sentences of :mod:`llkit.present.text`: a difference is
only called a difference when it is larger than the statistical uncertainty, a change says
whether it concerns the same children, and a suppressed number is never shown — its place
says "færre end N børn – vises ikke".

Four kinds of functions:

- sentences and questions as plain lists of strings: :func:`key_findings`,
  :func:`overview_findings`, :func:`reflection_questions`, :func:`dialogue_questions`;
- :func:`display_findings` renders such a list as a block for a notebook;
- ``*_section`` functions return a :class:`Block` (Danish headings, tables in Danish number
  format, figures from :mod:`llkit.present.plots` inlined as SVG) for one part of a report. Each
  works for both sectors, any measures, 1–5 rounds, with or without the optional ``goals``
  and ``reference`` tables; a part without data says so in one line.
- building blocks that other views (the e-learning chapters, the dashboard) reuse so that
  they look and count the same: :func:`institution_info`, :func:`institution_rounds`,
  :func:`last_round`, :func:`round_label`, :func:`institution_position`,
  :func:`position_verdict`; :func:`measure_info`, :func:`measure_title`,
  :func:`format_estimate`, :func:`suppression_text`, :func:`suppression_note_html`;
  the sector's words :func:`profile_label`, :func:`children_noun`,
  :func:`departments_noun`, :func:`institution_noun`, :func:`gap_groups`;
  :func:`styled_table`, :func:`figure_html`, :func:`figures_html`, :func:`note_html`;
  and the indicators computed once per dataset: :func:`cached`, :func:`summary_table`,
  :func:`gap_table`, :func:`coverage_table`.

Results of the indicators are computed once per :class:`~llkit.data.dataset.Dataset` object and
reused by every section (the scores themselves are cached by :mod:`llkit.stats.indicators`).

Examples
--------
>>> import llkit
>>> from llkit import findings
>>> ds = findings.prepare("data/sample/dagtilbud")
>>> items = findings.key_findings(ds, "I01")
>>> 3 <= len(items) <= 5
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import math
import os
import re
import sys
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.present import text as tx
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from llkit.data.dataset import Dataset

__all__ = [
    "FIGURE_FAILED",
    "Block",
    "prepare",
    "key_findings",
    "overview_findings",
    "reflection_questions",
    "dialogue_questions",
    "display_findings",
    "heading",
    "cluster_institutions",
    # building blocks for other report views (e-learning chapters, dashboard)
    "institution_info",
    "institution_rounds",
    "last_round",
    "round_label",
    "institution_position",
    "position_verdict",
    "report_family",
    "profile_position",
    "family_verdict",
    "family_sentence",
    "family_note",
    "overview_family_note",
    "cluster_family_note",
    "measure_info",
    "measure_title",
    "format_estimate",
    "suppression_text",
    "suppression_note_html",
    "profile_label",
    "children_noun",
    "departments_noun",
    "institution_noun",
    "gap_groups",
    "styled_table",
    "figure_html",
    "figures_html",
    "note_html",
    "cached",
    "summary_table",
    "gap_table",
    "coverage_table",
    # institution report
    "title_block",
    "basis_section",
    "status_section",
    "distribution_section",
    "change_section",
    "department_section",
    "gap_section",
    "culture_section",
    "coverage_section",
    "funnel_section",
    "reliability_section",
    "child_section",
    # municipality overview
    "overview_title",
    "overview_family",
    "overview_verdict",
    "overview_funnel_section",
    "variance_section",
    "overview_change_section",
    "overview_gap_section",
    "overview_coverage_section",
    "area_cluster_section",
    # cluster dialogue
    "cluster_title",
    "cluster_findings_section",
    "cluster_status_section",
    "cluster_change_section",
    "cluster_gap_section",
    "cluster_coverage_section",
]

Z95 = 1.959963984540054

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


def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _p(s: str, cls: str | None = None) -> str:
    c = f' class="{cls}"' if cls else ""
    return f"<p{c}>{_esc(s)}</p>"


def _h(level: int, s: str) -> str:
    return f"<h{level}>{_esc(s)}</h{level}>"


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
    return _p(s, "llkit-note")


def _empty(s: str) -> Block:
    """The one line shown instead of a section without data."""
    return Block(f'<p class="llkit-empty">{_esc(s)}</p>')


def _is_suppressed_text(v: Any) -> bool:
    return isinstance(v, str) and (v.startswith("færre end") or v.startswith("vises ikke"))


def _measure_cells(ds: Dataset, g: pd.DataFrame, ms: Sequence[str], info: pd.DataFrame,
                   extra: str) -> dict[str, str]:
    """One table row's cells from a unit's ``summarize`` rows: per measure (column named by
    its label) the mean with its n (``extra="n"``) or its 95 % interval (``"ci"``), the
    suppression text, or the missing marker."""
    g = g.set_index(g["measure_id"].astype(str))
    cells: dict[str, str] = {}
    for m in ms:
        label = info.loc[m, "label"]
        if m not in g.index:
            cells[label] = tx.MISSING
        elif bool(g.loc[m, "suppressed"]):
            cells[label] = suppression_text(ds, m, g.loc[m, "suppressed_reason"], short=True)
        elif extra == "n":
            cells[label] = f"{_fmt(ds, m, g.loc[m, 'mean'])} ({tx.fmt_int(g.loc[m, 'n'])})"
        else:
            cells[label] = (f"{_fmt(ds, m, g.loc[m, 'mean'])} "
                            f"({_fmt_ci(ds, m, g.loc[m, 'ci_low'], g.loc[m, 'ci_high'])})")
    return cells


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
        sty = sty.set_caption(_esc(caption))
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
    alt = _esc(caption or _figure_title(fig) or "Figur")
    _close(fig)
    cap = f"<figcaption>{_esc(caption)}</figcaption>" if caption else ""
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
            parts.append(f'<p class="llkit-empty">{_esc(FIGURE_FAILED)}</p>')
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
            rows.append(f"<li><strong>{_esc(m.group(1))}</strong>: {_esc(m.group(2))}</li>")
        else:
            rows.append(f"<li>{_esc(s)}</li>")
    tag = "ol" if numbered else "ul"
    body = f'<{tag} class="llkit-findings">{"".join(rows)}</{tag}>' if rows else ""
    head = _h(3, title) if title else ""
    tail = note_html(note) if note else ""
    return Block(f'<div class="llkit-box">{head}{body}{tail}</div>')


# ----------------------------------------------------------------------------- data


def prepare(
    data: str | Path | Dataset,
    *,
    rounds: str | Sequence[str] | None = None,
    min_n: int | None = None,
) -> Dataset:
    """Load a dataset for a report, optionally restricted to some rounds.

    Parameters
    ----------
    data : str, Path or Dataset
        A dataset folder or workbook (see :func:`llkit.load`), or a loaded dataset.
    rounds : str or list of str, optional
        The rounds to report on, e.g. ``["T2", "T3"]`` or ``"T2, T3"``; all when omitted.
    min_n : int, optional
        A stricter suppression threshold than the dataset's. It may only be raised: the
        data owner's threshold is the least a report hides.

    Returns
    -------
    Dataset
        The dataset itself when nothing is restricted, otherwise a new one whose
        ``meta.rounds`` and tables hold the chosen rounds only.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud", rounds=["T2", "T3"], min_n=6)
    >>> ds.meta.rounds, ds.meta.min_n
    (['T2', 'T3'], 6)
    """
    from llkit.data.dataset import Dataset, load

    ds = data if isinstance(data, Dataset) else load(data)
    new_min_n = ds.meta.min_n
    if min_n is not None and not (isinstance(min_n, float) and math.isnan(min_n)):
        if int(min_n) != min_n:
            raise ValueError(f"min_n must be a whole number, not {min_n!r}")
        if int(min_n) < ds.meta.min_n:
            raise ValueError(
                f"min_n={int(min_n)} is below the dataset's suppression threshold "
                f"{ds.meta.min_n}; a report may hide more than the data owner decided, "
                "never less. Leave min_n empty or raise it."
            )
        new_min_n = int(min_n)
    keep = list(ds.meta.rounds)
    if rounds is not None:
        wanted = [r.strip() for r in rounds.split(",")] if isinstance(rounds, str) else [str(r) for r in rounds]
        wanted = [r for r in wanted if r]
        unknown = [r for r in wanted if r not in ds.meta.rounds]
        if unknown or not wanted:
            raise KeyError(
                f"unknown round(s) {', '.join(map(repr, unknown)) or '(none given)'}; "
                f"the dataset has: {', '.join(ds.meta.rounds)}"
            )
        keep = [r for r in ds.meta.rounds if r in set(wanted)]
    if keep == list(ds.meta.rounds) and new_min_n == ds.meta.min_n:
        return ds
    meta = dataclasses.replace(
        ds.meta, rounds=keep, min_n=new_min_n,
        round_dates={k: v for k, v in ds.meta.round_dates.items() if k in keep},
    )

    def restrict(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        if frame is None:
            return None
        out = frame[frame["round"].astype(str).isin(keep)].copy()
        out["round"] = pd.Categorical(out["round"].astype(str), categories=keep, ordered=True)
        return out.reset_index(drop=True)

    return Dataset(
        meta=meta, units=ds.units, children=ds.children, measures=ds.measures,
        items=ds.items, responses=restrict(ds.responses), goals=restrict(ds.goals),
        reference=restrict(ds.reference), problems=ds.problems, source=ds.source,
    )


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached(ds: Dataset, key: tuple, make: Callable[[], Any]) -> Any:
    """``make()``, computed once per dataset object and key and then reused.

    The cache lives as long as the dataset object does (a weak reference), so a reloaded
    or restricted dataset (:func:`prepare`) is computed afresh.

    Parameters
    ----------
    ds : Dataset
    key : tuple
        Identifies the result within ``ds``; start it with a name of your own (e.g.
        ``("el-ch05", institution)``) so it cannot clash with the keys used here.
    make : callable
        Computes the result when it is not cached yet.

    Returns
    -------
    object
        The cached result of ``make()``.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> cached(ds, ("doc", "answer"), lambda: 42)
    42
    >>> cached(ds, ("doc", "answer"), lambda: 0)
    42
    """
    store = _CACHE.get(ds)
    if store is None:
        store = {}
        _CACHE[ds] = store
    if key not in store:
        store[key] = make()
    return store[key]


def summary_table(ds: Dataset, by: str | None) -> pd.DataFrame:
    """:func:`llkit.stats.indicators.summarize` for every measure and round at one level, computed
    once per dataset (the numbers every section and view shows).

    Parameters
    ----------
    ds : Dataset
    by : {"department", "institution", "cluster", "area", "municipality"} or None
        The level, as for :func:`~llkit.stats.indicators.summarize`; None for the whole dataset.

    Returns
    -------
    DataFrame
        One row per unit, measure and round: ``n``, ``mean``, its 95 % interval, the
        shares low/middle/high and ``suppressed`` with ``suppressed_reason``. Do not
        modify it: it is shared.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> s = summary_table(ds, "institution")
    >>> row = s[(s["institution_id"] == "I03") & (s["measure_id"] == "sprog") & (s["round"] == "T3")]
    >>> int(row["n"].iloc[0])
    52
    """
    return cached(ds, ("summary", by), lambda: indicators.summarize(ds, by=by))


def _change(ds: Dataset, by: str | None) -> pd.DataFrame | None:
    def make():
        if len(ds.meta.rounds) < 2:
            return None
        return indicators.change(ds, ds.measures["measure_id"].tolist(), by=by)
    return cached(ds, ("change", by), make)


def gap_table(ds: Dataset, by: str | None) -> pd.DataFrame | None:
    """:func:`llkit.stats.indicators.gap` of the child measures between the profile's two social
    groups (:func:`gap_groups`), computed once per dataset.

    Parameters
    ----------
    ds : Dataset
    by : {"department", "institution", "cluster", "area", "municipality"} or None
        The level, as for :func:`~llkit.stats.indicators.gap`; None for the whole dataset.

    Returns
    -------
    DataFrame or None
        One row per unit, measure and round: ``gap`` (high group minus low group) with its
        interval, the change from the previous round and ``suppressed``. None when there
        are no child measures or the data lack the background attribute (or its groups).
        Shared: do not modify it.

    Examples
    --------
    >>> g = gap_table(prepare("data/sample/dagtilbud"), "institution")
    >>> sorted(set(g["round"].astype(str)))
    ['T1', 'T2', 'T3']
    """
    def make():
        child = _child_measures(ds)
        if not child:
            return None
        try:
            return indicators.gap(ds, child, by=by)
        except (KeyError, ValueError):
            return None  # no background attribute, or none of its groups in the data
    return cached(ds, ("gap", by), make)


def _compare(ds: Dataset, round: str, level: str = "institution", target: str = "municipality") -> pd.DataFrame | None:
    def make():
        measures = ds.measures["measure_id"].tolist()
        if target == "reference":
            ref = ds.reference
            if ref is None or ref.empty:
                return None
            ref = ref[(ref["round"].astype(str) == round) & (ref["scope"].astype(str) == "national")]
            measures = [m for m in measures if m in set(ref["measure_id"].astype(str))]
        if not measures:
            return None
        try:
            out = indicators.compare(ds, measures, level=level, round=round, target=target)
        except ValueError:
            return None
        return out if len(out) else None
    return cached(ds, ("compare", round, level, target), make)


def _reliability(ds: Dataset) -> pd.DataFrame:
    return cached(ds, ("reliability",), lambda: indicators.reliability(ds, round=ds.meta.rounds[-1]))


def coverage_table(ds: Dataset, by: str | None) -> pd.DataFrame:
    """:func:`llkit.stats.indicators.coverage` (learning goals and documented signs of learning)
    for every round, computed once per dataset.

    Parameters
    ----------
    ds : Dataset
    by : {"department", "institution", "cluster", "area", "municipality"} or None
        The level, as for :func:`~llkit.stats.indicators.coverage`; None for the whole dataset.

    Returns
    -------
    DataFrame
        One row per unit and round: ``teams``, ``teams_with_goals``,
        ``teams_documenting``, ``share`` with its interval, ``goals`` and the goals with
        signs / documented. Empty when the data have no goals. Shared: do not modify it.

    Examples
    --------
    >>> cov = coverage_table(prepare("data/sample/dagtilbud"), "institution")
    >>> sorted(set(cov["institution_id"].astype(str)))[:3]
    ['I01', 'I02', 'I03']
    """
    return cached(ds, ("coverage", by), lambda: indicators.coverage(ds, by=by))


def _vc(ds: Dataset, level: str, round: str) -> pd.DataFrame:
    def make():
        measures = [m for m in ds.measures["measure_id"] if measure_info(ds).loc[m, "subject"] != "department" or level != "department"]
        try:
            return indicators.variance_components(ds, measures, level=level, round=round)
        except (ValueError, KeyError):
            return pd.DataFrame(columns=["measure_id", "icc", "mean_reliability"])
    return cached(ds, ("vc", level, round), make)


# ----------------------------------------------------------------------------- metadata

_DEFINITE = {"Dagtilbud": "dagtilbuddet", "Skole": "skolen"}
_DEPTS_DEFINITE = {"Stuer/grupper": "stuerne", "Klasser": "klasserne"}
_INSTS_DEFINITE = {"Dagtilbud": "dagtilbuddene", "Skoler": "skolerne"}
_GENITIVE = {"Dagtilbud": "et dagtilbuds", "Skole": "en skoles"}


def _labels(ds: Dataset) -> dict[str, str]:
    try:
        return dict(ds.profile.labels)
    except Exception:  # noqa: BLE001 - an unknown sector still gets a report
        return {}


def profile_label(ds: Dataset, key: str, default: str) -> str:
    """The sector profile's Danish word for a kind of unit or person.

    Parameters
    ----------
    ds : Dataset
    key : str
        A key of the profile's ``labels``, e.g. "institution", "departments", "children",
        "respondents", "cluster", "round".
    default : str
        Returned when the profile has no such label (or the sector is unknown).

    Returns
    -------
    str
        The label as the profile spells it (capitalised, e.g. "Stuer/grupper").

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> profile_label(ds, "departments", "Afdelinger"), profile_label(ds, "nothing", "Ukendt")
    ('Stuer/grupper', 'Ukendt')
    """
    return _labels(ds).get(key, default)


def children_noun(ds: Dataset) -> str:
    """The sector's word for the children, in lower case, for sentences.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    str
        E.g. "børn" (default "børn").

    Examples
    --------
    >>> children_noun(prepare("data/sample/dagtilbud"))
    'børn'
    """
    return profile_label(ds, "children", "Børn").lower()


def departments_noun(ds: Dataset) -> str:
    """The sector's word for the departments (plural, lower case), for sentences.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    str
        E.g. "stuer/grupper" for daycare, "klasser" for schools (default "afdelinger").

    Examples
    --------
    >>> departments_noun(prepare("data/sample/dagtilbud"))
    'stuer/grupper'
    """
    return profile_label(ds, "departments", "Afdelinger").lower()


def _depts_definite(ds: Dataset) -> str:
    return _DEPTS_DEFINITE.get(profile_label(ds, "departments", ""), "afdelingerne")


def institution_noun(ds: Dataset) -> str:
    """The sector's word for one institution, capitalised as the profile spells it.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    str
        E.g. "Dagtilbud" or "Skole" (default "Institution"); lower-case it inside a
        sentence.

    Examples
    --------
    >>> institution_noun(prepare("data/sample/dagtilbud"))
    'Dagtilbud'
    """
    return profile_label(ds, "institution", "Institution")


def _insts_noun(ds: Dataset) -> str:
    return profile_label(ds, "institutions", "Institutioner").lower()


def _source_label(ds: Dataset, source: str) -> str:
    try:
        labels = ds.profile.source_labels
    except Exception:  # noqa: BLE001
        labels = {}
    return labels.get(source, str(source).capitalize())


def measure_info(ds: Dataset) -> pd.DataFrame:
    """Per measure: label, source, subject, scale, decimals and the nouns for sentences.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    DataFrame
        Indexed by ``measure_id`` (str), in the order of the measures table: the columns
        of ``ds.measures`` plus ``decimals`` (for showing means), ``scale`` ("skala 1–5",
        or empty), ``noun`` (who is measured, e.g. "børn"), ``source_label`` (Danish
        source name) and ``hib`` (higher is better, bool). Cached per dataset.

    Examples
    --------
    >>> info = measure_info(prepare("data/sample/dagtilbud"))
    >>> info.loc["sprog", ["label", "scale", "noun"]].tolist()
    ['Kommunikation og sprog', 'skala 1–5', 'børn']
    """
    def make():
        m = ds.measures.copy()
        m["measure_id"] = m["measure_id"].astype(str)
        m["subject"] = m["subject"].astype(str)
        m["source"] = m["source"].astype(str)
        m = m.set_index("measure_id")
        sc = indicators.scores(ds)
        sd = sc.groupby(sc["measure_id"].astype(str), observed=True)["score"].std()
        dec, scale, noun = [], [], []
        for mid, row in m.iterrows():
            lo, hi = row["scale_min"], row["scale_max"]
            if pd.notna(lo) and pd.notna(hi):
                width = float(hi) - float(lo)
                dec.append(2 if width <= 2.5 else 1 if width <= 20 else 0)
                scale.append(f"skala {tx.fmt_number(lo, 0)}{tx.DASH}{tx.fmt_number(hi, 0)}")
            else:
                s = float(sd.get(mid, np.nan))
                dec.append(0 if (np.isfinite(s) and s >= 5) else 1)
                scale.append("")
            noun.append({"child": children_noun(ds),
                         "respondent": profile_label(ds, "respondents", "Medarbejdere").lower()}.get(
                row["subject"], departments_noun(ds)))
        m["decimals"] = dec
        m["scale"] = scale
        m["noun"] = noun
        m["source_label"] = [_source_label(ds, s) for s in m["source"]]
        m["hib"] = m["higher_is_better"].astype(bool)
        return m
    return cached(ds, ("minfo",), make)


def _measures_of(ds: Dataset, subject: str | Sequence[str]) -> list[str]:
    subjects = {subject} if isinstance(subject, str) else set(subject)
    info = measure_info(ds)
    return [m for m in info.index if info.loc[m, "subject"] in subjects]


def _child_measures(ds: Dataset) -> list[str]:
    return _measures_of(ds, "child")


def _sources(ds: Dataset, measures: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(source, its measures) in the order of the measures table."""
    info = measure_info(ds)
    out: dict[str, list[str]] = {}
    for m in measures:
        out.setdefault(info.loc[m, "source"], []).append(m)
    return list(out.items())


def measure_title(ds: Dataset, m: str) -> str:
    """A measure's label with its source and scale, as in headings and sentences.

    Parameters
    ----------
    ds : Dataset
    m : str
        A measure id.

    Returns
    -------
    str
        E.g. 'Kommunikation og sprog (Pædagogvurdering, skala 1–5)'; just the label when
        there is neither a source label nor a scale.

    Examples
    --------
    >>> measure_title(prepare("data/sample/dagtilbud"), "sprog")
    'Kommunikation og sprog (Pædagogvurdering, skala 1–5)'
    """
    info = measure_info(ds).loc[m]
    extra = ", ".join(x for x in [info["source_label"], info["scale"]] if x)
    if not extra:
        return str(info["label"])
    if "(" in str(info["label"]):
        return f"{info['label']} – {extra}"
    return f"{info['label']} ({extra})"


def _sentence_decimals(ds: Dataset, m: str, lo: Any, hi: Any) -> int:
    """The measure's decimals, or more when an interval bound beyond 0 would show as 0."""
    d = int(measure_info(ds).loc[m, "decimals"])
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        return d
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo <= 0 <= hi:
        return d
    while d < 3 and min(abs(lo), abs(hi)) < 0.5 * 10.0 ** -d:
        d += 1
    return d


def format_estimate(ds: Dataset, m: str, x: Any, lo: Any, hi: Any) -> tuple[str, str]:
    """A signed estimate (a change, difference or gap) and its 95 % interval in Danish.

    Uses the measure's decimals, or more (up to 3) when needed to show the bounds apart
    (no "0,0–0,0") and to not show a bound as 0 when the interval excludes 0.

    Parameters
    ----------
    ds : Dataset
    m : str
        The measure id (its decimals are the starting point).
    x, lo, hi : float
        The estimate and the bounds of its interval.

    Returns
    -------
    tuple of str
        The estimate with its sign and the interval, e.g. ``('+0,04', '0,01–0,07')``.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> format_estimate(ds, "sprog", 0.04, 0.01, 0.07)
    ('+0,04', '0,01–0,07')
    >>> format_estimate(ds, "sprog", 0.3, -0.1, 0.7)
    ('+0,3', '−0,1 til 0,7')
    """
    d = _sentence_decimals(ds, m, lo, hi)
    while d < 3 and tx.fmt_interval(lo, hi, d) != tx.MISSING and tx.fmt_number(lo, d) == tx.fmt_number(hi, d):
        d += 1
    return tx.fmt_number(x, d, sign=True), tx.fmt_interval(lo, hi, d)


def _fmt(ds: Dataset, m: str, x: Any, *, sign: bool = False) -> str:
    return tx.fmt_number(x, int(measure_info(ds).loc[m, "decimals"]), sign=sign)


def _fmt_ci(ds: Dataset, m: str, lo: Any, hi: Any) -> str:
    return tx.fmt_interval(lo, hi, int(measure_info(ds).loc[m, "decimals"]))


def suppression_text(ds: Dataset, m: str, reason: Any = None, *, short: bool = False) -> str:
    """What is shown instead of a hidden (suppressed) number.

    Parameters
    ----------
    ds : Dataset
    m : str
        The measure id (its noun, e.g. "børn", goes into the long text).
    reason : str, optional
        The suppression reason of the row (``suppressed_reason`` of
        :func:`summary_table`, ``reason`` of :func:`institution_position`):
        "complementary" when the number is hidden so that a small one cannot be worked
        out from the others; anything else means too few answers.
    short : bool, default False
        The short form for wide tables, explained once under the table by
        :func:`suppression_note_html`.

    Returns
    -------
    str
        E.g. "færre end 5 børn – vises ikke", or short "færre end 5" / "vises ikke*".

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> suppression_text(ds, "sprog")
    'færre end 5 børn – vises ikke'
    >>> suppression_text(ds, "sprog", "complementary", short=True)
    'vises ikke*'
    """
    noun = measure_info(ds).loc[m, "noun"]
    complementary = str(reason) == "complementary"
    if short:
        return "vises ikke*" if complementary else f"færre end {ds.meta.min_n}"
    return tx.suppressed_text(ds.meta.min_n, noun, complementary=complementary)


def suppression_note_html(ds: Dataset, noun: str | None = None) -> str:
    """The note under a table that uses the short :func:`suppression_text`.

    Parameters
    ----------
    ds : Dataset
    noun : str, optional
        Who the numbers count; default :func:`children_noun`.

    Returns
    -------
    str
        A :func:`note_html` paragraph explaining »færre end N« and »vises ikke*«.

    Examples
    --------
    >>> suppression_note_html(prepare("data/sample/dagtilbud"))[:60]
    '<p class="llkit-note">»færre end 5«: tallet bygger på færre '
    """
    noun = noun or children_noun(ds)
    return note_html(f"»færre end {ds.meta.min_n}«: tallet bygger på færre end {ds.meta.min_n} {noun} og vises "
                 f"ikke. »vises ikke*«: tallet er skjult, så et tal for færre end {ds.meta.min_n} ikke kan "
                 "regnes ud af de andre.")


def round_label(ds: Dataset, r: str) -> str:
    """A round with its month and year when the dataset has the round's date.

    Parameters
    ----------
    ds : Dataset
    r : str
        A round id.

    Returns
    -------
    str
        E.g. 'T3 (marts 2019)'; the round id alone without a (valid) date.

    Examples
    --------
    >>> round_label(prepare("data/sample/dagtilbud"), "T3")
    'T3 (marts 2019)'
    """
    date = ds.meta.round_dates.get(r)
    if not date:
        return r
    try:
        d = pd.Timestamp(date)
    except (ValueError, TypeError):
        return r
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
              "september", "oktober", "november", "december"]
    return f"{r} ({months[d.month - 1]} {d.year})"


# ----------------------------------------------------------------------------- units


def institution_info(ds: Dataset, institution: str) -> dict[str, Any]:
    """An institution's id, name, cluster, area and departments.

    The dict is what :func:`institution_rounds`, :func:`last_round` and
    :func:`institution_position` take as ``inst``.

    Parameters
    ----------
    ds : Dataset
    institution : str
        An institution id, or else its exact name.

    Returns
    -------
    dict
        ``id`` and ``name`` (str), ``cluster`` and ``area`` (None when not given) and
        ``departments`` (list of department ids).

    Raises
    ------
    KeyError
        When the dataset has no such institution (the message lists the known ids).

    Examples
    --------
    >>> inst = institution_info(prepare("data/sample/dagtilbud"), "I03")
    >>> inst["name"], inst["cluster"], inst["departments"]
    ('Børnehuset Krudtuglen', 'Klynge Nord 1', ['I03-1', 'I03-2', 'I03-3', 'I03-4'])
    """
    inst = str(institution)
    org = ds.org
    rows = org[org["institution_id"].astype(str) == inst]
    if rows.empty:
        by_name = org[org["institution_name"].astype(str) == inst]
        if by_name.empty:
            known = sorted(org["institution_id"].astype(str).unique())
            shown = ", ".join(known[:30]) + (" …" if len(known) > 30 else "")
            raise KeyError(f"unknown institution {inst!r}; the dataset has: {shown}")
        rows = by_name
    first = rows.iloc[0]
    cluster = first["cluster"] if pd.notna(first["cluster"]) else None
    area = first["area"] if pd.notna(first["area"]) else None
    return {
        "id": str(first["institution_id"]), "name": str(first["institution_name"]),
        "cluster": cluster, "area": area,
        "departments": rows["department_id"].astype(str).tolist(),
    }


def institution_rounds(ds: Dataset, inst: dict[str, Any]) -> list[str]:
    """The rounds in which the institution has answers, in the dataset's order.

    Parameters
    ----------
    ds : Dataset
    inst : dict
        The institution, from :func:`institution_info`.

    Returns
    -------
    list of str
        Cached per dataset and institution.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> institution_rounds(ds, institution_info(ds, "I03"))
    ['T1', 'T2', 'T3']
    """
    def make():
        r = ds.responses
        present = set(r.loc[r["department_id"].astype(str).isin(inst["departments"]), "round"].astype(str))
        return [x for x in ds.meta.rounds if x in present]
    return cached(ds, ("inst_rounds", inst["id"]), make)


def last_round(ds: Dataset, inst: dict[str, Any] | None = None) -> str:
    """The institution's last round with answers, or the dataset's last round.

    Parameters
    ----------
    ds : Dataset
    inst : dict, optional
        The institution, from :func:`institution_info`. Without it, or when the
        institution has no answers, the dataset's last round is returned.

    Returns
    -------
    str

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> last_round(ds, institution_info(ds, "I03")), last_round(ds)
    ('T3', 'T3')
    """
    if inst is not None:
        rounds = institution_rounds(ds, inst)
        if rounds:
            return rounds[-1]
    return ds.meta.rounds[-1]


def cluster_institutions(
    ds: Dataset, cluster: str | None = None, institutions: str | Sequence[str] | None = None
) -> list[str]:
    """The institution ids of a cluster, or the given institutions checked against the data.

    Parameters
    ----------
    ds : Dataset
    cluster : str, optional
        A cluster name (``units.cluster``).
    institutions : str or list of str, optional
        Institution ids; used when given (a comma-separated string is accepted).

    Returns
    -------
    list of str

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> cluster_institutions(ds, "Klynge Nord 1")
    ['I01', 'I02', 'I03', 'I04']
    """
    if institutions is not None and len(institutions):
        ids = [s.strip() for s in institutions.split(",")] if isinstance(institutions, str) else [str(i) for i in institutions]
        return [institution_info(ds, i)["id"] for i in ids if i]
    if cluster is None:
        raise ValueError("give cluster= (a cluster name) or institutions= (3–4 institution ids)")
    org = ds.org
    rows = org[org["cluster"].astype(str) == str(cluster)]
    if rows.empty:
        known = sorted(org["cluster"].dropna().astype(str).unique())
        raise KeyError(f"unknown cluster {cluster!r}; the dataset has: {', '.join(known) or 'no clusters'}")
    return list(dict.fromkeys(rows["institution_id"].astype(str)))


# ----------------------------------------------------------------------------- analysis


def institution_position(ds: Dataset, inst: dict[str, Any], round: str) -> pd.DataFrame:
    """Where the institution stands in a round, per measure, next to its cluster, the
    municipality and the country.

    Parameters
    ----------
    ds : Dataset
    inst : dict
        The institution, from :func:`institution_info`.
    round : str
        A round id.

    Returns
    -------
    DataFrame
        Indexed by ``measure_id``, one row per measure the institution has in ``round``:
        ``n``, ``mean``, ``ci_low``/``ci_high``, ``share_low``/``_middle``/``_high`` (NaN
        when ``suppressed``; ``reason`` says why); the ``municipality`` mean and shares,
        the ``cluster`` mean (``cluster_suppressed``, ``cluster_reason``) and the        ``national`` mean; ``diff`` to the municipality with ``se``, ``z``,
        ``flag_funnel`` (the funnel plot's 99,8 % limits: ``over``/``under``/``within``),
        ``reliability``, ``diff_ci_low``/``diff_ci_high`` (95 %, funnel standard error);
        the decision of the report's family (:func:`report_family`): ``p_value``,
        ``real`` (may be called a real difference in a sentence) and ``flag`` (may be
        marked in a table); the same against the national reference as ``nat_diff``,
        ``nat_se``, ``nat_z``, ``nat_flag`` and ``nat_reliability`` (funnel only). Empty
        when the institution has no answers in ``round``. Cached per dataset,
        institution and round.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> pos = institution_position(ds, institution_info(ds, "I03"), "T3")
    >>> int(pos.loc["sprog", "n"]), bool(pos.loc["sprog", "flag"])
    (52, False)
    """
    def make():
        out = _raw_position(ds, inst, round).copy()
        if len(out):
            fam = report_family(ds, inst, round)
            fam = fam[fam["kind"].isin(_POSITION_KINDS)].set_index("measure_id")
            out["p_value"] = fam["p_value"].reindex(out.index)
            out["real"] = fam["real"].reindex(out.index).fillna(False).astype(bool)
            out["flag"] = fam["flag"].reindex(out.index).fillna(False).astype(bool)
        return out
    return cached(ds, ("position", inst["id"], round), make)


def _raw_position(ds: Dataset, inst: dict[str, Any], round: str) -> pd.DataFrame:
    """:func:`institution_position` before the family decision."""
    def make():
        info = measure_info(ds)
        si = summary_table(ds, "institution")
        si = si[(si["institution_id"].astype(str) == inst["id"]) & (si["round"].astype(str) == round)]
        si = si.set_index("measure_id")
        sm = summary_table(ds, "municipality")
        sm = sm[sm["round"].astype(str) == round].set_index("measure_id")
        sc = summary_table(ds, "cluster")
        if inst["cluster"] is not None:
            sc = sc[(sc["cluster"].astype(str) == str(inst["cluster"])) & (sc["round"].astype(str) == round)]
        else:
            sc = sc.iloc[0:0]
        sc = sc.set_index("measure_id")
        cm = _compare(ds, round)
        cm = cm[cm["institution_id"].astype(str) == inst["id"]].set_index("measure_id") if cm is not None else None
        cr = _compare(ds, round, target="reference")
        cr = cr[cr["institution_id"].astype(str) == inst["id"]].set_index("measure_id") if cr is not None else None
        ref = ds.reference
        if ref is not None and len(ref):
            ref = ref[(ref["round"].astype(str) == round) & (ref["scope"].astype(str) == "national")]
            ref = ref.assign(measure_id=ref["measure_id"].astype(str)).set_index("measure_id")
        rows = []
        for m in info.index:
            if m not in si.index:
                continue
            r = si.loc[m]
            row = {"measure_id": m, "n": int(r["n"]), "mean": r["mean"], "ci_low": r["ci_low"],
                   "ci_high": r["ci_high"], "share_low": r["share_low"], "share_middle": r["share_middle"],
                   "share_high": r["share_high"], "suppressed": bool(r["suppressed"]),
                   "reason": r.get("suppressed_reason")}
            row["municipality"] = sm.loc[m, "mean"] if m in sm.index else np.nan
            row["municipality_share_low"] = sm.loc[m, "share_low"] if m in sm.index else np.nan
            row["municipality_share_high"] = sm.loc[m, "share_high"] if m in sm.index else np.nan
            row["cluster_suppressed"] = bool(sc.loc[m, "suppressed"]) if m in sc.index else False
            row["cluster_reason"] = sc.loc[m, "suppressed_reason"] if m in sc.index else None
            row["cluster"] = sc.loc[m, "mean"] if m in sc.index else np.nan
            row["national"] = float(ref.loc[m, "mean"]) if ref is not None and len(ref) and m in ref.index else np.nan
            for prefix, c in (("", cm), ("nat_", cr)):
                if c is not None and m in c.index and not row["suppressed"] and not bool(c.loc[m, "suppressed"]):
                    row[prefix + "diff"] = float(c.loc[m, "mean"] - c.loc[m, "target"])
                    row[prefix + "se"] = float(c.loc[m, "se"])
                    row[prefix + "z"] = float(c.loc[m, "z"])
                    row[prefix + "flag"] = c.loc[m, "flag"]
                    row[prefix + "reliability"] = float(c.loc[m, "reliability"])
                else:
                    row[prefix + "diff"] = row[prefix + "se"] = row[prefix + "z"] = np.nan
                    row[prefix + "flag"] = None
                    row[prefix + "reliability"] = np.nan
            if row["suppressed"]:
                for k in ["mean", "ci_low", "ci_high", "share_low", "share_middle", "share_high"]:
                    row[k] = np.nan
            rows.append(row)
        out = pd.DataFrame(rows)
        if len(out):
            out["diff_ci_low"] = out["diff"] - Z95 * out["se"]
            out["diff_ci_high"] = out["diff"] + Z95 * out["se"]
            out["flag_funnel"] = out["flag"]
            out = out.drop(columns="flag").set_index("measure_id")
        return out
    return cached(ds, ("raw_position", inst["id"], round), make)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(float(x) / math.sqrt(2.0)))


def profile_position(ds: Dataset, round: str) -> pd.DataFrame:
    """All child measures together: each institution's mean standardised score against the
    municipality's, in one round.

    Each child score is standardised with the municipality's mean and SD of its measure in
    the round (sign-flipped where lower is better); a child's *profile score* is the mean
    over its child measures; an institution's is the mean over its children. The
    comparison with the municipality uses the standard error ``sd / sqrt(n)`` of the
    institution's own profile scores and a t test with ``n - 1`` df. One test per institution for the report's family (kind
    ``profile``): far more powerful than any single measure when an institution differs on
    all of them.

    Returns
    -------
    DataFrame
        Indexed by ``institution_id``: ``n`` (children), ``measures`` (child measures
        used), ``mean`` (in SD), ``se``, ``z``, ``p_value``, ``suppressed``; the values are
        NaN when fewer than ``min_n`` children. Cached per dataset and round.

    Examples
    --------
    >>> pp = profile_position(prepare("data/sample/dagtilbud"), "T3")
    >>> int(pp.loc["I03", "n"]) > 0, bool(abs(pp["mean"].mean()) < 0.2)
    (True, True)
    """
    def make():
        from llkit.stats.decision import p_value_t

        info = measure_info(ds)
        child = [m for m in info.index if info.loc[m, "subject"] == "child"]
        cols = ["n", "measures", "mean", "se", "z", "p_value", "suppressed"]
        if not child:
            return pd.DataFrame(columns=cols)
        sc = indicators.scores(ds, child)
        sc = sc[(sc["round"].astype(str) == round) & sc["score"].notna()]
        if sc.empty:
            return pd.DataFrame(columns=cols)
        m_ids = sc["measure_id"].astype(str)
        grp = sc.groupby(m_ids, observed=True)["score"]
        z = (sc["score"] - grp.transform("mean")) / grp.transform("std").replace(0, np.nan)
        hib = m_ids.map(lambda m: 1.0 if bool(info.loc[m, "hib"]) else -1.0)
        frame = pd.DataFrame({"child": sc["subject_id"].astype(str).to_numpy(),
                              "inst": sc["institution_id"].astype(str).to_numpy(),
                              "z": (z * hib).to_numpy()}).dropna()
        per_child = frame.groupby(["inst", "child"], sort=False)["z"].mean()
        total_mean, total_sd = float(per_child.mean()), float(per_child.std())
        g = per_child.groupby(level="inst", sort=False)
        out = pd.DataFrame({"n": g.size(), "mean": g.mean() - total_mean})
        out["measures"] = len(child)
        # the institution's own SD: children with fewer measures have noisier profile
        # scores, and institutions differ in that mix
        own_sd = g.std().fillna(total_sd).clip(lower=1e-12)
        out["se"] = own_sd / np.sqrt(out["n"])
        out["z"] = out["mean"] / out["se"]
        out["p_value"] = p_value_t(out["z"].to_numpy(), out["n"].to_numpy() - 1)
        out["suppressed"] = out["n"] < ds.meta.min_n
        out.loc[out["suppressed"], ["mean", "se", "z", "p_value"]] = np.nan
        out.index.name = "institution_id"
        return out[cols]
    return cached(ds, ("profile_position", round), make)


#: Kinds of :func:`report_family` rows that *Det vigtigste* (:func:`key_findings`) may state.
HEADLINE_KINDS = ("profile", "position", "change", "gap", "gap_change", "staff", "staff_change")

#: Kinds of :func:`report_family` rows that compare the institution with the municipality.
_POSITION_KINDS = ("position", "staff", "observation")


def _departments_anova(g: pd.DataFrame) -> float:
    """p-value of the one-way ANOVA F test over the shown departments of one measure."""
    g = g[g["n"].notna() & g["sd"].notna() & (g["n"] >= 2)]
    k, n = len(g), float(g["n"].sum())
    if k < 2 or n - k < 1:
        return float("nan")
    grand = float((g["n"] * g["mean"]).sum() / n)
    between = float((g["n"] * (g["mean"] - grand) ** 2).sum()) / (k - 1)
    within = float(((g["n"] - 1) * g["sd"] ** 2).sum()) / (n - k)
    if within <= 0:
        return float("nan")
    from scipy import special

    return float(special.fdtrc(k - 1, n - k, between / within))


def report_family(ds: Dataset, institution: str | dict[str, Any], round: str | None = None,
                  *, alpha: float | None = None) -> pd.DataFrame:
    """Every comparison the institution report makes, with the decision which are real.

    The report's *family* (see :mod:`llkit.stats.decision`): all child measures together
    against the municipality (``profile``, :func:`profile_position`), each shown measure
    against the municipality (``position`` for child measures, ``staff`` for the staff survey,
    ``observation`` for ratings of departments), each change since the previous round
    (``change``, ``staff_change``), the equity gap per measure in ``round`` (``gap``) and
    its change (``gap_change``), and the differences between the departments per child
    measure (``departments``, one-way ANOVA). Suppressed numbers are not compared and not
    part of the family. The headline sentences of the report, its tables, the dashboard
    and the e-learning answer keys all read their verdict from here.

    Parameters
    ----------
    ds : Dataset
    institution : str or dict
        Institution id or name, or the dict of :func:`institution_info`.
    round : str, optional
        The round the report is about; default the institution's last round.
    alpha : float, optional
        Family-wise error rate of the headlines; default :data:`llkit.stats.decision.ALPHA`.
        A document that shows several teams' findings (the cluster dialogue) divides it
        by the number of teams, so that the whole document keeps the bound.

    Returns
    -------
    DataFrame
        One row per comparison: ``kind``, ``measure_id``, ``from_round``, ``to_round``,
        ``estimate``, ``p_value`` and the columns :func:`llkit.stats.decision.decide` adds
        (``weight``, ``p_family``, ``real``, ``p_fdr``, ``flag``). Cached per dataset,
        institution and round.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> fam = report_family(ds, "I03")
    >>> sorted(set(fam["kind"]))[:3], bool(fam["real"].sum() <= fam["flag"].sum())
    (['change', 'departments', 'gap'], True)
    """
    from llkit.stats.decision import ALPHA

    inst = institution if isinstance(institution, dict) else institution_info(ds, institution)
    last = round or last_round(ds, inst)
    alpha = ALPHA if alpha is None else float(alpha)

    def make():
        from llkit.stats.decision import decide, p_value_t

        info = measure_info(ds)
        rows: list[dict[str, Any]] = []
        pp = profile_position(ds, last)
        if inst["id"] in pp.index and not bool(pp.loc[inst["id"], "suppressed"]):
            r = pp.loc[inst["id"]]
            rows.append({"kind": "profile", "measure_id": None, "from_round": None, "to_round": last,
                         "estimate": float(r["mean"]), "p_value": float(r["p_value"])})
        pos = _raw_position(ds, inst, last)
        for m, r in (pos.iterrows() if len(pos) else ()):
            if r["suppressed"] or pd.isna(r["z"]):
                continue
            kind = {"child": "position", "respondent": "staff"}.get(info.loc[m, "subject"], "observation")
            # t with n - 1 df: the funnel z uses an estimated SD, and units are often small
            rows.append({"kind": kind, "measure_id": m, "from_round": None, "to_round": last,
                         "estimate": float(r["diff"]), "p_value": float(p_value_t(r["z"], r["n"] - 1))})
        rounds = institution_rounds(ds, inst)
        ch = _inst_change(ds, inst) if len(rounds) >= 2 and len(ds.meta.rounds) >= 2 else None
        if ch is not None and len(ch) and str(ch["to_round"].iloc[0]) == last:
            for m, r in ch.iterrows():
                subject = info.loc[m, "subject"] if m in info.index else None
                if subject not in ("child", "respondent") or bool(r["suppressed"]) or pd.isna(r["p_value"]):
                    continue
                rows.append({"kind": "change" if subject == "child" else "staff_change", "measure_id": m,
                             "from_round": str(r["from_round"]), "to_round": str(r["to_round"]),
                             "estimate": float(r["diff"]), "p_value": float(r["p_value"])})
        g = gap_table(ds, "institution")
        if g is not None:
            g = g[(g["institution_id"].astype(str) == inst["id"]) & ~g["suppressed"].astype(bool)]
            shown_rounds = [x for x in ds.meta.rounds if x in set(g["round"].astype(str))]
            prev = shown_rounds[shown_rounds.index(last) - 1] if last in shown_rounds and shown_rounds.index(last) > 0 else None
            for _, r in g[g["round"].astype(str) == last].iterrows():
                m = str(r["measure_id"])
                rows.append({"kind": "gap", "measure_id": m, "from_round": None, "to_round": last,
                             "estimate": float(r["gap"]), "p_value": float(r["p_value"])})
                has_prev = prev is not None and bool(((g["measure_id"].astype(str) == m) & (g["round"].astype(str) == prev)).any())
                if has_prev and pd.notna(r["change_p_value"]):
                    rows.append({"kind": "gap_change", "measure_id": m, "from_round": prev, "to_round": last,
                                 "estimate": float(r["change_from_previous"]),
                                 "p_value": float(r["change_p_value"])})
        sd = summary_table(ds, "department")
        sd = sd[sd["department_id"].astype(str).isin(inst["departments"]) & (sd["round"].astype(str) == last)
                & ~sd["suppressed"].astype(bool)]
        for m, gm in sd.groupby(sd["measure_id"].astype(str), sort=False):
            if m not in info.index or info.loc[m, "subject"] != "child" or len(gm) < 2:
                continue
            p = _departments_anova(gm)
            if np.isfinite(p):
                spread = float(gm["mean"].max() - gm["mean"].min())
                rows.append({"kind": "departments", "measure_id": m, "from_round": None, "to_round": last,
                             "estimate": spread, "p_value": p})
        cols = ["kind", "measure_id", "from_round", "to_round", "estimate", "p_value"]
        return decide(pd.DataFrame(rows, columns=cols).astype({"p_value": float, "estimate": float}), alpha=alpha)
    return cached(ds, ("family", inst["id"], last, alpha), make)


def family_verdict(fam: pd.DataFrame, kind: str, measure: str) -> tuple[bool, bool]:
    """``(real, flag)`` of one comparison of a :func:`report_family` (False, False if absent).

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> family_verdict(report_family(ds, "I03"), "position", "no-such-measure")
    (False, False)
    """
    hit = fam[(fam["kind"] == kind) & (fam["measure_id"].astype(str) == str(measure))]
    if hit.empty:
        return False, False
    return bool(hit["real"].iloc[0]), bool(hit["flag"].iloc[0])


def family_sentence(ds: Dataset, institution: str | dict[str, Any], round: str | None = None) -> str:
    """The report's statement of its family: how many comparisons, what chance would give.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> family_sentence(ds, "I03").startswith("Rapporten har sammenlignet")
    True
    """
    from llkit.stats.decision import family_counts

    c = family_counts(report_family(ds, institution, round))
    return tx.describe_family(c["comparisons"], c["real"])



def family_note(ds: Dataset, institution: str) -> Block:
    """The institution report's statement of its family, as a note under *Det vigtigste*.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> "sammenlignet" in str(family_note(ds, "I03"))
    True
    """
    return Block(note_html(family_sentence(ds, institution)))


def overview_family_note(ds: Dataset) -> Block:
    """The municipal overview's statement of its family (see :func:`overview_family`).

    Examples
    --------
    >>> "Oversigten har sammenlignet" in str(overview_family_note(prepare("data/sample/dagtilbud")))
    True
    """
    from llkit.stats.decision import family_counts

    c = family_counts(overview_family(ds))
    return Block(note_html(tx.describe_family(
        c["comparisons"], c["real"], document="Oversigten",
        what=f"om udvikling og social baggrund for kommunen og hvert {institution_noun(ds).lower()}")
        + " Tragtdiagrammerne har deres egne grænser (99,8\u00a0%), se nedenfor."))


def cluster_family_note(ds: Dataset, institutions: Sequence[str]) -> Block:
    """The cluster material's statement of its family: every team's report, decided so that
    the whole material keeps the bound (see :func:`cluster_findings_section`).

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> "Materialet har sammenlignet" in str(cluster_family_note(ds, ["I01", "I02", "I03"]))
    True
    """
    from llkit.stats.decision import ALPHA

    alpha = ALPHA / max(len(institutions), 1)
    fams = [report_family(ds, i, alpha=alpha) for i in institutions]
    n = sum(int(f["p_value"].notna().sum()) for f in fams)
    k = sum(int(f["real"].sum()) for f in fams)
    return Block(note_html(tx.describe_family(n, k, document="Materialet",
                                              what="for teamene med kommunen, med den forrige måling og mellem grupper")))


def position_verdict(r: pd.Series) -> str:
    """The table wording for how an institution's mean stands to the municipality's.

    A difference is only called one when the report's family decision flags it
    (:mod:`llkit.stats.decision`: false-discovery rate 10 % over all the report's comparisons);
    the wording says over or under, not better or worse.

    Parameters
    ----------
    r : Series
        A row of :func:`institution_position` (``diff`` and ``flag`` are used).

    Returns
    -------
    str
        "Over kommunen", "Under kommunen", "Ingen sikker forskel", or the missing marker
        when there is no difference (e.g. a suppressed number).

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> pos = institution_position(ds, institution_info(ds, "I03"), "T3")
    >>> position_verdict(pos.loc["sprog"])
    'Ingen sikker forskel'
    """
    if pd.isna(r.get("diff")):
        return tx.MISSING
    if not bool(r.get("flag", False)):
        return "Ingen sikker forskel"
    return "Over kommunen" if r["diff"] > 0 else "Under kommunen"


def _inst_change(ds: Dataset, inst: dict[str, Any]) -> pd.DataFrame | None:
    ch = _change(ds, "institution")
    if ch is None:
        return None
    out = ch[ch["institution_id"].astype(str) == inst["id"]].copy()
    # never describe a change of a number that is hidden in either round
    si = summary_table(ds, "institution")
    si = si[si["institution_id"].astype(str) == inst["id"]]
    hidden = {(str(m), str(r)) for m, r, s in zip(si["measure_id"], si["round"], si["suppressed"], strict=True) if s}
    mask = [((m, a) in hidden or (m, b) in hidden) and not p
            for m, a, b, p in zip(out["measure_id"], out["from_round"], out["to_round"], out["paired"], strict=True)]
    out.loc[mask, "suppressed"] = True
    out = out.set_index("measure_id")
    return out


def gap_groups(ds: Dataset) -> tuple[str, str, list[str], list[str], str]:
    """The two social groups of the profile's equity gap (:func:`gap_table`), in words.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    tuple
        ``(groups, low_group, low, high, attribute)``: a phrase naming both groups, a
        phrase naming the low group, the categories of the low and of the high group
        (lists of str) and the children's background attribute. Without a gap in the
        profile: ``("de to grupper", "den ene gruppe", [], [], "")``.

    Examples
    --------
    >>> groups, low_group, low, high, attr = gap_groups(prepare("data/sample/dagtilbud"))
    >>> groups
    'børn af forældre med kortere og længere uddannelse'
    >>> high, attr
    (['Mellemlang videregående', 'Lang videregående'], 'parent_education')
    """
    try:
        attr, low, high = ds.profile.gap_default
    except Exception:  # noqa: BLE001
        return ("de to grupper", "den ene gruppe", [], [], "")
    noun = children_noun(ds)
    if attr == "parent_education":
        return (f"{noun} af forældre med kortere og længere uddannelse",
                f"{noun} af forældre med kortere uddannelse", list(low), list(high), attr)
    return (f"{noun} i grupperne {', '.join(low)} og {', '.join(high)}",
            f"{noun} i gruppen {', '.join(low)}", list(low), list(high), attr)


def _change_sentence(ds: Dataset, m: str, row: pd.Series, name: str, *, real: bool) -> str:
    info = measure_info(ds).loc[m]
    paired = bool(row["paired"])
    s = tx.describe_change(
        row["diff"], row["ci_low"], row["ci_high"], paired=paired,
        n=int(row["n_paired"]) if paired else None, from_round=str(row["from_round"]),
        to_round=str(row["to_round"]), noun=info["noun"], real=real,
        decimals=_sentence_decimals(ds, m, row["ci_low"], row["ci_high"]),
    )
    rtm = row.get("expected_rtm")
    diff = row["diff"]
    if (rtm is not None and pd.notna(rtm) and pd.notna(diff) and diff != 0
            and np.sign(rtm) == np.sign(diff) and abs(rtm) >= 0.25 * abs(diff)
            and abs(rtm) >= 0.5 * 10.0 ** -int(info["decimals"])):
        s += (
            f" Men {name} lå i {row['from_round']} langt fra kommunens gennemsnit, og alene derfor "
            f"kan man vente en ændring på omkring {_fmt(ds, m, rtm, sign=True)} point mod "
            "gennemsnittet (regression mod gennemsnittet) – også uden en reel ændring."
        )
    return s


# ----------------------------------------------------------------------------- findings


@dataclasses.dataclass
class _Finding:
    theme: int  # order in the list: 0 position, 1 change, 2 gap, 3 coverage, 4 staff
    priority: float
    text: str


def _position_findings(ds: Dataset, inst: dict[str, Any], last: str, fam: pd.DataFrame) -> list[_Finding]:
    pos = institution_position(ds, inst, last)
    if pos is None or pos.empty:
        return [_Finding(0, 30, f"{inst['name']} har ingen svar i {last}, så rapporten kan ikke vise, hvor I står.")]
    info = measure_info(ds)
    persons = pos[pos.index.map(lambda m: info.loc[m, "subject"] == "child").to_numpy(dtype=bool)]
    shown = persons[~persons["suppressed"] & persons["diff"].notna()]
    real = shown[pd.Series([family_verdict(fam, "position", m)[0] for m in shown.index],
                           index=shown.index, dtype=bool)].copy()
    real["absz"] = real["z"].abs()
    out = []
    k = len(shown)
    prof = fam[(fam["kind"] == "profile") & fam["real"].astype(bool)]
    if len(prof):
        pp = profile_position(ds, last).loc[inst["id"]]
        d = float(pp["mean"])
        lo, hi = d - Z95 * float(pp["se"]), d + Z95 * float(pp["se"])
        noun = children_noun(ds)
        out.append(_Finding(0, 150, (
            f"Samlet set, {last}: På tværs af de {int(pp['measures'])} målinger af {noun} ligger "
            f"{inst['name']} {tx.fmt_number(abs(d), 2)} standardafvigelser "
            f"{'over' if d > 0 else 'under'} kommunens gennemsnit (95 %-interval: "
            f"{tx.fmt_interval(lo, hi, 2)}): et {'typisk barn' if noun == 'børn' else 'typisk elev'} hos jer "
            f"ligger {'højere' if d > 0 else 'lavere'} end omkring {tx.fmt_percent(_normal_cdf(abs(d)))} "
            f"af kommunens {noun}. Forskellen er større end den statistiske usikkerhed, "
            "også når der tages højde for, hvor mange tal rapporten sammenligner. Se i tabellerne, "
            "hvilke målinger der trækker mest.")))
    for rank, (m, r) in enumerate(real.sort_values("absz", ascending=False).iterrows()):
        s = tx.describe_difference(
            r["diff"], r["diff_ci_low"], r["diff_ci_high"], name=inst["name"],
            reference="kommunens gennemsnit", real=True,
            decimals=_sentence_decimals(ds, m, r["diff_ci_low"], r["diff_ci_high"]),
        )
        out.append(_Finding(0, 100 + r["absz"] - 5 * rank, f"{measure_title(ds, m)}, {last}: {s}"))
    if not len(real) and not len(prof) and k:
        out.append(_Finding(0, 60, (
            f"I forhold til kommunen, {last}: På ingen af de {k} målinger adskiller {inst['name']} "
            "sig sikkert fra kommunens gennemsnit, når der tages højde for, hvor mange tal "
            "rapporten sammenligner. Små forskelle i tallene bør derfor ikke i sig selv føre til handling.")))
    n_hidden = int(persons["suppressed"].sum())
    if n_hidden and not k:
        out.append(_Finding(0, 50, (
            f"For få svar, {last}: Alle målinger bygger på færre end {ds.meta.min_n} personer og "
            "vises derfor ikke som tal.")))
    return out


def _change_findings(ds: Dataset, inst: dict[str, Any], fam: pd.DataFrame) -> list[_Finding]:
    rounds = institution_rounds(ds, inst)
    if len(ds.meta.rounds) < 2 or len(rounds) < 2:
        r = rounds[-1] if rounds else ds.meta.rounds[-1]
        return [_Finding(1, 10, f"Udvikling: Der er kun én måling ({r}), så rapporten kan endnu ikke vise udvikling over tid.")]
    ch = _inst_change(ds, inst)
    if ch is None or ch.empty:
        return []
    info = measure_info(ds)
    ch = ch[ch.index.map(lambda m: info.loc[m, "subject"] == "child").to_numpy(dtype=bool)]
    shown = ch[~ch["suppressed"].astype(bool) & ch["diff"].notna()]
    real_mask = pd.Series([family_verdict(fam, "change", m)[0] for m in shown.index], index=shown.index, dtype=bool)
    sig = shown[real_mask].copy()
    a, b = (str(shown["from_round"].iloc[0]), str(shown["to_round"].iloc[0])) if len(shown) else ("", "")
    out = []
    sig["abs_es"] = sig["effect_size"].abs()
    k = len(shown)
    for rank, (m, r) in enumerate(sig.sort_values("abs_es", ascending=False).iterrows()):
        s = _change_sentence(ds, m, r, inst["name"], real=True)
        out.append(_Finding(1, 90 + min(float(r["abs_es"]), 2) - 5 * rank, f"{measure_title(ds, m)}: {s}"))
    if not len(sig) and k:
        out.append(_Finding(1, 58, (
            f"Udvikling fra {a} til {b}: Ingen af de {k} målinger har sikkert ændret sig, når der "
            "tages højde for, hvor mange tal rapporten sammenligner. Det betyder ikke, at intet er "
            "sket – men tallene kan ikke skelne en eventuel ændring fra tilfældig variation.")))
    return out


def _gap_findings(ds: Dataset, inst: dict[str, Any], last: str, fam: pd.DataFrame) -> list[_Finding]:
    g = gap_table(ds, "institution")
    if g is None:
        return []
    g = g[g["institution_id"].astype(str) == inst["id"]]
    groups, *_ = gap_groups(ds)
    rounds = [r for r in ds.meta.rounds if r in institution_rounds(ds, inst)]
    now = g[(g["round"].astype(str) == last) & ~g["suppressed"].astype(bool)]
    if now.empty:
        return [_Finding(2, 5, (
            f"Social baggrund: Der er for få {children_noun(ds)} i en af grupperne til at vise "
            f"forskellen mellem {groups}."))]
    out = []
    if len(rounds) >= 2:
        prev = rounds[rounds.index(last) - 1] if last in rounds and rounds.index(last) > 0 else None
        if prev is not None:
            trends = []
            for _, r in now.iterrows():
                m = str(r["measure_id"])
                p = g[(g["measure_id"].astype(str) == m) & (g["round"].astype(str) == prev)]
                if p.empty or bool(p["suppressed"].iloc[0]) or pd.isna(r["change_from_previous"]):
                    continue
                real = family_verdict(fam, "gap_change", m)[0]
                t = tx.gap_trend(p["gap"].iloc[0], r["gap"], r["change_ci_low"], r["change_ci_high"], real=real)
                trends.append((t, abs(float(r["change_from_previous"])), m, float(p["gap"].iloc[0]), r))
            moving = [t for t in trends if t[0] != "unclear"]
            if moving:
                t, _, m, before, r = max(moving, key=lambda x: x[1])
                s = tx.describe_gap_change(before, r["gap"], r["change_ci_low"], r["change_ci_high"],
                                           groups=groups, from_round=prev, to_round=last, real=True,
                                           decimals=int(measure_info(ds).loc[m, "decimals"]))
                return [_Finding(2, 80 if t == "narrows" else 85, f"Social baggrund – {measure_title(ds, m)}: {s}")]
    real_gaps = now[[family_verdict(fam, "gap", str(m))[0] for m in now["measure_id"]]]
    if len(real_gaps):
        r = real_gaps.loc[real_gaps["gap"].abs().idxmax()]
        m = str(r["measure_id"])
        noun = children_noun(ds).capitalize()
        s = (f"{noun} af forældre med længere uddannelse ligger {_fmt(ds, m, abs(r['gap']))} point "
             f"{'højere' if r['gap'] > 0 else 'lavere'} end {noun.lower()} af forældre med kortere "
             f"uddannelse (95 %-interval for forskellen: {_fmt_ci(ds, m, r['ci_low'], r['ci_high'])}). "
             "Forskellen er større end den statistiske usikkerhed, også når der tages højde for, hvor "
             "mange tal rapporten sammenligner.")
        if len(real_gaps) > 1:
            s += f" Forskellen er sikker på {len(real_gaps)} af de {len(now)} målinger; her er den største."
        if len(rounds) >= 2:
            s += " Den har ikke sikkert ændret sig siden sidste måling."
        out.append(_Finding(2, 55, f"Social baggrund – {measure_title(ds, m)}, {last}: {s}"))
    else:
        out.append(_Finding(2, 35, (
            f"Social baggrund: I {last} er forskellen mellem {groups} ikke sikker på nogen af de "
            f"{len(now)} målinger, når der tages højde for, hvor mange tal rapporten sammenligner.")))
    return out


def _coverage_findings(ds: Dataset, inst: dict[str, Any], last: str) -> list[_Finding]:
    cov = coverage_table(ds, "institution")
    if cov.empty:
        return []
    c = cov[cov["institution_id"].astype(str) == inst["id"]]
    c = c.set_index(c["round"].astype(str))
    if last not in c.index:
        return []
    r = c.loc[last]
    teams = departments_noun(ds)
    s = f"I {last} har {tx.fmt_int(r['teams_documenting'])} af {tx.fmt_int(r['teams'])} {teams} dokumenteret tegn på læring"
    rounds = [x for x in ds.meta.rounds if x in c.index]
    if len(rounds) >= 2:
        p = c.loc[rounds[-2]]
        s += f" (i {rounds[-2]}: {tx.fmt_int(p['teams_documenting'])} af {tx.fmt_int(p['teams'])})"
    full = int(r["teams_documenting"]) == int(r["teams"])
    s += ". Det er alle, som er målet." if full else ". Målet er, at alle gør det."
    return [_Finding(3, 40 if full else 70, f"Tegn på læring: {s}")]


def _staff_findings(ds: Dataset, inst: dict[str, Any], last: str, fam: pd.DataFrame) -> list[_Finding]:
    """One finding about the staff survey: the most notable real result, or that nothing stands out."""
    staff = _measures_of(ds, "respondent")
    pos = institution_position(ds, inst, last)
    if not staff or pos is None or pos.empty:
        return []
    p = pos[pos.index.isin(staff)]
    if p.empty:
        return []
    info = measure_info(ds)
    labels = ", ".join(info.loc[m, "label"].lower() for m in p.index)
    if p["suppressed"].all():
        noun = info.loc[p.index[0], "noun"]
        return [_Finding(4, 20, (
            f"Medarbejderkultur: Færre end {ds.meta.min_n} {noun} har svaret på spørgsmålene om "
            f"{labels} i {last} – tallene vises ikke."))]
    ch = _inst_change(ds, inst)
    best: tuple[float, str, list[str]] | None = None
    for m, r in p[~p["suppressed"]].iterrows():
        texts, score = [], 0.0
        if family_verdict(fam, "staff", m)[0] and pd.notna(r["diff"]):
            texts.append(tx.describe_difference(
                r["diff"], r["diff_ci_low"], r["diff_ci_high"], name=inst["name"],
                reference="kommunens gennemsnit", real=True,
                decimals=_sentence_decimals(ds, m, r["diff_ci_low"], r["diff_ci_high"])))
            score += abs(float(r["z"]))
        if ch is not None and m in ch.index:
            c = ch.loc[m]
            if not bool(c["suppressed"]) and family_verdict(fam, "staff_change", m)[0]:
                texts.append(_change_sentence(ds, m, c, inst["name"], real=True))
                score += 2 * abs(float(c["effect_size"]))
        if texts and (best is None or score > best[0]):
            best = (score, m, texts)
    if best is not None:
        _, m, texts = best
        return [_Finding(4, 75 + min(best[0], 10), f"Medarbejderkultur – {measure_title(ds, m)}, {last}: {' '.join(texts)}")]
    return [_Finding(4, 45, (
        f"Medarbejderkultur: Medarbejdernes svar om {labels} adskiller sig i {last} ikke sikkert "
        "fra kommunens gennemsnit og har ikke sikkert ændret sig."))]


def _no_real_finding(ds: Dataset, inst: dict[str, Any], fam: pd.DataFrame) -> _Finding:
    """The first finding of a report whose family has no real difference: what can be learned."""
    n = int(fam["p_value"].notna().sum())
    teams = departments_noun(ds)
    return _Finding(0, 200, (
        f"Ingen sikre forskelle: Rapporten har sammenlignet {n} tal for {inst['name']}, og ingen "
        "forskel er større, end tilfældigheder kan give, når man ser på dem alle. Det er et "
        "almindeligt resultat – forskelle mellem enheder er små, og usikkerheden er stor. Brug "
        f"derfor tallene til at se jeres niveau og spredningen mellem {children_noun(ds)}, hvilke "
        f"{children_noun(ds)} der har lave scorer, og om alle {teams} dokumenterer tegn på læring – "
        "ikke til at udpege en enkelt måling som jeres svaghed eller styrke."))


def key_findings(
    ds: Dataset,
    institution: str,
    *,
    rounds: str | Sequence[str] | None = None,
    max_findings: int = 5,
    alpha: float | None = None,
) -> list[str]:
    """The 3–5 most important findings for an institution's leadership team, in plain Danish.

    Each finding starts with its topic ("Kommunikation og sprog (Pædagogvurdering, skala
    1–5), T3: …") and says how certain it is. Chosen, in this order of importance:

    - measures where the institution differs from the municipality's mean by more than the
      statistical uncertainty (95 % interval of the funnel standard error), largest first;
      if none does, that is the finding;
    - changes since the previous round that are more than noise — for the same or other
      children, with the regression-to-the-mean that an extreme baseline predicts; if none
      is, that is said;
    - the equity gap between children of parents with shorter and longer education, and
      whether it narrowed or widened beyond the uncertainty;
    - the share of teams documenting signs of learning (goal: all);
    - the staff culture survey.

    With many measures, a lone difference is marked as one that chance alone could give.
    Suppressed numbers are never mentioned.

    Parameters
    ----------
    ds : Dataset
    institution : str
        Institution id (or name).
    rounds : str or list of str, optional
        Restrict to these rounds (see :func:`prepare`).
    max_findings : int, default 5
    alpha : float, optional
        Family-wise error rate of the report's family (:func:`report_family`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> any("kommunens gennemsnit" in f for f in key_findings(ds, "I01"))
    True
    """
    if rounds is not None:
        ds = prepare(ds, rounds=rounds)
    inst = institution_info(ds, institution)
    last = last_round(ds, inst)
    fam = report_family(ds, inst, last, alpha=alpha)
    cands = (_position_findings(ds, inst, last, fam) + _change_findings(ds, inst, fam)
             + _gap_findings(ds, inst, last, fam) + _coverage_findings(ds, inst, last)
             + _staff_findings(ds, inst, last, fam))
    per_theme_max = {0: 2, 1: 1, 2: 1, 3: 1, 4: 1}
    if not fam.loc[fam["kind"].isin(HEADLINE_KINDS), "real"].any():
        cands.append(_no_real_finding(ds, inst, fam))
        per_theme_max[0] = 1
    chosen: list[_Finding] = []
    for f in sorted(cands, key=lambda f: -f.priority):
        if sum(c.theme == f.theme for c in chosen) < per_theme_max.get(f.theme, 1):
            chosen.append(f)
        if len(chosen) >= max_findings:
            break
    chosen.sort(key=lambda f: (f.theme, -f.priority))
    return [f.text for f in chosen]


def reflection_questions(ds: Dataset, institution: str) -> list[str]:
    """Questions for the team's professional learning community, built from its data.

    Parameters
    ----------
    ds : Dataset
    institution : str

    Returns
    -------
    list of str
        5–7 questions in Danish.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> qs = reflection_questions(ds, "I01")
    >>> 5 <= len(qs) <= 7 and all(q.endswith("?") for q in qs)
    True
    """
    inst = institution_info(ds, institution)
    last = last_round(ds, inst)
    info = measure_info(ds)
    depts = _depts_definite(ds)
    noun = children_noun(ds)
    qs: list[str] = ["Hvilke resultater bekræfter det, I allerede ved om jeres praksis – og hvilke overrasker jer?"]
    pos = institution_position(ds, inst, last)
    child = [m for m in _child_measures(ds) if pos is not None and m in pos.index]
    if child:
        p = pos.loc[child]
        p = p[~p["suppressed"] & p["z"].notna()]
        over = p[p["real"].astype(bool) & (p["diff"] > 0)]
        under = p[p["real"].astype(bool) & (p["diff"] < 0)]
        if len(over):
            m = over["z"].idxmax()
            qs.append(f"{info.loc[m, 'label']} ligger over kommunens gennemsnit. Hvad gør I, som I vil holde fast i – og hvordan kan det deles mellem {depts}?")
        if len(under):
            m = under["z"].idxmin()
            qs.append(f"{info.loc[m, 'label']} ligger under kommunens gennemsnit. Hvad kan forklare det, og hvilke tegn på læring vil I se efter i den kommende periode?")
    spread = _department_spread(ds, inst, last)
    if spread is not None:
        qs.append(f"{depts.capitalize()} ligger forskelligt i {info.loc[spread, 'label'].lower()}. Hvad kan {depts} lære af hinanden – og hvordan ser læringsmiljøet ud hos hver af dem?")
    if gap_table(ds, "institution") is not None:
        _, low_phrase, *_ = gap_groups(ds)
        qs.append(f"Hvordan tilrettelægger I hverdagen, så {low_phrase} får lige så meget ud af læringsmiljøet som andre {noun}?")
    if len(institution_rounds(ds, inst)) >= 2:
        prev = institution_rounds(ds, inst)[-2]
        qs.append(f"Hvilke indsatser har I sat i gang siden {prev}? Kan I genkende dem i tallene – eller er det for tidligt at se en virkning?")
    cov = coverage_table(ds, "institution")
    if not cov.empty:
        c = cov[(cov["institution_id"].astype(str) == inst["id"]) & (cov["round"].astype(str) == last)]
        if len(c) and int(c["teams_documenting"].iloc[0]) < int(c["teams"].iloc[0]):
            qs.append(f"Hvad skal der til, for at alle {depts} dokumenterer tegn på læring – og hvordan kan ledelsen støtte dem i det?")
    qs.append("Hvilke forskelle i rapporten er så små, at I ikke bør handle på dem alene – og hvad vil I undersøge nærmere, før I beslutter noget?")
    if len(qs) < 7 and _measures_of(ds, "respondent"):
        qs.append("Hvordan bruger I jeres faglige fællesskaber til at drøfte data – og hvem mangler at blive inddraget?")
    if len(qs) < 5:
        qs.append("Hvad vil I gøre anderledes frem mod næste måling, og hvordan vil I følge op på det?")
    return qs[:7]


def _department_spread(ds: Dataset, inst: dict[str, Any], round: str) -> str | None:
    """The child measure whose departments differ really (family decision) and the most."""
    fam = report_family(ds, inst, round)
    d = fam[(fam["kind"] == "departments") & fam["real"].astype(bool)]
    if d.empty:
        return None
    info = measure_info(ds)
    width = d["measure_id"].map(lambda m: (info.loc[m, "scale_max"] - info.loc[m, "scale_min"])
                                if pd.notna(info.loc[m, "scale_max"]) else 1.0).replace(0, 1.0)
    return str(d.loc[(d["estimate"] / width).idxmax(), "measure_id"])


def dialogue_questions(ds: Dataset, institutions: Sequence[str]) -> list[str]:
    """Questions for a cluster meeting of 3–4 leadership teams, built from their data.

    Parameters
    ----------
    ds : Dataset
    institutions : list of str
        Institution ids.

    Returns
    -------
    list of str
        5–8 questions in Danish.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> qs = dialogue_questions(ds, ["I01", "I02", "I03", "I04"])
    >>> len(qs) >= 5
    True
    """
    from llkit.stats.decision import ALPHA

    insts = [institution_info(ds, i) for i in institutions]
    alpha = ALPHA / max(len(insts), 1)
    info = measure_info(ds)
    depts = _depts_definite(ds)
    qs = ["Hvor ligner jeres resultater hinanden, og hvor er de forskellige? Hvad kan forklare forskellene – ud over tilfældigheder?"]
    best_over: tuple[float, str, str] | None = None
    best_change: tuple[float, str, str, str, str] | None = None
    for inst in insts:
        last = last_round(ds, inst)
        pos = institution_position(ds, inst, last)
        if pos is not None and len(pos):
            p = pos[[m in _child_measures(ds) for m in pos.index]]
            fam = report_family(ds, inst, last, alpha=alpha)
            p = p[~p["suppressed"] & (p["diff"] > 0)]
            p = p[[family_verdict(fam, "position", m)[0] for m in p.index]]
            for m, r in p.iterrows():
                if best_over is None or r["z"] > best_over[0]:
                    best_over = (float(r["z"]), inst["name"], m)
        ch = _inst_change(ds, inst)
        if ch is not None:
            for m, r in ch.iterrows():
                if (m in _child_measures(ds) and not r["suppressed"]
                        and family_verdict(report_family(ds, inst, alpha=alpha), "change", m)[0]):
                    good = (r["diff"] > 0) == bool(info.loc[m, "hib"])
                    if good and (best_change is None or abs(r["effect_size"]) > best_change[0]):
                        best_change = (abs(float(r["effect_size"])), inst["name"], m,
                                       str(r["from_round"]), str(r["to_round"]))
    if best_over:
        _, name, m = best_over
        qs.append(f"{name} ligger over kommunens gennemsnit i {info.loc[m, 'label'].lower()}. Hvad gør I konkret – og hvad kunne de andre prøve?")
    if best_change:
        _, name, m, a, b = best_change
        qs.append(f"{name} er gået frem i {info.loc[m, 'label'].lower()} fra {a} til {b}. Hvad tror I har gjort forskellen, og hvordan kan I vide det?")
    cov = coverage_table(ds, "institution")
    if not cov.empty:
        last = ds.meta.rounds[-1]
        c = cov[cov["institution_id"].astype(str).isin([i["id"] for i in insts]) & (cov["round"].astype(str) == last)]
        full = c[c["teams_documenting"] == c["teams"]]
        if len(full) and len(full) < len(c):
            name = institution_info(ds, full["institution_id"].iloc[0])["name"]
            qs.append(f"{name} har dokumenteret tegn på læring i alle {departments_noun(ds)}. Hvordan har I organiseret det arbejde, og hvad kan de andre bruge?")
        elif len(c):
            qs.append(f"Hvordan sikrer I, at alle {depts} dokumenterer tegn på læring – og hvordan bruger I dokumentationen bagefter?")
    if gap_table(ds, "institution") is not None:
        qs.append("Hvordan arbejder I hver især med at mindske betydningen af børnenes sociale baggrund – og hvad virker?"
                  if children_noun(ds) == "børn" else
                  "Hvordan arbejder I hver især med at mindske betydningen af elevernes sociale baggrund – og hvad virker?")
    qs.append("Hvilke data bruger I i hverdagen ud over kortlægningen, og hvad kan I lære af hinandens måde at bruge dem på?")
    qs.append("Hvad vil I aftale i klyngen frem mod næste måling, og hvordan vil I følge op på det sammen?")
    return qs[:8]


# ----------------------------------------------------------------------------- institution report

_HEADINGS = {
    "findings": "Det vigtigste",
    "status": "Hvor står vi?",
    "distribution": "Hvordan fordeler {children} sig?",
    "change": "Hvad har ændret sig siden sidste måling?",
    "departments": "Hvordan adskiller {depts} sig?",
    "gap": "Betyder social baggrund mindre?",
    "culture": "Medarbejderkultur og læringsmiljø",
    "coverage": "Tegn på læring",
    "funnel": "Placering i kommunen og på landsplan",
    "reliability": "Hvor sikre er tallene?",
    "reflection": "Spørgsmål til jeres professionelle læringsfællesskab",
    "children": "De enkelte {children}",
    "overview_findings": "Det vigtigste for forvaltningen",
    "side_by_side": "Alle {insts} side om side",
    "variance": "Hvor meget af forskellene ligger mellem {insts}?",
    "who_changed": "Hvem har ændret sig mere end tilfældigheder?",
    "areas": "{areas} og {clusters}",
    "team_findings": "Det vigtigste for hvert team",
    "teams": "Teamene side om side",
    "dialogue": "Spørgsmål til dialog i klyngen",
}


def heading(ds: Dataset, key: str, *, level: int = 2) -> Block:
    """A section heading in the sector's words ("Hvordan fordeler børnene sig?" /
    "Hvordan fordeler eleverne sig?").

    Parameters
    ----------
    ds : Dataset
    key : str
        One of: findings, status, distribution, change, departments, gap, culture,
        coverage, funnel, reliability, reflection, children, overview_findings,
        side_by_side, variance, who_changed, areas, team_findings, teams, dialogue.
    level : int, default 2

    Examples
    --------
    >>> ds = prepare("data/sample/skole")
    >>> str(heading(ds, "distribution"))
    'Hvordan fordeler eleverne sig?'
    """
    if key not in _HEADINGS:
        raise KeyError(f"unknown heading {key!r}; use one of: {', '.join(_HEADINGS)}")
    noun = children_noun(ds)
    children = {"børn": "børnene", "elever": "eleverne"}.get(noun, noun)
    text = _HEADINGS[key].format(
        children=children, depts=_depts_definite(ds), insts=_insts_noun(ds),
        areas=profile_label(ds, "areas", "Områder"), clusters=profile_label(ds, "clusters", "Klynger").lower(),
    )
    return Block(_h(level, text))



def _plots():
    from llkit.present import plots

    return plots


def _synthetic_note(ds: Dataset) -> str:
    return note_html("Data er syntetiske: alle navne og tal er opdigtede.") if ds.meta.synthetic else ""


def title_block(ds: Dataset, institution: str) -> Block:
    """The report's title: the institution, its cluster and area, the rounds.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> "<h1>" in title_block(ds, "I01").html
    True
    """
    inst = institution_info(ds, institution)
    where = " · ".join(str(x) for x in [inst["cluster"], inst["area"], ds.meta.name] if x)
    rounds = ", ".join(round_label(ds, r) for r in ds.meta.rounds)
    kind = {"Dagtilbud": "Dagtilbudsrapport", "Skole": "Skolerapport"}.get(institution_noun(ds), "Rapport")
    return Block(
        f'<header class="llkit-title"><p class="llkit-kicker">{_esc(kind)} til ledelsesteamet</p>'
        f"{_h(1, inst['name'])}"
        f"<p>{_esc(where)}</p><p>{_esc(profile_label(ds, 'rounds', 'Målinger'))}: {_esc(rounds)}</p>"
        f"{_synthetic_note(ds)}</header>"
    )


def basis_section(ds: Dataset, institution: str) -> Block:
    """Who answered: per source and round, how many children, staff or teams have scores.

    Counts below the suppression threshold are shown as "færre end N".
    """
    inst = institution_info(ds, institution)
    sc = indicators.scores(ds)
    sc = sc[sc["department_id"].astype(str).isin(inst["departments"]) & sc["score"].notna()]
    if sc.empty:
        return _empty(f"{inst['name']} har ingen svar i data.")
    info = measure_info(ds)
    src = sc["measure_id"].astype(str).map(info["source"])
    rows = []
    for source, ms in _sources(ds, list(info.index)):
        part = sc[src == source]
        row = {"Kilde": _source_label(ds, source), "Målinger": tx.fmt_int(len(ms))}
        subj = info.loc[ms[0], "subject"]
        noun = info.loc[ms[0], "noun"]
        for r in ds.meta.rounds:
            ids = part.loc[part["round"].astype(str) == r, "subject_id"].nunique()
            if ids == 0:
                row[r] = tx.MISSING
            elif ids < ds.meta.min_n and subj != "department":
                row[r] = f"færre end {ds.meta.min_n} {noun}"
            else:
                row[r] = f"{tx.fmt_int(ids)} {noun}"
        rows.append(row)
    return Block(styled_table(pd.DataFrame(rows), caption="Antal med svar pr. kilde og måling"))


def status_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """Where we stand: per source of child measures, a profile figure and a table of the
    institution's means with their intervals beside the cluster, municipality and national
    figures.
    """
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    pos = institution_position(ds, inst, round)
    child = [m for m in _child_measures(ds) if pos is not None and m in pos.index]
    if not child:
        return _empty(f"Der er ingen målinger af {children_noun(ds)} for {inst['name']} i {round}.")
    plots = _plots()
    parts = [figures_html([(lambda: plots.profile(ds, institution=inst["id"], round=round, measures=child), None)])]
    has_nat = pos["national"].notna().any()
    for source, ms in _sources(ds, child):
        parts.append(_h(3, _source_label(ds, source)))
        rows = []
        for m in ms:
            r = pos.loc[m]
            row = {"Måling": measure_info(ds).loc[m, "label"]}
            if r["suppressed"]:
                row.update({"Antal": suppression_text(ds, m, r["reason"]), "Gennemsnit": "", "95 %-interval": ""})
            else:
                row.update({"Antal": tx.fmt_int(r["n"]), "Gennemsnit": _fmt(ds, m, r["mean"]),
                            "95 %-interval": _fmt_ci(ds, m, r["ci_low"], r["ci_high"])})
            if inst["cluster"] is not None:
                row["Klyngen"] = (suppression_text(ds, m, r["cluster_reason"]) if r["cluster_suppressed"]
                                  else _fmt(ds, m, r["cluster"]))
            row["Kommunen"] = _fmt(ds, m, r["municipality"])
            if has_nat:
                row["Landsplan"] = _fmt(ds, m, r["national"])
            row["Forskel til kommunen"] = (tx.MISSING if r["suppressed"] or pd.isna(r["diff"])
                                           else _fmt(ds, m, r["diff"], sign=True))
            row["Vurdering"] = tx.MISSING if r["suppressed"] else position_verdict(r)
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Måling {round}"))
    parts.append(note_html(
        "»Ingen sikker forskel« betyder, at forskellen til kommunen ikke er større end den "
        "statistiske usikkerhed, når der tages højde for, hvor mange tal rapporten sammenligner "
        "(højst 1 af 10 markerede forskelle ventes at være tilfældige). Skalaen står ved hver "
        "måling i figuren; højere er bedre, medmindre "
        "andet er angivet."))
    return Block("".join(parts))


def distribution_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """How the children are distributed: shares with low, middle and high scores, and per
    department for the measure of each source with the largest low share."""
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    pos = institution_position(ds, inst, round)
    child = [m for m in _child_measures(ds) if pos is not None and m in pos.index]
    info = measure_info(ds)
    with_cuts = [m for m in child if pd.notna(info.loc[m, "low_cut"]) or pd.notna(info.loc[m, "high_cut"])]
    if not with_cuts:
        return _empty("Målingerne har ingen grænser for lav og høj, så fordelingen kan ikke vises.")
    plots = _plots()
    parts = []
    for source, ms in _sources(ds, with_cuts):
        parts.append(_h(3, _source_label(ds, source)))
        rows = []
        for m in ms:
            r = pos.loc[m]
            row = {"Måling": info.loc[m, "label"]}
            if r["suppressed"]:
                row.update({"Lav": suppression_text(ds, m, r["reason"]), "Middel": "", "Høj": ""})
            else:
                row.update({"Lav": tx.fmt_percent(r["share_low"]), "Middel": tx.fmt_percent(r["share_middle"]),
                            "Høj": tx.fmt_percent(r["share_high"])})
            row["Lav i kommunen"] = tx.fmt_percent(r["municipality_share_low"])
            row["Høj i kommunen"] = tx.fmt_percent(r["municipality_share_high"])
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Andel {children_noun(ds)} med lav, middel og høj score, {round}"))
    shown = pos.loc[with_cuts]
    shown = shown[~shown["suppressed"] & shown["share_low"].notna()]
    if len(shown):
        m = shown["share_low"].idxmax()
        parts.append(figures_html([(lambda: plots.distribution(ds, institution=inst["id"], measure=m, round=round),
                                f"{info.loc[m, 'label']} ({info.loc[m, 'source_label'].lower()}): den måling, "
                                f"hvor flest {children_noun(ds)} har en lav score – fordelt på {_depts_definite(ds)}.")]))
    parts.append(note_html("Grænserne for lav og høj er fastsat for hver måling (se målingernes beskrivelse)."))
    return Block("".join(parts))


def change_section(ds: Dataset, institution: str) -> Block:
    """What changed since the previous round, and whether it is more than noise."""
    inst = institution_info(ds, institution)
    rounds = institution_rounds(ds, inst)
    if len(ds.meta.rounds) < 2 or len(rounds) < 2:
        return _empty("Der er kun én måling, så der kan ikke vises udvikling endnu.")
    ch = _inst_change(ds, inst)
    if ch is None or ch.empty:
        return _empty("Der er ikke data nok til at vise udvikling.")
    info = measure_info(ds)
    fam = report_family(ds, inst)
    plots = _plots()
    measures = [m for m in info.index if m in ch.index and info.loc[m, "subject"] != "department"]
    a, b = str(ch["from_round"].iloc[0]), str(ch["to_round"].iloc[0])
    parts = []
    for source, ms in _sources(ds, measures):
        parts.append(_h(3, _source_label(ds, source)))
        rows = []
        for m in ms:
            r = ch.loc[m]
            row = {"Måling": info.loc[m, "label"]}
            if bool(r["suppressed"]):
                row.update({a: suppression_text(ds, m), b: "", "Ændring": "", "95 %-interval": "",
                            "Samme personer?": "", "Vurdering": "", "Forventet pga. regression mod gennemsnittet": ""})
            else:
                paired = bool(r["paired"])
                beyond = family_verdict(fam, "change" if info.loc[m, "subject"] == "child" else "staff_change", m)[1]
                good = (r["diff"] > 0) == bool(info.loc[m, "hib"])
                row.update({
                    a: _fmt(ds, m, r["mean_from"]), b: _fmt(ds, m, r["mean_to"]),
                    "Ændring": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[0],
                    "95 %-interval": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[1],
                    "Samme personer?": (f"Ja, {tx.fmt_int(r['n_paired'])} {info.loc[m, 'noun']}" if paired
                                        else "Nej, forskellige"),
                    "Vurdering": (("Fremgang" if good else "Tilbagegang") + " – mere end usikkerheden") if beyond
                    else "Inden for usikkerheden",
                    "Forventet pga. regression mod gennemsnittet": _fmt(ds, m, r["expected_rtm"], sign=True),
                })
            rows.append(row)
        table = pd.DataFrame(rows)
        rtm_col = "Forventet pga. regression mod gennemsnittet"
        if rtm_col in table and not table[rtm_col].map(lambda v: v not in ("", tx.MISSING) and v.strip("+−0,") != "").any():
            table = table.drop(columns=rtm_col)
        parts.append(styled_table(table, caption=f"Fra {a} til {b}"))
    shown = ch.loc[[m for m in measures if info.loc[m, "subject"] == "child"]]
    shown = shown[~shown["suppressed"].astype(bool) & shown["effect_size"].notna()]
    if len(shown):
        m = shown["effect_size"].abs().idxmax()
        parts.insert(0, figures_html([(lambda: plots.development(ds, measure=m, institution=inst["id"]),
                                   f"{info.loc[m, 'label']} ({info.loc[m, 'source_label'].lower()}): den måling, "
                                   f"der har ændret sig mest fra {a} til {b}.")]))
    parts.append(note_html(
        "Når det er de samme personer i begge målinger, er gennemsnittene for netop dem. Når det "
        "er forskellige personer, kan en ændring også skyldes, at gruppen har ændret sig. "
        "Hvor der er en kolonne for regression mod gennemsnittet, viser den den ændring, man alene "
        "ville forvente, fordi et resultat, der lå langt fra gennemsnittet, ofte ligger tættere på "
        "næste gang."))
    return Block("".join(parts))


def department_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """How the departments differ: a heatmap and a table per source; suppressed cells say
    "færre end N … – vises ikke"."""
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    sd = summary_table(ds, "department")
    sd = sd[sd["department_id"].astype(str).isin(inst["departments"]) & (sd["round"].astype(str) == round)]
    info = measure_info(ds)
    measures = [m for m in info.index if info.loc[m, "subject"] == "child" and m in set(sd["measure_id"].astype(str))]
    if sd.empty or not measures:
        return _empty(f"Der er ingen målinger af {children_noun(ds)} pr. {profile_label(ds, 'department', 'afdeling').lower()} i {round}.")
    plots = _plots()
    parts = [figures_html([(lambda: plots.heatmap(ds, institution=inst["id"], round=round), None)])]
    dept_col = profile_label(ds, "department", "Afdeling")
    for source, ms in _sources(ds, measures):
        parts.append(_h(3, _source_label(ds, source)))
        rows = []
        sub = sd[sd["measure_id"].astype(str).isin(ms)]
        for _dept, g in sub.groupby(sub["department_id"].astype(str), sort=False):
            rows.append({dept_col: str(g["department_name"].iloc[0]),
                         **_measure_cells(ds, g, ms, info, "n")})
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Gennemsnit (antal {children_noun(ds)}), {round}"))
    parts.append(suppression_note_html(ds))
    spread = _department_spread(ds, inst, round)
    if spread is not None:
        parts.append(_p(f"Forskellen mellem {_depts_definite(ds)} er størst i {info.loc[spread, 'label'].lower()}, "
                        "og den er større end den statistiske usikkerhed, også når der tages højde for, "
                        "hvor mange tal rapporten sammenligner."))
    else:
        parts.append(_p(f"Forskellene mellem {_depts_definite(ds)} er ikke sikre: de er ikke større end den "
                        "statistiske usikkerhed, når der tages højde for, hvor mange tal rapporten sammenligner."))
    return Block("".join(parts))


def gap_section(ds: Dataset, institution: str) -> Block:
    """The equity gap: children of parents with shorter vs longer education, per round."""
    inst = institution_info(ds, institution)
    g = gap_table(ds, "institution")
    groups, _, low, high, attr = gap_groups(ds)
    if g is None:
        return _empty("Data har ingen oplysninger om baggrund, der kan vise forskelle mellem grupper af "
                      f"{children_noun(ds)}.")
    g = g[g["institution_id"].astype(str) == inst["id"]]
    gm = gap_table(ds, None)
    info = measure_info(ds)
    fam = report_family(ds, inst)
    rounds = [r for r in ds.meta.rounds if r in set(g["round"].astype(str))]
    if g.empty or not rounds:
        return _empty(f"Der er ingen målinger, der kan vise forskellen mellem {groups}.")
    plots = _plots()
    parts = [_p(f"Forskellen er gennemsnittet for {children_noun(ds)} af forældre med "
                f"{' eller '.join(x.lower() for x in high)} uddannelse minus gennemsnittet for "
                f"{children_noun(ds)} af forældre med {', '.join(x.lower() for x in low)} uddannelse. "
                "Et positivt tal betyder, at den første gruppe ligger højest.")]
    last = rounds[-1]
    for source, ms in _sources(ds, [m for m in info.index if m in set(g["measure_id"].astype(str))]):
        parts.append(_h(3, _source_label(ds, source)))
        rows = []
        for m in ms:
            row = {"Måling": info.loc[m, "label"]}
            gm_ = g[g["measure_id"].astype(str) == m].set_index(g["round"].astype(str)[g["measure_id"].astype(str) == m])
            for r in rounds:
                if r not in gm_.index:
                    row[r] = tx.MISSING
                elif bool(gm_.loc[r, "suppressed"]):
                    row[r] = f"færre end {ds.meta.min_n} {children_noun(ds)} i en af grupperne"
                else:
                    row[r] = "{} ({})".format(*format_estimate(ds, m, gm_.loc[r, "gap"], gm_.loc[r, "ci_low"], gm_.loc[r, "ci_high"]))
            if len(rounds) >= 2 and last in gm_.index and rounds[-2] in gm_.index:
                cur, prev = gm_.loc[last], gm_.loc[rounds[-2]]
                t = ("unclear" if cur["suppressed"] or prev["suppressed"] else
                     tx.gap_trend(prev["gap"], cur["gap"], cur["change_ci_low"], cur["change_ci_high"],
                                  real=family_verdict(fam, "gap_change", m)[1]))
                row[f"Udvikling {rounds[-2]}–{last}"] = {"narrows": "Mindre – mere end usikkerheden",
                                                        "widens": "Større – mere end usikkerheden"}.get(t, "Ingen sikker ændring")
            if gm is not None:
                k = gm[(gm["measure_id"].astype(str) == m) & (gm["round"].astype(str) == last)]
                row[f"Kommunen {last}"] = (_fmt(ds, m, k["gap"].iloc[0], sign=True)
                                           if len(k) and not bool(k["suppressed"].iloc[0]) else tx.MISSING)
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Forskel mellem {groups} (95 %-interval)"))
    now = g[(g["round"].astype(str) == last) & ~g["suppressed"].astype(bool)]
    if len(now):
        m = str(now.loc[now["gap"].abs().idxmax(), "measure_id"])
        parts.insert(1, figures_html([(lambda: plots.gap(ds, measure=m, institution=inst["id"]),
                                   f"{info.loc[m, 'label']} ({info.loc[m, 'source_label'].lower()}): den måling "
                                   f"med den største forskel i {last}.")]))
    parts.append(note_html("Målet er, at forskellen bliver mindre fra måling til måling. Med få "
                       f"{children_noun(ds)} i hver gruppe er usikkerheden stor."))
    return Block("".join(parts))


def culture_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """Staff culture (staff survey) and learning environment (observations of departments)."""
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    measures = _measures_of(ds, ["respondent", "department"])
    pos = institution_position(ds, inst, round)
    measures = [m for m in measures if pos is not None and m in pos.index]
    if not measures:
        return _empty("Der er ingen målinger af medarbejderkultur eller læringsmiljø i data.")
    plots = _plots()
    info = measure_info(ds)
    ch = _inst_change(ds, inst)
    parts = [figures_html([(lambda: plots.culture(ds, institution=inst["id"], round=round), None)])]
    rows = []
    for m in measures:
        r = pos.loc[m]
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"]}
        if r["suppressed"]:
            row.update({"Antal": suppression_text(ds, m, r["reason"]), "Gennemsnit": "", "95 %-interval": ""})
        else:
            row.update({"Antal": f"{tx.fmt_int(r['n'])} {info.loc[m, 'noun']}", "Gennemsnit": _fmt(ds, m, r["mean"]),
                        "95 %-interval": _fmt_ci(ds, m, r["ci_low"], r["ci_high"])})
        row["Kommunen"] = _fmt(ds, m, r["municipality"])
        row["Vurdering"] = tx.MISSING if r["suppressed"] else position_verdict(r)
        if ch is not None and m in ch.index:
            c = ch.loc[m]
            row[f"Ændring {c['from_round']}–{c['to_round']}"] = (
                tx.MISSING if bool(c["suppressed"]) else
                _fmt(ds, m, c["diff"], sign=True) + (" (mere end usikkerheden)" if family_verdict(
                    report_family(ds, inst), "staff_change", m)[1] else ""))
        rows.append(row)
    parts.append(styled_table(pd.DataFrame(rows), caption=f"Medarbejderkultur og læringsmiljø, {round}"))
    parts.append(note_html(
        f"Observationer af læringsmiljøet vurderer {departments_noun(ds)}, ikke personer, og vises derfor "
        "også for små enheder. Medarbejdernes svar vises kun, når mindst "
        f"{ds.meta.min_n} har svaret."))
    return Block("".join(parts))


def coverage_section(ds: Dataset, institution: str) -> Block:
    """Documentation of signs of learning: how many teams documented them, per round."""
    inst = institution_info(ds, institution)
    cov = coverage_table(ds, "institution")
    if cov.empty:
        return _empty("Data har ingen oplysninger om læringsmål og tegn på læring.")
    c = cov[cov["institution_id"].astype(str) == inst["id"]]
    if c.empty:
        return _empty(f"{inst['name']} har ingen registrerede læringsmål.")
    total = coverage_table(ds, None)
    total = total.set_index(total["round"].astype(str))
    plots = _plots()
    teams = departments_noun(ds)
    rows = []
    for _, r in c.iterrows():
        rr = str(r["round"])
        rows.append({
            profile_label(ds, "round", "Måling"): rr,
            teams.capitalize(): tx.fmt_int(r["teams"]),
            "Med læringsmål": tx.fmt_int(r["teams_with_goals"]),
            "Har dokumenteret tegn på læring": tx.fmt_int(r["teams_documenting"]),
            "Andel": tx.fmt_percent(r["share"]),
            "Andel i kommunen": tx.fmt_percent(total.loc[rr, "share"]) if rr in total.index else tx.MISSING,
        })
    parts = [figures_html([(lambda: plots.coverage(ds, institution=inst["id"]), None)]),
             styled_table(pd.DataFrame(rows), caption=f"{teams.capitalize()}, der har dokumenteret tegn på læring"),
             note_html(f"Målet er, at alle {teams} dokumenterer de tegn på læring, de har sat sig for at se efter.")]
    return Block("".join(parts))


def funnel_section(ds: Dataset, institution: str, *, round: str | None = None) -> Block:
    """The position against the municipality and national figures: funnel plots and flags."""
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    pos = institution_position(ds, inst, round)
    if pos is None or pos.empty:
        return _empty(f"{inst['name']} har ingen resultater i {round}.")
    info = measure_info(ds)
    plots = _plots()
    has_nat = pos["nat_flag"].notna().any()
    short = {"over": "Over grænsen", "under": "Under grænsen", "within": "Inden for grænserne"}
    parts = []
    measures = [m for m in info.index if m in pos.index and info.loc[m, "subject"] != "department"]
    rows = []
    for m in measures:
        r = pos.loc[m]
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"]}
        if r["suppressed"]:
            row["I forhold til kommunen"] = suppression_text(ds, m, r["reason"])
            if has_nat:
                row["I forhold til landsplan"] = ""
        else:
            row["I forhold til kommunen"] = short.get(r["flag_funnel"], tx.MISSING)
            if has_nat:
                row["I forhold til landsplan"] = short.get(r["nat_flag"], tx.MISSING)
        rows.append(row)
    shown = pos.loc[measures]
    shown = shown[~shown["suppressed"] & shown["z"].notna()]
    child_shown = shown[[info.loc[m, "subject"] == "child" for m in shown.index]]
    if len(child_shown):
        shown = child_shown
    if len(shown):
        m = shown["z"].abs().idxmax()
        figs = [(lambda: plots.funnel(ds, measure=m, round=round, highlight=inst["id"]),
                 f"{info.loc[m, 'label']} ({info.loc[m, 'source_label'].lower()}): den måling, hvor "
                 f"{inst['name']} ligger længst fra kommunens gennemsnit.")]
        parts.append(figures_html(figs) + _p(tx.describe_funnel_flag(shown.loc[m, "flag_funnel"], name=inst["name"])))
    if rows:
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Placering i tragten (99,8\u00a0%-grænser), {round}"))
    if not has_nat:
        parts.append(note_html("Data har ingen landstal at sammenligne med."))
    parts.append(note_html(
        "Hvert punkt i tragten er et " + institution_noun(ds).lower() + ". Jo flere svar, jo smallere er "
        "tragten. Et punkt uden for de yderste linjer (99,8 %) ligger længere fra gennemsnittet, "
        "end tilfældigheder normalt giver. Tragten rangordner ikke."))
    return Block("".join(parts))


def _alpha_verdict(a: Any) -> str:
    if pd.isna(a):
        return "Kan ikke beregnes (ét spørgsmål)"
    if a >= 0.8:
        return "God"
    if a >= 0.7:
        return "Acceptabel"
    return "Lav – tolk forsigtigt"


def reliability_section(ds: Dataset, institution: str | None = None) -> Block:
    """Reliability caveats: Cronbach's alpha of each measure, how much of the variation lies
    between institutions, and how reliable the institution's own mean is."""
    rel = _reliability(ds)
    info = measure_info(ds)
    last = ds.meta.rounds[-1]
    inst = institution_info(ds, institution) if institution is not None else None
    pos = institution_position(ds, inst, last_round(ds, inst)) if inst is not None else None
    vc = _vc(ds, "institution", last).set_index("measure_id") if len(ds.meta.rounds) else None
    insts = _insts_noun(ds)
    rows = []
    for m in info.index:
        if info.loc[m, "subject"] == "department":
            continue
        r = rel[rel["measure_id"].astype(str) == m]
        a = r["alpha"].iloc[0] if len(r) else np.nan
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"],
               "Spørgsmål": tx.fmt_int(r["n_items"].iloc[0]) if len(r) else tx.MISSING,
               "Cronbachs alfa": (f"{tx.fmt_number(a, 2)} ({tx.fmt_interval(r['ci_low'].iloc[0], r['ci_high'].iloc[0], 2)})"
                                  if pd.notna(a) else tx.MISSING),
               "Vurdering": _alpha_verdict(a)}
        row[f"Andel af forskellene, der ligger mellem {insts}"] = (
            tx.fmt_percent(vc.loc[m, "icc"]) if vc is not None and m in vc.index else tx.MISSING)
        if pos is not None:
            row["Pålidelighed af jeres gennemsnit"] = (
                tx.MISSING if m not in pos.index or pos.loc[m, "suppressed"] else tx.fmt_number(pos.loc[m, "reliability"], 2))
        rows.append(row)
    if not rows:
        return _empty("Der er ingen målinger af personer at vurdere pålideligheden af.")
    parts = [styled_table(pd.DataFrame(rows), caption=f"Målingernes pålidelighed, {last}"),
             _p("Cronbachs alfa viser, hvor godt spørgsmålene i en måling hænger sammen (0–1; over 0,7 "
                f"er acceptabelt). Andelen mellem {insts} viser, hvor meget af forskellene mellem "
                f"{children_noun(ds)} der hænger sammen med, hvor de går – resten er forskelle inden for "
                f"samme {institution_noun(ds).lower()}. Typisk er den lille, så de fleste forskelle mellem "
                f"{insts} er små i forhold til forskellene mellem {children_noun(ds)}.")]
    if pos is not None:
        definite = _DEFINITE.get(institution_noun(ds), "enheden")
        parts.append(_p("Pålideligheden af jeres gennemsnit (0–1) viser, hvor meget det afspejler "
                        f"{definite} frem for de tilfældige {children_noun(ds)}, der blev målt. Under "
                        "0,7 bør små forskelle ikke tillægges vægt."))
    return Block("".join(parts))


def child_section(ds: Dataset, institution: str, *, show: bool = False, round: str | None = None) -> Block:
    """Each child's scores (pseudonymous ids) — only when ``show`` is True.

    Meant for the leadership team alone; empty (nothing shown) otherwise.
    """
    if not show:
        return Block("")
    inst = institution_info(ds, institution)
    round = round or last_round(ds, inst)
    info = measure_info(ds)
    child = _child_measures(ds)
    sc = indicators.scores(ds, child) if child else None
    head = heading(ds, "children").html
    if sc is None or sc.empty:
        return Block(head) + _empty(f"Der er ingen målinger af {children_noun(ds)}.")
    sc = sc[sc["department_id"].astype(str).isin(inst["departments"]) & (sc["round"].astype(str) == round)]
    if sc.empty:
        return Block(head) + _empty(f"Der er ingen målinger af {children_noun(ds)} i {round}.")
    names = ds.org.set_index(ds.org["department_id"].astype(str))["department_name"]
    wide = sc.assign(measure_id=sc["measure_id"].astype(str), subject_id=sc["subject_id"].astype(str),
                     department_id=sc["department_id"].astype(str)).pivot_table(
        index=["department_id", "subject_id"], columns="measure_id", values="score", aggfunc="mean")
    rows = []
    for (dept, cid), r in wide.iterrows():
        row = {profile_label(ds, "department", "Afdeling"): names.get(dept, dept), profile_label(ds, "child", "Barn") + " (pseudonym)": cid}
        for m in [m for m in child if m in wide.columns]:
            row[info.loc[m, "label"]] = _fmt(ds, m, r[m])
        rows.append(row)
    return Block(head + _p(
        f"Tabellen viser hvert {profile_label(ds, 'child', 'barn').lower()}s score i {round} med pseudonyme id'er. "
        "Den er kun til ledelsesteamet og må ikke deles.") + styled_table(pd.DataFrame(rows)))


# ----------------------------------------------------------------------------- municipality overview


def overview_title(ds: Dataset) -> Block:
    """Title of the municipality overview."""
    n_inst = ds.units["institution_id"].nunique()
    rounds = ", ".join(round_label(ds, r) for r in ds.meta.rounds)
    heading = f"{ds.meta.name}: {_insts_noun(ds)} side om side"
    return Block(
        f'<header class="llkit-title"><p class="llkit-kicker">Overblik til forvaltningen</p>'
        f"{_h(1, heading)}"
        f"<p>{_esc(tx.fmt_int(n_inst))} {_esc(_insts_noun(ds))} · {_esc(tx.fmt_int(len(ds.units)))} "
        f"{_esc(departments_noun(ds))}</p><p>{_esc(profile_label(ds, 'rounds', 'Målinger'))}: {_esc(rounds)}</p>"
        f"{_synthetic_note(ds)}</header>"
    )



#: Shares of the overview's error budget (see :data:`llkit.stats.decision.KIND_WEIGHTS`).
OVERVIEW_WEIGHTS = {"change": 0.30, "staff_change": 0.05, "gap": 0.10, "gap_change": 0.15,
                    "unit_change": 0.25, "unit_gap": 0.15}


def overview_family(ds: Dataset) -> pd.DataFrame:
    """Every comparison the municipal overview makes, with the decision which are real.

    The municipality's change per measure (``change``, ``staff_change``), its equity gap
    in the last round and the gap's change (``gap``, ``gap_change``), and per institution
    and measure the change (``unit_change``) and the gap (``unit_gap``), decided together
    by :func:`llkit.stats.decision.decide` with :data:`OVERVIEW_WEIGHTS`. The funnel plots keep
    their own 99,8 % limits and say how many results chance alone puts outside them.

    Returns
    -------
    DataFrame
        ``kind``, ``measure_id``, ``institution_id`` (None for the municipality),
        ``estimate``, ``p_value`` and the decision columns.

    Examples
    --------
    >>> fam = overview_family(prepare("data/sample/dagtilbud"))
    >>> {"change", "unit_change"} <= set(fam["kind"])
    True
    """
    def make():
        from llkit.stats.decision import decide

        info = measure_info(ds)
        last = ds.meta.rounds[-1]
        rows: list[dict[str, Any]] = []
        for by, prefix in ((None, ""), ("institution", "unit_")):
            ch = _change(ds, by)
            if ch is not None and len(ch):
                for _, r in ch[~ch["suppressed"].astype(bool) & ch["p_value"].notna()].iterrows():
                    m = str(r["measure_id"])
                    subject = info.loc[m, "subject"]
                    if subject == "department":
                        continue
                    kind = prefix + "change" if (subject == "child" or prefix) else "staff_change"
                    rows.append({"kind": kind, "measure_id": m,
                                 "institution_id": str(r["institution_id"]) if by else None,
                                 "estimate": float(r["diff"]), "p_value": float(r["p_value"])})
            g = gap_table(ds, by)
            if g is not None and len(g):
                g = g[(g["round"].astype(str) == last) & ~g["suppressed"].astype(bool)]
                for _, r in g.iterrows():
                    iid = str(r["institution_id"]) if by else None
                    rows.append({"kind": prefix + "gap", "measure_id": str(r["measure_id"]), "institution_id": iid,
                                 "estimate": float(r["gap"]), "p_value": float(r["p_value"])})
                    if not by and pd.notna(r["change_p_value"]):
                        rows.append({"kind": "gap_change", "measure_id": str(r["measure_id"]), "institution_id": None,
                                     "estimate": float(r["change_from_previous"]),
                                     "p_value": float(r["change_p_value"])})
        cols = ["kind", "measure_id", "institution_id", "estimate", "p_value"]
        return decide(pd.DataFrame(rows, columns=cols).astype({"p_value": float, "estimate": float}),
                      kind_weights=OVERVIEW_WEIGHTS)
    return cached(ds, ("overview_family",), make)


def overview_verdict(fam: pd.DataFrame, kind: str, measure: str, institution: str | None = None) -> tuple[bool, bool]:
    """``(real, flag)`` of one comparison of :func:`overview_family` (False, False if absent).

    Examples
    --------
    >>> fam = overview_family(prepare("data/sample/dagtilbud"))
    >>> overview_verdict(fam, "change", "no-such-measure")
    (False, False)
    """
    sel = (fam["kind"] == kind) & (fam["measure_id"].astype(str) == str(measure))
    sel &= fam["institution_id"].isna() if institution is None else (fam["institution_id"].astype(str) == str(institution))
    hit = fam[sel]
    return (bool(hit["real"].iloc[0]), bool(hit["flag"].iloc[0])) if len(hit) else (False, False)


def overview_findings(ds: Dataset, *, max_findings: int = 5) -> list[str]:
    """The main findings for the administration, in plain Danish.

    How much of the variation lies between institutions, how many results fall outside the
    funnel limits compared with what chance gives, the municipality's change, the equity
    gap and documentation coverage.

    Examples
    --------
    >>> ds = prepare("data/sample/dagtilbud")
    >>> len(overview_findings(ds)) >= 3
    True
    """
    last = ds.meta.rounds[-1]
    info = measure_info(ds)
    child = _child_measures(ds)
    insts = _insts_noun(ds)
    ofam = overview_family(ds)
    out = []
    vc = _vc(ds, "institution", last)
    vc = vc[vc["measure_id"].astype(str).isin(child) & vc["icc"].notna()]
    if len(vc):
        lo, hi, mid = vc["icc"].min(), vc["icc"].max(), vc["icc"].median()
        rng = (tx.fmt_percent(mid) if tx.fmt_percent(lo) == tx.fmt_percent(hi) else
               f"omkring {tx.fmt_percent(mid)} (mellem {tx.fmt_number(100 * lo, 0)} og {tx.fmt_percent(hi)} på de enkelte målinger)")
        out.append(
            f"Forskelle mellem {insts}: Kun {rng} af forskellene mellem {children_noun(ds)}s resultater i "
            f"{last} ligger mellem {insts}; resten er forskelle mellem {children_noun(ds)} i samme "
            f"{institution_noun(ds).lower()}. Små forskelle mellem {insts} bør ikke i sig selv føre til handling."
            .replace(f"{children_noun(ds)}s", "børnenes" if children_noun(ds) == "børn" else "elevernes"))
    cm = _compare(ds, last)
    if cm is not None:
        persons = cm[[info.loc[str(m), "subject"] != "department" for m in cm["measure_id"]]]
        shown = persons[~persons["suppressed"].astype(bool) & persons["flag"].notna()]
        n_over = int((shown["flag"] == "over").sum())
        n_under = int((shown["flag"] == "under").sum())
        expect = 0.002 * len(shown)
        out.append(
            f"Tragtdiagrammerne, {last}: Af {tx.fmt_int(len(shown))} resultater ({insts} × målinger) ligger "
            f"{tx.fmt_int(n_over)} over og {tx.fmt_int(n_under)} under tragtens 99,8 %-grænser. Ved "
            f"tilfældighed alene ville man vente omkring {tx.fmt_number(expect, 1)}; resten ligger inden "
            "for, hvad tilfældig variation kan give.")
    ch = _change(ds, None)
    if ch is not None and len(ch):
        c = ch[ch["measure_id"].astype(str).isin(child) & ~ch["suppressed"].astype(bool)]
        sig = c[[overview_verdict(ofam, "change", m)[0] for m in c["measure_id"].astype(str)]]
        if len(sig):
            r = sig.loc[sig["effect_size"].abs().idxmax()]
            m = str(r["measure_id"])
            s = _change_sentence(ds, m, r, ds.meta.name, real=True)
            more = f" I alt har {tx.fmt_int(len(sig))} af {tx.fmt_int(len(c))} målinger sikkert ændret sig." if len(sig) > 1 else ""
            out.append(f"{measure_title(ds, m)}, hele kommunen: {s}{more}")
        elif len(c):
            out.append(f"Udvikling i hele kommunen fra {_first(c, 'from_round')} til {_first(c, 'to_round')}: Ingen af "
                       f"{tx.fmt_int(len(c))} målinger har sikkert ændret sig, når der tages højde for, hvor mange "
                       "tal oversigten sammenligner.")
    g = gap_table(ds, None)
    groups, *_ = gap_groups(ds)
    if g is not None and len(ds.meta.rounds) >= 2:
        now = g[(g["round"].astype(str) == last) & ~g["suppressed"].astype(bool) & g["change_from_previous"].notna()]
        trends = [(tx.gap_trend(r["gap"] - r["change_from_previous"], r["gap"], r["change_ci_low"], r["change_ci_high"],
                                real=overview_verdict(ofam, "gap_change", str(r["measure_id"]))[0]), r)
                  for _, r in now.iterrows()]
        n_n = sum(t == "narrows" for t, _ in trends)
        n_w = sum(t == "widens" for t, _ in trends)
        prev = ds.meta.rounds[-2]
        if trends and n_n + n_w == 0:
            out.append(
                f"Social baggrund: Forskellen mellem {groups} har på ingen af de "
                f"{tx.fmt_int(len(trends))} målinger sikkert ændret sig "
                f"fra {prev} til {last}. Målet er, at den bliver mindre.")
        elif trends:
            out.append(
                f"Social baggrund: Fra {prev} til {last} er forskellen mellem {groups} blevet mindre på "
                f"{tx.fmt_int(n_n)} og større på {tx.fmt_int(n_w)} af {tx.fmt_int(len(trends))} målinger "
                "(sikre ændringer, når der tages højde for alle oversigtens sammenligninger); på resten kan "
                "data ikke afgøre det.")
    cov = coverage_table(ds, None)
    if not cov.empty:
        r = cov[cov["round"].astype(str) == last]
        if len(r):
            r = r.iloc[0]
            out.append(
                f"Tegn på læring: I {last} har {tx.fmt_int(r['teams_documenting'])} af {tx.fmt_int(r['teams'])} "
                f"{departments_noun(ds)} ({tx.fmt_percent(r['share'])}) dokumenteret tegn på læring. Målet er alle.")
    return out[:max_findings]


def _first(frame: pd.DataFrame, col: str) -> str:
    """First value of a column as text (helper for sentences)."""
    return str(frame[col].iloc[0]) if len(frame) else ""


def _grouped_institutions(ds: Dataset) -> pd.DataFrame:
    """Institutions ordered by area, cluster and name (never by a result)."""
    u = ds.org.drop_duplicates("institution_id")[["institution_id", "institution_name", "cluster", "area"]]
    return u.sort_values(["area", "cluster", "institution_name"], na_position="last").reset_index(drop=True)


def overview_funnel_section(ds: Dataset, *, round: str | None = None, columns: int = 2) -> Block:
    """All institutions side by side: a funnel plot per measure and a table of who lies
    outside the limits — ordered by area and cluster, never ranked."""
    round = round or ds.meta.rounds[-1]
    cm = _compare(ds, round)
    if cm is None:
        return _empty(f"Der er ingen resultater i {round}.")
    info = measure_info(ds)
    plots = _plots()
    measures = [m for m in info.index if m in set(cm["measure_id"].astype(str)) and info.loc[m, "subject"] != "department"]
    parts = []
    si = summary_table(ds, "institution")
    si = si[si["round"].astype(str) == round]
    hidden = {(str(a), str(b)): r for a, b, s, r in zip(si["measure_id"], si["institution_id"], si["suppressed"], si["suppressed_reason"], strict=True) if s}
    org = _grouped_institutions(ds)
    word = {"over": "over", "under": "under", "within": "inden for"}
    for source, ms in _sources(ds, measures):
        parts.append(_h(3, _source_label(ds, source)))
        parts.append(figures_html([(lambda m=m: plots.funnel(ds, measure=m, round=round), None) for m in ms],
                              columns=columns))
        rows = []
        c = cm[cm["measure_id"].astype(str).isin(ms)]
        for _, u in org.iterrows():
            row = {institution_noun(ds): u["institution_name"], "Klynge": u["cluster"] if pd.notna(u["cluster"]) else tx.MISSING}
            cu = c[c["institution_id"].astype(str) == str(u["institution_id"])].set_index("measure_id")
            for m in ms:
                key = (m, str(u["institution_id"]))
                if key in hidden or (m in cu.index and bool(cu.loc[m, "suppressed"])):
                    row[info.loc[m, "label"]] = suppression_text(ds, m, hidden.get(key), short=True)
                elif m in cu.index:
                    row[info.loc[m, "label"]] = word.get(cu.loc[m, "flag"], tx.MISSING)
                else:
                    row[info.loc[m, "label"]] = tx.MISSING
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Placering i forhold til tragtens 99,8 %-grænser, {round} (ordnet efter klynge, ikke efter resultat)"))
    parts.append(note_html("»over« og »under« betyder uden for tragtens yderste grænser: længere fra kommunens "
                       "gennemsnit, end tilfældigheder normalt giver. Der vises ingen rangliste."))
    parts.append(suppression_note_html(ds, "personer"))
    return Block("".join(parts))


def variance_section(ds: Dataset, *, round: str | None = None) -> Block:
    """How much of the variation lies between institutions and between departments."""
    round = round or ds.meta.rounds[-1]
    info = measure_info(ds)
    vi = _vc(ds, "institution", round).set_index("measure_id")
    vd = _vc(ds, "department", round).set_index("measure_id")
    rows = []
    for m in info.index:
        if info.loc[m, "subject"] == "department" or m not in vi.index:
            continue
        rows.append({
            "Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"],
            f"Mellem {_insts_noun(ds)}": tx.fmt_percent(vi.loc[m, "icc"]),
            f"Mellem {departments_noun(ds)}": tx.fmt_percent(vd.loc[m, "icc"]) if m in vd.index else tx.MISSING,
            f"Pålidelighed af {_GENITIVE.get(institution_noun(ds), 'en enheds')} gennemsnit": tx.fmt_number(vi.loc[m, "mean_reliability"], 2),
        })
    if not rows:
        return _empty("Der er ikke data nok til at opdele variationen.")
    return Block(styled_table(pd.DataFrame(rows), caption=f"Andel af variationen, der ligger mellem enhederne, {round}") + note_html(
        f"Andelen mellem {_insts_noun(ds)} (intraklassekorrelation) er den del af forskellene mellem "
        f"{children_noun(ds)}, der hænger sammen med, hvor de går. Andelen mellem {departments_noun(ds)} "
        f"omfatter også forskelle mellem {_INSTS_DEFINITE.get(profile_label(ds, 'institutions', ''), 'enhederne')}. Pålideligheden (0–1) viser, hvor meget et "
        "gennemsnit afspejler enheden frem for de tilfældige, der blev målt."))


def overview_change_section(ds: Dataset) -> Block:
    """Who changed beyond noise since the previous round — with how many chance alone gives."""
    ch = _change(ds, "institution")
    if ch is None:
        return _empty("Der er kun én måling, så der kan ikke vises udvikling endnu.")
    info = measure_info(ds)
    plots = _plots()
    c = ch[[info.loc[str(m), "subject"] != "department" for m in ch["measure_id"]]]
    shown = c[~c["suppressed"].astype(bool) & c["diff"].notna()]
    ofam = overview_family(ds)
    naive = int((shown["p_value"] <= 0.05).sum())
    sig = shown[[overview_verdict(ofam, "unit_change", m, i)[1]
                 for m, i in zip(shown["measure_id"].astype(str), shown["institution_id"].astype(str), strict=True)]]
    a, b = _first(c, "from_round"), _first(c, "to_round")
    parts = [_p(
        f"Fra {a} til {b} har {tx.fmt_int(naive)} af {tx.fmt_int(len(shown))} resultater "
        f"({_insts_noun(ds)} × målinger) et 95\u00a0%-interval, der ikke rummer 0. Ved tilfældighed alene "
        f"ville man vente omkring {tx.fmt_int(round(0.05 * len(shown)))} af den slags. Når der tages højde for, "
        f"at der er sammenlignet {tx.fmt_int(len(shown))} tal, er {tx.fmt_int(len(sig))} af ændringerne sikre nok "
        "til at blive vist nedenfor (højst 1 af 10 ventes at være tilfældige).")]
    total = _change(ds, None)
    if total is not None and len(total):
        rows = []
        for _, r in total.iterrows():
            m = str(r["measure_id"])
            if info.loc[m, "subject"] == "department":
                continue
            rows.append({"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"],
                         a: _fmt(ds, m, r["mean_from"]), b: _fmt(ds, m, r["mean_to"]),
                         "Ændring": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[0],
                         "95 %-interval": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[1],
                         "Samme personer?": f"Ja, {tx.fmt_int(r['n_paired'])}" if bool(r["paired"]) else "Nej"})
        parts.append(_h(3, "Hele kommunen"))
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Fra {a} til {b}"))
        child = [m for m in _child_measures(ds) if m in set(total["measure_id"].astype(str))]
        figs = []
        for source, ms in _sources(ds, child):
            t = total[total["measure_id"].astype(str).isin(ms)]
            m = str(t.loc[t["effect_size"].abs().idxmax(), "measure_id"]) if t["effect_size"].notna().any() else ms[0]
            figs.append((lambda m=m: plots.development(ds, measure=m), f"{info.loc[m, 'label']} ({_source_label(ds, source)})"))
        parts.append(figures_html(figs, columns=2))
    if len(sig):
        rows = []
        names = _grouped_institutions(ds).set_index("institution_id")
        order = {i: k for k, i in enumerate(names.index)}
        sig = sig.assign(_o=sig["institution_id"].map(order)).sort_values(["_o", "measure_id"])
        for _, r in sig.iterrows():
            m = str(r["measure_id"])
            rows.append({
                institution_noun(ds): r["institution_name"], "Måling": info.loc[m, "label"],
                "Ændring": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[0],
                "95 %-interval": format_estimate(ds, m, r["diff"], r["ci_low"], r["ci_high"])[1],
                "Samme personer?": f"Ja, {tx.fmt_int(r['n_paired'])}" if bool(r["paired"]) else "Nej",
                "Forventet pga. regression mod gennemsnittet": _fmt(ds, m, r["expected_rtm"], sign=True),
            })
        parts.append(_h(3, f"{profile_label(ds, 'institutions', 'Institutioner')} med sikre ændringer"))
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Fra {a} til {b} (ordnet efter klynge)"))
        parts.append(note_html("Sidste kolonne viser den ændring, man alene ville forvente, fordi et resultat, der "
                           "lå langt fra gennemsnittet, ofte ligger tættere på næste gang."))
    return Block("".join(parts))


def overview_gap_section(ds: Dataset) -> Block:
    """Equity gaps for the whole municipality over rounds, and per institution now."""
    g = gap_table(ds, None)
    groups, _, low, high, _ = gap_groups(ds)
    if g is None or g.empty:
        return _empty("Data har ingen oplysninger om baggrund, der kan vise forskelle mellem grupper.")
    info = measure_info(ds)
    plots = _plots()
    ofam = overview_family(ds)
    rounds = list(ds.meta.rounds)
    last = rounds[-1]
    rows = []
    for m in [m for m in info.index if m in set(g["measure_id"].astype(str))]:
        gm = g[g["measure_id"].astype(str) == m].set_index(g["round"].astype(str)[g["measure_id"].astype(str) == m])
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"]}
        for r in rounds:
            row[r] = (tx.MISSING if r not in gm.index else
                      f"færre end {ds.meta.min_n} {children_noun(ds)} i en af grupperne" if bool(gm.loc[r, "suppressed"]) else
                      "{} ({})".format(*format_estimate(ds, m, gm.loc[r, "gap"], gm.loc[r, "ci_low"], gm.loc[r, "ci_high"])))
        if len(rounds) >= 2 and last in gm.index and rounds[-2] in gm.index:
            cur, prev = gm.loc[last], gm.loc[rounds[-2]]
            t = "unclear" if cur["suppressed"] or prev["suppressed"] else tx.gap_trend(
                prev["gap"], cur["gap"], cur["change_ci_low"], cur["change_ci_high"],
                real=overview_verdict(ofam, "gap_change", m)[1])
            row[f"Udvikling {rounds[-2]}–{last}"] = {"narrows": "Mindre – mere end usikkerheden",
                                                    "widens": "Større – mere end usikkerheden"}.get(t, "Ingen sikker ændring")
        rows.append(row)
    parts = [_p(f"Forskellen mellem {groups}: gennemsnittet for {children_noun(ds)} af forældre med "
                f"{' eller '.join(x.lower() for x in high)} uddannelse minus gennemsnittet for dem med "
                f"{', '.join(x.lower() for x in low)} uddannelse."),
             styled_table(pd.DataFrame(rows), caption="Hele kommunen (95 %-interval)")]
    figs = []
    for source, ms in _sources(ds, [m for m in info.index if m in set(g["measure_id"].astype(str))]):
        now = g[g["measure_id"].astype(str).isin(ms) & (g["round"].astype(str) == last) & ~g["suppressed"].astype(bool)]
        if len(now):
            m = str(now.loc[now["gap"].abs().idxmax(), "measure_id"])
            figs.append((lambda m=m: plots.gap(ds, measure=m), f"{info.loc[m, 'label']} ({_source_label(ds, source)})"))
    parts.append(figures_html(figs, columns=2))
    gi = gap_table(ds, "institution")
    if gi is not None and len(gi):
        gi = gi[gi["round"].astype(str) == last]
        org = _grouped_institutions(ds)
        for source, ms in _sources(ds, [m for m in info.index if m in set(gi["measure_id"].astype(str))]):
            rows = []
            for _, u in org.iterrows():
                row = {institution_noun(ds): u["institution_name"]}
                gu = gi[gi["institution_id"].astype(str) == str(u["institution_id"])].set_index("measure_id")
                for m in ms:
                    if m not in gu.index:
                        row[info.loc[m, "label"]] = tx.MISSING
                    elif bool(gu.loc[m, "suppressed"]):
                        row[info.loc[m, "label"]] = f"færre end {ds.meta.min_n} i en gruppe"
                    else:
                        star = " *" if overview_verdict(ofam, "unit_gap", m, str(u["institution_id"]))[1] else ""
                        row[info.loc[m, "label"]] = _fmt(ds, m, gu.loc[m, "gap"], sign=True) + star
                rows.append(row)
            parts.append(_h(3, f"{_source_label(ds, source)} pr. {institution_noun(ds).lower()}, {last}"))
            parts.append(styled_table(pd.DataFrame(rows)))
        parts.append(note_html("* forskellen er større end den statistiske usikkerhed, når der tages højde for, "
                           "hvor mange tal oversigten sammenligner. Med få "
                           f"{children_noun(ds)} i hver gruppe er usikkerheden for det enkelte "
                           f"{institution_noun(ds).lower()} stor."))
    return Block("".join(parts))


def overview_coverage_section(ds: Dataset) -> Block:
    """Documentation of signs of learning per institution and round."""
    cov = coverage_table(ds, "institution")
    if cov.empty:
        return _empty("Data har ingen oplysninger om læringsmål og tegn på læring.")
    plots = _plots()
    org = _grouped_institutions(ds)
    rounds = list(ds.meta.rounds)
    rows = []
    for _, u in org.iterrows():
        c = cov[cov["institution_id"].astype(str) == str(u["institution_id"])]
        c = c.set_index(c["round"].astype(str))
        row = {institution_noun(ds): u["institution_name"], "Klynge": u["cluster"] if pd.notna(u["cluster"]) else tx.MISSING}
        for r in rounds:
            row[r] = (f"{tx.fmt_int(c.loc[r, 'teams_documenting'])} af {tx.fmt_int(c.loc[r, 'teams'])}"
                      if r in c.index else tx.MISSING)
        rows.append(row)
    total = coverage_table(ds, None)
    tot = "; ".join(f"{r['round']}: {tx.fmt_percent(r['share'])}" for _, r in total.iterrows())
    return Block(figures_html([(lambda: plots.coverage(ds, level="institution"), None)])
                 + _p(f"Hele kommunen – andel {departments_noun(ds)}, der har dokumenteret tegn på læring: {tot}.")
                 + styled_table(pd.DataFrame(rows), caption=f"{departments_noun(ds).capitalize()}, der har dokumenteret tegn på læring"))


def area_cluster_section(ds: Dataset, *, round: str | None = None) -> Block:
    """Means by area and cluster for each source of child and staff measures, and coverage by cluster."""
    round = round or ds.meta.rounds[-1]
    info = measure_info(ds)
    parts = []
    measures = [m for m in info.index if info.loc[m, "subject"] != "department"]
    for level, label in (("area", profile_label(ds, "area", "Område")), ("cluster", profile_label(ds, "cluster", "Klynge"))):
        s = summary_table(ds, level)
        s = s[(s["round"].astype(str) == round)]
        if s.empty or s[level].isna().all():
            parts.append(_empty(f"Data har ingen {label.lower()}r." if level == "area" else f"Data har ingen {profile_label(ds, 'clusters', 'klynger').lower()}."))
            continue
        parts.append(_h(3, profile_label(ds, "areas" if level == "area" else "clusters", label)))
        for source, ms in _sources(ds, [m for m in measures if m in set(s["measure_id"].astype(str))]):
            rows = []
            sub = s[s["measure_id"].astype(str).isin(ms)]
            for unit, g in sub.groupby(sub[level].astype(str), sort=True):
                rows.append({label: unit, **_measure_cells(ds, g, ms, info, "ci")})
            parts.append(styled_table(pd.DataFrame(rows), caption=f"{_source_label(ds, source)}: gennemsnit (95 %-interval), {round}"))
    cov = coverage_table(ds, "cluster")
    if not cov.empty:
        c = cov[cov["round"].astype(str) == round]
        rows = [{profile_label(ds, "cluster", "Klynge"): r["cluster"], departments_noun(ds).capitalize(): tx.fmt_int(r["teams"]),
                 "Har dokumenteret tegn på læring": tx.fmt_int(r["teams_documenting"]), "Andel": tx.fmt_percent(r["share"])}
                for _, r in c.iterrows() if pd.notna(r["cluster"])]
        if rows:
            parts.append(styled_table(pd.DataFrame(rows), caption=f"Tegn på læring pr. klynge, {round}"))
    return Block("".join(parts))


# ----------------------------------------------------------------------------- cluster dialogue


def cluster_title(ds: Dataset, institutions: Sequence[str], cluster: str | None = None) -> Block:
    """Title of the cluster-meeting material."""
    insts = [institution_info(ds, i) for i in institutions]
    head = cluster or "Klyngemøde"
    names = ", ".join(i["name"] for i in insts)
    return Block(
        f'<header class="llkit-title"><p class="llkit-kicker">Materiale til klyngemøde</p>{_h(1, head)}'
        f"<p>{_esc(names)}</p><p>{_esc(ds.meta.name)} · {_esc(profile_label(ds, 'rounds', 'Målinger'))}: "
        f"{_esc(', '.join(round_label(ds, r) for r in ds.meta.rounds))}</p>{_synthetic_note(ds)}</header>"
    )


def cluster_findings_section(ds: Dataset, institutions: Sequence[str], *, max_findings: int = 3) -> Block:
    """The most important findings of each team, side by side."""
    from llkit.stats.decision import ALPHA

    parts = []
    alpha = ALPHA / max(len(institutions), 1)
    for i in institutions:
        inst = institution_info(ds, i)
        parts.append(display_findings(key_findings(ds, inst["id"], max_findings=max_findings, alpha=alpha),
                                      title=inst["name"]).html)
    return Block(f'<div class="llkit-columns">{"".join(parts)}</div>')


def cluster_status_section(ds: Dataset, institutions: Sequence[str], *, round: str | None = None) -> Block:
    """The teams side by side: per source a table of means and a funnel plot with the
    cluster's institutions marked."""
    insts = [institution_info(ds, i) for i in institutions]
    round = round or ds.meta.rounds[-1]
    info = measure_info(ds)
    plots = _plots()
    pos = {i["id"]: institution_position(ds, i, round) for i in insts}
    measures = [m for m in info.index if info.loc[m, "subject"] != "department"
                and any(p is not None and len(p) and m in p.index for p in pos.values())]
    if not measures:
        return _empty(f"Der er ingen resultater i {round}.")
    parts = []
    mark = {True: " ▲", False: " ▼"}
    for source, ms in _sources(ds, measures):
        parts.append(_h(3, _source_label(ds, source)))
        rows = []
        for m in ms:
            row = {"Måling": info.loc[m, "label"]}
            for i in insts:
                p = pos[i["id"]]
                if p is None or not len(p) or m not in p.index:
                    row[i["name"]] = tx.MISSING
                elif p.loc[m, "suppressed"]:
                    row[i["name"]] = suppression_text(ds, m, p.loc[m, "reason"], short=True)
                else:
                    r = p.loc[m]
                    row[i["name"]] = _fmt(ds, m, r["mean"]) + (mark[bool(r["diff"] > 0)] if bool(r["flag"]) else "")
            any_p = next((p for p in pos.values() if p is not None and len(p) and m in p.index), None)
            row["Kommunen"] = _fmt(ds, m, any_p.loc[m, "municipality"]) if any_p is not None else tx.MISSING
            rows.append(row)
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Gennemsnit, {round}"))
        child = [m for m in ms if info.loc[m, "subject"] == "child"] or ms
        m = child[0]
        parts.append(figures_html([(lambda m=m: plots.funnel(ds, measure=m, round=round, highlight=[i["id"] for i in insts]),
                                f"{info.loc[m, 'label']}: klyngens {_insts_noun(ds)} er markeret.")]))
    parts.append(note_html("▲ / ▼: over / under kommunens gennemsnit, mere end den statistiske usikkerhed (95 %). "
                       "Uden tegn: ingen sikker forskel."))
    parts.append(suppression_note_html(ds, "personer"))
    return Block("".join(parts))


def cluster_change_section(ds: Dataset, institutions: Sequence[str]) -> Block:
    """Change since the previous round for each team, side by side."""
    if len(ds.meta.rounds) < 2:
        return _empty("Der er kun én måling, så der kan ikke vises udvikling endnu.")
    insts = [institution_info(ds, i) for i in institutions]
    info = measure_info(ds)
    chs = {i["id"]: _inst_change(ds, i) for i in insts}
    ch_any = next((c for c in chs.values() if c is not None and len(c)), None)
    if ch_any is None:
        return _empty("Der er ikke data nok til at vise udvikling.")
    a, b = _first(ch_any, "from_round"), _first(ch_any, "to_round")
    measures = [m for m in info.index if info.loc[m, "subject"] != "department"]
    parts = []
    for source, ms in _sources(ds, measures):
        rows = []
        for m in ms:
            row = {"Måling": info.loc[m, "label"]}
            for i in insts:
                c = chs[i["id"]]
                if c is None or m not in c.index:
                    row[i["name"]] = tx.MISSING
                elif bool(c.loc[m, "suppressed"]):
                    row[i["name"]] = suppression_text(ds, m, short=True)
                else:
                    r = c.loc[m]
                    kind = "change" if info.loc[m, "subject"] == "child" else "staff_change"
                    flagged = family_verdict(report_family(ds, i), kind, m)[1]
                    row[i["name"]] = (_fmt(ds, m, r["diff"], sign=True) + (" *" if flagged else "")
                                      + (" (samme)" if bool(r["paired"]) else ""))
            rows.append(row)
        parts.append(_h(3, _source_label(ds, source)))
        parts.append(styled_table(pd.DataFrame(rows), caption=f"Ændring fra {a} til {b}"))
    parts.append(note_html("* større end den statistiske usikkerhed (95 %). »(samme)«: målt på de samme "
                       f"{children_noun(ds)} i begge målinger; ellers er det forskellige."))
    return Block("".join(parts))


def cluster_gap_section(ds: Dataset, institutions: Sequence[str]) -> Block:
    """The equity gap of each team in the last round, side by side."""
    g = gap_table(ds, "institution")
    groups, *_ = gap_groups(ds)
    if g is None:
        return _empty("Data har ingen oplysninger om baggrund, der kan vise forskelle mellem grupper.")
    insts = [institution_info(ds, i) for i in institutions]
    info = measure_info(ds)
    last = ds.meta.rounds[-1]
    g = g[g["round"].astype(str) == last]
    rows = []
    for m in [m for m in info.index if m in set(g["measure_id"].astype(str))]:
        row = {"Måling": info.loc[m, "label"], "Kilde": info.loc[m, "source_label"]}
        for i in insts:
            r = g[(g["institution_id"].astype(str) == i["id"]) & (g["measure_id"].astype(str) == m)]
            if r.empty:
                row[i["name"]] = tx.MISSING
            elif bool(r["suppressed"].iloc[0]):
                row[i["name"]] = f"færre end {ds.meta.min_n} i en gruppe"
            else:
                flagged = family_verdict(report_family(ds, i, last), "gap", m)[1]
                row[i["name"]] = _fmt(ds, m, r["gap"].iloc[0], sign=True) + (" *" if flagged else "")
        rows.append(row)
    if not rows:
        return _empty(f"Der er ingen målinger, der kan vise forskellen mellem {groups}.")
    return Block(_p(f"Forskellen mellem {groups} i {last}. Et positivt tal betyder, at "
                    f"{children_noun(ds)} af forældre med længere uddannelse ligger højest.")
                 + styled_table(pd.DataFrame(rows))                 + note_html("* større end den statistiske usikkerhed, når der tages højde for, hvor mange "
                             "tal hvert teams rapport sammenligner."))


def cluster_coverage_section(ds: Dataset, institutions: Sequence[str]) -> Block:
    """Documentation of signs of learning for each team, per round."""
    cov = coverage_table(ds, "institution")
    if cov.empty:
        return _empty("Data har ingen oplysninger om læringsmål og tegn på læring.")
    insts = [institution_info(ds, i) for i in institutions]
    rows = []
    for i in insts:
        c = cov[cov["institution_id"].astype(str) == i["id"]]
        c = c.set_index(c["round"].astype(str))
        row = {institution_noun(ds): i["name"]}
        for r in ds.meta.rounds:
            row[r] = f"{tx.fmt_int(c.loc[r, 'teams_documenting'])} af {tx.fmt_int(c.loc[r, 'teams'])}" if r in c.index else tx.MISSING
        rows.append(row)
    return Block(styled_table(pd.DataFrame(rows), caption=f"{departments_noun(ds).capitalize()}, der har dokumenteret tegn på læring")
                 + note_html(f"Målet er, at alle {departments_noun(ds)} dokumenterer tegn på læring."))


def plan_section(ds: Dataset, institution: str) -> Block:
    """Follow-up of the institution's action plan: each goal's status at the latest round.

    Uses :func:`llkit.documents.plans.plan_status` on the plan in the dataset's ``plans/`` folder;
    says so in one line when there is no plan or the plan cannot be read.
    """
    from llkit.documents import plans as _plans
    from llkit.errors import DataError, PlanError

    inst = institution_info(ds, institution)
    try:
        found = _plans.plans_for(ds)
    except (PlanError, DataError):
        return _empty("Handleplanerne kan ikke læses; kør »llkit plan validate« for at se hvorfor.")
    plan = found.get(inst["id"])
    if plan is None:
        return _empty(f"{inst['name']} har ingen handleplan i datasættets mappe »plans«.")
    try:
        status = _plans.plan_status(plan, ds)
    except (PlanError, DataError):
        return _empty("Handleplanen har fejl; kør »llkit plan validate« for at se dem.")
    table = _plans.status_table(status)
    counts = status["status"].value_counts()
    summary = " · ".join(f"{k}: {int(counts.get(k, 0))}" for k in _plans.STATUSES)
    parts = [styled_table(table, caption=f"Handleplan: {plan.title}"),
             note_html("Status afgøres med usikkerheden: et mål er først »nået«, når hele "
                   f"intervallet ligger på den rigtige side af målværdien. I alt – {summary}.")]
    return Block("".join(parts))


def overview_plans_section(ds: Dataset) -> Block:
    """Municipal overview of the action plans: goals per status for each institution."""
    from llkit.documents import plans as _plans

    ov = _plans.plans_overview(ds)
    if ov.empty or ov["plan"].isna().all():
        return _empty("Ingen dagtilbud/skoler har en handleplan i datasættets mappe »plans«.")
    with_plan = ov[ov["plan"].notna()]
    rows = []
    for r in with_plan.to_dict("records"):
        row = {"Enhed": r["institution_name"],
               "Handleplan": r["title"] if isinstance(r["title"], str) else "–",
               "Mål": tx.fmt_int(r["goals"]) if pd.notna(r["goals"]) else "–"}
        for k in _plans.STATUSES:
            v = r.get(k)
            row[k.capitalize()] = tx.fmt_int(v) if v is not None and pd.notna(v) else "–"
        row["Note"] = r["note"] if isinstance(r["note"], str) else ""
        rows.append(row)
    without = len(ov) - len(with_plan)
    note = note_html(f"{without} af {len(ov)} enheder har endnu ingen handleplan i mappen »plans«.")
    return Block(styled_table(pd.DataFrame(rows), caption="Handleplaner og status for deres mål") + note)
