"""`flask questionnaires load` publishes what it loads, as deployments always did, unless given
`--draft`; `questionnaires publish` publishes a draft; `list` says which versions are drafts."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import AuditEvent, QuestionnaireVersion
from tests.builders import questionnaire_dict, write_questionnaire


def _drafts(app: Flask) -> list[tuple[int, bool, str]]:
    with session_scope(app) as session:
        rows = session.exec(select(QuestionnaireVersion).order_by(QuestionnaireVersion.version))
        return [(row.version, row.is_draft, row.published_by) for row in rows]


def _actions(app: Flask) -> list[str]:
    with session_scope(app) as session:
        return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_load_publishes_what_it_loads(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    result = runner.invoke(args=["questionnaires", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == "loaded: test-audit version 1 (audit.json)\n"
    [(version, draft, by)] = _drafts(app)
    assert (version, draft) == (1, False) and by


def test_load_with_draft_loads_a_draft_and_list_says_so(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    result = runner.invoke(args=["questionnaires", "load", "--draft", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output == "loaded: test-audit version 1 (audit.json) as a draft\n"
    assert _drafts(app) == [(1, True, "")]
    listing = runner.invoke(args=["questionnaires", "list"]).output.splitlines()
    assert listing[0].split()[:5] == ["id", "version", "kind", "retired", "draft"]
    assert listing[1].split()[:5] == ["test-audit", "1", "monthly", "no", "yes"]


def test_loading_a_drafts_file_again_without_draft_publishes_it(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    runner.invoke(args=["questionnaires", "load", "--draft", str(path)])
    result = runner.invoke(args=["questionnaires", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "published: test-audit version 1 (audit.json)" in result.output
    assert _drafts(app)[0][:2] == (1, False)
    assert _actions(app) == ["questionnaire.loaded", "questionnaire.published"]


def test_a_changed_file_under_a_drafts_version_is_refused_by_the_command(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    first = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    runner.invoke(args=["questionnaires", "load", "--draft", str(first)])
    changed = write_questionnaire(tmp_path, "changed.json", questionnaire_dict(title="Changed"))
    result = runner.invoke(args=["questionnaires", "load", "--draft", str(changed)])
    assert result.exit_code == 1
    assert "is already loaded as a draft with different content" in result.output
    assert "Nothing was loaded." in result.output


def test_publish_publishes_a_draft_once(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    runner.invoke(args=["questionnaires", "load", "--draft", str(path)])
    result = runner.invoke(args=["questionnaires", "publish", "test-audit", "--version", "1"])
    assert result.exit_code == 0, result.output
    assert "Published test-audit version 1." in result.output
    assert _drafts(app)[0][:2] == (1, False)
    again = runner.invoke(args=["questionnaires", "publish", "test-audit", "--version", "1"])
    assert again.exit_code == 1
    assert "test-audit version 1 is published" in again.output
    missing = runner.invoke(args=["questionnaires", "publish", "test-audit", "--version", "2"])
    assert missing.exit_code == 1


def test_retiring_a_draft_by_its_version_says_it_is_a_draft(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_questionnaire(tmp_path, "audit.json", questionnaire_dict())
    runner.invoke(args=["questionnaires", "load", "--draft", str(path)])
    result = runner.invoke(args=["questionnaires", "retire", "test-audit", "--version", "1"])
    assert result.exit_code == 1
    assert "test-audit version 1 is a draft" in result.output
