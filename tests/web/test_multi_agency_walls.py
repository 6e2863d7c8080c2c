"""No page or download shows an agency's return beyond what the rules allow: while the
multi-agency audit is open a return is seen by its auditor alone (not another agency, not the
coordinator, not the council's own people); once the returns are closed, the panel reads it,
and every opening is in the trail; nobody else ever does.

Every GET route of the permission matrix with no record in its URL, and each page of the
return itself, is opened by each person; the return's words show only where allowed.
"""

from __future__ import annotations

import io
import zipfile

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import AuditEvent
from tests.builders import PASSWORD
from tests.multi_agency import world
from tests.multi_agency.world import SEALED_WORDS
from tests.web.test_permissions import MATRIX

POLICE_WORDS = SEALED_WORDS["police_auditor"]
COUNCIL_WORDS = SEALED_WORDS["council_auditor"]
EVERYONE = (
    "coordinator",
    "council_auditor",
    "council_manager",
    "police_auditor",
    "police_manager",
    "police_admin",
    "police_viewer",
    "health_auditor",
    "health_manager",
)
PAGES = sorted(
    {
        template
        for rows in MATRIX.values()
        for method, template, _expected in rows
        if method == "GET" and "{" not in template
    }
)
RETURN_PAGES = (
    "/audits/{id}",
    "/audits/{id}/record",
    "/audits/{id}/record.pdf",
    "/audits/{id}/history",
    "/audits/{id}/check",
    "/audits/{id}/findings",
    "/moderation/audits/{id}",
)


def _text(data: bytes) -> str:
    """A response's text, and the text inside a workbook."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return data.decode("utf-8", "replace")


def _walk(app: Flask, username: str, urls: list[str]) -> dict[str, tuple[int, str]]:
    """Each URL opened by the person: its status and text."""
    client = app.test_client()
    signed_in = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert signed_in.status_code == 302, username
    seen = {}
    for url in urls:
        response = client.get(url)
        seen[url] = (response.status_code, _text(response.get_data()))
        response.close()
    return seen


def _returns_in(app: Flask) -> tuple[int, dict[str, int]]:
    """A multi-agency audit whose police and council returns are submitted, health's not."""
    world.build(app)
    multi_agency_id = world.open_one(app)
    audits = {}
    for agency, username in (("police", "police_auditor"), ("home", "council_auditor")):
        audits[agency] = world.start(app, username, world.return_id(app, multi_agency_id, agency))
        world.complete_and_submit(app, username, audits[agency])
    return multi_agency_id, audits


def _return_urls(audit_id: int) -> list[str]:
    return [page.format(id=audit_id) for page in RETURN_PAGES]


def test_a_sealed_return_shows_to_its_auditor_alone(app: Flask) -> None:
    multi_agency_id, audits = _returns_in(app)
    urls = [*PAGES, f"/multi-agency/{multi_agency_id}", *_return_urls(audits["police"])]
    for username in EVERYONE:
        seen = _walk(app, username, urls)
        shown = [url for url, (_status, text) in seen.items() if POLICE_WORDS in text]
        if username == "police_auditor":
            assert f"/audits/{audits['police']}/record" in shown
            assert all(url.startswith(f"/audits/{audits['police']}") for url in shown)
        else:
            assert shown == [], username
            assert all(seen[url][0] in (403, 404) for url in _return_urls(audits["police"]))
        council_shown = [url for url, (_s, text) in seen.items() if COUNCIL_WORDS in text]
        assert council_shown == [], username  # nobody but its auditor; not on the walk here


def test_once_closed_the_panel_reads_every_return_and_nobody_else(app: Flask) -> None:
    multi_agency_id, audits = _returns_in(app)
    health = world.start(app, "health_auditor", world.return_id(app, multi_agency_id, "health"))
    world.complete_and_submit(app, "health_auditor", health)
    assert world.status(app, multi_agency_id) == "returns_closed"
    page = _walk(app, "coordinator", [f"/multi-agency/{multi_agency_id}"])
    assert "Returns closed" in page[f"/multi-agency/{multi_agency_id}"][1]
    record = f"/audits/{audits['police']}/record"
    coordinator = _walk(app, "coordinator", [*PAGES, *_return_urls(audits["police"])])
    shown = [url for url, (_status, text) in coordinator.items() if POLICE_WORDS in text]
    assert shown == [record]
    for username in ("council_manager", "police_admin", "health_manager", "health_auditor"):
        seen = _walk(app, username, [*PAGES, record])
        assert [url for url, (_s, text) in seen.items() if POLICE_WORDS in text] == [], username
    with session_scope(app) as session:
        opened = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "multi_agency.return_opened")
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
    # The coordinator's page and PDF; the others were refused.
    assert [(event.audit_id, event.actor) for event in opened] == [
        (audits["police"], "coordinator")
    ] * 2
    assert '"how": "html"' in opened[0].detail and '"how": "pdf"' in opened[1].detail
