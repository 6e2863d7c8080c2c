"""Admin pages: users, their roles, teams and managed services, passwords and activation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import Field

from audit_app.auth import current_actor, role_required
from audit_app.db import changes, get_session
from audit_app.forms.admin import (
    EditUserForm,
    EndSessionsForm,
    NewUserForm,
    ResetMfaForm,
    SetPasswordForm,
    StatusForm,
    password_context_words,
)
from audit_app.models import User
from audit_app.services import accounts
from audit_app.services import concerns as concern_service
from audit_app.services import users as user_service
from audit_app.services.accounts import AccountError
from audit_app.views.admin import bp


def error_list(*fields: Field, extra: Sequence[tuple[str, str]] = ()) -> list[dict[str, Any]]:
    """Error summary items for the fields, in the order they appear on the page."""
    items = [{"text": field.errors[0], "href": f"#{field.id}"} for field in fields if field.errors]
    items += [{"text": text, "href": href} for text, href in extra]
    return items


def _role_items() -> list[dict[str, Any]]:
    """A hint under each role's radio, in the order of the choices."""
    return [{"hint": {"text": user_service.ROLE_HINTS[role]}} for role in user_service.ROLE_NAMES]


@bp.get("/users")
@role_required("admin")
def users() -> str:
    rows = user_service.list_users(session=get_session(), actor=current_actor())
    return render_template("admin/users.html", rows=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def user_new() -> str | Response | tuple[str, int]:
    form = NewUserForm()
    form.fill_choices()
    if form.validate_on_submit():
        try:
            with changes():
                user = _add_user(form)
        except AccountError as error:
            # Only a race gets here (the form checked the same rules): say so on the username.
            form.username.errors.append(str(error))
        else:
            flash(
                f"{user.username} has been added. They must change their password when they "
                "first sign in.",
                "success",
            )
            return redirect(url_for("admin.users"))
    page = render_template(
        "admin/users_new.html",
        form=form,
        errors=error_list(*form.fields_in_page_order()),
        role_items=_role_items(),
    )
    return (page, 400) if form.errors else page


def _add_user(form: NewUserForm) -> User:
    """The user the form describes, with the password an admin chose for them."""
    return user_service.add_user(
        form.username.data or "",
        form.password.data or "",
        form.role.data or "",
        session=get_session(),
        actor=current_actor(),
        display_name=form.display_name.data or "",
        team=form.team.data or None,
        services=form.services.data or [],
        context_words=password_context_words(),
        change_at_sign_in=True,
    )


def _live_sessions(user: User) -> list[Any]:
    assert user.id is not None
    return accounts.live_sessions(
        user.id,
        session=get_session(),
        idle=timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"])),
        lifetime=current_app.config["PERMANENT_SESSION_LIFETIME"],
    )


def _edit_page(
    user: User,
    *,
    form: EditUserForm | None = None,
    password_form: SetPasswordForm | None = None,
    mfa_form: ResetMfaForm | None = None,
    status_error: str | None = None,
    sessions_error: str | None = None,
) -> str | tuple[str, int]:
    """The user's page with its forms; 400 when one of them has errors."""
    row = user_service.user_row(user, session=get_session())
    form = form if form is not None else _details_form(user, row)
    password_form = password_form or SetPasswordForm(formdata=None, prefix="new")
    mfa_form = mfa_form or ResetMfaForm(formdata=None, prefix="mfa")
    errors = error_list(
        *form.fields_in_page_order(),
        *password_form.fields_in_page_order(),
        *mfa_form.fields_in_page_order(),
        extra=_button_errors(sessions_error, status_error),
    )
    page = render_template(
        "admin/users_edit.html",
        user=user,
        row=row,
        form=form,
        password_form=password_form,
        mfa_form=mfa_form,
        sessions=_live_sessions(user),
        sessions_form=EndSessionsForm(formdata=None, prefix="sessions"),
        status_form=_status_form(user),
        errors=errors,
        is_self=user.id == current_user.id,
        role_items=_role_items(),
    )
    return (page, 400) if errors else page


def _details_form(user: User, row: user_service.UserRow) -> EditUserForm:
    """The form for a user's name, role, team and services, filled with what they are now."""
    form = EditUserForm(
        formdata=None,
        display_name=user.display_name,
        role=user.role,
        team=row.team or "",
        services=list(row.services),
    )
    form.fill_choices()
    return form


def _button_errors(sessions_error: str | None, status_error: str | None) -> list[tuple[str, str]]:
    """Refusals of the page's buttons, for the error summary, each linked to its button."""
    extra = [(sessions_error, "#sessions-button")] if sessions_error else []
    if status_error:
        extra.append((status_error, "#status-button"))
    return extra


def _status_form(user: User) -> StatusForm:
    """The button that deactivates an active user or reactivates one who is not."""
    action = "deactivate" if user.active else "reactivate"
    return StatusForm(formdata=None, prefix="status", action=action)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def user_edit(user_id: int) -> str | Response | tuple[str, int]:
    user = user_service.get_user(user_id, session=get_session(), actor=current_actor())
    if request.method == "GET":
        return _edit_page(user)
    form = EditUserForm()
    form.fill_choices()
    if not form.validate():
        return _edit_page(user, form=form)
    db = get_session()
    try:
        with changes():
            altered = user_service.update_user(
                user,
                session=db,
                actor=current_actor(),
                display_name=form.display_name.data or "",
                role=form.role.data or "",
                team=form.team.data or None,
                services=form.services.data or [],
            )
    except user_service.SelfChangeRefused as error:
        form.role.errors.append(str(error))
        return _edit_page(user, form=form)
    if altered:
        flash(f"Changes to {user.username} have been saved.", "success")
    else:
        flash(f"Nothing was changed for {user.username}.", "info")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def user_password(user_id: int) -> str | Response | tuple[str, int]:
    user = user_service.get_user(user_id, session=get_session(), actor=current_actor())
    form = SetPasswordForm(prefix="new")
    form.owner = user
    if user.id == current_user.id:
        # Changing one's own password needs the current one, which this page does not ask for.
        form.password.errors = ["You cannot set your own password here. Ask another admin."]
        return _edit_page(user, password_form=form)
    if not form.validate():
        return _edit_page(user, password_form=form)
    with changes() as db:
        accounts.set_password(
            user,
            form.password.data or "",
            session=db,
            actor=current_actor(),
            context_words=password_context_words(),
            change_at_sign_in=True,
        )
    flash(
        f"A new password has been set for {user.username}. Any session they had open has ended. "
        "They must change it when they next sign in.",
        "success",
    )
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/status")
@role_required("admin")
def user_status(user_id: int) -> str | Response | tuple[str, int]:
    user = user_service.get_user(user_id, session=get_session(), actor=current_actor())
    form = StatusForm(prefix="status")
    if not form.validate():
        abort(400)
    activate = form.action.data == "reactivate"
    try:
        with changes() as db:
            changed = user_service.change_active(
                user,
                activate,
                session=db,
                actor=current_actor(),
                confirmed=form.confirmed.data == "yes",
            )
    except user_service.SelfChangeRefused as error:
        return _edit_page(user, status_error=str(error))
    except user_service.LastManagerWarning as warning:
        return _confirm_deactivation(user, warning)
    flash(*_status_message(user, activate, changed))
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _status_message(user: User, activate: bool, changed: bool) -> tuple[str, str]:
    """What (de)activating did, and the kind of message it is."""
    if not changed:
        state = "active" if activate else "deactivated"
        return f"{user.username} was already {state}.", "info"
    if activate:
        return f"{user.username} has been reactivated and can sign in again.", "success"
    return (
        f"{user.username} has been deactivated. They cannot sign in, and any session they "
        "had open has ended.",
        "success",
    )


def _confirm_deactivation(user: User, warning: user_service.LastManagerWarning) -> str:
    """The last active manager of a service: say which concerns would be left without a manager
    to see them, and ask again. Nothing has changed yet."""
    admins, fallback = concern_service.fallback_people(
        session=get_session(), organisation_id=user.organisation_id
    )
    return render_template(
        "admin/users_deactivate.html",
        user=user,
        left=warning.left,
        admins=sorted(person.display_name or person.username for person in admins),
        fallback=sorted(person.display_name or person.username for person in fallback),
        status_form=StatusForm(
            formdata=None, prefix="status", action="deactivate", confirmed="yes"
        ),
    )


@bp.post("/users/<int:user_id>/two-factor/reset")
@role_required("admin")
def user_mfa_reset(user_id: int) -> str | Response | tuple[str, int]:
    """For a person who lost their authenticator and their recovery codes: after checking who
    they are, turn two-factor authentication off so that they can set it up again."""
    user = user_service.get_user(user_id, session=get_session(), actor=current_actor())
    form = ResetMfaForm(prefix="mfa")
    if not _reset_form_valid(form):
        return _edit_page(user, mfa_form=form)
    try:
        with changes() as db:
            ended = user_service.reset_mfa(
                user, reason=form.reason.data or "", session=db, actor=current_actor()
            )
    except AccountError as error:
        form.identity_checked.errors = [str(error)]
        return _edit_page(user, mfa_form=form)
    flash(
        f"Two-factor authentication has been reset for {user.username}, and {_sessions(ended)} "
        "ended. They can sign in with their password alone until they set up their authenticator "
        "app again.",
        "success",
    )
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _reset_form_valid(form: ResetMfaForm) -> bool:
    """The form's own checks (its token, the box ticked) and the service's rule for the reason,
    so that every problem shows at once, each at its field."""
    valid = form.validate()
    try:
        user_service.check_reset_reason(form.reason.data or "")
    except user_service.ResetReasonRefused as refused:
        form.reason.errors = [str(refused)]
        return False
    return valid


@bp.post("/users/<int:user_id>/sessions/end")
@role_required("admin")
def user_sessions_end(user_id: int) -> str | Response | tuple[str, int]:
    """Sign a person out on every device (a lost laptop, someone leaving in a hurry)."""
    user = user_service.get_user(user_id, session=get_session(), actor=current_actor())
    form = EndSessionsForm(prefix="sessions")
    if not form.validate():
        abort(400)
    db = get_session()
    try:
        with changes():
            ended = user_service.end_all_sessions(
                user,
                session=db,
                actor=current_actor(),
            )
    except AccountError as error:
        return _edit_page(user, sessions_error=str(error))
    flash(f"{user.username} has been signed out everywhere: {_sessions(ended)} ended.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


def _sessions(count: int) -> str:
    return f"{count} open session{'' if count == 1 else 's'}" if count else "no open session was"
