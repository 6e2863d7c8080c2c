"""The auditor's journey: start, task list, theme pages, judgement, check, submit, history.

Each view reads the request, calls a service and redirects or renders; the steps they share
(loading the audit, saving a theme page, drawing a page) are in views/audit_pages.py.
"""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from audit_app import clock
from audit_app.auth import current_actor, role_required
from audit_app.core.roles import AUDIT_OPENERS, AUDIT_WRITERS, AUDITORS
from audit_app.core.subjects import DEFAULT_SUBJECT, reference_subject
from audit_app.db import changes, get_session
from audit_app.forms.audits import (
    ConcernForm,
    JudgementForm,
    StartAuditForm,
    SubmitForm,
    VoiceForm,
)
from audit_app.services import audits as audit_service
from audit_app.services import independent as independent_service
from audit_app.services import kinds as kind_service
from audit_app.services import moderation as moderation_service
from audit_app.services import theme_page
from audit_app.services.audits import AuditError, FieldErrors, StaleAudit
from audit_app.services.questionnaires import current_versions
from audit_app.services.second_audits import SecondAuditSettings
from audit_app.services.theme_page import PageAfterSave
from audit_app.views import audit_pages as pages

bp = Blueprint("audits", __name__)


# --- starting ------------------------------------------------------------------------------


@bp.route("/audits/new", methods=["GET", "POST"])
@role_required(*AUDITORS)
def start() -> str | Response:
    db = get_session()
    versions = current_versions(session=db)
    subjects = {v.questionnaire_id: audit_service.subject_of(v) for v in versions}
    form = StartAuditForm()
    chosen = form.questionnaire.data or request.args.get("questionnaire", "")
    subject = reference_subject(subjects, chosen)
    errors: dict[str, str] = {}
    if form.validate_on_submit() and subject == (form.asked_as.data or DEFAULT_SUBJECT):
        try:
            with changes():
                audit = audit_service.start_audit(
                    form.questionnaire.data or "",
                    form.case_id.data or "",
                    current_actor(),
                    session=db,
                )
        except FieldErrors as problems:
            errors = problems.errors
        else:
            return redirect(url_for("audits.show", audit_id=audit.id))
    for name, messages in form.errors.items():
        errors.setdefault(name, messages[0])
    page = {"form": form, "versions": versions, "errors": errors, "subjects": subjects}
    page["kind_names"] = kind_service.declared_kinds(session=db)
    return render_template("audits/start.html", chosen=chosen, subject=subject, **page), (
        400 if errors else 200
    )


@bp.post("/allocations/<int:allocation_id>/start")
@role_required(*AUDITORS)
def start_allocated(allocation_id: int) -> Response:
    db = get_session()
    try:
        with changes():
            audit = audit_service.start_allocated(allocation_id, current_actor(), session=db)
    except AuditError as problem:
        flash(str(problem), "info")
        return redirect(url_for("home.index"))
    return redirect(url_for("audits.show", audit_id=audit.id))


# --- the audit and its task list -----------------------------------------------------------


@bp.get("/audits/<int:audit_id>")
@role_required(*AUDIT_OPENERS)
def show(audit_id: int) -> str:
    audit_file = pages.load(audit_id)
    template = "audits/task_list.html" if audit_file.editable else "audits/summary.html"
    can_edit = audit_file.editable and audit_file.audit.auditor_id == current_user.id
    page = moderation_service.audit_page(
        audit_file,
        current_actor(),
        session=get_session(),
        today=clock.today(),
        blind=bool(current_app.config.get("MODERATION_BLIND")),
    )
    return render_template(
        template,
        audit_file=audit_file,
        can_edit=can_edit,
        page=page,
        challenges=independent_service.challenges_for_page(
            audit_file, current_actor(), session=get_session()
        ),
        analysis_fields={
            t.id: audit_service.analysis_field(t) for t in audit_file.questionnaire.themes
        },
    )


