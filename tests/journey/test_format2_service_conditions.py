"""A format 2 questionnaire with parts for some services only: the auditor's case's team
decides, on the task list, the theme page (with and without JavaScript) and the score."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import Case, User
from tests.builders import ensure_team, journey_questionnaire, start
from tests.journey.conftest import JourneyOf
from tests.steps import save_theme, text

IN_CARE = {"service": ["Children in Care"]}


@pytest.fixture
def by_service(journey_of: JourneyOf) -> Flask:
    """The journey questionnaire in format 2: its planning theme only for Children in Care
    cases, and on the voice theme a comment asked in any case but Children in Care's."""
    data = upgrade(journey_questionnaire())
    data["themes"][1]["title"] = "Planning for the child in care"
    data["themes"][1]["show_if"] = IN_CARE
    data["themes"][0]["items"][1]["show_if"] = {
        "any": [{"not": IN_CARE}, {"question": "seen-alone", "in": ["no"]}]
    }
    return journey_of(data)


def move_to(app: Flask, service: str) -> None:
    """Move the journey's case and its auditor to a team of another service, as an admin
    would."""
    with session_scope(app) as session:
        team = ensure_team(session, f"{service} 1", service=service)
        case = session.exec(select(Case).where(Case.case_ref == "100824")).one()
        auditor = session.exec(select(User).where(User.username == "auditor1")).one()
        case.team_id = auditor.team_id = team.id  # type: ignore[assignment]
        session.add_all([case, auditor])


def condition_of(html: str, label: str) -> tuple[dict[str, object], bool]:
    """The data-condition of the block holding ``label``, and whether it is hidden."""
    at = html.index(label)
    start = html.rindex('<div class="app-show-if"', 0, at)
    tag = html[start : html.index(">", start)]
    found = re.search(r'data-condition="([^"]*)"', tag)
    assert found is not None
    raw = found.group(1).replace("&#34;", '"').replace("&quot;", '"')
    return json.loads(raw), tag.endswith(" hidden")


def test_a_theme_for_another_service_is_not_part_of_the_audit(
    by_service: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    assert "Planning for the child in care" not in text(client, f"/audits/{audit_id}")
    assert "Planning for the child in care" not in text(client, f"/audits/{audit_id}/check")


def test_the_page_settles_the_service_for_the_browser_and_without_it(
    by_service: Flask, client: FlaskClient
) -> None:
    """A Child Protection case: the comment is asked (the "not" holds), shown by the server
    and, for the page's script, the service part comes settled; the answer part is as written."""
    audit_id = start(client)
    html = client.get(f"/audits/{audit_id}/themes/voice").get_data(as_text=True)
    condition, hidden = condition_of(html, "Comment")
    assert condition == {
        "any": [{"not": {"settled": False}}, {"question": "seen-alone", "in": ["no"]}]
    }
    assert not hidden
    assert "Children in Care" not in html


def test_a_case_in_the_named_service_is_asked_the_theme_and_not_the_comment(
    by_service: Flask, client: FlaskClient
) -> None:
    move_to(by_service, "Children in Care")
    audit_id = start(client)
    assert "Planning for the child in care" in text(client, f"/audits/{audit_id}")
    html = client.get(f"/audits/{audit_id}/themes/voice").get_data(as_text=True)
    condition, hidden = condition_of(html, "Comment")
    assert condition["any"] == [  # type: ignore[index]
        {"not": {"settled": True}},
        {"question": "seen-alone", "in": ["no"]},
    ]
    assert hidden
    saved = save_theme(
        client, by_service, audit_id, "voice", after_save="later", **{"seen-alone": "no"}
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    html = client.get(f"/audits/{audit_id}/themes/voice").get_data(as_text=True)
    assert not condition_of(html, "Comment")[1]  # "no" shows it in this service too
