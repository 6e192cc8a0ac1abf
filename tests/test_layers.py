"""The package tree is the architecture: imports only go down the layers.

errors, _atomic, bundled  <  data  <  stats  <  present  <  documents  <  apps  <  cli, llkit

Every import is checked, also those inside functions (they are dependencies too).
docs/architecture.md draws the same picture.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "llkit"

LAYERS = ["base", "data", "stats", "present", "documents", "apps", "top"]
BASE = {"llkit.errors", "llkit._atomic", "llkit.bundled"}
TOP = {"llkit.cli", "llkit.__main__"}
LIMIT_LINES = 800
LIMIT_FUNCTION = 80


def module_name(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> str:
    if module in BASE:
        return "base"
    if module in TOP or module == "llkit":
        return "top"
    sub = module.split(".")[1]
    if sub not in LAYERS:
        raise AssertionError(f"{module} is in no layer; put it in one of {LAYERS[1:-1]}")
    return sub


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported llkit module) for every import in the file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "llkit"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "llkit":
                continue
            for a in node.names:  # `from llkit.stats import indicators` imports a module
                sub = f"{mod}.{a.name}"
                resolves = (PKG.parent / Path(*sub.split("."))).with_suffix(".py").exists() or \
                    (PKG.parent / Path(*sub.split("."))).is_dir()
                found.append((node.lineno, sub if resolves else mod))
    return found


MODULES = sorted(p for p in PKG.rglob("*.py"))


def test_every_module_is_in_a_layer():
    for path in MODULES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_only_go_down(path):
    me = module_name(path)
    mine = LAYERS.index(layer_of(me))
    wrong = []
    for line, target in imports(path):
        if target == "llkit":
            # the root's lazy public names; only the applications (which patch
            # llkit.load in a batch kernel and report llkit.__version__) and cli use it
            if mine < LAYERS.index("apps"):
                wrong.append(f"line {line}: imports the package root llkit")
            continue
        theirs = LAYERS.index(layer_of(target))
        if theirs > mine:
            wrong.append(f"line {line}: {me} ({LAYERS[mine]}) imports {target} ({LAYERS[theirs]})")
    assert not wrong, "imports must go down the layers:\n" + "\n".join(wrong)


def _reason(lines: list[str], first: int, last: int) -> bool:
    """A module or function may be longer when it says why (``Long because ...``).

    Functions are measured without their docstring: numpy-style parameter
    documentation is welcome and should not push code apart.
    """
    return any("long because" in s.lower() for s in lines[first:last])


#: Rooms still over the limits when the layout landed (issue 17), with their size then.
#: A ratchet: an entry may shrink and must be removed once it fits; none may grow, and
#: nothing new may be added — split it or write its reason ("Long because ...") instead.
KNOWN_OVERSIZE: dict[str, int] = {}


def sizes(path: Path) -> dict[str, int]:
    """``module`` -> lines and ``module:function`` -> code lines, for what exceeds a limit."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    mod = module_name(path)
    out = {}
    if len(lines) > LIMIT_LINES and not _reason(lines, 0, 40):
        out[mod] = len(lines)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body[1:] if ast.get_docstring(node) is not None and len(node.body) > 1 \
                else node.body
            n = node.end_lineno - body[0].lineno + 1   # code lines; the docstring is free
            if n > LIMIT_FUNCTION and not _reason(lines, node.lineno - 1, node.lineno + 12):
                out[f"{mod}:{node.name}"] = n
    return out


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_modules_and_functions_are_small(path):
    problems = []
    for key, n in sizes(path).items():
        limit = LIMIT_FUNCTION if ":" in key else LIMIT_LINES
        known = KNOWN_OVERSIZE.get(key)
        if known is None:
            problems.append(f"{key}: {n} lines (limit {limit}); split it, or say why at its "
                            "top with 'Long because ...'")
        elif n > known:
            problems.append(f"{key}: grew to {n} lines (was {known}, limit {limit})")
    assert not problems, "\n".join(problems)


def test_the_oversize_list_only_names_what_is_still_oversize():
    now = {}
    for path in MODULES:
        now.update(sizes(path))
    stale = sorted(set(KNOWN_OVERSIZE) - set(now))
    assert not stale, f"these fit the limits now; remove them from KNOWN_OVERSIZE: {stale}"


def test_the_checker_sees_a_wrong_import(tmp_path, monkeypatch):
    """The check itself: an upward import inside a function is found."""
    fake = PKG / "data" / "_layer_probe.py"
    src = "def f():\n    from llkit.apps import batch\n    return batch\n"
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: src)
    assert imports(fake) == [(2, "llkit.apps.batch")]
    assert LAYERS.index(layer_of("llkit.apps.batch")) > LAYERS.index(layer_of(module_name(fake)))
