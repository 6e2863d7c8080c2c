"""The independent auditor sees nothing unassigned: every GET route of the permission matrix,
opened by them, names no case but the one assigned to them, and no auditor; once the window has
ended, not even that one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlmodel import select

from audit_app import clock
from audit_app.db import session_scope
from audit_app.models import CaseGrant
from tests.web.permission_kinds import INDEPENDENT
from tests.web.permissions_independent import ASSIGNED_CASE
from tests.web.permissions_organisations import (
    PARTNER_DRAFT_CASE,
    PARTNER_SUBMITTED_CASE,
    PARTNER_UNAUDITED_CASE,
)
from tests.web.test_organisation_walls import (
    HOME_CASES,
    _get_routes,
    _home_draft_and_allocation,
    _text,
)
from tests.web.test_permissions import _build_world, _sign_in

UNASSIGNED = (
    "100824",
    *HOME_CASES,
    PARTNER_SUBMITTED_CASE,
    PARTNER_DRAFT_CASE,
    PARTNER_UNAUDITED_CASE,
)
AUDITORS = ("other_auditor", "manager_own")


def _walk(app: Flask, places: dict[str, object], tmp_path: Path) -> dict[str, str]:
    """Every GET route as the independent auditor: the text of each, by URL."""
    client = app.test_client()
    _sign_in(client, INDEPENDENT, places["independent_secret"])  # type: ignore[arg-type]
    read = {}
    for template in _get_routes():
        url = template.format(**places)
        response = client.get(url)
        assert response.status_code < 500, url
        read[url] = _text(response, tmp_path)
        response.close()
    return read


def test_the_independent_auditor_sees_only_what_is_assigned(
    app: Flask, make_user: Callable[..., str], tmp_path: Path
) -> None:
    places = _build_world(app, make_user, app.test_client())
    _home_draft_and_allocation(app)
    read = _walk(app, places, tmp_path)
    leaks = [
        f"{url}: {word}"
        for url, text in read.items()
        for word in (*UNASSIGNED, *AUDITORS)
        if word in text and word not in url
    ]
    assert leaks == [], "\n".join(leaks)
    assert any(ASSIGNED_CASE in text for text in read.values())


def test_once_the_window_has_ended_nothing_is_seen(
    app: Flask, make_user: Callable[..., str], tmp_path: Path
) -> None:
    places = _build_world(app, make_user, app.test_client())
    with session_scope(app) as session:
        for grant in session.exec(select(CaseGrant)):
            grant.starts_on = clock.today() - timedelta(days=9)
            grant.ends_on = clock.today() - timedelta(days=1)
            session.add(grant)
    read = _walk(app, places, tmp_path)
    leaks = [url for url, text in read.items() if ASSIGNED_CASE in text]
    assert leaks == [], "\n".join(leaks)
