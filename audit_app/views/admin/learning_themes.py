"""Admin page: the learning themes findings are tagged with, which the QA lead manages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.db import changes, get_session
from audit_app.forms.learning import ButtonForm, LearningThemeForm
from audit_app.models import LearningTheme
from audit_app.services import learning
from audit_app.services.errors import FieldErrors
from audit_app.views.admin import bp


@bp.route("/learning-themes", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def learning_themes() -> str | Response | tuple[str, int]:
    """Every learning theme, with how many findings it has, and a form to add one."""
    form = LearningThemeForm()
    if form.validate_on_submit():
        try:
            with changes():
                added = learning.add_theme(
                    form.name.data or "", session=get_session(), actor=current_actor()
                )
        except FieldErrors as problems:
            form.name.errors = [problems.errors["name"]]
        else:
            flash(
                f"{added.name} has been added: auditors and moderators may now use it.", "success"
            )
            return redirect(url_for("admin.learning_themes"))
    db = get_session()
    page = render_template(
        "admin/learning_themes.html",
        form=form,
        themes=learning.learning_themes(session=db),
        usage=learning.theme_usage(session=db),
        button=ButtonForm(),
    )
    return (page, 400) if form.errors else page


@bp.route("/learning-themes/<int:theme_id>", methods=["GET", "POST"])
@role_required("admin")
@home_organisation_only
def learning_theme(theme_id: int) -> str | Response | tuple[str, int]:
    """Rename a learning theme: its findings keep it, under its new name."""
    theme = learning.get_theme(theme_id, session=get_session())
    form = LearningThemeForm(data={"name": theme.name} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            with changes():
                renamed = learning.rename_theme(
                    theme_id, form.name.data or "", session=get_session(), actor=current_actor()
                )
        except FieldErrors as problems:
            form.name.errors = [problems.errors["name"]]
        else:
            flash("Learning theme renamed." if renamed else "The name was unchanged.", "success")
            return redirect(url_for("admin.learning_themes"))
    page = render_template("admin/learning_theme.html", form=form, theme=_fresh(theme_id))
    return (page, 400) if form.errors else page


def _fresh(theme_id: int) -> LearningTheme:
    return learning.get_theme(theme_id, session=get_session())


@bp.post("/learning-themes/<int:theme_id>/retire")
@role_required("admin")
@home_organisation_only
def learning_theme_retire(theme_id: int) -> Response:
    """Retire a learning theme (no longer offered; its findings still count), or bring it back."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    retire = request.form.get("retire") != "no"
    with changes():
        learning.retire_theme(theme_id, retire, session=get_session(), actor=current_actor())
    name = _fresh(theme_id).name
    flash(f"{name} has been {'retired' if retire else 'brought back'}.", "success")
    return redirect(url_for("admin.learning_themes"))
