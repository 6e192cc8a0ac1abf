"""Running a batch on this machine: a process pool whose workers keep their kernels warm
(started early, while the client loads the data) and that is replaced once if a worker
process dies."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from llkit.apps.batch.worker import _failed_result, _noop, _pool_task, _worker_init

if TYPE_CHECKING:  # pragma: no cover
    from llkit.apps.batch.manifest import UnitResult
    from llkit.apps.batch.runner import _Plan


class _LocalPool:
    """A process pool whose workers keep their kernels warm; can be started early."""

    def __init__(self, workers: int, warm: Mapping[str, Any] | None):
        self.workers = workers
        self.warm = dict(warm) if warm else None
        self.ex: Any = None

    def start(self, n: int) -> None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if self.ex is not None:
            return
        n = max(1, min(self.workers, n))
        self.ex = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"),
                                      initializer=_worker_init, initargs=(self.warm,))
        for _ in range(n):   # spawn the workers now (the pool does it on submit)
            self.ex.submit(_noop)

    def kill(self) -> None:
        """Stop at once: SIGTERM makes each worker stop its kernel and exit."""
        if self.ex is None:
            return
        for proc in list(getattr(self.ex, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
        self.ex.shutdown(wait=False, cancel_futures=True)
        self.ex = None

    def close(self) -> None:
        if self.ex is not None:
            self.ex.shutdown(wait=True)
            self.ex = None

    def run(self, todo: list[_Plan],
            on_result: Callable[[_Plan, Mapping[str, Any]], UnitResult], bar: Any) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        pending = list(todo)
        restarts = 0
        while pending:
            self.start(len(pending))
            futures = {self.ex.submit(_pool_task, p.task): p for p in pending}
            broken: list[_Plan] = []
            not_done = set(futures)
            while not_done:
                done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                for f in done:
                    p = futures[f]
                    try:
                        res = f.result()
                    except BrokenProcessPool:
                        broken.append(p)
                        continue
                    except Exception as exc:  # noqa: BLE001 - recorded per unit
                        res = _failed_result(p.task, f"{type(exc).__name__}: {exc}", "error")
                    r = on_result(p, res)
                    bar.update(1)
                    bar.set_postfix_str(f"{r.id}: {r.status}")
            pending = broken
            if pending:   # a worker process died: a new pool, once
                self.kill()
                restarts += 1
                if restarts > 1:
                    for p in pending:
                        on_result(p, _failed_result(
                            p.task, "the worker process died (twice)", "worker_died"))
                        bar.update(1)
                    return


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
