"""Organisations: the home admins list them and add a partner organisation with its first
admin; a partner's admins manage their own people only; a partner's people must set up
two-factor authentication."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Organisation, User
from tests.accounts.conftest import csrf_token, events, new_user_form, stored_user
from tests.builders import PASSWORD, add_user, ensure_organisation

PARTNER = "Metropolitan Police"


def _partner_form(**overrides: str) -> dict[str, str]:
    form = {
        "name": PARTNER,
        "kind": "police",
        "username": "met.admin",
        "display_name": "",
        "password": PASSWORD,
        "confirm_password": PASSWORD,
    }
    return {**form, **overrides}


def _organisation(app: Flask, name: str) -> Organisation | None:
    with session_scope(app) as session:
        return session.exec(select(Organisation).where(Organisation.name == name)).first()


def test_the_home_organisation_is_listed(admin_signed_in: FlaskClient) -> None:
    page = admin_signed_in.get("/admin/organisations").get_data(as_text=True)
    assert "The council (home organisation)" in page
    assert "Add a partner organisation" in page


def test_a_partner_organisation_is_added_with_its_first_admin(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    response = admin_signed_in.post("/admin/organisations", data=_partner_form())
    assert response.status_code == 302
    organisation = _organisation(app, PARTNER)
    assert organisation is not None
    assert (organisation.kind, organisation.is_home, organisation.mfa_required) == (
        "police",
        False,
        True,
    )
    admin = stored_user(app, "met.admin")
    assert admin is not None
    assert (admin.role, admin.organisation_id) == ("admin", organisation.id)
    assert admin.password_change_required
    [created] = events(app, "organisation.created")
    assert (created.actor, json.loads(created.detail)["organisation"]) == ("admin1", PARTNER)
    assert json.loads(events(app, "user.created")[-1].detail)["username"] == "met.admin"
    page = admin_signed_in.get("/admin/organisations").get_data(as_text=True)
    assert PARTNER in page and "Required of everyone" in page


def test_every_problem_is_named_at_its_field_and_what_was_typed_is_kept(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    response = admin_signed_in.post(
        "/admin/organisations",
        data=_partner_form(kind="", username="", confirm_password="other", name="Kent Police"),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "Select the kind of organisation",
        "Enter a username for its first admin",
        "The passwords do not match",
    ):
        assert message in page
    assert 'value="Kent Police"' in page
    assert _organisation(app, "Kent Police") is None


def test_a_name_already_taken_is_refused_and_nothing_is_written(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    response = admin_signed_in.post(
        "/admin/organisations", data=_partner_form(name="the council", username="x.admin")
    )
    assert response.status_code == 400
    assert "There is already an organisation called the council" in response.get_data(as_text=True)
    assert stored_user(app, "x.admin") is None


def test_the_form_needs_its_csrf_token(csrf_app: Flask) -> None:
    add_user(csrf_app, "admin1", "admin")
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"username": "admin1", "password": PASSWORD, "csrf_token": token})
    response = client.post("/admin/organisations", data=_partner_form())
    assert response.status_code == 400
    assert _organisation(csrf_app, PARTNER) is None


def _partner_admin(app: Flask, client: FlaskClient, sign_in: Callable[..., object]) -> None:
    add_user(app, "met.admin", "admin", organisation=PARTNER)
    add_user(app, "met.auditor", "auditor", team="Public Protection 1", organisation=PARTNER)
    add_user(app, "home.auditor", "auditor", team="Child Protection 1")
    sign_in("met.admin")


def test_a_partner_admin_lists_and_opens_only_their_own_people(
    app: Flask, client: FlaskClient, sign_in: Callable[..., object]
) -> None:
    _partner_admin(app, client, sign_in)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "met.auditor" in page
    assert "home.auditor" not in page
    home = stored_user(app, "home.auditor")
    assert home is not None
    assert client.get(f"/admin/users/{home.id}").status_code == 404
    assert client.post(f"/admin/users/{home.id}/status", data={}).status_code == 404


def test_a_partner_admin_adds_people_to_their_organisation_and_its_teams_alone(
    app: Flask, client: FlaskClient, sign_in: Callable[..., object]
) -> None:
    _partner_admin(app, client, sign_in)
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert "Public Protection 1" in page
    assert "Child Protection 1" not in page
    refused = client.post("/admin/users/new", data=new_user_form(team="Child Protection 1"))
    assert refused.status_code == 400
    assert stored_user(app, "newbie") is None
    added = client.post("/admin/users/new", data=new_user_form(team="Public Protection 1"))
    assert added.status_code == 302
    newbie = stored_user(app, "newbie")
    partner = _organisation(app, PARTNER)
    assert newbie is not None and partner is not None
    assert newbie.organisation_id == partner.id


def test_users_made_on_the_command_line_belong_to_the_home_organisation(app: Flask) -> None:
    add_user(app, "cli.auditor", "auditor")
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == "cli.auditor")).one()
        home = session.get(Organisation, user.organisation_id)
        assert home is not None and home.is_home and home.name == "The council"


def test_a_partner_user_must_set_up_two_factor_authentication(
    app: Flask, client: FlaskClient, sign_in: Callable[..., object]
) -> None:
    with session_scope(app) as session:
        ensure_organisation(session, PARTNER, mfa_required=True)
    add_user(app, "met.auditor", "auditor", organisation=PARTNER)
    sign_in("met.auditor")
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/mfa")
    page = client.get("/account/mfa").get_data(as_text=True)
    assert "Your organisation needs two-factor authentication" in page


def test_a_home_user_of_a_role_without_it_need_not(
    app: Flask, client: FlaskClient, sign_in: Callable[..., object]
) -> None:
    add_user(app, "home.auditor", "auditor")
    sign_in("home.auditor")
    assert client.get("/").status_code == 200
