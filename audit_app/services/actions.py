"""Actions agreed on an audit: what must happen, for whom, who owns it, by when.

An action is open until it is done (with a completion note) or cancelled (with a reason); who
closed it and when are kept. Each carries a version, so a change from a stale page is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import update
from sqlmodel import Session, col, or_, select

from audit_app.core.grades import final_grade
from audit_app.core.lifecycle import CLOSED, DRAFT, SUBMITTED
from audit_app.models import (
    Action,
    Audit,
    AuditResult,
    Case,
    QuestionnaireVersion,
    Service,
    Team,
    User,
    utcnow,
)
from audit_app.services import visibility
from audit_app.services.audits import (
    MAX_TEXT,
    Actor,
    AuditError,
    AuditFile,
    AuditNotFound,
    FieldErrors,
    StaleAudit,
    case_and_team,
    date_from_parts,
    joined_to_service,
    load_audit,
    may_see,
    required_text,
)
from audit_app.services.trail import record_event

FOR_WHOM = {"child": "For the child", "record": "For the record"}
STATUS_NAMES = {"open": "Open", "done": "Done", "cancelled": "Cancelled"}
OWNER_MAX = 120
STALE_MESSAGE = (
    "This action was changed by someone else after you opened this page. Nothing was saved; "
    "it now shows the latest."
)


class StaleAction(StaleAudit):
    """The action was changed by someone else since the page was opened; nothing was saved."""

    def __init__(self) -> None:
        super().__init__(STALE_MESSAGE)


# --- who may do what -----------------------------------------------------------------------


def may_change(actor: Actor, audit: Audit, team: Team) -> bool:
    """The audit's auditor or a manager of its service (an admin only looks)."""
    return actor.role != "admin" and may_see(actor, audit, team)


@dataclass(frozen=True)
class ActionView:
    action: Action
    audit: Audit
    case: Case
    team: Team
    questionnaire_title: str
    created_by: str
    closed_by: str | None
    overdue: bool


def load_action(
    action_id: int, actor: Actor, *, session: Session, today: date, to_change: bool = False
) -> ActionView:
    """The action, if this person may see it (or change it); otherwise AuditNotFound (404)."""
    action = session.get(Action, action_id)
    if action is None:
        raise AuditNotFound(action_id)
    audit = session.get(Audit, action.audit_id)
    assert audit is not None
    case, team = case_and_team(audit, session=session)
    allowed = may_change if to_change else may_see
    if not allowed(actor, audit, team):
        raise AuditNotFound(action_id)
    version_row = session.get(QuestionnaireVersion, audit.questionnaire_version_id)
    return ActionView(
        action=action,
        audit=audit,
        case=case,
        team=team,
        questionnaire_title=version_row.title if version_row else "",
        created_by=_name(session, action.created_by_id) or "",
        closed_by=_name(session, action.closed_by_id),
        overdue=is_overdue(action, today),
    )


def _name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return (user.display_name or user.username) if user else None


def is_overdue(action: Action, today: date) -> bool:
    """Open after its due date (an action due today is not yet overdue)."""
    return action.status == "open" and action.due < today


# --- recording and closing -----------------------------------------------------------------


def refusal_to_add(audit_file: AuditFile) -> str | None:
    """Why actions cannot be recorded on this audit now, or None."""
    if audit_file.audit.status == DRAFT:
        return "Actions are recorded once the audit has been submitted."
    if audit_file.audit.status == CLOSED:
        return "This audit is closed: record new actions on a later audit of the case."
    return None


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def load_for_actions(audit_id: int, actor: Actor, *, session: Session) -> AuditFile:
    """The audit, for someone who may record actions on it (its auditor or a manager of its
    service); anyone else gets AuditNotFound (404)."""
    audit_file = load_audit(audit_id, actor, session=session)
    if not may_change(actor, audit_file.audit, audit_file.team):
        raise AuditNotFound(audit_id)
    return audit_file


def add_action(
    audit_file: AuditFile,
    *,
    description: str,
    for_whom: str,
    owner: str,
    due: tuple[str, str, str],
    actor: Actor,
    session: Session,
    today: date,
) -> Action:
    """Record an action on a submitted audit (by its auditor or a manager of the service)."""
    if not may_change(actor, audit_file.audit, audit_file.team):
        raise AuditNotFound(audit_file.audit.id)
    refusal = refusal_to_add(audit_file)
    if refusal:
        raise AuditError(refusal)
    text, who = description.strip(), owner.strip()
    due_on, errors = action_problems(text, for_whom, who, due, today=today)
    if not errors and _duplicate(audit_file.case.id, text, session=session):  # type: ignore[arg-type]
        errors["description"] = (
            "This case already has an open action with the same description. Update that one "
            "rather than recording it twice"
        )
    if errors:
        raise FieldErrors(errors)
    assert due_on is not None
    return _record_action(audit_file, text, for_whom, who, due_on, actor, session=session)


