"""Seminar exercises: learner and solution notebooks from one source, and their checks.

The seminar days of the leadership programme (day 1 principles and reading data, day 2
an overview of one's own data at every level, day 3 a strategic action plan, and the
preparation of a cluster meeting) each have an exercise notebook in ``exercises/src/``.
The leadership team writes small pandas/llkit calls on its own data and checks the answer
with :func:`check`, which computes the correct answer from the data itself and gives
specific Danish feedback for the correct answer and for typical mistakes.

One source, two versions (as nbgrader does it):

- in a code cell, the lines between ``### LØSNING START`` and ``### LØSNING SLUT`` are
  the solution. The solution version keeps them (without the marker lines); the learner
  version replaces them by ``# Skriv jeres kode her`` and ``<name> = None  # skriv jeres
  svar her``, where ``<name>`` is the last variable the block assigns (``svar``);
- a cell tagged ``solution`` (a worked explanation) appears only in the solution version;
  a cell tagged ``learner`` only in the learner version.

:func:`build` writes ``learner/`` and ``solutions/`` (outputs cleared, deterministic cell
ids, atomic writes); ``python -m llkit.apps.seminar build`` does it from the command line and
``python -m llkit.apps.seminar build --check`` exits 1 when the committed notebooks are out of
date.

Examples
--------
>>> import llkit
>>> ds = llkit.load("data/sample/dagtilbud")
>>> check("dag1_kilder", 5, ds=ds, institution="I01").correct
True
>>> print(check("dag2_andel_lav", None, ds=ds, institution="I01"))  # doctest: +ELLIPSIS
Ikke besvaret endnu – ...
"""

from __future__ import annotations

import argparse
import ast
import copy
import html
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit._atomic import atomic_write
from llkit.apps import exercises as ex
from llkit.present import text as tx

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = [
    "START",
    "END",
    "SeminarError",
    "split_versions",
    "build",
    "check_built",
    "Result",
    "SeminarCheck",
    "CHECKS",
    "check",
    "pick_measure",
    "latest_round",
    "meeting_teams",
    "intro",
    "main",
]

#: Marker lines of a solution block in a source code cell.
START = "### LØSNING START"
END = "### LØSNING SLUT"
#: Tags of cells that belong to one version only.
SOLUTION_TAG = "solution"
LEARNER_TAG = "learner"

_PLACEHOLDER_COMMENT = "# Skriv jeres kode her"
_PLACEHOLDER = "{name} = None  # skriv jeres svar her"
_ROOT = Path(__file__).resolve().parents[2]
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


# ======================================================================================
# check results
# ======================================================================================

RIGHT, WRONG, EMPTY, SKIPPED = "rigtigt", "forkert", "ikke besvaret", "springes over"
_TITLES = {RIGHT: "Rigtigt", WRONG: "Ikke helt", EMPTY: "Ikke besvaret endnu",
           SKIPPED: "Springes over"}
_ICONS = {RIGHT: "✔", WRONG: "✘", EMPTY: "…", SKIPPED: "–"}
_COLOURS = {RIGHT: ("#17612f", "#e6f4ea"), WRONG: ("#8a3b00", "#fdf0e6"),
            EMPTY: ("#444", "#f1f4f8"), SKIPPED: ("#444", "#f1f4f8")}
_EMPTY_MESSAGE = "skriv jeres svar i cellen ovenfor (svar = …), og kør cellerne igen."


@dataclass(frozen=True)
class Result:
    """What :func:`check` says about one answer; shows itself in a notebook.

    Attributes
    ----------
    check_id : str
    status : str
        ``"rigtigt"``, ``"forkert"``, ``"ikke besvaret"`` or ``"springes over"`` (the
        data lack what the exercise needs).
    message : str
        Specific Danish feedback.
    hint : str
        A hint, shown with wrong answers.
    """

    check_id: str
    status: str
    message: str
    hint: str = ""

    @property
    def correct(self) -> bool:
        """True when the answer is right."""
        return self.status == RIGHT

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        text = f"{_TITLES[self.status]} – {self.message}"
        if self.status == WRONG and self.hint:
            text += f"\nTip: {self.hint}"
        return text

    def __repr__(self) -> str:
        return f"{_ICONS[self.status]} {self}"

    def _repr_html_(self) -> str:
        fg, bg = _COLOURS[self.status]
        hint = (f'<p style="margin:0.3em 0 0"><b>Tip:</b> {html.escape(self.hint)}</p>'
                if self.status == WRONG and self.hint else "")
        return (f'<div class="llkit-seminar-check" data-check="{html.escape(self.check_id)}" '
                f'data-status="{html.escape(self.status)}" style="color:{fg};background:{bg};'
                f'padding:0.5em 0.8em;border-radius:3px;margin:0.4em 0">'
                f'<b>{_ICONS[self.status]} {_TITLES[self.status]}</b> – '
                f'{html.escape(self.message)}{hint}</div>')


class _Skip(Exception):
    """The data lack what an exercise needs; the message says what (Danish)."""


class _BadAnswer(Exception):
    """The answer has the wrong shape; the message says how to fix it (Danish)."""


# ======================================================================================
# context: the data, the institution, the measure, the round
# ======================================================================================


def _words(ds: Dataset) -> dict[str, str]:
    labels = ds.profile.labels
    school = ds.profile.sector == "skole"
    return {
        "children": labels.get("children", "Børn").lower(),
        "children_def": "eleverne" if school else "børnene",
        "child": "elev" if school else "barn",
        "dept": "klasse" if school else "stue",
        "depts": "klasser" if school else "stuer",
        "dept_def": "klassen" if school else "stuen",
        "depts_def": "klasserne" if school else "stuerne",
        "inst": "skole" if school else "dagtilbud",
        "inst_def": "skolen" if school else "dagtilbuddet",
        "insts": "skoler" if school else "dagtilbud",
        "insts_def": "skolerne" if school else "dagtilbuddene",
        "same_inst": "den samme skole" if school else "det samme dagtilbud",
    }


def pick_measure(ds: Dataset, measure: str | None = None) -> str:
    """The measure the exercises work with: ``measure`` checked against the data, or by
    default the language measure (dagtilbud) or the Danish test (skole) — otherwise the
    first child measure with cut points.

    Examples
    --------
    >>> import llkit
    >>> pick_measure(llkit.load("data/sample/dagtilbud"))
    'sprog'
    """
    known = ds.measures["measure_id"].astype(str).tolist()
    if measure is not None:
        if measure not in known:
            raise KeyError(f"unknown measure {measure!r}; the dataset has: {', '.join(known)}")
        return measure
    m = ds.measures
    child = m[(m["subject"] == "child") & m["low_cut"].notna()]["measure_id"].astype(str).tolist()
    for preferred in ("sprog", "dansk"):
        if preferred in child:
            return preferred
    if not child:
        raise ValueError("the dataset has no child measure with cut points (low_cut) to "
                         "work with; give measure= explicitly")
    return child[0]


def _inst_rounds(ds: Dataset, institution: str) -> list[str]:
    depts = set(ds.org.loc[ds.org["institution_id"].astype(str) == institution,
                           "department_id"].astype(str))
    present = set(ds.responses.loc[ds.responses["department_id"].astype(str).isin(depts),
                                   "round"].dropna().astype(str))
    return [str(r) for r in ds.meta.rounds if str(r) in present]


def latest_round(ds: Dataset, institution: str) -> str:
    """The latest round in which ``institution`` has data.

    Examples
    --------
    >>> import llkit
    >>> latest_round(llkit.load("data/sample/dagtilbud"), "I01")
    'T3'
    """
    _check_institution(ds, institution)
    rounds = _inst_rounds(ds, institution)
    if not rounds:
        raise ValueError(f"institution {institution} has no data in any round")
    return rounds[-1]


def _check_institution(ds: Dataset, institution: str) -> None:
    known = ds.org["institution_id"].astype(str)
    if str(institution) not in set(known):
        raise KeyError(f"unknown institution {institution!r}; the dataset has: "
                       + ", ".join(sorted(known.unique())))


