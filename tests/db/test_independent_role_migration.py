"""Migration 0028: the independent auditor's role. Going down is refused, changing nothing, while
an independent auditor's account exists; without one it goes down and up again, keeping the
report summaries' triggers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from audit_app import migrate
from audit_app.db import get_engine, make_engine
from tests.builders import add_user
from tests.conftest import build_app
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture
from tests.db.test_second_audits_migration import _triggers


def _roles(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [r[0] for r in connection.execute(text("SELECT role FROM app_user"))]
    finally:
        engine.dispose()


def test_down_is_refused_while_an_independent_auditor_exists(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    triggers = _triggers(empty_database_url)
    app = build_app(empty_database_url, tmp_path / "instance")
    try:
        add_user(app, "indy", "independent")
    finally:
        get_engine(app).dispose()
    with pytest.raises(RuntimeError, match="independent auditor"):
        migrate.downgrade(empty_database_url, "0027", configure_logging=False)
    assert _roles(empty_database_url) == ["independent"]
    assert _triggers(empty_database_url) == triggers


def test_without_one_it_goes_down_and_up_again_keeping_the_triggers(
    empty_database_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    triggers = _triggers(empty_database_url)
    app = build_app(empty_database_url, tmp_path / "instance")
    try:
        add_user(app, "amber", "auditor")
    finally:
        get_engine(app).dispose()
    migrate.downgrade(empty_database_url, "0027", configure_logging=False)
    assert _triggers(empty_database_url) == triggers
    assert _roles(empty_database_url) == ["auditor"]
    migrate.upgrade(empty_database_url, configure_logging=False)
    assert _triggers(empty_database_url) == triggers
