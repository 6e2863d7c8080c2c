"""Refused input is recorded in the trail: who, which page and which fields, never the values."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import PASSWORD
from tests.conftest import events
from tests.steps import audit_version

MARKER = "entered-value-5d1e"


def _upload(client: FlaskClient, url: str, field: str, content: bytes) -> TestResponse:
    return client.post(
        url, data={field: (io.BytesIO(content), "file.csv")}, content_type="multipart/form-data"
    )


def _only_refusal(app: Flask) -> dict[str, object]:
    (event,) = events(app, "input.refused")
    assert MARKER not in event.detail
    detail = json.loads(event.detail)
    detail["actor"] = event.actor
    detail["actor_id"] = event.actor_id
    return detail


def test_a_refused_case_import_is_recorded_without_its_rows(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    admin = admin_signed_in
    content = f"case_id,service,team,worker\n{MARKER} x,CP,T1,{MARKER}\n".encode()
    assert _upload(admin, "/admin/cases", "cases_file", content).status_code == 400
    detail = _only_refusal(app)
    assert detail["actor"] == "admin1" and detail["actor_id"] is not None
    assert detail["page"] == "admin.cases" and detail["path"] == "/admin/cases"
    assert detail["fields"] == ["cases_file"] and detail["status"] == 400

    good = b"case_id,service,team,worker\n1001,CP,T1,\n"
    assert _upload(admin, "/admin/cases", "cases_file", good).status_code == 302
    assert len(events(app, "input.refused")) == 1  # accepted input is not a refusal


def test_a_refused_allocations_import_and_draw_are_recorded(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    admin = admin_signed_in
    content = f"case_id,questionnaire_id,auditor,due\n{MARKER},x,y,z\n".encode()
    assert _upload(admin, "/admin/allocations/import", "allocations_file", content).status_code
    response = admin.post("/admin/allocations/draw", data={"month": "1999-01", "per_auditor": "0"})
    assert response.status_code == 400
    imported, drawn = events(app, "input.refused")
    assert json.loads(imported.detail)["fields"] == ["allocations_file"]
    assert MARKER not in imported.detail
    detail = json.loads(drawn.detail)
    assert detail["page"] == "admin.allocations_draw"
    assert {"month", "per_auditor", "questionnaire"} <= set(detail["fields"])


def test_a_refused_admin_form_names_the_fields_never_the_values(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    admin = admin_signed_in
    response = admin.post(
        "/admin/users/new",
        data={
            "username": "",
            "display_name": MARKER,
            "role": "auditor",
            "password": MARKER,
            "confirm_password": f"{MARKER}!",  # does not match
        },
    )
    assert response.status_code == 400
    detail = _only_refusal(app)
    assert detail["page"] == "admin.user_new"
    # The password is refused too: it contains the name.
    assert detail["fields"] == ["confirm_password", "password", "username"]


def test_a_refused_questionnaire_upload_is_recorded(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    admin = admin_signed_in
    content = json.dumps({"id": MARKER, "title": MARKER}).encode()
    response = admin.post(
        "/questionnaires/upload",
        data={"questionnaire_file": (io.BytesIO(content), f"{MARKER}.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    detail = _only_refusal(app)
    assert detail["page"] == "workshop.upload" and detail["fields"] == ["questionnaire_file"]


def test_a_refused_answer_is_recorded_against_its_audit(
    app: Flask, auditors_draft: tuple[FlaskClient, int]
) -> None:
    auditor, audit_id = auditors_draft
    response = auditor.post(
        f"/audits/{audit_id}/themes/planning",
        data={"version": str(audit_version(app, audit_id)), "last-visit": f"31/2/{MARKER}"},
    )
    assert response.status_code == 400
    (event,) = events(app, "input.refused")
    assert (event.actor, event.audit_id, event.case_ref) == ("auditor1", audit_id, "100824")
    assert json.loads(event.detail)["fields"] == ["last-visit"]
    assert MARKER not in event.detail


def test_a_request_too_large_to_read_is_recorded(app: Flask, admin_signed_in: FlaskClient) -> None:
    admin = admin_signed_in
    app.config["MAX_CONTENT_LENGTH"] = 2048
    content = b"case_id,service,team,worker\n" + b"1001,CP,T1,\n" * 400
    assert _upload(admin, "/admin/cases", "cases_file", content).status_code == 413
    detail = _only_refusal(app)
    assert detail["status"] == 413 and detail["fields"] == []


def test_refused_sign_ins_are_left_to_the_sign_inevents(
    app: Flask, make_user: Callable[..., str]
) -> None:
    make_user("admin1", "admin")
    client = app.test_client()
    assert client.post("/sign-in", data={"username": "admin1"}).status_code == 400
    assert events(app, "input.refused") == []


def test_a_refused_csrf_token_is_recorded_once(
    csrf_app: Flask, make_user: Callable[..., str]
) -> None:
    make_user("admin1", "admin")
    client = csrf_app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None
    client.post(
        "/sign-in",
        data={"username": "admin1", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    response = client.post("/admin/users/new", data={"username": "intruder", "role": "admin"})
    assert response.status_code == 400
    (event,) = events(csrf_app, "csrf.refused")
    assert event.actor == "admin1" and event.actor_id is not None
    detail = json.loads(event.detail)
    assert detail["path"] == "/admin/users/new" and "CSRF token" in detail["reason"]
    assert events(csrf_app, "input.refused") == []  # one event for one refusal
