"""A lost authenticator: an admin (or `flask users reset-mfa`) turns two-factor authentication
off after checking who the person is, and every session of theirs ends."""

from __future__ import annotations

import json
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import RecoveryCode
from tests.accounts.conftest import MakeUser, events, stored_user
from tests.builders import PASSWORD, enrol, later_code

HOW = "Met in person; saw her staff ID card"


def _user_id(app: Flask, username: str) -> int:
    user = stored_user(app, username)
    assert user is not None and user.id is not None
    return user.id


def _signed_in_with_code(app: Flask, username: str, secret: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/code"
    assert client.post("/sign-in/code", data={"code": later_code(secret)}).status_code == 302
    assert client.get("/").status_code == 200
    return client


def _recovery_codes(app: Flask, user_id: int) -> list[RecoveryCode]:
    with session_scope(app) as session:
        return list(session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user_id)))


@pytest.fixture
def admin(admin_signed_in: FlaskClient) -> str:
    return "admin1"


def test_an_admin_resets_a_lost_authenticator_after_checking_who_it_is(
    app: Flask, client: FlaskClient, make_user: MakeUser, admin: str
) -> None:
    make_user("alice", "auditor")
    secret = enrol(app, "alice")
    alice_id = _user_id(app, "alice")
    alices_phone = _signed_in_with_code(app, "alice", secret)

    page = unescape(client.get(f"/admin/users/{alice_id}").get_data(as_text=True))
    assert "Reset two-factor authentication" in page
    assert "I have checked that I am dealing with this person" in page

    refused = client.post(f"/admin/users/{alice_id}/two-factor/reset", data={})
    assert refused.status_code == 400
    text = unescape(refused.get_data(as_text=True))
    assert "There is a problem" in text
    assert "Confirm that you have checked who they are" in text
    assert "Say how you checked who they are" in text
    user = stored_user(app, "alice")
    assert user is not None and user.mfa_enabled

    done = client.post(
        f"/admin/users/{alice_id}/two-factor/reset",
        data={"mfa-identity_checked": "y", "mfa-reason": HOW},
    )
    assert done.status_code == 302
    flashed = unescape(client.get(done.headers["Location"]).get_data(as_text=True))
    assert "Two-factor authentication has been reset for alice" in flashed
    user = stored_user(app, "alice")
    assert user is not None
    assert (user.mfa_enabled, user.totp_secret, user.totp_last_step) == (False, None, None)
    assert _recovery_codes(app, alice_id) == []
    assert alices_phone.get("/").status_code == 302  # her sessions have ended
    [event] = events(app, "mfa.disabled")
    assert (event.actor, event.actor_id) == ("admin1", _user_id(app, "admin1"))
    assert json.loads(event.detail) == {
        "identity_checked": True,
        "reason": HOW,
        "sessions_ended": 1,
        "username": "alice",
    }
    # She signs in with her password, and can set up a new authenticator.
    fresh = app.test_client()
    response = fresh.post("/sign-in", data={"username": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    assert "Set up two-factor authentication" in fresh.get("/account/mfa").get_data(as_text=True)


def test_a_reason_of_spaces_alone_is_refused(
    app: Flask, client: FlaskClient, make_user: MakeUser, admin: str
) -> None:
    make_user("alice", "auditor")
    enrol(app, "alice")
    response = client.post(
        f"/admin/users/{_user_id(app, 'alice')}/two-factor/reset",
        data={"mfa-identity_checked": "y", "mfa-reason": "   "},
    )
    assert response.status_code == 400
    assert "Say how you checked who they are" in unescape(response.get_data(as_text=True))
    user = stored_user(app, "alice")
    assert user is not None and user.mfa_enabled
    assert events(app, "mfa.disabled") == []


def test_an_admin_cannot_reset_their_own(app: Flask, client: FlaskClient, admin: str) -> None:
    enrol(app, admin)
    admin_id = _user_id(app, admin)
    page = unescape(client.get(f"/admin/users/{admin_id}").get_data(as_text=True))
    assert "You cannot reset your own two-factor authentication" in page
    assert 'name="mfa-reason"' not in page
    refused = client.post(
        f"/admin/users/{admin_id}/two-factor/reset",
        data={"mfa-identity_checked": "y", "mfa-reason": HOW},
    )
    assert refused.status_code == 400
    assert "You cannot reset your own two-factor authentication" in unescape(
        refused.get_data(as_text=True)
    )
    user = stored_user(app, admin)
    assert user is not None and user.mfa_enabled
    assert events(app, "mfa.disabled") == []


def test_there_is_nothing_to_reset_without_two_factor_authentication(
    app: Flask, client: FlaskClient, make_user: MakeUser, admin: str
) -> None:
    make_user("alice", "auditor")
    alice_id = _user_id(app, "alice")
    page = client.get(f"/admin/users/{alice_id}").get_data(as_text=True)
    assert "alice has not set up two-factor authentication" in page
    refused = client.post(
        f"/admin/users/{alice_id}/two-factor/reset",
        data={"mfa-identity_checked": "y", "mfa-reason": HOW},
    )
    assert refused.status_code == 400
    assert "alice does not have two-factor authentication on" in refused.get_data(as_text=True)


def test_the_reset_mfa_command_needs_a_reason_and_ends_sessions(
    app: Flask, runner: FlaskCliRunner, make_user: MakeUser
) -> None:
    make_user("alice", "auditor")
    secret = enrol(app, "alice")
    alices_phone = _signed_in_with_code(app, "alice", secret)

    without = runner.invoke(args=["users", "reset-mfa", "alice"])
    assert without.exit_code == 2 and "--reason" in without.output
    blank = runner.invoke(args=["users", "reset-mfa", "alice", "--reason", " "])
    assert blank.exit_code == 1 and "Say how you checked who they are" in blank.output
    unknown = runner.invoke(args=["users", "reset-mfa", "carol", "--reason", HOW])
    assert unknown.exit_code == 1 and "There is no user called carol" in unknown.output
    user = stored_user(app, "alice")
    assert user is not None and user.mfa_enabled

    done = runner.invoke(args=["users", "reset-mfa", "Alice", "--reason", HOW])
    assert done.exit_code == 0, done.output
    assert "Two-factor authentication reset for alice; 1 open session(s) ended." in done.output
    user = stored_user(app, "alice")
    assert user is not None and not user.mfa_enabled and user.totp_secret is None
    assert alices_phone.get("/").status_code == 302
    [event] = events(app, "mfa.disabled")
    assert event.actor == "command line"
    assert json.loads(event.detail)["reason"] == HOW

    again = runner.invoke(args=["users", "reset-mfa", "alice", "--reason", HOW])
    assert again.exit_code == 1
    assert "alice does not have two-factor authentication on" in again.output
