"""The findings page and its CSV: each re-audited audit with the service's grades (as
moderated) beside the independent auditor's, in a column of their own, with the challenges and
responses; home admins, the service's group managers and viewers; the CSV neutralised and in
the trail."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import AuditEvent, Challenge
from tests.independent.conftest import assign, complete_and_submit, re_audit, sign_in

FORMULA = '=HYPERLINK("http://x")'


def _findings(app: Flask, people: dict[str, str], first: int) -> None:
    assign(app, [first])
    indy = sign_in(app, "indy", people["indy"])
    complete_and_submit(app, re_audit(app, indy, first))
    response = indy.post(
        f"/independent/audits/{first}/challenge", data={"theme": "planning", "text": FORMULA}
    )
    assert response.status_code == 302


def test_the_findings_page_shows_both_grades_side_by_side(
    app: Flask, people: dict[str, str], first: int
) -> None:
    _findings(app, people, first)
    page = sign_in(app, "ada").get("/independent/findings").get_data(as_text=True)
    assert "Case 100824" in page
    assert "Internal grade" in page and "Independent auditor&#39;s grade" in page
    assert "Good" in page  # amber's overall grade
    assert "Inadequate" in page  # indy's
    assert "HYPERLINK" in page and "Not responded to yet" in page
    assert "amber" not in page and "indy" not in page


def test_managers_see_their_services_findings_and_viewers_every_one(
    app: Flask, people: dict[str, str], first: int
) -> None:
    _findings(app, people, first)
    assert "100824" in sign_in(app, "grace").get("/independent/findings").get_data(as_text=True)
    viewer = sign_in(app, "vic").get("/independent/findings").get_data(as_text=True)
    assert "100824" in viewer
    assert "HYPERLINK" not in viewer  # free text is for those who may open audits
    assert "100824" not in sign_in(app, "carl").get("/independent/findings").get_data(as_text=True)
    assert sign_in(app, "amber").get("/independent/findings").status_code == 403


def test_the_csv_is_neutralised_and_in_the_trail(
    app: Flask, people: dict[str, str], first: int
) -> None:
    _findings(app, people, first)
    response = sign_in(app, "ada").get("/independent/findings.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == [
        "Case",
        "Service",
        "Questionnaire",
        "Theme",
        "Internal grade",
        "Independent auditor's grade",
    ]
    overall = next(r for r in rows if r[3] == "Overall")
    assert overall[:6] == [
        "100824",
        "Child Protection",
        "Journey audit",
        "Overall",
        "Good",
        "Inadequate",
    ]
    planning = next(r for r in rows[1:] if r[6])
    assert planning[6] == "'" + FORMULA
    with session_scope(app) as session:
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "independent.findings_exported")
        ).one()
        assert event.actor == "ada"


def test_a_response_shows_on_the_findings(app: Flask, people: dict[str, str], first: int) -> None:
    _findings(app, people, first)
    with session_scope(app) as session:
        challenge_id = session.exec(select(Challenge.id)).one()
    grace = sign_in(app, "grace")
    grace.post(
        f"/independent/challenges/{challenge_id}/response",
        data={"response": "Dates are now in the plan.", "version": "1"},
    )
    assert "Dates are now in the plan." in grace.get("/independent/findings").get_data(as_text=True)
