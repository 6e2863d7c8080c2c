"""Cross-cutting web concerns: security headers, template helpers and error pages."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    template_rendered,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, TooManyRequests
from werkzeug.exceptions import NotFound as PageNotFound
from werkzeug.routing import IntegerConverter, Map

from audit_app import clock
from audit_app.core import lifecycle
from audit_app.core.answers import number_rule, page_condition
from audit_app.core.questionnaire import EVIDENCE_LABELS
from audit_app.core.repeats import answer_rows, key_label
from audit_app.core.roles import ADMIN, AUDITOR, MANAGER, VIEWER
from audit_app.core.scoring import format_percent
from audit_app.core.subjects import (
    DEFAULT_SUBJECT,
    audited_words,
    labelled_reference,
    reference_hint,
    reference_label,
    table_reference,
)
from audit_app.logs import application_frames, database_error_in, describe_database_error
from audit_app.services import errors as refusals
from audit_app.services.evidence import EVIDENCE_HINTS

P = ParamSpec("P")
R = TypeVar("R")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

# (endpoint, link text, roles, endpoints it covers): shown when the endpoint exists and the role
# matches; marked current on any page whose endpoint starts with the last item.
NAVIGATION = (
    ("moderation.queue", "Moderation", (MANAGER,), "moderation."),
    ("actions.index", "Actions", (MANAGER, AUDITOR), "actions."),
    ("reports.dashboard", "Reports", (MANAGER, ADMIN, VIEWER, AUDITOR), "reports."),
    ("admin.users", "Users", (ADMIN,), "admin.user"),
    ("admin.cases", "Cases", (ADMIN,), "admin.case"),
    ("admin.allocations", "Allocations", (ADMIN,), "admin.allocation"),
    ("programmes.index", "Programmes", (ADMIN,), "programmes."),
    ("multi_agency.index", "Multi-agency audits", (ADMIN, MANAGER, AUDITOR), "multi_agency."),
    ("workshop.index", "Questionnaires", (ADMIN,), "workshop."),
    ("calibration.index", "Calibration", (ADMIN,), "calibration."),
    ("calibration.agreement", "Agreement", (MANAGER,), "calibration.agreement"),
    ("admin.kinds", "Kinds of audit", (ADMIN,), "admin.kind"),
    ("admin.learning_themes", "Learning themes", (ADMIN,), "admin.learning_theme"),
    ("admin.lawful_bases", "Lawful bases", (ADMIN,), "admin.lawful_bas"),
    ("trail.index", "Audit trail", (ADMIN,), "trail."),
    ("admin.organisations", "Organisations", (ADMIN,), "admin.organisation"),
    ("admin.grants", "Grants", (ADMIN,), "admin.grant"),
    ("independent.assignments", "Independent auditors", (ADMIN,), "independent.assignment"),
    ("independent.findings", "Independent findings", (ADMIN, MANAGER, VIEWER), "independent.find"),
)

# What SQLite and PostgreSQL say when storage is full or read-only.
CANNOT_WRITE = (
    "readonly database",
    "read-only",
    "disk is full",
    "database or disk is full",
    "no space left",
    "disk full",
)

# Answers to a POST that mean its input was refused: invalid (400) or too large (413).
REFUSED_INPUT = (400, 413)

STATUS_COLOURS = {
    lifecycle.DRAFT: "grey",
    lifecycle.SUBMITTED: "turquoise",
    lifecycle.RETURNED: "orange",
    lifecycle.MODERATED: "green",
    lifecycle.CLOSED: "purple",
    lifecycle.EXERCISE: "blue",
}


MAX_ROW_ID = 2**31 - 1
"""The largest id the database's id columns hold (PostgreSQL's integer)."""


class RowIdConverter(IntegerConverter):
    """``<int:...>`` in a URL: a whole number no larger than any row id can be. A larger one
    matches no page (404) instead of reaching the database, which would refuse it."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


