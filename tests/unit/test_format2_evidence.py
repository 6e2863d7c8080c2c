"""Format 2's evidence: a comment box on a question ("comment") and a theme's evidence fields
("evidence"): what the loader takes, what it refuses and where, and format 1's refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from audit_app.core.questionnaire import (
    QuestionnaireInvalid,
    json_schema,
    upgrade,
    validate_questionnaire,
)
from tests.builders import questionnaire_dict

UPGRADE = (
    "is only in case-audit/2, and this file is case-audit/1: run `flask --app wsgi "
    "questionnaires upgrade FILE` to turn the file into case-audit/2, then add it"
)


def format_2() -> dict[str, Any]:
    return upgrade(questionnaire_dict())


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


def test_a_question_takes_an_optional_or_a_required_comment() -> None:
    data = format_2()
    data["themes"][0]["items"][0]["comment"] = "required"
    data["themes"][1]["items"][0]["comment"] = "optional"
    q = validate_questionnaire(data)
    assert q.questions["seen-alone"].comment == "required"
    assert q.questions["plan-smart"].comment == "optional"
    assert q.questions["voice-comment"].comment is None


def test_a_question_in_a_section_takes_a_comment() -> None:
    data = format_2()
    inner = {"id": "visit", "type": "date", "text": "Last visit", "comment": "optional"}
    data["themes"][0]["items"].append({"section": {"title": "Visits", "items": [inner]}})
    assert validate_questionnaire(data).questions["visit"].comment == "optional"


@pytest.mark.parametrize("value", ["sometimes", "Required", True, None])
def test_a_comment_is_optional_or_required_and_nothing_else(value: object) -> None:
    data = format_2()
    data["themes"][0]["items"][0]["comment"] = value
    message = (
        "must not be null (leave the key out instead)"
        if value is None
        else 'must be one of "optional", "required"'
    )
    assert problems(data) == [("$.themes[0].items[0].comment", message)]


def test_a_theme_lists_its_evidence_fields_in_the_order_given() -> None:
    data = format_2()
    data["themes"][0]["evidence"] = ["recommendations", "strengths", "areas_for_development"]
    theme = validate_questionnaire(data).themes[0]
    assert theme.evidence == ["recommendations", "strengths", "areas_for_development"]
    assert validate_questionnaire(format_2()).themes[0].evidence is None


def test_an_evidence_field_listed_twice_is_refused_where_it_repeats() -> None:
    data = format_2()
    data["themes"][1]["evidence"] = ["strengths", "recommendations", "strengths"]
    assert problems(data) == [
        (
            "$.themes[1].evidence[2]",
            '"strengths" is listed twice (already at $.themes[1].evidence[0]): list each '
            "field once",
        )
    ]


def test_an_unknown_evidence_field_names_the_three_there_are() -> None:
    data = format_2()
    data["themes"][0]["evidence"] = ["strengths", "weaknesses"]
    assert problems(data) == [
        (
            "$.themes[0].evidence[1]",
            'must be one of "strengths", "areas_for_development", "recommendations"',
        )
    ]


def test_an_empty_evidence_list_says_what_it_needs() -> None:
    data = format_2()
    data["themes"][0]["evidence"] = []
    assert problems(data) == [
        (
            "$.themes[0].evidence",
            'needs at least one field: "strengths", "areas_for_development" or '
            '"recommendations" (or leave the key out)',
        )
    ]


def test_format_1_refuses_comment_and_evidence_with_the_upgrade_message() -> None:
    data = questionnaire_dict()
    data["themes"][0]["questions"][0]["comment"] = "optional"
    data["themes"][1]["evidence"] = ["strengths"]
    assert problems(data) == [
        ("$.themes[0].questions[0].comment", f'"comment" {UPGRADE}'),
        ("$.themes[1].evidence", f'"evidence" {UPGRADE}'),
    ]


def test_the_schema_offers_comment_and_evidence_in_format_2_only() -> None:
    schema = json.dumps(json_schema())
    defs = json_schema()["$defs"]
    assert defs["Question"]["properties"]["comment"]["enum"] == ["optional", "required"]
    assert "comment" not in defs["Question1"]["properties"]
    assert "evidence" in defs["Theme"]["properties"]
    assert "evidence" not in defs["Theme1"]["properties"]
    assert "areas_for_development" in schema
