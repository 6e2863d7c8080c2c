"""What a person's downloads and lists leave blank, as SQL: free-text answers for those who may
not read audits, and the auditor's judgements from a blind moderator.

The rules are the audit pages' own: ``services/moderation.py``, ``judgements_hidden`` (an audit
awaiting moderation keeps its auditor's judgements and analysis from a manager, other than its
auditor, until they have recorded their grades in the moderation they are doing), and
``FREE_TEXT_DOWNLOADS`` (free text only for the roles that may open audits, by default).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, exists, literal, null
from sqlalchemy.sql import ColumnElement

from audit_app.core.lifecycle import SUBMITTED
from audit_app.models import Moderation, table_of
from audit_app.reporting.filters import Scope
from audit_app.reporting.selection import A

MO = table_of(Moderation).c

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
