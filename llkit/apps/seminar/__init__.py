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

from llkit.apps.seminar.builder import (
    END,
    LEARNER_TAG,  # noqa: F401 - public constants, not in __all__
    SOLUTION_TAG,  # noqa: F401 - public constants, not in __all__
    START,
    SeminarError,
    build,
    check_built,
    main,
    split_versions,
)
from llkit.apps.seminar.checks import (
    CHECKS,
    EMPTY,  # noqa: F401 - public constants, not in __all__
    RIGHT,  # noqa: F401 - public constants, not in __all__
    SKIPPED,  # noqa: F401 - public constants, not in __all__
    WRONG,  # noqa: F401 - public constants, not in __all__
    Result,
    SeminarCheck,
    check,
)
from llkit.apps.seminar.context import (
    intro,
    latest_round,
    meeting_teams,
    pick_measure,
    with_cut_points,
)

# The exercise checks register themselves in CHECKS when their module is imported; the
# order (day 1, day 2, day 3, the cluster meeting) is the order of the notebooks.
# isort: off
from llkit.apps.seminar import day1  # noqa: F401
from llkit.apps.seminar import day2  # noqa: F401
from llkit.apps.seminar import day3  # noqa: F401
from llkit.apps.seminar import cluster  # noqa: F401
# isort: on

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
    "with_cut_points",
    "latest_round",
    "meeting_teams",
    "intro",
    "main",
]
