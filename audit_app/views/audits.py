"""The auditor's journey: start, task list, theme pages, judgement, check, submit, history."""

from __future__ import annotations

import json
import secrets
from typing import Any

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
from sqlmodel import select
from werkzeug.wrappers import Response

from audit_app import clock
from audit_app.auth import expired_user_id, login_manager, role_required
from audit_app.db import get_session
from audit_app.forms.audits import (
    ConcernForm,
    JudgementForm,
    StartAuditForm,
    SubmitForm,
    theme_form_class,
)
from audit_app.forms.managers import VoiceForm
from audit_app.models import PendingSave
from audit_app.services import audits as audit_service
from audit_app.services import moderation as moderation_service
from audit_app.services.audits import Actor, AuditError, AuditNotFound, FieldErrors, StaleAudit
from audit_app.services.questionnaires import current_versions

bp = Blueprint("audits", __name__)

AUDITORS = ("auditor", "manager")
READERS = ("auditor", "manager", "admin")


def actor() -> Actor:
    """The signed-in user, as the audit service sees them."""
    return Actor(
        id=current_user.id,
        username=current_user.username,
        role=current_user.role,
        managed_service_ids=current_user.managed_service_ids,
        remote_addr=request.remote_addr,
    )


def _load(audit_id: int) -> audit_service.AuditView:
    try:
        return audit_service.load_audit(audit_id, actor(), session=get_session())
    except AuditNotFound:
        abort(404)


def _load_editable(audit_id: int) -> audit_service.AuditView | Response:
    """The audit for its own auditor to change; a submitted one sends them to its summary."""
    view = _load(audit_id)
    if view.audit.auditor_id != current_user.id:
        abort(404)
    if not view.editable:
        flash("This audit has been submitted, so its answers can no longer change.", "info")
        return redirect(url_for("audits.show", audit_id=audit_id))
    return view


# --- starting ------------------------------------------------------------------------------


@bp.route("/audits/new", methods=["GET", "POST"])
@role_required(*AUDITORS)
def start() -> str | Response:
    db = get_session()
    versions = current_versions(session=db)
    form = StartAuditForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            audit = audit_service.start_audit(
                form.questionnaire.data or "", form.case_id.data or "", actor(), session=db
            )
        except FieldErrors as problems:
            db.rollback()
            errors = problems.errors
        else:
            db.commit()
            return redirect(url_for("audits.show", audit_id=audit.id))
    for name, messages in form.errors.items():
        errors.setdefault(name, messages[0])
    return render_template("audits/start.html", form=form, versions=versions, errors=errors), (
        400 if errors else 200
    )


@bp.post("/allocations/<int:allocation_id>/start")
@role_required(*AUDITORS)
def start_allocated(allocation_id: int) -> Response:
    db = get_session()
    try:
        audit = audit_service.start_allocated(allocation_id, actor(), session=db)
    except AuditNotFound:
        abort(404)
    except AuditError as problem:
        db.rollback()
        flash(str(problem), "info")
        return redirect(url_for("home.index"))
    db.commit()
    return redirect(url_for("audits.show", audit_id=audit.id))


# --- the audit and its task list -----------------------------------------------------------


@bp.get("/audits/<int:audit_id>")
@role_required(*READERS)
def show(audit_id: int) -> str:
    view = _load(audit_id)
    template = "audits/task_list.html" if view.editable else "audits/summary.html"
    can_edit = view.editable and view.audit.auditor_id == current_user.id
    page = moderation_service.audit_page(
        view,
        actor(),
        session=get_session(),
        today=clock.today(),
        blind=bool(current_app.config.get("MODERATION_BLIND")),
    )
    return render_template(template, view=view, can_edit=can_edit, page=page)


