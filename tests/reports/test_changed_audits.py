"""A change to one audit of a past month: the triggers say which audit changed, and the
dashboard takes that audit out of its month's summaries and reads it alone from the live
tables, instead of reading the whole month live. The figures are the live figures all the
same."""

from __future__ import annotations

from collections.abc import Callable
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
    ReportComplianceAudit,
    ReportStaleMonth,
    ReportThemeAudit,
    ThemeResult,
)
from audit_app.reporting import compliance, dashboard, summaries
from audit_app.reporting.database import RESULTS, ReportReader
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.questionnaires import Catalogue, read_versions
from audit_app.reporting.selection import Places
from tests.builders import ReportData
from tests.reports.conftest import FIGURES

TODAY = date(2026, 11, 29)
PERIOD = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))

Change = Callable[[Any, ReportData], None]


def _refresh(app: Any) -> None:
    with session_scope(app) as session:
        summaries.refresh(session, today=TODAY)


def _marks(app: Any) -> set[tuple[str, str, int | None]]:
    """The marks of past months: (month, part, audit)."""
    with session_scope(app) as session:
        rows = session.exec(
            select(ReportStaleMonth.month, ReportStaleMonth.part, ReportStaleMonth.audit_id)
        ).all()
    return {(month, part, audit) for month, part, audit in rows if month < "2026-11"}


def _window(app: Any, filters: Filters = PERIOD) -> summaries.Window:
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        return summaries.window(reader, filters.date_from, filters.date_to, TODAY, by_audit=True)


def _figures(data: ReportData, filters: Filters = PERIOD, scope: Scope | None = None) -> dict:
    RESULTS.clear()
    with data.app.app_context(), ReportReader(get_engine(data.app)) as reader:
        built = dashboard.build(reader, filters, scope or Scope.everything(), today=TODAY)
    return {name: getattr(built, name) for name in FIGURES}


def _live_figures(data: ReportData, **kwargs: Any) -> dict:
    """The figures with every month read from the live tables (all marked stale), then the
    summaries remade."""
    with session_scope(data.app) as session:
        summaries.rebuild(session)
    live = _figures(data, **kwargs)
    _refresh(data.app)
    return live


# --- what the triggers record -------------------------------------------------------------------


def test_a_change_to_a_theme_result_marks_its_audit(report_data: ReportData) -> None:
    app, a5 = report_data.app, report_data.audits["A5"]
    _refresh(app)
    with session_scope(app) as session:
        session.execute(
            update(ThemeResult)
            .where(col(ThemeResult.audit_id) == a5)
            .values(grade_moderated="Inadequate")
        )
    assert _marks(app) == {("2026-03", "audit", a5)}


def test_an_audit_resubmitted_in_another_month_marks_both_months_with_it(
    report_data: ReportData,
) -> None:
    app, a5 = report_data.app, report_data.audits["A5"]
    _refresh(app)
    with session_scope(app) as session:
        session.execute(
            update(Audit)
            .where(col(Audit.id) == a5)
            .values(submitted_at=datetime(2026, 5, 2, tzinfo=UTC))
        )
    assert {("2026-03", "audit", a5), ("2026-05", "audit", a5)} <= _marks(app)
    assert {part for _, part, _ in _marks(app)} <= {"audit", "allocations"}


def test_a_case_moved_to_another_team_marks_each_of_its_audits(report_data: ReportData) -> None:
    app, a2 = report_data.app, report_data.audits["A2"]
    _refresh(app)
    with session_scope(app) as session:
        case_id = session.get(Audit, a2).case_id
        on_case = set(session.exec(select(Audit.id).where(col(Audit.case_id) == case_id)).all())
        session.execute(
            update(Case)
            .where(col(Case.id) == case_id)
            .values(team_id=report_data.teams["CIN Team A"])
        )
    marked = {audit for _, part, audit in _marks(app) if part == "audit"}
    assert a2 in marked
    assert marked <= on_case


def test_an_allocation_marks_only_its_months_allocations(report_data: ReportData) -> None:
    app = report_data.app
    _refresh(app)
    with session_scope(app) as session:
        session.add(
            Allocation(
                case_id=session.get(Audit, report_data.audits["A2"]).case_id,
                questionnaire_id="report-audit",
                auditor_id=report_data.users["amber"],
                due=date(2026, 2, 27),
            )
        )
    assert _marks(app) == {("2026-02", "allocations", None)}
    found = _window(app)
    assert (found.stale, found.changed, found.allocations) == ((), (), ("2026-02",))


# --- which months and audits are read live --------------------------------------------------------


def _moderate_theme(session: Any, data: ReportData) -> None:
    session.execute(
        update(ThemeResult)
        .where(col(ThemeResult.audit_id) == data.audits["A2"])
        .values(grade_moderated="Good")
    )


