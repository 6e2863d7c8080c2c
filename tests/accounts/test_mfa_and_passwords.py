"""Two-factor authentication (TOTP with recovery codes), and changing your own password."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import SignInAttempt, User, UserSession
from audit_app.services import mfa
from tests.accounts.conftest import events
from tests.builders import PASSWORD

# Alice's authenticator secret and recovery codes.
Enrolment = tuple[str, list[str]]


def _client(
    app: Flask, username: str, password: str = PASSWORD
) -> tuple[FlaskClient, TestResponse]:
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 302
    return client, response


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _next_code(secret: str) -> str:
    """The app's code for the next 30 seconds: the current one was used to confirm enrolment."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _secret_on(page: str) -> str:
    return re.search(r'class="app-secret">([A-Z2-7]+)<', page).group(1)  # type: ignore[union-attr]


def _alice_has_mfa(app: Flask) -> bool:
    with session_scope(app) as session:
        return session.exec(select(User).where(User.username == "alice")).one().mfa_enabled


def _successful_sign_ins(app: Flask) -> int:
    with session_scope(app) as session:
        return len(session.exec(select(SignInAttempt).where(SignInAttempt.succeeded)).all())


def _enrol(app: Flask, client: FlaskClient) -> Enrolment:
    page = client.get("/account/mfa").get_data(as_text=True)
    assert "<svg" in page and "QR code for your authenticator app" in page
    secret = _secret_on(page)
    done = client.post(
        "/account/mfa", data={"code": pyotp.TOTP(secret).now(), "current_password": PASSWORD}
    )
    assert done.status_code == 200
    codes = re.findall(
        r"<li><code>([0-9a-f]{6}-[0-9a-f]{6})</code></li>", done.get_data(as_text=True)
    )
    return secret, codes


@pytest.fixture
def alice(app: Flask, make_user: Callable[..., str]) -> FlaskClient:
    """The auditor alice, signed in with her password."""
    make_user("alice", "auditor")
    return _client(app, "alice")[0]


@pytest.fixture
def enrolled(app: Flask, alice: FlaskClient) -> Enrolment:
    """Alice's authenticator secret and recovery codes, once she has set up two-factor."""
    return _enrol(app, alice)


def test_enrolment_needs_a_correct_code(app: Flask, alice: FlaskClient) -> None:
    alice.get("/account/mfa")
    response = alice.post("/account/mfa", data={"code": "000000", "current_password": PASSWORD})
    assert response.status_code == 400
    assert "Enter the 6-digit code your app shows now" in response.get_data(as_text=True)
    assert not _alice_has_mfa(app)


def test_sign_in_then_needs_the_code_from_the_app(app: Flask, enrolled: Enrolment) -> None:
    secret, codes = enrolled
    assert len(codes) == 10

    fresh, response = _client(app, "alice")
    assert response.headers["Location"] == "/sign-in/code"
    assert fresh.get("/").status_code == 302  # not signed in until the code is given
    wrong = fresh.post("/sign-in/code", data={"code": "123456"})
    assert wrong.status_code == 400
    right = fresh.post("/sign-in/code", data={"code": _next_code(secret)})
    assert right.status_code == 302
    assert fresh.get("/").status_code == 200


def test_a_recovery_code_signs_in_once(app: Flask, enrolled: Enrolment) -> None:
    _secret, codes = enrolled
    first, _ = _client(app, "alice")
    assert first.post("/sign-in/code", data={"code": codes[0]}).status_code == 302
    again, _ = _client(app, "alice")
    assert again.post("/sign-in/code", data={"code": codes[0]}).status_code == 400


def test_wrong_codes_are_throttled(app: Flask, enrolled: Enrolment) -> None:
    secret, _codes = enrolled
    attacker, _ = _client(app, "alice")
    for _ in range(5):
        attacker.post("/sign-in/code", data={"code": "000000"})
    refused = attacker.post("/sign-in/code", data={"code": _next_code(secret)})
    assert refused.status_code == 400
    assert "Too many failed attempts" in refused.get_data(as_text=True)


