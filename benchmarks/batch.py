"""Batch benchmark: ``llkit batch`` against the naive loop, on the sample with the real
institution report.

In one run, on the same institutions of ``data/sample/dagtilbud``:

(a) the naive loop: for one institution after another, the ``papermill`` CLI and then
    ``jupyter nbconvert --to html --no-input`` (the venv's ``bin/`` scripts);
(b) ``llkit batch --workers 2`` (warm kernels, the Dataset and its indicators cached per
    worker, HTML export in the worker).

It prints the wall and CPU seconds per report of both (CPU of every process involved,
kernels included), where the time of a report goes in (b) (getting a ready kernel,
executing the notebook — with its slowest cells — and exporting), and, last, the line
``ratio: X``: the throughput of (b) over (a). Target: ratio >= 5.

Run: ``.venv/bin/python benchmarks/batch.py [--n 16] [--workers 2]`` (about 3 minutes on
a quiet machine with the default 16 of the 25 institutions; ``--n 25`` for all of them).
Both sides pay fixed costs (b: starting the workers and their kernels, the first unit of
each worker), so the ratio grows with the number of institutions.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATA = ROOT / "data" / "sample" / "dagtilbud"
NOTEBOOK = ROOT / "notebooks" / "institution_report.ipynb"


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")


def naive(ids: list[str], out: Path) -> tuple[float, float]:
    out.mkdir(parents=True)
    wall, cpu = time.perf_counter(), children_cpu()
    for uid in ids:
        ipynb = out / f"{uid}.ipynb"
        run([str(BIN / "papermill"), str(NOTEBOOK), str(ipynb), "-r", "data", str(DATA),
             "-r", "institution", uid, "--no-progress-bar", "--cwd", str(out)])
        run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(ipynb),
             "--log-level", "ERROR"])
    return time.perf_counter() - wall, children_cpu() - cpu


def batch(ids: list[str], out: Path, workers: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), children_cpu()
    run([str(BIN / "llkit"), "batch", str(DATA), "--out", str(out), "--workers",
         str(workers), "--only", *ids, "-q"])
    return time.perf_counter() - wall, children_cpu() - cpu


def breakdown(out: Path) -> list[str]:
    """Where a report's time goes in (b): manifest timings and papermill's cell times."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    units = list(manifest["units"].values())
    keys = ("kernel", "execute", "export")
    lines = []
    cold = [u for u in units if not u["timings"].get("warm")]
    warm = [u for u in units if u["timings"].get("warm")]
    for label, group in (("first unit of a worker", cold), ("further units (warm)", warm)):
        if not group:
            continue
        avg = {k: sum(u["timings"].get(k, 0.0) for u in group) / len(group) for k in keys}
        lines.append(f"  {label} ({len(group)}): ready kernel {avg['kernel']:.2f} s, execute "
                     f"{avg['execute']:.2f} s, HTML export {avg['export']:.2f} s")
    cells: dict[str, list[float]] = defaultdict(list)
    for u in warm:
        nb = json.loads((out / u["outputs"]["ipynb"]).read_text(encoding="utf-8"))
        for c in nb["cells"]:
            if c["cell_type"] == "code":
                src = "".join(c["source"]).strip().splitlines()[0][:60]
                cells[src].append(c["metadata"].get("papermill", {}).get("duration") or 0.0)
    if cells:
        top = sorted(((sum(v) / len(v), k) for k, v in cells.items()), reverse=True)[:6]
        lines.append("  slowest cells of a warm unit: " + "; ".join(
            f"{k} {s:.2f} s" for s, k in top))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16, help="institutions (default 16 of 25)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not NOTEBOOK.is_file():
        sys.exit(f"no notebook at {NOTEBOOK}")
    import llkit

    with_ids = llkit.load(DATA).level_units("institution")["institution_id"].tolist()
    ids = with_ids[: args.n]
    subset = (f"{len(ids)} of {len(with_ids)} institutions (a subset, to keep the run "
              "under ~5 minutes)" if len(ids) < len(with_ids) else f"all {len(ids)} institutions")
    print(f"llkit batch benchmark: {DATA.relative_to(ROOT)}, {NOTEBOOK.name}, {subset}")
    tmp = Path(tempfile.mkdtemp(prefix="llkit-bench-"))
    try:
        wa, ca = naive(ids, tmp / "naive")
        n = len(ids)
        print(f"(a) naive loop (papermill CLI, then jupyter nbconvert CLI, one after another): "
              f"wall {wa:.1f} s = {wa / n:.2f} s/report, CPU {ca:.1f} s = {ca / n:.2f} s/report")
        wb, cb = batch(ids, tmp / "batch", args.workers)
        print(f"(b) llkit batch --workers {args.workers}: wall {wb:.1f} s = {wb / n:.2f} s/report, "
              f"CPU {cb:.1f} s = {cb / n:.2f} s/report")
        for line in breakdown(tmp / "batch"):
            print(line)
        print(f"ratio: {wa / wb:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
