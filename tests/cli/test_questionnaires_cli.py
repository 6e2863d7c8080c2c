"""`flask questionnaires validate|load|list|retire|reinstate`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import func, select

from audit_app.db import session_scope
from audit_app.models import AuditEvent, QuestionnaireVersion
from tests.builders import questionnaire_dict, write_questionnaire

# Questionnaire files by name: a dict written as JSON, or text written as it is.
Files = dict[str, dict[str, Any] | str]
LoadFiles = Callable[[Files], Result]

SHIPPED = sorted(
    p.name
    for p in (Path(__file__).resolve().parents[2] / "questionnaires").glob("*.json")
    if p.name != "schema.json"
)


@pytest.fixture
def load_files(runner: FlaskCliRunner, tmp_path: Path) -> Callable[[Files], Result]:
    """``load_files({name: questionnaire, ...})``: write the files, then load them with
    ``flask questionnaires load`` in that order."""

    def load(files: Files) -> Result:
        paths = [str(write_questionnaire(tmp_path, name, data)) for name, data in files.items()]
        return runner.invoke(args=["questionnaires", "load", *paths])

    return load


def _stored(app: Flask) -> list[tuple[str, int]]:
    with session_scope(app) as session:
        rows = session.exec(
            select(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version).order_by(
                QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version
            )
        )
        return [tuple(row) for row in rows]


def test_validate_accepts_good_files(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_questionnaire(tmp_path, "good.json", questionnaire_dict())
    result = runner.invoke(args=["questionnaires", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "good.json: ok (test-audit version 1, 3 questions)" in result.output


def test_validate_lists_every_problem_with_file_and_json_path(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    data = questionnaire_dict()
    data["themes"][0]["questions"][0]["options"][2]["score"] = -1
    data["themes"][1]["questions"][0]["wieght"] = 2
    bad = write_questionnaire(tmp_path, "deep-dive.json", data)
    broken = write_questionnaire(tmp_path, "broken.json", '{"format": "case-audit/1",\n  "id": }')
    result = runner.invoke(args=["questionnaires", "validate", str(bad), str(broken)])
    assert result.exit_code == 1
    assert "deep-dive.json: $.themes[0].questions[0].options[2].score: must be >= 0 or null" in (
        result.output
    )
    assert "deep-dive.json: $.themes[1].questions[0].wieght: unknown key" in result.output
    assert "broken.json: $: " in result.output and "line 2, column 9" in result.output


def test_load_by_default_loads_every_shipped_questionnaire(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert len(SHIPPED) >= 4
    result = runner.invoke(args=["questionnaires", "load"])
    assert result.exit_code == 0, result.output
    assert result.output.count("loaded: ") == len(SHIPPED)
    assert len(_stored(app)) == len(SHIPPED)


def test_loading_the_same_content_again_is_a_no_op(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["questionnaires", "load"])
    result = runner.invoke(args=["questionnaires", "load"])
    assert result.exit_code == 0, result.output
    assert result.output.count("unchanged: ") == len(SHIPPED)
    assert len(_stored(app)) == len(SHIPPED)
    with session_scope(app) as session:
        loads = session.exec(
            select(func.count()).where(AuditEvent.action == "questionnaire.loaded")
        ).one()
    assert loads == len(SHIPPED)


def test_changed_content_under_a_loaded_version_is_refused(
    app: Flask, load_files: LoadFiles
) -> None:
    assert load_files({"audit.json": questionnaire_dict()}).exit_code == 0

    result = load_files(
        {
            "audit.json": questionnaire_dict(title="Renamed"),
            "other.json": questionnaire_dict(id="other-audit"),
        }
    )

    assert result.exit_code == 1
    assert (
        "audit.json: $.version: test-audit version 1 is already loaded with different content; "
        'a loaded version never changes, so set "version" to 2 to load this as a new version'
    ) in result.output
    assert "Nothing was loaded." in result.output
    assert _stored(app) == [("test-audit", 1)]


def test_a_bad_file_among_good_ones_loads_nothing(app: Flask, load_files: LoadFiles) -> None:
    bad = questionnaire_dict(id="bad-audit")
    bad["grading"]["bands"].reverse()

    result = load_files(
        {
            "good.json": questionnaire_dict(),
            "bad.json": bad,
            "z.json": questionnaire_dict(id="another"),
        }
    )

    assert result.exit_code == 1
    assert "bad.json: $.grading.bands" in result.output
    assert _stored(app) == []


def test_two_files_with_one_version_and_different_content_load_nothing(
    app: Flask, load_files: LoadFiles
) -> None:
    result = load_files(
        {"a.json": questionnaire_dict(), "b.json": questionnaire_dict(title="Different")}
    )
    assert result.exit_code == 1
    assert "b.json: $.version: test-audit version 1 is also in a.json" in result.output
    assert _stored(app) == []


def test_new_versions_load_beside_old_ones_and_list_shows_them(
    app: Flask, runner: FlaskCliRunner, load_files: LoadFiles
) -> None:
    v2 = questionnaire_dict(version=2, title="Test v2")
    assert load_files({"v1.json": questionnaire_dict(), "v2.json": v2}).exit_code == 0

    listing = runner.invoke(args=["questionnaires", "list"]).output

    assert _stored(app) == [("test-audit", 1), ("test-audit", 2)]
    lines = [line.split() for line in listing.splitlines()[1:]]
    assert [line[:4] for line in lines] == [
        ["test-audit", "1", "monthly", "no"],
        ["test-audit", "2", "monthly", "no"],
    ]


@pytest.mark.usefixtures("admin_signed_in")
def test_retire_hides_an_id_and_reinstate_brings_it_back(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, load_files: LoadFiles
) -> None:
    load_files({"audit.json": questionnaire_dict()})
    assert "Test audit" in client.get("/").get_data(as_text=True)

    result = runner.invoke(args=["questionnaires", "retire", "test-audit"])
    assert result.exit_code == 0, result.output
    assert "test-audit 1 monthly yes" in " ".join(
        runner.invoke(args=["questionnaires", "list"]).output.split()
    )
    assert "Test audit" not in client.get("/").get_data(as_text=True)

    assert runner.invoke(args=["questionnaires", "reinstate", "test-audit"]).exit_code == 0
    assert "Test audit" in client.get("/").get_data(as_text=True)


def test_retiring_an_unknown_id_says_so(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["questionnaires", "retire", "no-such-audit"])
    assert result.exit_code == 1
    assert "no questionnaire no-such-audit is loaded" in result.output


def test_load_reports_an_empty_folder(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    app.config["QUESTIONNAIRE_DIR"] = str(tmp_path)
    result = runner.invoke(args=["questionnaires", "load"])
    assert result.exit_code == 1
    assert "no questionnaire files in" in result.output
