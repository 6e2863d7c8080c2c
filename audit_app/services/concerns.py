"""Safeguarding concerns raised during audits: escalation to the service's managers.

A concern stays on the managers' home page until one of them acknowledges it with a note of what
was done. One that is still unacknowledged a working day after it was raised is overdue.

Every concern reaches someone. The active managers of the case's service see it; when the
service has none, it goes to the safeguarding fallback instead: the admins and the people named
in ``SAFEGUARDING_FALLBACK`` (usernames; unknown or deactivated ones are passed over). Admins see
and may acknowledge every concern. Who sees a concern is worked out when it is read, so the
concerns of a service whose last manager leaves go to the fallback at once, and back to the
managers when one is added.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import or_, true, update
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.dates import one_working_day_after
from audit_app.models import (
    Audit,
    Case,
    ManagedService,
    QuestionnaireVersion,
    SafeguardingConcern,
    Service,
    Team,
    User,
    utcnow,
)
from audit_app.services import grants, visibility
from audit_app.services.audits import (
    Actor,
    AuditError,
    AuditNotFound,
    case_and_team,
    joined_to_service,
    required_text,
)
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
    return one_working_day_after(clock.local(raised_at), calendar or clock.working_days_calendar())


def is_overdue(concern: SafeguardingConcern, now: datetime, calendar: str | None = None) -> bool:
    """Whether the concern is unacknowledged more than one working day after it was raised."""
    return concern.acknowledged_at is None and now > acknowledgement_due(
        concern.raised_at, calendar
    )


# --- who sees a concern ---------------------------------------------------------------------


def fallback_usernames() -> tuple[str, ...]:
    """The ``SAFEGUARDING_FALLBACK`` usernames of the running app (none outside one)."""
    if has_app_context():
        return tuple(current_app.config.get("SAFEGUARDING_FALLBACK", ()))
    return ()


def _fallback(fallback: Collection[str] | None) -> Collection[str]:
    return fallback_usernames() if fallback is None else fallback


def _name(user: User) -> str:
    return user.display_name or user.username


def _names(users: Iterable[User]) -> tuple[str, ...]:
    return tuple(sorted((_name(user) for user in users), key=str.casefold))


def _active_manager_links() -> Any:
    """(service id, manager) for every service an active group manager manages."""
    return (
        select(ManagedService.service_id, User)
        .join(User, col(User.id) == ManagedService.user_id)
        .where(col(User.active).is_(True), User.role == "manager")
    )


def services_with_active_manager(*, session: Session) -> set[int]:
    """The services that at least one active group manager manages."""
    return {service_id for service_id, _user in session.exec(_active_manager_links())}


def fallback_people(
    *,
    session: Session,
    fallback: Collection[str] | None = None,
    organisation_id: int | None = None,
) -> tuple[list[User], list[User]]:
    """Who sees the concerns of a service without an active manager: the active admins, and the
    active people named in ``SAFEGUARDING_FALLBACK`` who are not admins, of the organisation
    when one is given. Names that match nobody active are passed over."""
    named = sorted(_fallback(fallback))
    people = list(
        session.exec(
            select(User).where(
                col(User.active).is_(True),
                or_(col(User.role) == "admin", col(User.username).in_(named)),
                *([] if organisation_id is None else [User.organisation_id == organisation_id]),
            )
        )
    )
    return (
        [user for user in people if user.role == "admin"],
        [user for user in people if user.role != "admin"],
    )


@dataclass(frozen=True)
class Audience:
    """Who can see the concerns raised in one service, by name."""

    service_name: str
    managers: tuple[str, ...]
    admins: tuple[str, ...]
    fallback: tuple[str, ...]  # named in SAFEGUARDING_FALLBACK, active, and not admins

    @property
    def has_manager(self) -> bool:
        return bool(self.managers)

    @property
    def reaches_someone(self) -> bool:
        return bool(self.managers or self.admins or self.fallback)

    def _fallback_parts(self) -> list[str]:
        parts = []
        if self.admins:
            parts.append(f"the admins ({', '.join(self.admins)})")
        if self.fallback:
            parts.append(f"the safeguarding fallback ({', '.join(self.fallback)})")
        return parts

    def sentence(self) -> str:
        """What the auditor raising a concern is told about who can see it."""
        if self.managers:
            told = (
                f"The managers of {self.service_name} ({', '.join(self.managers)}) can see this "
                "concern"
            )
            return f"{told}; the admins see every concern." if self.admins else f"{told}."
        if not self.reaches_someone:
            return (
                f"{self.service_name} has no active manager, and there is no active admin or "
                "safeguarding fallback: nobody in this service can see this concern. Tell a "
                "manager now, under your local safeguarding procedures."
            )
        return (
            f"{self.service_name} has no active manager: this concern goes to "
            f"{' and '.join(self._fallback_parts())}."
        )

    def sentence_for_visitor(self) -> str:
        """What a visiting auditor raising a concern on the case of another organisation is
        told: who acts on it, without naming that organisation's people or services."""
        if not self.reaches_someone:
            return (
                "Nobody at the council that granted you this case can see this concern now. "
                "Tell your contact there at once, under your local safeguarding procedures."
            )
        return (
            "The managers of this case's service at the council that granted you this case, "
            "and its admins, can see this concern and act on it."
        )

    def readers(self) -> str:
        """Who can see it, in a few words (for the reminder command)."""
        if self.managers:
            return f"managers: {', '.join(self.managers)}"
        if not self.reaches_someone:
            return "nobody (no active manager, admin or safeguarding fallback)"
        return f"no active manager, so {' and '.join(self._fallback_parts())}"


