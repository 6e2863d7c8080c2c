"""A broken file lists every kind of problem in one pass: no second pass reveals more."""

from __future__ import annotations

import pytest

from audit_app.core.questionnaire import QuestionnaireInvalid, validate_questionnaire
from tests.builders import rescore_v1


def test_single_keys_and_rules_across_keys_are_reported_together() -> None:
    data = rescore_v1()
    data["kind"] = "weekly"  # a value it cannot have
    first = data["themes"][0]["questions"][0]
    first["wieght"] = 2  # an unknown key
    first["show_if"] = {"question": "plan-smart", "in": ["yes"]}  # a later question
    data["themes"][1]["questions"][0]["weight"] = -1  # a number out of range
    data["themes"][2]["id"] = data["themes"][0]["id"]  # a duplicate id
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate_questionnaire(data)
    paths = [p.path for p in refused.value.problems]
    assert paths == [
        "$.kind",
        "$.themes[0].questions[0].wieght",
        "$.themes[0].questions[0].show_if.question",
        "$.themes[1].questions[0].weight",
        "$.themes[2].id",
    ]
    messages = [p.message for p in refused.value.problems]
    assert "which comes later" in messages[2]
    assert messages[4].startswith("duplicate theme id")


def test_a_problem_caused_by_a_value_already_refused_is_not_reported_twice() -> None:
    """A score refused leaves the question without a score: that is not a second problem."""
    data = rescore_v1()
    data["themes"][0]["questions"][0]["options"][0]["score"] = "two"
    with pytest.raises(QuestionnaireInvalid) as refused:
        validate_questionnaire(data)
    assert [p.path for p in refused.value.problems] == ["$.themes[0].questions[0].options[0].score"]
