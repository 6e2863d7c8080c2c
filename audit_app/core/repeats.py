"""Repeating groups: how their answers are kept beside the others, and how a question answered
once per repeat rolls up into one result for its theme.

A question of a repeating group is answered once per repeat. Its answers sit in the same mapping
as every other answer, under ``"<question id>#<repeat>"`` (``visit-seen-alone#2``, repeats
numbered from 1; ``#`` is never part of an id), and the number of repeats the auditor has sits
under the group's own id (``"visits": "3"``). Stored, each is an ``answer`` row: the question's
id and ``repeat`` the repeat's number, or the group's id with ``repeat`` 0 for the count.

The roll-up rules are documented in docs/questionnaire-format.md ("Repeating groups").

Pure: no I/O, no framework.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from audit_app.core.questionnaire import MOST_REPEATS, Questionnaire, RepeatBody

__all__ = [
    "SEPARATOR",
    "repeat_count",
    "repeat_key",
    "repeat_view",
    "roll_up",
    "split_key",
]

SEPARATOR = "#"


def repeat_key(question_id: str, number: int) -> str:
    """The answers' key of a question's answer in one repeat (numbered from 1)."""
    return f"{question_id}{SEPARATOR}{number}"


def split_key(key: str) -> tuple[str, int]:
    """An answers' key as its question id and repeat number (0 outside repeating groups)."""
    question_id, separator, number = key.partition(SEPARATOR)
    if separator and number.isascii() and number.isdigit():
        return question_id, int(number)
    return key, 0


def repeat_count(group: RepeatBody, answers: Mapping[str, str]) -> int:
    """How many repeats an audit has: the count kept under the group's id, held between the
    group's min and max; without one, the group's first showing (min, at least one), or more
    when answers are kept for later repeats."""
    kept = (answers.get(group.id) or "").strip()
    if kept.isascii() and kept.isdigit():
        return min(max(int(kept), group.min), group.max)
    highest = max(
        (
            number
            for key in answers
            for question_id, number in [split_key(key)]
            if number and question_id in {q.id for q in group.questions}
        ),
        default=0,
    )
    return min(max(highest, group.first_shown), group.max, MOST_REPEATS)


def repeat_view(group: RepeatBody, answers: Mapping[str, str], number: int) -> dict[str, str]:
    """One repeat's answers by question id, for the rules that read one answer per question."""
    view: dict[str, str] = {}
    for question in group.questions:
        raw = answers.get(repeat_key(question.id, number))
        if raw is not None:
            view[question.id] = raw
    return view


def roll_up(rule: str, scores: Sequence[Fraction]) -> Fraction | None:
    """A question's scores in the repeats where it counts, rolled up by the group's rule:
    "all" the lowest, "any" the highest, "share" the mean; None when it counts in none."""
    if not scores:
        return None
    if rule == "all":
        return min(scores)
    if rule == "any":
        return max(scores)
    return sum(scores, Fraction(0)) / len(scores)


def repeat_answer_keys(questionnaire: Questionnaire, answers: Mapping[str, str]) -> list[str]:
    """The keys of the answers kept for repeats that exist, in page order: each group's count,
    then its questions' answers repeat by repeat."""
    keys: list[str] = []
    for group in questionnaire.repeats.values():
        keys.append(group.id)
        for number in range(1, repeat_count(group, answers) + 1):
            keys.extend(repeat_key(q.id, number) for q in group.questions)
    return keys
