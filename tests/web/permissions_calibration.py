"""Permission rows for calibration exercises: the QA lead (an admin) runs them; an exercise's
page is for the lead and its auditors; others are told there is no such exercise."""

from __future__ import annotations

from flask import Flask

from audit_app.db import session_scope
from audit_app.models import SecondAudit
from audit_app.services import calibration as calibration_service
from tests.builders import actor_for
from tests.web.permission_kinds import ADMIN_ONLY, expect

EXERCISE = "/calibration/{exercise}"

# In the exercise: "auditor" alone (with "manager_own", a manager auditing too).
# The agreement page and its export: the QA lead and every group manager.
LEAD_AND_MANAGERS = expect("forbidden", manager_own="ok", manager_other="ok", admin="ok")

MEMBERS = expect("missing", auditor="ok", manager_own="ok", admin="ok", viewer="forbidden")


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """An exercise on case 100824 with the journey questionnaire, for auditor and manager_own;
    and the draft taken as a first audit whose second audit waits for the QA lead."""
    with app.app_context(), session_scope(app) as session:
        session.add(
            SecondAudit(first_audit_id=places["draft"], seed="0" * 32, draw=0.0, rate=1.0)  # type: ignore[arg-type]
        )
        exercise = calibration_service.create_exercise(
            "Calibration",
            "100824",
            "journey-audit",
            [actor_for(app, "auditor").person_id, actor_for(app, "manager_own").person_id],
            actor_for(app, "admin"),
            session=session,
        )
    return {"exercise": exercise.id, "first": places["draft"]}


ROWS = {
    "calibration.index": [("GET", "/calibration", ADMIN_ONLY)],
    "calibration.new": [
        ("GET", "/calibration/new", ADMIN_ONLY),
        ("POST", "/calibration/new", ADMIN_ONLY),
    ],
    "calibration.show": [("GET", EXERCISE, MEMBERS)],
    "calibration.start": [
        (
            "POST",
            f"{EXERCISE}/start",
            expect(
                "missing", auditor="ok", manager_own="ok", admin="forbidden", viewer="forbidden"
            ),
        )
    ],
    "calibration.agreed": [
        ("GET", f"{EXERCISE}/agreed", ADMIN_ONLY),
        ("POST", f"{EXERCISE}/agreed", ADMIN_ONLY),
    ],
    "calibration.reveal": [("POST", f"{EXERCISE}/reveal", ADMIN_ONLY)],
    "calibration.second_audits": [("GET", "/calibration/second-audits", ADMIN_ONLY)],
    # An empty form: 400, naming the missing auditor.
    "calibration.assign_second_audit": [
        ("POST", "/calibration/second-audits/{first}/assign", ADMIN_ONLY)
    ],
    "calibration.agreement": [("GET", "/calibration/agreement", LEAD_AND_MANAGERS)],
    "calibration.agreement_csv": [("GET", "/calibration/agreement.csv", LEAD_AND_MANAGERS)],
}

HOME_ONLY = set(ROWS)  # the home organisation's alone: a partner's people get 403
