"""Blind moderation and the dashboard's figures: a manager who must moderate an audit gets no
figure built on its grades until they record theirs, so that no count gives a grade away.

The data set is tests/reports/conftest.py's, with A2 (CP Team 2, judged Inadequate) and A5 (CP
Team 1, judged Outstanding, moderated Requires improvement, sent back for moderation again)
awaiting moderation by a group manager of Child Protection: grace, or hugo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, update
from sqlmodel import col, select
from werkzeug.test import TestResponse

from audit_app.db import get_engine, session_scope
from audit_app.models import Audit, AuditResult, Moderation, ThemeResult, User
from audit_app.reporting import dashboard, drilldown, summaries
from audit_app.reporting.database import RESULTS, ReportReader
from audit_app.reporting.figures import Share
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.presentation import dashboard_charts
from audit_app.reporting.selection import Places, Selection
from tests.builders import ReportData, build_report_data
from tests.reports.conftest import FIGURES
from tests.reports.conftest import PERIOD as PERIOD_ARGS

PERIOD = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
TODAY = date(2026, 11, 29)
PENDING = ("A2", "A5")


@pytest.fixture(params=["live tables", "month summaries"])
def pending(request: pytest.FixtureRequest, app: Flask, make_user: Any) -> ReportData:
    """Blind moderation on; A2 and A5 awaiting moderation (A5 after an earlier one, which
    stands as its latest completed moderation); the months read live, or from summaries
    made after the change."""
    data = build_report_data(app, make_user)
    make_user("hugo", "manager", services=("Child Protection",))
    with session_scope(app) as session:
        data.users["hugo"] = session.exec(select(User.id).where(User.username == "hugo")).one()
        session.execute(
            update(Audit)
            .where(col(Audit.id).in_([data.audits[key] for key in PENDING]))
            .values(status="submitted", moderation_due=True)
        )
    app.config["MODERATION_BLIND"] = True
    if request.param == "month summaries":
        with session_scope(app) as session:
            assert summaries.refresh(session, today=TODAY) == ["2026-01", "2026-02", "2026-03"]
    return data


def _manager(data: ReportData, name: str, *, blind: bool = True) -> Scope:
    """A Child Protection manager's scope, as ``services/reports.py`` makes it."""
    scope = Scope(service_ids=frozenset({data.services["Child Protection"]}))
    return replace(scope, blind_moderator_id=data.users[name] if blind else None)


def _build(data: ReportData, scope: Scope) -> dashboard.Dashboard:
    with data.app.app_context(), ReportReader(get_engine(data.app)) as reader:
        return dashboard.build(reader, PERIOD, scope, today=TODAY)


def _figures(built: dashboard.Dashboard) -> dict[str, Any]:
    return {name: getattr(built, name) for name in FIGURES}


def _clear_pending_grades(data: ReportData) -> None:
    """The data as the blind moderator may count it: A2's and A5's grades gone, and A5's
    earlier moderation with them."""
    ids = [data.audits[key] for key in PENDING]
    cleared = {"grade_computed": None, "grade_judged": None, "grade_moderated": None}
    with session_scope(data.app) as session:
        session.execute(
            update(AuditResult).where(col(AuditResult.audit_id).in_(ids)).values(**cleared)
        )
        session.execute(
            update(ThemeResult).where(col(ThemeResult.audit_id).in_(ids)).values(**cleared)
        )
        session.execute(delete(Moderation).where(col(Moderation.audit_id).in_(ids)))
    RESULTS.clear()


def test_every_grade_figure_leaves_out_the_audits_awaiting_the_blind_moderator(
    pending: ReportData,
) -> None:
    blind = _build(pending, _manager(pending, "grace"))
    blind_charts = dashboard_charts(blind)
    # By hand: A1, A2 and A5 stand in Child Protection; only A1 (Outstanding) is graded.
    assert blind.headline.submitted == 3
    assert (blind.headline.good, blind.headline.worst) == (Share(1, 1), Share(0, 1))
    assert blind.headline.agreement == Share(1, 1)  # A1's; not A5's earlier moderation
    assert [(row.drift, row.count) for row in blind.drift] == [(0, 1)]
    assert blind.judgement_overall.compared == 1
    assert [row.label for row in blind.by_team] == ["CP Team 1"]

    _clear_pending_grades(pending)
    counted = _build(pending, _manager(pending, "grace", blind=False))
    assert _figures(blind) == _figures(counted)
    assert blind_charts == dashboard_charts(counted)
    assert (blind.withheld, counted.withheld) == (2, 0)


