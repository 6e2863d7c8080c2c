"""Reports keep subjects apart: every figure counts case files unless the subject filter (or a
questionnaire chosen) says otherwise. The reports' data set (four standing monthly audits of
cases, see conftest.py) and one supervision audit of a worker reference."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import select

from audit_app.core.questionnaire import upgrade
from audit_app.db import get_engine, session_scope
from audit_app.models import Case
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
WORKER = "W0006"


def add_worker_audit(data: ReportData) -> int:
    """A format 2 supervision questionnaire of workers (the reports' questions), a worker
    reference in the team of case 100006, and one audit of it by amber, submitted on 12
    February 2026."""
    questionnaire = {
        **upgrade(report_questionnaire(1)),
        "id": "supervision",
        "kind": "supervision",
        "subject": "worker",
        "title": "Supervision audit",
    }
    file = questionnaire_service.parse_file("sup.json", json.dumps(questionnaire))
    with data.app.app_context(), session_scope(data.app) as session:
        questionnaire_service.load([file], session=session, loaded_by=Actor.system("test"))
        case = session.exec(select(Case).where(Case.case_ref == "100006")).one()
        session.add(Case(case_ref=WORKER, subject="worker", team_id=case.team_id))
    amber = Actor(id=data.users["amber"], username="amber", role="auditor")
    return report_audit(
        data.app,
        amber,
        WORKER,
        {"voice": {"seen-alone": "no"}, "planning": {"plan-smart": "no"}},
        {"voice": "Inadequate", "planning": "Inadequate"},
        "Inadequate",
        datetime(2026, 2, 12, 10, 30, tzinfo=UTC),
        questionnaire_id="supervision",
    )


@pytest.fixture(params=["live tables", "month summaries"])
def both_subjects(request: pytest.FixtureRequest, app: Flask, make_user: Any) -> ReportData:
    data = build_report_data(app, make_user)
    data.audits["W1"] = add_worker_audit(data)
    if request.param == "month summaries":
        with session_scope(app) as session:
            assert summaries.refresh(session, today=TODAY) == ["2026-01", "2026-02", "2026-03"]
    return data


def build(data: ReportData, filters: Filters) -> dashboard.Dashboard:
    with data.app.app_context(), ReportReader(get_engine(data.app)) as reader:
        return dashboard.build(reader, filters, Scope.everything(), today=TODAY)


def test_the_dashboard_counts_case_files_unless_told_otherwise(
    both_subjects: ReportData,
) -> None:
    assert build(both_subjects, PERIOD).headline.submitted == 4
    assert build(both_subjects, PERIOD.with_(subject="case")).headline.submitted == 4
    workers = build(both_subjects, PERIOD.with_(subject="worker")).headline
    assert (workers.submitted, workers.worst.count) == (1, 1)
    assert build(both_subjects, PERIOD.with_(subject="meeting")).headline.submitted == 0


def test_a_questionnaire_chosen_brings_its_own_subject(both_subjects: ReportData) -> None:
    chosen = build(both_subjects, PERIOD.with_(questionnaire_id="supervision")).headline
    assert chosen.submitted == 1
    # Kind and subject both narrow: supervision audits of case files are none.
    assert build(both_subjects, PERIOD.with_(kind="supervision")).headline.submitted == 0
    both = PERIOD.with_(kind="supervision", subject="worker")
    assert build(both_subjects, both).headline.submitted == 1


@pytest.fixture
def signed_in(both_subjects: ReportData, client: FlaskClient, sign_in: Any) -> SignInAs:
    def sign_in_as(username: str) -> FlaskClient:
        sign_in(username)
        return client

    return sign_in_as


def test_the_subject_filter_sits_beside_the_kind_filter(signed_in: SignInAs) -> None:
    html = signed_in("ada").get("/reports", query_string=ARGS).get_data(as_text=True)
    assert '<label class="govuk-label" for="subject">' in html
    for value, text in [
        ("", "Case files, or the questionnaire&#39;s own"),
        ("case", "Case files"),
        ("worker", "Supervision files"),
    ]:
        assert f'<option value="{value}">{text}</option>' in html
    assert html.index('for="kind"') < html.index('for="subject"')


def test_the_subject_filter_narrows_the_lists_and_labels_the_references(
    signed_in: SignInAs,
) -> None:
    client = signed_in("ada")
    response = client.get("/reports/audits", query_string={**ARGS, "subject": "worker"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Supervision files" in html  # the filters, in words
    assert f"Worker {WORKER}" in html and "100001" not in html
    html = client.get("/reports/audits", query_string=ARGS).get_data(as_text=True)
    assert "100001" in html and WORKER not in html


def test_a_subject_that_is_not_one_is_a_problem_at_the_field(signed_in: SignInAs) -> None:
    response = signed_in("ada").get("/reports", query_string={**ARGS, "subject": "carer"})
    assert response.status_code == 400
    assert "Select what the audits are of from the list" in response.get_data(as_text=True)


def test_exports_keep_to_one_subject(
    both_subjects: ReportData, signed_in: SignInAs, runner: FlaskCliRunner, tmp_path: Any
) -> None:
    response = signed_in("ada").get(
        "/reports/export/audits.csv", query_string={**ARGS, "subject": "worker"}
    )
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", dtype=str)
    assert list(frame["case_id"]) == [WORKER]
    assert "subject" not in frame.columns, "the columns stay as they were"
    out = tmp_path / "audits.csv"
    result = runner.invoke(args=["export", "audits", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert len(frame) == 4 and WORKER not in set(frame["case_id"])
    result = runner.invoke(args=["export", "audits", "--subject", "worker", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(out, encoding="utf-8-sig", dtype=str)["case_id"]) == [WORKER]
    result = runner.invoke(args=["export", "audits", "--subject", "carer", "--out", str(out)])
    assert result.exit_code == 2
