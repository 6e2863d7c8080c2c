"""Every length the database enforces, text that draws nothing, look-alike names, and a validator
that takes time in proportion to the file however many problems it holds."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import String

from audit_app import models
from audit_app.core import questionnaire as questionnaire_module
from audit_app.core.limits import (
    GRADE_MAX_LENGTH,
    ID_MAX_LENGTH,
    KIND_MAX_LENGTH,
    KIND_NAME_MAX_LENGTH,
    MEASURE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
)
from audit_app.core.questionnaire import (
    MAX_LISTED_PROBLEMS,
    Questionnaire,
    QuestionnaireInvalid,
    json_schema,
    name_key,
    parse_questionnaire,
    upgrade,
    validate_questionnaire,
)
from tests.builders import questionnaire_dict

SEEN_ALONE = "$.themes[0].questions[0]"
INVISIBLE_ONLY = "must not be blank: it holds only invisible characters (such as zero-width spaces)"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"


def problems_of(data: Any) -> list[tuple[str, str]]:
    """Every (path, message) reported for a decoded document; fails if it is accepted."""
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


def grades(*names: str) -> dict[str, Any]:
    """A questionnaire whose bands have these grade names, best first."""
    data = questionnaire_dict()
    step = 100 // len(names)
    data["grading"]["bands"] = [
        {"grade": name, "min": (len(names) - 1 - i) * step} for i, name in enumerate(names)
    ]
    return data


def surrounding(trimmed: str) -> str:
    """The message for a name with a space or an invisible character at one end."""
    return (
        "must not begin or end with a space or an invisible character: "
        f"write {json.dumps(trimmed, ensure_ascii=False)}"
    )


# --------------------------------------------------------------------------------------
# One definition of each length, the models' and the validator's
# --------------------------------------------------------------------------------------


def columns(*names: str) -> list[Any]:
    """Columns by ``table.column``."""
    tables = {
        m.__table__.name: m.__table__ for m in vars(models).values() if hasattr(m, "__table__")
    }
    return [tables[name.split(".")[0]].c[name.split(".")[1]] for name in names]


COLUMNS = [
    *((ID_MAX_LENGTH, column) for column in columns(
        "questionnaire_version.questionnaire_id",
        "allocation.questionnaire_id",
        "report_allocation_month.questionnaire_id",
        "answer.question_id",
        "theme_judgement.theme_id",
        "theme_result.theme_id",
        "moderation_grade.theme_id",
        "pending_save.theme_id",
        "report_theme_month.theme_id",
        "compliance_result.theme_id",
        "compliance_result.question_id",
        "compliance_result.value",
    )),
    (TITLE_MAX_LENGTH, *columns("questionnaire_version.title")),
    *((KIND_MAX_LENGTH, column) for column in columns(
        "questionnaire_version.kind", "audit_kind.name"
    )),
    (KIND_NAME_MAX_LENGTH, *columns("audit_kind.display_name")),
    *((MEASURE_MAX_LENGTH, column) for column in columns(
        "compliance_result.measure", "report_compliance_month.measure"
    )),
    *((GRADE_MAX_LENGTH, column) for column in columns(
        "audit.overall_grade_judged",
        "theme_judgement.grade",
        "audit_result.grade_computed",
        "audit_result.grade_judged",
        "audit_result.grade_moderated",
        "theme_result.grade_computed",
        "theme_result.grade_judged",
        "theme_result.grade_moderated",
        "moderation.overall_grade",
        "moderation_grade.grade",
        "report_audit.grade_computed",
        "report_audit.grade_judged",
        "report_audit.grade_moderated",
        "report_audit.moderation_grade",
        "report_theme_month.grade_computed",
        "report_theme_month.grade_judged",
        "report_theme_month.grade_moderated",
    )),
]  # fmt: skip


@pytest.mark.parametrize(("length", "column"), COLUMNS, ids=lambda value: str(value))
def test_each_column_a_questionnaire_fills_is_as_long_as_its_limit(
    length: int, column: Any
) -> None:
    assert isinstance(column.type.impl, String)
    assert column.type.length == length


def test_every_column_here_is_named_once() -> None:
    assert len({(column.table.name, column.name) for _, column in COLUMNS}) == len(COLUMNS) == 35


def test_the_limits_are_the_numbers_the_migrations_created() -> None:
    assert (ID_MAX_LENGTH, TITLE_MAX_LENGTH, GRADE_MAX_LENGTH) == (64, 200, 64)
    assert (MEASURE_MAX_LENGTH, KIND_MAX_LENGTH) == (200, 16)


def test_every_kind_fits_its_column() -> None:
    defs = json_schema()["$defs"]
    kinds = defs["Questionnaire1"]["properties"]["kind"]["enum"]
    assert kinds == ["monthly", "deep_dive"]
    assert all(len(kind) <= KIND_MAX_LENGTH for kind in kinds)
    # Format 2 names any kind the council declared, no longer than the column.
    assert defs["Questionnaire"]["properties"]["kind"]["maxLength"] == KIND_MAX_LENGTH


def test_the_json_schema_gives_each_limit() -> None:
    schema = json_schema()
    defs = schema["$defs"]
    for name in ("Questionnaire", "Questionnaire1", "Theme", "Theme1"):
        assert defs[name]["properties"]["title"]["maxLength"] == TITLE_MAX_LENGTH
        assert defs[name]["properties"]["id"]["maxLength"] == ID_MAX_LENGTH
    assert defs["Band"]["properties"]["grade"]["maxLength"] == GRADE_MAX_LENGTH
    assert defs["Question"]["properties"]["compliance"]["maxLength"] == MEASURE_MAX_LENGTH
    assert defs["Question"]["properties"]["id"]["maxLength"] == ID_MAX_LENGTH
    assert defs["Option"]["properties"]["value"]["maxLength"] == ID_MAX_LENGTH


# --------------------------------------------------------------------------------------
# Lengths
# --------------------------------------------------------------------------------------


def test_names_at_their_limits_are_accepted() -> None:
    data = questionnaire_dict(title="T" * TITLE_MAX_LENGTH)
    data["themes"][0]["title"] = "t" * TITLE_MAX_LENGTH
    data["themes"][0]["questions"][0]["compliance"] = "m" * MEASURE_MAX_LENGTH
    data["grading"]["bands"][0]["grade"] = "g" * GRADE_MAX_LENGTH
    parsed = validate_questionnaire(data)
    assert len(parsed.title) == TITLE_MAX_LENGTH
    assert len(parsed.grades[0]) == GRADE_MAX_LENGTH


def test_a_title_over_200_characters_is_refused() -> None:
    assert problems_of(questionnaire_dict(title="T" * 201)) == [
        ("$.title", "is 201 characters long; the most is 200")
    ]


def test_a_theme_title_over_200_characters_is_refused() -> None:
    data = questionnaire_dict()
    data["themes"].append(copy.deepcopy(data["themes"][1]) | {"id": "third"})
    data["themes"][2]["questions"][0]["id"] = "third-q"
    data["themes"][2]["title"] = "x" * 231
    assert problems_of(data) == [("$.themes[2].title", "is 231 characters long; the most is 200")]


def test_a_grade_over_64_characters_is_refused() -> None:
    data = questionnaire_dict()
    data["grading"]["bands"][1]["grade"] = "G" * 65
    assert problems_of(data) == [
        ("$.grading.bands[1].grade", "is 65 characters long; the most is 64")
    ]


def test_a_compliance_measure_over_200_characters_is_refused() -> None:
    data = questionnaire_dict()
    data["themes"][0]["questions"][0]["compliance"] = "Chronology " * 30
    assert problems_of(data) == [
        (f"{SEEN_ALONE}.compliance", "is 330 characters long; the most is 200")
    ]


def test_a_length_is_counted_in_characters_not_bytes() -> None:
    assert validate_questionnaire(questionnaire_dict(title="é" * 200)).title == "é" * 200
    assert problems_of(questionnaire_dict(title="€" * 1234)) == [
        ("$.title", "is 1,234 characters long; the most is 200")
    ]


def test_every_over_long_name_is_reported_at_once() -> None:
    data = questionnaire_dict(title="T" * 300)
    data["themes"][1]["title"] = "t" * 201
    data["grading"]["bands"][3]["grade"] = "g" * 100
    data["themes"][0]["questions"][0]["compliance"] = "m" * 250
    assert problems_of(data) == [
        ("$.title", "is 300 characters long; the most is 200"),
        ("$.grading.bands[3].grade", "is 100 characters long; the most is 64"),
        (f"{SEEN_ALONE}.compliance", "is 250 characters long; the most is 200"),
        ("$.themes[1].title", "is 201 characters long; the most is 200"),
    ]


# --------------------------------------------------------------------------------------
# Text that draws nothing
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "invisible",
    ["\u200b", ZERO_WIDTH, " \u200b\n\u2060 ", "\u3164", "\u2800", "\u202e\u202c", "\x07"],
)
def test_text_made_only_of_invisible_characters_is_blank(invisible: str) -> None:
    data = questionnaire_dict(title=invisible)
    data["themes"][0]["title"] = invisible
    question = data["themes"][0]["questions"][0]
    question["text"] = invisible
    question["options"][0]["label"] = invisible
    question["compliance"] = invisible
    data["grading"]["bands"][0]["grade"] = invisible
    assert problems_of(data) == [
        ("$.title", INVISIBLE_ONLY),
        ("$.grading.bands[0].grade", INVISIBLE_ONLY),
        ("$.themes[0].title", INVISIBLE_ONLY),
        (f"{SEEN_ALONE}.text", INVISIBLE_ONLY),
        (f"{SEEN_ALONE}.options[0].label", INVISIBLE_ONLY),
        (f"{SEEN_ALONE}.compliance", INVISIBLE_ONLY),
    ]


def test_text_with_something_visible_among_invisible_characters_is_accepted() -> None:
    data = questionnaire_dict()
    question = data["themes"][0]["questions"][0]
    question["text"] = f"{ZERO_WIDTH}Was the child seen alone?\n"
    question["options"][0]["label"] = " Yes "
    assert validate_questionnaire(data).themes[0].questions[0].options[0].label == " Yes "  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "trimmed"),
    [
        ("Good ", "Good"),
        (" Good", "Good"),
        ("\tGood\n", "Good"),
        ("Good\u200b", "Good"),
        ("\ufeffGood", "Good"),
        ("Good\u00a0", "Good"),
        ("Requires improvement\u2060 ", "Requires improvement"),
    ],
)
def test_a_name_may_not_begin_or_end_with_a_space_or_an_invisible_character(
    name: str, trimmed: str
) -> None:
    data = questionnaire_dict(title=name)
    data["grading"]["bands"][0]["grade"] = name
    data["themes"][1]["title"] = name
    data["themes"][0]["questions"][0]["compliance"] = name
    assert problems_of(data) == [
        ("$.title", surrounding(trimmed)),
        ("$.grading.bands[0].grade", surrounding(trimmed)),
        (f"{SEEN_ALONE}.compliance", surrounding(trimmed)),
        ("$.themes[1].title", surrounding(trimmed)),
    ]


def test_spaces_alone_are_still_plainly_blank() -> None:
    data = questionnaire_dict()
    data["grading"]["bands"][0]["grade"] = "   "
    assert problems_of(data) == [("$.grading.bands[0].grade", "must not be blank")]


# --------------------------------------------------------------------------------------
# Look-alike names
# --------------------------------------------------------------------------------------


def test_good_and_good_with_a_space_and_lower_case_good_are_not_three_grades() -> None:
    """The space is refused with the other values, and the look-alike in the same pass."""
    assert problems_of(grades("Good", "Good ", "good", "Inadequate")) == [
        ("$.grading.bands[1].grade", surrounding("Good")),
        ("$.grading.bands[2].grade", 'grade "good" looks the same as "Good" at '
         "$.grading.bands[0].grade: grades must differ by more than capital letters, spaces "
         "or invisible characters"),
    ]  # fmt: skip
    assert problems_of(grades("Good", "Fair", "good", "Inadequate")) == [
        ("$.grading.bands[2].grade", 'grade "good" looks the same as "Good" at '
         "$.grading.bands[0].grade: grades must differ by more than capital letters, spaces "
         "or invisible characters"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "look_alike",
    ["GOOD", "gOoD", "Go\u200bod", "Go\u00adod", "Ｇｏｏｄ", "G\u2060ood"],
)
def test_grades_told_apart_only_by_case_or_invisible_characters_are_refused(
    look_alike: str,
) -> None:
    message = (
        f'grade {json.dumps(look_alike, ensure_ascii=False)} looks the same as "Good" at '
        "$.grading.bands[0].grade: grades must differ by more than capital letters, spaces "
        "or invisible characters"
    )
    assert problems_of(grades("Good", look_alike, "Inadequate")) == [
        ("$.grading.bands[1].grade", message)
    ]


def test_grades_told_apart_only_by_the_spaces_between_words_are_refused() -> None:
    assert problems_of(grades("Requires improvement", "Requires  improvement", "Bad")) == [
        ("$.grading.bands[1].grade", 'grade "Requires  improvement" looks the same as '
         '"Requires improvement" at $.grading.bands[0].grade: grades must differ by more than '
         "capital letters, spaces or invisible characters"),
    ]  # fmt: skip


def test_an_exact_duplicate_grade_keeps_its_message() -> None:
    assert problems_of(grades("Good", "Bad", "Good")) == [
        ("$.grading.bands[2].grade", 'duplicate grade "Good": already used at '
         "$.grading.bands[0].grade"),
    ]  # fmt: skip


def test_distinct_grades_are_accepted() -> None:
    parsed = validate_questionnaire(grades("Good", "Good enough", "Goods", "Bad"))
    assert parsed.grades == ["Good", "Good enough", "Goods", "Bad"]


def test_a_measure_spelled_two_ways_is_refused() -> None:
    data = questionnaire_dict()
    data["themes"][1]["questions"][0]["compliance"] = "child seen ALONE"
    assert problems_of(data) == [
        ("$.themes[1].questions[0].compliance", 'compliance measure "child seen ALONE" differs '
         'from "Child seen alone" at $.themes[0].questions[0].compliance only in capital '
         "letters, spaces or invisible characters: spell it the same way to count both "
         "questions in one measure, or name another measure"),
    ]  # fmt: skip


def test_a_measure_spelled_the_same_way_is_shared() -> None:
    data = questionnaire_dict()
    data["themes"][1]["questions"][0]["compliance"] = "Child seen alone"
    parsed = validate_questionnaire(data)
    assert [q.compliance for q in parsed.questions.values() if q.compliance] == [
        "Child seen alone",
        "Child seen alone",
    ]


@pytest.mark.parametrize("look_alike", ["Voice", "VOICE", "voice ", " voice", "vo\u200bice"])
def test_ids_told_apart_only_by_case_or_spaces_cannot_be_written(look_alike: str) -> None:
    """Ids and option values are slugs: lower case, no spaces, no invisible characters, so two
    of them can only look alike by being equal, which is refused as a duplicate."""
    data = questionnaire_dict()
    data["themes"][1]["id"] = look_alike
    data["themes"][1]["questions"][0]["id"] = look_alike
    data["themes"][1]["questions"][0]["options"][0]["value"] = look_alike
    found = problems_of(data)
    assert [path for path, _ in found] == [
        "$.themes[1].id",
        "$.themes[1].questions[0].id",
        "$.themes[1].questions[0].options[0].value",
    ]
    assert all(message.startswith("must be a slug") for _, message in found)


def test_name_key() -> None:
    assert name_key("Good") == name_key(" good ") == name_key("GO\u200bOD") == "good"
    assert name_key("Requires\u00a0 improvement") == "requires improvement"
    assert name_key("Ｇｏｏｄ") == "good"
    assert name_key("Good") != name_key("Goods")


# --------------------------------------------------------------------------------------
# Text no database or page can hold
# --------------------------------------------------------------------------------------


def test_a_lone_surrogate_is_refused_with_a_message_that_can_be_shown() -> None:
    source = json.dumps(questionnaire_dict(title="Audit \ud800"))
    assert "\\ud800" in source
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(source)
    [problem] = caught.value.problems
    assert problem.path == "$.title"
    assert problem.message == (
        "holds \\ud800, half of a pair of escapes that stands for no character on its own: "
        "write the character itself, or both halves of its pair"
    )
    str(caught.value).encode("utf-8")


def test_a_key_holding_a_lone_surrogate_is_named_in_a_path_that_can_be_shown() -> None:
    source = json.dumps(questionnaire_dict(**{"note\udfff": 1}))
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(source)
    [problem] = caught.value.problems
    assert problem.path == '$["note\\udfff"]'
    assert problem.message.startswith("this key holds \\udfff, half of a pair")


def test_a_surrogate_pair_is_one_character() -> None:
    source = json.dumps(questionnaire_dict(title="Audit \U0001f600"))
    assert "\\ud83d\\ude00" in source
    assert parse_questionnaire(source).title == "Audit \U0001f600"


# --------------------------------------------------------------------------------------
# Linear time, a bounded list
# --------------------------------------------------------------------------------------


class CountingDict(dict[str, Any]):
    """A dict that counts how often it is walked key by key."""

    walks = 0

    def __iter__(self) -> Any:
        """Count the walk."""
        CountingDict.walks += 1
        return super().__iter__()


def unknown_keys(count: int) -> dict[str, Any]:
    """A valid questionnaire with ``count`` keys the format does not know at the top level."""
    data = questionnaire_dict()
    data.update({f"note-{n:05d}": n for n in range(count)})
    return data


def test_41000_unknown_keys_give_a_short_list_and_the_count_of_the_rest() -> None:
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(json.dumps(unknown_keys(41_000)))
    invalid = caught.value
    assert invalid.total == 41_000
    assert invalid.unlisted == 41_000 - MAX_LISTED_PROBLEMS
    assert len(invalid.problems) == MAX_LISTED_PROBLEMS + 1
    assert [p.path for p in invalid.problems[:3]] == [
        '$["note-00000"]',
        '$["note-00001"]',
        '$["note-00002"]',
    ]
    assert invalid.problems[MAX_LISTED_PROBLEMS - 1].path == '$["note-00049"]'
    assert invalid.problems[0].message.startswith('unknown key "note-00000" (allowed keys:')
    assert (invalid.problems[-1].path, invalid.problems[-1].message) == (
        "$",
        "and 40,950 more problems, not listed: fix the ones above and check the file again",
    )
    assert str(invalid).startswith("questionnaire is not valid (41,000 problems)\n")


def test_unknown_keys_are_put_in_order_walking_the_object_once() -> None:
    data = CountingDict(unknown_keys(5_000))
    CountingDict.walks = 0
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    assert caught.value.total == 5_000
    assert CountingDict.walks <= 2


def test_only_the_listed_problems_are_put_into_words(monkeypatch: pytest.MonkeyPatch) -> None:
    worded: list[object] = []
    original = questionnaire_module._message

    def counting(error: Any, root: Any) -> str:
        worded.append(error)
        return original(error, root)

    monkeypatch.setattr(questionnaire_module, "_message", counting)
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(unknown_keys(10_000))
    assert caught.value.total == 10_000
    assert len(worded) == MAX_LISTED_PROBLEMS


def test_fifty_problems_are_listed_in_full() -> None:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(unknown_keys(MAX_LISTED_PROBLEMS))
    assert caught.value.unlisted == 0
    assert len(caught.value.problems) == MAX_LISTED_PROBLEMS
    assert str(caught.value).startswith("questionnaire is not valid (50 problems)\n")


def test_many_repeated_keys_give_a_short_list() -> None:
    pairs = ", ".join(f'"k{n}": 1, "k{n}": 2' for n in range(20_000))
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire("{" + pairs + "}")
    assert caught.value.total == 20_000
    assert caught.value.problems[0] == questionnaire_module.Problem(
        "$.k0", 'key "k0" appears more than once in this object: give each key once'
    )
    assert len(caught.value.problems) == MAX_LISTED_PROBLEMS + 1


def test_show_if_against_many_options_lists_a_few_of_them() -> None:
    options = [{"value": f"o{n}", "label": f"O{n}", "score": 1} for n in range(5_000)]
    data = questionnaire_dict()
    data["themes"][0]["questions"][0]["options"] = options
    data["themes"][0]["questions"][1]["show_if"] = {
        "question": "seen-alone",
        "in": [f"x{n}" for n in range(5_000)],
    }
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    assert caught.value.total == 5_000
    first = caught.value.problems[0]
    assert first.path == "$.themes[0].questions[1].show_if.in[0]"
    listed = ", ".join(f'"o{n}"' for n in range(10))
    assert first.message == (
        f'"x0" is not an option of "seen-alone" (its options are {listed} and 4,990 more)'
    )


def test_a_valid_questionnaire_is_unchanged_by_the_checks() -> None:
    data = questionnaire_dict()
    assert validate_questionnaire(data) == Questionnaire.model_validate(upgrade(data))
