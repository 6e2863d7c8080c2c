"""Which records a person may see, by organisation: the conditions every list, audit page,
report, drill-down and export applies (docs/design/multi-agency.md, decision 2).

A person sees their own organisation's records, within their role's rules (``may_see`` in
``services/audits.py``, ``case_scope.py``, the reports' ``Scope``), and nothing of another
organisation's. Cases belong to a team, so to a service, so to an organisation; an audit to its
auditor's organisation when it was started; people to their organisation.

An actor with no organisation (the command line, the tool itself) acts on the whole database:
every condition here is then true.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import true
from sqlmodel import Session, col, select

from audit_app.core.partnership import OPEN
from audit_app.models import (
    Audit,
    Case,
    MultiAgencyAudit,
    Organisation,
    PanelMember,
    Service,
    Team,
    User,
)
from audit_app.services.actor import Actor


def is_limited(actor: Actor) -> bool:
    """Whether the person is limited to one organisation (everyone signed in)."""
    return actor.organisation_id is not None


def own_service_ids(actor: Actor) -> Any:
    """The ids of the services of the person's organisation, as a subquery."""
    return select(Service.id).where(Service.organisation_id == actor.organisation_id)


def own_team_ids(actor: Actor) -> Any:
    """The ids of the teams of the person's organisation's services, as a subquery."""
    return (
        select(Team.id)
        .join(Service, col(Service.id) == Team.service_id)
        .where(Service.organisation_id == actor.organisation_id)
    )


def audits_seen(actor: Actor) -> Any:
    """The condition on ``audit``: an audit of the person's organisation."""
    if not is_limited(actor):
        return true()
    return col(Audit.organisation_id) == actor.organisation_id


def cases_seen(actor: Actor) -> Any:
    """The condition on ``case_file``: a case of a team of the person's organisation."""
    if not is_limited(actor):
        return true()
    return col(Case.team_id).in_(own_team_ids(actor))


def services_seen(actor: Actor) -> Any:
    """The condition on ``service``: one of the person's organisation."""
    if not is_limited(actor):
        return true()
    return col(Service.organisation_id) == actor.organisation_id


def teams_seen(actor: Actor) -> Any:
    """The condition on ``team``: a team of a service of the person's organisation."""
    if not is_limited(actor):
        return true()
    return col(Team.service_id).in_(own_service_ids(actor))


def people_seen(actor: Actor) -> Any:
    """The condition on ``app_user``: a person of the same organisation."""
    if not is_limited(actor):
        return true()
    return col(User.organisation_id) == actor.organisation_id


def may_see_audit(actor: Actor, audit: Audit) -> bool:
    """Whether the audit is of the person's organisation (their role's rules come after)."""
    return not is_limited(actor) or audit.organisation_id == actor.organisation_id


def may_see_person(actor: Actor, user: User) -> bool:
    """Whether the person is of the actor's organisation."""
    return not is_limited(actor) or user.organisation_id == actor.organisation_id


def may_see_team(actor: Actor, team: Team, *, session: Session) -> bool:
    """Whether the team's service is of the person's organisation."""
    if not is_limited(actor):
        return True
    service = session.get(Service, team.service_id)
    return service is not None and service.organisation_id == actor.organisation_id


def report_service_ids(actor: Actor, *, session: Session) -> frozenset[int] | None:
    """The services the person's reports may count: None when their organisation holds every
    service (the usual case, with no partner services), so that reports need no condition."""
    if not is_limited(actor):
        return None
    rows = session.exec(select(Service.id, Service.organisation_id)).all()
    own = frozenset(sid for sid, org in rows if org == actor.organisation_id and sid is not None)
    return None if len(own) == len(rows) else own


def is_home(actor: Actor, *, session: Session) -> bool:
    """Whether the person belongs to the home organisation (the command line counts as it)."""
    if not is_limited(actor):
        return True
    organisation = session.get(Organisation, actor.organisation_id)
    return organisation is not None and organisation.is_home


def is_on_panel(actor: Actor, multi_agency: MultiAgencyAudit, *, session: Session) -> bool:
    """Whether the person is on the multi-agency audit's panel: its coordinator, always, or a
    person an agency named to it."""
    if actor.id is None:
        return False
    if actor.id == multi_agency.coordinator_id:
        return True
    return session.get(PanelMember, (multi_agency.id, actor.id)) is not None


def may_read_return(actor: Actor, audit: Audit, *, session: Session) -> bool:
    """Whether the person reads this agency's return as its multi-agency audit's panel: only
    once the returns are closed (every return is sealed to its own auditor until then), and
    only the panel."""
    if audit.multi_agency_audit_id is None:
        return False
    multi_agency = session.get(MultiAgencyAudit, audit.multi_agency_audit_id)
    if multi_agency is None or multi_agency.status == OPEN:
        return False
    return is_on_panel(actor, multi_agency, session=session)
