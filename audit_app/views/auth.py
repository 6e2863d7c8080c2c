"""Signing in and out, and the account page."""

from __future__ import annotations

from collections.abc import Sequence
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
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from audit_app import oidc
from audit_app.auth import (
    ALL_ROLES,
    current_actor,
    end_sessions,
    public,
    role_required,
    signed_in_user,
    start_session,
    this_browser_session,
)
from audit_app.core.roles import ADMIN
from audit_app.db import changes, get_session
from audit_app.forms.auth import ChangePasswordForm, MfaSetupForm, SecondFactorForm, SignInForm
from audit_app.models import User, utcnow
from audit_app.services import accounts, mfa
from audit_app.services.errors import FieldErrors
from audit_app.services.trail import record_event
from audit_app.views.sso import offer_provider_sign_out

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
def sign_in() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    error = None
    local = current_app.config["LOCAL_SIGN_IN"]
    if form.validate_on_submit():
        if local == "off":
            error = PASSWORDS_OFF
        else:
            user, error = _check_password(form)
            if user is not None and local == "admins" and user.role != ADMIN:
                error = _refuse_local(user)
            elif user is not None:
                return _after_password(user, _safe_next(request.args.get("next")))
    return _form_page("auth/sign_in.html", form, error)


PASSWORDS_OFF = "Signing in with a password is switched off: sign in with your council account"


def _refuse_local(user: User) -> str:
    """LOCAL_SIGN_IN=admins: the password was right, but only admins sign in with one."""
    with changes() as db:
        record_event(
            "sign_in.password_refused",
            session=db,
            actor=user.username,
            actor_id=user.id,
            reason="passwords are for admins only (LOCAL_SIGN_IN=admins)",
        )
    return "Sign in with your council account: only admins sign in with a password here"


def _check_password(form: SignInForm) -> tuple[User | None, str | None]:
    """The person whose username and password these are, or why not.

    Committed whatever the outcome: a failed attempt counts towards throttling.
    """
    with changes() as db:
        try:
            user = accounts.authenticate(
                form.username.data or "",
                form.password.data or "",
                request.remote_addr or "",
                session=db,
            )
        except accounts.SignInRefused as refused:
            return None, str(refused)
    return user, None


def _after_password(user: User, target: str) -> Response:
    """The password was right: ask for the second factor, or start the session."""
    if user.mfa_enabled:
        # The session starts only after the second factor.
        session["mfa_pending"] = {"user_id": user.id, "at": utcnow().isoformat(), "next": target}
        return redirect(url_for("auth.second_factor"))
    # A commit of its own, as before: the attempt above is kept whatever happens here.
    with changes():
        return _begin(user, target)


def _form_page(template: str, form: FlaskForm, error: str | None) -> tuple[str, int]:
    """A sign-in step's page: 400 when the form or the step has a problem."""
    status = 400 if (error or form.errors) else 200
    return render_template(
        template,
        form=form,
        error=error,
        single_sign_on=oidc.enabled(),
        provider_name=current_app.config["OIDC_PROVIDER_NAME"],
        local_sign_in=current_app.config["LOCAL_SIGN_IN"],
        next_page=_safe_next(request.args.get("next")) if request.args.get("next") else None,
    ), status


def _begin(user: User, target: str) -> Response:
    """Start the session, keeping answers saved while signed out for restoring.

    Called inside the caller's ``changes()`` block, which commits the session's record.
    """
    db = get_session()
    managed = accounts.managed_service_ids(user, session=db)
    user.last_sign_in_at = utcnow()
    db.add(user)
    pending = session.get("pending_save")
    start_session(signed_in_user(user, managed), remote_addr=request.remote_addr)
    if pending:
        session["pending_save"] = pending
    return redirect(target)


MFA_PENDING_MINUTES = 5


