"""Signing in and out with the council's identity provider, and the admins' last sign-in
report."""

from __future__ import annotations

import logging

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
from flask_login import current_user
from werkzeug.wrappers import Response

from audit_app import oidc
from audit_app.auth import current_actor, public, role_required
from audit_app.core.roles import ADMIN
from audit_app.db import changes, get_session
from audit_app.models import User, utcnow
from audit_app.services import sso, users
from audit_app.services.repeated_refusals import record_refusal
from audit_app.services.trail import record_event

bp = Blueprint("sso", __name__)
log = logging.getLogger(__name__)

# Kept in this browser's session from the sign-out until the provider's sign-out page is offered.
OFFER = "sso_sign_out_offer"


def _address() -> str:
    return (request.remote_addr or "unknown")[:64]


@bp.get("/sign-in/sso")
@public
def start() -> Response | tuple[str, int]:
    """Send the browser to the provider to sign in."""
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    from audit_app.views.auth import _safe_next

    target = _safe_next(request.args.get("next"))
    try:
        response = oidc.authorization_redirect(url_for("sso.callback", _external=True))
    except oidc.SignOnFailed as failed:
        return _failed(failed)
    session["sso_next"] = target
    with changes() as db:
        # Anyone can start as often as they like: counted, the first each minute in the trail.
        record_refusal("sign_in.sso_started", session=db, name="anonymous", remote_addr=_address())
    return response


@bp.get("/sign-in/sso/callback")
@public
def callback() -> str | Response | tuple[str, int]:
    """The provider's answer: check it, find the account, start the session."""
    if not oidc.enabled():
        abort(404)
    try:
        identity = oidc.finish()
    except oidc.SignOnFailed as failed:
        return _failed(failed)
    config = current_app.config
    mfa_by_provider = sso.provider_did_mfa(
        identity.amr,
        identity.acr,
        amr_values=config["OIDC_MFA_AMR"],
        acr_values=config["OIDC_MFA_ACR"],
    )
    person = sso.ProvenPerson(identity.subject, identity.name, identity.email, identity.groups)
    target = session.pop("sso_next", None) or url_for("home.index")
    try:
        with changes() as db:
            user = sso.sign_in(
                person,
                session=db,
                groups_file=config["OIDC_GROUPS_FILE"],
                create_accounts=config["OIDC_CREATE_ACCOUNTS"],
                address=_address(),
                mfa_by_provider=mfa_by_provider,
            )
    except sso.SignOnRefused as refused:
        return _refused(refused, identity.subject)
    return _second_step(user, target, mfa_by_provider)


def _second_step(
    user: User, target: str, mfa_by_provider: bool
) -> str | Response | tuple[str, int]:
    """Start the session, or ask for the service's own code first when the provider did no
    multi-factor authentication and the person has set it up here."""
    from audit_app.views.auth import _begin

    if user.mfa_enabled and not mfa_by_provider:
        # The session starts only after the code (auth.second_factor).
        session["mfa_pending"] = {
            "user_id": user.id,
            "at": utcnow().isoformat(),
            "next": target,
            "sso": True,
        }
        return redirect(url_for("auth.second_factor"))
    with changes():
        response = _begin(user, target)
    session["signed_in_with"] = "sso"
    if mfa_by_provider:
        session["provider_mfa"] = True
    return response


def _failed(failed: oidc.SignOnFailed) -> tuple[str, int]:
    """The provider's answer could not be trusted, or it could not be asked."""
    log.warning("Single sign-on failed: %s", failed.reason)
    with changes() as db:
        record_refusal(
            "sign_in.sso_failed",
            session=db,
            name="anonymous",
            remote_addr=_address(),
            reason=failed.reason,
        )
    return render_template("sso/failed.html", message=str(failed)), 400


def _refused(refused: sso.SignOnRefused, subject: str) -> tuple[str, int]:
    """The provider proved who this is, but they cannot use the service."""
    log.info("Single sign-on refused: %s", refused.reason)
    with changes() as db:
        record_refusal(
            "sign_in.sso_refused",
            session=db,
            name=refused.reference or subject,
            remote_addr=_address(),
            reason=refused.reason,
            subject=subject,
        )
    return render_template(
        "sso/refused.html", message=str(refused), reference=refused.reference
    ), 403


def offer_provider_sign_out(username: str) -> Response | None:
    """After this service's sign-out: the page offering the provider's, for a session begun
    there; None for any other."""
    if not oidc.enabled():
        return None
    url = oidc.sign_out_url(url_for("sso.signed_out", _external=True), {"username": username})
    if url is None:
        return None
    session[OFFER] = url
    return redirect(url_for("sso.after_sign_out"))


@bp.get("/signed-out")
@public
def after_sign_out() -> str | Response:
    """You have signed out here; sign out of the council account too?"""
    url = session.get(OFFER)
    if not isinstance(url, str):
        return redirect(url_for("auth.sign_in"))
    return render_template("sso/signed_out.html", provider_sign_out=url)


@bp.get("/sign-in/sso/signed-out")
@public
def signed_out() -> Response:
    """The provider's answer after its sign-out."""
    if not oidc.enabled():
        abort(404)
    data = oidc.signed_out_at_provider()
    session.pop(OFFER, None)
    if data is None:
        flash("You have signed out.", "success")
        return redirect(url_for("auth.sign_in"))
    with changes() as db:
        username = str(data.get("username", ""))[:80]
        record_event("sign_out.provider", session=db, actor=username or "unknown")
    flash("You have signed out of Case file audits and of your council account.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.get("/admin/users/sign-ins")
@role_required(ADMIN)
def last_sign_ins() -> str:
    """Every account with its last sign-in, the longest unused first."""
    days = int(current_app.config["DEACTIVATE_AFTER_DAYS"])
    rows = sso.last_sign_ins(
        session=get_session(), deactivate_after_days=days, actor=current_actor()
    )
    return render_template(
        "sso/last_sign_ins.html", rows=rows, days=days, role_names=users.ROLE_NAMES
    )
