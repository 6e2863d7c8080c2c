"""The independent auditor (docs/independent-auditor.md; docs/design/multi-agency.md, decision 5).

The council's admins assign an independent auditor submitted audits to re-audit and cases to
look at, for a window of England's days: a ``grant_batch`` of purpose "independent" (never
pseudonymised: the auditor is one of our people) with one ``case_grant`` per audit or case.
Outside the window, or once revoked, a grant gives nothing and everything it named answers as
not found.

The re-audit is a second audit of the first (``audit.second_of_id``, the same questionnaire
version), the independent auditor's own: blind as every second audit is (``audits.may_see``),
never counted in the service's figures and never in the agreement figures. Once it is submitted
they may open the first audit's record and record **challenge**, on the audit or on one of its
themes; the case's service's group managers and the admins respond. A case granted to look at
opens its submitted audits' records the same way, for challenge.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.grades import final_grade
from audit_app.core.lifecycle import EXERCISE, STANDING
from audit_app.core.roles import ADMIN, INDEPENDENT, MANAGER, VIEWER
from audit_app.models import (
    Audit,
    AuditResult,
    Case,
    CaseGrant,
    Challenge,
    GrantBatch,
    Organisation,
    QuestionnaireVersion,
    Service,
    Team,
    ThemeResult,
    User,
    utcnow,
)
from audit_app.reporting.cells import neutralise
from audit_app.services import errors, visibility
from audit_app.services.actor import Actor
from audit_app.services.audits import (
    MAX_TEXT,
    AuditFile,
    audit_file_of,
    counts_in_figures,
    date_from_parts,
)
from audit_app.services.grants import open_grants
from audit_app.services.trail import record_event

PURPOSE = "independent"
OVERALL = "overall"
WHOLE_AUDIT = ""
"""The theme of a challenge on the audit as a whole."""
ASSIGNABLE_LIMIT = 200
"""The most recent submitted audits the assignment page offers."""

STALE_RESPONSE = (
    "Someone else changed this response after you opened the page, so yours was not saved. "
    "The saved response is shown; what you typed is kept in the box."
)


class AssignmentNotFound(errors.NotFound):
    """No such assignment, or not one this person may change."""


class NotAssigned(errors.NotFound):
    """Not assigned to this person today (or not there at all): the two are not told apart."""


class ChallengeNotFound(errors.NotFound):
    """No such challenge, or not one this person may respond to."""


class StaleChallenge(errors.Stale):
    """The response changed since the page was opened."""

    def __init__(self) -> None:
        super().__init__(STALE_RESPONSE)


@dataclass(frozen=True)
class Window:
    """A grant's first and last day (England's days, both included), as typed."""

    starts: tuple[str, str, str]
    ends: tuple[str, str, str]

    def days(self) -> tuple[date, date]:
        """The two days; FieldErrors naming the day boxes of each one wrong."""
        starts_on, starts_problem = date_from_parts(*self.starts, "The first day")
        ends_on, ends_problem = date_from_parts(*self.ends, "The last day")
        problems = {}
        if starts_on is None:
            problems["starts-day"] = starts_problem or "Enter the first day"
        if ends_on is None:
            problems["ends-day"] = ends_problem or "Enter the last day"
        if starts_on and ends_on and ends_on < starts_on:
            problems["ends-day"] = "The last day must be the same as or after the first day"
        if problems:
            raise errors.FieldErrors(problems)
        assert starts_on is not None and ends_on is not None
        return starts_on, ends_on


# --- assigning (home admins) ---------------------------------------------------------------


def _admin_only(actor: Actor, *, session: Session) -> None:
    if actor.role != ADMIN or not visibility.is_home(actor, session=session):
        raise AssignmentNotFound("assignments")


def independent_auditors(*, session: Session) -> list[User]:
    """The active independent auditors (home people), by username."""
    return list(
        session.exec(
            select(User)
            .where(User.role == INDEPENDENT, col(User.active).is_(True))
            .order_by(col(User.username))
        )
    )


@dataclass(frozen=True)
class AssignableAudit:
    """A submitted audit of the service's own that can be given for re-audit."""

    audit_id: int
    case_ref: str
    service: str
    title: str
    submitted_at: datetime | None


