"""Spreads of final grades: how many audits of each month, service or team had each grade."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit_app.reporting.figures import Share

Focus = Callable[[Any], dict[str, str]]


@dataclass(frozen=True)
class SpreadRow:
    """Final grades of one month, service or team: counts by grade."""

    key: str
    label: str
    counts: dict[str, int]
    total: int
    focus: dict[str, str]
    good: Share
    worst: Share


def month_focus(month: Any) -> dict[str, str]:
    """The link to the audits of one month."""
    return {"month": month}


def service_focus(service_id: Any) -> dict[str, str]:
    return {"service": str(service_id)}


def team_focus(team_id: Any) -> dict[str, str]:
    return {"team": str(team_id)}


def spread(
    graded: pd.DataFrame,
    column: str,
    labels: dict[Any, str],
    order: list[str],
    focus: Focus,
    *,
    keep_order: bool = False,
) -> list[SpreadRow]:
    """Counts of final grades per month, service or team.

    ``keep_order`` (months): every key of ``labels`` in its order, with or without audits;
    otherwise the keys with audits, by name."""
    counts = (
        graded.groupby([column, "final"])["audits"].sum()
        if len(graded)
        else pd.Series(dtype="int64")
    )
    good = graded.loc[graded["good"]].groupby(column)["audits"].sum() if len(graded) else {}
    worst = graded.loc[graded["worst"]].groupby(column)["audits"].sum() if len(graded) else {}
    keys = list(labels) if keep_order else sorted(labels, key=lambda k: labels[k].lower())
    present = set(graded[column].tolist()) if len(graded) else set()
    rows = []
    for key in keys:
        if not keep_order and key not in present:
            continue  # a team or service with no audits in the period is left out
        by_grade = {g: int(counts.get((key, g), 0)) for g in order}
        total = sum(by_grade.values())
        rows.append(
            SpreadRow(
                key=str(key),
                label=labels[key],
                counts=by_grade,
                total=total,
                focus=focus(key),
                good=Share(int(good.get(key, 0)), total),
                worst=Share(int(worst.get(key, 0)), total),
            )
        )
    return rows


__all__ = ["SpreadRow", "month_focus", "service_focus", "spread", "team_focus"]
