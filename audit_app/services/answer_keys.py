"""An answer row's key in an audit's answers: the question's id, or in a repeating group the
question's id and the repeat's number (``visit-date--2``, as ``core.repeats.repeat_key``), in
Python and in SQL alike, so that every reader of ``answer`` rows keys them the same way."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, case, cast, literal

from audit_app.core.repeats import SEPARATOR, repeat_key, split_key
from audit_app.models import Answer

__all__ = ["answer_key", "key_column", "row_for_key"]


def answer_key(question_id: str, repeat: int) -> str:
    """The answers' key of a stored row (the question's id at repeat 0)."""
    return repeat_key(question_id, repeat) if repeat else question_id


def row_for_key(key: str) -> tuple[str, int]:
    """The question id and repeat number a key is stored under."""
    return split_key(key)


def key_column(answer: Any = Answer) -> Any:
    """The key as a SQL expression over an ``answer`` table (the model, or its table's
    columns): the question's id, with ``--`` and the repeat's number only for a repeat."""
    question_id = answer.question_id
    repeat = answer.repeat
    with_number = question_id.concat(literal(SEPARATOR)).concat(cast(repeat, String))
    return case((repeat == 0, question_id), else_=with_number)
