"""Retiring and reinstating a version from the browser: a page says what will happen, its form
confirms it, and each change is recorded in the audit trail."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import load_questionnaire, rescore_v1, rescore_v2
from tests.steps import followed
from tests.workshop.conftest import confirmed, events, state_field, version_rows

VERSIONS = "/questionnaires/rescore-audit/versions"


@pytest.fixture(autouse=True)
def version_1(admin: Flask) -> None:
    """Every test starts with version 1 of the rescore audit loaded."""
    load_questionnaire(admin, rescore_v1())


def test_retiring_asks_first_and_says_what_new_audits_will_use(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v2())
    page = client.get(f"{VERSIONS}/2/retire").get_data(as_text=True)
    assert "Retire version 2?" in page
    assert "New audits will use version 1 instead of version 2." in page
    assert "No audits of this questionnaire are in progress." in page
    assert version_rows(admin, "rescore-audit")[1].retired_at is None
    assert events(admin, "questionnaire.retired") == []


def test_retiring_the_current_version_hands_new_audits_to_the_previous_one(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v2())
    response = confirmed(client, f"{VERSIONS}/2/retire")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/questionnaires#rescore-audit")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rescore audit version 2 is retired. New audits use version 1." in page
    rows = version_rows(admin, "rescore-audit")
    assert rows[0].retired_at is None and rows[1].retired_at is not None
    assert events(admin, "questionnaire.retired") == [
        {"actor": "qa-lead", "questionnaire_id": "rescore-audit", "versions": [2]}
    ]


def test_a_retire_without_the_confirmation_page_changes_nothing(
    admin: Flask, client: FlaskClient
) -> None:
    """The one-click form of old sends no state: it is shown the confirmation page."""
    response = client.post(f"{VERSIONS}/1/retire")
    assert response.status_code == 409
    assert "Retire version 1?" in response.get_data(as_text=True)
    assert version_rows(admin, "rescore-audit")[0].retired_at is None
    assert events(admin, "questionnaire.retired") == []


def test_reinstating_offers_the_version_again(admin: Flask, client: FlaskClient) -> None:
    confirmed(client, f"{VERSIONS}/1/retire")
    assert "New audits will use version 1." in client.get(f"{VERSIONS}/1/reinstate").get_data(
        as_text=True
    )
    page = followed(client, confirmed(client, f"{VERSIONS}/1/reinstate"))
    assert "Rescore audit version 1 is reinstated. New audits use version 1." in page
    assert version_rows(admin, "rescore-audit")[0].retired_at is None
    assert events(admin, "questionnaire.reinstated") == [
        {"actor": "qa-lead", "questionnaire_id": "rescore-audit", "versions": [1]}
    ]


def test_retiring_the_last_version_says_no_version_is_offered(client: FlaskClient) -> None:
    assert "No version of this questionnaire will be offered for new audits." in client.get(
        f"{VERSIONS}/1/retire"
    ).get_data(as_text=True)
    page = followed(client, confirmed(client, f"{VERSIONS}/1/retire"))
    assert "No version of this questionnaire is offered for new audits." in page


def test_asking_for_what_is_already_so_changes_and_records_nothing(
    admin: Flask, client: FlaskClient
) -> None:
    page = followed(client, client.get(f"{VERSIONS}/1/reinstate"))
    assert "Rescore audit version 1 is not retired" in page
    assert events(admin, "questionnaire.reinstated") == []


def test_a_retire_confirmed_after_another_admin_retired_it_is_refused(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v2())
    state = state_field(client.get(f"{VERSIONS}/2/retire").get_data(as_text=True))
    confirmed(client, f"{VERSIONS}/2/retire")  # another admin, in another tab
    page = followed(client, client.post(f"{VERSIONS}/2/retire", data={"state": state}))
    assert "Nothing was changed: someone else got there first." in page
    assert "Rescore audit version 2 is already retired." in page
    assert len(events(admin, "questionnaire.retired")) == 1


def test_a_retire_confirmed_after_another_change_shows_what_would_happen_now(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v2())
    state = state_field(client.get(f"{VERSIONS}/2/retire").get_data(as_text=True))
    confirmed(client, f"{VERSIONS}/1/retire")  # another admin retires version 1 meanwhile
    response = client.post(f"{VERSIONS}/2/retire", data={"state": state})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else published, retired, reinstated, replaced or discarded" in page
    assert "No version of this questionnaire will be offered for new audits." in page
    assert version_rows(admin, "rescore-audit")[1].retired_at is None
    # Confirming the page now shown retires it.
    again = client.post(f"{VERSIONS}/2/retire", data={"state": state_field(page)})
    assert again.status_code == 302
    assert version_rows(admin, "rescore-audit")[1].retired_at is not None


def test_an_unknown_version_cannot_be_retired(admin: Flask, client: FlaskClient) -> None:
    assert client.get(f"{VERSIONS}/3/retire").status_code == 404
    assert client.post(f"{VERSIONS}/3/retire").status_code == 404
    assert events(admin, "questionnaire.retired") == []
