"""Safeguarding concerns raised during audits: escalation to the service's managers.

A concern stays on the managers' home page until one of them acknowledges it with a note of what
was done. One that is still unacknowledged a working day after it was raised is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.dates import one_working_day_after
from audit_app.models import (
    Audit,
    Case,
    QuestionnaireVersion,
    SafeguardingConcern,
    Service,
    Team,
    User,
    utcnow,
)
from audit_app.services.audits import MAX_TEXT, Actor, AuditError, AuditNotFound, FieldErrors
from audit_app.services.trail import record_event


def acknowledgement_due(raised_at: datetime, calendar: str | None = None) -> datetime:
    """When an unacknowledged concern becomes overdue: one working day after it was raised.

    Weekends and the bank holidays of ``calendar`` (``WORKING_DAYS_CALENDAR``) do not count: a
    concern raised on Friday at 10:00 is due on Monday at 10:00, one raised on Christmas Eve at
    10:00 is due on the next working day after Christmas at 10:00, and one raised on a day off is
    due at the end of the next working day.
    """
    # Counted on the council's clock: raised late on a Friday evening in England is due late on
    # Monday evening, not on Monday morning UTC.
    return one_working_day_after(
        clock.local(raised_at), calendar or clock.working_days_calendar()
    )


def is_overdue(
    concern: SafeguardingConcern, now: datetime, calendar: str | None = None
) -> bool:
    """Whether the concern is unacknowledged more than one working day after it was raised."""
    return concern.acknowledged_at is None and now > acknowledgement_due(
        concern.raised_at, calendar
    )


@dataclass(frozen=True)
class ConcernItem:
    """An open concern as the managers' home page lists it."""

    concern: SafeguardingConcern
    audit_id: int
    case_ref: str
    questionnaire_title: str
    service_name: str
    team_name: str
    raised_by: str
    due: datetime
    overdue: bool


def open_concerns(
    actor: Actor, *, session: Session, now: datetime | None = None
) -> list[ConcernItem]:
    """Unacknowledged concerns in the person's services (all, for an admin), oldest first."""
    now = now or utcnow()
    query = (
        select(SafeguardingConcern, Audit, Case, Team, Service, QuestionnaireVersion, User)
        .join(Audit, col(Audit.id) == SafeguardingConcern.audit_id)
        .join(Case, col(Case.id) == Audit.case_id)
        .join(Team, col(Team.id) == Case.team_id)
        .join(Service, col(Service.id) == Team.service_id)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .join(User, col(User.id) == SafeguardingConcern.raised_by_id)
        .where(col(SafeguardingConcern.acknowledged_at).is_(None))
        .order_by(col(SafeguardingConcern.raised_at), col(SafeguardingConcern.id))
    )
    if actor.role != "admin":
        query = query.where(col(Team.service_id).in_(sorted(actor.managed_service_ids)))
    return [
        ConcernItem(
            concern=concern,
            audit_id=audit.id,  # type: ignore[arg-type]
            case_ref=case.case_ref,
            questionnaire_title=version_row.title,
            service_name=service.name,
            team_name=team.name,
            raised_by=user.display_name or user.username,
            due=acknowledgement_due(concern.raised_at),
            overdue=is_overdue(concern, now),
        )
        for concern, audit, case, team, service, version_row, user in session.exec(query)
    ]


@dataclass(frozen=True)
class ConcernView:
    concern: SafeguardingConcern
    audit: Audit
    case: Case
    team: Team
    raised_by: str
    overdue: bool


def load_concern(
    concern_id: int, actor: Actor, *, session: Session, now: datetime | None = None
) -> ConcernView:
    """A concern, for a manager of the case's service; anyone else gets AuditNotFound (404)."""
    concern = session.get(SafeguardingConcern, concern_id)
    if concern is None:
        raise AuditNotFound(concern_id)
    audit = session.get(Audit, concern.audit_id)
    assert audit is not None
    case = session.get(Case, audit.case_id)
    assert case is not None
    team = session.get(Team, case.team_id)
    assert team is not None
    if actor.role != "manager" or team.service_id not in actor.managed_service_ids:
        raise AuditNotFound(concern_id)
    raiser = session.get(User, concern.raised_by_id)
    return ConcernView(
        concern=concern,
        audit=audit,
        case=case,
        team=team,
        raised_by=(raiser.display_name or raiser.username) if raiser else "",
        overdue=is_overdue(concern, now or utcnow()),
    )


def acknowledge(
    concern_id: int, note: str, actor: Actor, *, session: Session, now: datetime | None = None
) -> ConcernView:
    """A manager of the service acknowledges the concern, saying what was done."""
    found = load_concern(concern_id, actor, session=session)
    if found.concern.acknowledged_at is not None:
        raise AuditError("This concern has already been acknowledged.")
    text = note.strip()
    if not text:
        raise FieldErrors({"acknowledgement": "Say what was done about the concern"})
    if len(text) > MAX_TEXT:
        raise FieldErrors({"acknowledgement": f"Keep it to {MAX_TEXT:,} characters or fewer"})
    when = now or utcnow()
    # Conditional, so that of two managers acknowledging at once only the first is recorded.
    result = session.execute(
        update(SafeguardingConcern)
        .where(
            col(SafeguardingConcern.id) == concern_id,
            col(SafeguardingConcern.acknowledged_at).is_(None),
        )
        .values(acknowledged_at=when, acknowledged_by_id=actor.id, acknowledgement=text)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise AuditError("This concern has already been acknowledged by another manager.")
    session.refresh(found.concern)
    record_event(
        "concern.acknowledged",
        session=session,
        actor=actor.username,
        actor_id=actor.id,
        audit_id=found.audit.id,
        case_ref=found.case.case_ref,
        remote_addr=actor.remote_addr,
        concern_id=concern_id,
        before={"acknowledged_at": None, "acknowledgement": None},
        after={"acknowledged_at": when.isoformat(), "acknowledgement": text},
        overdue=found.overdue,
    )
    return found
