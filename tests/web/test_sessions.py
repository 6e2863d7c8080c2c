"""Sessions live on the server: signing out, or out everywhere, really ends them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import UserSession
from tests.builders import PASSWORD


def _signed_in_client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_signing_in_twice_gives_two_sessions_and_signing_out_ends_one(
    app: Flask,
    make_user: Callable[..., str],
) -> None:
    make_user("alice", "auditor")
    laptop = _signed_in_client(app, "alice")
    phone = _signed_in_client(app, "alice")
    laptop.post("/sign-out")
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200
    with session_scope(app) as session:
        reasons = sorted(str(r.ended_reason) for r in session.exec(select(UserSession)))
    assert reasons == ["None", "signed out"]


def test_sign_out_everywhere_ends_every_session(app: Flask, make_user: Callable[..., str]) -> None:
    make_user("alice", "auditor")
    laptop = _signed_in_client(app, "alice")
    phone = _signed_in_client(app, "alice")
    response = phone.post("/account/sign-out-everywhere")
    assert response.status_code == 302
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert _signed_in_client(app, "alice").get("/").status_code == 200


def test_a_session_idle_on_the_server_is_refused_even_with_a_fresh_cookie(
    app: Flask,
    make_user: Callable[..., str],
) -> None:
    from datetime import timedelta

    from audit_app.models import utcnow

    make_user("alice", "auditor")
    client = _signed_in_client(app, "alice")
    with session_scope(app) as session:
        row = session.exec(select(UserSession)).one()
        row.last_seen_at = utcnow() - timedelta(minutes=31)
        session.add(row)
    assert client.get("/").status_code == 302
