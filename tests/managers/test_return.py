"""Returning an audit to its auditor, who edits and resubmits it."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import AuditResult, Moderation
from tests.builders import POOR, submitted_audit
from tests.conftest import AuthActions
from tests.managers.conftest import audit_row, events
from tests.steps import audit_version, moderation_outcome, save_theme, start_moderation


def _return(client: FlaskClient, app: Flask, audit_id: int, comment: str) -> TestResponse:
    start_moderation(client, audit_id)
    return moderation_outcome(client, app, audit_id, outcome="returned", comment=comment)


def test_returning_needs_a_comment(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, answers=POOR)
    sign_in("manager1")
    response = _return(client, managers, audit_id, "  ")
    assert response.status_code == 400
    assert "Write a comment for the auditor" in response.get_data(as_text=True)
    assert audit_row(managers, audit_id).status == "submitted"


def test_a_returned_audit_reopens_for_its_auditor_and_is_resubmitted(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers, answers=POOR)
    sign_in("manager1")
    response = _return(client, managers, audit_id, "Check the visit records from May.")
    assert response.status_code == 302
    audit = audit_row(managers, audit_id)
    assert audit.status == "returned" and audit.moderation_due
    with session_scope(managers) as session:
        moderation = session.exec(select(Moderation)).one()
    assert moderation.outcome == "returned"
    assert moderation.comment == "Check the visit records from May."

    auth.switch("auditor1")
    home = client.get("/").get_data(as_text=True)
    assert "Returned to you for changes" in home and "Check the visit records from May." in home
    task_list = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "Returned for changes" in task_list and "Check the visit records from May." in task_list

    saved = save_theme(
        client,
        managers,
        audit_id,
        "voice",
        **{"seen-alone": "partly", "voice-comment": "Seen alone in May."},
        judgement="Requires improvement",
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    resubmitted = client.post(
        f"/audits/{audit_id}/check", data={"version": str(audit_version(managers, audit_id))}
    )
    assert resubmitted.status_code == 302, resubmitted.get_data(as_text=True)
    audit = audit_row(managers, audit_id)
    assert audit.status == "submitted"
    assert (audit.moderation_due, audit.moderation_reason) == (True, "worst band")
    with session_scope(managers) as session:
        result = session.get(AuditResult, audit_id)
    assert result is not None and result.grade_moderated is None

    auth.switch("manager1")
    assert f'href="/audits/{audit_id}"' in client.get("/").get_data(as_text=True)
    trail = events(managers, audit_id)
    returned_at = trail.index("audit.returned")
    assert trail[returned_at:] == ["audit.returned", "audit.saved", "audit.submitted"]
    history = client.get(f"/audits/{audit_id}/history").get_data(as_text=True)
    assert "Returned to the auditor" in history
    assert "Comment: Check the visit records from May." in history
    assert "Still due for moderation" in history


def test_a_returned_audit_cannot_be_moderated_or_closed_until_resubmitted(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, answers=POOR)
    sign_in("manager1")
    _return(client, managers, audit_id, "Add the strategy meeting.")
    moderate = client.post(f"/moderation/audits/{audit_id}/start", follow_redirects=True)
    assert "It can be moderated again when they resubmit it" in moderate.get_data(as_text=True)
    close = client.post(f"/moderation/audits/{audit_id}/close", follow_redirects=True)
    assert "This audit has been returned to the auditor" in close.get_data(as_text=True)
    assert audit_row(managers, audit_id).status == "returned"
