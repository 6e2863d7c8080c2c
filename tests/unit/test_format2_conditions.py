"""Format 2's conditions: all / any / not, on choice, number and date answers, on questions,
sections and whole themes; what the loader refuses, what is shown, and what a hidden theme
leaves out of the grades."""

from __future__ import annotations

from typing import Any

import pytest

from audit_app.core.answers import drop_hidden, shown_questions, shown_themes
from audit_app.core.compare import condition_text
from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.questionnaire import QuestionnaireInvalid, upgrade, validate_questionnaire
from audit_app.core.scoring import score_audit
from tests.builders import questionnaire_dict

IN_CARE: dict[str, Any] = {
    "id": "in-care",
    "type": "choice",
    "text": "Is the child in care?",
    "options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
}
VISITS: dict[str, Any] = {"id": "visits", "type": "number", "text": "Visits", "min": 0}
LAST_VISIT: dict[str, Any] = {"id": "last-visit", "type": "date", "text": "Last visit"}


def questionnaire(
    *, first: list[dict[str, Any]] | None = None, second_if: Any = None, section_if: Any = None
) -> dict[str, Any]:
    """The builders' questionnaire in format 2: the first theme opens with in-care, visits and
    last-visit; the second theme may have a condition, and may put its questions in a section
    with one."""
    data = upgrade(questionnaire_dict())
    data["themes"][0]["items"][:0] = first if first is not None else [IN_CARE, VISITS, LAST_VISIT]
    if second_if is not None:
        data["themes"][1]["show_if"] = second_if
    if section_if is not None:
        items = data["themes"][1]["items"]
        data["themes"][1]["items"] = [
            {"section": {"title": "Planning", "show_if": section_if, "items": items}}
        ]
    return data


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


IN_CARE_YES = {"question": "in-care", "in": ["yes"]}


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        (IN_CARE_YES, {"in-care": "yes"}, True),
        (IN_CARE_YES, {"in-care": "no"}, False),
        (IN_CARE_YES, {}, False),
        ({"not": IN_CARE_YES}, {}, True),
        ({"not": IN_CARE_YES}, {"in-care": "yes"}, False),
        ({"question": "visits", "at_least": 3}, {"visits": "3"}, True),
        ({"question": "visits", "at_least": 3}, {"visits": "2.5"}, False),
        ({"question": "visits", "at_most": 2.5}, {"visits": "2.5"}, True),
        ({"question": "last-visit", "before": "2026-03-01"}, {"last-visit": "2026-02-28"}, True),
        ({"question": "last-visit", "before": "2026-03-01"}, {"last-visit": "2026-03-01"}, False),
        ({"question": "last-visit", "after": "2026-03-01"}, {"last-visit": "2026-03-02"}, True),
        (
            {"all": [IN_CARE_YES, {"question": "visits", "at_least": 1}]},
            {"in-care": "yes", "visits": "0"},
            False,
        ),
        (
            {"any": [IN_CARE_YES, {"question": "visits", "at_least": 1}]},
            {"in-care": "no", "visits": "1"},
            True,
        ),
        (
            {"all": [{"not": IN_CARE_YES}, {"any": [{"question": "visits", "at_most": 0}]}]},
            {"in-care": "no", "visits": "0"},
            True,
        ),
    ],
)
def test_a_theme_shows_when_its_condition_holds(
    condition: dict[str, Any], answers: dict[str, str], expected: bool
) -> None:
    q = validate_questionnaire(questionnaire(second_if=condition))
    second = q.themes[1]
    assert (second.id in shown_themes(q, answers)) is expected
    assert all((qq.id in shown_questions(q, answers)) is expected for qq in second.questions)


def test_a_hidden_theme_leaves_the_grades_and_the_overall_grade() -> None:
    """Worked by hand: the first theme's seen-alone "yes" scores 2 of 2 (100%); the second
    theme's plan-smart "no" would score 0 of 2, pulling the mean to 50%."""
    q = validate_questionnaire(questionnaire(second_if=IN_CARE_YES))
    answers = {"seen-alone": "yes", "plan-smart": "no", "in-care": "no"}
    result = score_audit(q, answers)
    assert result.theme(q.themes[1].id).percent is None
    assert result.overall.percent == 100
    assert "plan-smart" not in drop_hidden(q, answers)
    shown = score_audit(q, {**answers, "in-care": "yes"})
    assert shown.overall.percent == 50
    plan = ScoringPlan(q)
    assert plan.score(answers).overall_percent == 100
    assert plan.score({**answers, "in-care": "yes"}).overall_percent == 50


def test_a_hidden_section_hides_its_questions_only() -> None:
    q = validate_questionnaire(questionnaire(section_if={"question": "visits", "at_least": 1}))
    answers = {"seen-alone": "yes", "plan-smart": "no", "visits": "0"}
    assert q.themes[1].id in shown_themes(q, answers)
    assert "plan-smart" not in shown_questions(q, answers)
    assert score_audit(q, answers).theme(q.themes[1].id).percent is None
    assert "plan-smart" in shown_questions(q, {**answers, "visits": "2"})


