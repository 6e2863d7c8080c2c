"""An auditor who crafts a POST cannot set fields that are not theirs to set."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Audit, AuditResult, User
from tests.builders import start
from tests.journey.test_completing_an_audit import _answers
from tests.steps import save_theme


def test_extra_fields_in_a_theme_save_change_nothing_else(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    with session_scope(journey) as session:
        auditor_pk = session.exec(select(User.id).where(User.username == "auditor1")).one()
    # Not fields of this form but seen-alone: an auditor must not be able to set any of them.
    crafted = {
        "status": "moderated",
        "auditor_id": "999",
        "grade_moderated": "Outstanding",
        "overall_grade_judged": "Outstanding",
        "moderation_due": "false",
        "role": "admin",
        "permanence-plan": "yes",  # a question of another theme
    }
    response = save_theme(client, journey, audit_id, "voice", **{"seen-alone": "yes"}, **crafted)
    assert response.status_code == 302
    with session_scope(journey) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        assert audit.status == "draft"
        assert audit.auditor_id == auditor_pk
        assert audit.overall_grade_judged is None
        assert audit.moderation_due is False
        assert session.get(AuditResult, audit_id) is None
        assert session.exec(select(User.role).where(User.id == auditor_pk)).one() == "auditor"
    assert _answers(journey, audit_id) == {"seen-alone": "yes"}
