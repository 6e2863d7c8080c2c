"""Format 2's conditions on the audited case's service: ``{"service": [...]}`` on questions,
sections and themes, alone or inside all / any / not; what the loader refuses, what is shown
and scored with and without a service, and how the page is given them."""

from __future__ import annotations

from typing import Any

import pytest

from audit_app.core.answers import (
    drop_hidden,
    holds,
    missing_required,
    page_condition,
    shown_questions,
    shown_themes,
)
from audit_app.core.compare import condition_text
from audit_app.core.fast_scoring import ScoringPlan, only_simple_conditions
from audit_app.core.questionnaire import (
    OnService,
    QuestionnaireInvalid,
    conditions_of,
    named_services,
    upgrade,
    validate_questionnaire,
)
from audit_app.core.scoring import score_audit
from tests.builders import questionnaire_dict

IN_CARE = {"service": ["Children in care", "Care leavers"]}
IN_CARE_YES = {"question": "in-care", "in": ["yes"]}
IN_CARE_QUESTION: dict[str, Any] = {
    "id": "in-care",
    "type": "choice",
    "text": "Is the child in care?",
    "options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
}


def questionnaire(**conditions: Any) -> dict[str, Any]:
    """The builders' questionnaire in format 2, with in-care first; ``second_if`` on the second
    theme, ``section_if`` on a section holding its questions, ``question_if`` on plan-smart."""
    data = upgrade(questionnaire_dict())
    data["themes"][0]["items"].insert(0, IN_CARE_QUESTION)
    second = data["themes"][1]
    if "second_if" in conditions:
        second["show_if"] = conditions["second_if"]
    if "question_if" in conditions:
        second["items"][0]["show_if"] = conditions["question_if"]
    if "section_if" in conditions:
        second["items"] = [
            {"section": {"title": "Planning", "show_if": conditions["section_if"], "items": []}}
        ]
        second["items"][0]["section"]["items"] = questionnaire_dict()["themes"][1]["questions"]
    return data


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("condition", "service", "answers", "expected"),
    [
        (IN_CARE, "Children in care", {}, True),
        (IN_CARE, "Care leavers", {}, True),
        (IN_CARE, "Child protection", {}, False),
        (IN_CARE, None, {}, False),
        # Names are matched as people read them: capital letters and runs of spaces aside.
        (IN_CARE, "children  IN care", {}, True),
        ({"not": IN_CARE}, "Child protection", {}, True),
        ({"not": IN_CARE}, None, {}, True),
        ({"all": [IN_CARE, IN_CARE_YES]}, "Children in care", {"in-care": "no"}, False),
        ({"all": [IN_CARE, IN_CARE_YES]}, "Children in care", {"in-care": "yes"}, True),
        ({"any": [IN_CARE, IN_CARE_YES]}, "Child protection", {"in-care": "yes"}, True),
        ({"any": [IN_CARE, IN_CARE_YES]}, "Child protection", {"in-care": "no"}, False),
    ],
)
def test_a_theme_shows_when_its_condition_on_the_service_holds(
    condition: dict[str, Any], service: str | None, answers: dict[str, str], expected: bool
) -> None:
    q = validate_questionnaire(questionnaire(second_if=condition))
    second = q.themes[1]
    assert (second.id in shown_themes(q, answers, service=service)) is expected
    shown = shown_questions(q, answers, service=service)
    assert all((question.id in shown) is expected for question in second.questions)
    assert holds(second.show_if, answers, {"in-care"}, service=service) is expected


def test_a_question_and_a_section_can_depend_on_the_service() -> None:
    by_question = validate_questionnaire(questionnaire(question_if=IN_CARE))
    assert "plan-smart" in shown_questions(by_question, {}, service="Care leavers")
    assert "plan-smart" not in shown_questions(by_question, {}, service="Child protection")
    by_section = validate_questionnaire(questionnaire(section_if={"not": IN_CARE}))
    assert "plan-smart" in shown_questions(by_section, {}, service="Child protection")
    assert "plan-smart" not in shown_questions(by_section, {}, service="Children in care")


