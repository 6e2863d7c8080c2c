"""Conditions written the short way a QA lead types them in a workbook cell.

``in-care = yes``, ``plan in [cp, cin]``, ``concerns has any [neglect, abuse]``, ``concerns has
all [a, b]``, ``visits >= 4``, ``visits <= 2``, ``seen before 2024-04-01``, ``seen after
2024-04-01``, combined with ``all(...)``, ``any(...)`` and ``not(...)``. A cell starting with
``{`` holds the condition as JSON instead. ``write`` gives the short form of a condition, or JSON
when the short form could not say it exactly.
"""

from __future__ import annotations

import json
import re
from typing import Any

_TOKEN = re.compile(r"""\s*(>=|<=|=|\(|\)|\[|\]|,|"[^"]*"|'[^']*'|[^\s()\[\],=<>"']+|\S)""")
_WORD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_COMBINERS = ("all", "any", "not")


class ConditionUnreadable(ValueError):
    """A condition cell that cannot be read; the message says what was expected where."""


def read(text: str) -> Any:
    """The JSON condition a cell's text stands for; ConditionUnreadable when it is not one."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ConditionUnreadable(f"is not valid JSON: {exc.msg}") from None
    tokens = [t for t in _TOKEN.findall(stripped) if t]
    if not tokens:
        raise ConditionUnreadable("is empty")
    parser = _Parser(tokens)
    condition = parser.condition()
    if parser.position < len(tokens):
        raise ConditionUnreadable(
            f"has {_shown(tokens[parser.position])} where the condition should end: combine "
            "conditions with all(...) or any(...)"
        )
    return condition


def _shown(token: str) -> str:
    return f"“{token}”"


def _number(token: str) -> int | float:
    return int(token) if re.fullmatch(r"-?[0-9]+", token) else float(token)


class _Parser:
    """Reads tokens left to right into a JSON condition."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, what: str) -> str:
        token = self.peek()
        if token is None:
            raise ConditionUnreadable(f"ends too soon: {what} is missing at the end")
        self.position += 1
        return token

    def expect(self, wanted: str, what: str) -> None:
        token = self.take(what)
        if token != wanted:
            raise ConditionUnreadable(f"has {_shown(token)} where {what} should be")

    def condition(self) -> Any:
        first = self.take("a question's id")
        if first in _COMBINERS and self.peek() == "(":
            self.position += 1
            parts = [self.condition()]
            while self.peek() == ",":
                self.position += 1
                parts.append(self.condition())
            self.expect(")", f"“)” closing {first}(...)")
            if first == "not":
                if len(parts) != 1:
                    raise ConditionUnreadable("not(...) holds one condition")
                return {"not": parts[0]}
            return {first: parts}
        return self.on_answer(self.value(first, "a question's id"))

    def value(self, token: str, what: str) -> str:
        if token[:1] in "\"'" and len(token) >= 2:
            return token[1:-1]
        if not _WORD.match(token):
            raise ConditionUnreadable(f"has {_shown(token)} where {what} should be")
        return token

    def values(self) -> list[str]:
        self.expect("[", "“[” opening a list of values")
        found = [self.value(self.take("a value"), "a value")]
        while self.peek() == ",":
            self.position += 1
            found.append(self.value(self.take("a value"), "a value"))
        self.expect("]", "“]” closing the list of values")
        return found

    def on_answer(self, question: str) -> dict[str, Any]:
        operator = self.take(f"what the answer to {_shown(question)} must be (such as = yes)")
        if operator == "=":
            return {"question": question, "in": [self.value(self.take("a value"), "a value")]}
        if operator == "in":
            return {"question": question, "in": self.values()}
        if operator == "has":
            return self.has(question)
        if operator in (">=", "<="):
            token = self.take("a number")
            if not _NUMBER.match(token):
                raise ConditionUnreadable(f"has {_shown(token)} where a number should be")
            key = "at_least" if operator == ">=" else "at_most"
            return {"question": question, key: _number(token)}
        if operator in ("before", "after"):
            return {"question": question, operator: self.value(self.take("a date"), "a date")}
        raise ConditionUnreadable(
            f"has {_shown(operator)} after {_shown(question)}: write =, in [...], has, "
            "has any [...], has all [...], >=, <=, before or after"
        )

    def has(self, question: str) -> dict[str, Any]:
        token = self.peek()
        if token in ("any", "all") and self.tokens[self.position + 1 : self.position + 2] == ["["]:
            self.position += 1
            return {"question": question, f"{token}_of": self.values()}
        return {"question": question, "any_of": [self.value(self.take("a value"), "a value")]}


def write(condition: Any) -> str:
    """The short form of a JSON condition, or its JSON when the short form cannot say it."""
    try:
        text = _short(condition)
    except (TypeError, ValueError, KeyError):
        text = None
    if text is not None:
        try:
            if read(text) == condition:
                return text
        except ConditionUnreadable:
            pass
    return json.dumps(condition, ensure_ascii=False)


def _short(condition: Any) -> str:
    """The short form, which ``write`` checks reads back the same."""
    if not isinstance(condition, dict):
        raise ValueError("not a condition")
    for key in ("all", "any"):
        if set(condition) == {key} and isinstance(condition[key], list) and condition[key]:
            return f"{key}(" + ", ".join(_short(part) for part in condition[key]) + ")"
    if set(condition) == {"not"}:
        return f"not({_short(condition['not'])})"
    question = condition["question"]
    [operator] = [key for key in condition if key != "question"]
    given = condition[operator]
    if operator == "in":
        return f"{question} = {given[0]}" if len(given) == 1 else f"{question} in {_list(given)}"
    if operator == "any_of":
        return (
            f"{question} has {given[0]}"
            if len(given) == 1
            else f"{question} has any {_list(given)}"
        )
    if operator == "all_of":
        return f"{question} has all {_list(given)}"
    if operator in ("at_least", "at_most"):
        if isinstance(given, bool) or not isinstance(given, int | float):
            raise ValueError("not a number")
        sign = ">=" if operator == "at_least" else "<="
        return f"{question} {sign} {given}"
    if operator in ("before", "after"):
        return f"{question} {operator} {given}"
    raise ValueError(operator)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"