def meeting_teams(ds: Dataset, institution: str, teams: str | Sequence[str] | None = None
                  ) -> list[str]:
    """The 3–4 leadership teams of a cluster meeting: ``teams`` if given (ids, checked),
    otherwise the institutions of ``institution``'s own cluster.

    Examples
    --------
    >>> import llkit
    >>> meeting_teams(llkit.load("data/sample/dagtilbud"), "I02")
    ['I01', 'I02', 'I03', 'I04']
    """
    from llkit.documents import common

    _check_institution(ds, institution)
    if teams is not None and len(teams):
        return common.cluster_institutions(ds, institutions=teams)
    org = ds.org
    cluster = org.loc[org["institution_id"].astype(str) == institution, "cluster"].dropna()
    if cluster.empty:
        return [institution]
    return common.cluster_institutions(ds, str(cluster.iloc[0]))


def intro(ds: Dataset, institution: str, measure: str | None = None) -> Any:
    """A short Danish block: whose data, which measure and scale, how many units.

    Returns an object that displays as HTML in a notebook (and as text otherwise).
    """
    from llkit.present import html as blocks

    _check_institution(ds, institution)
    w = _words(ds)
    org = ds.org[ds.org["institution_id"].astype(str) == institution]
    name = str(org["institution_name"].iloc[0])
    m = pick_measure(ds, measure)
    row = ds.measures.set_index("measure_id").loc[m]
    scale = ""
    if pd.notna(row.get("scale_min")) and pd.notna(row.get("scale_max")):
        scale = (f" på en skala fra {tx.fmt_number(row['scale_min'], 0)} til "
                 f"{tx.fmt_number(row['scale_max'], 0)}")
    cut = ""
    if pd.notna(row.get("low_cut")):
        cut = (f" En score under {tx.fmt_number(row['low_cut'], 2 if row['low_cut'] % 1 else 0)} "
               "tæller som lav.")
    sources = ", ".join(ds.profile.source_labels.get(s, s) for s in
                        dict.fromkeys(ds.measures["source"].astype(str)))
    body = (f"<p><b>{html.escape(name)}</b> ({html.escape(institution)}) – "
            f"{len(org)} {w['depts']} i data. Øvelserne bruger målet "
            f"<b>{html.escape(str(row['label']))}</b> (<code>{html.escape(m)}</code>){scale}."
            f"{cut} Kilder i data: {html.escape(sources)}.</p>")
    if getattr(ds.meta, "synthetic", False):
        body += "<p><i>Eksempeldata: alle navne og tal er opdigtede.</i></p>"
    return blocks.Block(body)


@dataclass
class _Ctx:
    ds: Any
    institution: str
    measure: str
    round: str
    teams: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    _memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def w(self) -> dict[str, str]:
        return self.memo("words", lambda: _words(self.ds))

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    @property
    def rounds(self) -> list[str]:
        return self.memo("rounds", lambda: _inst_rounds(self.ds, self.institution))

    @property
    def first(self) -> str:
        return self.rounds[0]

    @property
    def name(self) -> str:
        return self.inst_name(self.institution)

    def inst_name(self, inst: str) -> str:
        org = self.ds.org
        return str(org.loc[org["institution_id"].astype(str) == inst, "institution_name"].iloc[0])

    @property
    def label(self) -> str:
        return str(self.ds.measures.set_index("measure_id").loc[self.measure, "label"])

    @property
    def hib(self) -> bool:
        v = self.ds.measures.set_index("measure_id").loc[self.measure, "higher_is_better"]
        return True if pd.isna(v) else bool(v)

    def inst_row(self, round: str | None = None, measure: str | None = None) -> pd.Series:
        from llkit.stats import indicators

        r, m = round or self.round, measure or self.measure

        def make():
            t = indicators.summarize(self.ds, m, by="institution", round=r)
            t = t[t["institution_id"].astype(str) == self.institution]
            if t.empty:
                raise _Skip(f"{self.w['inst_def'].capitalize()} har ingen data for "
                            f"{self.label_of(m)} i {r}.")
            return t.iloc[0]
        return self.memo(("inst", r, m), make)

    def muni_row(self, round: str | None = None, measure: str | None = None) -> pd.Series:
        from llkit.stats import indicators

        r, m = round or self.round, measure or self.measure
        return self.memo(("muni", r, m), lambda: indicators.summarize(
            self.ds, m, by=None, round=r).iloc[0])

    def label_of(self, measure: str) -> str:
        return str(self.ds.measures.set_index("measure_id").loc[measure, "label"])

    def visible(self, row: pd.Series) -> pd.Series:
        if bool(row["suppressed"]):
            raise _Skip(f"Tallet for {self.w['inst_def']} er skjult, fordi der er færre end "
                        f"{self.ds.meta.min_n} {self.w['children']} med svar – opgaven "
                        "springes over.")
        return row


def _context(ds: Dataset, institution: str, measure: str | None, round: str | None,
             teams: str | Sequence[str] | None, extra: dict[str, Any]) -> _Ctx:
    institution = str(institution)
    _check_institution(ds, institution)
    m = pick_measure(ds, measure)
    r = round or latest_round(ds, institution)
    t = meeting_teams(ds, institution, teams)
    return _Ctx(ds=ds, institution=institution, measure=m, round=str(r), teams=t, extra=extra)


# ======================================================================================
# kinds of checks
# ======================================================================================


@dataclass
class _Number:
    """A numeric answer: ``correct`` ± ``tolerance``; ``wrong`` are typical mistakes."""

    correct: float
    tolerance: float
    decimals: int = 1
    unit: str = ""
    wrong: list[tuple[float, float, str]] = field(default_factory=list)
    explain: str = ""

    def evaluate(self, answer: Any) -> ex.Feedback:
        x = _scalar(answer)
        if isinstance(x, float) and math.isnan(x):
            raise _BadAnswer("Jeres svar er tomt (NaN). Måske er tallet skjult, fordi gruppen er "
                             "for lille – eller filteret fandt ingen rækker.")
        wrong = self.wrong_list()
        xf = ex.parse_number(x)
        if xf is not None:  # the closest typical mistake wins when several match
            wrong.sort(key=lambda w: abs(xf - w[0]))
        fb = ex.check_number(x, self.correct, self.tolerance, wrong=wrong,
                             decimals=self.decimals, unit=self.unit)
        if fb.correct and self.explain:
            return ex.Feedback(True, f"{fb.message} {self.explain}")
        return fb

    def wrong_list(self) -> list[tuple[float, float, str]]:
        return [(v, t, m) for v, t, m in self.wrong
                if v is not None and np.isfinite(v) and abs(v - self.correct) > self.tolerance + 1e-9]

    def solution(self) -> Any:
        return self.correct

    def typical(self) -> list[tuple[Any, str]]:
        """Typical wrong answers that the check can tell apart, with their message."""
        out: list[tuple[Any, str]] = []
        for v, _t, m in self.wrong_list():
            if not any(abs(v - sv) < 1e-9 for sv, _ in out):
                out.append((v, m))
        return out


@dataclass
class _Choice:
    """One option (or unit) out of several; ``aliases`` map other spellings to ids."""

    correct: str | set[str]
    feedback: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    unit: bool = False
    explain: str = ""
    rest: dict[str, str] = field(default_factory=dict)

    def normalise(self, answer: Any) -> str:
        a = str(_scalar(answer)).strip()
        low = a.lower()
        table = {k.lower(): v for k, v in self.aliases.items()}
        return table.get(low, a)

    def evaluate(self, answer: Any) -> ex.Feedback:
        a = self.normalise(answer)
        func = ex.check_unit if self.unit else ex.check_choice
        fb = func(a, self.correct, {**self.rest, **self.feedback})
        if fb.correct and self.explain:
            msg = self.feedback.get(a) or self.explain
            return ex.Feedback(True, msg if msg == self.explain else f"{msg} {self.explain}")
        return fb

    def solution(self) -> Any:
        return sorted(self.correct)[0] if isinstance(self.correct, set) else self.correct

    def typical(self) -> list[tuple[Any, str]]:
        ok = self.correct if isinstance(self.correct, set) else {self.correct}
        out = [(k, v) for k, v in self.feedback.items() if k not in ok]
        return out + list(self.rest.items())[:1]


