"""Code run inside a warm kernel: the snapshot taken when it starts, the reset before each
further unit (so a report is the same as from a fresh kernel), and the cache that makes
:func:`llkit.load` return the same Dataset while its files are unchanged.

The kernel calls these as ``llkit.apps.batch._kernel_snapshot(...)`` and
``llkit.apps.batch._kernel_reset()`` (see :class:`llkit.apps.batch.kernels._Kernel`)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

_KERNEL_STATE: dict[str, Any] = {}   # used inside the kernel process


def _kernel_snapshot(imports: Sequence[str] = (), preload: str | None = None) -> None:
    """(In the kernel.) Cache :func:`llkit.load`, import what the notebook imports, load
    the dataset ``preload`` with its scores, and remember the resulting global state
    (restored before each further unit)."""
    import importlib

    _install_load_cache()
    for name in imports:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    if preload:
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # recorded by the cache, shown to the notebook
            import llkit.data.dataset
            import llkit.stats.indicators

            llkit.stats.indicators.scores(llkit.data.dataset.load(preload))
    import matplotlib

    with contextlib.suppress(ImportError):
        import matplotlib.pyplot  # noqa: F401  - activates the inline backend as a notebook would
    rc = dict(matplotlib.rcParams.copy())
    rc.pop("backend", None)
    _KERNEL_STATE.update(
        rc=rc, filters=list(warnings.filters), cwd=os.getcwd(), path=list(sys.path),
        env=dict(os.environ),
    )


def _kernel_reset() -> None:
    """(In the kernel.) Give the next notebook the state of a fresh kernel."""
    from IPython import get_ipython

    ip = get_ipython()
    if ip is not None:
        ip.reset(new_session=True)   # user namespace, Out/_ and execution count 1
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib
        import matplotlib.pyplot as plt

        plt.close("all")
        update = getattr(matplotlib.rcParams, "_update_raw", None)   # no validation
        if update is not None:
            update(_KERNEL_STATE["rc"])
        else:  # pragma: no cover - older matplotlib
            dict.update(matplotlib.rcParams, _KERNEL_STATE["rc"])
    warnings.filters[:] = _KERNEL_STATE["filters"]
    with contextlib.suppress(AttributeError):
        warnings._filters_mutated()  # forget "shown once" registries
    _REPLAY_REGISTRIES.clear()
    if "llkit.stats.indicators" in sys.modules:
        # indicator results stay cached per Dataset (llkit.stats.indicators); their warnings
        # are shown again once per unit, as a fresh kernel would show them
        sys.modules["llkit.stats.indicators"]._REPLAY_REGISTRIES.clear()
    if "pandas" in sys.modules:
        import pandas as pd

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.reset_option("all")
    os.chdir(_KERNEL_STATE["cwd"])
    sys.path[:] = _KERNEL_STATE["path"]
    env = _KERNEL_STATE["env"]
    for k in [k for k in os.environ if k not in env]:
        del os.environ[k]
    os.environ.update(env)


def _data_key(path: Any, validate: bool) -> tuple | None:
    try:
        p = Path(path).resolve()
        files = sorted(p.iterdir()) if p.is_dir() else [p]
        stats = tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns)
                      for f in files if f.is_file())
    except (OSError, TypeError):
        return None
    return (str(p), stats, bool(validate))


def _install_load_cache() -> None:
    """(In the kernel.) Make :func:`llkit.load` return the same Dataset while its files
    are unchanged, so the indicators that ``llkit.documents`` and ``llkit.stats.indicators``
    cache per Dataset object (municipality figures, funnels, variance components …) are
    computed once per worker instead of once per report. The warnings of the first load
    are shown again on every call, as a fresh kernel would show them. Before each reuse
    the Dataset is checked against a fingerprint of its content; if a notebook changed
    it, it is loaded afresh."""
    import functools

    import llkit
    import llkit.data.dataset as dsmod

    original = dsmod.load
    if getattr(original, "_llkit_batch_cached", False):
        return
    cache: dict[tuple, tuple[Any, list, str]] = {}
    here = __file__

    @functools.wraps(original)
    def load(path: Any, *, validate: bool = True) -> Any:
        key = _data_key(path, validate)
        if key is None:
            return original(path, validate=validate)
        hit = cache.get(key)
        if hit is not None and _fingerprint(hit[0]) != hit[2]:
            hit = None   # changed in place by a notebook: never hand it on
        if hit is None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                ds = original(path, validate=validate)
            cache.clear()
            hit = cache[key] = (ds, list(caught), _fingerprint(ds))
        ds, caught, _ = hit
        for w in caught:
            if w.filename == here:   # issued for load's caller (stacklevel=2)
                warnings.warn(w.message, w.category, stacklevel=2)
            else:
                _replay([w])
        return ds

    load._llkit_batch_cached = True  # type: ignore[attr-defined]
    dsmod.load = load
    llkit.load = load  # type: ignore[attr-defined]


_REPLAY_REGISTRIES: dict[str, dict] = {}


def _replay(caught: Iterable[Any]) -> None:
    """Issue recorded warnings again, from their own source lines, each once per unit
    (as a fresh kernel would show them)."""
    for w in caught:
        registry = _REPLAY_REGISTRIES.setdefault(w.filename, {})
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                               registry=registry)


def _fingerprint(ds: Any) -> str:
    """A cheap digest of a Dataset's content and attributes (tables hashed by pandas)."""
    import pandas as pd

    h = hashlib.sha256(repr(ds.meta).encode())
    for name, value in sorted(vars(ds).items()):
        h.update(f"{name}:{id(value)}:{type(value).__name__}".encode())
        if isinstance(value, pd.DataFrame):
            h.update(repr((list(value.columns), [str(d) for d in value.dtypes])).encode())
            h.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    return h.hexdigest()
