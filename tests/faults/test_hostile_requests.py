"""Hostile requests: an oversized upload is refused without reading it; markup in any text
field is shown as text, never run, on every page that shows it."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Action, Case, SafeguardingConcern, Service, Team, User, utcnow
from tests.builders import (
    PASSWORD,
    POOR,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    start,
    submitted_audit,
)
from tests.faults.test_killed_worker import server  # noqa: F401  (a gunicorn fixture)
from tests.steps import (
    date_fields,
    moderation_grades,
    save_theme,
    signed_in_client,
    start_moderation,
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


def _load_hostile_questionnaire(app: Flask) -> None:
    """The journey questionnaire with the payload in its title, a theme's and a question's help;
    and case 100824."""
    data = journey_questionnaire()
    data["title"] = f"Audit {PAYLOAD}"
    data["themes"][0]["title"] = f"Voice {PAYLOAD}"
    data["themes"][0]["questions"][0]["help"] = PAYLOAD
    load_questionnaire(app, data)
    make_case(app, "100824")


def test_markup_in_text_fields_is_escaped_everywhere_it_appears(
    app: Flask, make_user: Callable[..., str]
) -> None:
    _load_hostile_questionnaire(app)
    make_user("auditor1", "auditor", team="Child Protection 1")
    make_user("admin1", "admin")
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == "auditor1")).one()
        user.display_name = f"Auditor {PAYLOAD}"
        session.add(user)
        case = session.exec(select(Case)).one()
        case.worker = PAYLOAD
        session.add(case)

    client = signed_in_client(app, "auditor1", PASSWORD)
    audit_id = start(client)
    typed = {"seen-alone": "yes", "voice-comment": PAYLOAD, "judgement": "Good"}
    save_theme(client, app, audit_id, "voice", **typed, analysis=PAYLOAD)
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
    admin = signed_in_client(app, "admin1", PASSWORD)
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


def _shown_as_text(html: str, page: str) -> None:
    """The payload is on the page, escaped: neither its script nor its image is markup."""
    assert ESCAPED in html, f"the payload is not on {page}: the check would prove nothing"
    assert "<script>alert(" not in html, page
    assert "<img src=x" not in html, page


def test_markup_is_escaped_on_moderation_actions_reports_questionnaires_and_the_trail(
    app: Flask, make_user: Callable[..., str]
) -> None:
    _load_hostile_questionnaire(app)
    make_user("auditor1", "auditor", team="Child Protection 1")
    make_user("manager1", "manager", services=("Child Protection",))
    make_user("admin1", "admin")
    answers = dict(POOR, **{"voice-comment": PAYLOAD})
    audit_id = submitted_audit(app, "auditor1", answers=answers, rate=1.0)
    with session_scope(app) as session:
        for user in session.exec(select(User)):
            user.display_name = f"{user.username} {PAYLOAD}"
            session.add(user)
        case = session.exec(select(Case)).one()
        case.worker = PAYLOAD
        team = session.exec(select(Team).where(Team.name == "Child Protection 1")).one()
        team.name = f"Team {PAYLOAD}"
        service = session.exec(select(Service).where(Service.name == "Child Protection")).one()
        service.name = f"Service {PAYLOAD}"

    auditor = signed_in_client(app, "auditor1", PASSWORD)
    concern = auditor.post(f"/audits/{audit_id}/concern", data={"description": PAYLOAD})
    assert concern.status_code == 302
    manager = signed_in_client(app, "manager1", PASSWORD)
    assert start_moderation(manager, audit_id).status_code == 302
    grades = {"grade-voice": "Requires improvement", "rationale-voice": PAYLOAD}
    grades.update({"grade-planning": "Inadequate", "grade-overall": "Inadequate"})
    graded = moderation_grades(manager, app, audit_id, **grades)
    assert graded.status_code == 302
    due = utcnow().date() + timedelta(days=3)
    added = manager.post(
        f"/audits/{audit_id}/actions/new",
        data={
            "description": PAYLOAD,
            "for_whom": "record",
            "owner": PAYLOAD,
            **date_fields("due", due),
        },
    )
    assert added.status_code == 302
    with session_scope(app) as session:
        concern_id = session.exec(select(SafeguardingConcern)).one().id
        action_id = session.exec(select(Action)).one().id
    admin = signed_in_client(app, "admin1", PASSWORD)

    reports = [
        "/reports",
        "/reports/audits",
        "/reports/compliance?measure=Child+seen+alone",
        "/reports/data-dictionary",
    ]
    version = "/questionnaires/journey-audit/versions/1"
    visits = (
        [
            (manager, page)
            for page in [
                "/",
                "/moderation",
                f"/moderation/audits/{audit_id}",
                f"/moderation/audits/{audit_id}/outcome",
                f"/concerns/{concern_id}/acknowledge",
                "/actions",
                f"/actions/{action_id}/complete",
                f"/actions/{action_id}/cancel",
                *reports,
            ]
        ]
        + [(auditor, page) for page in ["/actions", *reports]]
        + [
            (admin, page)
            for page in [
                "/questionnaires",
                f"{version}/preview",
                f"{version}/preview/voice",
                "/questionnaires/journey-audit/compare",
                "/questionnaires/journey-audit/rescoring",
                "/admin/trail",
                "/admin/trail?actor=auditor1",
                "/admin/allocations",
                *reports,
            ]
        ]
    )
    for who, page in visits:
        response = who.get(page)
        assert response.status_code == 200, page
        _shown_as_text(response.get_data(as_text=True), page)
