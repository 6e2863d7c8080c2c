"""The group manager's side of the demo: moderations, actions, the worker's voice, one concern.

As with the audits, every step goes through the services the pages use (so each is checked and
recorded in the trail); only the dates are then placed in the past, so that the pages show a
system that has been in use for a year.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from audit_app.core.lifecycle import CLOSED, MODERATED, RETURNED, SUBMITTED, VOICE_STATUSES
from audit_app.models import (
    Action,
    Audit,
    Case,
    ManagedService,
    Moderation,
    SafeguardingConcern,
    Team,
    User,
    utcnow,
)
from audit_app.services import actions as action_service
from audit_app.services import audits as audit_service
from audit_app.services import moderation as moderation_service
from audit_app.services.audits import Actor, AuditFile
from audit_app.services.demo_audits import auditor_actor, months_before
from audit_app.services.moderation import GradeRow

GRADE_CHANGE_RATIONALE = (
    "The record does not show the child being seen alone in the last six months, so this "
    "theme cannot be graded as highly as the auditor judged."
)

RETURN_REASON = (
    "The planning theme says the plan is SMART, but the plan on file has no dates. "
    "Check it against the record and resubmit."
)

ACTIONS = [
    ("child", "Visit the child and see them alone; record their wishes in their own words."),
    ("record", "Update the chronology and use it to inform the next review."),
    ("child", "Hold a core group meeting and make the plan SMART."),
    ("record", "Record the manager's reasons for the decision at the last review."),
    ("child", "Offer a return home interview after each missing episode."),
    ("record", "Add a genogram to the record."),
]

ACTION_DONE_NOTE = "Done and recorded on the case file; checked at supervision."

WORKERS_VOICE = (
    "I can see the plan drifted after the last review; I will book the core group "
    "and update the chronology this month."
)

CONCERN = (
    "No recorded visit for nine weeks while the child is on a child protection plan; "
    "I have told the team manager."
)

# How many audits get actions: the most recently submitted ones that were not returned.
AUDITS_WITH_ACTIONS = 18
# The newest audits due for moderation are left waiting in the manager's queue.
LEFT_IN_THE_QUEUE = 3


@dataclass(frozen=True)
class ManagersWork:
    """What the group manager's side of the demo made, for the demo's summary."""

    moderated: int
    actions: int
    concerns: int


def manage(session: Session, rng: random.Random, manager: User, today: date) -> ManagersWork:
    """The group manager's side: moderations, actions, the worker's voice, one open concern."""
    boss = _manager_actor(session, manager)
    audits = list(
        session.exec(
            select(Audit).where(Audit.status == SUBMITTED).order_by(col(Audit.submitted_at))
        )
    )
    in_managed = [
        a
        for a in audits
        if _service_of(session, a) in boss.managed_service_ids and a.auditor_id != manager.id
    ]
    _pull_into_moderation(session, boss, in_managed)
    moderated = _moderate_all_but_the_newest(session, rng, boss, in_managed, today)
    actions = _agree_actions(session, rng, audits, today)
    concerns = _raise_open_concern(session, in_managed)
    session.flush()
    return ManagersWork(moderated=moderated, actions=actions, concerns=concerns)


def _manager_actor(session: Session, manager: User) -> Actor:
    """The group manager acting, with the services they manage."""
    managed = frozenset(
        session.exec(select(ManagedService.service_id).where(ManagedService.user_id == manager.id))
    )
    return Actor(
        id=manager.id,
        username=manager.username,
        role=manager.role,
        managed_service_ids=managed,
    )


def _service_of(session: Session, audit: Audit) -> int | None:
    return session.exec(
        select(Team.service_id)
        .join(Case, col(Case.team_id) == Team.id)
        .where(Case.id == audit.case_id)
    ).first()


# --- moderation ------------------------------------------------------------------------------


def _pull_into_moderation(session: Session, boss: Actor, in_managed: Sequence[Audit]) -> None:
    """The manager pulls a few audits that were not sampled into moderation, as managers do."""
    for audit in [a for a in in_managed if not a.moderation_due][::4]:
        assert audit.id is not None
        moderation_service.request_moderation(audit.id, boss, session=session)


def _moderate_all_but_the_newest(
    session: Session, rng: random.Random, boss: Actor, in_managed: Sequence[Audit], today: date
) -> int:
    """Moderate the older audits that were due, leaving the newest in the queue; return one.

    Returns how many were moderated.
    """
    due_for_moderation = [a for a in in_managed if a.moderation_due]
    to_moderate = due_for_moderation[:-LEFT_IN_THE_QUEUE]
    queue = due_for_moderation[-LEFT_IN_THE_QUEUE:]
    for audit in to_moderate:
        _moderate(session, rng, boss, audit, today)
    if queue:
        _return_to_auditor(session, boss, queue[0])
    return len(to_moderate)


def _moderate(session: Session, rng: random.Random, boss: Actor, audit: Audit, today: date) -> None:
    """Moderate one audit, agreeing with the auditor or grading one theme lower.

    Moderated audits from more than six months ago are then closed: finished with.
    """
    assert audit.id is not None and audit.submitted_at is not None
    moderation_service.start_moderation(audit.id, boss, session=session)
    audit_file = moderation_service.load_for_manager(audit.id, boss, session=session)
    rows = [r for r in moderation_service.grade_rows(audit_file, session=session) if r.moderatable]
    grades = audit_file.questionnaire.grades
    regrade = _theme_to_regrade(rng, rows, grades)
    posted = _moderation_form(rows, grades, regrade)
    moderation_service.save_grades(
        audit_file, posted, audit_file.audit.version, boss, session=session, blind=False
    )
    audit_file = moderation_service.load_for_manager(audit.id, boss, session=session)
    outcome = "grade_changed" if regrade is not None else "agreed"
    moderation_service.complete(
        audit_file, outcome, "", {}, audit_file.audit.version, boss, session=session
    )
    moderated_on = min(
        audit.submitted_at + timedelta(days=rng.randint(2, 9)), utcnow() - timedelta(hours=2)
    )
    _backdate_moderation(session, audit.id, moderated_on)
    if moderated_on.date() < months_before(today, 6):
        moderation_service.close_audit(audit.id, boss, session=session)
        _backdate_closing(session, audit.id, moderated_on + timedelta(days=7))


def _theme_to_regrade(
    rng: random.Random, rows: Sequence[GradeRow], grades: Sequence[str]
) -> str | None:
    """About one moderation in three finds a theme graded too generously: which, if any."""
    themes = [r.key for r in rows if r.key != "overall" and r.auditor_grade != grades[-1]]
    return rng.choice(themes) if themes and rng.random() < 0.35 else None


def _moderation_form(
    rows: Sequence[GradeRow], grades: Sequence[str], regrade: str | None
) -> dict[str, str]:
    """The moderator's grades as posted: the auditor's, but one band lower for ``regrade``."""
    posted: dict[str, str] = {}
    for row in rows:
        grade = row.auditor_grade or grades[-1]
        if row.key == regrade:
            grade = grades[grades.index(grade) + 1]
            posted[f"rationale-{row.key}"] = GRADE_CHANGE_RATIONALE
        posted[f"grade-{row.key}"] = grade
    return posted


def _return_to_auditor(session: Session, boss: Actor, audit: Audit) -> None:
    """Moderate one audit by returning it to its auditor to check and resubmit."""
    assert audit.id is not None
    moderation_service.start_moderation(audit.id, boss, session=session)
    audit_file = moderation_service.load_for_manager(audit.id, boss, session=session)
    moderation_service.complete(
        audit_file, "returned", RETURN_REASON, {}, audit_file.audit.version, boss, session=session
    )


def _backdate_moderation(session: Session, audit_id: int, moderated_on: datetime) -> None:
    """Place an audit's moderation at ``moderated_on``, an hour long."""
    session.execute(
        update(Moderation)
        .where(col(Moderation.audit_id) == audit_id)
        .values(started_at=moderated_on, completed_at=moderated_on + timedelta(hours=1))
        .execution_options(synchronize_session=False)
    )


