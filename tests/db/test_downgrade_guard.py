"""`flask db downgrade` below the trail's append-only migrations is refused in production unless
the operator says so, and is recorded in the trail either way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from audit_app import create_app, migrate
from audit_app.db import get_engine, session_scope
from audit_app.services.trail import record_event
from tests.conftest import ROOT

SECRET = "a production secret key of more than thirty-two characters"


@pytest.fixture
def production(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        environ={
            "APP_ENV": "production",
            "SECRET_KEY": SECRET,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
        },
    )
    yield application
    get_engine(application).dispose()
    # Whatever a test did, the next one finds the database at head.
    migrate.upgrade(database_url, configure_logging=False)


def trail_actions(app: Flask) -> list[tuple[str, dict[str, object]]]:
    with get_engine(app).connect() as connection:
        rows = connection.execute(text("SELECT action, detail FROM audit_event ORDER BY id"))
        return [(action, json.loads(detail)) for action, detail in rows]


def revisions(app: Flask) -> tuple[str, ...]:
    engine = get_engine(app)
    try:
        return migrate.current_revisions(engine)
    finally:
        engine.dispose()


def test_production_refuses_to_remove_the_trails_protection(production: Flask) -> None:
    with session_scope(production) as session:
        record_event("test.before", session=session, actor="tester")
    before = revisions(production)
    # Relative: as many steps as take the database from its head down to 0003.
    steps = len(migrate.revisions_after_downgrade(get_engine(production), "head")) - 3
    for revision in ("0003", f"-{steps}", "base"):
        result = production.test_cli_runner().invoke(args=["db", "downgrade", revision])
        assert result.exit_code == 2, result.output
        assert "--allow-unprotected-trail" in result.output
        assert "Traceback" not in result.output
    assert revisions(production) == before
    assert [action for action, _ in trail_actions(production)] == ["test.before"]


def test_a_downgrade_that_keeps_the_protection_needs_no_flag(production: Flask) -> None:
    result = production.test_cli_runner().invoke(args=["db", "downgrade", "0005"])
    assert result.exit_code == 0, result.output
    assert revisions(production) == ("0005",)
    assert trail_actions(production) == []


def test_with_the_flag_it_goes_ahead_and_the_trail_says_so(production: Flask) -> None:
    result = production.test_cli_runner().invoke(
        args=["db", "downgrade", "0003", "--allow-unprotected-trail"]
    )
    assert result.exit_code == 0, result.output
    assert revisions(production) == ("0003",)
    [(action, detail)] = trail_actions(production)
    assert action == "trail.protection_removed"
    assert detail == {"downgrade_to": "0003", "allowed_by_flag": True}


def test_an_unknown_revision_is_one_clear_line(production: Flask) -> None:
    result = production.test_cli_runner().invoke(args=["db", "downgrade", "9999"])
    assert result.exit_code == 2
    assert "There is no migration '9999'" in result.output
    assert "Traceback" not in result.output


def test_outside_production_it_is_recorded_without_asking(app: Flask) -> None:
    try:
        result = app.test_cli_runner().invoke(args=["db", "downgrade", "0003"])
        assert result.exit_code == 0, result.output
        [(action, detail)] = trail_actions(app)
        assert action == "trail.protection_removed"
        assert detail == {"downgrade_to": "0003", "allowed_by_flag": False}
    finally:
        get_engine(app).dispose()
        migrate.upgrade(app.config["DATABASE_URL"], configure_logging=False)


def test_below_the_protection_already_nothing_is_asked_or_recorded(production: Flask) -> None:
    url = production.config["DATABASE_URL"]
    get_engine(production).dispose()
    migrate.downgrade(url, "0003", configure_logging=False)
    result = production.test_cli_runner().invoke(args=["db", "downgrade", "0002"])
    assert result.exit_code == 0, result.output
    assert revisions(production) == ("0002",)


@pytest.mark.parametrize(
    ("revision", "words"),
    [("-30", "migrations above the start"), ("0005@-1", "not a form this command takes")],
)
def test_a_downgrade_that_cannot_be_checked_is_refused_and_not_recorded(
    production: Flask, revision: str, words: str
) -> None:
    before = revisions(production)
    result = production.test_cli_runner().invoke(
        args=["db", "downgrade", revision, "--allow-unprotected-trail"]
    )
    assert result.exit_code == 2
    assert words in result.output
    assert revisions(production) == before
    assert trail_actions(production) == []
