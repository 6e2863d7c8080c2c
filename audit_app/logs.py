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
        message = record.getMessage()
        record.msg = message.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")
        record.args = None
        return True


def init_app(app: Flask) -> None:
    one_line = OneLineFilter()
    app.logger.addFilter(one_line)
    for handler in app.logger.handlers:
        handler.addFilter(one_line)
