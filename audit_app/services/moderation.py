"""Moderation: the queue, re-grading by a group manager, outcomes, and closing an audit.

Audits move draft -> submitted -> (returned -> submitted)* -> moderated -> closed; "moderated" only
when moderation was due, otherwise submitted -> closed. Every move is one conditional UPDATE of
the audit (see :func:`audit_app.services.audits.claim_audit`), so of two managers acting at once
exactly one wins, and an illegal move is refused with a message and changes nothing.

Moderation is kept as data: each :class:`Moderation` records who moderated, when, their grade for
every theme and overall (with a rationale wherever it differs from the auditor's) and the outcome.
A moderation completed without an outcome was taken over by another manager and does not count.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from audit_app.core.grades import final_grade
from audit_app.core.lifecycle import CLOSED, DRAFT, MODERATED, RETURNED, SUBMITTED, VOICE_STATUSES
from audit_app.core.subjects import DEFAULT_SUBJECT
from audit_app.models import (
    Audit,
    AuditResult,
    Case,
    Moderation,
    ModerationGrade,
    QuestionnaireVersion,
    SafeguardingConcern,
    Service,
    Team,
    ThemeResult,
    User,
    utcnow,
)
from audit_app.services import actions as action_service
from audit_app.services import grants
from audit_app.services.audits import (
    MAX_TEXT,
    Actor,
    AuditError,
    AuditFile,
    AuditNotFound,
    FieldErrors,
    StaleAudit,
    audit_file_event,
    claim_audit,
    joined_to_service,
    load_audit,
)

OUTCOMES = {
    "agreed": "Agreed",
    "grade_changed": "Grade changed",
    "returned": "Returned to auditor",
}
OVERALL = "overall"


class TransitionRefused(AuditError):
    """A move the audit's state does not allow; nothing was changed."""


# --- who may do what -----------------------------------------------------------------------


def manages(actor: Actor, service_id: int) -> bool:
    """Whether the person is a group manager of the service."""
    return actor.role == "manager" and service_id in actor.managed_service_ids


def load_for_manager(audit_id: int, actor: Actor, *, session: Session) -> AuditFile:
    """The audit, for a manager of its service; anyone else gets AuditNotFound (404)."""
    audit_file = load_audit(audit_id, actor, session=session)
    if not manages(actor, audit_file.team.service_id):
        raise AuditNotFound(audit_id)
    return audit_file


def judgements_hidden(
    audit_file: AuditFile, actor: Actor, *, session: Session, blind: bool
) -> bool:
    """Blind moderation: whether the auditor's judgements and analysis are kept from this person.

    They are withheld from the service's managers while the audit awaits moderation, until the
    person has recorded their own grades in the moderation they are doing. The auditor always
    sees their own judgements, and an admin (who does not moderate) sees everything.
    """
    audit = audit_file.audit
    if not blind or audit.status != SUBMITTED or not audit.moderation_due:
        return False
    if actor.id == audit.auditor_id or actor.role != "manager":
        return False
    moderation = open_moderation(audit.id, session=session)  # type: ignore[arg-type]
    return not (
        moderation is not None
        and moderation.moderator_id == actor.id
        and moderation.overall_grade is not None
    )


def refusal_to_moderate(audit_file: AuditFile, actor: Actor) -> str | None:
    """Why this person cannot moderate the audit now, or None when they can."""
    audit = audit_file.audit
    if audit.auditor_id == actor.id:
        return "You cannot moderate your own audit: another group manager of the service must."
    if audit.status == DRAFT:
        return "This audit is a draft: it can be moderated only after the auditor submits it."
    if audit.status == RETURNED:
        return (
            "This audit has been returned to the auditor. It can be moderated again when they "
            "resubmit it."
        )
    if audit.status == MODERATED:
        return "This audit has already been moderated."
    if audit.status == CLOSED:
        return "This audit is closed, so it can no longer be moderated."
    if not audit.moderation_due:
        return (
            "This audit was not chosen for moderation. Request moderation first if you want to "
            "moderate it."
        )
    return None


def refusal_to_close(audit_file: AuditFile, actor: Actor, *, session: Session) -> str | None:
    """Why this person cannot close the audit now, or None when they can."""
    audit = audit_file.audit
    if audit.auditor_id == actor.id:
        # Separation of duties: whoever wrote the audit does not sign it off.
        return "You cannot close your own audit: another group manager of the service must."
    if audit.status == DRAFT:
        return "A draft cannot be closed: the auditor must submit it first."
    if audit.status == RETURNED:
        return (
            "This audit has been returned to the auditor: it can be closed after they resubmit it "
            "and it has been moderated."
        )
    if audit.status == CLOSED:
        return "This audit is already closed."
    if audit.status == SUBMITTED and audit.moderation_due:
        return "This audit is due for moderation: it can be closed once it has been moderated."
    if unacknowledged_concerns(audit.id, session=session):  # type: ignore[arg-type]
        return (
            "This audit has a safeguarding concern that no manager has acknowledged. Acknowledge "
            "it, saying what was done, before closing the audit."
        )
    return None


