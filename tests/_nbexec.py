"""Test helper: execute a notebook's code cells in this process (no kernel).

The shape fuzzer and the regression tests run the notebooks' own cells, with the
parameters injected, on many small datasets; starting a kernel for each would cost
seconds. The cells run through :func:`llkit.apps.serve.chapters.run_cells` (one shared
namespace, as a kernel), and the value of each cell's last expression is rendered as a
notebook would show it (``_repr_html_`` first, else ``repr``), so the section functions'
HTML is built. A cell that raises fails with the notebook and cell in the message. Not a
test module (no ``test_`` prefix).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


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
    from llkit.apps.serve.chapters import CellError, run_cells

    outputs: list[str] = []
    try:
        for kind, value, printed in run_cells(notebook, params):
            if kind == "code":
                outputs.append(printed + _render(value))
    except CellError as exc:
        raise AssertionError(str(exc)) from exc.__cause__
    return outputs
