"""The current password asked for on the change-password page is a sign-in by another door: a
wrong one counts as a failed sign-in, and the page is refused while the account is locked."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import AuditEvent, SignInAttempt
from audit_app.services.accounts import TOO_MANY
from tests.builders import PASSWORD

NEW = "a brand new passphrase nobody knows"


def _change(client: FlaskClient, current: str) -> TestResponse:
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": NEW, "confirm_password": NEW},
    )


def _failures(app: Flask) -> tuple[int, int]:
    with session_scope(app) as db:
        attempts = db.exec(select(SignInAttempt).where(SignInAttempt.succeeded == False))  # noqa: E712
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in.failed"))
        return len(list(attempts)), len(list(events))


@pytest.mark.usefixtures("alice_signed_in")
def test_wrong_current_passwords_count_and_lock_the_account(
    app: Flask, client: FlaskClient
) -> None:
    for n in range(5):
        refused = _change(client, f"a wrong guess {n}")
        assert refused.status_code == 400
        assert "Your current password is not right" in refused.get_data(as_text=True)
    assert _failures(app) == (5, 5)
    # Locked now: even the right current password is refused, and nothing changes.
    locked = _change(client, PASSWORD)
    assert locked.status_code == 400
    assert TOO_MANY in locked.get_data(as_text=True)
    with session_scope(app) as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "user.password_set"))
        assert list(event) == []
    # The same lock holds at the sign-in page.
    client.post("/sign-out")
    page = client.post("/sign-in", data={"username": "alice", "password": PASSWORD})
    assert TOO_MANY in page.get_data(as_text=True)
    with session_scope(app) as db:
        failed = db.exec(select(AuditEvent).where(AuditEvent.action == "sign_in.failed")).first()
        assert failed is not None and failed.actor == "alice"
        assert json.loads(failed.detail or "{}") == {}


def test_the_right_current_password_still_changes_it(
    client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> None:
    make_user("alice", "auditor")
    sign_in("alice")
    response = _change(client, PASSWORD)
    assert response.status_code == 302
