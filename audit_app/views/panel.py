"""A multi-agency audit's panel: the discussion and its conclusions, the actions given to
agencies, and each agency's download (docs/multi-agency-audits.md, The panel)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response as BaseResponse

from audit_app import clock
from audit_app.auth import current_actor, role_required
from audit_app.core.panel import ACTION_STATUS_NAMES, MULTI_AGENCY_STATUS_NAMES, OFSTED_GRADES
from audit_app.core.partnership import DOMAINS
from audit_app.core.roles import READERS, STAFF
from audit_app.db import changes, get_session
from audit_app.forms.panel import (
    CancelActionForm,
    CompleteActionForm,
    ConcludeForm,
    DiscussionForm,
    NewAgencyActionForm,
)
from audit_app.services import agency_actions, panel, panel_export
from audit_app.views.saving import Saved, save
from audit_app.web import export_limited

bp = Blueprint("panel", __name__)

WORDS = {
    "domains": DOMAINS,
    "grades": OFSTED_GRADES,
    "statuses": MULTI_AGENCY_STATUS_NAMES,
    "action_statuses": ACTION_STATUS_NAMES,
}


def _typed() -> dict[str, tuple[str, str]]:
    """Each domain's grade and analysis as typed on the discussion page."""
    return {
        domain: (
            request.form.get(f"{domain}-grade", ""),
            request.form.get(f"{domain}-analysis", ""),
        )
        for domain in DOMAINS
    }


def _shown(discussion: panel.Discussion) -> dict[str, tuple[str, str]]:
    """Each domain's grade and analysis as saved."""
    rows = discussion.conclusions
    return {
        domain: ((rows[domain].grade or "", rows[domain].analysis) if domain in rows else ("", ""))
        for domain in DOMAINS
    }


@bp.route("/multi-agency/<int:audit_id>/discussion", methods=["GET", "POST"])
@role_required(*STAFF)
def discussion(audit_id: int) -> str | BaseResponse | tuple[str, int]:
    if request.method == "GET":
        with changes() as db:  # opening the concluded conclusions is in the trail
            found = panel.open_discussion(audit_id, current_actor(), session=db)
        return _discussion_page(found, _shown(found), DiscussionForm())
    found = panel.load_discussion(audit_id, current_actor(), session=get_session())
    form = DiscussionForm()
    saved: Saved[panel.Discussion] = Saved()
    if form.validate_on_submit():
        typed = _typed()
        saved = save(
            lambda: panel.save_discussion(
                audit_id, typed, form.expected_version(), current_actor(), session=get_session()
            )
        )
        if saved.refusal is not None:
            flash(saved.refusal, "info")
            return redirect(url_for("panel.discussion", audit_id=audit_id))
        if saved.done:
            flash("Discussion saved.", "success")
            return redirect(url_for("panel.discussion", audit_id=audit_id))
        found = panel.load_discussion(audit_id, current_actor(), session=get_session())
        return _discussion_page(found, typed, form, saved), saved.status
    return _discussion_page(found, _shown(found), form), 400


def _version_shown(found: panel.Discussion, form: DiscussionForm, saved: Saved[object]) -> int:
    """The version the page carries: the latest once told it was out of date, else still the
    one it was opened at, so that a save after a mistake is still checked against it."""
    if saved.errors:
        return form.expected_version()
    return found.audit.version


def _discussion_page(
    found: panel.Discussion,
    values: dict[str, tuple[str, str]],
    form: DiscussionForm,
    saved: Saved[panel.Discussion] | None = None,
) -> str:
    saved = saved or Saved()
    return render_template(
        "multi_agency/panel_discussion.html",
        found=found,
        values=values,
        saved_now=_shown(found) if saved.stale else {},
        version=_version_shown(found, form, saved),
        form=form,
        errors=saved.errors,
        notice=saved.notice,
        **WORDS,
    )


@bp.route("/multi-agency/<int:audit_id>/discussion/conclude", methods=["GET", "POST"])
@role_required(*STAFF)
def conclude(audit_id: int) -> str | BaseResponse | tuple[str, int]:
    found = panel.load_discussion(audit_id, current_actor(), session=get_session())
    back = url_for("panel.discussion", audit_id=audit_id)
    if not found.is_coordinator:
        raise NotFound()
    if found.concluded:
        flash(panel.CONCLUDED_MESSAGE, "info")
        return redirect(back)
    form = ConcludeForm()
    saved: Saved[panel.Discussion] = Saved()
    if form.validate_on_submit():
        saved = save(lambda: _conclude_as_asked(audit_id, form))
        if saved.done or saved.refusal is not None:
            flash(saved.refusal or "The panel's conclusions are final.", "success")
            return redirect(back)
        found = panel.load_discussion(audit_id, current_actor(), session=get_session())
    return render_template(
        "multi_agency/panel_conclude.html",
        found=found,
        form=form,
        errors=saved.errors,
        notice=saved.notice,
        **WORDS,
    ), saved.status


