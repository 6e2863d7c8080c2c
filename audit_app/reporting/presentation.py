"""The dashboard's charts, drawn from the same figures as its tables."""

from __future__ import annotations

from markupsafe import Markup

from audit_app.reporting.charts import bars, grade_series, stacked_bars
from audit_app.reporting.compliance import ComplianceRow
from audit_app.reporting.dashboard import Dashboard
from audit_app.reporting.figures import short_month_label
from audit_app.reporting.spreads import SpreadRow

TABLE_BELOW = "The table below the chart gives every number, with links to the audits."


def dashboard_charts(dashboard: Dashboard) -> dict[str, Markup]:
    """Each chart of the dashboard, keyed by section; a section with no data has none."""
    charts: dict[str, Markup] = {}
    order = dashboard.grade_order
    if any(row.total for row in dashboard.by_month):
        charts["by_month"] = stacked_bars(
            "chart-by-month",
            "Final overall grades of audits, by month submitted",
            "Stacked bars: the number of audits submitted each month, split by final grade. "
            + TABLE_BELOW,
            [short_month_label(row.key) for row in dashboard.by_month],
            grade_series(order, _counts(dashboard.by_month, order)),
            axis_label="Audits",
        )
    for key, rows, what in (
        ("by_service", dashboard.by_service, "service"),
        ("by_team", dashboard.by_team, "team"),
    ):
        if rows:
            charts[key] = stacked_bars(
                f"chart-{key.replace('_', '-')}",
                f"Share of audits by final overall grade, for each {what}",
                f"One bar per {what}, split by the share of its audits at each final grade. "
                + TABLE_BELOW,
                [row.label for row in rows],
                grade_series(order, _counts(rows, order)),
                horizontal=True,
                percent=True,
                axis_label="Percent of audits",
            )
    if dashboard.compliance:
        charts["compliance"] = _compliance_chart(dashboard.compliance)
    if dashboard.drift:
        charts["drift"] = bars(
            "chart-drift",
            "Moderated grade compared with the auditor's judgement, in bands",
            "One bar per difference in bands between the moderator's overall grade and the "
            "auditor's, with the number of moderations. " + TABLE_BELOW,
            [row.label for row in dashboard.drift],
            [row.count for row in dashboard.drift],
            horizontal=False,
            axis_label="Moderations",
        )
    return charts


def _counts(rows: list[SpreadRow], order: list[str]) -> list[list[float]]:
    return [[float(row.counts.get(grade, 0)) for row in rows] for grade in order]


def _compliance_chart(rows: list[ComplianceRow]) -> Markup:
    return _compliance_bars(
        "chart-compliance", "Recording compliance by measure, worst first", "measure", rows
    )


def _compliance_bars(
    key: str, title: str, each: str, rows: list[ComplianceRow], *, horizontal: bool = True
) -> Markup:
    """One bar per row (a measure, team or month): the percent of its answers compliant."""
    return bars(
        key,
        title,
        f"One bar per {each}: the percent of applicable answers that met the standard. "
        + TABLE_BELOW,
        [row.label for row in rows],
        [float(row.share.percent or 0) for row in rows],
        horizontal=horizontal,
        axis_label="Percent compliant",
        limit=100,
    )


def measure_charts(
    by_team: list[ComplianceRow], by_month: list[ComplianceRow]
) -> dict[str, Markup]:
    charts: dict[str, Markup] = {}
    if by_team:
        charts["by_team"] = _compliance_bars(
            "chart-measure-team",
            "Compliance with this measure by team, worst first",
            "team",
            by_team,
        )
    if by_month:
        charts["by_month"] = _compliance_bars(
            "chart-measure-month",
            "Compliance with this measure by month",
            "month",
            by_month,
            horizontal=False,
        )
    return charts