def test_a_month_with_one_changed_audit_stays_in_the_summaries_less_that_audit(
    report_data: ReportData,
) -> None:
    app, a2 = report_data.app, report_data.audits["A2"]
    _refresh(app)
    with session_scope(app) as session:
        _moderate_theme(session, report_data)
    found = _window(app)
    assert (found.stale, found.changed, found.live) == ((), (a2,), ())
    assert found.changed_ranges == (
        (summaries.month_range("2026-01")[0], datetime(2026, 4, 1, tzinfo=UTC)),
    )
    # Readers that do not take audits out of the summaries read the month whole, as before.
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        whole = summaries.window(reader, PERIOD.date_from, PERIOD.date_to, TODAY)
    assert whole.stale == ("2026-02",)


def test_the_other_audits_of_a_changed_month_still_come_from_the_summaries(
    report_data: ReportData,
) -> None:
    """Proof: A3's summary row, removed by hand, is missed, although A2 of the same month has
    changed (read whole from the live tables, the month would count A3)."""
    app = report_data.app
    _refresh(app)
    before = _figures(report_data)["headline"].submitted
    with session_scope(app) as session:
        _moderate_theme(session, report_data)
        session.execute(
            delete(ReportAudit).where(col(ReportAudit.audit_id) == report_data.audits["A3"])
        )
    assert _figures(report_data)["headline"].submitted == before - 1


def test_more_changed_audits_than_the_limit_read_their_months_whole(
    report_data: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = report_data.app
    _refresh(app)
    with session_scope(app) as session:
        _moderate_theme(session, report_data)
    monkeypatch.setattr(summaries, "CHANGED_AUDITS", 0)
    found = _window(app)
    assert (found.stale, found.changed) == (("2026-02",), ())
    assert _figures(report_data) == _live_figures(report_data)


def test_a_refresh_keeps_what_each_audit_added_to_its_month(report_data: ReportData) -> None:
    app = report_data.app
    _refresh(app)
    with session_scope(app) as session:
        standing = set(session.exec(select(ReportAudit.audit_id)).all())
        themes = session.exec(
            select(ThemeResult.audit_id, ThemeResult.theme_id, ThemeResult.grade_judged)
        ).all()
        kept_themes = session.exec(
            select(
                ReportThemeAudit.audit_id, ReportThemeAudit.theme_id, ReportThemeAudit.grade_judged
            )
        ).all()
        answers = session.exec(
            select(ComplianceResult.audit_id, ComplianceResult.measure, func.count()).group_by(
                ComplianceResult.audit_id, ComplianceResult.measure
            )
        ).all()
        kept_answers = session.exec(
            select(
                ReportComplianceAudit.audit_id,
                ReportComplianceAudit.measure,
                ReportComplianceAudit.applicable,
            )
        ).all()
    assert sorted(kept_themes) == sorted(t for t in themes if t[0] in standing)
    assert sorted(kept_answers) == sorted(a for a in answers if a[0] in standing)
    assert kept_themes  # the data set has theme results and compliance answers
    assert kept_answers


# --- the same figures -----------------------------------------------------------------------------


def _moderate(session: Any, data: ReportData) -> None:
    session.add(
        Moderation(
            audit_id=data.audits["A2"],
            moderator_id=data.users["grace"],
            completed_at=datetime(2026, 3, 1, tzinfo=UTC),
            outcome="agreed",
            overall_grade="Inadequate",
        )
    )


def _return(session: Any, data: ReportData) -> None:
    session.execute(
        update(Audit).where(col(Audit.id) == data.audits["A5"]).values(status="returned")
    )


def _resubmit_later(session: Any, data: ReportData) -> None:
    session.execute(
        update(Audit)
        .where(col(Audit.id) == data.audits["A5"])
        .values(submitted_at=datetime(2026, 2, 25, tzinfo=UTC))
    )


def _submit_returned(session: Any, data: ReportData) -> None:
    """A4, returned and never summarised, submitted again."""
    session.execute(
        update(Audit).where(col(Audit.id) == data.audits["A4"]).values(status="submitted")
    )


def _grade_result(session: Any, data: ReportData) -> None:
    session.execute(
        update(AuditResult)
        .where(col(AuditResult.audit_id) == data.audits["A3"])
        .values(grade_moderated="Inadequate")
    )


def _answer_not_compliant(session: Any, data: ReportData) -> None:
    session.execute(
        update(ComplianceResult)
        .where(col(ComplianceResult.audit_id) == data.audits["A1"])
        .values(compliant=False)
    )


def _drop_theme_results(session: Any, data: ReportData) -> None:
    """Every theme result and compliance answer of A3 gone: its groups must not linger as
    rows counting nothing."""
    for table in (ThemeResult, ComplianceResult):
        session.execute(delete(table).where(col(table.audit_id) == data.audits["A3"]))


def _move_case(session: Any, data: ReportData) -> None:
    session.execute(
        update(Case)
        .where(col(Case.id) == session.get(Audit, data.audits["A1"]).case_id)
        .values(team_id=data.teams["CIN Team A"])
    )


def _purge(session: Any, data: ReportData) -> None:
    a2 = data.audits["A2"]
    for table in (ComplianceResult, ThemeResult, AuditResult, Moderation):
        session.execute(delete(table).where(col(table.audit_id) == a2))
    for name in ("answer", "theme_judgement", "allocation", "action", "safeguarding_concern"):
        session.execute(text(f"DELETE FROM {name} WHERE audit_id = :a"), {"a": a2})
    session.execute(delete(Audit).where(col(Audit.id) == a2))


CHANGES: dict[str, Change] = {
    "theme moderated": _moderate_theme,
    "moderation completed": _moderate,
    "audit returned": _return,
    "audit resubmitted in another month": _resubmit_later,
    "returned audit submitted again": _submit_returned,
    "overall grade moderated": _grade_result,
    "compliance answer changed": _answer_not_compliant,
    "theme results removed": _drop_theme_results,
    "case moved to another team": _move_case,
    "audit deleted": _purge,
}


@pytest.mark.parametrize("change", list(CHANGES.values()), ids=list(CHANGES))
def test_changed_audits_read_alone_give_the_live_figures(
    report_data: ReportData, change: Change
) -> None:
    app = report_data.app
    _refresh(app)
    with session_scope(app) as session:
        change(session, report_data)
    found = _window(app)
    assert found.stale == ()  # nothing is read whole...
    assert found.changed  # ...but the changed audits
    after_change = _figures(report_data)
    assert after_change == _live_figures(report_data)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(date_from=date(2026, 1, 20), date_to=date(2026, 3, 2)),
        Filters(),
        PERIOD.with_(questionnaire_id="report-audit", kind="monthly"),
    ],
    ids=["part months", "no period", "questionnaire"],
)
def test_changed_audits_read_alone_give_the_live_figures_for_any_period(
    report_data: ReportData, filters: Filters
) -> None:
    app = report_data.app
    _refresh(app)
    with session_scope(app) as session:
        _resubmit_later(session, report_data)
        _moderate_theme(session, report_data)
    assert _figures(report_data, filters=filters) == _live_figures(report_data, filters=filters)


