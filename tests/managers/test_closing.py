"""Closing an audit, and every move the audit's state does not allow."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import POOR, complete_audit, submitted_audit
from tests.conftest import AuthActions
from tests.managers.conftest import acknowledge, audit_row, events, raise_concern, the_concern
from tests.steps import followed, moderation_grades, moderation_outcome, start_moderation


def _close(client: FlaskClient, audit_id: int) -> str:
    return followed(client, client.post(f"/moderation/audits/{audit_id}/close"))


def _moderate(client: FlaskClient, app: Flask, audit_id: int) -> None:
    start_moderation(client, audit_id)
    grades = {"grade-voice": "Inadequate", "grade-planning": "Inadequate"}
    moderation_grades(client, app, audit_id, **{"grade-overall": "Inadequate", **grades})
    response = moderation_outcome(client, app, audit_id, outcome="agreed")
    assert response.status_code == 302


def test_a_submitted_audit_not_due_for_moderation_can_be_closed(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, rate=0.0)
    sign_in("manager1")
    assert "The audit is closed" in _close(client, audit_id)
    audit = audit_row(managers, audit_id)
    assert audit.status == "closed" and audit.closed_at is not None
    assert events(managers, audit_id)[-1] == "audit.closed"


def test_a_moderated_audit_can_be_closed(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, answers=POOR)
    sign_in("manager1")
    _moderate(client, managers, audit_id)
    _close(client, audit_id)
    assert audit_row(managers, audit_id).status == "closed"


def test_an_audit_due_for_moderation_cannot_be_closed_before_it(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, answers=POOR)
    sign_in("manager1")
    page = _close(client, audit_id)
    assert "This audit is due for moderation: it can be closed once it has been moderated" in page
    assert audit_row(managers, audit_id).status == "submitted"


def test_a_draft_cannot_be_closed(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = complete_audit(managers, "auditor1")
    sign_in("manager1")
    assert "A draft cannot be closed" in _close(client, audit_id)
    assert audit_row(managers, audit_id).status == "draft"


def test_closing_is_refused_while_a_concern_is_unacknowledged(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers, rate=0.0)
    sign_in("auditor1")
    raise_concern(client, audit_id, "Risk not assessed.")
    auth.switch("manager1")
    before = events(managers, audit_id)
    page = _close(client, audit_id)
    assert "has a safeguarding concern that no manager has acknowledged" in page
    assert audit_row(managers, audit_id).status == "submitted"
    assert events(managers, audit_id) == before
    acknowledge(client, the_concern(managers).id, "Referred.")
    _close(client, audit_id)
    assert audit_row(managers, audit_id).status == "closed"


def test_a_closed_audit_cannot_be_closed_or_moderated_again(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, rate=0.0)
    sign_in("manager1")
    _close(client, audit_id)
    assert "This audit is already closed" in _close(client, audit_id)
    requested = client.post(f"/moderation/audits/{audit_id}/request", follow_redirects=True)
    assert "This audit is closed, so it can no longer be moderated" in requested.get_data(
        as_text=True
    )
    assert events(managers, audit_id).count("audit.closed") == 1


def test_only_a_manager_of_the_service_closes(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers, rate=0.0)
    sign_in("auditor1")
    assert client.post(f"/moderation/audits/{audit_id}/close").status_code == 403
    auth.switch("manager2")
    assert client.post(f"/moderation/audits/{audit_id}/close").status_code == 404
    auth.switch("admin1")
    assert client.post(f"/moderation/audits/{audit_id}/close").status_code == 403
    assert audit_row(managers, audit_id).status == "submitted"
