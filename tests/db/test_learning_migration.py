"""Migration 0022: the learning themes (seeded with the default list) and the findings tagged
on audits; going down drops both, and up again seeds the list afresh."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from audit_app import migrate
from audit_app.db import make_engine
from audit_app.services.learning import DEFAULT_THEMES
from tests.db.test_migrations import empty_database_url as empty_database_url  # the fixture


def test_the_upgrade_seeds_the_default_learning_themes(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, "0021", configure_logging=False)
    migrate.upgrade(empty_database_url, configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            names = connection.execute(text("SELECT name FROM learning_theme")).scalars().all()
        assert sorted(names) == sorted(DEFAULT_THEMES)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO learning_theme (name, created_at, created_by) "
                    "VALUES ('Chronology', CURRENT_TIMESTAMP, '')"
                )
            )
    finally:
        engine.dispose()


def test_down_and_up_again(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    migrate.downgrade(empty_database_url, "0021", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert not {"learning_theme", "finding"} & tables
        migrate.upgrade(empty_database_url, configure_logging=False)
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM learning_theme")).scalar_one()
        assert count == len(DEFAULT_THEMES)
    finally:
        engine.dispose()
