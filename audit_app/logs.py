"""Application logs: one line per event, so that a value cannot forge another log line.

Logs never carry passwords, tokens or answer text: the code logs actions and identifiers only;
what changed is in the audit trail, inside the database, not in the logs. Database errors are
logged by class and code, never with the server's message, which can quote a refused row.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import DBAPIError

APP_DIR = Path(__file__).resolve().parent


class OneLineFilter(logging.Filter):
    """Encode line breaks in the message and its values (CWE-117, log injection)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "one_line", False):
            return True  # already encoded (a record can pass more than one filter)
        message = record.getMessage()
        record.msg = message.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
        record.args = None
        record.one_line = True
        return True


def database_error_in(error: BaseException) -> BaseException | None:
    """The database driver's error in this exception or in what caused it, if there is one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError):
            return current
        current = current.__cause__ or current.__context__
    return None


def describe_database_error(error: BaseException) -> str:
    """A database error's class and code, never its message.

    The server's message can quote the row it refused (PostgreSQL's ``DETAIL: Failing row
    contains (...)``), and so carry answer text or a password hash. The SQLSTATE code (PostgreSQL)
    or the error name (SQLite) says what went wrong without it.
    """
    original = getattr(error, "orig", None) or error
    code = getattr(original, "sqlstate", None) or getattr(original, "sqlite_errorname", None)
    return f"{type(original).__name__} ({code or 'no code'})"


def application_frames(error: BaseException) -> str:
    """Where in the application's own code an error happened: files, lines and functions only."""
    frames = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(APP_DIR):
            frames.append(f"{path.relative_to(APP_DIR.parent)}:{frame.lineno} in {frame.name}")
    return " > ".join(frames) or "outside the application's code"


def init_app(app: Flask) -> None:
    """Attach the filter once: the application's logger is shared by every app instance."""
    if not any(isinstance(f, OneLineFilter) for f in app.logger.filters):
        app.logger.addFilter(OneLineFilter())
