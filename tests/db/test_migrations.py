"""Migrations are the only way the schema changes: one head, and they build the models' schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import audit_app.models  # noqa: F401  (registers the tables)
from audit_app import migrate
from audit_app.db import make_engine
from tests.conftest import BACKENDS, create_postgres_database, drop_postgres_database


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    url = create_postgres_database(admin_url, "case_audit_empty")
    try:
        yield url
    finally:
        drop_postgres_database(admin_url, url)


def test_there_is_a_single_head() -> None:
    assert len(migrate.heads()) == 1


def test_upgrade_builds_every_table_on_an_empty_database(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        assert inspect(engine).get_table_names() == []
        assert not migrate.is_at_head(engine)

        migrate.upgrade(empty_database_url, configure_logging=False)

        tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert tables == set(SQLModel.metadata.tables)
        assert migrate.is_at_head(engine)
    finally:
        engine.dispose()


def test_migrations_give_the_same_schema_as_the_models(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_downgrade_to_base_and_back_again(empty_database_url: str) -> None:
    migrate.upgrade(empty_database_url, configure_logging=False)
    migrate.downgrade(empty_database_url, "base", configure_logging=False)
    engine = make_engine(empty_database_url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(empty_database_url, configure_logging=False)
        assert migrate.is_at_head(engine)
    finally:
        engine.dispose()
