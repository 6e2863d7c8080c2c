"""A format 2 theme page with a repeating group of visits: "Add another visit" and "Remove
visit 2" are buttons of the form that save what was typed and show the page again (no script
needed), each repeat a fieldset of its own, errors naming the repeat, and the answers of each
repeat kept, stored and scored through to submission."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Answer, ComplianceResult
from tests.builders import start, visits_questionnaire
from tests.journey.conftest import JourneyOf
from tests.steps import audit_version, followed, save_theme, text

PAGE = "/audits/{}/themes/voice"


@pytest.fixture
def visits(journey_of: JourneyOf) -> Flask:
    """The visits questionnaire (a group of visits, 1 to 4, in the first theme), started as
    the journey questionnaire is."""
    data: dict[str, Any] = visits_questionnaire()
    data["id"] = "journey-audit"
    return journey_of(data)


def stored(app: Flask, audit_id: int) -> dict[tuple[str, int], str]:
    with session_scope(app) as session:
        rows = session.exec(select(Answer).where(Answer.audit_id == audit_id))
        return {(a.question_id, a.repeat): a.value for a in rows}


def legends(html: str) -> list[str]:
    return re.findall(r'<h2 class="govuk-fieldset__heading">([^<]*)</h2>', html)


def test_the_page_starts_with_one_visit_and_no_remove_button(
    visits: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    html = text(client, PAGE.format(audit_id))
    assert legends(html) == ["Visit 1"]
    assert 'name="visit-date--1"' in html and 'name="visit-seen-alone--1"' in html
    assert 'id="visit-date--1"' in html and 'id="visit-note--1"' in html
    assert 'value="add:visits"' in html and ">\n  Add another visit\n</button>" in html
    assert "Remove visit" not in html
    assert '<input type="hidden" name="visits" value="1">' in html


def test_adding_a_visit_saves_what_was_typed_and_shows_the_new_visit(
    visits: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = save_theme(
        client,
        visits,
        audit_id,
        "voice",
        visits="1",
        **{"visit-seen-alone--1": "yes", "visit-note--1": "Seen at school", "seen-alone": "no"},
        repeat_action="add:visits",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{PAGE.format(audit_id)}#visits-2")
    html = followed(client, response)
    assert "Your answers are saved. Visit 2 is added below." in html
    assert legends(html) == ["Visit 1", "Visit 2"]
    assert "Remove visit 1" in html and "Remove visit 2" in html
    history = text(client, f"/audits/{audit_id}/history")
    assert "Visit 1: What the visit found" in history
    assert "How many repeats of “Visit”" in history
    assert stored(visits, audit_id) == {
        ("seen-alone", 0): "no",
        ("visits", 0): "2",
        ("visit-seen-alone", 1): "yes",
        ("visit-note", 1): "Seen at school",
    }


def test_removing_a_visit_keeps_the_others_answers(visits: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    three = {
        "visits": "3",
        "visit-seen-alone--1": "yes",
        "visit-seen-alone--2": "no",
        "visit-seen-alone--3": "yes",
        "visit-note--3": "Third visit",
    }
    assert (
        save_theme(client, visits, audit_id, "voice", **three, after_save="later").status_code
        == 302
    )
    response = save_theme(
        client, visits, audit_id, "voice", **three, repeat_action="remove:visits:2"
    )
    assert response.headers["Location"].endswith("#visits")
    html = followed(client, response)
    assert "Visit 2 is removed; the others are kept as they were." in html
    assert legends(html) == ["Visit 1", "Visit 2"]
    assert stored(visits, audit_id) == {
        ("visits", 0): "2",
        ("visit-seen-alone", 1): "yes",
        ("visit-seen-alone", 2): "yes",
        ("visit-note", 2): "Third visit",
    }


def test_no_more_visits_than_the_group_allows(visits: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    followed(client, save_theme(client, visits, audit_id, "voice", visits="4", after_save="later"))
    html = text(client, PAGE.format(audit_id))
    assert legends(html) == ["Visit 1", "Visit 2", "Visit 3", "Visit 4"]
    assert "Add another visit" not in html
    assert "You have recorded 4, the most this audit takes." in html
    response = save_theme(client, visits, audit_id, "voice", visits="4", repeat_action="add:visits")
    followed(client, response)
    assert stored(visits, audit_id)[("visits", 0)] == "4"


def test_a_wrong_answer_names_its_visit_and_what_was_typed_is_shown_back(
    visits: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = save_theme(
        client,
        visits,
        audit_id,
        "voice",
        visits="2",
        **{"visit-date--2": "31/2/2026", "visit-note--1": "Kept"},
        repeat_action="add:visits",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Visit 2: Date of the visit: enter a real date, for example 27/3/2026" in html
    assert 'href="#visit-date--2"' in html
    assert 'value="31/2/2026"' in html and ">Kept</textarea>" in html
    # Nothing is saved; the page shows what was typed, with the visit asked for added.
    assert legends(html) == ["Visit 1", "Visit 2", "Visit 3"]
    assert stored(visits, audit_id) == {}


def test_visits_are_scored_rolled_up_and_submitted(visits: Flask, client: FlaskClient) -> None:
    audit_id = start(client)
    answers = {
        "seen-alone": "yes",
        "visits": "2",
        "visit-date--1": "1/3/2026",
        "visit-date--2": "15/3/2026",
        "visit-seen-alone--1": "yes",
        "visit-seen-alone--2": "no",
    }
    followed(client, save_theme(client, visits, audit_id, "voice", **answers, after_save="later"))
    html = text(client, PAGE.format(audit_id))
    # "all": seen alone on visit 1 only, so not met: 2 of 2 + 0 of 1 = 66.7%, Good.
    assert 'id="suggested-grade">Good</strong> (66.7%)' in html
    assert "Visit 1 on its own, with the answers saved: 100.0%" in html
    assert "Visit 2 on its own, with the answers saved: 0.0%" in html
    judged = {**answers, "judgement": "Good"}
    followed(client, save_theme(client, visits, audit_id, "voice", **judged))
    planning = {"plan-smart": "yes", "judgement": "Outstanding"}
    followed(client, save_theme(client, visits, audit_id, "planning", **planning))
    overall = {"judgement": "Good", "version": str(audit_version(visits, audit_id))}
    followed(client, client.post(f"/audits/{audit_id}/judgement", data=overall))
    check = text(client, f"/audits/{audit_id}/check")
    rows = re.findall(r'<dt class="govuk-summary-list__key">\s*([^<]*?)\s*</dt>', check)
    assert rows[:8] == [
        "Was the child seen alone?",
        "Comment",
        "Visit 1: Date of the visit",
        "Visit 1: Was the child seen alone?",
        "Visit 1: What the visit found",
        "Visit 2: Date of the visit",
        "Visit 2: Was the child seen alone?",
        "Visit 2: What the visit found",
    ]
    assert f'href="/audits/{audit_id}/themes/voice?return_to=check#visit-date--2"' in check
    response = client.post(
        f"/audits/{audit_id}/check", data={"version": str(audit_version(visits, audit_id))}
    )
    assert "Audit submitted" in followed(client, response)
    with session_scope(visits) as session:
        compliance = {
            c.question_id: c.compliant
            for c in session.exec(
                select(ComplianceResult).where(ComplianceResult.audit_id == audit_id)
            )
        }
    assert compliance == {"seen-alone": True, "visit-seen-alone": False}
    summary = text(client, f"/audits/{audit_id}")
    assert "Visit 2: Was the child seen alone?" in summary
    record = text(client, f"/audits/{audit_id}/record")
    assert "Visit 2: Date of the visit" in record and "15 March 2026" in record
