"""The comparison and rescoring pages' choices: sensible defaults, clear errors."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import load_questionnaire, rescore_v1, rescore_v2

COMPARE = "/questionnaires/rescore-audit/compare"
IMPACT = "/questionnaires/rescore-audit/rescoring"


def test_the_comparison_starts_with_the_previous_and_latest_versions(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    load_questionnaire(admin, rescore_v2())
    page = client.get(COMPARE).get_data(as_text=True)
    assert "Version 1 and version 2" in page
    assert "1 question removed" in page


def test_a_version_that_is_not_loaded_is_refused_clearly(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    response = client.get(f"{COMPARE}?before=1&after=7")
    assert response.status_code == 400
    assert "Select a version for “Newer version” from the list" in response.get_data(as_text=True)


def test_a_single_version_cannot_be_compared_with_itself(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    assert "You chose the same version twice" in client.get(COMPARE).get_data(as_text=True)


def test_the_rescoring_starts_with_the_last_twelve_months(
    admin: Flask, client: FlaskClient
) -> None:
    load_questionnaire(admin, rescore_v1())
    load_questionnaire(admin, rescore_v2())
    response = client.get(IMPACT)
    assert response.status_code == 200
    assert "0 audits of version 1 submitted from" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("period", "message"),
    [
        pytest.param(
            "start=31&start=2&start=2026&end=1&end=3&end=2026",
            "The start date must be a real date, for example 1 4 2025",
            id="a-date-that-is-not-real",
        ),
        pytest.param(
            "start=1&start=3&start=2026&end=1&end=2&end=2026",
            "The end date must be the same as or after the start date",
            id="an-end-before-the-start",
        ),
    ],
)
def test_a_period_that_cannot_be_is_refused_clearly(
    admin: Flask, client: FlaskClient, period: str, message: str
) -> None:
    load_questionnaire(admin, rescore_v1())
    response = client.get(f"{IMPACT}?before=1&after=1&{period}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_a_crafted_address_gets_an_error_not_a_failure(admin: Flask, client: FlaskClient) -> None:
    load_questionnaire(admin, rescore_v1())
    response = client.get(f"{IMPACT}?before=x&start=1&start=3&end=")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Select a version for “Audits of version” from the list" in page
    assert "Enter the start date as a day, month and year, for example 1 4 2025" in page
    assert "Enter the end date" in page
