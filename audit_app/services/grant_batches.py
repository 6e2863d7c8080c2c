"""Grant batches, for the home organisation's admins (the QA lead): making a batch, granting
visiting auditors our cases for a window of days, changing a window, revoking a grant, and the
external audits made under a batch (docs/cross-borough-audits.md).

A partner organisation's admins see their own people's grants: titles, windows and what their
people see of each case (its pseudonym when the batch says so), never our real references.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from audit_app.core.grades import final_grade
from audit_app.core.limits import TITLE_MAX_LENGTH
from audit_app.core.partnership import GRANT_PURPOSES, pseudonym, window_is_open
from audit_app.models import (
    Audit,
    AuditResult,
    Case,
    CaseGrant,
    GrantBatch,
    Organisation,
    QuestionnaireVersion,
    User,
    utcnow,
)
from audit_app.services import visibility
from audit_app.services.actor import Actor
from audit_app.services.audits import date_from_parts
from audit_app.services.errors import FieldErrors, NotFound
from audit_app.services.grants import may_hold_grants, shown_reference
from audit_app.services.trail import record_event

BATCH_PURPOSES = {key: GRANT_PURPOSES[key] for key in ("cross_borough", "peer")}
"""The purposes a QA lead chooses on the grant pages (the independent auditor's are made on
their own pages)."""

MAX_REFERENCES = 200
"""The most case references one form may grant at once."""

DateParts = tuple[str, str, str]


@dataclass(frozen=True)
class GrantRow:
    """One grant as a batch page lists it."""

    grant: CaseGrant
    case_ref: str
    shown_as: str
    visitor: str
    organisation: str
    state: str


@dataclass(frozen=True)
class ExternalAudit:
    """An audit a visitor made of one of our cases under a batch."""

    audit_id: int
    case_ref: str
    shown_as: str
    questionnaire: str
    visitor: str
    status: str
    grade: str | None


@dataclass(frozen=True)
class BatchPage:
    batch: GrantBatch
    rows: list[GrantRow]
    audits: list[ExternalAudit]

    @property
    def purpose_name(self) -> str:
        return GRANT_PURPOSES.get(self.batch.purpose, self.batch.purpose)


@dataclass(frozen=True)
class BatchSummary:
    batch: GrantBatch
    grants: int
    open_today: int

    @property
    def purpose_name(self) -> str:
        return GRANT_PURPOSES.get(self.batch.purpose, self.batch.purpose)


def state_of(grant: CaseGrant, today: date) -> str:
    """The grant's state today, in the words of the batch page."""
    if grant.revoked_at is not None:
        return "Revoked"
    if window_is_open(grant.starts_on, grant.ends_on, today):
        return "Open"
    return "Not started" if today < grant.starts_on else "Ended"


# --- batches -------------------------------------------------------------------------------


def list_batches(*, session: Session, today: date) -> list[BatchSummary]:
    """Every batch, newest first, with how many grants it holds and how many are open today."""
    batches = session.exec(select(GrantBatch).order_by(col(GrantBatch.id).desc())).all()
    grants = session.exec(select(CaseGrant)).all()
    return [
        BatchSummary(
            batch,
            sum(1 for g in grants if g.batch_id == batch.id),
            sum(1 for g in grants if g.batch_id == batch.id and state_of(g, today) == "Open"),
        )
        for batch in batches
    ]


def make_batch(
    title: str, purpose: str, pseudonymised: bool, actor: Actor, *, session: Session
) -> GrantBatch:
    """A new batch, with its own key for pseudonyms (32 random bytes), in the trail."""
    title = title.strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Enter a title for the grants, for example the exercise's name"
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"The title must be {TITLE_MAX_LENGTH} characters or fewer"
    if purpose not in BATCH_PURPOSES:
        errors["purpose"] = "Select what the grants are for"
    if errors:
        raise FieldErrors(errors)
    batch = GrantBatch(
        title=title,
        purpose=purpose,
        pseudonymised=pseudonymised,
        pseudonym_key=secrets.token_bytes(32).hex(),
        created_by_id=actor.person_id,
    )
    session.add(batch)
    session.flush()
    record_event(
        "grant_batch.created",
        session=session,
        actor=actor,
        batch_id=batch.id,
        title=title,
        purpose=purpose,
        pseudonymised=pseudonymised,
    )
    return batch


def load_batch(batch_id: int, *, session: Session) -> GrantBatch:
    batch = session.get(GrantBatch, batch_id)
    if batch is None:
        raise NotFound(batch_id)
    return batch


