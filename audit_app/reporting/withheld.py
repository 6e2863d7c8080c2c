"""What a person's downloads, lists and figures leave out, as SQL: free-text answers for those
who may not read audits, and the auditor's judgements from a blind moderator.

Downloads and lists show a withheld judgement as blank; the dashboard's figures leave the grades
of those audits out (``reporting/queries.py``), and read the months that hold them from the live
tables, since the month summaries cannot tell whose moderation an audit awaits
(:func:`read_live`).

The rules are the audit pages' own: ``services/moderation.py``, ``judgements_hidden`` (an audit
awaiting moderation keeps its auditor's judgements and analysis from a manager, other than its
auditor, until they have recorded their grades in the moderation they are doing), and
``FREE_TEXT_DOWNLOADS`` (free text only for the roles that may open audits, by default).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import and_, case, exists, func, literal, null, select
from sqlalchemy.sql import ColumnElement

from audit_app.core.lifecycle import SUBMITTED
from audit_app.models import Moderation, table_of
from audit_app.reporting.database import ReportReader, month_of
from audit_app.reporting.filters import Scope
from audit_app.reporting.selection import A, Selection, month_range
from audit_app.reporting.summaries import Window

# An alias: the dashboard's moderation figures read ``moderation`` itself (reporting/queries.py).
MO = table_of(Moderation).alias("withheld_moderation").c

HIDDEN_TEXT = "Hidden until you grade"
"""What a list shows in place of a judged grade kept from a blind moderator."""


def judgements_hidden(scope: Scope) -> ColumnElement[bool] | None:
    """True for the audits whose auditor's judgements are kept from this person; None when
    none are (blind moderation off, or the person is no manager)."""
    moderator = scope.blind_moderator_id
    if moderator is None:
        return None
    graded = exists().where(
        MO.audit_id == A.id,
        MO.completed_at.is_(None),
        MO.moderator_id == moderator,
        MO.overall_grade.is_not(None),
    )
    return and_(
        A.status == SUBMITTED,
        A.moderation_due,
        A.auditor_id != moderator,
        ~graded,
    )


def unless_hidden(scope: Scope, column: Any) -> Any:
    """The column, or NULL for an audit whose judgements are kept from this person."""
    hidden = judgements_hidden(scope)
    return column if hidden is None else case((hidden, null()), else_=column)


def not_hidden(scope: Scope) -> list[ColumnElement[bool]]:
    """The condition that leaves out the audits whose judgements are kept from this person,
    as a list to add to a query's conditions (empty when none are)."""
    hidden = judgements_hidden(scope)
    return [] if hidden is None else [~hidden]


def hidden_months(reader: ReportReader, selection: Selection) -> dict[str, int]:
    """How many of the report's audits have their judgements kept from this person, by month
    of submission (``YYYY-MM``); empty when none are."""
    hidden = judgements_hidden(selection.scope)
    if hidden is None:
        return {}
    month = month_of(A.submitted_at)
    statement = (
        select(month.label("month"), func.count().label("audits"))
        .select_from(selection.audits())
        .where(*selection.conditions(), hidden)
        .group_by(month)
    )
    return {str(key): int(audits) for key, audits in reader.rows(statement, cached=True)}


def read_live(found: Window, months: dict[str, int]) -> Window:
    """The window with the summarised months that hold withheld audits read live instead: a
    month's summary counts every audit's grades, whoever reads it."""
    if not found.uses_summaries:
        return found
    extra = sorted(
        month
        for month in months
        if month not in found.stale
        and month < str(found.last)
        and (found.first is None or month >= found.first)
    )
    if not extra:
        return found
    return replace(
        found,
        stale=tuple(sorted((*found.stale, *extra))),
        live=(*found.live, *(month_range(month) for month in extra)),
    )


def hidden_flag(scope: Scope) -> Any:
    """1 for an audit whose judgements are kept from this person, else 0."""
    hidden = judgements_hidden(scope)
    return literal(0) if hidden is None else case((hidden, literal(1)), else_=literal(0))


def answer_withheld(scope: Scope, free_text: Any, analysis: Any) -> ColumnElement[bool] | None:
    """True for an answer left blank for this person: free text they may not download, or a
    theme's own analysis kept from a blind moderator. ``free_text`` and ``analysis`` are the
    question's flags (1 or 0). None when nothing is withheld."""
    reasons: list[ColumnElement[bool]] = []
    if not scope.free_text:
        reasons.append(free_text == 1)
    hidden = judgements_hidden(scope)
    if hidden is not None:
        reasons.append(and_(analysis == 1, hidden))
    if not reasons:
        return None
    return reasons[0] if len(reasons) == 1 else reasons[0] | reasons[1]
