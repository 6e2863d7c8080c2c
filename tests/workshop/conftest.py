"""Fixtures for the workshop: a signed-in admin, two versions with a known difference, and
audits submitted through the auditor's services."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlmodel import func, select

from audit_app.core.scoring import score_audit
from audit_app.db import session_scope
from audit_app.models import Audit, AuditEvent, Case, QuestionnaireVersion, User
from audit_app.services import audits as audit_service
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.audits import Actor
from tests.factories import FOUR_BANDS, YES_PARTLY_NO, ensure_team

# Yes, partly and no, without "not applicable".
YES_PARTLY_NO_ONLY = [o for o in copy.deepcopy(YES_PARTLY_NO) if o.get("score") is not None]

SUPERVISION = [
    {"value": "yes", "label": "Yes, regular and reflective", "score": 3},
    {"value": "mostly", "label": "Mostly", "score": 2},
    {"value": "partly", "label": "Partly", "score": 1},
    {"value": "no", "label": "No", "score": 0},
]


def rescore_v1() -> dict[str, Any]:
    """Three themes: the child's voice (two questions), planning (weights 2 and 1), oversight."""
    return {
        "format": "case-audit/1",
        "id": "rescore-audit",
        "version": 1,
        "title": "Rescore audit",
        "kind": "monthly",
        "grading": {"bands": copy.deepcopy(FOUR_BANDS), "overall": "mean"},
        "themes": [
            {
                "id": "voice",
                "title": "The child's voice",
                "questions": [
                    {
                        "id": "seen-alone",
                        "text": "Was the child seen alone?",
                        "type": "choice",
                        "options": copy.deepcopy(YES_PARTLY_NO),
                        "compliance": "Child seen alone",
                    },
                    {
                        "id": "wishes-recorded",
                        "text": "Are the child's wishes recorded in their own words?",
                        "type": "choice",
                        "options": copy.deepcopy(YES_PARTLY_NO_ONLY),
                    },
                ],
            },
            {
                "id": "planning",
                "title": "Planning",
                "questions": [
                    {
                        "id": "plan-smart",
                        "text": "Is the plan SMART?",
                        "type": "choice",
                        "weight": 2,
                        "options": copy.deepcopy(YES_PARTLY_NO_ONLY),
                    },
                    {
                        "id": "plan-reviewed",
                        "text": "Is the plan reviewed on time?",
                        "type": "choice",
                        "options": copy.deepcopy(YES_PARTLY_NO_ONLY),
                    },
                ],
            },
            {
                "id": "oversight",
                "title": "Management oversight",
                "questions": [
                    {
                        "id": "supervision",
                        "text": "Is there regular, reflective supervision?",
                        "type": "choice",
                        "options": copy.deepcopy(SUPERVISION),
                    }
                ],
            },
        ],
    }


def rescore_v2() -> dict[str, Any]:
    """Version 2: plan-smart's weight 2 -> 1, wishes-recorded removed, Good from 65% to 70%."""
    data = rescore_v1()
    data["version"] = 2
    data["themes"][0]["questions"].pop(1)
    data["themes"][1]["questions"][0]["weight"] = 1
    data["grading"]["bands"][1]["min"] = 70
    return data


def load(app: Flask, data: Mapping[str, Any]) -> None:
    with session_scope(app) as session:
        file = questionnaire_service.parse_file("test.json", json.dumps(data))
        questionnaire_service.load([file], session=session, loaded_by="test")


def count(app: Flask, model: type, *conditions: Any) -> int:
    with session_scope(app) as session:
        return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


def events(app: Flask, action: str, actor: str = "qa-lead") -> list[dict[str, Any]]:
    """The trail events of one kind by one person (the admin, unless named), oldest first."""
    with session_scope(app) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.actor == actor)
            .order_by(AuditEvent.id)
        )
        return [{"actor": e.actor, **json.loads(e.detail)} for e in rows]


def version_rows(app: Flask, questionnaire_id: str) -> list[QuestionnaireVersion]:
    with session_scope(app) as session:
        return list(
            session.exec(
                select(QuestionnaireVersion)
                .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
                .order_by(QuestionnaireVersion.version)
            )
        )


def submit_audit(
    app: Flask,
    case_ref: str,
    answers: Mapping[str, str],
    *,
    questionnaire_id: str = "rescore-audit",
    service: str = "Child Protection",
    team: str | None = None,
    auditor: str = "workshop-auditor",
    submitted_at: datetime | None = None,
    status: str = "submitted",
) -> int:
    """An audit completed and submitted through the auditor's services, as the journey does.

    Each theme is judged at its suggested grade. ``status`` other than "submitted" is set
    afterwards (moderation is another area); "draft" stops before submission.
    """
    team = team or f"{service} Team 1"
    with session_scope(app) as session:
        team_row = ensure_team(session, team, service=service)
        session.add(Case(case_ref=case_ref, team_id=team_row.id))
        user = session.exec(select(User).where(User.username == auditor)).first()
        if user is None:
            user = User(username=auditor, role="auditor")
            session.add(user)
            session.flush()
        actor = Actor(id=user.id, username=auditor, role="auditor")  # type: ignore[arg-type]
        audit = audit_service.start_audit(questionnaire_id, case_ref, actor, session=session)
        audit_id = audit.id
        assert audit_id is not None
        view = audit_service.load_audit(audit_id, actor, session=session)
        for theme in view.questionnaire.themes:
            posted = {q.id: answers.get(q.id, "") for q in theme.questions}
            merged = {**view.answers, **{k: v for k, v in posted.items() if v}}
            grade = score_audit(view.questionnaire, merged).theme(theme.id).grade
            audit_service.save_theme(
                view,
                theme.id,
                posted,
                view.audit.version,
                actor,
                session=session,
                judgement=(grade or "", ""),
            )
            view = audit_service.load_audit(audit_id, actor, session=session)
        if status == "draft":
            return audit_id
        overall = view.score.overall.grade
        audit_service.save_overall_judgement(
            view,
            overall or view.questionnaire.grades[0],
            "" if overall else "Checked by hand",
            view.audit.version,
            actor,
            session=session,
        )
        view = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.submit(view, view.audit.version, actor, session=session)
        row = session.get(Audit, audit_id)
        assert row is not None
        if submitted_at is not None:
            row.submitted_at = submitted_at
        row.status = status
        session.add(row)
    return audit_id


def on(day: int, month: int = 3, year: int = 2026) -> datetime:
    """Midday on a day, in UTC."""
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def admin(app: Flask, make_user, sign_in):  # type: ignore[no-untyped-def]
    """The test client, signed in as an admin."""
    sign_in(make_user("qa-lead", "admin"))
    return app
