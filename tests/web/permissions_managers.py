"""Permission-matrix rows for the group managers' pages: moderation, actions, concerns, voice.

The world gains a submitted audit of another Child Protection case (due for moderation), an open
action on it and an unacknowledged safeguarding concern: ``{submitted}``, ``{action}`` and
``{concern}``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import SafeguardingConcern, utcnow
from audit_app.services import actions as action_service
from audit_app.services import audits as audit_service
from tests.builders import actor_for, make_case, submitted_audit
from tests.web.permission_kinds import expect


def _rows() -> dict[str, list[tuple[str, str, dict[str, str]]]]:
    managers_of_the_service = expect("forbidden", manager_own="ok", manager_other="missing")
    auditor_or_manager = expect(
        "missing", auditor="ok", manager_own="ok", viewer="forbidden", admin="forbidden"
    )
    own_audit = expect("missing", auditor="ok", viewer="forbidden", admin="forbidden")
    concern_readers = expect("forbidden", manager_own="ok", manager_other="missing", admin="ok")
    return {
        "moderation.queue": [
            (
                "GET",
                "/moderation",
                expect("forbidden", manager_own="ok", manager_other="ok", admin="ok"),
            )
        ],
        "moderation.request_moderation": [
            ("POST", "/moderation/audits/{submitted}/request", managers_of_the_service)
        ],
        "moderation.start": [
            ("POST", "/moderation/audits/{submitted}/start", managers_of_the_service)
        ],
        "moderation.grades": [
            ("GET", "/moderation/audits/{submitted}", managers_of_the_service),
            ("POST", "/moderation/audits/{submitted}", managers_of_the_service),
        ],
        "moderation.outcome": [
            ("GET", "/moderation/audits/{submitted}/outcome", managers_of_the_service),
            ("POST", "/moderation/audits/{submitted}/outcome", managers_of_the_service),
        ],
        "moderation.close": [
            ("POST", "/moderation/audits/{submitted}/close", managers_of_the_service)
        ],
        # Admins may acknowledge every concern; the safeguarding fallback (none here) those of
        # services without an active manager.
        "moderation.acknowledge": [
            ("GET", "/concerns/{concern}/acknowledge", concern_readers),
            ("POST", "/concerns/{concern}/acknowledge", concern_readers),
        ],
        "actions.index": [("GET", "/actions", expect("ok", viewer="forbidden"))],
        "actions.new": [
            ("GET", "/audits/{submitted}/actions/new", auditor_or_manager),
            ("POST", "/audits/{submitted}/actions/new", auditor_or_manager),
        ],
        "actions.complete": [
            ("GET", "/actions/{action}/complete", auditor_or_manager),
            ("POST", "/actions/{action}/complete", auditor_or_manager),
        ],
        "actions.cancel": [("GET", "/actions/{action}/cancel", auditor_or_manager)],
        "audits.voice": [
            ("GET", "/audits/{submitted}/voice", own_audit),
            ("POST", "/audits/{submitted}/voice", own_audit),
        ],
    }


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """A submitted audit due for moderation, with an open action and an open concern."""
    make_case(app, "100830")
    audit_id = submitted_audit(app, "auditor", "100830", rate=1.0)
    actor = actor_for(app, "auditor")
    with app.app_context(), session_scope(app) as session:
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        tomorrow = utcnow().date() + timedelta(days=1)
        action = action_service.add_action(
            audit_file,
            description="Update the chronology.",
            for_whom="record",
            owner="SW1",
            due=(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)),
            actor=actor,
            session=session,
            today=utcnow().date(),
        )
        audit_service.raise_concern(audit_file, "No visit for nine weeks.", actor, session=session)
        concern_id = session.exec(
            select(SafeguardingConcern.id).where(SafeguardingConcern.audit_id == audit_id)
        ).one()
    return {"submitted": audit_id, "action": action.id, "concern": concern_id}


ROWS = _rows()