def audience(
    service_id: int, *, session: Session, fallback: Collection[str] | None = None
) -> Audience:
    """Who can see a concern raised in the service now."""
    service = session.get(Service, service_id)
    assert service is not None
    managers = [
        user
        for _service_id, user in session.exec(
            _active_manager_links().where(ManagedService.service_id == service_id)
        )
    ]
    admins, named = fallback_people(
        session=session, fallback=fallback, organisation_id=service.organisation_id
    )
    if managers:
        named = []  # the fallback sees the concerns of services without an active manager only
    return Audience(
        service_name=service.name,
        managers=_names(managers),
        admins=_names(admins),
        fallback=_names(named),
    )


def could_see_concerns(actor: Actor, *, fallback: Collection[str] | None = None) -> bool:
    """Whether the person may see any concern at all: a manager, an admin or the fallback."""
    return actor.role in ("manager", "admin") or actor.username in _fallback(fallback)


def may_see(
    actor: Actor,
    service_id: int,
    *,
    session: Session,
    fallback: Collection[str] | None = None,
) -> bool:
    """Whether the person may see (and acknowledge) concerns raised in the service: admins
    always, its managers, and the safeguarding fallback while it has no active manager."""
    if actor.role == "admin":
        return True
    if actor.role == "manager" and service_id in actor.managed_service_ids:
        return True
    return actor.username in _fallback(fallback) and service_id not in (
        services_with_active_manager(session=session)
    )


def concerns_seen(actor: Actor) -> Any:
    """The condition on ``audit`` joined to its case's ``service``: the audits whose concerns
    the person's organisation acts on. Its own audits; the external audits of its cases (made
    by a visitor under a grant: the case's managers act on a concern about the child); and the
    agencies' returns to multi-agency audits of its cases (a concern overrides the seal: the
    agency acts on it too). Never its visitors' audits of another organisation's cases."""
    if not visibility.is_limited(actor):
        return true()
    granted = grants.grant_exists(Audit.auditor_id, Audit.case_id)
    agency_return = col(Audit.multi_agency_audit_id).is_not(None)
    own_case = col(Service.organisation_id) == actor.organisation_id
    own_audit = col(Audit.organisation_id) == actor.organisation_id
    return (own_audit & (own_case | ~granted)) | (own_case & (granted | agency_return))


def _reaches_organisation(actor: Actor, audit: Audit, case: Case, *, session: Session) -> bool:
    """:func:`concerns_seen` for one audit."""
    if not visibility.is_limited(actor):
        return True
    of_case = grants.case_organisation_id(case, session=session) == actor.organisation_id
    if grants.is_external(audit, case, session=session):
        return of_case
    return audit.organisation_id == actor.organisation_id or (
        of_case and audit.multi_agency_audit_id is not None
    )