def assignable_audits(*, session: Session) -> list[AssignableAudit]:
    """The most recent submitted audits of the home organisation's, counted in its figures."""
    rows = session.exec(
        _joined(select(Audit, Case.case_ref, Service.name, QuestionnaireVersion.title))
        .where(col(Audit.status).in_(STANDING), *_counted(), _home_audits())
        .order_by(col(Audit.submitted_at).desc(), col(Audit.id).desc())
        .limit(ASSIGNABLE_LIMIT)
    ).all()
    return [
        AssignableAudit(a.id, ref, service, title, a.submitted_at)
        for a, ref, service, title in rows
    ]


def _joined(query: Any) -> Any:
    return (
        query.join(Case, col(Case.id) == Audit.case_id)
        .join(Team, col(Team.id) == Case.team_id)
        .join(Service, col(Service.id) == Team.service_id)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
    )


def _counted() -> list[Any]:
    return [col(Audit.exercise_id).is_(None), col(Audit.second_of_id).is_(None)]


def _home_audits() -> Any:
    home = select(Organisation.id).where(col(Organisation.is_home).is_(True))
    return col(Audit.organisation_id).in_(home)


@dataclass(frozen=True)
class Assignment:
    """What an admin asks for: who, a title, the audits and cases, and the window."""

    auditor_id: str
    title: str
    audit_ids: list[str]
    case_refs: str
    window: Window


def assign(wanted: Assignment, actor: Actor, *, session: Session) -> GrantBatch:
    """Give the independent auditor the audits and cases for the window; FieldErrors, changing
    nothing, when anything named is not one that can be given."""
    _admin_only(actor, session=session)
    problems: dict[str, str] = {}
    auditor = _chosen_auditor(wanted.auditor_id, session=session, problems=problems)
    audits = _chosen_audits(wanted.audit_ids, session=session, problems=problems)
    cases = _chosen_cases(wanted.case_refs, session=session, problems=problems)
    title = wanted.title.strip()
    if not title or len(title) > 200:
        problems["title"] = "Enter a title of 200 characters or fewer"
    if not audits and not cases and "audits" not in problems and "cases" not in problems:
        problems["audits"] = "Choose an audit to re-audit, or enter a case to look at"
    try:
        starts_on, ends_on = wanted.window.days()
    except errors.FieldErrors as wrong:
        problems.update(wrong.errors)
    if problems:
        raise errors.FieldErrors(problems)
    assert auditor is not None and auditor.id is not None
    batch = GrantBatch(
        title=title,
        purpose=PURPOSE,
        pseudonymised=False,
        pseudonym_key=secrets.token_hex(32),
        created_by_id=actor.person_id,
    )
    session.add(batch)
    session.flush()
    targets = [(a.id, None) for a in audits] + [(None, c.id) for c in cases]
    for audit_id, case_id in targets:
        grant = CaseGrant(
            batch_id=batch.id,  # type: ignore[arg-type]
            user_id=auditor.id,
            audit_id=audit_id,
            case_id=case_id,
            starts_on=starts_on,
            ends_on=ends_on,
            granted_by_id=actor.person_id,
        )
        session.add(grant)
        session.flush()
        _record_grant("independent.assigned", grant, actor, session=session)
    return batch


def _record_grant(action: str, grant: CaseGrant, actor: Actor, *, session: Session) -> None:
    """The trail's entry for a grant: who holds it, to what, for when (no audit is named in
    ``audit_id``, so that the first audit's history does not tell its auditor)."""
    case_ref = _case_ref_of(grant, session=session)
    record_event(
        action,
        session=session,
        actor=actor,
        case_ref=case_ref,
        grant_id=grant.id,
        batch_id=grant.batch_id,
        holder_id=grant.user_id,
        first_audit_id=grant.audit_id,
        starts_on=grant.starts_on.isoformat(),
        ends_on=grant.ends_on.isoformat(),
    )


def _case_ref_of(grant: CaseGrant, *, session: Session) -> str:
    case_id = grant.case_id
    if case_id is None:
        audit = session.get(Audit, grant.audit_id)
        assert audit is not None
        case_id = audit.case_id
    case = session.get(Case, case_id)
    assert case is not None
    return case.case_ref


