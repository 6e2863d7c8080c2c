"""Recording compliance: the answers that met each measure's standard, of those it applied to,
by measure, by team and by month, worst first; and one measure on its own page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from audit_app.reporting import summaries
from audit_app.reporting.database import ReportReader
from audit_app.reporting.figures import Share, month_labels
from audit_app.reporting.filters import Filters, Scope
from audit_app.reporting.queries import CR, compliance_statement, gather
from audit_app.reporting.questionnaires import Catalogue
from audit_app.reporting.selection import Places, Selection
from audit_app.reporting.spreads import Focus, month_focus, team_focus

_SUMMED = ["compliant", "applicable"]


@dataclass(frozen=True)
class ComplianceRow:
    label: str
    focus: dict[str, str]
    share: Share
    worst_measure: str | None = None
    worst_share: Share | None = None


@dataclass(frozen=True)
class MeasureBreakdown:
    measure: str
    overall: Share
    by_team: list[ComplianceRow]
    by_month: list[ComplianceRow]


def by_measure(compliance: pd.DataFrame) -> list[ComplianceRow]:
    """Each measure's compliant answers of those that apply, worst first."""
    if not len(compliance):
        return []
    sums = compliance.groupby("measure")[_SUMMED].sum()
    rows = [
        ComplianceRow(
            label=str(measure),
            focus={"measure": str(measure)},
            share=Share(int(row["compliant"]), int(row["applicable"])),
        )
        for measure, row in sums.iterrows()
    ]
    return sorted(rows, key=worst_first)


def worst_first(row: ComplianceRow) -> tuple[Any, ...]:
    share = row.share
    # Exact comparison of count/total (no rounding), then the larger base first, then the name.
    ratio = share.count / share.total if share.total else 2.0
    return (ratio, -share.total, row.label.lower())


def compliance_by(
    compliance: pd.DataFrame,
    column: str,
    labels: dict[Any, str],
    focus: Focus,
    *,
    keep_order: bool = False,
) -> list[ComplianceRow]:
    """All measures together per team (worst first) or per month (in order), each with its
    worst measure."""
    if not len(compliance):
        return []
    totals = compliance.groupby(column)[_SUMMED].sum().to_dict("index")
    worst = _worst_measures(compliance, column)
    rows = []
    for key in labels if keep_order else totals:
        if key not in totals or key not in labels:
            continue
        lowest = worst.get(key)
        rows.append(
            ComplianceRow(
                label=labels[key],
                focus=focus(key),
                share=Share(int(totals[key]["compliant"]), int(totals[key]["applicable"])),
                worst_measure=lowest.label if lowest else None,
                worst_share=lowest.share if lowest else None,
            )
        )
    return rows if keep_order else sorted(rows, key=worst_first)


def _worst_measures(compliance: pd.DataFrame, column: str) -> dict[Any, ComplianceRow]:
    """The worst measure of each team or month."""
    per_measure = compliance.groupby([column, "measure"])[_SUMMED].sum().reset_index()
    worst: dict[Any, ComplianceRow] = {}
    for key, measure, compliant, applicable in per_measure[
        [column, "measure", "compliant", "applicable"]
    ].itertuples(index=False):
        row = ComplianceRow(
            label=str(measure), focus={}, share=Share(int(compliant), int(applicable))
        )
        if key not in worst or worst_first(row) < worst_first(worst[key]):
            worst[key] = row
    return worst


def measure_breakdown(
    reader: ReportReader,
    filters: Filters,
    scope: Scope,
    measure: str,
    *,
    today: date,
    catalogue: Catalogue,
    places: Places,
) -> MeasureBreakdown:
    """One recording-compliance measure by team (worst first) and by month."""
    selection = Selection.build(filters, scope, catalogue, places)
    frame = gather(
        reader,
        lambda chosen: compliance_statement(chosen).where(CR.measure == measure),
        lambda chosen, found: summaries.compliance_statement(chosen, found, measure),
        selection,
        summaries.window_of(reader, filters, today),
        summarised=not summaries.by_person(selection),
    )
    months = month_labels(filters.date_from, filters.date_to, frame["month"].tolist())
    by_team = compliance_by(frame, "team_id", places.teams, team_focus)
    by_month = compliance_by(frame, "month", months, month_focus, keep_order=True)
    return MeasureBreakdown(
        measure=measure,
        overall=Share(int(frame["compliant"].sum()), int(frame["applicable"].sum()))
        if len(frame)
        else Share(0, 0),
        by_team=[_without_worst(row) for row in by_team],
        by_month=[_without_worst(row) for row in by_month],
    )


def _without_worst(row: ComplianceRow) -> ComplianceRow:
    """The row without its worst measure (there is only the one)."""
    return ComplianceRow(label=row.label, focus=row.focus, share=row.share)


__all__ = [
    "ComplianceRow",
    "MeasureBreakdown",
    "by_measure",
    "compliance_by",
    "measure_breakdown",
    "worst_first",
]
