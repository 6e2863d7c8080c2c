"""Running Alembic from the application: the only way the schema changes."""

from __future__ import annotations

import re
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


TRAIL_PROTECTION = ("0004", "0005")
"""The migrations that make the audit trail append-only (0004: no UPDATE or DELETE; 0005: no
TRUNCATE on PostgreSQL). A downgrade below either removes that protection."""


def revisions_after_downgrade(bind: Engine | Connection, revision: str) -> frozenset[str]:
    """The migrations still applied after downgrading to ``revision``: an id (or the start of
    one), ``base``, or ``-N`` steps down from where the database is now.

    Raises ValueError, in words a person can act on, for a revision that does not exist, more
    steps than there are, or a form of revision this check does not read.
    """
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    if revision == "base":
        return frozenset()
    if revision.startswith("-") and revision[1:].isdigit():
        target = _steps_down(script, current_revisions(bind), int(revision[1:]))
    elif re.fullmatch(r"[0-9a-f]+|heads?", revision):
        target = _named(script, revision)
    else:
        raise ValueError(
            f"{revision!r} is not a form this command takes: give a migration id (e.g. 0005), "
            "base, or -N to go N steps down"
        )
    return _applied_up_to(script, target)


def _steps_down(script: ScriptDirectory, current: tuple[str, ...], steps: int) -> str | None:
    target: str | None = next(iter(current), None)
    for taken in range(steps):
        if target is None:
            raise ValueError(f"The database is only {taken} migrations above the start")
        down = script.get_revision(target).down_revision
        target = down if isinstance(down, str) or down is None else down[0]
    return target


def _named(script: ScriptDirectory, revision: str) -> str | None:
    try:
        found = script.get_revision(revision)
    except Exception as error:  # Alembic's own errors say little a person can act on
        raise ValueError(f"There is no migration {revision!r}") from error
    if found is None:
        raise ValueError(f"There is no migration {revision!r}")
    return str(found.revision)


def _applied_up_to(script: ScriptDirectory, target: str | None) -> frozenset[str]:
    if target is None:
        return frozenset()
    return frozenset(found.revision for found in script.iterate_revisions(target, "base"))


def downgrade_removes_trail_protection(bind: Engine | Connection, revision: str) -> bool:
    """Whether downgrading to ``revision`` would take away the audit trail's append-only
    protection that the database has now."""
    current = current_revisions(bind)
    if not current:
        return False
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    applied = set().union(*(_applied_up_to(script, head) for head in current))
    still = revisions_after_downgrade(bind, revision)
    return any(p in applied and p not in still for p in TRAIL_PROTECTION)


def downgrade(database_url: str, revision: str, *, configure_logging: bool = True) -> None:
    """Revert migrations down to ``revision`` ("base" removes every table)."""
    command.downgrade(alembic_config(database_url, configure_logging=configure_logging), revision)
