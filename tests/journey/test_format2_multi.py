"""A format 2 multi-select question on the auditor's pages: checkboxes, every option ticked
saved in one stored form, shown back, and a question revealed by what was ticked."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import Answer
from tests.builders import journey_questionnaire, start
from tests.journey.conftest import JourneyOf
from tests.steps import audit_version, text

TOPICS = {
    "id": "topics",
    "type": "multi",
    "text": "What did the visit record cover?",
    "scoring": "each",
    "options": [
        {"value": "wishes", "label": "The child's wishes", "score": 1},
        {"value": "home", "label": "Home conditions", "score": 1},
        {"value": "school", "label": "School", "score": 1},
    ],
}
FOLLOW_UP = {
    "id": "school-detail",
    "type": "text",
    "text": "What did school say?",
    "show_if": {"question": "topics", "any_of": ["school"]},
}


@pytest.fixture
def ticking(journey_of: JourneyOf) -> Flask:
    data = upgrade(journey_questionnaire())
    data["themes"][0]["items"].extend([TOPICS, FOLLOW_UP])
    return journey_of(data)


def _stored(app: Flask, audit_id: int) -> dict[str, str]:
    with session_scope(app) as session:
        rows = session.exec(select(Answer).where(Answer.audit_id == audit_id))
        return {a.question_id: a.value for a in rows}


def test_ticking_several_options_saves_them_all_and_shows_them_back(
    ticking: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    page = text(client, f"/audits/{audit_id}/themes/voice")
    boxes = re.findall(r'<input class="govuk-checkboxes__input"[^>]*name="topics"[^>]*>', page)
    assert [re.search(r'value="(\w+)"', box).group(1) for box in boxes] == [  # type: ignore[union-attr]
        "wishes",
        "home",
        "school",
    ]
    assert "Select all that apply." in page
    response = client.post(
        f"/audits/{audit_id}/themes/voice",
        data={
            "version": str(audit_version(ticking, audit_id)),
            "after_save": "later",
            "topics": ["school", "wishes"],
            "school-detail": "Attendance is improving.",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = _stored(ticking, audit_id)
    assert stored["topics"] == "wishes school"
    assert stored["school-detail"] == "Attendance is improving."
    page = text(client, f"/audits/{audit_id}/themes/voice")
    checked = re.findall(r'<input[^>]*name="topics" type="checkbox" value="(\w+)" checked', page)
    assert checked == ["wishes", "school"]
    assert "The child&#39;s wishes, School" in text(client, f"/audits/{audit_id}/check")


def test_a_question_revealed_by_a_tick_is_dropped_when_the_tick_goes(
    ticking: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    for ticked in (["school"], ["home"]):
        response = client.post(
            f"/audits/{audit_id}/themes/voice",
            data={
                "version": str(audit_version(ticking, audit_id)),
                "after_save": "later",
                "topics": ticked,
                "school-detail": "Attendance is improving.",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(ticking, audit_id) == {"topics": "home"}


def test_an_option_that_is_not_one_is_refused(ticking: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    response = client.post(
        f"/audits/{audit_id}/themes/voice",
        data={
            "version": str(audit_version(ticking, audit_id)),
            "after_save": "later",
            "topics": ["home", "garden"],
        },
    )
    assert response.status_code == 400
    assert "What did the visit record cover?: select one of the options" in response.get_data(
        as_text=True
    )
