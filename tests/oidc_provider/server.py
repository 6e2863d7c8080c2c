"""Start the provider, and sign in at it as a person would (with ``requests``, following its
redirects until it sends the browser back to the application)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.conftest import IN_CI, ROOT

SCRIPT = Path(__file__).with_name("provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider"
CLIENT_ID = "case-audit"
CLIENT_SECRET = "a-test-client-secret-of-the-council"
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


def account(
    name: str, groups: Sequence[str], *, amr: Sequence[str] = ("pwd",), password: str = "pw"
) -> dict[str, Any]:
    """A person at the provider: their name, e-mail, groups and how they signed in there."""
    email = name.lower().replace(" ", ".") + "@council.example"
    return {
        "name": name,
        "email": email,
        "groups": list(groups),
        "amr": list(amr),
        "password": password,
    }


def client(client_id: str, base_url: str, *, secret: str = CLIENT_SECRET) -> dict[str, Any]:
    """A client of the provider: the application served at ``base_url``."""
    return {
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": [f"{base_url}/sign-in/sso/callback"],
        "post_logout_redirect_uris": [f"{base_url}/sign-in/sso/signed-out"],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }


@dataclass
class OpenIDProvider:
    issuer: str
    process: subprocess.Popen[bytes]
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def settings(self, **more: str) -> dict[str, str]:
        """The application's settings for signing in through this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            **more,
        }


def node() -> str:
    """The node program; the test fails in CI without it (and without the package), and is
    skipped elsewhere with what to run."""
    found = shutil.which("node")
    if found and PACKAGE.exists():
        return found
    message = "The single sign-on tests need node and oidc-provider: run 'make install'"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_provider(
    folder: Path,
    clients: Sequence[Mapping[str, Any]],
    accounts: Mapping[str, Mapping[str, Any]],
) -> Iterator[OpenIDProvider]:
    """oidc-provider on 127.0.0.1 until the block ends, answering its discovery document."""
    program = node()
    port = _free_port()
    settings = folder / "provider.json"
    settings.write_text(
        json.dumps({"port": port, "clients": list(clients), "accounts": dict(accounts)}), "utf-8"
    )
    log = folder / "provider.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [program, str(SCRIPT), str(settings)],
            cwd=ROOT,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NODE_ENV": "test"},
        )
        issuer = f"http://127.0.0.1:{port}"
        try:
            _wait_for_discovery(issuer, process, log)
            yield OpenIDProvider(issuer, process, {k: dict(v) for k, v in accounts.items()})
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_for_discovery(issuer: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the OpenID provider exited early:\n{log.read_text()}")
        try:
            answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2)
            if answer.status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"the OpenID provider did not answer within 60 s:\n{log.read_text()}")


class ProviderBrowser:
    """A person's browser at the provider: its cookies (the provider's session) kept between
    sign-ins, as a real browser keeps them."""

    def __init__(self, provider: OpenIDProvider) -> None:
        self.provider = provider
        self.web = requests.Session()

    def follow(self, url: str) -> requests.Response:
        """Follow the provider's redirects from ``url``; the last answer from the provider, or
        the redirect that leaves it (back to the application)."""
        for _ in range(10):
            answer = self.web.get(url, allow_redirects=False, timeout=30)
            location = answer.headers.get("Location")
            if answer.status_code not in (302, 303) or location is None:
                return answer
            url = urljoin(url, location)
            if not url.startswith(self.provider.issuer + "/"):
                return answer
        raise AssertionError("the provider redirected more than ten times")

    def sign_in(self, authorize_url: str, username: str, password: str | None = None) -> str:
        """Go to the provider with the application's request, sign in there if asked; the URL
        the provider sends the browser back to (the application's callback)."""
        answer = self.follow(authorize_url)
        if answer.status_code == 200 and "Sign in to the council" in answer.text:
            action = FORM_ACTION.search(answer.text)
            assert action, answer.text
            if password is None:
                password = self.provider.accounts[username]["password"]
            posted = self.web.post(
                urljoin(answer.url, action.group(1)),
                data={"login": username, "password": password},
                allow_redirects=False,
                timeout=30,
            )
            assert posted.status_code in (302, 303), posted.text
            answer = self.follow(urljoin(answer.url, posted.headers["Location"]))
        assert answer.status_code in (302, 303), f"{answer.status_code}: {answer.text[:2000]}"
        return urljoin(answer.url, answer.headers["Location"])


def local_path(url: str) -> str:
    """The path and query of an application URL, for the Flask test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
