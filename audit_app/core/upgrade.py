"""Turning a format 1 questionnaire file into format 2 with its layout kept.

``upgrade_text`` changes exactly two kinds of token in the file's text: the value of the top-level
``format`` and the key ``questions`` of each theme, which format 2 calls ``items``. Everything
else (spacing, line breaks, key order, escapes, numbers as written) stays as the QA lead wrote it,
so that the change reads as a two-line diff per theme in version control.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from audit_app.core.questionnaire import (
    FORMAT_1,
    FORMAT_2,
    Problem,
    Questionnaire,
    QuestionnaireInvalid,
    parse_questionnaire,
    upgrade,
    validate_questionnaire,
)

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+|\s+', re.DOTALL)


class AlreadyFormat2(ValueError):
    """The file is already written in format 2: there is nothing to upgrade."""


@dataclass
class _Frame:
    """An object or list being read: the key or index of the value being read in it."""

    is_object: bool
    key: str | None = None
    index: int = 0
    expects_key: bool = field(default=True)


def upgrade_text(text: str) -> str:
    """The text of a valid format 1 file, written in format 2 with its layout kept.

    Raises QuestionnaireInvalid (listing every problem) when the file is not a valid
    questionnaire, and AlreadyFormat2 when it is already in format 2.
    """
    questionnaire = parse_questionnaire(text)
    data = json.loads(text.removeprefix("\ufeff"))
    if data.get("format") != FORMAT_1:
        raise AlreadyFormat2(f"the file is already {FORMAT_2}: there is nothing to upgrade")
    upgraded = _rewrite(text)
    result = validate_questionnaire(json.loads(upgraded.removeprefix("\ufeff")))
    if json.loads(upgraded.removeprefix("\ufeff")) != upgrade(data) or not _same(
        result, questionnaire
    ):
        raise QuestionnaireInvalid([Problem("$", "the file could not be upgraded as written")])
    return upgraded


def _same(one: Questionnaire, other: Questionnaire) -> bool:
    """Whether two questionnaires hold the same content."""
    return one.model_dump() == other.model_dump()


def _rewrite(text: str) -> str:
    """Replace the format's value and each theme's ``questions`` key, token by token."""
    out: list[str] = []
    stack: list[_Frame] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        out.append(token)
        if token.isspace():
            continue
        top = stack[-1] if stack else None
        if token in "{[" and len(token) == 1:
            stack.append(_Frame(is_object=token == "{"))
        elif token in "}]" and len(token) == 1:
            stack.pop()
        elif token == ",":
            if top is not None and top.is_object:
                top.expects_key = True
            elif top is not None:
                top.index += 1
        elif token == ":":
            if top is not None:
                top.expects_key = False
        elif top is not None and top.is_object and top.expects_key:
            top.key = json.loads(token)
            if _is_theme_questions(stack):
                out[-1] = '"items"'
        elif _is_format_value(stack):
            out[-1] = json.dumps(FORMAT_2)
    return "".join(out)


def _is_theme_questions(stack: list[_Frame]) -> bool:
    """Whether the key just read is ``themes[n].questions``."""
    return (
        len(stack) == 3
        and stack[0].key == "themes"
        and not stack[1].is_object
        and stack[2].key == "questions"
    )


def _is_format_value(stack: list[_Frame]) -> bool:
    """Whether the value being read is the top-level ``format``."""
    return len(stack) == 1 and stack[0].is_object and stack[0].key == "format"
