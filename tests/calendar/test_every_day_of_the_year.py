"""The service works, and gives the figures a person expects, on the days that break dates.

Each test sets the clock (time-machine) to a month end, 31 December, 1 January, 29 February,
either side of both UK clock changes, or a bank holiday, seeds the demo there, and then views
the dashboard, refreshes the summaries, draws allocations, exports, and checks what is overdue.
The expected days in the table are written out by hand, not computed by the code under test.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import col, func, select

from audit_app.clock import LOCAL_TIMEZONE
from audit_app.db import session_scope
from audit_app.models import Action, Allocation, Audit, SafeguardingConcern
from tests.builders import PASSWORD

STANDING = ("submitted", "moderated", "closed")
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Day:
    """A moment, and what a person in England expects on it."""

    name: str
    moment: datetime  # the clock, in UTC
    today: date  # the day in England
    period_from: date  # the dashboard's default period starts on this day
    month_end: date  # when this month's drawn allocations are due
    concern_due: datetime  # a concern raised at the moment is overdue after this (England)

    def __str__(self) -> str:
        return self.name


# Each row: the day's name (the test's id); the clock (UTC); the day in England; the first day of
# the dashboard's default period; when this month's drawn allocations are due; and the moment
# (England) after which a concern raised at the clock is overdue. Lines with # are notes.
TABLE = """
# Friday: the concern is due on Monday at the same time.
4 December                    2026-12-04 09:00  2026-12-04  2026-01-01  2026-12-31  2026-12-07 09:00
# A Saturday month end: due at the end of Monday.
31 January                    2026-01-31 12:00  2026-01-31  2025-02-01  2026-01-31  2026-02-03 00:00
# Still 30 April in UTC, already Friday 1 May in England; Monday 4 May is a bank holiday.
30 April, 1 May in England    2026-04-30 23:30  2026-05-01  2025-05-01  2026-05-31  2026-05-05 00:30
# Thursday; Friday 1 January is a bank holiday.
31 December                   2026-12-31 23:30  2026-12-31  2026-01-01  2026-12-31  2027-01-04 23:30
1 January, a bank holiday     2027-01-01 00:30  2027-01-01  2026-02-01  2027-01-31  2027-01-05 00:00
29 February                   2028-02-29 12:00  2028-02-29  2027-03-01  2028-02-29  2028-03-01 12:00
before the clocks go forward  2026-03-29 00:59  2026-03-29  2025-04-01  2026-03-31  2026-03-31 00:00
after the clocks go forward   2026-03-29 01:01  2026-03-29  2025-04-01  2026-03-31  2026-03-31 00:00
before the clocks go back     2026-10-25 00:59  2026-10-25  2025-11-01  2026-10-31  2026-10-27 00:00
after the clocks go back      2026-10-25 01:01  2026-10-25  2025-11-01  2026-10-31  2026-10-27 00:00
# Thursday: Christmas Day, the weekend and Boxing Day's substitute (Monday 28) skipped.
Christmas Eve                 2026-12-24 10:00  2026-12-24  2026-01-01  2026-12-31  2026-12-29 10:00
Christmas Day                 2026-12-25 10:00  2026-12-25  2026-01-01  2026-12-31  2026-12-30 00:00
# The summer bank holiday in England is the last Monday of August.
Summer bank holiday           2026-08-31 08:00  2026-08-31  2025-09-01  2026-08-31  2026-09-02 00:00
"""


def _day(row: str) -> Day:
    name, moment, today, period_from, month_end, concern_due = re.split(r"\s{2,}", row)
    return Day(
        name,
        datetime.fromisoformat(moment).replace(tzinfo=UTC),
        date.fromisoformat(today),
        date.fromisoformat(period_from),
        date.fromisoformat(month_end),
        datetime.fromisoformat(concern_due).replace(tzinfo=LOCAL_TIMEZONE),
    )


DAYS = [_day(row) for row in TABLE.strip().splitlines() if not row.startswith("#")]


def test_the_table_is_right_about_the_days() -> None:
    """The hand-written days agree with the calendar itself (a check on the table)."""
    for day in DAYS:
        assert day.moment.astimezone(LOCAL_TIMEZONE).date() == day.today, day


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_on_the_day(app: Flask, make_user: Callable[..., str], tmp_path: Path, day: Day) -> None:
    runner = app.test_cli_runner()
    with time_machine.travel(day.moment, tick=True):
        assert runner.invoke(args=["questionnaires", "load"]).exit_code == 0
        seeded = runner.invoke(args=["demo", "seed"])
        assert seeded.exit_code == 0, seeded.output
    make_user("board", "viewer")
    passwords = _demo_passwords(app)

    with time_machine.travel(day.moment, tick=True):
        _the_dashboard_shows_the_last_twelve_calendar_months(app, day)
        _allocations_are_drawn_for_this_month(app, day, tmp_path)
        _the_board_export_holds_every_standing_audit(app, tmp_path)
    _overdue_actions(app, day, passwords["manager"])
    _overdue_concerns(app, day, passwords["manager"])


def _the_dashboard_shows_the_last_twelve_calendar_months(app: Flask, day: Day) -> None:
    start = datetime.combine(day.period_from, time.min, tzinfo=UTC)
    expected = _standing_since(app, start)
    assert expected > 0
    client = _signed_in(app, "board", PASSWORD)
    page = client.get("/reports").get_data(as_text=True)
    assert _input_value(page, "from") == day.period_from.isoformat()
    assert _figure(page, "figure-submitted") == f"{expected:,}"
    result = app.test_cli_runner().invoke(args=["summaries", "refresh", "--all"])
    assert result.exit_code == 0, result.output
    again = client.get("/reports").get_data(as_text=True)
    assert _figure(again, "figure-submitted") == f"{expected:,}"


def _allocations_are_drawn_for_this_month(app: Flask, day: Day, tmp_path: Path) -> None:
    # New cases, never audited: the demo's own are all audited or allocated already.
    new_cases = tmp_path / "new-cases.csv"
    new_cases.write_text(
        "case_id,service,team,worker\n"
        + "".join(f"NEW{n},Care Leavers,Leaving Care Team,\n" for n in range(4))
        + "".join(f"NEW{n},Children in Care,Children in Care Team,\n" for n in range(4, 8))
    )
    imported = app.test_cli_runner().invoke(args=["cases", "import", str(new_cases)])
    assert imported.exit_code == 0, imported.output
    month = f"{day.today:%Y-%m}"
    result = app.test_cli_runner().invoke(
        args=[
            "allocations",
            "draw",
            "--month",
            month,
            "--per-auditor",
            "2",
            "--questionnaire",
            "monthly-case-file-audit",
            "--seed",
            "1",
        ]
    )
    assert result.exit_code == 0, result.output
    first = day.today.replace(day=1)
    window = datetime.combine(first.replace(year=first.year - 1), time.min, tzinfo=UTC)
    with session_scope(app) as session:
        drawn = list(session.exec(select(Allocation).where(Allocation.created_by != "demo seed")))
        assert len(drawn) == 4, result.output  # each auditor topped up to two
        assert {a.due for a in drawn} == {day.month_end}
        recently_audited = session.exec(
            select(func.count())
            .select_from(Audit)
            .where(
                col(Audit.case_id).in_([a.case_id for a in drawn]),
                (col(Audit.created_at) >= window) | (col(Audit.submitted_at) >= window),
            )
        ).one()
    assert recently_audited == 0, "never a case audited in the last twelve months"


def _the_board_export_holds_every_standing_audit(app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "audits.csv"
    result = app.test_cli_runner().invoke(args=["export", "audits", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == _standing_since(app, datetime(2000, 1, 1, tzinfo=UTC))


def _overdue_actions(app: Flask, day: Day, password: str) -> None:
    """An action due today is not overdue; one due yesterday (in England) is."""
    for due, overdue in ((day.today, False), (day.today - timedelta(days=1), True)):
        with session_scope(app) as session:
            session.execute(update(Action).where(col(Action.status) == "open").values(due=due))
        with time_machine.travel(day.moment, tick=True):
            page = _signed_in(app, "manager", password).get("/").get_data(as_text=True)
        open_count = re.search(r"(\d+) open actions? in your services", page)
        assert open_count, "the demo gives the manager open actions"
        shown = re.search(r"(\d+) overdue", page)
        assert (shown.group(1) if shown else None) == (open_count.group(1) if overdue else None)


def _overdue_concerns(app: Flask, day: Day, password: str) -> None:
    """A concern raised at the moment is overdue one working day later, and not before."""
    with session_scope(app) as session:
        session.execute(update(SafeguardingConcern).values(raised_at=day.moment))
    for moment, overdue in (
        (day.moment, False),
        (day.concern_due - MINUTE, False),
        (day.concern_due + MINUTE, True),
    ):
        with time_machine.travel(moment, tick=True):
            page = _signed_in(app, "manager", password).get("/").get_data(as_text=True)
        banner = page.split('id="concerns-title"', 1)[1].split("</section>", 1)[0]
        assert ("Overdue" in banner) is overdue, f"{moment.astimezone(LOCAL_TIMEZONE)}"


def _signed_in(app: Flask, username: str, password: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _standing_since(app: Flask, start: datetime) -> int:
    with session_scope(app) as session:
        return session.exec(
            select(func.count())
            .select_from(Audit)
            .where(col(Audit.status).in_(STANDING), col(Audit.submitted_at) >= start)
        ).one()


def _figure(page: str, element_id: str) -> str:
    marker = f'id="{element_id}">'
    start = page.index(marker) + len(marker)
    return page[start : page.index("<", start)].strip()


def _input_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no {name} input"
    return found.group(1)


def _demo_passwords(app: Flask) -> dict[str, str]:
    path = Path(app.config["INSTANCE_PATH"]) / "demo-accounts.txt"
    rows = [line.split() for line in path.read_text().splitlines()[1:]]
    return {row[0]: row[-1] for row in rows if len(row) == 3}
