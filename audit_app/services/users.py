"""Managing users: who they are, their role, their team and the services they manage.

Creating users, passwords and activation live in :mod:`audit_app.services.accounts`; this module
adds what the admin pages and the ``users`` commands need on top: listing, validation with clear
messages before anything is written, and changing a user's details.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.auth import end_sessions
from audit_app.models import ROLES, ManagedService, Service, Team, User
from audit_app.services import accounts, mfa, visibility
from audit_app.services import concerns as concern_service
from audit_app.services.accounts import AccountError
from audit_app.services.actor import Actor
from audit_app.services.errors import NotFound, Refused
from audit_app.services.trail import record_event

# In the order the admin page offers them, with the words users know them by.
ROLE_NAMES = {
    "auditor": "Auditor",
    "manager": "Group manager",
    "admin": "Admin",
    "viewer": "Viewer",
    "independent": "Independent auditor",
}
ROLE_HINTS = {
    "auditor": "Completes audits of the cases allocated to them.",
    "manager": "Moderates audits and follows up actions in the services they manage.",
    "admin": "Manages users, cases, allocations and questionnaires.",
    "viewer": "Sees reports for every service, and nothing else.",
    "independent": (
        "An experienced independent auditor: sees only the cases and audits assigned to them, "
        "for a time. Must use two-factor authentication."
    ),
}

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,79}$")
USERNAME_RULE = (
    "Username must be 1 to 80 characters: letters, numbers, full stops, hyphens, underscores "
    "or @, starting with a letter or number"
)
IMPORT_HINT = "Teams and services are created when cases are imported (flask cases import)."


class SelfChangeRefused(AccountError):
    """An admin tried to deactivate themselves or give up their own admin role."""


class UserNotFound(NotFound):
    """No user with that id."""


def get_user(user_id: int, *, session: Session, actor: Actor | None = None) -> User:
    """The user with this id; UserNotFound when there is none, and when ``actor`` is of another
    organisation (an organisation's admins manage its own people only)."""
    user = session.get(User, user_id)
    if user is None or (actor is not None and not visibility.may_see_person(actor, user)):
        raise UserNotFound(f"No user with id {user_id}")
    return user


class LastManagerWarning(Refused):
    """Deactivating this group manager would leave services with no active manager: their open
    safeguarding concerns would have no manager to see them, and would go to the safeguarding
    fallback. The person deactivating must confirm (``confirmed=True``)."""

    def __init__(self, username: str, left: list[concern_service.LeftWithoutManager]) -> None:
        self.username = username
        self.left = left
        super().__init__("\n".join(last_manager_warning(username, left)))


def last_manager_warning(
    username: str, left: Sequence[concern_service.LeftWithoutManager]
) -> list[str]:
    """The warning, as lines: each service left without a manager, and its open concerns."""
    services = ", ".join(service.service_name for service in left)
    lines = [
        f"{username} is the last active manager of {services}. Once they are deactivated, no "
        "manager sees the safeguarding concerns raised there: they go to the admins and the "
        "safeguarding fallback (SAFEGUARDING_FALLBACK) until another manager is added."
    ]
    for service in left:
        if not service.concerns:
            lines.append(f"{service.service_name}: no open concerns.")
            continue
        count = len(service.concerns)
        lines.append(
            f"{service.service_name}: {count} open concern{'s' if count != 1 else ''} would be "
            "left without a manager to see them:"
        )
        for item in service.concerns:
            raised = clock.local(item.concern.raised_at).strftime("%-d %B %Y %H:%M")
            overdue = " (overdue)" if item.overdue else ""
            lines.append(f"  - case {item.case_ref}, raised {raised}{overdue}")
    return lines


@dataclass(frozen=True)
class UserRow:
    """A user as the admin pages and ``users list`` show them."""

    user: User
    team: str | None
    services: tuple[str, ...]

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.user.role, self.user.role)