@bp.route("/audits/<int:audit_id>/voice", methods=["GET", "POST"])
@role_required(*AUDITORS)
def voice(audit_id: int) -> str | Response | tuple[str, int]:
    """The practitioner's voice: when the findings were discussed with the worker, their view."""
    loaded = pages.load_for_voice(audit_id)
    if isinstance(loaded, Response):
        return loaded
    form = VoiceForm()
    if not form.validate_on_submit():
        return pages.render_voice(loaded, form, pages.voice_shown(loaded, form))
    discussed = pages.discussed_typed()
    try:
        with changes() as db:
            audit_service.record_voice(
                loaded,
                discussed,
                form.reflection.data or "",
                form.expected_version(),
                current_actor(),
                session=db,
                today=clock.today(),
            )
    except StaleAudit as refused:
        return pages.render_voice(pages.reload(loaded), form, discussed, notice=str(refused))
    except FieldErrors as problems:
        return pages.render_voice(loaded, form, discussed, errors=problems.errors)
    except AuditError as refused:
        flash(str(refused), "info")
        return redirect(url_for("audits.show", audit_id=audit_id))
    flash("The discussion with the worker is recorded.", "success")
    return redirect(url_for("audits.show", audit_id=audit_id) + "#voice")


@bp.route("/audits/<int:audit_id>/themes/<theme_id>", methods=["GET", "POST"])
def theme(audit_id: int, theme_id: str) -> str | Response | tuple[str, int]:
    """A theme's questions and the auditor's judgement of it: open, save, or save for later."""
    if not current_user.is_authenticated:
        return pages.keep_answers_until_signed_in(audit_id, theme_id)
    if not current_user.has_role(*AUDIT_WRITERS):
        abort(403)
    loaded = pages.load_editable(audit_id)
    if isinstance(loaded, Response):
        return loaded
    theme_obj = pages.theme_of(loaded, theme_id)
    entry = pages.theme_entry(loaded, theme_obj)
    if entry.posted is None:
        return pages.render_theme(loaded, theme_obj, entry.form, PageAfterSave())
    if entry.errors:
        page = theme_page.typed_back(theme_obj, entry.posted, entry.errors)
        return pages.render_theme(loaded, theme_obj, entry.form, page)
    saved = pages.save_theme_entry(loaded, theme_obj, entry)
    if isinstance(saved, Response):
        return saved
    audit_file, page = saved
    return pages.render_theme(audit_file, theme_obj, entry.form, page)


# Signing in is checked inside the view, so that a save after the session ended is kept.
theme.allowed_roles = AUDIT_WRITERS  # type: ignore[attr-defined]


# --- overall judgement, check and submit ---------------------------------------------------


@bp.route("/audits/<int:audit_id>/judgement", methods=["GET", "POST"])
@role_required(*AUDIT_WRITERS)
def judgement(audit_id: int) -> str | Response | tuple[str, int]:
    """The auditor's overall judgement of the audit: a grade, and its analysis."""
    loaded = pages.load_editable(audit_id)
    if isinstance(loaded, Response):
        return loaded
    if loaded.questionnaire.grading.graded_by == "score":
        abort(404)  # the overall grade is the score's: no judgement is asked
    form = JudgementForm()
    if request.method != "POST":
        opened = PageAfterSave(shown_back=audit_service.overall_values(loaded))
        return pages.render_judgement(loaded, form, opened)
    if not form.validate_on_submit():
        # The fields have no rules of their own: say what is wrong, keep what was typed.
        errors = {name: str(messages[0]) for name, messages in form.errors.items()}
        return pages.render_judgement(loaded, form, PageAfterSave(errors=errors, status=400))
    saved = pages.save_overall(loaded, form)
    if isinstance(saved, Response):
        return saved
    audit_file, page = saved
    return pages.render_judgement(audit_file, form, page)


