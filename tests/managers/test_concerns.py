"""Safeguarding concerns: escalated to the service's managers at once, until acknowledged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.builders import backdate_concerns, complete_audit, submitted_audit
from tests.conftest import AuthActions
from tests.managers.conftest import CONCERN, acknowledge, events, raise_concern, the_concern
from tests.steps import text


@pytest.fixture
def raised(managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]) -> int:
    """A submitted audit on which its auditor, auditor1 (still signed in), raised a concern."""
    audit_id = submitted_audit(managers)
    sign_in("auditor1")
    raise_concern(client, audit_id)
    return audit_id


def test_a_concern_appears_at_once_on_the_service_managers_home(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = complete_audit(managers, "auditor1")  # a draft: concerns do not wait
    sign_in("auditor1")
    raise_concern(client, audit_id)
    auth.switch("manager1")
    home = text(client, "/")
    assert "Safeguarding concerns" in home and CONCERN in home
    assert "1 open safeguarding concern in your services" in home
    assert "Acknowledge the concern on case 100824" in home
    assert "Overdue" not in home.split("Moderation queue")[0]
    auth.switch("manager2")
    assert CONCERN not in text(client, "/")


def test_a_concern_unacknowledged_after_a_working_day_is_overdue(
    managers: Flask, client: FlaskClient, raised: int, auth: AuthActions
) -> None:
    backdate_concerns(managers, days=4)  # at least two working days whatever today is
    auth.switch("manager1")
    assert "Overdue" in text(client, "/").split("Moderation queue")[0]


def test_acknowledging_needs_a_note_and_clears_the_concern(
    managers: Flask, client: FlaskClient, raised: int, auth: AuthActions
) -> None:
    concern_id = the_concern(managers).id
    auth.switch("manager1")
    page = client.get(f"/concerns/{concern_id}/acknowledge")
    assert page.status_code == 200 and CONCERN in page.get_data(as_text=True)
    empty = acknowledge(client, concern_id, " ")
    assert empty.status_code == 400
    assert "Say what was done about the concern" in empty.get_data(as_text=True)
    assert the_concern(managers).acknowledged_at is None

    done = acknowledge(client, concern_id, "Strategy discussion held; visit made the same day.")
    assert done.status_code == 302
    concern = the_concern(managers)
    assert concern.acknowledged_at is not None and concern.acknowledged_by_id is not None
    assert concern.acknowledgement == "Strategy discussion held; visit made the same day."
    assert CONCERN not in text(client, "/")
    assert "Strategy discussion held" in text(client, f"/audits/{raised}")
    assert events(managers, raised)[-1] == "concern.acknowledged"
    assert "Safeguarding concern acknowledged" in text(client, f"/audits/{raised}/history")


def test_a_concern_is_acknowledged_once(
    managers: Flask, client: FlaskClient, raised: int, auth: AuthActions
) -> None:
    concern_id = the_concern(managers).id
    auth.switch("manager1")
    acknowledge(client, concern_id, "Done.")
    auth.switch("manager3")
    again = acknowledge(client, concern_id, "Also.")
    assert again.status_code == 200
    assert the_concern(managers).acknowledgement == "Done."
    assert events(managers, raised).count("concern.acknowledged") == 1


def test_only_the_services_managers_may_acknowledge(
    managers: Flask, client: FlaskClient, raised: int, auth: AuthActions
) -> None:
    concern_id = the_concern(managers).id
    assert client.get(f"/concerns/{concern_id}/acknowledge").status_code == 403
    auth.switch("manager2")
    refused = acknowledge(client, concern_id, "x")
    assert refused.status_code == 404
    assert the_concern(managers).acknowledged_at is None
