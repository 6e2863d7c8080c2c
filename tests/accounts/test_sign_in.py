"""Signing in and out: one message for every failure, throttling, safe redirects, session ends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app.models import utcnow
from audit_app.services.accounts import TOO_MANY, WRONG_DETAILS
from tests.accounts.conftest import MakeUser, SignIn, events, stored_user
from tests.conftest import PASSWORD

IDLE_MESSAGE = "Your session ended because you were inactive. Sign in again."


def attempt(client: FlaskClient, username: str, password: str, **kwargs: Any) -> TestResponse:
    return client.post("/sign-in", data={"username": username, "password": password}, **kwargs)


def test_passwords_are_stored_as_argon2id(app: Flask, make_user: MakeUser) -> None:
    make_user("alice", "auditor")
    user = stored_user(app, "alice")
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_signing_in_goes_to_the_home_page_and_is_recorded(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    response = attempt(client, "Alice ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert len(events(app, "sign_in.succeeded")) == 1


def test_wrong_password_and_unknown_username_look_the_same(
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    wrong_password = attempt(client, "alice", "not the right password")
    unknown_user = attempt(client, "carol", "not the right password")
    assert wrong_password.status_code == unknown_user.status_code == 400
    wrong_page = wrong_password.get_data(as_text=True)
    unknown_page = unknown_user.get_data(as_text=True)
    assert WRONG_DETAILS in wrong_page
    # The pages differ only in the username typed, which the form shows back.
    assert wrong_page.replace('value="alice"', "") == unknown_page.replace('value="carol"', "")


def test_an_empty_form_asks_for_both_fields(client: FlaskClient) -> None:
    page = attempt(client, "", "")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Enter your username" in html and "Enter your password" in html


def test_five_failures_lock_the_account_even_against_the_right_password(
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    for n in range(5):
        # From different addresses: the account counter does not depend on where they come from.
        address = {"environ_base": {"REMOTE_ADDR": f"192.0.2.{n + 1}"}}
        response = attempt(client, "alice", f"wrong guess {n}", **address)
        assert WRONG_DETAILS in response.get_data(as_text=True)
    refused = attempt(client, "alice", PASSWORD, environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert TOO_MANY in html and WRONG_DETAILS not in html
    assert client.get("/").status_code == 302  # not signed in


def test_the_account_lock_does_not_reach_other_accounts(
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    make_user("bob", "auditor")
    for n in range(5):
        attempt(client, "alice", f"wrong guess {n}", environ_base={"REMOTE_ADDR": f"192.0.2.{n}"})
    assert attempt(client, "bob", PASSWORD).status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    here = {"environ_base": {"REMOTE_ADDR": "203.0.113.9"}}
    for n in range(20):
        # Different usernames each time, so that no account counter is reached.
        response = attempt(client, f"guess{n}", "wrong password", **here)
        assert WRONG_DETAILS in response.get_data(as_text=True)
    refused = attempt(client, "alice", PASSWORD, **here)
    assert refused.status_code == 400
    assert TOO_MANY in refused.get_data(as_text=True)
    # The same account from another address is unaffected.
    other = attempt(client, "alice", PASSWORD, environ_base={"REMOTE_ADDR": "203.0.113.10"})
    assert other.status_code == 302


def test_sign_out_is_a_post_and_ends_the_session(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    sign_in: SignIn,
) -> None:
    sign_in(make_user("alice", "auditor"))
    assert client.get("/sign-out").status_code == 405
    assert client.get("/").status_code == 200

    response = client.post("/sign-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    after = client.get("/")
    assert after.status_code == 302
    assert after.headers["Location"].startswith("/sign-in")
    assert len(events(app, "sign_out")) == 1


def test_a_copy_of_the_cookie_is_refused_after_sign_out(
    client: FlaskClient,
    make_user: MakeUser,
    sign_in: SignIn,
) -> None:
    sign_in(make_user("alice", "auditor"))
    cookie = client.get_cookie("session")
    assert cookie is not None
    client.post("/sign-out")
    client.set_cookie("session", cookie.value)
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "http://evil.example/path",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_sign_in_never_sends_people_to_another_site(
    client: FlaskClient,
    make_user: MakeUser,
    target: str,
) -> None:
    make_user("alice", "auditor")
    response = client.post(
        "/sign-in", query_string={"next": target}, data={"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_asked_for(client: FlaskClient, make_user: MakeUser) -> None:
    make_user("alice", "admin")
    first = client.get("/admin/users?sort=name")
    assert first.status_code == 302
    sign_in_url = first.headers["Location"]
    response = client.post(sign_in_url, data={"username": "alice", "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users?sort=name"


def test_a_backslash_in_next_cannot_make_a_protocol_relative_address(
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    # Browsers read "/\\evil.example" as "//evil.example"; the redirect must not keep it as it is.
    make_user("alice", "auditor")
    response = client.post(
        "/sign-in",
        query_string={"next": "/\\evil.example/"},
        data={"username": "alice", "password": PASSWORD},
    )
    location = response.headers["Location"]
    assert not location.startswith(("//", "/\\"))


def test_an_idle_session_ends_with_a_message(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    sign_in: SignIn,
) -> None:
    app.config["SESSION_IDLE_MINUTES"] = 1
    sign_in(make_user("alice", "auditor"))
    assert client.get("/").status_code == 200

    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=2)).isoformat()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    page = client.get(response.headers["Location"])
    assert IDLE_MESSAGE in page.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_session_in_use_stays_open(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    sign_in: SignIn,
) -> None:
    app.config["SESSION_IDLE_MINUTES"] = 1
    sign_in(make_user("alice", "auditor"))
    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(seconds=30)).isoformat()
    assert client.get("/").status_code == 200
