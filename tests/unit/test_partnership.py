"""A grant's window in England's days, and the pseudonym a visiting council sees."""

from __future__ import annotations

from datetime import date

import pytest

from audit_app.core.partnership import pseudonym, window_is_open


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), True),
        (date(2027, 2, 28), True),
        (date(2027, 3, 1), False),
    ],
)
def test_a_window_holds_its_first_and_last_days(today: date, expected: bool) -> None:
    assert window_is_open(date(2027, 1, 1), date(2027, 2, 28), today) is expected


def test_a_window_of_a_leap_day() -> None:
    assert window_is_open(date(2028, 2, 29), date(2028, 2, 29), date(2028, 2, 29))
    assert not window_is_open(date(2028, 2, 29), date(2028, 2, 29), date(2028, 3, 1))


def test_a_pseudonym_is_stable_within_a_batch_and_differs_between_batches() -> None:
    one, two = bytes(32), bytes([1]) * 32
    assert pseudonym(one, "LL-100") == pseudonym(one, "LL-100")
    assert pseudonym(one, "LL-100") != pseudonym(one, "LL-101")
    assert pseudonym(one, "LL-100") != pseudonym(two, "LL-100")
    assert pseudonym(one, "LL-100").startswith("V-")
    assert len(pseudonym(one, "LL-100")) == 10
    assert "LL-100" not in pseudonym(one, "LL-100")
