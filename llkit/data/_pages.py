"""Ordinary memory pages for the large short-lived arrays of loading and scoring.

numpy asks the kernel for transparent huge pages (``madvise(MADV_HUGEPAGE)``) for every
large array. Where the kernel's THP ``defrag`` setting is ``madvise`` (the default on
Debian and Ubuntu), a page fault in such an array may stall while the kernel compacts
memory to find a free 2 MiB page. Loading a national dataset allocates and frees
gigabytes of short-lived arrays, and on a machine that has been up for a while these
stalls cost more than the huge pages save: ``benchmarks/national.py`` measured the load
step at 2.5 s with ordinary pages against 2.8-3.5 s with huge pages on the same machine.

:func:`ordinary_pages` switches numpy's request off for the duration of a call and
restores the previous setting afterwards; the setting is process-wide, so other threads
allocating meanwhile get ordinary pages too (which is only a matter of speed). Where
numpy does not offer the switch it does nothing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

__all__ = ["ordinary_pages"]

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_depth = 0
_before: bool | None = None


def _setter() -> Callable[[bool], bool] | None:
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    return getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)


@contextmanager
def _ordinary_pages() -> Iterator[None]:
    global _depth, _before
    setter = _setter()
    if setter is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _before = bool(setter(False))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _before is not None:
                setter(_before)
                _before = None


def ordinary_pages(func: F) -> F:
    """Decorator: run ``func`` with numpy's huge-page request switched off (see module).

    Nested and concurrent uses are counted: the setting is restored when the last one
    ends.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _ordinary_pages():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
