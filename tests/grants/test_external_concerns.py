"""A safeguarding concern a visiting auditor raises on our case reaches our managers of the
case's service and our admins, as any concern on our case does; the visitor still sees their
own, and their organisation's admin sees nothing of it."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app import clock
from audit_app.db import session_scope
from audit_app.models import SafeguardingConcern
from tests.builders import PASSWORD, add_user, complete_audit
from tests.grants import world
from tests.grants.world import GRANTED

WORDS = "The child disclosed harm at the last visit"


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username
    return client


@pytest.fixture
def raised(app: Flask) -> tuple[Flask, int, int]:
    """The visitor's draft audit of our case, with a concern they raised; the audit's and
    the concern's ids."""
    world.build(app)
    add_user(app, "cin_manager", "manager", services=("Children in Need",))
    add_user(app, "visitor_manager", "manager", organisation=world.VISITING_COUNCIL)
    today = clock.today()
    world.grant(app, today, today + timedelta(days=6))
    audit_id = complete_audit(app, "visitor", world.seen_as(app, GRANTED))
    response = _client(app, "visitor").post(
        f"/audits/{audit_id}/concern", data={"description": WORDS}
    )
    assert response.status_code == 302
    with session_scope(app) as session:
        concern = session.exec(select(SafeguardingConcern)).one()
        assert concern.id is not None
        return app, audit_id, concern.id


@pytest.mark.parametrize("person", ["qa_lead", "cp_manager"])
def test_our_managers_of_the_service_and_admins_see_it_on_the_home_page(
    raised: tuple[Flask, int, int], person: str
) -> None:
    app, _audit_id, concern_id = raised
    home = _client(app, person).get("/").get_data(as_text=True)
    assert GRANTED in home
    assert f"/concerns/{concern_id}/acknowledge" in home


@pytest.mark.parametrize("person", ["qa_lead", "cp_manager"])
def test_our_managers_of_the_service_and_admins_open_and_acknowledge_it(
    raised: tuple[Flask, int, int], person: str
) -> None:
    app, _audit_id, concern_id = raised
    client = _client(app, person)
    page = client.get(f"/concerns/{concern_id}/acknowledge")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert WORDS in text and GRANTED in text
    response = client.post(
        f"/concerns/{concern_id}/acknowledge", data={"acknowledgement": "Strategy discussion held"}
    )
    assert response.status_code == 302
    with session_scope(app) as session:
        concern = session.get(SafeguardingConcern, concern_id)
        assert concern is not None and concern.acknowledged_at is not None


@pytest.mark.parametrize("person", ["cin_manager", "visitor_admin", "visitor_manager"])
def test_nobody_else_sees_it(raised: tuple[Flask, int, int], person: str) -> None:
    app, _audit_id, concern_id = raised
    client = _client(app, person)
    home = client.get("/").get_data(as_text=True)
    assert GRANTED not in home and f"/concerns/{concern_id}/" not in home
    assert WORDS not in home
    assert client.get(f"/concerns/{concern_id}/acknowledge").status_code == 404


def test_the_visitor_still_sees_their_own_concern(raised: tuple[Flask, int, int]) -> None:
    app, audit_id, _concern_id = raised
    page = _client(app, "visitor").get(f"/audits/{audit_id}").get_data(as_text=True)
    assert WORDS in page
    assert GRANTED not in page


def test_the_visitor_is_told_who_sees_it_without_our_names(app: Flask) -> None:
    world.build(app)
    today = clock.today()
    world.grant(app, today, today + timedelta(days=6))
    audit_id = complete_audit(app, "visitor", world.seen_as(app, GRANTED))
    client = _client(app, "visitor")
    form = client.get(f"/audits/{audit_id}/concern").get_data(as_text=True)
    client.post(f"/audits/{audit_id}/concern", data={"description": WORDS})
    page = client.get(f"/audits/{audit_id}").get_data(as_text=True)
    for text in map(html.unescape, (form, page)):
        assert "The managers of this case's service at the council that granted you" in text
        # Our people and services are not named to another organisation's auditor.
        assert "cp_manager" not in text and "qa_lead" not in text
        assert "The managers of Child Protection" not in text
