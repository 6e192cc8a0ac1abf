"""Build hook: ship the repository's notebooks inside the package.

``notebooks/`` and ``exercises/{learner,solutions}/`` at the top of the repository are
the one copy in git; building a wheel (or installing from an sdist) copies them into
``llkit/_bundled/`` of the built package, where :mod:`llkit.bundled` finds them with
``importlib.resources``. Everything else is declared in ``pyproject.toml``.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: (folder in the repository, glob) -> copied to llkit/_bundled/<same relative path>
BUNDLED = [("notebooks", "*.ipynb"), ("notebooks/elearning", "*.ipynb"),
           ("exercises/learner", "*.ipynb"), ("exercises/solutions", "*.ipynb")]


class BuildWithNotebooks(build_py):
    """``build_py`` that also copies the shipped notebooks into the build."""

    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the checkout's folders directly
            return
        for folder, pattern in BUNDLED:
            files = sorted((ROOT / folder).glob(pattern))
            if not files:
                raise SystemExit(f"setup.py: no {pattern} in {folder}/; the build would ship "
                                 "without notebooks")
            target = Path(self.build_lib) / "llkit" / "_bundled" / folder
            self.mkpath(str(target))
            for f in files:
                self.copy_file(str(f), str(target / f.name))


setup(cmdclass={"build_py": BuildWithNotebooks})
