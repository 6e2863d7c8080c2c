"""The evidence an auditor writes beside their answers: a comment on a question (format 2's
``comment``) and a theme's evidence fields (``evidence``: strengths, areas for development,
recommendations).

A theme page carries them beside its questions, keyed in :func:`audits.theme_values` by
:func:`comment_key` and :func:`evidence_key`; the page's boxes are named and identified by
:func:`element_id` of those keys. Question ids and field names are slugs or words without two
underscores, so no key can be taken for another.

A comment is kept with its question's answer (``answer.comment``; a comment on a question not
yet answered is kept on a row with a blank value, which no score or report counts). A question
that is hidden keeps no comment: it is cleared with the answer when a save hides the question.
"""

from __future__ import annotations

from collections.abc import Mapping

from audit_app.core.questionnaire import EVIDENCE_LABELS, Question, Theme

EVIDENCE_HINTS = {
    "strengths": "What is working well for the child, and the practice that made it so.",
    "areas_for_development": "What needs to improve, and why it matters for the child.",
    "recommendations": "What should happen next, and who should do it.",
}
"""The hint under each evidence field's box."""
COMMENT = "__comment__"
EVIDENCE = "__evidence__"
COMMENT_REQUIRED = "Write your comment on “{text}”: a comment is required with this question"
COMMENT_TOO_LONG = "Your comment on “{text}” must be {most:,} characters or fewer"
EVIDENCE_TOO_LONG = "{label} must be {most:,} characters or fewer"


def comment_key(question_id: str) -> str:
    """The key of a question's comment among a theme page's values."""
    return COMMENT + question_id


def evidence_key(name: str) -> str:
    """The key of a theme's evidence field among its page's values."""
    return EVIDENCE + name


def element_id(key: str) -> str:
    """The name and id of the page's box for a comment or evidence key: ``comment__<id>``,
    ``evidence__<field>``."""
    return key[2:]


def is_evidence_key(key: str) -> bool:
    """Whether a key of a theme page's values is a comment or an evidence field."""
    return key.startswith((COMMENT, EVIDENCE))


def commented(theme: Theme) -> list[Question]:
    """The theme's questions with a comment box, in page order."""
    return [q for q in theme.questions if q.comment is not None]


def comment_label(question: Question) -> str:
    """The label of a question's comment box."""
    return f"Comment on “{question.text}” ({question.comment})"


def evidence_fields(theme: Theme) -> list[str]:
    """The theme's evidence fields, in the order its questionnaire lists them."""
    return list(theme.evidence or ())


def evidence_label(name: str) -> str:
    """An evidence field's name as the pages show it."""
    return EVIDENCE_LABELS[name]


def tidy(text: str) -> str:
    """A comment or evidence field as stored: without outer spaces and blank lines."""
    return text.strip()


def posted_evidence(theme: Theme, posted: Mapping[str, str]) -> dict[str, str]:
    """The comments and evidence fields a theme page sent, keyed as its values, tidied."""
    keys = [comment_key(q.id) for q in commented(theme)]
    keys += [evidence_key(name) for name in evidence_fields(theme)]
    return {key: tidy(posted.get(element_id(key), "")) for key in keys}


def evidence_names(theme: Theme) -> list[str]:
    """The names of a theme page's comment and evidence boxes, in page order."""
    keys = [comment_key(q.id) for q in commented(theme)]
    keys += [evidence_key(name) for name in evidence_fields(theme)]
    return [element_id(key) for key in keys]


def evidence_problems(
    theme: Theme,
    values: Mapping[str, str],
    shown: set[str],
    *,
    answered: Mapping[str, str],
    most: int,
    complete: bool,
) -> dict[str, str]:
    """What is wrong with a theme's comments and evidence fields, by the id of their box: too
    long, or (``complete``) a required comment left blank on a question shown and answered."""
    problems: dict[str, str] = {}
    for question in commented(theme):
        key = comment_key(question.id)
        text = values.get(key, "")
        if len(text) > most:
            problems[element_id(key)] = COMMENT_TOO_LONG.format(text=question.text, most=most)
        elif (
            complete
            and question.comment == "required"
            and question.id in shown
            and question.id in answered
            and not text
        ):
            problems[element_id(key)] = COMMENT_REQUIRED.format(text=question.text)
    for name in evidence_fields(theme):
        key = evidence_key(name)
        if len(values.get(key, "")) > most:
            label = evidence_label(name)
            problems[element_id(key)] = EVIDENCE_TOO_LONG.format(label=label, most=most)
    return problems


def missing_comments(theme: Theme, comments: Mapping[str, str], shown: set[str]) -> list[Question]:
    """The theme's shown questions whose required comment is not written yet."""
    return [
        q
        for q in commented(theme)
        if q.comment == "required" and q.id in shown and not comments.get(q.id)
    ]


def kept_comments(
    stored: Mapping[str, str], typed: Mapping[str, str], theme: Theme, shown: set[str]
) -> dict[str, str]:
    """Every comment of the audit once a theme is saved: the theme's as typed (``typed`` keyed
    as its values), the others as stored, those of hidden questions and blank ones dropped."""
    comments = dict(stored)
    for question in commented(theme):
        comments[question.id] = typed.get(comment_key(question.id), "")
    return {qid: text for qid, text in comments.items() if text and qid in shown}