def unacknowledged_concerns(audit_id: int, *, session: Session) -> int:
    return session.exec(
        select(func.count())
        .select_from(SafeguardingConcern)
        .where(
            SafeguardingConcern.audit_id == audit_id,
            col(SafeguardingConcern.acknowledged_at).is_(None),
        )
    ).one()


# --- the queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """A submitted audit as the moderation queue lists it."""

    audit_id: int
    version: int
    case_ref: str
    questionnaire_title: str
    auditor_id: int
    auditor_name: str
    service_name: str
    team_name: str
    submitted_at: datetime | None
    judged_grade: str | None
    reason: str | None
    in_progress_by: str | None
    in_progress_by_id: int | None
    subject: str = DEFAULT_SUBJECT
    # Made by a visiting auditor of another organisation under a grant.
    external: bool = False

    def own(self, actor: Actor) -> bool:
        return self.auditor_id == actor.id


def queue(actor: Actor, *, session: Session, blind: bool) -> list[QueueItem]:
    """Submitted audits due for moderation in the person's services, oldest first.

    In blind mode the auditor's judged grade is left out for managers other than the auditor.
    """
    return _submitted(actor, due=True, session=session, blind=blind)


def not_chosen(actor: Actor, *, session: Session, limit: int = 50) -> list[QueueItem]:
    """Submitted audits not chosen for moderation, newest first (a manager can pull them in)."""
    return _submitted(actor, due=False, session=session, blind=False, limit=limit)


def _submitted(
    actor: Actor, *, due: bool, session: Session, blind: bool, limit: int | None = None
) -> list[QueueItem]:
    rows = list(session.exec(_submitted_query(actor, due=due, limit=limit)))
    open_by = _open_moderators([audit.id for audit, *_ in rows], session=session)
    return [_queue_item(row, open_by.get(row[0].id), actor, blind=blind) for row in rows]


def _submitted_query(actor: Actor, *, due: bool, limit: int | None) -> Any:
    """Submitted audits (due for moderation or not) in the person's services, with their case,
    team, service, questionnaire, auditor and results: oldest first when due, else newest."""
    query = (
        joined_to_service(
            select(  # type: ignore[call-overload]
                Audit, Case, Team, Service, QuestionnaireVersion, User, AuditResult
            )
        )
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .join(User, col(User.id) == Audit.auditor_id)
        .join(AuditResult, col(AuditResult.audit_id) == Audit.id, isouter=True)
        .where(Audit.status == SUBMITTED, Audit.moderation_due == due)
    )
    query = query.where(grants.moderated_by(actor))
    if actor.role != "admin":
        query = query.where(col(Team.service_id).in_(sorted(actor.managed_service_ids)))
    order = col(Audit.submitted_at) if due else col(Audit.submitted_at).desc()
    query = query.order_by(order, col(Audit.id))
    if limit is not None:
        query = query.limit(limit)
    return query


def _queue_item(
    row: Any, moderator: tuple[int, str, bool] | None, actor: Actor, *, blind: bool
) -> QueueItem:
    """One row of the queue. In blind mode the auditor's judged grade is kept from managers
    other than the auditor, until they have recorded their own grades in the moderation."""
    audit, case, team, service, version_row, auditor, result = row
    hide = blind and actor.role == "manager" and audit.auditor_id != actor.id
    if moderator is not None and moderator[0] == actor.id:
        hide = hide and moderator[2] is False
    return QueueItem(
        audit_id=audit.id,
        version=audit.version,
        case_ref=case.case_ref,
        subject=case.subject,
        questionnaire_title=version_row.title,
        auditor_id=auditor.id,
        auditor_name=auditor.display_name or auditor.username,
        service_name=service.name,
        team_name=team.name,
        submitted_at=audit.submitted_at,
        judged_grade=None if hide else _grade_given(audit, result),
        # "worst band" would give the auditor's overall judgement away in blind mode.
        reason=audit.moderation_reason
        if not hide or audit.moderation_reason == "requested"
        else "chosen",
        in_progress_by=moderator[1] if moderator else None,
        in_progress_by_id=moderator[0] if moderator else None,
        external=audit.organisation_id != service.organisation_id,
    )