@bp.route("/audits/<int:audit_id>/voice", methods=["GET", "POST"])
@role_required(*AUDITORS)
def voice(audit_id: int) -> str | Response:
    """The practitioner's voice: when the findings were discussed with the worker, their view."""
    view = _load(audit_id)
    if view.audit.auditor_id != current_user.id:
        abort(404)
    if view.audit.status not in audit_service.VOICE_STATUSES:
        flash("This audit is closed, so the discussion can no longer be recorded.", "info")
        return redirect(url_for("audits.show", audit_id=audit_id))
    form = VoiceForm()
    errors: dict[str, str] = {}
    notice = None
    stale = False
    discussed = (
        request.form.get("discussed-day", ""),
        request.form.get("discussed-month", ""),
        request.form.get("discussed-year", ""),
    )
    if form.validate_on_submit():
        db = get_session()
        try:
            audit_service.record_voice(
                view,
                discussed,
                form.reflection.data or "",
                form.expected_version(),
                actor(),
                session=db,
                today=clock.today(),
            )
        except StaleAudit as refused:
            db.rollback()
            notice, stale = str(refused), True
            view = _load(audit_id)
        except FieldErrors as problems:
            db.rollback()
            errors = problems.errors
        except AuditError as refused:
            db.rollback()
            flash(str(refused), "info")
            return redirect(url_for("audits.show", audit_id=audit_id))
        else:
            db.commit()
            flash("The discussion with the worker is recorded.", "success")
            return redirect(url_for("audits.show", audit_id=audit_id) + "#voice")
    elif request.method == "GET":
        on = view.audit.discussed_with_worker_on
        discussed = (str(on.day), str(on.month), str(on.year)) if on else ("", "", "")
        form.reflection.data = view.audit.worker_reflection or ""
    return render_template(
        "audits/voice.html",
        view=view,
        form=form,
        discussed=discussed,
        errors=errors,
        notice=notice,
    ), (400 if errors else 409 if stale else 200)


@bp.route("/audits/<int:audit_id>/themes/<theme_id>", methods=["GET", "POST"])
def theme(audit_id: int, theme_id: str) -> str | Response:
    if not current_user.is_authenticated:
        return _keep_answers_until_signed_in(audit_id, theme_id)
    if not current_user.has_role(*AUDITORS):
        abort(403)
    loaded = _load_editable(audit_id)
    if isinstance(loaded, Response):
        return loaded
    view = loaded
    theme_obj = next((t for t in view.questionnaire.themes if t.id == theme_id), None)
    if theme_obj is None:
        abort(404)
    form_class = theme_form_class(view.questionnaire, theme_id)
    db = get_session()
    errors: dict[str, str] = {}
    notice = None
    stale = False
    posted: dict[str, str] | None = None

    restored = _restore_pending(view, theme_id)
    if restored is not None:
        posted, version = restored
        form = form_class(formdata=None)
        form.version.data = str(version)
    else:
        form = form_class()
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            posted = _posted_answers(form, theme_obj)

    if posted is not None:
        judgement = (
            str(posted.pop("__judgement", "")),
            str(posted.pop("__analysis", "")),
        )
        try:
            outcome = audit_service.save_theme(
                view,
                theme_id,
                posted,
                form.expected_version(),
                actor(),
                session=db,
                judgement=judgement,
            )
        except StaleAudit as refused:
            db.rollback()
            notice, stale = str(refused), True
            view = audit_service.load_audit(audit_id, actor(), session=db)
        except FieldErrors as problems:
            db.rollback()
            errors = problems.errors
        else:
            db.commit()
            if restored is not None:
                flash("Your session had ended, but your answers have been saved.", "success")
            view = audit_service.load_audit(audit_id, actor(), session=db)
            if outcome.newly_shown:
                notice = (
                    "Your answers mean that more questions apply. Answer them, then save again."
                )
            elif restored is None:
                return redirect(_next_after(view, theme_id))

    values = _page_values(view, theme_obj, posted if errors else None)
    return render_template(
        "audits/theme.html",
        view=view,
        theme=theme_obj,
        theme_score=view.score.theme(theme_id),
        form=form,
        values=values,
        errors=errors,
        notice=notice,
        shown=audit_service.shown_questions(view.questionnaire, _answers_for_shown(view, values)),
    ), (400 if errors else 409 if stale else 200)


# Signing in is checked inside the view, so that a save after the session ended is kept.
theme.allowed_roles = AUDITORS  # type: ignore[attr-defined]


def _answers_for_shown(view: audit_service.AuditView, values: dict[str, str]) -> dict[str, str]:
    merged = dict(view.answers)
    merged.update({k: v for k, v in values.items() if not k.startswith("__")})
    return merged


