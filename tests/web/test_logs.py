"""Logged values cannot forge log lines, and errors show a reference, never a traceback."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask, got_request_exception

from audit_app.db import get_session
from audit_app.models import User


def test_line_breaks_in_logged_values_are_encoded(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        app.logger.info("Sign-in by %s", "mallory\n2026-01-01 INFO admin signed in\r")
    (record,) = caplog.records
    assert record.getMessage() == "Sign-in by mallory\\n2026-01-01 INFO admin signed in\\r"
    assert "\n" not in record.getMessage()


def test_an_unexpected_error_shows_a_reference_and_no_traceback(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TESTING"] = False  # let the error page handle it, as in production
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom() -> str:
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "reference" in html and "Traceback" not in html and "secret detail" not in html
    # The log has the traceback, once, under the reference shown.
    reference = re.search(r"quote reference <strong>([0-9A-F]{8})</strong>", html)
    assert reference is not None and reference.group(1) in caplog.text
    assert caplog.text.count("Traceback") == 1 and "secret detail" in caplog.text


def test_a_database_error_is_logged_without_the_row_it_refused(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL's DETAIL quotes a refused row, password hash and all: the log must not."""
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    marker = "answer-text-7f3a9c"

    @app.get("/refused-row-for-test")
    def refused_row() -> str:
        db = get_session()
        db.add(
            User(
                username="someone",
                display_name=marker,
                password_hash=f"$argon2id$v=19${marker}",
                role="no-such-role",  # the role check refuses the row
            )
        )
        db.flush()
        return "not reached"

    raised: list[BaseException] = []

    def keep(_sender: Flask, exception: BaseException, **_extra: object) -> None:
        raised.append(exception)

    with (
        got_request_exception.connected_to(keep, app),
        caplog.at_level(logging.INFO, logger=app.logger.name),
    ):
        response = app.test_client().get("/refused-row-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    reference = re.search(r"quote reference <strong>([0-9A-F]{8})</strong>", html)
    assert reference is not None and marker not in html
    (error,) = raised
    if app.config["DATABASE_URL"].startswith("postgresql"):
        assert marker in str(error)  # what would have reached the log
        code = "CheckViolation (23514)"
    else:
        code = "IntegrityError (SQLITE_CONSTRAINT_CHECK)"
    assert reference.group(1) in caplog.text
    assert code in caplog.text
    assert "tests/web/test_logs.py" not in caplog.text  # only the application's own frames
    assert marker not in caplog.text
    assert "Traceback" not in caplog.text
