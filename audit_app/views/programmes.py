"""Audit programmes (/programmes): planned, given quotas and a list of cases, drawn, and followed
on their coverage page; and the service-wide list of cases not audited in 12 months. For the
people who manage allocations (admins) only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from audit_app import clock
from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.db import changes, get_session
from audit_app.forms.programmes import CaseListForm, PlanForm, ProgrammeDrawForm, QuotasForm
from audit_app.services import programme_coverage
from audit_app.services import programmes as programme_service
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.allocations import DrawRefused
from audit_app.services.csv_files import ImportRefused
from audit_app.services.errors import FieldErrors
from audit_app.views.admin.cases import refused_upload, wtforms_error_list

bp = Blueprint("programmes", __name__, url_prefix="/programmes")


def _questionnaire_choices() -> list[tuple[str, str]]:
    return [
        (v.questionnaire_id, v.title)
        for v in questionnaire_service.current_versions(session=get_session())
    ]


@bp.get("")
@role_required("admin")
@home_organisation_only
def index() -> str:
    """Every programme, with a link to plan one."""
    db = get_session()
    return render_template(
        "programmes/index.html",
        programmes=programme_service.list_programmes(session=db),
        titles=dict(_questionnaire_choices()),
        kinds=programme_service.KIND_NAMES,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def new() -> str | tuple[str, int] | Response:
    """Plan a programme: name, kind, questionnaire, period and strata."""
    form = PlanForm()
    form.questionnaire.choices = [SelectChoice(v, t) for v, t in _questionnaire_choices()]
    if form.is_submitted():
        form.validate()  # reads the dates; the service checks every value
        try:
            with changes() as db:
                programme = programme_service.plan_programme(
                    _plan_values(form), session=db, actor=current_actor()
                )
        except FieldErrors as problems:
            for name, message in problems.errors.items():
                field = getattr(form, name)
                field.errors = list(field.errors or []) or [message]
        else:
            flash(f"{programme.name} has been planned: set its quotas, then draw.", "success")
            return redirect(url_for("programmes.show", programme_id=programme.id))
    errors = [e for e in wtforms_error_list(form) if e["href"] != "#csrf_token"]
    page = render_template("programmes/new.html", form=form, error_list=errors)
    return (page, 400) if errors else page


def _plan_values(form: PlanForm) -> programme_service.PlanValues:
    return programme_service.PlanValues(
        name=form.name.data or "",
        kind=form.kind.data or "",
        questionnaire_id=form.questionnaire.data or "",
        start=form.start.data,
        end=form.end.data,
        strata_by=form.strata_by.data or "",
    )


def _show_page(
    programme_id: int, error_list: list[dict[str, str]] | None = None, **forms: Any
) -> str | tuple[str, int]:
    db = get_session()
    programme = programme_service.get_programme(programme_id, session=db)
    forms.setdefault("quotas_form", QuotasForm(formdata=None))
    forms.setdefault("list_form", CaseListForm(formdata=None))
    forms.setdefault("draw_form", ProgrammeDrawForm(formdata=None))
    page = render_template(
        "programmes/show.html",
        programme=programme,
        strata=programme_service.strata_of(programme_id, session=db),
        listed=programme_service.listed_cases(programme_id, session=db),
        kinds=programme_service.KIND_NAMES,
        titles=dict(_questionnaire_choices()),
        quota_field=programme_service.quota_field,
        typed=request.form if request.method == "POST" else {},
        error_list=error_list or [],
        **forms,
    )
    return (page, 400) if error_list else page


@bp.get("/<int:programme_id>")
@role_required("admin")
@home_organisation_only
def show(programme_id: int) -> str | tuple[str, int]:
    """A programme: its plan, quotas, list of cases and draw."""
    return _show_page(programme_id)


@bp.post("/<int:programme_id>/quotas")
@role_required("admin")
@home_organisation_only
def quotas(programme_id: int) -> str | tuple[str, int] | Response:
    form = QuotasForm()
    typed = {k: v for k, v in request.form.items() if k.startswith("quota-")}
    try:
        with changes() as db:
            programme_service.set_quotas(programme_id, typed, session=db, actor=current_actor())
    except FieldErrors as problems:
        errors = [{"text": m, "href": f"#{k}"} for k, m in problems.errors.items()]
        return _show_page(programme_id, errors, quotas_form=form, field_errors=problems.errors)
    flash("Quotas saved.", "success")
    return redirect(url_for("programmes.show", programme_id=programme_id))


@bp.post("/<int:programme_id>/cases")
@role_required("admin")
@home_organisation_only
def case_list(programme_id: int) -> str | tuple[str, int] | Response:
    form = CaseListForm()
    programme_service.get_programme(programme_id, session=get_session())
    if not form.validate_on_submit():
        return _show_page(programme_id, wtforms_error_list(form), list_form=form)
    try:
        with changes() as db:
            count = programme_service.import_case_list(
                programme_id, form.cases_file.data.read(), session=db, actor=current_actor()
            )
    except ImportRefused as refused:
        errors = refused_upload(form.cases_file, refused)
        return _show_page(programme_id, errors, list_form=form)
    flash(f"The list of {count} cases is now the programme's frame.", "success")
    return redirect(url_for("programmes.show", programme_id=programme_id))


@bp.post("/<int:programme_id>/draw")
@role_required("admin")
@home_organisation_only
def draw(programme_id: int) -> str | tuple[str, int] | Response:
    form = ProgrammeDrawForm()
    try:
        with changes() as db:
            drawn = programme_service.draw_programme(
                programme_id, session=db, actor=current_actor(), seed=form.seed.data or ""
            )
    except DrawRefused as refused:
        href = "#seed" if refused.field == "seed" else "#quotas"
        if refused.field == "seed":
            form.seed.errors = [str(refused)]
        errors = [{"text": str(refused), "href": href}]
        return _show_page(programme_id, errors, draw_form=form)
    flash(" ".join(drawn.lines()), "success")
    return redirect(url_for("programmes.coverage", programme_id=programme_id))


@bp.get("/<int:programme_id>/coverage")
@role_required("admin")
@home_organisation_only
def coverage(programme_id: int) -> str:
    """Which strata, teams and workers have been audited, and progress against the quotas."""
    found = programme_coverage.coverage(programme_id, session=get_session())
    return render_template(
        "programmes/coverage.html", coverage=found, kinds=programme_service.KIND_NAMES
    )


@bp.get("/not-audited")
@role_required("admin")
@home_organisation_only
def not_audited() -> str:
    """Every case not audited in the last 12 months, service-wide."""
    found = programme_coverage.not_audited_in_12_months(
        clock.today(), session=get_session(), actor=current_actor()
    )
    return render_template("programmes/not_audited.html", found=found)
