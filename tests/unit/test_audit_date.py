"""The audit date timeliness measures read: the council's day, in England, of the submission (a
stored UTC moment), or today for an audit still being written, across the clock changes and
the year's end."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine

from audit_app import clock


@pytest.mark.parametrize(
    ("submitted", "expected"),
    [
        # 00:30 British Summer Time on 1 August is still 31 July in UTC.
        (datetime(2026, 7, 31, 23, 30, tzinfo=UTC), date(2026, 8, 1)),
        # The night the clocks go back (Sunday 25 October 2026, 01:00 UTC): 00:30 BST.
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), date(2026, 10, 25)),
        # After the change, Greenwich Mean Time: 23:30 UTC is 23:30 the same day.
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 25)),
        # The night the clocks go forward (Sunday 29 March 2026, 01:00 UTC): 00:30 GMT.
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 28)),
        # The year's end in winter: the UTC date is England's.
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), date(2026, 12, 31)),
        # Leap day, and a stored moment without a time zone (taken as UTC).
        (datetime(2028, 2, 29, 23, 30), date(2028, 2, 29)),
    ],
)
def test_a_submitted_audit_is_dated_the_council_day_it_was_submitted(
    submitted: datetime, expected: date
) -> None:
    assert clock.audit_date(submitted) == expected


def test_an_audit_not_submitted_is_dated_today_in_england() -> None:
    with time_machine.travel(datetime(2026, 5, 31, 23, 30, tzinfo=UTC), tick=False):
        assert clock.audit_date(None) == date(2026, 6, 1)
    with time_machine.travel(datetime(2027, 12, 31, 23, 30, tzinfo=UTC), tick=False):
        assert clock.audit_date(None) == date(2027, 12, 31)


def test_the_audit_day_counts_working_days_in_the_councils_calendar() -> None:
    """Outside the app, England's calendar: from Thursday 24 December 2026, one working day is
    Tuesday 29 December (Christmas Day, the weekend and Monday 28, Boxing Day's substitute)."""
    day = clock.audit_day(datetime(2026, 12, 24, 10, tzinfo=UTC))
    assert day.audit_date == date(2026, 12, 24)
    assert day.add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert day.add_working_days(date(2026, 12, 24), 0) == date(2026, 12, 24)
