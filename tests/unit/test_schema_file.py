"""The shipped JSON Schema matches the models, and every shipped questionnaire is valid."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audit_app import schema
from audit_app.core.questionnaire import (
    Questionnaire,
    QuestionnaireInvalid,
    json_schema,
    parse_questionnaire,
)

ROOT = Path(schema.__file__).resolve().parent.parent
QUESTIONNAIRES = ROOT / "questionnaires"
FORMAT_DOC = ROOT / "docs" / "questionnaire-format.md"


def shipped_questionnaires() -> list[Path]:
    """Every questionnaire file that ships, that is every JSON file but the schema."""
    return sorted(p for p in QUESTIONNAIRES.glob("*.json") if p.name != "schema.json")


def test_schema_file_is_up_to_date() -> None:
    assert schema.SCHEMA_PATH == QUESTIONNAIRES / "schema.json"
    assert schema.SCHEMA_PATH.exists(), "questionnaires/schema.json is missing: run `make schema`"
    shipped = schema.SCHEMA_PATH.read_text(encoding="utf-8")
    assert shipped == schema.render(), (
        "questionnaires/schema.json is out of date with the questionnaire models: "
        "run `make schema` (python -m audit_app.schema) and commit the result"
    )
    assert json.loads(shipped) == json_schema()


def test_every_shipped_questionnaire_is_valid() -> None:
    problems = []
    for path in shipped_questionnaires():
        try:
            parse_questionnaire(path.read_bytes())
        except QuestionnaireInvalid as invalid:
            problems.extend(f"{path.name}: {p}" for p in invalid.problems)
    assert not problems, "\n".join(problems)


def test_example_in_the_format_documentation_is_valid() -> None:
    document = FORMAT_DOC.read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)\n```", document, re.DOTALL)
    assert example is not None, "docs/questionnaire-format.md has no JSON example"
    assert isinstance(parse_questionnaire(example.group(1)), Questionnaire)


def test_shipped_questionnaire_ids_are_unique_per_version() -> None:
    seen: dict[tuple[str, int], str] = {}
    for path in shipped_questionnaires():
        try:
            questionnaire = parse_questionnaire(path.read_bytes())
        except QuestionnaireInvalid:
            continue  # reported by test_every_shipped_questionnaire_is_valid
        key = (questionnaire.id, questionnaire.version)
        assert key not in seen, f"{path.name} repeats {key} from {seen[key]}"
        seen[key] = path.name


def test_check_mode_passes_on_a_current_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.json"
    assert schema.main(["--path", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == schema.render()
    assert target.read_text(encoding="utf-8").endswith("}\n")
    assert schema.main(["--check", "--path", str(target)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_check_mode_fails_on_a_stale_or_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.json"
    assert schema.main(["--check", "--path", str(target)]) == 1
    target.write_text("{}\n", encoding="utf-8")
    assert schema.main(["--check", "--path", str(target)]) == 1
    assert "run `make schema`" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "{}\n"


def test_writing_again_leaves_the_file_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "nested" / "schema.json"
    assert schema.main(["--path", str(target)]) == 0
    assert schema.main(["--path", str(target)]) == 0
    assert "unchanged" in capsys.readouterr().out
