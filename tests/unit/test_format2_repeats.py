"""Format 2's repeating groups: what the loader refuses, with its exact messages, and scores
per repeat and rolled up to the theme, worked by hand."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from audit_app.core.answers import drop_hidden, missing_required
from audit_app.core.fast_scoring import ScoringPlan
from audit_app.core.questionnaire import (
    QuestionnaireInvalid,
    Repeat,
    upgrade,
    validate_questionnaire,
)
from audit_app.core.repeats import repeat_count, split_key
from audit_app.core.scoring import AuditScore, score_audit
from tests.builders import questionnaire_dict

YES_NO = [
    {"value": "yes", "label": "Yes", "score": 1},
    {"value": "no", "label": "No", "score": 0},
    {"value": "na", "label": "Not applicable"},
]


def visits(roll_up: str = "all", **keys: Any) -> dict[str, Any]:
    """A repeating group of visits: a date, whether the child was seen alone (scored, and a
    compliance measure) and a note."""
    return {
        "repeat": {
            "id": "visits",
            "title": "Visit",
            "min": 1,
            "max": 6,
            "roll_up": roll_up,
            "items": [
                {"heading": "The visit"},
                {"id": "visit-date", "type": "date", "text": "Date of the visit"},
                {
                    "id": "visit-seen-alone",
                    "type": "choice",
                    "text": "Was the child seen alone?",
                    "options": YES_NO,
                    "compliance": "Child seen alone on visits",
                },
                {"id": "visit-note", "type": "text", "text": "What the visit found"},
            ],
            **keys,
        }
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


def test_a_repeating_group_stands_among_a_themes_items() -> None:
    questionnaire = validate_questionnaire(with_items(visits()))
    theme = questionnaire.themes[0]
    assert isinstance(theme.items[2], Repeat)
    group = questionnaire.repeats["visits"]
    assert [q.id for q in group.questions] == ["visit-date", "visit-seen-alone", "visit-note"]
    assert questionnaire.repeat_of["visit-seen-alone"] is group
    assert "visit-date" in questionnaire.questions
    assert "seen-alone" not in questionnaire.repeat_of
    assert (group.noun(), group.first_shown) == ("visit", 1)


GROUP = "$.themes[0].items[2].repeat"


@pytest.mark.parametrize(
    ("keys", "path", "message"),
    [
        (
            {"min": 3, "max": 2},
            f"{GROUP}.max",
            "is 2, fewer than min (3): a repeating group cannot need more repeats than it allows",
        ),
        ({"max": 51}, f"{GROUP}.max", "must be <= 50"),
        ({"max": 0}, f"{GROUP}.max", "must be >= 1"),
        ({"min": -1}, f"{GROUP}.min", "must be >= 0"),
        ({"roll_up": "most"}, f"{GROUP}.roll_up", 'must be one of "all", "any", "share"'),
        ({"title": ""}, f"{GROUP}.title", "must not be blank"),
        (
            {"items": [{"heading": "Only a heading"}]},
            f"{GROUP}.items",
            "needs at least one question: a repeat of headings and guidance only has nothing "
            "to answer",
        ),
        (
            {"items": [{"section": {"title": "A", "items": [{"heading": "B"}]}}]},
            f"{GROUP}.items[0]",
            "a repeating group holds questions, headings and guidance only: no section and no "
            "other repeating group inside it",
        ),
        (
            {"items": [visits()]},
            f"{GROUP}.items[0]",
            "a repeating group holds questions, headings and guidance only: no section and no "
            "other repeating group inside it",
        ),
        (
            {"id": "seen-alone"},
            f"{GROUP}.id",
            'duplicate id "seen-alone": already used at $.themes[0].items[0].id (repeating '
            "groups, questions and timeliness measures need ids of their own)",
        ),
        ({"maximum": 3}, f"{GROUP}.maximum", 'unknown key "maximum" (did you mean "max"?)'),
    ],
)
def test_group_problems_are_at_the_files_own_paths(
    keys: dict[str, Any], path: str, message: str
) -> None:
    group = visits()
    group["repeat"].update(keys)
    assert problems(with_items(group)) == [(path, message)]


def test_a_group_needs_max() -> None:
    group = visits()
    del group["repeat"]["max"]
    assert problems(with_items(group)) == [(f"{GROUP}.max", "is required")]


def test_a_group_is_not_held_in_a_section() -> None:
    data = with_items({"section": {"title": "Visits", "items": [visits()]}})
    assert problems(data) == [
        (
            "$.themes[0].items[2].section.items[0]",
            "a repeating group stands directly among a theme's items, not in a section",
        )
    ]


def test_two_groups_need_ids_of_their_own() -> None:
    second = visits()
    second["repeat"]["items"] = [{"id": "other-date", "type": "date", "text": "Date"}]
    assert problems(with_items(visits(), second)) == [
        (
            "$.themes[0].items[3].repeat.id",
            'duplicate id "visits": already used at $.themes[0].items[2].repeat.id (repeating '
            "groups, questions and timeliness measures need ids of their own)",
        )
    ]


def test_a_condition_outside_a_group_cannot_name_its_questions() -> None:
    data = with_items(visits())
    data["themes"][1]["show_if"] = {"question": "visit-seen-alone", "in": ["yes"]}
    assert problems(data) == [
        (
            "$.themes[1].show_if.question",
            'show_if names "visit-seen-alone", a question of a repeating group (at '
            "$.themes[0].items[2].repeat.items[2]), which is answered once per repeat: only a "
            "question outside every repeating group can be named",
        )
    ]


def test_a_condition_inside_a_group_names_only_questions_outside_it() -> None:
    group = visits()
    group["repeat"]["items"][3]["show_if"] = {"question": "visit-seen-alone", "in": ["no"]}
    assert problems(with_items(group)) == [
        (
            "$.themes[0].items[2].repeat.items[3].show_if.question",
            'show_if names "visit-seen-alone", a question of the same repeating group (at '
            "$.themes[0].items[2].repeat.items[2]): a condition inside a repeating group may "
            "only name questions outside it",
        )
    ]


def test_a_condition_inside_a_group_may_name_an_earlier_question_outside_it() -> None:
    group = visits()
    group["repeat"]["show_if"] = None
    del group["repeat"]["show_if"]
    group["repeat"]["items"][3]["show_if"] = {"question": "seen-alone", "in": ["no"]}
    validate_questionnaire(with_items(group))


def test_a_timeliness_rule_cannot_read_a_date_in_a_group() -> None:
    data = with_items(visits())
    data["themes"][0]["timeliness"] = [
        {
            "id": "visit-recent",
            "measure": "Visited in the last six weeks",
            "rule": {"at_most_weeks_before_audit": 6, "date": "visit-date"},
        }
    ]
    assert problems(data) == [
        (
            "$.themes[0].timeliness[0].rule.date",
            'names "visit-date", a question of a repeating group (at '
            "$.themes[0].items[2].repeat.items[1]), which is answered once per repeat: a "
            "timeliness rule reads a date outside every group",
        )
    ]


def test_a_first_format_file_has_no_repeating_groups() -> None:
    data = questionnaire_dict()
    data["themes"][0]["questions"].append(visits())
    found = problems(data)
    assert found[0][0].startswith("$.themes[0].questions[2]")


# Scores worked by hand, as in docs/questionnaire-format.md ("How a group counts in its
# theme"). The first theme holds "seen-alone" (Yes 2, Partly 1, No 0, weight 1)
# and the group's "visit-seen-alone" (Yes 1, No 0, weight 1: at most 1 point, weighted once).
# "seen-alone" is answered "partly": 1 point of 2. Three visits answer yes, no, yes.
THREE_VISITS = {
    "seen-alone": "partly",
    "visits": "3",
    "visit-seen-alone--1": "yes",
    "visit-seen-alone--2": "no",
    "visit-seen-alone--3": "yes",
}


def scored(roll_up: str, answers: dict[str, str]) -> AuditScore:
    questionnaire = validate_questionnaire(with_items(visits(roll_up)))
    return score_audit(questionnaire, answers)


@pytest.mark.parametrize(
    ("roll_up", "rolled", "percent", "grade"),
    [
        # all: met in visits 1 and 3 only, so not met: 1 + 0 points of 2 + 1 = 33 1/3%.
        ("all", Fraction(0), Fraction(100, 3), "Inadequate"),
        # any: met in at least one visit: 1 + 1 of 3 = 66 2/3%.
        ("any", Fraction(1), Fraction(200, 3), "Good"),
        # share: met in 2 visits of 3: 1 + 2/3 of 3 = 5/9 = 55 5/9%.
        ("share", Fraction(2, 3), Fraction(500, 9), "Requires improvement"),
    ],
)
def test_a_group_rolls_up_to_its_theme_by_its_rule(
    roll_up: str, rolled: Fraction, percent: Fraction, grade: str
) -> None:
    score = scored(roll_up, THREE_VISITS)
    assert score.questions["visit-seen-alone"].score == rolled
    theme = score.theme("voice")
    assert (theme.percent, theme.grade) == (percent, grade)
    assert (
        ScoringPlan(validate_questionnaire(with_items(visits(roll_up))))
        .score(THREE_VISITS)
        .theme("voice")
        .percent
        == percent
    )


def test_each_repeat_has_a_result_of_its_own() -> None:
    score = scored("all", THREE_VISITS)
    assert [(r.number, r.points, r.possible, r.percent) for r in score.repeats_of("visits")] == [
        (1, 1, 1, 100),
        (2, 0, 1, 0),
        (3, 1, 1, 100),
    ]
    assert [q.question_id for q in score.repeats[1].questions] == [
        "visit-date--2",
        "visit-seen-alone--2",
        "visit-note--2",
    ]


@pytest.mark.parametrize(
    ("roll_up", "compliant"), [("all", (0, 1)), ("any", (1, 0)), ("share", (0, 1))]
)
def test_a_compliance_question_in_a_group_counts_once_rolled_up(
    roll_up: str, compliant: tuple[int, int]
) -> None:
    score = scored(roll_up, THREE_VISITS)
    measure = next(m for m in score.compliance if m.measure == "Child seen alone on visits")
    assert (measure.compliant, measure.non_compliant) == compliant


def test_a_repeat_answered_not_applicable_or_left_blank_is_left_out() -> None:
    answers = {**THREE_VISITS, "visit-seen-alone--2": "na"}
    for roll_up in ("all", "any", "share"):
        assert scored(roll_up, answers).questions["visit-seen-alone"].score == 1
    answers = {"visits": "2", "visit-seen-alone--1": "no"}
    assert scored("share", answers).questions["visit-seen-alone"].score == 0


def test_a_group_answered_in_no_repeat_counts_for_nothing() -> None:
    result = scored("any", {"seen-alone": "yes", "visits": "2"}).questions["visit-seen-alone"]
    assert (result.included, result.reason, result.possible) == (False, "unanswered", 0)
    result = scored("any", {"visits": "1", "visit-seen-alone--1": "na"}).questions[
        "visit-seen-alone"
    ]
    assert result.reason == "not applicable"


def test_the_count_is_held_between_min_and_max() -> None:
    group = validate_questionnaire(with_items(visits(min=2))).repeats["visits"]
    assert repeat_count(group, {}) == 2
    assert repeat_count(group, {"visits": "1"}) == 2
    assert repeat_count(group, {"visits": "9"}) == 6
    assert repeat_count(group, {"visit-date--4": "2026-01-02"}) == 4
    assert repeat_count(group, {"visits": "3", "visit-date--5": "2026-01-02"}) == 3
    no_minimum = validate_questionnaire(with_items(visits(min=0))).repeats["visits"]
    assert (repeat_count(no_minimum, {}), repeat_count(no_minimum, {"visits": "0"})) == (1, 0)


def test_answers_beyond_the_count_or_hidden_do_not_count() -> None:
    questionnaire = validate_questionnaire(with_items(visits()))
    answers = {"visits": "1", "visit-seen-alone--1": "yes", "visit-seen-alone--2": "no"}
    assert drop_hidden(questionnaire, answers) == {"visits": "1", "visit-seen-alone--1": "yes"}
    assert split_key("visit-seen-alone--12") == ("visit-seen-alone", 12)
    assert split_key("seen-alone") == ("seen-alone", 0)


def test_required_questions_are_missing_per_repeat() -> None:
    group = visits()
    group["repeat"]["items"][1]["required"] = True
    questionnaire = validate_questionnaire(with_items(group))
    answers = {"visits": "3", "visit-date--2": "2026-03-01"}
    missing = missing_required(questionnaire, answers)
    assert [m for m in missing if m.startswith("visit-date")] == ["visit-date--1", "visit-date--3"]
    assert (
        "visit-seen-alone--2" in missing
    )  # a choice question is required unless it says otherwise


def test_a_question_of_a_group_asks_for_no_comment() -> None:
    group = visits()
    group["repeat"]["items"][2]["comment"] = "optional"
    assert problems(with_items(group)) == [
        (
            f"{GROUP}.items[2].comment",
            "a question of a repeating group cannot ask for a comment yet: add a text question "
            "to the group instead, answered in each repeat",
        )
    ]
