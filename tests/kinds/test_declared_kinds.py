"""Kinds of audit declared by the council: the admin page, the trail, and CSRF."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import unescape

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import AuditKind
from audit_app.services.kinds import DEFAULT_KINDS, declared_kinds
from tests.accounts.conftest import csrf_token
from tests.builders import PASSWORD, add_user
from tests.conftest import events


def text_of(response: TestResponse) -> str:
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def kinds_in(app: Flask) -> dict[str, str]:
    with app.app_context(), session_scope(app) as session:
        return declared_kinds(session=session)


def test_a_new_database_declares_the_default_kinds(app: Flask) -> None:
    assert kinds_in(app) == dict(sorted(DEFAULT_KINDS, key=lambda pair: pair[1]))
    assert {"monthly", "deep_dive"} <= set(kinds_in(app))  # format 1's two kinds


def test_the_admin_page_lists_the_declared_kinds(admin_signed_in: FlaskClient) -> None:
    response = admin_signed_in.get("/admin/kinds")
    assert response.status_code == 200
    text = text_of(response)
    for name, display_name in DEFAULT_KINDS:
        assert f"{display_name} {name}" in text
    assert "Kinds of audit" in text


def test_an_admin_declares_a_kind_recorded_in_the_trail(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    response = admin_signed_in.post(
        "/admin/kinds", data={"name": " ofsted_prep ", "display_name": "  Pre-inspection  audit "}
    )
    assert response.status_code == 302
    assert kinds_in(app)["ofsted_prep"] == "Pre-inspection audit"
    [event] = events(app, "audit_kind.declared")
    assert event.actor == "admin1"
    assert json.loads(event.detail) == {
        "kind": "ofsted_prep",
        "display_name": "Pre-inspection audit",
    }
    page = admin_signed_in.get("/admin/kinds")
    assert "ofsted_prep has been declared" in text_of(page)


def test_an_admin_renames_a_kind_recorded_in_the_trail(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    response = admin_signed_in.post(
        "/admin/kinds", data={"name": "dip_sample", "display_name": "Monthly dip sample"}
    )
    assert response.status_code == 302
    assert kinds_in(app)["dip_sample"] == "Monthly dip sample"
    [event] = events(app, "audit_kind.renamed")
    assert json.loads(event.detail) == {
        "kind": "dip_sample",
        "before": "Dip sample",
        "display_name": "Monthly dip sample",
    }
    # The same name again changes nothing and records nothing.
    admin_signed_in.post(
        "/admin/kinds", data={"name": "dip_sample", "display_name": "Monthly dip sample"}
    )
    assert len(events(app, "audit_kind.renamed")) == 1


def test_bad_names_are_refused_at_their_fields_and_shown_back(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    response = admin_signed_in.post(
        "/admin/kinds", data={"name": "Dip Sample!", "display_name": "Deep dive"}
    )
    assert response.status_code == 400
    text = text_of(response)
    assert text.startswith("Error: Kinds of audit")
    assert "There is a problem" in text
    assert "lower-case letters, digits and _ only" in text
    assert '"Deep dive" is already the name of the kind deep_dive' in text
    html = response.get_data(as_text=True)
    assert 'value="Dip Sample!"' in html
    assert 'href="#name"' in html and 'href="#display_name"' in html
    assert kinds_in(app) == dict(sorted(DEFAULT_KINDS, key=lambda pair: pair[1]))
    assert events(app, "audit_kind.declared") == []


def test_empty_and_too_long_names_are_refused(admin_signed_in: FlaskClient) -> None:
    text = text_of(admin_signed_in.post("/admin/kinds", data={"name": "", "display_name": ""}))
    assert "Enter the kind's name in questionnaires" in text
    assert "Enter the name people read" in text
    long = {"name": "a" * 17, "display_name": "x" * 81}
    text = text_of(admin_signed_in.post("/admin/kinds", data=long))
    assert "at most 16 characters" in text
    assert "at most 80 characters" in text


def test_only_admins_see_or_change_kinds(
    app: Flask, signed_in_as_new: Callable[..., FlaskClient]
) -> None:
    client = signed_in_as_new("mo", "manager", services=("Child Protection",))
    assert client.get("/admin/kinds").status_code == 403
    response = client.post("/admin/kinds", data={"name": "x1", "display_name": "X"})
    assert response.status_code == 403
    assert "x1" not in kinds_in(app)


def test_declaring_a_kind_without_the_csrf_token_is_refused(csrf_app: Flask) -> None:
    add_user(csrf_app, "admin1", "admin")
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"username": "admin1", "password": PASSWORD, "csrf_token": token})
    response = client.post("/admin/kinds", data={"name": "closure2", "display_name": "Closure 2"})
    assert response.status_code == 400
    assert "closure2" not in kinds_in(csrf_app)
    token = csrf_token(client, "/admin/kinds")
    response = client.post(
        "/admin/kinds",
        data={"name": "closure2", "display_name": "Closure 2", "csrf_token": token},
    )
    assert response.status_code == 302
    with session_scope(csrf_app) as session:
        assert session.get(AuditKind, "closure2") is not None
