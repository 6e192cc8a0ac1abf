"""The per-group aggregation behind :func:`summarize`: n, mean, sd, t interval and the
shares of low / middle / high scores, by ``groupby`` or (categorical keys) by
``bincount`` over the keys' codes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from llkit.stats import numeric as stats


def _aggregate(s: pd.DataFrame, keys: list[str], keep: np.ndarray | None = None,
               ) -> pd.DataFrame:
    """n, mean, sd, t interval and category shares per group of ``keys``, over the rows
    of ``s`` picked by ``keep`` (all rows when None)."""
    if all(isinstance(s[k].dtype, pd.CategoricalDtype) for k in keys) and math.prod(
        len(s[k].cat.categories) + 1 for k in keys
    ) < 2**62:
        return _aggregate_codes(s, keys, keep)
    if keep is not None:
        s = s[keep]
    codes = np.asarray(s["category"].array.codes)  # categories: low, middle, high; -1 = none
    frame = pd.DataFrame({k: s[k] for k in keys})
    frame["score"] = s["score"].to_numpy()
    frame["_low"] = codes == 0
    frame["_mid"] = codes == 1
    frame["_high"] = codes == 2
    frame["_cat"] = codes >= 0
    g = frame.groupby(keys, observed=True, dropna=False, sort=False)
    out = g.agg(
        n=("score", "size"),
        mean=("score", "mean"),
        sd=("score", "std"),
        n_low=("_low", "sum"),
        n_mid=("_mid", "sum"),
        n_high=("_high", "sum"),
        n_cat=("_cat", "sum"),
    ).reset_index()
    return _finish_aggregate(out, keys)


def _aggregate_codes(s: pd.DataFrame, keys: list[str], keep: np.ndarray | None = None,
                     ) -> pd.DataFrame:
    """:func:`_aggregate` for categorical keys: one integer key from their codes.

    When the key space (the product of the numbers of categories) is not much larger
    than the rows, every statistic is one ``bincount`` over that space: groups come out
    in key order (by the keys' category codes), the mean is sum / count and the sd the
    two-pass formula (deviations from the group mean), which agree with pandas' group
    aggregations to rounding. A larger key space is factorised first (groups in order of
    first appearance, as ``groupby(sort=False)`` gives them) and counted the same way
    over the group numbers.
    """
    n_rows = len(s)
    codes = np.asarray(s["category"].array.codes)  # low, middle, high; -1 = none
    score = s["score"].to_numpy()
    sizes = [len(s[k].cat.categories) + 1 for k in keys]  # code -1 (missing) becomes 0
    space = math.prod(sizes)
    key = np.zeros(n_rows, dtype=np.int64)
    for k, size in zip(keys, sizes, strict=True):
        key *= size
        key += s[k].array.codes
        key += 1
    width = max(len(s["category"].cat.categories), 3) + 1  # column 0: no category
    dense = space <= max(4 * n_rows, 1 << 22)
    if dense:
        # rows left out go to one extra key past the end
        if keep is not None:
            key[~keep] = space
        size_all = np.bincount(key, minlength=space + 1)[:space]
        present = np.flatnonzero(size_all)
        k_groups = len(present)
        uniques = present
        # group number of every row (the extra key: group k_groups, dropped below)
        number = np.full(space + 1, k_groups, dtype=np.int64)
        number[present] = np.arange(k_groups)
        ids = number[key]
        del key, number
        n = size_all[present]
    else:
        if keep is not None:
            key = key[keep]
            score = score[keep]
            codes = codes[keep]
        ids, uniques = pd.factorize(key)
        del key
        k_groups = len(uniques)
        n = np.bincount(ids, minlength=k_groups)
    n_bins = k_groups + 1  # the last bin takes the rows left out (dense)
    # mean and sd over the non-missing scores (as pandas' group mean and std)
    valid = ~np.isnan(score)
    # rows left out (missing scores among them) are in the extra bin
    all_valid = bool(valid.all()) if keep is None or not dense else not (keep & ~valid).any()
    x = score if all_valid else np.where(valid, score, 0.0)
    n_valid = n if all_valid else np.bincount(ids[valid], minlength=n_bins)[:k_groups]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(ids, weights=x, minlength=n_bins)[:k_groups] / n_valid
        centred = score - np.append(mean, np.nan)[ids]
        if not all_valid:
            centred[~valid] = 0.0
        centred *= centred
        ss = np.bincount(ids, weights=centred, minlength=n_bins)[:k_groups]
        sd = np.where(n_valid > 1, np.sqrt(ss / (n_valid - 1)), np.nan)
    del centred, x
    mean = np.where(n_valid > 0, mean, np.nan)
    # counts per group and category in one pass
    cat_key = ids * width
    cat_key += codes
    cat_key += 1
    counts = np.bincount(cat_key, minlength=width * n_bins)[:width * k_groups]
    counts = counts.reshape(k_groups, width)
    del cat_key, ids
    out = pd.DataFrame(index=pd.RangeIndex(k_groups))
    rest = np.asarray(uniques, dtype=np.int64)
    key_codes = {}
    for k, size in zip(reversed(keys), reversed(sizes), strict=True):
        rest, code = np.divmod(rest, size)
        key_codes[k] = code - 1
    for k in keys:
        out[k] = pd.Categorical.from_codes(key_codes[k], dtype=s[k].dtype)
    out["n"] = n
    out["mean"] = mean
    out["sd"] = sd
    out["n_low"], out["n_mid"], out["n_high"] = counts[:, 1], counts[:, 2], counts[:, 3]
    out["n_cat"] = counts[:, 1:].sum(axis=1)  # every code >= 0, as in the general path
    return _finish_aggregate(out, keys)


def _finish_aggregate(out: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    n = out["n"].to_numpy()
    out["ci_low"], out["ci_high"] = stats.t_interval(n, out["mean"].to_numpy(), out["sd"].to_numpy())
    n_cat = out["n_cat"].to_numpy().astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = lambda k: np.where(n_cat > 0, out[k].to_numpy() / n_cat, np.nan)  # noqa: E731
        out["share_low"] = share("n_low")
        lo, hi = stats.wilson_interval(out["n_low"].to_numpy(), n_cat)
        out["share_low_ci_low"], out["share_low_ci_high"] = lo, hi
        out["share_middle"] = share("n_mid")
        out["share_high"] = share("n_high")
    out["n"] = out["n"].astype("int64")
    cols = [*keys, "n", "mean", "sd", "ci_low", "ci_high", "share_low", "share_low_ci_low",
            "share_low_ci_high", "share_middle", "share_high"]
    return out[cols]
