"""Multi-factor authentication: TOTP (an authenticator app) with one-time recovery codes."""

from __future__ import annotations

import hmac
import io
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
from markupsafe import Markup
from sqlmodel import Session, select

from audit_app.auth import end_sessions, hash_password, verify_password
from audit_app.models import RecoveryCode, User, utcnow
from audit_app.services import accounts
from audit_app.services.actor import Actor
from audit_app.services.errors import FieldErrors
from audit_app.services.trail import record_event

ISSUER = "Case file audits"
RECOVERY_CODES = 10
WRONG_CODE = "Enter a correct security code"
WRONG_PASSWORD = "Your password is not right"
WRONG_FIRST_CODE = "Enter the 6-digit code your app shows now"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> Markup:
    """The enrolment QR code as inline SVG, drawn on the server (no script, no style)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=4,
        title="QR code for your authenticator app",
        svgclass="app-qr-code",
    )
    return Markup(buffer.getvalue().decode("utf-8"))  # noqa: S704  (segno's own SVG)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The 30-second step whose code this is (allowing one step of clock drift), or None."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    moment = time.time() if now is None else now
    for drift in (0, -1, 1):
        at = moment + drift * totp.interval
        if hmac.compare_digest(totp.at(at), digits):
            return int(totp.timecode(datetime.fromtimestamp(at, UTC)))
    return None


def enable(
    user: User, secret: str, code: str, *, session: Session, actor: Actor
) -> list[str] | None:
    """Turn MFA on when the code proves the app is set up; return new recovery codes."""
    step = matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_last_step = step  # the code that proved the app cannot be used again
    user.mfa_enabled = True
    session.add(user)
    codes = _replace_recovery_codes(user, session=session)
    record_event("mfa.enabled", session=session, actor=actor)
    session.flush()
    return codes


def set_up(
    user: User,
    secret: str,
    code: str,
    password: str,
    *,
    address: str,
    session: Session,
    actor: Actor,
) -> list[str]:
    """Turn two-factor authentication on with the app's first code and the password again;
    return the new recovery codes.

    FieldErrors, at the field, when the password is wrong (or too many attempts have failed) or
    the code is not the app's. A wrong password counts towards the account's limit, as at sign-in:
    the caller commits whatever the outcome.
    """
    accounts.check_password_again(
        user, password, address=address, session=session, wrong=WRONG_PASSWORD
    )
    codes = enable(user, secret, code, session=session, actor=actor)
    if codes is None:
        raise FieldErrors({"code": WRONG_FIRST_CODE})
    return codes


def disable(
    user: User,
    *,
    session: Session,
    actor: Actor,
    reason: str,
) -> int:
    """Turn MFA off for a person who lost their authenticator, once an admin has checked who
    they are; ``reason`` says how. Their recovery codes go and every session of theirs ends.

    Returns how many sessions ended. They set up a new authenticator after signing in again.
    """
    assert user.id is not None
    user.totp_secret = None
    user.totp_last_step = None
    user.mfa_enabled = False
    user.session_version += 1
    session.add(user)
    for row in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(row)
    ended = end_sessions(session, user.id, "two-factor reset")
    record_event(
        "mfa.disabled",
        session=session,
        actor=actor,
        username=user.username,
        identity_checked=True,
        reason=reason,
        sessions_ended=ended,
    )
    session.flush()
    return ended


def _replace_recovery_codes(user: User, *, session: Session) -> list[str]:
    for row in session.exec(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(row)
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(code)))  # type: ignore[arg-type]
    return codes


def check_second_factor(user: User, code: str, *, session: Session) -> bool:
    """An app code, or an unused recovery code (which is then used up)."""
    if user.totp_secret:
        step = matching_step(user.totp_secret, code)
        # Each code works once: one seen in use cannot be replayed within its window.
        if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
            user.totp_last_step = step
            session.add(user)
            return True
    cleaned = code.strip().lower()
    if len(cleaned) != 13:
        return False
    for row in session.exec(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.used_at.is_(None),  # type: ignore[union-attr]
        )
    ):
        if verify_password(row.code_hash, cleaned):
            row.used_at = utcnow()
            session.add(row)
            record_event(
                "mfa.recovery_code_used", session=session, actor=user.username, actor_id=user.id
            )
            return True
    return False


def sign_in_with_code(user: User, code: str, address: str, *, session: Session) -> None:
    """The second step of signing in: an app code or an unused recovery code.

    SignInRefused while too many attempts have failed, or when the code is wrong. A wrong code
    and a refusal count towards the limit: the caller commits whatever the outcome.
    """
    accounts.check_throttle(user.username, address, session=session)
    if not check_second_factor(user, code, session=session):
        accounts.record_failure(user.username, address, session=session)
        raise accounts.SignInRefused(WRONG_CODE)
    accounts.record_success(user.username, address, session=session)
    record_event(
        "sign_in.succeeded",
        session=session,
        actor=user.username,
        actor_id=user.id,
        second_factor=True,
    )
