"""`flask concerns remind`: the daily list of overdue, unacknowledged safeguarding concerns."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import update
from sqlmodel import col, select

from audit_app import clock
from audit_app.db import session_scope
from audit_app.models import (
    Audit,
    AuditEvent,
    Case,
    QuestionnaireVersion,
    SafeguardingConcern,
    User,
    utcnow,
)
from tests.builders import ensure_team, journey_questionnaire, load_questionnaire


@pytest.fixture
def world(app: Flask, make_user: Callable[..., str]) -> Flask:
    """A draft audit on a Child Protection case (managed by manager1) and on an Adolescent
    Services case (no manager), an admin and a QA lead in SAFEGUARDING_FALLBACK."""
    load_questionnaire(app, journey_questionnaire())
    make_user("auditor1", "auditor", team="Children in Need 1")
    make_user("manager1", "manager", services=("Child Protection",))
    make_user("admin1", "admin")
    make_user("qalead", "viewer")
    app.config["SAFEGUARDING_FALLBACK"] = ("qalead",)
    with session_scope(app) as session:
        auditor = session.exec(select(User).where(User.username == "auditor1")).one()
        version_id = session.exec(select(QuestionnaireVersion.id)).one()
        for ref, team, service in (
            ("100824", "Child Protection 1", "Child Protection"),
            ("500001", "Adolescent Team 1", "Adolescent Services"),
        ):
            row = ensure_team(session, team, service=service)
            case = Case(case_ref=ref, team_id=row.id)  # type: ignore[arg-type]
            session.add(case)
            session.flush()
            session.add(
                Audit(
                    case_id=case.id,  # type: ignore[arg-type]
                    questionnaire_version_id=version_id,  # type: ignore[arg-type]
                    auditor_id=auditor.id,  # type: ignore[arg-type]
                )
            )
    return app


def _raise(app: Flask, case_ref: str, raised_at: datetime, text: str = "No visit.") -> int:
    with session_scope(app) as session:
        audit_id, auditor_id = session.exec(
            select(Audit.id, Audit.auditor_id)
            .join(Case, col(Case.id) == Audit.case_id)
            .where(Case.case_ref == case_ref)
        ).one()
        concern = SafeguardingConcern(
            audit_id=audit_id,  # type: ignore[arg-type]
            raised_by_id=auditor_id,
            description=text,
            raised_at=raised_at,
        )
        session.add(concern)
        session.flush()
        return concern.id  # type: ignore[return-value]


def _reminders(app: Flask) -> list[dict[str, object]]:
    with session_scope(app) as session:
        return [
            json.loads(event.detail or "{}") | {"actor": event.actor}
            for event in session.exec(
                select(AuditEvent)
                .where(AuditEvent.action == "concerns.reminded")
                .order_by(col(AuditEvent.id))
            )
        ]


def test_remind_says_when_nothing_is_overdue(world: Flask, runner: FlaskCliRunner) -> None:
    _raise(world, "100824", utcnow())  # just raised: not yet due
    result = runner.invoke(args=["concerns", "remind"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "No overdue concerns."
    assert _reminders(world) == [{"overdue": 0, "concerns": [], "actor": "command line"}]


def test_remind_lists_each_overdue_concern_with_who_can_see_it(
    world: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Monday 9 March 2026 at noon: concerns raised on the Thursday before are overdue.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 9, 12, 0, tzinfo=UTC))
    managed = _raise(world, "100824", datetime(2026, 3, 5, 10, 0, tzinfo=UTC))
    orphan = _raise(world, "500001", datetime(2026, 3, 5, 11, 30, tzinfo=UTC))
    _raise(world, "100824", datetime(2026, 3, 9, 9, 0, tzinfo=UTC), "Raised this morning.")
    done = _raise(world, "500001", datetime(2026, 3, 2, 9, 0, tzinfo=UTC), "Acknowledged.")
    with session_scope(world) as session:
        session.execute(
            update(SafeguardingConcern)
            .where(col(SafeguardingConcern.id) == done)
            .values(acknowledged_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC), acknowledgement="x")
        )

    result = runner.invoke(args=["concerns", "remind"])
    assert result.exit_code == 0, result.output
    output = result.output
    assert output.startswith("2 overdue safeguarding concerns")
    assert "bank holidays in England do not count" in output
    first, second = output.split("\n\n")[1:]
    assert first.splitlines() == [
        "Case 100824 (Child Protection, Child Protection 1)",
        "  raised:      Thu 5 March 2026 10:00 by auditor1",
        "  due:         Fri 6 March 2026 10:00",
        "  who can see: managers: manager1",
    ]
    assert second.splitlines()[0] == "Case 500001 (Adolescent Services, Adolescent Team 1)"
    assert second.splitlines()[-1] == (
        "  who can see: no active manager, so the admins (admin1) and the safeguarding "
        "fallback (qalead)"
    )
    assert "Raised this morning" not in output and "Acknowledged" not in output
    [event] = _reminders(world)
    assert event["overdue"] == 2
    assert event["concerns"] == [
        {"concern_id": managed, "case_ref": "100824"},
        {"concern_id": orphan, "case_ref": "500001"},
    ]


def test_remind_counts_the_councils_bank_holidays(
    world: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Raised on Wednesday 31 December 2025. In England it is due on Friday 2 January; in
    # Scotland 2 January is a bank holiday too, so it is due on Monday 5 January.
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 1, 3, 12, 0, tzinfo=UTC))
    _raise(world, "100824", datetime(2025, 12, 31, 10, 0, tzinfo=UTC))

    world.config["WORKING_DAYS_CALENDAR"] = "england"
    england = runner.invoke(args=["concerns", "remind"])
    assert england.exit_code == 0
    assert "due:         Fri 2 January 2026 10:00" in england.output

    world.config["WORKING_DAYS_CALENDAR"] = "scotland"
    scotland = runner.invoke(args=["concerns", "remind"])
    assert scotland.exit_code == 0
    assert scotland.output.strip() == "No overdue concerns."
