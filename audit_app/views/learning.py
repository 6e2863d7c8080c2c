"""Findings and learning: tagging findings on an audit (its auditor, or a moderator), and the
learning report with its download and the QA lead's choice of quotations for the board paper."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from audit_app.auth import current_actor, role_required
from audit_app.core.limits import QUOTATION_MAX_LENGTH
from audit_app.core.roles import AUDITORS, MANAGERS, STAFF
from audit_app.db import changes, get_session
from audit_app.forms.learning import ButtonForm, FindingForm
from audit_app.reporting import learning as learning_report
from audit_app.reporting.database import ReportReader
from audit_app.reporting.report_page import ReportPage
from audit_app.services import learning
from audit_app.services import moderation as moderation_service
from audit_app.services import reports as report_service
from audit_app.services.audits import AuditFile, AuditNotFound
from audit_app.views.moderation import blind
from audit_app.views.reports import _reader, _refresh_summaries, _requester, _scope
from audit_app.views.saving import Saved, save
from audit_app.web import export_limited, report_limited

bp = Blueprint("learning", __name__)

PAGES = {
    learning.AUDITOR: "learning.audit_findings",
    learning.MODERATOR: "learning.moderation_findings",
}
REMOVALS = {
    learning.AUDITOR: "learning.remove_audit_finding",
    learning.MODERATOR: "learning.remove_moderation_finding",
}
REPORT_KEYS = ("from", "to", "questionnaire", "kind", "service", "team")
FIELDS = ("kind", "learning_theme", "quotation")


# --- tagging ----------------------------------------------------------------------------------


@bp.route("/audits/<int:audit_id>/findings", methods=["GET", "POST"])
@role_required(*AUDITORS)
def audit_findings(audit_id: int) -> str | Response | tuple[str, int]:
    """The auditor tags findings on their own audit, until it closes."""
    return _findings_page(audit_id, learning.AUDITOR)


@bp.route("/moderation/audits/<int:audit_id>/findings", methods=["GET", "POST"])
@role_required(*MANAGERS)
def moderation_findings(audit_id: int) -> str | Response | tuple[str, int]:
    """A manager of the audit's service tags findings as its moderator."""
    return _findings_page(audit_id, learning.MODERATOR)


@bp.post("/audits/<int:audit_id>/findings/<int:finding_id>/remove")
@role_required(*AUDITORS)
def remove_audit_finding(audit_id: int, finding_id: int) -> Response:
    return _remove(audit_id, finding_id, learning.AUDITOR)


@bp.post("/moderation/audits/<int:audit_id>/findings/<int:finding_id>/remove")
@role_required(*MANAGERS)
def remove_moderation_finding(audit_id: int, finding_id: int) -> Response:
    return _remove(audit_id, finding_id, learning.MODERATOR)


def _findings_page(audit_id: int, tagged_as: str) -> str | Response | tuple[str, int]:
    me = current_actor()
    audit_file = learning.load_for_tagging(audit_id, me, tagged_as, session=get_session())
    form = FindingForm()
    saved: Saved[object] = Saved()
    typed: dict[str, str] = {}
    if form.validate_on_submit():
        typed = {key: request.form.get(key, "") for key in FIELDS}
        saved = save(
            lambda: learning.tag_finding(
                audit_file,
                tagged_as,
                learning.Tag(**typed),
                form.seen.data or "",
                me,
                session=get_session(),
            )
        )
        if saved.refusal is not None:
            flash(saved.refusal, "info")
            return redirect(url_for("audits.show", audit_id=audit_id))
        if saved.done:
            flash("Finding saved.", "success")
            return redirect(url_for(PAGES[tagged_as], audit_id=audit_id))
    return _render_findings(audit_file, tagged_as, form, saved, typed), saved.status


def _render_findings(
    audit_file: AuditFile,
    tagged_as: str,
    form: FindingForm,
    saved: Saved[object],
    typed: dict[str, str],
) -> str:
    db, me = get_session(), current_actor()
    audit_id: int = audit_file.audit.id  # type: ignore[assignment]
    hidden = tagged_as == learning.MODERATOR and moderation_service.judgements_hidden(
        audit_file, me, session=db, blind=blind()
    )
    return render_template(
        "learning/findings.html",
        audit_file=audit_file,
        tagged_as=tagged_as,
        form=form,
        findings=learning.findings_of(audit_id, me, session=db, auditors_hidden=hidden),
        seen=learning.findings_state(audit_id, session=db),
        themes=learning.learning_themes(session=db, current_only=True),
        kinds=learning.KIND_NAMES,
        refusal=learning.tagging_refusal(audit_file, me, tagged_as),
        typed=typed,
        errors=saved.errors,
        notice=saved.notice,
        most=QUOTATION_MAX_LENGTH,
        remove_endpoint=REMOVALS[tagged_as],
    )


