"""The suggested grade follows the answers on a theme page before they are saved (with script):
the page posts its fields and gets the grade back, and nothing is stored."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import col, select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import AuditEvent
from audit_app.services.questionnaires import current_versions, questionnaire_of
from audit_app.services.suggestion import theme_suggestion
from tests.builders import PASSWORD, journey_questionnaire, load_questionnaire, start
from tests.journey.conftest import audit_version
from tests.journey.test_completing_an_audit import _answers, _complete, _save


def _suggest(client: FlaskClient, audit_id: int, theme: str, **fields: str) -> TestResponse:
    return client.post(f"/audits/{audit_id}/themes/{theme}/suggestion", data=fields)


def _actions(app: Flask, audit_id: int) -> list[str]:
    with session_scope(app) as session:
        return list(
            session.exec(
                select(AuditEvent.action)
                .where(AuditEvent.audit_id == audit_id)
                .order_by(col(AuditEvent.id))
            )
        )


def test_the_suggestion_is_the_grade_of_the_answers_posted(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    version = audit_version(journey, audit_id)

    response = _suggest(client, audit_id, "voice", **{"seen-alone": "partly", "voice-comment": "x"})

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "grade": "Requires improvement",
        "percent": "50.0%",
        "text": "Suggested grade for this theme: Requires improvement (50.0%)",
    }
    # Nothing stored: no answers, no new version, nothing in the audit's history.
    assert _answers(journey, audit_id) == {}
    assert audit_version(journey, audit_id) == version
    assert _actions(journey, audit_id) == ["audit.created"]


def test_the_suggestion_follows_each_change(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    grades = [
        _suggest(client, audit_id, "voice", **{"seen-alone": value}).get_json()["text"]
        for value in ("yes", "partly", "no", "not-applicable", "")
    ]
    assert [text.removeprefix("Suggested grade for this theme: ") for text in grades] == [
        "Outstanding (100.0%)",
        "Requires improvement (50.0%)",
        "Inadequate (0.0%)",
        "Not graded",
        "Not graded",
    ]


def test_no_scored_answer_is_not_graded(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    for fields in ({}, {"seen-alone": "perhaps"}, {"voice-comment": "Seen at school."}):
        assert _suggest(client, audit_id, "voice", **fields).get_json() == {
            "grade": "Not graded",
            "percent": "",
            "text": "Suggested grade for this theme: Not graded",
        }


def test_answers_that_others_hide_do_not_count(journey: Flask, client: FlaskClient) -> None:
    """The permanence plan counts for a child in care only, as when the theme is saved."""
    audit_id = start(client)
    answers = {"permanence-plan": "no", "plan-smart": "yes", "last-visit": "3/11/2026"}
    in_care = _suggest(client, audit_id, "planning", **{"child-status": "cic", **answers})
    in_need = _suggest(client, audit_id, "planning", **{"child-status": "cin", **answers})
    # In care: (0 x 1 + 2 x 2) / (2 x 1 + 2 x 2) = 4/6; in need: plan-smart alone, 2/2.
    assert (in_care.get_json()["grade"], in_care.get_json()["percent"]) == ("Good", "66.7%")
    assert (in_need.get_json()["grade"], in_need.get_json()["percent"]) == ("Outstanding", "100.0%")


def test_the_answers_typed_replace_the_saved_ones_of_that_theme_only(
    journey: Flask,
    client: FlaskClient,
) -> None:
    audit_id = start(client)
    _save(client, journey, audit_id, "voice", **{"seen-alone": "yes"})
    _save(client, journey, audit_id, "planning", **{"child-status": "cin", "plan-smart": "yes"})

    # A blank field is an answer taken away, as saving it would be.
    assert _suggest(client, audit_id, "voice").get_json()["grade"] == "Not graded"
    assert _suggest(client, audit_id, "voice", **{"seen-alone": "no"}).get_json()["grade"] == (
        "Inadequate"
    )
    planning = _suggest(client, audit_id, "planning", **{"child-status": "cin", "plan-smart": "no"})
    assert planning.get_json()["grade"] == "Inadequate"
    assert _answers(journey, audit_id) == {
        "seen-alone": "yes",
        "child-status": "cin",
        "plan-smart": "yes",
    }


def test_the_scores_agree_with_saving(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    fields = {"child-status": "cic", "permanence-plan": "partly", "plan-smart": "partly"}
    suggested = _suggest(client, audit_id, "planning", **fields).get_json()
    _save(client, journey, audit_id, "planning", **fields)
    page = client.get(f"/audits/{audit_id}/themes/planning").get_data(as_text=True)
    assert suggested["text"] == "Suggested grade for this theme: Requires improvement (50.0%)"
    shown = re.sub(r"<[^>]+>", "", page)  # the page's words, whatever marks the grade
    assert suggested["text"] in shown


def test_the_service_scores_without_the_database(journey: Flask) -> None:
    from audit_app.db import session_scope as scope

    with scope(journey) as session:
        row = next(v for v in current_versions(session=session) if v.questionnaire_id)
        questionnaire = questionnaire_of(row)
    suggestion = theme_suggestion(
        questionnaire, {"plan-smart": "no"}, "voice", {"seen-alone": " yes ", "other": "x"}
    )
    assert (suggestion.grade, suggestion.percent) == ("Outstanding", "100.0%")
    with pytest.raises(KeyError):
        theme_suggestion(questionnaire, {}, "no-such-theme", {})


# --- who may ask -----------------------------------------------------------------------------


def test_an_unknown_theme_or_audit_is_not_found(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    assert _suggest(client, audit_id, "no-such-theme").status_code == 404
    assert _suggest(client, audit_id + 1, "voice").status_code == 404


def test_only_post_is_answered(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    assert client.get(f"/audits/{audit_id}/themes/voice/suggestion").status_code == 405


def test_a_submitted_audit_has_no_suggestions(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    _complete(client, journey, audit_id)
    version = str(audit_version(journey, audit_id))
    assert client.post(f"/audits/{audit_id}/check", data={"version": version}).status_code == 302
    assert _suggest(client, audit_id, "voice", **{"seen-alone": "no"}).status_code == 404


def test_another_auditor_or_their_manager_gets_not_found(
    journey: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
) -> None:
    audit_id = start(client)
    make_user("auditor2", "auditor", team="Children in Need 1")
    make_user("manager1", "manager", services=("Child Protection",))
    for username in ("auditor2", "manager1"):
        client.post("/sign-out")
        sign_in(username)
        assert _suggest(client, audit_id, "voice", **{"seen-alone": "no"}).status_code == 404


def test_signed_out_people_are_asked_to_sign_in(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    client.post("/sign-out")
    response = _suggest(client, audit_id, "voice", **{"seen-alone": "no"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert _answers(journey, audit_id) == {}


def test_the_page_says_where_to_ask_and_the_request_needs_its_csrf_token(
    journey: Flask,
    csrf_app: Flask,
) -> None:
    token_of = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    client = csrf_app.test_client()
    token = token_of.search(client.get("/sign-in").get_data(as_text=True))
    assert token is not None
    client.post(
        "/sign-in",
        data={"username": "auditor1", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    page = client.get("/audits/new").get_data(as_text=True)
    token = token_of.search(page)
    assert token is not None
    started = client.post(
        "/audits/new",
        data={"questionnaire": "journey-audit", "case_id": "100824", "csrf_token": token.group(1)},
    )
    audit_id = int(started.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/audits/{audit_id}/themes/voice").get_data(as_text=True)
    url = f"/audits/{audit_id}/themes/voice/suggestion"
    assert f'data-suggestion-url="{url}"' in page
    token = token_of.search(page)
    assert token is not None

    assert client.post(url, data={"seen-alone": "no"}).status_code == 400
    answered = client.post(url, data={"seen-alone": "no", "csrf_token": token.group(1)})
    assert answered.status_code == 200
    assert answered.get_json()["grade"] == "Inadequate"


def test_the_workshop_preview_does_not_ask(
    app: Flask,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
    client: FlaskClient,
) -> None:
    """The preview of a questionnaire shares the theme page's template but stores nothing."""
    load_questionnaire(app, journey_questionnaire())
    sign_in(make_user("admin1", "admin"))
    page = client.get("/questionnaires/journey-audit/versions/1/preview/voice")
    assert page.status_code == 200
    assert "data-suggestion-url" not in page.get_data(as_text=True)