@dataclass
class _Custom:
    """Any answer, checked by a function; ``typical`` lists mistakes and their message."""

    correct: Any
    evaluate: Callable[[Any], ex.Feedback]
    typical_answers: Callable[[], list[tuple[Any, str]]] = list

    def solution(self) -> Any:
        return self.correct

    def typical(self) -> list[tuple[Any, str]]:
        return self.typical_answers()


def _scalar(answer: Any) -> Any:
    """A single value out of a one-element Series, array, list or 1×1 table."""
    if isinstance(answer, pd.DataFrame):
        if answer.size == 1:
            return _scalar(answer.iloc[0, 0])
        raise _BadAnswer(f"Jeres svar er en tabel med {len(answer)} rækker og "
                         f"{answer.shape[1]} kolonner. Vælg den ene værdi, fx med "
                         ".loc[række, kolonne] eller .item().")
    if isinstance(answer, pd.Series | pd.Index | np.ndarray | list | tuple):
        values = list(np.asarray(answer, dtype=object).ravel())
        if len(values) == 1:
            return _scalar(values[0])
        raise _BadAnswer(f"Jeres svar indeholder {len(values)} værdier. Vælg jeres egen række "
                         "(filtrér fx på institution_id == institution) og tag værdien med "
                         ".item().")
    if isinstance(answer, np.generic):
        return answer.item()
    return answer


# ======================================================================================
# the registry
# ======================================================================================


@dataclass(frozen=True)
class SeminarCheck:
    """One exercise check of a seminar notebook.

    Attributes
    ----------
    id : str
        Used in the notebooks: ``seminar.check("dag2_andel_lav", svar, ...)``.
    notebook : str
        Source notebook stem (``01_dag1_principper_og_data``).
    question : str
        The question in Danish (short).
    hint : str
        Shown with wrong answers.
    spec : callable
        ``spec(ctx)`` -> the correct answer and typical mistakes, computed from the data.
    """

    id: str
    notebook: str
    question: str
    hint: str
    spec: Callable[[_Ctx], Any] = field(repr=False)

    def prepare(self, ds: Dataset, institution: str, *, measure: str | None = None,
                round: str | None = None, teams: str | Sequence[str] | None = None,
                **extra: Any) -> Any:
        """The check's specification for this data: ``.solution()`` is a correct answer,
        ``.typical()`` lists typical wrong answers with (part of) their feedback,
        ``.evaluate(answer)`` returns a :class:`llkit.apps.exercises.Feedback`. Raises
        ``_Skip`` when the data lack what the exercise needs."""
        return self.spec(_context(ds, institution, measure, round, teams, extra))


#: Every seminar check by id.
CHECKS: dict[str, SeminarCheck] = {}


def _register(id: str, notebook: str, question: str, hint: str
              ) -> Callable[[Callable[[_Ctx], Any]], Callable[[_Ctx], Any]]:
    def deco(func: Callable[[_Ctx], Any]) -> Callable[[_Ctx], Any]:
        if id in CHECKS:  # pragma: no cover - programming error
            raise ValueError(f"duplicate seminar check {id!r}")
        CHECKS[id] = SeminarCheck(id, notebook, question, hint, func)
        return func
    return deco


def check(check_id: str, answer: Any, *, ds: Dataset, institution: str,
          measure: str | None = None, round: str | None = None,
          teams: str | Sequence[str] | None = None, **extra: Any) -> Result:
    """Check a seminar answer against the correct answer computed from the data.

    Parameters
    ----------
    check_id : str
        One of :data:`CHECKS` (e.g. ``"dag2_andel_lav"``).
    answer : any
        The team's answer (``svar``); ``None`` means not answered yet.
    ds : Dataset
    institution : str
        The team's institution id.
    measure : str, optional
        The measure the exercise is about (default :func:`pick_measure`).
    round : str, optional
        Default: the institution's latest round.
    teams : list of str, optional
        The teams of a cluster meeting (default: the institution's cluster).

    Returns
    -------
    Result
        Displays itself in the notebook: "Rigtigt", "Ikke helt" with specific feedback and
        a hint, "Ikke besvaret endnu", or "Springes over" when the data lack what the
        exercise needs.
    """
    if check_id not in CHECKS:
        raise KeyError(f"unknown seminar check {check_id!r}; known: {', '.join(CHECKS)}")
    chk = CHECKS[check_id]
    if answer is None or answer is Ellipsis or (isinstance(answer, str) and not answer.strip()):
        return Result(check_id, EMPTY, _EMPTY_MESSAGE, chk.hint)
    try:
        spec = chk.prepare(ds, institution, measure=measure, round=round, teams=teams, **extra)
        fb = spec.evaluate(answer)
    except _Skip as skip:
        return Result(check_id, SKIPPED, str(skip))
    except _BadAnswer as bad:
        return Result(check_id, WRONG, str(bad), chk.hint)
    message = fb.message
    if fb.correct:  # the title already says "Rigtigt"
        message = re.sub(r"^Rigtigt\s*[:!–-]\s*", "", message) or message
    return Result(check_id, RIGHT if fb.correct else WRONG, message, chk.hint)


# ----------------------------------------------------------------------------- helpers


def _unit(k: Any, one: str, many: str) -> str:
    return one if k == 1 else many


def _pct(x: Any) -> str:
    return tx.fmt_percent(x)


def _n(x: Any) -> str:
    return tx.fmt_int(x)


def _num(x: Any, d: int = 2) -> str:
    return tx.fmt_number(x, d)


def _answer_rows(ctx: _Ctx, round: str, institution: str | None = None) -> int:
    """Rows of ``responses`` for the measure's items (institution or all) in a round."""
    ds = ctx.ds
    items = set(ds.items.loc[ds.items["measure_id"].astype(str) == ctx.measure, "item_id"].astype(str))
    r = ds.responses
    mask = r["item_id"].astype(str).isin(items) & (r["round"].astype(str) == round)
    if institution is not None:
        depts = set(ds.org.loc[ds.org["institution_id"].astype(str) == institution,
                               "department_id"].astype(str))
        mask &= r["department_id"].astype(str).isin(depts)
    return int(mask.sum())


# ======================================================================================
# day 1: principles and reading data
# ======================================================================================

_D1 = "01_dag1_principper_og_data"


@_register("dag1_kilder", _D1, "Hvor mange forskellige kilder (informanter) har jeres data?",
           "Kolonnen source i ds.measures siger, hvem der har svaret. Tæl de forskellige "
           "værdier, fx med ds.measures[\"source\"].nunique().")
def _dag1_kilder(ctx: _Ctx) -> _Number:
    m = ctx.ds.measures
    sources = list(dict.fromkeys(m["source"].astype(str)))
    labels = ", ".join(ctx.ds.profile.source_labels.get(s, s) for s in sources)
    return _Number(
        correct=len(sources), tolerance=0, decimals=0, unit="kilder",
        wrong=[(len(m), 0, f"Det er antallet af mål ({len(m)}). Flere mål kommer fra den samme "
                           "kilde – tæl de forskellige værdier i kolonnen source."),
               (len(ctx.ds.items), 0, "Det er antallet af spørgsmål (items), ikke af kilder.")],
        explain=f"Kilderne er: {labels}. Hver kilde ser {ctx.w['children']} fra sin egen vinkel; "
                "læs dem sammen (triangulering), før I konkluderer.")


@_register("dag1_seneste_maaling", _D1, "Hvilken måling er den seneste, jeres data har?",
           "Målingerne står i rækkefølge i ds.meta.rounds; jeres egne svar har kolonnen round "
           "i ds.responses.")
def _dag1_seneste(ctx: _Ctx) -> _Choice:
    rounds = [str(r) for r in ctx.ds.meta.rounds]
    last = ctx.rounds[-1]
    fb = {}
    for r in rounds:
        if r == last:
            continue
        if r == rounds[0]:
            fb[r] = (f"{r} er den første måling – udgangspunktet (baseline). Den seneste er den "
                     "sidste i rækken, som jeres data har.")
        elif r not in ctx.rounds:
            fb[r] = f"{ctx.w['inst_def'].capitalize()} har ingen data fra {r}."
        else:
            fb[r] = f"{r} er ikke den seneste måling – se, hvilke målinger der kommer efter."
    return _Choice(correct=last, feedback=fb, aliases={r.lower(): r for r in rounds},
                   explain=f"{last} er den seneste måling med data fra jeres {ctx.w['inst']}. "
                           f"Målingerne i data: {', '.join(rounds)}.")


