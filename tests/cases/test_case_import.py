"""Importing cases from a CSV file: all or nothing, every bad row listed by line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask

from audit_app.db import session_scope
from audit_app.services.actor import Actor
from audit_app.services.cases import (
    DEFAULT_CASE_ID_PATTERN,
    ImportRefused,
    ImportSummary,
    import_cases,
    list_cases,
)
from tests.builders import add_audit, cases_csv, load_small_questionnaire
from tests.cases.conftest import StoredCases, events, table_counts


def run_import(
    app: Flask, source: str | bytes, pattern: str = DEFAULT_CASE_ID_PATTERN
) -> ImportSummary:
    with app.app_context(), session_scope(app) as session:
        return import_cases(
            source, session=session, actor=Actor.system("tester"), case_id_pattern=pattern
        )


def refusal(app: Flask, source: str | bytes, pattern: str = DEFAULT_CASE_ID_PATTERN) -> list[str]:
    before = table_counts(app)
    with pytest.raises(ImportRefused) as caught:
        run_import(app, source, pattern)
    assert table_counts(app) == before, "a refused import must store nothing"
    return [str(p) for p in caught.value.problems]


def test_import_creates_services_teams_and_cases(app: Flask, stored_cases: StoredCases) -> None:
    summary = run_import(
        app,
        cases_csv(
            "100824,Child Protection,CP Team 1,SW0412",
            "100825,Child Protection,CP Team 1,",
            "CIC/20931,Children in Care,CiC Team 2,J Patel",
        ),
    )
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.new_services == ("Child Protection", "Children in Care")
    assert summary.new_teams == ("CP Team 1", "CiC Team 2")
    assert summary.ignored_columns == ()
    assert stored_cases() == {
        "100824": ("CP Team 1", "Child Protection", "SW0412"),
        "100825": ("CP Team 1", "Child Protection", None),
        "CIC/20931": ("CiC Team 2", "Children in Care", "J Patel"),
    }
    assert "3 cases in the file: 3 created, 0 updated, 0 unchanged." in str(summary)


def test_reimport_counts_created_updated_and_unchanged(
    app: Flask, stored_cases: StoredCases
) -> None:
    run_import(
        app,
        cases_csv("1001,Child Protection,CP Team 1,A", "1002,Child Protection,CP Team 1,B"),
    )
    summary = run_import(
        app,
        cases_csv(
            "1001,Child Protection,CP Team 1,A",  # unchanged
            "1002,Child Protection,CP Team 2,B",  # moved team
            "1003,Child Protection,CP Team 1,C",  # new
        ),
    )
    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 1)
    assert summary.new_services == ()
    assert summary.new_teams == ("CP Team 2",)
    assert stored_cases()["1002"] == ("CP Team 2", "Child Protection", "B")


def test_extra_columns_are_ignored_and_named(app: Flask, stored_cases: StoredCases) -> None:
    summary = run_import(
        app,
        cases_csv(
            "1001,Jane Doe,Child Protection,CP Team 1,2015-04-01",
            header="case_id,child_name,service,team,dob",
        ),
    )
    assert summary.ignored_columns == ("child_name", "dob")
    assert "Ignored columns (not stored): child_name, dob." in str(summary)
    assert stored_cases() == {"1001": ("CP Team 1", "Child Protection", None)}


def test_the_trail_records_counts_and_never_the_rows(app: Flask) -> None:
    run_import(
        app,
        cases_csv("1001,Jane Doe,Child Protection,CP Team 1", header="case_id,name,service,team"),
    )
    (event,) = events(app, "cases.imported")
    assert event["created"] == 1 and event["updated"] == 0 and event["unchanged"] == 0
    assert event["ignored_columns"] == ["name"]
    assert event["_actor"] == "tester"
    assert "1001" not in str(event) and "Jane Doe" not in str(event)


def test_reimport_updates_team_and_worker_and_never_deletes_a_case(
    app: Flask,
    make_user: Callable[..., str],
    stored_cases: StoredCases,
) -> None:
    run_import(
        app,
        cases_csv("1001,Child Protection,CP Team 1,A", "1002,Child Protection,CP Team 1,B"),
    )
    make_user("auditor1", "auditor")
    version_id = load_small_questionnaire(app)
    add_audit(app, "1002", "auditor1", version_id, created_at=datetime.now(UTC))

    summary = run_import(app, cases_csv("1001,Child Protection,CP Team 2,Z"))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    assert stored_cases() == {
        "1001": ("CP Team 2", "Child Protection", "Z"),
        "1002": ("CP Team 1", "Child Protection", "B"),
    }
    with session_scope(app) as session:
        listing = list_cases(session=session)
    assert {(row.case_ref, row.audits) for row in listing.rows} == {("1001", 0), ("1002", 1)}


def test_an_empty_worker_cell_clears_the_worker_and_no_worker_column_keeps_it(
    app: Flask, stored_cases: StoredCases
) -> None:
    run_import(app, cases_csv("1001,CP,T1,A", "1002,CP,T1,B"))
    run_import(app, cases_csv("1001,CP,T1", header="case_id,service,team"))
    assert stored_cases()["1001"][2] == "A"
    run_import(app, cases_csv("1002,CP,T1,"))
    assert stored_cases()["1002"][2] is None


def test_a_byte_order_mark_is_handled(app: Flask, stored_cases: StoredCases) -> None:
    raw = "\ufeffcase_id,service,team\r\n1001,Child Protection,CP Team 1\r\n".encode()
    summary = run_import(app, raw)
    assert summary.created == 1 and summary.ignored_columns == ()
    assert stored_cases() == {"1001": ("CP Team 1", "Child Protection", None)}


def test_headers_and_values_are_trimmed_and_blank_lines_skipped(
    app: Flask, stored_cases: StoredCases
) -> None:
    summary = run_import(app, " Case_ID , Service ,Team\n\n 1001 , CP , T1 \n,,\n")
    assert summary.created == 1
    assert stored_cases() == {"1001": ("T1", "CP", None)}


def test_services_and_teams_match_whatever_their_capitals(
    app: Flask, stored_cases: StoredCases
) -> None:
    run_import(app, cases_csv("1001,Child Protection,CP Team 1,"))
    summary = run_import(app, cases_csv("1002,child protection,cp team 1,"))
    assert summary.new_services == () and summary.new_teams == ()
    assert stored_cases()["1002"] == ("CP Team 1", "Child Protection", None)


def test_every_bad_row_is_listed_by_line_and_nothing_is_stored(app: Flask) -> None:
    run_import(app, cases_csv("9999,Children in Need,CIN Team 1,"))
    problems = refusal(
        app,
        cases_csv(
            "1001,Child Protection,CP Team 1,A",  # line 2: good
            ",Child Protection,CP Team 1,A",  # line 3: no case_id
            "12 34,Child Protection,CP Team 1,A",  # line 4: bad reference
            "1001,Child Protection,CP Team 1,A",  # line 5: duplicate of line 2
            "1005,,CP Team 1,A",  # line 6: no service
            "1006,Child Protection,,A",  # line 7: no team
            "1007,Child Protection,CIN Team 1,",  # line 8: team in another service
            "1008,Children in Care,CP Team 1,",  # line 9: team given two services
            "-1009,Child Protection,CP Team 1,",  # line 10: must start with a letter or digit
            f"{'1' * 33},Child Protection,CP Team 1,",  # line 11: too long
        ),
    )
    assert problems == [
        "Line 3: case_id is empty",
        'Line 4: case_id "12 34" is not a valid case reference '
        "(letters, digits, / and - only, up to 32 characters)",
        'Line 5: case_id "1001" is also on line 2; each case must appear once',
        "Line 6: service is empty",
        "Line 7: team is empty",
        'Line 8: team "CIN Team 1" is already in the service "Children in Need", '
        'not "Child Protection"',
        'Line 9: team "CP Team 1" is in the service "Child Protection" on line 2, '
        'not "Children in Care"; a team belongs to one service',
        'Line 10: case_id "-1009" is not a valid case reference '
        "(letters, digits, / and - only, up to 32 characters)",
        f'Line 11: case_id "{"1" * 33}" is not a valid case reference '
        "(letters, digits, / and - only, up to 32 characters)",
    ]
    assert len(events(app, "cases.imported")) == 1  # the first, good import only


def test_the_configured_case_id_pattern_applies(app: Flask) -> None:
    problems = refusal(app, cases_csv("AB1234,CP,T1,", "123456,CP,T1,"), pattern=r"^\d{6}$")
    assert problems == [
        r'Line 2: case_id "AB1234" is not a valid case reference (it must match ^\d{6}$)'
    ]


def test_missing_required_columns_are_named(app: Flask) -> None:
    problems = refusal(app, cases_csv("1001,A", header="case_id,worker"))
    assert problems == [
        'Line 1: the required column "service" is missing',
        'Line 1: the required column "team" is missing',
    ]


def test_a_repeated_column_is_refused(app: Flask) -> None:
    problems = refusal(app, cases_csv("1001,CP,T1,T2", header="case_id,service,team,Team"))
    assert problems == ['Line 1: the column "Team" appears twice']


def test_a_header_only_file_has_no_rows(app: Flask) -> None:
    assert refusal(app, "case_id,service,team\n") == ["The file has no rows"]


def test_an_empty_file_is_refused(app: Flask) -> None:
    assert refusal(app, b"") == ["The file is empty"]


def test_a_row_with_too_many_values_is_refused(app: Flask) -> None:
    problems = refusal(app, cases_csv("1001,CP,T1,Smith, J"))
    assert problems == [
        "Line 2: has 5 values but the header has 4 columns "
        "(a value with a comma in it must be in double quotes)"
    ]


def test_quoted_values_and_line_numbers_across_multi_line_cells(
    app: Flask, stored_cases: StoredCases
) -> None:
    problems = refusal(app, cases_csv('1001,CP,T1,"Smith,\nJ"', "12 34,CP,T1,"))
    assert problems == [
        'Line 4: case_id "12 34" is not a valid case reference '
        "(letters, digits, / and - only, up to 32 characters)"
    ]
    run_import(app, cases_csv('1001,CP,T1,"Smith, J"'))
    assert stored_cases()["1001"][2] == "Smith, J"


def test_non_utf8_content_is_refused(app: Flask) -> None:
    raw = "case_id,service,team,worker\n1001,CP,T1,Zoë\n".encode("cp1252")
    (problem,) = refusal(app, raw)
    assert problem.startswith("The file is not UTF-8 text (line 2")
    assert 'Save it as "CSV UTF-8 (comma delimited)"' in problem


def test_utf16_content_is_refused(app: Flask) -> None:
    raw = "case_id,service,team\n1001,CP,T1\n".encode("utf-16")
    (problem,) = refusal(app, raw)
    assert problem.startswith("The file is UTF-16 text, not UTF-8.")


def test_binary_content_is_refused(app: Flask) -> None:
    raw = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"  # the start of an .xlsx file
    (problem,) = refusal(app, raw)
    assert problem.startswith("The file is not a CSV file")


def test_rows_already_read_can_be_imported(app: Flask, stored_cases: StoredCases) -> None:
    with app.app_context(), session_scope(app) as session:
        summary = import_cases(
            [{"case_id": "1001", "service": "CP", "team": "T1", "worker": None}],
            session=session,
            actor=Actor.system("tester"),
        )
    assert summary.created == 1
    assert stored_cases() == {"1001": ("T1", "CP", None)}
