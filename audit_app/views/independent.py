"""The independent auditor's pages (docs/independent-auditor.md): the admins' assignments, the
auditor's blind re-audit and challenge, the service's response, and the findings beside the
internal grades with their CSV.

Each view reads the request, calls ``services/independent.py`` and redirects or renders.
"""

from __future__ import annotations

import csv
import io

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
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.core.roles import ADMIN, INDEPENDENT, MANAGER, VIEWER
from audit_app.db import changes, get_session
from audit_app.forms.independent import AssignForm, ButtonForm, ChallengeForm, ResponseForm
from audit_app.reporting.exports import BOM
from audit_app.services import independent as service
from audit_app.services.errors import FieldErrors, Refused
from audit_app.web import export_limited

bp = Blueprint("independent", __name__, url_prefix="/independent")

READERS_OF_FINDINGS = (ADMIN, MANAGER, VIEWER)
RESPONDERS = (ADMIN, MANAGER)


def _days(name: str) -> tuple[str, str, str]:
    """A day as typed in the form's day, month and year boxes."""
    return tuple(request.form.get(f"{name}-{part}", "") for part in ("day", "month", "year"))  # type: ignore[return-value]


def _window() -> service.Window:
    return service.Window(starts=_days("starts"), ends=_days("ends"))


# --- assignments (home admins) -------------------------------------------------------------


@bp.route("/assignments", methods=["GET", "POST"])
@role_required(ADMIN)
@home_organisation_only
def assignments() -> str | Response | tuple[str, int]:
    """The assignments made, and a form to give an independent auditor more."""
    form = AssignForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        wanted = service.Assignment(
            auditor_id=form.auditor.data or "",
            title=form.title.data or "",
            audit_ids=request.form.getlist("audits"),
            case_refs=form.cases.data or "",
            window=_window(),
        )
        try:
            with changes() as db:
                service.assign(wanted, current_actor(), session=db)
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash("The assignment is made.", "success")
            return redirect(url_for("independent.assignments"))
    return _assignments_page(form, errors)


def _assignments_page(form: AssignForm, errors: dict[str, str]) -> tuple[str, int]:
    db = get_session()
    page = render_template(
        "independent/assignments.html",
        form=form,
        errors=errors,
        auditors=service.independent_auditors(session=db),
        audits=service.assignable_audits(session=db),
        rows=service.assignments(current_actor(), session=db, today=service.today()),
        ticked=set(request.form.getlist("audits")),
        starts=_days("starts"),
        ends=_days("ends"),
    )
    return page, (400 if errors else 200)


@bp.route("/assignments/<int:grant_id>", methods=["GET", "POST"])
@role_required(ADMIN)
@home_organisation_only
def assignment(grant_id: int) -> str | Response | tuple[str, int]:
    """One assignment: change its window, or revoke it."""
    db = get_session()
    row = service.assignment(grant_id, current_actor(), session=db, today=service.today())
    form = ButtonForm()
    errors: dict[str, str] = {}
    starts, ends = _days("starts"), _days("ends")
    if request.method == "GET":
        starts, ends = _parts(row.grant.starts_on), _parts(row.grant.ends_on)
    elif form.validate_on_submit():
        try:
            with changes():
                service.change_window(grant_id, _window(), current_actor(), session=db)
        except FieldErrors as problems:
            errors = problems.errors
        except Refused as refused:
            flash(str(refused), "info")
            return redirect(url_for("independent.assignments"))
        else:
            flash("The window is changed.", "success")
            return redirect(url_for("independent.assignments"))
    page = render_template(
        "independent/assignment.html", row=row, form=form, errors=errors, starts=starts, ends=ends
    )
    return page, (400 if errors or request.method == "POST" else 200)


def _parts(day: object) -> tuple[str, str, str]:
    return (str(day.day), str(day.month), str(day.year))  # type: ignore[attr-defined]


@bp.post("/assignments/<int:grant_id>/revoke")
@role_required(ADMIN)
@home_organisation_only
def revoke(grant_id: int) -> Response:
    if ButtonForm().validate_on_submit():
        try:
            with changes() as db:
                service.revoke(grant_id, current_actor(), session=db)
        except Refused as refused:
            if isinstance(refused, service.AssignmentNotFound):
                raise
            flash(str(refused), "info")
        else:
            flash("The assignment is revoked: it gives nothing from now.", "success")
    return redirect(url_for("independent.assignments"))


