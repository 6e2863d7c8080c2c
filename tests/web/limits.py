"""What the per-person limits on exports and report pages answer past the limit."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import PASSWORD
from tests.steps import signed_in_client


def two_viewers(app: Flask, make_user: Callable[..., str]) -> FlaskClient:
    """The viewers viewer1 and viewer2; returns viewer1's browser, signed in."""
    make_user("viewer1", "viewer")
    make_user("viewer2", "viewer")
    return signed_in_client(app, "viewer1", PASSWORD)


def assert_refused_for_now(response: TestResponse, *messages: str, within: int) -> None:
    """A 429 HTML page that says ``messages`` and asks to come back within ``within`` seconds."""
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    for message in messages:
        assert message in text
    assert 0 < int(response.headers["Retry-After"]) <= within
    assert response.headers["Content-Type"].startswith("text/html")
