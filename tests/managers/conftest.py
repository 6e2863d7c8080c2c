"""Fixtures for the group managers' side: people in two services, and submitted audits.

Audits are completed and submitted through the services (as the auditor's pages do), with a
fixed sample rate and seed, so that whether each one is due for moderation is known.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import col, select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Audit, Case, SafeguardingConcern
from tests.builders import ensure_team, journey_questionnaire, load_questionnaire, make_case

CONCERN = "No visit for nine weeks while on a child protection plan."


def audit_row(app: Flask, audit_id: int) -> Audit:
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        return audit


def events(app: Flask, audit_id: int) -> list[str]:
    """The audit's trail of changes, oldest first (records of who looked at it left out)."""
    from audit_app.models import AuditEvent

    with session_scope(app) as session:
        return list(
            session.exec(
                select(AuditEvent.action)
                .where(AuditEvent.audit_id == audit_id, AuditEvent.action != "audit.viewed")
                .order_by(col(AuditEvent.id))
            )
        )


def the_concern(app: Flask) -> SafeguardingConcern:
    """The one safeguarding concern raised in the test."""
    with session_scope(app) as session:
        return session.exec(select(SafeguardingConcern)).one()


def raise_concern(client: FlaskClient, audit_id: int, description: str = CONCERN) -> TestResponse:
    """Raise a safeguarding concern on the audit; fail unless it is accepted (a redirect)."""
    response = client.post(f"/audits/{audit_id}/concern", data={"description": description})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def acknowledge(client: FlaskClient, concern_id: int | None, note: str) -> TestResponse:
    """Acknowledge the concern with a note of what was done."""
    return client.post(f"/concerns/{concern_id}/acknowledge", data={"acknowledgement": note})


@pytest.fixture
def managers(app: Flask, make_user: Callable[..., str]) -> Flask:
    """Cases in Child Protection and Care Leavers; auditors (of a Child Protection team: a Care
    Leavers case is allocated to them by ``complete_audit``), managers, a viewer and an admin.

    manager1 manages Child Protection; manager2 manages Care Leavers; manager3 manages Child
    Protection and also audits.
    """
    load_questionnaire(app, journey_questionnaire())
    make_case(app, "100824")
    make_case(app, "100825")
    with session_scope(app) as session:
        team = ensure_team(session, "Leaving Care Team", service="Care Leavers")
        session.add(Case(case_ref="300001", team_id=team.id))
    make_user("auditor1", "auditor", team="Child Protection 1")
    make_user("auditor2", "auditor", team="Child Protection 1")
    make_user("manager1", "manager", services=("Child Protection",))
    make_user("manager2", "manager", services=("Care Leavers",))
    make_user("manager3", "manager", services=("Child Protection",))
    make_user("viewer1", "viewer")
    make_user("admin1", "admin")
    return app
