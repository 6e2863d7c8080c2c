"""Reports: the dashboard, the audits behind each figure, and the board's downloads."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from audit_app.auth import current_actor, role_required
from audit_app.core.roles import AUDITORS, STAFF
from audit_app.db import (
    changes,
    get_engine,
    get_session,
    release_if_unwritten,
    session_scope,
)
from audit_app.reporting import dashboard as dashboard_data
from audit_app.reporting import drilldown, exports
from audit_app.reporting.compliance import measure_breakdown
from audit_app.reporting.database import ReportReader, ReportTooSlow
from audit_app.reporting.dictionary import RULES, TABLES
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.options import option_counts
from audit_app.reporting.presentation import dashboard_charts, measure_charts
from audit_app.reporting.report_page import ReportPage
from audit_app.services import kinds as kind_service
from audit_app.services import reports as report_service
from audit_app.web import export_limited, report_limited

bp = Blueprint("reports", __name__)


def _scope() -> Scope:
    return report_service.report_scope(
        current_actor(),
        blind=bool(current_app.config["MODERATION_BLIND"]),
        free_text_to=str(current_app.config["FREE_TEXT_DOWNLOADS"]),
        session=get_session(),
    )


def _reader(app: Any = None, *, every_row: bool = False) -> ReportReader:
    """A report's snapshot, each statement stopped after ``REPORT_STATEMENT_SECONDS``."""
    app = app or current_app
    seconds = float(app.config["REPORT_STATEMENT_SECONDS"])
    return ReportReader(get_engine(app), every_row=every_row, statement_seconds=seconds)


@bp.errorhandler(ReportTooSlow)
def _too_slow(_error: ReportTooSlow) -> tuple[str, int]:
    current_app.logger.warning("report stopped at its time limit: %s", request.path)
    return render_template("errors/report_too_slow.html", args=request.args), 503


def _requester() -> report_service.Requester:
    return report_service.Requester(
        username=current_user.username,
        id=current_user.id,
        scope=_scope(),
        remote_addr=request.remote_addr,
    )


def _page(reader: ReportReader) -> ReportPage:
    """The filters of this request, checked against the choices this person has."""
    me = (current_user.id, current_user.name) if current_user.has_role("auditor") else None
    return report_service.report_page(
        reader, request.args, _scope(), today=report_service.today_utc(), auditor=me
    )


@bp.get("/reports")
@role_required(*STAFF)
@report_limited
def dashboard() -> tuple[str, int] | str:
    _refresh_summaries()
    with _reader() as reader:
        page = _page(reader)
        if page.errors:
            return _render_dashboard(page, None, {}), 400
        data = dashboard_data.build(
            reader,
            page.filters,
            page.scope,
            today=report_service.today_utc(),
            catalogue=page.catalogue,
            places=page.places,
        )
    return _render_dashboard(page, data, dashboard_charts(data))


def _refresh_summaries() -> None:
    """Bring the summaries of past months up to date (the figures are right without it, only
    slower), and end the request's transaction before the long read."""
    try:
        with changes() as db:
            report_service.refresh_summaries(session=db, today=report_service.today_utc())
    except SQLAlchemyError as error:
        # The class only: a database's message can quote the values of a row.
        current_app.logger.warning("report summaries not refreshed: %s", type(error).__name__)


def _render_dashboard(page: ReportPage, data: Any, charts: dict[str, Any]) -> str:
    return render_template(
        "reports/dashboard.html",
        page=page,
        data=data,
        charts=charts,
        args=page.filters.query_args(),
        choices=page.choices(),
        kinds=exports.KINDS,
        tables=TABLES,
    )


@bp.get("/reports/audits")
@role_required(*STAFF)
@report_limited
def audits() -> str:
    focus, problems = drilldown.parse_focus(request.args)
    page_number = drilldown.page_number(request.args.get("page", "1"))
    with _reader() as reader:
        page = _page(reader)
        if page.errors or problems:
            abort(400)
        rows, total = drilldown.list_audits(
            reader,
            page.selection,
            focus,
            page.catalogue,
            page.places,
            today=report_service.today_utc(),
            page=page_number,
        )
    return render_template(
        "reports/audits.html",
        page=page,
        rows=rows,
        total=total,
        focus=focus,
        described=drilldown.describe(focus, page.catalogue),
        filters_described=page.filters_described(),
        page_number=page_number,
        pages=drilldown.page_count(total),
        args={**page.filters.query_args(), **focus.query_args()},
        may_open=_may_open,
    )


def _may_open(row: drilldown.ListedAudit) -> bool:
    """Whether the audit's own page would open for this person (viewers see figures only)."""
    if current_user.has_role("admin"):
        return True
    if current_user.has_role("manager") and row.service_id in current_user.managed_service_ids:
        return True
    return current_user.has_role(*AUDITORS) and row.auditor_id == current_user.id