def _grade_given(audit: Audit, result: AuditResult | None) -> str | None:
    """The auditor's overall grade; where the questionnaire grades overall by the score alone
    (no judgement is asked for), the score's grade, saying so."""
    if result is None:
        return audit.overall_grade_judged
    if result.grade_judged is None and result.grade_computed is not None:
        return f"{result.grade_computed} (by the score)"
    return result.grade_judged


def _open_moderators(audit_ids: list[int], *, session: Session) -> dict[int, tuple[int, str, bool]]:
    """For each audit with a moderation in progress: (moderator id, name, grades recorded)."""
    if not audit_ids:
        return {}
    rows = session.exec(
        select(Moderation, User)
        .join(User, col(User.id) == Moderation.moderator_id)
        .where(col(Moderation.audit_id).in_(audit_ids), col(Moderation.completed_at).is_(None))
    )
    moderators: dict[int, tuple[int, str, bool]] = {}
    for m, u in rows:
        assert u.id is not None  # read from the database
        moderators[m.audit_id] = (u.id, u.display_name or u.username, m.overall_grade is not None)
    return moderators


# --- pulling an audit in, starting ---------------------------------------------------------


def request_moderation(audit_id: int, actor: Actor, *, session: Session) -> AuditFile:
    """A manager pulls a submitted audit of their service into moderation ("requested")."""
    audit_file = load_for_manager(audit_id, actor, session=session)
    audit = audit_file.audit
    if audit.status != SUBMITTED:
        raise TransitionRefused(
            {
                DRAFT: "This audit is a draft: moderation can be requested once it is submitted.",
                RETURNED: "This audit has been returned to the auditor and is already due for "
                "moderation when they resubmit it.",
                MODERATED: "This audit has already been moderated.",
                CLOSED: "This audit is closed, so it can no longer be moderated.",
            }.get(audit.status, "This audit cannot be moderated.")
        )
    if audit.moderation_due:
        raise TransitionRefused("This audit is already in the moderation queue.")
    claimed = claim_audit(
        audit,
        session=session,
        statuses=(SUBMITTED,),
        expected_version=audit.version,
        moderation_due=True,
        moderation_reason="requested",
    )
    if not claimed:
        raise StaleAudit()
    audit_file_event(
        "moderation.requested",
        audit_file,
        actor,
        session=session,
        before={"due": False, "reason": None},
        after={"due": True, "reason": "requested"},
    )
    return audit_file


def open_moderation(audit_id: int, *, session: Session) -> Moderation | None:
    """The moderation in progress on an audit, if any."""
    return session.exec(
        select(Moderation)
        .where(Moderation.audit_id == audit_id, col(Moderation.completed_at).is_(None))
        .order_by(col(Moderation.id).desc())
    ).first()


def start_moderation(
    audit_id: int, actor: Actor, *, session: Session, take_over: bool = False
) -> Moderation:
    """Start moderating an audit, or carry on with one's own moderation in progress.

    Only one moderation of an audit is in progress at a time. Another manager's is refused unless
    ``take_over``: theirs is then completed without an outcome (it does not count) and a new one
    starts.
    """
    audit_file = load_for_manager(audit_id, actor, session=session)
    refusal = refusal_to_moderate(audit_file, actor)
    if refusal:
        raise TransitionRefused(refusal)
    current = open_moderation(audit_id, session=session)
    if current is not None and current.moderator_id == actor.id:
        return current
    if current is not None and not take_over:
        raise TransitionRefused(_moderated_by_another(current, session=session))
    # Claiming the audit makes two managers starting at once safe: one of them wins.
    if not claim_audit(audit_file.audit, session=session, statuses=(SUBMITTED,)):
        raise StaleAudit()
    if current is not None:
        _take_over(audit_file, current, actor, session=session)
    return _begin(audit_file, actor, session=session)


def _moderated_by_another(current: Moderation, *, session: Session) -> str:
    """Why another manager's moderation in progress stops this one starting."""
    other = session.get(User, current.moderator_id)
    name = (other.display_name or other.username) if other else "Another manager"
    return (
        f"{name} started moderating this audit on {current.started_at:%-d %B %Y}. Only one "
        "moderation runs at a time: ask them, or take it over."
    )


def _take_over(
    audit_file: AuditFile, current: Moderation, actor: Actor, *, session: Session
) -> None:
    """Complete another manager's moderation without an outcome: it does not count."""
    current.completed_at = utcnow()
    current.comment = f"Taken over by {actor.username}"
    session.add(current)
    audit_file_event(
        "moderation.taken_over",
        audit_file,
        actor,
        session=session,
        moderation_id=current.id,
        before={"moderator_id": current.moderator_id},
        after={"moderator_id": actor.id},
    )