def check_username(username: str, *, session: Session) -> str:
    """The normalised username, or AccountError when it is malformed or taken."""
    normalised = accounts.normalise_username(username)
    if not USERNAME_PATTERN.match(normalised):
        raise AccountError(USERNAME_RULE)
    if accounts.find_user(normalised, session=session) is not None:
        raise AccountError(f"A user called {normalised} already exists")
    return normalised


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def find_team(name: str, *, session: Session, organisation_id: int | None = None) -> Team:
    """The team with this name, of the organisation when one is given."""
    team = session.exec(select(Team).where(Team.name == name, *_teams_of(organisation_id))).first()
    if team is None:
        raise AccountError(f"There is no team called {name}. {IMPORT_HINT}")
    return team


def _teams_of(organisation_id: int | None) -> list[Any]:
    if organisation_id is None:
        return []
    return [col(Team.service_id).in_(_services_of(organisation_id))]


def _services_of(organisation_id: int) -> Any:
    return select(Service.id).where(Service.organisation_id == organisation_id)


def find_services(
    names: Sequence[str], *, session: Session, organisation_id: int | None = None
) -> list[Service]:
    """The services with these names, of the organisation when one is given."""
    rows = []
    own = [] if organisation_id is None else [col(Service.id).in_(_services_of(organisation_id))]
    for name in dict.fromkeys(names):
        row = session.exec(select(Service).where(Service.name == name, *own)).first()
        if row is None:
            raise AccountError(f"There is no service called {name}. {IMPORT_HINT}")
        rows.append(row)
    return rows


def check_services_for_role(role: str, services: Sequence[str]) -> None:
    if services and role != "manager":
        raise AccountError(
            "Only group managers manage services: choose no services, or the Group manager role"
        )


def check_new_user(
    username: str,
    role: str,
    *,
    session: Session,
    team: str | None = None,
    services: Sequence[str] = (),
    organisation_id: int | None = None,
) -> str:
    """Everything about a new user except the password; returns the normalised username."""
    normalised = check_username(username, session=session)
    check_role(role)
    if team:
        find_team(team, session=session, organisation_id=organisation_id)
    find_services(services, session=session, organisation_id=organisation_id)
    check_services_for_role(role, services)
    accounts.check_home_role(role, organisation_id, session=session)
    return normalised


def add_user(
    username: str,
    password: str,
    role: str,
    *,
    session: Session,
    actor: Actor,
    display_name: str = "",
    team: str | None = None,
    services: Sequence[str] = (),
    context_words: Iterable[str] | None = None,
    change_at_sign_in: bool = False,
) -> User:
    """Check and create a user; writes nothing when any detail is wrong. ``context_words`` and
    ``change_at_sign_in`` as for :func:`accounts.create_user`."""
    check_new_user(
        username,
        role,
        session=session,
        team=team,
        services=services,
        organisation_id=actor.organisation_id,
    )
    return accounts.create_user(
        username,
        password,
        role,
        session=session,
        actor=actor,
        display_name=display_name,
        team=team or None,
        services=list(dict.fromkeys(services)),
        context_words=context_words,
        change_at_sign_in=change_at_sign_in,
    )


def team_names(*, session: Session, actor: Actor | None = None) -> list[tuple[str, str]]:
    """Every team (of the actor's organisation) as (team, service), by service then team."""
    seen = [] if actor is None else [visibility.services_seen(actor)]
    rows = session.exec(
        select(Team.name, Service.name)
        .join(Service, Service.id == Team.service_id)  # type: ignore[arg-type]
        .where(*seen)
        .order_by(Service.name, Team.name)
    )
    return [(team, service) for team, service in rows]


def service_names(*, session: Session, actor: Actor | None = None) -> list[str]:
    """Every service (of the actor's organisation), by name."""
    seen = [] if actor is None else [visibility.services_seen(actor)]
    return list(session.exec(select(Service.name).where(*seen).order_by(Service.name)))


def _team_name(team_id: int | None, *, session: Session) -> str | None:
    if team_id is None:
        return None
    team = session.get(Team, team_id)
    return team.name if team else None


def _managed_service_names(user_id: int, *, session: Session) -> tuple[str, ...]:
    return tuple(
        session.exec(
            select(Service.name)
            .join(ManagedService, ManagedService.service_id == Service.id)  # type: ignore[arg-type]
            .where(ManagedService.user_id == user_id)
            .order_by(Service.name)
        )
    )


