"""Format 2's timeliness measures: what the loader refuses, and each rule's result worked out
by hand on month and year ends, leap days and the bank holidays of England's calendar."""

from __future__ import annotations

import copy
from datetime import date
from functools import partial
from typing import Any

import pytest

from audit_app.core.dates import add_working_days
from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.questionnaire import (
    Questionnaire,
    QuestionnaireInvalid,
    upgrade,
    validate_questionnaire,
)
from audit_app.core.scoring import score_audit
from audit_app.core.timeliness import AuditDay
from tests.builders import questionnaire_dict

ENGLAND = partial(add_working_days, calendar="england")
STRATEGY = {"id": "strategy-date", "type": "date", "text": "Date of the strategy discussion"}
SEEN = {"id": "seen-date", "type": "date", "text": "Date the child was seen", "required": False}
REVIEW = {"id": "review-date", "type": "date", "text": "Date the plan is next reviewed"}
WITHIN_15 = {
    "id": "seen-in-time",
    "measure": "Child seen within 15 working days of the strategy discussion",
    "rule": {"within_working_days": 15, "from": "strategy-date", "to": "seen-date"},
    "source": "Local child protection procedures, section 4.2",
}


def with_timeliness(*measures: dict[str, Any], items: tuple[dict[str, Any], ...] = ()) -> dict:
    """The builders' questionnaire in format 2 with three date questions and the measures."""
    data = upgrade(questionnaire_dict())
    theme = data["themes"][0]
    theme["items"].extend(copy.deepcopy([STRATEGY, SEEN, REVIEW, *items]))
    theme["timeliness"] = copy.deepcopy(list(measures))
    return data


