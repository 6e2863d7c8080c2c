"""Answers to a questionnaire: checking raw values, ``show_if`` visibility and completeness.

Answers are a mapping of question id to the raw string as stored: a choice question's option
value, a text question's text, a date as ``YYYY-MM-DD`` and a number as a decimal string. A blank
string (empty or only whitespace) means the question is unanswered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from fractions import Fraction

from audit_app.core.questionnaire import Question, Questionnaire, plain_number

__all__ = [
    "check_answer",
    "drop_hidden",
    "is_blank",
    "missing_required",
    "number_rule",
    "shown_questions",
]

# date.fromisoformat accepts other ISO 8601 shapes too (20260327, 2026-W13-5), so the shape is
# fixed first: stored dates must sort and export as plain YYYY-MM-DD.
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Plain decimals only, ASCII digits: Decimal() would also accept "NaN", "Infinity", "1e3" and
# other scripts' digits, which no auditor means and no export can show faithfully.
NUMBER_SHAPE = re.compile(r"-?[0-9]+(\.[0-9]+)?")


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
        return _number_problem(question, raw)
    return None


def number_rule(question: Question) -> str:
    """What a number question takes, in words: "a whole number from 0 to 20", "a number"."""
    kind = "a whole number" if question.integer else "a number"
    low, high = question.min, question.max
    if low is not None and high is not None:
        return f"{kind} from {plain_number(low)} to {plain_number(high)}"
    if low is not None:
        return f"{kind}, {plain_number(low)} or more"
    if high is not None:
        return f"{kind}, {plain_number(high)} or less"
    return kind


def _number_problem(question: Question, raw: str) -> str | None:
    """What is wrong with a number answer: its shape, whole number, or range."""
    if not NUMBER_SHAPE.fullmatch(raw):
        return "must be a whole number" if question.integer else "must be a number"
    value = Fraction(raw)
    if question.integer and value.denominator != 1:
        return "must be a whole number"
    low, high = question.min, question.max
    below = low is not None and value < Fraction(str(low))
    above = high is not None and value > Fraction(str(high))
    if (below or above) and low is not None and high is not None:
        return f"must be between {plain_number(low)} and {plain_number(high)}"
    if below and low is not None:
        return f"must be {plain_number(low)} or more"
    if above and high is not None:
        return f"must be {plain_number(high)} or less"
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
