"""Rules of a multi-agency audit's panel: the grades it concludes with, what concluding needs,
when an action is overdue, and the words of statuses (docs/multi-agency-audits.md, The panel).

Pure: no I/O, no framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from audit_app.core.partnership import CONCLUDED, DOMAINS, OPEN, RETURNS_CLOSED

OFSTED_GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
"""The Ofsted scale the panel grades each domain on, best first."""

MULTI_AGENCY_STATUS_NAMES = {
    OPEN: "Returns open",
    RETURNS_CLOSED: "Returns closed",
    CONCLUDED: "Concluded",
}
"""A multi-agency audit's status as people read it."""

ACTION_STATUS_NAMES = {"open": "Open", "done": "Done", "cancelled": "Cancelled"}
"""An agency's action's status as people read it."""

AFTER_RETURNS = (RETURNS_CLOSED, CONCLUDED)
"""The statuses in which the panel sees the returns, and actions can be given."""


def missing_domains(grades: Mapping[str, str | None]) -> list[str]:
    """The domains, as people read them and in the panel's order, that have no grade yet."""
    return [label for domain, label in DOMAINS.items() if not grades.get(domain)]


def grade_problem(grade: str) -> str | None:
    """What is wrong with a grade typed for a domain ("" is no grade yet), or None."""
    if grade and grade not in OFSTED_GRADES:
        return "Choose one of the four grades, or leave the domain ungraded for now"
    return None


def is_overdue(status: str, due: date, today: date) -> bool:
    """An open action after its due date (England's day; one due today is not yet overdue)."""
    return status == "open" and due < today
