"""Single sign-on: who a person proven by the council's identity provider is in this service.

Accounts are matched by the provider's stable subject (``app_user.oidc_subject``), never by
e-mail: an address can be reused or changed, the subject cannot. The role, team and services
come from the person's directory groups, through the mapping file the admins keep
(``OIDC_GROUPS_FILE``), at every sign-in: a change of groups takes effect the next time the
person signs in. Accounts nobody has used for ``DEACTIVATE_AFTER_DAYS`` are deactivated by
``flask users deactivate-unused``, run daily.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from audit_app.core.roles import ADMIN, AUDITOR, MANAGER, ROLES, VIEWER
from audit_app.models import (
    AuditEvent,
    ManagedService,
    Organisation,
    Service,
    Team,
    User,
    utcnow,
)
from audit_app.services import accounts, visibility
from audit_app.services.actor import Actor
from audit_app.services.errors import Refused
from audit_app.services.trail import record_event

# The role a person in groups for several gets: the one that can do most.
ROLE_PRECEDENCE = (ADMIN, MANAGER, AUDITOR, VIEWER)
SINGLE_SIGN_ON = Actor.system("single sign-on")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,79}$")


class GroupsFileError(Refused, ValueError):
    """The groups mapping file cannot be used; the message says where and why (for the admins
    who keep it: a person signing in is told only that sign-on is not set up)."""


class SignOnRefused(Refused):
    """The provider proved who this is, but they cannot sign in here. ``reason`` is short, for
    the trail; the message is for the person; ``reference`` is what an admin needs (the
    subject), when it helps them."""

    def __init__(self, reason: str, message: str, *, reference: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        self.reference = reference


@dataclass(frozen=True)
class GroupRule:
    """One group of the mapping file: what belonging to it gives."""

    group: str
    role: str
    team: str | None = None
    services: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class Access:
    """What a person's groups give: one role, their team, the services they manage."""

    role: str
    team: str | None
    services: tuple[str, ...]
    groups: tuple[str, ...]  # the mapped groups that gave it, as labelled in the file


def parse_group_rules(text: str, *, source: str = "the groups file") -> list[GroupRule]:
    """The rules of a mapping file (TOML, one ``[[group]]`` table each); GroupsFileError says
    which entry is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise GroupsFileError(f"{source} is not valid TOML: {problem}") from None
    entries = data.get("group", [])
    if not isinstance(entries, list):
        raise GroupsFileError(f"{source}: write each group as a [[group]] table")
    rules: list[GroupRule] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        rules.append(_rule(entry, f"{source}, group {number}", seen))
    return rules


def _rule(entry: Mapping[str, Any], where: str, seen: set[str]) -> GroupRule:
    unknown = set(entry) - {"id", "role", "team", "services", "name"}
    if unknown:
        raise GroupsFileError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    group = entry.get("id")
    if not isinstance(group, str) or not group.strip():
        raise GroupsFileError(f"{where}: id must be the group's identifier (Entra ID: Object ID)")
    if group in seen:
        raise GroupsFileError(f"{where}: the group {group} is listed twice")
    seen.add(group)
    role = entry.get("role")
    if role not in ROLES:
        raise GroupsFileError(f"{where}: role must be one of {', '.join(ROLES)}, not {role!r}")
    team = entry.get("team")
    if team is not None and (not isinstance(team, str) or not team.strip()):
        raise GroupsFileError(f"{where}: team must be a team's name")
    services = entry.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise GroupsFileError(f"{where}: services must be a list of services' names")
    if services and role != MANAGER:
        raise GroupsFileError(f"{where}: only a manager's group names services")
    label = entry.get("name", "")
    return GroupRule(group, str(role), team, tuple(services), str(label) if label else group)


def read_group_rules(path: str | Path) -> list[GroupRule]:
    """The rules of the mapping file at ``path``, read afresh (the admins edit it)."""
    try:
        text = Path(path).read_text("utf-8")
    except OSError as problem:
        raise GroupsFileError(
            f"the groups file {path} cannot be read ({problem.strerror}): see OIDC_GROUPS_FILE"
        ) from None
    return parse_group_rules(text, source=str(path))


def access_from_groups(rules: Sequence[GroupRule], groups: Iterable[str]) -> Access | None:
    """What these groups give, or None when none of them gives a role. In groups for several
    roles, a person gets the one that can do most; a manager manages the services of all their
    managers' groups; their team is the first team given with that role."""
    member = set(groups)
    matched = [rule for rule in rules if rule.group in member]
    if not matched:
        return None
    role = min((rule.role for rule in matched), key=ROLE_PRECEDENCE.index)
    giving = [rule for rule in matched if rule.role == role]
    team = next((rule.team for rule in giving if rule.team), None)
    services = tuple(dict.fromkeys(s for rule in giving for s in rule.services))
    return Access(role, team, services, tuple(rule.label for rule in matched))


