"""Health checks for the load balancer: /healthz (the process is up) and /readyz (it can serve)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from audit_app.auth import public
from audit_app.db import get_session

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
@public
def healthz() -> Response:
    """The process is up. Says nothing about the database, so it never flaps with it."""
    return jsonify(status="ok")


@bp.get("/readyz")
@public
def readyz() -> tuple[Response, int]:
    """The database answers and its schema is at the latest migration."""
    try:
        # The request's own session: on SQLite a second connection would wait for its lock.
        connection = get_session().connection()
        connection.execute(text("SELECT 1"))
        from audit_app import migrate  # Alembic is large: loaded by the first readiness check

        at_head = migrate.is_at_head(connection)
    except SQLAlchemyError:
        current_app.logger.warning("Readiness check: the database is unreachable")
        return jsonify(status="unavailable", database="unreachable"), 503
    if not at_head:
        return jsonify(status="unavailable", database="migrations pending"), 503
    return jsonify(status="ok", database="ok"), 200
