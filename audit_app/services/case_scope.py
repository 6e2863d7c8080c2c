"""Who may audit which case: the one rule the start of an audit asks (ASVS 8.2.2).

- An auditor audits the cases of their own team's service, and any case allocated to them (the
  monthly peer audits give auditors cases of other teams and services this way).
- A group manager audits the cases of the services they manage (and any case allocated to them).
- A person named in the ``AUDIT_ANY_SERVICE`` setting (a QA lead, say) may audit any case; every
  audit started outside their own services this way is recorded in the trail
  (``audit.outside_services``).
- A visiting auditor of another organisation audits the cases of ours they hold an open grant
  to today (``services/grants.py``), found by the reference their grant shows them.
- Nobody else: admins and viewers do not audit.

A case outside someone's reach is answered exactly as a case that does not exist: one statement
looks for the case within reach, so the two are never told apart, and take the same work.

An agency's return to a multi-agency audit is the one way a person of another organisation
audits a case of ours: ``return_to_audit`` lets the agency's auditors and group managers audit
the return's case, on the return's questionnaire version, while the multi-agency audit is open,
and gives them nothing else of the case or of its other audits.

A reference of another subject (a worker's supervision file, a carer household, a meeting) sits
in a team as a case does, and the same rules apply to it; a reference is looked for among its
questionnaire's subject only.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, or_, select

from audit_app.core.partnership import OPEN
from audit_app.core.roles import AUDITOR, AUDITORS, MANAGER
from audit_app.core.subjects import DEFAULT_SUBJECT
from audit_app.models import AgencyReturn, Allocation, Case, MultiAgencyAudit, Team, User
from audit_app.services import grants, visibility
from audit_app.services.actor import Actor

ANY_SERVICE_SETTING = "AUDIT_ANY_SERVICE"


@dataclass(frozen=True)
class CaseToAudit:
    """A case this person may audit, and whether only ``AUDIT_ANY_SERVICE`` lets them."""

    case: Case
    outside_services: bool = False
    # A case of another organisation, which only the person's open grant lets them audit.
    granted: bool = False


def any_service_usernames() -> tuple[str, ...]:
    """The ``AUDIT_ANY_SERVICE`` usernames of the running app (none outside one)."""
    if has_app_context():
        return tuple(current_app.config.get(ANY_SERVICE_SETTING, ()))
    return ()


def may_audit_any_service(actor: Actor, any_service: Collection[str] | None = None) -> bool:
    """Whether the person may audit outside their services: someone who audits, named in the
    setting (``any_service`` stands in for it)."""
    names = any_service_usernames() if any_service is None else any_service
    return actor.role in AUDITORS and actor.username in names


def case_to_audit(
    reference: str,
    actor: Actor,
    *,
    session: Session,
    any_service: Collection[str] | None = None,
    subject: str = DEFAULT_SUBJECT,
) -> CaseToAudit | None:
    """The case (or other subject) with this reference if the person may audit it; None when
    there is no such case and when it is not theirs to audit, alike."""
    case = session.exec(_within_reach(reference, actor, subject)).first()
    if case is not None:
        return CaseToAudit(case)
    granted = grants.granted_case(reference, actor, session=session, subject=subject)
    if granted is not None:
        return CaseToAudit(granted, granted=True)
    if not may_audit_any_service(actor, any_service):
        return None
    case = session.exec(
        select(Case).where(
            Case.case_ref == reference, Case.subject == subject, visibility.cases_seen(actor)
        )
    ).first()
    return None if case is None else CaseToAudit(case, outside_services=True)


def _within_reach(reference: str, actor: Actor, subject: str) -> Any:
    """The case with the reference, if it is in the person's services or allocated to them."""
    allocated = (
        select(Allocation.id)
        .where(Allocation.case_id == Case.id, Allocation.auditor_id == actor.id)
        .exists()
    )
    return (
        select(Case)
        .join(Team, col(Team.id) == Case.team_id)
        .where(
            Case.case_ref == reference,
            Case.subject == subject,
            visibility.cases_seen(actor),
            or_(col(Team.service_id).in_(_own_services(actor)), allocated),
        )
    )


def _own_services(actor: Actor) -> Any:
    """The services whose cases the person audits: their team's (an auditor), the ones they
    manage (a manager), none for anyone else."""
    if actor.role == MANAGER:
        return sorted(actor.managed_service_ids)
    if actor.role == AUDITOR and actor.id is not None:
        own_team = aliased(Team)
        return (
            select(own_team.service_id)
            .join(User, col(User.team_id) == own_team.id)
            .where(User.id == actor.id)
        )
    return []


def return_to_audit(return_id: int, actor: Actor, *, session: Session) -> AgencyReturn | None:
    """The agency's return if this person may audit it: an auditor or group manager of the
    return's agency, while its multi-agency audit is open; None otherwise, and for no such
    return alike."""
    agency_return = session.get(AgencyReturn, return_id)
    if agency_return is None or actor.role not in AUDITORS:
        return None
    if actor.organisation_id is None or actor.organisation_id != agency_return.organisation_id:
        return None
    multi_agency = session.get(MultiAgencyAudit, agency_return.multi_agency_audit_id)
    if multi_agency is None or multi_agency.status != OPEN:
        return None
    return agency_return
