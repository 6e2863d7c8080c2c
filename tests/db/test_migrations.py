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


def test_migrations_go_down_and_up_again_on_a_database_holding_data(
    empty_database_url: str, tmp_path: Path
) -> None:
    """A live database is upgraded with its data in it: tables that SQLite must copy to alter
    are referred to by other rows, and the report summaries start from the audits there."""
    from sqlalchemy import text

    from audit_app import create_app

    migrate.upgrade(empty_database_url, configure_logging=False)
    app = create_app(
        {"PASSWORD_HASH_FAST": True},
        environ={
            "APP_ENV": "development",
            "DATABASE_URL": empty_database_url,
            "INSTANCE_PATH": str(tmp_path),
        },
    )
    tables = ("app_user", "audit", "answer", "theme_result", "allocation", "audit_event")

    def counts() -> dict[str, int]:
        engine = make_engine(empty_database_url)
        try:
            with engine.connect() as connection:
                return {
                    t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in tables
                }
        finally:
            engine.dispose()

    # The app's connections are closed whatever happens, so that a failure here cannot leave
    # one open for a later test to trip over.
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["questionnaires", "load"]).exit_code == 0
        seeded = runner.invoke(args=["demo", "seed"])
        assert seeded.exit_code == 0, seeded.output
        before = counts()
        assert before["audit"] > 0
    finally:
        app.extensions["db_engine"].dispose()
    migrate.downgrade(empty_database_url, "0005", configure_logging=False)  # the last release
    migrate.upgrade(empty_database_url, configure_logging=False)
    assert counts() == before
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            stale = connection.execute(text("SELECT count(*) FROM report_stale_month"))
            assert stale.scalar_one() > 0  # every month with audits, to be summarised
    finally:
        engine.dispose()
