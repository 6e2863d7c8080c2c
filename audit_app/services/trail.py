"""The audit trail: one event for every change, export and admin action."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session

from audit_app.models import AuditEvent


def record_event(
    action: str,
    *,
    session: Session,
    actor: str,
    actor_id: int | None = None,
    audit_id: int | None = None,
    case_ref: str | None = None,
    remote_addr: str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an event to the trail (in the caller's transaction, so it lands with the change)."""
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
