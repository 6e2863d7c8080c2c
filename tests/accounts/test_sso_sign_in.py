"""Signing in with the council's account: the authorization code flow with PKCE against a real
OpenID provider, the account found by the provider's subject, the role from the groups."""

# The provider's fixtures are imported by name, and then named as the tests' arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import User
from tests.conftest import events
from tests.oidc_provider.fixtures import (
    oidc_provider,
    sign_in_with_provider,
    sso_app,
    sso_client,
)
from tests.oidc_provider.server import OpenIDProvider, ProviderBrowser


def linked_to(app: Flask, subject: str) -> User | None:
    """The account linked to this subject at the provider."""
    with session_scope(app) as session:
        return session.exec(select(User).where(User.oidc_subject == subject)).first()


def test_an_auditor_signs_in_with_the_council_account_and_gets_the_role_of_their_group(
    sso_app: Flask,
    sso_client: FlaskClient,
    oidc_provider: OpenIDProvider,
) -> None:
    answer = sign_in_with_provider(sso_client, oidc_provider, "ann")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"
    home = sso_client.get("/")
    assert home.status_code == 200
    assert "Ann Auditor" in home.get_data(as_text=True)
    user = linked_to(sso_app, "ann")
    assert user is not None
    assert (user.username, user.role, user.password_hash) == (
        "ann.auditor@council.example",
        "auditor",
        "",
    )
    assert user.last_sign_in_at is not None
    [signed_in] = events(sso_app, "sign_in.sso_succeeded")
    assert signed_in.actor == "ann.auditor@council.example"
    assert '"groups": ["QA auditors, Child Protection"]' in signed_in.detail
    assert len(events(sso_app, "user.created")) == 1


def test_the_page_asked_for_before_signing_in_is_the_one_shown_after(
    sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    answer = sign_in_with_provider(
        sso_client, oidc_provider, "ann", start="/sign-in/sso?next=/account"
    )
    assert answer.headers["Location"] == "/account"


def test_another_site_is_never_where_signing_in_leads(
    sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    answer = sign_in_with_provider(
        sso_client, oidc_provider, "ann", start="/sign-in/sso?next=https://elsewhere.example/"
    )
    assert answer.headers["Location"] == "/"