def test_a_question_hidden_by_a_theme_condition_hides_what_depends_on_it() -> None:
    data = questionnaire(second_if=IN_CARE_YES)
    data["themes"].append(
        {
            "id": "third",
            "title": "Third",
            "show_if": {"question": "plan-smart", "in": ["yes"]},
            "items": [{"id": "extra", "type": "text", "text": "Extra"}],
        }
    )
    q = validate_questionnaire(data)
    assert "third" in shown_themes(q, {"in-care": "yes", "plan-smart": "yes"})
    assert "third" not in shown_themes(q, {"in-care": "no", "plan-smart": "yes"})


@pytest.mark.parametrize(
    ("condition", "path", "message"),
    [
        (
            {"question": "in-care"},
            "$.themes[1].show_if",
            'needs one of "in", "any_of", "all_of", "at_least", "at_most", "before", "after"',
        ),
        (
            {"question": "visits", "at_least": 1, "at_most": 3},
            "$.themes[1].show_if",
            'has "at_least" and "at_most": give one of them, and combine conditions with "all" '
            'or "any"',
        ),
        (
            {"question": "visits", "in": ["yes"]},
            "$.themes[1].show_if.question",
            'show_if names "visits", a "number" question: "in" needs a choice question (use '
            '"at_least" or "at_most")',
        ),
        (
            {"question": "in-care", "at_least": 1},
            "$.themes[1].show_if.question",
            'show_if names "in-care", a "choice" question: "at_least" needs a number question '
            '(use "in" with its option values)',
        ),
        (
            {"question": "last-visit", "before": "2026-02-30"},
            "$.themes[1].show_if.before",
            '"2026-02-30" is not a real date',
        ),
        (
            {"question": "last-visit", "after": "30/1/2026"},
            "$.themes[1].show_if.after",
            "must be a date in the form YYYY-MM-DD",
        ),
        (
            {"any": [IN_CARE_YES, {"not": {"question": "in-care", "in": ["maybe"]}}]},
            "$.themes[1].show_if.any[1].not.in[0]",
            '"maybe" is not an option of "in-care" (its options are "yes", "no")',
        ),
        ({"all": []}, "$.themes[1].show_if.all", "needs at least one condition"),
        (
            {"question": "plan-smart", "in": ["yes"]},
            "$.themes[1].show_if.question",
            'show_if names "plan-smart", which comes later (at $.themes[1].items[0]): it may '
            "only name an earlier question",
        ),
        (
            {"all": [IN_CARE_YES], "any": [IN_CARE_YES]},
            "$.themes[1].show_if.any",
            'unknown key "any" (allowed keys: "all")',
        ),
    ],
)
def test_condition_problems(condition: Any, path: str, message: str) -> None:
    assert problems(questionnaire(second_if=condition)) == [(path, message)]


def test_a_section_condition_may_not_name_its_own_questions() -> None:
    data = questionnaire(section_if={"question": "plan-smart", "in": ["yes"]})
    assert problems(data) == [
        (
            "$.themes[1].items[0].section.show_if.question",
            'show_if names "plan-smart", which comes later (at '
            "$.themes[1].items[0].section.items[0]): it may only name an earlier question",
        )
    ]


def test_conditions_read_as_sentences_in_the_comparison() -> None:
    condition = {
        "all": [
            {"not": IN_CARE_YES},
            {
                "any": [
                    {"question": "visits", "at_least": 3},
                    {"question": "last-visit", "before": "2026-03-27"},
                ]
            },
        ]
    }
    q = validate_questionnaire(questionnaire(second_if=condition))
    assert q.themes[1].show_if is not None
    assert condition_text(q, q.themes[1].show_if) == (
        "not “Is the child in care?” is answered “Yes” and (“Visits” is 3 or more or "
        "“Last visit” is before 27 March 2026)"
    )


def test_a_format_2_condition_in_a_format_1_file_says_to_upgrade() -> None:
    data = questionnaire_dict()
    data["themes"][1]["questions"][0]["show_if"] = {"question": "seen-alone", "at_least": 1}
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    assert [(p.path, p.message) for p in caught.value.problems] == [
        (
            "$.themes[1].questions[0].show_if.at_least",
            '"at_least" is only in case-audit/2, and this file is case-audit/1: run '
            "`flask --app wsgi questionnaires upgrade FILE` to turn the file into case-audit/2, "
            "then add it",
        ),
        ("$.themes[1].questions[0].show_if.in", "is required"),
    ]


def test_an_empty_list_of_items_says_so() -> None:
    data = upgrade(questionnaire_dict())
    data["themes"][1]["items"] = []
    assert problems(data) == [("$.themes[1].items", "needs at least one item")]
