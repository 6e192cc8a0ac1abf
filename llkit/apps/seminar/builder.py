"""One source, two versions: the learner and solution notebooks built from ``exercises/src``.

:func:`split_versions` turns one source notebook into its learner and solution versions
(see :mod:`llkit.apps.seminar` for the markers and tags); :func:`build` writes them,
:func:`check_built` says what is out of date and :func:`main` is
``python -m llkit.apps.seminar build [--check]``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llkit._atomic import atomic_write

#: Marker lines of a solution block in a source code cell.
START = "### LØSNING START"
END = "### LØSNING SLUT"
#: Tags of cells that belong to one version only.
SOLUTION_TAG = "solution"
LEARNER_TAG = "learner"

_PLACEHOLDER_COMMENT = "# Skriv jeres kode her"
_PLACEHOLDER = "{name} = None  # skriv jeres svar her"
_ROOT = Path(__file__).resolve().parents[3]
_SOLUTION_BANNER = ("> **Løsningsversion.** Her står løsningerne i kodecellerne. Deltagerne "
                    "arbejder i opgaveversionen (`exercises/learner/`) og skriver selv koden.")


class SeminarError(ValueError):
    """A source notebook whose solution markers cannot be turned into two versions."""


# ======================================================================================
# one source -> learner and solution versions
# ======================================================================================


def _last_assigned(block: list[str], where: str) -> str:
    """The last top-level name a solution block assigns (the answer variable)."""
    try:
        tree = ast.parse("\n".join(block))
    except SyntaxError as err:
        raise SeminarError(f"{where}: the solution block is not valid Python ({err.msg}, "
                           f"line {err.lineno} of the block)") from err
    anywhere = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    if "svar" in anywhere:
        return "svar"
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign) else [])
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    if not names:
        raise SeminarError(f"{where}: a solution block must assign the answer at the top "
                           "level (e.g. `svar = ...`), so the learner version can set it "
                           "to None")
    return names[-1]


def _split_source(source: str, where: str) -> tuple[str, str, list[str]]:
    """(learner source, solution source, solution lines) of one code cell."""
    learner: list[str] = []
    solution: list[str] = []
    hidden: list[str] = []
    block: list[str] | None = None
    for i, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith(START):
            if block is not None:
                raise SeminarError(f"{where}, line {i}: {START!r} inside a solution block "
                                   f"(missing {END!r} before it)")
            if line != line.lstrip():
                raise SeminarError(f"{where}, line {i}: solution markers must start at the "
                                   "beginning of the line (top-level code only)")
            block = []
        elif stripped.startswith(END):
            if block is None:
                raise SeminarError(f"{where}, line {i}: {END!r} without {START!r}")
            if not block:
                raise SeminarError(f"{where}, line {i}: empty solution block")
            learner += [_PLACEHOLDER_COMMENT,
                        _PLACEHOLDER.format(name=_last_assigned(block, f"{where}, line {i}"))]
            solution += block
            hidden += block
            block = None
        elif block is not None:
            block.append(line)
        else:
            learner.append(line)
            solution.append(line)
    if block is not None:
        raise SeminarError(f"{where}: {START!r} without {END!r}")
    return "\n".join(learner), "\n".join(solution), hidden


def _clean_cell(cell: Any, index: int, stem: str) -> Any:
    """A copy of a cell without outputs, execution counts or volatile metadata."""
    c = copy.deepcopy(cell)
    c["id"] = f"{stem}-{index:03d}"
    tags = [t for t in c.get("metadata", {}).get("tags", []) if t not in (SOLUTION_TAG, LEARNER_TAG)]
    c["metadata"] = {"tags": tags} if tags else {}
    if c["cell_type"] == "code":
        c["outputs"] = []
        c["execution_count"] = None
    c.pop("attachments", None)
    return c


def split_versions(nb: Any, name: str = "notebook") -> tuple[Any, Any, list[str]]:
    """Split a source notebook into its learner and solution versions.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The source notebook.
    name : str
        Its name, for error messages and cell ids.

    Returns
    -------
    learner, solution : nbformat.NotebookNode
        The two versions, outputs cleared.
    hidden : list of str
        Every line of a solution block (what the learner version must not contain).

    Raises
    ------
    SeminarError
        Unbalanced or nested markers, or a block that assigns no answer variable.
    """
    import nbformat

    stem = re.sub(r"[^A-Za-z0-9_-]", "-", Path(name).stem)[:40] or "nb"
    learner_cells, solution_cells, hidden = [], [], []
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        where = f"{name}, cell {i + 1}"
        if SOLUTION_TAG in tags and LEARNER_TAG in tags:
            raise SeminarError(f"{where}: tagged both {SOLUTION_TAG!r} and {LEARNER_TAG!r}")
        if cell.cell_type == "code":
            lsrc, ssrc, lines = _split_source(cell.source, where)
            hidden += lines
        else:
            if START in cell.source or END in cell.source:
                raise SeminarError(f"{where}: solution markers belong in code cells; tag a "
                                   f"markdown cell {SOLUTION_TAG!r} instead")
            lsrc = ssrc = cell.source
        if SOLUTION_TAG in tags:
            hidden += [ln for ln in cell.source.split("\n") if ln.strip()]
        else:
            lc = _clean_cell(cell, i, stem)
            lc["source"] = lsrc
            learner_cells.append(lc)
        if LEARNER_TAG not in tags:
            sc = _clean_cell(cell, i, stem)
            sc["source"] = ssrc
            solution_cells.append(sc)
    banner = nbformat.v4.new_markdown_cell(_SOLUTION_BANNER)
    banner["id"] = f"{stem}-banner"
    # the banner goes after the title cell, before the parameters cell
    at = 1 if solution_cells and solution_cells[0].cell_type == "markdown" else 0
    solution_cells.insert(at, banner)

    def notebook(cells: list, version: str) -> Any:
        out = nbformat.v4.new_notebook()
        out.cells = cells
        meta = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
        meta.setdefault("kernelspec", {"display_name": "Python 3", "language": "python",
                                       "name": "python3"})
        meta["language_info"] = {"name": "python"}
        meta["llkit"] = {"generated_from": f"exercises/src/{Path(name).name}", "version": version}
        out.metadata = meta
        out.nbformat, out.nbformat_minor = 4, 5
        return out

    return notebook(learner_cells, "learner"), notebook(solution_cells, "solution"), hidden


def _dumps(nb: Any) -> str:
    import nbformat

    nbformat.validate(nb)
    return nbformat.writes(nb, version=4) + "\n"


def _rendered(src_dir: Path) -> dict[str, str]:
    """``{"learner/NN.ipynb": text, "solutions/NN.ipynb": text}`` for every source."""
    import nbformat

    sources = sorted(Path(src_dir).glob("*.ipynb"))
    if not sources:
        raise SeminarError(f"no source notebooks (*.ipynb) in {src_dir}")
    out: dict[str, str] = {}
    for path in sources:
        nb = nbformat.read(path, as_version=4)
        learner, solution, _ = split_versions(nb, path.name)
        out[f"learner/{path.name}"] = _dumps(learner)
        out[f"solutions/{path.name}"] = _dumps(solution)
    return out


def build(src_dir: str | Path, out_dir: str | Path) -> list[Path]:
    """Write the learner and solution versions of every source notebook.

    Parameters
    ----------
    src_dir : str or Path
        Folder with the source notebooks (``exercises/src``).
    out_dir : str or Path
        Folder that gets ``learner/`` and ``solutions/`` (``exercises``). Generated
        notebooks whose source is gone are removed.

    Returns
    -------
    list of Path
        The files written (unchanged files are not rewritten).
    """
    out_dir = Path(out_dir)
    rendered = _rendered(Path(src_dir))
    written = []
    for rel, text in rendered.items():
        path = out_dir / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text)
            written.append(path)
    for sub in ("learner", "solutions"):
        for stale in sorted((out_dir / sub).glob("*.ipynb")):
            if f"{sub}/{stale.name}" not in rendered:
                stale.unlink()
    return written


def check_built(src_dir: str | Path, out_dir: str | Path) -> list[str]:
    """The generated notebooks that are missing, out of date or orphaned (empty: all fine)."""
    out_dir = Path(out_dir)
    rendered = _rendered(Path(src_dir))
    problems = []
    for rel, text in rendered.items():
        path = out_dir / rel
        if not path.exists():
            problems.append(f"{rel}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{rel}: out of date")
    for sub in ("learner", "solutions"):
        for extra in sorted((out_dir / sub).glob("*.ipynb")):
            if f"{sub}/{extra.name}" not in rendered:
                problems.append(f"{sub}/{extra.name}: has no source in {src_dir}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m llkit.apps.seminar build [--check] [--src DIR] [--out DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m llkit.apps.seminar",
        description="Generate the learner and solution versions of the seminar exercises.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write exercises/learner and exercises/solutions")
    b.add_argument("--src", default=str(_ROOT / "exercises" / "src"),
                   help="folder of the source notebooks (default: exercises/src)")
    b.add_argument("--out", default=str(_ROOT / "exercises"),
                   help="folder that gets learner/ and solutions/ (default: exercises)")
    b.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if the generated notebooks are out of date")
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = check_built(args.src, args.out)
            for p in problems:
                print(p, file=sys.stderr)
            if problems:
                print("Run `python -m llkit.apps.seminar build` and commit the result.", file=sys.stderr)
                return 1
            print("The generated seminar notebooks are up to date.")
            return 0
        written = build(args.src, args.out)
    except SeminarError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("Nothing to do: the generated seminar notebooks are up to date.")
    return 0
