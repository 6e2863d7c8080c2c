"""Double-blind second audits: at a first submission a seeded draw, recorded in the trail, picks
the audit for a second audit at ``SECOND_AUDIT_RATE``; the second audit is allocated to another
auditor who may audit the case, or waits for the QA lead to assign one.

The second audit is an ordinary audit of the same case on the same questionnaire version that
records the first (``audit.second_of_id``). It takes the way out of the figures that calibration
exercise audits take (``audits.counts_in_figures``): submitted, it has the status ``exercise``,
stores no results and is never moderated. Only its auditor can open it, and its auditor cannot
open the first (``audits.may_see``): neither sees the other's answers, grades or name. The
first audit goes on to moderation as any other. The pair feeds the agreement figures
(``services/agreement_report.py``).

The trail's events of the draw name no audit in ``audit_id``, so that neither audit's history
shows them to its auditor: ``second_audit.drawn`` (every draw, picked or not),
``second_audit.allocated`` and ``second_audit.waiting``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from audit_app.core import second_audits as core
from audit_app.core.lifecycle import OPEN
from audit_app.core.roles import ADMIN, AUDITOR
from audit_app.models import Audit, Case, SecondAudit, Team, User, utcnow
from audit_app.services import errors, visibility
from audit_app.services.actor import Actor
from audit_app.services.trail import record_event

SEED_BYTES = 16
DRAW = "second audit draw"
"""Who the trail says made a second audit allocated at the draw."""


class SecondAuditNotFound(errors.NotFound):
    """No second audit waiting for this audit."""


@dataclass(frozen=True)
class SecondAuditSettings:
    """The share of audits drawn, who may audit any service, and the source of the seeds."""

    rate: float = 0.0
    any_service: tuple[str, ...] = ()
    rng: random.Random = field(default_factory=random.SystemRandom)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> SecondAuditSettings:
        """The configured rate; tests may put a seeded ``SECOND_AUDIT_RANDOM`` in the config."""
        rng = config.get("SECOND_AUDIT_RANDOM")
        names = config.get("AUDIT_ANY_SERVICE") or ()
        return cls(
            rate=float(config.get("SECOND_AUDIT_RATE", 0.0)),  # type: ignore[arg-type]
            any_service=tuple(names),  # type: ignore[arg-type]
            rng=rng if isinstance(rng, random.Random) else random.SystemRandom(),
        )


@dataclass(frozen=True)
class Waiting:
    """A second audit waiting for the QA lead to assign an auditor."""

    first_audit_id: int
    case_ref: str
    drawn_at: object
    eligible: list[User]


def draw_on_submission(
    audit: Audit, case_ref: str, actor: Actor, settings: SecondAuditSettings, *, session: Session
) -> SecondAudit | None:
    """Draw for a first submission; when picked, keep the draw and allocate the second audit."""
    if audit.second_of_id is not None or audit.exercise_id is not None or settings.rate <= 0:
        return None
    if session.get(SecondAudit, audit.id) is not None:
        return None
    assert audit.id is not None
    seed = f"{settings.rng.getrandbits(8 * SEED_BYTES):032x}"
    number = core.draw(seed, audit.id)
    chosen = core.picked(number, settings.rate)
    record_event(
        "second_audit.drawn",
        session=session,
        actor=actor,
        case_ref=case_ref,
        first_audit_id=audit.id,
        seed=seed,
        draw=number,
        rate=settings.rate,
        picked=chosen,
    )
    if not chosen:
        return None
    row = SecondAudit(first_audit_id=audit.id, seed=seed, draw=number, rate=settings.rate)
    session.add(row)
    session.flush()
    _allocate(row, audit, case_ref, actor, settings, session=session)
    return row


def _allocate(
    row: SecondAudit,
    first: Audit,
    case_ref: str,
    actor: Actor,
    settings: SecondAuditSettings,
    *,
    session: Session,
) -> None:
    eligible = [u.id for u in eligible_auditors(first, settings.any_service, session=session)]
    person = core.choose_auditor(row.seed, first.id, eligible, open_counts(session=session))  # type: ignore[arg-type]
    if person is None:
        record_event(
            "second_audit.waiting",
            session=session,
            actor=actor,
            case_ref=case_ref,
            first_audit_id=first.id,
            reason="no other auditor may audit the case's service",
        )
        return
    _give(row, first, person, case_ref, actor, session=session)


def _give(
    row: SecondAudit, first: Audit, person: int, case_ref: str, actor: Actor, *, session: Session
) -> Audit:
    second = Audit(
        case_id=first.case_id,
        questionnaire_version_id=first.questionnaire_version_id,
        auditor_id=person,
        second_of_id=first.id,
        # Its auditor is of the first audit's organisation (``eligible_auditors``, ``assignable``).
        organisation_id=first.organisation_id,
    )
    session.add(second)
    session.flush()
    row.second_audit_id = second.id
    row.allocated_at = utcnow()
    session.add(row)
    record_event(
        "second_audit.allocated",
        session=session,
        actor=actor,
        case_ref=case_ref,
        first_audit_id=first.id,
        second_audit_id=second.id,
        auditor_id=person,
    )
    # The second audit's own history is its auditor's to read: it names the draw, or the QA
    # lead who allocated it, never the first auditor whose submission was drawn.
    record_event(
        "audit.created",
        session=session,
        actor=actor if actor.role == ADMIN else Actor.system(DRAW),
        audit_id=second.id,
        case_ref=case_ref,
        second_audit=True,
        auditor_id=person,
    )
    session.flush()
    return second


def eligible_auditors(first: Audit, any_service: Sequence[str], *, session: Session) -> list[User]:
    """Active auditors of the first audit's organisation, other than the first audit's, whose
    team is in the case's service or who may audit any service (``AUDIT_ANY_SERVICE``).
    Managers are left out: a manager of the service may open the first audit, so the second
    would not be blind."""
    case = session.get(Case, first.case_id)
    assert case is not None
    team = session.get(Team, case.team_id)
    assert team is not None
    users = session.exec(
        select(User)
        .join(Team, col(Team.id) == User.team_id, isouter=True)
        .where(
            User.role == AUDITOR,
            col(User.active).is_(True),
            User.id != first.auditor_id,
            User.organisation_id == first.organisation_id,
        )
    ).all()
    teams = {t.id: t.service_id for t in session.exec(select(Team))}
    return [
        u for u in users if teams.get(u.team_id) == team.service_id or u.username in any_service
    ]


def open_counts(*, session: Session) -> dict[int, int]:
    """How many second audits each auditor has not yet submitted."""
    rows = session.exec(
        select(Audit.auditor_id, func.count())
        .where(col(Audit.second_of_id).is_not(None), col(Audit.status).in_(OPEN))
        .group_by(col(Audit.auditor_id))
    ).all()
    return {auditor: int(count) for auditor, count in rows}


def waiting(
    any_service: Sequence[str], *, session: Session, actor: Actor | None = None
) -> list[Waiting]:
    """Second audits drawn with nobody to do them yet (of the actor's organisation's audits),
    oldest first."""
    rows = session.exec(
        select(SecondAudit, Audit, Case.case_ref)
        .join(Audit, col(Audit.id) == SecondAudit.first_audit_id)
        .join(Case, col(Case.id) == Audit.case_id)
        .where(col(SecondAudit.second_audit_id).is_(None))
        .where(*([] if actor is None else [visibility.audits_seen(actor)]))
        .order_by(col(SecondAudit.drawn_at), col(SecondAudit.first_audit_id))
    ).all()
    return [
        Waiting(row.first_audit_id, case_ref, row.drawn_at, assignable(first, session=session))
        for row, first, case_ref in rows
    ]


def assignable(first: Audit, *, session: Session) -> list[User]:
    """Whom the QA lead may give a waiting second audit: any active auditor of the first
    audit's organisation but the first's."""
    return list(
        session.exec(
            select(User)
            .where(
                User.role == AUDITOR,
                col(User.active).is_(True),
                User.id != first.auditor_id,
                User.organisation_id == first.organisation_id,
            )
            .order_by(col(User.username))
        )
    )


def assign(first_audit_id: int, auditor_id: int, actor: Actor, *, session: Session) -> Audit:
    """The QA lead gives a waiting second audit to an auditor; FieldErrors if not one of those
    it may go to."""
    if actor.role != ADMIN:
        raise SecondAuditNotFound(first_audit_id)
    row = session.get(SecondAudit, first_audit_id)
    first = session.get(Audit, first_audit_id)
    if row is None or first is None or row.second_audit_id is not None:
        raise SecondAuditNotFound(first_audit_id)
    if auditor_id not in {u.id for u in assignable(first, session=session)}:
        raise errors.FieldErrors(
            {f"auditor-{first_audit_id}": "Select an auditor other than the first audit's"}
        )
    case = session.get(Case, first.case_id)
    assert case is not None
    return _give(row, first, auditor_id, case.case_ref, actor, session=session)


__all__ = [
    "SecondAuditNotFound",
    "SecondAuditSettings",
    "Waiting",
    "assign",
    "assignable",
    "draw_on_submission",
    "eligible_auditors",
    "open_counts",
    "waiting",
]
