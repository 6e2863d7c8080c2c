"""The dashboard's figures: a handful of GROUP BY queries, shaped with pandas.

Every query returns one row per group (month, team, grade, measure...), never one per audit, so
the work in Python stays the same whether a deployment holds a thousand audits or a million.
The queries are in :mod:`~audit_app.reporting.queries`; each part of the page is shaped in its
own module: the headline figures (:mod:`~audit_app.reporting.headline`), spreads of grades by
month, service and team (:mod:`~audit_app.reporting.spreads`), themes by team
(:mod:`~audit_app.reporting.themes`), recording compliance
(:mod:`~audit_app.reporting.compliance`), moderation agreement and drift
(:mod:`~audit_app.reporting.agreement`) and the auditors' judgements
(:mod:`~audit_app.reporting.judgements`).

The final grade of an audit or theme is the moderated grade if there is one, else the auditor's
judgement, else the computed grade (:mod:`audit_app.reporting.final_grade`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from audit_app.reporting import summaries, withheld
from audit_app.reporting.agreement import (
    AgreementRow,
    DriftRow,
    agreement_frame,
    by_auditor,
    drift_label,
    drift_rows,
)
from audit_app.reporting.compliance import (
    ComplianceRow,
    MeasureBreakdown,
    by_measure,
    compliance_by,
    measure_breakdown,
)
from audit_app.reporting.database import ReportReader
from audit_app.reporting.figures import Share, month_labels, short_month_label
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.final_grade import final_grade_series
from audit_app.reporting.headline import (
    Headline,
    actions_open,
    allocations_completed,
    headline,
)
from audit_app.reporting.judgements import JudgementRow, judgement_rows, theme_judgements
from audit_app.reporting.queries import (
    action_statement,
    allocation_questionnaires,
    allocation_statement,
    compliance_statement,
    gather,
    grade_statement,
    judgement_statement,
    moderation_statement,
    theme_statement,
)
from audit_app.reporting.questionnaires import Catalogue, published_versions, read_kinds
from audit_app.reporting.selection import Places, Selection
from audit_app.reporting.spreads import SpreadRow, month_focus, service_focus, spread, team_focus
from audit_app.reporting.themes import ThemeTable, theme_tables


@dataclass
class Dashboard:
    filters: Filters
    headline: Headline
    grade_order: list[str]
    by_month: list[SpreadRow]
    by_service: list[SpreadRow]
    by_team: list[SpreadRow]
    themes: list[ThemeTable]
    compliance: list[ComplianceRow]
    compliance_by_team: list[ComplianceRow]
    compliance_by_month: list[ComplianceRow]
    agreement_by_auditor: list[AgreementRow]
    drift: list[DriftRow]
    judgement_overall: JudgementRow
    judgement_by_auditor: list[JudgementRow]
    judgement_by_theme: list[JudgementRow]
    # Blind moderation: the audits awaiting this manager's moderation, counted in the audits
    # submitted but left out of every grade figure until they record their grades.
    withheld: int = 0
    frames: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Counted:
    """What the queries counted for the filters, before it is shaped for the page."""

    grades: pd.DataFrame  # audits by version, month, team and grades, with the final grade
    themes: pd.DataFrame  # theme results likewise
    judgements: pd.DataFrame
    compliance: pd.DataFrame
    agreement: pd.DataFrame  # the latest moderations, with whether they agreed
    allocations: Share
    actions: tuple[int, int]  # open, overdue
    scale: pd.DataFrame  # each version's grades: band, good, worst and rank
    withheld: int = 0  # audits whose grades are left out: awaiting this blind moderator


def load_catalogue(reader: ReportReader) -> Catalogue:
    return Catalogue.build(published_versions(reader), read_kinds(reader))


def build(
    reader: ReportReader,
    filters: Filters,
    scope: Scope,
    *,
    today: date,
    catalogue: Catalogue | None = None,
    places: Places | None = None,
) -> Dashboard:
    """Every figure of the dashboard for these filters, within this person's access."""
    catalogue = catalogue or load_catalogue(reader)
    places = places or Places.load(reader, scope)
    selection = Selection.build(filters, scope, catalogue, places)
    return _shape(count(reader, selection, catalogue, places, today), filters, catalogue, places)


