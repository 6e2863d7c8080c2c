"""Reports: the dashboard, the audits behind each figure, and the board's downloads."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
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

from audit_app.auth import ALL_ROLES, role_required
from audit_app.core.roles import AUDITORS
from audit_app.db import (
    changes,
    get_engine,
    get_session,
    release_if_unwritten,
    session_scope,
)
from audit_app.models import KINDS as AUDIT_KINDS
from audit_app.reporting import dashboard as dashboard_data
from audit_app.reporting import drilldown, exports
from audit_app.reporting.database import ReportReader
from audit_app.reporting.dictionary import RULES, TABLES
from audit_app.reporting.filters import KIND_NAMES, Filters, Scope, parse_filters
from audit_app.reporting.presentation import dashboard_charts, measure_charts
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import Places, Selection
from audit_app.services import reports as report_service
from audit_app.web import export_limited

bp = Blueprint("reports", __name__)


def _scope() -> Scope:
    return Scope.for_person(current_user.role, current_user.id, current_user.managed_service_ids)


def _requester() -> report_service.Requester:
    return report_service.Requester(
        username=current_user.username,
        id=current_user.id,
        scope=_scope(),
        remote_addr=request.remote_addr,
    )


@dataclass
class Page:
    """What every reports page needs: the filters, the person's reach, and the choices."""

    filters: Filters
    errors: dict[str, str]
    raw: dict[str, str]
    scope: Scope
    catalogue: Catalogue
    places: Places
    auditors: dict[int, str]

    @property
    def selection(self) -> Selection:
        return Selection.build(self.filters, self.scope, self.catalogue, self.places)

    def choices(self) -> dict[str, list[dict[str, Any]]]:
        """Items for the filter form's selects, the current choice selected."""

        def items(
            pairs: list[tuple[str, str]], current: str, anything: str
        ) -> list[dict[str, Any]]:
            return [{"value": "", "text": anything}] + [
                {"value": value, "text": text, "selected": value == current}
                for value, text in pairs
            ]

        def by_name(mapping: dict[int, str]) -> list[tuple[str, str]]:
            return sorted(((str(k), v) for k, v in mapping.items()), key=lambda p: p[1].lower())

        teams = {
            tid: name
            for tid, name in self.places.teams.items()
            if self.filters.service_id is None
            or self.places.team_service.get(tid) == self.filters.service_id
            or tid == self.filters.team_id
        }
        return {
            "questionnaire": items(
                sorted(self.catalogue.questionnaire_titles.items(), key=lambda p: p[1].lower()),
                self.raw["questionnaire"],
                "All questionnaires",
            ),
            "kind": items(
                [(k, KIND_NAMES[k]) for k in AUDIT_KINDS], self.raw["kind"], "Both kinds"
            ),
            "service": items(by_name(self.places.services), self.raw["service"], "All services"),
            "team": items(by_name(teams), self.raw["team"], "All teams"),
            "auditor": items(by_name(self.auditors), self.raw["auditor"], "All auditors"),
        }


def _page(reader: ReportReader) -> Page:
    parsed = parse_filters(request.args, report_service.today_utc())
    scope = _scope()
    catalogue = dashboard_data.load_catalogue(reader)
    places = Places.load(reader, scope)
    base = Selection.build(parsed.filters, scope, catalogue, places)
    auditors = {
        uid: places.users.get(uid, f"User {uid}")
        for uid in report_service.auditor_ids(reader, base, today=report_service.today_utc())
    }
    if parsed.filters.auditor_id is not None and current_user.has_role("auditor"):
        auditors.setdefault(current_user.id, current_user.name)
    errors = dict(parsed.errors)
    for key, message in report_service.filter_problems(
        parsed.filters, catalogue, places, auditors
    ).items():
        errors.setdefault(key, message)
    return Page(
        filters=parsed.filters,
        errors=errors,
        raw=parsed.raw,
        scope=scope,
        catalogue=catalogue,
        places=places,
        auditors=auditors,
    )


@bp.get("/reports")
@role_required(*ALL_ROLES)
def dashboard() -> tuple[str, int] | str:
    _refresh_summaries()
    with ReportReader(get_engine()) as reader:
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