def _begin(audit_file: AuditFile, actor: Actor, *, session: Session) -> Moderation:
    """A new moderation of the audit by this person, in progress."""
    moderation = Moderation(audit_id=audit_file.audit.id, moderator_id=actor.person_id)  # type: ignore[arg-type]
    session.add(moderation)
    session.flush()
    audit_file_event(
        "moderation.started",
        audit_file,
        actor,
        session=session,
        moderation_id=moderation.id,
        reason=audit_file.audit.moderation_reason,
        before=None,
        after={"moderation_id": moderation.id, "moderator_id": actor.id},
    )
    return moderation


# --- grades --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeRow:
    """One theme (or the whole audit) with every grade it has."""

    key: str  # theme id, or "overall"
    title: str
    percent: object  # Decimal | None, as stored
    computed: str | None
    judged: str | None
    moderated: str | None
    analysis: str | None

    @property
    def auditor_grade(self) -> str | None:
        """What the moderator agrees with or not: the auditor's judgement, else the score's."""
        return final_grade(computed=self.computed, judged=self.judged)

    @property
    def final(self) -> str | None:
        return final_grade(computed=self.computed, judged=self.judged, moderated=self.moderated)

    @property
    def moderatable(self) -> bool:
        return self.auditor_grade is not None


def grade_rows(audit_file: AuditFile, *, session: Session) -> list[GradeRow]:
    """The stored results of a submitted audit: each theme, then overall. Empty for a draft."""
    audit_id = audit_file.audit.id
    result = session.get(AuditResult, audit_id)
    if result is None:
        return []
    themes = {
        t.theme_id: t
        for t in session.exec(select(ThemeResult).where(ThemeResult.audit_id == audit_id))
    }
    rows = []
    for theme in audit_file.shown_themes:
        stored = themes.get(theme.id)
        judgement = audit_file.judgements.get(theme.id)
        rows.append(
            GradeRow(
                key=theme.id,
                title=theme.title,
                percent=stored.percent_rounded if stored else None,
                computed=stored.grade_computed if stored else None,
                judged=stored.grade_judged if stored else None,
                moderated=stored.grade_moderated if stored else None,
                analysis=judgement.analysis if judgement else None,
            )
        )
    rows.append(
        GradeRow(
            key=OVERALL,
            title="Overall",
            percent=result.percent_rounded,
            computed=result.grade_computed,
            judged=result.grade_judged,
            moderated=result.grade_moderated,
            analysis=audit_file.audit.overall_analysis,
        )
    )
    return rows


@dataclass(frozen=True)
class ModeratorGrade:
    grade: str
    rationale: str | None


def moderator_grades(moderation: Moderation, *, session: Session) -> dict[str, ModeratorGrade]:
    """A moderation's grades by theme id, with "overall" for the audit as a whole."""
    grades = {
        g.theme_id: ModeratorGrade(g.grade, g.rationale)
        for g in session.exec(
            select(ModerationGrade).where(ModerationGrade.moderation_id == moderation.id)
        )
    }
    if moderation.overall_grade is not None:
        grades[OVERALL] = ModeratorGrade(moderation.overall_grade, moderation.overall_rationale)
    return grades


NOT_STARTED = "Start the moderation first: it is not in progress."


def moderation_in_hand(
    audit_file: AuditFile, actor: Actor, *, session: Session, not_started: str = NOT_STARTED
) -> Moderation:
    """The person's own moderation in progress on the audit, for its pages and its changes.

    TransitionRefused says why there is none to carry on with: the audit cannot be moderated by
    them now, or they have not started (``not_started``, as the page asks).
    """
    refusal = refusal_to_moderate(audit_file, actor)
    if refusal:
        raise TransitionRefused(refusal)
    moderation = open_moderation(audit_file.audit.id, session=session)  # type: ignore[arg-type]
    if moderation is None or moderation.moderator_id != actor.id:
        raise TransitionRefused(not_started)
    return moderation