def count(
    reader: ReportReader,
    selection: Selection,
    catalogue: Catalogue,
    places: Places,
    today: date,
) -> Counted:
    """Run every query of the dashboard: whole past months from the summaries, where they
    serve, and the rest from the live tables."""
    filters = selection.filters
    scale = catalogue.scale_frame()
    hidden = withheld.hidden_months(reader, selection)
    found = withheld.read_live(summaries.window_of(reader, filters, today), hidden)
    everyone = not summaries.by_person(selection)

    grades = gather(reader, grade_statement, summaries.grade_statement, selection, found)
    grades = _with_final_grade(grades, scale)
    grades["service_id"] = grades["team_id"].map(places.team_service)
    themes = gather(
        reader, theme_statement, summaries.theme_statement, selection, found, summarised=everyone
    )
    judgements = gather(
        reader, judgement_statement, summaries.judgement_statement, selection, found
    )
    compliance = gather(
        reader,
        compliance_statement,
        summaries.compliance_statement,
        selection,
        found,
        summarised=everyone,
    )
    moderations = gather(
        reader, moderation_statement, summaries.moderation_statement, selection, found
    )
    return Counted(
        grades=grades,
        themes=_with_final_grade(themes, scale),
        judgements=judgements,
        compliance=compliance,
        agreement=agreement_frame(moderations, scale),
        allocations=allocations_completed(reader, selection, catalogue, found),
        actions=actions_open(reader, selection, today),
        scale=scale,
        withheld=sum(hidden.values()),
    )


def _with_final_grade(frame: pd.DataFrame, scale: pd.DataFrame) -> pd.DataFrame:
    """Add the final grade, with its band, good, worst and rank (per questionnaire version)."""
    frame["final"] = final_grade_series(frame) if len(frame) else pd.Series(dtype=object)
    renamed = scale.rename(columns={"grade": "final"})
    merged = frame.merge(renamed, how="left", on=["version_id", "final"])
    for column in ("good", "worst"):
        merged[column] = merged[column].fillna(False).astype(bool)
    return merged


def _shape(counted: Counted, filters: Filters, catalogue: Catalogue, places: Places) -> Dashboard:
    """The page's figures from what was counted."""
    grades, compliance, scale = counted.grades, counted.compliance, counted.scale
    graded = grades[grades["final"].notna()]
    order = catalogue.grade_order(sorted(set(grades["version_id"].tolist())) or None)
    months = month_labels(filters.date_from, filters.date_to, graded["month"].tolist())
    return Dashboard(
        filters=filters,
        headline=headline(grades, counted.agreement, counted.allocations, counted.actions),
        grade_order=order,
        by_month=spread(graded, "month", months, order, month_focus, keep_order=True),
        by_service=spread(graded, "service_id", places.services, order, service_focus),
        by_team=spread(graded, "team_id", places.teams, order, team_focus),
        themes=theme_tables(counted.themes, catalogue, places),
        compliance=by_measure(compliance),
        compliance_by_team=compliance_by(compliance, "team_id", places.teams, team_focus),
        compliance_by_month=compliance_by(
            compliance, "month", months, month_focus, keep_order=True
        ),
        agreement_by_auditor=by_auditor(counted.agreement, places),
        drift=drift_rows(counted.agreement),
        judgement_overall=judgement_rows(counted.judgements, scale, None, places)[0],
        judgement_by_auditor=judgement_rows(counted.judgements, scale, "auditor_id", places),
        judgement_by_theme=theme_judgements(counted.themes, scale, catalogue),
        withheld=counted.withheld,
        frames={
            "grades": grades,
            "themes": counted.themes,
            "judgements": counted.judgements,
            "compliance": compliance,
            "moderations": counted.agreement,
        },
    )


__all__ = [
    "ComplianceRow",
    "Counted",
    "Dashboard",
    "MeasureBreakdown",
    "SpreadRow",
    "action_statement",
    "allocation_questionnaires",
    "allocation_statement",
    "build",
    "count",
    "drift_label",
    "load_catalogue",
    "measure_breakdown",
    "short_month_label",
]
