"""Fixtures for the auditor's journey: a questionnaire, a case and a signed-in auditor."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Audit, Case
from audit_app.services import questionnaires as questionnaire_service
from tests.factories import YES_PARTLY_NO, ensure_team, questionnaire_dict


def journey_questionnaire() -> dict[str, Any]:
    """Two themes; the second has a question shown only for children in care."""
    data = questionnaire_dict(id="journey-audit", title="Journey audit")
    data["themes"][1]["questions"] = [
        {
            "id": "child-status",
            "text": "What is the child's legal status?",
            "type": "choice",
            "options": [
                {"value": "cin", "label": "Child in need"},
                {"value": "cic", "label": "Child in care"},
            ],
        },
        {
            "id": "permanence-plan",
            "text": "Is there a permanence plan by the second review?",
            "type": "choice",
            "options": copy.deepcopy(YES_PARTLY_NO),
            "show_if": {"question": "child-status", "in": ["cic"]},
        },
        {
            "id": "plan-smart",
            "text": "Is the plan SMART?",
            "type": "choice",
            "weight": 2,
            "options": copy.deepcopy(YES_PARTLY_NO),
        },
        {"id": "last-visit", "text": "Date of the last visit", "type": "date", "required": False},
    ]
    return data


def load_questionnaire(app: Flask, data: dict[str, Any]) -> None:
    with app.app_context(), session_scope(app) as session:
        file = questionnaire_service.parse_file("test.json", json.dumps(data))
        questionnaire_service.load([file], session=session, loaded_by="test")


def make_case(app: Flask, ref: str = "100824", team: str = "Child Protection 1") -> None:
    with session_scope(app) as session:
        row = ensure_team(session, team, service="Child Protection")
        session.add(Case(case_ref=ref, team_id=row.id))


@pytest.fixture
def journey(app: Flask, make_user, sign_in):  # type: ignore[no-untyped-def]
    """An auditor signed in, with a case and the journey questionnaire loaded."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app)
    sign_in(make_user("auditor1", "auditor", team="Children in Need 1"))
    return app


def start(client, case_ref: str = "100824") -> int:  # type: ignore[no-untyped-def]
    response = client.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": case_ref}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def audit_version(app: Flask, audit_id: int) -> int:
    with session_scope(app) as session:
        return session.exec(select(Audit.version).where(Audit.id == audit_id)).one()