def save_grades(
    audit_file: AuditFile,
    posted: Mapping[str, str],
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
    blind: bool,
) -> Moderation:
    """Record the moderator's grade (and rationale) for each theme and overall.

    ``posted`` holds ``grade-<key>`` and ``rationale-<key>`` for each theme id and "overall".
    A rationale is required where the grade differs from the auditor's; in blind mode the
    moderator does not know that yet, so it is asked for when the grades are revealed.
    """
    moderation = moderation_in_hand(audit_file, actor, session=session)
    rows = grade_rows(audit_file, session=session)
    chosen, errors = chosen_grades(rows, posted, audit_file.questionnaire.grades, blind=blind)
    if errors:
        raise FieldErrors(errors)
    if not claim_audit(
        audit_file.audit, session=session, statuses=(SUBMITTED,), expected_version=expected_version
    ):
        raise StaleAudit()
    changes = _write_grades(moderation, chosen, session=session)
    if changes:
        audit_file_event(
            "moderation.graded",
            audit_file,
            actor,
            session=session,
            moderation_id=moderation.id,
            changes=changes,
        )
    return moderation


def chosen_grades(
    rows: Iterable[GradeRow], posted: Mapping[str, str], grades: Collection[str], *, blind: bool
) -> tuple[dict[str, ModeratorGrade], dict[str, str]]:
    """The moderator's grade for each moderatable theme and overall, as posted, and the problems
    with them by field name (none when all is well)."""
    chosen: dict[str, ModeratorGrade] = {}
    errors: dict[str, str] = {}
    for row in rows:
        if not row.moderatable:
            continue
        name = f"“{row.title}”" if row.key != OVERALL else "the audit overall"
        grade = (posted.get(f"grade-{row.key}") or "").strip()
        rationale = (posted.get(f"rationale-{row.key}") or "").strip()
        if grade not in grades:
            errors[f"grade-{row.key}"] = f"Select your grade for {name}"
            continue
        problem = _rationale_problem(name, grade, rationale, row, blind=blind)
        if problem:
            errors[f"rationale-{row.key}"] = problem
        chosen[row.key] = ModeratorGrade(grade, rationale or None)
    return chosen, errors


def _rationale_problem(
    name: str, grade: str, rationale: str, row: GradeRow, *, blind: bool
) -> str | None:
    """What is wrong with the rationale given for a grade, if anything. Where the grade differs
    from the auditor's one is needed, except in blind mode (it is asked for with the outcome)."""
    if len(rationale) > MAX_TEXT:
        return f"Rationale for {name} must be {MAX_TEXT:,} characters or fewer"
    if not blind and grade != row.auditor_grade and not rationale:
        return (
            f"Give your rationale for {name}: it is required when your grade differs "
            "from the auditor's"
        )
    return None


def _write_grades(
    moderation: Moderation, chosen: Mapping[str, ModeratorGrade], *, session: Session
) -> dict[str, list[object]]:
    """Store the grades; return what changed, key -> [[grade, rationale] before, after]."""
    rows = {
        g.theme_id: g
        for g in session.exec(
            select(ModerationGrade).where(ModerationGrade.moderation_id == moderation.id)
        )
    }
    changes: dict[str, list[object]] = {}
    for key, new in chosen.items():
        if key == OVERALL:
            before = (
                [moderation.overall_grade, moderation.overall_rationale]
                if moderation.overall_grade
                else None
            )
            moderation.overall_grade = new.grade
            moderation.overall_rationale = new.rationale
            session.add(moderation)
        else:
            row = rows.get(key)
            before = [row.grade, row.rationale] if row else None
            row = row or ModerationGrade(
                moderation_id=moderation.id,  # type: ignore[arg-type]
                theme_id=key,
                grade=new.grade,
            )
            row.grade = new.grade
            row.rationale = new.rationale
            session.add(row)
        after = [new.grade, new.rationale]
        if before != after:
            changes[key] = [before, after]
    session.flush()
    return changes


# --- outcomes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """The auditor's and the moderator's grade for one theme or overall."""

    row: GradeRow
    moderator: ModeratorGrade | None

    @property
    def differs(self) -> bool:
        return self.moderator is not None and self.moderator.grade != self.row.auditor_grade

    @property
    def needs_rationale(self) -> bool:
        return self.differs and not (self.moderator and self.moderator.rationale)


def compare(audit_file: AuditFile, moderation: Moderation, *, session: Session) -> list[Comparison]:
    """Each moderatable theme and overall, with the moderator's grade beside the auditor's."""
    grades = moderator_grades(moderation, session=session)
    return [
        Comparison(row, grades.get(row.key))
        for row in grade_rows(audit_file, session=session)
        if row.moderatable
    ]


