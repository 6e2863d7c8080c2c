"""Timeliness measures on the auditor's pages: the rule and its source beside the date
questions it reads, the result with the answers saved so far (the audit date of a draft is
today, in England), on check answers, and in the questionnaire workshop's preview."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from audit_app.core.questionnaire import upgrade
from tests.builders import journey_questionnaire, load_questionnaire, start
from tests.journey.conftest import JourneyOf
from tests.steps import save_theme, text

STRATEGY = {"id": "strategy-date", "type": "date", "text": "Date of the strategy discussion"}
SEEN_IN_TIME = {
    "id": "seen-in-time",
    "measure": "Child seen within 15 working days of the strategy discussion",
    "rule": {"within_working_days": 15, "from": "strategy-date", "to": "last-visit"},
    "source": "Local child protection procedures, section 4.2",
}
# 30 December 2026, noon in England (GMT).
NOW = datetime(2026, 12, 30, 12, tzinfo=UTC)


def timed() -> dict:
    data = upgrade(journey_questionnaire())
    data["themes"][1]["items"].insert(0, STRATEGY)
    data["themes"][1]["timeliness"] = [SEEN_IN_TIME]
    return data


@pytest.fixture
def timing(journey_of: JourneyOf) -> Iterator[Flask]:
    """The auditor signed in on 30 December 2026, with the clock stopped there."""
    with time_machine.travel(NOW, tick=False):
        yield journey_of(timed())


def _words(page: str) -> str:
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def test_the_rule_and_its_source_are_beside_the_dates_it_reads(
    timing: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    page = text(client, f"/audits/{audit_id}/themes/planning")
    for question_id in ("strategy-date", "last-visit"):
        box = re.search(rf'<input[^>]*id="{question_id}"[^>]*>', page)
        assert box is not None
        # The note is read out with the box, after the hint.
        assert f'aria-describedby="{question_id}-timeliness {question_id}-hint"' in box.group(0)
        note = page[page.index(f'id="{question_id}-timeliness">') :]
        words = _words(note[note.index(">") + 1 : note.index("</div>")])
        assert words == (
            "Timeliness: Child seen within 15 working days of the strategy discussion. Date of "
            "the last visit: within 15 working days of Date of the strategy discussion. Source: "
            "Local child protection procedures, section 4.2. With the answers saved so far: Not "
            "applicable: Not answered, or not asked for this case: Date of the strategy "
            "discussion"
        )
    assert 'id="child-status-timeliness"' not in page


def test_the_result_follows_the_saved_dates_and_shows_on_check_answers(
    timing: Flask, client: FlaskClient
) -> None:
    """From Monday 14 December 2026, 15 working days (not 25 and 28 December, nor 1 January)
    end on Thursday 7 January 2027: seen on 8 January is late."""
    audit_id = start(client)
    answers = {
        "strategy-date": "14/12/2026",
        "child-status": "cin",
        "plan-smart": "yes",
        "last-visit": "8/1/2027",
        "after_save": "later",
    }
    response = save_theme(client, timing, audit_id, "planning", **answers)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = _words(text(client, f"/audits/{audit_id}/themes/planning"))
    check = _words(text(client, f"/audits/{audit_id}/check"))
    late = "Not met: 8 January 2027, later than due from 14 December 2026 to 7 January 2027."
    assert f"With the answers saved so far: {late}" in page
    assert f"Timeliness: Child seen within 15 working days of the strategy discussion {late}" in (
        check
    )


def test_the_preview_shows_the_source_beside_the_questions(
    app: Flask, make_user: object, sign_in: object, client: FlaskClient
) -> None:
    load_questionnaire(app, timed())
    sign_in(make_user("qa-lead", "admin"))  # type: ignore[operator]
    page = text(client, "/questionnaires/journey-audit/versions/1/preview/planning")
    assert "Source: Local child protection procedures, section 4.2." in _words(page)
    assert 'id="last-visit-timeliness"' in page


def test_working_days_follow_the_councils_calendar(timing: Flask, client: FlaskClient) -> None:
    """In Scotland Monday 4 January 2027 is a bank holiday too (2 January, a Saturday, is moved
    to it): the 15th working day from 14 December 2026 is Friday 8 January, so seen that day is
    in time."""
    timing.config["WORKING_DAYS_CALENDAR"] = "scotland"
    audit_id = start(client)
    answers = {"strategy-date": "14/12/2026", "last-visit": "8/1/2027", "after_save": "later"}
    response = save_theme(client, timing, audit_id, "planning", **answers)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = _words(text(client, f"/audits/{audit_id}/themes/planning"))
    assert "Met: 8 January 2027, due from 14 December 2026 to 8 January 2027." in page
