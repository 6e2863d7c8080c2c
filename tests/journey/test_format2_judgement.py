"""A format 2 theme graded by judgement against the bands' descriptors, and one graded by its
score alone, on the auditor's pages."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.core.questionnaire import upgrade
from tests.builders import journey_questionnaire, start
from tests.journey.conftest import JourneyOf
from tests.steps import audit_version, save_theme, text

DESCRIPTORS = {
    "Outstanding": "The child's lived experience drives every decision.",
    "Good": "The child is seen and heard, and their views shape the plan.",
    "Requires improvement": "The child is seen, but their views do not shape the plan.",
    "Inadequate": "The child is not seen, or not seen alone, when they should be.",
}


@pytest.fixture
def judged(journey_of: JourneyOf) -> Flask:
    """The journey questionnaire in format 2: "voice" graded by judgement, "planning" by its
    score alone."""
    data = upgrade(journey_questionnaire())
    for band in data["grading"]["bands"]:
        band["descriptor"] = DESCRIPTORS[band["grade"]]
    data["themes"][0]["graded_by"] = "judgement"
    data["themes"][1]["graded_by"] = "score"
    return journey_of(data)


def test_the_judgement_theme_shows_the_descriptors_and_no_percent(
    judged: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    html = text(client, f"/audits/{audit_id}/themes/voice")
    assert "This theme is graded by your judgement against the descriptors" in html
    assert "Suggested grade for this theme" not in html
    assert "Your grade for this theme" in html
    for descriptor in DESCRIPTORS.values():
        assert descriptor.replace("'", "&#39;") in html


def test_a_grade_by_judgement_needs_an_analysis(judged: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    response = save_theme(
        client,
        judged,
        audit_id,
        "voice",
        after_save="continue",
        judgement="Good",
        **{"seen-alone": "yes"},
    )
    assert response.status_code == 400
    assert "it is required with a grade that no score suggests" in response.get_data(as_text=True)
    saved = save_theme(
        client,
        judged,
        audit_id,
        "voice",
        after_save="continue",
        judgement="Good",
        analysis="Seen alone twice; her wishes are in the plan.",
        **{"seen-alone": "yes"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)


def test_the_score_theme_asks_no_judgement_and_submitting_needs_the_judgement_theme_graded(
    judged: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    planning = text(client, f"/audits/{audit_id}/themes/planning")
    assert 'name="judgement"' not in planning
    assert "no judgement is asked for it" in planning
    version = str(audit_version(judged, audit_id))
    check = client.post(f"/audits/{audit_id}/check", data={"version": version}).get_data(
        as_text=True
    )
    assert "Record your judgement of “The child&#39;s voice”" in check
    assert "Record your judgement of “Planning”" not in check
