"""Visiting auditors' access to our cases: the grants open today (England's day), and the
reference each visitor sees (docs/design/multi-agency.md, decision 4).

A grant gives its holder one case (or one audit, to re-audit blind) from its first day to its
last, both included; outside that window, or once revoked, it gives nothing, and the case
answers as one that does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import true
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.lifecycle import EDITABLE
from audit_app.core.partnership import pseudonym
from audit_app.models import Audit, Case, CaseGrant, GrantBatch, Organisation, Service, Team, User
from audit_app.services import visibility
from audit_app.services.actor import Actor


def open_grants(user_id: int, *, on: date | None = None) -> Any:
    """The condition on ``case_grant``: a grant of this person, not revoked, whose window holds
    ``on`` (today in England unless given)."""
    day = clock.today() if on is None else on
    return (
        (col(CaseGrant.user_id) == user_id)
        & col(CaseGrant.revoked_at).is_(None)
        & (col(CaseGrant.starts_on) <= day)
        & (col(CaseGrant.ends_on) >= day)
    )


def granted_case_ids(user_id: int, *, on: date | None = None) -> Any:
    """The ids of the cases this person holds an open grant to, as a subquery."""
    return select(CaseGrant.case_id).where(
        open_grants(user_id, on=on), col(CaseGrant.case_id).is_not(None)
    )


def granted_audit_ids(user_id: int, *, on: date | None = None) -> Any:
    """The ids of the audits this person holds an open grant to re-audit, as a subquery."""
    return select(CaseGrant.audit_id).where(
        open_grants(user_id, on=on), col(CaseGrant.audit_id).is_not(None)
    )


def reference_seen(session: Session, case: Case, user_id: int, *, on: date | None = None) -> str:
    """The reference this person sees for ``case``: its pseudonym when their open grant to it
    is of a pseudonymised batch, else the reference itself."""
    batch = session.exec(
        select(GrantBatch)
        .join(CaseGrant, col(CaseGrant.batch_id) == GrantBatch.id)
        .where(open_grants(user_id, on=on), CaseGrant.case_id == case.id)
        .order_by(col(CaseGrant.id))
    ).first()
    if batch is None or not batch.pseudonymised:
        return case.case_ref
    return pseudonym(bytes.fromhex(batch.pseudonym_key), case.case_ref)


# --- who may hold a grant, and which audits are external -------------------------------------

VISITOR_ROLES = ("auditor", "manager")
"""The roles of a partner organisation's people who may hold a grant to our cases."""


def may_hold_grants(user: User, organisation: Organisation | None) -> bool:
    """Whether this person may be given grants: an active auditor or manager of a partner
    organisation (the home organisation's own people audit its cases without one)."""
    return (
        user.active
        and organisation is not None
        and not organisation.is_home
        and user.role in VISITOR_ROLES
    )


def grant_exists(auditor_id: Any, case_id: Any) -> Any:
    """The condition that the auditor holds, or held, a grant to the case: an audit of theirs on
    it is an external audit."""
    return (
        select(CaseGrant.id)
        .where(CaseGrant.user_id == auditor_id, CaseGrant.case_id == case_id)
        .exists()
    )


def case_organisation_id(case: Case, *, session: Session) -> int | None:
    """The organisation a case belongs to (through its team's service)."""
    return session.exec(
        select(Service.organisation_id)
        .join(Team, col(Team.service_id) == Service.id)
        .where(Team.id == case.team_id)
    ).first()


def is_external(audit: Audit, case: Case, *, session: Session) -> bool:
    """Whether the audit was made under a grant: by a visitor of another organisation."""
    if audit.organisation_id == case_organisation_id(case, session=session):
        return False
    held = session.exec(
        select(CaseGrant.id).where(
            CaseGrant.user_id == audit.auditor_id, CaseGrant.case_id == case.id
        )
    ).first()
    return held is not None


def may_see_external(
    actor: Actor, audit: Audit, case: Case, team: Team, *, session: Session
) -> bool:
    """Who sees an external audit: its auditor while their grant to the case is open; the QA
    lead (an admin) and the group managers of the case's service, of the case's organisation."""
    if actor.organisation_id is None:
        return True
    if actor.organisation_id == audit.organisation_id:
        return audit.auditor_id == actor.id and case.id in open_case_ids(actor, session=session)
    if actor.organisation_id != case_organisation_id(case, session=session):
        return False
    if actor.role == "admin":
        return True
    return actor.role == "manager" and team.service_id in actor.managed_service_ids


def open_case_ids(actor: Actor, *, session: Session) -> set[int]:
    """The cases this person holds an open grant to today."""
    if actor.id is None:
        return set()
    return {cid for cid in session.exec(granted_case_ids(actor.id)) if cid is not None}