def _posted_answers(form: JudgementForm, theme_obj: Any) -> dict[str, str]:
    posted = {q.id: str(form[q.id].data or "") for q in theme_obj.questions}
    posted["__judgement"] = str(form.judgement.data or "")
    posted["__analysis"] = str(form.analysis.data or "")
    return posted


def _page_values(
    view: audit_service.AuditView, theme_obj: Any, posted: dict[str, str] | None
) -> dict[str, str]:
    """What each field shows: what was just typed (after an error), else what is stored."""
    if posted is not None:
        return posted
    values = {q.id: view.answers.get(q.id, "") for q in theme_obj.questions}
    judgement = view.judgements.get(theme_obj.id)
    values["__judgement"] = judgement.grade if judgement else ""
    values["__analysis"] = (judgement.analysis or "") if judgement else ""
    return values


def _next_after(view: audit_service.AuditView, theme_id: str) -> str:
    ids = [t.id for t in view.questionnaire.themes]
    position = ids.index(theme_id)
    if position + 1 < len(ids):
        return url_for("audits.theme", audit_id=view.audit.id, theme_id=ids[position + 1])
    return url_for("audits.judgement", audit_id=view.audit.id)


def _keep_answers_until_signed_in(audit_id: int, theme_id: str) -> Response:
    """A save that arrives after the session ended: keep the answers, then ask to sign in."""
    user_id = expired_user_id()
    if request.method == "POST" and user_id is not None:
        form = request.form
        payload = {k: v for k, v in form.items() if k != "csrf_token"}
        token = secrets.token_urlsafe(24)
        db = get_session()
        db.add(
            PendingSave(
                token=token,
                user_id=user_id,
                audit_id=audit_id,
                theme_id=theme_id,
                payload=json.dumps(payload),
            )
        )
        db.commit()
        session["pending_save"] = token
        flash(
            "Your session ended because you were inactive. Your answers are kept: sign in again "
            "to save them.",
            "info",
        )
        target = url_for("audits.theme", audit_id=audit_id, theme_id=theme_id)
        return redirect(url_for("auth.sign_in", next=target))
    return login_manager.unauthorized()


def _restore_pending(
    view: audit_service.AuditView, theme_id: str
) -> tuple[dict[str, str], int] | None:
    """Answers kept when the session ended, for this person, audit and theme (used once)."""
    token = session.get("pending_save")
    if not token:
        return None
    db = get_session()
    pending = db.exec(select(PendingSave).where(PendingSave.token == token)).first()
    if pending is None or pending.audit_id != view.audit.id or pending.theme_id != theme_id:
        return None
    session.pop("pending_save", None)
    db.delete(pending)
    db.commit()
    if pending.user_id != current_user.id:
        return None
    payload = json.loads(pending.payload)
    try:
        version = int(payload.pop("version", 0))
    except (TypeError, ValueError):
        version = 0
    posted = {str(k): str(v) for k, v in payload.items()}
    posted["__judgement"] = posted.pop("judgement", "")
    posted["__analysis"] = posted.pop("analysis", "")
    return posted, version


# --- overall judgement, check and submit ---------------------------------------------------


@bp.route("/audits/<int:audit_id>/judgement", methods=["GET", "POST"])
@role_required(*AUDITORS)
def judgement(audit_id: int) -> str | Response:
    loaded = _load_editable(audit_id)
    if isinstance(loaded, Response):
        return loaded
    view = loaded
    form = JudgementForm()
    errors: dict[str, str] = {}
    notice = None
    if form.validate_on_submit():
        db = get_session()
        try:
            audit_service.save_overall_judgement(
                view,
                form.judgement.data or "",
                form.analysis.data or "",
                form.expected_version(),
                actor(),
                session=db,
            )
        except StaleAudit as refused:
            db.rollback()
            notice = str(refused)
            view = audit_service.load_audit(audit_id, actor(), session=db)
        except FieldErrors as problems:
            db.rollback()
            errors = problems.errors
        else:
            db.commit()
            return redirect(url_for("audits.check", audit_id=audit_id))
    elif request.method == "GET":
        form.judgement.data = view.audit.overall_grade_judged or ""
        form.analysis.data = view.audit.overall_analysis or ""
    return render_template(
        "audits/judgement.html", view=view, form=form, errors=errors, notice=notice
    ), (400 if errors else 200)


