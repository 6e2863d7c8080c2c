"""Summaries of past months, so that the dashboard stays quick at a regional scale.

At a hundred thousand audits the dashboard's figures group half a million theme results and
nearly a million compliance answers; computed from the live tables that takes seconds. Most of
those rows belong to months that no longer change, so each past month (UTC, by submission date)
is summarised once into three small tables (``models.py``: ``ReportAudit``, one row per audit;
``ReportThemeMonth`` and ``ReportComplianceMonth``, counts by version, team and grade or
measure) and the dashboard adds up those rows instead.

Staying right:

- Database triggers (migrations 0008 and 0014) add a row to ``report_stale_month`` in the same
  transaction as any change to an audit, its results, its moderations or its case's team (the
  row names the audit), or to an allocation (the row names the month's allocations). A month
  with such a row is *stale*.
- :func:`refresh` recomputes the stale months before the current one and deletes the stale rows
  it read, in one transaction (one refresh at a time on PostgreSQL: an advisory lock). Besides
  the counts it keeps each audit's theme results and compliance counts as they were counted
  (``ReportThemeAudit``, ``ReportComplianceAudit``), and makes the counts from those rows.
- :func:`window` decides, inside the report's snapshot, which months come from the summaries:
  the whole past months of the period that are not stale there. Everything else (the current
  month, part-months at either end of the period, stale months) is read from the live tables.
  With ``by_audit`` (the dashboard), a month whose only changes are a few audits' stays in the
  summaries: each changed audit is left out of ``report_audit``'s rows, what it added to the
  theme and compliance counts is taken away again, and it is read alone from the live tables.
  One audit changed then costs the page a few rows, not a month's.
  So a figure is the same whether or not a refresh has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from audit_app.models import (
    Allocation,
    ComplianceResult,
    Moderation,
    ReportAllocationMonth,
    ReportAudit,
    ReportComplianceAudit,
    ReportComplianceMonth,
    ReportStaleMonth,
    ReportThemeAudit,
    ReportThemeMonth,
    ThemeResult,
    table_of,
)
from audit_app.reporting.database import ReportReader, month_of
from audit_app.reporting.filters import Filters
from audit_app.reporting.selection import (
    AUDIT,
    CASE,
    REPORTED_STATUSES,
    RESULT,
    A,
    C,
    R,
    Selection,
    external_audit_ids,
    month_range,
)

STALE = table_of(ReportStaleMonth)
AUDITS = table_of(ReportAudit)
THEMES = table_of(ReportThemeMonth)
COMPLIANCE = table_of(ReportComplianceMonth)
ALLOCATIONS = table_of(ReportAllocationMonth)
THEME_AUDITS = table_of(ReportThemeAudit)
COMPLIANCE_AUDITS = table_of(ReportComplianceAudit)
AL = table_of(Allocation).c
T = table_of(ThemeResult).c
CR = table_of(ComplianceResult).c
MOD = table_of(Moderation)

# Any fixed number: PostgreSQL's advisory lock that lets one refresh run at a time.
REFRESH_LOCK = 72_410_001
_DELETE_BATCH = 500
# Up to this many changed audits are taken out of their months' summaries and read alone;
# beyond it (a bulk load, a rebuild) the months they are in are read whole from the live tables.
CHANGED_AUDITS = 500

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

    ``changed``: audits changed since their month's summaries were made, in months that are
    otherwise read from the summaries. Each is taken out of the summaries (what it added to
    them is kept per audit) and read alone from the live tables (:attr:`changed_ranges`).
    ``allocations``: months whose allocations changed, read live for the allocation figure only.
    """

    first: str | None
    last: str | None
    stale: tuple[str, ...]
    live: tuple[Range, ...]
    changed: tuple[int, ...] = ()
    allocations: tuple[str, ...] = ()

    @property
    def uses_summaries(self) -> bool:
        return self.last is not None

    @property
    def changed_ranges(self) -> tuple[Range, ...]:
        """Where the changed audits are read live: the summarised months, less the stale ones
        (read whole already). A changed audit now outside them is in ``live`` or not counted."""
        if self.last is None:
            return ()
        ranges: list[Range] = []
        start = None if self.first is None else month_range(self.first)[0]
        for month in sorted(self.stale):
            month_start, month_end = month_range(month)
            if start is None or start < month_start:
                ranges.append((start, month_start))
            start = month_end
        end = month_range(self.last)[0]
        if start is None or start < end:
            ranges.append((start, end))
        return tuple(ranges)

    def for_allocations(self) -> Window:
        """The window of the allocation figure: months whose allocations changed read live."""
        extra = [month for month in self.allocations if month not in self.stale]
        return Window(
            first=self.first,
            last=self.last,
            stale=tuple(sorted((*self.stale, *extra))),
            live=(*self.live, *(month_range(month) for month in sorted(extra))),
        )


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
    reader: ReportReader,
    date_from: date | None,
    date_to: date | None,
    today: date,
    *,
    by_audit: bool = False,
    live: bool = False,
) -> Window:
    """:func:`plan`, with the months that are stale in this snapshot read live.

    ``live``: read the whole period from the live tables (a report on an audit programme's
    audits, which the month summaries do not tell apart).

    ``by_audit``: for readers that take changed audits out of the summaries
    (:func:`gather`'s callers): a month whose only changes are a few audits' stays in the
    summaries, less those audits, which are read alone (``changed``); a month whose
    allocations changed is read live for the allocation figure only (``allocations``)."""
    if live:
        start = None if date_from is None else _start(date_from)
        end = None if date_to is None else _start(date_to + timedelta(days=1))
        return Window(first=None, last=None, stale=(), live=((start, end),))
    planned = plan(date_from, date_to, today)
    if not planned.uses_summaries:
        return planned
    span = [STALE.c.month < planned.last]
    if planned.first is not None:
        span.append(STALE.c.month >= planned.first)
    if by_audit:
        marks = reader.rows(
            select(STALE.c.month, STALE.c.part, STALE.c.audit_id)
            .distinct()
            .where(*span)
            .limit(CHANGED_AUDITS + 1)
        )
        if len(marks) <= CHANGED_AUDITS:
            return _by_audit(planned, marks)
    stale = tuple(
        sorted(row[0] for row in reader.rows(select(STALE.c.month).distinct().where(*span)))
    )
    if not stale:
        return planned
    ranges = list(planned.live) + [month_range(m) for m in stale]
    return Window(first=planned.first, last=planned.last, stale=stale, live=tuple(ranges))