def measure_with(rule: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": "in-time", "measure": "In time", "rule": rule, **extra}


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


def outcome(q: Questionnaire, answers: dict[str, str], audit_date: date) -> str:
    """The one timeliness measure's outcome."""
    day = AuditDay(audit_date=audit_date, add_working_days=ENGLAND)
    (result,) = score_audit(q, answers, day=day).timeliness
    return result.outcome


# --- the loader ---------------------------------------------------------------------------


def test_a_valid_measure_loads_with_its_rule_and_source() -> None:
    q = validate_questionnaire(with_timeliness(WITHIN_15))
    (timed,) = q.themes[0].timeliness or ()
    assert timed.rule.kind == "within_working_days"
    assert timed.rule.amount == 15
    assert timed.rule.dates() == ["strategy-date", "seen-date"]
    assert timed.source == "Local child protection procedures, section 4.2"


def test_format_1_refuses_the_key_saying_it_is_only_in_format_2() -> None:
    data = questionnaire_dict()
    data["themes"][0]["timeliness"] = [WITHIN_15]
    ((path, message),) = problems(data)
    assert path == "$.themes[0].timeliness"
    assert message.startswith('"timeliness" is only in case-audit/2')
    assert "questionnaires upgrade" in message


def test_a_rule_naming_a_missing_or_non_date_question_is_refused_at_its_key() -> None:
    data = with_timeliness(
        measure_with({"within_days": 5, "from": "seen-alone", "to": "nowhere"}),
    )
    assert problems(data) == [
        (
            "$.themes[0].timeliness[0].rule.from",
            'names "seen-alone", a "choice" question (at $.themes[0].items[0]): it needs a '
            "date question",
        ),
        (
            "$.themes[0].timeliness[0].rule.to",
            'names "nowhere", which is not a question in this questionnaire',
        ),
    ]


def test_a_rule_needs_exactly_one_kind_and_the_dates_that_kind_reads() -> None:
    data = with_timeliness(
        measure_with({"from": "strategy-date", "to": "seen-date"}),
        {**measure_with({"within_days": 5, "at_most_weeks_before_audit": 4}), "id": "two"},
        {**measure_with({"within_days": 5, "date": "seen-date"}), "id": "three"},
        {**measure_with({"not_expired_at_audit": True, "to": "seen-date"}), "id": "four"},
    )
    assert problems(data) == [
        (
            "$.themes[0].timeliness[0].rule",
            'needs one of "within_working_days", "within_days", "at_most_weeks_before_audit", '
            '"not_expired_at_audit"',
        ),
        (
            "$.themes[0].timeliness[1].rule",
            'has "within_days" and "at_most_weeks_before_audit": give one of them',
        ),
        ("$.themes[0].timeliness[2].rule", '"within_days" needs "from": the id of a date question'),
        ("$.themes[0].timeliness[2].rule", '"within_days" needs "to": the id of a date question'),
        ("$.themes[0].timeliness[2].rule.date", '"within_days" reads "from" and "to", not "date"'),
        (
            "$.themes[0].timeliness[3].rule",
            '"not_expired_at_audit" needs "date": the id of a date question',
        ),
        ("$.themes[0].timeliness[3].rule.to", '"not_expired_at_audit" reads "date", not "to"'),
    ]


def test_numbers_are_whole_and_in_range_and_from_and_to_differ() -> None:
    data = with_timeliness(
        measure_with({"within_working_days": 1.5, "from": "seen-date", "to": "seen-date"}),
        {**measure_with({"at_most_weeks_before_audit": 0, "date": "seen-date"}), "id": "b"},
        {**measure_with({"not_expired_at_audit": False, "date": "seen-date"}), "id": "c"},
    )
    found = problems(data)
    assert found[0] == (
        "$.themes[0].timeliness[0].rule.within_working_days",
        "must be a whole number",
    )
    assert ("$.themes[0].timeliness[1].rule.at_most_weeks_before_audit", "must be >= 1") in found
    assert ("$.themes[0].timeliness[2].rule.not_expired_at_audit", "must be true") in found


def test_from_and_to_must_name_different_questions() -> None:
    data = with_timeliness(measure_with({"within_days": 3, "from": "seen-date", "to": "seen-date"}))
    assert problems(data) == [
        (
            "$.themes[0].timeliness[0].rule.to",
            'names "seen-date", as "from" does: name another date question',
        )
    ]


def test_a_measure_id_may_not_be_a_question_id_or_another_measures() -> None:
    data = with_timeliness(
        {**WITHIN_15, "id": "seen-date"},
        {**WITHIN_15, "id": "again"},
        {**WITHIN_15, "id": "again"},
    )
    assert problems(data) == [
        (
            "$.themes[0].timeliness[0].id",
            'duplicate id "seen-date": already used at $.themes[0].items[3].id (timeliness '
            "measures and questions need ids of their own)",
        ),
        (
            "$.themes[0].timeliness[2].id",
            'duplicate id "again": already used at $.themes[0].timeliness[1].id (timeliness '
            "measures and questions need ids of their own)",
        ),
    ]


def test_a_measure_spelled_like_a_question_measure_in_other_case_is_refused() -> None:
    data = with_timeliness({**WITHIN_15, "measure": "child seen alone"})
    ((path, message),) = problems(data)
    assert path == "$.themes[0].timeliness[0].measure"
    assert message.startswith('compliance measure "child seen alone" differs from')


def test_a_rule_may_read_dates_of_any_theme() -> None:
    data = with_timeliness()
    data["themes"][1]["timeliness"] = [WITHIN_15]
    data["themes"][0]["timeliness"] = [
        measure_with({"not_expired_at_audit": True, "date": "review-date"})
    ]
    q = validate_questionnaire(data)
    assert [t.id for t in q.themes[1].timeliness or ()] == ["seen-in-time"]


# --- within_working_days, in England ------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "seen", "expected"),
    [
        # Thursday 24 December 2026: Christmas Day (Friday), the weekend and Monday 28 December
        # (the substitute for Boxing Day, a Saturday) do not count: 1 working day is Tuesday 29.
        ("2026-12-24", "2026-12-29", "met"),
        ("2026-12-24", "2026-12-30", "not met"),
        # Year end: from Thursday 31 December 2026, New Year's Day (Friday) and the weekend do
        # not count: day 1 is Monday 4 January 2027.
        ("2026-12-31", "2027-01-04", "met"),
        ("2026-12-31", "2027-01-05", "not met"),
        # Easter 2027: Good Friday 26 March and Easter Monday 29 March. From Thursday 25 March,
        # day 1 is Tuesday 30 March.
        ("2027-03-25", "2027-03-30", "met"),
        ("2027-03-25", "2027-03-31", "not met"),
        # Christmas 2027 falls on a Saturday: Monday 27 and Tuesday 28 December are the
        # substitute days. From Friday 24 December, day 1 is Wednesday 29 December.
        ("2027-12-24", "2027-12-29", "met"),
        ("2027-12-24", "2027-12-30", "not met"),
        # Seen the same day is within any number of working days; seen before is not met.
        ("2026-12-24", "2026-12-24", "met"),
        ("2026-12-24", "2026-12-23", "not met"),
    ],
)
def test_one_working_day_worked_by_hand(strategy: str, seen: str, expected: str) -> None:
    rule = {"within_working_days": 1, "from": "strategy-date", "to": "seen-date"}
    q = validate_questionnaire(with_timeliness(measure_with(rule)))
    answers = {"strategy-date": strategy, "seen-date": seen}
    assert outcome(q, answers, date(2028, 1, 31)) == expected


