"""Behind a reverse proxy the client's address is the forwarded one, and only then."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from audit_app.db import get_engine
from tests.builders import PASSWORD
from tests.conftest import build_app, events


def _failed_sign_in_from(app: Flask) -> str | None:
    app.test_client().post(
        "/sign-in",
        data={"username": "nobody", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    return events(app, "sign_in.failed")[-1].remote_addr


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(app: Flask) -> None:
    assert _failed_sign_in_from(app) == "10.0.0.2"


def test_a_trusted_proxy_s_forwarded_address_is_used(database_url: str, tmp_path: Path) -> None:
    behind_nginx = build_app(database_url, tmp_path, TRUSTED_PROXIES="1")
    assert _failed_sign_in_from(behind_nginx) == "203.0.113.9"
    get_engine(behind_nginx).dispose()
