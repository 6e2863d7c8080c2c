"""Answers to a questionnaire: checking raw values, ``show_if`` visibility and completeness.

Answers are a mapping of question id to the raw string as stored: a choice question's option
value, a text question's text, a date as ``YYYY-MM-DD`` and a number as a decimal string. A blank
string (empty or only whitespace) means the question is unanswered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from fractions import Fraction

from audit_app.core.questionnaire import (
    AllOf,
    AnyOf,
    Condition,
    NotCondition,
    OnService,
    Question,
    Questionnaire,
    Repeat,
    Section,
    When,
    name_key,
    plain_number,
)
from audit_app.core.repeats import repeat_count, repeat_key

__all__ = [
    "as_date",
    "check_answer",
    "drop_hidden",
    "is_blank",
    "missing_required",
    "holds",
    "number_rule",
    "page_condition",
    "shown_questions",
    "shown_themes",
    "ticked_text",
]

# date.fromisoformat accepts other ISO 8601 shapes too (20260327, 2026-W13-5), so the shape is
# fixed first: stored dates must sort and export as plain YYYY-MM-DD.
_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Plain decimals only, ASCII digits: Decimal() would also accept "NaN", "Infinity", "1e3" and
# other scripts' digits, which no auditor means and no export can show faithfully.
NUMBER_SHAPE = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def as_date(raw: str) -> date | None:
    """A stored date answer (YYYY-MM-DD) as a date; None for text that is not one."""
    if not _DATE_SHAPE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


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
    if question.type == "multi":
        known = {o.value for o in question.options or ()}
        return None if set(raw.split()) <= known else "is not one of the options"
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


def ticked_text(question: Question, raw: str) -> str:
    """A multi answer in one stored form: the option values ticked, in the questionnaire's
    order, each once, separated by spaces (values that are no option last, for checking)."""
    given = dict.fromkeys(raw.replace(",", " ").split())
    order = [o.value for o in question.options or () if o.value in given]
    return " ".join(order + [value for value in given if value not in order])


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


def shown_questions(
    questionnaire: Questionnaire, answers: Mapping[str, str], *, service: str | None = None
) -> set[str]:
    """Ids of the questions shown, given the answers and the audited case's service: a question
    is shown when its theme, its section and its own condition all hold (hidden questions hide
    what depends on them)."""
    return _shown(questionnaire, answers, service)[1]


def shown_themes(
    questionnaire: Questionnaire, answers: Mapping[str, str], *, service: str | None = None
) -> set[str]:
    """Ids of the themes shown, given the answers and the case's service: a hidden theme leaves
    the task list, the judgements and the grades."""
    return _shown(questionnaire, answers, service)[0]


def _shown(
    questionnaire: Questionnaire, answers: Mapping[str, str], service: str | None
) -> tuple[set[str], set[str]]:
    """The themes and questions shown. Conditions only name earlier questions, so one pass in
    page order settles every chain."""
    themes: set[str] = set()
    shown: set[str] = set()
    for theme in questionnaire.themes:
        if not holds(theme.show_if, answers, shown, service=service):
            continue
        themes.add(theme.id)
        for item in theme.items:
            if isinstance(item, Section):
                if holds(item.section.show_if, answers, shown, service=service):
                    _add_shown(item.section.items, answers, shown, service)
            elif isinstance(item, Repeat):
                # Conditions inside a group name only questions outside it: one verdict holds
                # for every repeat.
                _add_shown(item.repeat.items, answers, shown, service)
            else:
                _add_shown([item], answers, shown, service)
    return themes, shown


def _add_shown(
    items: Iterable[object], answers: Mapping[str, str], shown: set[str], service: str | None
) -> None:
    for item in items:
        if isinstance(item, Question) and holds(item.show_if, answers, shown, service=service):
            shown.add(item.id)


def holds(
    condition: Condition | None,
    answers: Mapping[str, str],
    shown: set[str],
    *,
    service: str | None = None,
) -> bool:
    """Whether a condition holds, given the answers, the questions shown so far and the
    audited case's service (None always holds). A condition on an answer holds only when its
    question is shown and answered to match: a hidden or unanswered question matches nothing.
    A condition on the service holds only when the service is known and named in it."""
    if condition is None:
        return True
    if isinstance(condition, AllOf):
        return all(holds(part, answers, shown, service=service) for part in condition.all)
    if isinstance(condition, AnyOf):
        return any(holds(part, answers, shown, service=service) for part in condition.any)
    if isinstance(condition, NotCondition):
        return not holds(condition.not_, answers, shown, service=service)
    if isinstance(condition, OnService):
        return service_named(condition, service)
    raw = answers.get(condition.question)
    if condition.question not in shown or raw is None or is_blank(raw):
        return False
    if condition.in_ is not None:
        return raw in condition.in_
    if condition.any_of is not None:
        return not set(raw.split()).isdisjoint(condition.any_of)
    if condition.all_of is not None:
        return set(condition.all_of) <= set(raw.split())
    if condition.at_least is not None or condition.at_most is not None:
        return _number_holds(condition, raw)
    return _date_holds(condition, raw)


def _number_holds(condition: When, raw: str) -> bool:
    if not NUMBER_SHAPE.fullmatch(raw):
        return False
    value = Fraction(raw)
    if condition.at_least is not None:
        return value >= Fraction(str(condition.at_least))
    return condition.at_most is not None and value <= Fraction(str(condition.at_most))


def _date_holds(condition: When, raw: str) -> bool:
    if not _DATE_SHAPE.fullmatch(raw):
        return False
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return False
    if condition.before is not None:
        return day < date.fromisoformat(condition.before)
    return condition.after is not None and day > date.fromisoformat(condition.after)


def service_named(condition: OnService, service: str | None) -> bool:
    """Whether the case's service is one the condition names (capital letters, runs of spaces
    and invisible characters aside); an unknown service (None) is named by none."""
    return service is not None and name_key(service) in {name_key(n) for n in condition.service}


def page_condition(condition: Condition, service: str | None) -> dict[str, object]:
    """A condition as the auditor's page reads it (``data-condition``): as written, with each
    condition on the service already settled as ``{"settled": true | false}``, since the
    service is fixed for the audit and the page cannot know it."""
    if isinstance(condition, AllOf):
        return {"all": [page_condition(part, service) for part in condition.all]}
    if isinstance(condition, AnyOf):
        return {"any": [page_condition(part, service) for part in condition.any]}
    if isinstance(condition, NotCondition):
        return {"not": page_condition(condition.not_, service)}
    if isinstance(condition, OnService):
        return {"settled": service_named(condition, service)}
    return condition.model_dump(by_alias=True, exclude_none=True)


def drop_hidden(
    questionnaire: Questionnaire, answers: Mapping[str, str], *, service: str | None = None
) -> dict[str, str]:
    """The answers that count: shown, known and non-blank, in file order (a repeating group's
    answers in the repeats it has, and its count, after the other answers)."""
    shown = shown_questions(questionnaire, answers, service=service)
    counted = {
        qid: answers[qid]
        for qid in questionnaire.questions
        if qid in shown
        and qid not in questionnaire.repeat_of
        and qid in answers
        and not is_blank(answers[qid])
    }
    for group in questionnaire.repeats.values():
        count = repeat_count(group, answers)
        counted[group.id] = str(count)
        for number in range(1, count + 1):
            for question in group.questions:
                key = repeat_key(question.id, number)
                if question.id in shown and not is_blank(answers.get(key)):
                    counted[key] = answers[key]
    return counted


def missing_required(
    questionnaire: Questionnaire, answers: Mapping[str, str], *, service: str | None = None
) -> list[str]:
    """Ids of shown, required and unanswered questions, in file order; a question of a
    repeating group by its key in each repeat it is missing from (``visit-date--2``)."""
    shown = shown_questions(questionnaire, answers, service=service)
    missing: list[str] = []
    for qid, question in questionnaire.questions.items():
        if qid not in shown or not question.is_required:
            continue
        group = questionnaire.repeat_of.get(qid)
        keys = (
            [repeat_key(qid, n) for n in range(1, repeat_count(group, answers) + 1)]
            if group is not None
            else [qid]
        )
        missing.extend(key for key in keys if is_blank(answers.get(key)))
    return missing
