"""Report filters (kept in the query string) and who may see what."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from audit_app.core.dates import (
    add_months,
    last_twelve_months,
    month_end,
    month_start,
    uk_date,
)
from audit_app.core.limits import KIND_MAX_LENGTH
from audit_app.core.questionnaire import KIND_PATTERN
from audit_app.core.roles import EVERY_SERVICE
from audit_app.core.subjects import DEFAULT_SUBJECT, SUBJECTS

MAX_PERIOD_YEARS = 10
"""The longest period a report covers: every figure by month stays a few screens long."""

_KIND = re.compile(KIND_PATTERN)
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*")


@dataclass(frozen=True)
class Scope:
    """Whose audits a person may see in reports.

    Admins and viewers see every service of their organisation; a manager the services they
    manage; an auditor only their own audits.
    """

    all_services: bool = False
    service_ids: frozenset[int] = frozenset()
    # Every service of the person's organisation (``service_ids``), other organisations having
    # services too: an admin or viewer.
    whole_organisation: bool = False
    auditor_id: int | None = None
    # What is withheld from the person's downloads and lists (``services/reports.py``,
    # ``report_scope``; ``reporting/withheld.py``): free-text answers, unless ``free_text``;
    # and, in blind moderation, the auditor's judgements of the audits this manager
    # (``blind_moderator_id``) moderates or may moderate, until they record their grades.
    free_text: bool = True
    blind_moderator_id: int | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(all_services=True)

    @classmethod
    def for_person(
        cls,
        role: str,
        user_id: int,
        managed_service_ids: frozenset[int],
        organisation_service_ids: frozenset[int] | None = None,
    ) -> Scope:
        """``organisation_service_ids``: the services of the person's organisation, or None
        when it holds every service (``services/visibility.py``)."""
        if role in EVERY_SERVICE:
            if organisation_service_ids is None:
                return cls(all_services=True)
            return cls(service_ids=organisation_service_ids, whole_organisation=True)
        if role == "manager":
            managed = frozenset(managed_service_ids)
            if organisation_service_ids is not None:
                managed &= organisation_service_ids
            return cls(service_ids=managed)
        if role == "auditor":
            return cls(auditor_id=user_id)
        return cls()  # nothing

    def describe(self) -> str:
        if self.all_services:
            return "all services"
        if self.auditor_id is not None:
            return f"own audits of user {self.auditor_id}"
        return "services " + ", ".join(str(i) for i in sorted(self.service_ids))


@dataclass(frozen=True)
class Filters:
    """What a report covers. ``None`` means "any"; the period is on the submission date."""

    date_from: date | None = None
    date_to: date | None = None
    questionnaire_id: str | None = None
    kind: str | None = None
    service_id: int | None = None
    team_id: int | None = None
    auditor_id: int | None = None
    # What the audits are of; None: a case's, unless a questionnaire is chosen (then its own),
    # so that no figure mixes subjects.
    subject: str | None = None
    # The audits of one audit programme (those started for its allocations) only.
    programme_id: int | None = None

    @property
    def audit_subject(self) -> str | None:
        """The subject the report keeps to (None: the chosen questionnaire's own)."""
        if self.subject is not None:
            return self.subject
        return None if self.questionnaire_id is not None else DEFAULT_SUBJECT

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, for links that keep them."""
        args = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "questionnaire": self.questionnaire_id or "",
            "kind": self.kind or "",
            "service": str(self.service_id) if self.service_id else "",
            "team": str(self.team_id) if self.team_id else "",
            "auditor": str(self.auditor_id) if self.auditor_id else "",
            "subject": self.subject or "",
            "programme": str(self.programme_id) if self.programme_id else "",
        }
        return {key: value for key, value in args.items() if value}

    def trail(self) -> dict[str, Any]:
        """The filters as the audit trail records them."""
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "questionnaire": self.questionnaire_id,
            "kind": self.kind,
            "service_id": self.service_id,
            "team_id": self.team_id,
            "auditor_id": self.auditor_id,
            **({"subject": self.subject} if self.subject else {}),
            **({"programme_id": self.programme_id} if self.programme_id else {}),
        }

    def with_(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    def within(self, held: tuple[date, date]) -> Filters:
        """The period cut to the days ``held`` (see :func:`held_period`): months before the
        first audit or allocation and after the last hold nothing to count."""
        first, last = held
        date_from, date_to = self.date_from, self.date_to
        if date_from is not None and date_to is not None and date_to < first:
            return self  # wholly before the data: nothing to count, quickly
        if date_from is not None and date_from < first:
            date_from = first
        if date_to is not None and date_to > last:
            date_to = last
        return replace(self, date_from=date_from, date_to=date_to)


def held_period(earliest: date | None, latest: date | None, today: date) -> tuple[date, date]:
    """The whole months the data can hold: from the month of the earliest submission or
    allocation (this month when there is none) to the month of the latest, or this one."""
    first = month_start(min(earliest, today) if earliest is not None else today)
    last = month_end(max(latest, today) if latest is not None else today)
    return first, last


def period_problem(filters: Filters, held: tuple[date, date]) -> str | None:
    """Why the period cannot be reported on: it starts after anything is recorded."""
    if filters.date_from is not None and filters.date_from > held[1]:
        return f"Enter a start on or before {held[1]:%-d %B %Y}: nothing later is recorded"
    return None


def default_period(today: date) -> tuple[date, date]:
    """The last twelve calendar months, this one included."""
    return last_twelve_months(today)


def parse_date(text: str) -> date | None:
    """An ISO date (2025-04-01) or a UK one (1/4/2025); None if it is not a real date."""
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return uk_date(text)
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass
class ParsedFilters:
    filters: Filters
    errors: dict[str, str] = field(default_factory=dict)
    # What was typed, so that a page with an error shows it back.
    raw: dict[str, str] = field(default_factory=dict)


def parse_filters(args: Mapping[str, str], today: date) -> ParsedFilters:
    """Read the filters from query-string arguments; problems are reported by field."""
    errors: dict[str, str] = {}
    raw = {key: (args.get(key) or "").strip() for key in FILTER_KEYS}
    default_from, default_to = default_period(today)

    def read_date(key: str, default: date, what: str) -> date:
        if not raw[key]:
            return default
        parsed = parse_date(raw[key])
        if parsed is None:
            errors[key] = f"Enter the {what} as a real date, for example {default.isoformat()}"
            return default
        return parsed

    date_from = read_date("from", default_from, "start of the period")
    date_to = read_date("to", default_to, "end of the period")
    if "from" not in errors and "to" not in errors:
        problem = _period_length_problem(date_from, date_to)
        if problem:
            errors["from"] = problem

    def read_id(key: str, what: str) -> int | None:
        if not raw[key]:
            return None
        if not raw[key].isdigit():
            errors[key] = f"Select a {what} from the list"
            return None
        return int(raw[key])

    # Whether the kind is declared is checked against the database (``services/reports.py``).
    kind = raw["kind"] or None
    if kind is not None and (len(kind) > KIND_MAX_LENGTH or not _KIND.fullmatch(kind)):
        errors["kind"] = "Select a kind of audit from the list"
        kind = None
    filters = Filters(
        date_from=date_from,
        date_to=date_to,
        questionnaire_id=raw["questionnaire"] or None,
        kind=kind,
        service_id=read_id("service", "service"),
        team_id=read_id("team", "team"),
        auditor_id=read_id("auditor", "auditor"),
        subject=_subject(raw["subject"], errors),
        programme_id=read_id("programme", "programme"),
    )
    return ParsedFilters(filters=filters, errors=errors, raw=raw)


def _subject(raw: str, errors: dict[str, str]) -> str | None:
    """The subject filter (None when not given); a problem at its field when not a subject."""
    if raw and raw not in SUBJECTS:
        errors["subject"] = "Select what the audits are of from the list"
    return raw if raw in SUBJECTS else None


def _period_length_problem(date_from: date, date_to: date) -> str | None:
    """What is wrong with the period's start and end together: the wrong way round, or longer
    than ``MAX_PERIOD_YEARS``."""
    if date_from > date_to:
        return "The start of the period must be on or before its end"
    earliest = add_months(date_to, -12 * MAX_PERIOD_YEARS)
    if date_from < earliest:
        return (
            f"The period can be at most {MAX_PERIOD_YEARS} years long: enter a start on or "
            f"after {earliest:%-d %B %Y}, or an earlier end"
        )
    return None


FILTER_KEYS = (
    "from",
    "to",
    "questionnaire",
    "kind",
    "subject",
    "service",
    "team",
    "auditor",
    "programme",
)


def end_exclusive(day: date) -> date:
    """The day after, so that "to" includes the whole of its day."""
    return day + timedelta(days=1)
