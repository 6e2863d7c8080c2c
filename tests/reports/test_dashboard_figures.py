"""The dashboard's figures against the fixed data set, worked out by hand (see conftest.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from audit_app.db import get_engine, session_scope
from audit_app.reporting import dashboard, summaries
from audit_app.reporting.database import ReportReader
from audit_app.reporting.figures import Share
from audit_app.reporting.filters import Filters, Scope
from tests.builders import ReportData, build_report_data

PERIOD = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
TODAY = date(2026, 11, 29)


@pytest.fixture(params=["live tables", "month summaries"])
def report_data(request: pytest.FixtureRequest, app: Flask, make_user: Any) -> ReportData:
    """Each figure read from the live tables, and again from the summaries of past months."""
    data = build_report_data(app, make_user)
    if request.param == "month summaries":
        with session_scope(app) as session:
            assert summaries.refresh(session, today=TODAY) == ["2026-01", "2026-02", "2026-03"]
    return data


def _build(
    data: ReportData, filters: Filters = PERIOD, scope: Scope | None = None
) -> dashboard.Dashboard:
    with data.app.app_context(), ReportReader(get_engine(data.app)) as reader:
        return dashboard.build(reader, filters, scope or Scope.everything(), today=TODAY)


def test_headline_counts_standing_submissions_only(report_data: ReportData) -> None:
    # A4 was returned to its auditor: it is not counted anywhere.
    headline = _build(report_data).headline
    assert headline.submitted == 4
    # Final grades: A1 Outstanding (moderated), A2 Inadequate, A3 Good (judged), A5 RI (moderated).
    assert headline.good == Share(2, 4)
    assert headline.good.percent == Decimal("50.0")
    assert headline.worst == Share(1, 4)


def test_allocations_completed_against_those_due(report_data: ReportData) -> None:
    # Due in the period: A1's (submitted), one not started, A4's (returned: not completed).
    assert _build(report_data).headline.allocations == Share(1, 3)
    assert _build(report_data).headline.allocations.percent_text == "33.3%"


def test_moderation_agreement_and_drift(report_data: ReportData) -> None:
    data = _build(report_data)
    # A1: moderator agreed (Outstanding). A5: judged Outstanding, moderated RI: two bands lower.
    assert data.headline.agreement == Share(1, 2)
    assert [(row.drift, row.count) for row in data.drift] == [(-2, 1), (0, 1)]
    assert [(row.label, row.share) for row in data.agreement_by_auditor] == [("amber", Share(1, 2))]


def test_open_and_overdue_actions_as_at_today(report_data: ReportData) -> None:
    headline = _build(report_data).headline
    assert (headline.actions_open, headline.actions_overdue) == (2, 1)


def test_grade_spread_by_month_service_and_team(report_data: ReportData) -> None:
    data = _build(report_data)
    assert data.grade_order == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    months = {row.key: row.counts for row in data.by_month}
    assert months["2026-01"] == {
        "Outstanding": 1,
        "Good": 0,
        "Requires improvement": 0,
        "Inadequate": 0,
    }
    assert months["2026-02"]["Inadequate"] == 1 and months["2026-02"]["Good"] == 1
    assert months["2026-03"]["Requires improvement"] == 1 and sum(months["2026-03"].values()) == 1
    services = {row.label: (row.total, row.good) for row in data.by_service}
    assert services == {"Child Protection": (3, Share(1, 3)), "Children in Need": (1, Share(1, 1))}
    teams = {row.label: row.total for row in data.by_team}
    assert teams == {"CP Team 1": 2, "CP Team 2": 1, "CIN Team A": 1}


def test_themes_by_team_match_versions_and_skip_ungraded(report_data: ReportData) -> None:
    (table,) = _build(report_data).themes
    assert [theme_id for theme_id, _ in table.themes] == ["voice", "planning"]
    overall = table.overall.cells
    # voice: A1 100, A2 0, A5 100 (A3's voice was not graded): mean 66.7, 2 of 3 Good or better.
    assert overall["voice"].mean == Decimal("66.7")
    assert overall["voice"].good == Share(2, 3)
    # planning: A1 100, A2 50, A3 100 (version 2), A5 50: mean 75.0; A1 and A3 Good or better.
    assert overall["planning"].mean == Decimal("75.0")
    assert overall["planning"].good == Share(2, 4)
    rows = {row.label: row.cells for row in table.rows}
    assert rows["CIN Team A"]["voice"].mean is None and rows["CIN Team A"]["voice"].graded == 0
    assert rows["CP Team 1"]["planning"].mean == Decimal("75.0")


def test_compliance_per_measure_worst_first_without_not_applicable(report_data: ReportData) -> None:
    data = _build(report_data)
    # Child seen alone: A1 yes, A2 no, A5 yes (A3 not applicable: on neither side).
    assert [(row.label, row.share) for row in data.compliance] == [
        ("Child seen alone", Share(2, 3)),
        ("Plan SMART", Share(1, 1)),
    ]
    assert data.compliance[0].share.percent_text == "66.7%"
    assert [(row.label, row.share) for row in data.compliance_by_team] == [
        ("CP Team 2", Share(0, 1)),
        ("CP Team 1", Share(2, 2)),
        ("CIN Team A", Share(1, 1)),
    ]
    assert data.compliance_by_team[0].worst_measure == "Child seen alone"
    months = [(row.label, row.share) for row in data.compliance_by_month]
    assert months == [
        ("January 2026", Share(1, 1)),
        ("February 2026", Share(1, 2)),
        ("March 2026", Share(1, 1)),
    ]


def test_judgements_compared_with_computed_grades(report_data: ReportData) -> None:
    data = _build(report_data)
    overall = data.judgement_overall
    # A1 same, A2 same, A3 judged Good below computed Outstanding, A5 judged above Good.
    assert (overall.compared, overall.same, overall.higher, overall.lower) == (4, 2, 1, 1)
    themes = {row.label: (row.compared, row.higher, row.lower) for row in data.judgement_by_theme}
    # A5's voice was judged Outstanding as computed; A2's planning RI as computed.
    assert themes == {"The child's voice": (3, 0, 0), "Planning": (4, 0, 0)}


def test_a_manager_sees_only_the_services_they_manage(report_data: ReportData) -> None:
    scope = Scope(service_ids=frozenset({report_data.services["Child Protection"]}))
    headline = _build(report_data, scope=scope).headline
    assert headline.submitted == 3
    assert headline.good == Share(1, 3)
    assert headline.allocations == Share(1, 3)


def test_an_auditor_sees_only_their_own_audits(report_data: ReportData) -> None:
    scope = Scope(auditor_id=report_data.users["basil"])
    data = _build(report_data, scope=scope)
    assert data.headline.submitted == 1  # A3; A4 was returned
    assert [row.label for row in data.compliance] == ["Plan SMART"]


def test_filters_narrow_every_figure(report_data: ReportData) -> None:
    services = report_data.services
    assert (
        _build(
            report_data, PERIOD.with_(service_id=services["Children in Need"])
        ).headline.submitted
        == 1
    )
    assert (
        _build(report_data, PERIOD.with_(team_id=report_data.teams["CP Team 1"])).headline.submitted
        == 2
    )
    assert (
        _build(report_data, PERIOD.with_(auditor_id=report_data.users["amber"])).headline.submitted
        == 3
    )
    assert _build(report_data, PERIOD.with_(kind="deep_dive")).headline.submitted == 0
    assert (
        _build(report_data, PERIOD.with_(questionnaire_id="report-audit")).headline.submitted == 4
    )
    february = Filters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
    assert _build(report_data, february).headline.submitted == 2


def test_figures_follow_a_change_recorded_in_the_trail(report_data: ReportData) -> None:
    """Results are kept between requests until the audit trail records a change."""
    from sqlalchemy import update
    from sqlmodel import col

    from audit_app.db import session_scope
    from audit_app.models import Audit
    from audit_app.services.trail import record_event

    assert _build(report_data).headline.submitted == 4
    with session_scope(report_data.app) as session:
        session.execute(
            update(Audit).where(col(Audit.id) == report_data.audits["A2"]).values(status="returned")
        )
        record_event(
            "audit.returned", session=session, actor="grace", audit_id=report_data.audits["A2"]
        )
    assert _build(report_data).headline.submitted == 3
