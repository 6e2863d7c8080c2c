"""Timeliness measures: recording-compliance results worked out from date answers.

A theme's ``timeliness`` measures read date questions and, for some rules, the audit date: met,
not met, or not applicable when a date they read is unanswered or hidden (or their theme does
not apply to the case). The audit date and the working-days calendar come from outside, in an
``AuditDay``: this module reads no clock and no calendar of its own. The rules are documented
in docs/questionnaire-format.md ("Timeliness measures").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from audit_app.core.answers import as_date
from audit_app.core.questionnaire import Questionnaire, TimelinessMeasure, TimelinessRule

__all__ = [
    "MET",
    "NOT_APPLICABLE",
    "NOT_MET",
    "AuditDay",
    "Outcome",
    "TimelinessResult",
    "long_date",
    "rule_in_words",
    "timeliness_results",
]

Outcome = Literal["met", "not met", "not applicable"]
MET: Outcome = "met"
NOT_MET: Outcome = "not met"
NOT_APPLICABLE: Outcome = "not applicable"


@dataclass(frozen=True)
class AuditDay:
    """What timeliness rules need from outside the answers: the audit date (the council's day
    the audit was submitted, or today for one still being written), and the working day a
    number of working days after a day (the council's bank holiday calendar)."""

    audit_date: date
    add_working_days: Callable[[date, int], date]


@dataclass(frozen=True)
class TimelinessResult:
    """One timeliness measure's result for one audit, with the words that explain it."""

    measure_id: str
    theme_id: str
    measure: str
    outcome: Outcome
    explanation: str
    source: str | None = None
    reads: tuple[str, ...] = ()
    rule: str = ""

    @property
    def counted(self) -> bool:
        """Whether the result counts towards its measure (met or not met)."""
        return self.outcome != NOT_APPLICABLE

    @property
    def stored_value(self) -> str:
        """The value kept for reports and exports: ``met`` or ``not-met``."""
        return "met" if self.outcome == MET else "not-met"


def long_date(day: date) -> str:
    """A date as people write it: 29 February 2028."""
    return f"{day.day} {day:%B %Y}"


def rule_in_words(rule: TimelinessRule, questionnaire: Questionnaire) -> str:
    """What the rule asks, naming its questions by their text."""
    texts = {qid: questionnaire.questions[qid].text for qid in rule.dates()}
    kind, amount = rule.kind, rule.amount
    if kind == "within_working_days":
        unit = "working day" if amount == 1 else "working days"
        return f"{texts[rule.to or '']}: within {amount} {unit} of {texts[rule.from_ or '']}"
    if kind == "within_days":
        unit = "day" if amount == 1 else "days"
        return f"{texts[rule.to or '']}: within {amount} {unit} of {texts[rule.from_ or '']}"
    if kind == "at_most_weeks_before_audit":
        unit = "week" if amount == 1 else "weeks"
        return f"{texts[rule.date or '']}: at most {amount} {unit} before the audit date"
    return f"{texts[rule.date or '']}: not before the audit date"


def timeliness_results(
    questionnaire: Questionnaire,
    counted: Mapping[str, str],
    shown_themes: set[str],
    day: AuditDay,
) -> tuple[TimelinessResult, ...]:
    """Every timeliness measure's result, in file order. ``counted`` holds the answers that
    count (hidden questions' answers dropped); ``shown_themes`` the ids of the themes shown."""
    results = []
    for theme in questionnaire.themes:
        for timed in theme.timeliness or ():
            if theme.id not in shown_themes:
                outcome, words = NOT_APPLICABLE, "The theme does not apply to this case."
            else:
                outcome, words = _outcome(questionnaire, timed, counted, day)
            results.append(
                TimelinessResult(
                    measure_id=timed.id,
                    theme_id=theme.id,
                    measure=timed.measure,
                    outcome=outcome,
                    explanation=words,
                    source=timed.source,
                    reads=tuple(timed.rule.dates()),
                    rule=rule_in_words(timed.rule, questionnaire),
                )
            )
    return tuple(results)


def _outcome(
    questionnaire: Questionnaire,
    timed: TimelinessMeasure,
    counted: Mapping[str, str],
    day: AuditDay,
) -> tuple[Outcome, str]:
    """Met or not met, with why; not applicable when a date it reads is missing."""
    rule = timed.rule
    dates: dict[str, date] = {}
    for qid in rule.dates():
        raw = counted.get(qid)
        found = as_date(raw) if raw is not None else None
        if found is None:
            text = questionnaire.questions[qid].text
            return NOT_APPLICABLE, f"Not answered, or not asked for this case: {text}"
        dates[qid] = found
    if rule.kind in ("within_working_days", "within_days"):
        return _between(rule, dates[rule.from_ or ""], dates[rule.to or ""], day)
    return _against_audit(rule, dates[rule.date or ""], day.audit_date)


def _between(rule: TimelinessRule, start: date, end: date, day: AuditDay) -> tuple[Outcome, str]:
    """Date ``end`` on ``start`` or at most N (working) days after it."""
    if rule.kind == "within_working_days":
        due = day.add_working_days(start, rule.amount)
    else:
        due = start + timedelta(days=rule.amount)
    window = f"due from {long_date(start)} to {long_date(due)}"
    if end < start:
        return NOT_MET, (
            f"{long_date(end)} is before {long_date(start)}, the date the time runs from: "
            "check the dates."
        )
    if end > due:
        return NOT_MET, f"{long_date(end)}, later than {window}."
    return MET, f"{long_date(end)}, {window}."


def _against_audit(rule: TimelinessRule, when: date, audit_date: date) -> tuple[Outcome, str]:
    """A date at most N weeks before the audit date, or not before it (not expired)."""
    audited = f"the audit date, {long_date(audit_date)}"
    if rule.kind == "not_expired_at_audit":
        if when < audit_date:
            return NOT_MET, f"{long_date(when)}, before {audited}: expired."
        return MET, f"{long_date(when)}, not before {audited}."
    earliest = audit_date - timedelta(weeks=rule.amount)
    window = f"due from {long_date(earliest)} to {audited}"
    if when > audit_date:
        return NOT_MET, f"{long_date(when)}, after {audited}: check the date."
    if when < earliest:
        return NOT_MET, f"{long_date(when)}, earlier than {window}."
    return MET, f"{long_date(when)}, {window}."
