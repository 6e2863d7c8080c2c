"""Moderating an audit: the queue, grades with rationales, outcomes, and refused moves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import AuditResult, Moderation, ModerationGrade, ThemeResult
from tests.builders import (
    POOR,
    complete_audit,
    journey_questionnaire,
    load_questionnaire,
    submitted_audit,
)
from tests.conftest import AuthActions
from tests.managers.conftest import audit_row, events
from tests.steps import audit_version, followed
from tests.steps import moderation_grades as _grades
from tests.steps import moderation_outcome as _outcome
from tests.steps import start_moderation as _start

AGREE_POOR = {
    "grade-voice": "Inadequate",
    "grade-planning": "Inadequate",
    "grade-overall": "Inadequate",
}


@pytest.fixture
def moderating(managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]) -> int:
    """A poor audit, due for moderation; manager1 signed in and moderating it."""
    audit_id = submitted_audit(managers, answers=POOR)
    sign_in("manager1")
    assert _start(client, audit_id).headers["Location"].endswith(f"/moderation/audits/{audit_id}")
    return audit_id


def test_the_managers_home_lists_due_audits_oldest_first(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    first = submitted_audit(managers, case_ref="100824", answers=POOR)
    second = submitted_audit(managers, case_ref="100825", rate=1.0)
    submitted_audit(managers, case_ref="100824", rate=0.0)  # not chosen
    sign_in("manager1")
    html = client.get("/").get_data(as_text=True)
    queue = html[html.index("Moderation queue") : html.index("All submitted audits")]
    assert queue.index(f"/audits/{first}") < queue.index(f"/audits/{second}")
    assert queue.count('href="/audits/') == 2
    for text in ("Journey audit", "auditor1", "Inadequate", "Worst band", "Random sample"):
        assert text in queue
    assert 'Moderate<span class="govuk-visually-hidden"> audit of case 100824' in queue


def test_a_manager_of_another_service_sees_none_of_it(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, answers=POOR)
    sign_in("manager2")
    assert "/audits/" not in client.get("/moderation").get_data(as_text=True)
    assert client.get(f"/audits/{audit_id}").status_code == 404
    assert _start(client, audit_id).status_code == 404
    assert client.get(f"/moderation/audits/{audit_id}").status_code == 404
    assert audit_row(managers, audit_id).status == "submitted"


def test_agreeing_records_the_moderated_grades(
    managers: Flask, client: FlaskClient, moderating: int
) -> None:
    audit_id = moderating
    assert _grades(client, managers, audit_id, **AGREE_POOR).status_code == 302
    html = followed(client, _outcome(client, managers, audit_id, outcome="agreed"))
    assert "you agreed with the auditor" in html
    audit = audit_row(managers, audit_id)
    assert audit.status == "moderated"
    with session_scope(managers) as session:
        moderation = session.exec(select(Moderation)).one()
        result = session.get(AuditResult, audit_id)
        themes = list(session.exec(select(ThemeResult)))
    assert moderation.outcome == "agreed" and moderation.completed_at is not None
    assert result is not None and result.grade_moderated == "Inadequate"
    assert {t.grade_moderated for t in themes} == {"Inadequate"}
    assert events(managers, audit_id)[-3:] == [
        "moderation.started",
        "moderation.graded",
        "audit.moderated",
    ]


def test_a_different_grade_needs_a_rationale(
    managers: Flask, client: FlaskClient, moderating: int
) -> None:
    audit_id = moderating
    changed = dict(AGREE_POOR, **{"grade-voice": "Requires improvement"})
    response = _grades(client, managers, audit_id, **changed)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give your rationale for “The child&#39;s voice”" in html
    assert 'href="#rationale-voice"' in html
    with session_scope(managers) as session:
        assert list(session.exec(select(ModerationGrade))) == []

    changed["rationale-voice"] = "Seen alone on two visits, recorded in the case notes."
    assert _grades(client, managers, audit_id, **changed).status_code == 302
    response = _outcome(client, managers, audit_id, outcome="grade_changed")
    assert response.status_code == 302
    with session_scope(managers) as session:
        voice = session.exec(select(ThemeResult).where(ThemeResult.theme_id == "voice")).one()
        result = session.get(AuditResult, audit_id)
    assert (voice.grade_computed, voice.grade_judged, voice.grade_moderated) == (
        "Inadequate",
        "Inadequate",
        "Requires improvement",
    )
    assert result is not None and result.grade_moderated == "Inadequate"
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "<strong>Requires improvement</strong>" in page  # the final grade of the theme
    assert "Grade changed: manager1" in page


@pytest.mark.parametrize(
    ("grades", "outcome", "message"),
    [
        pytest.param(
            {
                **AGREE_POOR,
                "grade-overall": "Requires improvement",
                "rationale-overall": "Better than the score suggests.",
            },
            "agreed",
            "Your grades differ from the auditor",
            id="agreed when the grades differ",
        ),
        pytest.param(
            AGREE_POOR,
            "grade_changed",
            "Your grades are the same as the auditor",
            id="grade changed when the grades agree",
        ),
        pytest.param(None, "agreed", "Record your grades first", id="agreed before any grades"),
    ],
)
def test_an_outcome_that_does_not_fit_the_grades_is_refused(
    managers: Flask,
    client: FlaskClient,
    moderating: int,
    grades: dict[str, str] | None,
    outcome: str,
    message: str,
) -> None:
    if grades is not None:
        assert _grades(client, managers, moderating, **grades).status_code == 302
    response = _outcome(client, managers, moderating, outcome=outcome)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert audit_row(managers, moderating).status == "submitted"


def test_an_outcome_must_be_chosen(managers: Flask, client: FlaskClient, moderating: int) -> None:
    missing = _outcome(client, managers, moderating)
    assert "Select the outcome of the moderation" in missing.get_data(as_text=True)


def test_an_auditor_who_is_also_a_manager_cannot_moderate_their_own_audit(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, "manager3", answers=POOR)
    sign_in("manager3")
    html = client.get("/").get_data(as_text=True)
    assert "Your own audit: another manager moderates it" in html
    page = followed(client, _start(client, audit_id))
    assert "You cannot moderate your own audit" in page
    assert client.get(f"/moderation/audits/{audit_id}").status_code == 302
    with session_scope(managers) as session:
        assert list(session.exec(select(Moderation))) == []
    assert "moderation.started" not in events(managers, audit_id)


def test_a_draft_cannot_be_moderated(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = complete_audit(managers, "auditor1")
    sign_in("manager1")
    page = followed(client, _start(client, audit_id))
    assert "This audit is a draft: it can be moderated only after the auditor submits it" in page
    refused = followed(client, client.post(f"/moderation/audits/{audit_id}/request"))
    assert "moderation can be requested once it is submitted" in refused
    audit = audit_row(managers, audit_id)
    assert audit.status == "draft" and not audit.moderation_due


def test_an_audit_not_chosen_must_be_requested_first(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers, rate=0.0)
    sign_in("manager1")
    page = followed(client, _start(client, audit_id))
    assert "This audit was not chosen for moderation" in page
    home = client.get("/").get_data(as_text=True)
    assert "No audits are waiting for moderation" in home

    page = followed(client, client.post(f"/moderation/audits/{audit_id}/request"))
    assert "The audit is now in the moderation queue" in page
    audit = audit_row(managers, audit_id)
    assert (audit.moderation_due, audit.moderation_reason) == (True, "requested")
    assert events(managers, audit_id)[-1] == "moderation.requested"
    again = followed(client, client.post(f"/moderation/audits/{audit_id}/request"))
    assert "already in the moderation queue" in again
    assert _start(client, audit_id).status_code == 302
    with session_scope(managers) as session:
        assert session.exec(select(Moderation)).one().moderator_id


def test_a_moderated_audit_cannot_be_moderated_again(
    managers: Flask, client: FlaskClient, moderating: int
) -> None:
    audit_id = moderating
    _grades(client, managers, audit_id, **AGREE_POOR)
    _outcome(client, managers, audit_id, outcome="agreed")
    page = followed(client, _start(client, audit_id))
    assert "This audit has already been moderated" in page
    with session_scope(managers) as session:
        assert len(list(session.exec(select(Moderation)))) == 1


def test_a_second_manager_is_told_who_is_moderating_and_can_take_over(
    managers: Flask, client: FlaskClient, moderating: int, auth: AuthActions
) -> None:
    audit_id = moderating
    auth.switch("manager3")
    page = followed(client, _start(client, audit_id))
    assert "started moderating this audit" in page and "Take over the moderation" in page
    response = client.post(f"/moderation/audits/{audit_id}/start", data={"take_over": "yes"})
    assert response.headers["Location"].endswith(f"/moderation/audits/{audit_id}")
    with session_scope(managers) as session:
        rows = list(session.exec(select(Moderation).order_by(Moderation.id)))  # type: ignore[arg-type]
    assert [r.outcome for r in rows] == [None, None]
    assert rows[0].completed_at is not None and rows[1].completed_at is None
    assert "moderation.taken_over" in events(managers, audit_id)


def test_grades_from_a_stale_page_are_refused(
    managers: Flask, client: FlaskClient, moderating: int
) -> None:
    audit_id = moderating
    stale = str(audit_version(managers, audit_id) - 1)
    response = _grades(client, managers, audit_id, version=stale, **AGREE_POOR)
    assert response.status_code == 409
    assert "changed in another tab or by someone else" in response.get_data(as_text=True)
    with session_scope(managers) as session:
        assert session.exec(select(Moderation)).one().overall_grade is None


def test_the_history_shows_each_moderation_step(
    managers: Flask, client: FlaskClient, moderating: int
) -> None:
    audit_id = moderating
    _grades(
        client,
        managers,
        audit_id,
        **dict(AGREE_POOR, **{"grade-planning": "Requires improvement"}),
        **{"rationale-planning": "The plan is partly SMART."},
    )
    _outcome(client, managers, audit_id, outcome="grade_changed", comment="Good work overall.")
    html = client.get(f"/audits/{audit_id}/history").get_data(as_text=True)
    assert "Chosen for moderation: judged in the worst band" in html
    assert "Moderation started" in html
    assert "Planning: none → Requires improvement (The plan is partly SMART.)" in html
    assert "Outcome: Grade changed. Status: Submitted → Moderated." in html
    assert "Planning: auditor Inadequate, moderator Requires improvement" in html


def test_the_queue_shows_the_scores_grade_where_the_overall_grade_is_by_the_score_alone(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    data = upgrade(journey_questionnaire())
    data["version"] = 2
    data["grading"]["overall"] = {"rule": "mean", "graded_by": "score"}
    load_questionnaire(managers, data)
    submitted_audit(managers, answers=POOR)
    sign_in("manager1")
    html = client.get("/moderation").get_data(as_text=True)
    assert "Inadequate (by the score)" in html
    assert "Not graded" not in html
