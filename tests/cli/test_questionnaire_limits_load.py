"""`flask questionnaires load` refuses, with a plain message, every name longer than its column,
storing nothing: PostgreSQL would refuse them with a raw database error (or later, when an audit
using the questionnaire is submitted)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.exc import DataError
from sqlmodel import func, select

from audit_app.core.limits import TITLE_MAX_LENGTH
from audit_app.db import session_scope
from audit_app.models import AuditEvent, QuestionnaireVersion
from tests.builders import questionnaire_dict, write_questionnaire


def _stored(app: Flask) -> tuple[int, int]:
    """How many questionnaire versions are stored, and how many loads the trail records."""
    with session_scope(app) as session:
        versions = session.exec(select(func.count()).select_from(QuestionnaireVersion)).one()
        loads = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "questionnaire.loaded")
        ).one()
        return versions, loads


def _is_postgresql(app: Flask) -> bool:
    return str(app.config["DATABASE_URL"]).startswith("postgresql")


def test_a_201_character_title_is_refused_plainly_and_nothing_is_stored(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_questionnaire(tmp_path, "long-title.json", questionnaire_dict(title="T" * 201))
    result = runner.invoke(args=["questionnaires", "load", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path.name}: $.title: is 201 characters long; the most is 200",
        "Nothing was loaded.",
    ]
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    assert _stored(app) == (0, 0)


def _long_names() -> list[tuple[str, dict[str, Any], str]]:
    theme = questionnaire_dict()
    theme["themes"][1]["title"] = "t" * 231
    grade = questionnaire_dict()
    grade["grading"]["bands"][2]["grade"] = "g" * 65
    measure = questionnaire_dict()
    measure["themes"][0]["questions"][0]["compliance"] = "m" * 201
    return [
        ("theme title", theme, "$.themes[1].title: is 231 characters long; the most is 200"),
        ("grade", grade, "$.grading.bands[2].grade: is 65 characters long; the most is 64"),
        (
            "measure",
            measure,
            "$.themes[0].questions[0].compliance: is 201 characters long; the most is 200",
        ),
    ]


@pytest.mark.parametrize(("what", "data", "problem"), _long_names(), ids=lambda v: str(v)[:12])
def test_every_name_longer_than_its_column_is_refused_plainly(
    app: Flask,
    runner: FlaskCliRunner,
    tmp_path: Path,
    what: str,
    data: dict[str, Any],
    problem: str,
) -> None:
    path = write_questionnaire(tmp_path, "long.json", data)
    result = runner.invoke(args=["questionnaires", "load", str(path)])
    assert result.exit_code == 1, what
    assert result.output.splitlines() == [f"{path.name}: {problem}", "Nothing was loaded."]
    assert _stored(app) == (0, 0)


def test_a_title_of_exactly_200_characters_is_stored_whole(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    title = "é" * TITLE_MAX_LENGTH
    path = write_questionnaire(tmp_path, "longest.json", questionnaire_dict(title=title))
    result = runner.invoke(args=["questionnaires", "load", str(path)])
    assert result.exit_code == 0, result.output
    with session_scope(app) as session:
        stored = session.exec(select(QuestionnaireVersion.title)).one()
    assert stored == title
    assert _stored(app) == (1, 1)


def test_a_lone_surrogate_in_a_title_is_refused_plainly_and_nothing_is_stored(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    text = write_questionnaire(tmp_path, "x.json", questionnaire_dict()).read_text("utf-8")
    path = write_questionnaire(
        tmp_path, "surrogate.json", text.replace('"Test audit"', '"Test audit \\ud800"')
    )
    result = runner.invoke(args=["questionnaires", "load", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path.name}: $.title: holds \\ud800, half of a pair of escapes that stands for no "
        "character on its own: write the character itself, or both halves of its pair",
        "Nothing was loaded.",
    ]
    assert _stored(app) == (0, 0)


def test_postgresql_itself_refuses_a_201_character_title(app: Flask) -> None:
    """The limit the validator checks is the column's: without it, loading fails in the database."""
    if not _is_postgresql(app):
        pytest.skip("SQLite does not enforce the length of a column")
    row = QuestionnaireVersion(
        questionnaire_id="too-long",
        version=1,
        title="T" * (TITLE_MAX_LENGTH + 1),
        kind="monthly",
        content="{}",
        content_sha256="0" * 64,
    )
    with pytest.raises(DataError, match="value too long"), session_scope(app) as session:
        session.add(row)
        session.flush()
    assert _stored(app) == (0, 0)