def test_roles_that_need_mfa_are_sent_to_set_it_up(
    app: Flask, make_user: Callable[..., str]
) -> None:
    app.config["MFA_REQUIRED_ROLES"] = ("admin", "manager")
    make_user("boss", "manager", services=("Child Protection",))
    make_user("alice", "auditor")
    manager, _ = _client(app, "boss")
    response = manager.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/mfa"
    _enrol(app, manager)
    assert manager.get("/").status_code == 200
    auditor, _ = _client(app, "alice")
    assert auditor.get("/").status_code == 200


def test_changing_a_password_needs_the_current_one(app: Flask, alice: FlaskClient) -> None:
    other_device, _ = _client(app, "alice")
    new = "a new and long passphrase"
    wrong = alice.post(
        "/account/password",
        data={"current_password": "not it at all", "new_password": new, "confirm_password": new},
    )
    assert wrong.status_code == 400
    assert "Your current password is not right" in wrong.get_data(as_text=True)
    common = alice.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "123456789qwerty",
            "confirm_password": "123456789qwerty",
        },
    )
    assert "one of the most common passwords" in common.get_data(as_text=True)
    done = alice.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert done.status_code == 302
    assert alice.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    _client(app, "alice", new)


def test_a_code_works_once_only(app: Flask, enrolled: Enrolment) -> None:
    secret, _codes = enrolled
    code = _next_code(secret)
    first, _ = _client(app, "alice")
    assert first.post("/sign-in/code", data={"code": code}).status_code == 302
    replay, _ = _client(app, "alice")
    # The same code again, within its 30 seconds (as a shoulder-surfer would try): refused.
    assert replay.post("/sign-in/code", data={"code": code}).status_code == 400


def test_the_code_that_confirmed_enrolment_cannot_sign_in(app: Flask, alice: FlaskClient) -> None:
    page = alice.get("/account/mfa").get_data(as_text=True)
    secret = _secret_on(page)
    code = pyotp.TOTP(secret).now()
    confirmed = alice.post("/account/mfa", data={"code": code, "current_password": PASSWORD})
    assert confirmed.status_code == 200
    later, _ = _client(app, "alice")
    assert later.post("/sign-in/code", data={"code": code}).status_code == 400


def test_re_entering_the_password_does_not_reset_the_count_of_wrong_codes(
    app: Flask, enrolled: Enrolment
) -> None:
    secret, _codes = enrolled
    for _ in range(3):
        attacker, _ = _client(app, "alice")
        for _ in range(2):
            attacker.post("/sign-in/code", data={"code": "000000"})
    # Six wrong codes over three password entries: even the right password is now refused.
    refused = app.test_client().post("/sign-in", data={"username": "alice", "password": PASSWORD})
    assert refused.status_code == 400
    assert "Too many failed attempts" in refused.get_data(as_text=True)


