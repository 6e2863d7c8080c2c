"""Safeguarding concerns: escalated to the service's managers at once, until acknowledged."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import SafeguardingConcern
from tests.builders import backdate_concerns, complete_audit, submitted_audit
from tests.conftest import AuthActions
from tests.managers.conftest import events

CONCERN = "No visit for nine weeks while on a child protection plan."


def _raise(client: FlaskClient, audit_id: int) -> None:
    response = client.post(f"/audits/{audit_id}/concern", data={"description": CONCERN})
    assert response.status_code == 302


def _concern(app: Flask) -> SafeguardingConcern:
    with session_scope(app) as session:
        return session.exec(select(SafeguardingConcern)).one()


def test_a_concern_appears_at_once_on_the_service_managers_home(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = complete_audit(managers, "auditor1")  # a draft: concerns do not wait
    sign_in("auditor1")
    _raise(client, audit_id)
    auth.switch("manager1")
    home = client.get("/").get_data(as_text=True)
    assert "Safeguarding concerns" in home and CONCERN in home
    assert "1 open safeguarding concern in your services" in home
    assert "Acknowledge the concern on case 100824" in home
    assert "Overdue" not in home.split("Moderation queue")[0]
    auth.switch("manager2")
    assert CONCERN not in client.get("/").get_data(as_text=True)


def test_a_concern_unacknowledged_after_a_working_day_is_overdue(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    _raise(client, audit_id)
    backdate_concerns(managers, days=4)  # at least two working days whatever today is
    auth.switch("manager1")
    banner = client.get("/").get_data(as_text=True).split("Moderation queue")[0]
    assert "Overdue" in banner


def test_acknowledging_needs_a_note_and_clears_the_concern(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    _raise(client, audit_id)
    concern_id = _concern(managers).id
    auth.switch("manager1")
    page = client.get(f"/concerns/{concern_id}/acknowledge")
    assert page.status_code == 200 and CONCERN in page.get_data(as_text=True)
    empty = client.post(f"/concerns/{concern_id}/acknowledge", data={"acknowledgement": " "})
    assert empty.status_code == 400
    assert "Say what was done about the concern" in empty.get_data(as_text=True)
    assert _concern(managers).acknowledged_at is None

    done = client.post(
        f"/concerns/{concern_id}/acknowledge",
        data={"acknowledgement": "Strategy discussion held; visit made the same day."},
    )
    assert done.status_code == 302
    concern = _concern(managers)
    assert concern.acknowledged_at is not None and concern.acknowledged_by_id is not None
    assert concern.acknowledgement == "Strategy discussion held; visit made the same day."
    assert CONCERN not in client.get("/").get_data(as_text=True)
    assert "Strategy discussion held" in client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert events(managers, audit_id)[-1] == "concern.acknowledged"
    history = client.get(f"/audits/{audit_id}/history").get_data(as_text=True)
    assert "Safeguarding concern acknowledged" in history


def test_a_concern_is_acknowledged_once(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    _raise(client, audit_id)
    concern_id = _concern(managers).id
    auth.switch("manager1")
    client.post(f"/concerns/{concern_id}/acknowledge", data={"acknowledgement": "Done."})
    auth.switch("manager3")
    again = client.post(f"/concerns/{concern_id}/acknowledge", data={"acknowledgement": "Also."})
    assert again.status_code == 200
    assert _concern(managers).acknowledgement == "Done."
    assert events(managers, audit_id).count("concern.acknowledged") == 1


def test_only_the_services_managers_may_acknowledge(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    _raise(client, audit_id)
    concern_id = _concern(managers).id
    assert client.get(f"/concerns/{concern_id}/acknowledge").status_code == 403
    auth.switch("manager2")
    refused = client.post(f"/concerns/{concern_id}/acknowledge", data={"acknowledgement": "x"})
    assert refused.status_code == 404
    assert _concern(managers).acknowledged_at is None
