"""Permission rows for audit programmes: planned, drawn and followed by admins (who manage
allocations) only."""

from __future__ import annotations

from datetime import date

from flask import Flask

from audit_app.db import session_scope
from audit_app.services import programmes as programme_service
from tests.builders import actor_for
from tests.web.permission_kinds import ADMIN_ONLY

PROGRAMME = "/programmes/{programme}"


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """A practice week of the journey questionnaire, by team, with no quota yet."""
    with app.app_context(), session_scope(app) as session:
        programme = programme_service.plan_programme(
            programme_service.PlanValues(
                name="Practice week",
                kind="practice_week",
                questionnaire_id="journey-audit",
                start=date(2099, 1, 4),
                end=date(2099, 1, 8),
                strata_by="team",
            ),
            session=session,
            actor=actor_for(app, "admin"),
        )
    return {"programme": programme.id}


ROWS = {
    "programmes.index": [("GET", "/programmes", ADMIN_ONLY)],
    "programmes.new": [
        ("GET", "/programmes/new", ADMIN_ONLY),
        ("POST", "/programmes/new", ADMIN_ONLY),
    ],
    "programmes.show": [("GET", PROGRAMME, ADMIN_ONLY)],
    "programmes.quotas": [("POST", f"{PROGRAMME}/quotas", ADMIN_ONLY)],
    "programmes.case_list": [("POST", f"{PROGRAMME}/cases", ADMIN_ONLY)],
    "programmes.draw": [("POST", f"{PROGRAMME}/draw", ADMIN_ONLY)],
    "programmes.coverage": [("GET", f"{PROGRAMME}/coverage", ADMIN_ONLY)],
    "programmes.not_audited": [("GET", "/programmes/not-audited", ADMIN_ONLY)],
}

HOME_ONLY = set(ROWS)  # the home organisation's alone: a partner's people get 403
