"""Completing an audit with the test client: start, save themes, judge, submit."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import col, select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import (
    Answer,
    Audit,
    AuditEvent,
    AuditResult,
    ComplianceResult,
    SafeguardingConcern,
    ThemeResult,
)
from tests.builders import make_case, start
from tests.journey.conftest import audit_version


def _answers(app: Flask, audit_id: int) -> dict[str, str]:
    with session_scope(app) as session:
        rows = session.exec(select(Answer).where(Answer.audit_id == audit_id))
        return {a.question_id: a.value for a in rows}


def _save(client: FlaskClient, app: Flask, audit_id: int, theme: str, **data: str) -> TestResponse:
    data.setdefault("version", str(audit_version(app, audit_id)))
    return client.post(f"/audits/{audit_id}/themes/{theme}", data=data)


def test_start_needs_a_known_case_and_says_so(journey: Flask, client: FlaskClient) -> None:
    response = client.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": "999999"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is no case with ID 999999" in html
    assert 'href="#case_id"' in html


def test_start_needs_a_questionnaire_and_a_case_id(journey: Flask, client: FlaskClient) -> None:
    html = client.post("/audits/new", data={}).get_data(as_text=True)
    assert "Select the questionnaire to use" in html
    assert "Enter the case ID" in html


def test_starting_twice_returns_to_the_same_draft(journey: Flask, client: FlaskClient) -> None:
    assert start(client) == start(client)


def test_the_task_list_shows_every_theme_not_started(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    html = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "The child&#39;s voice" in html and "Planning" in html
    assert html.count("Not started") >= 2


def test_saving_a_theme_stores_answers_and_moves_on(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    response = _save(client, journey, audit_id, "voice", **{"seen-alone": "partly"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/audits/{audit_id}/themes/planning")
    assert _answers(journey, audit_id) == {"seen-alone": "partly"}
    html = client.get(f"/audits/{audit_id}/themes/voice").get_data(as_text=True)
    assert (
        'Suggested grade for this theme: <strong id="suggested-grade">Requires improvement</strong>'
        " (50.0%)" in html
    )
    assert "Answers that pulled the score down" in html


def test_an_invalid_date_is_refused_and_nothing_is_saved(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = _save(
        client, journey, audit_id, "planning", **{"plan-smart": "yes", "last-visit": "31/2/2026"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Date of the last visit: enter a real date, for example 27/3/2026" in html
    assert 'href="#last-visit"' in html
    assert _answers(journey, audit_id) == {}


def test_uk_dates_are_stored_as_iso_dates(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    _save(client, journey, audit_id, "planning", **{"last-visit": "7/3/2026"})
    assert _answers(journey, audit_id) == {"last-visit": "2026-03-07"}


def test_answers_to_hidden_questions_are_dropped(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    _save(
        client,
        journey,
        audit_id,
        "planning",
        **{"child-status": "cic", "permanence-plan": "no", "plan-smart": "yes"},
    )
    assert _answers(journey, audit_id)["permanence-plan"] == "no"
    _save(client, journey, audit_id, "planning", **{"child-status": "cin", "permanence-plan": "no"})
    assert "permanence-plan" not in _answers(journey, audit_id)


def test_a_newly_applicable_question_keeps_the_page_open(
    journey: Flask, client: FlaskClient
) -> None:
    """Without JavaScript the server decides what is shown: new questions are asked at once."""
    audit_id = start(client)
    response = _save(client, journey, audit_id, "planning", **{"child-status": "cic"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "more questions apply" in html
    permanence = html.index("Is there a permanence plan")
    block_start = html.rindex('<div class="app-show-if"', 0, permanence)
    assert "hidden" not in html[block_start:permanence].split(">")[0]


def test_a_hidden_question_is_in_the_page_but_hidden(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    html = client.get(f"/audits/{audit_id}/themes/planning").get_data(as_text=True)
    permanence = html.index("Is there a permanence plan")
    block_start = html.rindex('<div class="app-show-if"', 0, permanence)
    assert " hidden>" in html[block_start:permanence]


def test_a_save_from_a_stale_page_is_refused_and_keeps_the_newer_answers(
    journey: Flask,
    client: FlaskClient,
) -> None:
    audit_id = start(client)
    old_version = str(audit_version(journey, audit_id))
    _save(client, journey, audit_id, "voice", version=old_version, **{"seen-alone": "yes"})
    response = _save(
        client, journey, audit_id, "voice", version=old_version, **{"seen-alone": "no"}
    )
    assert response.status_code == 409
    assert "changed in another tab or by someone else" in response.get_data(as_text=True)
    assert _answers(journey, audit_id) == {"seen-alone": "yes"}


def test_a_judgement_that_differs_needs_an_analysis(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    response = _save(
        client, journey, audit_id, "voice", **{"seen-alone": "yes", "judgement": "Good"}
    )
    assert response.status_code == 400
    assert "required when your grade differs" in response.get_data(as_text=True)
    assert _answers(journey, audit_id) == {}
    response = _save(
        client,
        journey,
        audit_id,
        "voice",
        **{"seen-alone": "yes", "judgement": "Good", "analysis": "Seen alone once only."},
    )
    assert response.status_code == 302


def _complete(client: FlaskClient, app: Flask, audit_id: int) -> None:
    _save(
        client,
        app,
        audit_id,
        "voice",
        **{"seen-alone": "yes", "voice-comment": "Clear voice.", "judgement": "Outstanding"},
    )
    _save(
        client,
        app,
        audit_id,
        "planning",
        **{
            "child-status": "cic",
            "permanence-plan": "not-applicable",
            "plan-smart": "partly",
            "judgement": "Requires improvement",
        },
    )
    version = str(audit_version(app, audit_id))
    response = client.post(
        f"/audits/{audit_id}/judgement",
        data={"version": version, "judgement": "Good", "analysis": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_submit_lists_what_is_missing_with_links(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    _save(client, journey, audit_id, "planning", **{"child-status": "cic"})
    version = str(audit_version(journey, audit_id))
    response = client.post(f"/audits/{audit_id}/check", data={"version": version})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "You cannot submit this audit yet" in html
    assert f'href="/audits/{audit_id}/themes/voice#seen-alone"' in html
    assert f'href="/audits/{audit_id}/themes/planning#permanence-plan"' in html
    assert "Record your overall judgement" in html
    with session_scope(journey) as session:
        assert session.get(Audit, audit_id).status == "draft"  # type: ignore[union-attr]


def test_submitting_stores_results_and_locks_the_answers(
    journey: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    _complete(client, journey, audit_id)
    version = str(audit_version(journey, audit_id))
    html = client.get(f"/audits/{audit_id}/check").get_data(as_text=True)
    assert "Check your answers before submitting the audit" in html

    response = client.post(f"/audits/{audit_id}/check", data={"version": version})

    assert response.status_code == 302
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Audit submitted" in confirmation and "Good" in confirmation
    with session_scope(journey) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None and audit.status == "submitted" and audit.submitted_at
        result = session.get(AuditResult, audit_id)
        themes = {
            t.theme_id: t
            for t in session.exec(select(ThemeResult).where(ThemeResult.audit_id == audit_id))
        }
        compliance = list(
            session.exec(select(ComplianceResult).where(ComplianceResult.audit_id == audit_id))
        )
    # voice: 2/2 = 100 (Outstanding); planning: plan-smart partly 1/2 = 50 (RI);
    # overall mean of 100 and 50 = 75 -> Good.
    assert result is not None
    assert (result.percent, result.grade_computed, result.grade_judged) == (
        Decimal("75.000000"),
        "Good",
        "Good",
    )
    assert themes["voice"].grade_computed == "Outstanding"
    assert themes["planning"].percent_rounded == Decimal("50.0")
    assert themes["planning"].grade_judged == "Requires improvement"
    assert [(c.measure, c.compliant) for c in compliance] == [("Child seen alone", True)]

    refused = _save(client, journey, audit_id, "voice", **{"seen-alone": "no"})
    assert refused.status_code == 302
    assert _answers(journey, audit_id)["seen-alone"] == "yes"


def test_every_change_is_in_the_history(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    _complete(client, journey, audit_id)
    client.post(
        f"/audits/{audit_id}/check", data={"version": str(audit_version(journey, audit_id))}
    )
    with session_scope(journey) as session:
        actions = list(
            session.exec(
                select(AuditEvent.action)
                .where(AuditEvent.audit_id == audit_id)
                .order_by(col(AuditEvent.id))
            )
        )
    assert actions == [
        "audit.created",
        "audit.saved",
        "audit.saved",
        "audit.judged",
        "audit.submitted",
    ]
    html = client.get(f"/audits/{audit_id}/history").get_data(as_text=True)
    assert "Was the child seen alone?: Not answered → Yes, evidenced" in html
    assert "Audit submitted" in html


def test_a_safeguarding_concern_is_stored_and_shown(journey: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    empty = client.post(f"/audits/{audit_id}/concern", data={"description": " "})
    assert empty.status_code == 400
    response = client.post(
        f"/audits/{audit_id}/concern",
        data={"description": "No visit for 9 weeks on a child protection plan."},
    )
    assert response.status_code == 302
    html = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "Safeguarding concern" in html and "No visit for 9 weeks" in html
    with session_scope(journey) as session:
        concerns = list(session.exec(select(SafeguardingConcern)))
    assert len(concerns) == 1 and concerns[0].acknowledged_at is None


def test_another_auditor_gets_404_for_someone_elses_audit(
    journey: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
) -> None:
    audit_id = start(client)
    make_case(journey, "200100")
    client.post("/sign-out")
    sign_in(make_user("auditor2", "auditor"))
    for url in (
        f"/audits/{audit_id}",
        f"/audits/{audit_id}/themes/voice",
        f"/audits/{audit_id}/judgement",
        f"/audits/{audit_id}/check",
        f"/audits/{audit_id}/history",
        f"/audits/{audit_id}/concern",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/audits/{audit_id}/themes/voice", data={"version": "1"}).status_code == (
        404
    )
