"""The admin pages for cases and allocations: access, listing, upload and draw."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from werkzeug.test import TestResponse

from audit_app.clock import today as local_today
from audit_app.core.dates import add_months, month_end
from audit_app.db import session_scope
from audit_app.models import Allocation, Case
from tests.builders import add_audit, case_id, cases_csv, load_small_questionnaire, user_id
from tests.cases.conftest import events, table_counts

PAGES = ["/admin/cases", "/admin/allocations"]
POSTS = ["/admin/cases", "/admin/allocations/import", "/admin/allocations/draw"]


def text_of(response: TestResponse) -> str:
    """The page's text, tags removed and whitespace collapsed, for matching what people read."""
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def upload(
    client: FlaskClient, url: str, field: str, content: bytes, name: str = "file.csv"
) -> TestResponse:
    return client.post(
        url,
        data={field: (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.usefixtures("admin_signed_in")
@pytest.mark.parametrize("path", PAGES)
def test_admins_see_the_page(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", ["auditor", "manager", "viewer"])
@pytest.mark.parametrize("path", PAGES + POSTS)
def test_other_roles_are_forbidden(
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
    path: str,
    role: str,
) -> None:
    sign_in(make_user("someone", role))
    response = client.get(path) if path in PAGES else client.post(path)
    assert response.status_code == 403


@pytest.mark.parametrize("path", PAGES + POSTS)
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, path: str) -> None:
    response = client.get(path) if path in PAGES else client.post(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


# Cases --------------------------------------------------------------------------------------


@pytest.mark.usefixtures("admin_signed_in")
def test_the_cases_page_has_a_labelled_upload_and_explains_the_columns(client: FlaskClient) -> None:
    html = client.get("/admin/cases").get_data(as_text=True)
    assert re.search(
        r'<label class="govuk-label[^"]*" for="cases_file">\s*Upload a CSV file of cases', html
    )
    assert 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert "What the CSV file must contain" in html
    assert "No cases have been imported yet." in html


@pytest.mark.usefixtures("admin_signed_in")
def test_uploading_cases_shows_the_summary_and_lists_them(app: Flask, client: FlaskClient) -> None:
    content = cases_csv(
        "100824,Child Protection,CP Team 1,SW0412,Jane",
        "100825,Child Protection,CP Team 1,,",
        header="case_id,service,team,worker,child_name",
    ).encode()
    response = upload(client, "/admin/cases", "cases_file", content)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    text = text_of(page)
    assert "Cases imported. 2 cases in the file: 2 created, 0 updated, 0 unchanged." in text
    assert "Ignored columns (not stored): child_name." in text
    assert "100824 CP Team 1 Child Protection SW0412 0" in text
    assert "Jane" not in text
    (event,) = events(app, "cases.imported")
    assert event["_actor"] == "admin1"


@pytest.mark.usefixtures("admin_signed_in")
def test_the_cases_table_counts_audits(
    app: Flask, client: FlaskClient, make_user: Callable[..., str]
) -> None:
    upload(client, "/admin/cases", "cases_file", cases_csv("1001,CP,T1,").encode())
    make_user("auditor1", "auditor")
    version_id = load_small_questionnaire(app)
    for _ in range(2):
        add_audit(app, "1001", "auditor1", version_id, created_at=datetime.now(UTC))
    assert "1001 T1 CP 2" in text_of(client.get("/admin/cases"))


@pytest.mark.usefixtures("admin_signed_in")
def test_a_bad_upload_lists_every_problem_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    before = table_counts(app)
    content = cases_csv("1001,CP,T1,", "12 34,CP,T1,", "1001,CP,T1,", "1004,,T1,").encode()
    response = upload(client, "/admin/cases", "cases_file", content)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    text = text_of(response)
    assert "govuk-error-summary" in html
    assert text.startswith("Error: Cases")
    assert "There is a problem" in text
    for problem in (
        'Line 3: case_id "12 34" is not a valid case reference '
        "(letters, digits, / and - only, up to 32 characters)",
        'Line 4: case_id "1001" is also on line 2; each case must appear once',
        "Line 5: service is empty",
    ):
        assert problem in text
    assert html.count('href="#cases_file"') == 3
    assert "The file has 3 problems. Nothing was imported" in text
    assert table_counts(app) == before


@pytest.mark.usefixtures("admin_signed_in")
def test_a_non_utf8_upload_is_refused_on_the_page(app: Flask, client: FlaskClient) -> None:
    content = "case_id,service,team\n1001,Café,T1\n".encode("cp1252")
    response = upload(client, "/admin/cases", "cases_file", content)
    assert response.status_code == 400
    assert "The file is not UTF-8 text" in text_of(response)
    assert table_counts(app)["Case"] == 0


@pytest.mark.usefixtures("admin_signed_in")
def test_submitting_without_a_file_asks_for_one(client: FlaskClient) -> None:
    response = client.post("/admin/cases", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert text_of(response).count("Select a CSV file of cases") >= 2  # summary and field


@pytest.mark.usefixtures("admin_signed_in")
def test_the_cases_list_is_paginated(app: Flask, client: FlaskClient) -> None:
    rows = [f"{n},CP,T1," for n in range(1001, 1061)]
    upload(client, "/admin/cases", "cases_file", cases_csv(*rows).encode())
    first = text_of(client.get("/admin/cases"))
    assert "Showing 1 to 50 of 60 cases." in first and "1050 T1" in first and "1051" not in first
    second = text_of(client.get("/admin/cases?page=2"))
    assert "Showing 51 to 60 of 60 cases." in second and "1060 T1" in second


# Allocations --------------------------------------------------------------------------------


@pytest.fixture
def allocated(
    app: Flask, client: FlaskClient, make_user: Callable[..., str], admin_signed_in: FlaskClient
) -> Flask:
    """An admin signed in; cases in teams A and B; one auditor in each; a questionnaire."""
    upload(
        client,
        "/admin/cases",
        "cases_file",
        cases_csv(
            "A1,Children in Need,Team A,",
            "A2,Children in Need,Team A,",
            "B1,Children in Need,Team B,",
            "B2,Children in Need,Team B,",
        ).encode(),
    )
    make_user("auditor-a", "auditor", team="Team A")
    make_user("auditor-b", "auditor", team="Team B")
    load_small_questionnaire(app, "test-audit")
    return app


def test_the_allocations_page_explains_the_csv_and_offers_a_draw(
    allocated: Flask, client: FlaskClient
) -> None:
    html = client.get("/admin/allocations").get_data(as_text=True)
    assert re.search(r'for="allocations_file">\s*Upload a CSV file of allocations', html)
    assert "What the CSV file must contain" in html
    assert re.search(r'<label class="govuk-label[^"]*" for="month">\s*Month', html)
    assert re.search(r'for="per_auditor">\s*Cases per auditor', html)
    assert re.search(r"<legend[^>]*>\s*Questionnaire\s*</legend>", html)
    assert re.search(
        r'<label class="govuk-label govuk-radios__label" for="questionnaire">\s*Test audit', html
    )
    assert "Draw allocations" in html


def test_allocations_show_their_status(allocated: Flask, client: FlaskClient) -> None:
    today = local_today()
    future, past = today + timedelta(days=10), today - timedelta(days=3)
    content = (
        "case_id,questionnaire_id,auditor,due\n"
        f"A1,test-audit,auditor-b,{future}\n"
        f"A2,test-audit,auditor-b,{future}\n"
        f"B1,test-audit,auditor-a,{future}\n"
        f"B2,test-audit,auditor-a,{past}\n"
    ).encode()
    response = upload(client, "/admin/allocations/import", "allocations_file", content)
    assert response.status_code == 302
    assert "Allocations imported. 4 allocations in the file: 4 created" in text_of(
        client.get("/admin/allocations")
    )
    version_id = load_small_questionnaire(allocated)
    draft = add_audit(allocated, "A2", "auditor-b", version_id, created_at=datetime.now(UTC))
    submitted = add_audit(
        allocated,
        "B1",
        "auditor-a",
        version_id,
        created_at=datetime.now(UTC),
        submitted_at=datetime.now(UTC),
        status="submitted",
    )
    started = [(case_id(allocated, "A2"), draft), (case_id(allocated, "B1"), submitted)]
    with session_scope(allocated) as session:
        for started_case, audit_id in started:
            allocation = session.exec(
                select(Allocation).where(Allocation.case_id == started_case)
            ).one()
            allocation.audit_id = audit_id
            session.add(allocation)
    text = text_of(client.get("/admin/allocations"))
    due = f"{future:%-d %B %Y}"
    assert f"A1 Test audit auditor-b {due} Not started" in text
    assert f"A2 Test audit auditor-b {due} In progress" in text
    assert f"B1 Test audit auditor-a {due} Submitted" in text
    assert f"B2 Test audit auditor-a {past:%-d %B %Y} Overdue" in text


def test_a_bad_allocations_upload_lists_every_problem_and_stores_nothing(
    allocated: Flask, client: FlaskClient
) -> None:
    before = table_counts(allocated)
    content = (
        b"case_id,questionnaire_id,auditor,due\n"
        b"A1,test-audit,auditor-b,2025-03-31\n"
        b"Z9,test-audit,auditor-b,2025-03-31\n"
        b"A1,test-audit,admin1,March\n"
    )
    response = upload(client, "/admin/allocations/import", "allocations_file", content)
    assert response.status_code == 400
    text = text_of(response)
    assert text.startswith("Error: Allocations")
    for problem in (
        'Line 3: case_id "Z9" is not a known case; import it first',
        'Line 4: auditor "admin1" is an admin, not an auditor',
        'Line 4: due "March" is not a date in the form YYYY-MM-DD',
    ):
        assert problem in text
    assert "The file has 3 problems. Nothing was imported" in text
    assert table_counts(allocated) == before


def next_month() -> date:
    return add_months(local_today().replace(day=1), 1)


def test_drawing_from_the_page(allocated: Flask, client: FlaskClient) -> None:
    month = next_month()
    due = month_end(month)
    assert f'<option value="{month:%Y-%m}" selected>' in client.get("/admin/allocations").get_data(
        as_text=True
    )
    response = client.post(
        "/admin/allocations/draw",
        data={"month": f"{month:%Y-%m}", "per_auditor": "1", "questionnaire": "test-audit"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    text = text_of(client.get(response.headers["Location"]))
    assert f"Allocated 2 cases to 2 auditors for {month:%B %Y}, due {due.day} {due:%B %Y}." in text
    with session_scope(allocated) as session:
        rows = session.exec(select(Allocation)).all()
    teams = {user_id(allocated, "auditor-a"): "A", user_id(allocated, "auditor-b"): "B"}
    assert {a.due for a in rows} == {due}
    with session_scope(allocated) as session:
        for a in rows:
            assert not _case_ref(session, a.case_id).startswith(teams[a.auditor_id])
    (event,) = events(allocated, "allocations.drawn")
    assert event["_actor"] == "admin1"


def _case_ref(session: Session, case_id_: int) -> str:
    case = session.get(Case, case_id_)
    assert case is not None
    return case.case_ref


def test_a_draw_form_with_errors_says_what_to_fix(allocated: Flask, client: FlaskClient) -> None:
    response = client.post("/admin/allocations/draw", data={"month": "1999-01", "per_auditor": "0"})
    assert response.status_code == 400
    text = text_of(response)
    assert "Select a month from the list" in text
    assert "Cases per auditor must be a whole number from 1 to 50" in text
    assert "Select the questionnaire the auditors will use" in text
    assert table_counts(allocated)["Allocation"] == 0


@pytest.mark.usefixtures("admin_signed_in")
def test_a_draw_with_no_auditors_is_explained(app: Flask, client: FlaskClient) -> None:
    load_small_questionnaire(app, "test-audit")
    month = f"{local_today():%Y-%m}"
    response = client.post(
        "/admin/allocations/draw",
        data={"month": month, "per_auditor": "2", "questionnaire": "test-audit"},
    )
    assert response.status_code == 400
    assert "There are no active auditors to allocate cases to" in text_of(response)
