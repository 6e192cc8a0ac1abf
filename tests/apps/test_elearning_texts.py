"""The e-learning chapters' fixed prose lives in Markdown templates (issue 17, item 5):
every passage the code asks for exists, every passage in a file is used, and the
parser handles paragraphs, comments, placeholders and mistakes with a clear message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from llkit.apps.elearning import prose
from llkit.apps.elearning.prose import ChapterTexts, chapter_texts, parse_template

ROOT = Path(prose.__file__).parent
TEMPLATES = sorted((ROOT / "texts").glob("ch*.md"))
_CALL = re.compile(r"TEXTS\.(?:paragraphs|paragraph)\(\s*\"([A-Za-z0-9_]+)\"")


def _module(template: Path) -> Path:
    (mod,) = ROOT.glob(f"{template.stem}_*.py")
    return mod


def test_there_are_templates():
    assert TEMPLATES, "no chapter template found"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_every_passage_is_used_and_every_asked_passage_exists(template):
    number = int(template.stem[2:])
    passages = set(chapter_texts(number).passages)
    code = _module(template).read_text(encoding="utf-8")
    asked = set(_CALL.findall(code))
    assert asked, f"{_module(template).name} reads no passage from {template.name}"
    assert not asked - passages, f"missing in {template.name}: {sorted(asked - passages)}"
    # a passage may also be read by a computed key ("key_" + kind); count those as used
    unused = {k for k in passages - asked if f'"{k}"' not in code and not any(
        k.startswith(p) for p in re.findall(r'TEXTS\.paragraphs?\(\s*f"([A-Za-z0-9_]+)\{', code))}
    assert not unused, f"{template.name} has passages no code uses: {sorted(unused)}"


def test_paragraphs_comments_and_wrapping():
    text = ("Notes for the editor\n\n## a\nfirst line\nwrapped\n\n<!-- hidden -->second\n\n\n"
            "## b_2\n{n} {children}, {{literal}}\n")
    p = parse_template(text)
    assert p == {"a": ["first line wrapped", "second"], "b_2": ["{n} {children}, {{literal}}"]}
    t = ChapterTexts(p, "x.md")
    assert t.paragraphs("b_2", n=3, children="børn") == ["3 børn, {literal}"]
    assert t.paragraph("a") == "first line wrapped second"
    assert t.placeholders("b_2") == {"n", "children"}


def test_whole_numbers_are_written_the_danish_way():
    import numpy as np

    t = ChapterTexts({"a": ["færre end {k} {children}; {n} af {m}; {flag}; {x}"]}, "x.md")
    out = t.paragraph("a", k=1000, children="børn", n=np.int64(12500), m=7, flag=True, x=2.5)
    assert out == "færre end 1.000 børn; 12.500 af 7; True; 2.5"   # floats are the caller's


def test_mistakes_name_the_file_and_passage():
    with pytest.raises(ValueError, match=r"x\.md, line 3: the passage 'a' appears twice"):
        parse_template("## a\n1\n## a\n", "x.md")
    with pytest.raises(ValueError, match=r"x\.md, line 1: a passage heading"):
        parse_template("## not a key\n", "x.md")
    t = ChapterTexts({"a": ["{n} børn"]}, "x.md")
    with pytest.raises(KeyError, match=r"x\.md has no passage '## b'"):
        t.paragraphs("b")
    with pytest.raises(KeyError, match=r"x\.md, passage 'a': placeholder 'n' was not filled"):
        t.paragraphs("a")
