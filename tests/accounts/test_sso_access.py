"""Who may use the service after signing in with the council's account: the account found by
the provider's subject and never by e-mail, the role from the groups' mapping file, a clear
refusal otherwise; the provider's multi-factor authentication trusted only when the ID token
says so; and who may still sign in with a password here (LOCAL_SIGN_IN)."""

# The provider's fixtures are imported by name, and then named as the tests' arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pyotp
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import get_engine, session_scope
from audit_app.models import ManagedService, Service, User, utcnow
from tests.builders import PASSWORD, add_user
from tests.conftest import events
from tests.oidc_provider.fixtures import (
    oidc_provider,
    sign_in_with_provider,
    sso_app,
    sso_app_with,
    sso_client,
)
from tests.oidc_provider.server import OpenIDProvider


def account(app: Flask, username: str) -> User:
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        session.expunge(user)
        return user


def managed_services(app: Flask, username: str) -> list[str]:
    with session_scope(app) as session:
        return list(
            session.exec(
                select(Service.name)
                .join(ManagedService, ManagedService.service_id == Service.id)  # type: ignore[arg-type]
                .join(User, User.id == ManagedService.user_id)  # type: ignore[arg-type]
                .where(User.username == username)
            )
        )


def link(app: Flask, username: str, subject: str) -> None:
    result = app.test_cli_runner().invoke(args=["users", "link-sso", username, subject])
    assert result.exit_code == 0, result.output


def assert_refused(answer_text: str, status: int, words: str) -> None:
    assert status == 403, answer_text
    assert words in answer_text


