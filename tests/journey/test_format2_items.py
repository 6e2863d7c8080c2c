"""A format 2 theme page: headings, guidance and a section among the questions, and a number
question with a unit, a range and whole numbers, from the page to check your answers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.core.questionnaire import upgrade
from tests.builders import journey_questionnaire, start
from tests.journey.conftest import JourneyOf
from tests.steps import save_theme, text

VISITS: dict[str, Any] = {
    "id": "visits",
    "type": "number",
    "text": "How many visits took place in the last three months?",
    "help": "Count visits by the allocated worker.",
    "min": 0,
    "max": 20,
    "integer": True,
    "unit": "visits",
    "bands": [{"min": 6, "score": 2}, {"min": 3, "score": 1}, {"min": 0, "score": 0}],
}


@pytest.fixture
def laid_out(journey_of: JourneyOf) -> Flask:
    """The journey questionnaire in format 2, its first theme with a heading, guidance and a
    section holding a number question."""
    data = upgrade(journey_questionnaire())
    items = data["themes"][0]["items"]
    data["themes"][0]["items"] = [
        {"heading": "Seeing the child"},
        {"guidance": "Read the visit records.\n\nCount visits at school too."},
        *items,
        {
            "section": {
                "title": "Visits",
                "description": "The last three months.",
                "items": [
                    {"heading": "How often"},
                    VISITS,
                ],
            }
        },
    ]
    return journey_of(data)


def test_the_page_shows_headings_guidance_and_the_section_in_order(
    laid_out: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    html = text(client, f"/audits/{audit_id}/themes/voice")
    order = [
        '<h2 class="govuk-heading-m">Seeing the child</h2>',
        '<p class="govuk-body">Read the visit records.</p>',
        '<p class="govuk-body">Count visits at school too.</p>',
        'name="seen-alone"',
        '<section class="app-section" aria-labelledby="section-',
        ">Visits</h2>",
        "The last three months.",
        '<h3 class="govuk-heading-s">How often</h3>',
        'name="visits"',
    ]
    positions = [html.find(fragment) for fragment in order]
    assert -1 not in positions, [f for f, p in zip(order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    field = re.search(r'<input[^>]*name="visits"[^>]*>', html)
    assert field is not None and 'inputmode="numeric"' in field.group()
    assert '<div class="govuk-input__suffix" aria-hidden="true">visits</div>' in html
    assert "Count visits by the allocated worker. A whole number from 0 to 20." in html


@pytest.mark.parametrize("typed", ["21", "2.5", "a few"])
def test_a_number_out_of_range_is_refused_and_shown_back(
    laid_out: Flask, client: FlaskClient, typed: str
) -> None:
    audit_id = start(client)
    response = save_theme(client, laid_out, audit_id, "voice", visits=typed, after_save="later")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert (
        "How many visits took place in the last three months?: enter a whole number from 0 to 20"
        in html
    )
    assert 'href="#visits"' in html
    assert f'value="{typed}"' in html


def test_a_number_in_range_is_saved_scored_and_shown_with_its_unit(
    laid_out: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    response = save_theme(
        client,
        laid_out,
        audit_id,
        "voice",
        visits="7",
        **{"seen-alone": "yes"},
        after_save="later",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = text(client, f"/audits/{audit_id}/themes/voice")
    assert re.search(r'<input[^>]*name="visits"[^>]*value="7"', page)
    assert "Every scored answer in this theme has full marks." in page
    assert "7 visits" in text(client, f"/audits/{audit_id}/check")
