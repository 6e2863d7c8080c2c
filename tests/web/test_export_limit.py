"""Exports are limited per person, counted in the database: a clear 429 page past the limit."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import User, utcnow
from audit_app.services.throttling import ExportLimit, ExportLimitReached, check_export_limit
from config import ConfigError, load_config
from tests.builders import PASSWORD
from tests.conftest import events
from tests.steps import signed_in_client
from tests.web.limits import assert_refused_for_now, two_viewers

LIMIT = ExportLimit(count=2, window=timedelta(minutes=10))


# What the page says past a limit of 2 exports in 10 minutes.
REFUSAL = (
    "You have downloaded too many files for now",
    "You can download up to 2 files in 10 minutes",
)


def _download(client: FlaskClient, path: str) -> int:
    response = client.get(path)
    response.get_data()  # a CSV export is recorded once it has been sent
    response.close()
    return response.status_code


def test_past_the_limit_an_export_is_refused_with_a_clear_page(
    app: Flask, make_user: Callable[..., str]
) -> None:
    app.config["EXPORT_LIMIT"] = 2
    viewer = two_viewers(app, make_user)
    assert _download(viewer, "/reports/export/audits.csv") == 200
    assert _download(viewer, "/reports/export/workbook.xlsx") == 200

    assert_refused_for_now(viewer.get("/reports/export/audits.csv"), *REFUSAL, within=600)
    assert viewer.get("/reports/export/workbook.xlsx").status_code == 429
    (event, _again) = events(app, "export.refused")
    assert event.actor == "viewer1" and json.loads(event.detail) == {"limit": 2, "minutes": 10}
    assert len(events(app, "report.exported")) == 2  # refusals are not exports

    # The limit is each person's own, and pages other than exports are not limited.
    assert (
        _download(signed_in_client(app, "viewer2", PASSWORD), "/reports/export/audits.csv") == 200
    )
    assert viewer.get("/reports").status_code == 200


def test_the_trail_export_counts_too(app: Flask, make_user: Callable[..., str]) -> None:
    app.config["EXPORT_LIMIT"] = 1
    make_user("admin1", "admin")
    admin = signed_in_client(app, "admin1", PASSWORD)
    assert _download(admin, "/admin/trail/export.csv") == 200
    assert _download(admin, "/reports/export/audits.csv") == 429
    assert _download(admin, "/admin/trail/export.csv") == 429


def test_the_limit_lifts_as_exports_leave_the_window(
    app: Flask, make_user: Callable[..., str]
) -> None:
    make_user("viewer1", "viewer")
    viewer = signed_in_client(app, "viewer1", PASSWORD)
    for _ in range(2):
        assert _download(viewer, "/reports/export/audits.csv") == 200
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == "viewer1")).one()
        assert user.id is not None
        with pytest.raises(ExportLimitReached) as reached:
            check_export_limit(user.id, "viewer1", LIMIT, session=session)
        assert 590 <= reached.value.retry_after <= 600
        later = utcnow() + timedelta(minutes=10, seconds=1)
        check_export_limit(user.id, "viewer1", LIMIT, session=session, now=later)


def test_the_limit_is_a_setting() -> None:
    settings = load_config({"APP_ENV": "test", "EXPORT_LIMIT": "5", "EXPORT_LIMIT_MINUTES": "60"})
    assert (settings["EXPORT_LIMIT"], settings["EXPORT_LIMIT_MINUTES"]) == (5, 60)
    assert load_config({"APP_ENV": "test"})["EXPORT_LIMIT"] == 30
    with pytest.raises(ConfigError, match="EXPORT_LIMIT must be at least 1"):
        load_config({"APP_ENV": "test", "EXPORT_LIMIT": "0"})
