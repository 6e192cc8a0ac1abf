"""A per-Dataset memo: results computed once per :class:`~llkit.data.dataset.Dataset`
object and dropped with it (a weak-key dictionary), shared by every document and view.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover

    from llkit.data.dataset import Dataset

__all__ = [
    "cached",
]


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
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
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
