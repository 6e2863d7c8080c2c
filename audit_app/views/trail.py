"""The audit trail for admins: search it (who viewed case X, everything user Y did), export it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context

from audit_app.auth import current_actor, home_organisation_only, role_required
from audit_app.db import changes, get_session, read_only_session
from audit_app.reporting.cells import neutralise
from audit_app.services.trail import TrailFilters, iter_events, record_event, search_events
from audit_app.web import export_limited

bp = Blueprint("trail", __name__, url_prefix="/admin/trail")

PAGE_SIZE = 100
COLUMNS = ["event_id", "occurred_at", "actor", "action", "audit_id", "case_id", "from", "detail"]


def _date(value: str | None) -> tuple[date | None, str | None]:
    if not value:
        return None, None
    try:
        return date.fromisoformat(value), None
    except ValueError:
        return None, f"“{value}” is not a date in the form YYYY-MM-DD"


def _filters() -> tuple[TrailFilters, dict[str, str]]:
    errors: dict[str, str] = {}
    date_from, problem = _date(request.args.get("from"))
    if problem:
        errors["from"] = problem
    date_to, problem = _date(request.args.get("to"))
    if problem:
        errors["to"] = problem
    filters = TrailFilters(
        actor=request.args.get("actor", "")[:80],
        case_ref=request.args.get("case", "")[:32],
        action=request.args.get("action", "")[:64],
        date_from=date_from,
        date_to=date_to,
        organisation_id=current_actor().organisation_id,
    )
    return filters, errors


@bp.get("")
@role_required("admin")
@home_organisation_only
def index() -> str:
    filters, errors = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    events, total = ([], 0)
    if not errors:
        events, total = search_events(
            filters, session=get_session(), limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    return render_template(
        "trail/index.html",
        filters=filters.as_dict(),
        errors=errors,
        events=events,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


def cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return neutralise(text)


@bp.get("/export.csv")
@role_required("admin")
@home_organisation_only
@export_limited
def export() -> Response:
    filters, errors = _filters()
    if errors:
        return Response("; ".join(errors.values()), status=400, mimetype="text/plain")
    with changes() as db:
        counted = search_events(filters, session=db, limit=0)[1]
        record_event(
            "trail.exported",
            session=db,
            actor=current_actor(),
            filters=filters.as_dict(),
            rows=counted,
        )

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        yield "\ufeff"
        writer.writerow(COLUMNS)
        with read_only_session() as reader:
            yield from _rows(writer, buffer, iter_events(filters, session=reader))
        yield buffer.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'},
    )


def _rows(writer: Any, buffer: io.StringIO, events: Iterator[Any]) -> Iterator[str]:
    """CSV text for the events, in chunks of about 64 KB."""
    for event in events:
        writer.writerow(
            [
                event.id,
                event.occurred_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                cell(event.actor),
                cell(event.action),
                event.audit_id or "",
                cell(event.case_ref or ""),
                cell(event.remote_addr or ""),
                cell(event.detail),
            ]
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
