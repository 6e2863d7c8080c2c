"""The OpenID Connect protocol with the council's identity provider, through Authlib.

The authorization code flow with PKCE (S256): Authlib makes the ``state``, the ``nonce`` and the
code verifier, and keeps them in this browser's session cookie (signed) until the provider sends
the browser back. :func:`finish` then takes them out, once (a replayed ``state`` finds nothing),
exchanges the code with the verifier, and checks the ID token: its signature against the
provider's published keys, issuer, audience, expiry and nonce. Nothing here logs a token, a code
or a verifier; Authlib's own debug lines (which print the verifier) are kept out of the logs.

Who the person is in this service (the account, the role from their groups) is
:mod:`audit_app.services.sso`'s business.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.flask_client import OAuth  # type: ignore[import-untyped]
from flask import Flask, current_app, request, session
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from werkzeug.wrappers import Response

PROVIDER = "council"
EXTENSION = "case_audit_oidc"
SCOPE = "openid profile email"
# Seconds of difference between the provider's clock and ours that an ID token's times allow.
CLOCK_LEEWAY = 60
# Seconds to wait for the provider's answer (discovery, keys, token).
PROVIDER_TIMEOUT = 10

log = logging.getLogger(__name__)


class SignOnFailed(Exception):
    """Signing in with the provider did not prove who this is. ``reason`` is short, for the trail
    and the logs; the message is for the person, and says what to do."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


START_AGAIN = "Start again from the sign-in page."


@dataclass(frozen=True)
class ProvenIdentity:
    """What a checked ID token says about the person."""

    subject: str
    name: str
    email: str
    groups: tuple[str, ...]
    amr: tuple[str, ...]
    acr: str


def init_app(app: Flask) -> None:
    """Register the provider with Authlib when OIDC_ISSUER is set."""
    # Authlib logs the PKCE code verifier at debug level: its records never reach the handlers.
    logging.getLogger("authlib").setLevel(logging.INFO)
    if not app.config.get("OIDC_ISSUER"):
        return
    oauth = OAuth()
    oauth.init_app(app)
    oauth.register(
        PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=(
            app.config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration"
        ),
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT,
        },
    )
    app.extensions[EXTENSION] = oauth


def enabled() -> bool:
    return EXTENSION in current_app.extensions


def _client() -> Any:
    return current_app.extensions[EXTENSION].create_client(PROVIDER)


def _metadata() -> dict[str, Any]:
    """The provider's discovery document, checked: it must name the issuer we were told to
    trust (OpenID Connect Discovery 1.0, section 4.3), and allow S256 when it lists methods."""
    try:
        metadata: dict[str, Any] = _client().load_server_metadata()
    except (requests.RequestException, ValueError) as problem:
        log.error("The identity provider's discovery document could not be read: %s", problem)
        raise SignOnFailed(
            "provider unreachable",
            "The council's sign-in service did not answer. Try again in a few minutes; if it "
            "goes on, tell the service's admins.",
        ) from None
    if metadata.get("issuer") != current_app.config["OIDC_ISSUER"]:
        log.error(
            "The identity provider's discovery document names the issuer %r, not OIDC_ISSUER",
            metadata.get("issuer"),
        )
        raise SignOnFailed("discovery issuer", _NOT_SET_UP)
    methods = metadata.get("code_challenge_methods_supported")
    if methods is not None and "S256" not in methods:
        log.error("The identity provider does not offer PKCE with S256")
        raise SignOnFailed("no pkce", _NOT_SET_UP)
    return metadata


_NOT_SET_UP = (
    "Signing in with the council's account is not set up correctly. Tell the service's admins: "
    "the application's log says what is wrong."
)


def authorization_redirect(redirect_uri: str) -> Response:
    """Send the browser to the provider, with a new state, nonce and PKCE challenge."""
    _metadata()
    response: Response = _client().authorize_redirect(redirect_uri)
    return response


