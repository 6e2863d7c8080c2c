"""Backups: SQLite's online backup API, or PostgreSQL's own pg_dump and pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import URL, make_url

from audit_app.services.errors import Refused


class BackupError(Refused, RuntimeError):
    """A backup or restore that cannot be done; the message says why."""


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The database as pg_dump understands it, with the password kept out of the process list."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    # Built afresh: ``URL.set(password=None)`` would leave the password where it was.
    plain = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    )
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools")
    return path


def create(engine: Engine, destination: Path) -> str:
    """Write a backup of the whole database to ``destination``; return how it was made."""
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose a new file name")
    url = engine.url
    if url.get_backend_name() == "sqlite":
        # Consistent even while the app keeps writing: SQLite copies a snapshot.
        return _sqlite_copy(sqlite3.connect(url.database or ""), destination)
    target_url, env = _libpq(url.render_as_string(hide_password=False))
    result = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={destination}", target_url],
        capture_output=True,
        text=True,
        env=env,
    )
    if result.returncode != 0:
        destination.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    return "pg_dump (custom format)"


def _sqlite_copy(source: sqlite3.Connection, target_file: str | Path) -> str:
    """Copy the open SQLite database into ``target_file`` and close both; how it was made."""
    target = sqlite3.connect(target_file)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
    return "SQLite online backup API"


def restore(engine: Engine, source: Path) -> str:
    """Restore a backup into an empty database only; refuse otherwise."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    tables = inspect(engine).get_table_names()
    if tables:
        raise BackupError(
            f"The database is not empty (it has {len(tables)} tables): restore only into a new, "
            "empty database, so that nothing is overwritten"
        )
    url = engine.url
    if url.get_backend_name() == "sqlite":
        engine.dispose()
        try:
            backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            backup.execute("PRAGMA schema_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a SQLite backup: {error}") from None
        return _sqlite_copy(backup, url.database or "")
    target_url, env = _libpq(url.render_as_string(hide_password=False))
    result = subprocess.run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            f"--dbname={target_url}",
            str(source),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    return "pg_restore"
