"""Danish numbers on axes, wrapped labels, scale texts and axis limits."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.ticker import Formatter, MaxNLocator

from llkit.present import text as dk


def _decimals_for(values: Sequence[float] | np.ndarray, max_decimals: int = 3) -> int:
    """Fewest decimals (0..max) that show every value exactly (tick labels)."""
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    for d in range(max_decimals + 1):
        if all(abs(v * 10**d - round(v * 10**d)) < 1e-6 * max(1.0, abs(v) * 10**d) for v in vals):
            return d
    return max_decimals


class _DanishNumberFormatter(Formatter):
    """Tick labels with a decimal comma (``3,5``), via :func:`llkit.present.text.fmt_number`."""

    def __init__(self, percent: bool = False) -> None:
        self.percent = percent
        self._digits = 1

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        scale = 100 if self.percent else 1
        self._digits = _decimals_for(np.asarray(values, dtype=float) * scale, 2)
        return [self(v, i) for i, v in enumerate(values)]

    def __call__(self, x: float, pos: int | None = None) -> str:
        if self.percent:
            return dk.fmt_percent(x, self._digits)
        return dk.fmt_number(x, self._digits)

    def format_data_short(self, value: float) -> str:
        return dk.fmt_percent(value, 1) if self.percent else dk.fmt_number(value, 2)


def _danish_axis(ax, axis: Literal["x", "y"] = "y", *, percent: bool = False,
                 integer: bool = False) -> None:
    target = ax.xaxis if axis == "x" else ax.yaxis
    if integer:
        target.set_major_locator(MaxNLocator(nbins="auto", integer=True))
    elif not percent:
        target.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 5, 10]))
    target.set_major_formatter(_DanishNumberFormatter(percent=percent))


def _wrap(s: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(s), width, break_long_words=False)) or str(s)


def _measure_decimals(m: pd.Series) -> int:
    lo, hi = m["scale_min"], m["scale_max"]
    if pd.notna(lo) and pd.notna(hi):
        return 0 if hi - lo >= 20 else 1
    return 1


def _scale_text(m: pd.Series) -> str:
    lo, hi = m["scale_min"], m["scale_max"]
    if pd.notna(lo) and pd.notna(hi):
        return f"skala {dk.fmt_number(lo, _decimals_for([lo]))}{dk.DASH}{dk.fmt_number(hi, _decimals_for([hi]))}"
    return "ingen fast skala"



def _axis_limits(m: pd.Series, values: Sequence[float], *, full_scale: bool,
                 min_span: float = 0.2) -> tuple[float, float] | None:
    lo, hi = m["scale_min"], m["scale_max"]
    vals = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    bounded = pd.notna(lo) and pd.notna(hi) and hi > lo
    if bounded and full_scale:
        pad = 0.03 * (hi - lo)
        return float(lo - pad), float(hi + pad)
    if vals.size == 0:
        return (float(lo), float(hi)) if bounded else None
    vmin, vmax = float(vals.min()), float(vals.max())
    span = vmax - vmin
    if bounded:
        span = max(span, min_span * (hi - lo))
    else:
        span = max(span, 0.1 * max(abs(vmin), abs(vmax), 1.0))
    mid = (vmin + vmax) / 2
    a, b = mid - 0.6 * span, mid + 0.6 * span
    if bounded:
        a, b = max(a, lo - 0.02 * (hi - lo)), min(b, hi + 0.02 * (hi - lo))
    return a, b