# --- listing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernItem:
    """An open concern as the home pages list it."""

    concern: SafeguardingConcern
    audit_id: int
    case_ref: str
    questionnaire_title: str
    service_id: int
    service_name: str
    team_name: str
    raised_by: str
    due: datetime
    overdue: bool
    has_manager: bool  # whether its service has an active manager


def _open_concern_query() -> Any:
    return (
        joined_to_service(
            select(  # type: ignore[call-overload]
                SafeguardingConcern, Audit, Case, Team, Service, QuestionnaireVersion, User
            ).join(Audit, col(Audit.id) == SafeguardingConcern.audit_id)
        )
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .join(User, col(User.id) == SafeguardingConcern.raised_by_id)
        .where(col(SafeguardingConcern.acknowledged_at).is_(None))
        .order_by(col(SafeguardingConcern.raised_at), col(SafeguardingConcern.id))
    )


def _items(query: Any, *, session: Session, now: datetime) -> list[ConcernItem]:
    with_manager = services_with_active_manager(session=session)
    return [
        ConcernItem(
            concern=concern,
            audit_id=audit.id,
            case_ref=case.case_ref,
            questionnaire_title=version_row.title,
            service_id=service.id,
            service_name=service.name,
            team_name=team.name,
            raised_by=user.display_name or user.username,
            due=acknowledgement_due(concern.raised_at),
            overdue=is_overdue(concern, now),
            has_manager=service.id in with_manager,
        )
        for concern, audit, case, team, service, version_row, user in session.exec(query)
    ]


def open_concerns(
    actor: Actor,
    *,
    session: Session,
    now: datetime | None = None,
    fallback: Collection[str] | None = None,
) -> list[ConcernItem]:
    """Unacknowledged concerns the person may see, oldest first: in the services they manage,
    in services without an active manager for the safeguarding fallback, and all for an admin."""
    query = _open_concern_query().where(concerns_seen(actor))
    if actor.role != "admin":
        reachable = []
        if actor.role == "manager" and actor.managed_service_ids:
            reachable.append(col(Team.service_id).in_(sorted(actor.managed_service_ids)))
        if actor.username in _fallback(fallback):
            with_manager = services_with_active_manager(session=session)
            reachable.append(col(Team.service_id).not_in(sorted(with_manager)))
        if not reachable:
            return []
        query = query.where(or_(*reachable))
    return _items(query, session=session, now=now or utcnow())


def overdue_concerns(
    *,
    session: Session,
    now: datetime | None = None,
    fallback: Collection[str] | None = None,
) -> list[tuple[ConcernItem, Audience]]:
    """Every open concern past its acknowledgement time, oldest first, with who can see it."""
    items = [
        item
        for item in _items(_open_concern_query(), session=session, now=now or utcnow())
        if item.overdue
    ]
    audiences: dict[int, Audience] = {}
    for item in items:
        if item.service_id not in audiences:
            audiences[item.service_id] = audience(
                item.service_id, session=session, fallback=fallback
            )
    return [(item, audiences[item.service_id]) for item in items]


@dataclass(frozen=True)
class LeftWithoutManager:
    """A service whose only active manager is being deactivated, with its open concerns."""

    service_id: int
    service_name: str
    concerns: list[ConcernItem]


def left_without_manager(
    user: User, *, session: Session, now: datetime | None = None
) -> list[LeftWithoutManager]:
    """The services that would have no active manager without this person, by name, each with
    its open concerns (which would go to the safeguarding fallback); none for anyone who is not
    an active group manager."""
    if not user.active or user.role != "manager" or user.id is None:
        return []
    others = {
        service_id
        for service_id, manager in session.exec(_active_manager_links())
        if manager.id != user.id
    }
    services = [
        (service_id, name)
        for service_id, name in session.exec(
            select(ManagedService.service_id, Service.name)
            .join(Service, col(Service.id) == ManagedService.service_id)
            .where(ManagedService.user_id == user.id)
            .order_by(col(Service.name))
        )
        if service_id not in others
    ]
    if not services:
        return []
    items = _items(
        _open_concern_query().where(col(Team.service_id).in_([sid for sid, _ in services])),
        session=session,
        now=now or utcnow(),
    )
    return [
        LeftWithoutManager(
            service_id=service_id,
            service_name=name,
            concerns=[item for item in items if item.service_id == service_id],
        )
        for service_id, name in services
    ]