@bp.route("/sign-in/code", methods=["GET", "POST"])
@public
def second_factor() -> str | Response | tuple[str, int]:
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    pending = _pending_sign_in()
    if pending is None:
        return redirect(url_for("auth.sign_in"))
    user, target = pending
    by_provider = bool(session.get("mfa_pending", {}).get("sso"))
    form = SecondFactorForm()
    error = None
    if form.validate_on_submit():
        # One commit, whatever the outcome: a refusal and a wrong code count towards throttling.
        with changes() as db:
            try:
                mfa.sign_in_with_code(
                    user, form.code.data or "", request.remote_addr or "", session=db
                )
            except accounts.SignInRefused as refused:
                error = str(refused)
            else:
                session.pop("mfa_pending", None)
                response = _begin(user, target)
                if by_provider:
                    session["signed_in_with"] = "sso"
                return response
    return _form_page("auth/second_factor.html", form, error)


def _pending_sign_in() -> tuple[User, str] | None:
    """Whose password was accepted a moment ago, and where they were going; None (the sign-in
    forgotten) when the time to enter the code ran out or they can no longer sign in."""
    pending = session.get("mfa_pending")
    started = pending and datetime.fromisoformat(pending["at"])
    if not pending or utcnow() - started > timedelta(minutes=MFA_PENDING_MINUTES):
        session.pop("mfa_pending", None)
        flash("Sign in again: the time to enter your code ran out.", "info")
        return None
    user = get_session().get(User, pending["user_id"])
    if user is None or not user.active:
        session.pop("mfa_pending", None)
        return None
    return user, pending["next"]


