"""A password an admin sets (Admin > Users, `users create`, `users set-password`) is for one
sign-in: its owner must change it before they can use anything else."""

from __future__ import annotations

import json
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.services.accounts import find_user
from tests.accounts.conftest import MakeUser, SignIn, events, new_user_form, stored_user
from tests.builders import PASSWORD, enrol, later_code

OWN_PASSWORD = "a passphrase only i know"
MUST_CHANGE = "An admin set your password, so they know it too."


def text_of(response: TestResponse) -> str:
    return unescape(response.get_data(as_text=True))


def signed_in(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 302, text_of(response)
    return client


def assert_held_at_the_change_page(client: FlaskClient) -> None:
    for path in ("/", "/account", "/account/mfa", "/reports", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/password", path
    page = client.get("/account/password")
    assert page.status_code == 200
    assert MUST_CHANGE in text_of(page)
    assert "Back to your account" not in text_of(page)


def change(client: FlaskClient, current: str, new: str) -> TestResponse:
    return client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm_password": new},
    )


@pytest.mark.usefixtures("admin_signed_in")
def test_a_user_an_admin_adds_must_change_the_password_at_first_sign_in(
    app: Flask, client: FlaskClient
) -> None:
    added = client.post(
        "/admin/users/new",
        data=new_user_form(),
    )
    assert added.status_code == 302
    assert "They must change their password when they first sign in" in text_of(
        client.get(added.headers["Location"])
    )
    newbie = stored_user(app, "newbie")
    assert newbie is not None and newbie.password_change_required
    assert json.loads(events(app, "user.created")[-1].detail)["change_at_next_sign_in"] is True

    newcomer = signed_in(app, "newbie")
    assert_held_at_the_change_page(newcomer)
    same = change(newcomer, PASSWORD, PASSWORD)
    assert same.status_code == 400
    assert "must be different from your current one" in text_of(same)
    assert change(newcomer, PASSWORD, OWN_PASSWORD).status_code == 302
    assert newcomer.get("/").status_code == 200
    assert newcomer.get("/account").status_code == 200
    after = stored_user(app, "newbie")
    assert after is not None and not after.password_change_required
    # And it stays changed: the next sign-in goes straight in.
    assert signed_in(app, "newbie", OWN_PASSWORD).get("/").status_code == 200


def test_signing_out_is_allowed_before_the_change(app: Flask, make_user: MakeUser) -> None:
    make_user("alice", "auditor")
    with session_scope(app) as session:
        user = find_user("alice", session=session)
        assert user is not None
        user.password_change_required = True
    alice = signed_in(app, "alice")
    assert alice.post("/sign-out").status_code == 302
    assert alice.get("/").headers["Location"].startswith("/sign-in")


def test_a_password_an_admin_sets_must_be_changed_at_the_next_sign_in(
    app: Flask, client: FlaskClient, make_user: MakeUser, sign_in: SignIn
) -> None:
    make_user("alice", "auditor")
    # Users made by the tests (and by demo seed) are not held at the change page.
    assert signed_in(app, "alice").get("/").status_code == 200
    sign_in(make_user("admin1", "admin"))
    alice = stored_user(app, "alice")
    assert alice is not None and not alice.password_change_required

    new = "a different long passphrase"
    done = client.post(
        f"/admin/users/{alice.id}/password",
        data={"new-password": new, "new-confirm_password": new},
    )
    assert done.status_code == 302
    page = text_of(client.get(done.headers["Location"]))
    assert "They must change it when they next sign in" in page
    assert "alice has not yet changed the password an admin set" in page
    [event] = events(app, "user.password_set")
    assert json.loads(event.detail)["change_at_next_sign_in"] is True

    again = signed_in(app, "alice", new)
    assert_held_at_the_change_page(again)
    assert change(again, new, OWN_PASSWORD).status_code == 302
    assert again.get("/").status_code == 200
    assert "has not yet changed" not in text_of(client.get(f"/admin/users/{alice.id}"))


def test_the_users_commands_set_a_password_for_one_sign_in(
    app: Flask, runner: FlaskCliRunner, make_user: MakeUser
) -> None:
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    created = runner.invoke(args=["users", "create", "bob", "--role", "viewer"], input=typed)
    assert created.exit_code == 0, created.output
    assert "They must change the password when they first sign in" in created.output
    assert_held_at_the_change_page(signed_in(app, "bob"))

    make_user("alice", "auditor")
    new = "a different long passphrase"
    result = runner.invoke(args=["users", "set-password", "alice"], input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    assert "They must change it when they next sign in" in result.output
    alice = signed_in(app, "alice", new)
    assert_held_at_the_change_page(alice)
    assert change(alice, new, OWN_PASSWORD).status_code == 302
    assert alice.get("/").status_code == 200


def test_with_two_factor_authentication_the_change_comes_after_the_code(
    app: Flask, client: FlaskClient, make_user: MakeUser, sign_in: SignIn
) -> None:
    make_user("alice", "auditor")
    secret = enrol(app, "alice")
    sign_in(make_user("admin1", "admin"))
    alice_id = stored_user(app, "alice").id  # type: ignore[union-attr]
    new = "a different long passphrase"
    client.post(
        f"/admin/users/{alice_id}/password",
        data={"new-password": new, "new-confirm_password": new},
    )
    alice = app.test_client()
    first = alice.post("/sign-in", data={"username": "alice", "password": new})
    assert first.headers["Location"] == "/sign-in/code"
    assert alice.get("/account/password").headers["Location"].startswith("/sign-in")
    assert alice.post("/sign-in/code", data={"code": later_code(secret)}).status_code == 302
    assert_held_at_the_change_page(alice)
    assert change(alice, new, OWN_PASSWORD).status_code == 302
    assert alice.get("/").status_code == 200


def test_a_role_that_needs_two_factor_changes_the_password_first_then_sets_it_up(
    app: Flask, runner: FlaskCliRunner
) -> None:
    app.config["MFA_REQUIRED_ROLES"] = ("admin", "manager")
    typed = f"{PASSWORD}\n{PASSWORD}\n"
    assert runner.invoke(args=["users", "create", "boss", "--role", "admin"], input=typed)
    boss = signed_in(app, "boss")
    assert_held_at_the_change_page(boss)
    assert change(boss, PASSWORD, OWN_PASSWORD).status_code == 302
    response = boss.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/mfa"
