"""Alembic environment: the models' metadata, the application's engine settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import audit_app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from audit_app.db import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if not url:
        from config import load_config

        url = str(load_config()["DATABASE_URL"])
    return url


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations in one transaction on a connection made like the application's."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_database_url())
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _run_without_foreign_keys(connection)
            else:
                _run(connection)
    finally:
        engine.dispose()


def _run_without_foreign_keys(connection) -> None:  # type: ignore[no-untyped-def]
    """SQLite alters a table by copying it into a new one (Alembic's batch mode), which the
    foreign keys of rows that refer to it would refuse: they are switched off while the
    migrations run (SQLite only allows it outside a transaction), then every row is checked."""
    driver = connection.connection.dbapi_connection
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        _run(connection)
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(
                f"The migrations left rows whose references are broken: {broken[:5]}"
            )
    finally:
        driver.execute("PRAGMA foreign_keys = ON")


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # One transaction for the whole run on SQLite too (Alembic would otherwise commit after
        # each migration there): a downgrade refused part-way, such as 0019's, changes nothing.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
