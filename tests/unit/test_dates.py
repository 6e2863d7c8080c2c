"""Calendar arithmetic on the days that break hand-written date code."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit_app.clock import LOCAL_TIMEZONE
from audit_app.core import dates


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 4), 1, date(2027, 1, 4)),
        (date(2026, 12, 1), -11, date(2026, 1, 1)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2028, 3, 31), -1, date(2028, 2, 29)),
        (date(2027, 1, 1), -1, date(2026, 12, 1)),
        (date(2026, 6, 15), -12, date(2025, 6, 15)),
        (date(2026, 6, 15), -30, date(2023, 12, 15)),
    ],
)
def test_add_months_crosses_years_and_shortens_long_months(
    day: date, months: int, expected: date
) -> None:
    assert dates.add_months(day, months) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 4), date(2026, 12, 31)),
        (date(2028, 2, 1), date(2028, 2, 29)),
        (date(2027, 2, 28), date(2027, 2, 28)),
        (date(2026, 4, 30), date(2026, 4, 30)),
    ],
)
def test_month_end(day: date, expected: date) -> None:
    assert dates.month_end(day) == expected


def test_leap_day_a_year_back_is_the_28th() -> None:
    moment = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert dates.add_years(moment, -7) == datetime(2021, 2, 28, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("today", "first"),
    [
        (date(2026, 12, 4), date(2026, 1, 1)),
        (date(2026, 12, 31), date(2026, 1, 1)),
        (date(2027, 1, 1), date(2026, 2, 1)),
        (date(2028, 2, 29), date(2027, 3, 1)),
        (date(2026, 11, 30), date(2025, 12, 1)),
    ],
)
def test_the_default_report_period_is_twelve_calendar_months(today: date, first: date) -> None:
    assert dates.last_twelve_months(today) == (first, today)


def test_months_run_across_the_new_year() -> None:
    keys = [dates.month_key(m) for m in dates.months(date(2026, 11, 20), date(2027, 2, 3))]
    assert keys == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert dates.next_month_key("2026-12") == "2027-01"


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), st.integers(-240, 240))
def test_add_months_lands_in_the_right_month(day: date, months: int) -> None:
    moved = dates.add_months(day, months)
    assert moved.year * 12 + moved.month == day.year * 12 + day.month + months
    assert moved.day == min(day.day, dates.month_end(moved).day)


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 12, 25),  # Christmas Day
        date(2026, 12, 28),  # Boxing Day (a Saturday) moved to Monday
        date(2027, 1, 1),
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 4),  # Early May bank holiday
        date(2026, 8, 31),  # Summer bank holiday in England
    ],
)
def test_english_bank_holidays_are_not_working_days(holiday: date) -> None:
    assert not dates.is_working_day(holiday)


def test_calendars_differ_where_the_nations_do() -> None:
    st_andrews_day = date(2026, 11, 30)
    assert dates.is_working_day(st_andrews_day, "england")
    assert not dates.is_working_day(st_andrews_day, "scotland")
    assert not dates.is_working_day(date(2026, 8, 31), "wales")
    assert dates.is_working_day(date(2026, 8, 31), "scotland")


def test_an_unknown_calendar_names_the_choices() -> None:
    with pytest.raises(ValueError, match="england, wales, scotland, northern-ireland"):
        dates.check_calendar("mars")
    assert dates.check_calendar("Northern Ireland") == "northern-ireland"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TIMEZONE)


@pytest.mark.parametrize(
    ("raised", "due"),
    [
        # Christmas Eve, a Thursday: Christmas Day, the weekend and Boxing Day's substitute skip.
        (local(2026, 12, 24, 10), local(2026, 12, 29, 10)),
        # Raised on Christmas Day: due at the end of the next working day.
        (local(2026, 12, 25, 9), local(2026, 12, 30)),
        (local(2026, 12, 31, 16), local(2027, 1, 4, 16)),
        # Friday before the spring clock change: Monday at the same wall-clock time.
        (local(2026, 3, 27, 17, 30), local(2026, 3, 30, 17, 30)),
        (local(2026, 10, 23, 17, 30), local(2026, 10, 26, 17, 30)),
        (local(2028, 2, 28, 11), local(2028, 2, 29, 11)),
        # Saturday: the end of Monday.
        (local(2026, 12, 5, 12), local(2026, 12, 8)),
    ],
)
def test_one_working_day_after(raised: datetime, due: datetime) -> None:
    assert dates.one_working_day_after(raised) == due
    assert dates.one_working_day_after(raised).utcoffset() == due.utcoffset()


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("27/3/2026", date(2026, 3, 27)),
        ("27.03.2026", date(2026, 3, 27)),
        (" 1 4 2025 ", date(2025, 4, 1)),
        ("29-2-2028", date(2028, 2, 29)),
        ("29/2/2026", None),  # not a leap year
        ("31/4/2026", None),
        ("2026-03-27", None),  # the ISO shape is not the UK one
        ("27/3/26", None),  # a two-digit year is not guessed
        ("", None),
    ],
)
def test_a_date_typed_the_uk_way(typed: str, day: date | None) -> None:
    assert dates.uk_date(typed) == day
