"""The one place that makes the database engine and sessions, and that commits.

Who commits:

- A request has one session (:func:`get_session`, closed at teardown). A view that changes
  anything does it inside ``with changes() as db:``: the block commits once when it ends and
  rolls back, then re-raises, when anything in it raises (a refused input, an ``abort``, a
  database error, which the error handlers in ``web.py`` then answer, 503 for an unreachable
  database). A view that only reads needs no block: on SQLite the write lock is let go before
  rendering (:func:`release_if_unwritten`) and the session is closed at teardown.
- A refusal that must still be kept (a failed sign-in counts towards throttling) is caught
  inside the block, so that it commits; a change that must be kept whatever the next one does
  gets a block of its own, with a comment saying why.
- Around the views, ``web.py`` keeps short transactions of its own: the export limit's check
  (a refusal goes in the trail) and the trail events recorded after a response.
- CLI commands and scripts use :func:`session_scope`, which owns its commit the same way.
- Services and reporting take ``*, session`` and flush, never commit or roll back
  (``tests/unit/test_no_commit_in_services.py`` checks it, and that views never call
  ``commit()`` or ``rollback()`` themselves).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, before_render_template, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

READ_ONLY = "audit_app_read_only"


def make_engine(
    url: str, *, sqlite_busy_timeout_ms: int = 15000, sqlite_mmap_mb: int = 0, echo: bool = False
) -> Engine:
    """Create an engine; on SQLite, make concurrent writers safe (WAL, busy timeout, IMMEDIATE)."""
    parsed = make_url(url)
    # Bound values (answer text, say) never appear in error messages and logs.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": sqlite_busy_timeout_ms / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _make_sqlite_safe(engine, sqlite_busy_timeout_ms, sqlite_mmap_mb)
    return engine


def _make_sqlite_safe(engine: Engine, busy_timeout_ms: int, mmap_mb: int = 0) -> None:
    """SQLAlchemy's documented recipe for SQLite transactions, plus WAL and foreign keys.

    With pysqlite's defaults a transaction begins with a deferred ``BEGIN`` (or not at all before a
    SELECT), so two read-then-write transactions can both read the old row and one update is lost
    or fails late. ``BEGIN IMMEDIATE`` takes the write lock up front; the busy timeout makes the
    second writer wait instead of failing.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
                # Reads through memory mapping: no copy of each page per connection, which
                # makes the reports' large scans markedly faster. Writes are unaffected.
                cursor.execute(f"PRAGMA mmap_size = {int(mmap_mb) * 1024 * 1024}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # A reader: a deferred BEGIN sees one snapshot (WAL) and never blocks a writer.
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        # Rows changed on this connection so far: unchanged at the end means nothing written.
        connection.info[CHANGES_AT_BEGIN] = connection.connection.dbapi_connection.total_changes


CHANGES_AT_BEGIN = "audit_app_changes_at_begin"


def release_if_unwritten(session: Session) -> bool:
    """End the session's SQLite transaction early when it has written nothing; return whether.

    Every SQLite transaction of the application holds the write lock from its start (``BEGIN
    IMMEDIATE``). A page that only read has no need of it while its template renders, and other
    servers' saves wait for it, so the lock is let go before rendering. Objects loaded stay
    usable (sessions do not expire them on commit). PostgreSQL has no such lock: nothing to do.
    """
    if session.get_bind().dialect.name != "sqlite":
        return False
    if not session.is_active or not session.in_transaction():
        return False  # nothing begun, or a failed transaction that the error handling ends
    if session.new or session.dirty or session.deleted:
        return False
    try:
        connection = session.connection()
        changes = connection.connection.dbapi_connection.total_changes
        if changes != connection.info.get(CHANGES_AT_BEGIN):
            return False
        session.commit()
    except SQLAlchemyError:
        return False  # an error page is being drawn: the error's own handling ends it
    return True


def init_app(app: Flask) -> None:
    """Create the application's engine and close the request's session at teardown."""
    engine = make_engine(
        str(app.config["DATABASE_URL"]),
        sqlite_busy_timeout_ms=int(app.config["SQLITE_BUSY_TIMEOUT_MS"]),
        sqlite_mmap_mb=int(app.config.get("SQLITE_MMAP_MB", 0)),
        echo=bool(app.config.get("SQL_ECHO")),
    )
    app.extensions["db_engine"] = engine

    @before_render_template.connect_via(app)
    def _release_before_rendering(_sender: Flask, **_extra: Any) -> None:
        session: Session | None = g.get("db_session")
        if session is not None:
            release_if_unwritten(session)

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_engine(app: Flask | None = None) -> Engine:
    """The application's engine."""
    return (app or current_app).extensions["db_engine"]


def get_session() -> Session:
    """The current request's session, created on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


@contextmanager
def changes() -> Iterator[Session]:
    """The request's unit of work: commit once when the block ends, roll back when it raises.

    Yields the request's session. Whatever raises inside the block (a service's refusal, an
    ``abort``, a database error, a failed commit) rolls back everything since the last commit
    and is raised again, for the view or the error handlers to answer. Blocks are not nested:
    a second change that must be kept whatever the first does goes in a block of its own.
    """
    session = get_session()
    try:
        yield session
        session.commit()
    except BaseException:
        try:
            session.rollback()
        except SQLAlchemyError:
            pass  # the connection is gone: the error being raised is the one to answer
        raise


@contextmanager
def read_only_session(app: Flask | None = None) -> Iterator[Session]:
    """A session for long reads (exports): one snapshot, no write lock, nothing written."""
    engine = get_engine(app)
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":
        options["postgresql_readonly"] = True
    session = Session(engine.execution_options(**options), expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    session = Session(get_engine(app), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
