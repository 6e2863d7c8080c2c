"""Blind moderation: the auditor's grades are not in the page until the moderator records theirs."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import POOR, complete_audit, submit_audit
from tests.managers.conftest import audit_row
from tests.steps import moderation_grades, moderation_outcome, start_moderation

RADIO = re.compile(r'<div class="govuk-radios__item">.*?</div>', re.DOTALL)


@pytest.fixture
def blind_audit(managers: Flask) -> int:
    """Blind mode on; an audit judged Requires improvement overall, computed Inadequate."""
    managers.config["MODERATION_BLIND"] = True
    audit_id = complete_audit(managers, "auditor1", answers=POOR, overall="Requires improvement")
    submit_audit(managers, audit_id, "auditor1", rate=1.0)
    return audit_id


def _pages(client: FlaskClient, audit_id: int) -> dict[str, str]:
    return {
        url: client.get(url).get_data(as_text=True)
        for url in (
            "/",
            "/moderation",
            f"/audits/{audit_id}",
            f"/audits/{audit_id}/history",
            f"/moderation/audits/{audit_id}",
            f"/moderation/audits/{audit_id}/outcome",
        )
    }


def test_the_auditors_judgement_is_in_no_page_before_the_moderator_grades(
    managers: Flask, blind_audit: int, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("manager1")
    start_moderation(client, blind_audit)
    for url, html in _pages(client, blind_audit).items():
        # The grade options themselves are on the moderator's form: leave them out.
        text = RADIO.sub("", html)
        assert "Requires improvement" not in text, url
        assert "Judged on the whole record" not in text, url
    grades_page = client.get(f"/moderation/audits/{blind_audit}").get_data(as_text=True)
    assert "Blind moderation" in grades_page
    assert "The auditor&#39;s grade" not in grades_page
    assert "Hidden until you grade" in client.get("/moderation").get_data(as_text=True)


def test_the_grades_are_revealed_once_recorded_and_a_rationale_is_asked_for(
    managers: Flask, blind_audit: int, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("manager1")
    start_moderation(client, blind_audit)
    response = moderation_grades(
        client,
        managers,
        blind_audit,
        **{
            "grade-voice": "Inadequate",
            "grade-planning": "Inadequate",
            "grade-overall": "Inadequate",
        },
    )
    assert response.status_code == 302  # no rationale asked for before the reveal
    outcome = client.get(f"/moderation/audits/{blind_audit}/outcome").get_data(as_text=True)
    assert "Requires improvement" in outcome
    assert "Why is your grade for Overall different from the auditor" in outcome

    refused = moderation_outcome(client, managers, blind_audit, outcome="grade_changed")
    assert refused.status_code == 400
    assert "Give your rationale for “Overall”" in refused.get_data(as_text=True)
    done = moderation_outcome(
        client,
        managers,
        blind_audit,
        outcome="grade_changed",
        **{"rationale-overall": "No evidence of the child being seen alone."},
    )
    assert done.status_code == 302
    assert audit_row(managers, blind_audit).status == "moderated"
    page = client.get(f"/audits/{blind_audit}").get_data(as_text=True)
    assert "Judged on the whole record" in page  # the analysis is shown after moderation
    assert "No evidence of the child being seen alone." in page


def test_the_auditor_always_sees_their_own_judgement(
    managers: Flask, blind_audit: int, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("auditor1")
    html = client.get(f"/audits/{blind_audit}").get_data(as_text=True)
    assert "Requires improvement" in html and "Judged on the whole record" in html


def test_without_blind_mode_the_moderator_sees_the_auditors_grades(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = complete_audit(managers, "auditor1", answers=POOR, overall="Requires improvement")
    submit_audit(managers, audit_id, "auditor1", rate=1.0)
    sign_in("manager1")
    start_moderation(client, audit_id)
    html = client.get(f"/moderation/audits/{audit_id}").get_data(as_text=True)
    assert "Judged on the whole record" in html and "The auditor&#39;s grade" in html


def test_a_themes_analysis_question_is_hidden_like_the_judgement_it_belongs_to(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    """The theme's own analysis question is its judgement's analysis: hidden until grading."""
    from audit_app.db import session_scope
    from audit_app.services import audits as audit_service
    from tests.builders import (
        GOOD,
        actor_for,
        journey_questionnaire,
        load_questionnaire,
        save_theme_judged_as_suggested,
    )

    data = journey_questionnaire()
    data["id"] = "analysis-audit"
    data["themes"][0]["questions"].append(
        {"id": "voice-analysis", "text": "Auditor's analysis of the child's voice", "type": "text"}
    )
    load_questionnaire(managers, data)
    managers.config["MODERATION_BLIND"] = True
    secret = "The auditor's own reading of the record, kept from the moderator."
    actor = actor_for(managers, "auditor1")
    with managers.app_context(), session_scope(managers) as session:
        audit_id = audit_service.start_audit("analysis-audit", "100825", actor, session=session).id
        assert audit_id is not None
        for theme in ("voice", "planning"):
            audit_file = audit_service.load_audit(audit_id, actor, session=session)
            theme_obj = next(t for t in audit_file.questionnaire.themes if t.id == theme)
            posted = {q.id: GOOD.get(q.id, "") for q in theme_obj.questions}
            if theme == "voice":
                posted["voice-analysis"] = secret
            save_theme_judged_as_suggested(
                audit_id,
                theme,
                posted,
                actor,
                session=session,
                analysis=secret if theme == "voice" else "",
            )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.save_overall_judgement(
            audit_file,
            audit_file.score.overall.grade or "Good",
            "",
            audit_file.audit.version,
            actor,
            session=session,
        )
    submit_audit(managers, audit_id, "auditor1", rate=1.0)
    sign_in("manager1")
    start_moderation(client, audit_id)
    escaped = secret.replace("'", "&#39;")
    for url, html in _pages(client, audit_id).items():
        assert escaped not in html and secret not in html, url
