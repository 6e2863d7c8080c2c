"""Single sign-on's settings and the groups' mapping file: clear refusals for a setting or an
entry that cannot work, and a provider that names another issuer refused before anyone signs in."""

# The provider's fixtures are imported by name, and then named as the tests' arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from audit_app import oidc
from audit_app.db import get_engine
from audit_app.services.sso import (
    GroupRule,
    GroupsFileError,
    access_from_groups,
    parse_group_rules,
    provider_did_mfa,
)
from config import ConfigError, load_config
from tests.conftest import events
from tests.oidc_provider.fixtures import oidc_provider, sso_app_with
from tests.oidc_provider.server import OpenIDProvider

ISSUER = "https://login.microsoftonline.com/0b5c4d0e-0000-4000-8000-000000000000/v2.0"


def settings(**env: str) -> dict[str, object]:
    return load_config({"APP_ENV": "test", **env})


def test_without_an_issuer_everyone_signs_in_with_a_password() -> None:
    loaded = settings()
    assert (loaded["OIDC_ISSUER"], loaded["LOCAL_SIGN_IN"]) == ("", "all")


def test_with_an_issuer_passwords_are_for_admins_unless_told_otherwise() -> None:
    loaded = settings(OIDC_ISSUER=f" {ISSUER} ", OIDC_CLIENT_ID="id", OIDC_CLIENT_SECRET="secret")
    assert loaded["OIDC_ISSUER"] == ISSUER
    assert loaded["LOCAL_SIGN_IN"] == "admins"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OIDC_ISSUER": ISSUER},
            "OIDC_ISSUER is set but not OIDC_CLIENT_ID or OIDC_CLIENT_SECRET",
        ),
        (
            {"LOCAL_SIGN_IN": "off"},
            "LOCAL_SIGN_IN=off leaves only single sign-on, which is not set up",
        ),
        ({"LOCAL_SIGN_IN": "some"}, "LOCAL_SIGN_IN must be one of all, admins, off"),
        (
            {
                "OIDC_ISSUER": ISSUER,
                "OIDC_CLIENT_ID": "i",
                "OIDC_CLIENT_SECRET": "s",
                "OIDC_SUBJECT_CLAIM": "email",
            },
            "OIDC_SUBJECT_CLAIM must be sub or oid",
        ),
        ({"DEACTIVATE_AFTER_DAYS": "ninety"}, "DEACTIVATE_AFTER_DAYS must be a whole number"),
    ],
)
def test_a_setting_that_cannot_work_is_refused_saying_why(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        settings(**env)


def test_production_refuses_an_issuer_without_https() -> None:
    with pytest.raises(ConfigError, match="OIDC_ISSUER must start with https://"):
        load_config(
            {
                "APP_ENV": "production",
                "SECRET_KEY": "x" * 40,
                "OIDC_ISSUER": "http://idp.example",
                "OIDC_CLIENT_ID": "i",
                "OIDC_CLIENT_SECRET": "s",
            }
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[group]]\nid = "g"\nrole = "owner"\n', "group 1: role must be one of"),
        ('[[group]]\nrole = "auditor"\n', "group 1: id must be the group's identifier"),
        ('[[group]]\nid = "g"\nrole = "auditor"\nservices = ["CP"]\n', "only a manager's group"),
        (
            '[[group]]\nid = "g"\nrole = "viewer"\n[[group]]\nid = "g"\nrole = "admin"\n',
            "group 2: the group g is listed twice",
        ),
        ('[[group]]\nid = "g"\nrole = "viewer"\ncolour = "red"\n', "unknown keys colour"),
        ("[[group]\n", "is not valid TOML"),
    ],
)
def test_a_mistake_in_the_groups_file_is_named(text: str, message: str) -> None:
    with pytest.raises(GroupsFileError, match=message):
        parse_group_rules(text, source="sso-groups.toml")


def test_several_groups_give_the_role_that_can_do_most_and_a_manager_all_their_services() -> None:
    rules = [
        GroupRule("readers", "viewer"),
        GroupRule("cp-managers", "manager", services=("Child Protection",)),
        GroupRule("cin-managers", "manager", services=("Children in Need",)),
        GroupRule("cp-auditors", "auditor", team="CP 1"),
    ]
    access = access_from_groups(rules, ["cp-auditors", "cin-managers", "readers", "cp-managers"])
    assert access is not None
    assert (access.role, access.team, access.services) == (
        "manager",
        None,
        ("Child Protection", "Children in Need"),
    )
    assert access_from_groups(rules, ["finance"]) is None


def test_only_the_listed_amr_or_acr_values_count_as_multi_factor() -> None:
    assert provider_did_mfa(["pwd", "mfa"], "", amr_values=["mfa"], acr_values=[])
    assert not provider_did_mfa(["pwd"], "", amr_values=["mfa"], acr_values=[])
    assert provider_did_mfa(
        [], "urn:council:mfa", amr_values=["mfa"], acr_values=["urn:council:mfa"]
    )
    assert not provider_did_mfa([], "", amr_values=["mfa"], acr_values=[""])


def test_a_discovery_document_naming_another_issuer_is_refused(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    """The provider is asked at localhost, but its discovery document says it is 127.0.0.1: not
    the issuer the service was told to trust, so nobody is sent to it."""
    port = oidc_provider.issuer.rsplit(":", 1)[1]
    app = sso_app_with(database_url, tmp_path, oidc_provider)
    app.config["OIDC_ISSUER"] = f"http://localhost:{port}"
    app.extensions.pop(oidc.EXTENSION)
    oidc.init_app(app)
    try:
        answer = app.test_client().get("/sign-in/sso")
        assert answer.status_code == 400
        assert "not set up correctly" in answer.get_data(as_text=True)
        [failed] = events(app, "sign_in.sso_failed")
        assert '"reason": "discovery issuer"' in failed.detail
    finally:
        get_engine(app).dispose()


def test_a_provider_that_does_not_answer_gets_a_page_saying_to_try_again_later(
    database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider
) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    app = sso_app_with(database_url, tmp_path, oidc_provider)
    app.config["OIDC_ISSUER"] = f"http://127.0.0.1:{port}"
    app.extensions.pop(oidc.EXTENSION)
    oidc.init_app(app)
    try:
        answer = app.test_client().get("/sign-in/sso")
        assert answer.status_code == 400
        assert "did not answer. Try again in a few minutes" in answer.get_data(as_text=True)
        [failed] = events(app, "sign_in.sso_failed")
        assert '"reason": "provider unreachable"' in failed.detail
    finally:
        get_engine(app).dispose()
