"""Report pages are limited per person per minute, counted in the trail: a clear 429 page."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import AuditEvent
from config import ConfigError, load_config
from tests.builders import PASSWORD


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with session_scope(app) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_past_the_limit_a_report_page_is_refused_with_a_clear_page(
    app: Flask, make_user: Callable[..., str]
) -> None:
    app.config["REPORT_LIMIT"] = 2
    make_user("viewer1", "viewer")
    make_user("viewer2", "viewer")
    viewer = _client(app, "viewer1")
    assert viewer.get("/reports").status_code == 200
    assert viewer.get("/reports/audits").status_code == 200

    refused = viewer.get("/reports")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "You have opened too many reports for now" in text
    assert "You can open up to 2 report pages a minute" in text
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["Content-Type"].startswith("text/html")
    assert viewer.get("/reports/audits").status_code == 429
    assert viewer.get("/reports/compliance?measure=x").status_code == 429

    viewed = _events(app, "report.viewed")
    assert [(e.actor, json.loads(e.detail)["page"]) for e in viewed] == [
        ("viewer1", "reports.dashboard"),
        ("viewer1", "reports.audits"),
    ]
    (refusal,) = _events(app, "report.refused")  # repeats are counted, not each written
    assert refusal.actor == "viewer1"
    # The limit is each person's own; exports have their own limit.
    assert _client(app, "viewer2").get("/reports").status_code == 200
    export = viewer.get("/reports/export/audits.csv")
    assert export.status_code == 200
    export.close()


def test_the_report_settings() -> None:
    settings = load_config(
        {"APP_ENV": "test", "REPORT_LIMIT": "5", "REPORT_STATEMENT_SECONDS": "2.5"}
    )
    assert (settings["REPORT_LIMIT"], settings["REPORT_STATEMENT_SECONDS"]) == (5, 2.5)
    defaults = load_config({"APP_ENV": "test"})
    assert (defaults["REPORT_LIMIT"], defaults["REPORT_STATEMENT_SECONDS"]) == (120, 20.0)
    assert defaults["FREE_TEXT_DOWNLOADS"] == "readers"
    with pytest.raises(ConfigError, match="REPORT_LIMIT must be at least 1"):
        load_config({"APP_ENV": "test", "REPORT_LIMIT": "0"})
    with pytest.raises(ConfigError, match="REPORT_STATEMENT_SECONDS must be more than 0"):
        load_config({"APP_ENV": "test", "REPORT_STATEMENT_SECONDS": "0"})
    with pytest.raises(ConfigError, match="FREE_TEXT_DOWNLOADS must be one of readers, everyone"):
        load_config({"APP_ENV": "test", "FREE_TEXT_DOWNLOADS": "viewers"})
