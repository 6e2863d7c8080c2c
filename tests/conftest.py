"""Fixtures shared by every test.

Database tests run on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL as well: the
``database_url`` fixture is parametrised over both. Each SQLite test gets a fresh file copied from
a migrated template; PostgreSQL gets one database per run (created here, migrated once, dropped at
the end) whose tables are emptied before each test.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel, select
from werkzeug.test import TestResponse

from audit_app import create_app, migrate
from audit_app.db import get_engine, session_scope
from audit_app.models import AuditEvent, AuditKind, LearningTheme, Organisation, table_of, utcnow
from audit_app.services.kinds import DEFAULT_KINDS
from audit_app.services.learning import DEFAULT_THEMES
from tests.builders import PASSWORD, add_user

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not TEST_DATABASE_URL:
        raise pytest.UsageError("CI must set TEST_DATABASE_URL so that PostgreSQL is tested too")


def pytest_report_header(config: pytest.Config) -> str:
    return f"database backends: {', '.join(BACKENDS)}"


# Marks by folder, for `make test-fast` to leave out (`-m "not browser and not slow"`); `make test`
# deselects nothing. Slow: the fault tests, which serve the app with gunicorn and kill or pause it,
# and the calendar tests, which seed the demo on each of the days that break dates.
MARKS_BY_FOLDER = {"browser": "browser", "faults": "slow", "calendar": "slow"}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by these marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).resolve().parent
    for item in items:
        try:
            folder = item.path.relative_to(tests).parts[0]
        except ValueError:
            continue
        if folder in MARKS_BY_FOLDER:
            item.add_marker(MARKS_BY_FOLDER[folder])


class SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory for the whole run, for every app a test makes.

    Each test makes its own app, whose Jinja environment would otherwise compile every template
    it renders again: most of a web test's time. Jinja checks each template's source against the
    checksum kept with its code, so a changed template is compiled afresh.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def pytest_sessionstart(session: pytest.Session) -> None:
    # Flask passes jinja_options to each app's environment when it is made.
    Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": SharedTemplateCode()}


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    if not TEST_DATABASE_URL:
        pytest.fail("TEST_DATABASE_URL is not set")
    return TEST_DATABASE_URL


def _outside_a_transaction(admin_url: str, statement: str) -> None:
    """Run one statement on the admin database with no transaction (as CREATE DATABASE needs)."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def create_postgres_database(admin_url: str, prefix: str) -> str:
    """Create a uniquely named database next to the admin one; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _outside_a_transaction(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    _outside_a_transaction(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_database(postgres_admin_url: str) -> Iterator[str]:
    """One migrated database for the whole run, dropped at the end."""
    url = create_postgres_database(postgres_admin_url, "case_audit_test")
    try:
        migrate.upgrade(url, configure_logging=False)
        yield url
    finally:
        drop_postgres_database(postgres_admin_url, url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}", configure_logging=False)
    # Fold the write-ahead log into the main file so that copying the file copies everything.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode = DELETE")
    return path


def _empty_tables(url: str) -> None:
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            # The audit trail refuses TRUNCATE; tests (as a superuser) switch its triggers off.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            # What the migrations seed, as a new database has it.
            connection.execute(
                insert(table_of(AuditKind)),
                [
                    {"name": n, "display_name": d, "created_at": utcnow(), "created_by": ""}
                    for n, d in DEFAULT_KINDS
                ],
            )
            connection.execute(
                insert(table_of(LearningTheme)),
                [{"name": n, "created_at": utcnow(), "created_by": ""} for n in DEFAULT_THEMES],
            )
            connection.execute(
                insert(table_of(Organisation)),
                [
                    {
                        "name": "The council",
                        "kind": "council",
                        "is_home": True,
                        "mfa_required": False,
                        "created_at": utcnow(),
                    }
                ],
            )
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database on each backend under test."""
    if request.param == "sqlite":
        path = tmp_path / "audit.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    _empty_tables(url)
    return url


def build_app(database_url: str, instance: Path, *, csrf: bool = False, **settings: str) -> Flask:
    """The application as the tests run it (``APP_ENV=test``) on this database, with any other
    ``settings`` as environment variables; CSRF protection off unless ``csrf``, as in
    production. The caller disposes of its engine."""
    return create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": csrf},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
            # A test that leaves a transaction open fails fast instead of waiting.
            "SQLITE_BUSY_TIMEOUT_MS": "2000",
            **settings,
        },
    )


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = build_app(database_url, tmp_path / "instance")
    yield application
    get_engine(application).dispose()


@pytest.fixture
def csrf_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Like ``app``, on the same database, but with CSRF protection on, as in production."""
    application = build_app(database_url, tmp_path / "instance", csrf=True)
    yield application
    get_engine(application).dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., str]:
    """``add_user`` on this app: ``make_user(username, role, team=..., services=...)``."""
    return functools.partial(add_user, app)


class AuthActions:
    """Signing the test client in and out, as in Flask's tutorial (Flaskr)."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def sign_in(self, username: str, password: str = PASSWORD) -> TestResponse:
        """Sign in as ``username``; fail unless the app accepts it (a redirect)."""
        response = self._client.post("/sign-in", data={"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    def sign_out(self) -> TestResponse:
        """Sign out (whoever is signed in, if anyone)."""
        return self._client.post("/sign-out")

    def switch(self, username: str) -> TestResponse:
        """Sign out, then in as ``username``."""
        self.sign_out()
        return self.sign_in(username)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign ``client`` in and out: ``auth.sign_in(username)``, ``auth.sign_out()``,
    ``auth.switch(username)``."""
    return AuthActions(client)


@pytest.fixture
def sign_in(auth: AuthActions) -> Callable[..., TestResponse]:
    """``auth.sign_in``, under the name most tests use."""
    return auth.sign_in


@pytest.fixture
def signed_in_as_new(
    client: FlaskClient, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> Callable[..., FlaskClient]:
    """``signed_in_as_new(username, role, team=..., services=...)``: add the user and sign
    ``client`` in as them; returns ``client``."""

    def sign_in_new(username: str, role: str, **details: Any) -> FlaskClient:
        sign_in(make_user(username, role, **details))
        return client

    return sign_in_new


@pytest.fixture
def admin_signed_in(signed_in_as_new: Callable[..., FlaskClient]) -> FlaskClient:
    """``client``, signed in as the admin admin1."""
    return signed_in_as_new("admin1", "admin")


@pytest.fixture
def alice_signed_in(signed_in_as_new: Callable[..., FlaskClient]) -> FlaskClient:
    """``client``, signed in as the auditor alice."""
    return signed_in_as_new("alice", "auditor")


def events(app: Flask, action: str) -> list[AuditEvent]:
    """The trail's events with this action, oldest first."""
    with session_scope(app) as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )
