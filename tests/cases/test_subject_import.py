"""A file of cases may hold references of other subjects (a worker's, a carer household's, a
meeting's) in a ``subject`` column: each is unique within its subject, and an undo removes only
the references the import made."""

from __future__ import annotations

from flask import Flask
from sqlmodel import col, select

from audit_app.db import session_scope
from audit_app.models import Case
from tests.builders import cases_csv
from tests.cases.test_case_import import refusal, run_import

HEADER = "case_id,service,team,worker,subject"


def references(app: Flask) -> list[tuple[str, str, int]]:
    with session_scope(app) as session:
        rows = session.exec(select(Case).order_by(col(Case.case_ref), col(Case.subject)))
        return [(c.case_ref, c.subject, c.team_id) for c in rows]


def test_a_worker_reference_and_a_case_may_share_a_reference(app: Flask) -> None:
    summary = run_import(
        app,
        cases_csv(
            "100824,Child Protection,CP Team 1,,",
            "100824,Child Protection,CP Team 1,,worker",
            "H7,Fostering,Fostering Team,,Household",
            header=HEADER,
        ),
    )
    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    assert [(ref, subject) for ref, subject, _ in references(app)] == [
        ("100824", "case"),
        ("100824", "worker"),
        ("H7", "household"),
    ]


def test_importing_a_worker_reference_again_changes_only_the_worker_reference(
    app: Flask,
) -> None:
    run_import(
        app,
        cases_csv(
            "W1,Child Protection,CP Team 1,,",
            "W1,Child Protection,CP Team 1,,worker",
            header=HEADER,
        ),
    )
    summary = run_import(app, cases_csv("W1,Children in Care,CiC Team 2,,worker", header=HEADER))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    (case, worker) = references(app)
    assert case[1] == "case" and worker[1] == "worker"
    assert case[2] != worker[2], "the case stays in its team; the worker moved"


def test_a_subject_that_is_not_one_and_a_repeated_worker_are_refused_by_line(app: Flask) -> None:
    problems = refusal(
        app,
        cases_csv(
            "W1,Child Protection,CP Team 1,,worker",
            "W1,Child Protection,CP Team 1,,worker",
            "W2,Child Protection,CP Team 1,,carer",
            header=HEADER,
        ),
    )
    assert problems == [
        'Line 3: case_id "W1" is also on line 2; each worker must appear once',
        'Line 4: subject "carer" is not one of case, worker, household or meeting (empty: case)',
    ]
