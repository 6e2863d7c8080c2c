"""Format 1 read as format 2: ``upgrade``, the layout-keeping ``upgrade_text``, the content hash
that does not move, and the messages for keys of the other format."""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from audit_app.core.questionnaire import (
    Questionnaire,
    Questionnaire1,
    QuestionnaireInvalid,
    parse_questionnaire,
    upgrade,
    validate_questionnaire,
)
from audit_app.core.upgrade import AlreadyFormat2, upgrade_text
from audit_app.services.questionnaires import content_sha256
from tests.builders import questionnaire_dict

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [p for p in (ROOT / "questionnaires").glob("*.json") if p.name != "schema.json"]
FORMAT_1_FILES = sorted(
    [
        *(p for p in SHIPPED if json.loads(p.read_text("utf-8"))["format"] == "case-audit/1"),
        ROOT / "tests" / "golden" / "format1" / "every-feature.json",
    ]
)


def _problems(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(QuestionnaireInvalid) as caught:
        validate_questionnaire(data)
    return [(p.path, p.message) for p in caught.value.problems]


def _format_1_hash(text: str) -> str:
    """The content hash as the service computed it before format 2 existed."""
    model = Questionnaire1.model_validate(json.loads(text))
    content = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("path", FORMAT_1_FILES, ids=lambda p: p.name)
def test_upgrading_changes_only_the_format_line_and_each_themes_questions_key(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert json.loads(text)["format"] == "case-audit/1"
    upgraded = upgrade_text(text)
    changed = [
        line
        for line in difflib.unified_diff(text.splitlines(), upgraded.splitlines(), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    themes = len(json.loads(text)["themes"])
    removed = [line[1:] for line in changed if line.startswith("-")]
    added = [line[1:] for line in changed if line.startswith("+")]
    assert [line.strip() for line in removed] == [
        '"format": "case-audit/1",',
        *['"questions": ['] * themes,
    ]
    assert added == [line.replace("case-audit/1", "case-audit/2") for line in removed[:1]] + [
        line.replace('"questions"', '"items"') for line in removed[1:]
    ]
    assert json.loads(upgraded) == upgrade(json.loads(text))


@pytest.mark.parametrize("path", FORMAT_1_FILES, ids=lambda p: p.name)
def test_a_format_1_file_and_its_upgrade_are_one_questionnaire_with_the_hash_it_always_had(
    path: Path,
) -> None:
    text = path.read_text(encoding="utf-8")
    read = parse_questionnaire(text)
    upgraded = parse_questionnaire(upgrade_text(text))
    assert isinstance(read, Questionnaire) and read.format == "case-audit/2"
    assert read == upgraded
    assert [q.id for q in read.questions.values()] == [
        q["id"] for t in json.loads(text)["themes"] for q in t["questions"]
    ]
    assert content_sha256(read) == content_sha256(upgraded) == _format_1_hash(text)


def test_only_the_top_level_format_and_the_themes_questions_keys_change() -> None:
    """A "questions" key or value anywhere else, escapes and odd spacing stay as written."""
    data = questionnaire_dict()
    data["description"] = 'Keys such as "questions": [ and "format": "case-audit/1" in text'
    data["themes"][0]["questions"][0]["options"][0]["label"] = "questions"
    data["themes"][0]["questions"][0]["help"] = "caf\u00e9 \u2014 \\ / \t"
    text = json.dumps(data, indent=4, ensure_ascii=True).replace(
        '"questions": [', '"questions"  :\n   ['
    )
    upgraded = upgrade_text(text)
    expected = text.replace('"format": "case-audit/1"', '"format": "case-audit/2"', 1)
    expected = expected.replace('"questions"  :\n   [', '"items"  :\n   [')
    assert upgraded == expected
    assert '"questions"' in upgraded  # the option's label, still there


def test_upgrading_a_format_2_file_says_there_is_nothing_to_do() -> None:
    text = upgrade_text(json.dumps(questionnaire_dict()))
    with pytest.raises(AlreadyFormat2, match="already case-audit/2"):
        upgrade_text(text)


def test_upgrading_an_invalid_file_lists_its_problems_and_writes_nothing() -> None:
    data = questionnaire_dict()
    data["themes"][1]["questions"][0]["wieght"] = 2
    with pytest.raises(QuestionnaireInvalid) as caught:
        upgrade_text(json.dumps(data))
    assert [str(p) for p in caught.value.problems] == [
        '$.themes[1].questions[0].wieght: unknown key "wieght" (did you mean "weight"?)'
    ]


def test_a_format_2_key_in_a_format_1_file_says_to_upgrade() -> None:
    data = questionnaire_dict()
    data["themes"][0]["items"] = []
    assert _problems(data) == [
        (
            "$.themes[0].items",
            '"items" is only in case-audit/2, and this file is case-audit/1: run '
            "`flask --app wsgi questionnaires upgrade FILE` to turn the file into "
            "case-audit/2, then add it",
        )
    ]


def test_questions_in_a_format_2_file_is_named_items() -> None:
    data = upgrade(questionnaire_dict())
    data["themes"][1]["questions"] = data["themes"][1].pop("items")
    assert _problems(data) == [
        (
            "$.themes[1].questions",
            'unknown key "questions": in case-audit/2 this list is "items" '
            '("questions" is its name in case-audit/1)',
        ),
        ("$.themes[1].items", "is required"),
    ]


def test_a_file_without_a_format_is_told_only_that() -> None:
    for data in (questionnaire_dict(), upgrade(questionnaire_dict())):
        del data["format"]
        assert _problems(data) == [("$.format", "is required")]


def test_format_2_problems_are_at_the_files_own_paths() -> None:
    data = upgrade(questionnaire_dict())
    data["themes"][0]["items"][0]["options"][2]["score"] = -1
    assert _problems(data) == [("$.themes[0].items[0].options[2].score", "must be >= 0 or null")]
    data = upgrade(questionnaire_dict())
    data["themes"][1]["items"][0]["show_if"] = {"question": "nowhere", "in": ["yes"]}
    assert _problems(data) == [
        (
            "$.themes[1].items[0].show_if.question",
            'show_if names "nowhere", which is not a question in this questionnaire',
        )
    ]
