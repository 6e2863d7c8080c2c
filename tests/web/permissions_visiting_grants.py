"""Permission rows for Admin > Grants: the home organisation's admins (the QA lead) make and
change grants to visiting auditors; a partner organisation's admins only read their own
people's grants. The world gains a batch with one grant of case 100824 to the partner's
auditor, whose window has ended: ``{batch}`` and ``{grant}``."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import User
from audit_app.services import grant_batches
from tests.builders import actor_for
from tests.web.permission_kinds import ADMIN_ONLY, expect

ROWS = {
    "admin.grants": [
        ("GET", "/admin/grants", ADMIN_ONLY),
        ("POST", "/admin/grants", expect("forbidden", admin="ok", partner_admin="forbidden")),
    ],
    "admin.grant_batch": [
        ("GET", "/admin/grants/{batch}", ADMIN_ONLY),
        ("POST", "/admin/grants/{batch}", ADMIN_ONLY),
    ],
    "admin.grant_window": [
        ("GET", "/admin/grants/{batch}/grants/{grant}/window", ADMIN_ONLY),
        ("POST", "/admin/grants/{batch}/grants/{grant}/window", ADMIN_ONLY),
    ],
    "admin.grant_revoke": [
        ("POST", "/admin/grants/{batch}/grants/{grant}/revoke", ADMIN_ONLY),
    ],
}

HOME_ONLY = {"admin.grant_batch", "admin.grant_window", "admin.grant_revoke"}


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """A batch granting the partner's auditor case 100824 in 2020 (long ended)."""
    actor = actor_for(app, "admin")
    with app.app_context(), session_scope(app) as session:
        batch = grant_batches.make_batch(
            "Cross-borough audit", "cross_borough", True, actor, session=session
        )
        visitor = session.exec(select(User).where(User.username == "partner_auditor")).one()
        (grant,) = grant_batches.add_grants(
            batch,
            str(visitor.id),
            "100824",
            (("1", "3", "2020"), ("31", "3", "2020")),
            actor,
            session=session,
        )
        return {"batch": batch.id, "grant": grant.id}