def action_problems(
    text: str, for_whom: str, who: str, due: tuple[str, str, str], *, today: date
) -> tuple[date | None, dict[str, str]]:
    """The due date typed as day, month and year, and the problems with a new action's values
    by field name (none when all is well)."""
    errors: dict[str, str] = {}
    if not text:
        errors["description"] = "Describe what must happen"
    elif len(text) > MAX_TEXT:
        errors["description"] = f"The description must be {MAX_TEXT:,} characters or fewer"
    if for_whom not in FOR_WHOM:
        errors["for_whom"] = "Select whether the action is for the child or for the record"
    if not who:
        errors["owner"] = (
            "Enter the owner: a person's name or reference as the case management system knows them"
        )
    elif len(who) > OWNER_MAX:
        errors["owner"] = f"The owner must be {OWNER_MAX} characters or fewer"
    due_on, problem = _due_date(due, today=today)
    if problem:
        errors["due-day"] = problem
    return due_on, errors


def _due_date(due: tuple[str, str, str], *, today: date) -> tuple[date | None, str | None]:
    """The due date, or what is wrong with it: it must be given, and not be in the past."""
    due_on, problem = date_from_parts(*due, "The due date")
    if problem:
        return due_on, problem
    if due_on is None:
        return None, "Enter the due date"
    if due_on < today:
        return due_on, "The due date must be today or in the future"
    return due_on, None


def _record_action(
    audit_file: AuditFile,
    text: str,
    for_whom: str,
    who: str,
    due_on: date,
    actor: Actor,
    *,
    session: Session,
) -> Action:
    """Store the new action and put it in the trail."""
    action = Action(
        audit_id=audit_file.audit.id,  # type: ignore[arg-type]
        description=text,
        for_whom=for_whom,
        owner=who,
        due=due_on,
        created_by_id=actor.person_id,
    )
    session.add(action)
    session.flush()
    _event(
        "action.created",
        action,
        audit_file.case.case_ref,
        actor,
        session=session,
        before=None,
        after=_snapshot(action),
    )
    return action


def _duplicate(case_id: int, description: str, *, session: Session) -> bool:
    wanted = _normalised(description)
    rows = session.exec(
        select(Action.description)
        .join(Audit, col(Audit.id) == Action.audit_id)
        .where(Audit.case_id == case_id, Action.status == "open")
    )
    return any(_normalised(existing) == wanted for existing in rows)


_CLOSING_TEXT = {
    # how an action is closed: the field that says what or why, and the message when it is empty
    "done": ("completion_note", "Say what was done to complete the action"),
    "cancelled": ("cancel_reason", "Give the reason for cancelling the action"),
}


def _closing_values(status: str, typed: str) -> dict[str, str]:
    """The note or reason that closing with this status needs, checked; FieldErrors if not."""
    field, missing = _CLOSING_TEXT[status]
    return {field: required_text(typed, field, missing)}


def close_action(
    action_id: int,
    status: str,
    typed: str,
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
    today: date,
) -> ActionView:
    """Close an open action: "done" with a note of what was done (``typed``), or "cancelled"
    with the reason."""
    values = _closing_values(status, typed)
    found = load_action(action_id, actor, session=session, today=today, to_change=True)
    action = found.action
    if action.status != "open":
        raise AuditError(
            f"This action is already {STATUS_NAMES[action.status].lower()}, so it cannot change."
        )
    before = _snapshot(action)
    if not _claim_open_action(action_id, status, values, expected_version, actor, session=session):
        raise StaleAction()
    session.refresh(action)
    _event(
        "action.completed" if status == "done" else "action.cancelled",
        action,
        found.case.case_ref,
        actor,
        session=session,
        before=before,
        after=_snapshot(action),
    )
    return found


