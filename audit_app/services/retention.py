"""Data retention: audits older than the retention period are removed with everything of theirs.

The audit trail is kept (it is append-only, and it records the purge itself). Answers kept while
signed out are removed once they are too old to be restored (``pending_saves.KEEP_FOR``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, SQLModel, col, select

from audit_app.core.dates import add_years
from audit_app.models import (
    Action,
    AgencyAction,
    AgencyReturn,
    Allocation,
    Answer,
    Audit,
    AuditResult,
    CalibrationMember,
    Case,
    CaseGrant,
    Challenge,
    ComplianceResult,
    Finding,
    GrantBatch,
    Moderation,
    ModerationGrade,
    MultiAgencyAudit,
    MultiAgencyCase,
    PanelConclusion,
    PanelMember,
    PendingSave,
    SafeguardingConcern,
    SecondAudit,
    ThemeJudgement,
    ThemeResult,
    utcnow,
)
from audit_app.reporting import summaries
from audit_app.services import pending_saves
from audit_app.services.actor import Actor
from audit_app.services.trail import record_event

# Child tables of an audit, deleted before it (foreign keys point at the audit).
AUDIT_CHILDREN = (
    Action,
    SafeguardingConcern,
    ComplianceResult,
    ThemeResult,
    AuditResult,
    ThemeJudgement,
    Answer,
    PendingSave,
    Finding,
    Challenge,
    CaseGrant,
)

# Rows that point at an audit but outlive it, the link emptied: the allocation it met, the
# calibration member who made it, the agency return it was, the second-audit draw it answered.
AUDIT_LINKS: tuple[tuple[type[SQLModel], str], ...] = (
    (Allocation, "audit_id"),
    (CalibrationMember, "audit_id"),
    (AgencyReturn, "audit_id"),
    (SecondAudit, "second_audit_id"),
)


# The rows of a multi-agency audit, deleted before it.
MULTI_AGENCY_CHILDREN = (AgencyAction, PanelConclusion, PanelMember, MultiAgencyCase, AgencyReturn)


@dataclass(frozen=True)
class ExpiredMultiAgency:
    multi_agency_audit_id: int
    title: str
    status: str
    last_activity: datetime


@dataclass(frozen=True)
class Expired:
    audit_id: int
    case_ref: str
    status: str
    last_activity: datetime


def cutoff(years: int, now: datetime | None = None) -> datetime:
    """The moment before which an audit's last activity makes it due for removal."""
    now = now or utcnow()
    return add_years(now, -years)


def expired_audits(years: int, *, session: Session, now: datetime | None = None) -> list[Expired]:
    """Audits whose last activity (closed, else submitted, else last saved) is too old."""
    last = func.coalesce(Audit.closed_at, Audit.submitted_at, Audit.updated_at)
    rows = session.exec(
        select(Audit.id, Case.case_ref, Audit.status, last)
        .join(Case, col(Case.id) == Audit.case_id)
        .where(last < cutoff(years, now))
        .order_by(last)
    )
    expired: list[Expired] = []
    for audit_id, ref, status, when in rows:
        assert audit_id is not None  # a primary key read from the database
        expired.append(Expired(audit_id, ref, status, when))
    return expired


def expired_multi_agency_audits(
    years: int, *, session: Session, now: datetime | None = None
) -> list[ExpiredMultiAgency]:
    """Multi-agency audits whose last activity (concluded, else returns closed, else opened) is
    too old: each goes with its returns (their audits too), conclusions, actions and panel."""
    last = func.coalesce(
        MultiAgencyAudit.concluded_at,
        MultiAgencyAudit.returns_closed_at,
        MultiAgencyAudit.created_at,
    )
    rows = session.exec(
        select(MultiAgencyAudit.id, MultiAgencyAudit.title, MultiAgencyAudit.status, last)
        .where(last < cutoff(years, now))
        .order_by(last)
    )
    return [
        ExpiredMultiAgency(multi_id, title, status, when)
        for multi_id, title, status, when in rows
        if multi_id is not None
    ]


