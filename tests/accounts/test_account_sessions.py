"""Seeing and ending sessions: one's own from the account page, and a user's by an admin."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import UserSession, utcnow
from tests.accounts.conftest import MakeUser, SignIn, csrf_token, events, stored_user
from tests.builders import PASSWORD


def _device(app: Flask, username: str, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _session_ids(app: Flask, address: str) -> list[int]:
    with session_scope(app) as session:
        rows = session.exec(select(UserSession).where(UserSession.remote_addr == address))
        return [row.id for row in rows if row.id is not None]


def _table(page: str) -> str:
    match = re.search(r'<table class="govuk-table app-sessions">.*?</table>', page, re.S)
    assert match, "no table of sessions"
    return unescape(match.group(0))


def test_the_account_page_lists_open_sessions_and_marks_this_device(
    app: Flask, make_user: MakeUser
) -> None:
    make_user("alice", "auditor")
    laptop = _device(app, "alice", "192.0.2.10")
    _device(app, "alice", "192.0.2.20")
    gone = _device(app, "alice", "192.0.2.30")
    gone.post("/sign-out")
    _device(app, "alice", "192.0.2.40")
    with session_scope(app) as session:
        idle = session.exec(
            select(UserSession).where(UserSession.remote_addr == "192.0.2.40")
        ).one()
        idle.last_seen_at = utcnow() - timedelta(minutes=31)
        session.add(idle)

    table = _table(laptop.get("/account").get_data(as_text=True))
    assert "<caption" in table and "Your open sessions" in table
    assert '<th scope="col" class="govuk-table__header">Last used (UTC)</th>' in table
    # Open sessions only: not the one signed out, nor the one idle for too long.
    assert "192.0.2.10" in table and "192.0.2.20" in table
    assert "192.0.2.30" not in table and "192.0.2.40" not in table
    assert table.count("This device") == 1
    assert table.count('<form method="post"') == 2
    assert table.count('name="csrf_token"') == 2
    row = r'<tr class="govuk-table__row">(?:(?!</tr>).)*This device.*?</tr>'
    [this] = re.findall(row, table, re.S)
    assert "192.0.2.10" in this and "Sign out" in this


def test_ending_another_devices_session_leaves_this_one_open(
    app: Flask, make_user: MakeUser
) -> None:
    make_user("alice", "auditor")
    laptop = _device(app, "alice", "192.0.2.10")
    phone = _device(app, "alice", "192.0.2.20")
    [phone_session] = _session_ids(app, "192.0.2.20")
    response = laptop.post(f"/account/sessions/{phone_session}/end")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert phone.get("/").status_code == 302
    page = laptop.get("/account").get_data(as_text=True)
    assert "That session has ended" in page
    assert "192.0.2.20" not in _table(page)
    [event] = events(app, "session.ended")
    detail = json.loads(event.detail)
    assert (event.actor, detail["session_id"]) == ("alice", phone_session)
    assert detail["signed_in_from"] == "192.0.2.20"
    # Ending it again, or one already over, is "not found".
    assert laptop.post(f"/account/sessions/{phone_session}/end").status_code == 404


def test_ending_this_devices_session_signs_out(app: Flask, make_user: MakeUser) -> None:
    make_user("alice", "auditor")
    laptop = _device(app, "alice", "192.0.2.10")
    [laptop_session] = _session_ids(app, "192.0.2.10")
    response = laptop.post(f"/account/sessions/{laptop_session}/end")
    assert response.headers["Location"] == "/sign-in"
    assert laptop.get("/").status_code == 302


def test_nobody_can_end_someone_elses_session(app: Flask, make_user: MakeUser) -> None:
    make_user("alice", "auditor")
    make_user("bob", "admin")
    alice = _device(app, "alice", "192.0.2.10")
    bob = _device(app, "bob", "192.0.2.99")
    [alice_session] = _session_ids(app, "192.0.2.10")
    # Not even an admin, from the account page: the same answer as for no such session.
    assert bob.post(f"/account/sessions/{alice_session}/end").status_code == 404
    assert bob.post("/account/sessions/999999/end").status_code == 404
    assert alice.get("/").status_code == 200
    assert events(app, "session.ended") == []


def test_ending_a_session_needs_the_forms_token(csrf_app: Flask, make_user: MakeUser) -> None:
    make_user("alice", "auditor")
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    phone = csrf_app.test_client()
    phone.environ_base["REMOTE_ADDR"] = "192.0.2.20"
    token = csrf_token(phone, "/sign-in")
    phone.post("/sign-in", data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    [phone_session] = _session_ids(csrf_app, "192.0.2.20")
    assert client.post(f"/account/sessions/{phone_session}/end").status_code == 400
    assert phone.get("/").status_code == 200
    token = csrf_token(client, "/account")
    ended = client.post(f"/account/sessions/{phone_session}/end", data={"csrf_token": token})
    assert ended.status_code == 302
    assert phone.get("/").status_code == 302


def test_an_admin_ends_every_session_of_a_user(
    app: Flask, client: FlaskClient, make_user: MakeUser, sign_in: SignIn
) -> None:
    make_user("alice", "auditor")
    sign_in(make_user("admin1", "admin"))
    laptop = _device(app, "alice", "192.0.2.10")
    phone = _device(app, "alice", "192.0.2.20")
    alice = stored_user(app, "alice")
    assert alice is not None
    page = client.get(f"/admin/users/{alice.id}").get_data(as_text=True)
    table = _table(page)
    assert "Open sessions of alice" in table
    assert "192.0.2.10" in table and "192.0.2.20" in table
    assert "End all sessions of alice" in page

    response = client.post(f"/admin/users/{alice.id}/sessions/end")
    assert response.status_code == 302
    assert laptop.get("/").status_code == 302 and phone.get("/").status_code == 302
    after = unescape(client.get(f"/admin/users/{alice.id}").get_data(as_text=True))
    assert "alice has been signed out everywhere: 2 open sessions ended." in after
    assert "alice is not signed in anywhere." in after
    [event] = events(app, "user.sessions_ended")
    assert event.actor == "admin1"
    assert json.loads(event.detail) == {"sessions_ended": 2, "username": "alice"}
    assert _device(app, "alice", "192.0.2.10").get("/").status_code == 200  # she can sign in


@pytest.mark.usefixtures("admin_signed_in")
def test_an_admin_ends_their_own_sessions_from_their_account_page(
    app: Flask, client: FlaskClient
) -> None:
    admin = stored_user(app, "admin1")
    assert admin is not None
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "End all sessions of admin1" not in page
    refused = client.post(f"/admin/users/{admin.id}/sessions/end")
    assert refused.status_code == 400
    assert "use Sign out everywhere on your account page" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 200
