"""`flask questionnaires convert`: a workbook becomes a questionnaire's JSON and back."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskCliRunner

from audit_app.core.questionnaire import upgrade
from audit_app.core.workbook import to_workbook
from audit_app.services.questionnaire_workbooks import write_xlsx
from tests.builders import questionnaire_dict, write_questionnaire
from tests.workbook.samples import every_feature


def _workbook(folder: Path, name: str = "audit.xlsx", **change: object) -> Path:
    sheets = to_workbook(every_feature())
    for (sheet, row, column), value in change.items():  # type: ignore[misc]
        sheets[sheet][row - 1][sheets[sheet][0].index(column)] = value
    path = folder / name
    path.write_bytes(write_xlsx(sheets))
    return path


def test_a_json_file_becomes_a_workbook_and_back(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    made = runner.invoke(args=["questionnaires", "convert", str(path), "--to", "xlsx"])
    assert made.exit_code == 0, made.output
    assert made.output == f"audit.json: written to {tmp_path / 'audit.xlsx'}\n"
    back = runner.invoke(
        args=["questionnaires", "convert", str(tmp_path / "audit.xlsx"), "--output", "-"]
    )
    assert back.exit_code == 0, back.output
    assert json.loads(back.output) == upgrade(questionnaire_dict())


def test_a_workbook_is_written_as_json_beside_it(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = _workbook(tmp_path)
    result = runner.invoke(args=["questionnaires", "convert", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "audit.json").read_text("utf-8")) == every_feature()
    loaded = runner.invoke(args=["questionnaires", "validate", str(tmp_path / "audit.json")])
    assert loaded.exit_code == 0, loaded.output


def test_a_broken_workbook_lists_every_problem_and_writes_nothing(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "audit.xlsx"
    sheets = to_workbook(every_feature())
    sheets["settings"][5][1] = "weekly audit"  # kind, row 6 (under the notes row)
    sheets["themes"][2][4] = "maybe"  # limiting
    sheets["questions"][4][15] = "visits >= 2"  # in-care's condition names a later question
    path.write_bytes(write_xlsx(sheets))
    result = runner.invoke(args=["questionnaires", "convert", str(path), "-o", "out.json"])
    assert result.exit_code == 1
    assert result.output == (
        "audit.xlsx: settings, row 6, column value: must be the name of a kind of audit: "
        "at most 16 characters, "
        'lower-case letters, digits and _ only, starting with a letter, e.g. "supervision"\n'
        "audit.xlsx: themes, row 3, column limiting: must be yes or no, or left empty (it is "
        "“maybe”)\n"
        'audit.xlsx: questions, row 5, column condition: condition names "visits", which comes '
        "later (at questions, row 8): it may only name an earlier question\n"
        "3 problem(s) found. Nothing was written.\n"
    )
    assert not Path("out.json").exists()
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob(".audit*"))


def test_a_broken_json_file_is_not_made_a_workbook(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict(version=0))
    result = runner.invoke(args=["questionnaires", "convert", str(path)])
    assert result.exit_code == 1
    assert "audit.json: $.version: must be >= 1" in result.output
    assert not (tmp_path / "audit.xlsx").exists()


def test_a_file_that_is_not_a_workbook_says_so(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "audit.xlsx"
    path.write_bytes(b"not a workbook")
    result = runner.invoke(args=["questionnaires", "convert", str(path)])
    assert result.exit_code == 1
    assert "audit.xlsx: workbook: cannot be read: save it as an Excel workbook (.xlsx)" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_a_workbook_cannot_go_to_the_screen(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    result = runner.invoke(args=["questionnaires", "convert", str(path), "--output", "-"])
    assert result.exit_code == 1
    assert "a workbook cannot be shown on the screen" in result.output