def batch_page(batch: GrantBatch, *, session: Session, today: date) -> BatchPage:
    """A batch with its grants (reference, pseudonym, visitor, window, state) and the audits
    its visitors made of its cases."""
    rows = session.exec(
        select(CaseGrant, Case, User, Organisation)
        .join(Case, col(Case.id) == CaseGrant.case_id)
        .join(User, col(User.id) == CaseGrant.user_id)
        .join(Organisation, col(Organisation.id) == User.organisation_id)
        .where(CaseGrant.batch_id == batch.id)
        .order_by(col(Case.case_ref), col(CaseGrant.id))
    ).all()
    return BatchPage(
        batch,
        [
            GrantRow(
                grant,
                case.case_ref,
                shown_reference(batch, case.case_ref),
                user.display_name or user.username,
                organisation.name,
                state_of(grant, today),
            )
            for grant, case, user, organisation in rows
        ],
        external_audits(batch, session=session),
    )


def external_audits(batch: GrantBatch, *, session: Session) -> list[ExternalAudit]:
    """The audits the batch's visitors made of the batch's cases, newest first."""
    granted = select(CaseGrant.user_id, CaseGrant.case_id).where(CaseGrant.batch_id == batch.id)
    pairs = {(uid, cid) for uid, cid in session.exec(granted)}
    if not pairs:
        return []
    rows = session.exec(
        select(Audit, Case, QuestionnaireVersion.title, User, AuditResult)  # type: ignore[call-overload]
        .join(Case, col(Case.id) == Audit.case_id)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .join(User, col(User.id) == Audit.auditor_id)
        .join(AuditResult, col(AuditResult.audit_id) == Audit.id, isouter=True)
        .where(col(Audit.case_id).in_(sorted({cid for _, cid in pairs if cid is not None})))
        .where(col(Audit.organisation_id) == User.organisation_id)
        .order_by(col(Audit.id).desc())
    ).all()
    return [
        ExternalAudit(
            audit.id,
            case.case_ref,
            shown_reference(batch, case.case_ref),
            title,
            user.display_name or user.username,
            audit.status,
            _grade(result),
        )
        for audit, case, title, user, result in rows
        if (audit.auditor_id, audit.case_id) in pairs
    ]


def _grade(result: AuditResult | None) -> str | None:
    if result is None:
        return None
    return final_grade(
        computed=result.grade_computed, judged=result.grade_judged, moderated=result.grade_moderated
    )


# --- grants --------------------------------------------------------------------------------


def visitors(*, session: Session) -> list[tuple[User, Organisation]]:
    """The people who may be given grants, by organisation and name."""
    rows = session.exec(
        select(User, Organisation)
        .join(Organisation, col(Organisation.id) == User.organisation_id)
        .order_by(col(Organisation.name), col(User.username))
    ).all()
    return [(user, org) for user, org in rows if may_hold_grants(user, org)]


def window_problems(
    starts: DateParts, ends: DateParts
) -> tuple[date | None, date | None, dict[str, str]]:
    """The window's first and last days as typed, and what is wrong with them, by field."""
    errors: dict[str, str] = {}
    first, problem = date_from_parts(*starts, what="The first day")
    if problem or first is None:
        errors["starts-day"] = problem or "Enter the first day of access"
    last, problem = date_from_parts(*ends, what="The last day")
    if problem or last is None:
        errors["ends-day"] = problem or "Enter the last day of access"
    elif first is not None and last < first:
        errors["ends-day"] = "The last day must be the same as or after the first day"
    return first, last, errors


def add_grants(
    batch: GrantBatch,
    visitor_id: str,
    references: str,
    window: tuple[DateParts, DateParts],
    actor: Actor,
    *,
    session: Session,
) -> list[CaseGrant]:
    """Grant the visitor each case of ours whose reference is on its own line, for the window;
    FieldErrors naming what is wrong (every reference that is not a case of ours)."""
    first, last, window_errors = window_problems(*window)
    visitor = _visitor(visitor_id, session=session)
    cases, problem = _our_cases(references, actor, session=session)
    errors = {"visitor": "Select the visiting auditor"} if visitor is None else {}
    if problem:
        errors["references"] = problem
    errors.update(window_errors)
    if errors:
        raise FieldErrors(errors)
    assert visitor is not None and first is not None and last is not None
    return [_grant(batch, visitor, case, first, last, actor, session=session) for case in cases]


def _visitor(visitor_id: str, *, session: Session) -> User | None:
    if not visitor_id.isdigit():
        return None
    user = session.get(User, int(visitor_id))
    if user is None:
        return None
    organisation = session.get(Organisation, user.organisation_id)
    return user if may_hold_grants(user, organisation) else None


