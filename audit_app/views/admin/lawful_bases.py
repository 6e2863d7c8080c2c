"""Admin page: the lawful bases a multi-agency audit may run under, which the home
organisation's admins manage."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.db import changes, get_session
from audit_app.forms.multi_agency import ButtonForm, LawfulBasisForm
from audit_app.services import multi_agency
from audit_app.services.errors import FieldErrors
from audit_app.views.admin import bp


@bp.route("/lawful-bases", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def lawful_bases() -> str | Response | tuple[str, int]:
    """Every lawful basis, with a form to add one."""
    form = LawfulBasisForm()
    if form.validate_on_submit():
        try:
            with changes():
                added = multi_agency.add_lawful_basis(
                    form.name.data or "", session=get_session(), actor=current_actor()
                )
        except FieldErrors as problems:
            form.name.errors = [problems.errors["name"]]
        else:
            flash(f"{added.name} has been added to the list.", "success")
            return redirect(url_for("admin.lawful_bases"))
    page = render_template(
        "admin/lawful_bases.html",
        form=form,
        bases=multi_agency.lawful_bases(session=get_session()),
        button=ButtonForm(),
    )
    return (page, 400) if form.errors else page


@bp.post("/lawful-bases/<int:basis_id>/retire")
@role_required("admin")
@home_organisation_only
def lawful_basis_retire(basis_id: int) -> Response:
    """Retire a lawful basis (no longer offered; audits that name it keep it), or bring it
    back."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    retire = request.form.get("retire") != "no"
    with changes():
        name = multi_agency.retire_lawful_basis(
            basis_id, retire, session=get_session(), actor=current_actor()
        )
    flash(f"{name} has been {'retired' if retire else 'brought back'}.", "success")
    return redirect(url_for("admin.lawful_bases"))