def visitor_copy(case: Case, actor: Actor, *, session: Session) -> Case:
    """The case as a visitor sees it: the reference their grant shows, and no worker. A copy,
    never added to the database."""
    assert actor.id is not None
    return Case(
        id=case.id,
        case_ref=reference_seen(session, case, actor.id),
        subject=case.subject,
        team_id=case.team_id,
        worker=None,
        created_at=case.created_at,
        updated_at=case.updated_at,
        training=case.training,
    )


def granted_case(reference: str, actor: Actor, *, session: Session, subject: str) -> Case | None:
    """The case this person holds an open grant to whose reference, as they see it, is the one
    typed: its pseudonym when the batch says so (then never the real reference)."""
    if actor.id is None:
        return None
    rows = session.exec(
        select(Case, GrantBatch)
        .join(CaseGrant, col(CaseGrant.case_id) == Case.id)
        .join(GrantBatch, col(GrantBatch.id) == CaseGrant.batch_id)
        .where(open_grants(actor.id), Case.subject == subject)
        .order_by(col(CaseGrant.id))
    ).all()
    for case, batch in rows:
        if shown_reference(batch, case.case_ref) == reference:
            return case
    return None


def shown_reference(batch: GrantBatch, case_ref: str) -> str:
    """The reference a batch's visitors see for a case."""
    if not batch.pseudonymised:
        return case_ref
    return pseudonym(bytes.fromhex(batch.pseudonym_key), case_ref)


def references_seen(actor: Actor, case_ids: Iterable[int], *, session: Session) -> dict[int, str]:
    """The references this person sees for these cases of another organisation, by case id:
    only those they hold an open grant to today."""
    wanted = set(case_ids)
    if actor.id is None or not wanted:
        return {}
    rows = session.exec(
        select(Case, GrantBatch)
        .join(CaseGrant, col(CaseGrant.case_id) == Case.id)
        .join(GrantBatch, col(GrantBatch.id) == CaseGrant.batch_id)
        .where(open_grants(actor.id), col(Case.id).in_(sorted(wanted)))
        .order_by(col(CaseGrant.id).desc())
    ).all()
    return {case.id: shown_reference(batch, case.case_ref) for case, batch in rows if case.id}


def as_seen(actor: Actor, rows: list[Any], *, session: Session) -> list[Any]:
    """A person's own list (their audits, those returned to them) as they may see it: a row of
    a case of another organisation only while they hold an open grant to it, and then with the
    reference the grant shows them."""
    case_ids = {row.case_id for row in rows}
    if actor.organisation_id is None or not case_ids:
        return rows
    own = set(
        session.exec(
            select(Case.id).where(col(Case.id).in_(sorted(case_ids)), visibility.cases_seen(actor))
        )
    )
    seen = references_seen(actor, case_ids - own, session=session)
    return [
        row if row.case_id in own else replace(row, case_ref=seen[row.case_id])
        for row in rows
        if row.case_id in own or row.case_id in seen
    ]


def moderated_by(actor: Actor) -> Any:
    """The condition on ``audit`` joined to its case's ``service``: the audits the person's
    organisation moderates. Those of its own people on its own cases, and the external audits
    of its cases (made under a grant); never an external audit of another organisation's case,
    not even by the visitor's own organisation."""
    if not visibility.is_limited(actor):
        return true()
    return (col(Service.organisation_id) == actor.organisation_id) & (
        (col(Audit.organisation_id) == actor.organisation_id)
        | grant_exists(Audit.auditor_id, Audit.case_id)
    )


@dataclass(frozen=True)
class Visit:
    """A case of ours a visiting auditor holds an open grant to today, as they see it."""

    shown_as: str
    title: str
    ends_on: date
    draft_id: int | None


def visits(actor: Actor, *, session: Session) -> list[Visit]:
    """The cases this person holds an open grant to today (England's day), by the reference
    they see, each with their draft of it if they have one."""
    if actor.id is None:
        return []
    rows = session.exec(
        select(Case, GrantBatch, CaseGrant)
        .join(CaseGrant, col(CaseGrant.case_id) == Case.id)
        .join(GrantBatch, col(GrantBatch.id) == CaseGrant.batch_id)
        .where(open_grants(actor.id))
        .order_by(col(CaseGrant.id))
    ).all()
    drafts = dict(
        session.exec(
            select(Audit.case_id, Audit.id).where(
                Audit.auditor_id == actor.id, col(Audit.status).in_(EDITABLE)
            )
        ).all()
    )
    seen: dict[int, Visit] = {}
    for case, batch, grant in rows:
        if case.id is not None and case.id not in seen:
            seen[case.id] = Visit(
                shown_reference(batch, case.case_ref),
                batch.title,
                grant.ends_on,
                drafts.get(case.id),
            )
    return sorted(seen.values(), key=lambda visit: visit.shown_as)
