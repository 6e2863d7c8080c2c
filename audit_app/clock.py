"""The one place that reads the clock.

Times are stored in UTC; days (due dates, report periods, this month's allocations) are the
council's, in England, so that 00:30 on 1 August (British Summer Time) is already August here
although it is still 31 July in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from audit_app.core.dates import DEFAULT_CALENDAR

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
