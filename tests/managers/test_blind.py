"""Blind moderation: the auditor's grades are not in the page until the moderator records theirs."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.journey.conftest import audit_version
from tests.managers.conftest import POOR, audit_row, complete_audit, submit_audit

RADIO = re.compile(r'<div class="govuk-radios__item">.*?</div>', re.DOTALL)


@pytest.fixture
def blind_audit(managers: Flask) -> int:
    """Blind mode on; an audit judged Requires improvement overall, computed Inadequate."""
    managers.config["MODERATION_BLIND"] = True
    audit_id = complete_audit(managers, "auditor1", answers=POOR, overall="Requires improvement")
    submit_audit(managers, audit_id, "auditor1", rate=1.0)
    return audit_id


def _pages(client, audit_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        url: client.get(url).get_data(as_text=True)
        for url in (
            "/",
            "/moderation",
            f"/audits/{audit_id}",
            f"/audits/{audit_id}/history",
            f"/moderation/audits/{audit_id}",
            f"/moderation/audits/{audit_id}/outcome",
        )
    }


def test_the_auditors_judgement_is_in_no_page_before_the_moderator_grades(
    managers: Flask, blind_audit: int, client, sign_in
) -> None:  # type: ignore[no-untyped-def]
    sign_in("manager1")
    client.post(f"/moderation/audits/{blind_audit}/start")
    for url, html in _pages(client, blind_audit).items():
        # The grade options themselves are on the moderator's form: leave them out.
        text = RADIO.sub("", html)
        assert "Requires improvement" not in text, url
        assert "Judged on the whole record" not in text, url
    grades_page = client.get(f"/moderation/audits/{blind_audit}").get_data(as_text=True)
    assert "Blind moderation" in grades_page
    assert "The auditor&#39;s grade" not in grades_page
    assert "Hidden until you grade" in client.get("/moderation").get_data(as_text=True)


def test_the_grades_are_revealed_once_recorded_and_a_rationale_is_asked_for(
    managers: Flask, blind_audit: int, client, sign_in
) -> None:  # type: ignore[no-untyped-def]
    sign_in("manager1")
    client.post(f"/moderation/audits/{blind_audit}/start")
    response = client.post(
        f"/moderation/audits/{blind_audit}",
        data={
            "version": str(audit_version(managers, blind_audit)),
            "grade-voice": "Inadequate",
            "grade-planning": "Inadequate",
            "grade-overall": "Inadequate",
        },
    )
    assert response.status_code == 302  # no rationale asked for before the reveal
    outcome = client.get(f"/moderation/audits/{blind_audit}/outcome").get_data(as_text=True)
    assert "Requires improvement" in outcome
    assert "Why is your grade for Overall different from the auditor" in outcome

    refused = client.post(
        f"/moderation/audits/{blind_audit}/outcome",
        data={"version": str(audit_version(managers, blind_audit)), "outcome": "grade_changed"},
    )
    assert refused.status_code == 400
    assert "Give your rationale for “Overall”" in refused.get_data(as_text=True)
    done = client.post(
        f"/moderation/audits/{blind_audit}/outcome",
        data={
            "version": str(audit_version(managers, blind_audit)),
            "outcome": "grade_changed",
            "rationale-overall": "No evidence of the child being seen alone.",
        },
    )
    assert done.status_code == 302
    assert audit_row(managers, blind_audit).status == "moderated"
    page = client.get(f"/audits/{blind_audit}").get_data(as_text=True)
    assert "Judged on the whole record" in page  # the analysis is shown after moderation
    assert "No evidence of the child being seen alone." in page


def test_the_auditor_always_sees_their_own_judgement(
    managers: Flask, blind_audit: int, client, sign_in
) -> None:  # type: ignore[no-untyped-def]
    sign_in("auditor1")
    html = client.get(f"/audits/{blind_audit}").get_data(as_text=True)
    assert "Requires improvement" in html and "Judged on the whole record" in html


def test_without_blind_mode_the_moderator_sees_the_auditors_grades(
    managers: Flask, client, sign_in
) -> None:  # type: ignore[no-untyped-def]
    audit_id = complete_audit(managers, "auditor1", answers=POOR, overall="Requires improvement")
    submit_audit(managers, audit_id, "auditor1", rate=1.0)
    sign_in("manager1")
    client.post(f"/moderation/audits/{audit_id}/start")
    html = client.get(f"/moderation/audits/{audit_id}").get_data(as_text=True)
    assert "Judged on the whole record" in html and "The auditor&#39;s grade" in html
