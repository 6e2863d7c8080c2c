"""Fixtures of the independent auditor's tests: the people, a submitted audit, and steps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app import clock
from audit_app.db import session_scope
from audit_app.models import Audit
from audit_app.services import audits as audit_service
from tests.builders import (
    PASSWORD,
    POOR,
    actor_for,
    enrol,
    journey_questionnaire,
    later_code,
    load_questionnaire,
    make_case,
    save_theme_judged_as_suggested,
    submitted_audit,
)

FIRST_ANALYSIS = "The first reading: drift since the second review."


@pytest.fixture
def people(app: Flask, make_user: Callable[..., str]) -> dict[str, str]:
    """Case 100824 in Child Protection; amber audits it; grace manages Child Protection, carl
    Care Leavers; ada is an admin, vic a viewer; indy is the independent auditor (enrolled in
    two-factor authentication: the secret is returned under "indy")."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app, "100824")
    make_case(app, "100826")
    make_user("amber", "auditor", team="Child Protection 1")
    make_user("grace", "manager", services=("Child Protection",))
    make_user("carl", "manager", services=("Care Leavers",))
    make_user("ada", "admin")
    make_user("vic", "viewer")
    make_user("indy", "independent")
    return {"indy": enrol(app, "indy")}


@pytest.fixture
def first(app: Flask, people: dict[str, str]) -> int:
    """Amber's submitted audit of 100824, judged Good overall with her analysis."""
    audit_id = submitted_audit(app, "amber", "100824", overall="Good")
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        audit.overall_analysis = FIRST_ANALYSIS
        session.add(audit)
    return audit_id


def sign_in(app: Flask, username: str, secret: str | None = None) -> FlaskClient:
    """A new client signed in (with the second factor when a secret is given)."""
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    if secret is not None:
        response = client.post("/sign-in/code", data={"code": later_code(secret)})
        assert response.status_code == 302, response.get_data(as_text=True)
    return client


def day_fields(name: str, day: date) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def window(starts: int = 0, ends: int = 7) -> dict[str, str]:
    """A window from ``starts`` to ``ends`` days after today (England's day)."""
    today = clock.today()
    return {
        **day_fields("starts", today + timedelta(days=starts)),
        **day_fields("ends", today + timedelta(days=ends)),
    }


def assign(app: Flask, audits: list[int], cases: str = "", **days: int) -> FlaskClient:
    """Ada assigns indy the audits and cases for the window; returns ada's client."""
    ada = sign_in(app, "ada")
    indy = actor_for(app, "indy").person_id
    response = ada.post(
        "/independent/assignments",
        data={
            "auditor": str(indy),
            "title": "Spring review",
            "audits": [str(a) for a in audits],
            "cases": cases,
            **window(**days),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return ada


def re_audit(app: Flask, client: FlaskClient, first: int) -> int:
    """Indy starts the re-audit of the first audit through the page; returns its id."""
    response = client.post(f"/independent/audits/{first}/re-audit")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def complete_and_submit(app: Flask, re_audit_id: int) -> None:
    """Indy answers every theme poorly, judges as suggested, and submits."""
    actor = actor_for(app, "indy")
    with app.app_context(), session_scope(app) as session:
        for theme in ("voice", "planning"):
            audit_file = audit_service.load_audit(re_audit_id, actor, session=session)
            theme_obj = next(t for t in audit_file.questionnaire.themes if t.id == theme)
            posted = {q.id: POOR.get(q.id, "") for q in theme_obj.questions}
            save_theme_judged_as_suggested(re_audit_id, theme, posted, actor, session=session)
        audit_file = audit_service.load_audit(re_audit_id, actor, session=session)
        audit_service.save_overall_judgement(
            audit_file, "Inadequate", "Drift.", audit_file.audit.version, actor, session=session
        )
        audit_file = audit_service.load_audit(re_audit_id, actor, session=session)
        audit_service.submit(
            audit_file,
            audit_file.audit.version,
            actor,
            session=session,
            sampling=audit_service.Sampling(rate=0.0),
        )
