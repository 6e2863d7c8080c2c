"""Keeping a session open from a page: the timeout warning's "Stay signed in" button."""

from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

from audit_app.auth import ALL_ROLES, role_required

bp = Blueprint("session", __name__)


@bp.post("/session/keep-alive")
@role_required(*ALL_ROLES)
def keep_alive() -> Response:
    """Nothing to do here: every signed-in request records its time, which starts the idle time
    again. 204 so that the page, which asked with script, stays as it is."""
    return Response(status=204)
