"""What a batch reads: the notebook (the default per level, its parameters, imports and
kernel), the parameter values in their declared types, the data digest and the input
hash of a unit, and the checks made before anything runs."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from llkit import bundled

#: Default notebook per level, among the notebooks that ship with llkit.
DEFAULT_NOTEBOOKS = {"institution": "institution_report.ipynb",
                     "cluster": "cluster_dialogue.ipynb"}


def default_notebook(level: str = "institution") -> Path:
    """The shipped notebook for a level (``institution_report.ipynb`` …), found by
    :func:`llkit.bundled.notebook` in an installed llkit or in the source checkout.
    ``llkit notebooks copy`` puts an editable copy elsewhere (then pass ``--notebook``).

    Raises
    ------
    FileNotFoundError
        When there is no default notebook for the level or it is not found.
    """
    name = DEFAULT_NOTEBOOKS.get(level)
    if name is None:
        raise FileNotFoundError(f"there is no default notebook for level {level!r}; pass "
                                "--notebook with a notebook that has a parameter "
                                f"{level!r}")
    return bundled.notebook(name)


def notebook_parameters(notebook: str | Path) -> dict[str, str]:
    """The parameters a notebook declares in its ``parameters``-tagged cell.

    Returns
    -------
    dict
        Parameter name -> type name: the annotation if there is one, else the type that
        the line's comment starts with (the project's convention,
        ``rounds = None  # list of str or None: …``), else the type of the default
        value; ``"None"`` when none of these tells.
    """
    import ast

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    source = ""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in (
                cell.get("metadata", {}).get("tags") or []):
            src = cell.get("source", "")
            source = "".join(src) if isinstance(src, list) else str(src)
            break
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"the parameters cell of {Path(notebook).name} is not valid Python: "
                         f"{exc.msg} (line {exc.lineno})") from None
    lines = source.splitlines()
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            annotation = None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
            annotation = ast.unparse(node.annotation)
        else:
            continue
        value = node.value
        line = lines[node.end_lineno - 1][node.end_col_offset:] if node.end_lineno else ""
        comment = line.split("#", 1)[1] if "#" in line else ""
        t = annotation or _comment_type(comment)
        if t is None and value is not None:
            try:
                literal = ast.literal_eval(value)
            except ValueError:
                literal = None
            t = None if literal is None else type(literal).__name__
        for name in names:
            out[name] = t or "None"
    return out


_COMMENT_TYPE = re.compile(r"^\s*(list of (?:str|int|float)|list|str|int|float|bool)\b",
                           re.I)


def _comment_type(comment: str) -> str | None:
    m = _COMMENT_TYPE.match(comment)
    if not m:
        return None
    t = m.group(1).lower()
    return f"list[{t[8:]}]" if t.startswith("list of ") else t


_TRUE = {"true", "1", "yes", "ja", "sand"}
_FALSE = {"false", "0", "no", "nej", "falsk"}


def _coerce(name: str, value: Any, type_name: str) -> Any:
    if not isinstance(value, str):
        return value
    t = type_name.replace(" ", "").lower()
    try:
        if "list" in t or "tuple" in t or "sequence" in t:
            if value.lstrip().startswith("["):
                return list(json.loads(value))
            return [v.strip() for v in value.split(",") if v.strip()]
        if "str" in t:
            return value
        if t in ("int", "optional[int]", "int|none"):
            return int(value)
        if t in ("float", "optional[float]", "float|none"):
            return float(value)
        if t in ("bool", "optional[bool]", "bool|none"):
            v = value.strip().lower()
            if v in _TRUE | _FALSE:
                return v in _TRUE
            raise ValueError(value)
    except (ValueError, json.JSONDecodeError):
        raise ValueError(f"parameter {name}: {value!r} is not a valid {type_name}") from None
    # unknown / None default: JSON literal if it is one, else the text as given
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return value
    return parsed if not isinstance(parsed, str) else value


def coerce_parameters(values: Mapping[str, Any] | Iterable[tuple[str, Any]],
                      declared: Mapping[str, str]) -> dict[str, Any]:
    """Convert ``-p NAME VALUE`` texts to the types the notebook declares.

    A parameter declared as text stays text (``"007"`` stays ``"007"``); ``int``,
    ``float`` and ``bool`` are converted; lists accept JSON (``["T1","T3"]``) or
    comma-separated text; undeclared types take a JSON literal when the value is one.

    Raises
    ------
    ValueError
        For a name the notebook does not declare, or a value of the wrong type.
    """
    items = values.items() if isinstance(values, Mapping) else values
    out: dict[str, Any] = {}
    for name, value in items:
        if name not in declared:
            raise ValueError(f"the notebook has no parameter {name!r}; its parameters are: "
                             f"{', '.join(declared) or '(none)'}")
        out[name] = _coerce(name, value, declared[name])
    return out


def data_digest(ds: Any) -> str:
    """A sha256 of a dataset's content in canonical form.

    The metadata (as JSON) and every table, its rows sorted by all columns and written
    as CSV in memory, so the digest does not depend on file format, dialect or row
    order.
    """
    h = hashlib.sha256(b"llkit-data/1\n")
    m = ds.meta
    meta = {"name": m.name, "sector": m.sector, "rounds": list(m.rounds),
            "round_dates": dict(m.round_dates), "min_n": m.min_n,
            "synthetic": bool(m.synthetic), "extra": m.extra}
    h.update(json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str).encode())
    for name, frame in ds.tables.items():
        text = frame.astype("string") if len(frame.columns) else frame
        text = text.sort_values(list(text.columns), kind="stable", na_position="first") \
            if len(text.columns) else text
        buf = io.StringIO()
        text.to_csv(buf, index=False, lineterminator="\n")
        h.update(f"\n#table {name} {len(frame)}\n".encode())
        h.update(buf.getvalue().encode())
    # the action plans in plans/ are input too: a changed plan changes the report
    from llkit.documents.plans import plan_files
    for path in plan_files(ds):
        h.update(f"\n#plan {path.name}\n".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def input_hash(data: str, notebook: bytes, parameters: Mapping[str, Any],
               version: str) -> str:
    """The input hash of a unit: sha256 over its data digest, the notebook file bytes,
    the parameters (JSON with sorted keys, without the data path) and the llkit version.
    """
    h = hashlib.sha256(b"llkit-batch/1\n")
    h.update(data.encode())
    h.update(b"\n")
    h.update(hashlib.sha256(notebook).hexdigest().encode())
    h.update(b"\n")
    h.update(json.dumps(dict(parameters), sort_keys=True, ensure_ascii=False,
                        default=str).encode())
    h.update(b"\n")
    h.update(version.encode())
    return h.hexdigest()


def _notebook_imports(nb_json: str) -> list[str]:
    """Modules the notebook imports at the top level of its code cells."""
    import ast

    names: list[str] = []
    for cell in json.loads(nb_json).get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        try:
            tree = ast.parse("".join(src) if isinstance(src, list) else str(src))
        except SyntaxError:
            continue   # e.g. IPython magics: left to the notebook
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names += [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
    return list(dict.fromkeys(names))


def _check_kernel(name: str, nb_path: Path) -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        raise ValueError(f"the notebook {nb_path.name} asks for the Jupyter kernel {name!r}, "
                         "which is not installed; use a python3 kernel") from None


def _check_pdf() -> None:
    from llkit.apps.report import CHROMIUM
    from llkit.errors import LlkitError

    try:
        import playwright  # noqa: F401
    except ImportError:
        raise LlkitError("--pdf needs the 'playwright' package (pip install playwright)") from None
    if not Path(CHROMIUM).exists():
        raise LlkitError(f"--pdf needs Chromium at {CHROMIUM} (apt-get install chromium)")


def _level_columns(level: str) -> tuple[str, str]:
    from llkit.data.dataset import LEVEL_COLUMNS

    return LEVEL_COLUMNS[level]


def _kernel_name(nb_json: str) -> str:
    meta = json.loads(nb_json).get("metadata", {})
    return (meta.get("kernelspec") or {}).get("name") or "python3"