@bp.route("/audits/<int:audit_id>/check", methods=["GET", "POST"])
@role_required(*AUDITORS)
def check(audit_id: int) -> str | Response:
    loaded = _load_editable(audit_id)
    if isinstance(loaded, Response):
        return loaded
    view = loaded
    form = SubmitForm()
    problems: dict[str, tuple[str, str]] = {}
    notice = None
    if form.validate_on_submit():
        db = get_session()
        try:
            audit_service.submit(
                view,
                form.expected_version(),
                actor(),
                session=db,
                sampling=audit_service.Sampling.from_config(current_app.config),
            )
        except StaleAudit as refused:
            db.rollback()
            notice = str(refused)
            view = audit_service.load_audit(audit_id, actor(), session=db)
        except FieldErrors:
            db.rollback()
            problems = audit_service.submission_problems(view)
        else:
            db.commit()
            return redirect(url_for("audits.submitted", audit_id=audit_id))
    return render_template(
        "audits/check.html", view=view, form=form, problems=problems, notice=notice
    ), (400 if problems else 200)


@bp.get("/audits/<int:audit_id>/submitted")
@role_required(*AUDITORS)
def submitted(audit_id: int) -> str:
    view = _load(audit_id)
    if view.audit.auditor_id != current_user.id or view.editable:
        abort(404)
    return render_template("audits/submitted.html", view=view)


# --- concerns and history ------------------------------------------------------------------


@bp.route("/audits/<int:audit_id>/concern", methods=["GET", "POST"])
@role_required(*AUDITORS)
def concern(audit_id: int) -> str | Response:
    view = _load(audit_id)
    if view.audit.auditor_id != current_user.id:
        abort(404)
    form = ConcernForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        db = get_session()
        try:
            audit_service.raise_concern(view, form.description.data or "", actor(), session=db)
        except FieldErrors as problems:
            db.rollback()
            errors = problems.errors
        else:
            db.commit()
            flash(_concern_recorded(view), "success")
            return redirect(url_for("audits.show", audit_id=audit_id))
    for name, messages in form.errors.items():
        errors.setdefault(name, messages[0])
    return render_template("audits/concern.html", view=view, form=form, errors=errors), (
        400 if errors else 200
    )


def _concern_recorded(view: audit_service.AuditView) -> str:
    """What the auditor is told once a concern is raised: truthfully, who can see it now."""
    from audit_app.services import concerns as concern_service

    who = concern_service.audience(view.team.service_id, session=get_session())
    return f"Safeguarding concern recorded. {who.sentence()}"


@bp.get("/audits/<int:audit_id>/history")
@role_required(*READERS)
def history(audit_id: int) -> str:
    view = _load(audit_id)
    db = get_session()
    events = audit_service.history(audit_id, session=db)
    details = [json.loads(e.detail or "{}") for e in events]
    blind = bool(current_app.config.get("MODERATION_BLIND"))
    if moderation_service.judgements_hidden(view, actor(), session=db, blind=blind):
        # Blind moderation: the history must not give the auditor's judgements away either.
        kept = [
            (e, moderation_service.without_judgements(e.action, d))
            for e, d in zip(events, details, strict=True)
            if e.action != "audit.judged"
        ]
        events, details = [e for e, _ in kept], [d for _, d in kept]
    return render_template(
        "audits/history.html",
        view=view,
        events=list(zip(events, details, strict=True)),
        event_names=EVENT_NAMES,
        theme_titles={t.id: t.title for t in view.questionnaire.themes},
    )


EVENT_NAMES = {
    "audit.created": "Audit started",
    "audit.saved": "Answers saved",
    "audit.judged": "Overall judgement recorded",
    "audit.submitted": "Audit submitted",
    "concern.raised": "Safeguarding concern raised",
    "concern.acknowledged": "Safeguarding concern acknowledged",
    "audit.voice_recorded": "Discussion with the worker recorded",
    "moderation.requested": "Moderation requested",
    "moderation.started": "Moderation started",
    "moderation.taken_over": "Moderation taken over",
    "moderation.graded": "Moderation grades recorded",
    "audit.moderated": "Audit moderated",
    "audit.returned": "Returned to the auditor",
    "audit.closed": "Audit closed",
    "action.created": "Action recorded",
    "action.completed": "Action done",
    "action.cancelled": "Action cancelled",
}
