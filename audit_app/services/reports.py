"""Reports as use cases: what a person may see, and the trail of every export."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from flask import Flask, Response, after_this_request, current_app, has_request_context
from sqlalchemy import Engine, select
from sqlmodel import Session

from audit_app.core.roles import MANAGERS, READERS
from audit_app.models import Programme, QuestionnaireVersion, Service, table_of, utcnow
from audit_app.reporting import summaries
from audit_app.reporting.dashboard import load_catalogue
from audit_app.reporting.database import ReportReader
from audit_app.reporting.filters import (
    Filters,
    ParsedFilters,
    Scope,
    held_period,
    parse_filters,
    period_problem,
)
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.report_page import ReportPage
from audit_app.reporting.selection import A, Places, Selection, recorded_days
from audit_app.services import visibility
from audit_app.services.actor import Actor
from audit_app.services.errors import NotFound
from audit_app.services.kinds import declared_kinds
from audit_app.services.trail import record_event


@dataclass(frozen=True)
class Requester:
    """Who asks for a report, as the trail records them."""

    username: str
    id: int | None
    scope: Scope
    remote_addr: str | None = None


def record_export(
    kind: str,
    file_format: str,
    requester: Requester,
    filters: Filters,
    rows: int | dict[str, int],
    *,
    session: Session,
    via: str,
    completed: bool = True,
) -> None:
    """Write the trail event of an export: who, what, which filters, how many rows."""
    record_event(
        "report.exported",
        session=session,
        actor=requester.username,
        actor_id=requester.id,
        remote_addr=requester.remote_addr,
        kind=kind,
        format=file_format,
        via=via,
        filters=filters.trail(),
        scope=requester.scope.describe(),
        rows=rows,
        completed=completed,
    )


def report_scope(actor: Actor, *, blind: bool, free_text_to: str, session: Session) -> Scope:
    """Whose audits the person's reports cover, and what their downloads and lists leave
    blank: free-text answers unless their role may read audits (or ``FREE_TEXT_DOWNLOADS``
    is ``everyone``); in blind moderation, a manager's view of the auditor's judgements of
    audits awaiting moderation, as on the audit pages (``moderation.judgements_hidden``)."""
    scope = Scope.for_person(
        actor.role,
        actor.person_id,
        actor.managed_service_ids,
        visibility.report_service_ids(actor, session=session),
    )
    return replace(
        scope,
        free_text=free_text_to == "everyone" or actor.role in READERS,
        blind_moderator_id=actor.id if blind and actor.role in MANAGERS else None,
    )


class UnknownName(NotFound):
    """A service or questionnaire named on the command line that the tool does not know."""


def service_id_by_name(name: str, *, session: Session) -> int:
    """The id of the service with this name (case-insensitive), or UnknownName listing them."""
    services = session.execute(select(Service.id, Service.name)).all()  # type: ignore[call-overload]
    for service_id, service_name in services:
        if service_name.casefold() == name.strip().casefold():
            return int(service_id)
    known = ", ".join(sorted(n for _, n in services)) or "none yet"
    raise UnknownName(f"There is no service called “{name}”. Services: {known}.")


def check_questionnaire(questionnaire_id: str, *, session: Session) -> None:
    """UnknownName unless a questionnaire with this id has been published."""
    published = select(QuestionnaireVersion.questionnaire_id).where(  # type: ignore[call-overload]
        QuestionnaireVersion.published_at.is_not(None)  # type: ignore[union-attr]
    )
    ids = sorted(set(session.execute(published).scalars()))
    if questionnaire_id not in ids:
        known = ", ".join(ids) or "none loaded yet"
        raise UnknownName(
            f"There is no questionnaire “{questionnaire_id}”. Questionnaires: {known}."
        )


def check_kind(kind: str, *, session: Session) -> None:
    """UnknownName unless this kind of audit has been declared."""
    declared = declared_kinds(session=session)
    if kind not in declared:
        known = ", ".join(sorted(declared)) or "none declared yet"
        raise UnknownName(f"There is no kind of audit “{kind}”. Kinds: {known}.")


def auditor_ids(reader: ReportReader, selection: Selection, *, today: date) -> list[int]:
    """The auditors with audits in the selection, ignoring the auditor filter and the period."""
    wider = replace(
        selection,
        filters=selection.filters.with_(auditor_id=None, date_from=None, date_to=None),
    )
    found = summaries.window(reader, None, None, today, live=wider.filters.programme_id is not None)
    live = (
        select(A.auditor_id)
        .select_from(wider.audits())
        .where(*wider.within(found.live).conditions())
        .distinct()
    )
    rows = reader.rows(live, cached=True)
    if found.uses_summaries:
        rows += reader.rows(summaries.auditor_statement(wider, found), cached=True)
    return sorted({row[0] for row in rows})


def filter_problems(
    filters: Filters,
    catalogue: Catalogue,
    places: Places,
    auditors: dict[int, str],
    programmes: dict[int, str],
) -> dict[str, str]:
    """Filters that name something this person cannot choose."""
    problems: dict[str, str] = {}
    if filters.questionnaire_id and filters.questionnaire_id not in catalogue.questionnaire_titles:
        problems["questionnaire"] = "Select a questionnaire from the list"
    if filters.kind and filters.kind not in catalogue.kind_names:
        problems["kind"] = "Select a kind of audit from the list"
    if filters.service_id is not None and filters.service_id not in places.services:
        problems["service"] = "Select a service from the list"
    if filters.team_id is not None and filters.team_id not in places.teams:
        problems["team"] = "Select a team from the list"
    if filters.auditor_id is not None and filters.auditor_id not in auditors:
        problems["auditor"] = "Select an auditor from the list"
    if filters.programme_id is not None and filters.programme_id not in programmes:
        problems["programme"] = "Select an audit programme from the list"
    return problems


def report_page(
    reader: ReportReader,
    args: Mapping[str, str],
    scope: Scope,
    *,
    today: date,
    auditor: tuple[int, str] | None = None,
) -> ReportPage:
    """The filters of a reports page from its query string, checked against the choices this
    person has. ``auditor``: the person's own id and name when they audit, so that they may
    choose themselves even before they have audits to show."""
    asked = parse_filters(args, today)
    parsed = within_the_data(reader, asked, today=today)
    catalogue = load_catalogue(reader)
    places = Places.load(reader, scope)
    base = Selection.build(parsed.filters, scope, catalogue, places)
    auditors = {
        uid: places.users.get(uid, f"User {uid}") for uid in auditor_ids(reader, base, today=today)
    }
    if parsed.filters.auditor_id is not None and auditor is not None:
        auditors.setdefault(*auditor)
    errors = dict(parsed.errors)
    # Programmes draw the home organisation's cases: none for someone who sees no service.
    programmes = programme_names(reader) if places.services else {}
    problems = filter_problems(parsed.filters, catalogue, places, auditors, programmes)
    for key, message in problems.items():
        errors.setdefault(key, message)
    return ReportPage(
        filters=parsed.filters,
        errors=errors,
        raw=parsed.raw,
        scope=scope,
        catalogue=catalogue,
        places=places,
        auditors=auditors,
        asked=asked.filters,
        programmes=programmes,
    )


def programme_names(reader: ReportReader) -> dict[int, str]:
    """Every audit programme's name, by id, for the programme filter."""
    programme = table_of(Programme).c
    return {row[0]: row[1] for row in reader.rows(select(programme.id, programme.name))}