def window_of(reader: ReportReader, filters: Filters, today: date) -> Window:
    """The window of a report's filters, for readers that take changed audits out of the
    summaries; the whole period live for an audit programme's report."""
    return window(
        reader,
        filters.date_from,
        filters.date_to,
        today,
        by_audit=True,
        live=filters.programme_id is not None,
    )


def _by_audit(planned: Window, marks: list[tuple[Any, ...]]) -> Window:
    """The window from a few marks: whole months only where something else than an audit or
    the allocations changed."""
    whole: set[str] = set()
    changed: set[int] = set()
    allocations: set[str] = set()
    for month, part, audit_id in marks:
        if part == "audit" and audit_id is not None:
            changed.add(audit_id)
        elif part == "allocations":
            allocations.add(month)
        else:
            whole.add(month)
    return Window(
        first=planned.first,
        last=planned.last,
        stale=tuple(sorted(whole)),
        live=(*planned.live, *(month_range(m) for m in sorted(whole))),
        changed=tuple(sorted(changed)),
        allocations=tuple(sorted(allocations)),
    )


# --- reading the summaries -------------------------------------------------------------------


def _conditions(
    columns: Any,
    selection: Selection,
    found: Window,
    *,
    people: bool,
    versions: bool = True,
    changed: bool = False,
) -> list[Any]:
    """Conditions on a summary table. On ``report_audit``, the changed audits are left out, or
    with ``changed`` they alone are kept."""
    conditions: list[Any] = [columns.month < found.last]
    if found.first is not None:
        conditions.append(columns.month >= found.first)
    if found.stale:
        conditions.append(columns.month.not_in(found.stale))
    if changed:
        conditions.append(columns.audit_id.in_(found.changed))
    elif found.changed and columns is AUDITS.c:
        conditions.append(columns.audit_id.not_in(found.changed))
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
    """Theme results by version, theme, team and grades; less, for each changed audit, what it
    added to its month's summary."""
    c = THEMES.c
    columns = (
        c.questionnaire_version_id.label("version_id"),
        c.theme_id.label("theme_id"),
        c.team_id.label("team_id"),
        c.grade_computed.label("computed"),
        c.grade_judged.label("judged"),
        c.grade_moderated.label("moderated"),
    )
    conditions = _conditions(c, selection, found, people=False)
    if not found.changed:
        return (
            select(
                *columns,
                func.sum(c.themes).label("themes"),
                func.sum(c.graded).label("graded"),
                func.sum(c.percent_sum).label("percent_sum"),
            )
            .where(*conditions)
            .group_by(c.questionnaire_version_id, c.theme_id, c.team_id)
            .group_by(c.grade_computed, c.grade_judged, c.grade_moderated)
        )
    counted = select(*columns, c.themes, c.graded, c.percent_sum).where(*conditions)
    both = union_all(counted, _themes_taken_away(selection, found)).subquery("theme_rows")
    keys = [both.c[name] for name in ("version_id", "theme_id", "team_id", *GRADE_NAMES)]
    return (
        select(
            *keys,
            func.sum(both.c.themes).label("themes"),
            func.sum(both.c.graded).label("graded"),
            # Percents have six decimals: the rounding undoes a float's error on SQLite.
            func.round(func.sum(both.c.percent_sum), 6).label("percent_sum"),
        )
        .group_by(*keys)
        # A group whose every theme result was taken away is no group.
        .having(func.sum(both.c.themes) != 0)
    )


