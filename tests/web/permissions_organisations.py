"""Permission rows for Admin > Organisations (the home organisation's admins only), and the
partner organisation of the matrix: its people (``PARTNERS`` in ``permission_kinds.py``) and
one record of each kind, so that every route is tried by the people of both organisations.

The world gains the partner organisation "Metropolitan Police" with its own service and team,
its auditor, group manager, admin and viewer, a case of its own with a submitted audit (an open
action, an unacknowledged concern), another with a draft audit and an allocation, and one not
audited: the
placeholders ``{partner_submitted}``, ``{partner_draft}``, ``{partner_action}``,
``{partner_concern}``, ``{partner_allocation}`` and ``{partner_user}``.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Allocation, SafeguardingConcern, utcnow
from audit_app.services import actions as action_service
from audit_app.services import audits as audit_service
from tests.builders import actor_for, add_user, make_case, submitted_audit
from tests.web.permission_kinds import ADMIN_ONLY, PARTNER_ORGANISATION

PARTNER_TEAM = "Public Protection 1"
PARTNER_SUBMITTED_CASE = "P-900"
PARTNER_DRAFT_CASE = "P-901"
PARTNER_UNAUDITED_CASE = "P-902"

ROWS = {
    "admin.organisations": [
        ("GET", "/admin/organisations", ADMIN_ONLY),
        ("POST", "/admin/organisations", ADMIN_ONLY),
    ],
}

HOME_ONLY = set(ROWS)


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """The partner organisation, its people and its records."""
    add_user(
        app, "partner_auditor", "auditor", team=PARTNER_TEAM, organisation=PARTNER_ORGANISATION
    )
    add_user(
        app,
        "partner_manager",
        "manager",
        services=(f"{PARTNER_ORGANISATION} service",),
        organisation=PARTNER_ORGANISATION,
    )
    add_user(app, "partner_admin", "admin", organisation=PARTNER_ORGANISATION)
    add_user(app, "partner_viewer", "viewer", organisation=PARTNER_ORGANISATION)
    make_case(app, PARTNER_SUBMITTED_CASE, team=PARTNER_TEAM)
    make_case(app, PARTNER_DRAFT_CASE, team=PARTNER_TEAM)
    make_case(app, PARTNER_UNAUDITED_CASE, team=PARTNER_TEAM)
    submitted = submitted_audit(app, "partner_auditor", PARTNER_SUBMITTED_CASE, rate=1.0)
    actor = actor_for(app, "partner_auditor")
    with app.app_context(), session_scope(app) as session:
        draft = audit_service.start_audit(
            "journey-audit", PARTNER_DRAFT_CASE, actor, session=session
        )
        audit_file = audit_service.load_audit(submitted, actor, session=session)
        tomorrow = utcnow().date() + timedelta(days=1)
        action = action_service.add_action(
            audit_file,
            description="Share the chronology.",
            for_whom="record",
            owner="PC1",
            due=(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)),
            actor=actor,
            session=session,
            today=utcnow().date(),
        )
        audit_service.raise_concern(audit_file, "No contact for ten weeks.", actor, session=session)
        concern = session.exec(
            select(SafeguardingConcern.id).where(SafeguardingConcern.audit_id == submitted)
        ).one()
        allocation = Allocation(
            case_id=draft.case_id,
            questionnaire_id="journey-audit",
            auditor_id=actor.person_id,
            due=date(2099, 1, 31),
        )
        session.add(allocation)
        session.flush()
        return {
            "partner_submitted": submitted,
            "partner_draft": draft.id,
            "partner_action": action.id,
            "partner_concern": concern,
            "partner_allocation": allocation.id,
            "partner_user": actor.person_id,
        }