def _chosen_auditor(chosen: str, *, session: Session, problems: dict[str, str]) -> User | None:
    found = {str(u.id): u for u in independent_auditors(session=session)}
    if chosen not in found:
        problems["auditor"] = "Choose an independent auditor"
        return None
    return found[chosen]


def _chosen_audits(chosen: list[str], *, session: Session, problems: dict[str, str]) -> list[Audit]:
    wanted = {int(a) for a in chosen if a.isdigit()}
    if len(wanted) != len(set(chosen)):
        problems["audits"] = "Choose audits from the list"
        return []
    if not wanted:
        return []
    audits = session.exec(
        select(Audit).where(
            col(Audit.id).in_(wanted), col(Audit.status).in_(STANDING), *_counted(), _home_audits()
        )
    ).all()
    if len(audits) != len(wanted):
        problems["audits"] = "Choose audits from the list: submitted audits only"
    return list(audits)


def _chosen_cases(typed: str, *, session: Session, problems: dict[str, str]) -> list[Case]:
    refs = sorted({ref.strip() for ref in typed.replace(",", "\n").splitlines() if ref.strip()})
    if not refs:
        return []
    home_teams = (
        select(Team.id)
        .join(Service, col(Service.id) == Team.service_id)
        .join(Organisation, col(Organisation.id) == Service.organisation_id)
        .where(col(Organisation.is_home).is_(True))
    )
    cases = session.exec(
        select(Case).where(
            col(Case.case_ref).in_(refs),
            col(Case.training).is_(False),
            col(Case.team_id).in_(home_teams),
        )
    ).all()
    missing = sorted(set(refs) - {c.case_ref for c in cases})
    if missing:
        problems["cases"] = f"No case with the reference {', '.join(missing)[:200]}"
    return list(cases)


@dataclass(frozen=True)
class AssignmentRow:
    """One grant of an independent batch, as the admins' list shows it."""

    grant: CaseGrant
    batch_title: str
    auditor: str
    case_ref: str
    re_audit: bool
    state: str


def assignments(actor: Actor, *, session: Session, today: date) -> list[AssignmentRow]:
    """Every grant to an independent auditor, the newest batch first."""
    _admin_only(actor, session=session)
    rows = session.exec(
        select(CaseGrant, GrantBatch.title, User)
        .join(GrantBatch, col(GrantBatch.id) == CaseGrant.batch_id)
        .join(User, col(User.id) == CaseGrant.user_id)
        .where(GrantBatch.purpose == PURPOSE)
        .order_by(col(GrantBatch.id).desc(), col(CaseGrant.id))
    ).all()
    return [
        AssignmentRow(
            grant=grant,
            batch_title=title,
            auditor=user.display_name or user.username,
            case_ref=_case_ref_of(grant, session=session),
            re_audit=grant.audit_id is not None,
            state=state_of(grant, today),
        )
        for grant, title, user in rows
    ]


def state_of(grant: CaseGrant, today: date) -> str:
    """Revoked, Ended, Not started yet or Open, on England's day ``today``."""
    if grant.revoked_at is not None:
        return "Revoked"
    if grant.ends_on < today:
        return "Ended"
    if grant.starts_on > today:
        return "Not started yet"
    return "Open"


def assignment(grant_id: int, actor: Actor, *, session: Session, today: date) -> AssignmentRow:
    """One grant to an independent auditor, for an admin to change."""
    for row in assignments(actor, session=session, today=today):
        if row.grant.id == grant_id:
            return row
    raise AssignmentNotFound(grant_id)


def change_window(grant_id: int, window: Window, actor: Actor, *, session: Session) -> CaseGrant:
    """A new first and last day for a grant not revoked; FieldErrors when they are not days."""
    grant = _grant_to_change(grant_id, actor, session=session)
    starts_on, ends_on = window.days()
    grant.starts_on, grant.ends_on = starts_on, ends_on
    session.add(grant)
    session.flush()
    _record_grant("independent.window_changed", grant, actor, session=session)
    return grant


def revoke(grant_id: int, actor: Actor, *, session: Session) -> CaseGrant:
    """End a grant now, whatever its window."""
    grant = _grant_to_change(grant_id, actor, session=session)
    grant.revoked_at = utcnow()
    grant.revoked_by_id = actor.person_id
    session.add(grant)
    session.flush()
    _record_grant("independent.revoked", grant, actor, session=session)
    return grant


