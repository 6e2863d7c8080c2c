"""Moderation pages: the queue, re-grading an audit, the outcome, closing, and concerns."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_app.auth import ALL_ROLES, current_actor, role_required
from audit_app.core.roles import MANAGERS
from audit_app.db import changes, get_session
from audit_app.forms.moderation import (
    AcknowledgeForm,
    ButtonForm,
    ModerationGradesForm,
    OutcomeForm,
)
from audit_app.services import audits as audit_service
from audit_app.services import concerns as concern_service
from audit_app.services import moderation as moderation_service
from audit_app.services.audits import AuditError, AuditView, FieldErrors, StaleAudit

bp = Blueprint("moderation", __name__)


def blind() -> bool:
    return bool(current_app.config.get("MODERATION_BLIND"))


def _load(audit_id: int) -> AuditView:
    return moderation_service.load_for_manager(audit_id, current_actor(), session=get_session())


def _back_to_audit(audit_id: int, message: str) -> Response:
    flash(message, "info")
    return redirect(url_for("audits.show", audit_id=audit_id))


@bp.get("/moderation")
@role_required("manager", "admin")
def queue() -> str:
    db = get_session()
    me = current_actor()
    return render_template(
        "moderation/queue.html",
        queue=moderation_service.queue(me, session=db, blind=blind()),
        not_chosen=moderation_service.not_chosen(me, session=db),
        form=ButtonForm(),
        blind=blind(),
        can_act=me.role == "manager",
    )


@bp.post("/moderation/audits/<int:audit_id>/request")
@role_required(*MANAGERS)
def request_moderation(audit_id: int) -> Response:
    db = get_session()
    _load(audit_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        with changes():
            moderation_service.request_moderation(audit_id, current_actor(), session=db)
    except AuditError as refused:
        return _back_to_audit(audit_id, str(refused))
    flash("The audit is now in the moderation queue.", "success")
    return redirect(url_for("audits.show", audit_id=audit_id))


@bp.post("/moderation/audits/<int:audit_id>/start")
@role_required(*MANAGERS)
def start(audit_id: int) -> Response:
    db = get_session()
    _load(audit_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with changes():
            moderation_service.start_moderation(
                audit_id, current_actor(), session=db, take_over=form.take_over.data == "yes"
            )
    except AuditError as refused:
        return _back_to_audit(audit_id, str(refused))
    return redirect(url_for("moderation.grades", audit_id=audit_id))


@bp.route("/moderation/audits/<int:audit_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def grades(audit_id: int) -> str | Response:
    db = get_session()
    view = _load(audit_id)
    me = current_actor()
    refusal = moderation_service.refusal_to_moderate(view, me)
    if refusal:
        return _back_to_audit(audit_id, refusal)
    moderation = moderation_service.open_moderation(audit_id, session=db)
    if moderation is None or moderation.moderator_id != me.id:
        return _back_to_audit(audit_id, "Start the moderation from this page first.")
    form = ModerationGradesForm()
    errors: dict[str, str] = {}
    notice = None
    stale = False
    posted: dict[str, str] | None = None
    if form.validate_on_submit():
        posted = {k: v for k, v in request.form.items() if k.startswith(("grade-", "rationale-"))}
        try:
            with changes():
                moderation_service.save_grades(
                    view, posted, form.expected_version(), me, session=db, blind=blind()
                )
        except StaleAudit as refused:
            notice, stale = str(refused), True
            view = _load(audit_id)
        except FieldErrors as problems:
            errors = problems.errors
        except AuditError as refused:
            return _back_to_audit(audit_id, str(refused))
        else:
            return redirect(url_for("moderation.outcome", audit_id=audit_id))
    rows = [r for r in moderation_service.grade_rows(view, session=db) if r.moderatable]
    saved = moderation_service.moderator_grades(moderation, session=db)
    values = posted if errors else _values(saved)
    return render_template(
        "moderation/grades.html",
        view=view,
        rows=rows,
        values=values,
        errors=errors,
        notice=notice,
        form=form,
        hidden=moderation_service.judgements_hidden(view, me, session=db, blind=blind()),
        blind=blind(),
        analysis_fields={t.id: audit_service.analysis_field(t) for t in view.questionnaire.themes},
    ), (400 if errors else 409 if stale else 200)


def _values(saved: dict[str, moderation_service.ModeratorGrade]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, grade in saved.items():
        values[f"grade-{key}"] = grade.grade
        values[f"rationale-{key}"] = grade.rationale or ""
    return values


@bp.route("/moderation/audits/<int:audit_id>/outcome", methods=["GET", "POST"])
@role_required(*MANAGERS)
def outcome(audit_id: int) -> str | Response:
    db = get_session()
    view = _load(audit_id)
    me = current_actor()
    refusal = moderation_service.refusal_to_moderate(view, me)
    if refusal:
        return _back_to_audit(audit_id, refusal)
    moderation = moderation_service.open_moderation(audit_id, session=db)
    if moderation is None or moderation.moderator_id != me.id:
        return _back_to_audit(audit_id, "Start the moderation from this page first.")
    form = OutcomeForm()
    errors: dict[str, str] = {}
    notice = None
    stale = False
    rationales: dict[str, str] = {}
    if form.validate_on_submit():
        rationales = {
            k.removeprefix("rationale-"): v
            for k, v in request.form.items()
            if k.startswith("rationale-")
        }
        try:
            with changes():
                done = moderation_service.complete(
                    view,
                    form.outcome.data or "",
                    form.comment.data or "",
                    rationales,
                    form.expected_version(),
                    me,
                    session=db,
                )
        except StaleAudit as refused:
            notice, stale = str(refused), True
            view = _load(audit_id)
        except FieldErrors as problems:
            errors = problems.errors
        except AuditError as refused:
            return _back_to_audit(audit_id, str(refused))
        else:
            message = {
                "agreed": "Moderation recorded: you agreed with the auditor's grades.",
                "grade_changed": "Moderation recorded: your grades are now the final grades.",
                "returned": "The audit has been returned to the auditor with your comment.",
            }[done.outcome or ""]
            flash(message, "success")
            return redirect(url_for("audits.show", audit_id=audit_id))
    return render_template(
        "moderation/outcome.html",
        view=view,
        comparisons=moderation_service.compare(view, moderation, session=db),
        hidden=moderation_service.judgements_hidden(view, me, session=db, blind=blind()),
        rationales=rationales,
        errors=errors,
        notice=notice,
        form=form,
        outcomes=moderation_service.OUTCOMES,
    ), (400 if errors else 409 if stale else 200)


@bp.post("/moderation/audits/<int:audit_id>/close")
@role_required(*MANAGERS)
def close(audit_id: int) -> Response:
    db = get_session()
    _load(audit_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        with changes():
            moderation_service.close_audit(audit_id, current_actor(), session=db)
    except AuditError as refused:
        return _back_to_audit(audit_id, str(refused))
    flash("The audit is closed.", "success")
    return redirect(url_for("audits.show", audit_id=audit_id))


@bp.app_template_global("concern_audience")
def concern_audience(service_id: int) -> concern_service.Audience:
    """Who can see a concern raised in the service, for the auditor's pages."""
    return concern_service.audience(service_id, session=get_session())