class Application(Flask):
    """Flask, leaving unexpected errors to the error page's handler to log.

    Flask's own ``log_exception`` writes the traceback with the exception's message, which for
    a database error can quote the row the server refused; ``register_errorhandlers`` logs every
    unexpected error instead, under the reference the person is shown.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url_map.converters["int"] = RowIdConverter

    def log_exception(
        self,
        exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None],
    ) -> None:
        return None


def init_app(app: Flask) -> None:
    """Headers and trail records on every response, and the helpers every template uses."""
    # Flask runs these in the reverse order: refused input, audit views, then the headers.
    for hook in (_security_headers, _record_audit_views, _record_refused_input):
        app.after_request(hook)
    template_rendered.connect(_note_refused_fields, app)
    app.add_template_global(_navigation_items, "navigation_items")
    app.add_template_global(answer_text, "answer_text")
    app.add_template_global(answer_rows, "answer_rows")
    app.add_template_global(key_label, "key_label")
    app.add_template_global(question_hint, "question_hint")
    app.add_template_global(descriptors, "descriptors")
    app.add_template_global(timeliness_text, "timeliness_text")
    app.add_template_global(page_condition, "page_condition")
    app.add_template_global(EVIDENCE_LABELS, "evidence_labels")
    for helper in (reference_label, reference_hint, audited_words, subject_ref, table_ref):
        app.add_template_global(helper, helper.__name__)
    app.add_template_global(EVIDENCE_HINTS, "evidence_hints")
    for name, template_filter in TEMPLATE_FILTERS.items():
        app.add_template_filter(template_filter, name)


def subject_ref(row: Any, initial: bool = False) -> str:
    """A row's reference (``case_ref``) labelled by its subject, e.g. "worker W1042"; a row
    without a subject is a case's."""
    subject = getattr(row, "subject", None) or DEFAULT_SUBJECT
    return labelled_reference(row.case_ref, subject, initial=initial)


def table_ref(row: Any) -> str:
    """A row's reference as a table's case column shows it: a case's alone, another
    subject's labelled."""
    return table_reference(row.case_ref, getattr(row, "subject", None) or DEFAULT_SUBJECT)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # Pages carry case data: never keep them in a shared or browser cache.
        headers["Cache-Control"] = "no-store"
    return response


def _record_audit_views(response: Response) -> Response:
    """Who viewed which audit: every page that shows one, for the trail."""
    audit_id = (request.view_args or {}).get("audit_id")
    if (
        audit_id is not None
        and request.method == "GET"
        and response.status_code == 200
        and current_user.is_authenticated
    ):
        _record_quietly("audit.viewed", audit_id=audit_id, page=request.endpoint)
    return response


def _record_refused_input(response: Response) -> Response:
    """A form or upload refused by validation: who, which page and which fields, no values."""
    if (
        request.method == "POST"
        and response.status_code in REFUSED_INPUT
        and current_user.is_authenticated
        and not g.get("refusal_recorded")  # a refused CSRF token has its own event
    ):
        _record_quietly(
            "input.refused",
            audit_id=(request.view_args or {}).get("audit_id"),
            page=request.endpoint,
            path=request.path[:200],
            status=response.status_code,
            fields=sorted(g.get("refused_fields", ())),
        )
    return response


def _navigation_items() -> list[dict[str, Any]]:
    """Links for the signed-in user's role, for the service navigation."""
    here = request.endpoint or ""
    return [
        {"href": url_for(endpoint), "text": text, "active": here.startswith(area)}
        for endpoint, text, roles, area in NAVIGATION
        if current_user.has_role(*roles)
        and endpoint in current_app.view_functions
        # Pages for the home organisation alone are not offered to a partner's people.
        and (
            current_user.home
            or not getattr(current_app.view_functions[endpoint], "home_only", False)
        )
    ]


def answer_text(question: Any, value: str | None) -> str:
    """What an answer says, in the words of the questionnaire (a number with its unit)."""
    if value is None or value == "":
        return "Not answered"
    if question.type == "choice":
        option = question.option(value)
        return option.label if option else value
    if question.type == "date":
        try:
            return date.fromisoformat(value).strftime("%-d %B %Y")
        except ValueError:
            return value
    if question.type == "multi":
        return ", ".join(
            option.label if (option := question.option(value)) else value for value in value.split()
        )
    if question.type == "number" and getattr(question, "unit", None):
        return f"{value} {question.unit}"
    return value


def descriptors(questionnaire: Any) -> dict[str, str]:
    """Each grade's descriptor, where the questionnaire gives one."""
    return {b.grade: b.descriptor for b in questionnaire.grading.bands if b.descriptor}


def timeliness_text(result: Any) -> str:
    """A timeliness measure's result as a sentence: "Met: 7 January 2027, due from ..."."""
    return f"{str(result.outcome).capitalize()}: {result.explanation}"


