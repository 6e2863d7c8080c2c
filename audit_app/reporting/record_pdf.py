"""The audit record as a page to print and as a PDF with the record's JSON attached.

The PDF is made as the board paper's is (``paper_pdf``: WeasyPrint, nothing fetched but the
application's own static files), as PDF/A-3b, tagged, with the record as JSON attached to it, so
that a child's file or a subject access request bundle keeps the data beside what it says.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from audit_app.reporting.paper_pdf import Attached, write_pdf
from audit_app.services.audit_record import AuditRecord, as_data


def record_json(record: AuditRecord) -> bytes:
    """The record as JSON (UTF-8, keys in the record's order, indented to be read)."""
    return (json.dumps(as_data(record), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def record_html(record: AuditRecord, *, pdf: bool, **context: Any) -> str:
    """The record's page (``pdf``: alone, for WeasyPrint), in a request context."""
    from flask import render_template

    return render_template(
        "audits/record.html", record=record, pdf=pdf, printed_on=record.made_on, **context
    )


def record_pdf(record: AuditRecord) -> bytes:
    """The record as a tagged PDF/A-3b with its JSON attached, in a request context."""
    from flask import current_app

    attached = Attached(
        name=f"{record.file_name}.json",
        description=f"{record.title}, as data (JSON)",
        content=record_json(record),
        created=datetime.combine(record.made_on, time(), tzinfo=UTC),
    )
    return write_pdf(
        record_html(record, pdf=True),
        Path(current_app.static_folder or "static"),
        current_app.static_url_path or "/static",
        attachments=[attached],
    )


__all__ = ["record_html", "record_json", "record_pdf"]