@bp.route("/concerns/<int:concern_id>/acknowledge", methods=["GET", "POST"])
@role_required(*ALL_ROLES)
def acknowledge(concern_id: int) -> str | Response:
    """For the service's managers, the admins, and the safeguarding fallback while the service
    has no active manager. Others who could never see a concern are refused (403); a concern
    they may not see is not revealed (404)."""
    db = get_session()
    if not concern_service.could_see_concerns(current_actor()):
        abort(403)
    found = concern_service.load_concern(concern_id, current_actor(), session=db)
    form = AcknowledgeForm()
    errors: dict[str, str] = {}
    if found.concern.acknowledged_at is None and form.validate_on_submit():
        try:
            with changes():
                concern_service.acknowledge(
                    concern_id, form.acknowledgement.data or "", current_actor(), session=db
                )
        except FieldErrors as problems:
            errors = problems.errors
        except AuditError as refused:
            flash(str(refused), "info")
            return redirect(url_for("moderation.acknowledge", concern_id=concern_id))
        else:
            flash(
                f"Concern on case {found.case.case_ref} acknowledged. It is no longer shown as "
                "open.",
                "success",
            )
            return redirect(url_for("home.index"))
    return render_template("moderation/acknowledge.html", found=found, form=form, errors=errors), (
        400 if errors else 200
    )
