"""A programme's draw, pure: seeded, quotas met or short by stratum, never an auditor's own team,
and the 12-month rule on month and year ends and 29 February."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from audit_app.core.sampling import (
    Auditor,
    Candidate,
    StratumShortfall,
    audited_recently,
    draw_sample,
    lookback_start,
)

# Strata 1, 2 and 3 are teams 10, 20 and 30; five cases each, ids 100-104, 200-204, 300-304.
CANDIDATES = [Candidate(s * 100 + n, s, s * 10) for s in (1, 2, 3) for n in range(5)]
AUDITORS = [Auditor(1, 10), Auditor(2, 20), Auditor(3, None)]


def test_the_same_seed_gives_the_same_sample() -> None:
    quotas = {1: 2, 2: 3, 3: 1}
    first = draw_sample(CANDIDATES, quotas, {}, AUDITORS, seed=5)
    assert draw_sample(list(reversed(CANDIDATES)), quotas, {}, AUDITORS, seed=5) == first
    others = {str(draw_sample(CANDIDATES, quotas, {}, AUDITORS, seed=s).chosen) for s in range(20)}
    assert len(others) > 1


@pytest.mark.parametrize("seed", range(20))
def test_each_stratum_gets_its_quota_from_its_own_cases(seed: int) -> None:
    sample = draw_sample(CANDIDATES, {1: 2, 2: 3, 3: 0}, {}, AUDITORS, seed=seed)
    assert {s: len(ids) for s, ids in sample.chosen.items()} == {1: 2, 2: 3, 3: 0}
    assert all(case_id // 100 == s for s, ids in sample.chosen.items() for case_id in ids)
    assert sample.shortfalls == () and sample.cases == 5


@pytest.mark.parametrize("seed", range(20))
def test_no_auditor_gets_a_case_of_their_own_team(seed: int) -> None:
    sample = draw_sample(CANDIDATES, {1: 5, 2: 5, 3: 5}, {}, AUDITORS, seed=seed)
    teams = {a.id: a.team_id for a in AUDITORS}
    assert all(
        teams[auditor] != (case_id // 100) * 10 for case_id, auditor in sample.auditor_of.items()
    )


def test_the_work_is_shared_evenly() -> None:
    auditors = [Auditor(1, None), Auditor(2, None), Auditor(3, None)]
    sample = draw_sample(CANDIDATES, {1: 3, 2: 3, 3: 3}, {}, auditors, seed=1)
    counts = [list(sample.auditor_of.values()).count(a.id) for a in auditors]
    assert counts == [3, 3, 3]


def test_a_stratum_short_of_cases_says_so() -> None:
    sample = draw_sample(CANDIDATES[:7], {1: 4, 2: 4}, {}, AUDITORS, seed=1)
    assert sample.shortfalls == (StratumShortfall(2, 4, 2),)
    assert len(sample.chosen[1]) == 4


def test_what_the_programme_holds_already_counts_towards_the_quota() -> None:
    sample = draw_sample(CANDIDATES, {1: 3, 2: 2}, {1: 2, 2: 2}, AUDITORS, seed=1)
    assert len(sample.chosen[1]) == 1 and sample.chosen[2] == []
    short = draw_sample(CANDIDATES[:2], {1: 5}, {1: 2}, AUDITORS, seed=1)
    assert short.shortfalls == (StratumShortfall(1, 5, 4),)


def test_a_case_no_auditor_may_take_is_passed_over() -> None:
    only_team_a = [Auditor(1, 10)]
    sample = draw_sample(CANDIDATES, {1: 2, 2: 1}, {}, only_team_a, seed=1)
    assert sample.chosen == {1: [], 2: sample.chosen[2]} and len(sample.chosen[2]) == 1
    assert sample.shortfalls == (StratumShortfall(1, 2, 0),)


@pytest.mark.parametrize(
    ("start", "first_day"),
    [
        (date(2027, 1, 1), date(2026, 1, 1)),  # a year's first day
        (date(2026, 12, 31), date(2025, 12, 31)),  # a year's last day
        (date(2027, 3, 31), date(2026, 3, 31)),  # a month's last day
        (date(2027, 4, 30), date(2026, 4, 30)),
        (date(2028, 2, 29), date(2027, 2, 28)),  # 29 February looks back to 28 February
        (date(2029, 2, 28), date(2028, 2, 28)),
        (date(2029, 3, 1), date(2028, 3, 1)),  # so 29 February 2028 is more than 12 months ago
    ],
)
def test_the_12_months_before_a_start(start: date, first_day: date) -> None:
    assert lookback_start(start) == first_day


@pytest.mark.parametrize(
    ("today", "audited_on", "recent"),
    [
        (date(2027, 1, 1), date(2026, 1, 1), True),
        (date(2027, 1, 1), date(2025, 12, 31), False),
        (date(2026, 12, 31), date(2025, 12, 31), True),
        (date(2026, 12, 31), date(2025, 12, 30), False),
        (date(2028, 2, 29), date(2027, 2, 28), True),
        (date(2028, 2, 29), date(2027, 2, 27), False),
        (date(2029, 3, 1), date(2028, 2, 29), False),
        (date(2029, 2, 28), date(2028, 2, 29), True),
        (date(2027, 3, 31), date(2026, 3, 31), True),
        (date(2027, 3, 31), date(2026, 3, 30), False),
    ],
)
def test_the_12_month_rule_on_the_days_that_break_dates(
    today: date, audited_on: date, recent: bool
) -> None:
    """A programme starting today, on the clock set to that day."""
    with time_machine.travel(today, tick=False):
        assert audited_recently([audited_on], date.today()) is recent
        assert audited_recently([], date.today()) is False
