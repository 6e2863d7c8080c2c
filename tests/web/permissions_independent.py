"""Permission rows for the independent auditor's pages: the home admins assign; the independent
auditor re-audits what is assigned to them and challenges it; the case's service's group
managers and the admins respond; the home admins, group managers and viewers read the findings.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from audit_app import clock
from audit_app.db import session_scope
from audit_app.services import independent as independent_service
from tests.builders import actor_for, make_case, submitted_audit
from tests.web.permission_kinds import ADMIN_ONLY, expect

ASSIGNED_CASE = "I-1207"


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """A submitted audit of case I-1207 (Child Protection 1) assigned to the independent auditor
    to re-audit, the case assigned to look at, both open today, and a challenge on the audit."""
    make_case(app, ASSIGNED_CASE)
    first = submitted_audit(app, "other_auditor", ASSIGNED_CASE)
    today = clock.today()
    days = (str(today.day), str(today.month), str(today.year))
    later = today + timedelta(days=7)
    window = independent_service.Window(days, (str(later.day), str(later.month), str(later.year)))
    independent, admin = actor_for(app, "independent"), actor_for(app, "admin")
    with app.app_context(), session_scope(app) as session:
        independent_service.assign(
            independent_service.Assignment(
                str(independent.person_id), "Review", [str(first)], ASSIGNED_CASE, window
            ),
            admin,
            session=session,
        )
        audit_file = independent_service.first_record(first, independent, session=session)
        challenge = independent_service.record_challenge(
            audit_file, "", "The plan was not SMART.", independent, session=session
        )
        grant = independent_service.assignments(admin, session=session, today=today)[0].grant
    return {"assigned": first, "challenge": challenge.id, "assignment": grant.id}


INDEPENDENT_ONLY = expect("forbidden", independent="ok")
RESPONDERS = expect(
    "forbidden", manager_own="ok", manager_other="missing", admin="ok", independent="forbidden"
)
FINDINGS = expect("forbidden", manager_own="ok", manager_other="ok", admin="ok", viewer="ok")

ROWS = {
    "independent.assignments": [
        ("GET", "/independent/assignments", ADMIN_ONLY),
        # An empty form: 400, naming what is missing.
        ("POST", "/independent/assignments", ADMIN_ONLY),
    ],
    "independent.assignment": [
        ("GET", "/independent/assignments/{assignment}", ADMIN_ONLY),
        ("POST", "/independent/assignments/{assignment}", ADMIN_ONLY),
    ],
    "independent.revoke": [("POST", "/independent/assignments/{assignment}/revoke", ADMIN_ONLY)],
    "independent.re_audit": [("POST", "/independent/audits/{assigned}/re-audit", INDEPENDENT_ONLY)],
    # Open to read: the case is assigned to look at (the re-audit is not yet submitted).
    "independent.record": [("GET", "/independent/audits/{assigned}", INDEPENDENT_ONLY)],
    "independent.challenge": [
        ("GET", "/independent/audits/{assigned}/challenge", INDEPENDENT_ONLY),
        ("POST", "/independent/audits/{assigned}/challenge", INDEPENDENT_ONLY),
    ],
    "independent.respond": [
        ("GET", "/independent/challenges/{challenge}/response", RESPONDERS),
        ("POST", "/independent/challenges/{challenge}/response", RESPONDERS),
    ],
    "independent.findings": [("GET", "/independent/findings", FINDINGS)],
    "independent.findings_csv": [("GET", "/independent/findings.csv", FINDINGS)],
}

HOME_ONLY = set(ROWS)  # the home organisation's alone: a partner's people get 403
