"""What the dashboard counts: its GROUP BY queries, and where each figure's rows come from.

Every query returns one row per group (month, team, grade, measure...), never one per audit, so
the work in Python stays the same whether a deployment holds a thousand audits or a million.
Whole past months are read from the month summaries (:mod:`audit_app.reporting.summaries`),
the rest from the live tables; both give the same groups, which simply add up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, exists, false, func, or_, select

from audit_app.models import (
    Action,
    Allocation,
    ComplianceResult,
    Moderation,
    ThemeResult,
    table_of,
)
from audit_app.reporting import summaries
from audit_app.reporting.database import ReportReader, month_of
from audit_app.reporting.filters import Filters
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import (
    AUDIT,
    CASE,
    REPORTED_STATUSES,
    RESULT,
    A,
    C,
    R,
    Selection,
    of_audits,
)
from audit_app.reporting.withheld import not_hidden, unless_hidden

T = table_of(ThemeResult).c
CR = table_of(ComplianceResult).c
M = table_of(Moderation).c
AL = table_of(Allocation).c
AC = table_of(Action).c


def grade_statement(selection: Selection) -> Any:
    """Audits by version, month, team and the three overall grades."""
    month = month_of(A.submitted_at)
    grades = _grades(selection, R)
    return (
        select(
            A.questionnaire_version_id.label("version_id"),
            month.label("month"),
            C.team_id.label("team_id"),
            *(grade.label(name) for name, grade in zip(GRADES, grades, strict=True)),
            func.count().label("audits"),
        )
        .select_from(selection.audits_with_result())
        .where(*selection.conditions())
        .group_by(A.questionnaire_version_id, month, C.team_id)
        .group_by(*grades)
    )


GRADES = ("computed", "judged", "moderated")


def _grades(selection: Selection, columns: Any) -> list[Any]:
    """The three grades of an audit or theme result; none (NULL) for an audit whose judgements
    are kept from this person (blind moderation, ``reporting/withheld.py``): its grades stay
    out of every grade figure until they record their own."""
    return [unless_hidden(selection.scope, getattr(columns, f"grade_{name}")) for name in GRADES]


def judgement_statement(selection: Selection) -> Any:
    """Audits by auditor, version, computed and judged overall grade."""
    return (
        select(
            A.auditor_id.label("auditor_id"),
            A.questionnaire_version_id.label("version_id"),
            R.grade_computed.label("computed"),
            R.grade_judged.label("judged"),
            func.count().label("audits"),
        )
        .select_from(selection.audits_with_result())
        .where(
            *selection.conditions(),
            *not_hidden(selection.scope),
            R.grade_computed.is_not(None),
            R.grade_judged.is_not(None),
        )
        .group_by(A.auditor_id, A.questionnaire_version_id, R.grade_computed, R.grade_judged)
    )


def theme_statement(selection: Selection) -> Any:
    """Theme results by version, theme, team and the three grades, with percent sums."""
    grades = _grades(selection, T)
    return (
        select(
            A.questionnaire_version_id.label("version_id"),
            T.theme_id.label("theme_id"),
            C.team_id.label("team_id"),
            *(grade.label(name) for name, grade in zip(GRADES, grades, strict=True)),
            func.count().label("themes"),
            func.count(T.percent).label("graded"),
            func.sum(T.percent).label("percent_sum"),
        )
        .select_from(of_audits(table_of(ThemeResult)))
        .where(*selection.conditions())
        .group_by(A.questionnaire_version_id, T.theme_id, C.team_id)
        .group_by(*grades)
    )


def compliance_statement(selection: Selection) -> Any:
    """Included compliance answers by measure, team and month."""
    month = month_of(A.submitted_at)
    return (
        select(
            CR.measure.label("measure"),
            C.team_id.label("team_id"),
            month.label("month"),
            func.sum(case((CR.compliant, 1), else_=0)).label("compliant"),
            func.count().label("applicable"),
        )
        .select_from(of_audits(table_of(ComplianceResult)))
        .where(*selection.conditions())
        .group_by(CR.measure, C.team_id, month)
    )


def completed(moderation: Any) -> Any:
    return and_(moderation.c.completed_at.is_not(None), moderation.c.outcome.is_not(None))


def latest_moderation() -> Any:
    """Conditions on ``moderation`` (as M): completed, and the audit's latest such."""
    later = table_of(Moderation).alias("later_moderation")
    return and_(
        completed(table_of(Moderation)),
        ~exists(
            select(later.c.id).where(
                later.c.audit_id == M.audit_id, later.c.id > M.id, completed(later)
            )
        ),
    )