@bp.get("/reports/compliance")
@role_required(*STAFF)
@report_limited
def compliance() -> str:
    measure = (request.args.get("measure") or "").strip()
    _refresh_summaries()
    with _reader() as reader:
        page = _page(reader)
        if page.errors or not measure:
            abort(400)
        breakdown = measure_breakdown(
            reader,
            page.filters,
            page.scope,
            measure,
            today=report_service.today_utc(),
            catalogue=page.catalogue,
            places=page.places,
        )
    return render_template(
        "reports/compliance.html",
        page=page,
        breakdown=breakdown,
        charts=measure_charts(breakdown.by_team, breakdown.by_month),
        args=page.filters.query_args(),
        filters_described=page.filters_described(),
    )


@bp.get("/reports/options")
@role_required(*STAFF)
@report_limited
def options() -> str:
    """For each tick-all-that-apply question, how many audits ticked each option."""
    with _reader() as reader:
        page = _page(reader)
        if page.errors:
            abort(400)
        questions = option_counts(reader, page.selection)
    return render_template(
        "reports/options.html",
        page=page,
        questions=questions,
        args=page.filters.query_args(),
        filters_described=page.filters_described(),
    )


@bp.get("/reports/data-dictionary")
@role_required(*STAFF)
def dictionary() -> str:
    kinds = kind_service.declared_kinds(session=get_session())
    return render_template("reports/dictionary.html", tables=TABLES, rules=RULES, kinds=kinds)


def _file_name(filters: Filters, kind: str, extension: str) -> str:
    period = ""
    if filters.date_from and filters.date_to:
        period = f"-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}"
    return f"{kind}{period}.{extension}"


@bp.get("/reports/export/<kind>.csv")
@role_required(*STAFF)
@export_limited
def export_csv(kind: str) -> Response:
    if kind not in exports.KINDS:
        abort(404)
    with _reader() as reader:
        page = _page(reader)
    if page.errors:
        abort(400)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    name = _file_name(page.filters, kind, "csv")
    return Response(
        _csv_stream(app, kind, page, _requester()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


def _csv_stream(
    app: Any, kind: str, page: ReportPage, requester: report_service.Requester
) -> Iterator[bytes]:
    """The export as it is written, then its trail event, with the rows sent (also when the
    download stops part way). Runs after the request: it opens its own connection and session."""
    counter = exports.RowCount()
    completed = False
    try:
        with _reader(app, every_row=True) as reader:
            yield from exports.csv_chunks(reader, kind, page.selection, counter)
        completed = True
    except ReportTooSlow:
        # The file is already on its way: it ends short, and the trail says it is incomplete.
        app.logger.warning("export of %s stopped at its time limit", kind)
    finally:
        with session_scope(app) as session:
            report_service.record_export(
                kind,
                "csv",
                requester,
                page.filters,
                counter.rows,
                session=session,
                via="web",
                completed=completed,
            )


@bp.get("/reports/export/workbook.xlsx")
@role_required(*STAFF)
@export_limited
def export_workbook() -> Response:
    # Nothing is pending in this read-only request; ending its transaction now means that on
    # SQLite the workbook is built without holding the write lock.
    release_if_unwritten(get_session())
    page, counts, data = _workbook()
    with changes() as db:
        report_service.record_export(
            "workbook", "xlsx", _requester(), page.filters, counts, session=db, via="web"
        )
    response = Response(
        _chunks(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": "attachment; "
            f'filename="{_file_name(page.filters, "reports", "xlsx")}"'
        },
    )
    response.call_on_close(data.close)
    return response


def _workbook() -> tuple[ReportPage, dict[str, int], BinaryIO]:
    """The workbook of this request's filters, open for reading in a file already deleted
    (the open handle keeps the data until it is sent), and the rows of each sheet."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        with _reader(every_row=True) as reader:
            page = _page(reader)
            if page.errors:
                abort(400)
            counts = exports.write_workbook(reader, page.selection, path)
        data = open(path, "rb")  # noqa: SIM115 - closed when sent
    finally:
        os.unlink(path)
    return page, counts, data


def _chunks(data: BinaryIO) -> Iterator[bytes]:
    with data:
        while chunk := data.read(1 << 16):
            yield chunk


@bp.app_template_global("reports_url")
def reports_url(endpoint: str, args: dict[str, str], **more: Any) -> str:
    """A reports URL with the current filters and focus, and more arguments (None: unchanged)."""
    merged = {**args, **{k: v for k, v in more.items() if v is not None}}
    if endpoint == "reports.export_csv":
        return url_for(endpoint, **merged)
    # A dashboard has thousands of links to a handful of paths: build each path once.
    paths = g.setdefault("report_paths", {})
    if endpoint not in paths:
        paths[endpoint] = url_for(endpoint)
    query = urlencode({k: str(v) for k, v in merged.items()})
    return f"{paths[endpoint]}?{query}" if query else paths[endpoint]


# The board papers' routes belong to this blueprint (the reports area); their module adds them.
from audit_app.views import papers as _papers  # noqa: E402, F401
