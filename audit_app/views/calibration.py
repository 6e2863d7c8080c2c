"""Calibration exercises: the QA lead's list, making an exercise, its page, the agreed answers
and the reveal. The lead is an admin; the auditors in an exercise see its page and their own
audit for it; everyone else is told there is no such page. Also the second audits waiting for
the lead to assign an auditor, and the agreement page (the lead and group managers) with its
export."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.core.calibration import MIN_UNITS
from audit_app.core.roles import ADMIN, AUDITORS, MANAGER
from audit_app.db import changes, get_session
from audit_app.forms.calibration import AgreedForm, ExerciseActionForm, ExerciseForm
from audit_app.reporting.agreement_figures import export_rows
from audit_app.reporting.exports import BOM
from audit_app.services import agreement_report
from audit_app.services import calibration as service
from audit_app.services import second_audits as second_service
from audit_app.services.errors import FieldErrors
from audit_app.services.questionnaires import current_versions
from audit_app.services.second_audits import SecondAuditSettings
from audit_app.web import export_limited

bp = Blueprint("calibration", __name__, url_prefix="/calibration")


def _threshold() -> float:
    return float(current_app.config.get("CALIBRATION_FLAG_PERCENT", service.DEFAULT_FLAG_PERCENT))


@bp.get("")
@role_required(ADMIN)
@home_organisation_only
def index() -> str:
    db = get_session()
    return render_template(
        "calibration/index.html",
        exercises=service.exercises_for_lead(session=db),
        flags=service.flagged(_threshold(), current_actor(), session=db),
        threshold=_threshold(),
        waiting=len(second_service.waiting((), session=db, actor=current_actor())),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(ADMIN)
@home_organisation_only
def new() -> str | Response | tuple[str, int]:
    db = get_session()
    form = ExerciseForm()
    errors: dict[str, str] = {}
    chosen = [int(v) for v in request.form.getlist("auditors") if v.isdigit()]
    if form.validate_on_submit():
        try:
            with changes():
                exercise = service.create_exercise(
                    request.form.get("title", ""),
                    request.form.get("case_id", ""),
                    request.form.get("questionnaire", ""),
                    chosen,
                    current_actor(),
                    session=db,
                    training=request.form.get("training") == "yes",
                )
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash("Exercise created: its auditors see it on their home page.", "success")
            return redirect(url_for("calibration.show", exercise_id=exercise.id))
    page = _new_page(form, errors, chosen)
    return (page, 400) if errors else page


def _new_page(form: ExerciseForm, errors: dict[str, str], chosen: list[int]) -> str:
    db = get_session()
    return render_template(
        "calibration/new.html",
        form=form,
        errors=errors,
        versions=current_versions(session=db),
        candidates=service.candidates(session=db, actor=current_actor()),
        typed=request.form,
        chosen=chosen,
    )


@bp.get("/<int:exercise_id>")
@role_required(ADMIN, *AUDITORS)
@home_organisation_only
def show(exercise_id: int) -> str:
    db = get_session()
    page = service.load_exercise(exercise_id, current_actor(), session=db)
    return render_template(
        "calibration/show.html",
        page=page,
        figures=service.exercise_figures(page, session=db) if page.revealed else None,
        form=ExerciseActionForm(),
        min_units=MIN_UNITS,
        is_lead=current_actor().role == ADMIN,
    )


@bp.post("/<int:exercise_id>/start")
@role_required(*AUDITORS)
@home_organisation_only
def start(exercise_id: int) -> Response:
    form = ExerciseActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("calibration.show", exercise_id=exercise_id))
    try:
        with changes() as db:
            audit = service.start(exercise_id, current_actor(), session=db)
    except service.ExerciseRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("calibration.show", exercise_id=exercise_id))
    return redirect(url_for("audits.show", audit_id=audit.id))


@bp.route("/<int:exercise_id>/agreed", methods=["GET", "POST"])
@role_required(ADMIN)
@home_organisation_only
def agreed(exercise_id: int) -> str | Response | tuple[str, int]:
    db = get_session()
    page = service.load_exercise(exercise_id, current_actor(), session=db)
    form = AgreedForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            with changes():
                service.record_agreed(exercise_id, request.form, current_actor(), session=db)
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash("The agreed answers and grades are recorded.", "success")
            return redirect(url_for("calibration.show", exercise_id=exercise_id))
    typed = request.form if request.method == "POST" else _agreed_as_typed(page)
    html = render_template(
        "calibration/agreed.html",
        page=page,
        form=form,
        errors=errors,
        typed=typed,
        questions=service.compared_questions(page.questionnaire),
        graded=service.graded_items(page.questionnaire),
    )
    return (html, 400) if errors else html


def _agreed_as_typed(page: service.ExercisePage) -> dict[str, str]:
    return {f"{kind}-{item}": value for (kind, item), value in page.agreed.items()}


@bp.post("/<int:exercise_id>/reveal")
@role_required(ADMIN)
@home_organisation_only
def reveal(exercise_id: int) -> Response:
    form = ExerciseActionForm()
    if form.validate_on_submit():
        try:
            with changes() as db:
                service.reveal(exercise_id, current_actor(), session=db)
        except service.ExerciseRefused as refused:
            flash(str(refused), "error")
        else:
            flash("The exercise is revealed: everyone in it now sees the figures.", "success")
    return redirect(url_for("calibration.show", exercise_id=exercise_id))


# --- second audits and agreement -----------------------------------------------------------


@bp.get("/second-audits")
@role_required(ADMIN)
@home_organisation_only
def second_audits() -> str:
    settings = SecondAuditSettings.from_config(current_app.config)
    waiting = second_service.waiting(
        settings.any_service, session=get_session(), actor=current_actor()
    )
    return render_template(
        "calibration/second_audits.html",
        waiting=waiting,
        rate=settings.rate,
        form=ExerciseActionForm(),
        errors={},
    )


@bp.post("/second-audits/<int:audit_id>/assign")
@role_required(ADMIN)
@home_organisation_only
def assign_second_audit(audit_id: int) -> str | Response | tuple[str, int]:
    form = ExerciseActionForm()
    chosen = request.form.get(f"auditor-{audit_id}", "")
    if form.validate_on_submit():
        try:
            with changes() as db:
                second_service.assign(
                    audit_id, int(chosen) if chosen.isdigit() else 0, current_actor(), session=db
                )
        except FieldErrors as problems:
            return _second_audits_page(form, problems.errors), 400
        flash("The second audit is allocated: it is on the auditor's home page.", "success")
    return redirect(url_for("calibration.second_audits"))


def _second_audits_page(form: ExerciseActionForm, errors: dict[str, str]) -> str:
    settings = SecondAuditSettings.from_config(current_app.config)
    return render_template(
        "calibration/second_audits.html",
        waiting=second_service.waiting(
            settings.any_service, session=get_session(), actor=current_actor()
        ),
        rate=settings.rate,
        form=form,
        errors=errors,
    )


@bp.get("/agreement")
@role_required(ADMIN, MANAGER)
@home_organisation_only
def agreement() -> str:
    found = agreement_report.agreement_figures(
        current_actor(), int(current_app.config["AGREEMENT_MIN_UNITS"]), session=get_session()
    )
    return render_template("calibration/agreement.html", found=found)


@bp.get("/agreement.csv")
@role_required(ADMIN, MANAGER)
@home_organisation_only
@export_limited
def agreement_csv() -> Response:
    db = get_session()
    found = agreement_report.agreement_figures(
        current_actor(), int(current_app.config["AGREEMENT_MIN_UNITS"]), session=db
    )
    rows = export_rows(found)
    with changes():
        agreement_report.record_agreement_export(current_actor(), len(rows) - 1, session=db)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return Response(
        (BOM + buffer.getvalue()).encode("utf-8"),
        headers={
            "Content-Disposition": 'attachment; filename="agreement.csv"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )
