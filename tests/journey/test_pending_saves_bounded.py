"""Answers posted after the session ended are kept only for the signed-out person's own editable
audit, one page per audit, small, and for 24 hours (ASVS 7.4.1 and 7.4.2).

The answers of an ordinary late save are still kept and saved after signing in again:
tests/journey/test_session_expiry.py and tests/journey/test_session_keep_alive.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, update
from sqlmodel import Session, col, select
from werkzeug.test import TestResponse

from audit_app.auth import end_sessions
from audit_app.db import session_scope
from audit_app.models import Audit, PendingSave, User, utcnow
from audit_app.services import accounts
from audit_app.services.actor import Actor
from tests.builders import PASSWORD, make_case, start
from tests.journey.test_completing_an_audit import _answers
from tests.steps import audit_version, signed_in_client

VOICE = "/audits/{}/themes/voice"
COULD_NOT_BE_KEPT = "could not be kept"


def _expire(client: FlaskClient) -> None:
    """The browser's session idle past its limit, as the cookie says."""
    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=31)).isoformat()


def _late_save(client: FlaskClient, audit_id: int, version: int, **typed: str) -> TestResponse:
    response = client.post(VOICE.format(audit_id), data={"version": str(version), **typed})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    return response


def _kept(app: Flask) -> list[PendingSave]:
    with session_scope(app) as session:
        return list(session.exec(select(PendingSave)))


def _sign_in_page(client: FlaskClient, response: TestResponse) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _started_then_expired(app: Flask, client: FlaskClient) -> tuple[int, int]:
    """An audit auditor1 starts, its version then, and the session left idle past its limit."""
    audit_id = start(client)
    version = audit_version(app, audit_id)
    _expire(client)
    return audit_id, version


def _nothing_kept_and_told(app: Flask, client: FlaskClient, response: TestResponse) -> None:
    assert _kept(app) == []
    assert COULD_NOT_BE_KEPT in _sign_in_page(client, response)


def _another_auditors_audit(app: Flask, make_user: Callable[..., str]) -> tuple[FlaskClient, int]:
    """auditor2, signed in on another browser, and the audit they start of a case of their own."""
    make_case(app, "200117")
    other = signed_in_client(
        app, make_user("auditor2", "auditor", team="Child Protection 1"), PASSWORD
    )
    return other, start(other, "200117")


def _sign_in_and_open(client: FlaskClient, response: TestResponse) -> str:
    """Sign in again as auditor1 from the sign-in page the late save led to; open the page."""
    signed_in = client.post(
        response.headers["Location"], data={"username": "auditor1", "password": PASSWORD}
    )
    return client.get(signed_in.headers["Location"]).get_data(as_text=True)


def _deactivate(session: Session, user: User) -> None:
    accounts.set_active(user, False, session=session, actor=Actor.system("test"))


def _end_sessions(session: Session, user: User) -> None:
    assert end_sessions(session, user.id, "ended by an admin") == 1


@pytest.mark.parametrize(
    "cut_off",
    [
        pytest.param(_deactivate, id="the account deactivated"),
        # "Sign out everywhere" on another device, or an admin's "End all sessions".
        pytest.param(_end_sessions, id="the session ended on the server"),
    ],
)
def test_an_expired_cookie_of_a_session_cut_off_stores_nothing(
    journey: Flask, client: FlaskClient, cut_off: Callable[[Session, User], None]
) -> None:
    audit_id, version = _started_then_expired(journey, client)
    with session_scope(journey) as session:
        cut_off(session, session.exec(select(User).where(User.username == "auditor1")).one())

    response = _late_save(client, audit_id, version, **{"voice-comment": "Stored anyway?"})

    _nothing_kept_and_told(journey, client, response)


def test_another_persons_audit_id_stores_nothing(
    journey: Flask, client: FlaskClient, make_user: Callable[..., str]
) -> None:
    _other, theirs = _another_auditors_audit(journey, make_user)
    start(client)  # auditor1 has an audit of their own too
    _expire(client)

    response = _late_save(
        client, theirs, audit_version(journey, theirs), **{"voice-comment": "Not mine."}
    )

    _nothing_kept_and_told(journey, client, response)


