"""A full disk or a read-only database file gives a clear error and loses no earlier data.

These are SQLite's failure modes (a PostgreSQL server reports the same through its own
errors); they are simulated without root-only tricks: a page limit stands in for a full disk,
and SQLite's read-only open mode for a read-only file.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from audit_app import create_app
from audit_app.db import get_engine, session_scope
from audit_app.services import accounts
from audit_app.services.actor import Actor
from tests.builders import PASSWORD, journey_questionnaire, load_questionnaire, make_case
from tests.conftest import ROOT
from tests.journey.conftest import audit_version
from tests.journey.test_completing_an_audit import _answers


def _app(url: str, tmp_path: Path) -> Flask:
    return create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
            "SQLITE_BUSY_TIMEOUT_MS": "2000",
        },
    )


@pytest.fixture
def sqlite_file(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "audit.db"
    shutil.copyfile(sqlite_template, path)
    return path


@pytest.fixture
def draft(sqlite_file: Path, tmp_path: Path) -> Iterator[tuple[Flask, object, int]]:
    """A signed-in auditor with a draft audit that already has one saved answer."""
    app = _app(f"sqlite:///{sqlite_file}", tmp_path)
    load_questionnaire(app, journey_questionnaire())
    make_case(app)
    with app.app_context(), session_scope(app) as session:
        accounts.create_user(
            "auditor1",
            PASSWORD,
            "auditor",
            session=session,
            actor=Actor.system("test"),
            team="Child Protection 1",
        )
    client = app.test_client()
    client.post("/sign-in", data={"username": "auditor1", "password": PASSWORD})
    response = client.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": "100824"}
    )
    audit_id = int(response.headers["Location"].rsplit("/", 1)[1])
    saved = client.post(
        f"/audits/{audit_id}/themes/voice",
        data={"version": str(audit_version(app, audit_id)), "seen-alone": "yes"},
    )
    assert saved.status_code == 302
    yield app, client, audit_id
    get_engine(app).dispose()


def test_a_full_disk_refuses_the_save_clearly_and_keeps_earlier_answers(
    draft: tuple[Flask, object, int],
    sqlite_file: Path,
) -> None:
    app, client, audit_id = draft
    engine = get_engine(app)
    engine.dispose()
    # No free pages left inside the file, and no room for another: the disk is "full".
    with sqlite3.connect(sqlite_file) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
        pages = connection.execute("PRAGMA page_count").fetchone()[0]

    @event.listens_for(engine, "connect")
    def _no_more_pages(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    version = str(audit_version(app, audit_id))
    response = client.post(  # type: ignore[attr-defined]
        f"/audits/{audit_id}/themes/voice",
        data={"version": version, "seen-alone": "partly", "voice-comment": "x" * 9_500},
    )

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "its storage is full or read-only" in html and "Traceback" not in html
    event.remove(engine, "connect", _no_more_pages)
    engine.dispose()
    assert _answers(app, audit_id) == {"seen-alone": "yes"}


def test_a_read_only_database_refuses_the_save_clearly_and_keeps_earlier_answers(
    draft: tuple[Flask, object, int],
    sqlite_file: Path,
    tmp_path: Path,
) -> None:
    app, client, audit_id = draft
    version = str(audit_version(app, audit_id))
    get_engine(app).dispose()
    read_only = _app(f"sqlite:///file:{sqlite_file}?mode=ro&uri=true", tmp_path)
    reader = read_only.test_client()
    # Signing in writes, so the auditor carries on in the session they already had.
    reader.set_cookie("session", client.get_cookie("session").value)  # type: ignore[attr-defined]

    response = reader.post(
        f"/audits/{audit_id}/themes/voice", data={"version": version, "seen-alone": "no"}
    )

    assert response.status_code == 503
    assert "its storage is full or read-only" in response.get_data(as_text=True)
    get_engine(read_only).dispose()
    assert _answers(app, audit_id) == {"seen-alone": "yes"}
