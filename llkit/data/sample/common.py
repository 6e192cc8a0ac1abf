"""Building blocks shared by the generator's parts.

Random streams, cut points of the answer scales, blocks of response rows (as integer
codes) and the record of the organisation.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri


def _rng(seed: int, *names: str) -> np.random.Generator:
    """An independent, reproducible random stream for a named part of the data."""
    return np.random.default_rng([seed, *(zlib.crc32(n.encode("utf-8")) for n in names)])



def _thresholds(probs: list[float] | None, n_points: int, total_sd: float) -> np.ndarray:
    """Cut points on the latent scale giving the marginal answer shares ``probs``."""
    if probs is None or len(probs) != n_points:
        # roughly normal, slightly skewed to the positive end
        x = np.linspace(-1.6, 2.0, n_points)
        p = np.exp(-0.5 * (x - 0.6) ** 2)
        probs = list(p / p.sum())
    cum = np.cumsum(probs)[:-1]
    return ndtri(np.clip(cum, 1e-9, 1 - 1e-9)) * total_sd


def _logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _split_even(n: int, k: int) -> list[int]:
    base, extra = divmod(n, k)
    return [base + (1 if j < extra else 0) for j in range(k)]


@dataclass
class _Block:
    """Response rows of one part of the data, as integer codes."""

    round: np.ndarray
    item: np.ndarray
    dept: np.ndarray
    child: np.ndarray
    resp: np.ndarray
    value: np.ndarray


def _assemble(items_all: list, values_all: list, r: int, dept: np.ndarray, *,
              child: np.ndarray | None = None, resp: np.ndarray | None = None) -> _Block:
    """One block of response rows: every subject (row of ``values_all``) × every item;
    ``child``/``resp`` codes per subject, -1 where the subject is not of that kind."""
    item_codes = np.concatenate(items_all)
    V = np.concatenate(values_all, axis=1)  # subjects x items
    n, k = V.shape[0], len(item_codes)
    none = np.full(n * k, -1, dtype=np.int32)
    return _Block(
        round=np.full(n * k, r, dtype=np.int8),
        item=np.tile(item_codes, n).astype(np.int16),
        dept=np.repeat(dept, k).astype(np.int32),
        child=none if child is None else np.repeat(child, k).astype(np.int32),
        resp=none.copy() if resp is None else np.repeat(resp, k).astype(np.int32),
        value=V.ravel(),
    )


@dataclass
class _Org:
    units: pd.DataFrame
    dept_inst: np.ndarray  # institution index per department
    dept_weight: np.ndarray  # share of the institution's children per department
    inst_size: np.ndarray  # relative size per institution (mean 1)
    dept_grade: np.ndarray | None = None  # skole: grade per department (-1 = special)
    dept_letter: np.ndarray | None = None  # skole: parallel class index
    extra: dict[str, Any] = field(default_factory=dict)


def _as_str(df: pd.DataFrame) -> pd.DataFrame:
    return df.astype({c: "str" for c in df.columns})
