"""Retiring and reinstating a version from the browser, each recorded in the audit trail."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import load_questionnaire, rescore_v1, rescore_v2
from tests.steps import followed
from tests.workshop.conftest import events, version_rows

VERSIONS = "/questionnaires/rescore-audit/versions"


@pytest.fixture(autouse=True)
def version_1(admin: Flask) -> None:
    """Every test starts with version 1 of the rescore audit loaded."""
    load_questionnaire(admin, rescore_v1())


def test_retiring_the_current_version_hands_new_audits_to_the_previous_one(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v2())
    response = client.post(f"{VERSIONS}/2/retire")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/questionnaires#rescore-audit")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rescore audit version 2 is retired. New audits use version 1." in page
    rows = version_rows(admin, "rescore-audit")
    assert rows[0].retired_at is None and rows[1].retired_at is not None
    assert events(admin, "questionnaire.retired") == [
        {"actor": "qa-lead", "questionnaire_id": "rescore-audit", "versions": [2]}
    ]


def test_reinstating_offers_the_version_again(admin: Flask, client: FlaskClient) -> None:
    client.post(f"{VERSIONS}/1/retire")
    page = followed(client, client.post(f"{VERSIONS}/1/reinstate"))
    assert "Rescore audit version 1 is reinstated. New audits use version 1." in page
    assert version_rows(admin, "rescore-audit")[0].retired_at is None
    assert events(admin, "questionnaire.reinstated") == [
        {"actor": "qa-lead", "questionnaire_id": "rescore-audit", "versions": [1]}
    ]


def test_retiring_the_last_version_says_no_version_is_offered(client: FlaskClient) -> None:
    page = followed(client, client.post(f"{VERSIONS}/1/retire"))
    assert "No version of this questionnaire is offered for new audits." in page


def test_asking_for_what_is_already_so_changes_and_records_nothing(
    admin: Flask, client: FlaskClient
) -> None:
    page = followed(client, client.post(f"{VERSIONS}/1/reinstate"))
    assert "Rescore audit version 1 was already in use." in page
    assert events(admin, "questionnaire.reinstated") == []


def test_an_unknown_version_cannot_be_retired(admin: Flask, client: FlaskClient) -> None:
    assert client.post(f"{VERSIONS}/3/retire").status_code == 404
    assert events(admin, "questionnaire.retired") == []