def _grant_to_change(grant_id: int, actor: Actor, *, session: Session) -> CaseGrant:
    _admin_only(actor, session=session)
    grant = session.get(CaseGrant, grant_id)
    batch = None if grant is None else session.get(GrantBatch, grant.batch_id)
    if grant is None or batch is None or batch.purpose != PURPOSE:
        raise AssignmentNotFound(grant_id)
    if grant.revoked_at is not None:
        raise errors.Refused("This assignment was revoked, so it can no longer change.")
    return grant


# --- the independent auditor's work --------------------------------------------------------


@dataclass(frozen=True)
class AssignedAudit:
    """An audit open to re-audit today, with the auditor's own re-audit if started."""

    first_audit_id: int
    case_ref: str
    title: str
    ends_on: date
    re_audit: Audit | None

    @property
    def submitted(self) -> bool:
        return self.re_audit is not None and self.re_audit.status == EXERCISE


@dataclass(frozen=True)
class AssignedCase:
    """A case open to look at today, with its submitted audits."""

    case_ref: str
    ends_on: date
    audits: list[tuple[int, str, datetime | None]] = field(default_factory=list)


def _independent_only(actor: Actor) -> None:
    if actor.role != INDEPENDENT:
        raise NotAssigned("assigned")


def assigned_audits(actor: Actor, *, session: Session, today: date) -> list[AssignedAudit]:
    """The audits assigned to this independent auditor to re-audit, open today."""
    _independent_only(actor)
    rows = session.exec(
        select(CaseGrant, Audit, Case.case_ref, QuestionnaireVersion.title)
        .join(Audit, col(Audit.id) == CaseGrant.audit_id)
        .join(Case, col(Case.id) == Audit.case_id)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .where(open_grants(actor.person_id, on=today))
        .order_by(col(CaseGrant.ends_on), col(Case.case_ref))
    ).all()
    seen: dict[int, AssignedAudit] = {}
    for grant, first, case_ref, title in rows:
        assert first.id is not None
        if first.id not in seen:
            mine = own_re_audit(first.id, actor, session=session)
            seen[first.id] = AssignedAudit(first.id, case_ref, title, grant.ends_on, mine)
    return list(seen.values())


def assigned_cases(actor: Actor, *, session: Session, today: date) -> list[AssignedCase]:
    """The cases assigned to this independent auditor to look at, open today, each with its
    submitted audits."""
    _independent_only(actor)
    rows = session.exec(
        select(CaseGrant, Case)
        .join(Case, col(Case.id) == CaseGrant.case_id)
        .where(open_grants(actor.person_id, on=today))
        .order_by(col(Case.case_ref))
    ).all()
    found: dict[str, AssignedCase] = {}
    for grant, case in rows:
        audits = session.exec(
            select(Audit.id, QuestionnaireVersion.title, Audit.submitted_at)
            .join(
                QuestionnaireVersion,
                col(QuestionnaireVersion.id) == Audit.questionnaire_version_id,
            )
            .where(Audit.case_id == case.id, col(Audit.status).in_(STANDING), *_counted())
            .where(_home_audits())
            .order_by(col(Audit.submitted_at))
        ).all()
        found.setdefault(
            case.case_ref,
            AssignedCase(case.case_ref, grant.ends_on, [(i, t, s) for i, t, s in audits]),  # type: ignore[misc]
        )
    return list(found.values())


def own_re_audit(first_audit_id: int, actor: Actor, *, session: Session) -> Audit | None:
    """This person's re-audit of the audit, if they started one."""
    return session.exec(
        select(Audit).where(Audit.second_of_id == first_audit_id, Audit.auditor_id == actor.id)
    ).first()


def _granted_audit(first_audit_id: int, actor: Actor, *, session: Session) -> Audit:
    """The audit, if assigned to this independent auditor to re-audit and open today."""
    _independent_only(actor)
    held = session.exec(
        select(CaseGrant.id).where(
            open_grants(actor.person_id), CaseGrant.audit_id == first_audit_id
        )
    ).first()
    first = session.get(Audit, first_audit_id)
    if held is None or first is None:
        raise NotAssigned(first_audit_id)
    return first


