"""Helpers for the tests of cases and allocations: data builders and table counts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlmodel import SQLModel, select

from audit_app.db import session_scope
from audit_app.models import (
    Allocation,
    Audit,
    AuditEvent,
    Case,
    QuestionnaireVersion,
    Service,
    Team,
    User,
)
from audit_app.services import questionnaires as questionnaire_service
from tests.factories import questionnaire_dict

COUNTED: tuple[type[SQLModel], ...] = (Service, Team, Case, Allocation)


def table_counts(app: Flask) -> dict[str, int]:
    """How many services, teams, cases and allocations are stored."""
    with session_scope(app) as session:
        return {
            model.__name__: int(session.exec(select(func.count()).select_from(model)).one())
            for model in COUNTED
        }


def events(app: Flask, action: str) -> list[dict[str, Any]]:
    """The detail of every trail event with this action, oldest first."""
    with session_scope(app) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [json.loads(row.detail) | {"_actor": row.actor} for row in rows]


def load_questionnaire(app: Flask, questionnaire_id: str = "test-audit", **overrides: Any) -> int:
    """Load a small questionnaire; return the id of its stored version."""
    data = questionnaire_dict(id=questionnaire_id, **overrides)
    file = questionnaire_service.parse_file(f"{questionnaire_id}.json", json.dumps(data))
    with session_scope(app) as session:
        questionnaire_service.load([file], session=session, loaded_by="test")
        row = session.exec(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.questionnaire_id == questionnaire_id
            )
        ).one()
        assert row.id is not None
        return row.id


def case_id(app: Flask, case_ref: str) -> int:
    with session_scope(app) as session:
        case = session.exec(select(Case).where(Case.case_ref == case_ref)).one()
        assert case.id is not None
        return case.id


def user_id(app: Flask, username: str) -> int:
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        assert user.id is not None
        return user.id


def add_audit(
    app: Flask,
    case_ref: str,
    auditor: str,
    version_id: int,
    *,
    created_at: datetime,
    submitted_at: datetime | None = None,
    status: str = "draft",
) -> int:
    """Store an audit of a case directly, with the given times."""
    with session_scope(app) as session:
        audit = Audit(
            case_id=case_id(app, case_ref),
            questionnaire_version_id=version_id,
            auditor_id=user_id(app, auditor),
            status=status,
            created_at=created_at,
            updated_at=submitted_at or created_at,
            submitted_at=submitted_at,
        )
        session.add(audit)
        session.flush()
        assert audit.id is not None
        return audit.id


def cases_csv(*rows: str, header: str = "case_id,service,team,worker") -> str:
    return "\n".join((header, *rows)) + "\n"


@pytest.fixture
def stored_cases(app: Flask):  # type: ignore[no-untyped-def]
    """The stored cases as {case_ref: (team, service, worker)}."""

    def read() -> dict[str, tuple[str, str, str | None]]:
        with session_scope(app) as session:
            rows = session.exec(
                select(Case.case_ref, Team.name, Service.name, Case.worker)
                .join(Team, Team.id == Case.team_id)
                .join(Service, Service.id == Team.service_id)
            )
            return {ref: (team, service, worker) for ref, team, service, worker in rows}

    return read
