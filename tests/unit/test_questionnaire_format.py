"""The questionnaire format: every validation rule, with its exact message and JSON path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from audit_app.core.questionnaire import (
    Problem,
    Questionnaire,
    Questionnaire1,
    QuestionnaireInvalid,
    json_path,
    json_schema,
    parse_questionnaire,
    validate_questionnaire,
)

SLUG_MESSAGE = (
    'must be a slug: lower-case letters, digits and single hyphens (e.g. "child-seen-alone"), '
    "at most 64 characters"
)
ALL_ZERO = (
    "a scored question needs an option with a score above 0 (its highest score is its maximum)"
)
Q0 = "$.themes[0].questions[0]"
Q1 = "$.themes[0].questions[1]"


# --------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------


def option(value: str, score: float | None = None, **extra: Any) -> dict[str, Any]:
    """An option labelled after its value; score None leaves the key out."""
    built: dict[str, Any] = {"value": value, "label": value.replace("-", " ").capitalize()}
    if score is not None:
        built["score"] = score
    built.update(extra)
    return built


def choice(qid: str, **extra: Any) -> dict[str, Any]:
    """A scored yes/no/not-applicable choice question."""
    built: dict[str, Any] = {
        "id": qid,
        "text": f"Question {qid}?",
        "type": "choice",
        "options": [option("yes", 1), option("no", 0), option("not-applicable")],
    }
    built.update(extra)
    return built


def text(qid: str, **extra: Any) -> dict[str, Any]:
    """A free-text question."""
    return {"id": qid, "text": f"Comment on {qid}", "type": "text", **extra}


def theme(tid: str, *questions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A theme holding the given questions (one scored question when none is given)."""
    return {
        "id": tid,
        "title": f"Theme {tid}",
        "questions": list(questions) or [choice(f"{tid}-q")],
        **extra,
    }