@bp.route("/account/mfa", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def mfa_setup() -> str | Response | tuple[str, int]:
    """Set up an authenticator app: scan the code, then prove it works with one code.

    The password is asked for again with that code. The new secret waits on this browser's
    session record, on the server, until a code confirms it.
    """
    user = _signed_in_person()
    if user.mfa_enabled:
        return render_template("auth/mfa_enabled.html", codes=None)
    secret = _pending_secret()
    by_provider = _signed_in_by_provider_without_password(user)
    form = _mfa_setup_form(by_provider)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        turn_on = _turn_on_mfa_after_provider if by_provider else _turn_on_mfa
        codes, errors = turn_on(user, secret, form)
        if codes is not None:
            # A fresh session, carrying the MFA flag: two-factor is on whatever happens here.
            _restart_session(user)
            return render_template("auth/mfa_enabled.html", codes=codes)
    return _mfa_setup_page(user, secret, form, errors)


def _mfa_setup_form(by_provider: bool) -> MfaSetupForm:
    form = MfaSetupForm()
    if by_provider:
        # No password here to ask for again: the council's sign-in, a moment ago, stands for it.
        del form.current_password
    return form


def _mfa_setup_page(
    user: User, secret: str, form: MfaSetupForm, errors: dict[str, str]
) -> str | tuple[str, int]:
    """The page with the code to scan and the form; 400 when there are problems to show."""
    errors = _with_form_errors(form, errors, order=("code", "current_password"))
    uri = mfa.provisioning_uri(user, secret)
    page = render_template(
        "auth/mfa_setup.html", form=form, errors=errors, qr=mfa.qr_code_svg(uri), secret=secret
    )
    return (page, 400) if errors else page


# How long after signing in with the council's account a person without a password here may
# still set up two-factor authentication without signing in again.
PROVIDER_SIGN_IN_FRESH = timedelta(minutes=15)


def _signed_in_by_provider_without_password(user: User) -> bool:
    return session.get("signed_in_with") == "sso" and not user.password_hash


def _turn_on_mfa_after_provider(
    user: User, secret: str, form: MfaSetupForm
) -> tuple[list[str] | None, dict[str, str]]:
    """The recovery codes, or the problems by field, for a person signed in with the council's
    account who has no password here: only a recent sign-in there lets them set it up."""
    started = session.get("signed_in_at")
    if not isinstance(started, str) or (
        utcnow() - datetime.fromisoformat(started) > PROVIDER_SIGN_IN_FRESH
    ):
        return None, {
            "code": "Sign out, then sign in again with your council account, and set up "
            "two-factor authentication straight away"
        }
    with changes() as db:
        codes = mfa.enable(user, secret, form.code.data or "", session=db, actor=current_actor())
        if codes is None:
            return None, {"code": mfa.WRONG_FIRST_CODE}
        end_sessions(db, current_user.id, "two-factor set up", only_this_browser=True)
    return codes, {}


def _signed_in_person() -> User:
    user = get_session().get(User, current_user.id)
    assert user is not None
    return user


def _pending_secret() -> str:
    """The secret waiting on this browser's session record, made on the first visit."""
    db = get_session()
    record = this_browser_session(db)
    if record is None:  # cannot happen for a live session; refuse rather than guess
        abort(400)
    if record.pending_totp_secret is None:
        # Kept at once, whatever the form does: the code the app shows is made from it.
        with changes():
            record.pending_totp_secret = mfa.new_secret()
            db.add(record)
    return record.pending_totp_secret


def _turn_on_mfa(
    user: User, secret: str, form: MfaSetupForm
) -> tuple[list[str] | None, dict[str, str]]:
    """The recovery codes, or the problems by field.

    Committed whatever the outcome: a wrong password counts towards the account's limit, as at
    sign-in.
    """
    with changes() as db:
        try:
            codes = mfa.set_up(
                user,
                secret,
                form.code.data or "",
                form.current_password.data or "",
                address=request.remote_addr or "",
                session=db,
                actor=current_actor(),
            )
        except FieldErrors as problems:
            return None, problems.errors
        # This browser's old session ends; the caller starts a fresh one.
        end_sessions(db, current_user.id, "two-factor set up", only_this_browser=True)
    return codes, {}


def _change_own_password(user: User, form: ChangePasswordForm) -> dict[str, str]:
    """The problems by field, or none when the password was changed. Committed whatever the
    outcome: a wrong current password counts towards the account's limit, as at sign-in."""
    with changes() as db:
        try:
            accounts.change_own_password(
                user,
                form.current_password.data or "",
                form.new_password.data or "",
                form.confirm_password.data or "",
                session=db,
                actor=current_actor(),
                address=request.remote_addr or "",
                context_words=current_app.config["PASSWORD_CONTEXT_WORDS"],
            )
        except FieldErrors as problems:
            return problems.errors
    return {}


def _restart_session(user: User) -> None:
    """A fresh session for this browser, its old one having ended with the change just made.

    A commit of its own: the change holds whatever happens here. How the person signed in (with
    the council's account, and whether it did multi-factor authentication) carries over.
    """
    carried = {key: session[key] for key in ("signed_in_with", "provider_mfa") if key in session}
    with changes():
        start_session(
            signed_in_user(user, current_user.managed_service_ids),
            remote_addr=request.remote_addr,
        )
    session.update(carried)


def _with_form_errors(
    form: FlaskForm, errors: dict[str, str], *, order: Sequence[str] | None = None
) -> dict[str, str]:
    """The service's problems by field, then the form's first for each other field; only the
    fields named in ``order``, in that order, when it is given."""
    errors = dict(errors)
    for name, messages in form.errors.items():
        errors.setdefault(name, messages[0])
    if order is None:
        return errors
    return {name: errors[name] for name in order if name in errors}


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def change_password() -> str | Response | tuple[str, int]:
    """Change your own password: the current one is needed; every other session ends."""
    user = _signed_in_person()
    form = ChangePasswordForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        errors = _change_own_password(user, form)
        if not errors:
            _restart_session(user)
            flash("Your password has been changed. Other sessions have ended.", "success")
            return redirect(url_for("auth.account"))
    errors = _with_form_errors(form, errors)
    page = render_template("auth/change_password.html", form=form, errors=errors)
    return page, (400 if errors else 200)


@bp.post("/sign-out")
@role_required(*ALL_ROLES)
def sign_out() -> Response:
    with_provider = session.get("signed_in_with") == "sso"
    username = current_user.username
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
    if with_provider:
        offer = offer_provider_sign_out(username)
        if offer is not None:
            return offer
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
