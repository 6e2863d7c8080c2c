"""Which audits a report counts: those whose latest submission stands, within the filters and
the person's access.

Filters on questionnaire, kind, service and team are resolved to short lists of version and
team ids first, so that the large queries join only ``audit`` and ``case_file``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.sql import ColumnElement

from audit_app.core.dates import add_months, parse_month_key
from audit_app.core.lifecycle import STANDING
from audit_app.models import (
    Allocation,
    Audit,
    AuditResult,
    Case,
    CaseGrant,
    Service,
    Team,
    User,
    table_of,
)
from audit_app.reporting.database import ReportReader
from audit_app.reporting.filters import Filters, Scope, end_exclusive
from audit_app.reporting.final_grade import final_grade_column
from audit_app.reporting.questionnaires import Catalogue

# An audit counts once its latest submission stands: not a draft, not returned to its auditor.
REPORTED_STATUSES = STANDING

AUDIT = table_of(Audit)
CASE = table_of(Case)
RESULT = table_of(AuditResult)
A = AUDIT.c
C = CASE.c
R = RESULT.c


FINAL_GRADE = final_grade_column(
    computed=R.grade_computed, judged=R.grade_judged, moderated=R.grade_moderated
)


def external_audit_ids() -> Any:
    """The ids of the external audits: each made by someone who holds, or held, a grant to its
    case (a visiting auditor of another council, or the independent auditor)."""
    grant = table_of(CaseGrant).c
    return (
        select(A.id)
        .join_from(
            AUDIT,
            table_of(CaseGrant),
            (grant.user_id == A.auditor_id) & (grant.case_id == A.case_id),
        )
        .distinct()
    )


@dataclass(frozen=True)
class Places:
    """Services, teams and people by id, limited to what the person may see."""

    services: dict[int, str]
    teams: dict[int, str]
    team_service: dict[int, int]
    users: dict[int, str]
    # The external audits: made by a visiting auditor under a grant to the case
    # (services/grants.py), which never count in the figures of the case's service. Few, so
    # that leaving them out costs the statements nothing when there are none.
    external: frozenset[int] = frozenset()

    @classmethod
    def load(cls, reader: ReportReader, scope: Scope) -> Places:
        services: dict[int, str] = dict(reader.rows(select(Service.id, Service.name), cached=True))  # type: ignore[call-overload]
        teams_rows = reader.rows(select(Team.id, Team.name, Team.service_id), cached=True)  # type: ignore[call-overload]
        users = {
            uid: (display or username)
            for uid, username, display in reader.rows(
                select(User.id, User.username, User.display_name),  # type: ignore[call-overload]
                cached=True,
            )
        }
        if not scope.all_services and scope.auditor_id is None:
            services = {k: v for k, v in services.items() if k in scope.service_ids}
            teams_rows = [t for t in teams_rows if t[2] in scope.service_ids]
        return cls(
            services=services,
            teams={tid: name for tid, name, _ in teams_rows},
            team_service={tid: sid for tid, _, sid in teams_rows},
            users=users,
            external=frozenset(
                audit_id for (audit_id,) in reader.rows(external_audit_ids(), cached=True)
            ),
        )


@dataclass(frozen=True)
class Selection:
    """The conditions that pick the audits of a report, ready to add to any query."""

    filters: Filters
    scope: Scope
    version_ids: list[int] | None
    team_ids: list[int] | None
    # External audits, which no figure counts (``Places.external``).
    external: tuple[int, ...] = ()
    # Submission-time ranges that replace the period of the filters (see reporting/summaries).
    ranges: tuple[tuple[datetime | None, datetime | None], ...] | None = None
    # Audit ids from (inclusive) and to (exclusive): one part of an export written in parts.
    audit_ids: tuple[int | None, int | None] = (None, None)
    # These audits only (changed since their month's summaries were made).
    only: tuple[int, ...] | None = None

    def within(self, ranges: tuple[tuple[datetime | None, datetime | None], ...]) -> Selection:
        """The same audits, submitted within these ranges instead of the filters' period."""
        return replace(self, ranges=ranges)

    def among(self, audit_ids: tuple[int, ...]) -> Selection:
        """The same conditions, on these audits alone."""
        return replace(self, only=audit_ids)

    @classmethod
    def build(
        cls, filters: Filters, scope: Scope, catalogue: Catalogue, places: Places
    ) -> Selection:
        version_ids = catalogue.version_ids(
            filters.questionnaire_id, filters.kind, filters.audit_subject
        )
        # A manager is limited to the teams of their services (``places`` holds only those);
        # an auditor's own audits may be of any team, so only the filters narrow them.
        limited_by_scope = not scope.all_services and scope.auditor_id is None
        team_ids: list[int] | None = None
        if limited_by_scope or filters.service_id is not None or filters.team_id is not None:
            team_ids = [
                tid
                for tid, sid in places.team_service.items()
                if (filters.service_id is None or sid == filters.service_id)
                and (filters.team_id is None or tid == filters.team_id)
            ]
        return cls(
            filters=filters,
            scope=scope,
            version_ids=version_ids,
            team_ids=team_ids,
            external=tuple(sorted(places.external)),
        )

    def conditions(
        self, *, period: bool = True, status: bool = True, in_id_order: bool = False
    ) -> list[ColumnElement[Any]]:
        """Conditions on ``audit`` (as A) and ``case_file`` (as C).

        ``in_id_order``: for exports, which list every row in audit order. The status test is
        written so that no index can serve it (``status || ''``): SQLite then reads ``audit``
        in id order and need not sort millions of exported rows; a period narrows few rows
        out of a whole export, so the index would save little.
        """
        f = self.filters
        found: list[ColumnElement[Any]] = [A.id.not_in(self.external)] if self.external else []
        if status:
            tested = A.status.concat("") if in_id_order else A.status
            found.append(tested.in_(REPORTED_STATUSES))
        if period and self.ranges is not None:
            found.append(_within(self.ranges))
        elif period and f.date_from is not None:
            found.append(A.submitted_at >= datetime.combine(f.date_from, time(), UTC))
        if period and self.ranges is None and f.date_to is not None:
            found.append(A.submitted_at < datetime.combine(end_exclusive(f.date_to), time(), UTC))
        if self.version_ids is not None:
            found.append(
                A.questionnaire_version_id.in_(self.version_ids) if self.version_ids else false()
            )
        if self.team_ids is not None:
            found.append(C.team_id.in_(self.team_ids) if self.team_ids else false())
        if f.auditor_id is not None:
            found.append(A.auditor_id == f.auditor_id)
        if self.scope.auditor_id is not None:
            found.append(A.auditor_id == self.scope.auditor_id)
        if f.programme_id is not None:
            found.append(A.id.in_(programme_audits(f.programme_id)))
        if self.only is not None:
            found.append(A.id.in_(self.only) if self.only else false())
        low, high = self.audit_ids
        if low is not None:
            found.append(A.id >= low)
        if high is not None:
            found.append(A.id < high)
        return found

    def audits(self) -> Any:
        """``audit`` joined to its case, the FROM clause of most report queries."""
        return AUDIT.join(CASE, C.id == A.case_id)

    def audits_with_result(self) -> Any:
        return self.audits().outerjoin(RESULT, R.audit_id == A.id)


