"""Admin pages: grants to visiting auditors (cross-borough and peer audits). The home
organisation's admins (the QA lead) make batches of grants, change their windows and revoke
them; a partner organisation's admins see their own people's grants."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from audit_app import clock
from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.db import changes, get_session
from audit_app.models import CaseGrant, GrantBatch
from audit_app.services import grant_batches as service
from audit_app.services.errors import FieldErrors
from audit_app.views.admin import bp

Page = str | Response | tuple[str, int]


def _parts(name: str) -> tuple[str, str, str]:
    """A date as typed in the form's day, month and year boxes."""
    return tuple(request.form.get(f"{name}-{part}", "") for part in ("day", "month", "year"))  # type: ignore[return-value]


def _window() -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    return _parts("starts"), _parts("ends")


@bp.route("/grants", methods=["GET", "POST"])
@role_required("admin")
def grants() -> Page:
    """The batches of grants and a form to make one (the home organisation's admins); a
    partner organisation's admins see their people's grants."""
    if not getattr(current_user, "home", False):
        return _grants_of_people()
    errors: dict[str, str] = {}
    typed = {
        "title": request.form.get("title", ""),
        "purpose": request.form.get("purpose", ""),
        "pseudonymised": request.form.get("pseudonymised", "yes"),
    }
    if request.method == "POST":
        try:
            with changes() as db:
                batch = service.make_batch(
                    typed["title"],
                    typed["purpose"],
                    typed["pseudonymised"] != "no",
                    current_actor(),
                    session=db,
                )
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash(f"{batch.title} has been made. Now grant its cases.", "success")
            return redirect(url_for("admin.grant_batch", batch_id=batch.id))
    return _batches_page(typed, errors)


def _batches_page(typed: dict[str, str], errors: dict[str, str]) -> Page:
    page = render_template(
        "admin/grants.html",
        batches=service.list_batches(session=get_session(), today=clock.today()),
        purposes=service.BATCH_PURPOSES,
        typed=typed,
        errors=errors,
    )
    return (page, 400) if errors else page


def _grants_of_people() -> str:
    """A partner organisation's admins read their people's grants; they make none."""
    if request.method == "POST":
        abort(403)
    rows = service.grants_of_people(current_actor(), session=get_session(), today=clock.today())
    return render_template("admin/grants_of_people.html", rows=rows)


@bp.route("/grants/<int:batch_id>", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def grant_batch(batch_id: int) -> Page:
    """A batch: its grants with the mapping of pseudonym to reference, the external audits
    made under it, and a form to grant a visiting auditor more cases."""
    batch = service.load_batch(batch_id, session=get_session())
    errors: dict[str, str] = {}
    typed = {
        "visitor": request.form.get("visitor", ""),
        "references": request.form.get("references", ""),
    }
    if request.method == "POST":
        try:
            with changes() as db:
                made = service.add_grants(
                    batch,
                    typed["visitor"],
                    typed["references"],
                    _window(),
                    current_actor(),
                    session=db,
                )
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash(f"{len(made)} {'case' if len(made) == 1 else 'cases'} granted.", "success")
            return redirect(url_for("admin.grant_batch", batch_id=batch_id))
    return _batch_page(batch, typed, errors)


def _batch_page(batch: GrantBatch, typed: dict[str, str], errors: dict[str, str]) -> Page:
    db = get_session()
    page = render_template(
        "admin/grant_batch.html",
        page=service.batch_page(batch, session=db, today=clock.today()),
        visitors=service.visitors(session=db),
        typed=typed,
        starts=_parts("starts"),
        ends=_parts("ends"),
        errors=errors,
    )
    return (page, 400) if errors else page


def _load(batch_id: int, grant_id: int) -> tuple[GrantBatch, CaseGrant]:
    db = get_session()
    batch = service.load_batch(batch_id, session=db)
    return batch, service.load_grant(batch, grant_id, session=db)


@bp.route("/grants/<int:batch_id>/grants/<int:grant_id>/window", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def grant_window(batch_id: int, grant_id: int) -> Page:
    """Shorten or extend one grant's window."""
    batch, grant = _load(batch_id, grant_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            with changes() as db:
                service.change_window(grant, _window(), current_actor(), session=db)
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash("The window has been changed.", "success")
            return redirect(url_for("admin.grant_batch", batch_id=batch_id))
        starts, ends = _window()
    else:
        starts = _day_parts(grant.starts_on)
        ends = _day_parts(grant.ends_on)
    page = render_template(
        "admin/grant_window.html",
        batch=batch,
        grant=grant,
        case_ref=service.case_ref_of(grant, session=get_session()),
        starts=starts,
        ends=ends,
        errors=errors,
    )
    return (page, 400) if errors else page


def _day_parts(day: object) -> tuple[str, str, str]:
    return (str(day.day), str(day.month), str(day.year))  # type: ignore[attr-defined]


@bp.post("/grants/<int:batch_id>/grants/<int:grant_id>/revoke")
@role_required("admin")
@home_organisation_only
def grant_revoke(batch_id: int, grant_id: int) -> Response:
    """End a grant now."""
    _batch, grant = _load(batch_id, grant_id)
    with changes() as db:
        service.revoke(grant, current_actor(), session=db)
    flash("The grant has been revoked: it gives no access from now.", "success")
    return redirect(url_for("admin.grant_batch", batch_id=batch_id))
