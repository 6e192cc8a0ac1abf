"""Export benchmark: what the Excel workbooks cost, on ``data/sample/dagtilbud``.

Prints the seconds of (a) the tables of the first report's workbook (every indicator
table computed, as in a fresh ``llkit batch``), (b) each further report's workbook with
the tables cached (what ``llkit batch`` adds per unit), (c) the workbook of all units
(``llkit export``, ``tal.xlsx``) and its size, and last the line ``ratio: X``: the time of
one further report's workbook over the time of the first. No timed assertion: compare
the figures across a change.

Run: ``.venv/bin/python benchmarks/export.py [--n 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5, help="further reports to time (default 5)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    import llkit
    from llkit.apps.export import batch_workbooks

    ds = llkit.load(ROOT / "data" / "sample" / "dagtilbud")
    make = batch_workbooks(ds, "institution")
    ids = ds.level_units("institution")["institution_id"].astype(str).tolist()
    t0 = time.perf_counter()
    make(ids[0])
    first = time.perf_counter() - t0
    more = []
    for uid in ids[1:1 + args.n]:
        t0 = time.perf_counter()
        make(uid)
        more.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    book = make(None)
    whole = time.perf_counter() - t0
    per = statistics.median(more) if more else float("nan")
    print(f"first report's workbook (tables computed): {first:.2f} s")
    print(f"further report's workbook (median of {len(more)}): {per:.2f} s")
    print(f"workbook of all {len(ids)} institutions: {whole:.2f} s, {len(book) / 1024:.0f} KiB")
    print(f"ratio: {per / first:.3f}")


if __name__ == "__main__":
    main()