@bp.route("/audits/<int:audit_id>/check", methods=["GET", "POST"])
@role_required(*AUDIT_WRITERS)
def check(audit_id: int) -> str | Response | tuple[str, int]:
    """Check your answers, then submit: what stops submission is listed, with links."""
    loaded = pages.load_editable(audit_id)
    if isinstance(loaded, Response):
        return loaded
    form = SubmitForm()
    if not form.validate_on_submit():
        return pages.render_check(loaded, form)
    try:
        with changes() as db:
            audit_service.submit(
                loaded,
                form.expected_version(),
                current_actor(),
                session=db,
                sampling=audit_service.Sampling.from_config(current_app.config),
                second=SecondAuditSettings.from_config(current_app.config),
            )
    except StaleAudit as refused:
        return pages.render_check(pages.reload(loaded), form, notice=str(refused))
    except FieldErrors:
        problems = audit_service.submission_problems(loaded)
        return pages.render_check(loaded, form, problems=problems)
    return redirect(url_for("audits.submitted", audit_id=audit_id))


@bp.get("/audits/<int:audit_id>/submitted")
@role_required(*AUDIT_WRITERS)
def submitted(audit_id: int) -> str:
    audit_file = pages.load(audit_id)
    if audit_file.audit.auditor_id != current_user.id or audit_file.editable:
        abort(404)
    return render_template("audits/submitted.html", audit_file=audit_file)


# --- concerns and history ------------------------------------------------------------------


@bp.route("/audits/<int:audit_id>/concern", methods=["GET", "POST"])
@role_required(*AUDIT_WRITERS)
def concern(audit_id: int) -> str | Response:
    audit_file = pages.load_own(audit_id)
    form = ConcernForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        db = get_session()
        try:
            with changes():
                audit_service.raise_concern(
                    audit_file, form.description.data or "", current_actor(), session=db
                )
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash(_concern_recorded(audit_file), "success")
            return redirect(url_for("audits.show", audit_id=audit_id))
    for name, messages in form.errors.items():
        errors.setdefault(name, messages[0])
    return render_template(
        "audits/concern.html", audit_file=audit_file, form=form, errors=errors
    ), (400 if errors else 200)


def _concern_recorded(audit_file: audit_service.AuditFile) -> str:
    """What the auditor is told once a concern is raised: truthfully, who can see it now."""
    from audit_app.services import concerns as concern_service

    who = concern_service.audience(audit_file.team.service_id, session=get_session())
    told = who.sentence_for_visitor() if audit_file.external else who.sentence()
    return f"Safeguarding concern recorded. {told}"


@bp.get("/audits/<int:audit_id>/history")
@role_required(*AUDIT_OPENERS)
def history(audit_id: int) -> str:
    audit_file = pages.load(audit_id)
    db = get_session()
    events = audit_service.history(audit_id, session=db)
    details = [json.loads(e.detail or "{}") for e in events]
    blind = bool(current_app.config.get("MODERATION_BLIND"))
    if moderation_service.judgements_hidden(audit_file, current_actor(), session=db, blind=blind):
        # Blind moderation: the history must not give the auditor's judgements away either.
        analysis_questions = {
            q.id
            for q in map(audit_service.analysis_question, audit_file.questionnaire.themes)
            if q is not None
        }
        kept = [
            (e, moderation_service.without_judgements(e.action, d, analysis_questions))
            for e, d in zip(events, details, strict=True)
            if e.action != "audit.judged"
        ]
        events, details = [e for e, _ in kept], [d for _, d in kept]
    return render_template(
        "audits/history.html",
        audit_file=audit_file,
        events=list(zip(events, details, strict=True)),
        event_names=EVENT_NAMES,
        theme_titles={t.id: t.title for t in audit_file.questionnaire.themes},
    )


EVENT_NAMES = {
    "audit.created": "Audit started",
    "audit.outside_services": "Started outside the auditor's own services (AUDIT_ANY_SERVICE)",
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
    "audit.record_made": "Audit record made",
}


# The audit record's routes belong to this blueprint (the audits area); their module adds them.
from audit_app.views import records as _records  # noqa: E402, F401
