"""Moderation pages: the queue, re-grading an audit, the outcome, closing, and concerns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, role_required
from audit_app.core.roles import MANAGERS, STAFF
from audit_app.db import changes, get_session
from audit_app.forms.moderation import (
    AcknowledgeForm,
    ButtonForm,
    ModerationGradesForm,
    OutcomeForm,
)
from audit_app.models import Moderation
from audit_app.services import audits as audit_service
from audit_app.services import concerns as concern_service
from audit_app.services import moderation as moderation_service
from audit_app.services.actor import Actor
from audit_app.services.audits import AuditError, AuditFile
from audit_app.views.saving import Saved, save

if TYPE_CHECKING:
    from sqlmodel import Session

bp = Blueprint("moderation", __name__)

NOT_STARTED_HERE = "Start the moderation from this page first."
OUTCOME_MESSAGES = {
    "agreed": "Moderation recorded: you agreed with the auditor's grades.",
    "grade_changed": "Moderation recorded: your grades are now the final grades.",
    "returned": "The audit has been returned to the auditor with your comment.",
}


def blind() -> bool:
    return bool(current_app.config.get("MODERATION_BLIND"))


def _load(audit_id: int) -> AuditFile:
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


def _on_button(
    audit_id: int,
    change: Callable[[Actor, Session], object],
    *,
    then: str,
    done: str | None = None,
    form: ButtonForm | None = None,
) -> Response:
    """A button on the audit's page: make the change, then go on to ``then``; a refusal goes
    back to the audit with its reason."""
    _load(audit_id)
    if not (form or ButtonForm()).validate_on_submit():
        abort(400)
    try:
        with changes():
            change(current_actor(), get_session())
    except AuditError as refused:
        return _back_to_audit(audit_id, str(refused))
    if done:
        flash(done, "success")
    return redirect(url_for(then, audit_id=audit_id))


@bp.post("/moderation/audits/<int:audit_id>/request")
@role_required(*MANAGERS)
def request_moderation(audit_id: int) -> Response:
    return _on_button(
        audit_id,
        lambda me, db: moderation_service.request_moderation(audit_id, me, session=db),
        then="audits.show",
        done="The audit is now in the moderation queue.",
    )


@bp.post("/moderation/audits/<int:audit_id>/start")
@role_required(*MANAGERS)
def start(audit_id: int) -> Response:
    form = ButtonForm()
    return _on_button(
        audit_id,
        lambda me, db: moderation_service.start_moderation(
            audit_id, me, session=db, take_over=form.take_over.data == "yes"
        ),
        then="moderation.grades",
        form=form,
    )


@bp.route("/moderation/audits/<int:audit_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def grades(audit_id: int) -> str | Response:
    audit_file, me = _load(audit_id), current_actor()
    try:
        moderation = _in_hand(audit_file)
    except AuditError as refused:
        return _back_to_audit(audit_id, str(refused))
    form = ModerationGradesForm()
    saved: Saved[object] = Saved()
    posted: dict[str, str] = {}
    if form.validate_on_submit():
        posted = _fields(request.form, "grade-", "rationale-")
        saved = save(
            lambda: moderation_service.save_grades(
                audit_file,
                posted,
                form.expected_version(),
                me,
                session=get_session(),
                blind=blind(),
            )
        )
        if saved.refusal is not None:
            return _back_to_audit(audit_id, saved.refusal)
        if saved.done:
            return redirect(url_for("moderation.outcome", audit_id=audit_id))
        if saved.stale:
            audit_file = _load(audit_id)
    return _grades_page(audit_file, moderation, form, saved, posted), saved.status


def _in_hand(audit_file: AuditFile) -> Moderation:
    """The person's own moderation in progress, which the grades and outcome pages carry on."""
    return moderation_service.moderation_in_hand(
        audit_file, current_actor(), session=get_session(), not_started=NOT_STARTED_HERE
    )


def _fields(form: Mapping[str, str], *prefixes: str) -> dict[str, str]:
    """The posted fields whose names start with one of the prefixes, such as ``grade-``."""
    return {k: v for k, v in form.items() if k.startswith(prefixes)}


def _grades_page(
    audit_file: AuditFile,
    moderation: Moderation,
    form: ModerationGradesForm,
    saved: Saved[object],
    posted: dict[str, str],
) -> str:
    """The moderator's grades form: what they typed when it had problems, else what is saved."""
    db = get_session()
    rows = [r for r in moderation_service.grade_rows(audit_file, session=db) if r.moderatable]
    saved_grades = moderation_service.moderator_grades(moderation, session=db)
    return render_template(
        "moderation/grades.html",
        audit_file=audit_file,
        rows=rows,
        values=posted if saved.errors else _values(saved_grades),
        errors=saved.errors,
        notice=saved.notice,
        form=form,
        hidden=moderation_service.judgements_hidden(
            audit_file, current_actor(), session=db, blind=blind()
        ),
        blind=blind(),
        analysis_fields={
            t.id: audit_service.analysis_field(t) for t in audit_file.questionnaire.themes
        },
    )


