"""Board papers: the reports of a period as a paper to print (HTML) or to send (PDF).

The routes sit in the reports area (the ``reports`` blueprint), with its access control: every
signed-in role, each seeing only the audits their role allows. Opening or downloading a paper
is recorded in the audit trail like an export.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, render_template, request

from audit_app.auth import role_required
from audit_app.core.roles import STAFF
from audit_app.db import changes
from audit_app.reporting import board_paper
from audit_app.reporting import paper_pdf as pdf_files
from audit_app.reporting.board_paper import DEFAULT_MARKING, PAPER_KEYS, BoardPaper
from audit_app.reporting.report_page import ReportPage
from audit_app.services import reports as report_service
from audit_app.views.reports import (
    _reader,
    _refresh_summaries,
    _requester,
    _scope,
    bp,
)
from audit_app.web import export_limited, report_limited


@bp.app_context_processor
def _printed_page_details() -> dict[str, Any]:
    """What every printed page states: its protective marking and the day it was made."""
    return {
        "protective_marking": current_app.config.get("PROTECTIVE_MARKING") or DEFAULT_MARKING,
        "printed_on": report_service.today_utc(),
    }


@bp.app_template_global("printed_filters")
def printed_filters(page: ReportPage) -> list[str]:
    """A reports page's period and filters in words, for its printed heading."""
    return board_paper.describe_filters(page, board_paper.asked_period(page))


@bp.get("/reports/paper")
@role_required(*STAFF)
@report_limited
def paper() -> tuple[str, int] | str:
    page, made, errors = _paper()
    if made is None:
        return _render(page, None, errors, pdf=False), 400
    _record(made, page, "html")
    return _render(page, made, errors, pdf=False)


@bp.get("/reports/paper.pdf")
@role_required(*STAFF)
@export_limited
def paper_pdf() -> Response:
    page, made, _errors = _paper()
    if made is None:
        abort(400)
    data = pdf_files.paper_pdf(made)
    _record(made, page, "pdf")
    name = f"board-paper-{made.period.start.isoformat()}-to-{made.period.end.isoformat()}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _paper() -> tuple[ReportPage, BoardPaper | None, dict[str, str]]:
    """The paper of this request's filters, or None with the problems by field."""
    _refresh_summaries()
    args = {key: request.args.get(key, "") for key in PAPER_KEYS}
    today = report_service.today_utc()
    with _reader() as reader:
        page = report_service.report_page(reader, args, _scope(), today=today)
        wanted, errors = board_paper.paper_request(page, request.args.get("theme", ""))
        if errors:
            return page, None, errors
        made = board_paper.build(
            reader,
            wanted,
            page.scope,
            today=today,
            catalogue=page.catalogue,
            places=page.places,
            described=board_paper.describe_filters(page, wanted.period, wanted.theme),
            marking=current_app.config.get("PROTECTIVE_MARKING") or DEFAULT_MARKING,
        )
    return page, made, errors


def _render(page: ReportPage, made: BoardPaper | None, errors: dict[str, str], *, pdf: bool) -> str:
    choices = page.choices()
    theme = request.args.get("theme", "")
    context: dict[str, Any] = {
        "page": page,
        "errors": errors,
        "choices": {
            "questionnaire": choices["questionnaire"],
            "service": choices["service"],
            "programme": choices["programme"],
            "theme": board_paper.theme_choices(page.catalogue, theme),
        },
        "args": {**page.filters.query_args(), **({"theme": theme} if theme else {})},
    }
    if made is None:
        return render_template("reports/paper.html", paper=None, charts={}, pdf=pdf, **context)
    return pdf_files.paper_html(made, pdf=pdf, **context)


def _record(made: BoardPaper, page: ReportPage, file_format: str) -> None:
    """The paper in the audit trail, like an export: who, which filters, how many audits."""
    filters = page.filters
    if made.theme is not None:
        filters = filters.with_(questionnaire_id=made.theme[0])
    with changes() as db:
        report_service.record_export(
            "board-paper" if made.theme is None else f"board-paper:{'/'.join(made.theme)}",
            file_format,
            _requester(),
            filters,
            made.figures.headline.submitted,
            session=db,
            via="web",
        )
