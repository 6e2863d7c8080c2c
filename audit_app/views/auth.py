"""Signing in and out, and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from audit_app.auth import (
    ALL_ROLES,
    end_sessions,
    public,
    role_required,
    signed_in_user,
    start_session,
)
from audit_app.db import get_session
from audit_app.forms.auth import SignInForm
from audit_app.models import User
from audit_app.services import accounts
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
        db = get_session()
        try:
            user = accounts.authenticate(
                form.username.data or "",
                form.password.data or "",
                request.remote_addr or "",
                session=db,
            )
        except accounts.SignInRefused as refused:
            db.commit()  # the failed attempt counts towards throttling
            error = str(refused)
        else:
            managed = accounts.managed_service_ids(user, session=db)
            db.commit()
            # Answers kept when an earlier session ended are restored once the person is back.
            pending = session.get("pending_save")
            start_session(signed_in_user(user, managed), remote_addr=request.remote_addr)
            db.commit()
            if pending:
                session["pending_save"] = pending
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form, error=error), (
        400 if (error or form.errors) else 200
    )


@bp.post("/sign-out")
@role_required(*ALL_ROLES)
def sign_out() -> Response:
    db = get_session()
    # Ended on the server: a copy of the cookie can never be used again.
    end_sessions(db, current_user.id, "signed out", only_this_browser=True)
    record_event(
        "sign_out",
        session=db,
        actor=current_user.username,
        actor_id=current_user.id,
        remote_addr=request.remote_addr,
    )
    db.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.get("/account")
@role_required(*ALL_ROLES)
def account() -> str:
    return render_template("auth/account.html")


@bp.post("/account/sign-out-everywhere")
@role_required(*ALL_ROLES)
def sign_out_everywhere() -> Response:
    """End every session of this person, on every device, this one included."""
    db = get_session()
    ended = end_sessions(db, current_user.id, "signed out everywhere")
    user = db.get(User, current_user.id)
    assert user is not None
    user.session_version += 1
    db.add(user)
    record_event(
        "sign_out.everywhere",
        session=db,
        actor=current_user.username,
        actor_id=current_user.id,
        remote_addr=request.remote_addr,
        sessions_ended=ended,
    )
    db.commit()
    logout_user()
    session.clear()
    flash("You have signed out on every device.", "success")
    return redirect(url_for("auth.sign_in"))