def question_hint(question: Any) -> str:
    """The hint under a date or number box: the question's help, then what to type."""
    parts = [question.help] if question.help else []
    if question.type == "date":
        parts.append("For example, 27/3/2026.")
    elif question.type == "number":
        parts.append(number_range_text(question))
    return " ".join(part for part in parts if part)


def number_range_text(question: Any) -> str:
    """What a number question takes, as a sentence: "A whole number from 0 to 20."."""
    if not (question.integer or question.min is not None or question.max is not None):
        return ""
    rule = number_rule(question)
    return rule[:1].upper() + rule[1:] + "."


TEMPLATE_FILTERS: dict[str, Callable[[Any], str]] = {
    "percent": format_percent,
    "status_name": lambda status: lifecycle.STATUS_NAMES.get(status, status),
    "status_colour": lambda status: STATUS_COLOURS.get(status, "grey"),
    "datetime": lambda value: value.strftime("%-d %B %Y, %H:%M") if value else "",
    "date": lambda value: value.strftime("%-d %B %Y") if value else "",
    # A stored moment (UTC) on the council's clock: 10:30 in June is 11:30 British Summer Time.
    "local_datetime": lambda value: f"{clock.local(value):%-d %B %Y, %H:%M}" if value else "",
}


def export_limited(view: Callable[P, R]) -> Callable[P, R]:
    """Refuse the export with 429 once the person has made ``EXPORT_LIMIT`` in the window.

    Goes under ``role_required``, so that the person is known.
    """
    from audit_app.db import get_session
    from audit_app.services.throttling import ExportLimit, ExportLimitReached, check_export_limit

    @wraps(view)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        limit = ExportLimit(
            count=int(current_app.config["EXPORT_LIMIT"]),
            window=timedelta(minutes=int(current_app.config["EXPORT_LIMIT_MINUTES"])),
        )
        db = get_session()
        try:
            check_export_limit(current_user.id, current_user.username, limit, session=db)
        except ExportLimitReached as reached:
            db.commit()  # the refusal is in the trail
            raise TooManyRequests(str(reached), retry_after=reached.retry_after) from None
        db.rollback()  # nothing written: the export starts without a transaction open
        return view(*args, **kwargs)

    return limited


class TooManyReports(TooManyRequests):
    """429 for report pages, with its own heading on the error page."""

    title = "You have opened too many reports for now"


def report_limited(view: Callable[P, R]) -> Callable[P, R]:
    """Count the report page (a ``report.viewed`` event) before it is worked out, or refuse it
    with 429 once the person has opened ``REPORT_LIMIT`` in the last minute.

    Goes under ``role_required``, so that the person is known.
    """
    from audit_app.db import get_session
    from audit_app.services.throttling import ReportLimitReached, count_report_page

    @wraps(view)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        db = get_session()
        try:
            count_report_page(
                current_user.id,
                current_user.username,
                int(current_app.config["REPORT_LIMIT"]),
                session=db,
                page=request.endpoint or "",
                query=request.query_string.decode("utf-8", "replace"),
                remote_addr=request.remote_addr,
            )
        except ReportLimitReached as reached:
            db.commit()  # the refusal is counted
            raise TooManyReports(str(reached), retry_after=reached.retry_after) from None
        db.commit()  # the page is counted; the report starts without a transaction open
        return view(*args, **kwargs)

    return limited


def _note_refused_fields(
    _app: Flask, template: Any, context: dict[str, Any], **_extra: Any
) -> None:
    """Note the names of the fields a page shows as wrong, for the ``input.refused`` event.

    Every form page shows its errors from its forms' fields, or from an ``errors`` dictionary
    keyed by field name; only the names are kept, never what was entered.
    """
    if not has_request_context() or request.method != "POST":
        return
    names: set[str] = g.setdefault("refused_fields", set())
    for value in context.values():
        if isinstance(value, FlaskForm):
            names.update(field.name for field in value if field.errors)
    errors = context.get("errors")
    if isinstance(errors, dict):
        names.update(str(name) for name in errors)


