"""Capacity of a seminar room: how many kernels a server keeps ready, what that costs,
and what a viewer sees when no kernel is free.

``llkit serve DATA --viewers 30`` plans ahead (:func:`plan`): the dashboard needs no kernel
per viewer (it is pre-rendered, :mod:`~llkit.apps.serve.static`), each served e-learning
chapter keeps one preheated kernel per expected viewer (only with ``--legacy``: otherwise
the chapters are pre-rendered too, :mod:`~llkit.apps.serve.chapters`), and the server says at start-up
how much memory that takes and about how long warming will take, and refuses (exit 2)
what the machine cannot hold. While it runs, a page that would need a kernel beyond
``--max-kernels`` gets a Danish page that says so and tries again by itself
(:func:`busy_page`), instead of a page that waits for ever.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

#: Resident memory of one kernel that has imported llkit and loaded the data (measured:
#: 300–330 MB on the sample municipality with Python 3.11).
KERNEL_MB = 330
#: One render worker of the pre-rendered dashboard (the same imports and data).
WORKER_MB = 330
#: The server process itself.
SERVER_MB = 150
#: CPU seconds a kernel needs to start and run up to the viewer (measured: about 6 s).
KERNEL_CPU_SECONDS = 6.0
#: Share of the available memory a plan may use.
MEMORY_SHARE = 0.85


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a server keeps ready.

    Attributes
    ----------
    pools : dict
        Served notebook (relative path) -> preheated kernels kept ready.
    workers : int
        Render workers of the pre-rendered dashboard (0 when it is not served or
        ``--legacy``).
    max_kernels : int
        Kernels the server may run at once (pools included); a page that would need one
        more gets :func:`busy_page`.
    memory_mb : int
        Memory the plan needs when every pool is full (MB).
    available_mb : int
        Memory available on this machine at start-up (MB).
    warm_seconds : float
        About how long warming takes (CPU seconds spread over the cores).
    """

    pools: dict[str, int]
    workers: int
    max_kernels: int
    memory_mb: int
    available_mb: int
    warm_seconds: float

    @property
    def kernels(self) -> int:
        return sum(self.pools.values())

    def describe(self) -> list[str]:
        """The lines printed at start-up."""
        lines = []
        chapters = {k: v for k, v in self.pools.items() if k != "dashboard.ipynb"}
        if self.workers and "dashboard.ipynb" in self.pools and not self.pools["dashboard.ipynb"]:
            lines.append(f"dashboard: pre-rendered by {self.workers} render worker(s), no kernel per viewer")
        if chapters and not any(chapters.values()) and self.workers:
            lines.append(f"e-learning: {len(chapters)} chapter(s) pre-rendered by the render worker(s), "
                         "answers checked by the server, no kernel per viewer")
        elif chapters:
            sizes = sorted(set(chapters.values()))
            each = f"{sizes[0]}" if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]}"
            lines.append(f"e-learning: {len(chapters)} chapter(s), {each} preheated kernel(s) each")
        lines.append(f"memory: about {self.memory_mb / 1024:.1f} GB for {self.kernels} kernel(s)"
                     f"{f' and {self.workers} worker(s)' if self.workers else ''} "
                     f"({self.available_mb / 1024:.1f} GB available); at most {self.max_kernels} kernel(s) at once")
        lines.append(f"warming: about {self.warm_seconds:.0f} s")
        return lines


def available_mb() -> int:
    """Memory available for new processes (MB), from psutil."""
    import psutil

    return int(psutil.virtual_memory().available / 2**20)