def within_the_data(reader: ReportReader, parsed: ParsedFilters, *, today: date) -> ParsedFilters:
    """The period cut to the months the data holds, so that a period of a thousand years costs
    what the months with audits cost; a period that starts after everything recorded is a
    problem at its start."""
    if parsed.errors.get("from") or parsed.errors.get("to"):
        return parsed
    held = held_period(*recorded_days(reader), today)
    problem = period_problem(parsed.filters, held)
    if problem:
        return replace(parsed, errors={**parsed.errors, "from": problem})
    return replace(parsed, filters=parsed.filters.within(held))


def refresh_summaries(*, session: Session, today: date, now: bool = False) -> list[str]:
    """Remake the report summaries of past months changed since they were made; the months.

    In a request (unless ``now`` or SUMMARIES_AFTER_RESPONSE is off) nothing is remade: if a
    past month is stale, the background thread is woken to remake it after the response, and
    the page reads that month from the live tables meanwhile (the same figures, a little
    slower), so that no viewer waits for the remaking.
    """
    if now or not has_request_context() or not current_app.config.get("SUMMARIES_AFTER_RESPONSE"):
        return summaries.refresh(session, today=today)
    if summaries.has_stale(session, today=today):
        _remake_after_response(current_app._get_current_object())  # type: ignore[attr-defined]
    return []


def _remake_after_response(app: Flask) -> None:
    """Start remaking the stale months once the response has been sent, so that the remaking
    does not compete with the page for the machine."""
    from audit_app import jobs

    def when_sent(response: Response) -> Response:
        response.call_on_close(lambda: jobs.remake_summaries(app))
        return response

    after_this_request(when_sent)


def tidy_summaries(engine: Engine) -> None:
    """Clean up the summary tables after a large refresh (PostgreSQL)."""
    summaries.tidy(engine)


def mark_all_summaries_stale(*, session: Session) -> list[str]:
    """Mark every month with audits for remaking at the next refresh."""
    return summaries.rebuild(session)


def today_utc() -> date:
    return utcnow().date()


__all__ = [
    "Requester",
    "UnknownName",
    "auditor_ids",
    "check_questionnaire",
    "filter_problems",
    "record_export",
    "report_page",
    "check_kind",
    "report_scope",
    "service_id_by_name",
    "today_utc",
]
