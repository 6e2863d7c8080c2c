"""The home page: what each person starts with, by role.

Everyone sees the questionnaires in use. Whoever may see safeguarding concerns sees the open
ones. Auditors and managers see their allocations, their drafts, their submitted audits and those
returned to them; a manager also sees the moderation queue and the open actions of their
services, an auditor the open actions on their own audits.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from audit_app.core.lifecycle import DRAFT, EDITABLE
from audit_app.core.roles import AUDITORS
from audit_app.services import actions as action_service
from audit_app.services import allocations as allocation_service
from audit_app.services import audits as audit_service
from audit_app.services import calibration as calibration_service
from audit_app.services import concerns as concern_service
from audit_app.services import grants
from audit_app.services import moderation as moderation_service
from audit_app.services.actor import Actor
from audit_app.services.questionnaires import current_versions


def home_page(actor: Actor, *, session: Session, today: date, blind: bool) -> dict[str, object]:
    """What the home page shows this person, by name. What their role does not see is left out,
    not empty: the page asks whether each list is there."""
    page: dict[str, object] = {"versions": current_versions(session=session)}
    if concern_service.could_see_concerns(actor):
        # Managers see their services' concerns, admins every concern, and the safeguarding
        # fallback (whatever their role) those of services without an active manager.
        page["concerns"] = concern_service.open_concerns(actor, session=session)
    if actor.role in AUDITORS:
        page.update(_own_work(actor, session=session))
        if actor.role == "manager":
            page["queue"] = moderation_service.queue(actor, session=session, blind=blind)
            page["blind"] = blind
            page["open_actions"] = action_service.open_actions(actor, session=session, today=today)
        else:
            page["my_actions"] = action_service.open_actions(actor, session=session, today=today)
    return page


def _own_work(actor: Actor, *, session: Session) -> dict[str, object]:
    """An auditor's (or a manager's) own audits: allocated, in draft, submitted and returned."""
    mine = grants.as_seen(
        actor, audit_service.audits_of_auditor(actor.person_id, session=session), session=session
    )
    returned = moderation_service.returned_to_auditor(actor.person_id, session=session)
    return {
        "allocations": allocation_service.allocations_for_auditor(actor.person_id, session=session),
        "drafts": [a for a in mine if a.status == DRAFT],
        "submitted": [a for a in mine if a.status not in EDITABLE],
        "returned": grants.as_seen(actor, returned, session=session),
        "exercises": calibration_service.exercises_for_member(actor, session=session),
        "visits": grants.visits(actor, session=session),
    }
