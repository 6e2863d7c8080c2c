"""The audit trail cannot be rewritten: the database itself refuses UPDATE and DELETE."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import func, select

from audit_app.db import get_engine, session_scope
from audit_app.models import AuditEvent
from audit_app.services.trail import record_event


def _one_event(app: Flask) -> int:
    with session_scope(app) as session:
        event = record_event("test.event", session=session, actor="tester", note="kept")
        return event.id  # type: ignore[return-value]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor = 'someone else' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
        "DELETE FROM audit_event",
    ],
)
def test_the_database_refuses_to_change_or_delete_events(app: Flask, statement: str) -> None:
    event_id = _one_event(app)
    with pytest.raises(DatabaseError, match="append-only"):
        with get_engine(app).begin() as connection:
            connection.execute(text(statement), {"id": event_id})
    with session_scope(app) as session:
        event = session.get(AuditEvent, event_id)
        assert event is not None and event.actor == "tester"
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 1


def test_new_events_can_still_be_added(app: Flask) -> None:
    _one_event(app)
    _one_event(app)
    with session_scope(app) as session:
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 2


def test_emptying_the_trail_wholesale_is_refused_too(app: Flask) -> None:
    """PostgreSQL's TRUNCATE skips row triggers, so a statement trigger refuses it."""
    _one_event(app)
    engine = get_engine(app)
    statement = (
        "TRUNCATE audit_event" if engine.dialect.name == "postgresql" else "DELETE FROM audit_event"
    )
    with pytest.raises(DatabaseError, match="append-only"):
        with engine.begin() as connection:
            connection.execute(text(statement))
    with session_scope(app) as session:
        assert session.exec(select(func.count()).select_from(AuditEvent)).one() == 1