def _backdate_closing(session: Session, audit_id: int, when: datetime) -> None:
    session.execute(
        update(Audit)
        .where(col(Audit.id) == audit_id)
        .values(closed_at=when)
        .execution_options(synchronize_session=False)
    )


# --- actions and the worker's voice ----------------------------------------------------------


def _agree_actions(
    session: Session, rng: random.Random, audits: Sequence[Audit], today: date
) -> int:
    """Actions, with owners and due dates a month after each audit; older ones mostly done.

    Returns how many actions were agreed (none on a closed audit).
    """
    recent = [a for a in audits if a.status != RETURNED][-AUDITS_WITH_ACTIONS:]
    agreed = 0
    for number, audit in enumerate(recent):
        lately = number >= len(recent) - 4
        if _follow_up(session, rng, audit, number, today, lately=lately):
            agreed += 1
    return agreed


def _follow_up(
    session: Session, rng: random.Random, audit: Audit, number: int, today: date, *, lately: bool
) -> bool:
    """Agree the ``number``th action on an audit (done, if due and mostly), and on every other
    audit record the worker's voice. False, and nothing done, when the audit is closed."""
    assert audit.id is not None and audit.submitted_at is not None
    auditor = session.get(User, audit.auditor_id)
    assert auditor is not None
    actor = auditor_actor(auditor)
    audit_file = audit_service.load_audit(audit.id, actor, session=session)
    if audit_file.audit.status == CLOSED:
        return False
    submitted_on = audit.submitted_at.date()
    due = _action_due(submitted_on, number, today, lately=lately)
    action = _add_action(session, audit_file, actor, number, submitted_on, due)
    created = datetime.combine(submitted_on, time(11, 0), tzinfo=UTC)
    _backdate_action(session, action, created_at=created)
    if due < today and rng.random() < 0.6:
        _complete_action(session, action, actor, today)
        _backdate_action(session, action, closed_at=created + timedelta(days=rng.randint(7, 27)))
    if number % 2 == 0 and audit_file.audit.status in VOICE_STATUSES:
        _record_workers_voice(session, audit.id, actor, submitted_on, today)
    return True


