"""Visiting auditors' access to our cases: the grants open today (England's day), and the
reference each visitor sees (docs/design/multi-agency.md, decision 4).

A grant gives its holder one case (or one audit, to re-audit blind) from its first day to its
last, both included; outside that window, or once revoked, it gives nothing, and the case
answers as one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.partnership import pseudonym
from audit_app.models import Case, CaseGrant, GrantBatch


def open_grants(user_id: int, *, on: date | None = None) -> Any:
    """The condition on ``case_grant``: a grant of this person, not revoked, whose window holds
    ``on`` (today in England unless given)."""
    day = clock.today() if on is None else on
    return (
        (col(CaseGrant.user_id) == user_id)
        & col(CaseGrant.revoked_at).is_(None)
        & (col(CaseGrant.starts_on) <= day)
        & (col(CaseGrant.ends_on) >= day)
    )


def granted_case_ids(user_id: int, *, on: date | None = None) -> Any:
    """The ids of the cases this person holds an open grant to, as a subquery."""
    return select(CaseGrant.case_id).where(
        open_grants(user_id, on=on), col(CaseGrant.case_id).is_not(None)
    )


def granted_audit_ids(user_id: int, *, on: date | None = None) -> Any:
    """The ids of the audits this person holds an open grant to re-audit, as a subquery."""
    return select(CaseGrant.audit_id).where(
        open_grants(user_id, on=on), col(CaseGrant.audit_id).is_not(None)
    )


def reference_seen(session: Session, case: Case, user_id: int, *, on: date | None = None) -> str:
    """The reference this person sees for ``case``: its pseudonym when their open grant to it
    is of a pseudonymised batch, else the reference itself."""
    batch = session.exec(
        select(GrantBatch)
        .join(CaseGrant, col(CaseGrant.batch_id) == GrantBatch.id)
        .where(open_grants(user_id, on=on), CaseGrant.case_id == case.id)
        .order_by(col(CaseGrant.id))
    ).first()
    if batch is None or not batch.pseudonymised:
        return case.case_ref
    return pseudonym(bytes.fromhex(batch.pseudonym_key), case.case_ref)
