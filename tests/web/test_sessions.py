"""Sessions live on the server: signing out, or out everywhere, really ends them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import UserSession
from tests.builders import PASSWORD
from tests.steps import signed_in_client


def _laptop_and_phone(app: Flask, make_user: Callable[..., str]) -> tuple[FlaskClient, FlaskClient]:
    """The auditor alice, signed in on two devices."""
    make_user("alice", "auditor")
    return signed_in_client(app, "alice", PASSWORD), signed_in_client(app, "alice", PASSWORD)


def test_signing_in_twice_gives_two_sessions_and_signing_out_ends_one(
    app: Flask, make_user: Callable[..., str]
) -> None:
    laptop, phone = _laptop_and_phone(app, make_user)
    laptop.post("/sign-out")
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200
    with session_scope(app) as session:
        reasons = sorted(str(r.ended_reason) for r in session.exec(select(UserSession)))
    assert reasons == ["None", "signed out"]


def test_sign_out_everywhere_ends_every_session(app: Flask, make_user: Callable[..., str]) -> None:
    laptop, phone = _laptop_and_phone(app, make_user)
    response = phone.post("/account/sign-out-everywhere")
    assert response.status_code == 302
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert signed_in_client(app, "alice", PASSWORD).get("/").status_code == 200


def test_a_session_idle_on_the_server_is_refused_even_with_a_fresh_cookie(
    app: Flask, make_user: Callable[..., str]
) -> None:
    from datetime import timedelta

    from audit_app.models import utcnow

    make_user("alice", "auditor")
    client = signed_in_client(app, "alice", PASSWORD)
    with session_scope(app) as session:
        row = session.exec(select(UserSession)).one()
        row.last_seen_at = utcnow() - timedelta(minutes=31)
        session.add(row)
    assert client.get("/").status_code == 302