def test_changed_audits_read_alone_give_the_live_figures_for_a_team_and_a_manager(
    report_data: ReportData,
) -> None:
    app = report_data.app
    _refresh(app)
    with session_scope(app) as session:
        _move_case(session, report_data)
        _answer_not_compliant(session, report_data)
    team = PERIOD.with_(team_id=report_data.teams["CP Team 1"])
    manager = Scope(service_ids=frozenset({report_data.services["Child Protection"]}))
    changed = (_figures(report_data, filters=team), _figures(report_data, scope=manager))
    live = (
        _live_figures(report_data, filters=team),
        _live_figures(report_data, scope=manager),
    )
    assert changed == live


def test_one_measure_by_team_and_month_is_the_live_one_after_a_change(
    report_data: ReportData,
) -> None:
    app = report_data.app
    _refresh(app)
    with session_scope(app) as session:
        _answer_not_compliant(session, report_data)

    def breakdown() -> Any:
        RESULTS.clear()
        with app.app_context(), ReportReader(get_engine(app)) as reader:
            catalogue = Catalogue.build(read_versions(reader))
            return compliance.measure_breakdown(
                reader,
                PERIOD,
                Scope.everything(),
                "Child seen alone",
                today=TODAY,
                catalogue=catalogue,
                places=Places.load(reader, Scope.everything()),
            )

    changed = breakdown()
    assert changed.overall.total > 0
    with session_scope(app) as session:
        summaries.rebuild(session)
    assert breakdown() == changed


def test_changed_audits_and_a_blind_moderators_months_give_the_live_figures(
    report_data: ReportData,
) -> None:
    """A2 awaits grace's blind moderation, so February is read whole for her; A1 (January)
    and A2 change: January stays in the summaries less A1, and A2 is not read twice."""
    app, audits = report_data.app, report_data.audits
    with session_scope(app) as session:
        session.execute(
            update(Audit)
            .where(col(Audit.id) == audits["A2"])
            .values(status="submitted", moderation_due=True)
        )
    app.config["MODERATION_BLIND"] = True
    _refresh(app)
    with session_scope(app) as session:
        _answer_not_compliant(session, report_data)  # A1
        _moderate_theme(session, report_data)  # A2
    assert _window(app).changed == (audits["A1"], audits["A2"])
    grace = Scope(
        service_ids=frozenset({report_data.services["Child Protection"]}),
        blind_moderator_id=report_data.users["grace"],
    )
    changed = _figures(report_data, scope=grace)
    assert changed == _live_figures(report_data, scope=grace)