def provider_did_mfa(
    amr: Iterable[str], acr: str, *, amr_values: Iterable[str], acr_values: Iterable[str]
) -> bool:
    """Whether the ID token says the provider did multi-factor authentication."""
    return bool(set(amr) & set(amr_values)) or (bool(acr) and acr in set(acr_values))


@dataclass(frozen=True)
class ProvenPerson:
    """The person as the provider proved them (from :class:`audit_app.oidc.ProvenIdentity`)."""

    subject: str
    name: str
    email: str
    groups: tuple[str, ...]


def sign_in(
    person: ProvenPerson,
    *,
    session: Session,
    groups_file: str | Path,
    create_accounts: bool,
    address: str,
    mfa_by_provider: bool,
) -> User:
    """The account of the person the provider proved, with the role, team and services their
    groups give now; SignOnRefused when they cannot sign in. The caller commits.

    When the provider did no multi-factor authentication, a person with the service's own
    two-factor authentication is asked for its code next (the caller's business); one whose
    role needs it and who has none sets it up once signed in, as after a password."""
    rules = _group_rules(groups_file)
    user = session.exec(select(User).where(User.oidc_subject == person.subject)).first()
    access = _access_or_refusal(rules, person, user)
    user = _usable_account(person, user, access, session=session, create_accounts=create_accounts)
    _apply_access(user, access, session=session)
    _record_sign_in(
        user, person, access, session=session, address=address, mfa_by_provider=mfa_by_provider
    )
    session.flush()
    return user


def _group_rules(groups_file: str | Path) -> list[GroupRule]:
    """The mapping file's rules; SignOnRefused, for the person, when it cannot be used (the
    trail says why, for the admins)."""
    try:
        return read_group_rules(groups_file)
    except GroupsFileError as problem:
        raise SignOnRefused(f"groups file: {problem}"[:200], NOT_SET_UP) from None


def _access_or_refusal(
    rules: Sequence[GroupRule], person: ProvenPerson, user: User | None
) -> Access:
    """What the person's groups give; SignOnRefused when none of them gives a role."""
    access = access_from_groups(rules, person.groups)
    if access is None:
        raise SignOnRefused(
            "no group gives a role",
            "Your council account is not in any of the groups that can use Case file audits. "
            "If you need to use it, ask your manager to have you added to the right group.",
            reference=user.username if user else person.subject,
        )
    return access