def _values(saved: dict[str, moderation_service.ModeratorGrade]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, grade in saved.items():
        values[f"grade-{key}"] = grade.grade
        values[f"rationale-{key}"] = grade.rationale or ""
    return values


@bp.route("/moderation/audits/<int:audit_id>/outcome", methods=["GET", "POST"])
@role_required(*MANAGERS)
def outcome(audit_id: int) -> str | Response:
    audit_file, me = _load(audit_id), current_actor()
    try:
        moderation = _in_hand(audit_file)
    except AuditError as refused:
        return _back_to_audit(audit_id, str(refused))
    form = OutcomeForm()
    saved: Saved[str | None] = Saved()
    rationales: dict[str, str] = {}
    if form.validate_on_submit():
        rationales = {
            k.removeprefix("rationale-"): v for k, v in _fields(request.form, "rationale-").items()
        }
        saved = save(lambda: _complete(audit_file, form, rationales, me))
        if saved.refusal is not None:
            return _back_to_audit(audit_id, saved.refusal)
        if saved.done:
            flash(OUTCOME_MESSAGES[saved.value or ""], "success")
            return redirect(url_for("audits.show", audit_id=audit_id))
        if saved.stale:
            audit_file = _load(audit_id)
    return _outcome_page(audit_file, moderation, form, saved, rationales), saved.status


def _complete(
    audit_file: AuditFile, form: OutcomeForm, rationales: dict[str, str], me: Actor
) -> str | None:
    """Finish the moderation as the form says; the outcome recorded."""
    done = moderation_service.complete(
        audit_file,
        form.outcome.data or "",
        form.comment.data or "",
        rationales,
        form.expected_version(),
        me,
        session=get_session(),
    )
    return done.outcome


def _outcome_page(
    audit_file: AuditFile,
    moderation: Moderation,
    form: OutcomeForm,
    saved: Saved[str | None],
    rationales: dict[str, str],
) -> str:
    """The outcome form: the moderator's grades beside the auditor's, and the outcomes."""
    db = get_session()
    return render_template(
        "moderation/outcome.html",
        audit_file=audit_file,
        comparisons=moderation_service.compare(audit_file, moderation, session=db),
        hidden=moderation_service.judgements_hidden(
            audit_file, current_actor(), session=db, blind=blind()
        ),
        rationales=rationales,
        errors=saved.errors,
        notice=saved.notice,
        form=form,
        outcomes=moderation_service.OUTCOMES,
    )


@bp.post("/moderation/audits/<int:audit_id>/close")
@role_required(*MANAGERS)
def close(audit_id: int) -> Response:
    return _on_button(
        audit_id,
        lambda me, db: moderation_service.close_audit(audit_id, me, session=db),
        then="audits.show",
        done="The audit is closed.",
    )


@bp.app_template_global("concern_audience")
def concern_audience(service_id: int) -> concern_service.Audience:
    """Who can see a concern raised in the service, for the auditor's pages."""
    return concern_service.audience(service_id, session=get_session())


@bp.route("/concerns/<int:concern_id>/acknowledge", methods=["GET", "POST"])
@role_required(*STAFF)
def acknowledge(concern_id: int) -> str | Response:
    """For the service's managers, the admins, and the safeguarding fallback while the service
    has no active manager. Others who could never see a concern are refused (403); a concern
    they may not see is not revealed (404)."""
    me = current_actor()
    if not concern_service.could_see_concerns(me):
        abort(403)
    found = concern_service.load_concern(concern_id, me, session=get_session())
    form = AcknowledgeForm()
    saved: Saved[object] = Saved()
    if found.concern.acknowledged_at is None and form.validate_on_submit():
        note = form.acknowledgement.data or ""
        saved = save(
            lambda: concern_service.acknowledge(concern_id, note, me, session=get_session())
        )
        if saved.refusal is not None:
            flash(saved.refusal, "info")
            return redirect(url_for("moderation.acknowledge", concern_id=concern_id))
        if saved.done:
            flash(
                f"Concern on case {found.case.case_ref} acknowledged. It is no longer shown as "
                "open.",
                "success",
            )
            return redirect(url_for("home.index"))
    page = render_template(
        "moderation/acknowledge.html", found=found, form=form, errors=saved.errors
    )
    return page, saved.status
