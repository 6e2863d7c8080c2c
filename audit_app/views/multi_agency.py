"""Multi-agency audits (/multi-agency): opening one, its page with each agency's return and
its progress, starting a return, closing the returns and naming the panel's members.

The pages the panel's discussion, conclusions, actions and exports take are linked from the
multi-agency audit's page, in its "Panel" section.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from audit_app import clock
from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.core.roles import AUDITORS, STAFF
from audit_app.db import changes, get_session
from audit_app.forms.multi_agency import ButtonForm, CloseReturnsForm, OpenForm, PanelMemberForm
from audit_app.services import agency_actions
from audit_app.services import multi_agency as service
from audit_app.services.errors import FieldErrors, NotFound, Refused, Stale

bp = Blueprint("multi_agency", __name__, url_prefix="/multi-agency")

ERROR_ANCHORS = {"due": "due-day", "agencies": "agency-first", "lawful_basis": "lawful_basis"}


@bp.get("")
@role_required(*STAFF)
def index() -> str:
    """The multi-agency audits the person sees, with their agency's returns' progress."""
    db = get_session()
    actor = current_actor()
    return render_template(
        "multi_agency/index.html",
        rows=service.list_for(actor, session=db),
        may_open=service.may_open(actor, session=db),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*service.OPENERS)
@home_organisation_only
def new() -> str | tuple[str, int] | Response:
    """Open a multi-agency audit, as its coordinator."""
    form = OpenForm()
    errors: dict[str, str] = {}
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            with changes() as db:
                opened = service.open_multi_agency(
                    _opening_values(), current_actor(), session=db, today=clock.today()
                )
        except FieldErrors as problems:
            errors = problems.errors
        else:
            flash(f"{opened.title} is open: each agency can now start its returns.", "success")
            return redirect(url_for("multi_agency.show", multi_agency_id=opened.id))
    page = _opening_page(form, errors)
    return (page, 400) if errors else page


def _opening_values() -> service.OpeningValues:
    typed = request.form
    agencies = {}
    for name in typed:
        if name.startswith("agency-") and name.removeprefix("agency-").isdigit():
            org_id = int(name.removeprefix("agency-"))
            agencies[org_id] = typed.get(f"questionnaire-{org_id}", "")
    return service.OpeningValues(
        title=typed.get("title", ""),
        theme=typed.get("theme", ""),
        references=typed.get("references", ""),
        agencies=agencies,
        due=(typed.get("due-day", ""), typed.get("due-month", ""), typed.get("due-year", "")),
        sharing_agreement=typed.get("sharing_agreement", ""),
        lawful_basis=typed.get("lawful_basis", ""),
        lawful_basis_other=typed.get("lawful_basis_other", ""),
    )


def _opening_page(form: OpenForm, errors: dict[str, str]) -> str:
    db = get_session()
    return render_template(
        "multi_agency/new.html",
        form=form,
        errors=errors,
        anchors=ERROR_ANCHORS,
        typed=request.form,
        organisations=service.organisations(session=db),
        questionnaires=service.return_questionnaires(session=db),
        bases=service.lawful_bases(session=db, current_only=True),
        other=service.OTHER,
    )


@bp.get("/<int:multi_agency_id>")
@role_required(*STAFF)
def show(multi_agency_id: int) -> str:
    """The multi-agency audit: its cases, agencies, agreement, status and returns."""
    db, me = get_session(), current_actor()
    page = service.page_of(multi_agency_id, me, session=db)
    links = agency_actions.panel_links(page.multi_agency, me, session=db)
    return render_template("multi_agency/show.html", page=page, links=links, button=ButtonForm())


@bp.post("/returns/<int:return_id>/start")
@role_required(*AUDITORS)
def start_return(return_id: int) -> Response:
    """Start (or continue) the person's agency's return: an audit of their organisation."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        with changes() as db:
            audit = service.start_return(return_id, current_actor(), session=db)
    except NotFound:
        raise
    except Refused as refused:
        flash(str(refused), "info")
        return redirect(url_for("multi_agency.index"))
    return redirect(url_for("audits.show", audit_id=audit.id))