# --- the independent auditor's work --------------------------------------------------------


@bp.post("/audits/<int:audit_id>/re-audit")
@role_required(INDEPENDENT)
def re_audit(audit_id: int) -> Response:
    """Start (or carry on with) the blind re-audit of an assigned audit."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with changes() as db:
        mine = service.start_re_audit(audit_id, current_actor(), session=db)
    return redirect(url_for("audits.show", audit_id=mine.id))


@bp.get("/audits/<int:audit_id>")
@role_required(INDEPENDENT)
def record(audit_id: int) -> str:
    """The first audit's record, read-only, once the re-audit is submitted (or the case is
    assigned to look at); opening it is in the trail (``audit.viewed``)."""
    db = get_session()
    audit_file = service.first_record(audit_id, current_actor(), session=db)
    return render_template(
        "independent/record.html",
        audit_file=audit_file,
        challenges=service.challenges_of(audit_id, session=db),
        themes=service.theme_choices(audit_file),
    )


@bp.route("/audits/<int:audit_id>/challenge", methods=["GET", "POST"])
@role_required(INDEPENDENT)
def challenge(audit_id: int) -> str | Response | tuple[str, int]:
    """Record a challenge on the audit as a whole or one of its themes."""
    db = get_session()
    audit_file = service.first_record(audit_id, current_actor(), session=db)
    form = ChallengeForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            with changes():
                service.record_challenge(
                    audit_file,
                    form.theme.data or "",
                    form.text.data or "",
                    current_actor(),
                    session=db,
                )
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash("Your challenge is recorded. The service will respond.", "success")
            return redirect(url_for("independent.record", audit_id=audit_id))
    themes = service.theme_choices(audit_file)
    page = render_template(
        "independent/challenge.html", audit_file=audit_file, form=form, errors=errors, themes=themes
    )
    return page, (400 if errors else 200)


# --- the service's response ----------------------------------------------------------------


@bp.route("/challenges/<int:challenge_id>/response", methods=["GET", "POST"])
@role_required(*RESPONDERS)
@home_organisation_only
def respond(challenge_id: int) -> str | Response | tuple[str, int]:
    """The service's response to a challenge: the case's service's group managers, admins."""
    db = get_session()
    found, audit_file = service.challenge_to_answer(challenge_id, current_actor(), session=db)
    form = ResponseForm()
    errors: dict[str, str] = {}
    notice = None
    if request.method == "GET":
        form.response.data = found.response or ""
    elif form.validate_on_submit():
        errors, notice = _save_response(challenge_id, form)
        if not errors and notice is None:
            flash("The response is recorded.", "success")
            return redirect(url_for("audits.show", audit_id=found.audit_id) + "#challenges")
        db.refresh(found)
    page = render_template(
        "independent/respond.html",
        challenge=found,
        audit_file=audit_file,
        form=form,
        errors=errors,
        notice=notice,
        themes=service.theme_choices(audit_file),
    )
    return page, (409 if notice else 400 if errors else 200)


def _save_response(challenge_id: int, form: ResponseForm) -> tuple[dict[str, str], str | None]:
    """Save the response typed; the problems with it, or the notice that it was stale."""
    try:
        with changes() as db:
            service.respond(
                challenge_id,
                form.response.data or "",
                form.expected_version(),
                current_actor(),
                session=db,
            )
    except FieldErrors as problems:
        return problems.errors, None
    except service.StaleChallenge as stale:
        return {}, str(stale)
    return {}, None


# --- findings ------------------------------------------------------------------------------


@bp.get("/findings")
@role_required(*READERS_OF_FINDINGS)
@home_organisation_only
def findings() -> str:
    found = service.findings(current_actor(), session=get_session())
    return render_template("independent/findings.html", found=found, free_text=_free_text())


def _free_text() -> bool:
    return service.free_text_for(current_actor(), str(current_app.config["FREE_TEXT_DOWNLOADS"]))


@bp.get("/findings.csv")
@role_required(*READERS_OF_FINDINGS)
@home_organisation_only
@export_limited
def findings_csv() -> Response:
    db = get_session()
    found = service.findings(current_actor(), session=db)
    rows = service.findings_rows(found, free_text=_free_text())
    with changes():
        service.record_findings_export(current_actor(), len(rows) - 1, session=db)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return Response(
        (BOM + buffer.getvalue()).encode("utf-8"),
        headers={
            "Content-Disposition": 'attachment; filename="independent-findings.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
