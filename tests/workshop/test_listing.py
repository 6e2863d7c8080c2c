"""The questionnaires page: every id with its versions, their audits, and the JSON as loaded."""

from __future__ import annotations

import json

from flask import Flask
from flask.testing import FlaskClient

from audit_app.db import session_scope
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from tests.builders import audit_judged_as_suggested, load_questionnaire, rescore_v1, rescore_v2
from tests.workshop.conftest import confirmed, version_rows


def _load_text(app: Flask, text: str) -> None:
    with session_scope(app) as session:
        file = questionnaire_service.parse_file("layout.json", text)
        questionnaire_service.load([file], session=session, loaded_by=Actor.system("test"))


def test_every_id_is_listed_with_its_versions_and_audits(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    audit_judged_as_suggested(admin, "100824", {"seen-alone": "yes"}, status="draft")
    load_questionnaire(admin, rescore_v2())
    html = client.get("/questionnaires").get_data(as_text=True)
    assert 'id="rescore-audit"' in html
    assert "New audits use version 2." in html
    assert "Used by 1 audit." in html
    row1 = html[html.index('id="rescore-audit-version-1"') :]
    row1 = row1[: row1.index("</tr>")]
    assert "Not in use" in row1 and ">1</td>" in row1
    row2 = html[html.index('id="rescore-audit-version-2"') :]
    row2 = row2[: row2.index("</tr>")]
    assert "Current" in row2 and ">0</td>" in row2
    assert "/questionnaires/rescore-audit/compare" in html
    assert "/questionnaires/rescore-audit/rescoring" in html


def test_a_retired_version_says_so(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    confirmed(client, "/questionnaires/rescore-audit/versions/1/retire")
    html = client.get("/questionnaires").get_data(as_text=True)
    assert "Every published version is retired" in html
    assert "Reinstate<span" in html


def test_the_download_is_the_json_exactly_as_loaded(admin: Flask, client: FlaskClient) -> None:
    # Unusual layout and key order: the download keeps them.
    text = json.dumps(rescore_v1(), indent=3, sort_keys=True) + "\n\n"
    _load_text(admin, text)
    response = client.get("/questionnaires/rescore-audit/versions/1/download")
    assert response.status_code == 200
    assert response.data == text.encode("utf-8")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="rescore-audit-version-1.json"'
    )
    assert response.data.decode("utf-8") == version_rows(admin, "rescore-audit")[0].content


def test_an_unknown_version_is_not_found(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    assert client.get("/questionnaires/rescore-audit/versions/9/download").status_code == 404
    assert client.get("/questionnaires/no-such-audit/compare").status_code == 404
    assert client.get("/questionnaires/no-such-audit/versions/1/preview").status_code == 404
