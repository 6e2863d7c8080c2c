"""Format 2's multi-select questions (tick all that apply): what the loader refuses, how an
answer is stored and checked, conditions on it, and scores worked by hand."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from audit_app.core.answers import check_answer, shown_questions, ticked_text
from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.questionnaire import QuestionnaireInvalid, upgrade, validate_questionnaire
from audit_app.core.scoring import score_audit
from tests.builders import questionnaire_dict

TOPICS: dict[str, Any] = {
    "id": "topics",
    "type": "multi",
    "text": "What did supervision cover?",
    "scoring": "each",
    "options": [
        {"value": "risk", "label": "Risk", "score": 2},
        {"value": "plan", "label": "The plan", "score": 1},
        {"value": "voice", "label": "The child's voice", "score": 1},
        {"value": "wellbeing", "label": "The worker's wellbeing"},
    ],
    "compliance": "Supervision covers risk, plan and voice",
}
FOLLOW_UP: dict[str, Any] = {"id": "follow-up", "type": "text", "text": "How was risk followed up?"}


def with_items(*items: dict[str, Any]) -> dict[str, Any]:
    data = upgrade(questionnaire_dict())
    data["themes"][0]["items"].extend(items)
    return data


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("ticked", "score", "compliant"),
    [
        ("risk plan voice", 4, True),
        ("risk plan voice wellbeing", 4, True),
        ("risk", 2, False),
        ("plan voice", 2, False),
        ("wellbeing", 0, False),
    ],
)
def test_each_option_ticked_earns_its_score_worked_by_hand(
    ticked: str, score: int, compliant: bool
) -> None:
    """The maximum is 2 + 1 + 1 = 4 (wellbeing has no score). The theme's other scored
    question, seen-alone, is unanswered, so the theme's percent is the topics' score over 4."""
    q = validate_questionnaire(with_items(TOPICS))
    result = score_audit(q, {"topics": ticked})
    topics = result.questions["topics"]
    assert (topics.score, topics.max_score, topics.reason) == (score, 4, "included")
    assert result.theme("voice").percent == Fraction(100 * score, 4)
    measure = next(m for m in result.compliance if m.measure == TOPICS["compliance"])
    assert (measure.compliant, measure.non_compliant) == ((1, 0) if compliant else (0, 1))
    quick = ScoringPlan(q).score({"topics": ticked})
    assert quick.theme("voice").percent == result.theme("voice").percent


@pytest.mark.parametrize(("ticked", "score"), [("risk plan voice wellbeing", 1), ("risk plan", 0)])
def test_all_ticked_earns_one_point(ticked: str, score: int) -> None:
    question = {**TOPICS, "scoring": "all", "compliance": None}
    question["options"] = [{k: v for k, v in o.items() if k != "score"} for o in TOPICS["options"]]
    q = validate_questionnaire(with_items({k: v for k, v in question.items() if v is not None}))
    result = score_audit(q, {"topics": ticked})
    assert (result.questions["topics"].score, result.questions["topics"].max_score) == (score, 1)
    assert ScoringPlan(q).score({"topics": ticked}).theme("voice").percent == 100 * score


def test_an_answer_is_stored_in_the_questionnaires_order_and_checked() -> None:
    question = validate_questionnaire(with_items(TOPICS)).questions["topics"]
    assert ticked_text(question, " voice,risk  voice ") == "risk voice"
    assert check_answer(question, "risk voice") is None
    assert check_answer(question, ticked_text(question, "risk gossip")) == (
        "is not one of the options"
    )


@pytest.mark.parametrize(
    ("condition", "ticked", "shown"),
    [
        ({"any_of": ["risk", "plan"]}, "plan voice", True),
        ({"any_of": ["risk", "plan"]}, "voice", False),
        ({"all_of": ["risk", "plan"]}, "risk plan voice", True),
        ({"all_of": ["risk", "plan"]}, "risk voice", False),
    ],
)
def test_conditions_on_the_options_ticked(
    condition: dict[str, Any], ticked: str, shown: bool
) -> None:
    follow_up = {**FOLLOW_UP, "show_if": {"question": "topics", **condition}}
    q = validate_questionnaire(with_items(TOPICS, follow_up))
    assert ("follow-up" in shown_questions(q, {"topics": ticked})) is shown


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            {"options": TOPICS["options"][:1]},
            "$.themes[0].items[2].options",
            "a multi question needs at least 2 options (it has 1)",
        ),
        (
            {"scoring": None},
            "$.themes[0].items[2].options[0].score",
            'option scores count only with "scoring": "each" on the question: add it, or leave '
            "the scores out",
        ),
        (
            {"scoring": "all", "compliance": None},
            "$.themes[0].items[2].options[0].score",
            'with scoring "all" the options have no scores: ticking every option earns the '
            "question its 1 point",
        ),
        ({"scoring": "most"}, "$.themes[0].items[2].scoring", 'must be one of "each", "all"'),
    ],
)
def test_multi_problems(change: dict[str, Any], path: str, message: str) -> None:
    question = {k: v for k, v in {**TOPICS, **change}.items() if v is not None}
    assert problems(with_items(question))[0] == (path, message)


def test_scoring_belongs_to_multi_questions_and_in_to_choice_ones() -> None:
    assert problems(with_items({**FOLLOW_UP, "scoring": "each"})) == [
        (
            "$.themes[0].items[2].scoring",
            'only multi questions have scoring (this is a "text" question)',
        )
    ]
    follow_up = {**FOLLOW_UP, "show_if": {"question": "topics", "in": ["risk"]}}
    assert problems(with_items(TOPICS, follow_up)) == [
        (
            "$.themes[0].items[3].show_if.question",
            'show_if names "topics", a "multi" question: "in" needs a choice question (use '
            '"any_of" or "all_of" with its option values)',
        )
    ]
