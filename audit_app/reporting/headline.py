"""The dashboard's headline figures: audits submitted, the best and worst grades, allocations
completed, moderations agreed and actions open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from audit_app.reporting import summaries
from audit_app.reporting.database import ReportReader
from audit_app.reporting.figures import Share
from audit_app.reporting.queries import (
    action_statement,
    allocation_questionnaires,
    allocation_statement,
)
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import Selection


@dataclass(frozen=True)
class Headline:
    submitted: int
    good: Share
    worst: Share
    allocations: Share
    agreement: Share
    actions_open: int
    actions_overdue: int


def headline(
    grades: pd.DataFrame,
    agreement: pd.DataFrame,
    allocations: Share,
    actions: tuple[int, int],
) -> Headline:
    """The headline from the audits by grade and the moderations (with ``agreed``)."""
    graded = grades[grades["final"].notna()]
    total_graded = int(graded["audits"].sum())
    return Headline(
        submitted=int(grades["audits"].sum()),
        good=Share(int(graded.loc[graded["good"], "audits"].sum()), total_graded),
        worst=Share(int(graded.loc[graded["worst"], "audits"].sum()), total_graded),
        allocations=allocations,
        agreement=Share(
            int(agreement.loc[agreement["agreed"], "moderations"].sum()),
            int(agreement["moderations"].sum()),
        ),
        actions_open=actions[0],
        actions_overdue=actions[1],
    )


def allocations_completed(
    reader: ReportReader, selection: Selection, catalogue: Catalogue, found: summaries.Window
) -> Share:
    """Allocations completed of those due in the period: whole past months from the
    summaries, the rest (and months whose allocations changed) from the live tables."""
    found = found.for_allocations()
    if not found.uses_summaries or summaries.by_person(selection):
        due, done = reader.rows(allocation_statement(selection, catalogue), cached=True)[0]
        return Share(int(done or 0), int(due or 0))
    ids = allocation_questionnaires(selection.filters, catalogue)
    due, done = reader.rows(summaries.allocation_statement(selection, found, ids), cached=True)[0]
    if found.live:
        live = allocation_statement(selection.within(found.live), catalogue)
        more_due, more_done = reader.rows(live, cached=True)[0]
        due, done = int(due or 0) + int(more_due or 0), int(done or 0) + int(more_done or 0)
    return Share(int(done or 0), int(due or 0))


def actions_open(reader: ReportReader, selection: Selection, today: date) -> tuple[int, int]:
    """Open actions on the audits of the filters, and how many of them are overdue today."""
    open_, overdue = reader.rows(action_statement(selection, today), cached=True)[0]
    return int(open_ or 0), int(overdue or 0)


__all__ = ["Headline", "actions_open", "allocations_completed", "headline"]