def moderation_statement(selection: Selection) -> Any:
    """Latest completed moderations by auditor, version, judged and moderator's grade."""
    return (
        select(
            A.auditor_id.label("auditor_id"),
            A.questionnaire_version_id.label("version_id"),
            R.grade_judged.label("judged"),
            M.overall_grade.label("moderated"),
            func.count().label("moderations"),
        )
        .select_from(of_audits(table_of(Moderation)).outerjoin(RESULT, R.audit_id == A.id))
        .where(
            *selection.conditions(),
            *not_hidden(selection.scope),
            latest_moderation(),
            M.overall_grade.is_not(None),
        )
        .group_by(A.auditor_id, A.questionnaire_version_id, R.grade_judged, M.overall_grade)
    )


def allocation_statement(selection: Selection, catalogue: Catalogue) -> Any:
    """Allocations due in the period, and how many have an audit whose submission stands."""
    allocations: Any = table_of(Allocation)
    if selection.team_ids is not None:  # the case tells the team
        allocations = allocations.join(CASE, C.id == AL.case_id)
    return (
        select(func.count().label("due"), func.count(A.id).label("completed"))
        .select_from(
            allocations.outerjoin(AUDIT, and_(A.id == AL.audit_id, A.status.in_(REPORTED_STATUSES)))
        )
        .where(*allocation_conditions(selection, catalogue))
    )


def allocation_questionnaires(filters: Filters, catalogue: Catalogue) -> list[str] | None:
    """The questionnaires whose allocations the filters count; None for any."""
    subject = filters.audit_subject
    if catalogue.version_ids(None, None, subject) is None:
        subject = None  # every version is of this subject
    if filters.questionnaire_id is None and filters.kind is None and subject is None:
        return None
    return [
        q
        for q in catalogue.questionnaire_ids(filters.kind, subject)
        if filters.questionnaire_id is None or q == filters.questionnaire_id
    ]


def allocation_conditions(selection: Selection, catalogue: Catalogue) -> list[Any]:
    f = selection.filters
    conditions: list[Any] = []
    if f.programme_id is not None:
        # A programme's progress: all its allocations, whatever their due date (its last day).
        conditions.append(AL.programme_id == f.programme_id)
    elif selection.ranges is not None:
        conditions.append(
            or_(
                *(
                    and_(
                        *([AL.due >= start.date()] if start is not None else []),
                        *([AL.due < end.date()] if end is not None else []),
                    )
                    for start, end in selection.ranges
                )
            )
            if selection.ranges
            else false()
        )
    else:
        if f.date_from is not None:
            conditions.append(AL.due >= f.date_from)
        if f.date_to is not None:
            conditions.append(AL.due <= f.date_to)
    ids = allocation_questionnaires(f, catalogue)
    if ids is not None:
        conditions.append(AL.questionnaire_id.in_(ids) if ids else AL.id.is_(None))
    if selection.team_ids is not None:
        conditions.append(
            C.team_id.in_(selection.team_ids) if selection.team_ids else AL.id.is_(None)
        )
    if f.auditor_id is not None:
        conditions.append(AL.auditor_id == f.auditor_id)
    if selection.scope.auditor_id is not None:
        conditions.append(AL.auditor_id == selection.scope.auditor_id)
    return conditions


def action_statement(selection: Selection, today: date) -> Any:
    """Open actions, and how many are past their due date, on the audits of the filters.

    Actions are counted as they stand today, whatever the date of their audit: an overdue
    action from an audit of last year is still overdue.
    """
    is_open = AC.status == "open"
    return (
        select(
            func.coalesce(func.sum(case((is_open, 1), else_=0)), 0).label("open"),
            func.coalesce(func.sum(case((is_open & (AC.due < today), 1), else_=0)), 0).label(
                "overdue"
            ),
        )
        .select_from(of_audits(table_of(Action)))
        .where(*selection.conditions(period=False, status=False))
    )


# --- reading a figure's rows -------------------------------------------------------------


def gather(
    reader: ReportReader,
    live: Callable[[Selection], Any],
    summary: Callable[[Selection, summaries.Window], Any],
    selection: Selection,
    found: summaries.Window,
    *,
    summarised: bool = True,
) -> pd.DataFrame:
    """One figure's rows: whole past months from the summaries, the rest from the live tables.

    Every figure adds up counts by group, so rows from the two sources simply go together.
    Audits changed since their month's summaries were made are left out of the summaries'
    rows and read alone from the live tables.
    """
    if not found.uses_summaries or not summarised:
        return reader.frame(live(selection), cached=True)
    frames = [reader.frame(summary(selection, found), cached=True)]
    if found.live:
        frames.append(reader.frame(live(selection.within(found.live)), cached=True))
    if found.changed and found.changed_ranges:
        changed = selection.within(found.changed_ranges).among(found.changed)
        frames.append(reader.frame(live(changed), cached=True))
    filled = [frame for frame in frames if len(frame)]
    if len(filled) > 1:
        return pd.concat(filled, ignore_index=True)
    return filled[0] if filled else frames[0]
