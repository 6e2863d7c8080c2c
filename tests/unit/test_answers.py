"""Checking raw answers, show_if visibility and completeness."""

from __future__ import annotations

from typing import Any

import pytest

from audit_app.core.answers import (
    check_answer,
    drop_hidden,
    is_blank,
    missing_required,
    shown_questions,
)
from audit_app.core.questionnaire import Question, Questionnaire, validate_questionnaire


def question(qtype: str, **extra: Any) -> Question:
    """A single validated question of the given type."""
    data: dict[str, Any] = {"id": "q", "text": "Question?", "type": qtype, **extra}
    if qtype == "choice" and "options" not in extra:
        data["options"] = [
            {"value": "yes", "label": "Yes", "score": 1},
            {"value": "no", "label": "No", "score": 0},
            {"value": "na", "label": "Not applicable"},
        ]
    return Question.model_validate(data)


def choice(qid: str, *values: str, **extra: Any) -> dict[str, Any]:
    """A choice question with unscored options."""
    return {
        "id": qid,
        "text": f"Question {qid}?",
        "type": "choice",
        "options": [{"value": v, "label": v.title()} for v in values or ("yes", "no")],
        **extra,
    }


def questionnaire(*themes: list[dict[str, Any]]) -> Questionnaire:
    """A questionnaire with one theme per list of questions."""
    return validate_questionnaire(
        {
            "format": "case-audit/1",
            "id": "answers-test",
            "version": 1,
            "title": "Answers test",
            "kind": "deep_dive",
            "grading": {
                "bands": [{"grade": "Good", "min": 50}, {"grade": "Poor", "min": 0}],
                "overall": "mean",
            },
            "themes": [
                {"id": f"t{i}", "title": f"Theme {i}", "questions": questions}
                for i, questions in enumerate(themes)
            ],
        }
    )


@pytest.fixture
def leaving_care() -> Questionnaire:
    """in-care -> pathway-plan -> pa-allocated, across two themes, plus an unrelated question."""
    return questionnaire(
        [
            choice("in-care"),
            choice(
                "pathway-plan",
                "yes",
                "no",
                "unclear",
                show_if={"question": "in-care", "in": ["yes"]},
            ),
            {"id": "notes", "text": "Notes", "type": "text"},
        ],
        [
            choice("pa-allocated", show_if={"question": "pathway-plan", "in": ["yes", "unclear"]}),
            choice("visits", required=False),
            {"id": "last-visit", "text": "Last visit", "type": "date"},
        ],
    )


# --- check_answer -----------------------------------------------------------------------------


def test_choice_must_be_an_option_value() -> None:
    q = question("choice")
    assert check_answer(q, "yes") is None
    assert check_answer(q, "na") is None
    assert check_answer(q, "Yes") == "is not one of the options"
    assert check_answer(q, "maybe") == "is not one of the options"


@pytest.mark.parametrize("raw", ["2026-03-27", "2024-02-29", "1999-12-31"])
def test_valid_dates(raw: str) -> None:
    assert check_answer(question("date"), raw) is None


@pytest.mark.parametrize("raw", ["27/03/2026", "20260327", "2026-3-27", "2026-W13-5", "today"])
def test_dates_in_another_form(raw: str) -> None:
    assert check_answer(question("date"), raw) == "must be a date in the form YYYY-MM-DD"


@pytest.mark.parametrize("raw", ["2026-02-29", "2026-13-01", "2026-04-31", "2026-00-10"])
def test_dates_that_do_not_exist(raw: str) -> None:
    assert check_answer(question("date"), raw) == "must be a real date in the form YYYY-MM-DD"


@pytest.mark.parametrize("raw", ["0", "12", "-3", "2.5", "0.125"])
def test_valid_numbers(raw: str) -> None:
    assert check_answer(question("number"), raw) is None


@pytest.mark.parametrize("raw", ["two", "1e3", "NaN", "Infinity", "1,000", "2.", ".5", "٣", "1 2"])
def test_invalid_numbers(raw: str) -> None:
    assert check_answer(question("number"), raw) == "must be a number"


def test_any_text_is_valid() -> None:
    assert check_answer(question("text"), "Seen alone; wishes and feelings recorded.") is None


@pytest.mark.parametrize("qtype", ["choice", "text", "date", "number"])
@pytest.mark.parametrize("raw", ["", "   ", "\n"])
def test_blank_is_unanswered_not_invalid(qtype: str, raw: str) -> None:
    assert is_blank(raw)
    assert check_answer(question(qtype), raw) is None