def questionnaire(*themes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A valid questionnaire with the given themes (one theme when none is given)."""
    built: dict[str, Any] = {
        "format": "case-audit/1",
        "id": "test-audit",
        "version": 1,
        "title": "Test audit",
        "kind": "monthly",
        "grading": {
            "bands": [
                {"grade": "Good", "min": 60},
                {"grade": "Requires improvement", "min": 30},
                {"grade": "Inadequate", "min": 0},
            ],
            "overall": "mean",
        },
        "themes": list(themes) or [theme("voice")],
    }
    built.update(extra)
    return built


def problems_of(data: Any) -> list[tuple[str, str]]:
    """Every (path, message) reported for a decoded document; fails if it is accepted."""
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


def text_problems_of(source: str | bytes) -> list[tuple[str, str]]:
    """Every (path, message) reported for JSON text; fails if it is accepted."""
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(source)
    return [(p.path, p.message) for p in caught.value.problems]


def with_question(*questions: dict[str, Any]) -> dict[str, Any]:
    """A questionnaire whose single theme holds exactly these questions."""
    return questionnaire(theme("voice", *questions))


# --------------------------------------------------------------------------------------
# Valid input and defaults
# --------------------------------------------------------------------------------------


def test_minimal_questionnaire_parses_with_defaults() -> None:
    source = json.dumps(
        with_question(
            choice("seen-alone"),
            text("comment"),
            {"id": "visit-date", "text": "Date of the last visit", "type": "date"},
            {"id": "visits", "text": "Visits this month", "type": "number"},
            text("optional-but-asked", required=True),
            choice("optional-choice", required=False),
        )
    )
    parsed = parse_questionnaire(source)

    assert isinstance(parsed, Questionnaire)
    assert parsed.description is None
    assert parsed.grades == ["Good", "Requires improvement", "Inadequate"]
    only_theme = parsed.themes[0]
    assert (only_theme.weight, only_theme.limiting, only_theme.description) == (1, False, None)
    required = {qid: q.is_required for qid, q in parsed.questions.items()}
    assert required == {
        "seen-alone": True,
        "comment": False,
        "visit-date": True,
        "visits": True,
        "optional-but-asked": True,
        "optional-choice": False,
    }
    assert {q.effective_weight for q in parsed.questions.values()} == {1}
    seen_alone = parsed.questions["seen-alone"]
    assert seen_alone.is_scored and seen_alone.max_score == 1
    assert seen_alone.option("not-applicable") is not None
    assert seen_alone.option("not-applicable").score is None  # type: ignore[union-attr]
    assert not parsed.questions["comment"].is_scored
    assert parsed.theme_of["visits"] == "voice"


def test_bytes_and_text_give_the_same_questionnaire() -> None:
    source = json.dumps(questionnaire())
    assert parse_questionnaire(source.encode("utf-8")) == parse_questionnaire(source)


def test_utf8_byte_order_mark_is_accepted() -> None:
    source = json.dumps(questionnaire(title="Audit – réflexion"), ensure_ascii=False)
    assert parse_questionnaire(b"\xef\xbb\xbf" + source.encode("utf-8")).title == (
        "Audit – réflexion"
    )
    assert parse_questionnaire("\ufeff" + source).title == "Audit – réflexion"


def test_integer_and_decimal_numbers_are_both_accepted() -> None:
    data = with_question(
        choice("a", weight=1.5, options=[option("yes", 2.5), option("no", 0)]),
    )
    data["grading"]["bands"][0]["min"] = 62.5
    parsed = validate_questionnaire(data)
    assert parsed.questions["a"].effective_weight == 1.5
    assert parsed.questions["a"].max_score == 2.5
    assert parsed.grading.bands[0].min == 62.5


def test_question_whose_options_are_all_unscored_is_simply_unscored() -> None:
    parsed = validate_questionnaire(
        with_question(choice("in-care", options=[option("yes"), option("no")]))
    )
    assert not parsed.questions["in-care"].is_scored
    assert parsed.questions["in-care"].max_score is None


def test_explicit_null_score_means_no_score() -> None:
    parsed = validate_questionnaire(
        with_question(choice("a", options=[option("yes", 1), option("na", score=None)]))
    )
    data = with_question(choice("a", options=[option("yes", 1), {**option("na"), "score": None}]))
    assert validate_questionnaire(data) == parsed


def test_weight_on_an_unscored_question_is_allowed_and_ignored() -> None:
    parsed = validate_questionnaire(with_question(choice("a"), text("note", weight=3)))
    assert parsed.questions["note"].weight == 3
    assert not parsed.questions["note"].is_scored


def test_theme_without_a_scored_question_is_allowed() -> None:
    parsed = validate_questionnaire(questionnaire(theme("voice"), theme("notes", text("note"))))
    assert not any(q.is_scored for q in parsed.themes[1].questions)


def test_valid_show_if_is_accepted() -> None:
    parsed = validate_questionnaire(
        questionnaire(
            theme("about", choice("in-care", options=[option("yes"), option("no")])),
            theme("care", choice("pathway-plan", show_if={"question": "in-care", "in": ["yes"]})),
        )
    )
    show_if = parsed.questions["pathway-plan"].show_if
    assert show_if is not None and show_if.question == "in-care" and show_if.in_ == ["yes"]


def test_compliance_on_a_scored_question_is_accepted() -> None:
    parsed = validate_questionnaire(with_question(choice("a", compliance="Chronology up to date")))
    assert parsed.questions["a"].compliance == "Chronology up to date"


# --------------------------------------------------------------------------------------
# Not JSON
# --------------------------------------------------------------------------------------


def test_not_json_reports_line_and_column() -> None:
    source = '{\n  "format": "case-audit/1",\n  "id": "x"\n  "version": 1\n}'
    assert text_problems_of(source) == [
        ("$", "not valid JSON: Expecting ',' delimiter at line 4, column 3")
    ]


def test_empty_file_is_not_json() -> None:
    assert text_problems_of("") == [("$", "not valid JSON: Expecting value at line 1, column 1")]


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(token: str) -> None:
    data = with_question(choice("a"))
    source = json.dumps(data).replace('"score": 1', f'"score": {token}', 1)
    assert text_problems_of(source) == [
        (f"{Q0}.options[0].score", f"{token} is not valid JSON: write a number, such as 0 or 2.5")
    ]


def test_number_too_large_for_a_float_is_refused() -> None:
    source = json.dumps(questionnaire()).replace('"version": 1', '"version": 1e400', 1)
    assert text_problems_of(source) == [
        ("$.version", "1e400 is too large: write a number, such as 0 or 2.5")
    ]


def test_nan_in_decoded_data_is_refused() -> None:
    data = with_question(choice("a", weight=float("nan")))
    assert problems_of(data) == [(f"{Q0}.weight", "must be a finite number (not NaN or Infinity)")]


def test_infinite_score_in_decoded_data_is_refused() -> None:
    data = with_question(choice("a"))
    data["themes"][0]["questions"][0]["options"][0]["score"] = float("inf")
    assert problems_of(data) == [(f"{Q0}.options[0].score", "must be a finite number or null")]


def test_repeated_key_is_reported() -> None:
    source = json.dumps(questionnaire()).replace('"version": 1', '"version": 1, "version": 2', 1)
    assert text_problems_of(source) == [
        ("$.version", 'key "version" appears more than once in this object: give each key once')
    ]


def test_invalid_utf8_is_reported_with_its_line() -> None:
    source = json.dumps(questionnaire(), indent=2).encode("utf-8")
    source = source.replace(b"Test audit", b"Test \xe9 audit")
    assert text_problems_of(source) == [
        (
            "$",
            "not valid UTF-8: byte 0xe9 on line 5 cannot be read; "
            "save the file with UTF-8 encoding",
        )
    ]


@pytest.mark.parametrize("source", ["[]", '"questionnaire"', "42", "null"])
def test_top_level_must_be_an_object(source: str) -> None:
    assert text_problems_of(source) == [
        ("$", "must be a JSON object holding the questionnaire (the file starts with {)")
    ]


# --------------------------------------------------------------------------------------
# Structure: keys and types
# --------------------------------------------------------------------------------------


def test_unknown_key_suggests_the_key_it_resembles() -> None:
    data = with_question(choice("a", wieght=2))
    assert problems_of(data) == [(f"{Q0}.wieght", 'unknown key "wieght" (did you mean "weight"?)')]


def test_unknown_key_without_a_close_match_lists_the_allowed_keys() -> None:
    data = questionnaire(author="QA lead")
    assert problems_of(data) == [
        (
            "$.author",
            'unknown key "author" (allowed keys: "format", "id", "version", "title", "kind", '
            '"description", "grading", "themes")',
        )
    ]


def test_unknown_key_in_show_if_uses_the_json_key_names() -> None:
    data = with_question(choice("a"), choice("b", show_if={"question": "a", "in_": ["yes"]}))
    assert problems_of(data) == [
        (f"{Q1}.show_if.in_", 'unknown key "in_" (did you mean "in"?)'),
        (f"{Q1}.show_if.in", "is required"),
    ]


@pytest.mark.parametrize("key", ["format", "id", "version", "title", "kind", "grading", "themes"])
def test_missing_top_level_key_is_required(key: str) -> None:
    data = questionnaire()
    del data[key]
    assert problems_of(data) == [(f"$.{key}", "is required")]


def test_missing_option_label_is_required() -> None:
    data = with_question(choice("a", options=[{"value": "yes", "score": 1}, option("no", 0)]))
    assert problems_of(data) == [(f"{Q0}.options[0].label", "is required")]


def set_at(data: Any, loc: tuple[str | int, ...], value: Any) -> None:
    """Replace the value at a location in a decoded document."""
    *parents, last = loc
    for part in parents:
        data = data[part]
    data[last] = value


OPTION0 = ("themes", 0, "questions", 0, "options", 0)


@pytest.mark.parametrize(
    ("loc", "value", "message"),
    [
        (("title",), 7, "must be a string"),
        (("version",), "1", "must be a whole number"),
        (("version",), 1.5, "must be a whole number"),
        (("version",), True, "must be a whole number"),
        (("themes",), {"voice": {}}, "must be a list"),
        (("grading",), ["mean"], "must be an object"),
        (("themes", 0), "voice", "must be an object"),
        (("themes", 0, "limiting"), "yes", "must be true or false"),
        (("themes", 0, "weight"), "2", "must be a number"),
        (("themes", 0, "weight"), True, "must be a number"),
        (("grading", "bands", 0, "min"), False, "must be a number"),
        (("themes", 0, "questions", 0, "required"), 1, "must be true or false"),
        ((*OPTION0, "score"), "1", "must be a number or null"),
        ((*OPTION0, "score"), True, "must be a number or null"),
    ],
)
def test_wrong_types(loc: tuple[str | int, ...], value: Any, message: str) -> None:
    data = questionnaire()
    set_at(data, loc, value)
    assert problems_of(data) == [(json_path(loc), message)]


def test_show_if_values_must_be_strings() -> None:
    data = with_question(choice("a"), choice("b", show_if={"question": "a", "in": [True]}))
    assert problems_of(data) == [(f"{Q1}.show_if.in[0]", "must be a string")]


FORMAT_MESSAGE = (
    'must be "case-audit/2" (or "case-audit/1" for a file written in format 1, which is read '
    "as it always was)"
)


@pytest.mark.parametrize("written", ["case-audit/3", "case-audit/1 ", "Case-Audit/1", ""])
def test_wrong_format_string(written: str) -> None:
    assert problems_of(questionnaire(format=written)) == [("$.format", FORMAT_MESSAGE)]


def test_wrong_kind() -> None:
    assert problems_of(questionnaire(kind="deep-dive")) == [
        ("$.kind", 'must be one of "monthly", "deep_dive"')
    ]


def test_wrong_question_type() -> None:
    assert problems_of(with_question(choice("a", type="radio"))) == [
        (f"{Q0}.type", 'must be one of "choice", "text", "date", "number"')
    ]


def test_wrong_overall_rule() -> None:
    data = questionnaire()
    data["grading"]["overall"] = "median"
    assert problems_of(data) == [("$.grading.overall", 'must be one of "mean", "lowest"')]


@pytest.mark.parametrize(
    "bad", ["Child-Seen-Alone", "child_seen_alone", "child--seen", "-child", "child-", "", "a" * 65]
)
def test_bad_slug(bad: str) -> None:
    assert problems_of(questionnaire(id=bad)) == [("$.id", SLUG_MESSAGE)]


def test_slug_of_64_characters_is_accepted() -> None:
    assert validate_questionnaire(questionnaire(id="a" * 64)).id == "a" * 64


def test_bad_option_value_slug() -> None:
    data = with_question(choice("a", options=[option("Yes", 1), option("no", 0)]))
    assert problems_of(data) == [(f"{Q0}.options[0].value", SLUG_MESSAGE)]


def test_version_zero() -> None:
    assert problems_of(questionnaire(version=0)) == [("$.version", "must be >= 1")]


def test_negative_score() -> None:
    data = with_question(choice("a", options=[option("yes", 1), option("no", -1)]))
    assert problems_of(data) == [(f"{Q0}.options[1].score", "must be >= 0 or null")]


@pytest.mark.parametrize("weight", [0, -1, 0.0])
def test_question_weight_must_be_positive(weight: float) -> None:
    assert problems_of(with_question(choice("a", weight=weight))) == [
        (f"{Q0}.weight", "must be > 0")
    ]


def test_theme_weight_must_be_positive() -> None:
    assert problems_of(questionnaire(theme("voice", weight=0))) == [
        ("$.themes[0].weight", "must be > 0")
    ]


@pytest.mark.parametrize("minimum", [-5, 100.5])
def test_band_min_must_be_between_0_and_100(minimum: float) -> None:
    data = questionnaire()
    data["grading"]["bands"][0]["min"] = minimum
    problems = problems_of(data)
    assert problems == [("$.grading.bands[0].min", "must be between 0 and 100")]


@pytest.mark.parametrize("blank", ["", "   "])
def test_titles_must_not_be_blank(blank: str) -> None:
    assert problems_of(questionnaire(title=blank)) == [("$.title", "must not be blank")]


@pytest.mark.parametrize("key", ["help", "required", "weight", "options", "compliance", "show_if"])
def test_optional_question_keys_are_left_out_rather_than_null(key: str) -> None:
    data = with_question(choice("a", **{key: None}))
    assert problems_of(data) == [(f"{Q0}.{key}", "must not be null (leave the key out instead)")]


def test_too_few_bands() -> None:
    data = questionnaire()
    data["grading"]["bands"] = [{"grade": "Good", "min": 0}]
    assert problems_of(data) == [("$.grading.bands", "needs at least 2 bands")]


def test_no_themes() -> None:
    assert problems_of(questionnaire(themes=[])) == [("$.themes", "needs at least one theme")]


def test_theme_without_questions() -> None:
    data = questionnaire(theme("voice", choice("a")))
    data["themes"][0]["questions"] = []
    assert problems_of(data) == [("$.themes[0].questions", "needs at least one question")]


def test_show_if_without_values() -> None:
    data = with_question(choice("a"), choice("b", show_if={"question": "a", "in": []}))
    assert problems_of(data) == [(f"{Q1}.show_if.in", "needs at least one value")]


# --------------------------------------------------------------------------------------
# Rules across fields
# --------------------------------------------------------------------------------------


def test_duplicate_theme_id() -> None:
    data = questionnaire(theme("voice"), theme("plans"), theme("voice", choice("other")))
    assert problems_of(data) == [
        ("$.themes[2].id", 'duplicate theme id "voice": already used at $.themes[0].id')
    ]


def test_duplicate_question_id_across_themes() -> None:
    data = questionnaire(theme("voice", choice("seen")), theme("plans", text("x"), choice("seen")))
    assert problems_of(data) == [
        (
            "$.themes[1].questions[1].id",
            'duplicate question id "seen": already used at $.themes[0].questions[0].id '
            "(question ids must be unique across the whole questionnaire)",
        )
    ]


def test_duplicate_option_value() -> None:
    data = with_question(choice("a", options=[option("yes", 1), option("no", 0), option("yes")]))
    assert problems_of(data) == [
        (
            f"{Q0}.options[2].value",
            f'duplicate option value "yes": already used at {Q0}.options[0].value',
        )
    ]


@pytest.mark.parametrize("kind", ["text", "date", "number"])
def test_options_only_on_choice_questions(kind: str) -> None:
    data = with_question(choice("a"), {**choice("b"), "type": kind})
    assert problems_of(data) == [
        (f"{Q1}.options", f'only choice questions have options (this is a "{kind}" question)')
    ]


def test_choice_question_without_options() -> None:
    data = with_question({"id": "a", "text": "A?", "type": "choice"})
    assert problems_of(data) == [
        (f"{Q0}.options", "a choice question needs at least 2 options (it has none)")
    ]


def test_choice_question_with_one_option() -> None:
    data = with_question(choice("a", options=[option("yes", 1)]))
    assert problems_of(data) == [
        (f"{Q0}.options", "a choice question needs at least 2 options (it has 1)")
    ]


def test_scored_question_whose_scores_are_all_zero() -> None:
    data = with_question(choice("a", options=[option("yes", 0), option("no", 0), option("na")]))
    assert problems_of(data) == [(f"{Q0}.options", ALL_ZERO)]


@pytest.mark.parametrize(
    "question",
    [
        text("a", compliance="Chronology up to date"),
        choice("a", options=[option("yes"), option("no")], compliance="Chronology up to date"),
    ],
)
def test_compliance_on_an_unscored_question(question: dict[str, Any]) -> None:
    assert problems_of(with_question(question)) == [
        (
            f"{Q0}.compliance",
            "compliance can only be marked on a scored question "
            "(a choice question with at least one option score)",
        )
    ]


@pytest.mark.parametrize(
    ("data", "path", "problem"),
    [
        pytest.param(
            with_question(choice("a"), choice("b", show_if={"question": "in-care", "in": ["yes"]})),
            f"{Q1}.show_if.question",
            'show_if names "in-care", which is not a question in this questionnaire',
            id="an-unknown-question",
        ),
        pytest.param(
            questionnaire(
                theme("voice", choice("a", show_if={"question": "b", "in": ["yes"]})),
                theme("plans", choice("b")),
            ),
            f"{Q0}.show_if.question",
            'show_if names "b", which comes later (at $.themes[1].questions[0]): '
            "it may only name an earlier question",
            id="a-later-question",
        ),
        pytest.param(
            with_question(choice("a", show_if={"question": "a", "in": ["yes"]})),
            f"{Q0}.show_if.question",
            'show_if names "a", the question itself: it may only name an earlier question',
            id="the-question-itself",
        ),
        pytest.param(
            with_question(text("note"), choice("b", show_if={"question": "note", "in": ["yes"]})),
            f"{Q1}.show_if.question",
            'show_if names "note", a "text" question: it may only name a choice question',
            id="a-question-that-is-not-a-choice",
        ),
    ],
)
def test_show_if_may_only_name_an_earlier_choice_question(
    data: dict[str, Any], path: str, problem: str
) -> None:
    assert problems_of(data) == [(path, problem)]


def test_show_if_value_that_is_not_an_option() -> None:
    data = with_question(
        choice("a"), choice("b", show_if={"question": "a", "in": ["yes", "maybe", "unsure"]})
    )
    options = '"yes", "no", "not-applicable"'
    assert problems_of(data) == [
        (f"{Q1}.show_if.in[1]", f'"maybe" is not an option of "a" (its options are {options})'),
        (f"{Q1}.show_if.in[2]", f'"unsure" is not an option of "a" (its options are {options})'),
    ]


def bands(*pairs: tuple[str, float]) -> dict[str, Any]:
    """A questionnaire with these (grade, min) bands."""
    data = questionnaire()
    data["grading"]["bands"] = [{"grade": grade, "min": m} for grade, m in pairs]
    return data


ORDER = "bands must be listed best first with min strictly decreasing: "
LAST_AT_ZERO = "the last band's min must be 0, so that every percent gets a grade"


@pytest.mark.parametrize(
    ("pairs", "problem"),
    [
        pytest.param(
            [("Requires improvement", 30), ("Good", 60), ("Inadequate", 0)],
            ORDER + '"Good" (min 60) comes after "Requires improvement" (min 30)',
            id="out-of-order",
        ),
        pytest.param(
            [("Good", 50), ("Fair", 50), ("Inadequate", 0)],
            ORDER + '"Fair" (min 50) comes after "Good" (min 50)',
            id="equal-min",
        ),
        pytest.param(
            [("Good", 60), ("Inadequate", 10)],
            LAST_AT_ZERO + " (it is 10)",
            id="last-band-min-not-zero",
        ),
        pytest.param(
            [("Good", 60), ("Inadequate", 0.5)],
            LAST_AT_ZERO + " (it is 0.5)",
            id="last-band-min-decimal-shown-as-written",
        ),
    ],
)
def test_bands_that_leave_a_percent_without_exactly_one_grade(
    pairs: list[tuple[str, float]], problem: str
) -> None:
    assert problems_of(bands(*pairs)) == [("$.grading.bands[1].min", problem)]


def test_duplicate_grade() -> None:
    data = bands(("Good", 60), ("Adequate", 30), ("Good", 0))
    assert problems_of(data) == [
        (
            "$.grading.bands[2].grade",
            'duplicate grade "Good": already used at $.grading.bands[0].grade',
        )
    ]


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


def test_every_structural_problem_is_reported_in_document_order() -> None:
    data = questionnaire(
        theme("voice", choice("a", wieght=2), text("Bad Id")),
        theme("plans", choice("b", options=[option("yes", -1), option("no", 0)])),
        version=0,
        kind="weekly",
    )
    assert problems_of(data) == [
        ("$.version", "must be >= 1"),
        ("$.kind", 'must be one of "monthly", "deep_dive"'),
        (f"{Q0}.wieght", 'unknown key "wieght" (did you mean "weight"?)'),
        (f"{Q1}.id", SLUG_MESSAGE),
        ("$.themes[1].questions[0].options[0].score", "must be >= 0 or null"),
    ]


def test_document_order_follows_the_file_not_the_model() -> None:
    data = questionnaire()
    reordered = {"themes": data.pop("themes"), **data}
    reordered["themes"][0]["title"] = ""
    reordered["version"] = 0
    assert problems_of(reordered) == [
        ("$.themes[0].title", "must not be blank"),
        ("$.version", "must be >= 1"),
    ]


def test_every_rule_problem_is_reported() -> None:
    data = questionnaire(
        theme(
            "voice",
            choice("a", show_if={"question": "c", "in": ["yes"]}),
            text("note", compliance="Case summary"),
        ),
        theme("voice", choice("a"), choice("c", options=[option("yes", 0), option("no", 0)])),
    )
    data["grading"]["bands"][2]["min"] = 5
    assert problems_of(data) == [
        (
            "$.grading.bands[2].min",
            "the last band's min must be 0, so that every percent gets a grade (it is 5)",
        ),
        (
            f"{Q0}.show_if.question",
            'show_if names "c", which comes later (at $.themes[1].questions[1]): '
            "it may only name an earlier question",
        ),
        (
            f"{Q1}.compliance",
            "compliance can only be marked on a scored question "
            "(a choice question with at least one option score)",
        ),
        ("$.themes[1].id", 'duplicate theme id "voice": already used at $.themes[0].id'),
        (
            "$.themes[1].questions[0].id",
            'duplicate question id "a": already used at $.themes[0].questions[0].id '
            "(question ids must be unique across the whole questionnaire)",
        ),
        ("$.themes[1].questions[1].options", ALL_ZERO),
    ]


def test_rules_across_fields_are_reported_with_the_structural_problems() -> None:
    """One pass lists every problem: a duplicate id is not held back by a bad version."""
    data = questionnaire(theme("voice"), theme("voice"), version=0)
    assert problems_of(data) == [
        ("$.version", "must be >= 1"),
        ("$.themes[1].id", 'duplicate theme id "voice": already used at $.themes[0].id'),
        (
            "$.themes[1].questions[0].id",
            'duplicate question id "voice-q": already used at $.themes[0].questions[0].id '
            "(question ids must be unique across the whole questionnaire)",
        ),
    ]


def test_problem_and_exception_text() -> None:
    problem = Problem("$.themes[1].questions[3].options[2].score", "must be >= 0 or null")
    assert str(problem) == "$.themes[1].questions[3].options[2].score: must be >= 0 or null"
    invalid = QuestionnaireInvalid([problem, Problem("$.version", "must be >= 1")])
    assert isinstance(invalid, ValueError)
    assert invalid.problems == (problem, Problem("$.version", "must be >= 1"))
    assert str(invalid) == (
        "questionnaire is not valid (2 problems)\n"
        "$.themes[1].questions[3].options[2].score: must be >= 0 or null\n"
        "$.version: must be >= 1"
    )


def test_models_enforce_the_rules_when_validated_directly() -> None:
    data = questionnaire(theme("voice"), theme("voice"))
    with pytest.raises(ValidationError, match=r'duplicate theme id "voice"'):
        Questionnaire1.model_validate(data)


def test_validation_does_not_change_the_input() -> None:
    data = questionnaire(theme("voice"), theme("voice"))
    before = copy.deepcopy(data)
    problems_of(data)
    assert data == before


# --------------------------------------------------------------------------------------
# JSON Schema
# --------------------------------------------------------------------------------------


def test_json_schema_describes_both_formats() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"] and schema["description"]
    assert schema["if"] == {
        "properties": {"format": {"const": "case-audit/1"}},
        "required": ["format"],
    }
    assert schema["then"] == {"$ref": "#/$defs/Questionnaire1"}
    assert schema["else"] == {"$ref": "#/$defs/Questionnaire"}
    defs = schema["$defs"]
    required = {"format", "id", "version", "title", "kind", "grading", "themes"}
    for name, format_ in (("Questionnaire", "case-audit/2"), ("Questionnaire1", "case-audit/1")):
        assert defs[name]["additionalProperties"] is False
        assert set(defs[name]["required"]) == required
        assert defs[name]["properties"]["format"]["const"] == format_
    assert defs["Questionnaire"]["properties"]["themes"]["items"] == {"$ref": "#/$defs/Theme"}
    assert defs["Questionnaire1"]["properties"]["themes"]["items"] == {"$ref": "#/$defs/Theme1"}
    assert "items" in defs["Theme"]["required"] and "questions" not in defs["Theme"]["properties"]
    assert "questions" in defs["Theme1"]["required"] and "items" not in defs["Theme1"]["properties"]
    assert "in" in defs["ShowIf"]["properties"]


def test_json_schema_describes_every_key() -> None:
    schema = json_schema()
    objects = list(schema["$defs"].values())
    for obj in objects:
        assert obj.get("description"), obj.get("title")
        assert obj["additionalProperties"] is False
        for key, prop in obj["properties"].items():
            assert prop.get("description"), f"{obj.get('title')}.{key} has no description"


def test_json_schema_leaves_out_null_for_optional_keys_but_keeps_it_for_scores() -> None:
    defs = json_schema()["$defs"]
    assert defs["Question"]["properties"]["help"]["type"] == "string"
    assert defs["Question"]["properties"]["weight"]["default"] == 1
    assert {"type": "null"} in defs["Option"]["properties"]["score"]["anyOf"]


def test_json_path_quotes_keys_that_are_not_names() -> None:
    assert json_path(()) == "$"
    assert json_path(("themes", 1, "questions", 3, "id")) == "$.themes[1].questions[3].id"
    assert json_path(("themes", 0, "my key")) == '$.themes[0]["my key"]'


def test_unknown_key_that_is_not_a_name_is_quoted_in_its_path() -> None:
    assert problems_of(questionnaire(**{"$schema": "./schema.json"})) == [
        (
            '$["$schema"]',
            'unknown key "$schema" (allowed keys: "format", "id", "version", "title", "kind", '
            '"description", "grading", "themes")',
        )
    ]


def test_version_has_an_upper_bound_that_a_database_can_store() -> None:
    assert validate_questionnaire(questionnaire(version=2**31 - 1)).version == 2**31 - 1
    assert problems_of(questionnaire(version=2**31)) == [("$.version", "must be <= 2147483647")]


def test_field_names_are_the_json_keys_only() -> None:
    data = with_question(choice("a"), choice("b", show_if={"question": "a", "in_": ["yes"]}))
    with pytest.raises(ValidationError, match="in_"):
        Questionnaire1.model_validate(data)