def test_someone_whose_groups_give_no_role_is_refused_with_a_clear_page(
    sso_app: Flask, sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    answer = sign_in_with_provider(sso_client, oidc_provider, "fin")
    assert_refused(
        answer.get_data(as_text=True),
        answer.status_code,
        "Your council account is not in any of the groups that can use Case file audits",
    )
    assert sso_client.get("/").status_code == 302
    with session_scope(sso_app) as session:
        assert session.exec(select(User)).first() is None
    [refused] = events(sso_app, "sign_in.sso_refused")
    assert '"reason": "no group gives a role"' in refused.detail


def test_without_account_creation_an_unknown_person_is_refused_with_their_reference(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    app = sso_app_with(database_url, tmp_path, oidc_provider, OIDC_CREATE_ACCOUNTS="false")
    try:
        answer = sign_in_with_provider(app.test_client(), oidc_provider, "ann")
        page = answer.get_data(as_text=True)
        assert_refused(page, answer.status_code, "There is no account here for your council")
        assert '<strong class="app-reference">ann</strong>' in page
        # The admin links the account named on the page; then the same person signs in.
        add_user(app, "ann.lee", "auditor")
        link(app, "ann.lee", "ann")
        again = sign_in_with_provider(app.test_client(), oidc_provider, "ann")
        assert again.status_code == 302
        assert account(app, "ann.lee").last_sign_in_at is not None
        assert len(events(app, "user.linked_to_provider")) == 1
    finally:
        get_engine(app).dispose()


def test_an_account_is_never_matched_by_its_email(
    sso_app: Flask, sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    """A local account named as the person's e-mail is not theirs to take over: a new account,
    linked to their subject, is made beside it."""
    add_user(sso_app, "ann.auditor@council.example", "admin")
    answer = sign_in_with_provider(sso_client, oidc_provider, "ann")
    assert answer.status_code == 302
    local = account(sso_app, "ann.auditor@council.example")
    assert (local.role, local.oidc_subject, local.last_sign_in_at) == ("admin", None, None)
    made = account(sso_app, "ann.auditor@council.example-2")
    assert (made.role, made.oidc_subject) == ("auditor", "ann")


def test_a_change_of_groups_changes_the_role_at_the_next_sign_in(
    sso_app: Flask, sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    add_user(sso_app, "mo.m", "viewer")
    link(sso_app, "mo.m", "mo")
    answer = sign_in_with_provider(sso_client, oidc_provider, "mo")
    assert answer.status_code == 302
    assert account(sso_app, "mo.m").role == "manager"
    assert managed_services(sso_app, "mo.m") == ["Child Protection"]
    [changed] = events(sso_app, "user.updated_from_groups")
    assert changed.actor == "single sign-on"
    assert '"role": "viewer"' in changed.detail and '"role": "manager"' in changed.detail


def test_an_auditor_s_team_comes_from_their_group(
    sso_app: Flask, sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    sign_in_with_provider(sso_client, oidc_provider, "ann")
    with session_scope(sso_app) as session:
        user = session.exec(select(User).where(User.oidc_subject == "ann")).one()
        from audit_app.models import Team

        team = session.get(Team, user.team_id)
        assert team is not None and team.name == "Child Protection 1"


def test_a_deactivated_account_is_refused(
    sso_app: Flask, sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    add_user(sso_app, "ann.lee", "auditor")
    link(sso_app, "ann.lee", "ann")
    runner = sso_app.test_cli_runner()
    assert runner.invoke(args=["users", "deactivate", "ann.lee"]).exit_code == 0
    answer = sign_in_with_provider(sso_client, oidc_provider, "ann")
    assert_refused(answer.get_data(as_text=True), answer.status_code, "has been deactivated")


def test_a_partner_organisations_account_is_refused(
    sso_app: Flask, sso_client: FlaskClient, oidc_provider: OpenIDProvider
) -> None:
    """Single sign-on is the home organisation's provider."""
    add_user(sso_app, "ann.lee", "auditor", organisation="Metropolitan Police")
    link(sso_app, "ann.lee", "ann")
    answer = sign_in_with_provider(sso_client, oidc_provider, "ann")
    assert_refused(
        answer.get_data(as_text=True), answer.status_code, "belongs to a partner organisation"
    )
    assert sso_client.get("/").status_code == 302


def test_a_groups_file_that_names_a_missing_team_refuses_with_a_message_for_the_admins(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    (tmp_path / "sso-groups.toml").write_text(
        '[[group]]\nid = "csc-qa-auditors-child-protection"\nrole = "auditor"\n'
        'team = "No Such Team"\n',
        "utf-8",
    )
    app = sso_app_with(database_url, tmp_path, oidc_provider)
    try:
        answer = sign_in_with_provider(app.test_client(), oidc_provider, "ann")
        assert_refused(answer.get_data(as_text=True), answer.status_code, "not set up correctly")
        [refused] = events(app, "sign_in.sso_refused")
        assert "groups file names no such team: No Such Team" in refused.detail
    finally:
        get_engine(app).dispose()


def test_the_provider_s_mfa_is_trusted_when_the_id_token_says_so(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    """Mo's sign-in at the provider used a second factor (amr has "mfa"): a manager, whose role
    needs two-factor authentication, goes straight in."""
    app = sso_app_with(database_url, tmp_path, oidc_provider, MFA_REQUIRED_ROLES="manager,admin")
    try:
        client = app.test_client()
        assert sign_in_with_provider(client, oidc_provider, "mo").status_code == 302
        assert client.get("/").status_code == 200
        assert '"mfa_by_provider": true' in events(app, "sign_in.sso_succeeded")[0].detail
    finally:
        get_engine(app).dispose()


def test_without_the_provider_s_mfa_a_role_that_needs_it_asks_for_the_service_s_code(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    """Max signed in at the provider with a password alone: the service's own code is asked
    for, as after a password here."""
    app = sso_app_with(database_url, tmp_path, oidc_provider, MFA_REQUIRED_ROLES="manager,admin")
    try:
        add_user(app, "max.m", "manager")
        link(app, "max.m", "max")
        secret = pyotp.random_base32()
        with session_scope(app) as session:
            user = session.exec(select(User).where(User.username == "max.m")).one()
            user.totp_secret, user.mfa_enabled = secret, True
        client = app.test_client()
        answer = sign_in_with_provider(client, oidc_provider, "max")
        assert answer.headers["Location"] == "/sign-in/code"
        assert client.get("/").status_code == 302  # not signed in yet
        coded = client.post("/sign-in/code", data={"code": pyotp.TOTP(secret).now()})
        assert coded.status_code == 302
        assert client.get("/").status_code == 200
        assert len(events(app, "sign_in.sso_accepted")) == 1
        assert events(app, "sign_in.sso_succeeded") == []
        assert len(events(app, "sign_in.succeeded")) == 1
    finally:
        get_engine(app).dispose()


def _pending_secret(client: FlaskClient) -> str:
    page = client.get("/account/mfa").get_data(as_text=True)
    match = re.search(r'<code class="app-secret">([A-Z2-7]+)</code>', page)
    assert match, page
    return match.group(1)


def test_without_any_second_factor_a_role_that_needs_one_sets_up_the_service_s_code(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    """Max (a manager, no second factor at the provider, no password here) is sent to set up
    the service's two-factor authentication, which asks for no password; his next sign-in
    asks for its code."""
    app = sso_app_with(database_url, tmp_path, oidc_provider, MFA_REQUIRED_ROLES="manager,admin")
    try:
        client = app.test_client()
        assert sign_in_with_provider(client, oidc_provider, "max").status_code == 302
        assert client.get("/").headers["Location"] == "/account/mfa"
        page = client.get("/account/mfa").get_data(as_text=True)
        assert "your council account and a code" in page
        assert 'type="password"' not in page
        secret = _pending_secret(client)
        done = client.post("/account/mfa", data={"code": pyotp.TOTP(secret).now()})
        assert done.status_code == 200, done.get_data(as_text=True)
        assert client.get("/").status_code == 200
        assert len(events(app, "mfa.enabled")) == 1
        assert client.post("/sign-out").headers["Location"] == "/signed-out"
        again = sign_in_with_provider(client, oidc_provider, "max")
        assert again.headers["Location"] == "/sign-in/code"
    finally:
        get_engine(app).dispose()


def test_setting_up_the_code_without_a_password_needs_a_recent_council_sign_in(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    app = sso_app_with(database_url, tmp_path, oidc_provider, MFA_REQUIRED_ROLES="manager,admin")
    try:
        client = app.test_client()
        sign_in_with_provider(client, oidc_provider, "max")
        secret = _pending_secret(client)
        with time_machine.travel(utcnow() + timedelta(minutes=16), tick=True):
            late = client.post("/account/mfa", data={"code": pyotp.TOTP(secret).now()})
        assert late.status_code == 400
        assert "sign in again with your council account" in late.get_data(as_text=True)
        assert events(app, "mfa.enabled") == []
    finally:
        get_engine(app).dispose()


def test_with_local_sign_in_for_admins_only_an_auditor_s_password_is_refused(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    app = sso_app_with(database_url, tmp_path, oidc_provider, LOCAL_SIGN_IN="admins")
    try:
        add_user(app, "alice", "auditor")
        add_user(app, "root", "admin")
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        assert "Sign in with your council account" in page
        assert "Admins: sign in with a password" in page
        refused = client.post("/sign-in", data={"username": "alice", "password": PASSWORD})
        assert refused.status_code == 400
        assert "only admins sign in with a password here" in refused.get_data(as_text=True)
        assert client.get("/").status_code == 302
        assert len(events(app, "sign_in.password_refused")) == 1
        admin = client.post("/sign-in", data={"username": "root", "password": PASSWORD})
        assert admin.status_code == 302
        assert client.get("/").status_code == 200
    finally:
        get_engine(app).dispose()


def test_with_local_sign_in_off_no_password_signs_in(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    app = sso_app_with(database_url, tmp_path, oidc_provider, LOCAL_SIGN_IN="off")
    try:
        add_user(app, "root", "admin")
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        assert 'type="password"' not in page
        refused = client.post("/sign-in", data={"username": "root", "password": PASSWORD})
        assert refused.status_code == 400
        assert "Signing in with a password is switched off" in refused.get_data(as_text=True)
        assert client.get("/").status_code == 302
    finally:
        get_engine(app).dispose()


def test_a_password_signs_in_as_before_when_single_sign_on_is_not_set_up(
    app: Flask, client: FlaskClient
) -> None:
    add_user(app, "alice", "auditor")
    page = client.get("/sign-in").get_data(as_text=True)
    assert "council account" not in page
    assert (
        client.post("/sign-in", data={"username": "alice", "password": PASSWORD}).status_code == 302
    )
    assert account(app, "alice").last_sign_in_at is not None
