"""`flask questionnaires validate` counts every problem, also those past the 50 it lists."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.builders import questionnaire_dict, write_questionnaire


def test_the_count_covers_the_problems_not_listed(runner: FlaskCliRunner, tmp_path: Path) -> None:
    data = questionnaire_dict()
    for n in range(70):
        data[f"note-{n:03}"] = n
    bad = write_questionnaire(tmp_path, "noisy.json", data)
    broken = write_questionnaire(tmp_path, "broken.json", '{"format": "case-audit/1",\n  "id": }')
    result = runner.invoke(args=["questionnaires", "validate", str(bad), str(broken)])
    assert result.exit_code == 1
    assert "noisy.json: $: and 20 more problems" in result.output
    assert "71 problem(s) found." in result.output


def test_a_few_problems_are_counted_as_listed(runner: FlaskCliRunner, tmp_path: Path) -> None:
    data = questionnaire_dict()
    data["note"] = "x"
    data["themes"][0]["questions"][0]["wieght"] = 2
    bad = write_questionnaire(tmp_path, "two.json", data)
    result = runner.invoke(args=["questionnaires", "validate", str(bad)])
    assert result.exit_code == 1
    assert "2 problem(s) found." in result.output
