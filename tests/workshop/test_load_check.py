"""Loading questionnaire files is a check that writes nothing, then the writes: a refused load
stores nothing, and its message counts the new versions met earlier in the same files."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from audit_app.db import session_scope
from audit_app.models import AuditEvent, QuestionnaireVersion
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from audit_app.services.questionnaires import LoadRefused, QuestionnaireFile
from tests.builders import load_small_questionnaire, questionnaire_dict
from tests.workshop.conftest import count, version_rows


def _file(source: str, **overrides: object) -> QuestionnaireFile:
    return questionnaire_service.parse_file(source, json.dumps(questionnaire_dict(**overrides)))


def test_the_check_plans_each_version_once_and_writes_nothing(app: Flask) -> None:
    load_small_questionnaire(app)  # test-audit version 1
    files = [_file("one.json"), _file("two.json", version=2), _file("again.json", version=2)]
    with session_scope(app) as session:
        plan = questionnaire_service.check_load(files, session=session)
        assert [(entry.file.source, entry.new) for entry in plan] == [
            ("one.json", False),
            ("two.json", True),
        ]
    assert [row.version for row in version_rows(app, "test-audit")] == [1]
    assert count(app, AuditEvent, AuditEvent.action == "questionnaire.loaded") == 1


def test_a_changed_version_is_told_the_number_after_the_new_ones_before_it(app: Flask) -> None:
    load_small_questionnaire(app)  # test-audit version 1
    files = [_file("three.json", version=3), _file("changed.json", title="Another title")]
    with session_scope(app) as session, pytest.raises(LoadRefused) as refused:
        questionnaire_service.load(files, session=session, loaded_by=Actor.system("test"))
    [problem] = refused.value.problems
    assert (problem.source, problem.path) == ("changed.json", "$.version")
    assert 'set "version" to 4 to load this as a new version' in problem.message
    assert count(app, QuestionnaireVersion) == 1
    assert count(app, AuditEvent, AuditEvent.action == "questionnaire.loaded") == 1
