"""The engine's settings: SQLite made safe for concurrent writers, one session per request,
bound values kept out of error messages."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from audit_app.db import make_engine, session_scope
from audit_app.models import Service, User


def _sqlite_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'engine.db'}", sqlite_busy_timeout_ms=10000)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (1, 0)"))
    return engine


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = _sqlite_engine(tmp_path)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    finally:
        engine.dispose()


def test_sqlite_read_then_write_transactions_lose_no_update(tmp_path: Path) -> None:
    """With a deferred BEGIN two workers can both read 0 and both write 1; IMMEDIATE stops it."""
    engine = _sqlite_engine(tmp_path)
    workers, increments = 4, 25
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(increments):
                with engine.begin() as connection:
                    value = connection.execute(text("SELECT value FROM counter")).scalar_one()
                    connection.execute(text("UPDATE counter SET value = :v"), {"v": value + 1})
        except BaseException as exc:  # reported below, with the count
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        with engine.connect() as connection:
            final = connection.execute(text("SELECT value FROM counter")).scalar_one()
    finally:
        engine.dispose()
    assert errors == []
    assert final == workers * increments


def test_session_scope_commits_on_success_and_rolls_back_on_error(app: Flask) -> None:
    with session_scope(app) as session:
        session.add(Service(name="Child Protection"))
    try:
        with session_scope(app) as session:
            session.add(Service(name="Children in Care"))
            session.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with session_scope(app) as session:
        names = list(session.exec(select(Service.name).order_by(Service.name)))
    assert names == ["Child Protection"]


def test_bound_values_are_kept_out_of_database_error_messages(app: Flask) -> None:
    marker = "answer-text-3b8e"
    with session_scope(app) as session:
        session.add(User(username="someone", role="auditor"))
    with pytest.raises(IntegrityError) as refused, session_scope(app) as session:
        # The same username again: refused, with the other values bound to the statement.
        session.add(User(username="someone", role="auditor", display_name=marker))
        session.flush()
    message = str(refused.value)
    assert "INSERT INTO app_user" in message
    assert "[SQL parameters hidden due to hide_parameters=True]" in message
    assert marker not in message


def _can_write_now(path: Path) -> bool:
    """Whether another connection can take SQLite's write lock without waiting."""
    import sqlite3

    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def test_a_transaction_that_wrote_nothing_lets_go_of_the_write_lock(tmp_path: Path) -> None:
    from sqlmodel import Session

    from audit_app.db import release_if_unwritten

    engine = _sqlite_engine(tmp_path)
    path = tmp_path / "engine.db"
    try:
        session = Session(engine, expire_on_commit=False)
        value = session.execute(text("SELECT value FROM counter")).scalar()
        assert value == 0 and not _can_write_now(path)  # BEGIN IMMEDIATE holds it
        assert release_if_unwritten(session)
        assert _can_write_now(path)
        session.execute(text("UPDATE counter SET value = 1"))
        assert not release_if_unwritten(session)  # a write waits for the view's own commit
        assert not _can_write_now(path)
        session.rollback()
        session.close()
    finally:
        engine.dispose()


@pytest.mark.usefixtures("admin_signed_in")
def test_pages_let_go_of_the_write_lock_before_rendering(app: Flask, client: FlaskClient) -> None:
    """A page that only read renders without holding SQLite's write lock."""
    from flask import template_rendered

    from audit_app.db import get_engine

    engine = get_engine(app)
    sqlite = engine.dialect.name == "sqlite"  # PostgreSQL has no database-wide write lock
    free_while_rendering: list[bool] = []

    def _check(_sender: object, **_extra: object) -> None:
        free_while_rendering.append(
            _can_write_now(Path(engine.url.database or "")) if sqlite else True
        )

    with template_rendered.connected_to(_check, app):
        assert client.get("/account").status_code == 200
    assert free_while_rendering and all(free_while_rendering)
