"""How many files one person may export in a while, counted in the database.

Every export is already an event in the trail (``report.exported``, ``trail.exported``), with
who made it: counting those events gives every server and worker the same count, as the
``sign_in_attempt`` table does for sign-in. An export in progress is counted once it has been
recorded, so a person can exceed the limit by at most the exports they run at the same time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from audit_app.models import AuditEvent, utcnow
from audit_app.services.errors import Refused
from audit_app.services.trail import record_event

EXPORT_ACTIONS = ("report.exported", "trail.exported")


@dataclass(frozen=True)
class ExportLimit:
    """At most ``count`` exports in any ``window``."""

    count: int
    window: timedelta


class ExportLimitReached(Refused):
    """Too many exports lately; ``retry_after`` is how many seconds until the next is allowed."""

    def __init__(self, limit: ExportLimit, retry_after: int) -> None:
        self.limit = limit
        self.retry_after = retry_after
        minutes = round(limit.window.total_seconds() / 60)
        wait = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"You can download up to {limit.count} files in {minutes} minutes, and you have "
            f"reached that. Try again in {wait} minute{'s' if wait != 1 else ''}."
        )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_export_limit(
    person_id: int,
    username: str,
    limit: ExportLimit,
    *,
    session: Session,
    now: datetime | None = None,
) -> None:
    """Refuse, with an ``export.refused`` event, when the person has used up the limit."""
    now = now or utcnow()
    recent = list(
        session.exec(
            select(AuditEvent.occurred_at)
            .where(
                AuditEvent.actor_id == person_id,
                col(AuditEvent.action).in_(EXPORT_ACTIONS),
                AuditEvent.occurred_at >= now - limit.window,
            )
            .order_by(col(AuditEvent.occurred_at).desc())
            .limit(limit.count)
        )
    )
    if len(recent) < limit.count:
        return
    # The oldest of the last ``count`` exports: once it leaves the window, one more is allowed.
    retry_after = math.ceil((_aware(recent[-1]) + limit.window - now).total_seconds())
    record_event(
        "export.refused",
        session=session,
        actor=username,
        actor_id=person_id,
        limit=limit.count,
        minutes=round(limit.window.total_seconds() / 60),
    )
    raise ExportLimitReached(limit, max(1, retry_after))
