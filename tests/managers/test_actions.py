"""Actions: recording them on a submitted audit, closing and cancelling, and who sees them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Action, User, utcnow
from tests.builders import POOR, complete_audit, submitted_audit
from tests.conftest import AuthActions
from tests.managers.conftest import events
from tests.steps import date_fields

TOMORROW = utcnow().date() + timedelta(days=1)


def _form(due: date = TOMORROW, **overrides: str) -> dict[str, str]:
    data = {
        "description": "Update the chronology and use it in the next review.",
        "for_whom": "record",
        "owner": "SW1042",
        **date_fields("due", due),
    }
    data.update(overrides)
    return data


def _add(client: FlaskClient, audit_id: int, **overrides: str) -> TestResponse:
    return client.post(f"/audits/{audit_id}/actions/new", data=_form(**overrides))


def _actions(app: Flask) -> list[Action]:
    with session_scope(app) as session:
        return list(session.exec(select(Action).order_by(Action.id)))  # type: ignore[arg-type]


@pytest.fixture
def added(managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]) -> int:
    """A submitted audit with one action, added by its auditor, auditor1 (still signed in)."""
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    assert _add(client, audit_id).status_code == 302
    return audit_id


def _close(client: FlaskClient, action: Action, how: str, **data: str) -> TestResponse:
    """Mark the action as done (``complete``) or ``cancel`` it, from a page of its version 1."""
    return client.post(f"/actions/{action.id}/{how}", data={"version": "1", **data})


def test_the_auditor_records_an_action_on_a_submitted_audit(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    response = _add(client, audit_id)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/audits/{audit_id}#actions")
    [action] = _actions(managers)
    assert (action.for_whom, action.owner, action.due, action.status) == (
        "record",
        "SW1042",
        TOMORROW,
        "open",
    )
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "Update the chronology and use it in the next review." in page
    assert events(managers, audit_id)[-1] == "action.created"


def test_every_field_of_an_action_is_checked(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    response = client.post(f"/audits/{audit_id}/actions/new", data={})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in (
        "Describe what must happen",
        "Select whether the action is for the child or for the record",
        "Enter the owner",
        "Enter the due date",
    ):
        assert message in html
    assert 'href="#due-day"' in html and 'href="#for_whom"' in html
    past = _add(client, audit_id, **{"due-day": "1", "due-month": "1", "due-year": "2020"})
    assert "The due date must be today or in the future" in past.get_data(as_text=True)
    unreal = _add(client, audit_id, **{"due-day": "31", "due-month": "2"})
    assert "The due date must be a real date" in unreal.get_data(as_text=True)
    partial = _add(client, audit_id, **{"due-month": ""})
    assert "The due date must include a month" in partial.get_data(as_text=True)
    assert _actions(managers) == []


def test_the_same_open_action_is_not_recorded_twice_on_a_case(
    managers: Flask, client: FlaskClient, added: int
) -> None:
    audit_id = added
    again = _add(
        client, audit_id, description="  update the chronology and use it in the next review. "
    )
    assert again.status_code == 400
    assert "already has an open action with the same description" in again.get_data(as_text=True)
    assert len(_actions(managers)) == 1


def test_actions_wait_for_submission(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = complete_audit(managers, "auditor1")
    sign_in("auditor1")
    response = _add(client, audit_id)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Actions are recorded once the audit has been submitted" in page
    assert _actions(managers) == []


def test_closing_an_action_needs_a_note_and_records_who_and_when(
    managers: Flask, client: FlaskClient, added: int, auth: AuthActions
) -> None:
    audit_id = added
    [action] = _actions(managers)
    auth.switch("manager1")
    empty = _close(client, action, "complete")
    assert empty.status_code == 400
    assert "Say what was done to complete the action" in empty.get_data(as_text=True)
    done = _close(client, action, "complete", completion_note="Chronology updated on 3 March.")
    assert done.status_code == 302
    [action] = _actions(managers)
    with session_scope(managers) as session:
        manager = session.exec(select(User).where(User.username == "manager1")).one()
    assert action.status == "done" and action.completion_note == "Chronology updated on 3 March."
    assert action.closed_by_id == manager.id and action.closed_at is not None
    assert action.version == 2
    again = client.post(
        f"/actions/{action.id}/cancel", data={"version": "2", "cancel_reason": "Not needed."}
    )
    assert again.status_code == 302
    assert _actions(managers)[0].status == "done"
    assert events(managers, audit_id)[-2:] == ["action.created", "action.completed"]


def test_cancelling_an_action_needs_a_reason(
    managers: Flask, client: FlaskClient, added: int
) -> None:
    [action] = _actions(managers)
    empty = _close(client, action, "cancel")
    assert "Give the reason for cancelling the action" in empty.get_data(as_text=True)
    _close(client, action, "cancel", cancel_reason="Duplicates the action from the review.")
    [action] = _actions(managers)
    assert action.status == "cancelled"
    assert action.cancel_reason == "Duplicates the action from the review."


def test_a_change_from_a_stale_page_is_refused(
    managers: Flask, client: FlaskClient, added: int
) -> None:
    [action] = _actions(managers)
    with session_scope(managers) as session:
        session.execute(update(Action).values(version=2, owner="TM7"))
    response = _close(client, action, "complete", completion_note="Done.")
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)
    assert _actions(managers)[0].status == "open"


def test_managers_see_open_actions_in_their_services_overdue_first(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    protection = submitted_audit(managers, case_ref="100824")
    leaving_care = submitted_audit(managers, case_ref="300001")
    sign_in("auditor1")
    _add(client, protection, description="Hold a core group meeting.")
    _add(client, protection, description="Record the child's wishes in their words.")
    _add(client, leaving_care, description="Review the pathway plan.")
    with session_scope(managers) as session:
        session.execute(
            update(Action)
            .where(Action.description == "Record the child's wishes in their words.")  # type: ignore[arg-type]
            .values(due=utcnow().date() - timedelta(days=3))
        )
    auth.switch("manager1")
    html = client.get("/actions").get_data(as_text=True)
    assert "Review the pathway plan." not in html
    assert html.index("Record the child&#39;s wishes") < html.index("Hold a core group meeting.")
    assert "Overdue" in html and "1 overdue" in html
    home = client.get("/").get_data(as_text=True)
    assert "2 open actions in your services" in home and "1 overdue" in home
    auth.switch("manager2")
    html = client.get("/actions").get_data(as_text=True)
    assert "Review the pathway plan." in html and "Hold a core group meeting." not in html


def test_an_auditor_sees_the_actions_on_their_audits_only(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    mine = submitted_audit(managers, "auditor1")
    theirs = submitted_audit(managers, "auditor2", case_ref="100825")
    sign_in("auditor2")
    _add(client, theirs, description="Theirs.")
    auth.switch("manager1")
    _add(client, mine, description="Agreed by the manager.")
    auth.switch("auditor1")
    html = client.get("/actions").get_data(as_text=True)
    assert "Agreed by the manager." in html and "Theirs." not in html
    assert "Agreed by the manager." in client.get("/").get_data(as_text=True)
    [theirs_action] = [a for a in _actions(managers) if a.description == "Theirs."]
    assert client.get(f"/actions/{theirs_action.id}/complete").status_code == 404


def test_an_admin_sees_every_action_but_changes_none(
    managers: Flask, client: FlaskClient, added: int, auth: AuthActions
) -> None:
    auth.switch("admin1")
    html = client.get("/actions").get_data(as_text=True)
    assert "Update the chronology" in html and "Mark as done" not in html
    [action] = _actions(managers)
    assert client.get(f"/actions/{action.id}/complete").status_code == 403


def test_a_later_audit_shows_earlier_audits_with_grades_and_actions_to_who_may_open_them(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    earlier = submitted_audit(managers, "auditor2", answers=POOR)
    sign_in("manager1")
    _add(client, earlier, description="Visit within ten working days.")
    auth.switch("auditor1")
    later = complete_audit(managers, "auditor1")
    page = client.get(f"/audits/{later}").get_data(as_text=True)
    section = page[page.index("Earlier audits of case 100824") :]
    # The auditor may not open someone else's audit, so none of it is shown to them.
    assert "There are no earlier audits of this case that you can see." in section
    assert "Final grade: <strong>Inadequate</strong>" not in section
    assert "Visit within ten working days." not in section
    assert f'href="/audits/{earlier}"' not in section
    auth.switch("manager1")
    page = client.get(f"/audits/{later}").get_data(as_text=True)
    section = page[page.index("Earlier audits of case 100824") :]
    assert "Final grade: <strong>Inadequate</strong>" in section
    assert "Visit within ten working days." in section
    assert f'href="/audits/{earlier}"' in section
