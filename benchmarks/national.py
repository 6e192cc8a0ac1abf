"""National-size benchmark: llkit against one DuckDB SQL query over the same Parquet files.

Generates (once, cached in ``benchmarks/.cache/national``) a synthetic country: about
4,000 daycare institutions, 250,000 children and 3 rounds, as Parquet. Then, in one run,
each side in its own fresh process (so peak memory is its own):

(a) llkit: ``llkit.load`` (with validation) + ``llkit.scores`` + ``llkit.summarize`` of
    every measure for every institution and round;
(b) DuckDB: the same aggregation (recode reverse items, item means per subject with
    ``min_items``, then n / mean / sd / share low per measure, institution and round) as one
    SQL query.

It checks that both give the same n, means, sds and shares of low scores, and prints
both times, the ratio a/b and the peak memory of each. Targets: ratio <= 3, llkit peak
memory <= 8 GiB.

Run: ``.venv/bin/python benchmarks/national.py`` (first run generates the data: a few
minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "national"

SQL = """
WITH resp AS (
    SELECT r.round::VARCHAR AS round, r.item_id::VARCHAR AS item_id,
           r.department_id::VARCHAR AS department_id, r.child_id::VARCHAR AS child_id,
           r.respondent_id::VARCHAR AS respondent_id, r.value
    FROM read_parquet('{d}/responses.parquet') r
),
scored AS (
    SELECT resp.round, i.measure_id,
           CASE m.subject WHEN 'child' THEN resp.child_id
                          WHEN 'respondent' THEN resp.respondent_id
                          ELSE resp.department_id END AS subject_id,
           any_value(resp.department_id) AS department_id,
           avg(CASE WHEN i.reverse THEN m.scale_min + m.scale_max - resp.value ELSE resp.value END) AS score,
           count(resp.value) AS n_items,
           any_value(m.min_items) AS min_items,
           any_value(m.low_cut) AS low_cut,
           any_value(m.higher_is_better) AS hib
    FROM resp
    JOIN read_parquet('{d}/items.parquet') i ON i.item_id = resp.item_id
    JOIN read_parquet('{d}/measures.parquet') m ON m.measure_id = i.measure_id
    GROUP BY ALL
)
SELECT s.measure_id, u.institution_id, s.round,
       count(*) AS n, avg(score) AS mean, stddev_samp(score) AS sd,
       avg(CASE WHEN low_cut IS NULL THEN NULL
                WHEN (hib AND score < low_cut) OR (NOT hib AND score > low_cut) THEN 1.0
                ELSE 0.0 END) AS share_low
FROM scored s
JOIN read_parquet('{d}/units.parquet') u ON u.department_id = s.department_id
WHERE s.n_items >= greatest(s.min_items, 1)
GROUP BY ALL
"""


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def side_llkit(data: Path, out: Path) -> dict:
    t0 = time.perf_counter()
    import llkit

    ds = llkit.load(data)
    t1 = time.perf_counter()
    llkit.scores(ds)
    t2 = time.perf_counter()
    table = llkit.summarize(ds, None, by="institution")
    t3 = time.perf_counter()
    table[["measure_id", "institution_id", "round", "n", "mean", "sd", "share_low"]].astype(
        {"round": str}
    ).to_parquet(out)
    return {"seconds": t3 - t0, "load": t1 - t0, "scores": t2 - t1, "summarize": t3 - t2,
            "rows": len(table), "peak_mib": peak_mib(),
            "responses": len(ds.responses), "children": len(ds.children)}


def side_duckdb(data: Path, out: Path) -> dict:
    t0 = time.perf_counter()
    import duckdb

    con = duckdb.connect()
    table = con.execute(SQL.format(d=data.as_posix())).df()
    t1 = time.perf_counter()
    table[["measure_id", "institution_id", "round", "n", "mean", "sd", "share_low"]].to_parquet(out)
    return {"seconds": t1 - t0, "rows": len(table), "peak_mib": peak_mib(),
            "threads": con.execute("select current_setting('threads')").fetchone()[0]}


def ensure_data() -> Path:
    if (CACHE / "responses.parquet").exists():
        return CACHE
    print(f"Generating the national dataset in {CACHE} (once; a few minutes) ...", flush=True)
    from llkit.data.sample import generate

    t0 = time.perf_counter()
    generate("dagtilbud", CACHE, national=True, format="parquet", seed=1, overwrite=True)
    print(f"  generated in {time.perf_counter() - t0:.0f} s, peak {peak_mib():.0f} MiB", flush=True)
    return CACHE


def run_side(name: str, data: Path, out: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--side", name, "--data", str(data), "--out", str(out)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{name} side failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", choices=["llkit", "duckdb"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.side:
        func = side_llkit if args.side == "llkit" else side_duckdb
        print(json.dumps(func(args.data, args.out)))
        return

    import pandas as pd

    data = ensure_data()
    a_out, b_out = HERE / ".cache" / "a.parquet", HERE / ".cache" / "b.parquet"
    load_before = os.getloadavg()
    a = run_side("llkit", data, a_out)
    b = run_side("duckdb", data, b_out)
    load_after = os.getloadavg()
    # same numbers?
    ta, tb = pd.read_parquet(a_out), pd.read_parquet(b_out)
    keys = ["measure_id", "institution_id", "round"]
    ta = ta.astype({k: str for k in keys})
    tb = tb.astype({k: str for k in keys})
    m = ta.merge(tb, on=keys, suffixes=("_a", "_b"), how="outer", indicator=True)
    same_rows = (m["_merge"] == "both").all()
    max_dn = float((m["n_a"] - m["n_b"]).abs().max())
    shown = m["mean_a"].notna()
    max_d = {c: float((m.loc[shown, f"{c}_a"] - m.loc[shown, f"{c}_b"]).abs().max())
             for c in ("mean", "sd", "share_low")}

    print("load average (1, 5, 15 min) before: " + ", ".join(f"{x:.2f}" for x in load_before)
          + "; after: " + ", ".join(f"{x:.2f}" for x in load_after)
          + f" ({os.cpu_count()} CPUs; a shared machine makes the times noisy)")
    print(f"data: {a['responses']:,} responses, {a['children']:,} children, {a['rows']:,} result rows")
    print(f"(a) llkit  load+scores+summarize: {a['seconds']:.2f} s "
          f"(load {a['load']:.2f}, scores {a['scores']:.2f}, summarize {a['summarize']:.2f}); "
          f"peak {a['peak_mib']:.0f} MiB")
    print(f"(b) duckdb one SQL query:         {b['seconds']:.2f} s ({b['threads']} threads); "
          f"peak {b['peak_mib']:.0f} MiB")
    print(f"agreement: same rows {same_rows}, max |n diff| {max_dn:g}; unsuppressed rows: "
          + ", ".join(f"max |{c} diff| {d:.2e}" for c, d in max_d.items()))
    ratio = a["seconds"] / b["seconds"]
    print(f"targets: ratio <= 3 -> {'met' if ratio <= 3 else 'NOT met'}; "
          f"peak <= 8 GiB -> {'met' if a['peak_mib'] <= 8192 else 'NOT met'}")
    print(f"ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
