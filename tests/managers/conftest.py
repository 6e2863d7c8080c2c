"""Fixtures for the group managers' side: people in two services, and submitted audits.

Audits are completed and submitted through the services (as the auditor's pages do), with a
fixed sample rate and seed, so that whether each one is due for moderation is known.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update
from sqlmodel import col, select

from audit_app.db import session_scope
from audit_app.models import Audit, Case, ManagedService, SafeguardingConcern, User, utcnow
from audit_app.services import audits as audit_service
from audit_app.services.audits import Actor, Sampling
from tests.factories import ensure_team
from tests.journey.conftest import journey_questionnaire, load_questionnaire, make_case

GOOD = {"seen-alone": "yes", "voice-comment": "Clear.", "child-status": "cin", "plan-smart": "yes"}
POOR = {"seen-alone": "no", "voice-comment": "Absent.", "child-status": "cin", "plan-smart": "no"}


def actor_for(app: Flask, username: str) -> Actor:
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        managed = frozenset(
            session.exec(select(ManagedService.service_id).where(ManagedService.user_id == user.id))
        )
        return Actor(
            id=user.id,  # type: ignore[arg-type]
            username=user.username,
            role=user.role,
            managed_service_ids=managed,
        )


def complete_audit(
    app: Flask,
    username: str,
    case_ref: str = "100824",
    *,
    answers: dict[str, str] | None = None,
    overall: str | None = None,
) -> int:
    """Start and answer an audit, judging each theme and overall as suggested (or ``overall``)."""
    answers = answers or GOOD
    actor = actor_for(app, username)
    with app.app_context(), session_scope(app) as session:
        audit = audit_service.start_audit("journey-audit", case_ref, actor, session=session)
        audit_id = audit.id
        assert audit_id is not None
        for theme in ("voice", "planning"):
            view = audit_service.load_audit(audit_id, actor, session=session)
            theme_obj = next(t for t in view.questionnaire.themes if t.id == theme)
            posted = {q.id: answers.get(q.id, "") for q in theme_obj.questions}
            audit_service.save_theme(
                view, theme, posted, view.audit.version, actor, session=session
            )
            view = audit_service.load_audit(audit_id, actor, session=session)
            suggested = view.score.theme(theme).grade or ""
            audit_service.save_theme(
                view,
                theme,
                posted,
                view.audit.version,
                actor,
                session=session,
                judgement=(suggested, ""),
            )
        view = audit_service.load_audit(audit_id, actor, session=session)
        grade = overall or view.score.overall.grade or "Good"
        analysis = "" if grade == view.score.overall.grade else "Judged on the whole record."
        audit_service.save_overall_judgement(
            view, grade, analysis, view.audit.version, actor, session=session
        )
    return audit_id


def submit_audit(
    app: Flask,
    audit_id: int,
    username: str,
    *,
    rate: float = 0.0,
    rng: random.Random | None = None,
) -> None:
    actor = actor_for(app, username)
    with app.app_context(), session_scope(app) as session:
        view = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.submit(
            view,
            view.audit.version,
            actor,
            session=session,
            sampling=Sampling(rate=rate, rng=rng or random.Random(1)),
        )


def submitted_audit(
    app: Flask,
    username: str = "auditor1",
    case_ref: str = "100824",
    *,
    answers: dict[str, str] | None = None,
    overall: str | None = None,
    rate: float = 0.0,
) -> int:
    """A submitted audit: due for moderation when judged Inadequate or ``rate`` is 1."""
    audit_id = complete_audit(app, username, case_ref, answers=answers, overall=overall)
    submit_audit(app, audit_id, username, rate=rate)
    return audit_id


def audit_row(app: Flask, audit_id: int) -> Audit:
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        return audit


def backdate_concerns(app: Flask, days: int) -> None:
    with session_scope(app) as session:
        session.execute(
            update(SafeguardingConcern)
            .values(raised_at=utcnow() - timedelta(days=days))
            .execution_options(synchronize_session=False)
        )


def events(app: Flask, audit_id: int) -> list[str]:
    """The audit's trail of changes, oldest first (records of who looked at it left out)."""
    from audit_app.models import AuditEvent

    with session_scope(app) as session:
        return list(
            session.exec(
                select(AuditEvent.action)
                .where(AuditEvent.audit_id == audit_id, AuditEvent.action != "audit.viewed")
                .order_by(col(AuditEvent.id))
            )
        )


@pytest.fixture
def managers(app: Flask, make_user: Callable[..., str]) -> Flask:
    """Cases in Child Protection and Care Leavers; auditors, managers, a viewer and an admin.

    manager1 manages Child Protection; manager2 manages Care Leavers; manager3 manages Child
    Protection and also audits.
    """
    load_questionnaire(app, journey_questionnaire())
    make_case(app, "100824")
    make_case(app, "100825")
    with session_scope(app) as session:
        team = ensure_team(session, "Leaving Care Team", service="Care Leavers")
        session.add(Case(case_ref="300001", team_id=team.id))
    make_user("auditor1", "auditor", team="Children in Need 1")
    make_user("auditor2", "auditor", team="Children in Need 1")
    make_user("manager1", "manager", services=("Child Protection",))
    make_user("manager2", "manager", services=("Care Leavers",))
    make_user("manager3", "manager", services=("Child Protection",))
    make_user("viewer1", "viewer")
    make_user("admin1", "admin")
    return app


@pytest.fixture
def switch(client, sign_in):  # type: ignore[no-untyped-def]
    """Sign the test client in as someone else."""

    def do(username: str) -> None:
        client.post("/sign-out")
        sign_in(username)

    return do
