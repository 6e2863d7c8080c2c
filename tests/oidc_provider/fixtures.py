"""The provider as pytest fixtures: one per test process, with the council's staff below.

Import the fixtures into a test module: ``from tests.oidc_provider.fixtures import
oidc_provider  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app.db import get_engine, session_scope
from tests.builders import ensure_team
from tests.conftest import build_app
from tests.oidc_provider.server import (
    OpenIDProvider,
    ProviderBrowser,
    account,
    client,
    local_path,
    running_provider,
)

# The groups of the council's directory that the tests' mapping file names.
AUDITORS_CP = "csc-qa-auditors-child-protection"
MANAGERS_CP = "csc-qa-managers-child-protection"
ADMINS = "csc-qa-admins"
VIEWERS = "csc-qa-report-readers"

STAFF = {
    "ann": account("Ann Auditor", [AUDITORS_CP, "all-staff"]),
    "mo": account("Mo Manager", [MANAGERS_CP, "all-staff"], amr=("pwd", "mfa")),
    "max": account("Max Manager", [MANAGERS_CP]),
    "ada": account("Ada Admin", [ADMINS], amr=("pwd", "mfa")),
    "vic": account("Vic Viewer", [VIEWERS]),
    "fin": account("Fin Finance", ["finance-team", "all-staff"]),
}

# Where the Flask test client's application is, as the provider redirects to it.
TEST_CLIENT_BASE = "http://localhost"
OTHER_CLIENT_ID = "another-council-app"


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIDProvider]:
    """oidc-provider on 127.0.0.1 with the application (at http://localhost, as the test client
    serves it) and another of the council's applications as its clients."""
    folder = tmp_path_factory.mktemp("oidc-provider")
    clients = [
        client("case-audit", TEST_CLIENT_BASE),
        client(OTHER_CLIENT_ID, f"{TEST_CLIENT_BASE}/another-app"),
    ]
    with running_provider(folder, clients, STAFF) as provider:
        yield provider


GROUPS_FILE = f"""\
# Which role, team and services each group of the council's directory gives.
[[group]]
id = "{AUDITORS_CP}"
name = "QA auditors, Child Protection"
role = "auditor"
team = "Child Protection 1"

[[group]]
id = "{MANAGERS_CP}"
name = "QA managers, Child Protection"
role = "manager"
services = ["Child Protection"]

[[group]]
id = "{ADMINS}"
name = "Case file audit admins"
role = "admin"

[[group]]
id = "{VIEWERS}"
name = "Report readers"
role = "viewer"
"""


def sso_settings(provider: OpenIDProvider, folder: Path, **more: str) -> dict[str, str]:
    """The application's settings for the provider, with the mapping file above in ``folder``."""
    groups = folder / "sso-groups.toml"
    if not groups.exists():
        groups.write_text(GROUPS_FILE, "utf-8")
    return provider.settings(
        **{"OIDC_GROUPS_FILE": str(groups), "OIDC_CREATE_ACCOUNTS": "true", **more}
    )


def sso_app_with(database_url: str, folder: Path, provider: OpenIDProvider, **more: str) -> Flask:
    """The test app signing in through ``provider``, its teams and services in place. The caller
    disposes of its engine."""
    application = build_app(
        database_url, folder / "instance", **sso_settings(provider, folder, **more)
    )
    with session_scope(application) as session:
        ensure_team(session, "Child Protection 1", service="Child Protection")
    return application


@pytest.fixture
def sso_app(database_url: str, tmp_path: Path, oidc_provider: OpenIDProvider) -> Iterator[Flask]:
    """The test app signing in through the provider (accounts made at first sign-in)."""
    application = sso_app_with(database_url, tmp_path, oidc_provider)
    yield application
    get_engine(application).dispose()


@pytest.fixture
def sso_client(sso_app: Flask) -> FlaskClient:
    return sso_app.test_client()


def sign_in_with_provider(
    client: FlaskClient,
    provider: OpenIDProvider,
    username: str,
    *,
    at: ProviderBrowser | None = None,
    start: str = "/sign-in/sso",
) -> TestResponse:
    """Click "Sign in with your council account", sign in at the provider as ``username``, and
    come back: the application's answer to the provider's redirect."""
    started = client.get(start)
    assert started.status_code == 302, started.get_data(as_text=True)
    browser = at or ProviderBrowser(provider)
    back = browser.sign_in(started.headers["Location"], username)
    return client.get(local_path(back))
