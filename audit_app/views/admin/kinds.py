"""Admin page: the kinds of audit the council declares, which questionnaires name."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.db import changes, get_session
from audit_app.forms.admin import KindForm
from audit_app.services import kinds as kind_service
from audit_app.services.errors import FieldErrors
from audit_app.views.admin import bp
from audit_app.views.admin.users import error_list

DONE = {
    "declared": "{} has been declared: questionnaires may now name it.",
    "renamed": "{} has been renamed.",
    "unchanged": "{} already has that name: nothing was changed.",
}


@bp.route("/kinds", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def kinds() -> str | Response | tuple[str, int]:
    """Every declared kind of audit, with a form to declare or rename one."""
    form = KindForm()
    if form.validate_on_submit():
        try:
            with changes():
                done = kind_service.declare_kind(
                    form.name.data or "",
                    form.display_name.data or "",
                    session=get_session(),
                    actor=current_actor(),
                )
        except FieldErrors as problems:
            for key, message in problems.errors.items():
                getattr(form, key).errors = [message]
        else:
            flash(DONE[done].format((form.name.data or "").strip()), "success")
            return redirect(url_for("admin.kinds"))
    page = render_template(
        "admin/kinds.html",
        form=form,
        errors=error_list(form.name, form.display_name),
        kinds=kind_service.declared_kinds(session=get_session()),
    )
    return (page, 400) if form.errors else page
