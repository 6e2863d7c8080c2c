"""Who is signed in, and what they may do: sessions, password hashing and role checks.

Every route is either public by name (sign-in, static files) or guarded here; a test walks the
URL map to keep it that way.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache, wraps
from typing import Any, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import AnonymousUserMixin, LoginManager, current_user, logout_user
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from audit_app.core.roles import ALL_ROLES as ALL_ROLES  # who can sign in; views import it here
from audit_app.core.roles import INDEPENDENT
from audit_app.db import changes, get_session
from audit_app.models import ManagedService, Organisation, User, UserSession, utcnow
from audit_app.services.actor import Actor

F = TypeVar("F", bound=Callable[..., Any])

login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to continue."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

# Low-cost parameters, used only by the test suite so that it stays quick.
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@lru_cache(maxsize=4)
def _hasher(iterations: int, memory_kib: int, lanes: int) -> PasswordHasher:
    return PasswordHasher(time_cost=iterations, memory_cost=memory_kib, parallelism=lanes)


def password_hasher() -> PasswordHasher:
    """argon2id at the ARGON2_* settings (OWASP's minimum unless set higher) outside tests.

    A stored hash made with other settings is remade at its owner's next sign-in
    (``needs_rehash``), so changing them needs no migration.
    """
    config = current_app.config
    if config.get("PASSWORD_HASH_FAST"):
        return _FAST_HASHER
    return _hasher(
        int(config["ARGON2_ITERATIONS"]),
        int(config["ARGON2_MEMORY_KIB"]),
        int(config["ARGON2_PARALLELISM"]),
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches; never raises on a bad or empty hash."""
    if not stored_hash:
        return False
    try:
        return password_hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return password_hasher().check_needs_rehash(stored_hash)


@dataclass(frozen=True)
class SignedInUser:
    """The person behind the current request, as Flask-Login sees them."""

    id: int
    username: str
    display_name: str
    role: str
    team_id: int | None
    session_version: int
    managed_service_ids: frozenset[int] = field(default_factory=frozenset)
    mfa_enabled: bool = False
    password_change_required: bool = False
    organisation_id: int | None = None
    # The person's organisation requires two-factor authentication of everyone in it (partner
    # organisations, unless the home admins switched it off).
    organisation_mfa: bool = False
    # Of the home organisation (the council), rather than a partner organisation.
    home: bool = True

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        # The session version is part of the id: bumping it ends every live session.
        return f"{self.id}:{self.session_version}"

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class Anonymous(AnonymousUserMixin):
    role = ""
    id = None

    def has_role(self, *roles: str) -> bool:
        return False


login_manager.anonymous_user = Anonymous


def signed_in_user(user: User, managed: frozenset[int]) -> SignedInUser:
    assert user.id is not None
    organisation = get_session().get(Organisation, user.organisation_id)
    return SignedInUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        team_id=user.team_id,
        session_version=user.session_version,
        managed_service_ids=managed,
        mfa_enabled=user.mfa_enabled,
        password_change_required=user.password_change_required,
        organisation_id=user.organisation_id,
        organisation_mfa=organisation is not None and organisation.mfa_required,
        home=organisation is None or organisation.is_home,
    )


def current_actor() -> Actor:
    """The person signed in to this request, as every service takes them."""
    if not current_user.is_authenticated:
        raise RuntimeError("current_actor() is only for views that require signing in")
    return Actor(
        id=current_user.id,
        username=current_user.username,
        role=current_user.role,
        managed_service_ids=current_user.managed_service_ids,
        remote_addr=request.remote_addr,
        organisation_id=current_user.organisation_id,
    )


@login_manager.user_loader
def _load_user(user_id: str) -> SignedInUser | None:
    try:
        raw_id, raw_version = user_id.split(":")
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    db = get_session()
    user = db.get(User, uid)
    if user is None or not user.active or user.session_version != version:
        return None
    if not _session_is_live(db, uid):
        return None
    managed = frozenset(
        db.exec(select(ManagedService.service_id).where(ManagedService.user_id == uid))
    )
    return signed_in_user(user, managed)


def _token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def this_browser_session(db: Any) -> UserSession | None:
    """This browser's session record, if its cookie names one (ended or not)."""
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    return db.exec(
        select(UserSession).where(UserSession.token_sha256 == _token_sha256(token))
    ).first()


def _session_is_live(db: Any, user_id: int) -> bool:
    """Whether this browser's session is still open on the server (not signed out or ended)."""
    row = this_browser_session(db)
    if row is None or row.user_id != user_id or row.ended_at is not None:
        return False
    now = utcnow()
    idle = timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))
    if now - row.last_seen_at > idle:
        return False
    if now - row.created_at > current_app.config["PERMANENT_SESSION_LIFETIME"]:
        return False  # the absolute lifetime, whatever the cookie says
    # The exact time of every request: the idle time is measured from the last one, so a save
    # one second inside the limit is accepted (a coarser record ended sessions early).
    try:
        with changes():
            row.last_seen_at = now
            db.add(row)
    except OperationalError:
        # Storage full or read-only (rolled back): the request carries on, so that a page that
        # only reads still works and a save says what is wrong; the cookie keeps the exact
        # time meanwhile.
        pass
    return True