def test_fifteen_working_days_over_christmas_worked_by_hand() -> None:
    """From Monday 14 December 2026: 15, 16, 17, 18 (4), 21, 22, 23, 24 (8), 29, 30, 31 (11;
    25 and 28 are bank holidays), 4, 5, 6, 7 January 2027 (15; 1 January is New Year's Day).
    Due by Thursday 7 January."""
    q = validate_questionnaire(with_timeliness(WITHIN_15))
    day = AuditDay(audit_date=date(2027, 2, 1), add_working_days=ENGLAND)
    met = score_audit(q, {"strategy-date": "2026-12-14", "seen-date": "2027-01-07"}, day=day)
    late = score_audit(q, {"strategy-date": "2026-12-14", "seen-date": "2027-01-08"}, day=day)
    assert met.timeliness[0].outcome == "met"
    assert met.timeliness[0].explanation == (
        "7 January 2027, due from 14 December 2026 to 7 January 2027."
    )
    assert late.timeliness[0].outcome == "not met"
    assert late.timeliness[0].explanation == (
        "8 January 2027, later than due from 14 December 2026 to 7 January 2027."
    )


# --- within_days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # 2028 is a leap year: 28 February + 1 day is 29 February, + 2 days is 1 March.
        ("2028-02-28", "2028-02-29", "met"),
        ("2028-02-28", "2028-03-01", "not met"),
        # 2027 is not: 28 February + 1 day is 1 March.
        ("2027-02-28", "2027-03-01", "met"),
        # Month and year end, every day counted (bank holidays too).
        ("2026-12-31", "2027-01-01", "met"),
        ("2026-12-30", "2027-01-01", "not met"),
    ],
)
def test_one_calendar_day_worked_by_hand(start: str, end: str, expected: str) -> None:
    rule = {"within_days": 1, "from": "strategy-date", "to": "seen-date"}
    q = validate_questionnaire(with_timeliness(measure_with(rule)))
    answers = {"strategy-date": start, "seen-date": end}
    assert outcome(q, answers, date(2028, 12, 31)) == expected


# --- at_most_weeks_before_audit -------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "audit_date", "expected"),
    [
        # 4 weeks (28 days) before Thursday 31 December 2026 is Thursday 3 December.
        ("2026-12-03", date(2026, 12, 31), "met"),
        ("2026-12-02", date(2026, 12, 31), "not met"),
        # Audited on leap day 2028: 4 weeks before is 1 February 2028.
        ("2028-02-01", date(2028, 2, 29), "met"),
        ("2028-01-31", date(2028, 2, 29), "not met"),
        # Audited on 1 March 2028: 28 days back crosses 29 February, to 2 February.
        ("2028-02-02", date(2028, 3, 1), "met"),
        ("2028-02-01", date(2028, 3, 1), "not met"),
        # Audited on 1 January 2027: 4 weeks before is 4 December 2026.
        ("2026-12-04", date(2027, 1, 1), "met"),
        # On the audit date itself, met; a date after the audit date cannot have happened.
        ("2026-12-31", date(2026, 12, 31), "met"),
        ("2027-01-01", date(2026, 12, 31), "not met"),
    ],
)
def test_four_weeks_before_the_audit_worked_by_hand(
    last: str, audit_date: date, expected: str
) -> None:
    rule = {"at_most_weeks_before_audit": 4, "date": "seen-date"}
    q = validate_questionnaire(with_timeliness(measure_with(rule)))
    assert outcome(q, {"seen-date": last}, audit_date) == expected


# --- not_expired_at_audit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("review", "audit_date", "expected"),
    [
        ("2026-12-31", date(2026, 12, 31), "met"),  # due the day of the audit: not yet expired
        ("2026-12-30", date(2026, 12, 31), "not met"),
        ("2027-01-01", date(2026, 12, 31), "met"),
        ("2028-02-29", date(2028, 2, 29), "met"),
        ("2028-02-28", date(2028, 2, 29), "not met"),
    ],
)
def test_not_expired_at_the_audit_date_worked_by_hand(
    review: str, audit_date: date, expected: str
) -> None:
    rule = {"not_expired_at_audit": True, "date": "review-date"}
    q = validate_questionnaire(with_timeliness(measure_with(rule)))
    assert outcome(q, {"review-date": review}, audit_date) == expected


# --- not applicable, and compliance without scoring -------------------------------------------


