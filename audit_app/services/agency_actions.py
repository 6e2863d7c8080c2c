"""Actions a multi-agency audit's panel gives to one agency (docs/multi-agency-audits.md, "The
panel").

The panel adds them once the returns are closed (and after concluding). An action, and its
progress, is a finding addressed to one agency: it is seen by the coordinator and by the owning
organisation's people only, never by another agency, nor by panel members of other agencies.
The owning agency's group managers and admins mark it done (with a note) or cancelled (with a
reason); each carries a version, so a change from a stale page is refused.

The trail records which action changed, its agency, due date and status, never its words: the
home organisation's admins read the trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import update
from sqlmodel import Session, col, select

from audit_app.core.panel import ACTION_STATUS_NAMES, AFTER_RETURNS, is_overdue
from audit_app.core.partnership import CONCLUDED
from audit_app.core.roles import ADMIN, MANAGER, READERS
from audit_app.models import AgencyAction, MultiAgencyAudit, Organisation, utcnow
from audit_app.services.actions import STALE_MESSAGE as ACTION_STALE_MESSAGE
from audit_app.services.actions import action_problems
from audit_app.services.actor import Actor
from audit_app.services.audits import AuditError, FieldErrors, StaleAudit, required_text
from audit_app.services.panel import (
    MultiAgencyNotFound,
    after_returns,
    agencies,
    is_agency_reader,
    is_on_panel,
)
from audit_app.services.trail import record_event

CHANGERS = (MANAGER, ADMIN)
"""Who of the owning agency marks its actions done or cancelled."""


class StaleAgencyAction(StaleAudit):
    """The action was changed by someone else since the page was opened; nothing was saved."""

    def __init__(self) -> None:
        super().__init__(ACTION_STALE_MESSAGE)


@dataclass(frozen=True)
class ActionRow:
    """An action as a list shows it, with its multi-agency audit and its agency."""

    action: AgencyAction
    audit_title: str
    agency: str
    overdue: bool


@dataclass(frozen=True)
class ActionsPage:
    """A multi-agency audit's actions as one person may see them, and what they may do."""

    audit: MultiAgencyAudit
    agencies: dict[int, str]
    rows: list[ActionRow]
    may_add: bool
    is_coordinator: bool
    exports: dict[int, str]  # the agencies whose export this person may download


def may_see_action(actor: Actor, action: AgencyAction, audit: MultiAgencyAudit) -> bool:
    """The coordinator, and the owning organisation's people who read records."""
    if actor.id is not None and actor.id == audit.coordinator_id:
        return True
    return actor.organisation_id == action.organisation_id and actor.role in READERS


def may_change_action(actor: Actor, action: AgencyAction) -> bool:
    """The owning agency's group managers and admins."""
    return actor.organisation_id == action.organisation_id and actor.role in CHANGERS


def may_export(actor: Actor, audit: MultiAgencyAudit, organisation_id: int) -> bool:
    """The coordinator, any agency's; an agency's group managers and admins, their own."""
    if actor.id is not None and actor.id == audit.coordinator_id:
        return True
    return actor.organisation_id == organisation_id and actor.role in CHANGERS


def load_actions_page(audit_id: int, actor: Actor, *, session: Session, today: date) -> ActionsPage:
    """The actions page once the returns are closed: for the panel and the agencies' people;
    MultiAgencyNotFound for anyone else."""
    audit = after_returns(audit_id, session=session)
    on_panel = is_on_panel(actor, audit, session=session)
    if not (on_panel or is_agency_reader(actor, audit_id, session=session)):
        raise MultiAgencyNotFound(audit_id)
    named = agencies(audit_id, session=session)
    query = _rows_query().where(AgencyAction.multi_agency_audit_id == audit_id)
    rows = [
        row
        for row in _rows(query.order_by(*_open_and_overdue_first(today)), today, session=session)
        if may_see_action(actor, row.action, audit)
    ]
    return ActionsPage(
        audit=audit,
        agencies=named,
        rows=rows,
        may_add=on_panel,
        is_coordinator=actor.id == audit.coordinator_id,
        exports={org: name for org, name in named.items() if may_export(actor, audit, org)},
    )


def add_action(
    audit_id: int,
    *,
    organisation_id: str,
    description: str,
    due: tuple[str, str, str],
    actor: Actor,
    session: Session,
    today: date,
) -> AgencyAction:
    """The panel gives an action to one agency of the audit: what must happen, by when (not in
    the past)."""
    audit = after_returns(audit_id, session=session)
    if not is_on_panel(actor, audit, session=session):
        raise MultiAgencyNotFound(audit_id)
    owner = _agency_chosen(organisation_id, agencies(audit_id, session=session))
    text = description.strip()
    # The checks of an audit's actions, with this action's agency in place of the owner.
    due_on, errors = action_problems(text, "record", "agency", due, today=today)
    if owner is None:
        errors = {"organisation": "Choose the agency that owns the action", **errors}
    if errors:
        raise FieldErrors(errors)
    assert due_on is not None and owner is not None
    action = AgencyAction(
        multi_agency_audit_id=audit_id,
        organisation_id=owner,
        description=text,
        due=due_on,
        created_by_id=actor.person_id,
    )
    session.add(action)
    session.flush()
    _event("multi_agency.action_created", action, actor, session=session)
    return action


def _agency_chosen(typed: str, named: dict[int, str]) -> int | None:
    """The agency chosen on the form, if it is one of the audit's."""
    try:
        chosen = int(typed)
    except ValueError:
        return None
    return chosen if chosen in named else None


