"""Challenge and response: the independent auditor challenges the audit or one of its themes
once their re-audit is submitted; the case's service's group managers and the admins see the
challenges on the audit's page and respond, with optimistic locking; refusals keep what was
typed."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import AuditEvent, Challenge
from tests.independent.conftest import assign, complete_and_submit, re_audit, sign_in


def _re_audited(app: Flask, people: dict[str, str], first: int) -> FlaskClient:
    assign(app, [first])
    indy = sign_in(app, "indy", people["indy"])
    complete_and_submit(app, re_audit(app, indy, first))
    return indy


def _challenge(indy: FlaskClient, first: int, theme: str, text: str) -> None:
    response = indy.post(
        f"/independent/audits/{first}/challenge", data={"theme": theme, "text": text}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_challenge_on_a_theme_is_recorded_and_in_the_trail(
    app: Flask, people: dict[str, str], first: int
) -> None:
    indy = _re_audited(app, people, first)
    _challenge(indy, first, "planning", "The plan had no dates.")
    page = indy.get(f"/independent/audits/{first}").get_data(as_text=True)
    assert "The plan had no dates." in page and "Not responded to yet" in page
    with session_scope(app) as session:
        challenge = session.exec(select(Challenge)).one()
        assert (challenge.audit_id, challenge.theme_id) == (first, "planning")
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "challenge.raised")
        ).one()
        assert event.audit_id == first


def test_a_refused_challenge_keeps_what_was_typed(
    app: Flask, people: dict[str, str], first: int
) -> None:
    indy = _re_audited(app, people, first)
    response = indy.post(
        f"/independent/audits/{first}/challenge",
        data={"theme": "no-such-theme", "text": "Kept words."},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the audit as a whole or one of its themes" in page
    assert "Kept words." in page
    response = indy.post(f"/independent/audits/{first}/challenge", data={"theme": "voice"})
    assert response.status_code == 400
    assert "Enter your challenge" in response.get_data(as_text=True)


def test_the_services_manager_sees_the_challenge_and_responds(
    app: Flask, people: dict[str, str], first: int
) -> None:
    indy = _re_audited(app, people, first)
    _challenge(indy, first, "", "The overall grade is generous.")
    grace = sign_in(app, "grace")
    page = grace.get(f"/audits/{first}").get_data(as_text=True)
    assert "The overall grade is generous." in page
    with session_scope(app) as session:
        challenge_id = session.exec(select(Challenge.id)).one()
    response = grace.post(
        f"/independent/challenges/{challenge_id}/response",
        data={"response": "Agreed: regraded at the next panel.", "version": "1"},
    )
    assert response.status_code == 302
    assert "Agreed: regraded" in indy.get(f"/independent/audits/{first}").get_data(as_text=True)
    with session_scope(app) as session:
        assert session.exec(
            select(AuditEvent).where(AuditEvent.action == "challenge.responded")
        ).one()


def test_a_stale_response_is_refused_and_keeps_what_was_typed(
    app: Flask, people: dict[str, str], first: int
) -> None:
    indy = _re_audited(app, people, first)
    _challenge(indy, first, "voice", "The child was not seen alone.")
    with session_scope(app) as session:
        challenge_id = session.exec(select(Challenge.id)).one()
    url = f"/independent/challenges/{challenge_id}/response"
    ada = sign_in(app, "ada")
    assert ada.post(url, data={"response": "First.", "version": "1"}).status_code == 302
    grace = sign_in(app, "grace")
    response = grace.post(url, data={"response": "Mine, typed late.", "version": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this response" in page
    assert "Mine, typed late." in page and "First." in page
    with session_scope(app) as session:
        challenge = session.get(Challenge, challenge_id)
        assert challenge is not None and challenge.response == "First."


def test_an_empty_response_is_refused(app: Flask, people: dict[str, str], first: int) -> None:
    indy = _re_audited(app, people, first)
    _challenge(indy, first, "voice", "Words.")
    with session_scope(app) as session:
        challenge_id = session.exec(select(Challenge.id)).one()
    grace = sign_in(app, "grace")
    response = grace.post(
        f"/independent/challenges/{challenge_id}/response", data={"response": " ", "version": "1"}
    )
    assert response.status_code == 400
    assert "Enter the service&#39;s response" in response.get_data(as_text=True)


def test_a_manager_of_another_service_neither_sees_nor_answers_the_challenge(
    app: Flask, people: dict[str, str], first: int
) -> None:
    indy = _re_audited(app, people, first)
    _challenge(indy, first, "voice", "Words.")
    with session_scope(app) as session:
        challenge_id = session.exec(select(Challenge.id)).one()
    carl = sign_in(app, "carl")
    assert carl.get(f"/independent/challenges/{challenge_id}/response").status_code == 404
    amber = sign_in(app, "amber")
    assert "Words." not in amber.get(f"/audits/{first}").get_data(as_text=True)
