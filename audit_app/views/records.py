"""The audit record: a submitted audit whole, as a page to print and as a PDF with its data.

The routes sit in the audits area (the ``audits`` blueprint): whoever may see the audit (its
auditor, a group manager of its service, an admin) may have its record, and the panel of a
multi-agency audit that of each return once the returns are closed. Every record made is
in the audit trail, page or PDF.
"""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, url_for

from audit_app import clock
from audit_app.auth import current_actor, role_required
from audit_app.core.roles import READERS
from audit_app.db import changes, get_session
from audit_app.reporting import record_pdf as record_files
from audit_app.reporting.board_paper import DEFAULT_MARKING
from audit_app.services import multi_agency
from audit_app.services.audit_record import AuditRecord, RecordWithheld, audit_record
from audit_app.services.trail import record_event
from audit_app.views.audits import bp
from audit_app.web import export_limited


@bp.get("/audits/<int:audit_id>/record")
@role_required(*READERS)
def record(audit_id: int) -> str | Response:
    made = _record(audit_id)
    if isinstance(made, Response):
        return made
    page = record_files.record_html(made, pdf=False)
    _in_trail(made, "html")
    return page


@bp.get("/audits/<int:audit_id>/record.pdf")
@role_required(*READERS)
@export_limited
def record_pdf(audit_id: int) -> Response:
    made = _record(audit_id)
    if isinstance(made, Response):
        return made
    data = record_files.record_pdf(made)
    _in_trail(made, "pdf")
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{made.file_name}.pdf"'},
    )


def _record(audit_id: int) -> AuditRecord | Response:
    """The audit's record; the audit's page, saying why, when blind moderation withholds it."""
    try:
        return audit_record(
            audit_id,
            current_actor(),
            session=get_session(),
            blind=bool(current_app.config.get("MODERATION_BLIND")),
            marking=current_app.config.get("PROTECTIVE_MARKING") or DEFAULT_MARKING,
            today=clock.today(),
        )
    except RecordWithheld as withheld:
        flash(str(withheld), "info")
        return redirect(url_for("audits.show", audit_id=audit_id))


def _in_trail(made: AuditRecord, file_format: str) -> None:
    with changes() as db:
        record_event(
            "audit.record_made",
            session=db,
            actor=current_actor(),
            audit_id=made.audit_id,
            case_ref=made.case_ref,
            format=file_format,
            via="web",
        )
        multi_agency.return_opened(made.audit_id, current_actor(), session=db, how=file_format)