def start_re_audit(first_audit_id: int, actor: Actor, *, session: Session) -> Audit:
    """Start (or carry on with) the independent auditor's blind re-audit of an assigned audit:
    a second audit of it on the same questionnaire version."""
    first = _granted_audit(first_audit_id, actor, session=session)
    mine = own_re_audit(first_audit_id, actor, session=session)
    if mine is not None:
        return mine
    if first.status not in STANDING or not counts_in_figures(first):
        raise NotAssigned(first_audit_id)
    re_audit = Audit(
        case_id=first.case_id,
        questionnaire_version_id=first.questionnaire_version_id,
        auditor_id=actor.person_id,
        second_of_id=first.id,
        organisation_id=first.organisation_id,
    )
    session.add(re_audit)
    session.flush()
    case = session.get(Case, first.case_id)
    assert case is not None
    # The re-audit's own history names its auditor alone, never the first audit's.
    record_event(
        "audit.created",
        session=session,
        actor=actor,
        audit_id=re_audit.id,
        case_ref=case.case_ref,
        second_audit=True,
        independent=True,
    )
    record_event(
        "independent.re_audit_started",
        session=session,
        actor=actor,
        case_ref=case.case_ref,
        first_audit_id=first.id,
        re_audit_id=re_audit.id,
    )
    return re_audit


# --- the first audit's record and challenge -------------------------------------------------


def first_record(audit_id: int, actor: Actor, *, session: Session) -> AuditFile:
    """The first audit's record, read-only, for the independent auditor: an assigned audit once
    their own re-audit of it is submitted, or a submitted audit of a case assigned to look at;
    open today. Anything else answers as not found, the first audit's grades above all."""
    _independent_only(actor)
    audit = session.get(Audit, audit_id)
    if audit is None or audit.status not in STANDING or not counts_in_figures(audit):
        raise NotAssigned(audit_id)
    organisation = session.get(Organisation, audit.organisation_id)
    # An agency's return on one of our cases is the agency's record, never shown to them.
    if organisation is None or not organisation.is_home:
        raise NotAssigned(audit_id)
    if not (
        _re_audited(audit, actor, session=session) or _case_granted(audit, actor, session=session)
    ):
        raise NotAssigned(audit_id)
    return audit_file_of(audit, session=session)


def _re_audited(audit: Audit, actor: Actor, *, session: Session) -> bool:
    held = session.exec(
        select(CaseGrant.id).where(open_grants(actor.person_id), CaseGrant.audit_id == audit.id)
    ).first()
    mine = own_re_audit(audit.id, actor, session=session)  # type: ignore[arg-type]
    return held is not None and mine is not None and mine.status == EXERCISE


def _case_granted(audit: Audit, actor: Actor, *, session: Session) -> bool:
    held = session.exec(
        select(CaseGrant.id).where(open_grants(actor.person_id), CaseGrant.case_id == audit.case_id)
    ).first()
    return held is not None


def theme_choices(audit_file: AuditFile) -> dict[str, str]:
    """What a challenge can be on: the audit as a whole, or one of its themes shown."""
    return {WHOLE_AUDIT: "The audit as a whole"} | {t.id: t.title for t in audit_file.shown_themes}


def record_challenge(
    audit_file: AuditFile, theme_id: str, text: str, actor: Actor, *, session: Session
) -> Challenge:
    """The independent auditor's challenge on the audit or one of its themes; FieldErrors,
    keeping nothing, when the words or the theme are wrong."""
    problems = {}
    if theme_id not in theme_choices(audit_file):
        problems["theme"] = "Choose the audit as a whole or one of its themes"
    words = text.strip()
    if not words:
        problems["text"] = "Enter your challenge"
    elif len(words) > MAX_TEXT:
        problems["text"] = f"Keep it to {MAX_TEXT:,} characters or fewer"
    if problems:
        raise errors.FieldErrors(problems)
    challenge = Challenge(
        audit_id=audit_file.audit.id,  # type: ignore[arg-type]
        theme_id=theme_id or None,
        text=words,
        raised_by_id=actor.person_id,
    )
    session.add(challenge)
    session.flush()
    record_event(
        "challenge.raised",
        session=session,
        actor=actor,
        audit_id=audit_file.audit.id,
        case_ref=audit_file.case.case_ref,
        challenge_id=challenge.id,
        theme_id=theme_id or OVERALL,
    )
    return challenge