def complete(
    audit_file: AuditFile,
    outcome: str,
    comment: str,
    rationales: Mapping[str, str],
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
) -> Moderation:
    """Finish the moderation: agreed, grade changed, or returned to the auditor.

    Agreed and grade changed need every grade recorded, with a rationale for each that differs
    (``rationales`` may supply those missing, keyed by theme id or "overall"); they store the
    moderated grades and move the audit to "moderated". Returning needs a comment and reopens the
    audit for its auditor.
    """
    moderation = moderation_in_hand(audit_file, actor, session=session)
    comparisons = compare(audit_file, moderation, session=session)
    text = comment.strip()
    errors = outcome_problems(outcome, text, comparisons, rationales)
    if errors:
        raise FieldErrors(errors)
    if not claim_audit(
        audit_file.audit,
        session=session,
        statuses=(SUBMITTED,),
        expected_version=expected_version,
        status=RETURNED if outcome == "returned" else MODERATED,
    ):
        raise StaleAudit()
    added = {} if outcome == "returned" else _added_rationales(comparisons, rationales)
    rationale_changes = _write_grades(moderation, added, session=session) if added else {}
    _record_outcome(moderation, outcome, text, session=session)
    finals: dict[str, list[str | None]] = {}
    if outcome != "returned":
        finals = _store_moderated_grades(audit_file, moderation, session=session)
    session.flush()
    _outcome_event(
        audit_file, moderation, comparisons, actor, rationale_changes, finals, session=session
    )
    return moderation


def outcome_problems(
    outcome: str, text: str, comparisons: list[Comparison], rationales: Mapping[str, str]
) -> dict[str, str]:
    """What stops the moderation finishing with this outcome and comment, by field name (none
    when it can finish). An outcome not chosen, or grades not yet recorded, is told alone."""
    if outcome not in OUTCOMES:
        return {"outcome": "Select the outcome of the moderation"}
    errors: dict[str, str] = {}
    if len(text) > MAX_TEXT:
        errors["comment"] = f"The comment must be {MAX_TEXT:,} characters or fewer"
    if outcome == "returned":
        if not text:
            errors["comment"] = (
                "Write a comment for the auditor saying what needs to change before they resubmit"
            )
        return errors
    missing = [c.row.title for c in comparisons if c.moderator is None]
    if missing:
        return {"outcome": "Record your grades first: none yet for " + ", ".join(missing)}
    errors.update(_rationale_problems(comparisons, rationales))
    mismatch = _outcome_mismatch(outcome, comparisons)
    if mismatch:
        errors["outcome"] = mismatch
    return errors


def _rationale_problems(
    comparisons: list[Comparison], rationales: Mapping[str, str]
) -> dict[str, str]:
    """A rationale is needed for each grade that differs from the auditor's and has none yet."""
    errors: dict[str, str] = {}
    for c in comparisons:
        if not c.needs_rationale:
            continue
        extra = (rationales.get(c.row.key) or "").strip()
        if not extra:
            errors[f"rationale-{c.row.key}"] = (
                f"Give your rationale for “{c.row.title}”: your grade "
                f"({c.moderator.grade}) differs from the auditor's "  # type: ignore[union-attr]
                f"({c.row.auditor_grade})"
            )
        elif len(extra) > MAX_TEXT:
            errors[f"rationale-{c.row.key}"] = f"Rationale must be {MAX_TEXT:,} characters or fewer"
    return errors


def _outcome_mismatch(outcome: str, comparisons: list[Comparison]) -> str | None:
    """Agreed needs the grades to agree with the auditor's; grade changed needs one to differ."""
    differing = [c.row.title for c in comparisons if c.differs]
    if outcome == "agreed" and differing:
        return (
            "Your grades differ from the auditor's for " + ", ".join(differing) + ". Choose "
            "“Grade changed”, or change your grades to agree"
        )
    if outcome == "grade_changed" and not differing:
        return "Your grades are the same as the auditor's. Choose “Agreed”"
    return None


def _added_rationales(
    comparisons: list[Comparison], rationales: Mapping[str, str]
) -> dict[str, ModeratorGrade]:
    """The moderator's grades that needed a rationale, with the one given with the outcome."""
    return {
        c.row.key: ModeratorGrade(c.moderator.grade, rationales[c.row.key].strip())  # type: ignore[union-attr]
        for c in comparisons
        if c.needs_rationale
    }


def _record_outcome(moderation: Moderation, outcome: str, text: str, *, session: Session) -> None:
    """The moderation is finished, with its outcome and comment."""
    moderation.outcome = outcome
    moderation.comment = text or None
    moderation.completed_at = utcnow()
    session.add(moderation)


