"""Running Alembic from the application: the only way the schema changes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str, *, configure_logging: bool = True) -> Config:
    """An Alembic configuration pointing at ``migrations/`` and the given database."""
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = configure_logging
    return config


def upgrade(database_url: str, revision: str = "head", *, configure_logging: bool = True) -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(database_url, configure_logging=configure_logging), revision)


def heads() -> tuple[str, ...]:
    """The head revisions of the migration scripts (there should be exactly one)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return tuple(script.get_heads())


def current_revisions(bind: Engine | Connection) -> tuple[str, ...]:
    """The revisions the database is at (empty when it has never been migrated)."""
    if isinstance(bind, Connection):
        return tuple(MigrationContext.configure(bind).get_current_heads())
    with bind.connect() as connection:
        return tuple(MigrationContext.configure(connection).get_current_heads())


@lru_cache(maxsize=1)
def _heads() -> frozenset[str]:
    return frozenset(heads())


def is_at_head(bind: Engine | Connection) -> bool:
    """Whether the database's schema is at the latest migration."""
    return set(current_revisions(bind)) == _heads()


def downgrade(database_url: str, revision: str, *, configure_logging: bool = True) -> None:
    """Revert migrations down to ``revision`` ("base" removes every table)."""
    command.downgrade(alembic_config(database_url, configure_logging=configure_logging), revision)