def test_an_unanswered_date_makes_the_measure_not_applicable() -> None:
    q = validate_questionnaire(with_timeliness(WITHIN_15))
    assert outcome(q, {"strategy-date": "2026-12-14"}, date(2027, 1, 31)) == "not applicable"


def test_a_hidden_date_question_makes_the_measure_not_applicable() -> None:
    seen = {**SEEN, "show_if": {"question": "seen-alone", "in": ["yes"]}}
    data = with_timeliness(WITHIN_15)
    data["themes"][0]["items"][3] = seen
    q = validate_questionnaire(data)
    answers = {"seen-alone": "no", "strategy-date": "2026-12-14", "seen-date": "2026-12-15"}
    assert outcome(q, answers, date(2027, 1, 31)) == "not applicable"
    answers["seen-alone"] = "yes"
    assert outcome(q, answers, date(2027, 1, 31)) == "met"


def test_a_hidden_theme_makes_its_measures_not_applicable() -> None:
    data = with_timeliness()
    data["themes"][1]["show_if"] = {"question": "seen-alone", "in": ["yes"]}
    data["themes"][1]["timeliness"] = [WITHIN_15]
    q = validate_questionnaire(data)
    answers = {"seen-alone": "no", "strategy-date": "2026-12-14", "seen-date": "2026-12-15"}
    assert outcome(q, answers, date(2027, 1, 31)) == "not applicable"


def test_results_count_as_compliance_and_never_touch_the_score() -> None:
    """The measure counts with the questionnaire's other measures, kept under its id as
    "met" or "not-met"; the theme's percent is that of seen-alone alone."""
    q = validate_questionnaire(with_timeliness(WITHIN_15))
    answers = {"seen-alone": "yes", "strategy-date": "2026-12-14", "seen-date": "2027-01-08"}
    day = AuditDay(audit_date=date(2027, 1, 31), add_working_days=ENGLAND)
    timed, untimed = score_audit(q, answers, day=day), score_audit(q, answers)
    assert timed.themes == untimed.themes
    assert timed.overall == untimed.overall
    by_measure = {m.measure: m for m in timed.compliance}
    late = by_measure["Child seen within 15 working days of the strategy discussion"]
    assert (late.compliant, late.non_compliant, late.question_ids) == (0, 1, ("seen-in-time",))
    stored = timed.compliance_answers[-1]
    assert (stored.question_id, stored.theme_id, stored.value, stored.compliant) == (
        "seen-in-time",
        "voice",
        "not-met",
        False,
    )
    assert untimed.timeliness == ()


def test_a_timeliness_measure_can_share_a_question_measure() -> None:
    """Spelled the same, a question's answer and a measure worked out from dates count in one
    measure: 1 compliant answer (seen alone: yes) and 1 not met."""
    q = validate_questionnaire(with_timeliness({**WITHIN_15, "measure": "Child seen alone"}))
    answers = {"seen-alone": "yes", "strategy-date": "2026-12-14", "seen-date": "2027-01-08"}
    day = AuditDay(audit_date=date(2027, 1, 31), add_working_days=ENGLAND)
    (measure,) = score_audit(q, answers, day=day).compliance
    assert (measure.compliant, measure.non_compliant) == (1, 1)
    assert measure.question_ids == ("seen-alone", "seen-in-time")


def test_the_compiled_engine_counts_the_same() -> None:
    q = validate_questionnaire(with_timeliness(WITHIN_15))
    day = AuditDay(audit_date=date(2027, 1, 31), add_working_days=ENGLAND)
    for seen in ("2027-01-07", "2027-01-08", None):
        answers = {"seen-alone": "partly", "strategy-date": "2026-12-14"}
        if seen:
            answers["seen-date"] = seen
        reference = score_audit(q, answers, day=day)
        quick = ScoringPlan(q).score(answers, day=day)
        assert quick.compliance == {
            m.measure: (m.compliant, m.non_compliant) for m in reference.compliance
        }


def test_the_rule_reads_in_words_with_the_questions_text() -> None:
    q = validate_questionnaire(with_timeliness(WITHIN_15))
    day = AuditDay(audit_date=date(2027, 1, 31), add_working_days=ENGLAND)
    (result,) = score_audit(q, {}, day=day).timeliness
    assert result.rule == (
        "Date the child was seen: within 15 working days of Date of the strategy discussion"
    )
    assert result.reads == ("strategy-date", "seen-date")
    assert result.explanation == (
        "Not answered, or not asked for this case: Date of the strategy discussion"
    )
