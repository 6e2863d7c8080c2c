"""The home page lists the questionnaires that new audits use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from markupsafe import escape

QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"


@pytest.mark.usefixtures("admin_signed_in")
def test_home_lists_every_loaded_questionnaire(client: FlaskClient, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["questionnaires", "load"]).exit_code == 0
    titles = [
        json.loads(p.read_text("utf-8"))["title"]
        for p in QUESTIONNAIRES.glob("*.json")
        if p.name != "schema.json"
    ]
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert titles and all(escape(title) in html for title in titles)


@pytest.mark.usefixtures("admin_signed_in")
def test_home_says_when_nothing_is_loaded(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "No questionnaires are loaded yet" in html


def test_home_sends_anonymous_visitors_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