def purge(
    expired: list[Expired],
    *,
    session: Session,
    actor: Actor,
    years: int,
    multi_agency: list[ExpiredMultiAgency] | None = None,
) -> int:
    """Remove the audits and everything of theirs, and the multi-agency audits with their
    returns; keep one trail event recording it. Returns how many audits went.

    Answers kept while signed out for longer than ``pending_saves.KEEP_FOR`` go too, whatever
    their audit's age.
    """
    pending_saves.forget_expired(session=session)
    multi_ids = [m.multi_agency_audit_id for m in multi_agency or []]
    returns = _return_audit_ids(multi_ids, session=session)
    ids = _with_second_audits(sorted({e.audit_id for e in expired} | returns), session=session)
    if not ids and not multi_ids:
        return 0
    # The returns' audits first: each names its multi-agency audit (audit.multi_agency_audit_id).
    if ids:
        _remove_audits(ids, session=session)
    _remove_multi_agency_audits(multi_ids, session=session)
    # Their months' report summaries are remade now, not at the next dashboard view.
    summaries.refresh(session, today=utcnow().date())
    record_event(
        "retention.purged",
        session=session,
        actor=actor,
        retention_years=years,
        audits=len(ids),
        audit_ids=ids,
        multi_agency_audit_ids=multi_ids,
    )
    return len(ids)


def _with_second_audits(ids: list[int], *, session: Session) -> list[int]:
    """The audits to remove: those expired, and the second audits of them (a second audit is
    only read beside its first)."""
    if not ids:
        return []
    seconds = session.exec(select(Audit.id).where(col(Audit.second_of_id).in_(ids))).all()
    return sorted(set(ids) | {i for i in seconds if i is not None})


def _remove_audits(ids: list[int], *, session: Session) -> None:
    """Delete the audits and every row of theirs; empty the links of the rows that outlive them."""
    moderation_ids = select(Moderation.id).where(col(Moderation.audit_id).in_(ids))
    session.execute(
        delete(ModerationGrade).where(col(ModerationGrade.moderation_id).in_(moderation_ids))
    )
    session.execute(delete(Moderation).where(col(Moderation.audit_id).in_(ids)))
    for model in AUDIT_CHILDREN:
        session.execute(delete(model).where(col(model.audit_id).in_(ids)))
    session.execute(delete(SecondAudit).where(col(SecondAudit.first_audit_id).in_(ids)))
    for linked, column in AUDIT_LINKS:
        link = getattr(linked, column)
        session.execute(update(linked).where(col(link).in_(ids)).values({column: None}))
    session.execute(delete(Audit).where(col(Audit.id).in_(ids)))


def _return_audit_ids(multi_ids: list[int], *, session: Session) -> set[int]:
    """The audits that are the agencies' returns of these multi-agency audits."""
    if not multi_ids:
        return set()
    rows = session.exec(
        select(AgencyReturn.audit_id).where(
            col(AgencyReturn.multi_agency_audit_id).in_(multi_ids),
            col(AgencyReturn.audit_id).is_not(None),
        )
    ).all()
    named = session.exec(
        select(Audit.id).where(col(Audit.multi_agency_audit_id).in_(multi_ids))
    ).all()
    return {audit_id for audit_id in [*rows, *named] if audit_id is not None}


def _remove_multi_agency_audits(multi_ids: list[int], *, session: Session) -> None:
    """Delete the multi-agency audits and their rows (their returns' audits go separately)."""
    if not multi_ids:
        return
    for model in MULTI_AGENCY_CHILDREN:
        link = col(model.multi_agency_audit_id)
        session.execute(delete(model).where(link.in_(multi_ids)))
    session.execute(delete(MultiAgencyAudit).where(col(MultiAgencyAudit.id).in_(multi_ids)))


def ended_grants(years: int, *, session: Session, now: datetime | None = None) -> int:
    """How many grants ended (their last day, or revoked) more than ``years`` ago."""
    found = session.exec(
        select(func.count()).select_from(CaseGrant).where(_ended_before(years, now))
    )
    return int(found.one())


def purge_ended_grants(
    years: int, *, session: Session, actor: Actor, now: datetime | None = None
) -> int:
    """Remove the grants that ended more than ``years`` ago, and the batches left with none;
    keep one trail event recording it (when there were any). Returns how many grants went."""
    count = ended_grants(years, session=session, now=now)
    if not count:
        return 0
    session.execute(delete(CaseGrant).where(_ended_before(years, now)))
    emptied = select(GrantBatch.id).where(
        ~select(CaseGrant.id).where(CaseGrant.batch_id == GrantBatch.id).exists(),
        col(GrantBatch.created_at) < cutoff(years, now),
    )
    session.execute(delete(GrantBatch).where(col(GrantBatch.id).in_(emptied)))
    record_event("retention.grants_purged", session=session, actor=actor, grants=count)
    return count


def _ended_before(years: int, now: datetime | None) -> Any:
    """The condition on ``case_grant``: its last day, or its revocation, is before the cutoff."""
    moment = cutoff(years, now)
    return (col(CaseGrant.ends_on) < moment.date()) | (col(CaseGrant.revoked_at) < moment)
