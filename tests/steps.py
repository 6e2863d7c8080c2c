"""Steps through the app's pages that tests in several areas share.

Each step is what a person does on a page (sign in, save a theme, moderate an audit), done with
Flask's test client; the forms that guard against a stale page carry the audit's current version
unless the test gives one.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Audit


def audit_version(app: Flask, audit_id: int) -> int:
    """The audit's version, as a page showing it now would carry in its form."""
    with session_scope(app) as session:
        return session.exec(select(Audit.version).where(Audit.id == audit_id)).one()


def post_on_audit(
    client: FlaskClient, app: Flask, audit_id: int, path: str, **data: str
) -> TestResponse:
    """Post a form of the audit's at ``/…{path}`` with its current version, unless given."""
    data.setdefault("version", str(audit_version(app, audit_id)))
    return client.post(path.format(audit=audit_id), data=data)


def followed(client: FlaskClient, response: TestResponse) -> str:
    """The page a redirect leads to (with its flash message); fail unless it is one."""
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def text(client: FlaskClient, url: str) -> str:
    """The page at ``url``, as text."""
    return client.get(url).get_data(as_text=True)


def signed_in_client(app: Flask, username: str, password: str) -> FlaskClient:
    """A new test client signed in as ``username``."""
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


# Moderation


def start_moderation(client: FlaskClient, audit_id: int, **data: str) -> TestResponse:
    return client.post(f"/moderation/audits/{audit_id}/start", data=data)


def moderation_grades(client: FlaskClient, app: Flask, audit_id: int, **data: str) -> TestResponse:
    return post_on_audit(client, app, audit_id, "/moderation/audits/{audit}", **data)


def moderation_outcome(client: FlaskClient, app: Flask, audit_id: int, **data: str) -> TestResponse:
    return post_on_audit(client, app, audit_id, "/moderation/audits/{audit}/outcome", **data)


def save_theme(
    client: FlaskClient, app: Flask, audit_id: int, theme: str, **data: str
) -> TestResponse:
    """Save a theme's page of the audit with the answers given."""
    return post_on_audit(client, app, audit_id, f"/audits/{{audit}}/themes/{theme}", **data)


def date_fields(name: str, day: date) -> dict[str, str]:
    """A GOV.UK date input's three fields (``name-day``, ``-month``, ``-year``) filled in."""
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }
