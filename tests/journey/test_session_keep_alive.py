"""Time on the page is measured exactly: a save just inside the idle limit is accepted, one just
past it is kept until the auditor signs in again, and "Stay signed in" keeps the session open."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from time_machine import TimeMachineFixture
from werkzeug.test import TestResponse

from audit_app import create_app
from audit_app.db import get_engine, session_scope
from audit_app.models import UserSession, utcnow
from tests.builders import PASSWORD, start
from tests.conftest import ROOT
from tests.faults import test_storage_faults
from tests.journey.conftest import audit_version
from tests.journey.test_completing_an_audit import _answers

VOICE = "/audits/{}/themes/voice"
# A signed-in auditor with a draft, on a SQLite file of its own.
draft = test_storage_faults.draft
sqlite_file = test_storage_faults.sqlite_file
KEEP_ALIVE = "/session/keep-alive"


@pytest.fixture
def clock(journey: Flask, time_machine: TimeMachineFixture) -> TimeMachineFixture:
    """The clock stopped just after the auditor signed in; tests move it on by hand."""
    time_machine.move_to(utcnow(), tick=False)
    return time_machine


def _save(client: FlaskClient, audit_id: int, version: str, **answers: str) -> TestResponse:
    return client.post(VOICE.format(audit_id), data={"version": version, **answers})


def _last_seen_on_the_server(app: Flask) -> datetime:
    with session_scope(app) as session:
        return session.exec(select(UserSession.last_seen_at)).one()


@pytest.mark.parametrize("looked_after", [timedelta(0), timedelta(seconds=50)])
def test_a_save_29_minutes_31_seconds_after_the_last_request_is_accepted(
    journey: Flask,
    client: FlaskClient,
    clock: TimeMachineFixture,
    looked_after: timedelta,
) -> None:
    """The reported loss: the page was opened less than a minute after the previous request, and
    the save came 29 min 31 s after the page was opened."""
    audit_id = start(client)
    version = str(audit_version(journey, audit_id))
    clock.shift(looked_after)
    assert client.get(VOICE.format(audit_id)).status_code == 200

    clock.shift(timedelta(minutes=29, seconds=31))
    response = _save(client, audit_id, version, **{"seen-alone": "partly"})

    assert response.status_code == 302
    assert not response.headers["Location"].startswith("/sign-in")
    assert _answers(journey, audit_id) == {"seen-alone": "partly"}


def test_the_server_records_the_exact_time_of_every_request(
    journey: Flask,
    client: FlaskClient,
    clock: TimeMachineFixture,
) -> None:
    for step in (timedelta(seconds=1), timedelta(seconds=20), timedelta(minutes=29, seconds=59)):
        clock.shift(step)
        assert client.get("/").status_code == 200
        assert _last_seen_on_the_server(journey) == utcnow()


def test_a_save_30_minutes_1_second_after_the_last_request_is_kept_until_signed_in_again(
    journey: Flask,
    client: FlaskClient,
    clock: TimeMachineFixture,
) -> None:
    audit_id = start(client)
    version = str(audit_version(journey, audit_id))
    clock.shift(timedelta(seconds=50))
    assert client.get(VOICE.format(audit_id)).status_code == 200

    clock.shift(timedelta(minutes=30, seconds=1))
    response = _save(client, audit_id, version, **{"seen-alone": "no", "voice-comment": "Long."})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert _answers(journey, audit_id) == {}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session ended because you were inactive" in page
    assert "Your answers are kept" in page

    signed_in = client.post(
        response.headers["Location"], data={"username": "auditor1", "password": PASSWORD}
    )
    assert signed_in.headers["Location"] == VOICE.format(audit_id)
    html = client.get(signed_in.headers["Location"]).get_data(as_text=True)
    assert "your answers have been saved" in html
    assert _answers(journey, audit_id) == {"seen-alone": "no", "voice-comment": "Long."}


# --- "Stay signed in" ------------------------------------------------------------------------


def test_keep_alive_answers_204_and_starts_the_idle_time_again(
    journey: Flask,
    client: FlaskClient,
    clock: TimeMachineFixture,
) -> None:
    audit_id = start(client)
    version = str(audit_version(journey, audit_id))
    clock.shift(timedelta(minutes=29))

    response = client.post(KEEP_ALIVE)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["Cache-Control"] == "no-store"
    assert _last_seen_on_the_server(journey) == utcnow()
    clock.shift(timedelta(minutes=29, seconds=59))
    assert _save(client, audit_id, version, **{"seen-alone": "yes"}).status_code == 302
    assert _answers(journey, audit_id) == {"seen-alone": "yes"}


def test_keep_alive_after_the_session_ended_does_not_start_it_again(
    journey: Flask,
    client: FlaskClient,
    clock: TimeMachineFixture,
) -> None:
    clock.shift(timedelta(minutes=30, seconds=1))

    response = client.post(KEEP_ALIVE)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert client.get("/").status_code == 302


def test_keep_alive_is_for_signed_in_people_only(app: Flask) -> None:
    response = app.test_client().post(KEEP_ALIVE)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_keep_alive_answers_only_post(journey: Flask, client: FlaskClient) -> None:
    assert client.get(KEEP_ALIVE).status_code == 405


def test_keep_alive_needs_the_csrf_token(csrf_app: Flask, make_user: Callable[..., str]) -> None:
    # make_user uses the shared app's database, which csrf_app shares.
    make_user("auditor1", "auditor")
    client = csrf_app.test_client()
    token_of = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    token = token_of.search(client.get("/sign-in").get_data(as_text=True))
    assert token is not None
    signed_in = client.post(
        "/sign-in",
        data={"username": "auditor1", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert signed_in.status_code == 302
    page = client.get("/").get_data(as_text=True)
    token = token_of.search(page)
    assert token is not None

    assert client.post(KEEP_ALIVE).status_code == 400
    assert client.post(KEEP_ALIVE, data={"csrf_token": token.group(1)}).status_code == 204
    assert client.post(KEEP_ALIVE, headers={"X-CSRFToken": token.group(1)}).status_code == 204


def test_a_page_still_opens_when_the_time_of_the_request_cannot_be_written(
    draft: tuple[Flask, object, int],
    sqlite_file: Path,
    tmp_path: Path,
) -> None:
    """Storage full or read-only: reading carries on (saving says what is wrong)."""
    app, client, audit_id = draft
    get_engine(app).dispose()
    read_only = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": f"sqlite:///file:{sqlite_file}?mode=ro&uri=true",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
            "SQLITE_BUSY_TIMEOUT_MS": "2000",
        },
    )
    reader = read_only.test_client()
    reader.set_cookie("session", client.get_cookie("session").value)  # type: ignore[attr-defined]
    try:
        page = reader.get(VOICE.format(audit_id))
        assert page.status_code == 200
        assert "Was the child seen alone?" in page.get_data(as_text=True)
    finally:
        get_engine(read_only).dispose()
