"""Format 2's items (headings, guidance, one level of sections) and numbers with a range, whole
numbers, a unit and scoring by bands: what the loader refuses, what an answer may be, and
scores worked by hand."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from audit_app.core.answers import check_answer
from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.questionnaire import (
    Guidance,
    Heading,
    Question,
    QuestionnaireInvalid,
    Section,
    upgrade,
    validate_questionnaire,
)
from audit_app.core.scoring import score_audit
from tests.builders import questionnaire_dict

VISITS: dict[str, Any] = {
    "id": "visits",
    "type": "number",
    "text": "How many visits took place in the last three months?",
    "min": 0,
    "max": 20,
    "integer": True,
    "unit": "visits",
    "bands": [{"min": 6, "score": 2}, {"min": 3, "score": 1}, {"min": 0, "score": 0}],
    "compliance": "Visits at least every two weeks",
}


def with_items(*items: dict[str, Any], theme: int = 0) -> dict[str, Any]:
    """The builders' questionnaire in format 2, with ``items`` after the first theme's own."""
    data = upgrade(questionnaire_dict())
    data["themes"][theme]["items"].extend(items)
    return data


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


def test_headings_guidance_and_sections_stand_between_the_questions() -> None:
    data = upgrade(questionnaire_dict())
    first = data["themes"][0]["items"]
    data["themes"][0]["items"] = [
        {"heading": "Seeing the child"},
        {"guidance": "Look at the visit records.\n\nCount only visits by the social worker."},
        first[0],
        {
            "section": {
                "title": "Visits",
                "description": "The last three months.",
                "items": [
                    {"guidance": "Include visits at school."},
                    VISITS,
                ],
            }
        },
        *first[1:],
    ]
    questionnaire = validate_questionnaire(data)
    theme = questionnaire.themes[0]
    kinds = [type(item) for item in theme.items]
    assert kinds == [Heading, Guidance, Question, Section, *[Question] * (len(first) - 1)]
    assert [q.id for q in theme.questions] == [first[0]["id"], "visits"] + [
        q["id"] for q in first[1:]
    ]
    assert questionnaire.theme_of["visits"] == theme.id
    assert list(questionnaire.questions)[:2] == [first[0]["id"], "visits"]


@pytest.mark.parametrize(
    ("item", "path", "message"),
    [
        ({"heading": ""}, "$.themes[0].items[2].heading", "must not be blank"),
        (
            {"heading": "Seen", "text": "x"},
            "$.themes[0].items[2].text",
            'unknown key "text" (allowed keys: "heading")',
        ),
        ({"guidance": 3}, "$.themes[0].items[2].guidance", "must be a string"),
        ({"section": {"items": [VISITS]}}, "$.themes[0].items[2].section.title", "is required"),
        (
            {"section": {"title": "A", "items": [{"section": {"title": "B", "items": []}}]}},
            "$.themes[0].items[2].section.items[0]",
            "a section cannot hold another section: sections go one level deep",
        ),
        (
            {"section": {"title": "A", "items": [{**VISITS, "min": "0"}]}},
            "$.themes[0].items[2].section.items[0].min",
            "must be a number",
        ),
        ("heading", "$.themes[0].items[2]", "must be an object"),
    ],
)
def test_item_problems_are_at_the_files_own_paths(item: Any, path: str, message: str) -> None:
    assert problems(with_items(item)) == [(path, message)]


def test_a_theme_needs_a_question_among_its_items() -> None:
    data = upgrade(questionnaire_dict())
    data["themes"][1]["items"] = [{"heading": "Nothing yet"}, {"guidance": "To come."}]
    assert problems(data) == [
        (
            "$.themes[1].items",
            "needs at least one question: headings, guidance and sections without questions are "
            "not enough to grade a theme",
        )
    ]


def test_question_ids_are_unique_inside_sections_too() -> None:
    data = with_items(VISITS, {"section": {"title": "Again", "items": [VISITS]}})
    assert problems(data) == [
        (
            "$.themes[0].items[3].section.items[0].id",
            'duplicate question id "visits": already used at $.themes[0].items[2].id (question '
            "ids must be unique across the whole questionnaire)",
        )
    ]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (
            {"min": 5, "max": 4},
            "$.themes[0].items[2].max",
            "must be at or above min (5), or there is no answer to give",
        ),
        (
            {"min": 0.5},
            "$.themes[0].items[2].min",
            "must be a whole number, as the answer must be (integer is true)",
        ),
        (
            {"bands": [{"min": 3, "score": 1}, {"min": 6, "score": 2}, {"min": 0, "score": 0}]},
            "$.themes[0].items[2].bands[1].min",
            "bands must be listed highest first with min strictly decreasing: min 6 comes after "
            "min 3",
        ),
        (
            {"bands": [{"min": 6, "score": 2}, {"min": 1, "score": 0}]},
            "$.themes[0].items[2].bands[1].min",
            "the last band's min (1) must be at or below the question's min (0), so that every "
            "answer earns a score",
        ),
        (
            {"bands": [{"min": 6, "score": 0}, {"min": 0, "score": 0}], "compliance": None},
            "$.themes[0].items[2].bands",
            "needs a band with a score above 0 (its highest score is the maximum)",
        ),
        (
            {"bands": [{"min": 6, "score": 2}]},
            "$.themes[0].items[2].bands",
            "needs at least 2 bands",
        ),
        (
            {"unit": " visits"},
            "$.themes[0].items[2].unit",
            'must not begin or end with a space or an invisible character: write "visits"',
        ),
    ],
)
def test_number_problems(change: dict[str, Any], path: str, message: str) -> None:
    question = {**VISITS, **change}
    question = {k: v for k, v in question.items() if v is not None}
    assert problems(with_items(question)) == [(path, message)]


def test_bands_need_the_questions_min() -> None:
    question = {k: v for k, v in VISITS.items() if k != "min"}
    assert problems(with_items(question)) == [
        (
            "$.themes[0].items[2].bands",
            "a number question scored by bands needs a min, so that every answer it allows "
            "earns a score",
        )
    ]


@pytest.mark.parametrize("key", ["min", "max", "integer", "unit", "bands"])
def test_number_keys_belong_to_number_questions(key: str) -> None:
    question = {"id": "note", "type": "text", "text": "Anything else?", key: VISITS[key]}
    assert problems(with_items(question)) == [
        (
            f"$.themes[0].items[2].{key}",
            f'only number questions have {key} (this is a "text" question)',
        )
    ]


def test_number_keys_in_a_format_1_file_say_to_upgrade() -> None:
    data = questionnaire_dict()
    data["themes"][0]["questions"].append(VISITS)
    assert [path for path, _ in problems(data)] == [
        f"$.themes[0].questions[2].{key}" for key in ("min", "max", "integer", "unit", "bands")
    ]
    assert all("only in case-audit/2" in message for _, message in problems(data))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("0", None),
        ("20", None),
        ("7", None),
        ("-1", "must be between 0 and 20"),
        ("21", "must be between 0 and 20"),
        ("2.5", "must be a whole number"),
        ("three", "must be a whole number"),
    ],
)
def test_a_number_answer_must_be_in_range_and_whole(raw: str, problem: str | None) -> None:
    question = validate_questionnaire(with_items(VISITS)).questions["visits"]
    assert check_answer(question, raw) == problem


def test_one_sided_ranges_say_which_side() -> None:
    at_least = validate_questionnaire(
        with_items({"id": "n", "type": "number", "text": "n", "min": 1.5})
    ).questions["n"]
    at_most = validate_questionnaire(
        with_items({"id": "n", "type": "number", "text": "n", "max": 10})
    ).questions["n"]
    assert check_answer(at_least, "1.25") == "must be 1.5 or more"
    assert check_answer(at_least, "1e3") == "must be a number"
    assert check_answer(at_most, "10.5") == "must be 10 or less"


@pytest.mark.parametrize(
    ("raw", "score", "compliant"),
    [
        ("0", 0, False),
        ("2", 0, False),
        ("3", 1, False),
        ("5", 1, False),
        ("6", 2, True),
        ("20", 2, True),
    ],
)
def test_numbers_score_by_bands_worked_by_hand(raw: str, score: int, compliant: bool) -> None:
    """The theme holds "seen-alone" (unanswered here), "voice-comment" (text, unscored) and
    visits (weight 1, maximum 2): its percent is the visits' score over 2."""
    questionnaire = validate_questionnaire(with_items(VISITS))
    result = score_audit(questionnaire, {"visits": raw})
    visits = result.questions["visits"]
    assert (visits.score, visits.max_score, visits.reason) == (score, 2, "included")
    theme = result.theme(questionnaire.themes[0].id)
    assert theme.percent == Fraction(100 * score, 2)
    measure = next(m for m in result.compliance if m.measure == VISITS["compliance"])
    assert (measure.compliant, measure.non_compliant) == ((1, 0) if compliant else (0, 1))
    quick = ScoringPlan(questionnaire).score({"visits": raw})
    assert quick.theme(theme.theme_id).percent == theme.percent
    assert quick.compliance[VISITS["compliance"]] == (measure.compliant, measure.non_compliant)


def test_an_unscored_number_and_a_number_that_is_not_one_count_for_nothing() -> None:
    questionnaire = validate_questionnaire(
        with_items(VISITS, {"id": "n", "type": "number", "text": "n", "unit": "days"})
    )
    result = score_audit(questionnaire, {"visits": "many", "n": "4"})
    assert result.questions["visits"].reason == "unanswered"
    assert result.questions["n"].reason == "not scored"
    assert result.theme(questionnaire.themes[0].id).percent is None