def _render_dashboard(page: Page, data: Any, charts: dict[str, Any]) -> str:
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
@role_required(*ALL_ROLES)
def audits() -> tuple[str, int] | str:
    focus, problems = drilldown.parse_focus(request.args)
    try:
        page_number = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        page_number = 1
    with ReportReader(get_engine()) as reader:
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
    pages = max((total + drilldown.PER_PAGE - 1) // drilldown.PER_PAGE, 1)
    args = {**page.filters.query_args(), **focus.query_args()}
    return render_template(
        "reports/audits.html",
        page=page,
        rows=rows,
        total=total,
        focus=focus,
        described=drilldown.describe(focus, page.catalogue),
        filters_described=_describe_filters(page),
        page_number=page_number,
        pages=pages,
        args=args,
        may_open=_may_open,
    )


def _may_open(row: drilldown.ListedAudit) -> bool:
    """Whether the audit's own page would open for this person (viewers see figures only)."""
    if current_user.has_role("admin"):
        return True
    if current_user.has_role("manager") and row.service_id in current_user.managed_service_ids:
        return True
    return current_user.has_role(*AUDITORS) and row.auditor_id == current_user.id


def _describe_filters(page: Page) -> list[str]:
    f = page.filters
    words = []
    if f.date_from and f.date_to:
        words.append(f"Submitted {f.date_from:%-d %B %Y} to {f.date_to:%-d %B %Y}")
    if f.questionnaire_id:
        words.append(
            page.catalogue.questionnaire_titles.get(f.questionnaire_id, f.questionnaire_id)
        )
    if f.kind:
        words.append(KIND_NAMES.get(f.kind, f.kind))
    if f.service_id is not None:
        words.append(page.places.services.get(f.service_id, ""))
    if f.team_id is not None:
        words.append(page.places.teams.get(f.team_id, ""))
    if f.auditor_id is not None:
        words.append(f"Audited by {page.auditors.get(f.auditor_id, '')}")
    return words


@bp.get("/reports/compliance")
@role_required(*ALL_ROLES)
def compliance() -> str:
    measure = (request.args.get("measure") or "").strip()
    _refresh_summaries()
    with ReportReader(get_engine()) as reader:
        page = _page(reader)
        if page.errors or not measure:
            abort(400)
        breakdown = dashboard_data.measure_breakdown(
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
        filters_described=_describe_filters(page),
    )


@bp.get("/reports/data-dictionary")
@role_required(*ALL_ROLES)
def dictionary() -> str:
    return render_template("reports/dictionary.html", tables=TABLES, rules=RULES)


def _file_name(filters: Filters, kind: str, extension: str) -> str:
    period = ""
    if filters.date_from and filters.date_to:
        period = f"-{filters.date_from.isoformat()}-to-{filters.date_to.isoformat()}"
    return f"{kind}{period}.{extension}"


@bp.get("/reports/export/<kind>.csv")
@role_required(*ALL_ROLES)
@export_limited
def export_csv(kind: str) -> Response:
    if kind not in exports.KINDS:
        abort(404)
    with ReportReader(get_engine()) as reader:
        page = _page(reader)
    if page.errors:
        abort(400)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    requester = _requester()

    def stream() -> Iterator[bytes]:
        counter = exports.RowCount()
        completed = False
        try:
            with ReportReader(get_engine(app), every_row=True) as reader:
                yield from exports.csv_chunks(reader, kind, page.selection, counter)
            completed = True
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

    name = _file_name(page.filters, kind, "csv")
    return Response(
        stream(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Type": "text/csv; charset=utf-8",
        },
    )


@bp.get("/reports/export/workbook.xlsx")
@role_required(*ALL_ROLES)
@export_limited
def export_workbook() -> Response:
    # Nothing is pending in this read-only request; ending its transaction now means that on
    # SQLite the workbook is built without holding the write lock.
    release_if_unwritten(get_session())
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        with ReportReader(get_engine(), every_row=True) as reader:
            page = _page(reader)
            if page.errors:
                abort(400)
            counts = exports.write_workbook(reader, page.selection, path)
        data = open(path, "rb")  # noqa: SIM115 - closed when sent, below
    finally:
        os.unlink(path)  # the open handle keeps the data until it is sent
    with changes() as db:
        report_service.record_export(
            "workbook", "xlsx", _requester(), page.filters, counts, session=db, via="web"
        )

    def chunks() -> Iterator[bytes]:
        with data:
            while chunk := data.read(1 << 16):
                yield chunk

    response = Response(
        chunks(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": "attachment; "
            f'filename="{_file_name(page.filters, "reports", "xlsx")}"'
        },
    )
    response.call_on_close(data.close)
    return response


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
