"""Reports filter by every declared kind of audit, by its name, and keep kinds apart: the
reports' data set (four standing monthly audits, see conftest.py) and one supervision audit."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from audit_app.core.questionnaire import upgrade
from audit_app.db import get_engine, session_scope
from audit_app.reporting import dashboard, summaries
from audit_app.reporting.database import ReportReader
from audit_app.reporting.filters import Filters, Scope
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from tests.builders import ReportData, build_report_data, report_audit, report_questionnaire
from tests.reports.conftest import SignInAs

PERIOD = Filters(date_from=date(2026, 1, 1), date_to=date(2026, 3, 31))
TODAY = date(2026, 11, 29)
ARGS = {"from": "2026-01-01", "to": "2026-03-31"}


def add_supervision_audit(data: ReportData) -> int:
    """A format 2 supervision questionnaire (the reports' questions), and one audit of it by
    amber, submitted on 12 February 2026."""
    questionnaire = {**upgrade(report_questionnaire(1)), "id": "supervision", "kind": "supervision"}
    questionnaire["title"] = "Supervision audit"
    file = questionnaire_service.parse_file("sup.json", json.dumps(questionnaire))
    with data.app.app_context(), session_scope(data.app) as session:
        questionnaire_service.load([file], session=session, loaded_by=Actor.system("test"))
    amber = Actor(id=data.users["amber"], username="amber", role="auditor")
    return report_audit(
        data.app,
        amber,
        "100006",
        {"voice": {"seen-alone": "no"}, "planning": {"plan-smart": "no"}},
        {"voice": "Inadequate", "planning": "Inadequate"},
        "Inadequate",
        datetime(2026, 2, 12, 10, 30, tzinfo=UTC),
        questionnaire_id="supervision",
    )


@pytest.fixture(params=["live tables", "month summaries"])
def both_kinds(request: pytest.FixtureRequest, app: Flask, make_user: Any) -> ReportData:
    data = build_report_data(app, make_user)
    data.audits["S1"] = add_supervision_audit(data)
    if request.param == "month summaries":
        with session_scope(app) as session:
            assert summaries.refresh(session, today=TODAY) == ["2026-01", "2026-02", "2026-03"]
    return data


def build(data: ReportData, filters: Filters) -> dashboard.Dashboard:
    with data.app.app_context(), ReportReader(get_engine(data.app)) as reader:
        return dashboard.build(reader, filters, Scope.everything(), today=TODAY)


def test_the_dashboard_keeps_kinds_apart(both_kinds: ReportData) -> None:
    assert build(both_kinds, PERIOD).headline.submitted == 5
    monthly = build(both_kinds, PERIOD.with_(kind="monthly")).headline
    supervision = build(both_kinds, PERIOD.with_(kind="supervision")).headline
    assert monthly.submitted == 4
    assert (supervision.submitted, supervision.worst.count) == (1, 1)
    assert build(both_kinds, PERIOD.with_(kind="deep_dive")).headline.submitted == 0


@pytest.fixture
def signed_in(both_kinds: ReportData, client: FlaskClient, sign_in: Any) -> SignInAs:
    def sign_in_as(username: str) -> FlaskClient:
        sign_in(username)
        return client

    return sign_in_as


def test_the_kind_filter_lists_every_declared_kind_by_name(signed_in: SignInAs) -> None:
    html = signed_in("ada").get("/reports", query_string=ARGS).get_data(as_text=True)
    for name, display in [
        ("", "All kinds"),
        ("monthly", "Monthly case-file audit"),
        ("supervision", "Supervision audit"),
        ("dip_sample", "Dip sample"),
    ]:
        assert f'<option value="{name}">{display}</option>' in html


def test_a_kind_filter_narrows_the_lists_and_names_the_kind(
    both_kinds: ReportData, signed_in: SignInAs
) -> None:
    client = signed_in("ada")
    response = client.get("/reports/audits", query_string={**ARGS, "kind": "supervision"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Supervision audit" in html  # the filters, in words
    assert "100006" in html and "100001" not in html
    html = client.get("/reports", query_string={**ARGS, "kind": "supervision"}).get_data(
        as_text=True
    )
    assert '<option value="supervision" selected>Supervision audit</option>' in html


def test_an_undeclared_kind_in_the_filter_is_a_problem_at_the_field(signed_in: SignInAs) -> None:
    response = signed_in("ada").get("/reports", query_string={**ARGS, "kind": "peer_review"})
    assert response.status_code == 400
    assert "Select a kind of audit from the list" in response.get_data(as_text=True)


def test_exports_filter_by_kind_and_name_it(
    both_kinds: ReportData, signed_in: SignInAs, runner: FlaskCliRunner, tmp_path: Any
) -> None:
    response = signed_in("ada").get(
        "/reports/export/audits.csv", query_string={**ARGS, "kind": "supervision"}
    )
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str)
    assert list(frame["kind"]) == ["supervision"]
    assert list(frame["case_id"]) == ["100006"]
    out = tmp_path / "audits.csv"
    result = runner.invoke(args=["export", "audits", "--kind", "monthly", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert len(frame) == 4 and set(frame["kind"]) == {"monthly"}
    result = runner.invoke(args=["export", "audits", "--kind", "peer", "--out", str(out)])
    assert result.exit_code == 2
    assert "There is no kind of audit “peer”. Kinds: closure, deep_dive" in result.output
