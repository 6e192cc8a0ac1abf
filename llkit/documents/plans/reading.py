"""Reading a plan file's YAML with the line of every field (for the problem table)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from llkit.documents.plans.messages import _message
from llkit.errors import ProblemLog

Path_ = tuple[Any, ...]


def _field(path: Path_) -> str:
    """A field path as shown in the problem table: ``focus_areas[1].goals[2].target``
    (list positions counted from 1)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(plan)"


class _Lines:
    """Line numbers of the fields of a YAML document (1-based, as an editor shows)."""

    def __init__(self, lines: dict[str, int] | None = None) -> None:
        self.lines = dict(lines or {})

    def of(self, path: Path_) -> int | None:
        """The line of ``path``, or of the nearest enclosing field that has one."""
        path = tuple(path)
        while True:
            key = _field(path)
            if key in self.lines:
                return self.lines[key]
            if not path:
                return None
            path = path[:-1]


def _walk_lines(node: yaml.Node, path: Path_, lines: dict[str, int], dupes: list) -> None:
    lines.setdefault(_field(path), node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for knode, vnode in node.value:
            key = str(knode.value) if isinstance(knode, yaml.ScalarNode) else "?"
            if key in seen:
                dupes.append((path + (key,), knode.start_mark.line + 1))
            seen.add(key)
            # a field's line is the line of its key (where the user looks for it)
            lines[_field(path + (key,))] = knode.start_mark.line + 1
            _walk_lines(vnode, path + (key,), lines, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk_lines(item, path + (i,), lines, dupes)


class _PlanLoader(yaml.SafeLoader):
    """Safe YAML loading, with dates kept as text so a bad date becomes a problem row
    (PyYAML's own date constructor raises on e.g. 2015-02-30)."""


_PlanLoader.add_constructor("tag:yaml.org,2002:timestamp",
                            lambda loader, node: loader.construct_scalar(node))


def _read_yaml(path: Path, file: str, log: ProblemLog, lang: str = "en") -> tuple[Any, _Lines]:
    def error(msg: str, line: int | None = None, column: str | None = None,
              **params: Any) -> None:
        problem, action = _message(msg, lang, **params)
        log.error(file=file, line=line, column=column, problem=problem, action=action)

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        error("not_utf8", reason=exc.reason)
        return None, _Lines()
    loader = _PlanLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            error("empty_file", line=1)
            return None, _Lines()
        lines: dict[str, int] = {}
        dupes: list = []
        _walk_lines(node, (), lines, dupes)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "cannot be read"
        error("yaml_syntax", line=line, detail=what)
        return None, _Lines()
    except (yaml.YAMLError, ValueError, TypeError) as exc:  # pragma: no cover - rare
        error("yaml_unreadable", detail=exc)
        return None, _Lines()
    finally:
        loader.dispose()
    for dpath, line in dupes:
        error("duplicate_field", line=line, column=_field(dpath), key=dpath[-1])
    return data, _Lines(lines)
