"""Accounts: creating users, passwords, deactivation, and signing in with throttling."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import func
from sqlmodel import Session, col, select

from audit_app.auth import (
    end_sessions,
    hash_password,
    needs_rehash,
    password_hasher,
    verify_password,
)
from audit_app.core.roles import INDEPENDENT
from audit_app.models import (
    ROLES,
    ManagedService,
    Organisation,
    Service,
    SignInAttempt,
    Team,
    User,
    UserSession,
    utcnow,
)
from audit_app.services import sign_in_timing
from audit_app.services.actor import Actor
from audit_app.services.errors import FieldErrors, Refused
from audit_app.services.repeated_refusals import record_refusal
from audit_app.services.trail import record_event

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class AccountError(Refused, ValueError):
    """A request about an account that cannot be met; the message says why."""


class SignInRefused(Refused):
    """Sign-in failed. The message never says whether the username exists."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


WRONG_DETAILS = "Enter a correct username and password"
TOO_MANY = "Too many failed attempts to sign in. Wait 15 minutes, then try again."


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash with the current parameters, to check against when there is no such user."""
    hasher = password_hasher()
    params = f"{hasher.time_cost}:{hasher.memory_cost}:{hasher.parallelism}"
    if params not in _DUMMY_HASHES:
        _DUMMY_HASHES[params] = hash_password(secrets.token_hex(16))
    return _DUMMY_HASHES[params]


def check_password_rules(
    password: str,
    *,
    context_words: Iterable[str] = (),
    username: str = "",
    display_name: str = "",
) -> None:
    """Refuse passwords that are too short, too long, among the commonest passwords, or that
    contain one of ``context_words`` (the ``PASSWORD_CONTEXT_WORDS`` setting) or the person's
    username or name, ignoring case, spaces and punctuation."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer")
    if password.strip().lower() in common_passwords():
        raise AccountError(
            "That password is one of the most common passwords, so it is easy to guess: "
            "choose another, for example three or four unrelated words"
        )
    letters = letters_and_digits(password)
    for word in context_words:
        key = letters_and_digits(word)
        if key and key in letters:
            raise AccountError(
                f"Password must not include “{word.strip()}”: words about this service are easy "
                "to guess. Choose another, for example three or four unrelated words"
            )
    if any(key in letters for key in personal_words(username, display_name)):
        raise AccountError(
            "Password must not include the username or the person’s name: they are easy to "
            "guess. Choose another, for example three or four unrelated words"
        )


def letters_and_digits(text: str) -> str:
    """``text`` in lower case with everything but letters and digits taken out, so that
    "Children's Services" and "childrens-services" compare equal."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


MIN_PERSONAL_WORD = 4


def personal_words(username: str, display_name: str) -> set[str]:
    """What a password must not contain about its owner: the whole username and name, the part
    of the username before any @, and each part of them split at spaces and punctuation (so
    "ann.lee@hackney.gov.uk" gives "annleehackneygovuk", "annlee" and "hackney"), leaving out
    any shorter than four letters or digits, which would refuse too many good passwords."""
    words = set()
    for text in (username, display_name):
        parts = re.split(r"[\W_]+", text.casefold())
        for candidate in (text, text.split("@")[0], *parts):
            key = letters_and_digits(candidate)
            if len(key) >= MIN_PERSONAL_WORD:
                words.add(key)
    return words


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 commonest passwords, from the list the zxcvbn package ships."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    listed = FREQUENCY_LISTS["passwords"]
    words = listed.split(",") if isinstance(listed, str) else list(listed)
    return frozenset(word.strip().lower() for word in words if word.strip())


def normalise_username(username: str) -> str:
    return username.strip().lower()


def find_user(username: str, *, session: Session) -> User | None:
    return session.exec(select(User).where(User.username == normalise_username(username))).first()


@dataclass(frozen=True)
class NewAccount:
    """A new user's details once checked: nothing about them is wrong, nothing is written yet."""

    username: str  # normalised
    role: str
    display_name: str
    team: str | None  # the team's name as asked for
    team_row: Team | None
    services: list[str]  # the services' names as asked for
    service_rows: list[Service]


