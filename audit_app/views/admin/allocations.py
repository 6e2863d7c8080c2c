"""Admin pages: allocations of cases to auditors, imported from a CSV file or drawn at random."""

from __future__ import annotations

import random
from datetime import date

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from audit_app import clock
from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.core.dates import add_months, month_start
from audit_app.db import changes, get_session
from audit_app.forms.admin import AllocationsUploadForm, DrawForm
from audit_app.services import allocations as allocation_service
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.allocations import DrawRefused
from audit_app.services.csv_files import ImportRefused
from audit_app.views.admin import bp
from audit_app.views.admin.cases import listing_page, refused_upload, wtforms_error_list


def _month_choices(today: date) -> list[tuple[str, str]]:
    """Last month, this month and the next twelve."""
    first = add_months(month_start(today), -1)
    choices = []
    for offset in range(14):
        month = add_months(first, offset)
        choices.append((f"{month:%Y-%m}", f"{month:%B %Y}"))
    return choices


def _draw_form() -> DrawForm:
    form = DrawForm()
    today = clock.today()
    form.month.choices = _month_choices(today)
    if not form.is_submitted():
        form.month.data = form.month.choices[2][0]  # next month
    form.questionnaire.choices = [
        (v.questionnaire_id, v.title)
        for v in questionnaire_service.current_versions(session=get_session())
    ]
    return form


def _page(
    upload_form: AllocationsUploadForm,
    draw_form: DrawForm,
    error_list: list[dict[str, str]] | None = None,
) -> str | tuple[str, int]:
    return listing_page(
        "admin.allocations",
        allocation_service.list_allocations,
        error_list or [],
        upload_form=upload_form,
        draw_form=draw_form,
    )


@bp.get("/allocations")
@role_required("admin")
@home_organisation_only
def allocations() -> str | tuple[str, int]:
    """Every allocation, with forms to import more or draw them at random."""
    return _page(AllocationsUploadForm(formdata=None), _draw_form())


@bp.post("/allocations/import")
@role_required("admin")
@home_organisation_only
def allocations_import() -> str | tuple[str, int] | Response:
    form = AllocationsUploadForm()
    if not form.validate_on_submit():
        return _page(form, _draw_form(), wtforms_error_list(form))
    try:
        with changes() as db:
            summary = allocation_service.import_allocations(
                form.allocations_file.data.read(),
                session=db,
                actor=current_actor(),
            )
    except ImportRefused as refused:
        return _page(form, _draw_form(), refused_upload(form.allocations_file, refused))
    flash(f"Allocations imported. {summary}", "success")
    return redirect(url_for("admin.allocations"))


@bp.post("/allocations/draw")
@role_required("admin")
@home_organisation_only
def allocations_draw() -> str | tuple[str, int] | Response:
    form = _draw_form()
    upload_form = AllocationsUploadForm(formdata=None)
    if not form.validate_on_submit():
        return _page(upload_form, form, wtforms_error_list(form))
    try:
        with changes() as db:
            drawn = allocation_service.draw_allocations(
                session=db,
                actor=current_actor(),
                month=allocation_service.parse_month(form.month.data or ""),
                per_auditor=form.per_auditor.data or "",
                questionnaire_id=form.questionnaire.data or "",
                rng=random.Random(),
            )
    except DrawRefused as refused:
        return _page(upload_form, form, _refused_draw(form, refused))
    flash(" ".join(drawn.lines()), "success")
    return redirect(url_for("admin.allocations"))


def _refused_draw(form: DrawForm, refused: DrawRefused) -> list[dict[str, str]]:
    """Say why nothing was drawn, at the field at fault if there is one; the error summary."""
    field = getattr(form, refused.field or "", None)
    if field is not None:
        field.errors = [str(refused)]
    href = f"#{field.id}" if field is not None else "#draw"
    return [{"text": str(refused), "href": href}]
