"""The OpenID provider the single sign-on tests run against is real and answers."""

# The provider's fixtures are imported by name, and then named as the tests' arguments.
# ruff: noqa: F401, F811

from __future__ import annotations

import requests

from tests.oidc_provider.fixtures import oidc_provider  # noqa: F401
from tests.oidc_provider.server import OpenIDProvider


def test_the_provider_publishes_its_discovery_document(
    oidc_provider: OpenIDProvider,
) -> None:
    document = requests.get(
        f"{oidc_provider.issuer}/.well-known/openid-configuration", timeout=10
    ).json()
    assert document["issuer"] == oidc_provider.issuer
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["end_session_endpoint"] == f"{oidc_provider.issuer}/session/end"
    keys = requests.get(document["jwks_uri"], timeout=10).json()["keys"]
    assert [key["kid"] for key in keys] == ["test-key-1"]
