"""Signing in and out: one message for every failure, throttling, safe redirects, session ends."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.auth import password_hasher
from audit_app.db import session_scope
from audit_app.models import RefusalTally, SignInAttempt, User, UserSession, utcnow
from audit_app.services.accounts import (
    TOO_MANY,
    WRONG_DETAILS,
    AccountError,
    check_password_rules,
)
from tests.accounts.conftest import MakeUser, SignIn, assert_sent_to_sign_in, events, stored_user
from tests.builders import PASSWORD

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


@pytest.mark.usefixtures("alice_signed_in")
def test_sign_out_is_a_post_and_ends_the_session(app: Flask, client: FlaskClient) -> None:
    assert client.get("/sign-out").status_code == 405
    assert client.get("/").status_code == 200

    response = client.post("/sign-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    after = client.get("/")
    assert_sent_to_sign_in(after)
    assert len(events(app, "sign_out")) == 1


@pytest.mark.usefixtures("alice_signed_in")
def test_a_copy_of_the_cookie_is_refused_after_sign_out(client: FlaskClient) -> None:
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


@pytest.mark.usefixtures("alice_signed_in")
def test_an_idle_session_ends_with_a_message(app: Flask, client: FlaskClient) -> None:
    app.config["SESSION_IDLE_MINUTES"] = 1
    assert client.get("/").status_code == 200

    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=2)).isoformat()
    response = client.get("/")
    assert_sent_to_sign_in(response)
    page = client.get(response.headers["Location"])
    assert IDLE_MESSAGE in page.get_data(as_text=True)
    assert client.get("/").status_code == 302


@pytest.mark.usefixtures("alice_signed_in")
def test_a_session_in_use_stays_open(app: Flask, client: FlaskClient) -> None:
    app.config["SESSION_IDLE_MINUTES"] = 1
    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(seconds=30)).isoformat()
    assert client.get("/").status_code == 200


@pytest.mark.usefixtures("alice_signed_in")
def test_a_session_in_use_still_ends_after_its_absolute_lifetime(
    app: Flask, client: FlaskClient
) -> None:
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)  # SESSION_MAX_HOURS
    with client.session_transaction() as session:
        session["signed_in_at"] = (utcnow() - timedelta(hours=11, minutes=59)).isoformat()
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        # Used a moment ago, but signed in more than 12 hours ago.
        session["signed_in_at"] = (utcnow() - timedelta(hours=12, minutes=1)).isoformat()
    response = client.get("/")
    assert_sent_to_sign_in(response)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session ended after 12 hours. Sign in again." in page
    assert client.get("/").status_code == 302


@pytest.mark.usefixtures("alice_signed_in")
def test_the_server_ends_a_session_after_its_absolute_lifetime_whatever_the_cookie_says(
    app: Flask, client: FlaskClient
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=2)
    with session_scope(app) as db:
        row = db.exec(select(UserSession)).one()
        row.created_at = utcnow() - timedelta(hours=2, minutes=1)
        db.add(row)
    # The cookie's own sign-in time is recent (as a forged or replayed cookie's could be).
    response = client.get("/")
    assert_sent_to_sign_in(response)


def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    sign_in: SignIn,
) -> None:
    make_user("alice", "auditor")
    older = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    with session_scope(app) as db:
        user = db.exec(select(User).where(User.username == "alice")).one()
        user.password_hash = older
        db.add(user)
    sign_in("alice")
    user = stored_user(app, "alice")
    assert user is not None and user.password_hash != older
    with app.app_context():
        current = password_hasher()
        assert not current.check_needs_rehash(user.password_hash)
        assert current.verify(user.password_hash, PASSWORD)
    assert f"m={current.memory_cost},t={current.time_cost},p={current.parallelism}" in (
        user.password_hash
    )
    # A hash with the current parameters is left as it is.
    client.post("/sign-out")
    sign_in("alice")
    again = stored_user(app, "alice")
    assert again is not None and again.password_hash == user.password_hash


def _passphrase(length: int) -> str:
    return ("a long and quite unusual passphrase " * 4)[:length]


@pytest.mark.parametrize("length", [64, 128])
def test_long_passwords_are_accepted_whole(app: Flask, make_user: MakeUser, length: int) -> None:
    password = _passphrase(length)
    make_user("alice", "auditor", password=password)
    client = app.test_client()
    assert attempt(client, "alice", password).status_code == 302
    # Every character counts: nothing is cut off at 64, 72 (bcrypt's limit) or anywhere else.
    assert attempt(app.test_client(), "alice", password[:-1]).status_code == 400


@pytest.mark.usefixtures("alice_signed_in")
def test_a_password_of_129_characters_is_refused(client: FlaskClient) -> None:
    too_long = _passphrase(129)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": too_long, "confirm_password": too_long},
    )
    assert response.status_code == 400
    assert "Password must be 128 characters or fewer" in response.get_data(as_text=True)
    with pytest.raises(AccountError):
        check_password_rules(too_long)
    check_password_rules(too_long[:128])


def test_a_refused_attempt_does_not_extend_the_lock_which_lifts_after_15_minutes(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    for n in range(5):
        attempt(client, "alice", f"wrong guess {n}")

    def failures() -> list[SignInAttempt]:
        with session_scope(app) as db:
            return list(db.exec(select(SignInAttempt)))

    def age_failures(minutes: float) -> None:
        with session_scope(app) as db:
            for row in db.exec(select(SignInAttempt)):
                row.attempted_at = utcnow() - timedelta(minutes=minutes)
                db.add(row)

    for _ in range(3):
        refused = attempt(client, "alice", PASSWORD)
        assert TOO_MANY in refused.get_data(as_text=True)
    # Refusals during the lock are not failures: they do not push its end further away.
    assert len(failures()) == 5
    # Each refusal is counted; the trail has the first of each minute (refusal_tally).
    with session_scope(app) as db:
        tally = list(
            db.exec(select(RefusalTally).where(RefusalTally.action == "sign_in.throttled"))
        )
    assert sum(row.count for row in tally) == 3
    assert len(events(app, "sign_in.throttled")) == len(tally) >= 1
    age_failures(14)
    assert TOO_MANY in attempt(client, "alice", PASSWORD).get_data(as_text=True)
    assert len(failures()) == 5
    age_failures(15.5)
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_signing_in_gives_a_new_session_token(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    planted = "a-token-chosen-by-someone-else"
    with client.session_transaction() as session:
        session["sid"] = planted
    before = client.get_cookie("session")
    assert before is not None
    assert attempt(client, "alice", PASSWORD).status_code == 302
    with client.session_transaction() as session:
        token = session["sid"]
    assert token != planted and len(token) >= 43  # 256 random bits
    with session_scope(app) as db:
        [row] = db.exec(select(UserSession))
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    # The cookie from before sign-in does not become a signed-in one.
    client.set_cookie("session", before.value)
    assert client.get("/").status_code == 302
