"""External audits stay out of past months' report summaries, as out of the live reports: a
visitor's audit submitted in a past month is in no summary row once the month is refreshed,
nor after a full rebuild, while our own audit of the same month is."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func
from sqlmodel import col, select

from audit_app import clock
from audit_app.db import session_scope
from audit_app.models import ReportAudit, ReportComplianceAudit, ReportThemeAudit, ReportThemeMonth
from audit_app.reporting import summaries
from tests.builders import complete_audit, submit_audit
from tests.grants import world
from tests.grants.world import GRANTED, NOT_GRANTED

LONDON = ZoneInfo("Europe/London")


def _past_day() -> date:
    """The 12th of the month three months before this one."""
    back = clock.today().replace(day=1) - timedelta(days=80)
    return back.replace(day=12)


@pytest.fixture
def submitted(app: Flask) -> tuple[Flask, int, int]:
    """A visitor's audit and one of ours, both submitted on a day of a past month; their ids."""
    world.build(app)
    day = _past_day()
    with time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=LONDON)):
        world.grant(app, day, day + timedelta(days=2))
        external = complete_audit(app, "visitor", world.seen_as(app, GRANTED))
        submit_audit(app, external, "visitor")
        internal = complete_audit(app, "home_auditor", NOT_GRANTED)
        submit_audit(app, internal, "home_auditor")
    return app, external, internal


def _summarised(app: Flask, table: type) -> set[int]:
    with session_scope(app) as session:
        return set(session.exec(select(table.audit_id)))  # type: ignore[attr-defined]


def _themes_counted(app: Flask) -> int:
    with session_scope(app) as session:
        month = summaries.month_key(_past_day())
        found = session.exec(
            select(func.sum(ReportThemeMonth.themes)).where(col(ReportThemeMonth.month) == month)
        ).one()
        return int(found or 0)


def _refresh(app: Flask) -> list[str]:
    with session_scope(app) as session:
        return summaries.refresh(session, today=clock.today())


def test_a_refreshed_month_leaves_the_external_audit_out(
    submitted: tuple[Flask, int, int],
) -> None:
    app, external, internal = submitted
    assert summaries.month_key(_past_day()) in _refresh(app)
    for table in (ReportAudit, ReportThemeAudit, ReportComplianceAudit):
        found = _summarised(app, table)
        assert external not in found, table
    assert internal in _summarised(app, ReportAudit)
    # Our audit's two themes, and none of the visitor's.
    assert _themes_counted(app) == 2


def test_a_rebuilt_month_leaves_the_external_audit_out(
    submitted: tuple[Flask, int, int],
) -> None:
    app, external, internal = submitted
    _refresh(app)
    with session_scope(app) as session:
        summaries.rebuild(session)
    assert summaries.month_key(_past_day()) in _refresh(app)
    assert _summarised(app, ReportAudit) == {internal}
    assert external not in _summarised(app, ReportThemeAudit)
    assert _themes_counted(app) == 2
