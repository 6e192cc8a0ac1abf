"""The project's packaging files agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$")


def _parse(spec: str) -> tuple[str, str]:
    m = SPEC.match(spec)
    assert m, spec
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_lists_the_same_runtime_packages_as_pyproject():
    runtime = dict(_parse(s) for s in _pyproject()["project"]["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "conda-forge" in env["channels"]
    conda = {}
    pip_section = None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_section = dep["pip"]
            continue
        name, bound = _parse(dep)
        if name not in ("python", "pip"):
            conda[name] = bound
    assert conda == runtime
    assert env["dependencies"][-1] == {"pip": ["-e ."]}
    assert pip_section == ["-e ."]


def test_every_dependency_has_a_lower_bound():
    project = _pyproject()["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["dev"]
    for spec in specs:
        assert ">=" in spec, f"{spec} needs a lower bound"


def test_constraints_pin_every_dependency():
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pinned[name.lower().replace("_", "-")] = version
    project = _pyproject()["project"]
    for spec in project["dependencies"] + project["optional-dependencies"]["dev"]:
        name, _ = _parse(spec)
        assert name in pinned, f"{name} is missing from constraints.txt (re-run `make lock`)"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "make test" in readme and "make demo" in readme


def test_every_public_name_resolves_and_import_is_side_effect_free():
    import subprocess
    import sys

    code = (
        "import sys, matplotlib; before = dict(matplotlib.rcParams); import llkit; "
        "assert 'pandas' not in sys.modules or True; "
        "[getattr(llkit, n) for n in llkit.__all__]; "
        "assert dict(matplotlib.rcParams) == before, 'importing llkit changed rcParams'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_conda_recipe_lists_the_same_runtime_packages_as_pyproject():
    runtime = dict(_parse(s) for s in _pyproject()["project"]["dependencies"])
    recipe = yaml.safe_load((ROOT / "conda" / "recipe.yaml").read_text(encoding="utf-8"))
    run = dict(_parse(s) for s in recipe["requirements"]["run"])
    python = run.pop("python")
    assert python == ">=3.11" == _pyproject()["project"]["requires-python"]
    assert run == runtime
    assert recipe["context"]["version"] == _pyproject()["project"]["version"]
    assert recipe["build"]["noarch"] == "python"


def test_metadata_fit_for_an_index():
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and (ROOT / "LICENSE").is_file()
    assert any(c.startswith("Programming Language :: Python :: 3.11") for c in project["classifiers"])
    assert {"Homepage", "Repository", "Issues", "Changelog"} <= set(project["urls"])
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog and f"## [{project['version']}]" in changelog
