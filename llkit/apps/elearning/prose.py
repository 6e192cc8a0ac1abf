"""The fixed Danish prose of the e-learning chapters, read from Markdown templates.

Each chapter's words live in ``llkit/apps/elearning/texts/chNN.md`` so a pedagogical
consultant can change a sentence without touching Python. A template is a Markdown file
of passages; each passage starts with a level-2 heading that is its key::

    ## scales_intro
    En score er gennemsnittet af et barns svar ...

    Anden paragraf ...

Paragraphs are separated by a blank line; the lines of one paragraph are joined with a
space (so a paragraph may be wrapped in the file). ``{name}`` is a placeholder the
chapter fills in (a number, a measure's name, the sector's word for the children:
``{children}``, ``{department}`` … from :func:`llkit.apps.elearning.common.labels`);
a whole number is written the Danish way (``1.000``);
write ``{{`` and ``}}`` for literal braces. Text before the first heading and HTML
comments (``<!-- … -->``) are notes for the editor and are not shown.

The chapter code computes the numbers, figures and data-dependent sentences; the
passages are only words. A key the code asks for that the file lacks, or a placeholder
left unfilled, is an error naming the file and the passage (a test renders every chapter
on both samples, and another checks that every passage is used).

Examples
--------
>>> t = chapter_texts(2)
>>> t.paragraph("scales_title")
'Jeres mål og skalaer'
>>> len(t.paragraphs("scales_intro"))
1
"""

from __future__ import annotations

import numbers
import re
import string
from functools import cache
from importlib import resources
from typing import Any

from llkit.present.text import fmt_int

__all__ = ["ChapterTexts", "chapter_texts", "parse_template"]

_HEADING = re.compile(r"^##\s+([A-Za-z0-9_]+)\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def parse_template(text: str, source: str = "<template>") -> dict[str, list[str]]:
    """Passages of a template: key -> list of paragraphs (unformatted).

    Raises
    ------
    ValueError
        a key that appears twice, or a level-2 heading that is not a plain key.
    """
    text = _COMMENT.sub("", text)
    out: dict[str, list[str]] = {}
    key: str | None = None
    para: list[str] = []
    lines: list[list[str]] = []

    def close() -> None:
        if key is not None:
            out[key] = [" ".join(p) for p in lines if p]

    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if raw.startswith("## "):
            m = _HEADING.match(raw)
            if not m:
                raise ValueError(f"{source}, line {no}: a passage heading is '## key' with "
                                 f"letters, digits and _ only, got {raw!r}")
            close()
            key = m.group(1)
            if key in out:
                raise ValueError(f"{source}, line {no}: the passage '{key}' appears twice")
            para = []
            lines = [para]
            continue
        if key is None:
            continue
        if line:
            para.append(line)
        elif para:
            para = []
            lines.append(para)
    close()
    return out


class ChapterTexts:
    """The passages of one chapter; :meth:`paragraphs` fills in the placeholders."""

    def __init__(self, passages: dict[str, list[str]], source: str):
        self.passages = passages
        self.source = source

    def paragraphs(self, key: str, **values: Any) -> list[str]:
        """The passage's paragraphs with ``{name}`` filled from ``values``."""
        try:
            paras = self.passages[key]
        except KeyError:
            raise KeyError(f"{self.source} has no passage '## {key}'") from None
        # Whole numbers in Danish format (1.000), as everywhere else the children read.
        values = {k: fmt_int(v) if isinstance(v, numbers.Integral) and not isinstance(v, bool) else v
                  for k, v in values.items()}
        try:
            return [p.format(**values) for p in paras]
        except (KeyError, IndexError, ValueError) as e:
            raise KeyError(f"{self.source}, passage '{key}': placeholder {e} was not filled "
                           "(or write {{ }} for a literal brace)") from None

    def paragraph(self, key: str, **values: Any) -> str:
        """A one-paragraph passage as a string (paragraphs joined by a space otherwise)."""
        return " ".join(self.paragraphs(key, **values))

    def placeholders(self, key: str) -> set[str]:
        """The placeholder names of a passage (for tests and editors)."""
        return {f for p in self.passages[key] for _, f, _, _ in string.Formatter().parse(p) if f}


@cache
def _read(number: int) -> tuple[dict[str, list[str]], str]:
    name = f"ch{number:02d}.md"
    res = resources.files("llkit.apps.elearning").joinpath("texts", name)
    source = f"llkit/apps/elearning/texts/{name}"
    return parse_template(res.read_text(encoding="utf-8"), source), source


def chapter_texts(number: int) -> ChapterTexts:
    """The prose of chapter ``number`` (read once per process)."""
    passages, source = _read(int(number))
    return ChapterTexts(passages, source)
