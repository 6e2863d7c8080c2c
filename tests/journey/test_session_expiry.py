"""An auditor whose session ends mid-theme loses nothing: the answers are saved on sign-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from audit_app.models import utcnow
from tests.builders import PASSWORD, start
from tests.journey.conftest import audit_version
from tests.journey.test_completing_an_audit import _answers


def _expire(client: FlaskClient) -> None:
    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=31)).isoformat()


def test_answers_posted_after_the_session_ended_are_saved_after_signing_in(
    journey: Flask,
    client: FlaskClient,
) -> None:
    audit_id = start(client)
    version = str(audit_version(journey, audit_id))
    _expire(client)

    response = client.post(
        f"/audits/{audit_id}/themes/voice",
        data={"version": version, "seen-alone": "partly", "voice-comment": "Typed at length."},
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert _answers(journey, audit_id) == {}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your answers are kept" in page

    signed_in = client.post(
        response.headers["Location"], data={"username": "auditor1", "password": PASSWORD}
    )
    assert signed_in.headers["Location"] == f"/audits/{audit_id}/themes/voice"
    html = client.get(signed_in.headers["Location"]).get_data(as_text=True)

    assert "your answers have been saved" in html
    assert _answers(journey, audit_id) == {
        "seen-alone": "partly",
        "voice-comment": "Typed at length.",
    }


def test_kept_answers_are_not_given_to_someone_else_who_signs_in(
    journey: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
) -> None:
    audit_id = start(client)
    version = str(audit_version(journey, audit_id))
    make_user("auditor2", "auditor")
    _expire(client)
    response = client.post(
        f"/audits/{audit_id}/themes/voice", data={"version": version, "seen-alone": "no"}
    )
    client.post(response.headers["Location"], data={"username": "auditor2", "password": PASSWORD})
    assert client.get(f"/audits/{audit_id}/themes/voice").status_code == 404
    assert _answers(journey, audit_id) == {}


def test_an_idle_session_ends_and_asks_to_sign_in_again(
    journey: Flask, client: FlaskClient
) -> None:
    _expire(client)
    response = client.get("/")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session ended because you were inactive" in page
