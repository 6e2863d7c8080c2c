"""The one place that reads the clock.

Times are stored in UTC; days (due dates, report periods, this month's allocations) are the
council's, in England, so that 00:30 on 1 August (British Summer Time) is already August here
although it is still 31 July in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from audit_app.core.dates import DEFAULT_CALENDAR, add_working_days
from audit_app.core.timeliness import AuditDay

LOCAL_TIMEZONE = ZoneInfo("Europe/London")


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today in England, where due dates and report months fall."""
    return datetime.now(LOCAL_TIMEZONE).date()


def local(moment: datetime) -> datetime:
    """A stored moment on the council's clock (a naive one is taken to be UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TIMEZONE)


def working_days_calendar() -> str:
    """The bank holiday calendar of the running app (``WORKING_DAYS_CALENDAR``), else England's."""
    if has_app_context():
        return str(current_app.config.get("WORKING_DAYS_CALENDAR", DEFAULT_CALENDAR))
    return DEFAULT_CALENDAR


def audit_date(submitted_at: datetime | None) -> date:
    """The date timeliness measures read as the audit date: the council's day the audit was
    submitted (00:30 on 1 August, British Summer Time, is 1 August although it is 31 July in
    UTC), or today for an audit not submitted (a draft, or one returned to its auditor)."""
    return today() if submitted_at is None else local(submitted_at).date()


def audit_day(submitted_at: datetime | None) -> AuditDay:
    """The audit date and the working days of the running app's calendar, for scoring."""
    calendar = working_days_calendar()
    return AuditDay(audit_date(submitted_at), partial(add_working_days, calendar=calendar))
