"""The notebooks that ship with llkit, found wherever llkit is installed.

The repository's ``notebooks/`` (reports, dashboard, action plan, e-learning chapters)
and ``exercises/`` (the seminar exercises: ``learner/`` and ``solutions/``) are the one
copy in git. A wheel or sdist build copies them into the package as
``llkit/_bundled/notebooks`` and ``llkit/_bundled/exercises`` (see ``setup.py``), where
:mod:`importlib.resources` finds them in any installation; in a source checkout (an
editable install, or ``python -m llkit`` from the clone) the repository's folders are
used directly. Nothing here reads the network or the working directory.

Examples
--------
>>> notebook("institution_report.ipynb").name
'institution_report.ipynb'
>>> sorted(p.name for p in exercises("learner"))[0]
'01_dag1_principper_og_data.ipynb'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["EXERCISE_KINDS", "notebooks_dir", "exercises_dir", "notebook", "elearning",
           "exercises", "reports"]

#: The seminar exercise versions that ship: for participants and for facilitators.
EXERCISE_KINDS = ("learner", "solutions")


def _root(name: str) -> Path:
    """``llkit/_bundled/<name>`` when installed, else ``<checkout>/<name>``."""
    installed = Path(str(resources.files("llkit").joinpath("_bundled", name)))
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    raise FileNotFoundError(
        f"llkit's {name} were not found (looked in {installed} and {checkout / name}); "
        "reinstall llkit from a wheel or sdist built by 'make dist'")


def notebooks_dir() -> Path:
    """The folder of the shipped report, dashboard, action-plan and e-learning notebooks."""
    return _root("notebooks")


def exercises_dir(kind: str = "learner") -> Path:
    """The folder of the seminar exercises, ``learner`` or ``solutions``."""
    if kind not in EXERCISE_KINDS:
        raise ValueError(f"unknown exercise version {kind!r}; use one of {', '.join(EXERCISE_KINDS)}")
    return _root("exercises") / kind


def notebook(name: str) -> Path:
    """A shipped notebook by file name (``institution_report.ipynb``) or relative path
    (``elearning/01_datainformeret_laeringsledelse.ipynb``)."""
    path = notebooks_dir() / name
    if not path.is_file():
        known = ", ".join(p.name for p in reports())
        raise FileNotFoundError(f"llkit ships no notebook {name!r} (the reports are: {known})")
    return path


def reports() -> list[Path]:
    """The report, dashboard and action-plan notebooks (not the e-learning chapters)."""
    return sorted(notebooks_dir().glob("*.ipynb"))


def elearning() -> list[Path]:
    """The e-learning chapters, in order."""
    return sorted((notebooks_dir() / "elearning").glob("*.ipynb"))


def exercises(kind: str = "learner") -> list[Path]:
    """The seminar exercise notebooks of one version, in order."""
    return sorted(exercises_dir(kind).glob("*.ipynb"))
