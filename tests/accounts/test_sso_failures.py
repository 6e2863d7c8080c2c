"""An answer from the provider that cannot be trusted signs nobody in: each check of the state,
the nonce, PKCE, the issuer, the audience and the expiry, tried for real against the provider
(the request to it altered, or the application pointed at a discovery document that names
another issuer)."""

# The provider's fixtures are imported by name, and then named as the tests' arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app import oidc
from audit_app.db import get_engine
from audit_app.models import utcnow
from tests.conftest import events
from tests.oidc_provider.fixtures import (
    OTHER_CLIENT_ID,
    TEST_CLIENT_BASE,
    oidc_provider,
    sign_in_with_provider,
    sso_app,
    sso_app_with,
    sso_client,
)
from tests.oidc_provider.server import CLIENT_SECRET, OpenIDProvider, ProviderBrowser, local_path


def altered(url: str, **changes: str | None) -> str:
    """``url`` with query parameters changed (None takes one out)."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def come_back(
    client: FlaskClient,
    provider: OpenIDProvider,
    username: str = "ann",
    change: Callable[[str], str] = lambda url: url,
) -> str:
    """Start signing in, let ``change`` alter the request to the provider, sign in there; the
    application's callback address the provider sends the browser back to."""
    started = client.get("/sign-in/sso")
    assert started.status_code == 302
    return ProviderBrowser(provider).sign_in(change(started.headers["Location"]), username)


def assert_not_signed_in(client: FlaskClient, answer: TestResponse, words: str) -> None:
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert words in answer.get_data(as_text=True)
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].startswith("/sign-in")


def refusal_reasons(app: Flask) -> list[str]:
    return [event.detail for event in events(app, "sign_in.sso_failed")]


def test_a_replayed_state_is_refused(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
) -> None:
    back = local_path(come_back(sso_client, oidc_provider))
    assert sso_client.get(back).status_code == 302
    sso_client.post("/sign-out")
    answer = sso_client.get(back)
    assert_not_signed_in(sso_client, answer, "This sign-in has already been used")
    assert "unknown or replayed state" in refusal_reasons(sso_app)[0]


def test_an_answer_meant_for_another_browser_is_refused(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
) -> None:
    """Login CSRF: an attacker's own callback, sent to someone else's browser."""
    back = local_path(come_back(sso_client, oidc_provider))
    victim = sso_app.test_client()
    answer = victim.get(back)
    assert_not_signed_in(victim, answer, "started in another browser")


def test_an_id_token_without_the_nonce_is_refused(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
) -> None:
    back = come_back(sso_client, oidc_provider, change=lambda url: altered(url, nonce=None))
    answer = sso_client.get(local_path(back))
    assert_not_signed_in(sso_client, answer, "could not be trusted")
    assert "id token missing_claim: nonce" in refusal_reasons(sso_app)[0]


def test_an_id_token_with_another_nonce_is_refused(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
) -> None:
    back = come_back(sso_client, oidc_provider, change=lambda url: altered(url, nonce="other"))
    answer = sso_client.get(local_path(back))
    assert_not_signed_in(sso_client, answer, "could not be trusted")
    assert "id token invalid_claim: nonce" in refusal_reasons(sso_app)[0]


def test_a_code_whose_pkce_challenge_was_changed_is_not_exchanged(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
) -> None:
    """Someone who swapped the challenge (and so holds its verifier) cannot use our code, and
    our verifier does not match theirs: the provider refuses the exchange."""
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"x" * 43).digest()).rstrip(b"=")
    back = come_back(
        sso_client,
        oidc_provider,
        change=lambda url: altered(url, code_challenge=challenge.decode()),
    )
    answer = sso_client.get(local_path(back))
    assert_not_signed_in(sso_client, answer, "did not confirm who you are")
    assert "token refused: invalid_grant" in refusal_reasons(sso_app)[0]


def test_a_request_without_pkce_is_refused_by_the_provider(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
) -> None:
    """The provider requires PKCE: the application's own requests carry it (every other test
    signs in), and one without it gets an error back, which signs nobody in."""
    back = come_back(
        sso_client,
        oidc_provider,
        change=lambda url: altered(url, code_challenge=None, code_challenge_method=None),
    )
    assert "error=invalid_request" in back
    answer = sso_client.get(local_path(back))
    assert_not_signed_in(sso_client, answer, "did not sign you in")