def _usable_account(
    person: ProvenPerson,
    user: User | None,
    access: Access,
    *,
    session: Session,
    create_accounts: bool,
) -> User:
    """The account linked to the person's subject, or one made for them now when that is
    allowed; SignOnRefused when there is none, or it is deactivated."""
    if user is None:
        if not create_accounts:
            raise SignOnRefused(
                "no account for this subject",
                "There is no account here for your council account yet. Ask the service's "
                "admins to link it to yours, giving them the reference below.",
                reference=person.subject,
            )
        return _create_account(person, access, session=session)
    if not _of_home_organisation(user, session=session):
        # Single sign-on is the home organisation's provider; a partner's will be its own.
        raise SignOnRefused(
            "account of a partner organisation",
            "Your account belongs to a partner organisation: sign in with its username and "
            "password.",
            reference=user.username,
        )
    if not user.active:
        raise SignOnRefused(
            "account deactivated",
            "Your account has been deactivated. If you still need it, ask the service's admins "
            "to reactivate it.",
            reference=user.username,
        )
    return user


def _of_home_organisation(user: User, *, session: Session) -> bool:
    organisation = session.get(Organisation, user.organisation_id)
    return organisation is not None and organisation.is_home


def _record_sign_in(
    user: User,
    person: ProvenPerson,
    access: Access,
    *,
    session: Session,
    address: str,
    mfa_by_provider: bool,
) -> None:
    """Record the sign-in in the trail; it counts as the last sign-in unless the service's own
    code is still to come."""
    code_next = not mfa_by_provider and user.mfa_enabled
    if not code_next:
        user.last_sign_in_at = utcnow()
    session.add(user)
    record_event(
        # With the service's own code to come, the session starts after it.
        "sign_in.sso_accepted" if code_next else "sign_in.sso_succeeded",
        session=session,
        actor=user.username,
        actor_id=user.id,
        remote_addr=address,
        subject=person.subject,
        role=user.role,
        groups=list(access.groups),
        mfa_by_provider=mfa_by_provider,
    )


NOT_SET_UP = (
    "Signing in with your council account is not set up correctly. Tell the service's admins: "
    "the audit trail says what is wrong."
)


def _create_account(person: ProvenPerson, access: Access, *, session: Session) -> User:
    """A new account for the person, linked to their subject; no password (the provider's
    sign-in is theirs). The username is their e-mail when it is free, never linking to an
    account that has it."""
    username = _free_username(person, session=session)
    user = User(
        username=username,
        display_name=person.name.strip()[:120],
        password_hash="",
        role=access.role,
        oidc_subject=person.subject,
    )
    session.add(user)
    session.flush()
    record_event(
        "user.created",
        session=session,
        actor=SINGLE_SIGN_ON,
        username=username,
        role=access.role,
        subject=person.subject,
        groups=list(access.groups),
    )
    return user


def _free_username(person: ProvenPerson, *, session: Session) -> str:
    base = accounts.normalise_username(person.email)
    if not USERNAME_PATTERN.match(base):
        base = "sso-" + hashlib.sha256(person.subject.encode()).hexdigest()[:12]
    candidate, number = base, 1
    while accounts.find_user(candidate, session=session) is not None:
        number += 1
        suffix = f"-{number}"
        candidate = base[: 80 - len(suffix)] + suffix
    return candidate


def _apply_access(user: User, access: Access, *, session: Session) -> None:
    """Give the account what the groups give, recording any change in the trail."""
    assert user.id is not None
    team_row = None
    if access.team:
        team_row = session.exec(select(Team).where(Team.name == access.team)).first()
        if team_row is None:
            raise SignOnRefused(f"groups file names no such team: {access.team}"[:200], NOT_SET_UP)
    service_rows = []
    for name in access.services:
        row = session.exec(select(Service).where(Service.name == name)).first()
        if row is None:
            raise SignOnRefused(f"groups file names no such service: {name}"[:200], NOT_SET_UP)
        service_rows.append(row)
    managed = set(
        session.exec(select(ManagedService.service_id).where(ManagedService.user_id == user.id))
    )
    wanted = {row.id for row in service_rows}
    before = {"role": user.role, "team_id": user.team_id, "services": sorted(managed)}
    team_id = team_row.id if team_row else None
    if user.role == access.role and user.team_id == team_id and managed == wanted:
        return
    user.role = access.role
    user.team_id = team_id
    for link in session.exec(select(ManagedService).where(ManagedService.user_id == user.id)):
        session.delete(link)
    session.flush()
    for service_id in wanted:
        assert service_id is not None
        session.add(ManagedService(user_id=user.id, service_id=service_id))
    session.add(user)
    record_event(
        "user.updated_from_groups",
        session=session,
        actor=SINGLE_SIGN_ON,
        username=user.username,
        before=before,
        after={"role": access.role, "team": access.team, "services": list(access.services)},
        groups=list(access.groups),
    )


