"""Permission-matrix rows for seeing and ending sessions, and resetting two-factor
authentication.

The world gains an open session of the auditor's on another device: ``{auditor_session}``. Only
the auditor may end it; to everyone else it does not exist.
"""

from __future__ import annotations

import secrets

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import User, UserSession
from tests.web.permission_kinds import ADMIN_ONLY, expect

ROWS: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    "auth.end_session": [
        ("POST", "/account/sessions/{auditor_session}/end", expect("missing", auditor="ok"))
    ],
    "admin.user_mfa_reset": [("POST", "/admin/users/{user}/two-factor/reset", ADMIN_ONLY)],
    "admin.user_sessions_end": [("POST", "/admin/users/{user}/sessions/end", ADMIN_ONLY)],
}


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """An open session of the auditor's, as if on a phone."""
    with session_scope(app) as session:
        auditor = session.exec(select(User).where(User.username == "auditor")).one()
        row = UserSession(
            token_sha256=secrets.token_hex(32),
            user_id=auditor.id,  # type: ignore[arg-type]
            remote_addr="192.0.2.50",
        )
        session.add(row)
        session.flush()
        return {"auditor_session": row.id}