def test_an_id_token_from_another_issuer_is_refused(
    database_url: str,
    tmp_path: Path,
    oidc_provider: OpenIDProvider,
) -> None:
    """The application trusts <issuer>/impostor, whose discovery document sends it to the real
    provider: the ID token names the real provider as its issuer, not the one trusted."""
    app = sso_app_with(database_url, tmp_path, oidc_provider)
    app.config["OIDC_ISSUER"] = f"{oidc_provider.issuer}/impostor"
    app.extensions.pop(oidc.EXTENSION)
    oidc.init_app(app)
    client = app.test_client()
    try:
        answer = client.get(local_path(come_back(client, oidc_provider)))
        assert_not_signed_in(client, answer, "could not be trusted")
        assert "id token invalid_claim: iss" in refusal_reasons(app)[0]
    finally:
        get_engine(app).dispose()


def test_an_expired_id_token_is_refused(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
) -> None:
    """The provider's ID tokens last an hour: two hours later by this server's clock, the answer
    is refused."""
    back = come_back(sso_client, oidc_provider)
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=True):
        answer = sso_client.get(local_path(back))
    assert_not_signed_in(sso_client, answer, "took too long")
    assert "expired id token" in refusal_reasons(sso_app)[0]


def _token_for_another_application(provider: OpenIDProvider) -> tuple[dict[str, Any], str]:
    """A real token response from the provider to another of the council's applications, and
    the nonce it was asked for with."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    nonce = secrets.token_urlsafe(16)
    redirect_uri = f"{TEST_CLIENT_BASE}/another-app/sign-in/sso/callback"
    request = f"{provider.issuer}/auth?" + urlencode(
        {
            "client_id": OTHER_CLIENT_ID,
            "response_type": "code",
            "scope": "openid profile email",
            "redirect_uri": redirect_uri,
            "state": "s",
            "nonce": nonce,
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
        }
    )
    back = ProviderBrowser(provider).sign_in(request, "ann")
    code = parse_qs(urlsplit(back).query)["code"][0]
    token = requests.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(OTHER_CLIENT_ID, CLIENT_SECRET),
        timeout=30,
    )
    assert token.status_code == 200, token.text
    return token.json(), nonce


def test_an_id_token_for_another_application_is_refused(
    sso_app: Flask,
    oidc_provider: OpenIDProvider,
) -> None:
    """The provider signs ID tokens for every application of the council with the same keys:
    one whose audience is another application does not sign anyone in here."""
    token, nonce = _token_for_another_application(oidc_provider)
    with sso_app.test_request_context("/sign-in/sso/callback"):
        with pytest.raises(oidc.SignOnFailed) as refused:
            oidc.check_id_token(token, nonce)
    assert refused.value.reason == "id token invalid_claim: aud"


def test_the_same_check_accepts_the_provider_s_token_for_this_application(
    sso_app: Flask,
    oidc_provider: OpenIDProvider,
) -> None:
    """The counterpart of the test above: the check is not refusing everything."""
    token, nonce = _token_for_another_application(oidc_provider)
    sso_app.config["OIDC_CLIENT_ID"] = OTHER_CLIENT_ID
    sso_app.extensions.pop(oidc.EXTENSION)
    oidc.init_app(sso_app)
    with sso_app.test_request_context("/sign-in/sso/callback"):
        claims = oidc.check_id_token(token, nonce)
    assert claims["sub"] == "ann"


def test_tokens_codes_and_verifiers_never_reach_the_logs(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    back = come_back(sso_client, oidc_provider)
    code = parse_qs(urlsplit(back).query)["code"][0]
    assert sso_client.get(local_path(back)).status_code == 302
    logged = caplog.text
    assert caplog.records, "nothing was logged at all: the test would prove nothing"
    assert code not in logged
    assert "code_verifier" not in logged
    assert "eyJ" not in logged  # the start of every JWT (ID token, signed access token)
