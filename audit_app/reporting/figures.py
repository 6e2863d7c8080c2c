"""Small value types for report figures: a count out of a total, shown with its percent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from audit_app.core import dates
from audit_app.core.dates import month_key
from audit_app.core.scoring import round_percent


@dataclass(frozen=True)
class Share:
    """``count`` of ``total``; the percent is one decimal, half away from zero."""

    count: int
    total: int

    @property
    def percent(self) -> Decimal | None:
        if not self.total:
            return None
        return round_percent(Fraction(100 * self.count, self.total))

    @property
    def percent_text(self) -> str:
        """ "56.3%", or "–" when there is nothing to divide by."""
        value = self.percent
        return "–" if value is None else f"{value}%"

    @property
    def text(self) -> str:
        """The count beside the percent, never a bare percent: "45 of 80 (56.3%)"."""
        if not self.total:
            return "0 of 0"
        return f"{self.count:,} of {self.total:,} ({self.percent_text})"

    def __add__(self, other: Share) -> Share:
        return Share(self.count + other.count, self.total + other.total)


def mean_percent(total: float | Decimal | None, count: int) -> Decimal | None:
    """The mean of ``count`` percents that add up to ``total``, to one decimal."""
    if not count or total is None:
        return None
    return round_percent(Fraction(Decimal(str(total))) / count)


def months_between(start: date, end: date) -> list[str]:
    """Every ``YYYY-MM`` from the month of ``start`` to the month of ``end``."""
    return [month_key(first) for first in dates.months(start, end)]


def month_labels(start: date | None, end: date | None, seen: Iterable[str]) -> dict[str, str]:
    """Each month of the period by its name ("2025-04": "April 2025"), in order; the months
    ``seen`` when the period is open at either end."""
    months = months_between(start, end) if start and end else sorted(set(seen))
    return {month: month_label(month) for month in months}


def month_label(month: str) -> str:
    """ "2025-04" as "April 2025"."""
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1).strftime("%B %Y")


def short_month_label(month: str) -> str:
    """ "2025-04" as "Apr 2025"."""
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1).strftime("%b %Y")
