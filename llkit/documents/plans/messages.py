"""The problem messages of action plans: one table (``messages.toml``), in English and Danish.

:func:`_message` fills in a message's templates in either language; :func:`_identify`
recognises an English problem text by its template, so that an English problem table
can still be put into Danish.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from llkit.present.text import fmt_percent


@dataclass(frozen=True)
class _Message:
    """One problem message: ``(problem, action)`` templates in English and in Danish.

    The templates are :meth:`str.format` strings. The English ones use the message's
    parameters (plain text: ids, rounds, numbers as :func:`fmt_plain` writes them); the
    Danish ones use the same parameters and their Danish spellings from
    :func:`_danish_fields` (``target_da``, ``field_da`` …), which are computed from the
    parameters of the English *problem* only — so an English problem table can still be
    put into Danish (:func:`_danish_row`).
    """

    en: tuple[str, str]
    da: tuple[str, str]


@functools.cache
def _tables() -> dict[str, Any]:
    """The tables of ``messages.toml`` (read once)."""
    text = resources.files(__package__).joinpath("messages.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _pair(value: list[str] | str) -> tuple[str, str]:
    """A ``(problem, action)`` pair of the file: a list of two, or the name of a shared pair."""
    if isinstance(value, str):
        value = _tables()["shared"][value]
    problem, action = value
    return problem, action


#: Every problem :func:`validate_plan`, :func:`load_plan` and :func:`plans_for` report,
#: by message id.
_MESSAGES: dict[str, _Message] = {
    msg: _Message(_pair(m["en"]), _pair(m["da"])) for msg, m in _tables()["messages"].items()}

#: Languages of the problem texts.
_LANGUAGES = ("en", "da")

#: The fields of a plan as a Danish reader names them ("where" in a Danish problem table).
_FIELD_DA: dict[str, str] = _tables()["field_da"]

#: What to do about a missing field, in Danish.
_MISSING_ACTION_DA: dict[str, str] = _tables()["missing_action_da"]

#: English words in message parameters and their Danish versions, by parameter.
_WORDS_DA: dict[str, dict[str, str]] = _tables()["words_da"]


def _check_lang(lang: str) -> str:
    if lang not in _LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(map(repr, _LANGUAGES))}, not {lang!r}")
    return lang


def _num_da(text: str, share: bool = False) -> str:
    """A number from an English message in Danish: ``3.5`` → ``3,5``; a share → ``35 %``."""
    try:
        x = float(text)
    except ValueError:
        return text
    if share:
        return fmt_percent(x, 0 if abs(round(x * 100) - x * 100) < 1e-9 else 1)
    return f"{x:.6g}".replace(".", ",")


def _kind_of_da(kind: str) -> str:
    """:func:`_kind_of`'s English description of a value, in Danish."""
    m = re.fullmatch(r"the value '(.*)'", kind, re.S)
    if m:
        return f"værdien »{m.group(1)}«"
    return {"a set of fields": "en række felter", "a list": "en liste",
            "empty": "tom"}.get(kind, kind)


def _danish_fields(params: dict[str, Any], share: bool = False) -> dict[str, Any]:
    """A message's parameters plus their Danish spellings, for the Danish templates.

    ``share`` says that the goal's indicator is a share (``share_low``, ``coverage``):
    its target and baseline are then written in percent.
    """
    p = dict(params)
    if "key" in p:
        key = str(p["key"])
        p["field_da"] = _FIELD_DA.get(key, key)
        p["Field_da"] = p["field_da"][:1].upper() + p["field_da"][1:]
        p["missing_action"] = _MISSING_ACTION_DA.get(key, "Udfyld feltet.")
    for name in ("target", "baseline"):
        if name in p:
            p[f"{name}_da"] = _num_da(str(p[name]), share)
    for name in ("lo", "hi"):
        if name in p:
            p[f"{name}_da"] = _num_da(str(p[name]))
    for name in ("deadline", "created"):
        if name in p:
            p[f"{name}_da"] = date.fromisoformat(str(p[name])).strftime("%d.%m.%Y")
    for name, words in _WORDS_DA.items():
        if name in p:
            p[f"{name}_da"] = words.get(str(p[name]), str(p[name]))
    if "what_da" in p:
        p["What_da"] = p["what_da"][:1].upper() + p["what_da"][1:]
    if "better" in p:
        higher = p["better"] == "higher"
        p["side_da"] = "over" if higher else "under"
        p["worse_da"] = "lavere" if higher else "højere"
    if "kind" in p:
        p["kind_da"] = _kind_of_da(str(p["kind"]))
    if "detail" in p:
        p["detail"] = str(p["detail"]).strip()
    return p


def _message(msg: str, lang: str, *, share: bool = False, **params: Any) -> tuple[str, str]:
    """The (problem, action) of message ``msg`` in ``lang`` with its parameters filled in."""
    m = _MESSAGES[msg]
    if lang == "da":
        fields = _danish_fields(params, share)
        return m.da[0].format(**fields), m.da[1].format(**fields)
    return m.en[0].format(**params), m.en[1].format(**params)


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regular expression matching what ``template`` formats to, one group per field."""
    out, seen = "", set()
    for literal, name, _, _ in string.Formatter().parse(template):
        out += re.escape(literal)
        if name is not None:
            out += f"(?P={name})" if name in seen else f"(?P<{name}>.*?)"
            seen.add(name)
    return re.compile(out, re.S)


#: The English problem templates as patterns, the most specific (most literal text) first.
_PATTERNS = sorted(
    ((msg, _template_pattern(m.en[0])) for msg, m in _MESSAGES.items()),
    key=lambda item: -len(re.sub(r"\{[^{}]*\}", "", _MESSAGES[item[0]].en[0])))


def _identify(problem: str) -> tuple[str, dict[str, str]] | None:
    """The message id and parameters of an English problem text, or None."""
    for msg, pattern in _PATTERNS:
        m = pattern.fullmatch(problem)
        if m:
            return msg, m.groupdict()
    return None