def _remove(audit_id: int, finding_id: int, tagged_as: str) -> Response:
    me = current_actor()
    audit_file = learning.load_for_tagging(audit_id, me, tagged_as, session=get_session())
    if not ButtonForm().validate_on_submit():
        abort(400)
    saved = save(
        lambda: learning.remove_finding(
            audit_file, tagged_as, finding_id, me, session=get_session()
        )
    )
    message = saved.refusal or saved.notice
    flash(message or "Finding removed.", "info" if message else "success")
    return redirect(url_for(PAGES[tagged_as], audit_id=audit_id))


@bp.app_template_global("findings_links")
def findings_links(audit_file: AuditFile) -> list[tuple[str, str]]:
    """Where this person may tag findings on the audit: (link text, address)."""
    me = current_actor()
    links = []
    for tagged_as, text in (
        (learning.AUDITOR, "Tag findings and learning"),
        (learning.MODERATOR, "Tag findings and learning as moderator"),
    ):
        try:
            learning.load_for_tagging(
                audit_file.audit.id or 0, me, tagged_as, session=get_session()
            )
        except AuditNotFound:
            continue
        if learning.tagging_refusal(audit_file, me, tagged_as) is None:
            links.append((text, url_for(PAGES[tagged_as], audit_id=audit_file.audit.id)))
    return links


# --- the learning report ----------------------------------------------------------------------


@bp.get("/reports/learning")
@role_required(*STAFF)
@report_limited
def report() -> str | tuple[str, int]:
    _refresh_summaries()
    with _reader() as reader:
        page = _learning_page(reader)
        figures = None
        if not page.errors:
            figures = learning_report.build(
                reader, page.selection, page.places, every_quotation=_choosing()
            )
    args = page.filters.query_args()
    context: dict[str, Any] = {
        "page": page,
        "figures": figures,
        "args": args,
        "choices": page.choices(),
        "kinds": learning_report.kinds_heading(),
        "choosing": _choosing(),
        "form": ButtonForm(),
    }
    return render_template("learning/report.html", **context), 400 if page.errors else 200


def _learning_page(reader: ReportReader) -> ReportPage:
    """The reports' filters of this request, without an auditor: learning is never reported by
    worker."""
    args = {key: request.args.get(key, "") for key in REPORT_KEYS}
    return report_service.report_page(reader, args, _scope(), today=report_service.today_utc())


def _choosing() -> bool:
    """Whether this person chooses quotations for the paper: a QA lead (an admin)."""
    return bool(current_user.has_role("admin"))


@bp.get("/reports/learning.csv")
@role_required(*STAFF)
@export_limited
def export() -> Response:
    with _reader() as reader:
        page = _learning_page(reader)
        if page.errors:
            abort(400)
        rows = learning_report.csv_rows(reader, page.selection, page.places)
    with changes() as db:
        report_service.record_export(
            "learning", "csv", _requester(), page.filters, len(rows), session=db, via="web"
        )
    return Response(
        learning_report.csv_text(rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{_file_name(page.filters)}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def _file_name(filters: Any) -> str:
    if filters.date_from and filters.date_to:
        return f"learning-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}.csv"
    return "learning.csv"


@bp.post("/reports/learning/quotations/<int:finding_id>")
@role_required("admin")
def choose(finding_id: int) -> Response:
    """A QA lead chooses a quotation for the board paper, or takes it off."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    chosen = request.form.get("chosen") == "yes"
    with changes() as db:
        learning.choose_quotation(finding_id, chosen, current_actor(), session=db)
    flash(
        "Quotation chosen for the board paper." if chosen else "Quotation taken off the paper.",
        "success",
    )
    back = {k: v for k, v in request.args.items() if k in REPORT_KEYS}
    return redirect(url_for("learning.report", **back) + "#quotations")