def finish() -> ProvenIdentity:
    """Check the provider's answer to this request (the callback): who it proves this is."""
    client = _client()
    error = request.args.get("error")
    state = request.args.get("state", "")
    # Taken out whatever happens next: a state works once only.
    data = client.framework.get_state_data(session, state) if state else None
    if state:
        client.framework.clear_state_data(session, state)
    if error:
        raise SignOnFailed(
            f"provider refused: {error[:40]}",
            "The council's sign-in service did not sign you in. " + START_AGAIN,
        )
    if not data or not data.get("nonce") or not data.get("code_verifier"):
        raise SignOnFailed(
            "unknown or replayed state",
            "This sign-in has already been used, or was started in another browser. " + START_AGAIN,
        )
    code = request.args.get("code", "")
    if not code:
        raise SignOnFailed(
            "no code", "The council's sign-in service sent no answer. " + START_AGAIN
        )
    _metadata()
    try:
        token = client.fetch_access_token(
            redirect_uri=data["redirect_uri"], code=code, code_verifier=data["code_verifier"]
        )
    except (OAuthError, requests.RequestException, ValueError) as problem:
        raise SignOnFailed(
            f"token refused: {getattr(problem, 'error', type(problem).__name__)}"[:64],
            "The council's sign-in service did not confirm who you are. " + START_AGAIN,
        ) from None
    if "id_token" not in token:
        raise SignOnFailed("no id token", _NOT_SET_UP)
    return _identity(check_id_token(token, data["nonce"]))


def check_id_token(token: dict[str, Any], nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, times and nonce are right."""
    client = _client()
    config = current_app.config
    options = {
        "iss": {"essential": True, "value": config["OIDC_ISSUER"]},
        "aud": {"essential": True, "value": config["OIDC_CLIENT_ID"]},
        "exp": {"essential": True},
        "nonce": {"essential": True, "value": nonce},
    }
    try:
        claims: dict[str, Any] = client.parse_id_token(
            token, nonce=nonce, claims_options=options, leeway=CLOCK_LEEWAY
        )
    except ExpiredTokenError:
        raise SignOnFailed(
            "expired id token",
            "The council's sign-in took too long, or this server's clock is wrong. " + START_AGAIN,
        ) from None
    except ClaimError as problem:
        raise SignOnFailed(
            f"id token {problem.error}: {problem.claim}",
            "The council's sign-in service's answer could not be trusted. " + START_AGAIN,
        ) from None
    except (JoseError, ValueError) as problem:
        raise SignOnFailed(
            f"id token not verified: {type(problem).__name__}"[:64],
            "The council's sign-in service's answer could not be trusted. " + START_AGAIN,
        ) from None
    return claims


def _identity(claims: dict[str, Any]) -> ProvenIdentity:
    config = current_app.config
    subject = claims.get(config["OIDC_SUBJECT_CLAIM"])
    if not isinstance(subject, str) or not subject:
        raise SignOnFailed(f"no {config['OIDC_SUBJECT_CLAIM']} claim", _NOT_SET_UP)
    groups = claims.get(config["OIDC_GROUPS_CLAIM"]) or []
    amr = claims.get("amr") or []
    return ProvenIdentity(
        subject=subject[:255],
        name=str(claims.get("name") or "")[:120],
        email=str(claims.get("email") or claims.get("preferred_username") or "")[:255],
        groups=tuple(str(group) for group in groups) if isinstance(groups, list) else (),
        amr=tuple(str(method) for method in amr) if isinstance(amr, list) else (),
        acr=str(claims.get("acr") or ""),
    )


def sign_out_url(post_logout_redirect_uri: str, state_data: dict[str, Any]) -> str | None:
    """The provider's end-session address (RP-initiated logout), with a new ``state`` kept in
    this browser's session; None when the provider publishes none."""
    client = _client()
    try:
        metadata = _metadata()
    except SignOnFailed:
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = client.create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        client_id=current_app.config["OIDC_CLIENT_ID"],
    )
    client.framework.set_state_data(
        session,
        result["state"],
        {"post_logout_redirect_uri": post_logout_redirect_uri, **state_data},
    )
    return str(result["url"])


def signed_out_at_provider() -> dict[str, Any] | None:
    """The data kept when the provider's sign-out began, if this answer's ``state`` is ours
    (once only); None otherwise."""
    client = _client()
    state = request.args.get("state", "")
    data = client.framework.get_state_data(session, state) if state else None
    if state:
        client.framework.clear_state_data(session, state)
    if not data or "post_logout_redirect_uri" not in data:
        return None
    return dict(data)
