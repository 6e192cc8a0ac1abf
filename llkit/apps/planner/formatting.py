"""Small helpers of the plan views: the indicator kinds' and statuses' labels and colours,
the style sheet, Danish numbers, names of the data, and HTML tables and figures."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from llkit.documents.plans.series import next_round
from llkit.present import text as tx
from llkit.present.html import Block

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

#: The indicator kinds as a daycare leader reads them (dropdown labels).
KIND_LABELS = {
    "mean": "Gennemsnit af en måling",
    "share_low": "Andel med en lav score",
    "gap": "Forskel efter social baggrund",
    "staff": "Medarbejdernes svar (kultur)",
    "coverage": "Dokumentation af tegn på læring",
}

#: Colours of the four statuses (Okabe–Ito: colour-blind safe); the word is always shown.
STATUS_COLOURS = {"nået": "#009E73", "på vej": "#0072B2", "ikke nået": "#D55E00",
                  "kan ikke vurderes": "#6E6E6E"}

_STYLE = """<style>
.llkit-plan { font-size: 0.95em; }
.llkit-plan h3 { margin: 0.8em 0 0.2em; }
.llkit-plan .llkit-goal { border-left: 3px solid #0b5394; padding: 0.1em 0 0.3em 0.8em; margin: 0.5em 0 0.8em; }
.llkit-plan .llkit-goal p { margin: 0.2em 0; }
.llkit-plan ul { margin: 0.2em 0 0.4em; }
.llkit-status { display: inline-block; padding: 0 0.5em; border-radius: 0.6em; color: #fff; font-weight: 600;
  white-space: nowrap; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.llkit-problems td, .llkit-problems th { text-align: left !important; }
</style>"""



def _esc(s: Any) -> str:
    return html.escape(str(s), quote=True)


def _num_text(x: float) -> str:
    """A number as the user would type it: at most 6 significant digits, decimal comma."""
    return f"{x:.6g}".replace(".", ",")


def _labels(ds: Dataset) -> dict[str, str]:
    return ds.profile.labels


def _noun(ds: Dataset, key: str, default: str) -> str:
    return _labels(ds).get(key, default).lower()


def _definite_singular(noun: str) -> str:
    """dagtilbud → dagtilbuddet, skole → skolen (Danish definite singular)."""
    if noun == "dagtilbud":
        return "dagtilbuddet"
    return noun + ("n" if noun.endswith("e") else "et")


def _inst_name(ds: Dataset, institution: str) -> str:
    org = ds.org
    hit = org.loc[org["institution_id"].astype(str) == str(institution), "institution_name"]
    if not len(hit):
        known = ", ".join(sorted(org["institution_id"].astype(str).unique()))
        raise KeyError(f"unknown institution {institution!r}; known: {known}")
    return str(hit.iloc[0])


def _rounds(ds: Dataset) -> list[str]:
    return [str(r) for r in ds.meta.rounds]


def _later_rounds(ds: Dataset, baseline: str | None) -> list[str]:
    """Rounds after ``baseline`` in the data, then the next coming round (T4 after T3)."""
    rounds = _rounds(ds)
    start = rounds.index(baseline) + 1 if baseline in rounds else 0
    out = rounds[start:]
    nxt = next_round(rounds)
    if nxt is not None:
        out.append(nxt)
    return out


def _value_text(x: float, share: bool) -> str:
    if share:
        return tx.fmt_percent(x, 0 if abs(round(x * 100) - x * 100) < 1e-9 else 1)
    return tx.fmt_number(x, 2 if abs(round(x * 10) - x * 10) > 1e-9 else 1)


def _measured_text(x: float, share: bool) -> str:
    """A measured value as the reports show it: shares in whole percent, else 1 decimal."""
    return tx.fmt_percent(x, 0) if share else tx.fmt_number(x, 1)


def _interval_text(lo: float, hi: float, share: bool) -> str:
    return tx.fmt_interval(lo, hi, 0 if share else 1, percent=share)


def _figure_html(fig: Any, alt: str, caption: str | None = None) -> str:
    """A matplotlib figure inlined as an SVG data URI (no files, no network)."""
    from llkit.present.plots import svg_data_uri

    cap = f"<figcaption>{_esc(caption)}</figcaption>" if caption else ""
    return (f'<figure class="llkit-figure"><img alt="{_esc(alt)}" style="max-width:100%" '
            f'src="{svg_data_uri(fig)}">{cap}</figure>')


def _table_html(df: pd.DataFrame, caption: str | None = None, cls: str = "",
                left: Iterable[str] = ()) -> str:
    """A table of formatted strings; columns in ``left`` (texts) are left-aligned."""
    left = set(left)
    align = ['style="text-align:left"' if c in left else "" for c in df.columns]
    head = "".join(f"<th {a}>{_esc(c)}</th>" for c, a in zip(df.columns, align, strict=True))
    body = []
    for row in df.itertuples(index=False):
        cells = []
        for v, a in zip(row, align, strict=True):
            cells.append(f"<td {a}>{v.html if isinstance(v, Block) else _esc(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return (f'<div class="llkit-table-wrap"><table class="llkit-table {cls}">{cap}<thead><tr>'
            f'{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _status_chip(status: str) -> Block:
    colour = STATUS_COLOURS.get(status, "#6E6E6E")
    return Block(f'<span class="llkit-status" style="background:{colour}">{_esc(status)}</span>')