def test_a_theme_hidden_by_the_service_leaves_the_grades_and_its_answers_count_for_nothing() -> (
    None
):
    """Worked by hand: seen-alone "yes" scores 2 of 2 (100%) in the first theme; plan-smart
    "no" scores 0 of 2 in the second, so with both themes the mean is 50%. In a child
    protection case the second theme is hidden: the overall percent is 100% and plan-smart's
    answer is dropped; in a children in care case both count, 50%, Requires improvement."""
    q = validate_questionnaire(questionnaire(second_if=IN_CARE))
    answers = {"seen-alone": "yes", "plan-smart": "no"}
    elsewhere = score_audit(q, answers, service="Child protection")
    assert elsewhere.theme(q.themes[1].id).percent is None
    assert elsewhere.overall.percent == 100
    assert "plan-smart" not in drop_hidden(q, answers, service="Child protection")
    in_care = score_audit(q, answers, service="Children in care")
    assert in_care.theme(q.themes[1].id).percent == 0
    assert in_care.overall.percent == 50
    plan = ScoringPlan(q)
    assert plan.score(answers, service="Child protection").overall_percent == 100
    assert plan.score(answers, service="Children in care").overall_percent == 50
    assert plan.score(answers).overall_percent == 100  # no service: the condition does not hold


def test_a_required_question_hidden_by_the_service_is_not_missing() -> None:
    data = questionnaire(question_if=IN_CARE)
    data["themes"][1]["items"][0]["required"] = True
    q = validate_questionnaire(data)
    assert "plan-smart" in missing_required(q, {}, service="Children in care")
    assert "plan-smart" not in missing_required(q, {}, service="Child protection")


def test_a_condition_on_the_service_is_not_one_the_compiled_engine_settles_as_it_goes() -> None:
    assert not only_simple_conditions(validate_questionnaire(questionnaire(question_if=IN_CARE)))


def test_the_page_is_given_conditions_on_the_service_already_settled() -> None:
    q = validate_questionnaire(questionnaire(second_if={"any": [{"not": IN_CARE}, IN_CARE_YES]}))
    condition = q.themes[1].show_if
    assert condition is not None
    assert page_condition(condition, "Care leavers") == {
        "any": [{"not": {"settled": True}}, {"question": "in-care", "in": ["yes"]}]
    }
    assert page_condition(condition, None) == {
        "any": [{"not": {"settled": False}}, {"question": "in-care", "in": ["yes"]}]
    }


def test_the_services_a_questionnaire_names_are_found_in_every_condition() -> None:
    q = validate_questionnaire(
        questionnaire(second_if={"all": [IN_CARE_YES, {"not": {"service": ["Fostering"]}}]})
    )
    named = [name for c in conditions_of(q) for name in named_services(c)]
    assert named == ["Fostering"]


@pytest.mark.parametrize(
    ("condition", "path", "message"),
    [
        ({"service": []}, "$.themes[1].show_if.service", "needs at least one service"),
        ({"service": [""]}, "$.themes[1].show_if.service[0]", "must not be blank"),
        (
            {"service": [" Fostering"]},
            "$.themes[1].show_if.service[0]",
            'must not begin or end with a space or an invisible character: write "Fostering"',
        ),
        (
            {"service": ["Fostering", "fostering"]},
            "$.themes[1].show_if.service[1]",
            '"fostering" is named already at $.themes[1].show_if.service[0]: name each '
            "service once",
        ),
        (
            {"service": "Fostering"},
            "$.themes[1].show_if.service",
            "must be a list",
        ),
        (
            {"service": ["Fostering"], "question": "in-care"},
            "$.themes[1].show_if.question",
            'unknown key "question" (allowed keys: "service")',
        ),
        (
            {"any": [IN_CARE_YES, {"service": [7]}]},
            "$.themes[1].show_if.any[1].service[0]",
            "must be a string",
        ),
    ],
)
def test_service_condition_problems(condition: Any, path: str, message: str) -> None:
    assert problems(questionnaire(second_if=condition)) == [(path, message)]


def test_a_condition_on_the_service_reads_as_a_sentence() -> None:
    q = validate_questionnaire(questionnaire(second_if={"all": [IN_CARE, IN_CARE_YES]}))
    assert q.themes[1].show_if is not None
    assert condition_text(q, q.themes[1].show_if) == (
        "the case's service is “Children in care” or “Care leavers” and “Is the child in "
        "care?” is answered “Yes”"
    )


def test_a_condition_on_the_service_is_not_in_format_1() -> None:
    data = questionnaire_dict()
    data["themes"][1]["questions"][0]["show_if"] = IN_CARE
    assert problems(data)[0][0] == "$.themes[1].questions[0].show_if.service"


def test_the_service_condition_model_keeps_the_names_as_written() -> None:
    assert OnService.model_validate({"service": ["Care leavers"]}).service == ["Care leavers"]
