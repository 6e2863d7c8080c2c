"""A format 2 questionnaire names any declared kind of audit; one naming an undeclared kind is
refused when loaded, naming the kind and the declared ones; format 1 keeps its two kinds."""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import select

from audit_app.core.questionnaire import QuestionnaireInvalid, parse_questionnaire, upgrade
from audit_app.db import session_scope
from audit_app.models import QuestionnaireVersion
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.actor import Actor
from audit_app.services.kinds import DEFAULT_KINDS, declare_kind
from tests.builders import questionnaire_dict, write_questionnaire

DECLARED = ", ".join(f'"{name}"' for name in sorted(name for name, _ in DEFAULT_KINDS))


def format_2(**overrides: Any) -> dict[str, Any]:
    return {**upgrade(questionnaire_dict()), **overrides}


def stored_kinds(app: Flask) -> dict[str, str]:
    with session_scope(app) as session:
        rows = session.exec(select(QuestionnaireVersion)).all()
        return {row.questionnaire_id: row.kind for row in rows}


def test_a_format_2_questionnaire_may_name_any_declared_kind(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_questionnaire(tmp_path, "sup.json", format_2(id="sup", kind="supervision"))
    result = runner.invoke(args=["questionnaires", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert stored_kinds(app) == {"sup": "supervision"}


def test_an_undeclared_kind_is_refused_naming_it_and_the_declared_ones(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = write_questionnaire(tmp_path, "peer.json", format_2(id="peer", kind="peer_review"))
    result = runner.invoke(args=["questionnaires", "load", str(path)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'peer.json: $.kind: "peer_review" is not a kind of audit declared here; an admin '
        f"declares kinds in Admin > Kinds of audit. The declared kinds are: {DECLARED}",
        "Nothing was loaded.",
    ]
    assert stored_kinds(app) == {}


def test_once_declared_the_kind_loads(app: Flask) -> None:
    file = questionnaire_service.parse_file("peer.json", json.dumps(format_2(kind="peer_review")))
    with app.app_context(), session_scope(app) as session:
        with pytest.raises(questionnaire_service.LoadRefused):
            questionnaire_service.check_load([file], session=session)
    with app.app_context(), session_scope(app) as session:
        declare_kind("peer_review", "Peer review", session=session, actor=Actor.system("test"))
    with app.app_context(), session_scope(app) as session:
        questionnaire_service.load([file], session=session, loaded_by=Actor.system("test"))
    assert stored_kinds(app) == {"test-audit": "peer_review"}


@pytest.mark.parametrize(
    "kind", ["Supervision", "dip-sample", "1st_visit", "a_kind_much_too_long", ""]
)
def test_a_kind_not_shaped_like_a_name_is_refused_by_the_format(kind: str) -> None:
    with pytest.raises(QuestionnaireInvalid) as refused:
        parse_questionnaire(json.dumps(format_2(kind=kind)))
    [problem] = refused.value.problems
    assert problem.path == "$.kind"
    assert problem.message.startswith("must be the name of a kind of audit: at most 16")


def test_format_1_keeps_its_two_kinds() -> None:
    with pytest.raises(QuestionnaireInvalid) as refused:
        parse_questionnaire(json.dumps(questionnaire_dict(kind="supervision")))
    [problem] = refused.value.problems
    assert (problem.path, problem.message) == ("$.kind", 'must be one of "monthly", "deep_dive"')
    for kind in ("monthly", "deep_dive"):
        assert parse_questionnaire(json.dumps(questionnaire_dict(kind=kind))).kind == kind


def test_the_questionnaires_area_refuses_an_undeclared_kind_and_stores_nothing(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    raw = json.dumps(format_2(id="peer", kind="peer_review")).encode("utf-8")
    response = admin_signed_in.post(
        "/questionnaires/upload",
        data={"questionnaire_file": (io.BytesIO(raw), "peer.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert '$.kind: "peer_review" is not a kind of audit declared here' in page
    assert f"The declared kinds are: {DECLARED}" in page
    assert stored_kinds(app) == {}