def test_is_blank() -> None:
    assert is_blank(None)
    assert not is_blank("no")
    assert not is_blank(" 0 ")


# --- shown_questions --------------------------------------------------------------------------


def test_questions_without_show_if_are_always_shown(leaving_care: Questionnaire) -> None:
    assert shown_questions(leaving_care, {}) == {"in-care", "notes", "visits", "last-visit"}


def test_show_if_met_shows_the_question(leaving_care: Questionnaire) -> None:
    shown = shown_questions(leaving_care, {"in-care": "yes"})
    assert "pathway-plan" in shown
    assert "pa-allocated" not in shown


def test_show_if_chain_across_themes(leaving_care: Questionnaire) -> None:
    answers = {"in-care": "yes", "pathway-plan": "unclear"}
    assert "pa-allocated" in shown_questions(leaving_care, answers)


def test_hidden_controller_hides_its_chain(leaving_care: Questionnaire) -> None:
    # pathway-plan's stored answer matches, but pathway-plan itself is hidden.
    shown = shown_questions(leaving_care, {"in-care": "no", "pathway-plan": "yes"})
    assert "pathway-plan" not in shown
    assert "pa-allocated" not in shown


def test_blank_or_unknown_controller_value_hides(leaving_care: Questionnaire) -> None:
    assert "pathway-plan" not in shown_questions(leaving_care, {"in-care": ""})
    assert "pathway-plan" not in shown_questions(leaving_care, {"in-care": "YES"})


# --- drop_hidden ------------------------------------------------------------------------------


def test_drop_hidden_keeps_shown_answers_in_file_order(leaving_care: Questionnaire) -> None:
    answers = {
        "visits": "no",
        "pathway-plan": "yes",
        "in-care": "yes",
        "pa-allocated": "no",
        "notes": "Seen alone",
    }
    kept = drop_hidden(leaving_care, answers)
    assert kept == answers
    assert list(kept) == ["in-care", "pathway-plan", "notes", "pa-allocated", "visits"]


def test_drop_hidden_discards_hidden_unknown_and_blank(leaving_care: Questionnaire) -> None:
    answers = {
        "in-care": "no",
        "pathway-plan": "yes",  # hidden: in-care is "no"
        "pa-allocated": "yes",  # hidden: its controller is hidden
        "notes": "   ",  # blank
        "visits": "yes",
        "retired-question": "yes",  # not in this questionnaire
    }
    assert drop_hidden(leaving_care, answers) == {"in-care": "no", "visits": "yes"}


def test_drop_hidden_keeps_raw_values(leaving_care: Questionnaire) -> None:
    # Checking values is check_answer's job; drop_hidden only decides what is shown.
    answers = {"in-care": "maybe", "last-visit": "yesterday", "notes": " padded "}
    assert drop_hidden(leaving_care, answers) == answers


def test_drop_hidden_is_idempotent(leaving_care: Questionnaire) -> None:
    answers = {"in-care": "no", "pathway-plan": "yes", "visits": "no"}
    once = drop_hidden(leaving_care, answers)
    assert drop_hidden(leaving_care, once) == once


# --- missing_required -------------------------------------------------------------------------


def test_missing_required_in_file_order(leaving_care: Questionnaire) -> None:
    # notes is text (optional by default) and visits is optional.
    assert missing_required(leaving_care, {}) == ["in-care", "last-visit"]


def test_missing_required_includes_newly_shown_questions(leaving_care: Questionnaire) -> None:
    answers = {"in-care": "yes", "last-visit": "2026-03-27"}
    assert missing_required(leaving_care, answers) == ["pathway-plan"]
    answers["pathway-plan"] = "yes"
    assert missing_required(leaving_care, answers) == ["pa-allocated"]
    answers["pa-allocated"] = "no"
    assert missing_required(leaving_care, answers) == []


def test_missing_required_ignores_hidden_questions(leaving_care: Questionnaire) -> None:
    answers = {"in-care": "no", "last-visit": "2026-03-27"}
    assert missing_required(leaving_care, answers) == []


def test_blank_required_answer_is_missing(leaving_care: Questionnaire) -> None:
    answers = {"in-care": " ", "last-visit": ""}
    assert missing_required(leaving_care, answers) == ["in-care", "last-visit"]


def test_required_can_be_set_either_way() -> None:
    q = questionnaire(
        [
            {"id": "notes", "text": "Notes", "type": "text", "required": True},
            choice("optional", required=False),
        ]
    )
    assert missing_required(q, {}) == ["notes"]
