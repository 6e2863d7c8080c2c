"""Uploading a questionnaire written as a workbook, and downloading workbooks from the workshop."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app import workbook_template
from audit_app.core.workbook import from_workbook, to_workbook
from audit_app.db import session_scope
from audit_app.services import accounts
from audit_app.services.actor import Actor
from audit_app.services.questionnaire_workbooks import read_sheets, write_xlsx
from tests.accounts.conftest import csrf_token
from tests.builders import PASSWORD, load_questionnaire, visits_questionnaire
from tests.workbook.samples import every_feature
from tests.workshop.conftest import events, version_rows
from tests.workshop.test_upload import _confirm, _confirm_fields, _nothing_stored, _text

URL = "/questionnaires/upload"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client: FlaskClient, raw: bytes, name: str = "every-feature.xlsx") -> TestResponse:
    return client.post(
        URL,
        data={"questionnaire_file": (io.BytesIO(raw), name)},
        content_type="multipart/form-data",
    )


def _broken() -> bytes:
    """Three problems on three sheets (the rows counted under the headings and notes)."""
    sheets = to_workbook(every_feature())
    sheets["settings"][5][1] = "weekly audit"  # kind, row 6
    sheets["themes"][2][4] = "maybe"  # limiting, row 3
    sheets["questions"][4][15] = "visits >= 2"  # in-care's condition, row 5
    return write_xlsx(sheets)


def test_a_workbook_is_checked_shown_and_loaded_as_json(admin: Flask, client: FlaskClient) -> None:
    response = _upload(client, write_xlsx(to_workbook(every_feature())))
    assert response.status_code == 200, _text(response.get_data(as_text=True))[:2000]
    page = response.get_data(as_text=True)
    assert "This is a new questionnaire" in page
    _nothing_stored(admin)
    confirmed = _confirm(client, _confirm_fields(page))
    assert confirmed.status_code == 302
    [row] = version_rows(admin, "every-feature")
    assert json.loads(row.content) == every_feature()
    [event] = events(admin, "questionnaire.loaded")
    assert event["source"] == "every-feature.xlsx"


def test_every_problem_in_a_workbook_is_shown_with_its_sheet_row_and_column(
    admin: Flask, client: FlaskClient
) -> None:
    response = _upload(client, _broken(), "deep-dive.xlsx")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = _text(page[page.index("govuk-error-summary") : page.index("</h1>")])
    for problem in (
        "settings, row 6, column value: must be the name of a kind of audit: "
        "at most 16 characters, "
        'lower-case letters, digits and _ only, starting with a letter, e.g. "supervision"',
        "themes, row 3, column limiting: must be yes or no, or left empty (it is “maybe”)",
        'questions, row 5, column condition: condition names "visits", which comes later (at '
        "questions, row 8): it may only name an earlier question",
    ):
        assert problem in summary
    assert "deep-dive.xlsx has 3 problems. Nothing was loaded" in _text(page)
    assert "Problems in deep-dive.xlsx" in _text(page)
    _nothing_stored(admin)


def test_a_json_file_is_still_taken(admin: Flask, client: FlaskClient) -> None:
    response = _upload(client, json.dumps(every_feature()).encode(), "every-feature.json")
    assert response.status_code == 200
    assert "This is a new questionnaire" in response.get_data(as_text=True)


def test_a_file_named_xlsx_that_is_not_one_says_so(admin: Flask, client: FlaskClient) -> None:
    response = _upload(client, b"PK\x03\x04garbled", "broken.xlsx")
    assert response.status_code == 400
    assert "cannot be read: save it as an Excel workbook (.xlsx)" in _text(
        response.get_data(as_text=True)
    )
    _nothing_stored(admin)


def test_the_template_is_downloaded_as_committed(admin: Flask, client: FlaskClient) -> None:
    response = client.get("/questionnaires/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.data == workbook_template.TEMPLATE_PATH.read_bytes()
    assert from_workbook(read_sheets(response.data)) == workbook_template.WORKED_EXAMPLE
    page = client.get("/questionnaires").get_data(as_text=True)
    assert 'href="/questionnaires/template.xlsx"' in page


def test_the_committed_template_is_what_the_generator_makes() -> None:
    assert workbook_template.main(["--check"]) == 0
    assert Path(workbook_template.TEMPLATE_PATH).read_bytes() == workbook_template.render()


def test_a_loaded_version_downloads_as_a_workbook(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, every_feature())
    response = client.get("/questionnaires/every-feature/versions/3/workbook")
    assert response.status_code == 200
    assert 'filename="every-feature-version-3.xlsx"' in response.headers["Content-Disposition"]
    assert from_workbook(read_sheets(response.data)) == every_feature()


def test_only_admins_upload_or_download_workbooks(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
) -> None:
    assert client.get("/questionnaires/template.xlsx").status_code == 302  # to sign in
    assert _upload(client, _broken()).status_code == 302
    sign_in(make_user("auditor1", "auditor"))
    assert client.get("/questionnaires/template.xlsx").status_code == 403
    assert _upload(client, _broken()).status_code == 403
    load_questionnaire(app, every_feature())
    assert client.get("/questionnaires/every-feature/versions/3/workbook").status_code == 403


def test_a_workbook_upload_without_its_csrf_token_is_refused(csrf_app: Flask) -> None:
    with csrf_app.app_context(), session_scope(csrf_app) as session:
        accounts.create_user("admin1", PASSWORD, "admin", session=session, actor=Actor.system("t"))
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    signed = client.post(
        "/sign-in", data={"username": "admin1", "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302
    raw = write_xlsx(to_workbook(every_feature()))
    refused = _upload(client, raw)
    assert refused.status_code == 400
    token = csrf_token(client, URL)
    taken = client.post(
        URL,
        data={"questionnaire_file": (io.BytesIO(raw), "every-feature.xlsx"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert taken.status_code == 200
    assert re.search(r"This is a new questionnaire", taken.get_data(as_text=True))


def test_a_version_with_a_repeating_group_is_not_downloaded_as_a_workbook(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, visits_questionnaire())
    response = client.get("/questionnaires/visits-audit/versions/1/workbook")
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert (
        "Version 1 has a repeating group (at $.themes[0].items[2]), which the workbook has no "
        "rows for yet: the version must stay JSON. Download it as JSON instead." in page
    )
