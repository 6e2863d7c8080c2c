"""A safeguarding concern raised on an agency's return reaches the council's managers of the
case's service and its admins, as well as the agency's own admins: a concern about the child
overrides the seal (the return itself stays sealed); another agency sees nothing of it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import SafeguardingConcern
from tests.builders import PASSWORD
from tests.multi_agency import world

WORDS = "The child told the officer about a new adult at home"


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return client


@pytest.fixture
def raised(app: Flask) -> tuple[Flask, int, int]:
    """The police's return on the council's case, with a concern its auditor raised."""
    world.build(app)
    opened = world.open_one(app)
    audit_id = world.start(app, "police_auditor", world.return_id(app, opened, "police"))
    response = _client(app, "police_auditor").post(
        f"/audits/{audit_id}/concern", data={"description": WORDS}
    )
    assert response.status_code == 302
    with session_scope(app) as session:
        concern = session.exec(select(SafeguardingConcern)).one()
        assert concern.id is not None
        return app, audit_id, concern.id


@pytest.mark.parametrize("person", ["council_manager", "coordinator", "police_admin"])
def test_the_councils_managers_and_admins_and_the_agency_see_and_open_it(
    raised: tuple[Flask, int, int], person: str
) -> None:
    app, _audit_id, concern_id = raised
    client = _client(app, person)
    home = client.get("/").get_data(as_text=True)
    assert f"/concerns/{concern_id}/acknowledge" in home
    page = client.get(f"/concerns/{concern_id}/acknowledge")
    assert page.status_code == 200
    assert WORDS in page.get_data(as_text=True)


def test_the_return_itself_stays_sealed_from_the_council(raised: tuple[Flask, int, int]) -> None:
    app, audit_id, _concern_id = raised
    client = _client(app, "council_manager")
    assert client.get(f"/audits/{audit_id}").status_code == 404


@pytest.mark.parametrize("person", ["health_manager", "council_auditor"])
def test_nobody_else_sees_it(raised: tuple[Flask, int, int], person: str) -> None:
    app, _audit_id, concern_id = raised
    client = _client(app, person)
    home = client.get("/").get_data(as_text=True)
    assert f"/concerns/{concern_id}/" not in home and WORDS not in home
    # An auditor may see no concern at all (403); another agency's manager not this one (404).
    assert client.get(f"/concerns/{concern_id}/acknowledge").status_code in (403, 404)