def _action_due(submitted_on: date, number: int, today: date, *, lately: bool) -> date:
    """Four weeks after the audit; for actions agreed lately, a week or more from today."""
    if lately:
        return today + timedelta(days=7 * (number % 4 + 1))  # agreed lately, not yet due
    return submitted_on + timedelta(days=28)


def _add_action(
    session: Session,
    audit_file: AuditFile,
    actor: Actor,
    number: int,
    submitted_on: date,
    due: date,
) -> Action:
    """The ``number``th of the demo's actions, for the case's worker, agreed on the audit's day."""
    for_whom, description = ACTIONS[number % len(ACTIONS)]
    return action_service.add_action(
        audit_file,
        description=description,
        for_whom=for_whom,
        owner=audit_file.case.worker or "Allocated worker",
        due=(str(due.day), str(due.month), str(due.year)),
        actor=actor,
        session=session,
        today=submitted_on,
    )


def _complete_action(session: Session, action: Action, actor: Actor, today: date) -> None:
    assert action.id is not None
    action_service.close_action(
        action.id, "done", ACTION_DONE_NOTE, action.version, actor, session=session, today=today
    )


def _backdate_action(session: Session, action: Action, **when: datetime) -> None:
    """Place an action's ``created_at`` or ``closed_at`` in the past."""
    session.execute(
        update(Action)
        .where(col(Action.id) == action.id)
        .values(**when)
        .execution_options(synchronize_session=False)
    )


def _record_workers_voice(
    session: Session, audit_id: int, actor: Actor, submitted_on: date, today: date
) -> None:
    """The worker's voice, recorded a few days after the audit."""
    audit_file = audit_service.load_audit(audit_id, actor, session=session)
    talked = min(submitted_on + timedelta(days=3), today)
    audit_service.record_voice(
        audit_file,
        (str(talked.day), str(talked.month), str(talked.year)),
        WORKERS_VOICE,
        audit_file.audit.version,
        actor,
        session=session,
        today=today,
    )


# --- the open concern ------------------------------------------------------------------------


def _raise_open_concern(session: Session, in_managed: Sequence[Audit]) -> int:
    """One open safeguarding concern in the manager's services, raised two days ago.

    Returns how many were raised: one, or none when no audit in those services stands.
    """
    candidates = [a for a in in_managed if a.status in (SUBMITTED, MODERATED)]
    if not candidates:
        return 0
    audit = candidates[-1]
    auditor = session.get(User, audit.auditor_id)
    assert auditor is not None and audit.id is not None
    audit_file = audit_service.load_audit(audit.id, auditor_actor(auditor), session=session)
    audit_service.raise_concern(audit_file, CONCERN, auditor_actor(auditor), session=session)
    session.execute(
        update(SafeguardingConcern)
        .where(col(SafeguardingConcern.audit_id) == audit.id)
        .values(raised_at=utcnow() - timedelta(days=2))
        .execution_options(synchronize_session=False)
    )
    return 1