def _outcome_event(
    audit_file: AuditFile,
    moderation: Moderation,
    comparisons: list[Comparison],
    actor: Actor,
    rationale_changes: dict[str, list[object]],
    finals: dict[str, list[str | None]],
    *,
    session: Session,
) -> None:
    """The trail's record of a finished moderation: the grades compared, and what changed."""
    returned = moderation.outcome == "returned"
    audit_file_event(
        "audit.returned" if returned else "audit.moderated",
        audit_file,
        actor,
        session=session,
        before=SUBMITTED,
        after=RETURNED if returned else MODERATED,
        moderation_id=moderation.id,
        outcome=moderation.outcome,
        comment=moderation.comment,
        rationales=rationale_changes or None,
        grades={
            c.row.key: [c.row.auditor_grade, c.moderator.grade if c.moderator else None]
            for c in comparisons
        },
        final_grades=finals or None,
    )


def _store_moderated_grades(
    audit_file: AuditFile, moderation: Moderation, *, session: Session
) -> dict[str, list[str | None]]:
    """Write the moderated grades on the stored results; return the final grades before, after."""
    grades = moderator_grades(moderation, session=session)
    finals: dict[str, list[str | None]] = {}
    audit_id = audit_file.audit.id
    for stored in session.exec(select(ThemeResult).where(ThemeResult.audit_id == audit_id)):
        chosen = grades.get(stored.theme_id)
        if chosen is None:
            continue
        before = final_grade(
            computed=stored.grade_computed,
            judged=stored.grade_judged,
            moderated=stored.grade_moderated,
        )
        stored.grade_moderated = chosen.grade
        session.add(stored)
        finals[stored.theme_id] = [before, chosen.grade]
    result = session.get(AuditResult, audit_id)
    if result is not None and OVERALL in grades:
        before = final_grade(
            computed=result.grade_computed,
            judged=result.grade_judged,
            moderated=result.grade_moderated,
        )
        result.grade_moderated = grades[OVERALL].grade
        session.add(result)
        finals[OVERALL] = [before, grades[OVERALL].grade]
    return finals


# --- closing -------------------------------------------------------------------------------


def close_audit(audit_id: int, actor: Actor, *, session: Session) -> AuditFile:
    """Close a moderated audit, or a submitted one that was not due for moderation."""
    audit_file = load_for_manager(audit_id, actor, session=session)
    refusal = refusal_to_close(audit_file, actor, session=session)
    if refusal:
        raise TransitionRefused(refusal)
    before = audit_file.audit.status
    now = utcnow()
    if not claim_audit(
        audit_file.audit,
        session=session,
        statuses=(before,),
        expected_version=audit_file.audit.version,
        status=CLOSED,
        closed_at=now,
    ):
        raise StaleAudit()
    # A concern raised in the same moment must still stop the close: check again under the claim.
    if unacknowledged_concerns(audit_id, session=session):
        raise TransitionRefused(refusal_to_close(audit_file, actor, session=session) or "")
    audit_file_event(
        "audit.closed", audit_file, actor, session=session, before=before, after=CLOSED
    )
    return audit_file


# --- what the audit's page shows -----------------------------------------------------------


@dataclass(frozen=True)
class ModerationRecord:
    """A finished moderation as the audit's page shows it."""

    moderation: Moderation
    moderator_name: str
    comparisons: list[Comparison]

    @property
    def outcome_name(self) -> str:
        return OUTCOMES.get(self.moderation.outcome or "", "Taken over")


def moderation_records(audit_file: AuditFile, *, session: Session) -> list[ModerationRecord]:
    """Every finished moderation of the audit with an outcome, newest first."""
    rows = session.exec(
        select(Moderation, User)
        .join(User, col(User.id) == Moderation.moderator_id)
        .where(
            Moderation.audit_id == audit_file.audit.id,
            col(Moderation.outcome).is_not(None),
        )
        .order_by(col(Moderation.completed_at).desc(), col(Moderation.id).desc())
    )
    return [
        ModerationRecord(m, u.display_name or u.username, compare(audit_file, m, session=session))
        for m, u in rows
    ]


def latest_return(audit_id: int, *, session: Session) -> tuple[Moderation, str] | None:
    """The moderation that last returned the audit, with the moderator's name."""
    row = session.exec(
        select(Moderation, User)
        .join(User, col(User.id) == Moderation.moderator_id)
        .where(Moderation.audit_id == audit_id, Moderation.outcome == "returned")
        .order_by(col(Moderation.completed_at).desc())
    ).first()
    if row is None:
        return None
    moderation, user = row
    return moderation, user.display_name or user.username


@dataclass(frozen=True)
class ReturnedAudit:
    audit_id: int
    case_ref: str
    title: str
    returned_at: datetime | None
    moderator_name: str
    comment: str | None
    subject: str = DEFAULT_SUBJECT
    case_id: int = 0


