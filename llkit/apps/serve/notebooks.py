"""The notebooks a server serves: copied to the server's private folder with the kernel
:data:`KERNEL_NAME` (this installation's Python), the server's parameters injected, and
the cells that wait for a viewer tagged so they never time out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from llkit.bundled import notebooks_dir

#: Name of the kernel specification the served notebooks use (this installation's Python).
KERNEL_NAME = "llkit-serve"
NOTEBOOK_CHOICES = ("dashboard", "elearning", "all")


_INJECTED = (
    "# Injected by llkit serve: the data and the institution come from the server's scope.\n"
    "data, institution = _llkit_serve.kernel_parameters(data, institution)"
)
#: Runs before the viewer arrives in a preheated kernel: imports and loads the data.
_INJECTED_WARM = (
    "# Injected by llkit serve: imports and the server's data, before a viewer arrives.\n"
    "from llkit.apps import serve as _llkit_serve\n"
    "_llkit_serve.warm_kernel()"
)


#: Tag of the cells that wait for a viewer in a preheated kernel (no execution time limit).
WAIT_TAG = "llkit-waits-for-viewer"
#: Calls that wait for the viewer's query string (see :func:`request_query`).
_WAITING_CALLS = ("dashboard.request(", "kernel_parameters(")
#: Time limit (seconds) of every other cell: generous, since ten viewers arriving at once
#: on a small shared machine start ten kernels together.
CELL_TIMEOUT = 600


def cell_timeout(cell: Any) -> int | None:
    """Execution time limit of a served cell (``VoilaExecutor.timeout_func``).

    A cell tagged :data:`WAIT_TAG` waits, in a preheated kernel, until a viewer arrives,
    which may be hours; it must not time out (a timed-out cell ends the page without the
    view, and the viewer who gets that kernel waits forever). Other cells get
    :data:`CELL_TIMEOUT`.

    Examples
    --------
    >>> cell_timeout({"metadata": {"tags": [WAIT_TAG]}}) is None
    True
    >>> cell_timeout({"metadata": {}})
    600
    """
    tags = (cell.get("metadata") or {}).get("tags") or []
    return None if WAIT_TAG in tags else CELL_TIMEOUT


def parse_chapters(text: str | None) -> set[int] | None:
    """``"3"`` or ``"3,4"`` as chapter numbers (``None``: all chapters).

    Examples
    --------
    >>> sorted(parse_chapters("3, 4"))
    [3, 4]
    >>> parse_chapters("tre")
    Traceback (most recent call last):
    ...
    ValueError: invalid --chapters 'tre': use chapter numbers such as 3 or 3,4
    """
    if text is None or not str(text).strip():
        return None
    try:
        out = {int(v) for v in str(text).split(",") if v.strip()}
    except ValueError:
        out = set()
    if not out or min(out) < 1:
        raise ValueError(f"invalid --chapters {text!r}: use chapter numbers such as 3 or 3,4")
    return out


def _select_notebooks(source: Path, which: str, chapters: set[int] | None = None) -> list[Path]:
    if which not in NOTEBOOK_CHOICES:
        raise ValueError(f"invalid --notebooks {which!r}: use one of {', '.join(NOTEBOOK_CHOICES)}")
    out: list[Path] = []
    if which in ("dashboard", "all"):
        nb = source / "dashboard.ipynb"
        if not nb.is_file():
            raise FileNotFoundError(f"{nb} not found")
        out.append(nb)
    if which in ("elearning", "all"):
        found = sorted((source / "elearning").glob("[0-9][0-9]_*.ipynb"))
        if not found and which == "elearning":
            raise FileNotFoundError(f"no e-learning chapters (NN_*.ipynb) in {source / 'elearning'}")
        if chapters is not None:
            numbers = {int(p.name[:2]) for p in found}
            unknown = sorted(chapters - numbers)
            if unknown:
                raise ValueError(f"no e-learning chapter {', '.join(map(str, unknown))}; "
                                 f"there are: {', '.join(map(str, sorted(numbers)))}")
            found = [p for p in found if int(p.name[:2]) in chapters]
        out.extend(found)
    return out


def prepare_notebooks(dest: str | Path, which: str = "dashboard", *,
                      source: str | Path | None = None, chapters: str | None = None) -> list[str]:
    """Copy the notebooks to serve into ``dest`` (the server's private folder).

    The copies use the kernel :data:`KERNEL_NAME`; every notebook other than the dashboard
    (which reads the server's configuration itself) gets a cell after its ``parameters``
    cell that takes ``data`` and ``institution`` from the server (:func:`kernel_parameters`).

    Parameters
    ----------
    dest : str or Path
        An empty folder.
    which : {"dashboard", "elearning", "all"}
    source : str or Path, optional
        The notebooks folder (default: the project's ``notebooks``).
    chapters : str, optional
        The e-learning chapters to serve (``"3"``, ``"3,4"``; default all).

    Returns
    -------
    list of str
        The served paths relative to ``dest``, e.g. ``["dashboard.ipynb",
        "elearning/01_data.ipynb"]``.
    """
    import nbformat

    source = Path(source) if source is not None else notebooks_dir()  # the shipped ones
    dest = Path(dest)
    served = []
    for nb_path in _select_notebooks(source, which, parse_chapters(chapters)):
        rel = nb_path.relative_to(source)
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python (llkit)",
                                     "language": "python"}
        if rel.name != "dashboard.ipynb":
            idx = next((i for i, c in enumerate(nb.cells)
                        if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None)
            cell = nbformat.v4.new_code_cell(_INJECTED)
            cell.metadata["tags"] = ["injected-parameters", WAIT_TAG]
            warm = nbformat.v4.new_code_cell(_INJECTED_WARM)
            warm.metadata["tags"] = ["injected-warm"]
            at = 0 if idx is None else idx + 1
            nb.cells[at:at] = [warm, cell]
        for cell in nb.cells:
            if cell.cell_type == "code" and any(w in cell.source for w in _WAITING_CALLS):
                tags = cell.metadata.setdefault("tags", [])
                if WAIT_TAG not in tags:
                    tags.append(WAIT_TAG)
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out)
        served.append(rel.as_posix())
    return served


def write_kernelspec(jupyter_dir: str | Path) -> Path:
    """Write the kernel specification :data:`KERNEL_NAME` (this Python, ``sys.executable``)
    under ``jupyter_dir/kernels``; put ``jupyter_dir`` first on ``JUPYTER_PATH``."""
    kdir = Path(jupyter_dir) / "kernels" / KERNEL_NAME
    kdir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (llkit)",
        "language": "python",
        "metadata": {"debugger": False},
    }
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return kdir