# Pages a person whose role needs MFA can still use before they have set it up.
MFA_SETUP_ENDPOINTS = {"auth.mfa_setup", "auth.sign_out", "session.keep_alive", "static"}
# Pages a person whose password was set by an admin can still use before they have changed it.
PASSWORD_CHANGE_ENDPOINTS = {
    "auth.change_password",
    "auth.sign_out",
    "session.keep_alive",
    "static",
}


def end_sessions(db: Any, user_id: int, reason: str, *, only_this_browser: bool = False) -> int:
    """End a user's server-side sessions (this browser's only, or all); return how many."""
    query = select(UserSession).where(
        UserSession.user_id == user_id,
        UserSession.ended_at.is_(None),  # type: ignore[union-attr]
    )
    if only_this_browser:
        token = session.get("sid")
        if not isinstance(token, str):
            return 0
        query = query.where(UserSession.token_sha256 == _token_sha256(token))
    rows = list(db.exec(query))
    now = utcnow()
    for row in rows:
        row.ended_at = now
        row.ended_reason = reason
        row.pending_totp_secret = None
        db.add(row)
    return len(rows)


def init_app(app: Flask) -> None:
    """Sessions end after the idle time and the absolute lifetime; single sign-on with the
    provider when OIDC_ISSUER is set."""
    from audit_app import oidc

    login_manager.init_app(app)
    oidc.init_app(app)

    @app.before_request
    def _end_idle_sessions() -> Any:
        if request.endpoint == "static":
            return None
        now = utcnow()
        started = _timestamp(session.get("signed_in_at"))
        last_seen = _timestamp(session.get("last_seen"))
        idle = timedelta(minutes=int(app.config["SESSION_IDLE_MINUTES"]))
        lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
        too_old = started is not None and now - started > lifetime
        if "_user_id" in session and (
            too_old or (last_seen is not None and now - last_seen > idle)
        ):
            expired_user = session.get("_user_id")
            logout_user()
            session.pop("last_seen", None)
            session.pop("signed_in_at", None)
            # Kept so that answers posted after expiry can be restored for the same person.
            session["expired_user"] = expired_user
            if too_old:
                hours = int(lifetime.total_seconds() // 3600)
                flash(f"Your session ended after {hours} hours. Sign in again.", "info")
            else:
                flash("Your session ended because you were inactive. Sign in again.", "info")
            return None
        if current_user.is_authenticated:
            session["last_seen"] = now.isoformat()
            if current_user.password_change_required:
                # First the password that only its owner knows, then two-factor set-up.
                if request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
                    return redirect(url_for("auth.change_password"))
            elif (
                mfa_required_of(current_user)
                and not current_user.mfa_enabled
                # The provider's ID token said it did multi-factor authentication.
                and not session.get("provider_mfa")
                and request.endpoint not in MFA_SETUP_ENDPOINTS
            ):
                flash(_mfa_reason(current_user), "info")
                return redirect(url_for("auth.mfa_setup"))
        return None


def mfa_required_of(user: SignedInUser) -> bool:
    """Whether the person must use two-factor authentication: their role is one of
    ``MFA_REQUIRED_ROLES`` or the independent auditor's (always, whatever the setting), or
    their organisation requires it of everyone."""
    return user.organisation_mfa or _role_needs_mfa(user.role)


def _role_needs_mfa(role: str) -> bool:
    return role == INDEPENDENT or role in current_app.config["MFA_REQUIRED_ROLES"]


def _mfa_reason(user: SignedInUser) -> str:
    if _role_needs_mfa(user.role):
        return "Your role needs two-factor authentication. Set it up to carry on."
    return "Your organisation needs two-factor authentication. Set it up to carry on."


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def start_session(user: SignedInUser, *, remote_addr: str | None = None) -> None:
    """Begin a new session: a fresh cookie, and a record on the server that sign-out ends.

    The caller commits. The idle timeout and absolute lifetime are measured from here.
    """
    from flask_login import login_user

    session.clear()  # a new session on sign-in: nothing carried over from before
    session.permanent = True
    token = secrets.token_urlsafe(32)
    get_session().add(
        UserSession(
            token_sha256=_token_sha256(token),
            user_id=user.id,
            remote_addr=(remote_addr or "")[:64] or None,
        )
    )
    session["sid"] = token
    login_user(user)
    now = utcnow().isoformat()
    session["signed_in_at"] = now
    session["last_seen"] = now


def expired_user_id() -> int | None:
    """The user id of a session that ended by inactivity, if this browser had one."""
    raw = session.get("expired_user")
    try:
        return int(str(raw).split(":")[0]) if raw else None
    except ValueError:
        return None


def role_required(*roles: str) -> Callable[[F], F]:
    """Signed-in users with one of ``roles`` only: others get 403, anonymous users sign in."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def home_organisation_only(view: F) -> F:
    """People of the home organisation only: a partner organisation's people get 403. Goes
    under ``role_required``, which checks the role first."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not getattr(current_user, "home", False):
            abort(403)
        return view(*args, **kwargs)

    wrapped.home_only = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def public(view: F) -> F:
    """Mark a view as open to everyone (the sign-in page, health checks)."""
    view.public = True  # type: ignore[attr-defined]
    return view