def _themes_taken_away(selection: Selection, found: Window) -> Any:
    """What each changed audit added to its month's theme counts, as negative rows."""
    t, a = THEME_AUDITS.c, AUDITS.c
    taken_away = select(
        a.questionnaire_version_id,
        t.theme_id,
        a.team_id,
        t.grade_computed,
        t.grade_judged,
        t.grade_moderated,
        literal(-1).label("themes"),
        case((t.percent.is_(None), 0), else_=-1).label("graded"),
        (-t.percent).label("percent_sum"),
    ).select_from(THEME_AUDITS.join(AUDITS, a.audit_id == t.audit_id))
    return taken_away.where(*_conditions(a, selection, found, people=False, changed=True))


GRADE_NAMES = ("computed", "judged", "moderated")


def compliance_statement(selection: Selection, found: Window, measure: str | None = None) -> Any:
    """Compliance answers by measure (or of one ``measure``), team and month; less, for each
    changed audit, what it added to its month's summary."""
    c = COMPLIANCE.c
    conditions = _conditions(c, selection, found, people=False)
    if measure is not None:
        conditions.append(c.measure == measure)
    if not found.changed:
        return (
            select(
                c.measure.label("measure"),
                c.team_id.label("team_id"),
                c.month.label("month"),
                func.sum(c.compliant).label("compliant"),
                func.sum(c.applicable).label("applicable"),
            )
            .where(*conditions)
            .group_by(c.measure, c.team_id, c.month)
        )
    m, a = COMPLIANCE_AUDITS.c, AUDITS.c
    counted = select(
        c.measure.label("measure"),
        c.team_id.label("team_id"),
        c.month.label("month"),
        c.compliant,
        c.applicable,
    ).where(*conditions)
    taken_away = (
        select(m.measure, a.team_id, a.month, -m.compliant, -m.applicable)
        .select_from(COMPLIANCE_AUDITS.join(AUDITS, a.audit_id == m.audit_id))
        .where(
            *_conditions(a, selection, found, people=False, changed=True),
            *([m.measure == measure] if measure is not None else []),
        )
    )
    both = union_all(counted, taken_away).subquery("compliance_rows")
    keys = [both.c.measure, both.c.team_id, both.c.month]
    return (
        select(
            *keys,
            func.sum(both.c.compliant).label("compliant"),
            func.sum(both.c.applicable).label("applicable"),
        )
        .group_by(*keys)
        .having(func.sum(both.c.applicable) != 0)
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
    return [
        A.status.in_(REPORTED_STATUSES),
        A.submitted_at >= start,
        A.submitted_at < end,
        # An external audit (made under a grant to the case) never counts.
        A.id.not_in(external_audit_ids()),
    ]


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


SUMMARY_TABLES = (AUDITS, THEME_AUDITS, COMPLIANCE_AUDITS, THEMES, COMPLIANCE, ALLOCATIONS)


def _summarise(connection: Connection, months: list[str]) -> None:
    """Replace these months' summaries with what the live tables hold now.

    Every month's rows go before any are made, so that an audit moved from one of them to
    another is never summarised twice."""
    for month in months:
        # An audit's own rows go with its row in ``report_audit``, which says its month.
        summarised = select(AUDITS.c.audit_id).where(AUDITS.c.month == month)
        for per_audit in (THEME_AUDITS, COMPLIANCE_AUDITS):
            connection.execute(delete(per_audit).where(per_audit.c.audit_id.in_(summarised)))
        for summary in (AUDITS, THEMES, COMPLIANCE, ALLOCATIONS):
            connection.execute(delete(summary).where(summary.c.month == month))
    for month in months:
        _summarise_audits(connection, month)
        _summarise_theme_audits(connection, month)
        _summarise_compliance_audits(connection, month)
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


def _summarise_theme_audits(connection: Connection, month: str) -> None:
    """Each theme result of the month's summarised audits."""
    ra = AUDITS.c
    connection.execute(
        insert(THEME_AUDITS).from_select(
            [
                "audit_id",
                "theme_id",
                "grade_computed",
                "grade_judged",
                "grade_moderated",
                "percent",
            ],
            select(
                T.audit_id,
                T.theme_id,
                T.grade_computed,
                T.grade_judged,
                T.grade_moderated,
                T.percent,
            )
            .select_from(table_of(ThemeResult).join(AUDITS, ra.audit_id == T.audit_id))
            .where(ra.month == month),
        )
    )


def _summarise_compliance_audits(connection: Connection, month: str) -> None:
    """The compliance answers of each of the month's summarised audits, by measure."""
    ra = AUDITS.c
    connection.execute(
        insert(COMPLIANCE_AUDITS).from_select(
            ["audit_id", "measure", "compliant", "applicable"],
            select(
                CR.audit_id,
                CR.measure,
                func.sum(case((CR.compliant, 1), else_=0)),
                func.count(),
            )
            .select_from(table_of(ComplianceResult).join(AUDITS, ra.audit_id == CR.audit_id))
            .where(ra.month == month)
            .group_by(CR.audit_id, CR.measure),
        )
    )


def _summarise_themes(connection: Connection, month: str) -> None:
    """The month's theme results by version, team, theme and grades.

    Counted from the per-audit rows just made, never from the live tables again: on
    PostgreSQL each statement sees the latest commits, and a changed audit's rows are taken
    away from these counts as those rows hold them (a change committed meanwhile leaves its
    mark, so that audit is read live until the month is remade again)."""
    t, ra = THEME_AUDITS.c, AUDITS.c
    groups = (
        ra.questionnaire_version_id,
        ra.team_id,
        t.theme_id,
        t.grade_computed,
        t.grade_judged,
        t.grade_moderated,
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
                func.count(t.percent),
                func.sum(t.percent),
            )
            .select_from(THEME_AUDITS.join(AUDITS, ra.audit_id == t.audit_id))
            .where(ra.month == month)
            .group_by(*groups),
        )
    )


def _summarise_compliance(connection: Connection, month: str) -> None:
    """The month's compliance answers by version, team and measure, counted from the per-audit
    rows just made (see :func:`_summarise_themes`)."""
    m, ra = COMPLIANCE_AUDITS.c, AUDITS.c
    groups = (ra.questionnaire_version_id, ra.team_id, m.measure)
    connection.execute(
        insert(COMPLIANCE).from_select(
            ["month", "questionnaire_version_id", "team_id", "measure", "compliant", "applicable"],
            select(
                literal(month, String),
                *groups,
                func.sum(m.compliant),
                func.sum(m.applicable),
            )
            .select_from(COMPLIANCE_AUDITS.join(AUDITS, ra.audit_id == m.audit_id))
            .where(ra.month == month)
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
    _summarise(connection, months)
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
    tables = ", ".join(t.name for t in (STALE, *SUMMARY_TABLES))
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
