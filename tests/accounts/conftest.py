"""Fixtures for the accounts tests: a signed-in alice, an app that hashes as production does, and
small helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import get_engine, session_scope
from audit_app.models import User
from audit_app.services.accounts import find_user
from audit_app.services.users import UserRow, user_row
from tests.builders import PASSWORD
from tests.conftest import build_app, events

__all__ = [
    "MakeUser",
    "SignIn",
    "assert_sent_to_sign_in",
    "csrf_token",
    "events",
    "new_user_form",
    "stored_row",
    "stored_user",
]

# The shared ``make_user`` and ``sign_in`` fixtures, as annotations.
MakeUser = Callable[..., str]
SignIn = Callable[..., Any]


CSRF_FIELD = re.compile(r'name="([\w-]*csrf_token)"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token on the page at ``path``."""
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(2)


def new_user_form(**overrides: object) -> dict[str, object]:
    """The admin's form for a new auditor, newbie, with ``overrides`` (None leaves a field out)."""
    data: dict[str, object] = {
        "username": "newbie",
        "display_name": "New Auditor",
        "role": "auditor",
        "team": "",
        "password": PASSWORD,
        "confirm_password": PASSWORD,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def assert_sent_to_sign_in(response: TestResponse) -> None:
    """The response sends the browser to the sign-in page: nobody is signed in."""
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def stored_user(app: Flask, username: str) -> User | None:
    with session_scope(app) as session:
        return session.exec(select(User).where(User.username == username)).first()


def stored_row(app: Flask, username: str) -> UserRow:
    """The user as the admin pages show them: with their team and managed services."""
    with session_scope(app) as session:
        user = find_user(username, session=session)
        assert user is not None, f"no user called {username}"
        return user_row(user, session=session)


@pytest.fixture
def costly_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The test app, hashing as production does (ARGON2_* defaults)."""
    application = build_app(database_url, tmp_path / "instance")
    application.config["PASSWORD_HASH_FAST"] = False
    yield application
    get_engine(application).dispose()
