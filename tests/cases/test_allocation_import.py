"""Importing allocations from a CSV file: all or nothing, every bad row listed by line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Allocation
from audit_app.services import accounts
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from audit_app.services.allocations import AllocationImportSummary, import_allocations
from audit_app.services.cases import ImportRefused, import_cases
from tests.builders import cases_csv, load_draft, load_small_questionnaire, questionnaire_dict
from tests.cases.conftest import events, table_counts

HEADER = "case_id,questionnaire_id,auditor,due"


@pytest.fixture
def setting(app: Flask, make_user: Callable[..., str]) -> Flask:
    """Two cases, an auditor, a manager, a deactivated auditor and two questionnaires."""
    with app.app_context(), session_scope(app) as session:
        import_cases(
            cases_csv("1001,Child Protection,CP Team 1,", "1002,Child Protection,CP Team 1,"),
            session=session,
            actor=Actor.system("test"),
        )
    make_user("auditor1", "auditor")
    make_user("manager1", "manager")
    make_user("gone1", "auditor")
    with app.app_context(), session_scope(app) as session:
        user = accounts.find_user("gone1", session=session)
        assert user is not None
        accounts.set_active(user, False, session=session, actor=Actor.system("test"))
    load_small_questionnaire(app, "test-audit")
    load_small_questionnaire(app, "old-audit")
    with session_scope(app) as session:
        questionnaire_service.set_retired(
            "old-audit", True, session=session, actor=Actor.system("test")
        )
    return app


def run_import(app: Flask, text: str | bytes) -> AllocationImportSummary:
    with session_scope(app) as session:
        return import_allocations(text, session=session, actor=Actor.system("tester"))


def allocations(app: Flask) -> list[tuple[int, str, int, date]]:
    with session_scope(app) as session:
        return [
            (a.case_id, a.questionnaire_id, a.auditor_id, a.due)
            for a in session.exec(select(Allocation).order_by(Allocation.id))
        ]


def test_a_questionnaire_that_is_only_a_draft_cannot_be_allocated(setting: Flask) -> None:
    load_draft(setting, questionnaire_dict(id="draft-audit", title="Draft audit"))
    with pytest.raises(ImportRefused) as caught:
        run_import(setting, f"{HEADER}\n1001,draft-audit,auditor1,2025-03-31\n")
    assert [str(p) for p in caught.value.problems] == [
        'Line 2: questionnaire_id "draft-audit" is a draft, not yet published, and cannot be '
        "allocated"
    ]
    assert allocations(setting) == []


def test_import_creates_allocations(setting: Flask) -> None:
    summary = run_import(
        setting,
        f"{HEADER},notes\n"
        "1001,test-audit,auditor1,2025-03-31,first\n"
        "1002,test-audit,AUDITOR1,2025-03-31,\n",
    )
    assert (summary.created, summary.already_allocated) == (2, 0)
    assert summary.ignored_columns == ("notes",)
    assert [(q, due) for _, q, _, due in allocations(setting)] == [
        ("test-audit", date(2025, 3, 31)),
        ("test-audit", date(2025, 3, 31)),
    ]
    (event,) = events(setting, "allocations.imported")
    assert event["created"] == 2 and event["_actor"] == "tester"


def test_reimporting_the_same_file_allocates_nothing_twice(setting: Flask) -> None:
    text = f"{HEADER}\n1001,test-audit,auditor1,2025-03-31\n"
    run_import(setting, text)
    summary = run_import(setting, text)
    assert (summary.created, summary.already_allocated) == (0, 1)
    assert len(allocations(setting)) == 1


def test_every_bad_row_is_listed_by_line_and_nothing_is_stored(setting: Flask) -> None:
    before = table_counts(setting)
    text = (
        f"{HEADER}\n"
        "1001,test-audit,auditor1,2025-03-31\n"  # line 2: good
        "4040,test-audit,auditor1,2025-03-31\n"  # line 3: unknown case
        "1001,no-such-audit,auditor1,2025-03-31\n"  # line 4: unknown questionnaire
        "1001,old-audit,auditor1,2025-03-31\n"  # line 5: retired questionnaire
        "1001,test-audit,nobody,2025-03-31\n"  # line 6: unknown user
        "1001,test-audit,gone1,2025-03-31\n"  # line 7: deactivated
        "1001,test-audit,manager1,2025-03-31\n"  # line 8: not an auditor
        "1001,test-audit,auditor1,31/03/2025\n"  # line 9: wrong date format
        "1001,test-audit,auditor1,2025-02-30\n"  # line 10: no such date
        "1001,test-audit,auditor1,2025-03-31\n"  # line 11: repeats line 2
        ",test-audit,,2025-03-31\n"  # line 12: two empty values
    )
    with pytest.raises(ImportRefused) as caught:
        run_import(setting, text)
    assert [str(p) for p in caught.value.problems] == [
        'Line 3: case_id "4040" is not a known case; import it first',
        'Line 4: questionnaire_id "no-such-audit" is not a loaded questionnaire',
        'Line 5: questionnaire_id "old-audit" is retired and cannot be allocated',
        'Line 6: auditor "nobody" is not a user',
        'Line 7: auditor "gone1" is deactivated',
        'Line 8: auditor "manager1" is a manager, not an auditor',
        'Line 9: due "31/03/2025" is not a date in the form YYYY-MM-DD',
        'Line 10: due "2025-02-30" is not a real date',
        "Line 11: repeats line 2",
        "Line 12: case_id is empty",
        "Line 12: auditor is empty",
    ]
    assert table_counts(setting) == before
    assert events(setting, "allocations.imported") == []


def test_missing_columns_are_named(setting: Flask) -> None:
    with pytest.raises(ImportRefused) as caught:
        run_import(setting, "case_id,auditor\n1001,auditor1\n")
    assert [str(p) for p in caught.value.problems] == [
        'Line 1: the required column "questionnaire_id" is missing',
        'Line 1: the required column "due" is missing',
    ]


def test_a_header_only_file_is_refused(setting: Flask) -> None:
    with pytest.raises(ImportRefused) as caught:
        run_import(setting, f"{HEADER}\n")
    assert [str(p) for p in caught.value.problems] == ["The file has no rows"]