def test_others_count_every_grade(pending: ReportData) -> None:
    """The manager without blind moderation, and admins and viewers, who do not moderate."""
    for scope in (_manager(pending, "grace", blind=False), Scope.everything()):
        built = _build(pending, scope)
        assert built.headline.worst.count == 1  # A2, Inadequate
        assert built.headline.agreement.total == 2  # A1's and A5's moderations
        assert built.withheld == 0


def _seen(data: ReportData, name: str | None) -> tuple[int, int]:
    """Audits graded Inadequate and moderations counted, as ``name`` (None: an admin) sees
    them, from results kept between requests."""
    scope = Scope.everything() if name is None else _manager(data, name)
    built = _build(data, scope)
    return built.headline.worst.count, built.headline.agreement.total


def test_kept_results_are_never_served_to_another_reader(pending: ReportData) -> None:
    # The same figures asked for in turn: each reader's own, whoever asked first.
    for _ in range(2):
        assert _seen(pending, None) == (1, 2)
        assert _seen(pending, "grace") == (0, 1)
        assert _seen(pending, "hugo") == (0, 1)

    # grace records her grades for A2 in the moderation she is doing: A2's grades are hers to
    # see, not hugo's. (Recording them writes the trail, which renews kept results; here the
    # row is written directly, so they are cleared by hand.)
    with session_scope(pending.app) as session:
        session.add(
            Moderation(
                audit_id=pending.audits["A2"],
                moderator_id=pending.users["grace"],
                started_at=datetime(2026, 3, 25, tzinfo=UTC),
                overall_grade="Inadequate",
            )
        )
    RESULTS.clear()
    for _ in range(2):
        assert _seen(pending, "grace") == (1, 1)
        assert _seen(pending, "hugo") == (0, 1)
        assert _seen(pending, None) == (1, 2)


def test_the_audits_behind_a_grade_figure_leave_them_out_too(pending: ReportData) -> None:
    """A figure of N lists N audits: the lists behind grade figures leave out the same audits;
    a list by month still shows them, with their grades hidden."""
    scope = _manager(pending, "grace")
    built = _build(pending, scope)
    expected = {
        drilldown.Focus(band="worst"): built.headline.worst.count,
        drilldown.Focus(band="good"): built.headline.good.count,
        drilldown.Focus(grade="Inadequate"): 0,
        drilldown.Focus(moderation="all"): built.headline.agreement.total,
        drilldown.Focus(moderation="differs"): 0,
        drilldown.Focus(drift=-2): 0,
        drilldown.Focus(judged="compared"): built.judgement_overall.compared,
        drilldown.Focus(theme="report-audit/voice", theme_band="final"): 1,
    }
    with pending.app.app_context(), ReportReader(get_engine(pending.app)) as reader:
        catalogue = dashboard.load_catalogue(reader)
        places = Places.load(reader, scope)
        selection = Selection.build(PERIOD, scope, catalogue, places)

        def listed(focus: drilldown.Focus) -> tuple[list[Any], int]:
            return drilldown.list_audits(reader, selection, focus, catalogue, places, today=TODAY)

        totals = {focus: listed(focus)[1] for focus in expected}
        february, _ = listed(drilldown.Focus(month="2026-02"))
    assert totals == expected
    a2 = next(row for row in february if row.audit_id == pending.audits["A2"])
    assert a2.judgements_hidden and a2.final_grade is None


def _dashboard_page(client: FlaskClient) -> str:
    response = client.get(f"/reports?{urlencode(PERIOD_ARGS)}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_says_what_is_left_out(
    pending: ReportData, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("grace")
    page = _dashboard_page(client)
    assert (
        "2 audits awaiting your moderation are left out of the grades until you record yours"
        in " ".join(page.split())
    )
    assert 'id="figure-inadequate">0 of 1 (0.0%)' in page
    client.post("/sign-out")
    sign_in("ada")
    page = _dashboard_page(client)
    assert "awaiting your moderation" not in page
    assert 'id="figure-inadequate">1 of 4 (25.0%)' in page
