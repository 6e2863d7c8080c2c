"""Separation of duties: nobody acknowledges a safeguarding concern they raised, and nobody
closes an audit they wrote (as nobody moderates their own: test_moderation.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import submitted_audit
from tests.conftest import AuthActions
from tests.managers.conftest import acknowledge, audit_row, events, raise_concern, the_concern
from tests.steps import followed


def test_a_manager_who_raised_a_concern_cannot_acknowledge_it(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers, "manager3", rate=0.0)
    sign_in("manager3")
    raise_concern(client, audit_id)
    concern_id = the_concern(managers).id
    own = followed(client, acknowledge(client, concern_id, "Seen."))
    assert "You raised this concern, so someone else must acknowledge it" in own
    assert the_concern(managers).acknowledged_at is None
    assert "concern.acknowledged" not in events(managers, audit_id)
    # Another manager of the service can.
    auth.switch("manager1")
    acknowledge(client, concern_id, "Visit made.")
    assert the_concern(managers).acknowledgement == "Visit made."


def test_a_manager_cannot_close_their_own_audit(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = submitted_audit(managers, "manager3", rate=0.0)
    sign_in("manager3")
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    assert "You cannot close your own audit" in page
    shown = followed(client, client.post(f"/moderation/audits/{audit_id}/close"))
    assert "You cannot close your own audit: another group manager of the service must" in shown
    assert audit_row(managers, audit_id).status == "submitted"
    auth.switch("manager1")
    client.post(f"/moderation/audits/{audit_id}/close")
    assert audit_row(managers, audit_id).status == "closed"