def _claim_open_action(
    action_id: int,
    status: str,
    values: dict[str, str],
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
) -> bool:
    """Close the action if it is still open at the version the page showed; whether it was.

    One conditional UPDATE, so that of two people closing it at once only the first wins.
    """
    result = session.execute(
        update(Action)
        .where(
            col(Action.id) == action_id,
            col(Action.version) == expected_version,
            col(Action.status) == "open",
        )
        .values(
            status=status,
            closed_by_id=actor.id,
            closed_at=utcnow(),
            version=expected_version + 1,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    closed: int = result.rowcount  # type: ignore[attr-defined]
    return closed == 1


def _snapshot(action: Action) -> dict[str, object]:
    return {
        "description": action.description,
        "for_whom": action.for_whom,
        "owner": action.owner,
        "due": action.due.isoformat(),
        "status": action.status,
        "completion_note": action.completion_note,
        "cancel_reason": action.cancel_reason,
    }


def _event(
    name: str, action: Action, case_ref: str, actor: Actor, *, session: Session, **detail: Any
) -> None:
    record_event(
        name,
        session=session,
        actor=actor,
        audit_id=action.audit_id,
        case_ref=case_ref,
        action_id=action.id,
        **detail,
    )


# --- lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRow:
    """An action with where it came from, as lists show it."""

    action: Action
    audit_id: int
    case_ref: str
    service_name: str
    team_name: str
    overdue: bool


def _rows(query, today: date, *, session: Session) -> list[ActionRow]:  # type: ignore[no-untyped-def]
    return [
        ActionRow(
            action=action,
            audit_id=audit_id,
            case_ref=case_ref,
            service_name=service_name,
            team_name=team_name,
            overdue=is_overdue(action, today),
        )
        for action, audit_id, case_ref, service_name, team_name in session.exec(query)
    ]


def _base() -> Any:
    return joined_to_service(
        select(  # type: ignore[call-overload]
            Action, Audit.id, Case.case_ref, Service.name, Team.name
        ).join(Audit, col(Audit.id) == Action.audit_id)
    )


def _overdue_first(today: date):  # type: ignore[no-untyped-def]
    overdue = sql_case((col(Action.due) < today, 0), else_=1)
    return (overdue, col(Action.due), col(Action.id))


def _answered_for_by(actor: Actor, query: Any) -> Any:
    """The query kept to the actions this person answers for (see open_actions)."""
    # Audits of the person's organisation on its own cases: a visitor's audits of our cases
    # (made under a grant) are not listed, so that no list shows them our references.
    query = query.where(visibility.audits_seen(actor), visibility.cases_seen(actor))
    if actor.role == "manager":
        return query.where(
            or_(
                col(Team.service_id).in_(sorted(actor.managed_service_ids)),
                Audit.auditor_id == actor.id,
            )
        )
    if actor.role != "admin":
        return query.where(Audit.auditor_id == actor.id)
    return query


def open_actions(actor: Actor, *, session: Session, today: date) -> list[ActionRow]:
    """Open actions the person answers for, overdue first, then by due date.

    A manager: every action in the services they manage, and on their own audits. An auditor:
    those on their own audits. An admin: all.
    """
    query = _answered_for_by(actor, _base().where(Action.status == "open"))
    return _rows(query.order_by(*_overdue_first(today)), today, session=session)


def closed_actions(
    actor: Actor, *, session: Session, today: date, limit: int = 50
) -> list[ActionRow]:
    """Recently closed (done or cancelled) actions the person answers for, newest first."""
    query = _answered_for_by(actor, _base().where(Action.status != "open"))
    query = query.order_by(col(Action.closed_at).desc(), col(Action.id).desc()).limit(limit)
    return _rows(query, today, session=session)


def actions_of_audit(audit_id: int, *, session: Session, today: date) -> list[ActionRow]:
    """Every action on one audit: open ones first (overdue first), then the closed ones."""
    query = (
        _base()
        .where(Action.audit_id == audit_id)
        .order_by(
            sql_case((col(Action.status) == "open", 0), else_=1),
            *_overdue_first(today),
        )
    )
    return _rows(query, today, session=session)


# --- earlier audits of the same case -------------------------------------------------------


@dataclass(frozen=True)
class EarlierAudit:
    """An earlier audit of the case, its grade and its actions, to see what difference they made."""

    audit_id: int
    title: str
    status: str
    submitted_at: datetime | None
    grade: str | None
    grade_hidden: bool
    actions: list[ActionRow]


def earlier_audits(
    audit_file: AuditFile, actor: Actor, *, session: Session, today: date, blind: bool
) -> list[EarlierAudit]:
    """Audits of the same case started before this one (drafts left out), newest first: only
    those the person may open themselves (``may_see``: their own, in a service they manage, or
    as an admin), so that no audit shows the grades and actions of audits out of its reader's
    reach. In blind mode a grade still awaiting moderation is left out for managers, as on its
    own page.
    """
    rows = session.exec(
        select(Audit, QuestionnaireVersion.title, AuditResult)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .join(AuditResult, col(AuditResult.audit_id) == Audit.id, isouter=True)
        .where(
            Audit.case_id == audit_file.audit.case_id,
            Audit.id != audit_file.audit.id,
            Audit.status != DRAFT,
            col(Audit.created_at) < audit_file.audit.created_at,
        )
        .order_by(col(Audit.created_at).desc())
    )
    return [
        _earlier_audit(
            audit, title, result, audit_file, actor, session=session, today=today, blind=blind
        )
        for audit, title, result in rows
        if may_see(actor, audit, audit_file.team)
    ]


def _earlier_audit(
    audit: Audit,
    title: str,
    result: AuditResult | None,
    audit_file: AuditFile,
    actor: Actor,
    *,
    session: Session,
    today: date,
    blind: bool,
) -> EarlierAudit:
    """One earlier audit of the case, its final grade unless blind moderation keeps it back."""
    hidden = (
        blind
        and audit.status == SUBMITTED
        and audit.moderation_due
        and actor.role == "manager"
        and audit.auditor_id != actor.id
    )
    grade = None
    if result is not None and not hidden:
        grade = final_grade(
            computed=result.grade_computed,
            judged=result.grade_judged,
            moderated=result.grade_moderated,
        )
    return EarlierAudit(
        audit_id=audit.id,  # type: ignore[arg-type]
        title=title,
        status=audit.status,
        submitted_at=audit.submitted_at,
        grade=grade,
        grade_hidden=hidden,
        actions=actions_of_audit(audit.id, session=session, today=today),  # type: ignore[arg-type]
    )
