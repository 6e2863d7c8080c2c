"""The second audits' draw (core/second_audits.py): reproducible from its recorded seed, picking
at the rate, the auditor chosen by fewest open second audits then by the seed, and quarters as
dates in England."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from audit_app.core.second_audits import choose_auditor, draw, picked, quarter

SEED = "9f86d081884c7d659a2feaa0c55ad015"


def test_the_draw_is_the_seed_and_audit_hashed_and_the_same_each_time() -> None:
    expected = int.from_bytes(hashlib.sha256(f"{SEED}:42".encode()).digest()[:8], "big") / 2**64
    assert draw(SEED, 42) == expected == draw(SEED, 42)
    assert draw(SEED, 43) != draw(SEED, 42)
    assert 0 <= draw(SEED, 42) < 1


def test_over_many_audits_the_share_picked_is_near_the_rate() -> None:
    chosen = sum(picked(draw(SEED, audit), 0.1) for audit in range(10_000))
    # Binomial(10 000, 0.1): standard deviation 30; five of them either side.
    assert 850 <= chosen <= 1150


def test_rate_0_never_picks_and_rate_1_always_does() -> None:
    assert not any(picked(draw(SEED, audit), 0.0) for audit in range(1000))
    assert all(picked(draw(SEED, audit), 1.0) for audit in range(1000))
    with pytest.raises(ValueError, match="between 0 and 1"):
        picked(0.5, 1.5)


def test_the_auditor_with_fewest_open_second_audits_is_chosen_then_by_the_seed() -> None:
    assert choose_auditor(SEED, 1, [], {}) is None
    assert choose_auditor(SEED, 1, [5, 6, 7], {5: 2, 6: 0, 7: 1}) == 6
    tied = choose_auditor(SEED, 1, [5, 6], {})
    expected = min((5, 6), key=lambda person: draw(f"{SEED}:1", person))
    assert tied == expected == choose_auditor(SEED, 1, [6, 5], {})


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 31, 22, 59, tzinfo=UTC), "2026 Q1"),  # 23:59 BST on 31 March
        (datetime(2026, 3, 31, 23, 0, tzinfo=UTC), "2026 Q2"),  # midnight BST, 1 April
        (datetime(2026, 12, 31, 23, 59, tzinfo=UTC), "2026 Q4"),  # GMT: still 31 December
        (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), "2027 Q1"),
        (datetime(2028, 2, 29, 12, 0, tzinfo=UTC), "2028 Q1"),  # a leap day
        (datetime(2026, 9, 30, 23, 30, tzinfo=UTC), "2026 Q4"),  # 00:30 BST on 1 October
        (datetime(2026, 7, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), "2026 Q2"),
    ],
)
def test_a_quarter_is_the_date_in_england(moment: datetime, expected: str) -> None:
    assert quarter(moment) == expected


def test_a_moment_without_its_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        quarter(datetime(2026, 3, 31, 23, 0))
