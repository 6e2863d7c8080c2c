"""Double-blind second audits through the services, on SQLite and PostgreSQL: the seeded draw
and its trail, the allocation to another auditor of the service (or the QA lead's list), the
blindness both ways, and the second audit kept out of moderation and results."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlmodel import select

from audit_app.core import second_audits as core
from audit_app.core.lifecycle import EXERCISE, SUBMITTED
from audit_app.db import session_scope
from audit_app.models import Audit, AuditEvent, AuditResult, Case, SecondAudit
from audit_app.services import actions as action_service
from audit_app.services import audits as audit_service
from audit_app.services import second_audits as service
from audit_app.services.errors import FieldErrors
from audit_app.services.second_audits import SecondAuditSettings
from tests.builders import (
    actor_for,
    ensure_team,
    report_audit,
)

WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ALWAYS = SecondAuditSettings(rate=1.0, rng=random.Random(7))


def _first(app: Flask, name: str = "amber", second: SecondAuditSettings = ALWAYS) -> int:
    return _audit(app, name, "yes", "Good", second=second)


def _audit(
    app: Flask,
    name: str,
    seen: str,
    grade: str,
    *,
    existing: int | None = None,
    second: SecondAuditSettings | None = None,
) -> int:
    return report_audit(
        app,
        actor_for(app, name),
        "100824",
        {"voice": {"seen-alone": seen}, "planning": {"plan-smart": "yes"}},
        {"voice": grade, "planning": grade},
        grade,
        WHEN,
        existing=existing,
        second=second,
    )


def _events(app: Flask, action: str) -> list[dict[str, object]]:
    with session_scope(app) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()
        return [{"audit_id": r.audit_id, **json.loads(r.detail or "{}")} for r in rows]


def _second_of(app: Flask, first: int) -> Audit | None:
    with session_scope(app) as session:
        return session.exec(select(Audit).where(Audit.second_of_id == first)).first()


def test_the_draw_is_recorded_with_its_seed_and_can_be_worked_again(
    app: Flask, people: None
) -> None:
    first = _first(app)
    (drawn,) = _events(app, "second_audit.drawn")
    assert drawn["audit_id"] is None  # in no audit's history
    assert drawn["first_audit_id"] == first and drawn["picked"] is True and drawn["rate"] == 1.0
    assert drawn["draw"] == core.draw(str(drawn["seed"]), first)
    with session_scope(app) as session:
        row = session.get(SecondAudit, first)
        assert row is not None and row.seed == drawn["seed"] and row.draw == drawn["draw"]


def test_an_audit_not_picked_is_drawn_and_left_alone(app: Flask, people: None) -> None:
    never = SecondAuditSettings(rate=0.000001, rng=random.Random(7))
    first = _first(app, second=never)
    (drawn,) = _events(app, "second_audit.drawn")
    assert drawn["picked"] is False and drawn["draw"] == core.draw(str(drawn["seed"]), first)
    assert _second_of(app, first) is None
    with session_scope(app) as session:
        assert session.get(SecondAudit, first) is None


def test_with_the_rate_at_0_there_is_no_draw(app: Flask, people: None) -> None:
    _first(app, second=SecondAuditSettings(rate=0.0))
    assert _events(app, "second_audit.drawn") == []


def test_the_second_audit_goes_to_another_auditor_of_the_service(app: Flask, people: None) -> None:
    first = _first(app)
    second = _second_of(app, first)
    basil = actor_for(app, "basil")
    # Not amber (the first), not cyril (another service), not grace (a manager sees the first).
    assert second is not None and second.auditor_id == basil.id
    (allocated,) = _events(app, "second_audit.allocated")
    assert allocated["second_audit_id"] == second.id and allocated["auditor_id"] == basil.id
    with session_scope(app) as session:
        assert session.get(SecondAudit, first).second_audit_id == second.id  # type: ignore[union-attr]


def test_with_nobody_eligible_it_waits_for_the_qa_lead(
    app: Flask, people: None, make_user: Callable[..., str]
) -> None:
    lonely = _lonely_first(app, make_user)
    (waiting,) = _events(app, "second_audit.waiting")
    assert waiting["first_audit_id"] == lonely
    assert _second_of(app, lonely) is None
    ada, grace = actor_for(app, "ada"), actor_for(app, "grace")
    dora, cyril = actor_for(app, "dora").person_id, actor_for(app, "cyril").person_id
    with session_scope(app) as session:
        listed = service.waiting((), session=session)
        assert [(w.first_audit_id, w.case_ref) for w in listed] == [(lonely, "200001")]
        with pytest.raises(FieldErrors) as refused:
            service.assign(lonely, dora, ada, session=session)
        assert refused.value.errors == {
            f"auditor-{lonely}": "Select an auditor other than the first audit's"
        }
        with pytest.raises(service.SecondAuditNotFound):
            service.assign(lonely, cyril, grace, session=session)
    with session_scope(app) as session:
        given = service.assign(lonely, cyril, ada, session=session)
        assert given.second_of_id == lonely
    with session_scope(app) as session:
        assert service.waiting((), session=session) == []
    (allocated,) = _events(app, "second_audit.allocated")
    assert allocated["first_audit_id"] == lonely


def _lonely_first(app: Flask, make_user: Callable[..., str]) -> int:
    """An audit by dora, alone in Fostering: nobody else may audit its case."""
    with session_scope(app) as session:
        team = ensure_team(session, "Fostering 1", service="Fostering")
        session.add(Case(case_ref="200001", team_id=team.id))
    make_user("dora", "auditor", team="Fostering 1")
    return report_audit(
        app,
        actor_for(app, "dora"),
        "200001",
        {"voice": {"seen-alone": "yes"}, "planning": {"plan-smart": "yes"}},
        {"voice": "Good", "planning": "Good"},
        "Good",
        WHEN,
        second=ALWAYS,
    )


def test_neither_auditor_can_open_the_others_audit(app: Flask, people: None) -> None:
    first = _first(app)
    second = _second_of(app, first)
    assert second is not None and second.id is not None
    amber, basil, grace = (actor_for(app, n) for n in ("amber", "basil", "grace"))
    with session_scope(app) as session:
        with pytest.raises(audit_service.AuditNotFound):
            audit_service.load_audit(first, basil, session=session)
        for other in (amber, grace):
            with pytest.raises(audit_service.AuditNotFound):
                audit_service.load_audit(second.id, other, session=session)
        mine = audit_service.load_audit(second.id, basil, session=session)
        assert mine.answers == {}  # nothing of the first audit's is copied in
        earlier = action_service.earlier_audits(
            mine, basil, session=session, today=WHEN.date(), blind=False
        )
        assert earlier == []


def test_a_submitted_second_audit_counts_nowhere_and_the_first_goes_on(
    app: Flask, people: None
) -> None:
    first = _first(app)
    second = _second_of(app, first)
    assert second is not None and second.id is not None
    _audit(app, "basil", "no", "Inadequate", existing=second.id, second=ALWAYS)
    with session_scope(app) as session:
        done = session.get(Audit, second.id)
        assert done is not None and done.status == EXERCISE and not done.moderation_due
        assert session.get(AuditResult, second.id) is None
        assert session.get(SecondAudit, second.id) is None  # a second audit is never drawn
        kept = session.get(Audit, first)
        assert kept is not None and kept.status == SUBMITTED
        assert session.get(AuditResult, first) is not None
    submitted = [e for e in _events(app, "audit.submitted") if e["audit_id"] == second.id]
    assert submitted[0]["second_audit"] is True and submitted[0]["after"] == EXERCISE


def test_an_ordinary_audit_of_the_case_is_not_taken_to_the_second_audit_draft(
    app: Flask, people: None
) -> None:
    first = _first(app)
    second = _second_of(app, first)
    basil = actor_for(app, "basil")
    with session_scope(app) as session:
        ordinary = audit_service.start_audit("report-audit", "100824", basil, session=session)
        assert second is not None and ordinary.id != second.id and ordinary.second_of_id is None
