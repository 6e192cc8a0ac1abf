"""``dataset.toml``: the metadata of a dataset folder, read with the line of each key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from llkit.data.io.raw import META_FILE, RawMeta
from llkit.data.io.text import detect_encoding
from llkit.errors import ProblemLog

_KEY_LINE = re.compile(r"""^\s*(?:\[\s*)?["']?([A-Za-z0-9_\-]+)["']?\s*(?:=|\])""")


def read_toml_meta(path: Path, log: ProblemLog) -> RawMeta | None:
    """Read ``dataset.toml``; syntax problems are reported with their line.

    Returns None when the file is missing or cannot be parsed.
    """
    name = path.name
    if not path.is_file():
        log.error(
            file=META_FILE,
            problem="dataset.toml is missing",
            action='add a dataset.toml with name = "...", sector = "dagtilbud" or "skole", '
            'and rounds = ["T1", "T2"] (`llkit template` writes one)',
        )
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error(file=name, problem=f"dataset.toml cannot be read: {exc.strerror or exc}",
                  action="check that you may read the file")
        return None
    if not data.strip():
        log.error(file=name, problem="dataset.toml is empty",
                  action='write name = "...", sector = "..." and rounds = [...] into it')
        return None
    enc = detect_encoding(data)
    if enc is None:
        log.error(file=name, problem="dataset.toml is not a text file",
                  action="save dataset.toml as plain UTF-8 text")
        return None
    text = data.decode(enc)
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"at line (\d+)", msg)
        line = int(m.group(1)) if m else getattr(exc, "lineno", None)
        if line is None and "end of document" in msg:
            line = max(len(text.splitlines()), 1)
        log.error(
            file=name,
            line=line,
            problem=f"dataset.toml is not valid TOML: {msg}",
            action='fix the syntax: text values in double quotes (name = "Eksempel Kommune"), '
            'lists in brackets (rounds = ["T1", "T2"])',
        )
        return None
    lines: dict[str, int] = {}
    for i, raw in enumerate(text.splitlines(), start=1):
        m = _KEY_LINE.match(raw)
        if m and m.group(1) not in lines:
            lines[m.group(1)] = i
    return RawMeta(file=name, values=values, lines=lines)