def test_a_code_from_the_step_either_side_is_accepted_and_no_further(app: Flask) -> None:
    # Phones' clocks drift, and a code typed in its last seconds arrives in the next step.
    secret = mfa.new_secret()
    totp = pyotp.TOTP(secret)
    now = 1_900_000_015.0  # the middle of a 30-second step
    step = int(now // 30)
    for drift in (-1, 0, 1):
        assert mfa.matching_step(secret, totp.at(now + drift * 30), now=now) == step + drift
    for drift in (-2, 2):
        code = totp.at(now + drift * 30)
        if code not in {totp.at(now + d * 30) for d in (-1, 0, 1)}:
            assert mfa.matching_step(secret, code, now=now) is None


def test_the_password_step_and_the_code_step_are_recorded_apart(
    app: Flask, enrolled: Enrolment
) -> None:
    secret, _codes = enrolled
    succeeded_before = len(events(app, "sign_in.succeeded"))

    fresh, _ = _client(app, "alice")
    [accepted] = events(app, "sign_in.password_accepted")
    assert accepted.actor == "alice"
    # The password alone starts no session, and neither counts as a success for throttling.
    assert len(events(app, "sign_in.succeeded")) == succeeded_before
    assert _successful_sign_ins(app) == 1  # the sign-in before two-factor authentication was on

    assert fresh.post("/sign-in/code", data={"code": _next_code(secret)}).status_code == 302
    succeeded = events(app, "sign_in.succeeded")
    assert len(succeeded) == succeeded_before + 1
    assert json.loads(succeeded[-1].detail) == {"second_factor": True}
    assert _successful_sign_ins(app) == 2


def test_someone_with_the_password_who_keeps_guessing_codes_is_locked_out(
    app: Flask, enrolled: Enrolment
) -> None:
    secret, _codes = enrolled
    for n in range(5):
        # A fresh password step for every guess, each from a new address: only the account's
        # own count can stop this.
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"192.0.2.{n + 1}"
        response = attacker.post("/sign-in", data={"username": "alice", "password": PASSWORD})
        assert response.status_code == 302
        assert attacker.post("/sign-in/code", data={"code": "000000"}).status_code == 400
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    refused = elsewhere.post("/sign-in", data={"username": "alice", "password": PASSWORD})
    assert refused.status_code == 400
    assert "Too many failed attempts" in refused.get_data(as_text=True)
    assert len(events(app, "sign_in.failed")) == 5


def test_enrolment_needs_the_password_with_the_first_code(app: Flask, alice: FlaskClient) -> None:
    secret = _secret_on(alice.get("/account/mfa").get_data(as_text=True))
    code = pyotp.TOTP(secret).now()
    missing = alice.post("/account/mfa", data={"code": code})
    assert missing.status_code == 400
    assert "Enter your password" in missing.get_data(as_text=True)
    wrong = alice.post("/account/mfa", data={"code": code, "current_password": "not it at all"})
    assert wrong.status_code == 400
    page = wrong.get_data(as_text=True)
    assert "Your password is not right" in page
    assert 'href="#current_password"' in page  # the error summary links to the field
    assert not _alice_has_mfa(app)
    # A wrong password here is a failure like one at sign-in, towards the account's limit.
    assert len(events(app, "sign_in.failed")) == 1
    for _ in range(4):
        alice.post("/account/mfa", data={"code": code, "current_password": "not it at all"})
    locked = alice.post("/account/mfa", data={"code": code, "current_password": PASSWORD})
    assert locked.status_code == 400
    assert "Too many failed attempts" in locked.get_data(as_text=True)
    assert not _alice_has_mfa(app)


def test_the_new_secret_waits_on_the_server_and_enrolment_starts_a_fresh_session(
    app: Flask, alice: FlaskClient
) -> None:
    secret = _secret_on(alice.get("/account/mfa").get_data(as_text=True))
    # The same secret on every visit from this browser; never in the cookie.
    assert _secret_on(alice.get("/account/mfa").get_data(as_text=True)) == secret
    with alice.session_transaction() as cookie:
        assert secret not in json.dumps(dict(cookie), default=str)
        old_token = cookie["sid"]
    with session_scope(app) as session:
        [record] = session.exec(select(UserSession))
        assert record.pending_totp_secret == secret
    # Another browser of the same person is shown a secret of its own.
    other, _ = _client(app, "alice")
    assert _secret_on(other.get("/account/mfa").get_data(as_text=True)) != secret

    done = alice.post(
        "/account/mfa", data={"code": pyotp.TOTP(secret).now(), "current_password": PASSWORD}
    )
    assert done.status_code == 200
    with alice.session_transaction() as cookie:
        new_token = cookie["sid"]
    assert new_token != old_token
    assert alice.get("/").status_code == 200
    with session_scope(app) as session:
        old = session.exec(
            select(UserSession).where(UserSession.token_sha256 == _sha256(old_token))
        ).one()
        assert old.ended_reason == "two-factor set up" and old.pending_totp_secret is None
        user = session.exec(select(User).where(User.username == "alice")).one()
        assert user.mfa_enabled and user.totp_secret == secret
    # A copy of the cookie from before enrolment no longer signs anyone in.
    for token, expected in ((new_token, 200), (old_token, 302)):
        copy = app.test_client()
        with copy.session_transaction() as cookie:
            cookie.update({"sid": token, "_user_id": f"{user.id}:{user.session_version}"})
        assert copy.get("/").status_code == expected
