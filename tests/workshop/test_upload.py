"""Uploading a questionnaire in the browser: checked like the command line, shown, then loaded."""

from __future__ import annotations

import html as html_lib
import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app.core.questionnaire import QuestionnaireInvalid, parse_questionnaire, upgrade
from audit_app.db import session_scope
from audit_app.models import AuditEvent, QuestionnaireVersion
from tests.builders import ensure_team, load_questionnaire, rescore_v1, rescore_v2
from tests.workshop.conftest import count, events, version_rows

URL = "/questionnaires/upload"


def _upload(
    client: FlaskClient, raw: bytes | str, name: str = "questionnaire.json"
) -> TestResponse:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    return client.post(
        URL,
        data={"questionnaire_file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _confirm_fields(page: str) -> dict[str, str]:
    fields = {}
    for name in ("content", "sha256", "source", "compared_with"):
        match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page)
        assert match, name
        fields[name] = html_lib.unescape(match.group(1))
    return fields


def _confirm(client: FlaskClient, fields: dict[str, str]) -> TestResponse:
    return client.post(f"{URL}/confirm", data=fields, content_type="multipart/form-data")


def _text(page: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _nothing_stored(app: Flask) -> None:
    assert count(app, QuestionnaireVersion) == 0
    assert count(app, AuditEvent, AuditEvent.action.startswith("questionnaire.")) == 0  # type: ignore[attr-defined]


def _refused(app: Flask, response: TestResponse, message: str) -> None:
    """The upload or confirmation is refused with ``message`` on the page, and nothing stored."""
    assert response.status_code == 400
    assert message in _text(response.get_data(as_text=True))
    _nothing_stored(app)


def _broken_fields() -> dict[str, Any]:
    """Problems with single keys: a bad id, a missing title, an unknown key, a negative weight."""
    data = rescore_v1()
    data["id"] = "Rescore Audit"
    del data["title"]
    data["themes"][0]["questions"][0]["wieght"] = 2
    data["themes"][1]["questions"][0]["weight"] = -1
    data["themes"][2]["questions"][0]["options"][0]["score"] = "three"
    return data


def _broken_rules() -> dict[str, Any]:
    """Problems across keys: band order, a duplicate id, options on text, a later show_if."""
    data = rescore_v1()
    data["grading"]["bands"][1]["min"] = 90
    data["themes"][0]["questions"][1]["id"] = "seen-alone"
    data["themes"][1]["questions"][1]["type"] = "text"
    data["themes"][1]["questions"][0]["show_if"] = {"question": "supervision", "in": ["yes"]}
    return data


def test_the_upload_page_offers_a_file_input(admin: Flask, client: FlaskClient) -> None:
    page = client.get(URL).get_data(as_text=True)
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page


def test_no_file_asks_for_one(admin: Flask, client: FlaskClient) -> None:
    response = client.post(URL, data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Select a questionnaire file" in response.get_data(as_text=True)


@pytest.mark.parametrize("broken", [_broken_fields, _broken_rules])
def test_every_validation_error_is_shown_with_its_json_path(
    admin: Flask, client: FlaskClient, broken: Callable[[], dict[str, Any]]
) -> None:
    raw = json.dumps(broken(), indent=2)
    with pytest.raises(QuestionnaireInvalid) as invalid:
        parse_questionnaire(raw)
    expected = invalid.value.problems
    assert len(expected) >= 4
    response = _upload(client, raw, "monthly.json")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = _text(page[page.index("govuk-error-summary") : page.index("</h1>")])
    table = _text(page[page.index('id="problems"') :])
    for problem in expected:
        assert f"{problem.path}: {problem.message}" in summary
        assert f"{problem.path} {problem.message}" in table
    assert f"monthly.json has {len(expected)} problems. Nothing was loaded" in _text(page)
    assert 'href="#questionnaire_file"' in page
    _nothing_stored(admin)


@pytest.mark.parametrize(
    ("raw", "name", "message"),
    [
        (b'{"format": "case-audit/1",', "audit.json", "$: not valid JSON:"),
        (
            '{"id": "caf\u00e9"}'.encode("latin-1"),
            "audit.json",
            "not valid UTF-8: byte 0xe9 on line 1",
        ),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
            "audit.json",
            "this is a PDF document, not a questionnaire",
        ),
        (b"PK\x03\x04\x14\x00\x06\x00", "audit.json", "this is a Word, Excel or other zipped file"),
        (b"{\x00\x00\x00\x01\x02", "audit.json", "this is not a text file"),
        ("{}".encode("utf-16"), "audit.json", "the file is saved as UTF-16"),
        (b"", "audit.json", "the file is empty"),
        (b"  \n", "audit.json", "the file is empty"),
        (b"[1, 2, 3]", "audit.json", "must be a JSON object holding the questionnaire"),
    ],
)
def test_content_that_is_not_a_questionnaire_is_refused_clearly(
    admin: Flask, client: FlaskClient, raw: bytes, name: str, message: str
) -> None:
    response = _upload(client, raw, name)
    assert response.status_code == 400
    assert message in _text(response.get_data(as_text=True))
    _nothing_stored(admin)


def test_the_content_decides_not_the_file_name(admin: Flask, client: FlaskClient) -> None:
    page = _upload(client, json.dumps(rescore_v1()), "notes.txt").get_data(as_text=True)
    assert "Check Rescore audit version 1 before loading it" in page
    refused = _upload(client, b"%PDF-1.4 ...", "questionnaire.json")
    assert refused.status_code == 400


def test_a_file_larger_than_a_questionnaire_can_be_is_refused(
    admin: Flask, client: FlaskClient
) -> None:
    # The confirmation sends the file back in a form field, so it must fit in the request too:
    # (80 KB - 64 KB) * 3/4 = 12 KB.
    admin.config["MAX_CONTENT_LENGTH"] = 80 * 1024
    data = rescore_v1()
    data["description"] = "x" * 20_000
    _refused(admin, _upload(client, json.dumps(data)), "a questionnaire file can be at most 12 KB")


def test_a_request_over_the_size_limit_is_refused_before_it_is_read(
    admin: Flask, client: FlaskClient
) -> None:
    admin.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    response = _upload(client, b"{" + b" " * (100 * 1024) + b"}")
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    _nothing_stored(admin)


def test_a_new_questionnaire_is_summarised_and_loaded_only_when_confirmed(
    admin: Flask, client: FlaskClient
) -> None:
    text = json.dumps(rescore_v1(), indent=2)
    response = _upload(client, text, "rescore.json")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    summary = _text(page[page.index('id="summary"') :])
    for line in (
        "Id rescore-audit",
        "Version 1",
        "Themes 3",
        "Questions 5",
        "Scored questions 5",
        "Compliance measures Child seen alone",
        "Outstanding: 85% and above",
        "Good: 65% to below 85%",
        "Inadequate: below 40%",
    ):
        assert line in summary
    assert "This is a new questionnaire" in page
    _nothing_stored(admin)

    confirmed = _confirm(client, _confirm_fields(page))
    assert confirmed.status_code == 302
    landing = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert (
        "Rescore audit version 1 is loaded as a draft. Auditors do not see it until it is "
        "published. No version of this questionnaire is offered for new audits yet."
    ) in _text(landing)
    [row] = version_rows(admin, "rescore-audit")
    assert row.content == text
    assert row.loaded_by == "qa-lead"
    assert row.is_draft
    [event] = events(admin, "questionnaire.loaded")
    assert event["actor"] == "qa-lead"
    assert event["source"] == "rescore.json"
    assert (event["questionnaire_id"], event["version"]) == ("rescore-audit", 1)


def test_the_difference_from_the_current_version_is_shown_before_confirming(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    page = _upload(client, json.dumps(rescore_v2())).get_data(as_text=True)
    text = _text(page)
    assert "Compared with version 1, the version new audits use now." in text
    assert "1 question removed" in text
    assert "Weight within its theme 2 1" in text
    assert "“Good” band 65% to below 85% 70% to below 85%" in text
    assert len(version_rows(admin, "rescore-audit")) == 1
    assert events(admin, "questionnaire.loaded") == []

    _confirm(client, _confirm_fields(page))
    assert [r.version for r in version_rows(admin, "rescore-audit")] == [1, 2]


def test_a_changed_file_under_a_loaded_version_is_refused_as_by_the_command_line(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    changed = rescore_v1()
    changed["title"] = "Rescore audit, revised"
    response = _upload(client, json.dumps(changed), "revised.json")
    assert response.status_code == 400
    text = _text(response.get_data(as_text=True))
    assert (
        "$.version: rescore-audit version 1 is already loaded with different content; a loaded "
        'version never changes, so set "version" to 2 to load this as a new version'
    ) in text
    [row] = version_rows(admin, "rescore-audit")
    assert row.title == "Rescore audit"
    assert events(admin, "questionnaire.loaded") == []


def test_a_version_loaded_by_someone_else_meanwhile_is_refused_at_confirmation(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    page = _upload(client, json.dumps(rescore_v2())).get_data(as_text=True)
    other = rescore_v2()
    other["title"] = "Someone else's version 2"
    load_questionnaire(admin, other)
    response = _confirm(client, _confirm_fields(page))
    assert response.status_code == 400
    assert "rescore-audit version 2 is already loaded with different content" in _text(
        response.get_data(as_text=True)
    )
    assert [r.title for r in version_rows(admin, "rescore-audit")] == [
        "Rescore audit",
        "Someone else's version 2",
    ]


def test_a_new_current_version_meanwhile_asks_to_check_the_differences_again(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    v3 = rescore_v2()
    v3["version"] = 3
    page = _upload(client, json.dumps(v3)).get_data(as_text=True)
    load_questionnaire(admin, rescore_v2())
    response = _confirm(client, _confirm_fields(page))
    assert response.status_code == 409
    text = _text(response.get_data(as_text=True))
    assert "Check the differences below again" in text
    assert "Compared with version 2" in text
    assert [r.version for r in version_rows(admin, "rescore-audit")] == [1, 2]
    # Confirming the page now shown loads it.
    again = _confirm(client, _confirm_fields(response.get_data(as_text=True)))
    assert again.status_code == 302
    assert [r.version for r in version_rows(admin, "rescore-audit")] == [1, 2, 3]


def test_content_changed_between_check_and_confirmation_is_refused(
    admin: Flask, client: FlaskClient
) -> None:
    page = _upload(client, json.dumps(rescore_v1())).get_data(as_text=True)
    fields = _confirm_fields(page)
    altered = rescore_v1()
    altered["title"] = "Altered"
    import base64

    fields["content"] = base64.b64encode(json.dumps(altered).encode()).decode()
    _refused(admin, _confirm(client, fields), "changed after it was checked")


def test_content_that_cannot_be_read_at_confirmation_is_refused(
    admin: Flask, client: FlaskClient
) -> None:
    page = _upload(client, json.dumps(rescore_v1())).get_data(as_text=True)
    fields = _confirm_fields(page)
    fields["content"] = "not base64!"
    _refused(admin, _confirm(client, fields), "Upload it again")


def test_the_same_file_again_is_already_loaded(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    page = _upload(client, json.dumps(rescore_v1(), indent=4)).get_data(as_text=True)
    assert "already loaded with exactly this content" in page
    assert "/questionnaires/upload/confirm" not in page


def test_a_version_below_the_latest_is_flagged(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    v3 = rescore_v2()
    v3["version"] = 3
    load_questionnaire(admin, v3)
    text = _text(_upload(client, json.dumps(rescore_v2())).get_data(as_text=True))
    assert "Version 3 is already loaded, so new audits will not use version 2" in text


def test_a_service_no_team_is_in_is_warned_of_and_the_file_can_still_be_loaded(
    admin: Flask, client: FlaskClient
) -> None:
    """Services are the council's data: the file is valid, but a name the tool does not know
    is most likely misspelt, so the check page says so (once per name, known ones not)."""
    with session_scope(admin) as session:
        ensure_team(session, "Children in Care 1", service="Children in Care")
    data = upgrade(rescore_v1())
    data["themes"][1]["show_if"] = {"service": ["children in care", "Chidren in care"]}
    data["themes"][2]["show_if"] = {"not": {"service": ["Chidren in care"]}}
    response = _upload(client, json.dumps(data))
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    warning = "A condition names the service “{}”, which is not a service in this tool"
    assert text.count(warning.format("Chidren in care")) == 1
    assert warning.format("children in care") not in text
    assert "/questionnaires/upload/confirm" in response.get_data(as_text=True)
