"""The practitioner's voice: the discussion with the allocated worker, on the audit's page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app.models import utcnow
from tests.builders import submitted_audit
from tests.conftest import AuthActions
from tests.managers.conftest import audit_row, events
from tests.steps import date_fields, post_on_audit


def _post(client: FlaskClient, app: Flask, audit_id: int, **data: str) -> TestResponse:
    return post_on_audit(client, app, audit_id, "/audits/{audit}/voice", **data)


def test_the_auditor_records_the_discussion_and_it_shows_beside_the_grades(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    assert client.get(f"/audits/{audit_id}/voice").status_code == 200
    response = _post(
        client,
        managers,
        audit_id,
        **date_fields("discussed", date(2025, 3, 3)),
        reflection="I had not seen how long the gap between visits was.",
    )
    assert response.status_code == 302
    audit = audit_row(managers, audit_id)
    assert audit.discussed_with_worker_on.isoformat() == "2025-03-03"  # type: ignore[union-attr]
    assert audit.worker_reflection == "I had not seen how long the gap between visits was."
    auth.switch("manager1")
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    grades = page.index("Grades</caption>")
    voice = page.index("The practitioner's voice")
    assert grades < voice < page.index('id="moderation"')
    assert "3 March 2025" in page and "how long the gap between visits was" in page
    assert events(managers, audit_id)[-1] == "audit.voice_recorded"


def test_the_discussion_needs_a_real_past_date_and_a_reflection(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    empty = _post(client, managers, audit_id)
    assert empty.status_code == 400
    html = empty.get_data(as_text=True)
    assert "Enter the date you discussed the findings with the worker" in html
    assert "Write the worker&#39;s reflection, in their own words" in html
    future = utcnow().date() + timedelta(days=2)
    later = _post(client, managers, audit_id, **date_fields("discussed", future), reflection="x")
    assert "must be today or in the past" in later.get_data(as_text=True)
    assert audit_row(managers, audit_id).discussed_with_worker_on is None


def test_only_the_auditor_records_the_discussion(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("manager1")
    assert client.get(f"/audits/{audit_id}/voice").status_code == 404
    auth.switch("auditor2")
    assert client.get(f"/audits/{audit_id}/voice").status_code == 404
