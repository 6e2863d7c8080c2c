"""The workshop's preview of a version with a repeating group: the group shows once per repeat,
its Add another and Remove buttons work in the sandbox (a form sent by GET, storing nothing),
and each repeat's answers are scored as an audit's would be."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient

from tests.builders import load_questionnaire, visits_questionnaire

PAGE = "/questionnaires/visits-audit/versions/1/preview/voice"


def legends(html: str) -> list[str]:
    return re.findall(r'<h2 class="govuk-fieldset__heading">([^<]*)</h2>', html)


def test_the_sandbox_adds_and_removes_visits(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, visits_questionnaire())
    assert legends(client.get(PAGE).get_data(as_text=True)) == ["Visit 1"]
    added = {"visits": "1", "visit-seen-alone--1": "no", "repeat_action": "add:visits"}
    html = client.get(f"{PAGE}?{urlencode(added)}").get_data(as_text=True)
    assert legends(html) == ["Visit 1", "Visit 2"]
    assert '<input type="hidden" name="visits" value="2">' in html
    removed = {
        "visits": "2",
        "visit-seen-alone--1": "no",
        "visit-seen-alone--2": "yes",
        "repeat_action": "remove:visits:1",
    }
    html = client.get(f"{PAGE}?{urlencode(removed)}").get_data(as_text=True)
    assert legends(html) == ["Visit 1"]
    assert re.search(r'name="visit-seen-alone--1" type="radio" value="yes" checked', html)


def test_the_sandbox_scores_the_visits_and_names_the_visit_of_a_wrong_answer(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, visits_questionnaire(roll_up="any"))
    answers = {
        "seen-alone": "yes",
        "visits": "2",
        "visit-seen-alone--1": "no",
        "visit-seen-alone--2": "yes",
        "visit-date--2": "31/2/2026",
    }
    html = client.get(f"{PAGE}?{urlencode(answers)}").get_data(as_text=True)
    # "any": seen alone on visit 2, so met: 2 of 2 + 1 of 1 = 100%.
    assert 'id="suggested-grade">Outstanding</strong> (100.0%)' in html
    assert "Visit 2: Date of the visit: enter a real date, for example 27/3/2026" in html
