"""Admin page: the organisations (the council and its partner agencies), for the home
organisation's admins."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.db import changes, get_session
from audit_app.forms.admin import OrganisationForm, password_context_words
from audit_app.services import organisations as organisation_service
from audit_app.services.accounts import AccountError
from audit_app.services.errors import FieldErrors
from audit_app.views.admin import bp
from audit_app.views.admin.users import error_list


@bp.route("/organisations", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def organisations() -> str | Response | tuple[str, int]:
    """Every organisation, with a form to add a partner organisation and its first admin."""
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            with changes():
                added = _add(form)
        except FieldErrors as problems:
            for key, message in problems.errors.items():
                getattr(form, key).errors = [message]
        except AccountError as error:
            form.username.errors = [str(error)]
        else:
            flash(
                f"{added} has been added. Its first admin must change their password and set up "
                "two-factor authentication when they first sign in.",
                "success",
            )
            return redirect(url_for("admin.organisations"))
    page = render_template(
        "admin/organisations.html",
        form=form,
        errors=error_list(*form.fields_in_page_order()),
        rows=organisation_service.list_organisations(session=get_session()),
    )
    return (page, 400) if form.errors else page


def _add(form: OrganisationForm) -> str:
    """The organisation the form describes, with its first admin; its name."""
    organisation = organisation_service.add_partner(
        form.name.data or "",
        form.kind.data or "",
        organisation_service.FirstAdmin(
            username=form.username.data or "",
            password=form.password.data or "",
            display_name=form.display_name.data or "",
        ),
        session=get_session(),
        actor=current_actor(),
        context_words=password_context_words(),
    )
    return organisation.name
