"""`flask questionnaires upgrade FILE`: a format 1 file becomes format 2 and means the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner

from tests.builders import questionnaire_dict, write_questionnaire

SHIPPED = Path(__file__).resolve().parents[2] / "questionnaires"


def test_upgrade_rewrites_the_file_in_place(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    result = runner.invoke(args=["questionnaires", "upgrade", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == f"audit.json: upgraded to case-audit/2, written to {path}\n"
    data = json.loads(path.read_text("utf-8"))
    assert data["format"] == "case-audit/2"
    assert all("items" in theme and "questions" not in theme for theme in data["themes"])
    assert not list(tmp_path.glob(".audit.json*"))  # no temporary file left

    again = runner.invoke(args=["questionnaires", "upgrade", str(path)])
    assert again.exit_code == 0
    assert again.output == (
        "audit.json: the file is already case-audit/2: there is nothing to upgrade\n"
    )


def test_upgrade_can_write_elsewhere_or_to_the_screen(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    before = path.read_bytes()
    shown = runner.invoke(args=["questionnaires", "upgrade", str(path), "--output", "-"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["format"] == "case-audit/2"
    target = tmp_path / "audit-v2.json"
    written = runner.invoke(args=["questionnaires", "upgrade", str(path), "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_text("utf-8") == shown.output
    assert path.read_bytes() == before


def test_an_invalid_file_is_left_as_it_was(runner: FlaskCliRunner, tmp_path: Path) -> None:
    data = questionnaire_dict()
    data["themes"][0]["questions"][0]["wieght"] = 2
    path = write_questionnaire(tmp_path, "audit.json", data)
    before = path.read_bytes()
    result = runner.invoke(args=["questionnaires", "upgrade", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        'audit.json: $.themes[0].questions[0].wieght: unknown key "wieght" '
        '(did you mean "weight"?)\naudit.json was not changed.\n'
    )
    assert path.read_bytes() == before


def test_an_upgraded_shipped_file_loads_as_the_version_already_loaded(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    loaded = runner.invoke(args=["questionnaires", "load"])
    assert loaded.exit_code == 0, loaded.output
    copies = []
    for path in sorted(SHIPPED.glob("*.json")):
        if path.name != "schema.json":
            copy = Path(shutil.copy(path, tmp_path / path.name))
            assert runner.invoke(args=["questionnaires", "upgrade", str(copy)]).exit_code == 0
            copies.append(str(copy))
    again = runner.invoke(args=["questionnaires", "load", *copies])
    assert again.exit_code == 0, again.output
    assert again.output.count("unchanged: ") == len(copies) > 0
