"""``llkit notebooks``: editable copies of the notebooks that ship with llkit.

A municipality that wants its own version of a report copies it, edits the copy and
runs it with ``llkit batch DATA --notebook DIR/institution_report.ipynb``; a
participant copies the e-learning chapters or the seminar exercises to work in them in
JupyterLab. The shipped notebooks (:mod:`llkit.bundled`) are never changed, and a copy
never overwrites a file without ``force``: either every file is written or none.

Examples
--------
>>> import tempfile
>>> out = copy_notebooks(tempfile.mkdtemp(), elearning=True)
>>> sorted(p.name for p in out)[:2]
['01_datainformeret_laeringsledelse.ipynb', '02_gennemsnit_og_fordelinger.ipynb']
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from llkit import bundled
from llkit._atomic import atomic_write

__all__ = ["copy_plan", "copy_notebooks", "add_notebooks_command"]


def copy_plan(dest: str | Path, *, elearning: bool = False,
              exercises: str | None = None) -> list[tuple[Path, Path]]:
    """(shipped notebook, target) pairs: the reports in ``dest``, the chapters in
    ``dest/elearning``, the exercises of one version in ``dest/exercises/<version>``."""
    dest = Path(dest)
    pairs = [(p, dest / p.name) for p in bundled.reports()]
    if elearning:
        pairs += [(p, dest / "elearning" / p.name) for p in bundled.elearning()]
    if exercises is not None:
        pairs += [(p, dest / "exercises" / exercises / p.name) for p in bundled.exercises(exercises)]
    return pairs


def copy_notebooks(dest: str | Path, *, elearning: bool = False, exercises: str | None = None,
                   force: bool = False) -> list[Path]:
    """Copy the shipped notebooks to ``dest`` (created if missing); returns the written files.

    Raises
    ------
    FileExistsError
        A target exists and ``force`` is false; nothing is written.
    NotADirectoryError
        ``dest`` is a file.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise NotADirectoryError(f"{dest} is a file; give a folder to copy the notebooks into")
    pairs = copy_plan(dest, elearning=elearning, exercises=exercises)
    taken = [t for _, t in pairs if t.exists()]
    if taken and not force:
        shown = ", ".join(str(t) for t in taken[:3]) + (f" and {len(taken) - 3} more" if len(taken) > 3 else "")
        verb = "exists" if len(taken) == 1 else "exist"
        raise FileExistsError(f"{shown} already {verb}; nothing was copied. Choose another folder, "
                              "or pass --force to overwrite them")
    for src, target in pairs:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, src.read_bytes())
    return [t for _, t in pairs]


def _cmd_copy(args: argparse.Namespace) -> int:
    written = copy_notebooks(args.dir, elearning=args.elearning, exercises=args.exercises,
                             force=args.force)
    for p in written:
        print(p)
    print(f"{len(written)} notebooks copied to {Path(args.dir).resolve()}. Run an edited report "
          "with: llkit batch DATA --out OUT --notebook " + str(Path(args.dir) / "institution_report.ipynb"))
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    paths = bundled.reports() + bundled.elearning()
    for kind in bundled.EXERCISE_KINDS:
        paths += bundled.exercises(kind)
    for p in paths:
        print(p)
    return 0


def add_notebooks_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``notebooks copy DIR`` and ``notebooks list`` on the ``llkit`` parser."""
    desc = "copy or list the notebooks that ship with llkit (reports, e-learning, seminar exercises)"
    p = subparsers.add_parser("notebooks", help=desc, description=desc)
    sub = p.add_subparsers(dest="notebooks_command", metavar="ACTION", required=True)
    c = sub.add_parser("copy", help="put editable copies in a folder (never overwrites without --force)",
                       description="put editable copies of the report notebooks in DIR; "
                       "run an edited one with 'llkit batch DATA --notebook DIR/…'")
    c.add_argument("dir", help="folder to copy into (created if missing)")
    c.add_argument("--elearning", action="store_true", help="also the e-learning chapters (DIR/elearning)")
    c.add_argument("--exercises", choices=list(bundled.EXERCISE_KINDS), default=None,
                   help="also the seminar exercises: learner (for participants) or solutions "
                        "(for facilitators), in DIR/exercises/<version>")
    c.add_argument("--force", action="store_true", help="overwrite files that exist")
    c.set_defaults(func=_cmd_copy)
    ls = sub.add_parser("list", help="print the path of every shipped notebook",
                        description="print the path of every shipped notebook")
    ls.set_defaults(func=_cmd_list)
    return p