def plan(served: Sequence[str], *, viewers: int | None, pool_size: int, chapter_pool_size: int,
         static_dashboard: bool, static_chapters: bool = False, max_kernels: int | None = None,
         workers: int = 2, available: int | None = None, cores: int | None = None) -> Plan:
    """Size the pools for the served notebooks and check that the machine can hold them.

    Parameters
    ----------
    served : list of str
        The served notebooks, relative paths (``dashboard.ipynb``, ``elearning/…``).
    viewers : int, optional
        Viewers expected at the same moment: each served chapter keeps this many kernels
        ready (otherwise ``chapter_pool_size``).
    pool_size, chapter_pool_size : int
        Preheated kernels for a kernel dashboard (``--legacy``) and per chapter.
    static_dashboard : bool
        The dashboard is pre-rendered (no kernels) rather than run in kernels.
    static_chapters : bool
        The e-learning chapters are pre-rendered and their answers checked by the server
        (:mod:`~llkit.apps.serve.chapters`: no kernels) rather than run in kernels.
    max_kernels : int, optional
        A cap on the kernels at once (default: what the memory holds).

    Raises
    ------
    ValueError
        The plan needs more memory than the machine has available, or ``max_kernels`` is
        smaller than the pools (the message says what to change).

    Examples
    --------
    >>> p = plan(["dashboard.ipynb", "elearning/03_x.ipynb"], viewers=10, pool_size=2,
    ...          chapter_pool_size=1, static_dashboard=True, available=16000, cores=2)
    >>> p.pools, p.workers, p.kernels
    ({'dashboard.ipynb': 0, 'elearning/03_x.ipynb': 10}, 2, 10)
    """
    available = available_mb() if available is None else int(available)
    cores = cores or os.cpu_count() or 1
    per_chapter = int(viewers) if viewers is not None else int(chapter_pool_size)
    pools = {}
    for rel in served:
        if rel == "dashboard.ipynb":
            pools[rel] = 0 if static_dashboard else int(pool_size)
        else:
            pools[rel] = 0 if static_chapters else per_chapter
    drawn = (static_dashboard and "dashboard.ipynb" in served) or (
        static_chapters and any(r != "dashboard.ipynb" for r in served))
    workers = workers if drawn else 0
    kernels = sum(pools.values())
    memory = SERVER_MB + kernels * KERNEL_MB + workers * WORKER_MB
    budget = int(available * MEMORY_SHARE)
    if memory > budget:
        chapters = sum(1 for r in served if r != "dashboard.ipynb")
        raise ValueError(
            f"this machine cannot hold the plan: {kernels} preheated kernel(s) "
            f"({chapters} chapter(s) × {per_chapter}) need about {memory / 1024:.1f} GB, "
            f"{available / 1024:.1f} GB is available; serve fewer chapters at once "
            "(--chapters 3), expect fewer viewers (--viewers) or use a machine with more memory")
    room = max((budget - SERVER_MB - workers * WORKER_MB) // KERNEL_MB, 0)
    cap = int(max_kernels) if max_kernels is not None else max(int(room), kernels)
    if cap < kernels:
        raise ValueError(f"--max-kernels {cap} is smaller than the {kernels} preheated kernel(s) "
                         "of the pools; raise it or lower --viewers")
    warm = (kernels + workers) * KERNEL_CPU_SECONDS / cores
    return Plan(pools, workers, cap, int(memory), int(available), float(warm))


#: The Danish text of :func:`busy_page`.
BUSY_TEXT = ("Der er ingen ledig plads lige nu: alle visninger på serveren er i brug. Siden "
             "prøver selv igen om få sekunder – I skal ikke gøre noget.")


#: The Danish text of :func:`busy_page` while a pre-rendered view is still being drawn.
PREPARING_TEXT = ("Jeres side bliver gjort klar lige nu – der er mange, der åbner den på samme tid. "
                  "Siden kommer af sig selv om få sekunder – I skal ikke gøre noget.")


def busy_page(retry_seconds: int = 5, text: str = BUSY_TEXT) -> str:
    """The page a viewer gets when no kernel is free (or, with :data:`PREPARING_TEXT`,
    while the view is still being drawn): Danish, no data, and it reloads itself every
    ``retry_seconds`` seconds until the view is there.

    Examples
    --------
    >>> "ingen ledig plads" in busy_page()
    True
    """
    ms = int(retry_seconds * 1000)
    return (
        "<!DOCTYPE html><html lang='da'><head><meta charset='utf-8'><title>Vent et øjeblik</title>"
        "</head><body><div class='llkit-busy' role='status' style='border-left:6px solid #8a6d00;"
        "background:#fff7dc;padding:14px 18px;margin:24px;font:16px \"DejaVu Sans\",Arial,sans-serif;"
        "max-width:760px'><h2 style='margin-top:0'>Vent et øjeblik</h2>"
        f"<p>{text}</p><p class='llkit-busy-count'>Forsøg <span id='llkit-try'>1</span></p></div>"
        "<script>(function(){var u=new URL(location.href),n=+(u.searchParams.get('llkit_try')||1);"
        "document.getElementById('llkit-try').textContent=n;"
        f"setTimeout(function(){{u.searchParams.set('llkit_try',n+1);location.replace(u.toString());}},{ms});"
        "})()</script></body></html>"
    )