@_register("dag1_antal", _D1,
           "Hvor mange børn/elever har en score i målet i jeres dagtilbud/skole i den seneste måling?",
           "llkit.summarize(ds, maal, by=\"institution\", round=seneste) giver én række pr. "
           "institution; kolonnen n er antallet med en score.")
def _dag1_antal(ctx: _Ctx) -> _Number:
    row = ctx.inst_row()
    w = ctx.w
    wrong = [(_answer_rows(ctx, ctx.round, ctx.institution), 0,
              f"Det er antallet af svar (rækker i ds.responses), ikke antallet af {w['children']}: "
              f"hvert {w['child']} har svar på flere spørgsmål."),
             (ctx.muni_row()["n"], 0, f"Det er antallet i hele kommunen – spørgsmålet gælder "
                                      f"jeres eget {w['inst']}.")]
    if ctx.first != ctx.round:
        wrong.append((ctx.inst_row(ctx.first)["n"], 0,
                      f"Det er antallet i {ctx.first}, den første måling. Spørgsmålet gælder "
                      f"den seneste, {ctx.round}."))
    return _Number(correct=int(row["n"]), tolerance=0, decimals=0, unit=_unit(row["n"], w["child"], w["children"]), wrong=wrong,
                   explain=f"Så mange {w['children']} bygger jeres tal i {ctx.round} på. Jo færre, "
                           "jo større usikkerhed.")


@_register("dag1_gennemsnit", _D1, "Hvad er jeres gennemsnit i målet i den seneste måling?",
           "Kolonnen mean i llkit.summarize(ds, maal, by=\"institution\", round=seneste) – "
           "find jeres egen række med institution_id == institution.")
def _dag1_gennemsnit(ctx: _Ctx) -> _Number:
    row = ctx.visible(ctx.inst_row())
    wrong = [(ctx.muni_row()["mean"], 0.005,
              "Det er kommunens gennemsnit (alle institutioner). Filtrér på jeres egen række."),
             (row["share_low"], 0.005,
              "Det er andelen med en lav score, ikke gennemsnittet (kolonnen mean).")]
    if ctx.first != ctx.round:
        first = ctx.inst_row(ctx.first)
        if not first["suppressed"]:
            wrong.append((first["mean"], 0.005, f"Det er gennemsnittet i {ctx.first}, den første "
                                                f"måling. Brug round=\"{ctx.round}\"."))
    return _Number(correct=float(row["mean"]), tolerance=0.05, decimals=2, wrong=wrong,
                   explain=f"Intervallet er {tx.fmt_interval(row['ci_low'], row['ci_high'], 2)}: "
                           "det sande gennemsnit ligger med stor sandsynlighed her.")


@_register("dag1_sikker_forskel", _D1,
           "Ligger jeres gennemsnit højere end kommunens, lavere, eller er der ingen sikker forskel?",
           "Sammenlign kommunens gennemsnit med jeres interval (ci_low til ci_high). Ligger "
           "kommunens gennemsnit inden for intervallet, er der ingen sikker forskel.")
def _dag1_sikker(ctx: _Ctx) -> _Choice:
    row = ctx.visible(ctx.inst_row())
    muni = float(ctx.muni_row()["mean"])
    lo, hi, mean = float(row["ci_low"]), float(row["ci_high"]), float(row["mean"])
    ci = tx.fmt_interval(lo, hi, 2)
    m = _num(muni)
    if lo > muni:
        correct = "højere"
    elif hi < muni:
        correct = "lavere"
    else:
        correct = "ingen"
    point = "højere" if mean > muni else "lavere"
    fb = {}
    for opt in ("højere", "lavere"):
        if opt == correct:
            fb[opt] = (f"Hele jeres interval ({ci}) ligger {'over' if opt == 'højere' else 'under'} "
                       f"kommunens gennemsnit ({m}) – forskellen er større end usikkerheden.")
        elif correct == "ingen" and opt == point:
            fb[opt] = (f"Jeres gennemsnit ({_num(mean)}) er {opt} end kommunens ({m}), men "
                       f"kommunens gennemsnit ligger inden for jeres interval ({ci}). Forskellen "
                       "kan være tilfældig.")
        else:
            fb[opt] = (f"Se igen: jeres gennemsnit er {_num(mean)}, kommunens {m}, og jeres "
                       f"interval går fra {ci}.")
    if correct == "ingen":
        fb["ingen"] = (f"Kommunens gennemsnit ({m}) ligger inden for jeres interval ({ci}): "
                       "ingen sikker forskel.")
    else:
        fb["ingen"] = (f"Jeres interval ({ci}) ligger helt {'over' if correct == 'højere' else 'under'} "
                       f"kommunens gennemsnit ({m}) – det er en forskel, der er større end "
                       "usikkerheden.")
    aliases = {"ingen sikker forskel": "ingen", "nej": "ingen", "ingen forskel": "ingen",
               "hoejere": "højere", "højere end kommunen": "højere",
               "lavere end kommunen": "lavere"}
    return _Choice(correct=correct, feedback=fb, aliases=aliases)


@_register("dag1_skjult", _D1,
           "Hvor mange af jeres stuer/klasser har skjulte tal for målet i den seneste måling?",
           "llkit.summarize(ds, maal, by=\"department\", round=seneste) har kolonnen "
           "suppressed; tæl jeres egne stuer/klasser, hvor den er True.")
