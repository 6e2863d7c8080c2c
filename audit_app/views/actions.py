"""Actions pages: the list, recording an action on an audit, completing and cancelling one."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_app import clock
from audit_app.auth import current_actor, role_required
from audit_app.core.roles import AUDITORS, READERS
from audit_app.db import changes, get_session
from audit_app.forms.actions import CancelActionForm, CompleteActionForm, NewActionForm
from audit_app.services import actions as action_service
from audit_app.services import audits as audit_service
from audit_app.services.audits import AuditError, FieldErrors

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
    db = get_session()
    me = current_actor()
    view = audit_service.load_audit(audit_id, me, session=db)
    if not action_service.may_change(me, view.audit, view.team):
        abort(404)
    refusal = action_service.refusal_to_add(view)
    if refusal:
        flash(refusal, "info")
        return redirect(url_for("audits.show", audit_id=audit_id))
    form = NewActionForm()
    errors: dict[str, str] = {}
    due = (
        request.form.get("due-day", ""),
        request.form.get("due-month", ""),
        request.form.get("due-year", ""),
    )
    if form.validate_on_submit():
        try:
            with changes():
                action_service.add_action(
                    view,
                    description=form.description.data or "",
                    for_whom=form.for_whom.data or "",
                    owner=form.owner.data or "",
                    due=due,
                    actor=me,
                    session=db,
                    today=today(),
                )
        except FieldErrors as problems:
            errors = problems.errors
        except AuditError as refused:
            flash(str(refused), "info")
            return redirect(url_for("audits.show", audit_id=audit_id))
        else:
            flash("Action recorded.", "success")
            return redirect(url_for("audits.show", audit_id=audit_id) + "#actions")
    return render_template(
        "actions/new.html",
        view=view,
        form=form,
        due=due,
        errors=errors,
        for_whom=action_service.FOR_WHOM,
    ), (400 if errors else 200)


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


def _close(action_id: int, kind: str) -> str | Response:
    db = get_session()
    found = _load_to_change(action_id)
    back = url_for("audits.show", audit_id=found.audit.id) + "#actions"
    if found.action.status != "open":
        flash(
            f"This action is already {action_service.STATUS_NAMES[found.action.status].lower()}.",
            "info",
        )
        return redirect(back)
    form = CompleteActionForm() if kind == "complete" else CancelActionForm()
    errors: dict[str, str] = {}
    notice = None
    stale = False
    if form.validate_on_submit():
        try:
            with changes():
                if isinstance(form, CompleteActionForm):
                    action_service.complete_action(
                        action_id,
                        form.completion_note.data or "",
                        form.expected_version(),
                        current_actor(),
                        session=db,
                        today=today(),
                    )
                else:
                    action_service.cancel_action(
                        action_id,
                        form.cancel_reason.data or "",
                        form.expected_version(),
                        current_actor(),
                        session=db,
                        today=today(),
                    )
        except FieldErrors as problems:
            errors = problems.errors
        except action_service.StaleAction as refused:
            notice, stale = str(refused), True
            found = _load_to_change(action_id)
        except AuditError as refused:
            flash(str(refused), "info")
            return redirect(back)
        else:
            flash("Action done." if kind == "complete" else "Action cancelled.", "success")
            return redirect(back)
    return render_template(
        "actions/close.html",
        found=found,
        form=form,
        kind=kind,
        errors=errors,
        notice=notice,
        for_whom=action_service.FOR_WHOM,
    ), (400 if errors else 409 if stale else 200)