def programme_audits(programme_id: int) -> Any:
    """The ids of the audits started for an audit programme's allocations, as a subquery."""
    allocation = table_of(Allocation).c
    return select(allocation.audit_id).where(
        allocation.programme_id == programme_id, allocation.audit_id.is_not(None)
    )


def of_audits(rows: Any) -> Any:
    """A table of rows that belong to an audit (``audit_id``) joined to the audit and its case,
    the FROM clause of the reports' queries on results, moderations and actions."""
    return rows.join(AUDIT, A.id == rows.c.audit_id).join(CASE, C.id == A.case_id)


def _within(ranges: tuple[tuple[datetime | None, datetime | None], ...]) -> ColumnElement[bool]:
    if not ranges:
        return false()
    parts = []
    for start, end in ranges:
        bounds = []
        if start is not None:
            bounds.append(A.submitted_at >= start)
        if end is not None:
            bounds.append(A.submitted_at < end)
        parts.append(and_(*bounds) if bounds else A.submitted_at.is_not(None))
    return or_(*parts)


def recorded_days(reader: ReportReader) -> tuple[date | None, date | None]:
    """The first and last day anything a report counts is recorded on: a submission or an
    allocation's due date (None, None when there is nothing). Four index lookups, read afresh
    each time: cheap, and never a period cut by what an older cache held."""
    due = table_of(Allocation).c.due
    submitted = reader.rows(select(func.min(A.submitted_at), func.max(A.submitted_at)))
    allocated = reader.rows(select(func.min(due), func.max(due)))
    days = [_day(value) for value in (*submitted[0], *allocated[0]) if value is not None]
    return (min(days), max(days)) if days else (None, None)


def _day(value: Any) -> date:
    """A date or timestamp from the driver: text on SQLite, date or datetime on PostgreSQL."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def month_range(month: str) -> tuple[datetime, datetime]:
    """The first instant of a ``YYYY-MM`` month and of the next, in UTC."""
    first = parse_month_key(month)
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(add_months(first, 1), time.min, tzinfo=UTC)
    return start, end


def grade_in(pairs: list[tuple[int, str]], grade: Any) -> ColumnElement[bool]:
    """A final grade that is one of the (version, grade) pairs."""
    if not pairs:
        return false()
    by_version: dict[int, list[str]] = {}
    for version_id, name in pairs:
        by_version.setdefault(version_id, []).append(name)
    return or_(
        *(
            and_(A.questionnaire_version_id == version_id, grade.in_(names))
            for version_id, names in by_version.items()
        )
    )
