"""Render every notebook on both samples to HTML, for before/after comparisons.

A refactoring that must not change behaviour (issue 17) is checked by rendering
every report, e-learning chapter and seminar notebook on both committed samples
before and after, and comparing the HTML byte for byte::

    python scripts/render_all.py build/render-before
    ... change the code ...
    python scripts/render_all.py build/render-after
    python scripts/render_all.py --compare build/render-before build/render-after

The runs are the ones a user makes: papermill through :func:`llkit.apps.report.render`,
with the samples' first units as parameters.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SAMPLES = {
    "dagtilbud": {"institutions": ["I01", "I13"], "cluster": "Klynge Nord 1"},
    "skole": {"institutions": ["S01", "S02"], "cluster": "Klynge Nord 1"},
}


def jobs() -> list[tuple[str, str, dict]]:
    """(output name, notebook path, parameters) for every run."""
    out = []
    for sector, units in SAMPLES.items():
        data = str(ROOT / "data" / "sample" / sector)
        first = units["institutions"][0]
        for inst in units["institutions"]:
            out.append((f"{sector}-report-{inst}", "notebooks/institution_report.ipynb",
                        {"data": data, "institution": inst}))
        out.append((f"{sector}-overview", "notebooks/municipality_overview.ipynb", {"data": data}))
        out.append((f"{sector}-cluster", "notebooks/cluster_dialogue.ipynb",
                    {"data": data, "cluster": units["cluster"]}))
        for nb in ("dashboard", "action_plan"):
            out.append((f"{sector}-{nb}", f"notebooks/{nb}.ipynb", {"data": data, "institution": first}))
        for nb in sorted((ROOT / "notebooks" / "elearning").glob("*.ipynb")):
            out.append((f"{sector}-{nb.stem}", str(nb.relative_to(ROOT)),
                        {"data": data, "institution": first}))
        for kind in ("solutions", "learner"):
            for nb in sorted((ROOT / "exercises" / kind).glob("*.ipynb")):
                out.append((f"{sector}-{kind}-{nb.stem}", str(nb.relative_to(ROOT)),
                            {"data": data, "institution": first}))
    return out


def _run(job: tuple[str, str, dict], out_dir: str) -> tuple[str, str]:
    from llkit.apps.report import render

    name, nb, params = job
    try:
        render(ROOT / nb, params, out_dir, name=name, timeout=900)
        return name, "ok"
    except Exception as exc:  # noqa: BLE001 - a failed run is a result here
        (Path(out_dir) / f"{name}.error.txt").write_text(f"{type(exc).__name__}: {exc}\n")
        return name, f"failed: {type(exc).__name__}"


def _digest(path: Path) -> str:
    """Hash of the page with the checkout's own path (shown in a few messages) taken out."""
    body = path.read_bytes()
    found = re.search(rb"(/[^\s\"'<>()]*?)/data/sample/", body)
    if found:
        body = body.replace(found.group(1), b"<root>")
    return hashlib.sha256(body).hexdigest()


def compare(a: Path, b: Path, only: str = "*") -> int:
    names = sorted(n for n in {p.name for p in a.glob("*.html")} | {p.name for p in b.glob("*.html")}
                   if fnmatch.fnmatch(n, only + ".html"))
    same = [n for n in names if (a / n).exists() and (b / n).exists() and _digest(a / n) == _digest(b / n)]
    differ = [n for n in names if n not in same]
    print(f"{len(same)} of {len(names)} HTML files byte-identical")
    for n in differ:
        print(f"  differs or missing: {n}")
    return 0 if not differ else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="+", help="output folder, or two folders with --compare")
    ap.add_argument("--compare", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="*", metavar="GLOB",
                    help="only the runs whose name matches, e.g. '*-0[1-4]_*' or 'skole-*'")
    args = ap.parse_args(argv)
    if args.compare:
        return compare(Path(args.out[0]), Path(args.out[1]), args.only)
    out_dir = Path(args.out[0]).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    todo = [j for j in jobs() if fnmatch.fnmatch(j[0], args.only)]
    with ProcessPoolExecutor(args.workers) as pool:
        for name, status in pool.map(_run, todo, [str(out_dir)] * len(todo)):
            print(f"{status:>8}  {name}", flush=True)
    failed = list(out_dir.glob("*.error.txt"))
    print(f"{len(todo) - len(failed)} of {len(todo)} rendered into {out_dir}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
