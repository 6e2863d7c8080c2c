"""The provider as pytest fixtures: one per test process, with the council's staff below.

Import the fixtures into a test module: ``from tests.oidc_provider.fixtures import
oidc_provider  # noqa: F401``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.oidc_provider.server import OpenIDProvider, account, client, running_provider

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
