"""Rescoring answers with another version's rules (the pure core: no application needed)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from audit_app.core.questionnaire import validate_questionnaire
from audit_app.core.rescore import Impact, SubmittedAudit, direction, rescore
from tests.builders import rescore_v1

GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate"]


def _audit(
    audit_id: int, answers: dict[str, str], service: str = "Child Protection"
) -> SubmittedAudit:
    return SubmittedAudit(
        audit_id=audit_id,
        case_ref=f"10{audit_id:04d}",
        team=f"{service} Team 1",
        service=service,
        submitted_at=datetime(2026, 3, audit_id, tzinfo=UTC),
        answers=answers,
    )


def _rescored_with_v2(change: Callable[[dict[str, Any]], None], *audits: SubmittedAudit) -> Impact:
    """The audits rescored from version 1 to a version 2 that is version 1 with ``change``."""
    before = rescore_v1()
    after = copy.deepcopy(before)
    after["version"] = 2
    change(after)
    return rescore(validate_questionnaire(before), validate_questionnaire(after), list(audits))


def test_direction_follows_the_band_order() -> None:
    assert direction("Good", "Outstanding", GRADES, GRADES) == "better"
    assert direction("Good", "Inadequate", GRADES, GRADES) == "worse"
    assert direction("Good", "Good", GRADES, GRADES) == "unchanged"
    assert direction(None, None, GRADES, GRADES) == "unchanged"
    assert direction(None, "Good", GRADES, GRADES) == "now graded"
    assert direction("Good", None, GRADES, GRADES) == "no longer graded"


def test_direction_uses_the_newer_bands_and_names_a_renamed_grade() -> None:
    renamed = ["Outstanding", "Good", "Needs improvement", "Inadequate"]
    assert direction("Requires improvement", "Good", GRADES, renamed) == "better"
    assert direction("Requires improvement", "Needs improvement", GRADES, renamed) == "renamed"


def test_a_question_new_in_the_rules_counts_as_unanswered() -> None:
    def add_a_question(after: dict[str, Any]) -> None:
        after["themes"][2]["questions"].append(
            {
                "id": "supervision-recorded",
                "text": "Is supervision recorded?",
                "type": "choice",
                "options": [
                    {"value": "yes", "label": "Yes", "score": 1},
                    {"value": "no", "label": "No", "score": 0},
                ],
            }
        )

    impact = _rescored_with_v2(add_a_question, _audit(1, {"supervision": "partly"}))
    [audit] = impact.audits
    oversight = next(t for t in audit.themes if t.theme_id == "oversight")
    # 1 of 3 in both: the new question adds nothing to either side.
    assert oversight.shift.percent_before == oversight.shift.percent_after
    assert not oversight.shift.changed


def test_an_answer_that_is_no_longer_an_option_counts_as_unanswered() -> None:
    def replace_the_options(after: dict[str, Any]) -> None:
        after["themes"][2]["questions"][0]["options"] = [
            {"value": "always", "label": "Always", "score": 1},
            {"value": "never", "label": "Never", "score": 0},
        ]

    impact = _rescored_with_v2(replace_the_options, _audit(1, {"supervision": "yes"}))
    oversight = next(t for t in impact.audits[0].themes if t.theme_id == "oversight")
    assert (oversight.shift.before, oversight.shift.after) == ("Outstanding", None)
    assert oversight.shift.direction == "no longer graded"


def test_a_removed_theme_is_no_longer_graded_and_listed_by_theme() -> None:
    def remove_oversight(after: dict[str, Any]) -> None:
        del after["themes"][2]

    impact = _rescored_with_v2(
        remove_oversight,
        _audit(1, {"supervision": "yes", "seen-alone": "yes"}),
        _audit(2, {"seen-alone": "no"}),
    )
    oversight = next(t for t in impact.by_theme if t.theme_id == "oversight")
    assert dict(oversight.figures.counts) == {"no longer graded": 1, "unchanged": 1}
    assert oversight.figures.audit_ids["no longer graded"] == (1,)
    # Audit 1: (100 + 100) / 2 before, 100 after; no overall change.
    assert impact.overall.count("unchanged") == 2


def test_unknown_figures_list_nothing() -> None:
    impact = rescore(validate_questionnaire(rescore_v1()), validate_questionnaire(rescore_v1()), [])
    assert impact.audits_behind("no-such-scope", "better") is None
    assert impact.audits_behind("overall", "sideways") is None
    assert impact.audits_behind("overall", "better") == ()
    assert impact.overall.total == 0 and impact.by_service == ()
