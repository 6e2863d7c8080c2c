"""Tick-all-that-apply questions on the reports: for each option, how many of the audits
the filters select ticked it, out of those that answered the question."""

from __future__ import annotations

from dataclasses import dataclass

from audit_app.models import QuestionnaireVersion
from audit_app.reporting.database import ReportReader
from audit_app.reporting.exports import options_statement, versions_in
from audit_app.reporting.figures import Share
from audit_app.reporting.selection import Selection
from audit_app.services.questionnaires import questionnaire_of


@dataclass(frozen=True)
class OptionCount:
    value: str
    label: str
    ticked: Share  # audits ticking the option, out of those answering the question


@dataclass(frozen=True)
class QuestionCounts:
    questionnaire_title: str
    version: int
    question_id: str
    text: str
    answered: int
    options: list[OptionCount]


def option_counts(reader: ReportReader, selection: Selection) -> list[QuestionCounts]:
    """Each multi-select question of the selected audits' versions, in questionnaire order,
    with its options' counts (questions no selected audit answered are left out)."""
    versions = versions_in(reader, selection)
    texts = _texts(versions)
    by_key = {(row.questionnaire_id, row.version): row for row in versions}
    found: dict[tuple[str, int, str], QuestionCounts] = {}
    statement = options_statement(reader, selection, versions)
    for (
        questionnaire_id,
        version,
        _theme,
        question_id,
        value,
        _label,
        ticked,
        answered,
    ) in reader.rows(statement):
        row = by_key[(questionnaire_id, version)]
        key = (questionnaire_id, version, question_id)
        question = found.get(key)
        if question is None:
            question = found[key] = QuestionCounts(
                questionnaire_title=row.title,
                version=version,
                question_id=question_id,
                text=texts[(row.id, question_id)][0],
                answered=int(answered),
                options=[],
            )
        label = texts[(row.id, question_id)][1].get(value, value)
        question.options.append(OptionCount(value, label, Share(int(ticked), int(answered))))
    return list(found.values())


def _texts(
    versions: list[QuestionnaireVersion],
) -> dict[tuple[int | None, str], tuple[str, dict[str, str]]]:
    """Each multi question's text and its options' labels, by version id and question id."""
    texts: dict[tuple[int | None, str], tuple[str, dict[str, str]]] = {}
    for row in versions:
        for question in questionnaire_of(row).questions.values():
            if question.type == "multi":
                labels = {o.value: o.label for o in question.options or ()}
                texts[(row.id, question.id)] = (question.text, labels)
    return texts
