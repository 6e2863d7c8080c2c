"""Behind a reverse proxy the client's address is the forwarded one, and only then."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlmodel import select

from audit_app import create_app
from audit_app.db import get_engine, session_scope
from audit_app.models import AuditEvent
from tests.builders import PASSWORD


def _failed_sign_in_from(app: Flask) -> str | None:
    app.test_client().post(
        "/sign-in",
        data={"username": "nobody", "password": PASSWORD},
        headers={"X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    with session_scope(app) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "sign_in.failed"))
        return list(events)[-1].remote_addr


def test_forwarded_addresses_are_ignored_without_a_trusted_proxy(app: Flask) -> None:
    assert _failed_sign_in_from(app) == "10.0.0.2"


def test_a_trusted_proxy_s_forwarded_address_is_used(database_url: str, tmp_path: Path) -> None:
    behind_nginx = create_app(
        {"WTF_CSRF_ENABLED": False},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "TRUSTED_PROXIES": "1",
        },
    )
    assert _failed_sign_in_from(behind_nginx) == "203.0.113.9"
    get_engine(behind_nginx).dispose()