def returned_to_auditor(auditor_id: int, *, session: Session) -> list[ReturnedAudit]:
    """The auditor's audits that a moderator returned for changes, oldest return first."""
    audits = session.exec(
        select(  # type: ignore[call-overload]
            Audit, Case.case_ref, QuestionnaireVersion.title, Case.subject, Case.id
        )
        .join(Case, col(Case.id) == Audit.case_id)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .where(Audit.auditor_id == auditor_id, Audit.status == RETURNED)
    )
    items = []
    for audit, case_ref, title, subject, case_id in audits:
        last = latest_return(audit.id, session=session)
        moderation, name = last if last else (None, "")
        items.append(
            ReturnedAudit(
                audit_id=audit.id,
                case_ref=case_ref,
                subject=subject,
                title=title,
                returned_at=moderation.completed_at if moderation else None,
                moderator_name=name,
                comment=moderation.comment if moderation else None,
                case_id=case_id,
            )
        )
    return sorted(items, key=lambda r: (r.returned_at is None, r.returned_at or utcnow()))


# --- the audit's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditPage:
    """What the audit's page shows beyond the answers, and what this person may do there."""

    judgements_hidden: bool
    grades: list[GradeRow]
    moderations: list[ModerationRecord]
    in_progress: Moderation | None
    in_progress_by: str | None
    last_return: tuple[Moderation, str] | None
    actions: list[action_service.ActionRow]
    earlier: list[action_service.EarlierAudit]
    is_manager: bool
    moderate_refusal: str | None
    may_request: bool
    close_refusal: str | None
    may_add_action: bool
    may_change_actions: bool
    may_record_voice: bool

    @property
    def may_moderate(self) -> bool:
        return self.is_manager and self.moderate_refusal is None

    @property
    def may_close(self) -> bool:
        return self.is_manager and self.close_refusal is None


def audit_page(
    audit_file: AuditFile, actor: Actor, *, session: Session, today: date, blind: bool
) -> AuditPage:
    """Grades, moderations, actions, earlier audits of the case, and the buttons to show."""
    audit = audit_file.audit
    is_manager = manages(actor, audit_file.team.service_id)
    in_progress = open_moderation(audit.id, session=session)  # type: ignore[arg-type]
    in_progress_by = None
    if in_progress is not None:
        user = session.get(User, in_progress.moderator_id)
        in_progress_by = (user.display_name or user.username) if user else None
    may_change = action_service.may_change(actor, audit, audit_file.team)
    return AuditPage(
        judgements_hidden=judgements_hidden(audit_file, actor, session=session, blind=blind),
        grades=grade_rows(audit_file, session=session),
        moderations=moderation_records(audit_file, session=session),
        in_progress=in_progress,
        in_progress_by=in_progress_by,
        last_return=latest_return(audit.id, session=session)  # type: ignore[arg-type]
        if audit.status == RETURNED
        else None,
        actions=action_service.actions_of_audit(audit.id, session=session, today=today),  # type: ignore[arg-type]
        earlier=action_service.earlier_audits(
            audit_file, actor, session=session, today=today, blind=blind
        ),
        is_manager=is_manager,
        moderate_refusal=refusal_to_moderate(audit_file, actor) if is_manager else None,
        may_request=is_manager and audit.status == SUBMITTED and not audit.moderation_due,
        close_refusal=refusal_to_close(audit_file, actor, session=session) if is_manager else None,
        may_add_action=may_change and action_service.refusal_to_add(audit_file) is None,
        may_change_actions=may_change,
        may_record_voice=audit.auditor_id == actor.id and audit.status in VOICE_STATUSES,
    )


HIDDEN = "hidden until you record your grades"


def without_judgements(
    action: str, detail: dict[str, object], analysis_questions: Collection[str] = ()
) -> dict[str, object]:
    """A trail event's detail with the auditor's judgements taken out (blind moderation).

    ``analysis_questions`` are the themes' own analysis questions, which hold the judgements'
    analyses: their changes are taken out too.
    """
    kept = dict(detail)
    kept.pop("judgement", None)
    changes = kept.get("changes")
    if isinstance(changes, dict) and analysis_questions:
        kept["changes"] = {k: v for k, v in changes.items() if k not in analysis_questions}
    if action in ("audit.moderated", "audit.returned"):
        kept.pop("grades", None)  # an earlier round's comparison names the auditor's grades
        kept.pop("final_grades", None)
    if action == "audit.submitted":
        kept["overall_grade_judged"] = HIDDEN
        kept.pop("moderation", None)
    return kept
