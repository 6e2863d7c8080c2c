"""Fixtures for the accounts tests: an application with CSRF protection on, and small helpers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app import create_app
from audit_app.db import get_engine, session_scope
from audit_app.models import AuditEvent, User
from audit_app.services.accounts import find_user
from audit_app.services.users import UserRow, user_row
from tests.conftest import ROOT

# The shared ``make_user`` and ``sign_in`` fixtures, as annotations.
MakeUser = Callable[..., str]
SignIn = Callable[..., Any]


@pytest.fixture
def csrf_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Like the shared ``app`` fixture, but with CSRF protection on, as in production."""
    application = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": True},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
            "SQLITE_BUSY_TIMEOUT_MS": "2000",
        },
    )
    yield application
    get_engine(application).dispose()


CSRF_FIELD = re.compile(r'name="([\w-]*csrf_token)"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token on the page at ``path``."""
    match = CSRF_FIELD.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(2)


def stored_user(app: Flask, username: str) -> User | None:
    with session_scope(app) as session:
        return session.exec(select(User).where(User.username == username)).first()


def stored_row(app: Flask, username: str) -> UserRow:
    """The user as the admin pages show them: with their team and managed services."""
    with session_scope(app) as session:
        user = find_user(username, session=session)
        assert user is not None, f"no user called {username}"
        return user_row(user, session=session)


def events(app: Flask, action: str) -> list[AuditEvent]:
    with session_scope(app) as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
