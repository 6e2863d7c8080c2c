"""Logged values cannot forge log lines, and errors show a reference, never a traceback."""

from __future__ import annotations

import logging

import pytest
from flask import Flask


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