def _record_quietly(
    action: str, *, audit_id: int | None = None, repeatable: bool = False, **detail: Any
) -> None:
    """Add a trail event for this request in its own short transaction. ``repeatable``: a
    refusal a client can repeat at will, written once per address a minute and counted after
    (``services/repeated_refusals.py``)."""
    from audit_app.db import get_session
    from audit_app.services.repeated_refusals import record_refusal
    from audit_app.services.trail import record_event

    db = get_session()
    try:
        db.rollback()  # nothing of the request's own work is pending by now
        case_ref = _case_ref_of(db, audit_id)
        who = current_user.username if current_user.is_authenticated else "anonymous"
        if repeatable:
            record_refusal(
                action,
                session=db,
                name=who,
                remote_addr=request.remote_addr,
                signed_in=current_user.is_authenticated,
                **detail,
            )
            db.commit()
            return
        record_event(
            action,
            session=db,
            actor=who,
            actor_id=current_user.id if current_user.is_authenticated else None,
            audit_id=audit_id if case_ref else None,
            case_ref=case_ref,
            remote_addr=request.remote_addr,
            **detail,
        )
        db.commit()
    except SQLAlchemyError as error:
        db.rollback()
        # Not the error's message: the database's own text can quote the row it refused.
        current_app.logger.error(
            "Could not record %s in the audit trail: %s at %s",
            action,
            describe_database_error(error),
            application_frames(error),
        )


def _case_ref_of(db: Any, audit_id: int | None) -> str | None:
    """The case reference of the audit a page is about, for the trail (None if there is none)."""
    from audit_app.models import Audit, Case

    if audit_id is None:
        return None
    audit = db.get(Audit, audit_id)
    case = db.get(Case, audit.case_id) if audit else None
    return case.case_ref if case else None


def register_errorhandlers(app: Flask) -> None:
    for code in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(refusals.NotFound, _nothing_here)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(500, _server_error)


def _error_page(error: HTTPException) -> tuple[str, int, dict[str, str]]:
    code = error.code or 500
    # The headers HTTP asks for with a 405 (Allow) and a 429 (Retry-After).
    headers = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}
    if code in (403, 404) and current_user.is_authenticated:
        # Someone signed in reached for something they may not see: the trail keeps it.
        _record_quietly(
            "access.denied",
            audit_id=(request.view_args or {}).get("audit_id"),
            status=code,
            path=request.path[:200],
        )
    return render_template("errors/error.html", code=code, error=error), code, headers


def _nothing_here(error: refusals.NotFound) -> tuple[str, int, dict[str, str]]:
    # A service found no such thing, or none this person may see: the same 404 either way.
    return _error_page(PageNotFound())


def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    # A client can repeat this as fast as it likes, signed in or not: counted, not each written.
    _record_quietly(
        "csrf.refused", repeatable=True, path=request.path[:200], reason=error.description
    )
    g.refusal_recorded = True
    return render_template("errors/csrf.html"), 400


def _database_unavailable(error: OperationalError) -> tuple[str, int]:
    # The engine checks connections before use (pool_pre_ping), so once the database is back
    # the next request works again: nothing to restart. The transaction was rolled back, so
    # nothing of the request was written.
    text = str(error.orig).lower()
    cannot_write = any(words in text for words in CANNOT_WRITE)
    current_app.logger.error(
        "Database error %s: %s",
        describe_database_error(error),
        "cannot write" if cannot_write else "unavailable",
    )
    return render_template("errors/unavailable.html", cannot_write=cannot_write), 503


def _server_error(error: Exception) -> tuple[str, int]:
    reference = secrets.token_hex(4).upper()
    _log_unexpected(getattr(error, "original_exception", None) or error, reference)
    return render_template("errors/error.html", code=500, reference=reference), 500


def _log_unexpected(original: BaseException, reference: str) -> None:
    """Log an unexpected error under the reference the person is shown; never show it them."""
    log = current_app.logger
    database_error = database_error_in(original)
    if database_error is None:
        log.error(
            "Unhandled error on %s %s, reference %s",
            request.method,
            request.path,
            reference,
            exc_info=original,
        )
        return
    # Without the message or a traceback, which would carry it: PostgreSQL's DETAIL can quote
    # the refused row (answer text, a password hash). The class, the SQLSTATE code and where in
    # the code are enough to find the cause.
    log.error(
        "Unhandled database error on %s %s, reference %s: %s, raised as %s at %s",
        request.method,
        request.path,
        reference,
        describe_database_error(database_error),
        type(original).__name__,
        application_frames(original),
    )