def challenges_of(audit_id: int, *, session: Session) -> list[Challenge]:
    """The challenges recorded on an audit, oldest first."""
    return list(
        session.exec(
            select(Challenge)
            .where(Challenge.audit_id == audit_id)
            .order_by(col(Challenge.raised_at), col(Challenge.id))
        )
    )


def may_respond(actor: Actor, audit: Audit, service_id: int, *, session: Session) -> bool:
    """The case's service's group managers and the home admins; the audit one of ours."""
    if not visibility.may_see_audit(actor, audit) or not counts_in_figures(audit):
        return False
    if actor.role == ADMIN:
        return visibility.is_home(actor, session=session)
    return actor.role == MANAGER and service_id in actor.managed_service_ids


def challenges_for_page(
    audit_file: AuditFile, actor: Actor, *, session: Session
) -> list[Challenge] | None:
    """The challenges the audit's page shows this person: None when they are not one who
    responds (the page then says nothing of challenges)."""
    if not may_respond(actor, audit_file.audit, audit_file.team.service_id, session=session):
        return None
    return challenges_of(audit_file.audit.id, session=session)  # type: ignore[arg-type]


def challenge_to_answer(
    challenge_id: int, actor: Actor, *, session: Session
) -> tuple[Challenge, AuditFile]:
    """A challenge and its audit, for one who may respond; ChallengeNotFound for anyone else."""
    challenge = session.get(Challenge, challenge_id)
    audit = None if challenge is None else session.get(Audit, challenge.audit_id)
    if challenge is None or audit is None:
        raise ChallengeNotFound(challenge_id)
    audit_file = audit_file_of(audit, session=session)
    if not may_respond(actor, audit, audit_file.team.service_id, session=session):
        raise ChallengeNotFound(challenge_id)
    return challenge, audit_file


