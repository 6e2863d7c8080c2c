"""The audit trail: one event for every change, export and admin action."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import has_request_context, request
from flask_login import current_user  # type: ignore[import-untyped]
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from audit_app.models import Audit, AuditEvent, User
from audit_app.services.actor import Actor


def record_event(
    action: str,
    *,
    session: Session,
    actor: Actor | str,
    actor_id: int | None = None,
    audit_id: int | None = None,
    case_ref: str | None = None,
    remote_addr: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an event to the trail (in the caller's transaction, so it lands with the change).

    ``actor`` is an :class:`Actor`, or for someone not signed in the name they gave. Within a web
    request, who (by id) and from where are filled in when the caller did not.
    """
    if isinstance(actor, Actor):
        actor_id = actor.id if actor_id is None else actor_id
        remote_addr = actor.remote_addr if remote_addr is None else remote_addr
        actor = actor.username
    if has_request_context():
        if actor_id is None and getattr(current_user, "is_authenticated", False):
            actor_id = current_user.id
        if remote_addr is None:
            remote_addr = request.remote_addr
    event = AuditEvent(
        action=action,
        actor=actor,
        actor_id=actor_id,
        audit_id=audit_id,
        case_ref=case_ref,
        remote_addr=remote_addr,
        detail=json.dumps(detail, sort_keys=True, default=str),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class TrailFilters:
    """What an admin searches the trail for; empty means any."""

    actor: str = ""
    case_ref: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    # The searcher's organisation: events of another organisation's people and audits are
    # left out (``services/visibility.py``); None for the command line.
    organisation_id: int | None = None

    def as_dict(self) -> dict[str, str]:
        return {
            "actor": self.actor,
            "case": self.case_ref,
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }


def _trail_query(filters: TrailFilters) -> Any:
    query = select(AuditEvent).where(*_of_organisation(filters.organisation_id))
    if filters.actor:
        query = query.where(func.lower(AuditEvent.actor) == filters.actor.strip().lower())
    if filters.case_ref:
        query = query.where(AuditEvent.case_ref == filters.case_ref.strip())
    if filters.action:
        query = query.where(col(AuditEvent.action).startswith(filters.action.strip()))
    if filters.date_from:
        query = query.where(
            AuditEvent.occurred_at >= datetime.combine(filters.date_from, time(), UTC)
        )
    if filters.date_to and filters.date_to < date.max:  # up to the last day: no end at all
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        query = query.where(AuditEvent.occurred_at < end)
    return query


def _of_organisation(organisation_id: int | None) -> list[Any]:
    """Events done by no person or one of the organisation, on no audit or one of its audits."""
    if organisation_id is None:
        return []
    people = select(User.id).where(User.organisation_id == organisation_id)
    audits = select(Audit.id).where(Audit.organisation_id == organisation_id)
    return [
        or_(col(AuditEvent.actor_id).is_(None), col(AuditEvent.actor_id).in_(people)),
        or_(col(AuditEvent.audit_id).is_(None), col(AuditEvent.audit_id).in_(audits)),
    ]


def search_events(
    filters: TrailFilters, *, session: Session, limit: int = 100, offset: int = 0
) -> tuple[list[AuditEvent], int]:
    """Events matching the filters, newest first, and how many match in all. An offset past
    the last event (any number a URL can carry) finds nothing."""
    query = _trail_query(filters)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    offset = min(max(offset, 0), int(total))
    rows = session.exec(
        query.order_by(col(AuditEvent.occurred_at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total)


def iter_events(filters: TrailFilters, *, session: Session) -> Iterator[AuditEvent]:
    """Every matching event, oldest first, read in batches (for export)."""
    yield from session.exec(
        _trail_query(filters)
        .order_by(col(AuditEvent.occurred_at), col(AuditEvent.id))
        .execution_options(yield_per=1000)
    )
