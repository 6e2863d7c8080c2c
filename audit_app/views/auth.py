"""Signing in and out, and the account page."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from audit_app.auth import (
    ALL_ROLES,
    current_actor,
    end_sessions,
    public,
    role_required,
    signed_in_user,
    start_session,
    this_browser_session,
    verify_password,
)
from audit_app.db import changes, get_session
from audit_app.forms.auth import ChangePasswordForm, MfaSetupForm, SecondFactorForm, SignInForm
from audit_app.models import User, utcnow
from audit_app.services import accounts, mfa
from audit_app.services.trail import record_event

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: never redirect to another site after sign-in."""
    if not target:
        return url_for("home.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("home.index")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        with changes() as db:
            try:
                user = accounts.authenticate(
                    form.username.data or "",
                    form.password.data or "",
                    request.remote_addr or "",
                    session=db,
                )
            except accounts.SignInRefused as refused:
                # Committed all the same: the failed attempt counts towards throttling.
                error = str(refused)
        if error is None:
            if user.mfa_enabled:
                # The password was right; the session starts only after the second factor.
                session["mfa_pending"] = {
                    "user_id": user.id,
                    "at": utcnow().isoformat(),
                    "next": _safe_next(request.args.get("next")),
                }
                return redirect(url_for("auth.second_factor"))
            # A commit of its own, as before: the attempt above is kept whatever happens here.
            with changes():
                return _begin(user, _safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form, error=error), (
        400 if (error or form.errors) else 200
    )


def _begin(user: User, target: str) -> Response:
    """Start the session, keeping answers saved while signed out for restoring.

    Called inside the caller's ``changes()`` block, which commits the session's record.
    """
    managed = accounts.managed_service_ids(user, session=get_session())
    pending = session.get("pending_save")
    start_session(signed_in_user(user, managed), remote_addr=request.remote_addr)
    if pending:
        session["pending_save"] = pending
    return redirect(target)


MFA_PENDING_MINUTES = 5


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def second_factor() -> str | Response:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    pending = session.get("mfa_pending")
    started = pending and datetime.fromisoformat(pending["at"])
    if not pending or utcnow() - started > timedelta(minutes=MFA_PENDING_MINUTES):
        session.pop("mfa_pending", None)
        flash("Sign in again: the time to enter your code ran out.", "info")
        return redirect(url_for("auth.sign_in"))
    db = get_session()
    user = db.get(User, pending["user_id"])
    if user is None or not user.active:
        session.pop("mfa_pending", None)
        return redirect(url_for("auth.sign_in"))
    form = SecondFactorForm()
    error = None
    if form.validate_on_submit():
        # One commit, whatever the outcome: a refusal and a wrong code count towards throttling.
        with changes():
            try:
                accounts.check_throttle(user.username, request.remote_addr or "", session=db)
            except accounts.SignInRefused as refused:
                error = str(refused)
            else:
                if mfa.check_second_factor(user, form.code.data or "", session=db):
                    session.pop("mfa_pending", None)
                    accounts.record_success(user.username, request.remote_addr or "", session=db)
                    record_event(
                        "sign_in.succeeded",
                        session=db,
                        actor=user.username,
                        actor_id=user.id,
                        second_factor=True,
                    )
                    return _begin(user, pending["next"])
                accounts.record_failure(user.username, request.remote_addr or "", session=db)
                error = "Enter a correct security code"
    return render_template("auth/second_factor.html", form=form, error=error), (
        400 if (error or form.errors) else 200
    )


@bp.route("/account/mfa", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def mfa_setup() -> str | Response | tuple[str, int]:
    """Set up an authenticator app: scan the code, then prove it works with one code.

    The password is asked for again with that code. The new secret waits on this browser's
    session record, on the server, until a code confirms it.
    """
    db = get_session()
    user = db.get(User, current_user.id)
    assert user is not None
    if user.mfa_enabled:
        return render_template("auth/mfa_enabled.html", codes=None)
    record = this_browser_session(db)
    if record is None:  # cannot happen for a live session; refuse rather than guess
        abort(400)
    if record.pending_totp_secret is None:
        # Kept at once, whatever the form below does: the code the app shows is made from it.
        with changes():
            record.pending_totp_secret = mfa.new_secret()
            db.add(record)
    secret = record.pending_totp_secret
    form = MfaSetupForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        address = request.remote_addr or ""
        codes = None
        # Committed whatever the outcome: a wrong password here counts towards the account's
        # limit, as at sign-in.
        with changes():
            try:
                accounts.check_throttle(user.username, address, session=db)
            except accounts.SignInRefused as refused:
                errors["current_password"] = str(refused)
            else:
                if not verify_password(user.password_hash, form.current_password.data or ""):
                    accounts.record_failure(user.username, address, session=db)
                    errors["current_password"] = "Your password is not right"
                else:
                    codes = mfa.enable(
                        user, secret, form.code.data or "", session=db, actor=current_actor()
                    )
                    if codes is not None:
                        # This browser's old session ends; a fresh one, carrying the MFA flag,
                        # starts below.
                        end_sessions(
                            db, current_user.id, "two-factor set up", only_this_browser=True
                        )
                    else:
                        errors["code"] = "Enter the 6-digit code your app shows now"
        if codes is not None:
            # A commit of its own, as before: two-factor is on whatever happens here.
            with changes():
                start_session(
                    signed_in_user(user, current_user.managed_service_ids),
                    remote_addr=request.remote_addr,
                )
            return render_template("auth/mfa_enabled.html", codes=codes)
    for name, messages in form.errors.items():
        errors.setdefault(name, messages[0])
    errors = {name: errors[name] for name in ("code", "current_password") if name in errors}
    uri = mfa.provisioning_uri(user, secret)
    page = render_template(
        "auth/mfa_setup.html", form=form, errors=errors, qr=mfa.qr_code_svg(uri), secret=secret
    )
    return (page, 400) if errors else page


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def change_password() -> str | Response:
    """Change your own password: the current one is needed; every other session ends."""
    db = get_session()
    user = db.get(User, current_user.id)
    assert user is not None
    form = ChangePasswordForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        if not verify_password(user.password_hash, form.current_password.data or ""):
            errors["current_password"] = "Your current password is not right"
        elif form.new_password.data != form.confirm_password.data:
            errors["confirm_password"] = "The two new passwords do not match"
        elif form.new_password.data == form.current_password.data:
            # Above all when an admin set it: they would still know it.
            errors["new_password"] = "Your new password must be different from your current one"
        else:
            try:
                with changes():
                    accounts.set_password(
                        user,
                        form.new_password.data or "",
                        session=db,
                        actor=current_actor(),
                        context_words=current_app.config["PASSWORD_CONTEXT_WORDS"],
                    )
            except accounts.AccountError as problem:
                errors["new_password"] = str(problem)
            else:
                # A commit of its own, as before: the new password holds whatever happens here.
                with changes():
                    start_session(
                        signed_in_user(user, current_user.managed_service_ids),
                        remote_addr=request.remote_addr,
                    )
                flash("Your password has been changed. Other sessions have ended.", "success")
                return redirect(url_for("auth.account"))
    for name, messages in form.errors.items():
        errors.setdefault(name, messages[0])
    return render_template("auth/change_password.html", form=form, errors=errors), (
        400 if errors else 200
    )


@bp.post("/sign-out")
@role_required(*ALL_ROLES)
def sign_out() -> Response:
    with changes() as db:
        # Ended on the server: a copy of the cookie can never be used again.
        end_sessions(db, current_user.id, "signed out", only_this_browser=True)
        record_event(
            "sign_out",
            session=db,
            actor=current_actor(),
        )
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.get("/account")
@role_required(*ALL_ROLES)
def account() -> str:
    """The person's details, security settings, and the sessions they have open."""
    db = get_session()
    this_browser = this_browser_session(db)
    return render_template(
        "auth/account.html",
        sessions=accounts.live_sessions(
            current_user.id,
            session=db,
            idle=timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"])),
            lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"],
        ),
        this_session_id=this_browser.id if this_browser else None,
    )


@bp.post("/account/sessions/<int:session_id>/end")
@role_required(*ALL_ROLES)
def end_session(session_id: int) -> Response:
    """End one of your own sessions: another device's, or this one (which signs you out)."""
    with changes() as db:
        this_browser = this_browser_session(db)
        ended = accounts.end_own_session(session_id, session=db, actor=current_actor())
        if ended is None:
            abort(404)
    if this_browser is not None and this_browser.id == ended.id:
        logout_user()
        session.clear()
        flash("You have signed out.", "success")
        return redirect(url_for("auth.sign_in"))
    flash("That session has ended: the device will need to sign in again.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sign-out-everywhere")
@role_required(*ALL_ROLES)
def sign_out_everywhere() -> Response:
    """End every session of this person, on every device, this one included."""
    with changes() as db:
        ended = end_sessions(db, current_user.id, "signed out everywhere")
        user = db.get(User, current_user.id)
        assert user is not None
        user.session_version += 1
        db.add(user)
        record_event(
            "sign_out.everywhere",
            session=db,
            actor=current_actor(),
            sessions_ended=ended,
        )
    logout_user()
    session.clear()
    flash("You have signed out on every device.", "success")
    return redirect(url_for("auth.sign_in"))