def check_new_account(
    username: str,
    password: str,
    role: str,
    *,
    session: Session,
    display_name: str = "",
    team: str | None = None,
    services: Sequence[str] = (),
    context_words: Iterable[str] | None = None,
) -> NewAccount:
    """Everything :func:`create_user` checks, writing nothing; AccountError says what is wrong."""
    username = normalise_username(username)
    if not username or len(username) > 80:
        raise AccountError("Username must be 1 to 80 characters")
    if role not in ROLES:
        raise AccountError(f"Role must be one of {', '.join(ROLES)}")
    if find_user(username, session=session) is not None:
        raise AccountError(f"A user called {username} already exists")
    _check_new_password(password, context_words, username, display_name)
    team_row = None
    if team:
        team_row = session.exec(select(Team).where(Team.name == team)).first()
        if team_row is None:
            raise AccountError(f"There is no team called {team}")
    service_rows = [_named_service(name, session=session) for name in services]
    if service_rows and role != "manager":
        raise AccountError("Only managers manage services")
    return NewAccount(username, role, display_name, team, team_row, list(services), service_rows)


def _named_service(name: str, *, session: Session) -> Service:
    row = session.exec(select(Service).where(Service.name == name)).first()
    if row is None:
        raise AccountError(f"There is no service called {name}")
    return row


def check_home_role(role: str, organisation_id: int | None, *, session: Session) -> None:
    """The independent auditor is one of the home organisation's people (None: the home one),
    assigned our cases; AccountError for another organisation's."""
    if role != INDEPENDENT or organisation_id is None:
        return
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or not organisation.is_home:
        raise AccountError("Only the council's own admins add independent auditors")


def create_user(
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
    organisation_id: int | None = None,
) -> User:
    """Add a user; a manager names the services they manage, an auditor their own team. They
    belong to ``organisation_id``, else the actor's, else (the command line, single sign-on) the
    home organisation; their team and services must be of it.

    Where a person chose the password (the admin pages, ``users create``), ``context_words`` is
    the ``PASSWORD_CONTEXT_WORDS`` setting: the password may then contain none of them, nor the
    username or name. ``None`` leaves those words unchecked, for users made by the system.
    ``change_at_sign_in``: the password was chosen by an admin, so its owner must change it at
    their first sign-in."""
    account = check_new_account(
        username,
        password,
        role,
        session=session,
        display_name=display_name,
        team=team,
        services=services,
        context_words=context_words,
    )
    organisation_id = organisation_id or actor.organisation_id
    check_home_role(role, organisation_id, session=session)
    user = _store_account(account, password, change_at_sign_in, session, organisation_id)
    record_event(
        "user.created",
        session=session,
        actor=actor,
        username=account.username,
        role=account.role,
        team=account.team,
        services=account.services,
        change_at_next_sign_in=change_at_sign_in,
    )
    session.flush()
    return user


def _check_organisation(
    account: NewAccount, organisation_id: int | None, *, session: Session
) -> None:
    """AccountError unless the team and services are of the organisation (or, with none given,
    of the home organisation): another organisation's are answered as not there."""
    home = session.exec(select(Organisation.id).where(col(Organisation.is_home))).first()
    wanted = organisation_id if organisation_id is not None else home
    team = account.team_row
    if team is not None:
        service = session.get(Service, team.service_id)
        if service is None or service.organisation_id != wanted:
            raise AccountError(f"There is no team called {team.name}")
    for row in account.service_rows:
        if row.organisation_id != wanted:
            raise AccountError(f"There is no service called {row.name}")


def _store_account(
    account: NewAccount,
    password: str,
    change_at_sign_in: bool,
    session: Session,
    organisation_id: int | None,
) -> User:
    """Write the checked account and the services its manager manages, in the organisation
    (the home organisation when None)."""
    _check_organisation(account, organisation_id, session=session)
    user = User(
        organisation_id=organisation_id,
        username=account.username,
        display_name=account.display_name.strip(),
        password_hash=hash_password(password),
        role=account.role,
        team_id=account.team_row.id if account.team_row else None,
        password_change_required=change_at_sign_in,
    )
    session.add(user)
    session.flush()
    assert user.id is not None  # flushed above
    for row in account.service_rows:
        assert row.id is not None  # read from the database
        session.add(ManagedService(user_id=user.id, service_id=row.id))
    return user