def _conclude_as_asked(audit_id: int, form: ConcludeForm) -> panel.Discussion:
    """Conclude from the version the page showed, confirmed or not as the form says."""
    return panel.conclude(
        audit_id,
        form.expected_version(),
        bool(form.confirm.data),
        current_actor(),
        session=get_session(),
    )


def _due() -> tuple[str, str, str]:
    """The due date as typed in the form's day, month and year boxes."""
    return (
        request.form.get("due-day", ""),
        request.form.get("due-month", ""),
        request.form.get("due-year", ""),
    )


@bp.route("/multi-agency/<int:audit_id>/actions", methods=["GET", "POST"])
@role_required(*STAFF)
def actions(audit_id: int) -> str | BaseResponse | tuple[str, int]:
    page = agency_actions.load_actions_page(
        audit_id, current_actor(), session=get_session(), today=clock.today()
    )
    if request.method == "POST" and not page.may_add:
        raise NotFound()
    form = NewAgencyActionForm()
    due = _due()
    saved: Saved[object] = Saved()
    if form.validate_on_submit():
        saved = save(lambda: _add_as_asked(audit_id, form, due))
        if saved.done:
            flash("Action given to the agency.", "success")
            return redirect(url_for("panel.actions", audit_id=audit_id))
    return render_template(
        "multi_agency/actions.html",
        page=page,
        form=form,
        due=due,
        errors=saved.errors,
        may_change=lambda action: agency_actions.may_change_action(current_actor(), action),
        **WORDS,
    ), saved.status


def _add_as_asked(audit_id: int, form: NewAgencyActionForm, due: tuple[str, str, str]) -> object:
    """Give the action the form describes to the agency it names."""
    return agency_actions.add_action(
        audit_id,
        organisation_id=form.organisation.data or "",
        description=form.description.data or "",
        due=due,
        actor=current_actor(),
        session=get_session(),
        today=clock.today(),
    )


@bp.route("/multi-agency/<int:audit_id>/actions/<int:action_id>/complete", methods=["GET", "POST"])
@role_required(*STAFF)
def action_complete(audit_id: int, action_id: int) -> str | BaseResponse | tuple[str, int]:
    return _close(audit_id, action_id, "complete")


@bp.route("/multi-agency/<int:audit_id>/actions/<int:action_id>/cancel", methods=["GET", "POST"])
@role_required(*STAFF)
def action_cancel(audit_id: int, action_id: int) -> str | BaseResponse | tuple[str, int]:
    return _close(audit_id, action_id, "cancel")


DONE_MESSAGES = {"complete": "Action done.", "cancel": "Action cancelled."}


def _close(audit_id: int, action_id: int, kind: str) -> str | BaseResponse | tuple[str, int]:
    """Marking an agency's open action done or cancelled: the form, and saving it."""
    found = _to_change(audit_id, action_id)
    back = url_for("panel.actions", audit_id=audit_id)
    if found.action.status != "open":
        flash(f"This action is already {ACTION_STATUS_NAMES[found.action.status].lower()}.", "info")
        return redirect(back)
    form = CompleteActionForm() if kind == "complete" else CancelActionForm()
    saved: Saved[object] = Saved()
    if form.validate_on_submit():
        status, typed = (
            ("done", form.completion_note.data)
            if isinstance(form, CompleteActionForm)
            else ("cancelled", form.cancel_reason.data)
        )
        saved = save(
            lambda: agency_actions.close_action(
                audit_id,
                action_id,
                status,
                typed or "",
                form.expected_version(),
                current_actor(),
                session=get_session(),
                today=clock.today(),
            )
        )
        if saved.done or saved.refusal is not None:
            flash(saved.refusal or DONE_MESSAGES[kind], "info" if saved.refusal else "success")
            return redirect(back)
        if saved.stale:
            found = _to_change(audit_id, action_id)
    return render_template(
        "multi_agency/actions_close.html",
        found=found,
        form=form,
        kind=kind,
        errors=saved.errors,
        notice=saved.notice,
        **WORDS,
    ), saved.status


def _to_change(audit_id: int, action_id: int) -> agency_actions.FoundAction:
    return agency_actions.load_action(
        audit_id,
        action_id,
        current_actor(),
        session=get_session(),
        today=clock.today(),
        to_change=True,
    )


@bp.get("/multi-agency/<int:audit_id>/export.csv")
@role_required(*STAFF)
@export_limited
def export(audit_id: int) -> Response:
    organisation = request.args.get("organisation", "")
    organisation_id = int(organisation) if organisation.isdigit() else None
    with changes() as db:
        name, rows = panel_export.agency_export(
            audit_id, organisation_id, current_actor(), session=db
        )
    return Response(
        panel_export.csv_text(rows),
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.get("/multi-agency/actions")
@role_required(*READERS)
def agency_actions_list() -> str:
    me = current_actor()
    return render_template(
        "multi_agency/actions_agency.html",
        rows=agency_actions.own_agency_actions(me, session=get_session(), today=clock.today()),
        may_change=lambda action: agency_actions.may_change_action(me, action),
        **WORDS,
    )
