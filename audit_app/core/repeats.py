"""Repeating groups: how their answers are kept beside the others, and how a question answered
once per repeat rolls up into one result for its theme.

A question of a repeating group is answered once per repeat. Its answers sit in the same mapping
as every other answer, under ``"<question id>--<repeat>"`` (``visit-seen-alone--2``, repeats
numbered from 1; an id never holds two hyphens running, so the key is also a field's name on
the page), and the number of repeats the auditor has sits under the group's own id
(``"visits": "3"``). Stored, each is an ``answer`` row: the question's id and ``repeat`` the
repeat's number, or the group's id with ``repeat`` 0 for the count.

The roll-up rules are documented in docs/questionnaire-format.md ("Repeating groups").

Pure: no I/O, no framework.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from audit_app.core.questionnaire import (
    MOST_REPEATS,
    Question,
    Questionnaire,
    Repeat,
    RepeatBody,
    Section,
    Theme,
)

__all__ = [
    "SEPARATOR",
    "RepeatAction",
    "answer_rows",
    "apply_action",
    "key_label",
    "page_fields",
    "read_action",
    "repeat_counts",
    "repeat_label",
    "repeat_count",
    "repeat_key",
    "repeat_view",
    "roll_up",
    "split_key",
]

SEPARATOR = "--"


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


def page_fields(
    theme: Theme, answers: Mapping[str, str], *, every: bool = False
) -> list[tuple[str, Question]]:
    """Each answer field of a theme's page in page order, with its question, keyed as the
    answers are: a question outside groups under its id, a group's questions under their key
    in each repeat the answers have (``every``: in every repeat the group allows)."""
    fields: list[tuple[str, Question]] = []
    for item in theme.items:
        if isinstance(item, Question):
            fields.append((item.id, item))
        elif isinstance(item, Section):
            fields.extend((q.id, q) for q in item.section.items if isinstance(q, Question))
        elif isinstance(item, Repeat):
            group = item.repeat
            count = group.max if every else repeat_count(group, answers)
            for number in range(1, count + 1):
                fields.extend((repeat_key(q.id, number), q) for q in group.questions)
    return fields


def repeat_counts(theme: Theme, answers: Mapping[str, str]) -> dict[str, str]:
    """Each of the theme's groups' count of repeats, under the group's id, as text."""
    return {group.id: str(repeat_count(group, answers)) for group in theme.repeats}


def repeat_label(questionnaire: Questionnaire, key: str) -> str:
    """ "Visit 2: " for a key of a group's question in its second repeat; "" for any other."""
    question_id, number = split_key(key)
    group = questionnaire.repeat_of.get(question_id)
    return f"{group.title} {number}: " if group is not None and number else ""


@dataclass(frozen=True)
class RepeatAction:
    """A press of "Add another visit" (``number`` 0) or "Remove visit 2" (``number`` 2)."""

    group: RepeatBody
    number: int

    @property
    def adds(self) -> bool:
        return self.number == 0


def read_action(theme: Theme, raw: str) -> RepeatAction | None:
    """The button pressed, from its value ``add:<group>`` or ``remove:<group>:<number>``;
    None for anything else, or a button the group's count does not allow."""
    kind, _, rest = raw.partition(":")
    group_id, _, number = rest.partition(":")
    group = next((g for g in theme.repeats if g.id == group_id), None)
    if group is None:
        return None
    if kind == "add" and not number:
        return RepeatAction(group, 0)
    if kind == "remove" and number.isascii() and number.isdigit() and int(number) >= 1:
        return RepeatAction(group, int(number))
    return None


def apply_action(action: RepeatAction, posted: Mapping[str, str]) -> dict[str, str]:
    """The page's values with a repeat added at the end, or one removed and the later ones
    moved up a place (their answers with them); a count the group does not allow is left as
    it was."""
    group = action.group
    count = repeat_count(group, posted)
    values = dict(posted)
    if action.adds:
        values[group.id] = str(min(count + 1, group.max))
        return values
    if action.number > count or count <= group.min:
        return values
    for number in range(action.number, count):
        for question in group.questions:
            values[repeat_key(question.id, number)] = posted.get(
                repeat_key(question.id, number + 1), ""
            )
    for question in group.questions:
        values.pop(repeat_key(question.id, count), None)
    values[group.id] = str(count - 1)
    return values


def answer_rows(
    questionnaire: Questionnaire, theme_id: str, answers: Mapping[str, str], shown: Iterable[str]
) -> list[tuple[str, str, Question]]:
    """The theme's questions shown (by id in ``shown``) as the pages that list answers show
    them, in page order: each with its key in the answers and its label, a group's questions
    once per repeat ("Visit 2: Date of the visit")."""
    theme = next(t for t in questionnaire.themes if t.id == theme_id)
    ids = set(shown)
    return [
        (key, repeat_label(questionnaire, key) + question.text, question)
        for key, question in page_fields(theme, answers)
        if question.id in ids
    ]


def key_label(questionnaire: Questionnaire, key: str) -> tuple[str, Question | None]:
    """What an answers' key is in words, with its question when it has one: "Visit 2: Date of
    the visit", a group's count "How many repeats of “Visit”", or the key itself."""
    question_id, _ = split_key(key)
    question = questionnaire.questions.get(question_id)
    if question is not None:
        return repeat_label(questionnaire, key) + question.text, question
    group = questionnaire.repeats.get(key)
    if group is not None:
        return f"How many repeats of “{group.title}”", None
    return key, None
