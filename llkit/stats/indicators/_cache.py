"""Memoising of indicator results per Dataset object, and replay of their warnings."""

from __future__ import annotations

import functools
import inspect
import warnings
import weakref
from collections.abc import Callable, Sequence
from typing import Any

_SCORES_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Results of the public indicator functions, per Dataset object (see :func:`_cached`).
_RESULTS_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: "Shown once" registries for warnings issued again from the cache, by file.
_REPLAY_REGISTRIES: dict[str, dict] = {}


def _freeze(x: Any) -> Any:
    """A hashable form of an argument (TypeError when there is none)."""
    if isinstance(x, list | tuple):
        return tuple(_freeze(v) for v in x)
    if isinstance(x, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in x.items()))
    if isinstance(x, set | frozenset):
        return frozenset(_freeze(v) for v in x)
    hash(x)  # TypeError for anything else unhashable (e.g. a DataFrame): not cached
    return x


def _copy_result(x: Any) -> Any:
    if hasattr(x, "copy") and callable(x.copy) and not isinstance(x, str | bytes):
        return x.copy()
    if isinstance(x, tuple):
        return tuple(_copy_result(v) for v in x)
    return x


def _replay(caught: Sequence[Any]) -> None:
    """Issue recorded warnings again, from their own source lines, each once (as the
    first call showed them)."""
    for w in caught:
        registry = _REPLAY_REGISTRIES.setdefault(w.filename, {})
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                               registry=registry)


def clear_cache() -> None:
    """Forget the cached scores and indicator results of every Dataset."""
    _SCORES_CACHE.clear()
    _RESULTS_CACHE.clear()
    _REPLAY_REGISTRIES.clear()


def _cached(func: Callable[..., Any]) -> Callable[..., Any]:
    """Memoise an indicator function per Dataset object and arguments.

    Reports ask for the same summaries many times (every section, plot and unit of a
    municipality); they are computed once per Dataset. Each call gets its own copy of
    the result, and the warnings of the first call are issued again. The key holds the
    metadata and the identity of every table, so a Dataset changed in place (another
    ``min_n``, a replaced table) is computed afresh.
    """
    sig = inspect.signature(func)

    @functools.wraps(func)
    def cached(ds: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = sig.bind(ds, *args, **kwargs)
            bound.apply_defaults()
            arguments = tuple((k, _freeze(v)) for k, v in bound.arguments.items()
                              if k != "ds")
            tables = tuple(getattr(ds, n, None) for n in _TABLE_ATTRS)
            key = (func.__name__, arguments, repr(ds.meta), tuple(map(id, tables)))
            store = _RESULTS_CACHE.setdefault(ds, {})
        except TypeError:  # unhashable argument, or not a weak-referenceable Dataset
            return func(ds, *args, **kwargs)
        hit = store.get(key)
        if hit is None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = func(ds, *args, **kwargs)
            # the tables are kept with the entry, so their ids cannot be reused
            hit = store[key] = (result, list(caught), tables)
        _replay(hit[1])
        return _copy_result(hit[0])

    cached.__wrapped_uncached__ = func  # type: ignore[attr-defined]
    return cached


_TABLE_ATTRS = ("units", "children", "measures", "items", "responses", "goals", "reference")