def _dag1_skjult(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    ds, w = ctx.ds, ctx.w
    t = indicators.summarize(ds, ctx.measure, by="department", round=ctx.round)
    depts = set(ds.org.loc[ds.org["institution_id"].astype(str) == ctx.institution,
                           "department_id"].astype(str))
    t = t[t["department_id"].astype(str).isin(depts)]
    hidden = t[t["suppressed"]]
    few = int((hidden["suppressed_reason"] == "min_n").sum())
    comp = len(hidden) - few
    wrong = []
    if comp:
        wrong.append((few, 0, f"I har talt de {w['depts']} med færre end {ds.meta.min_n} "
                              f"{w['children']}. Men også {comp} andre er skjult: ellers kunne "
                              f"deres tal regnes ud fra {w['inst_def']}s samlede tal "
                              "(komplementær diskretionering)."))
    if len(hidden):
        wrong.append((0, 0, f"Se efter suppressed == True: nogle af jeres {w['depts']} har tal, "
                            "der ikke vises."))
    wrong.append((len(t), 0, f"Det er antallet af {w['depts']} med svar i alt, ikke dem med "
                             "skjulte tal."))
    if len(hidden):
        why = (f"{few} har færre end {ds.meta.min_n} {w['children']} med svar"
               + (f", og {comp} er skjult, så tallene ikke kan regnes ud ved at trække fra"
                  if comp else "") + ".")
    else:
        why = (f"Alle jeres {w['depts']} har mindst {ds.meta.min_n} {w['children']} med svar. "
               f"Små grupper skjules for at beskytte de enkelte {w['children']} og familier.")
    return _Number(correct=len(hidden), tolerance=0, decimals=0, unit=_unit(len(hidden), w["dept"], w["depts"]), wrong=wrong,
                   explain=why)


# ======================================================================================
# day 2: an overview of one's own data at every level
# ======================================================================================

_D2 = "02_dag2_overblik"


@_register("dag2_boern_lav", _D2,
           "Barn: hvor mange børn/elever i jeres dagtilbud/skole havde en lav score i den seneste måling?",
           "llkit.scores(ds, maal) har én række pr. barn og måling med kolonnerne "
           "institution_id, round og category; tæl rækkerne med category == \"low\".")
def _dag2_boern_lav(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    ctx.visible(ctx.inst_row())
    s = indicators.scores(ctx.ds, ctx.measure)
    s = s[s["round"].astype(str).isin([ctx.round, ctx.first])]
    low = s["category"].astype(str) == "low"
    mine = s["institution_id"].astype(str) == ctx.institution
    now = s["round"].astype(str) == ctx.round
    count = int((low & mine & now).sum())
    w = ctx.w
    wrong = [(ctx.inst_row()["share_low"], 0.005,
              f"Det er andelen. Spørgsmålet er, hvor mange {w['children']} det drejer sig om."),
             (int((low & now).sum()), 0, f"Det er antallet i hele kommunen. Filtrér på jeres "
                                         f"eget {w['inst']} (institution_id == institution).")]
    if ctx.first != ctx.round:
        wrong.append((int((low & mine & (s["round"].astype(str) == ctx.first)).sum()), 0,
                      f"Det er antallet i {ctx.first}. Filtrér også på round == \"{ctx.round}\"."))
    return _Number(correct=count, tolerance=0, decimals=0, unit=_unit(count, w["child"], w["children"]),
                   wrong=wrong,
                   explain=f"Bag tallet står {count} {_unit(count, w['child'], w['children'])}, som personalet kender. Hvem "
                           "er de, og hvad har de brug for? (Drøft det i ledelsesteamet – "
                           "navne hører ikke hjemme i delte dokumenter.)")


@_register("dag2_andel_lav", _D2,
           "Dagtilbud/skole: hvor stor en andel (0–1) af jeres børn/elever havde en lav score?",
           "Kolonnen share_low i llkit.summarize(ds, maal, by=\"institution\", round=seneste) er "
           "andelen med en lav score, som et tal mellem 0 og 1.")
def _dag2_andel_lav(ctx: _Ctx) -> _Number:
    row = ctx.visible(ctx.inst_row())
    share = float(row["share_low"])
    w = ctx.w
    wrong = [(share * 100, 0.5, "Det ligner procent. Skriv andelen som et tal mellem 0 og 1 "
                                "– fx 0,23 for 23 %."),
             (row["mean"], 0.005, "Det er gennemsnittet (mean), ikke andelen med en lav score "
                                  "(share_low)."),
             (ctx.muni_row()["share_low"], 0.005,
              f"Det er kommunens andel. Spørgsmålet gælder jeres eget {w['inst']}.")]
    if ctx.first != ctx.round:
        first = ctx.inst_row(ctx.first)
        if not first["suppressed"]:
            wrong.append((first["share_low"], 0.005, f"Det er andelen i {ctx.first}, den første "
                                                     f"måling – brug den seneste, {ctx.round}."))
    n_low = round(share * row["n"])
    wrong.append((n_low, 0.5, f"Det er antallet af {w['children']} med en lav score. Andelen er "
                              f"antallet divideret med alle {w['children']} med en score."))
    ci = tx.fmt_interval(row["share_low_ci_low"], row["share_low_ci_high"], percent=True)
    return _Number(correct=share, tolerance=0.005, decimals=2, wrong=wrong,
                   explain=f"Det er {_pct(share)} af {w['children_def']} (interval {ci}; "
                           f"kommunen: {_pct(ctx.muni_row()['share_low'])}).")


@_register("dag2_stue", _D2,
           "Stue/klasse: hvilken af jeres stuer/klasser har den største andel med en lav score?",
           "llkit.summarize(ds, maal, by=\"department\", round=seneste); behold jeres egne "
           "stuer/klasser (department_id begynder med jeres id), spring skjulte tal over, og "
           "find den største share_low.")
def _dag2_stue(ctx: _Ctx) -> _Choice:
    from llkit.stats import indicators

    ds, w = ctx.ds, ctx.w
    t = indicators.summarize(ds, ctx.measure, by="department", round=ctx.round)
    org = ds.org
    own = org[org["institution_id"].astype(str) == ctx.institution]
    mine = t[t["department_id"].astype(str).isin(set(own["department_id"].astype(str)))]
    shown = mine[~mine["suppressed"] & mine["share_low"].notna()]
    if shown.empty:
        raise _Skip(f"Ingen af jeres {w['depts']} har tal, der må vises, i {ctx.round} – "
                    "opgaven springes over.")
    top = float(shown["share_low"].max())
    best = set(shown.loc[np.isclose(shown["share_low"], top), "department_id"].astype(str))
    names = dict(zip(org["department_id"].astype(str), org["department_name"].astype(str),
                     strict=False))
    fb: dict[str, str] = {}
    for r in shown.itertuples():
        d = str(r.department_id)
        ci = tx.fmt_interval(r.share_low_ci_low, r.share_low_ci_high, percent=True)
        if d in best:
            fb[d] = (f"{names[d]}: {_pct(r.share_low)} af {r.n} {w['children']} havde en lav "
                     f"score (interval {ci}). Med så få {w['children']} pr. {w['dept']} er "
                     f"intervallet bredt – forskellen til de andre {w['depts']} kan være "
                     "tilfældig. Brug tallet til at spørge nysgerrigt, ikke til at dømme.")
        elif np.isclose(r.share_low, shown["share_low"].min()):
            fb[d] = (f"{names[d]} har den mindste andel ({_pct(r.share_low)}). Spørgsmålet er "
                     "den største.")
        else:
            fb[d] = (f"{names[d]} har {_pct(r.share_low)} med en lav score – der er en "
                     f"{w['dept']} med en større andel.")
    for r in mine[mine["suppressed"]].itertuples():
        fb[str(r.department_id)] = (f"Tallet for {names[str(r.department_id)]} er skjult (for få "
                                    f"{w['children']}, eller så det ikke kan regnes ud) – det kan "
                                    "I ikke sige noget om ud fra tabellen.")
    rest = {d: f"{d} hører ikke til jeres {w['inst']}. Vælg blandt jeres egne {w['depts']}."
            for d, inst in zip(org["department_id"].astype(str), org["institution_id"].astype(str),
                               strict=False) if inst != ctx.institution}
    aliases = {names[d]: d for d in own["department_id"].astype(str)}
    return _Choice(correct=best, feedback=fb, aliases=aliases, unit=True, rest=rest)


@_register("dag2_kommune", _D2, "Kommune: hvad er kommunens gennemsnit i målet i den seneste måling?",
           "llkit.summarize(ds, maal, by=None, round=seneste) giver én række for hele "
           "kommunen (alle børn/elever i data).")
def _dag2_kommune(ctx: _Ctx) -> _Number:
    muni = ctx.muni_row()
    inst = ctx.inst_row()
    wrong = []
    if not inst["suppressed"]:
        wrong.append((inst["mean"], 0.005, f"Det er jeres eget gennemsnit. Kommunens er for alle "
                                           f"{ctx.w['children']} i data (by=None)."))
    nat = _national(ctx)
    if nat is not None:
        wrong.append((nat, 0.0005, "Det er landstallet fra ds.reference. Kommunens gennemsnit "
                                   "regnes ud fra jeres egne data."))
    wrong.append((muni["share_low"], 0.005, "Det er kommunens andel med en lav score, ikke "
                                            "gennemsnittet."))
    return _Number(correct=float(muni["mean"]), tolerance=0.05, decimals=2, wrong=wrong,
                   explain=f"Kommunens gennemsnit bygger på {_n(muni['n'])} {ctx.w['children']}.")


def _national(ctx: _Ctx, round: str | None = None) -> float | None:
    ref = ctx.ds.reference
    if ref is None or ref.empty:
        return None
    r = round or ctx.round
    hit = ref[(ref["measure_id"].astype(str) == ctx.measure) & (ref["round"].astype(str) == r)
              & (ref["scope"].astype(str) == "national")]
    return None if hit.empty or pd.isna(hit["mean"].iloc[0]) else float(hit["mean"].iloc[0])


@_register("dag2_landsplan", _D2, "Landsplan: hvad er landsgennemsnittet i målet i den seneste måling?",
           "Landstallene står i tabellen ds.reference (scope == \"national\"); filtrér på "
           "measure_id og round.")
def _dag2_landsplan(ctx: _Ctx) -> _Number:
    nat = _national(ctx)
    if nat is None:
        raise _Skip(f"Jeres data har ingen landstal for {ctx.label} i {ctx.round} – opgaven "
                    "springes over.")
    muni = float(ctx.muni_row()["mean"])
    wrong = [(muni, 0.005, "Det er kommunens gennemsnit. Landstallet står i ds.reference.")]
    inst = ctx.inst_row()
    if not inst["suppressed"]:
        wrong.append((inst["mean"], 0.005, "Det er jeres eget gennemsnit. Landstallet står i "
                                           "ds.reference."))
    if ctx.first != ctx.round:
        old = _national(ctx, ctx.first)
        if old is not None:
            wrong.append((old, 0.0005, f"Det er landstallet i {ctx.first}. Filtrér også på "
                                       f"round == \"{ctx.round}\"."))
    return _Number(correct=nat, tolerance=0.005, decimals=2, wrong=wrong,
                   explain=f"Kommunen ligger på {_num(muni)}. Landstal og kommunetal er målt "
                           "på mange flere, så deres usikkerhed er lille – jeres egen er større.")


@_register("dag2_niveau", _D2,
           "Hvor stor en andel (0–1) af forskellene mellem børnene/eleverne ligger mellem "
           "dagtilbuddene/skolerne?",
           "llkit.variance_components(ds, maal, level=\"institution\", round=seneste); "
           "kolonnen icc er andelen af variationen, der ligger mellem enhederne.")
def _dag2_niveau(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    vc = indicators.variance_components(ctx.ds, ctx.measure, level="institution", round=ctx.round)
    if vc.empty or pd.isna(vc["icc"].iloc[0]):
        raise _Skip("Der er for få enheder til at dele variationen op – opgaven springes over.")
    icc = float(vc["icc"].iloc[0])
    w = ctx.w
    wrong = [(icc * 100, 1, "Det ligner procent. Skriv andelen som et tal mellem 0 og 1."),
             (1 - icc, 0.01, f"Det er andelen, der ligger inden for {w['insts_def']} – mellem "
                             f"{w['children']} i {w['same_inst']}. Spørgsmålet er andelen mellem "
                             f"{w['insts_def']}.")]
    dep = indicators.variance_components(ctx.ds, ctx.measure, level="department", round=ctx.round)
    if not dep.empty and pd.notna(dep["icc"].iloc[0]):
        wrong.append((float(dep["icc"].iloc[0]), 0.002,
                      f"Det er andelen mellem {w['depts_def']} (level=\"department\"). "
                      f"Spørgsmålet er mellem {w['insts_def']}."))
    return _Number(correct=icc, tolerance=0.01, decimals=2, wrong=wrong,
                   explain=f"Kun {_pct(icc)} af forskellene ligger mellem {w['insts_def']}; "
                           f"resten ligger mellem {w['children']} i {w['same_inst']}. Et "
                           f"gennemsnit siger derfor mindre om det enkelte {w['inst']}, end man "
                           f"tror – se også på {w['depts']} og de enkelte {w['children']}.")


# ======================================================================================
# day 3: a realistic strategic action plan
# ======================================================================================

_D3 = "03_dag3_handleplan"


def _candidates(ctx: _Ctx, round: str | None = None) -> pd.DataFrame:
    from llkit.documents import plans

    r = round or ctx.round
    return ctx.memo(("cand", r), lambda: plans.focus_candidates(ctx.ds, ctx.institution, round=r))


def _first_share_low(ctx: _Ctx) -> pd.Series:
    cand = _candidates(ctx)
    sl = cand[cand["kind"] == "share_low"]
    if sl.empty:
        raise _Skip(f"Data peger ikke på et mål med flere {ctx.w['children']} med en lav score "
                    "end i kommunen – opgaven springes over.")
    return sl.iloc[0]


@_register("dag3_fokus", _D3,
           "Hvilket mål (measure_id) har flest børn/elever med en lav score i forhold til kommunen?",
           "plans.focus_candidates(ds, institution) viser, hvor data peger. Rækkerne med "
           "kind == \"share_low\" er ordnet efter, hvor meget jeres andel overstiger kommunens.")
def _dag3_fokus(ctx: _Ctx) -> _Choice:
    from llkit.stats import indicators

    ds = ctx.ds
    top = _first_share_low(ctx)
    correct = str(top["measure_id"])
    cand = _candidates(ctx)
    fb: dict[str, str] = {}
    for r in cand.itertuples():
        m = None if pd.isna(r.measure_id) else str(r.measure_id)
        if m is None or m == correct or m in fb:
            continue
        if r.kind == "share_low":
            fb[m] = (f"{r.label} er også en kandidat, men forskellen til kommunen er størst for "
                     f"{top['label']}.")
        elif r.kind == "gap":
            fb[m] = (f"{r.label} er det mål, hvor forskellen efter social baggrund er størst – "
                     "også et muligt fokus, men spørgsmålet er andelen med en lav score.")
        elif r.kind == "staff":
            fb[m] = (f"{r.label} er medarbejdernes svar (processen, kulturen) – vigtigt, men "
                     f"spørgsmålet gælder {ctx.w['children_def']}.")
    child = ds.measures[(ds.measures["subject"] == "child")]["measure_id"].astype(str).tolist()
    summ = indicators.summarize(ds, child, by="institution", round=ctx.round)
    summ = summ[(summ["institution_id"].astype(str) == ctx.institution) & ~summ["suppressed"]]
    if len(summ):
        lowest = str(summ.sort_values("mean").iloc[0]["measure_id"])
        if lowest != correct and lowest not in fb:
            fb[lowest] = (f"{ctx.label_of(lowest)} har jeres laveste gennemsnit – men skalaerne er "
                          "forskellige, og et gennemsnit skjuler fordelingen. Se på andelen med "
                          "en lav score sammenlignet med kommunen.")
    aliases = {str(lab): str(mid) for mid, lab in zip(ds.measures["measure_id"], ds.measures["label"],
                                                      strict=False)}
    explain = (f"{top['why']}. Et fokus, hvor data og jeres egen viden om {ctx.w['children_def']} "
               "peger samme vej, er et godt sted at begynde.")
    return _Choice(correct=correct, feedback=fb, aliases=aliases, unit=True, explain=explain)


@_register("dag3_maal", _D3,
           "Sæt et realistisk mål for andelen (0–1) med en lav score i jeres fokusmål ved næste måling.",
           "Udgangspunktet står i kolonnen value i focus_candidates; llkit foreslår et mål i "
           "proposed_target. Målet skal være lavere end udgangspunktet, men realistisk.")
def _dag3_maal(ctx: _Ctx) -> _Custom:
    top = _first_share_low(ctx)
    base = float(top["value"])
    proposed = float(top["proposed_target"])
    lower = min(proposed, base / 2) - 0.005
    n = int(top["n"])
    w = ctx.w
    ci = tx.fmt_interval(top["ci_low"], top["ci_high"], percent=True)

    def ok(x: float) -> bool:
        return lower <= x < base - 1e-9

    def evaluate(answer: Any) -> ex.Feedback:
        x = ex.parse_number(_scalar(answer))
        if x is None:
            return ex.Feedback(False, f"»{answer}« kan ikke læses som et tal. Skriv fx 0,08.",
                               valid=False)
        if x > 1 and ok(x / 100):
            return ex.Feedback(False, "Det ligner procent. Skriv målet som en andel mellem 0 og "
                                      f"1 – fx {_num(x / 100)} for {tx.fmt_number(x, 0)} %.")
        if x < 0 or x > 1:
            return ex.Feedback(False, "En andel ligger mellem 0 og 1.")
        if x >= base - 1e-9:
            return ex.Feedback(False, f"Målet er ikke lavere end udgangspunktet ({_num(base)} = "
                                      f"{_pct(base)}). Målet skal være færre {w['children']} "
                                      "med en lav score.")
        if x == 0:
            return ex.Feedback(False, f"Nul {w['children']} med en lav score er sjældent "
                                      "realistisk til næste måling. Sæt et mål, I kan nå.")
        if not ok(x):
            return ex.Feedback(False, f"Meget ambitiøst: fra {_pct(base)} til {_pct(x)}. "
                                      "En halvering til næste måling er allerede et stort skridt "
                                      "– sæt et mål, der er realistisk.")
        fewer = (base - x) * n
        return ex.Feedback(True, f"Et realistisk mål: fra {_pct(base)} til {_pct(x)}, dvs. ca. "
                                 f"{tx.fmt_number(fewer, 0)} færre {w['children']} af {n} med en "
                                 f"lav score. Husk usikkerheden: udgangspunktets interval er {ci}. "
                                 "Målet tæller først som nået, når hele intervallet ligger under "
                                 "det.")

    correct = proposed if ok(proposed) else round(base * 0.75, 3)
    typical = [(base, "ikke lavere end udgangspunktet"), (min(base + 0.05, 1.0), "ikke lavere"),
               (correct * 100, "procent")]
    if not ok(0.0):
        typical.append((0.0, "sjældent realistisk"))
    if lower - 0.02 > 0:
        typical.append((round(max(lower - 0.02, 0.001), 3), "ambitiøst"))
    return _Custom(correct=correct, evaluate=evaluate, typical_answers=lambda: typical)


def _fill(plan: Any, *, deadline: date) -> Any:
    """A plan whose goals all have a sign and an action (for the checks' own references)."""
    from llkit.documents import plans

    for fa in plan.focus_areas:
        for g in fa.goals:
            g.signs = g.signs or ["Tegn, teamet vil se efter"]
            g.actions = g.actions or [plans.Action(what="Handling", who="Ledelsesteamet",
                                                   deadline=deadline)]
    return plan


_MAX_FOCUS = 3


@_register("dag3_plan", _D3,
           "Lav et udkast med plans.new_plan, vælg højst tre fokusområder, og skriv tegn og "
           "handlinger til hvert mål.",
           "Vælg fokusområder med plan.focus_areas = plan.focus_areas[:2]. Hvert mål (g i "
           "fa.goals) skal have g.signs = [\"…\"] og g.actions = [plans.Action(what=…, who=…, "
           "deadline=…)].")
def _dag3_plan(ctx: _Ctx) -> _Custom:
    from llkit.documents import plans

    ds, w = ctx.ds, ctx.w

    def evaluate(plan: Any) -> ex.Feedback:
        if not isinstance(plan, plans.Plan):
            raise _BadAnswer(f"Svaret skal være en plan (et Plan-objekt fra plans.new_plan), ikke "
                             f"{type(plan).__name__}.")
        if str(plan.institution) != ctx.institution:
            return ex.Feedback(False, f"Planen er for {plan.institution}, ikke for jeres "
                                      f"{w['inst']} ({ctx.institution}).")
        k = len(plan.focus_areas)
        if k == 0:
            return ex.Feedback(False, "Planen har ingen fokusområder. Behold et til tre af "
                                      "udkastets.")
        if k > _MAX_FOCUS:
            return ex.Feedback(False, f"Planen har {k} fokusområder. En realistisk plan har højst "
                                      f"{_MAX_FOCUS}: vælg dem, hvor data og jeres egen viden peger "
                                      "samme vej (fx plan.focus_areas = plan.focus_areas[:2]).")
        for _fa, g in plan.goals:
            if not g.signs:
                return ex.Feedback(False, f"Målet »{g.goal}« mangler tegn: hvad vil I kunne se og "
                                          f"høre {w['children_def']} gøre, når I er på vej?")
            if not g.actions:
                return ex.Feedback(False, f"Målet »{g.goal}« mangler handlinger: hvad gør I, "
                                          "hvem gør det, og hvornår?")
        problems = plans.validate_plan(plan, ds)
        errors = problems[problems["severity"] == "error"]
        if len(errors):
            lines = "; ".join(f"{r.column}: {r.problem}" for r in errors.head(3).itertuples())
            return ex.Feedback(False, f"Planen har {len(errors)} fejl – {lines}.")
        goals = len(plan.goals)
        return ex.Feedback(True, f"Planen er realistisk og gyldig: {k} fokusområde"
                                 f"{'r' if k > 1 else ''} og {goals} mål, alle med tegn og "
                                 "handlinger. Gem den med plans.write_plan(plan, …) i mappen "
                                 "plans/ i jeres data, så rapporten kan følge op på den.")

    soon = date.today() + timedelta(days=90)
    good = _fill(plans.new_plan(ds, ctx.institution), deadline=soon)
    good.focus_areas = good.focus_areas[:2]
    return _Custom(correct=good, evaluate=evaluate,
                   typical_answers=lambda: _typical_plans(ds, ctx.institution, soon))


def _typical_plans(ds: Dataset, institution: str, soon: date) -> list[tuple[Any, str]]:
    """Typical unfinished or wrong plans, with a phrase of their feedback."""
    from llkit.documents import plans

    draft = plans.new_plan(ds, institution)
    typical: list[tuple[Any, str]] = []
    if len(draft.focus_areas) > _MAX_FOCUS:
        typical.append((draft, "højst"))
    bare = plans.new_plan(ds, institution)
    bare.focus_areas = bare.focus_areas[:2]
    typical.append((bare, "mangler tegn"))
    signs_only = plans.new_plan(ds, institution)
    signs_only.focus_areas = signs_only.focus_areas[:2]
    for fa in signs_only.focus_areas:
        for g in fa.goals:
            g.signs = ["Tegn"]
    typical.append((signs_only, "mangler handlinger"))
    others = [i for i in ds.org["institution_id"].astype(str).unique() if i != institution]
    if others:
        other = _fill(plans.new_plan(ds, others[0]), deadline=soon)
        other.focus_areas = other.focus_areas[:2]
        typical.append((other, "ikke for jeres"))
    typical.append((pd.DataFrame({"a": [1, 2]}), "Plan-objekt"))
    return typical


@_register("dag3_status", _D3,
           "Forestil jer, at udkastet var lavet efter den første måling med mål til den seneste. "
           "Hvor mange af målene ville have status »nået«?",
           "Lav udkastet med plans.new_plan(ds, institution, round=første, target_round=seneste), "
           "giv alle mål tegn og handlinger, og tæl status == \"nået\" i "
           "plans.plan_status(plan, ds). Behold alle udkastets fokusområder.")
def _dag3_status(ctx: _Ctx) -> _Number:
    from llkit.documents import plans

    if len(ctx.rounds) < 2:
        raise _Skip("Jeres data har kun én måling; der er intet at følge op på – opgaven "
                    "springes over.")
    first, last = ctx.rounds[0], ctx.rounds[-1]
    plan = _fill(plans.new_plan(ctx.ds, ctx.institution, round=first, target_round=last),
                 deadline=date.today())
    if not plan.focus_areas:
        raise _Skip(f"Data fra {first} peger ikke på noget fokus – opgaven springes over.")
    st = plans.plan_status(plan, ctx.ds)
    status = st["status"].astype(str)
    reached = int((status == "nået").sum())
    hib = st["higher_is_better"].astype(bool)
    point = int((((st["latest_value"] >= st["target"]) & hib)
                 | ((st["latest_value"] <= st["target"]) & ~hib)).sum())
    wrong = [(point, 0, "I har talt de mål, hvor tallet er på den rigtige side af målet. Men et "
                        "mål tæller først som nået, når hele usikkerhedsintervallet er det."),
             (int(status.isin(["nået", "på vej"]).sum()), 0,
              "I har også talt mål, der er »på vej«. Spørgsmålet er kun de nåede."),
             (len(st), 0, "Det er antallet af mål i alt. Tæl dem med status »nået«.")]
    counts = ", ".join(f"{int((status == s).sum())} {s}" for s in plans.STATUSES
                       if (status == s).any())
    return _Number(correct=reached, tolerance=0, decimals=0, unit="mål", wrong=wrong,
                   explain=f"Af {len(st)} mål: {counts}. Et mål kan være »kan ikke vurderes«, "
                           "selv om tallet ser bedre ud: ændringen er måske ikke større end "
                           "usikkerheden.")


# ======================================================================================
# preparing a cluster meeting (3–4 teams)
# ======================================================================================

_D4 = "04_klyngemoede"


def _team_names(ctx: _Ctx) -> dict[str, str]:
    return {t: ctx.inst_name(t) for t in ctx.teams}


@_register("klynge_tragt", _D4,
           "Hvor mange af klyngens dagtilbud/skoler ligger uden for tragtens 99,8 %-grænser i målet?",
           "llkit.compare(ds, maal, level=\"institution\", round=seneste) har kolonnen flag "
           "(over, under, within = inden for 99,8 %-grænserne). Tæl klyngens egne, der ikke er "
           "within.")
def _klynge_tragt(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    c = indicators.compare(ctx.ds, ctx.measure, level="institution", round=ctx.round)
    c = c[c["institution_id"].astype(str).isin(ctx.teams) & ~c["suppressed"]]
    if c.empty:
        raise _Skip("Ingen af klyngens tal må vises i den seneste måling – opgaven springes over.")
    outside = c[c["flag"].astype(str) != "within"]
    beyond95 = int(((c["mean"] < c["lower95"]) | (c["mean"] > c["upper95"])).sum())
    above = int((c["mean"] > c["target"]).sum())
    below = int((c["mean"] < c["target"]).sum())
    w = ctx.w
    wrong = [(beyond95, 0, "Det er antallet uden for 95 %-grænserne. Med mange enheder ligger "
                           "hver tyvende uden for dem af ren tilfældighed – brug 99,8 %."),
             (above, 0, "Det er antallet over kommunens gennemsnit – uden hensyn til "
                        "usikkerheden. Tragten viser, hvor langt fra gennemsnittet et tal kan "
                        "ligge alene ved tilfældighed."),
             (below, 0, "Det er antallet under kommunens gennemsnit – uden hensyn til "
                        "usikkerheden.")]
    if len(outside):
        names = ", ".join(f"{ctx.inst_name(str(i))} ({'over' if f == 'over' else 'under'})"
                          for i, f in zip(outside["institution_id"], outside["flag"], strict=False))
        explain = f"Uden for tragten: {names}. Det er værd at undersøge nærmere – ikke en dom."
    else:
        explain = (f"Ingen af jer ligger uden for tragten: forskellene mellem {w['insts_def']} kan "
                   "være tilfældige. Tal på klyngemødet om praksis, ikke om placeringer.")
    return _Number(correct=len(outside), tolerance=0, decimals=0,
                   unit=_unit(len(outside), w["inst"], w["insts"]), wrong=wrong,
                   explain=explain)


@_register("klynge_fremgang", _D4,
           "Nævn et dagtilbud/en skole i klyngen, der er gået frem i målet mere end usikkerheden "
           "fra forrige til seneste måling (eller »ingen«).",
           "llkit.change(ds, maal, by=\"institution\") sammenligner de to seneste målinger. En "
           "fremgang er sikker, når hele intervallet (ci_low til ci_high) ligger over 0 – og den "
           "holder, når man tager højde for, at klyngen har flere teams: "
           "llkit.stats.decision.holm(ch[\"p_value\"]) siger, hvilke der holder.")
def _klynge_fremgang(ctx: _Ctx) -> _Choice:
    from llkit.stats import indicators

    ds, w = ctx.ds, ctx.w
    rounds = [str(r) for r in ds.meta.rounds]
    if len(rounds) < 2:
        raise _Skip("Jeres data har kun én måling – opgaven springes over.")
    from llkit.stats.decision import holm

    ch = indicators.change(ds, ctx.measure, by="institution")
    ch = ch[ch["institution_id"].astype(str).isin(ctx.teams)]
    # the cluster's teams are one family: a gain is sure only when Holm keeps it
    holds = dict(zip(ch["institution_id"].astype(str), holm(ch["p_value"].to_numpy(dtype=float))[0],
                     strict=True))
    sign = 1 if ctx.hib else -1
    fb: dict[str, str] = {}
    sure: set[str] = set()
    for r in ch.itertuples():
        i = str(r.institution_id)
        name = ctx.inst_name(i)
        if r.suppressed or pd.isna(r.diff):
            fb[i] = f"Tallene for {name} er skjult (for få {w['children']}) – det kan I ikke sige noget om."
            continue
        d, lo, hi = sign * r.diff, sign * r.ci_low, sign * r.ci_high
        ci = tx.fmt_interval(r.ci_low, r.ci_high, 2)
        change_txt = f"{tx.fmt_number(r.diff, 2, sign=True)} (interval {ci})"
        if min(lo, hi) > 0 and holds.get(i, False):
            sure.add(i)
            fb[i] = (f"{name} gik frem fra {r.from_round} til {r.to_round}: {change_txt}. Spørg "
                     "dem på klyngemødet, hvad de har gjort – og hvordan de ved, at det virkede.")
        elif min(lo, hi) > 0:
            fb[i] = (f"{name} gik frem ({change_txt}), og intervallet ligger over 0 – men med "
                     f"{len(ch)} teams på én gang kan én sådan fremgang opstå ved en tilfældighed, så "
                     "den er ikke sikker.")
        elif d > 0:
            fb[i] = (f"{name} gik frem ({change_txt}), men intervallet omfatter 0: ændringen er "
                     "inden for usikkerheden.")
        else:
            fb[i] = f"{name} gik ikke frem ({change_txt})."
    rest = {i: f"{ctx.inst_name(i)} er ikke med i jeres klyngemøde."
            for i in ds.org["institution_id"].astype(str).unique() if i not in ctx.teams}
    aliases = {ctx.inst_name(i): i for i in ds.org["institution_id"].astype(str).unique()}
    aliases.update({"ingen": "ingen", "none": "ingen", "ingen af os": "ingen"})
    if sure:
        fb["ingen"] = (f"Se igen: {len(sure)} af jer gik frem mere end usikkerheden – find "
                       "rækker, hvor ci_low er over 0.")
        return _Choice(correct=sure, feedback=fb, aliases=aliases, unit=True, rest=rest)
    fb["ingen"] = ("Rigtigt set: ingen af jer gik frem mere end usikkerheden. Tal om, hvad I "
                   "hver især har prøvet, og hvordan I vil kunne se, om det virker.")
    return _Choice(correct="ingen", feedback=fb, aliases=aliases, unit=True, rest=rest)


@_register("klynge_dokumentation", _D4,
           "Hvor mange af klyngens dagtilbud/skoler har tegn på læring dokumenteret i alle "
           "stuer/klasser i den seneste måling?",
           "llkit.coverage(ds, by=\"institution\", round=seneste) har kolonnen share (andelen "
           "af teams, der dokumenterer). Tæl klyngens egne med share == 1.")
def _klynge_dokumentation(ctx: _Ctx) -> _Number:
    from llkit.stats import indicators

    ds, w = ctx.ds, ctx.w
    if ds.goals is None or ds.goals.empty:
        raise _Skip("Jeres data har ingen oplysninger om læringsmål og tegn på læring – opgaven "
                    "springes over.")
    cov = indicators.coverage(ds, by="institution", round=ctx.round)
    cov = cov[cov["institution_id"].astype(str).isin(ctx.teams)]
    if cov.empty:
        raise _Skip("Klyngen har ingen læringsmål i den seneste måling – opgaven springes over.")
    full = int((cov["share"] >= 1 - 1e-9).sum())
    wrong = [(int(cov["teams_documenting"].sum()), 0,
              f"Det er antallet af {w['depts']}, der dokumenterer. Spørgsmålet er, hvor mange "
              f"{w['insts']} der gør det i alle {w['depts']}."),
             (len(ctx.teams), 0, f"Det er antallet af {w['insts']} i klyngen. Tæl kun dem, hvor "
                                 "alle teams dokumenterer (share == 1)."),
             (float(cov["share"].mean()), 0.005, "Det er den gennemsnitlige andel. Spørgsmålet er "
                                                 "et antal.")]
    return _Number(correct=full, tolerance=0, decimals=0, unit=_unit(full, w["inst"], w["insts"]), wrong=wrong,
                   explain=f"{full} af {len(cov)} {w['insts']} har tegn på læring dokumenteret i "
                           f"alle {w['depts']}. Hvordan har de organiseret det – og hvad kan de "
                           "andre bruge?")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
