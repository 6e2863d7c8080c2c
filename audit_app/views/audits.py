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
from audit_app.auth import current_actor, expired_user_id, login_manager, role_required
from audit_app.core.roles import AUDITORS, READERS
from audit_app.db import changes, get_session
from audit_app.forms.audits import (
    ConcernForm,
    JudgementForm,
    StartAuditForm,
    SubmitForm,
    VoiceForm,
    theme_form_class,
)
from audit_app.models import PendingSave
from audit_app.services import audits as audit_service
from audit_app.services import moderation as moderation_service
from audit_app.services.audits import (
    AuditError,
    EditConflict,
    FieldErrors,
    StaleAudit,
)
from audit_app.services.questionnaires import current_versions

bp = Blueprint("audits", __name__)


def _load(audit_id: int) -> audit_service.AuditView:
    return audit_service.load_audit(audit_id, current_actor(), session=get_session())


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
    return render_template("audits/start.html", form=form, versions=versions, errors=errors), (
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
@role_required(*READERS)
def show(audit_id: int) -> str:
    view = _load(audit_id)
    template = "audits/task_list.html" if view.editable else "audits/summary.html"
    can_edit = view.editable and view.audit.auditor_id == current_user.id
    page = moderation_service.audit_page(
        view,
        current_actor(),
        session=get_session(),
        today=clock.today(),
        blind=bool(current_app.config.get("MODERATION_BLIND")),
    )
    return render_template(
        template,
        view=view,
        can_edit=can_edit,
        page=page,
        analysis_fields={t.id: audit_service.analysis_field(t) for t in view.questionnaire.themes},
    )


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
            with changes():
                audit_service.record_voice(
                    view,
                    discussed,
                    form.reflection.data or "",
                    form.expected_version(),
                    current_actor(),
                    session=db,
                    today=clock.today(),
                )
        except StaleAudit as refused:
            notice, stale = str(refused), True
            view = _load(audit_id)
        except FieldErrors as problems:
            errors = problems.errors
        except AuditError as refused:
            flash(str(refused), "info")
            return redirect(url_for("audits.show", audit_id=audit_id))
        else:
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


# Where a page may send the auditor back to after saving (?return_to=...): names, never URLs.
RETURN_TO = {"check": "audits.check"}
# What a theme page's buttons ask for after saving.
AFTER_SAVE = ("continue", "update", "later")
RACE_RETRIES = 3


def _return_to() -> str | None:
    """The page to go back to after saving, when it is one of RETURN_TO's; else None."""
    value = request.values.get("return_to", "")
    return value if value in RETURN_TO else None


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
    own_analysis = audit_service.analysis_question(theme_obj)
    db = get_session()
    errors: dict[str, str] = {}
    conflicts: dict[str, dict[str, str]] = {}
    notice = None
    status = 200
    shown_back: dict[str, str] | None = None  # what the page shows when not what is stored
    page_version: str | None = None
    page_state: str | None = None
    return_to = _return_to()
    after_save = request.form.get("after_save", "continue")
    if after_save not in AFTER_SAVE:
        after_save = "continue"

    posted: dict[str, str] | None = None
    restored = _restore_pending(view, theme_id)
    if restored is not None:
        posted, version, state = restored
        form = form_class(formdata=None)
        form.version.data = str(version)
        form.loaded_state.data = state
    else:
        form = form_class()
        if request.method == "POST":
            if not form.validate_on_submit():
                # The fields have no rules of their own (the service checks the values); say
                # what is wrong and keep what was typed rather than give a bare error page.
                for name, messages in form.errors.items():
                    errors.setdefault(name, str(messages[0]))
                status = 400
            posted = _posted_values(form, theme_obj)

    if posted is not None and not errors:
        typed = _typed_values(posted, theme_obj, own_analysis)
        analysis_name = own_analysis.id if own_analysis else "analysis"
        judgement = (posted.get("judgement", ""), posted.get(analysis_name, ""))
        answers = {q.id: posted.get(q.id, "") for q in theme_obj.questions}
        state = audit_service.read_page_state(form.loaded_state.data)
        for attempt in range(RACE_RETRIES):
            try:
                with changes():
                    outcome = audit_service.save_theme(
                        view,
                        theme_id,
                        answers,
                        form.expected_version(),
                        current_actor(),
                        session=db,
                        judgement=judgement,
                        loaded=state,
                        complete=after_save == "continue",
                    )
            except EditConflict as conflict:
                view = audit_service.load_audit(audit_id, current_actor(), session=db)
                stored = audit_service.theme_values(view, theme_obj)
                shown_back = {k: typed[k] if k in conflict.mine else v for k, v in stored.items()}
                conflicts = {
                    _element_id(name): {"saved": saved, "typed": typed.get(name, "")}
                    for name, saved in conflict.saved.items()
                }
                errors = _conflict_errors(theme_obj, own_analysis, conflicts, conflict.errors)
                notice, status = str(conflict), 409
            except StaleAudit as refused:
                view = audit_service.load_audit(audit_id, current_actor(), session=db)
                if state is not None and attempt + 1 < RACE_RETRIES:
                    continue  # another save landed between reading and writing: read again
                notice, status = str(refused), 409
                # A page that did not say what it showed: every field typed differently from
                # what is stored now is shown both ways, and what was typed is kept.
                saved = audit_service.differences(view, theme_obj, typed)
                if saved:
                    shown_back = typed
                    conflicts = {
                        _element_id(name): {"saved": value, "typed": typed.get(name, "")}
                        for name, value in saved.items()
                    }
                    errors = _conflict_errors(theme_obj, own_analysis, conflicts, {})
                    notice = audit_service.CONFLICT_MESSAGE
            except FieldErrors as problems:
                errors = _in_page_order(theme_obj, own_analysis, problems.errors)
                shown_back = typed
                page_version, page_state = form.version.data, form.loaded_state.data
                status = 400
            else:
                if restored is not None:
                    flash("Your session had ended, but your answers have been saved.", "success")
                view = audit_service.load_audit(audit_id, current_actor(), session=db)
                if after_save == "later" and restored is None:
                    flash(
                        f"Your answers to “{theme_obj.title}” are saved. You can come back to "
                        "them later.",
                        "success",
                    )
                    return redirect(url_for("audits.show", audit_id=audit_id))
                if outcome.newly_shown:
                    notice = (
                        "Your answers mean that more questions apply. Answer them, then save again."
                    )
                elif after_save == "update":
                    score = view.score.theme(theme_id)
                    notice = (
                        "Your answers are saved. The suggested grade for this theme is now "
                        f"{score.grade_label}. Record your judgement, then save and continue."
                    )
                elif restored is None:
                    if return_to is not None:
                        return redirect(url_for(RETURN_TO[return_to], audit_id=audit_id))
                    return redirect(_next_after(view, theme_id))
            break
    elif posted is not None:
        shown_back = _typed_values(posted, theme_obj, own_analysis)

    stored = audit_service.theme_values(view, theme_obj)
    values = shown_back if shown_back is not None else stored
    theme_score = (
        audit_service.typed_theme_score(view, theme_id, values)
        if shown_back is not None
        else view.score.theme(theme_id)
    )
    return render_template(
        "audits/theme.html",
        view=view,
        theme=theme_obj,
        theme_score=theme_score,
        form=form,
        values=values,
        errors=errors,
        conflicts=conflicts,
        notice=notice,
        shown=audit_service.shown_questions(view.questionnaire, _answers_for_shown(view, values)),
        analysis_question=own_analysis,
        page_version=page_version or str(view.audit.version),
        loaded_state=page_state or audit_service.page_state(stored),
        return_to=return_to,
    ), status


# Signing in is checked inside the view, so that a save after the session ended is kept.
theme.allowed_roles = AUDITORS  # type: ignore[attr-defined]


def _answers_for_shown(view: audit_service.AuditView, values: dict[str, str]) -> dict[str, str]:
    merged = dict(view.answers)
    merged.update({k: v for k, v in values.items() if not k.startswith("__")})
    return merged


def _posted_values(form: JudgementForm, theme_obj: Any) -> dict[str, str]:
    """What a theme page sent, by field name: each question, the grade and the analysis."""
    posted = {q.id: str(form[q.id].data or "") for q in theme_obj.questions}
    posted["judgement"] = str(form.judgement.data or "")
    posted["analysis"] = str(form.analysis.data or "")
    return posted


def _typed_values(posted: dict[str, str], theme_obj: Any, own_analysis: Any) -> dict[str, str]:
    """What was typed, keyed as audit_service.theme_values keys what is stored."""
    typed = {q.id: posted.get(q.id, "") for q in theme_obj.questions}
    typed[audit_service.JUDGEMENT] = posted.get("judgement", "")
    if own_analysis is None:
        typed[audit_service.ANALYSIS] = posted.get("analysis", "")
    return typed


def _element_id(name: str) -> str:
    """The id of the page element that shows a field of audit_service.theme_values."""
    return {audit_service.JUDGEMENT: "judgement", audit_service.ANALYSIS: "analysis"}.get(
        name, name
    )


def _in_page_order(theme_obj: Any, own_analysis: Any, errors: dict[str, str]) -> dict[str, str]:
    """Errors by element id, in the order the page shows the fields (the error summary's)."""
    order = [q.id for q in theme_obj.questions if own_analysis is None or q.id != own_analysis.id]
    order += ["judgement", own_analysis.id if own_analysis else "analysis"]
    ranked = {name: position for position, name in enumerate(order)}
    return dict(sorted(errors.items(), key=lambda item: ranked.get(item[0], len(order))))


def _conflict_errors(
    theme_obj: Any,
    own_analysis: Any,
    conflicts: dict[str, dict[str, str]],
    other: dict[str, str],
) -> dict[str, str]:
    """A message at each field changed underneath, then any other problem with the values."""
    labels = {q.id: q.text for q in theme_obj.questions}
    labels["judgement"] = "Your judgement"
    labels["analysis"] = "Analysis"
    errors = {
        element_id: (
            f"{labels.get(element_id, element_id)}: changed in another tab or by someone else "
            "since you opened this page. Choose which version to keep, then save again"
        )
        for element_id in conflicts
    }
    for name, message in other.items():
        errors.setdefault(name, message)
    return _in_page_order(theme_obj, own_analysis, errors)


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
        with changes() as db:
            db.add(
                PendingSave(
                    token=token,
                    user_id=user_id,
                    audit_id=audit_id,
                    theme_id=theme_id,
                    payload=json.dumps(payload),
                )
            )
        session["pending_save"] = token
        flash(
            "Your session ended because you were inactive. Your answers are kept: sign in again "
            "to save them.",
            "info",
        )
        target = url_for(
            "audits.theme", audit_id=audit_id, theme_id=theme_id, return_to=_return_to()
        )
        return redirect(url_for("auth.sign_in", next=target))
    return login_manager.unauthorized()


def _restore_pending(
    view: audit_service.AuditView, theme_id: str
) -> tuple[dict[str, str], int, str] | None:
    """Answers kept when the session ended, for this person, audit and theme (used once)."""
    token = session.get("pending_save")
    if not token:
        return None
    db = get_session()
    pending = db.exec(select(PendingSave).where(PendingSave.token == token)).first()
    if pending is None or pending.audit_id != view.audit.id or pending.theme_id != theme_id:
        return None
    session.pop("pending_save", None)
    # Used once, whatever becomes of the save it restores: gone before that save is tried.
    with changes():
        db.delete(pending)
    if pending.user_id != current_user.id:
        return None
    payload = json.loads(pending.payload)
    try:
        version = int(payload.pop("version", 0))
    except (TypeError, ValueError):
        version = 0
    state = str(payload.pop("loaded_state", "") or "")
    posted = {str(k): str(v) for k, v in payload.items()}
    return posted, version, state


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
    conflicts: dict[str, dict[str, str]] = {}
    notice = None
    status = 200
    page_version: str | None = None
    page_state: str | None = None
    if request.method == "POST" and not form.validate_on_submit():
        # The fields have no rules of their own: say what is wrong, keep what was typed.
        errors = {name: str(messages[0]) for name, messages in form.errors.items()}
        status = 400
    elif request.method == "POST":
        db = get_session()
        typed = {
            audit_service.JUDGEMENT: form.judgement.data or "",
            audit_service.ANALYSIS: form.analysis.data or "",
        }
        state = audit_service.read_page_state(form.loaded_state.data)
        for attempt in range(RACE_RETRIES):
            try:
                with changes():
                    audit_service.save_overall_judgement(
                        view,
                        typed[audit_service.JUDGEMENT],
                        typed[audit_service.ANALYSIS],
                        form.expected_version(),
                        current_actor(),
                        session=db,
                        loaded=state,
                    )
            except EditConflict as conflict:
                view = audit_service.load_audit(audit_id, current_actor(), session=db)
                stored = audit_service.overall_values(view)
                shown = {k: typed[k] if k in conflict.mine else v for k, v in stored.items()}
                form.judgement.data = shown[audit_service.JUDGEMENT]
                form.analysis.data = shown[audit_service.ANALYSIS]
                conflicts = {
                    _element_id(name): {"saved": saved, "typed": typed.get(name, "")}
                    for name, saved in conflict.saved.items()
                }
                labels = {"judgement": "Your overall judgement", "analysis": "Analysis"}
                errors = {
                    element_id: (
                        f"{labels[element_id]}: changed in another tab or by someone else since "
                        "you opened this page. Choose which version to keep, then save again"
                    )
                    for element_id in sorted(conflicts, key=("judgement", "analysis").index)
                }
                for name, message in conflict.errors.items():
                    errors.setdefault(name, message)
                notice, status = str(conflict), 409
            except StaleAudit as refused:
                view = audit_service.load_audit(audit_id, current_actor(), session=db)
                if state is not None and attempt + 1 < RACE_RETRIES:
                    continue  # another save landed between reading and writing: read again
                notice, status = str(refused), 409
            except FieldErrors as problems:
                errors = problems.errors
                page_version, page_state = form.version.data, form.loaded_state.data
                status = 400
            else:
                return redirect(url_for("audits.check", audit_id=audit_id))
            break
    else:
        form.judgement.data = view.audit.overall_grade_judged or ""
        form.analysis.data = view.audit.overall_analysis or ""
    return render_template(
        "audits/judgement.html",
        view=view,
        form=form,
        errors=errors,
        conflicts=conflicts,
        notice=notice,
        page_version=page_version or str(view.audit.version),
        loaded_state=page_state or audit_service.page_state(audit_service.overall_values(view)),
        return_to=_return_to(),
    ), status


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
            with changes():
                audit_service.submit(
                    view,
                    form.expected_version(),
                    current_actor(),
                    session=db,
                    sampling=audit_service.Sampling.from_config(current_app.config),
                )
        except StaleAudit as refused:
            notice = str(refused)
            view = audit_service.load_audit(audit_id, current_actor(), session=db)
        except FieldErrors:
            problems = audit_service.submission_problems(view)
        else:
            return redirect(url_for("audits.submitted", audit_id=audit_id))
    return render_template(
        "audits/check.html",
        view=view,
        form=form,
        problems=problems,
        notice=notice,
        analysis_fields={t.id: audit_service.analysis_field(t) for t in view.questionnaire.themes},
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
            with changes():
                audit_service.raise_concern(
                    view, form.description.data or "", current_actor(), session=db
                )
        except FieldErrors as problems:
            errors = problems.errors
        else:
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
    if moderation_service.judgements_hidden(view, current_actor(), session=db, blind=blind):
        # Blind moderation: the history must not give the auditor's judgements away either.
        analysis_questions = {
            q.id
            for q in map(audit_service.analysis_question, view.questionnaire.themes)
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