def test_an_audit_that_cannot_be_changed_stores_nothing(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    with session_scope(journey) as session:
        session.execute(update(Audit).where(col(Audit.id) == audit_id).values(status="submitted"))
    _expire(client)

    _late_save(client, audit_id, audit_version(journey, audit_id), **{"voice-comment": "Late."})

    assert _kept(journey) == []


def test_a_theme_the_audit_does_not_have_stores_nothing(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    _expire(client)

    response = client.post(f"/audits/{audit_id}/themes/{'x' * 300}", data={"version": "1"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert _kept(journey) == []


def test_ten_posts_for_one_audit_leave_one_row_and_the_last_is_saved(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id, version = _started_then_expired(journey, client)

    for attempt in range(1, 11):
        response = _late_save(client, audit_id, version, **{"voice-comment": f"Draft {attempt}."})

    assert len(_kept(journey)) == 1
    html = _sign_in_and_open(client, response)
    assert "your answers have been saved" in html
    assert _answers(journey, audit_id) == {"voice-comment": "Draft 10."}
    assert _kept(journey) == []


def test_an_oversized_post_stores_nothing_and_says_so(journey: Flask, client: FlaskClient) -> None:
    audit_id, version = _started_then_expired(journey, client)

    response = _late_save(client, audit_id, version, **{"voice-comment": "x" * 300_000})

    assert _kept(journey) == []
    page = _sign_in_page(client, response)
    assert COULD_NOT_BE_KEPT in page
    assert "256 KB" in page
    assert "Your answers are kept" not in page


def test_only_the_pages_own_fields_are_kept(journey: Flask, client: FlaskClient) -> None:
    audit_id, version = _started_then_expired(journey, client)

    _late_save(
        client, audit_id, version, **{"seen-alone": "yes", "padding": "y" * 200_000, "z": "1"}
    )

    [kept] = _kept(journey)
    assert len(kept.payload) < 1_000
    assert "padding" not in kept.payload


def _age_kept_answers(app: Flask, hours: int) -> None:
    with session_scope(app) as session:
        session.execute(
            update(PendingSave).values(created_at=utcnow() - timedelta(hours=hours, minutes=1))
        )


def _back_after(app: Flask, client: FlaskClient, hours: int, comment: str) -> tuple[int, str]:
    """A late save kept ``hours`` hours (and a minute) ago; the page opened on signing in again."""
    audit_id, version = _started_then_expired(app, client)
    response = _late_save(client, audit_id, version, **{"voice-comment": comment})
    _age_kept_answers(app, hours)
    return audit_id, _sign_in_and_open(client, response)


def test_answers_kept_more_than_24_hours_are_not_restored_and_are_removed(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id, html = _back_after(journey, client, 24, "Yesterday.")
    assert "your answers have been saved" not in html
    assert "more than 24 hours" in html
    assert _answers(journey, audit_id) == {}
    assert _kept(journey) == []


def test_answers_kept_less_than_24_hours_are_still_restored(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id, html = _back_after(journey, client, 23, "This morning.")
    assert "your answers have been saved" in html
    assert _answers(journey, audit_id) == {"voice-comment": "This morning."}


def test_retention_purge_removes_answers_kept_more_than_24_hours(
    journey: Flask, client: FlaskClient, make_user: Callable[..., str]
) -> None:
    audit_id = start(client)
    _expire(client)
    _late_save(client, audit_id, audit_version(journey, audit_id), **{"voice-comment": "Old."})
    _age_kept_answers(journey, 24)
    other, theirs = _another_auditors_audit(journey, make_user)
    _expire(other)
    _late_save(other, theirs, audit_version(journey, theirs), **{"voice-comment": "Recent."})

    done = journey.test_cli_runner().invoke(args=["retention", "purge"])

    assert done.exit_code == 0, done.output
    with session_scope(journey) as session:
        left = session.exec(select(PendingSave.audit_id)).all()
        assert left == [theirs]
        assert session.exec(select(func.count()).select_from(Audit)).one() == 2
