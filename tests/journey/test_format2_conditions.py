"""A format 2 theme shown only after certain answers: it leaves the task list, check your
answers and the judgements until the answers call for it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app.core.questionnaire import upgrade
from tests.builders import journey_questionnaire, start
from tests.journey.conftest import JourneyOf
from tests.steps import save_theme, text


@pytest.fixture
def conditional(journey_of: JourneyOf) -> Flask:
    """The journey questionnaire in format 2, its second theme shown only when the first
    theme's "seen-alone" is answered "no"."""
    data = upgrade(journey_questionnaire())
    data["themes"][1]["title"] = "Planning for the child"
    data["themes"][1]["show_if"] = {"question": "seen-alone", "in": ["no"]}
    return journey_of(data)


def test_a_hidden_theme_leaves_the_task_list_until_the_answers_call_for_it(
    conditional: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    assert "Planning for the child" not in text(client, f"/audits/{audit_id}")
    saved = save_theme(
        client, conditional, audit_id, "voice", after_save="later", **{"seen-alone": "no"}
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "Planning for the child" in text(client, f"/audits/{audit_id}")
    assert "Planning for the child" in text(client, f"/audits/{audit_id}/check")

    saved = save_theme(
        client, conditional, audit_id, "voice", after_save="later", **{"seen-alone": "yes"}
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "Planning for the child" not in text(client, f"/audits/{audit_id}")
    check = text(client, f"/audits/{audit_id}/check")
    assert "Planning for the child" not in check
    assert "Record your judgement of “Planning for the child”" not in check


def test_saving_the_last_shown_theme_goes_to_the_overall_judgement(
    conditional: Flask, client: FlaskClient
) -> None:
    audit_id = start(client)
    saved = save_theme(
        client, conditional, audit_id, "voice", after_save="continue", **{"seen-alone": "yes"}
    )
    assert saved.status_code == 302
    assert saved.headers["Location"] == f"/audits/{audit_id}/judgement"
