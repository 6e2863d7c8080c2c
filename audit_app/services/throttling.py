"""How many files one person may export, and report pages open, in a while, counted in the
database.

Every export is already an event in the trail (``report.exported``, ``trail.exported``), with
who made it: counting those events gives every server and worker the same count, as the
``sign_in_attempt`` table does for sign-in. An export in progress is counted once it has been
recorded, so a person can exceed the limit by at most the exports they run at the same time.

Each report page a person opens is an event too (``report.viewed``, with the page and its
filters), written before the page is worked out: at most ``REPORT_LIMIT`` in any minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from audit_app.models import AuditEvent, utcnow
from audit_app.services.errors import Refused
from audit_app.services.repeated_refusals import record_refusal
from audit_app.services.trail import record_event

EXPORT_ACTIONS = ("report.exported", "trail.exported")
REPORT_VIEWED = "report.viewed"
REPORT_WINDOW = timedelta(minutes=1)


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


class ReportLimitReached(Refused):
    """Too many report pages in the last minute; ``retry_after`` is how many seconds until
    the next is allowed."""

    def __init__(self, count: int, retry_after: int) -> None:
        self.count = count
        self.retry_after = retry_after
        super().__init__(
            f"You can open up to {count} report pages a minute, and you have reached that. "
            f"Try again in {retry_after} second{'s' if retry_after != 1 else ''}."
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
    retry_after = _wait(person_id, EXPORT_ACTIONS, limit, session=session, now=now)
    if retry_after is None:
        return
    record_event(
        "export.refused",
        session=session,
        actor=username,
        actor_id=person_id,
        limit=limit.count,
        minutes=round(limit.window.total_seconds() / 60),
    )
    raise ExportLimitReached(limit, retry_after)


def _wait(
    person_id: int,
    actions: tuple[str, ...],
    limit: ExportLimit,
    *,
    session: Session,
    now: datetime,
) -> int | None:
    """Seconds until the person may do one more of ``actions``; None when they may now."""
    recent = list(
        session.exec(
            select(AuditEvent.occurred_at)
            .where(
                AuditEvent.actor_id == person_id,
                col(AuditEvent.action).in_(actions),
                AuditEvent.occurred_at >= now - limit.window,
            )
            .order_by(col(AuditEvent.occurred_at).desc())
            .limit(limit.count)
        )
    )
    if len(recent) < limit.count:
        return None
    # The oldest of the last ``count``: once it leaves the window, one more is allowed.
    return max(1, math.ceil((_aware(recent[-1]) + limit.window - now).total_seconds()))


def count_report_page(
    person_id: int,
    username: str,
    count: int,
    *,
    session: Session,
    page: str,
    query: str,
    remote_addr: str | None = None,
    now: datetime | None = None,
) -> None:
    """Record that the person opens a report page (``report.viewed``), or refuse with
    ReportLimitReached once they have opened ``count`` in the last minute. Refusals a person
    repeats are counted, not each written (``services/repeated_refusals.py``)."""
    now = now or utcnow()
    limit = ExportLimit(count=count, window=REPORT_WINDOW)
    retry_after = _wait(person_id, (REPORT_VIEWED,), limit, session=session, now=now)
    if retry_after is not None:
        record_refusal(
            "report.refused",
            session=session,
            name=username,
            remote_addr=remote_addr,
            signed_in=True,
            limit=count,
        )
        raise ReportLimitReached(count, retry_after)
    record_event(
        REPORT_VIEWED,
        session=session,
        actor=username,
        actor_id=person_id,
        remote_addr=remote_addr,
        page=page,
        query=query[:500],
    )
