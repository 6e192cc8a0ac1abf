"""Test helper: execute a notebook's code cells in this process (no kernel).

The shape fuzzer and the regression tests run the notebooks' own cells, with the
parameters injected, on many small datasets; starting a kernel for each would cost
seconds. Each cell runs in one shared namespace, and the value of its last expression is
rendered as a notebook would show it (``_repr_html_`` first, else ``repr``), so the
section functions' HTML is built. A cell that raises propagates the exception, with the
notebook and cell in its message. Not a test module (no ``test_`` prefix).
"""

from __future__ import annotations

import ast
import contextlib
import io
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat


def code_cells(notebook: str | Path) -> list[tuple[int, str, bool]]:
    """(index, source, is_parameters) of the code cells."""
    nb = nbformat.read(str(notebook), as_version=4)
    return [(i, c.source, "parameters" in c.metadata.get("tags", []))
            for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _render(value: Any) -> str:
    if value is None:
        return ""
    html = getattr(value, "_repr_html_", None)
    if callable(html):
        out = html()
        return out if isinstance(out, str) else ""
    return repr(value)


def exec_notebook(notebook: str | Path, params: Mapping[str, Any]) -> list[str]:
    """Run the code cells of ``notebook`` with ``params``; return every cell's output
    (printed text and the rendered last expression)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns: dict[str, Any] = {"__name__": "__notebook__"}
    outputs: list[str] = []
    for index, source, is_params in code_cells(notebook):
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf), warnings.catch_warnings():
                warnings.simplefilter("ignore")   # data warnings are shown by the notebook
                exec(compile(tree, f"{Path(notebook).name}[{index}]", "exec"), ns)  # noqa: S102
                if is_params:
                    ns.update(params)
                value = (eval(compile(ast.Expression(last.value), f"{Path(notebook).name}[{index}]", "eval"), ns)  # noqa: S307
                         if last is not None else None)
                shown = _render(value)
        except Exception as exc:
            raise AssertionError(f"{Path(notebook).name}, cell {index}:\n{source}\n-> "
                                 f"{type(exc).__name__}: {exc}") from exc
        finally:
            plt.close("all")
        outputs.append(buf.getvalue() + shown)
    return outputs