def link_account(user: User, subject: str, *, session: Session, actor: Actor) -> None:
    """Link an existing account to the person's subject at the provider (an admin's act, after
    checking who they are); refused when another account has that subject."""
    subject = subject.strip()
    if not subject or len(subject) > 255:
        raise accounts.AccountError("The subject must be 1 to 255 characters")
    other = session.exec(select(User).where(User.oidc_subject == subject)).first()
    if other is not None and other.id != user.id:
        raise accounts.AccountError(f"{other.username} is already linked to that subject")
    user.oidc_subject = subject
    session.add(user)
    record_event(
        "user.linked_to_provider",
        session=session,
        actor=actor,
        username=user.username,
        subject=subject,
    )
    session.flush()


@dataclass(frozen=True)
class SignInRow:
    """A line of the admins' last sign-in report."""

    user: User
    last_seen: datetime  # the last sign-in, or when the account was made or reactivated
    days: int
    due_for_deactivation: bool


def last_sign_ins(
    *, session: Session, deactivate_after_days: int, actor: Actor | None = None
) -> list[SignInRow]:
    """Every account (of the actor's organisation), the longest unused first, with whether the
    next daily run deactivates it."""
    now = utcnow()
    reactivated = _reactivated_since(session, now - timedelta(days=max(deactivate_after_days, 1)))
    rows = []
    seen_people = [] if actor is None else [visibility.people_seen(actor)]
    for user in session.exec(select(User).where(*seen_people).order_by(col(User.username))):
        seen = last_seen(user, reactivated)
        days = (now - seen).days
        due = (
            user.active
            and deactivate_after_days > 0
            and now - seen > timedelta(days=deactivate_after_days)
        )
        rows.append(SignInRow(user, seen, days, due))
    rows.sort(key=lambda row: (not row.user.active, row.last_seen))
    return rows


def last_seen(user: User, reactivated: Mapping[str, datetime]) -> datetime:
    """When the account was last used or given a fresh start: its last sign-in, its creation, or
    its reactivation by an admin, whichever was latest."""
    times = [user.created_at, user.last_sign_in_at, reactivated.get(user.username)]
    return max(t for t in times if t is not None)


def _reactivated_since(session: Session, since: datetime) -> dict[str, datetime]:
    """Who was reactivated since then, and when (from the trail)."""
    found: dict[str, datetime] = {}
    events = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "user.activated", AuditEvent.occurred_at >= since
        )
    )
    for event in events:
        username = json.loads(event.detail).get("username")
        if isinstance(username, str):
            found[username] = max(found.get(username, event.occurred_at), event.occurred_at)
    return found


def deactivate_unused(*, session: Session, actor: Actor, days: int) -> list[str]:
    """Deactivate every active account unused for more than ``days`` days (ending its sessions);
    the usernames, in order. Each is recorded in the trail with when it was last used."""
    if days < 1:
        raise accounts.AccountError("The number of days must be at least 1")
    rows = last_sign_ins(session=session, deactivate_after_days=days)
    done = []
    for row in rows:
        if not row.due_for_deactivation:
            continue
        accounts.set_active(row.user, False, session=session, actor=actor)
        record_event(
            "user.deactivated_unused",
            session=session,
            actor=actor,
            username=row.user.username,
            last_seen=row.last_seen,
            days=days,
        )
        done.append(row.user.username)
    return done