# --- one concern ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernView:
    concern: SafeguardingConcern
    audit: Audit
    case: Case
    team: Team
    raised_by: str
    overdue: bool
    may_open_audit: bool  # whether the reader may also open the audit it was raised in


def load_concern(
    concern_id: int,
    actor: Actor,
    *,
    session: Session,
    now: datetime | None = None,
    fallback: Collection[str] | None = None,
) -> ConcernView:
    """A concern, for whoever may see it (:func:`may_see`); anyone else gets AuditNotFound
    (404)."""
    concern = session.get(SafeguardingConcern, concern_id)
    if concern is None:
        raise AuditNotFound(concern_id)
    audit = session.get(Audit, concern.audit_id)
    assert audit is not None
    case, team = case_and_team(audit, session=session)
    if not _reaches_organisation(actor, audit, case, session=session) or not may_see(
        actor, team.service_id, session=session, fallback=fallback
    ):
        raise AuditNotFound(concern_id)
    raiser = session.get(User, concern.raised_by_id)
    manages = actor.role == "manager" and team.service_id in actor.managed_service_ids
    return ConcernView(
        concern=concern,
        audit=audit,
        case=case,
        team=team,
        raised_by=(raiser.display_name or raiser.username) if raiser else "",
        overdue=is_overdue(concern, now or utcnow()),
        # As the audit pages allow: admins, the service's managers and the audit's own auditor.
        may_open_audit=actor.role == "admin" or manages or audit.auditor_id == actor.id,
    )


OWN_CONCERN = (
    "You raised this concern, so someone else must acknowledge it: another group manager of "
    "the service, or an admin."
)


def acknowledge(
    concern_id: int,
    note: str,
    actor: Actor,
    *,
    session: Session,
    now: datetime | None = None,
    fallback: Collection[str] | None = None,
) -> ConcernView:
    """Someone who may see the concern acknowledges it, saying what was done."""
    found = load_concern(concern_id, actor, session=session, fallback=fallback)
    if found.concern.acknowledged_at is not None:
        raise AuditError("This concern has already been acknowledged.")
    if found.concern.raised_by_id == actor.id:
        # Separation of duties: a concern is acted on by someone other than who raised it.
        raise AuditError(OWN_CONCERN)
    text = required_text(note, "acknowledgement", "Say what was done about the concern")
    when = now or utcnow()
    if not _claim_unacknowledged(concern_id, text, actor, when, session=session):
        raise AuditError("This concern has already been acknowledged by someone else.")
    session.refresh(found.concern)
    record_event(
        "concern.acknowledged",
        session=session,
        actor=actor,
        audit_id=found.audit.id,
        case_ref=found.case.case_ref,
        concern_id=concern_id,
        before={"acknowledged_at": None, "acknowledgement": None},
        after={"acknowledged_at": when.isoformat(), "acknowledgement": text},
        overdue=found.overdue,
        acknowledged_as=_acknowledged_as(actor, found.team.service_id),
    )
    return found


def _claim_unacknowledged(
    concern_id: int, text: str, actor: Actor, when: datetime, *, session: Session
) -> bool:
    """Record the acknowledgement if nobody has yet; whether this one is recorded.

    Conditional, so that of two managers acknowledging at once only the first is recorded.
    """
    result = session.execute(
        update(SafeguardingConcern)
        .where(
            col(SafeguardingConcern.id) == concern_id,
            col(SafeguardingConcern.acknowledged_at).is_(None),
        )
        .values(acknowledged_at=when, acknowledged_by_id=actor.id, acknowledgement=text)
        .execution_options(synchronize_session=False)
    )
    recorded: int = result.rowcount  # type: ignore[attr-defined]
    return recorded == 1


def _acknowledged_as(actor: Actor, service_id: int) -> str:
    """In what capacity the person acknowledged, for the trail."""
    if actor.role == "manager" and service_id in actor.managed_service_ids:
        return "manager"
    return "admin" if actor.role == "admin" else "safeguarding fallback"
