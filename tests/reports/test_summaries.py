"""The month summaries: which months they serve, that triggers mark every kind of change, and
that figures read through them equal figures read from the live tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, text, update
from sqlmodel import col, select

from audit_app.db import get_engine, session_scope
from audit_app.models import (
    Allocation,
    Audit,
    AuditResult,
    Case,
    ComplianceResult,
    Moderation,
    ReportAudit,
    ReportStaleMonth,
    ThemeResult,
)
from audit_app.reporting import dashboard, summaries
from audit_app.reporting.database import RESULTS, ReportReader
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.summaries import Window, plan
from tests.builders import PASSWORD, ReportData
from tests.reports.conftest import FIGURES

TODAY = date(2026, 11, 29)
PERIOD = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# --- which months come from the summaries ------------------------------------------------------


def test_a_period_of_whole_months_is_all_summaries() -> None:
    found = plan(date(2026, 1, 1), date(2026, 3, 31), TODAY)
    assert (found.first, found.last, found.live) == ("2026-01", "2026-04", ())


def test_part_months_at_either_end_are_read_live() -> None:
    found = plan(date(2026, 1, 10), date(2026, 3, 15), TODAY)
    assert (found.first, found.last) == ("2026-02", "2026-03")
    assert found.live == (
        (at(date(2026, 1, 10)), at(date(2026, 2, 1))),
        (at(date(2026, 3, 1)), at(date(2026, 3, 16))),
    )


def test_the_current_month_is_always_live() -> None:
    found = plan(date(2025, 12, 1), TODAY, TODAY)
    assert (found.first, found.last) == ("2025-12", "2026-11")
    assert found.live == ((at(date(2026, 11, 1)), at(date(2026, 11, 30))),)


def test_a_period_within_one_month_is_all_live() -> None:
    assert plan(date(2026, 2, 3), date(2026, 2, 20), TODAY) == Window(
        first=None, last=None, stale=(), live=((at(date(2026, 2, 3)), at(date(2026, 2, 21))),)
    )


def test_an_open_period_runs_from_the_first_month_to_the_current_one() -> None:
    found = plan(None, None, TODAY)
    assert (found.first, found.last, found.live) == (
        None,
        "2026-11",
        ((at(date(2026, 11, 1)), None),),
    )


def test_a_period_ending_with_a_december_rolls_into_the_next_year() -> None:
    found = plan(date(2025, 11, 1), date(2025, 12, 31), TODAY)
    assert (found.first, found.last, found.live) == ("2025-11", "2026-01", ())


# --- triggers ------------------------------------------------------------------------------------


def _stale(app: Any) -> set[str]:
    with session_scope(app) as session:
        return set(session.exec(select(ReportStaleMonth.month)).all())


def _stale_before_today(app: Any) -> set[str]:
    return {month for month in _stale(app) if month < "2026-11"}


def _refresh(app: Any) -> list[str]:
    with session_scope(app) as session:
        return summaries.refresh(session, today=TODAY)


def test_months_with_audits_start_stale_and_a_refresh_makes_their_summaries(
    report_data: ReportData,
) -> None:
    app = report_data.app
    # The test data were submitted today, then dated back: the current month is marked too.
    assert {"2026-01", "2026-02", "2026-03"} <= _stale(app)
    assert _refresh(app) == ["2026-01", "2026-02", "2026-03"]
    assert not _stale_before_today(app)  # the current month is never summarised
    with session_scope(app) as session:
        rows = session.exec(select(ReportAudit.audit_id, ReportAudit.month)).all()
    standing = {report_data.audits[k] for k in ("A1", "A2", "A3", "A5")}  # A4 was returned
    assert {audit_id for audit_id, _ in rows} == standing
    assert _refresh(app) == []


def _change_and_expect(app: Any, months: set[str], change: Any) -> None:
    _refresh(app)
    with session_scope(app) as session:
        change(session)
    assert months <= _stale_before_today(app)


def test_every_kind_of_change_marks_its_month(report_data: ReportData) -> None:
    app, audits = report_data.app, report_data.audits
    a2, a5 = audits["A2"], audits["A5"]  # February and March

    def moderate(session: Any) -> None:
        session.add(
            Moderation(
                audit_id=a2,
                moderator_id=report_data.users["grace"],
                completed_at=datetime(2026, 3, 1, tzinfo=UTC),
                outcome="agreed",
                overall_grade="Inadequate",
            )
        )

    _change_and_expect(app, {"2026-02"}, moderate)
    # A moderated grade on an audit's result, then on a theme's.
    for table, audit_id, month in ((AuditResult, a2, "2026-02"), (ThemeResult, a5, "2026-03")):
        moderated = update(table).where(col(table.audit_id) == audit_id)
        _change_and_expect(
            app, {month}, lambda s, m=moderated: s.execute(m.values(grade_moderated="Good"))
        )
    _change_and_expect(
        app,
        {"2026-03"},
        lambda s: s.execute(update(Audit).where(col(Audit.id) == a5).values(status="returned")),
    )
    # Resubmitted in another month: both months change.
    _change_and_expect(
        app,
        {"2026-03", "2026-05"},
        lambda s: s.execute(
            update(Audit)
            .where(col(Audit.id) == a5)
            .values(status="submitted", submitted_at=datetime(2026, 5, 2, tzinfo=UTC))
        ),
    )

    def move_case(session: Any) -> None:
        case_id = session.get(Audit, a2).case_id
        session.execute(
            update(Case)
            .where(col(Case.id) == case_id)
            .values(team_id=report_data.teams["CIN Team A"])
        )

    _change_and_expect(app, {"2026-02"}, move_case)

    def purge(session: Any) -> None:
        for table in (ComplianceResult, ThemeResult, AuditResult, Moderation):
            session.execute(delete(table).where(col(table.audit_id) == a2))
        session.execute(text("DELETE FROM answer WHERE audit_id = :a"), {"a": a2})
        session.execute(text("DELETE FROM theme_judgement WHERE audit_id = :a"), {"a": a2})
        session.execute(text("DELETE FROM allocation WHERE audit_id = :a"), {"a": a2})
        session.execute(text("DELETE FROM action WHERE audit_id = :a"), {"a": a2})
        session.execute(text("DELETE FROM safeguarding_concern WHERE audit_id = :a"), {"a": a2})
        session.execute(delete(Audit).where(col(Audit.id) == a2))

    _change_and_expect(app, {"2026-02"}, purge)

    # Allocations count in the month they are due.
    def allocate(session: Any) -> None:
        case_id = session.get(Audit, a5).case_id
        session.add(
            Allocation(
                case_id=case_id,
                questionnaire_id="report-audit",
                auditor_id=report_data.users["amber"],
                due=date(2026, 6, 30),
            )
        )

    _change_and_expect(app, {"2026-06"}, allocate)
    _change_and_expect(
        app,
        {"2026-06", "2026-07"},
        lambda s: s.execute(
            update(Allocation)
            .where(col(Allocation.due) == date(2026, 6, 30))
            .values(due=date(2026, 7, 1))
        ),
    )

    def link_and_submit(session: Any) -> None:
        session.execute(
            update(Allocation).where(col(Allocation.due) == date(2026, 7, 1)).values(audit_id=a5)
        )

    _change_and_expect(app, {"2026-07"}, link_and_submit)
    # The allocation's audit is returned: the allocation is no longer completed.
    _change_and_expect(
        app,
        {"2026-07"},
        lambda s: s.execute(update(Audit).where(col(Audit.id) == a5).values(status="returned")),
    )


def test_report_triggers_exist_at_head(app: Any) -> None:
    """A later migration that rebuilds a table (SQLite batch mode) must make them again."""
    with get_engine(app).connect() as connection:
        if connection.dialect.name == "sqlite":
            names = set(
                connection.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                ).scalars()
            )
            expected = 3 + 4 * 3 + 3 + 1
        else:
            names = set(
                connection.execute(
                    text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
                ).scalars()
            )
            expected = 1 + 4 + 1 + 1
    assert len({n for n in names if n.startswith("report_stale_")}) == expected


# --- the same figures either way -----------------------------------------------------------------


def _figures(data: ReportData, filters: Filters = PERIOD, scope: Scope | None = None) -> dict:
    RESULTS.clear()
    with data.app.app_context(), ReportReader(get_engine(data.app)) as reader:
        built = dashboard.build(reader, filters, scope or Scope.everything(), today=TODAY)
    return {name: getattr(built, name) for name in FIGURES}


def _live_and_summarised(data: ReportData, **kwargs: Any) -> tuple[dict, dict]:
    """The figures with every month marked stale (read live), then after a refresh."""
    with session_scope(data.app) as session:
        summaries.rebuild(session)
    live = _figures(data, **kwargs)
    _refresh(data.app)
    assert not _stale_before_today(data.app)
    return live, _figures(data, **kwargs)


@pytest.mark.parametrize(
    "filters",
    [
        PERIOD,
        Filters(date_from=date(2026, 1, 20), date_to=date(2026, 3, 2)),
        Filters(),
        PERIOD.with_(questionnaire_id="report-audit", kind="monthly"),
    ],
    ids=["whole months", "part months", "no period", "questionnaire"],
)
def test_summaries_give_the_live_figures(report_data: ReportData, filters: Filters) -> None:
    live, summarised = _live_and_summarised(report_data, filters=filters)
    assert summarised == live
    assert summarised["headline"].submitted > 0


def test_summaries_give_the_live_figures_for_a_team_and_a_manager(report_data: ReportData) -> None:
    team = PERIOD.with_(team_id=report_data.teams["CP Team 1"])
    live, summarised = _live_and_summarised(report_data, filters=team)
    assert summarised == live
    manager = Scope(service_ids=frozenset({report_data.services["Child Protection"]}))
    live, summarised = _live_and_summarised(report_data, scope=manager)
    assert summarised == live


def test_summaries_follow_changes(report_data: ReportData) -> None:
    """After each change: the live figures, before and after the refresh, are the same."""
    app, audits = report_data.app, report_data.audits
    _refresh(app)
    changes = [
        lambda s: s.execute(
            update(Audit).where(col(Audit.id) == audits["A2"]).values(status="returned")
        ),
        lambda s: s.execute(
            update(AuditResult)
            .where(col(AuditResult.audit_id) == audits["A3"])
            .values(grade_moderated="Inadequate")
        ),
        lambda s: s.execute(
            update(Case)
            .where(col(Case.id) == s.get(Audit, audits["A1"]).case_id)
            .values(team_id=report_data.teams["CIN Team A"])
        ),
    ]
    for change in changes:
        with session_scope(app) as session:
            change(session)
        stale_read = _figures(report_data)  # the changed month is stale: read live
        _refresh(app)
        assert _figures(report_data) == stale_read
        live, _ = _live_and_summarised(report_data)
        assert stale_read == live


def test_a_snapshot_reads_stale_months_live_even_without_a_refresh(report_data: ReportData) -> None:
    app = report_data.app
    _refresh(app)
    before = _figures(report_data)["headline"].submitted
    with session_scope(app) as session:
        session.execute(
            update(Audit).where(col(Audit.id) == report_data.audits["A1"]).values(status="returned")
        )
    assert _figures(report_data)["headline"].submitted == before - 1


def test_the_dashboard_page_refreshes_the_summaries(report_data: ReportData, client: Any) -> None:
    signed_in = client.post("/sign-in", data={"username": "ada", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert client.get("/reports?from=2026-01-01&to=2026-03-31").status_code == 200
    this_month = summaries.month_key(datetime.now(UTC).date())  # the page works in real time
    assert all(month >= this_month for month in _stale(report_data.app))
    with session_scope(report_data.app) as session:
        assert session.exec(select(func.count()).select_from(ReportAudit)).one() == 4


def test_figures_of_whole_past_months_come_from_the_summaries(report_data: ReportData) -> None:
    """Proof that the summaries are read: a summary row altered by hand shows in the figures."""
    _refresh(report_data.app)
    with report_data.app.app_context(), ReportReader(get_engine(report_data.app)) as reader:
        found = summaries.window(reader, PERIOD.date_from, PERIOD.date_to, TODAY)
    assert (found.first, found.last, found.stale, found.live) == ("2026-01", "2026-04", (), ())
    before = _figures(report_data)["headline"].submitted
    with session_scope(report_data.app) as session:
        session.execute(
            delete(ReportAudit).where(col(ReportAudit.audit_id) == report_data.audits["A1"])
        )
    assert _figures(report_data)["headline"].submitted == before - 1


def test_the_refresh_command_makes_changed_months_and_all_of_them_when_asked(
    report_data: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audit_app.services import reports as report_service

    monkeypatch.setattr(report_service, "today_utc", lambda: TODAY)
    runner = report_data.app.test_cli_runner()
    first = runner.invoke(args=["summaries", "refresh"])
    assert first.exit_code == 0, first.output
    assert "Summaries made for 3 month(s): 2026-01, 2026-02, 2026-03." in first.output
    again = runner.invoke(args=["summaries", "refresh"])
    assert "Summaries made for 0 month(s)." in again.output
    everything = runner.invoke(args=["summaries", "refresh", "--all"])
    assert "Summaries made for 3 month(s)" in everything.output