def _our_cases(references: str, actor: Actor, *, session: Session) -> tuple[list[Case], str]:
    """The cases of ours the references name, one per line, and the problem with them if any."""
    wanted = list(dict.fromkeys(line.strip() for line in references.splitlines() if line.strip()))
    if not wanted:
        return [], "Enter one or more case references, one on each line"
    if len(wanted) > MAX_REFERENCES:
        return [], f"Enter {MAX_REFERENCES} case references or fewer at once"
    found = {
        case.case_ref: case
        for case in session.exec(
            select(Case).where(
                col(Case.case_ref).in_(wanted),
                Case.subject == "case",
                col(Case.training).is_(False),
                visibility.cases_seen(actor),
            )
        )
    }
    missing = [ref for ref in wanted if ref not in found]
    if missing:
        names = ", ".join(ref[:32] for ref in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        return (
            [],
            f"There is no case of ours with the reference {names}{more}: check each reference",
        )
    return [found[ref] for ref in wanted], ""


def _grant(
    batch: GrantBatch,
    visitor: User,
    case: Case,
    first: date,
    last: date,
    actor: Actor,
    *,
    session: Session,
) -> CaseGrant:
    grant = CaseGrant(
        batch_id=batch.id,  # type: ignore[arg-type]
        user_id=visitor.id,  # type: ignore[arg-type]
        case_id=case.id,
        starts_on=first,
        ends_on=last,
        granted_by_id=actor.person_id,
    )
    session.add(grant)
    session.flush()
    record_event(
        "grant.added",
        session=session,
        actor=actor,
        case_ref=case.case_ref,
        batch_id=batch.id,
        grant_id=grant.id,
        visitor_id=visitor.id,
        starts_on=first.isoformat(),
        ends_on=last.isoformat(),
    )
    return grant


def load_grant(batch: GrantBatch, grant_id: int, *, session: Session) -> CaseGrant:
    grant = session.get(CaseGrant, grant_id)
    if grant is None or grant.batch_id != batch.id:
        raise NotFound(grant_id)
    return grant


def change_window(
    grant: CaseGrant, window: tuple[DateParts, DateParts], actor: Actor, *, session: Session
) -> None:
    """Shorten or extend a grant's window, in the trail."""
    if grant.revoked_at is not None:
        raise FieldErrors({"starts-day": "This grant has been revoked: grant the case again"})
    first, last, errors = window_problems(*window)
    if errors:
        raise FieldErrors(errors)
    assert first is not None and last is not None
    before = (grant.starts_on.isoformat(), grant.ends_on.isoformat())
    grant.starts_on, grant.ends_on = first, last
    session.add(grant)
    session.flush()
    record_event(
        "grant.window_changed",
        session=session,
        actor=actor,
        case_ref=case_ref_of(grant, session=session),
        batch_id=grant.batch_id,
        grant_id=grant.id,
        before=list(before),
        after=[first.isoformat(), last.isoformat()],
    )


def revoke(grant: CaseGrant, actor: Actor, *, session: Session) -> None:
    """End a grant now: it gives nothing from this moment, whatever its window."""
    if grant.revoked_at is not None:
        return
    grant.revoked_at = utcnow()
    grant.revoked_by_id = actor.person_id
    session.add(grant)
    session.flush()
    record_event(
        "grant.revoked",
        session=session,
        actor=actor,
        case_ref=case_ref_of(grant, session=session),
        batch_id=grant.batch_id,
        grant_id=grant.id,
    )


def case_ref_of(grant: CaseGrant, *, session: Session) -> str | None:
    case = session.get(Case, grant.case_id) if grant.case_id is not None else None
    return None if case is None else case.case_ref


# --- a partner organisation's view ---------------------------------------------------------


@dataclass(frozen=True)
class PeopleGrant:
    """One grant of a partner organisation's person, as its admins see it."""

    title: str
    purpose: str
    person: str
    shown_as: str
    starts_on: date
    ends_on: date
    state: str


def grants_of_people(actor: Actor, *, session: Session, today: date) -> list[PeopleGrant]:
    """The grants held by the people of the admin's organisation, newest first, each case by
    its pseudonym in the batch: never our real reference."""
    rows = session.exec(
        select(CaseGrant, GrantBatch, User, Case)
        .join(GrantBatch, col(GrantBatch.id) == CaseGrant.batch_id)
        .join(User, col(User.id) == CaseGrant.user_id)
        .join(Case, col(Case.id) == CaseGrant.case_id)
        .where(visibility.people_seen(actor))
        .order_by(col(CaseGrant.id).desc())
    ).all()
    return [
        PeopleGrant(
            batch.title,
            GRANT_PURPOSES.get(batch.purpose, batch.purpose),
            user.display_name or user.username,
            pseudonym(bytes.fromhex(batch.pseudonym_key), case.case_ref),
            grant.starts_on,
            grant.ends_on,
            state_of(grant, today),
        )
        for grant, batch, user, case in rows
    ]
