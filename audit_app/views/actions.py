"""Actions pages: the list, recording an action on an audit, completing and cancelling one."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_app import clock
from audit_app.auth import current_actor, role_required
from audit_app.core.roles import AUDITORS, READERS
from audit_app.db import get_session
from audit_app.forms.actions import CancelActionForm, CompleteActionForm, NewActionForm
from audit_app.models import Action
from audit_app.services import actions as action_service
from audit_app.services.audits import AuditFile
from audit_app.views.saving import Saved, save

bp = Blueprint("actions", __name__)

CHANGERS = AUDITORS


def today() -> date:
    """Today in England, where due dates fall."""
    return clock.today()


@bp.get("/actions")
@role_required(*READERS)
def index() -> str:
    db = get_session()
    me = current_actor()
    return render_template(
        "actions/index.html",
        open_rows=action_service.open_actions(me, session=db, today=today()),
        closed_rows=action_service.closed_actions(me, session=db, today=today()),
        for_whom=action_service.FOR_WHOM,
    )


@bp.route("/audits/<int:audit_id>/actions/new", methods=["GET", "POST"])
@role_required(*CHANGERS)
def new(audit_id: int) -> str | Response:
    audit_file = action_service.load_for_actions(audit_id, current_actor(), session=get_session())
    back = url_for("audits.show", audit_id=audit_id)
    refusal = action_service.refusal_to_add(audit_file)
    if refusal:
        flash(refusal, "info")
        return redirect(back)
    form = NewActionForm()
    due = _date_parts("due")
    saved: Saved[Action] = Saved()
    if form.validate_on_submit():
        saved = save(lambda: _add(audit_file, form, due))
        if saved.refusal is not None:
            flash(saved.refusal, "info")
            return redirect(back)
        if saved.done:
            flash("Action recorded.", "success")
            return redirect(back + "#actions")
    return render_template(
        "actions/new.html",
        audit_file=audit_file,
        form=form,
        due=due,
        errors=saved.errors,
        for_whom=action_service.FOR_WHOM,
    ), saved.status


def _date_parts(name: str) -> tuple[str, str, str]:
    """A date as typed in the form's day, month and year boxes."""
    return (
        request.form.get(f"{name}-day", ""),
        request.form.get(f"{name}-month", ""),
        request.form.get(f"{name}-year", ""),
    )


def _add(audit_file: AuditFile, form: NewActionForm, due: tuple[str, str, str]) -> Action:
    """Record the action as the form describes it."""
    return action_service.add_action(
        audit_file,
        description=form.description.data or "",
        for_whom=form.for_whom.data or "",
        owner=form.owner.data or "",
        due=due,
        actor=current_actor(),
        session=get_session(),
        today=today(),
    )


def _load_to_change(action_id: int) -> action_service.ActionView:
    return action_service.load_action(
        action_id, current_actor(), session=get_session(), today=today(), to_change=True
    )


@bp.route("/actions/<int:action_id>/complete", methods=["GET", "POST"])
@role_required(*CHANGERS)
def complete(action_id: int) -> str | Response:
    return _close(action_id, "complete")


@bp.route("/actions/<int:action_id>/cancel", methods=["GET", "POST"])
@role_required(*CHANGERS)
def cancel(action_id: int) -> str | Response:
    return _close(action_id, "cancel")


DONE_MESSAGES = {"complete": "Action done.", "cancel": "Action cancelled."}


def _close(action_id: int, kind: str) -> str | Response:
    """Completing or cancelling an open action: the form, and saving it."""
    found = _load_to_change(action_id)
    back = url_for("audits.show", audit_id=found.audit.id) + "#actions"
    if found.action.status != "open":
        status = action_service.STATUS_NAMES[found.action.status].lower()
        flash(f"This action is already {status}.", "info")
        return redirect(back)
    form = CompleteActionForm() if kind == "complete" else CancelActionForm()
    saved: Saved[object] = Saved()
    if form.validate_on_submit():
        saved = save(lambda: _close_as_asked(action_id, form))
        if saved.refusal is not None:
            flash(saved.refusal, "info")
            return redirect(back)
        if saved.done:
            flash(DONE_MESSAGES[kind], "success")
            return redirect(back)
        if saved.stale:
            found = _load_to_change(action_id)
    return render_template(
        "actions/close.html",
        found=found,
        form=form,
        kind=kind,
        errors=saved.errors,
        notice=saved.notice,
        for_whom=action_service.FOR_WHOM,
    ), saved.status


def _close_as_asked(
    action_id: int, form: CompleteActionForm | CancelActionForm
) -> action_service.ActionView:
    """Complete the action with the note, or cancel it with the reason, that the form holds."""
    status, typed = (
        ("done", form.completion_note.data)
        if isinstance(form, CompleteActionForm)
        else ("cancelled", form.cancel_reason.data)
    )
    return action_service.close_action(
        action_id,
        status,
        typed or "",
        form.expected_version(),
        current_actor(),
        session=get_session(),
        today=today(),
    )
