"""Answers to a questionnaire: checking raw values, ``show_if`` visibility and completeness.

Answers are a mapping of question id to the raw string as stored: a choice question's option
value, a text question's text, a date as ``YYYY-MM-DD`` and a number as a decimal string. A blank
string (empty or only whitespace) means the question is unanswered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from audit_app.core.questionnaire import Question, Questionnaire

__all__ = ["check_answer", "drop_hidden", "is_blank", "missing_required", "shown_questions"]

# date.fromisoformat accepts other ISO 8601 shapes too (20260327, 2026-W13-5), so the shape is
# fixed first: stored dates must sort and export as plain YYYY-MM-DD.
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Plain decimals only, ASCII digits: Decimal() would also accept "NaN", "Infinity", "1e3" and
# other scripts' digits, which no auditor means and no export can show faithfully.
_NUMBER_SHAPE = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def is_blank(raw: str | None) -> bool:
    """Whether a stored value means "unanswered" (missing, empty or only whitespace)."""
    return raw is None or not raw.strip()


def check_answer(question: Question, raw: str) -> str | None:
    """The problem with a non-blank raw answer to ``question``, in plain English, or None."""
    # Blank is "unanswered", not invalid: whether that is allowed is missing_required's job.
    if is_blank(raw):
        return None
    if question.type == "choice":
        return None if question.option(raw) is not None else "is not one of the options"
    if question.type == "date":
        if not _DATE_SHAPE.fullmatch(raw):
            return "must be a date in the form YYYY-MM-DD"
        try:
            date.fromisoformat(raw)
        except ValueError:
            return "must be a real date in the form YYYY-MM-DD"
        return None
    if question.type == "number":
        return None if _NUMBER_SHAPE.fullmatch(raw) else "must be a number"
    return None


def shown_questions(questionnaire: Questionnaire, answers: Mapping[str, str]) -> set[str]:
    """Ids of the questions shown, given the answers (hidden controllers hide their chains)."""
    shown: set[str] = set()
    # show_if always names an earlier question, so one pass in file order settles every chain.
    for qid, question in questionnaire.questions.items():
        rule = question.show_if
        if rule is None:
            shown.add(qid)
            continue
        value = answers.get(rule.question)
        if rule.question in shown and not is_blank(value) and value in rule.in_:
            shown.add(qid)
    return shown


def drop_hidden(questionnaire: Questionnaire, answers: Mapping[str, str]) -> dict[str, str]:
    """The answers that count: shown, known and non-blank, in file order."""
    shown = shown_questions(questionnaire, answers)
    return {
        qid: answers[qid]
        for qid in questionnaire.questions
        if qid in shown and qid in answers and not is_blank(answers[qid])
    }


def missing_required(questionnaire: Questionnaire, answers: Mapping[str, str]) -> list[str]:
    """Ids of shown, required and unanswered questions, in file order."""
    shown = shown_questions(questionnaire, answers)
    return [
        qid
        for qid, question in questionnaire.questions.items()
        if qid in shown and question.is_required and is_blank(answers.get(qid))
    ]
