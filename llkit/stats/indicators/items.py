"""Item-level indicators: Cronbach's alpha of each measure (:func:`reliability`), the
subjects × items matrix behind it and the reliability that :func:`change` uses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from llkit.stats import numeric as stats
from llkit.stats.indicators._cache import _cached
from llkit.stats.indicators._common import _measure_ids, _ordered_rounds, _rounds

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


@_cached
def reliability(
    ds: Dataset,
    measure: str | Sequence[str] | None = None,
    round: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    r"""Cronbach's alpha of each measure in this data, with the Feldt interval.

    Returns
    -------
    pandas.DataFrame
        ``measure_id``, ``round``, ``alpha``, ``ci_low``, ``ci_high``, ``n`` (subjects who
        answered every item), ``n_items``. Single-item measures have no alpha (NaN).

    Notes
    -----
    :math:`\alpha=\frac{k}{k-1}\bigl(1-\sum s_i^2/s_T^2\bigr)` on reverse-recoded items
    (Cronbach 1951); interval by Feldt (1965), as pingouin computes it.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> float(llkit.reliability(ds, "sprog", "T1")["alpha"].iloc[0]) > 0.5
    True
    """
    rows = []
    for m in _measure_ids(ds, measure):
        n_items_total = int((ds.items["measure_id"] == m).sum())
        for r in _rounds(ds, round):
            matrix = _items_matrix(ds, m, r)
            if matrix.shape[1] >= 2 and len(matrix) >= 2:
                a = stats.cronbach_alpha(matrix)
                rows.append({"measure_id": m, "round": r, "alpha": a.alpha, "ci_low": a.ci_low,
                             "ci_high": a.ci_high, "n": a.n, "n_items": a.k})
            else:
                rows.append({"measure_id": m, "round": r, "alpha": np.nan, "ci_low": np.nan,
                             "ci_high": np.nan, "n": int(matrix.dropna().shape[0]) if matrix.size else 0,
                             "n_items": n_items_total})
    out = pd.DataFrame(rows, columns=["measure_id", "round", "alpha", "ci_low", "ci_high", "n", "n_items"])
    return _ordered_rounds(ds, out)



def _items_matrix(ds: Dataset, measure: str, round: str) -> pd.DataFrame:
    """Subjects × items of one measure in one round, reverse items recoded."""
    info = ds.measures.set_index("measure_id").loc[measure]
    items = ds.items[ds.items["measure_id"] == measure]
    r = ds.responses
    r = r[(r["round"] == round) & r["item_id"].isin(items["item_id"])]
    id_col = {"child": "child_id", "respondent": "respondent_id"}.get(str(info["subject"]), "department_id")
    values = r["value"].to_numpy(dtype=float)
    rev = r["item_id"].astype(str).map(items.set_index("item_id")["reverse"]).fillna(False).to_numpy(dtype=bool)
    values = np.where(rev, info["scale_min"] + info["scale_max"] - values, values)
    frame = pd.DataFrame(
        {"subject": r[id_col].astype(str).to_numpy(), "item": r["item_id"].astype(str).to_numpy(), "v": values}
    )
    return frame.pivot_table(index="subject", columns="item", values="v", aggfunc="mean")


def _measure_reliability(ds: Dataset, measure: str, round: str) -> float:
    m = ds.measures.set_index("measure_id")
    if "reliability" in m.columns:
        value = pd.to_numeric(pd.Series([m.loc[measure, "reliability"]]), errors="coerce").iloc[0]
        if pd.notna(value):
            return float(value)
    matrix = _items_matrix(ds, measure, round)
    if matrix.shape[1] < 2:
        return float("nan")
    return float(stats.cronbach_alpha(matrix).alpha)