def user_row(user: User, *, session: Session) -> UserRow:
    assert user.id is not None
    return UserRow(
        user=user,
        team=_team_name(user.team_id, session=session),
        services=_managed_service_names(user.id, session=session),
    )


def list_users(*, session: Session, actor: Actor | None = None) -> list[UserRow]:
    """Every user (of the actor's organisation), by username, with their team and managed
    services (three queries in all)."""
    seen = [] if actor is None else [visibility.people_seen(actor)]
    users = list(session.exec(select(User).where(*seen).order_by(User.username)))
    teams = {team_id: name for team_id, name in session.exec(select(Team.id, Team.name))}
    services: dict[int, list[str]] = {}
    for user_id, name in session.exec(
        select(ManagedService.user_id, Service.name)
        .join(Service, Service.id == ManagedService.service_id)  # type: ignore[arg-type]
        .order_by(Service.name)
    ):
        services.setdefault(user_id, []).append(name)
    return [
        UserRow(
            user=user,
            team=teams.get(user.team_id) if user.team_id is not None else None,
            services=tuple(services.get(user.id or 0, ())),
        )
        for user in users
    ]


def update_user(
    user: User,
    *,
    session: Session,
    actor: Actor,
    display_name: str,
    role: str,
    team: str | None,
    services: Sequence[str],
) -> dict[str, tuple[object, object]]:
    """Change a user's name, role, team and managed services, all or nothing.

    Returns what changed as {field: (before, after)}, and writes one trail event with the same;
    nothing is written when nothing changed. An admin cannot remove their own admin role, so that
    the service always keeps someone who can manage users.
    """
    team_row, service_rows = check_user_update(
        user, actor=actor, role=role, team=team, services=services, session=session
    )
    display_name = display_name.strip()
    changes = user_changes(
        user_row(user, session=session),
        display_name=display_name,
        role=role,
        team=team_row.name if team_row else None,
        services=tuple(sorted(row.name for row in service_rows)),
    )
    if not changes:
        return changes
    _apply_user_changes(user, changes, display_name, role, team_row, service_rows, session=session)
    record_event(
        "user.updated",
        session=session,
        actor=actor,
        username=user.username,
        before={field: old for field, (old, _new) in changes.items()},
        after={field: new for field, (_old, new) in changes.items()},
    )
    session.flush()
    return changes


def check_user_update(
    user: User,
    *,
    actor: Actor,
    role: str,
    team: str | None,
    services: Sequence[str],
    session: Session,
) -> tuple[Team | None, list[Service]]:
    """The team and services a user's new details name, writing nothing; AccountError (or
    SelfChangeRefused) when the details cannot be saved."""
    assert user.id is not None
    check_role(role)
    if user.id == actor.id and user.role == "admin" and role != "admin":
        raise SelfChangeRefused(
            "You cannot remove your own admin role. Ask another admin to do it."
        )
    own = user.organisation_id
    team_row = find_team(team, session=session, organisation_id=own) if team else None
    service_rows = find_services(services, session=session, organisation_id=own)
    check_services_for_role(role, services)
    accounts.check_home_role(role, own, session=session)
    return team_row, service_rows


def user_changes(
    before: UserRow, *, display_name: str, role: str, team: str | None, services: tuple[str, ...]
) -> dict[str, tuple[object, object]]:
    """What the new details change, as {field: (before, after)}; ``services`` sorted by name."""
    user = before.user
    changes: dict[str, tuple[object, object]] = {}
    if display_name != user.display_name:
        changes["display_name"] = (user.display_name, display_name)
    if role != user.role:
        changes["role"] = (user.role, role)
    if team != before.team:
        changes["team"] = (before.team, team)
    if services != tuple(sorted(before.services)):
        changes["services"] = (list(before.services), list(services))
    return changes


