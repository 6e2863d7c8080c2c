"""Security headers on every response, and the session cookie's attributes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from audit_app import create_app
from audit_app.db import get_engine
from tests.builders import PASSWORD
from tests.conftest import ROOT


@pytest.mark.usefixtures("alice_signed_in")
def test_pages_carry_the_security_headers(client: FlaskClient) -> None:
    for path in ("/", "/sign-in", "/account", "/healthz"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"


@pytest.mark.usefixtures("admin_signed_in")
def test_trace_is_refused_on_every_route(app: Flask, client: FlaskClient) -> None:
    """TRACE would echo the request back, cookies included: no route accepts it."""
    urls = app.url_map.bind("localhost")
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 50
    for rule in rules:
        path = urls.build(rule.endpoint, dict.fromkeys(rule.arguments, 1))
        response = client.open(path, method="TRACE")
        assert response.status_code == 405, path
        assert "TRACE" not in response.headers["Allow"], path


def test_static_files_may_be_cached(client: FlaskClient) -> None:
    response = client.get("/static/dist/js-enabled.js")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_templates_have_no_inline_script() -> None:
    """The policy allows no inline script, so no template may rely on one."""
    for template in (ROOT / "audit_app" / "templates").rglob("*.html"):
        html = template.read_text("utf-8")
        for tag in html.split("<script")[1:]:
            assert "src=" in tag.split(">", 1)[0], f"inline script in {template}"
        assert " onclick=" not in html and " onload=" not in html, template


def test_production_cookies_are_host_only_secure_and_hsts_is_sent(
    database_url: str,
    tmp_path: Path,
    make_user: Callable[..., str],
) -> None:
    make_user("alice", "auditor")
    production = create_app(
        {"WTF_CSRF_ENABLED": False},
        environ={
            "APP_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path),
        },
    )
    assert production.config["DEBUG"] is False
    client = production.test_client()
    response = client.post(
        "/sign-in",
        data={"username": "alice", "password": PASSWORD},
        base_url="https://audits.example.org",
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in cookie
    assert "Domain=" not in cookie
    hsts = "max-age=31536000; includeSubDomains"
    assert response.headers["Strict-Transport-Security"] == hsts
    page = client.get("/", base_url="https://audits.example.org")
    assert page.headers["Strict-Transport-Security"] == hsts
    get_engine(production).dispose()
