"""A format 2 questionnaire's subject: what each audit is of (a case by default, a worker's
supervision file, a carer household or a meeting), checked by the loader, carried by the
workbook, and put into the words people read."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from audit_app.core.questionnaire import QuestionnaireInvalid, upgrade, validate_questionnaire
from audit_app.core.subjects import (
    SUBJECTS,
    labelled_reference,
    reference_label,
    reference_subject,
    subject_heading,
    table_reference,
)
from audit_app.core.workbook import WorkbookInvalid, from_workbook, to_workbook
from tests.builders import questionnaire_dict


def format_2(**keys: Any) -> dict[str, Any]:
    return {**upgrade(questionnaire_dict()), **keys}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate_questionnaire(data)
    return [str(p) for p in refused.value.problems]


def test_a_questionnaire_is_of_cases_unless_it_says_otherwise() -> None:
    assert validate_questionnaire(format_2()).subject == "case"
    assert validate_questionnaire(questionnaire_dict()).subject == "case"
    for subject in SUBJECTS:
        assert validate_questionnaire(format_2(subject=subject)).subject == subject


@pytest.mark.parametrize("given", ["carer", "Worker", "", 3, None, ["worker"]])
def test_a_subject_that_is_not_one_of_the_four_is_refused_in_plain_english(given: Any) -> None:
    assert problems(format_2(subject=given)) == [
        '$.subject: must be "case", "worker", "household" or "meeting": what each audit is '
        "of, known by its reference"
    ]


def test_a_first_format_file_naming_a_subject_is_told_to_upgrade() -> None:
    assert problems({**questionnaire_dict(), "subject": "worker"}) == [
        '$.subject: "subject" is only in case-audit/2, and this file is case-audit/1: run '
        "`flask --app wsgi questionnaires upgrade FILE` to turn the file into case-audit/2, "
        "then add it"
    ]


def test_the_workbook_settings_carry_the_subject() -> None:
    data = format_2(subject="household")
    sheets = to_workbook(data, notes=False)
    assert ["subject", "household", None, None] in sheets["settings"]
    assert from_workbook(sheets) == data
    assert not any(row[0] == "subject" for row in to_workbook(format_2())["settings"])


def test_a_subject_that_is_not_one_is_refused_at_its_cell() -> None:
    sheets = to_workbook(format_2(subject="worker"), notes=False)
    broken = copy.deepcopy(sheets)
    row = next(n for n, r in enumerate(broken["settings"], 1) if r[0] == "subject")
    broken["settings"][row - 1][1] = "carer"
    with pytest.raises(WorkbookInvalid) as refused:
        from_workbook(broken)
    assert [str(p) for p in refused.value.problems] == [
        f'settings, row {row}, column value: must be "case", "worker", "household" or '
        '"meeting": what each audit is of, known by its reference'
    ]


def test_a_reference_is_labelled_by_its_subject() -> None:
    assert labelled_reference("100824", "case") == "case 100824"
    assert labelled_reference("W1042", "worker", initial=True) == "Worker W1042"
    assert table_reference("100824", "case") == "100824"
    assert table_reference("H7", "household") == "Household H7"
    assert reference_label("meeting") == "Meeting reference"
    assert subject_heading("worker") == "Supervision files"


def test_the_start_page_asks_in_the_chosen_questionnaires_words() -> None:
    subjects = {"monthly": "case", "supervision-audit": "worker"}
    assert reference_subject(subjects, "supervision-audit") == "worker"
    assert reference_subject(subjects, "") == "case"
    assert reference_subject({"supervision-audit": "worker"}, "") == "worker"
    assert reference_subject({}, "anything") == "case"