def _apply_user_changes(
    user: User,
    changes: dict[str, tuple[object, object]],
    display_name: str,
    role: str,
    team_row: Team | None,
    service_rows: Sequence[Service],
    *,
    session: Session,
) -> None:
    """Write the new details; the managed services are replaced only when they changed."""
    assert user.id is not None
    user.display_name = display_name
    user.role = role
    user.team_id = team_row.id if team_row else None
    session.add(user)
    if "services" in changes:
        for link in session.exec(select(ManagedService).where(ManagedService.user_id == user.id)):
            session.delete(link)
        session.flush()
        for row in service_rows:
            assert row.id is not None  # read from the database
            session.add(ManagedService(user_id=user.id, service_id=row.id))


def change_active(
    user: User,
    active: bool,
    *,
    session: Session,
    actor: Actor,
    confirmed: bool = False,
) -> bool:
    """Deactivate or reactivate a user; False when they were already in that state.

    Nobody can deactivate themselves: an admin would lock themselves out mid-task. Deactivating
    the last active manager of a service raises LastManagerWarning unless ``confirmed``; once
    confirmed, a ``user.last_manager_deactivated`` event names the services and their open
    concerns.
    """
    if not active and user.id is not None and user.id == actor.id:
        raise SelfChangeRefused(
            "You cannot deactivate your own account. Ask another admin to do it."
        )
    if user.active == active:
        return False
    left = [] if active else concern_service.left_without_manager(user, session=session)
    if left and not confirmed:
        raise LastManagerWarning(user.username, left)
    accounts.set_active(user, active, session=session, actor=actor)
    if left:
        _record_last_manager_deactivated(user, left, session=session, actor=actor)
    return True


def _record_last_manager_deactivated(
    user: User,
    left: Sequence[concern_service.LeftWithoutManager],
    *,
    session: Session,
    actor: Actor,
) -> None:
    """The trail names the services left without a manager, and their open concerns."""
    record_event(
        "user.last_manager_deactivated",
        session=session,
        actor=actor,
        username=user.username,
        services=[service.service_name for service in left],
        open_concerns=[
            {
                "concern_id": item.concern.id,
                "case_ref": item.case_ref,
                "service": item.service_name,
            }
            for service in left
            for item in service.concerns
        ],
    )


def reset_mfa(
    user: User,
    *,
    reason: str,
    session: Session,
    actor: Actor,
) -> int:
    """Turn off two-factor authentication for a person who lost their authenticator and their
    recovery codes, after checking who they are; returns how many of their sessions ended.

    ``reason`` says how their identity was checked, for the trail. Nobody resets their own: a
    second person checks.
    """
    if user.id is not None and user.id == actor.id:
        raise SelfChangeRefused(
            "You cannot reset your own two-factor authentication. Ask another admin to do it."
        )
    if not user.mfa_enabled:
        raise AccountError(f"{user.username} does not have two-factor authentication on")
    reason = check_reset_reason(reason)
    return mfa.disable(user, session=session, actor=actor, reason=reason)


MAX_RESET_REASON = 500


class ResetReasonRefused(AccountError):
    """The words saying how a person's identity was checked are missing or too long."""


def check_reset_reason(reason: str) -> str:
    """How the person's identity was checked, as the trail records it (runs of spaces made
    one); ResetReasonRefused when it says nothing or is too long."""
    if len(reason) > MAX_RESET_REASON:
        raise ResetReasonRefused(f"Say how you checked in {MAX_RESET_REASON} characters or fewer")
    tidied = " ".join(reason.split())
    if not tidied:
        raise ResetReasonRefused("Say how you checked who they are")
    return tidied


def end_all_sessions(
    user: User,
    *,
    session: Session,
    actor: Actor,
) -> int:
    """End every session of a person, on every device; returns how many were open.

    An admin ends their own with "Sign out everywhere" on their account page instead.
    """
    assert user.id is not None
    if user.id == actor.id:
        raise SelfChangeRefused(
            "To end your own sessions, use Sign out everywhere on your account page."
        )
    ended = end_sessions(session, user.id, "ended by an admin")
    user.session_version += 1
    session.add(user)
    record_event(
        "user.sessions_ended",
        session=session,
        actor=actor,
        username=user.username,
        sessions_ended=ended,
    )
    session.flush()
    return ended