def _check_new_password(
    password: str, context_words: Iterable[str] | None, username: str, display_name: str
) -> None:
    if context_words is None:
        check_password_rules(password)
    else:
        check_password_rules(
            password, context_words=context_words, username=username, display_name=display_name
        )


def set_password(
    user: User,
    password: str,
    *,
    session: Session,
    actor: Actor,
    context_words: Iterable[str] | None = None,
    change_at_sign_in: bool = False,
) -> None:
    """Change a password; every live session of the user ends. ``context_words`` as for
    :func:`create_user`. ``change_at_sign_in``: someone other than its owner (an admin) chose
    it, so the owner must change it at their next sign-in; a password they choose themselves
    lifts that."""
    _check_new_password(password, context_words, user.username, user.display_name)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.password_change_required = change_at_sign_in
    user.session_version += 1
    end_sessions(session, user.id, "password changed")  # type: ignore[arg-type]
    session.add(user)
    record_event(
        "user.password_set",
        session=session,
        actor=actor,
        username=user.username,
        change_at_next_sign_in=change_at_sign_in,
    )
    session.flush()


def check_password_again(
    user: User, password: str, *, address: str, session: Session, wrong: str
) -> None:
    """For a page that asks a signed-in person for their password again (changing it, setting
    up two-factor authentication): FieldErrors at ``current_password`` while sign-ins to the
    account or from the address are throttled, or when the password is wrong (``wrong`` says
    so). A wrong one counts as a failed sign-in, as at the sign-in page: the caller commits
    whatever the outcome."""
    try:
        check_throttle(user.username, address, session=session)
    except SignInRefused as refused:
        raise FieldErrors({"current_password": str(refused)}) from None
    if not verify_password(user.password_hash, password):
        record_failure(user.username, address, session=session)
        raise FieldErrors({"current_password": wrong})


def check_own_password_change(
    user: User, current: str, new: str, confirm: str, *, address: str, session: Session
) -> None:
    """FieldErrors, at the field, when a person's change of their own password cannot be made:
    the current password is wrong (counted as a failed sign-in) or throttled, the new one is
    typed differently twice, or is the same as the current one."""
    check_password_again(
        user, current, address=address, session=session, wrong="Your current password is not right"
    )
    if new != confirm:
        raise FieldErrors({"confirm_password": "The two new passwords do not match"})
    if new == current:
        # Above all when an admin set it: they would still know it.
        raise FieldErrors(
            {"new_password": "Your new password must be different from your current one"}
        )


def change_own_password(
    user: User,
    current: str,
    new: str,
    confirm: str,
    *,
    session: Session,
    actor: Actor,
    address: str,
    context_words: Iterable[str],
) -> None:
    """A person changes their own password, knowing the current one; every session of theirs
    ends. FieldErrors, at the field, when it cannot be changed (the new password's rules too).
    A wrong current password counts as a failed sign-in: the caller commits whatever the
    outcome."""
    check_own_password_change(user, current, new, confirm, address=address, session=session)
    try:
        set_password(user, new, session=session, actor=actor, context_words=context_words)
    except AccountError as problem:
        raise FieldErrors({"new_password": str(problem)}) from None


def set_active(user: User, active: bool, *, session: Session, actor: Actor) -> None:
    """Deactivate (ending every live session) or reactivate a user."""
    user.active = active
    user.session_version += 1
    if not active:
        end_sessions(session, user.id, "deactivated")  # type: ignore[arg-type]
    session.add(user)
    record_event(
        "user.activated" if active else "user.deactivated",
        session=session,
        actor=actor,
        username=user.username,
    )
    session.flush()


def live_sessions(
    user_id: int, *, session: Session, idle: timedelta, lifetime: timedelta
) -> list[UserSession]:
    """A person's sessions that are still open: not ended, used within ``idle`` and younger than
    ``lifetime``; the most recently used first."""
    now = utcnow()
    return list(
        session.exec(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.ended_at.is_(None),  # type: ignore[union-attr]
                UserSession.last_seen_at >= now - idle,
                UserSession.created_at >= now - lifetime,
            )
            .order_by(col(UserSession.last_seen_at).desc(), col(UserSession.id).desc())
        )
    )


