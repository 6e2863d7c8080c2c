"""Audits made for a calibration exercise never count in the service's figures: the dashboard,
the audits behind its figures, the board's exports, the moderation queue
and the allocations' completion are the same, byte for byte, before and after two auditors
submit exercise audits of a case in the data set (one judged Inadequate, which would put an
ordinary audit in the moderation queue whatever the sample)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import col, select

from audit_app.core.lifecycle import EXERCISE
from audit_app.db import session_scope
from audit_app.models import Audit
from audit_app.services import calibration as calibration_service
from tests.builders import REPORT_QUESTIONNAIRE_ID, ReportData, actor_for, report_audit
from tests.reports.conftest import SignInAs

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
PAGES = [
    "/reports",
    "/reports/audits",
    "/reports/export/audits.csv",
    "/reports/export/themes.csv",
    "/reports/export/compliance.csv",
    "/reports/export/answers.csv",
]


def _figures(client: FlaskClient) -> dict[str, str]:
    shown = {}
    for page in PAGES:
        response = client.get(f"{page}?{urlencode(YEAR)}")
        assert response.status_code == 200, page
        # The forms' CSRF tokens differ from one page to the next; nothing else may.
        shown[page] = re.sub(r'name="csrf_token" value="[^"]+"', "", response.get_data(True))
    return shown


def _queue(client: FlaskClient) -> str:
    html = client.get("/").get_data(as_text=True)
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def _run_exercise(app: Flask) -> None:
    ada = actor_for(app, "ada")
    with session_scope(app) as session:
        exercise = calibration_service.create_exercise(
            "Spring calibration",
            "100002",
            REPORT_QUESTIONNAIRE_ID,
            [actor_for(app, "amber").person_id, actor_for(app, "basil").person_id],
            ada,
            session=session,
        )
        exercise_id = exercise.id
    # Dated in February, a month the summaries already hold, and in the current month.
    for name, overall, when in [
        ("amber", "Inadequate", datetime(2026, 2, 12, 9, 0, tzinfo=UTC)),
        ("basil", "Good", datetime.now(UTC)),
    ]:
        report_audit(
            app,
            actor_for(app, name),
            "100002",
            {"voice": {"seen-alone": "no"}, "planning": {"plan-smart": "partly"}},
            {"voice": overall, "planning": overall},
            overall,
            when,
            exercise_id=exercise_id,
        )
    with session_scope(app) as session:
        statuses = session.exec(
            select(Audit.status).where(col(Audit.exercise_id) == exercise_id)
        ).all()
        assert statuses == [EXERCISE, EXERCISE]


def test_submitted_exercise_audits_leave_every_figure_unchanged(
    app: Flask, report_data: ReportData, client: FlaskClient, signed_in_as: SignInAs
) -> None:
    signed_in_as("ada")
    before = _figures(client)
    client.post("/sign-out")
    signed_in_as("grace")
    queue_before = _queue(client)
    client.post("/sign-out")

    _run_exercise(app)

    signed_in_as("ada")
    after = _figures(client)
    client.post("/sign-out")
    signed_in_as("grace")
    queue_after = _queue(client)
    for page in PAGES:
        assert after[page] == before[page], page
    assert queue_after == queue_before
    assert 'id="figure-submitted">4<' in after["/reports"]
