"""Summaries of past months, so that the dashboard stays quick at a regional scale.

At a hundred thousand audits the dashboard's figures group half a million theme results and
nearly a million compliance answers; computed from the live tables that takes seconds. Most of
those rows belong to months that no longer change, so each past month (UTC, by submission date)
is summarised once into three small tables (``models.py``: ``ReportAudit``, one row per audit;
``ReportThemeMonth`` and ``ReportComplianceMonth``, counts by version, team and grade or
measure) and the dashboard adds up those rows instead.

Staying right:

- Database triggers (migration 0008) add a row to ``report_stale_month`` in the same transaction
  as any change to an audit, its results, its moderations or its case's team. A month with such
  a row is *stale*.
- :func:`refresh` recomputes the stale months before the current one and deletes the stale rows
  it read, in one transaction (one refresh at a time on PostgreSQL: an advisory lock).
- :func:`window` decides, inside the report's snapshot, which months come from the summaries:
  the whole past months of the period that are not stale there. Everything else (the current
  month, part-months at either end of the period, stale months) is read from the live tables.
  So a figure is the same whether or not a refresh has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import String, and_, case, delete, false, func, insert, literal, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from audit_app.models import (
    Allocation,
    ComplianceResult,
    Moderation,
    ReportAllocationMonth,
    ReportAudit,
    ReportComplianceMonth,
    ReportStaleMonth,
    ReportThemeMonth,
    ThemeResult,
    table_of,
)
from audit_app.reporting.database import ReportReader, month_of
from audit_app.reporting.selection import (
    AUDIT,
    CASE,
    REPORTED_STATUSES,
    RESULT,
    A,
    C,
    R,
    Selection,
    month_range,
)

STALE = table_of(ReportStaleMonth)
AUDITS = table_of(ReportAudit)
THEMES = table_of(ReportThemeMonth)
COMPLIANCE = table_of(ReportComplianceMonth)
ALLOCATIONS = table_of(ReportAllocationMonth)
AL = table_of(Allocation).c
T = table_of(ThemeResult).c
CR = table_of(ComplianceResult).c
MOD = table_of(Moderation)

# Any fixed number: PostgreSQL's advisory lock that lets one refresh run at a time.
REFRESH_LOCK = 72_410_001
_DELETE_BATCH = 500

Range = tuple[datetime | None, datetime | None]


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def next_month(month: str) -> str:
    return month_range(month)[1].strftime("%Y-%m")


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


@dataclass(frozen=True)
class Window:
    """Where a period's figures come from.

    ``first`` to ``last`` (``YYYY-MM``; ``first`` None for "from the start", ``last``
    exclusive) are read from the summaries, except the ``stale`` months; ``live`` lists the
    submission-time ranges read from the live tables (start inclusive, end exclusive; None is
    open).
    """

    first: str | None
    last: str | None
    stale: tuple[str, ...]
    live: tuple[Range, ...]

    @property
    def uses_summaries(self) -> bool:
        return self.last is not None


def plan(date_from: date | None, date_to: date | None, today: date) -> Window:
    """The whole past months of a period, and the ranges around them, before stale months are
    known. ``today`` is the UTC date: its month is still changing, so it is always live."""
    current = month_key(today)
    first = None
    if date_from is not None:
        first = month_key(date_from)
        if date_from.day != 1:
            first = next_month(first)
    # Nothing is submitted after today, so a period that reaches today ends with the current
    # month; otherwise the last whole month is the one that ends on ``date_to``.
    if date_to is None or date_to >= today:
        last = current
    else:
        after = date_to + timedelta(days=1)
        last = min(month_key(after) if after.day == 1 else month_key(date_to), current)
    end = None if date_to is None else _start(date_to + timedelta(days=1))
    start = None if date_from is None else _start(date_from)
    if first is not None and first >= last:
        return Window(first=None, last=None, stale=(), live=((start, end),))
    live: list[Range] = []
    if date_from is not None and first is not None and start < month_range(first)[0]:  # type: ignore[operator]
        live.append((start, month_range(first)[0]))
    last_start = month_range(last)[0]
    if end is None or last_start < end:
        live.append((last_start, end))
    return Window(first=first, last=last, stale=(), live=tuple(live))


def window(
    reader: ReportReader, date_from: date | None, date_to: date | None, today: date
) -> Window:
    """:func:`plan`, with the months that are stale in this snapshot read live."""
    planned = plan(date_from, date_to, today)
    if not planned.uses_summaries:
        return planned
    query = select(STALE.c.month).distinct().where(STALE.c.month < planned.last)
    if planned.first is not None:
        query = query.where(STALE.c.month >= planned.first)
    stale = tuple(sorted(row[0] for row in reader.rows(query)))
    if not stale:
        return planned
    live = list(planned.live) + [month_range(m) for m in stale]
    return Window(first=planned.first, last=planned.last, stale=stale, live=tuple(live))


# --- reading the summaries -------------------------------------------------------------------


def _conditions(
    columns: Any, selection: Selection, found: Window, *, people: bool, versions: bool = True
) -> list[Any]:
    conditions: list[Any] = [columns.month < found.last]
    if found.first is not None:
        conditions.append(columns.month >= found.first)
    if found.stale:
        conditions.append(columns.month.not_in(found.stale))
    if versions and selection.version_ids is not None:
        conditions.append(
            columns.questionnaire_version_id.in_(selection.version_ids)
            if selection.version_ids
            else false()
        )
    if selection.team_ids is not None:
        conditions.append(
            columns.team_id.in_(selection.team_ids) if selection.team_ids else false()
        )
    if people:
        for auditor_id in (selection.filters.auditor_id, selection.scope.auditor_id):
            if auditor_id is not None:
                conditions.append(columns.auditor_id == auditor_id)
    return conditions


def by_person(selection: Selection) -> bool:
    """Whether the report is limited to one auditor's audits: the month tables of themes and
    compliance do not keep the auditor, so such a report reads them live."""
    return selection.filters.auditor_id is not None or selection.scope.auditor_id is not None


def grade_statement(selection: Selection, found: Window) -> Any:
    c = AUDITS.c
    return (
        select(
            c.questionnaire_version_id.label("version_id"),
            c.month.label("month"),
            c.team_id.label("team_id"),
            c.grade_computed.label("computed"),
            c.grade_judged.label("judged"),
            c.grade_moderated.label("moderated"),
            func.count().label("audits"),
        )
        .where(*_conditions(c, selection, found, people=True))
        # In the order of the covering index, which then needs no sorting.
        .group_by(c.month, c.questionnaire_version_id, c.team_id)
        .group_by(c.grade_computed, c.grade_judged, c.grade_moderated)
    )


def auditor_statement(selection: Selection, found: Window) -> Any:
    """The auditors of the summarised audits."""
    c = AUDITS.c
    return select(c.auditor_id).where(*_conditions(c, selection, found, people=True)).distinct()


def judgement_statement(selection: Selection, found: Window) -> Any:
    c = AUDITS.c
    return (
        select(
            c.auditor_id.label("auditor_id"),
            c.questionnaire_version_id.label("version_id"),
            c.grade_computed.label("computed"),
            c.grade_judged.label("judged"),
            func.count().label("audits"),
        )
        .where(
            *_conditions(c, selection, found, people=True),
            c.grade_computed.is_not(None),
            c.grade_judged.is_not(None),
        )
        .group_by(c.auditor_id, c.questionnaire_version_id, c.grade_computed, c.grade_judged)
    )


def moderation_statement(selection: Selection, found: Window) -> Any:
    c = AUDITS.c
    return (
        select(
            c.auditor_id.label("auditor_id"),
            c.questionnaire_version_id.label("version_id"),
            c.grade_judged.label("judged"),
            c.moderation_grade.label("moderated"),
            func.count().label("moderations"),
        )
        .where(*_conditions(c, selection, found, people=True), c.moderation_grade.is_not(None))
        .group_by(c.auditor_id, c.questionnaire_version_id, c.grade_judged, c.moderation_grade)
    )


def theme_statement(selection: Selection, found: Window) -> Any:
    c = THEMES.c
    return (
        select(
            c.questionnaire_version_id.label("version_id"),
            c.theme_id.label("theme_id"),
            c.team_id.label("team_id"),
            c.grade_computed.label("computed"),
            c.grade_judged.label("judged"),
            c.grade_moderated.label("moderated"),
            func.sum(c.themes).label("themes"),
            func.sum(c.graded).label("graded"),
            func.sum(c.percent_sum).label("percent_sum"),
        )
        .where(*_conditions(c, selection, found, people=False))
        .group_by(c.questionnaire_version_id, c.theme_id, c.team_id)
        .group_by(c.grade_computed, c.grade_judged, c.grade_moderated)
    )


def compliance_statement(selection: Selection, found: Window) -> Any:
    c = COMPLIANCE.c
    return (
        select(
            c.measure.label("measure"),
            c.team_id.label("team_id"),
            c.month.label("month"),
            func.sum(c.compliant).label("compliant"),
            func.sum(c.applicable).label("applicable"),
        )
        .where(*_conditions(c, selection, found, people=False))
        .group_by(c.measure, c.team_id, c.month)
    )


def allocation_statement(selection: Selection, found: Window, questionnaire_ids: Any) -> Any:
    """Allocations due in the summarised months, and how many are completed.

    ``questionnaire_ids``: None for any, else the questionnaires the filters allow."""
    c = ALLOCATIONS.c
    conditions = _conditions(c, selection, found, people=False, versions=False)
    if questionnaire_ids is not None:
        conditions.append(
            c.questionnaire_id.in_(questionnaire_ids) if questionnaire_ids else false()
        )
    return select(
        func.coalesce(func.sum(c.due), 0).label("due"),
        func.coalesce(func.sum(c.completed), 0).label("completed"),
    ).where(*conditions)


# --- making the summaries ----------------------------------------------------------------------


def _in_month(month: str) -> list[Any]:
    start, end = month_range(month)
    return [A.status.in_(REPORTED_STATUSES), A.submitted_at >= start, A.submitted_at < end]


def _latest_moderation_grade() -> Any:
    """The overall grade of the audit's latest completed moderation (None if it gave none)."""
    return (
        select(MOD.c.overall_grade)
        .where(
            MOD.c.audit_id == A.id,
            MOD.c.completed_at.is_not(None),
            MOD.c.outcome.is_not(None),
        )
        .order_by(MOD.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _summarise(connection: Connection, month: str) -> None:
    """Replace one month's summaries with what the live tables hold now."""
    for summary in (AUDITS, THEMES, COMPLIANCE, ALLOCATIONS):
        connection.execute(delete(summary).where(summary.c.month == month))
    _summarise_audits(connection, month)
    _summarise_themes(connection, month)
    _summarise_compliance(connection, month)
    _summarise_allocations(connection, month)


def _summarise_audits(connection: Connection, month: str) -> None:
    """One row per audit submitted in the month: its version, team, auditor and grades."""
    connection.execute(
        insert(AUDITS).from_select(
            [
                "audit_id",
                "month",
                "questionnaire_version_id",
                "team_id",
                "auditor_id",
                "grade_computed",
                "grade_judged",
                "grade_moderated",
                "moderation_grade",
            ],
            select(
                A.id,
                literal(month, String),  # the same text on every row
                A.questionnaire_version_id,
                C.team_id,
                A.auditor_id,
                R.grade_computed,
                R.grade_judged,
                R.grade_moderated,
                _latest_moderation_grade(),
            )
            .select_from(AUDIT.join(CASE, C.id == A.case_id).outerjoin(RESULT, R.audit_id == A.id))
            .where(*_in_month(month)),
        )
    )


def _summarise_themes(connection: Connection, month: str) -> None:
    """Theme results of the month's audits by version, team, theme and grades."""
    groups = (
        A.questionnaire_version_id,
        C.team_id,
        T.theme_id,
        T.grade_computed,
        T.grade_judged,
        T.grade_moderated,
    )
    connection.execute(
        insert(THEMES).from_select(
            [
                "month",
                "questionnaire_version_id",
                "team_id",
                "theme_id",
                "grade_computed",
                "grade_judged",
                "grade_moderated",
                "themes",
                "graded",
                "percent_sum",
            ],
            select(
                literal(month, String),
                *groups,
                func.count(),
                func.count(T.percent),
                func.sum(T.percent),
            )
            .select_from(
                table_of(ThemeResult).join(AUDIT, A.id == T.audit_id).join(CASE, C.id == A.case_id)
            )
            .where(*_in_month(month))
            .group_by(*groups),
        )
    )


def _summarise_compliance(connection: Connection, month: str) -> None:
    """Compliance answers of the month's audits by version, team and measure."""
    groups = (A.questionnaire_version_id, C.team_id, CR.measure)
    connection.execute(
        insert(COMPLIANCE).from_select(
            ["month", "questionnaire_version_id", "team_id", "measure", "compliant", "applicable"],
            select(
                literal(month, String),
                *groups,
                func.sum(case((CR.compliant, 1), else_=0)),
                func.count(),
            )
            .select_from(
                table_of(ComplianceResult)
                .join(AUDIT, A.id == CR.audit_id)
                .join(CASE, C.id == A.case_id)
            )
            .where(*_in_month(month))
            .group_by(*groups),
        )
    )


def _summarise_allocations(connection: Connection, month: str) -> None:
    """Allocations due in the month by questionnaire and team, and how many are completed."""
    start, end = (moment.date() for moment in month_range(month))
    groups = (AL.questionnaire_id, C.team_id)
    connection.execute(
        insert(ALLOCATIONS).from_select(
            ["month", "questionnaire_id", "team_id", "due", "completed"],
            select(literal(month, String), *groups, func.count(), func.count(A.id))
            .select_from(
                table_of(Allocation)
                .join(CASE, C.id == AL.case_id)
                .outerjoin(AUDIT, and_(A.id == AL.audit_id, A.status.in_(REPORTED_STATUSES)))
            )
            .where(AL.due >= start, AL.due < end)
            .group_by(*groups),
        )
    )


def has_stale(session: Session, *, today: date) -> bool:
    """Whether a month before the current one is marked stale (one indexed look)."""
    found = session.connection().execute(
        select(STALE.c.id).where(STALE.c.month < month_key(today)).limit(1)
    )
    return found.first() is not None


def refresh(session: Session, *, today: date) -> list[str]:
    """Recompute the stale months before the current one; return them. The caller commits."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(REFRESH_LOCK)))
    current = month_key(today)
    seen = connection.execute(
        select(STALE.c.id, STALE.c.month).where(STALE.c.month < current)
    ).all()
    months = sorted({month for _, month in seen})
    for month in months:
        _summarise(connection, month)
    ids = [row_id for row_id, _ in seen]
    if connection.dialect.name == "postgresql":
        # After a bulk load there can be millions: one statement, the ids as one array.
        connection.execute(
            text("DELETE FROM report_stale_month WHERE id = ANY(:ids)"), {"ids": ids}
        )
    else:
        for at in range(0, len(ids), _DELETE_BATCH):
            connection.execute(delete(STALE).where(STALE.c.id.in_(ids[at : at + _DELETE_BATCH])))
    return months


def tidy(engine: Engine) -> None:
    """On PostgreSQL, clean up after a large refresh (VACUUM ANALYZE of the summary tables).

    Remaking many months leaves as many dead rows; until they are vacuumed, reads of the
    summaries must visit the tables instead of their indexes alone. Autovacuum gets there in
    time; after a bulk load or an upgrade there is no need to wait. (SQLite needs nothing.)
    """
    if engine.dialect.name != "postgresql":
        return
    tables = ", ".join(t.name for t in (STALE, AUDITS, THEMES, COMPLIANCE, ALLOCATIONS))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM ANALYZE {tables}"))


def rebuild(session: Session) -> list[str]:
    """Mark every month with audits stale, so that the next refresh remakes every summary."""
    connection = session.connection()
    months = sorted(
        row[0]
        for row in connection.execute(
            select(month_of(A.submitted_at)).where(A.submitted_at.is_not(None)).distinct()
        )
    )
    if months:
        connection.execute(insert(STALE), [{"month": month} for month in months])
    return months