@dataclass(frozen=True)
class FoundAction:
    """One action, with its multi-agency audit and its agency's name."""

    action: AgencyAction
    audit: MultiAgencyAudit
    agency: str
    overdue: bool


def load_action(
    audit_id: int,
    action_id: int,
    actor: Actor,
    *,
    session: Session,
    today: date,
    to_change: bool = False,
) -> FoundAction:
    """The action, if this person may see it (or change it); MultiAgencyNotFound otherwise."""
    audit = session.get(MultiAgencyAudit, audit_id)
    action = session.get(AgencyAction, action_id)
    if audit is None or action is None or action.multi_agency_audit_id != audit_id:
        raise MultiAgencyNotFound(action_id)
    allowed = (
        may_change_action(actor, action) if to_change else may_see_action(actor, action, audit)
    )
    if not allowed or audit.status not in AFTER_RETURNS:
        raise MultiAgencyNotFound(action_id)
    return FoundAction(
        action=action,
        audit=audit,
        agency=agencies(audit_id, session=session).get(action.organisation_id, ""),
        overdue=is_overdue(action.status, action.due, today),
    )


_CLOSING_TEXT = {
    # how an action is closed: the field that says what or why, and the message when it is empty
    "done": ("completion_note", "Say what was done to complete the action"),
    "cancelled": ("cancel_reason", "Give the reason for cancelling the action"),
}


def close_action(
    audit_id: int,
    action_id: int,
    status: str,
    typed: str,
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
    today: date,
) -> FoundAction:
    """The owning agency marks an open action done (``typed``: what was done) or cancelled
    (``typed``: why), from the latest version of it."""
    found = load_action(audit_id, action_id, actor, session=session, today=today, to_change=True)
    field_name, missing = _CLOSING_TEXT[status]
    text = required_text(typed, field_name, missing)
    if found.action.status != "open":
        name = ACTION_STATUS_NAMES[found.action.status].lower()
        raise AuditError(f"This action is already {name}, so it cannot change.")
    result = session.execute(
        update(AgencyAction)
        .where(
            col(AgencyAction.id) == action_id,
            col(AgencyAction.version) == expected_version,
            col(AgencyAction.status) == "open",
        )
        .values(
            status=status,
            closed_by_id=actor.person_id,
            closed_at=utcnow(),
            version=expected_version + 1,
            **{field_name: text},
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleAgencyAction()
    session.refresh(found.action)
    name = "multi_agency.action_completed" if status == "done" else "multi_agency.action_cancelled"
    _event(name, found.action, actor, session=session)
    return found


def _event(name: str, action: AgencyAction, actor: Actor, *, session: Session) -> None:
    """The action's event in the trail: which, whose, when due, its status; not its words."""
    record_event(
        name,
        session=session,
        actor=actor,
        multi_agency_audit_id=action.multi_agency_audit_id,
        agency_action_id=action.id,
        organisation_id=action.organisation_id,
        due=action.due.isoformat(),
        status=action.status,
    )


# --- lists -----------------------------------------------------------------------------------


def _rows_query() -> Any:
    return (
        select(AgencyAction, MultiAgencyAudit.title, Organisation.name)
        .join(MultiAgencyAudit, col(MultiAgencyAudit.id) == AgencyAction.multi_agency_audit_id)
        .join(Organisation, col(Organisation.id) == AgencyAction.organisation_id)
    )


def _open_and_overdue_first(today: date) -> tuple[Any, ...]:
    """Open actions first, overdue first among them, then by due date."""
    return (
        sql_case((col(AgencyAction.status) == "open", 0), else_=1),
        sql_case((col(AgencyAction.due) < today, 0), else_=1),
        col(AgencyAction.due),
        col(AgencyAction.id),
    )


def _rows(query: Any, today: date, *, session: Session) -> list[ActionRow]:
    return [
        ActionRow(
            action=action,
            audit_title=title,
            agency=agency,
            overdue=is_overdue(action.status, action.due, today),
        )
        for action, title, agency in session.exec(query)
    ]


def own_agency_actions(actor: Actor, *, session: Session, today: date) -> list[ActionRow]:
    """Every action given to the person's organisation across multi-agency audits: open ones
    first, overdue first."""
    if actor.organisation_id is None:
        return []
    query = _rows_query().where(
        AgencyAction.organisation_id == actor.organisation_id,
        col(MultiAgencyAudit.status).in_(AFTER_RETURNS),
    )
    return _rows(query.order_by(*_open_and_overdue_first(today)), today, session=session)


@dataclass(frozen=True)
class PanelLinks:
    """What of the panel's work the multi-agency audit's page links this person to."""

    discussion: bool
    actions: bool
    # The agencies whose download this person may have, by id, with their names.
    downloads: list[tuple[int, str]]


def panel_links(audit: MultiAgencyAudit, actor: Actor, *, session: Session) -> PanelLinks:
    """The panel's pages this person may open, once the returns are closed: the discussion (the
    panel; each agency's people once concluded), the actions (the panel and the agencies'
    people) and each agency's download they may have."""
    assert audit.id is not None
    if audit.status not in AFTER_RETURNS:
        return PanelLinks(discussion=False, actions=False, downloads=[])
    on_panel = is_on_panel(actor, audit, session=session)
    reader = is_agency_reader(actor, audit.id, session=session)
    named = agencies(audit.id, session=session)
    return PanelLinks(
        discussion=on_panel or (reader and audit.status == CONCLUDED),
        actions=on_panel or reader,
        downloads=[(org, name) for org, name in named.items() if may_export(actor, audit, org)],
    )
