"""The pure rules: which grade counts, which audits are moderated, when things are overdue."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from audit_app.core.grades import final_grade, moderation_reason, worst_band
from audit_app.models import Action, SafeguardingConcern
from audit_app.services.actions import is_overdue as action_overdue
from audit_app.services.concerns import acknowledgement_due, is_overdue

GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def test_the_moderated_grade_counts_first() -> None:
    assert (
        final_grade(computed="Good", judged="Outstanding", moderated="Requires improvement")
        == "Requires improvement"
    )


def test_without_moderation_the_auditors_judgement_counts() -> None:
    assert final_grade(computed="Good", judged="Outstanding", moderated=None) == "Outstanding"


def test_without_a_judgement_the_computed_grade_counts() -> None:
    assert final_grade(computed="Good", judged=None) == "Good"


def test_a_theme_with_no_grade_at_all_has_no_final_grade() -> None:
    assert final_grade(computed=None, judged=None, moderated=None) is None


def test_the_worst_band_is_the_last_grade() -> None:
    assert worst_band(GRADES) == "Inadequate"


@pytest.mark.parametrize("draw", [0.0, 0.5, 0.999])
def test_a_worst_band_judgement_is_always_due(draw: float) -> None:
    assert moderation_reason("Inadequate", GRADES, draw, 0.0) == "worst band"


def test_other_audits_are_due_when_the_draw_falls_below_the_rate() -> None:
    assert moderation_reason("Good", GRADES, 0.09, 0.1) == "sample"
    assert moderation_reason("Good", GRADES, 0.1, 0.1) is None
    assert moderation_reason("Good", GRADES, 0.0, 0.0) is None
    assert moderation_reason("Good", GRADES, 0.999, 1.0) == "sample"


def test_the_sampled_share_is_near_the_rate_with_a_fixed_seed() -> None:
    rng = random.Random(20240401)
    chosen = [moderation_reason("Good", GRADES, rng.random(), 0.1) for _ in range(10_000)]
    share = sum(reason == "sample" for reason in chosen) / len(chosen)
    assert 0.09 < share < 0.11


def test_a_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        moderation_reason("Good", GRADES, 0.5, 1.5)


def _london(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Europe/London"))


def test_a_concern_raised_on_a_weekday_is_due_a_day_later() -> None:
    # Tuesday 4 March 2025, 10:00
    assert acknowledgement_due(_london(2025, 3, 4, 10, 0)) == _london(2025, 3, 5, 10, 0)


def test_a_concern_raised_on_a_friday_is_due_on_monday() -> None:
    assert acknowledgement_due(_london(2025, 3, 7, 16, 30)) == _london(2025, 3, 10, 16, 30)


def test_a_concern_raised_at_the_weekend_is_due_at_the_end_of_monday() -> None:
    assert acknowledgement_due(_london(2025, 3, 8, 11, 0)) == _london(2025, 3, 11, 0, 0)
    assert acknowledgement_due(_london(2025, 3, 9, 23, 0)) == _london(2025, 3, 11, 0, 0)


def test_an_unacknowledged_concern_is_overdue_after_one_working_day() -> None:
    raised = datetime(2025, 3, 7, 10, 0, tzinfo=UTC)  # Friday
    concern = SafeguardingConcern(audit_id=1, raised_by_id=1, description="x", raised_at=raised)
    assert not is_overdue(concern, datetime(2025, 3, 10, 9, 0, tzinfo=UTC))  # Monday morning
    assert is_overdue(concern, datetime(2025, 3, 10, 10, 1, tzinfo=UTC))
    concern.acknowledged_at = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)
    assert not is_overdue(concern, datetime(2025, 3, 12, tzinfo=UTC))


def test_an_action_is_overdue_only_after_its_due_date_and_while_open() -> None:
    action = Action(audit_id=1, description="x", owner="SW1", due=date(2025, 3, 4), created_by_id=1)
    assert not action_overdue(action, date(2025, 3, 4))
    assert action_overdue(action, date(2025, 3, 5))
    action.status = "done"
    assert not action_overdue(action, date(2025, 3, 5))
