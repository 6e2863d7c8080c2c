"""Migration 0025: the home organisation, seeded from ``ORGANISATION_NAME``, owns every
existing user, service and audit; down again keeps the data, and is refused while a partner
organisation exists."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from audit_app import migrate
from audit_app.db import make_engine
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture

ROWS = (
    "INSERT INTO service (id, name) VALUES (1, 'Child Protection')",
    "INSERT INTO team (id, name, service_id) VALUES (1, 'Child Protection 1', 1)",
    "INSERT INTO app_user (id, username, display_name, password_hash, role, team_id, active, "
    "session_version, created_at, password_change_required, mfa_enabled) VALUES "
    "(1, 'amber', '', '', 'auditor', 1, TRUE, 1, CURRENT_TIMESTAMP, FALSE, FALSE)",
    "INSERT INTO case_file (id, case_ref, team_id, created_at, updated_at) "
    "VALUES (1, '100824', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
    "INSERT INTO questionnaire_version (id, questionnaire_id, version, title, kind, content, "
    "content_sha256, loaded_at, loaded_by, published_by) VALUES "
    "(1, 'q', 1, 'T', 'monthly', '{}', 'x', CURRENT_TIMESTAMP, '', '')",
    "INSERT INTO audit (id, case_id, questionnaire_version_id, auditor_id, status, version, "
    "created_at, updated_at, moderation_due) VALUES "
    "(1, 1, 1, 1, 'draft', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, FALSE)",
)
OWNED = ("app_user", "service", "audit")


def _seed(engine: Engine) -> None:
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))


def _owners(engine: Engine) -> dict[str, list[int]]:
    with engine.connect() as connection:
        return {
            table: list(connection.execute(text(f"SELECT organisation_id FROM {table}")).scalars())
            for table in OWNED
        }


def test_the_home_organisation_is_named_and_owns_every_row(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate.upgrade(empty_database_url, "0024", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        _seed(engine)
        monkeypatch.setenv("ORGANISATION_NAME", "  Riverside Borough Council ")
        migrate.upgrade(empty_database_url, configure_logging=False)
        with engine.connect() as connection:
            home = connection.execute(
                text("SELECT id, name, kind, is_home, mfa_required FROM organisation")
            ).all()
        assert [tuple(row) for row in home] == [
            (1, "Riverside Borough Council", "council", True, False)
        ]
        assert _owners(engine) == {table: [1] for table in OWNED}
        with engine.begin() as connection:  # a new row gets the next id, not the seeded one
            connection.execute(
                text(
                    "INSERT INTO organisation (name, kind, is_home, mfa_required, created_at) "
                    "VALUES ('Police', 'police', FALSE, TRUE, CURRENT_TIMESTAMP)"
                )
            )
    finally:
        engine.dispose()


def test_without_the_setting_it_is_the_council(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM organisation")).scalars().all()
        assert names == ["The council"]
    finally:
        engine.dispose()


def test_a_second_home_organisation_is_refused(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with pytest.raises(Exception, match="(?i)unique"), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisation (name, kind, is_home, mfa_required, created_at) "
                    "VALUES ('Another', 'council', TRUE, FALSE, CURRENT_TIMESTAMP)"
                )
            )
    finally:
        engine.dispose()


def test_down_again_keeps_the_data(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, "0024", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        _seed(engine)
        migrate.upgrade(empty_database_url, configure_logging=False)
        migrate.downgrade(empty_database_url, "0024", configure_logging=False)
        with engine.connect() as connection:
            counts = [
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in OWNED
            ]
            columns = connection.execute(text("SELECT * FROM service")).keys()
        assert counts == [1, 1, 1]
        assert "organisation_id" not in list(columns)
        migrate.upgrade(empty_database_url, configure_logging=False)
        assert _owners(engine) == {table: [1] for table in OWNED}
    finally:
        engine.dispose()


def test_down_is_refused_while_a_partner_organisation_exists(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO organisation (name, kind, is_home, mfa_required, created_at) "
                    "VALUES ('Metropolitan Police', 'police', FALSE, TRUE, CURRENT_TIMESTAMP)"
                )
            )
        with pytest.raises(RuntimeError, match="partner organisations exist"):
            migrate.downgrade(empty_database_url, "0024", configure_logging=False)
        assert migrate.is_at_head(engine)
    finally:
        engine.dispose()