def respond(
    challenge_id: int, text: str, expected_version: int, actor: Actor, *, session: Session
) -> Challenge:
    """The service's response to a challenge (or a new one in its place); StaleChallenge when
    it changed since the page was opened, FieldErrors when the words are wrong."""
    challenge, audit_file = challenge_to_answer(challenge_id, actor, session=session)
    words = text.strip()
    if not words:
        raise errors.FieldErrors({"response": "Enter the service's response"})
    if len(words) > MAX_TEXT:
        raise errors.FieldErrors({"response": f"Keep it to {MAX_TEXT:,} characters or fewer"})
    changed = session.execute(
        update(Challenge)
        .where(col(Challenge.id) == challenge_id, col(Challenge.version) == expected_version)
        .values(
            response=words,
            responded_by_id=actor.person_id,
            responded_at=utcnow(),
            version=Challenge.version + 1,
        )
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleChallenge()
    session.refresh(challenge)
    record_event(
        "challenge.responded",
        session=session,
        actor=actor,
        audit_id=challenge.audit_id,
        case_ref=audit_file.case.case_ref,
        challenge_id=challenge.id,
    )
    return challenge


# --- findings beside the internal grades ---------------------------------------------------


@dataclass(frozen=True)
class GradePair:
    """One theme (or the overall grade) as the service graded it and as the independent
    auditor did, with the challenges on it."""

    key: str
    title: str
    internal: str | None
    independent: str | None
    challenges: list[Challenge]


@dataclass(frozen=True)
class Finding:
    """An audit the independent auditor re-audited: both sets of grades side by side."""

    first_audit_id: int
    case_ref: str
    service: str
    title: str
    re_audited_at: datetime | None
    grades: list[GradePair]


def may_read_findings(actor: Actor, *, session: Session) -> bool:
    """Home admins, group managers (their services) and viewers."""
    return actor.role in (ADMIN, MANAGER, VIEWER) and visibility.is_home(actor, session=session)


def findings(actor: Actor, *, session: Session) -> list[Finding]:
    """Each submitted independent re-audit of an audit this person may read, newest first."""
    if not may_read_findings(actor, session=session):
        raise NotAssigned("findings")
    re_audits = session.exec(
        select(Audit)
        .join(User, col(User.id) == Audit.auditor_id)
        .where(User.role == INDEPENDENT, Audit.status == EXERCISE)
        .where(col(Audit.second_of_id).is_not(None))
        .order_by(col(Audit.submitted_at).desc(), col(Audit.id).desc())
    ).all()
    found = []
    for re_audit in re_audits:
        first = session.get(Audit, re_audit.second_of_id)
        assert first is not None
        first_file = audit_file_of(first, session=session)
        if actor.role == MANAGER and first_file.team.service_id not in actor.managed_service_ids:
            continue
        found.append(_finding(first_file, re_audit, session=session))
    return found


def _finding(first_file: AuditFile, re_audit: Audit, *, session: Session) -> Finding:
    theirs = audit_file_of(re_audit, session=session).score
    internal = _internal_grades(first_file.audit.id, session=session)  # type: ignore[arg-type]
    challenges = challenges_of(first_file.audit.id, session=session)  # type: ignore[arg-type]
    pairs = [
        GradePair(
            key=theme.id,
            title=theme.title,
            internal=internal.get(theme.id),
            independent=theirs.theme(theme.id).grade,
            challenges=[c for c in challenges if c.theme_id == theme.id],
        )
        for theme in first_file.questionnaire.themes
        if theme.id in internal or theirs.theme(theme.id).grade
    ]
    pairs.append(
        GradePair(
            key=OVERALL,
            title="Overall",
            internal=internal.get(OVERALL),
            independent=theirs.overall.grade,
            challenges=[c for c in challenges if c.theme_id is None],
        )
    )
    return Finding(
        first_audit_id=first_file.audit.id,  # type: ignore[arg-type]
        case_ref=first_file.case.case_ref,
        service=first_file.service or "",
        title=first_file.version_row.title,
        re_audited_at=re_audit.submitted_at,
        grades=pairs,
    )


def _internal_grades(audit_id: int, *, session: Session) -> dict[str, str]:
    """The service's final grade of each theme and overall: the moderator's where moderated."""
    grades: dict[str, str] = {}
    for row in session.exec(select(ThemeResult).where(ThemeResult.audit_id == audit_id)):
        grade = final_grade(
            computed=row.grade_computed, judged=row.grade_judged, moderated=row.grade_moderated
        )
        if grade:
            grades[row.theme_id] = grade
    result = session.get(AuditResult, audit_id)
    overall = (
        None
        if result is None
        else final_grade(
            computed=result.grade_computed,
            judged=result.grade_judged,
            moderated=result.grade_moderated,
        )
    )
    if overall:
        grades[OVERALL] = overall
    return grades


FINDINGS_HEADER = (
    "Case",
    "Service",
    "Questionnaire",
    "Theme",
    "Internal grade",
    "Independent auditor's grade",
    "Challenge",
    "Response",
)


def free_text_for(actor: Actor, free_text_to: str) -> bool:
    """Whether the person reads the challenges' and responses' words: those who may open audits
    (admins, group managers), and viewers too when ``FREE_TEXT_DOWNLOADS`` is ``everyone``, as
    in every download of the reports."""
    return actor.role != VIEWER or free_text_to == "everyone"


def findings_rows(found: list[Finding], *, free_text: bool = True) -> list[list[str]]:
    """The findings as CSV rows, the header first, every cell neutralised (a challenge's words
    could start with ``=``); a grade with several challenges has a row for each. Without
    ``free_text`` the challenges' and responses' cells are empty."""
    rows = [list(FINDINGS_HEADER)]
    for finding in found:
        for pair in finding.grades:
            start = [finding.case_ref, finding.service, finding.title, pair.title]
            start += [pair.internal or "Not graded", pair.independent or "Not graded"]
            said = [[c.text, c.response or ""] for c in pair.challenges] or [["", ""]]
            said = said if free_text else [["", ""] for _ in said]
            rows.extend([neutralise(cell) for cell in start + words] for words in said)
    return rows


def record_findings_export(actor: Actor, rows: int, *, session: Session) -> None:
    """The trail's entry for the findings' CSV."""
    record_event("independent.findings_exported", session=session, actor=actor, rows=rows)


def today() -> date:
    """England's day, which every window is counted in."""
    return clock.today()
