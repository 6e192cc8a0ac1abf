"""A plan's status as Danish tables for people: for reports (:func:`status_table`) and the
terminal (:func:`format_status`)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from llkit.documents.plans.model import _SHARE_KINDS, STATUSES
from llkit.documents.plans.status import _Fmt


def status_table(status: pd.DataFrame) -> pd.DataFrame:
    """:func:`plan_status` as a Danish table of strings (for reports and the terminal).

    Columns ``Fokus``, ``Mål``, ``Indikator``, ``Udgangspunkt``, ``Seneste``,
    ``Interval``, ``Målværdi``, ``Status``, ``Begrundelse``; suppressed values show as
    "vises ikke", never as a number.
    """
    rows = []
    for r in status.itertuples(index=False):
        share = r.kind in _SHARE_KINDS
        f = _Fmt(share, float(r.target))
        base = ("vises ikke" if pd.isna(r.baseline_value) else f.v(r.baseline_value))
        if r.latest_round is None or (isinstance(r.latest_round, float) and pd.isna(r.latest_round)):
            latest, interval = "–", "–"
        elif r.suppressed:
            latest, interval = f"vises ikke ({r.latest_round})", "–"
        else:
            latest = f"{f.v(r.latest_value)} ({r.latest_round})"
            interval = f.iv(r.ci_low, r.ci_high) if pd.notna(r.ci_low) else "–"
        rows.append({
            "Fokus": r.focus, "Mål": r.goal, "Indikator": r.indicator,
            "Udgangspunkt": f"{base} ({r.baseline_round})", "Seneste": latest,
            "Interval": interval, "Målværdi": f"{f.v(r.target)} i {r.target_round}",
            "Status": str(r.status), "Begrundelse": r.reason,
        })
    return pd.DataFrame(rows, columns=["Fokus", "Mål", "Indikator", "Udgangspunkt", "Seneste",
                                       "Interval", "Målværdi", "Status", "Begrundelse"])


def format_status(status: pd.DataFrame, *, title: str | None = None, width: int = 38) -> str:
    """Plain-text Danish rendering of :func:`plan_status` for a terminal.

    One table row per goal (long texts shortened to ``width`` characters), then the
    reasons numbered by goal, then the count of each status.
    """
    t = status_table(status)
    short = t.copy()
    for col in ["Fokus", "Mål", "Indikator"]:
        short[col] = short[col].map(lambda s: s if len(s) <= width else s[: width - 1] + "…")
    short.insert(0, "Nr.", range(1, len(short) + 1))
    short = short.drop(columns="Begrundelse")
    cols = list(short.columns)
    cells = [[str(v) for v in row] for row in short.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]

    def line(vals: Iterable[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(vals, widths, strict=True)).rstrip()

    out = []
    if title:
        out += [title, ""]
    out += [line(cols), line("-" * w for w in widths), *[line(r) for r in cells], ""]
    out.append("Begrundelser:")
    for i, reason in enumerate(t["Begrundelse"], start=1):
        out.append(f"  {i}. {reason}")
    counts = status["status"].value_counts()
    out += ["", "I alt: " + " · ".join(f"{s}: {int(counts.get(s, 0))}" for s in STATUSES)]
    return "\n".join(out)