def end_own_session(session_id: int, *, session: Session, actor: Actor) -> UserSession | None:
    """End one of the actor's own sessions (another device, say); None when they have no such
    open session, so that nobody learns about anyone else's."""
    user_id = actor.person_id
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return None
    row.ended_at = utcnow()
    row.ended_reason = "ended from the account page"
    row.pending_totp_secret = None
    session.add(row)
    record_event(
        "session.ended",
        session=session,
        actor=actor,
        session_id=row.id,
        signed_in_at=row.created_at,
        signed_in_from=row.remote_addr,
    )
    session.flush()
    return row


def _recent_failures(session: Session, *, username: str | None, address: str | None) -> int:
    since = utcnow() - THROTTLE_WINDOW
    query = select(func.count()).where(
        SignInAttempt.succeeded.is_(False),  # type: ignore[attr-defined]
        SignInAttempt.attempted_at >= since,
    )
    if username is not None:
        last_success = session.exec(
            select(func.max(SignInAttempt.attempted_at)).where(
                SignInAttempt.username == username,
                SignInAttempt.succeeded.is_(True),  # type: ignore[attr-defined]
            )
        ).one()
        query = query.where(SignInAttempt.username == username)
        if last_success is not None:
            query = query.where(SignInAttempt.attempted_at > last_success)
    if address is not None:
        query = query.where(SignInAttempt.remote_addr == address)
    return int(session.exec(query).one())


def check_throttle(username: str, address: str, *, session: Session) -> None:
    """Refuse (without counting) while there have been too many recent failures."""
    key = normalise_username(username)[:80]
    address = (address or "unknown")[:64]
    if (
        _recent_failures(session, username=key, address=None) >= MAX_FAILURES_PER_ACCOUNT
        or _recent_failures(session, username=None, address=address) >= MAX_FAILURES_PER_ADDRESS
    ):
        # Not counted as a failure: otherwise one try every few minutes would keep the account
        # locked for ever, and an attacker could lock a real user out.
        # A client can repeat this at will: counted, not each written to the trail.
        record_refusal("sign_in.throttled", session=session, name=key, remote_addr=address)
        raise SignInRefused(TOO_MANY, throttled=True)


def record_success(username: str, address: str, *, session: Session) -> None:
    """Count a completed sign-in (it clears the count of recent failures)."""
    key = normalise_username(username)[:80]
    session.add(
        SignInAttempt(username=key, remote_addr=(address or "unknown")[:64], succeeded=True)
    )


def record_failure(username: str, address: str, *, session: Session) -> None:
    """Count a failed sign-in step towards throttling."""
    key = normalise_username(username)[:80]
    address = (address or "unknown")[:64]
    session.add(SignInAttempt(username=key, remote_addr=address, succeeded=False))
    record_event("sign_in.failed", session=session, actor=key, remote_addr=address)


def authenticate(username: str, password: str, address: str, *, session: Session) -> User:
    """Check a sign-in; record the attempt; refuse after too many recent failures.

    The counters live in the database so that throttling holds across workers and servers; they
    look back over a short window only, so an attacker cannot lock a real user out for long.
    """
    key = normalise_username(username)[:80]
    address = (address or "unknown")[:64]
    check_throttle(key, address, session=session)
    started = sign_in_timing.clock()
    user = find_user(key, session=session)
    if user is None or not user.active:
        # Take as long as a real check, so that timing does not tell who has an account.
        verify_password(_dummy_hash(), password)
        ok = False
    else:
        ok = verify_password(user.password_hash, password)
    if not ok or not user or not user.mfa_enabled:
        # With two-factor authentication, success is counted when the second step succeeds:
        # re-entering the password must not reset the count of wrong codes.
        session.add(SignInAttempt(username=key, remote_addr=address, succeeded=ok))
    if not ok or user is None:
        record_event("sign_in.failed", session=session, actor=key, remote_addr=address)
        # As long for a name that exists as for one that does not, whatever its hash's cost.
        sign_in_timing.wait_out(started, session=session)
        raise SignInRefused(WRONG_DETAILS)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    record_event(
        # With two-factor authentication the session starts only after the second step.
        "sign_in.password_accepted" if user.mfa_enabled else "sign_in.succeeded",
        session=session,
        actor=user.username,
        actor_id=user.id,
        remote_addr=address,
    )
    session.flush()
    return user


def managed_service_ids(user: User, *, session: Session) -> frozenset[int]:
    return frozenset(
        session.exec(select(ManagedService.service_id).where(ManagedService.user_id == user.id))
    )
