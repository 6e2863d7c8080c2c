"""Separation of duties: nobody acknowledges a safeguarding concern they raised, and nobody
closes an audit they wrote (as nobody moderates their own: test_moderation.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import SafeguardingConcern
from tests.builders import submitted_audit
from tests.conftest import AuthActions
from tests.managers.conftest import audit_row, events

CONCERN = "No visit for nine weeks while on a child protection plan."


def _concern(app: Flask) -> SafeguardingConcern:
    with session_scope(app) as session:
        return session.exec(select(SafeguardingConcern)).one()


def test_a_manager_who_raised_a_concern_cannot_acknowledge_it(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers, "manager3", rate=0.0)
    sign_in("manager3")
    raised = client.post(f"/audits/{audit_id}/concern", data={"description": CONCERN})
    assert raised.status_code == 302
    concern_id = _concern(managers).id
    own = client.post(
        f"/concerns/{concern_id}/acknowledge",
        data={"acknowledgement": "Seen."},
        follow_redirects=True,
    )
    assert "You raised this concern, so someone else must acknowledge it" in own.get_data(
        as_text=True
    )
    assert _concern(managers).acknowledged_at is None
    assert "concern.acknowledged" not in events(managers, audit_id)
    # Another manager of the service can.
    auth.switch("manager1")
    client.post(f"/concerns/{concern_id}/acknowledge", data={"acknowledgement": "Visit made."})
    assert _concern(managers).acknowledgement == "Visit made."


def test_a_manager_cannot_close_their_own_audit(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers, "manager3", rate=0.0)
    sign_in("manager3")
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "You cannot close your own audit" in page
    response = client.post(f"/moderation/audits/{audit_id}/close")
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot close your own audit: another group manager of the service must" in shown
    assert audit_row(managers, audit_id).status == "submitted"
    auth.switch("manager1")
    client.post(f"/moderation/audits/{audit_id}/close")
    assert audit_row(managers, audit_id).status == "closed"
