"""A small browser-like HTTP client for tests against a real server: cookies and CSRF tokens."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass
class Reply:
    status: int
    url: str
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Client:
    def __init__(self, base_url: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Reply(response.status, response.url, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers.get("Location", ""), error.read().decode())

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post_form(self, page_path: str, data: dict[str, str], action: str | None = None) -> Reply:
        """Post a form as a browser would: with the CSRF token (and version) of its page."""
        page = self.get(page_path).text
        fields = dict(data)
        fields.setdefault("csrf_token", hidden(page, "csrf_token"))
        version = hidden(page, "version", required=False)
        if version is not None:
            fields.setdefault("version", version)
        return self.request("POST", action or page_path, fields)

    def sign_in(self, username: str, password: str) -> None:
        reply = self.post_form("/sign-in", {"username": username, "password": password})
        assert reply.status == 302, reply.text[:500]


def hidden(page: str, name: str, *, required: bool = True) -> str | None:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    if match is None and required:
        raise AssertionError(f"no hidden field {name} in the page")
    return match.group(1) if match else None
