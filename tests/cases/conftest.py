"""Helpers for the tests of cases and allocations: data builders and table counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlmodel import SQLModel, select

from audit_app.db import session_scope
from audit_app.models import (
    Allocation,
    AuditEvent,
    Case,
    Service,
    Team,
)

# The stored cases as {case_ref: (team, service, worker)}, and the ``stored_cases`` fixture.
Stored = dict[str, tuple[str, str, str | None]]
StoredCases = Callable[[], Stored]

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


@pytest.fixture
def stored_cases(app: Flask) -> StoredCases:
    """The stored cases as {case_ref: (team, service, worker)}."""

    def read() -> Stored:
        with session_scope(app) as session:
            rows = session.exec(
                select(Case.case_ref, Team.name, Service.name, Case.worker)
                .join(Team, Team.id == Case.team_id)
                .join(Service, Service.id == Team.service_id)
            )
            return {ref: (team, service, worker) for ref, team, service, worker in rows}

    return read
