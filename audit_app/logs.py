"""Application logs: one line per event, so that a value cannot forge another log line.

Logs never carry passwords, tokens or answer text: the code logs actions and identifiers only;
what changed is in the audit trail, inside the database, not in the logs.
"""

from __future__ import annotations

import logging

from flask import Flask


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


def init_app(app: Flask) -> None:
    """Attach the filter once: the application's logger is shared by every app instance."""
    if not any(isinstance(f, OneLineFilter) for f in app.logger.filters):
        app.logger.addFilter(OneLineFilter())
