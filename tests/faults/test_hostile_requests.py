"""Hostile requests: an oversized upload is refused without reading it; markup in any text
field is shown as text, never run."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Case, User
from tests.conftest import PASSWORD
from tests.faults.test_killed_worker import server  # noqa: F401  (a gunicorn fixture)
from tests.journey.conftest import (
    audit_version,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    start,
)

PAYLOAD = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert("


def test_a_100_mb_upload_is_refused_without_reading_it(
    server: tuple[str, dict[str, Path]],  # noqa: F811
) -> None:
    url, _flags = server
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        began = time.monotonic()
        connection.sendall(
            b"POST /sign-in HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 104857600\r\n\r\nusername=a&password="
        )
        reply = connection.recv(4096).decode(errors="replace")
        elapsed = time.monotonic() - began
    assert reply.startswith("HTTP/1.1 413"), reply[:200]
    # Answered at once: the server did not wait for (or read) the 100 MB it was promised.
    assert elapsed < 5


def test_markup_in_text_fields_is_escaped_everywhere_it_appears(
    app: Flask,
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    data = journey_questionnaire()
    data["title"] = f"Audit {PAYLOAD}"
    data["themes"][0]["title"] = f"Voice {PAYLOAD}"
    data["themes"][0]["questions"][0]["help"] = PAYLOAD
    load_questionnaire(app, data)
    make_case(app)
    make_user("auditor1", "auditor", team="Children in Need 1")
    make_user("admin1", "admin")
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == "auditor1")).one()
        user.display_name = f"Auditor {PAYLOAD}"
        session.add(user)
        case = session.exec(select(Case)).one()
        case.worker = PAYLOAD
        session.add(case)

    client = app.test_client()
    client.post("/sign-in", data={"username": "auditor1", "password": PASSWORD})
    audit_id = start(client)
    client.post(
        f"/audits/{audit_id}/themes/voice",
        data={
            "version": str(audit_version(app, audit_id)),
            "seen-alone": "yes",
            "voice-comment": PAYLOAD,
            "judgement": "Good",
            "analysis": PAYLOAD,
        },
    )
    client.post(f"/audits/{audit_id}/concern", data={"description": PAYLOAD})
    pages = [
        "/",
        "/audits/new",
        f"/audits/{audit_id}",
        f"/audits/{audit_id}/themes/voice",
        f"/audits/{audit_id}/check",
        f"/audits/{audit_id}/history",
        "/account",
    ]
    admin = app.test_client()
    admin.post("/sign-in", data={"username": "admin1", "password": PASSWORD})
    for who, page in [(client, p) for p in pages] + [
        (admin, "/admin/users"),
        (admin, "/admin/cases"),
        (admin, f"/audits/{audit_id}"),
    ]:
        html = who.get(page).get_data(as_text=True)
        assert "<script>alert(" not in html, page
        assert (
            "onerror=alert(1)>" not in html.replace("&gt;", ">").replace("&#34;", '"')
            or "<img src=x" not in html
        ), page
    assert ESCAPED in client.get(f"/audits/{audit_id}/themes/voice").get_data(as_text=True)
