"""Calendar arithmetic: months, periods and working days.

Every month or year step in the service goes through here, and through ``dateutil``'s
``relativedelta``, which knows that December is followed by January and that 31 March minus a
month is 28 or 29 February. Working days skip weekends and the bank holidays of the calendar the
council names (``WORKING_DAYS_CALENDAR``; England by default), from the ``holidays`` package.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

# The UK's bank holiday calendars, by the names councils use; England and Wales share one.
CALENDARS: dict[str, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}
DEFAULT_CALENDAR = "england"
SATURDAY = 5
# A date typed the UK way: day, month and four-digit year, with / . - or a space between.
_UK_DATE = re.compile(r"\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})\s*")


def uk_date(text: str) -> date | None:
    """A date typed the UK way (27/3/2026, 27.03.2026, 27 3 2026), or None when the text is not
    of that shape or names no real day (31/2/2026)."""
    match = _UK_DATE.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def month_start(day: date) -> date:
    """The first day of the month that ``day`` falls in."""
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; the 31st becomes the month's last day where it is shorter."""
    return day + relativedelta(months=months)


def add_years(moment: datetime, years: int) -> datetime:
    """``moment`` moved by whole years; 29 February becomes 28 February in other years."""
    return moment + relativedelta(years=years)


def month_end(day: date) -> date:
    """The last day of the month that ``day`` falls in."""
    return day + relativedelta(day=31)


def month_key(day: date) -> str:
    """``2025-04`` for any day in April 2025."""
    return f"{day.year:04d}-{day.month:02d}"


QUARTERS = {month: (month + 2) // 3 for month in range(1, 13)}
"""Each month's calendar quarter: January to March the first."""


def quarter_key(day: date) -> str:
    """``2025 Q2`` for any day from April to June 2025."""
    return f"{day.year:04d} Q{QUARTERS[day.month]}"


def parse_month_key(month: str) -> date:
    """``"2025-04"`` as 1 April 2025; ValueError for anything else."""
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1)


def next_month_key(month: str) -> str:
    """``"2025-12"`` gives ``"2026-01"``."""
    return month_key(add_months(parse_month_key(month), 1))


def months(start: date, end: date) -> Iterator[date]:
    """The first day of every month from the month of ``start`` to that of ``end``."""
    current, last = month_start(start), month_start(end)
    while current <= last:
        yield current
        current = add_months(current, 1)


def last_twelve_months(today: date) -> tuple[date, date]:
    """The reports' default period: the first of the month eleven months back, to today."""
    return add_months(month_start(today), -11), today


def check_calendar(name: str) -> str:
    """The calendar's name in lower case; ValueError naming the choices if it is not one."""
    key = name.strip().lower().replace(" ", "-").replace("_", "-")
    if key not in CALENDARS:
        choices = ", ".join(CALENDARS)
        raise ValueError(f'"{name}" is not a bank holiday calendar: use one of {choices}')
    return key


@lru_cache(maxsize=8)
def bank_holidays(calendar: str = DEFAULT_CALENDAR) -> Container[date]:
    """The bank holidays of one UK calendar, every year (computed as each year is asked for)."""
    return holidays.country_holidays("GB", subdiv=CALENDARS[check_calendar(calendar)])


def is_working_day(day: date, calendar: str = DEFAULT_CALENDAR) -> bool:
    """Monday to Friday and not a bank holiday."""
    return day.weekday() < SATURDAY and day not in bank_holidays(calendar)


def next_working_day(day: date, calendar: str = DEFAULT_CALENDAR) -> date:
    """The first working day after ``day``."""
    following = day + timedelta(days=1)
    while not is_working_day(following, calendar):
        following += timedelta(days=1)
    return following


def add_working_days(day: date, count: int, calendar: str = DEFAULT_CALENDAR) -> date:
    """The working day ``count`` working days after ``day`` (``day`` itself for 0): from
    Thursday 24 December 2026, one working day is Tuesday 29 December (in England: Christmas
    Day, the weekend and the Boxing Day substitute holiday do not count)."""
    for _ in range(count):
        day = next_working_day(day, calendar)
    return day


def one_working_day_after(moment: datetime, calendar: str = DEFAULT_CALENDAR) -> datetime:
    """The same local time on the next working day; from a day off, the end of the next one.

    ``moment`` is in the council's own time zone. Raised on Thursday 24 December at 10:00 (in
    England) means due on Tuesday 29 December at 10:00: Christmas Day, the weekend and the Boxing
    Day substitute holiday do not count. Raised on a Saturday means due at the end of Monday.
    """
    if is_working_day(moment.date(), calendar):
        due_day = next_working_day(moment.date(), calendar)
        return datetime.combine(due_day, moment.timetz()).replace(fold=0)
    # Raised on a day off: the clock starts at the beginning of the next working day, so the
    # concern is due a whole working day later, at midnight after it.
    start = next_working_day(moment.date(), calendar)
    return datetime.combine(start + timedelta(days=1), time(0, tzinfo=moment.tzinfo))
