"""The agreement page's "External audits": each external audit against our latest submitted
audit of the same case and questionnaire, theme by theme, the same final grade or not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app import clock
from tests.builders import PASSWORD, complete_audit, submit_audit
from tests.grants import world
from tests.grants.world import GRANTED, NOT_GRANTED

OVERALL = "Overall judgement (Journey audit)"


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return client


@pytest.fixture
def built(app: Flask) -> Flask:
    world.build(app)
    today = clock.today()
    world.grant(app, today, today + timedelta(days=6))
    return app


def _audit(app: Flask, username: str, ref: str, overall: str) -> int:
    audit_id = complete_audit(app, username, ref, overall=overall)
    submit_audit(app, audit_id, username)
    return audit_id


def _external(app: Flask, overall: str = "Good") -> int:
    return _audit(app, "visitor", world.seen_as(app, GRANTED), overall)


def _row(page: str, label: str) -> str:
    start = page.index("Agreement of external audits with ours")
    section = page[start:]
    at = section.index(label)
    return section[at : section.index("</tr>", at)]


def _cells(row: str) -> list[str]:
    import re

    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>.*?</td>", row, re.S)
    ]


def test_an_external_audit_is_compared_with_our_latest_submitted_audit(built: Flask) -> None:
    built.config["AGREEMENT_MIN_UNITS"] = 1
    _audit(built, "home_auditor", GRANTED, "Requires improvement")
    _audit(built, "home_auditor", GRANTED, "Good")
    _external(built, "Good")
    page = _client(built, "qa_lead").get("/calibration/agreement").get_data(as_text=True)
    assert "Over 1 external audit " in page
    # Units, same grade, different grade, percent: our latest audit, not the earlier one.
    assert _cells(_row(page, OVERALL)) == ["1", "1", "0", "100.0%"]


def test_a_different_final_grade_is_counted_as_different(built: Flask) -> None:
    built.config["AGREEMENT_MIN_UNITS"] = 1
    _audit(built, "home_auditor", GRANTED, "Good")
    _external(built, "Inadequate")
    page = _client(built, "qa_lead").get("/calibration/agreement").get_data(as_text=True)
    assert _cells(_row(page, OVERALL)) == ["1", "0", "1", "0.0%"]


def test_too_few_pairs_are_too_few_to_say(built: Flask) -> None:
    built.config["AGREEMENT_MIN_UNITS"] = 2
    _audit(built, "home_auditor", GRANTED, "Good")
    _external(built, "Good")
    page = _client(built, "qa_lead").get("/calibration/agreement").get_data(as_text=True)
    assert _cells(_row(page, OVERALL)) == ["1", "Too few to say: fewer than 2 units"]


def test_an_external_audit_without_one_of_ours_is_left_out(built: Flask) -> None:
    built.config["AGREEMENT_MIN_UNITS"] = 1
    _audit(built, "home_auditor", NOT_GRANTED, "Good")
    _external(built, "Good")
    page = _client(built, "qa_lead").get("/calibration/agreement").get_data(as_text=True)
    assert "Over 0 external audits " in page
    assert "No external audits to compare yet." in page


def test_the_csv_carries_the_external_audits(built: Flask) -> None:
    built.config["AGREEMENT_MIN_UNITS"] = 1
    _audit(built, "home_auditor", GRANTED, "Good")
    _external(built, "Inadequate")
    export = _client(built, "qa_lead").get("/calibration/agreement.csv").get_data(as_text=True)
    line = next(row for row in export.splitlines() if OVERALL in row and "External" in row)
    assert line.startswith("External audits against our audit of the same case")
    assert ',1,0.0,,,,"Same final grade in 0, different in 1"' in line or (
        "Same final grade in 0, different in 1" in line
    )


def test_a_manager_of_another_service_sees_no_external_pair(built: Flask) -> None:
    from tests.builders import add_user

    built.config["AGREEMENT_MIN_UNITS"] = 1
    add_user(built, "cin_manager", "manager", services=("Children in Need",))
    _audit(built, "home_auditor", GRANTED, "Good")
    _external(built, "Good")
    page = _client(built, "cin_manager").get("/calibration/agreement").get_data(as_text=True)
    assert "Over 0 external audits " in page
    page = _client(built, "cp_manager").get("/calibration/agreement").get_data(as_text=True)
    assert "Over 1 external audit " in page