@bp.route("/<int:multi_agency_id>/close", methods=["GET", "POST"])
@role_required(*STAFF)
def close(multi_agency_id: int) -> str | tuple[str, int] | Response:
    """The coordinator closes the returns before every one is in: a confirmation, a reason."""
    db = get_session()
    page = service.page_of(multi_agency_id, current_actor(), session=db)
    if not page.is_coordinator or page.multi_agency.status != service.OPEN:
        abort(403)
    form = CloseReturnsForm()
    error = None
    if form.is_submitted():
        if not form.validate():
            abort(400)
        error = _close_returns(multi_agency_id, form)
        if error is None:
            return redirect(url_for("multi_agency.show", multi_agency_id=multi_agency_id))
    html = render_template(
        "multi_agency/close.html", page=page, form=form, error=error, typed=request.form
    )
    return (html, 400) if error else html


def _close_returns(multi_agency_id: int, form: CloseReturnsForm) -> str | None:
    """Close the returns as asked; the problem with the reason, if any."""
    try:
        with changes() as db:
            service.close_returns(
                multi_agency_id,
                request.form.get("reason", ""),
                _seen_version(form),
                current_actor(),
                session=db,
            )
    except FieldErrors as problems:
        return problems.errors["reason"]
    except Stale as stale:
        flash(str(stale), "info")
    else:
        flash("The returns are closed: the panel can now read them.", "success")
    return None


def _seen_version(form: CloseReturnsForm) -> int:
    seen = form.seen_version.data or ""
    return int(seen) if seen.isdigit() else 0


@bp.route("/<int:multi_agency_id>/panel-members", methods=["GET", "POST"])
@role_required(*STAFF)
def panel_members(multi_agency_id: int) -> str | tuple[str, int] | Response:
    """The panel: the coordinator and the people each agency named; an agency's admins and
    group managers name their own people to it, and take them off."""
    form = PanelMemberForm()
    error = None
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            with changes() as db:
                user = service.add_panel_member(
                    multi_agency_id, request.form.get("user", ""), current_actor(), session=db
                )
        except FieldErrors as problems:
            error = problems.errors["user"]
        except NotFound:
            raise
        except Refused:
            abort(403)
        else:
            flash(f"{user.display_name or user.username} is on the panel.", "success")
            return redirect(url_for("multi_agency.panel_members", multi_agency_id=multi_agency_id))
    html = _panel_page(multi_agency_id, form, error)
    return (html, 400) if error else html


def _panel_page(multi_agency_id: int, form: PanelMemberForm, error: str | None) -> str:
    db = get_session()
    actor = current_actor()
    page = service.page_of(multi_agency_id, actor, session=db)
    return render_template(
        "multi_agency/panel_members.html",
        page=page,
        form=form,
        error=error,
        members=service.panel_of(page.multi_agency, actor, session=db),
        candidates=service.panel_candidates(page.multi_agency, actor, session=db)
        if page.may_name_panel
        else [],
        typed=request.form,
    )


@bp.post("/<int:multi_agency_id>/panel-members/<int:user_id>/remove")
@role_required(*STAFF)
def remove_panel_member(multi_agency_id: int, user_id: int) -> Response:
    """Take one of the person's agency's people off the panel."""
    if not PanelMemberForm().validate_on_submit():
        abort(400)
    try:
        with changes() as db:
            user = service.remove_panel_member(
                multi_agency_id, user_id, current_actor(), session=db
            )
    except NotFound:
        raise
    except Refused:
        abort(403)
    flash(f"{user.display_name or user.username} is no longer on the panel.", "success")
    return redirect(url_for("multi_agency.panel_members", multi_agency_id=multi_agency_id))
