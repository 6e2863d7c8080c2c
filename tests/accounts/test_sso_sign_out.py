"""Signing out after signing in with the council's account: the service's session ends, and the
provider's own sign-out is offered (RP-initiated logout), which comes back here."""

# The provider's fixtures are imported by name, and then named as the tests' arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from flask import Flask
from flask.testing import FlaskClient

from tests.builders import PASSWORD, add_user
from tests.conftest import events
from tests.oidc_provider.fixtures import oidc_provider, sign_in_with_provider, sso_app, sso_client
from tests.oidc_provider.server import CLIENT_ID, OpenIDProvider, ProviderBrowser, local_path

HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
FORM = re.compile(r'<form[^>]*action="([^"]+)"')
OFFER = re.compile(r'href="(http://127\.0\.0\.1:\d+/session/end\?[^"]+)"')


def test_signing_out_offers_the_provider_s_sign_out_which_comes_back_here(
    sso_app: Flask, sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    at_provider = ProviderBrowser(oidc_provider)
    assert (
        sign_in_with_provider(sso_client, oidc_provider, "ann", at=at_provider).status_code == 302
    )
    signed_out = sso_client.post("/sign-out")
    assert signed_out.headers["Location"] == "/signed-out"
    assert sso_client.get("/").status_code == 302  # this service's session has ended
    page = sso_client.get("/signed-out").get_data(as_text=True)
    assert "You have signed out of Case file audits" in page
    offer = OFFER.search(page.replace("&amp;", "&"))
    assert offer, page
    query = parse_qs(urlsplit(offer.group(1)).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == ["http://localhost/sign-in/sso/signed-out"]

    confirm = at_provider.follow(offer.group(1))
    assert "Sign out of the council account" in confirm.text
    fields = dict(HIDDEN.findall(confirm.text))
    action = FORM.search(confirm.text)
    assert action and "xsrf" in fields
    done = at_provider.web.post(
        urljoin(confirm.url, action.group(1)),
        data={**fields, "logout": "yes"},
        allow_redirects=False,
        timeout=30,
    )
    back_here = urljoin(confirm.url, done.headers["Location"])
    assert back_here.startswith("http://localhost/sign-in/sso/signed-out?")
    answer = sso_client.get(local_path(back_here))
    assert answer.headers["Location"] == "/sign-in"
    assert "and of your council account" in sso_client.get("/sign-in").get_data(as_text=True)
    [event] = events(sso_app, "sign_out.provider")
    assert event.actor == "ann.auditor@council.example"
    # Signed out at the provider too: the next sign-in asks for the password there again.
    started = sso_client.get("/sign-in/sso")
    assert "Sign in to the council" in at_provider.follow(started.headers["Location"]).text


def test_an_answer_from_the_provider_s_sign_out_that_we_did_not_ask_for_is_not_recorded(
    sso_app: Flask, sso_client: FlaskClient
) -> None:
    answer = sso_client.get("/sign-in/sso/signed-out?state=made-up")
    assert answer.headers["Location"] == "/sign-in"
    assert events(sso_app, "sign_out.provider") == []


def test_signing_out_after_a_password_offers_nothing_more(
    sso_app: Flask, sso_client: FlaskClient
) -> None:
    add_user(sso_app, "root", "admin")
    assert (
        sso_client.post("/sign-in", data={"username": "root", "password": PASSWORD}).status_code
        == 302
    )
    answer = sso_client.post("/sign-out")
    assert answer.headers["Location"] == "/sign-in"
    assert sso_client.get("/signed-out").headers["Location"] == "/sign-in"
