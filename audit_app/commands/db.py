"""`flask db ...`: apply and write database migrations (Alembic)."""

from __future__ import annotations

import click
from flask import current_app

from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import CommandGroup
from audit_app.db import get_engine, session_scope
from audit_app.services.trail import record_event

# Alembic is imported by the commands that use it, not by every start of the application.

db_cli = CommandGroup("db", help="Apply and write database migrations (Alembic).")


def _database_url() -> str:
    return str(current_app.config["DATABASE_URL"])


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from audit_app import migrate

    migrate.upgrade(_database_url(), revision)
    click.echo(f"Database is at {revision}.")


# ignore_unknown_options: a relative revision such as -1 is an argument, not an option.
@db_cli.command("downgrade", context_settings={"ignore_unknown_options": True})
@click.argument("revision")
@click.option(
    "--allow-unprotected-trail",
    is_flag=True,
    help="In production, downgrade even below the migrations that make the audit trail "
    "append-only (recorded in the trail).",
)
def db_downgrade(revision: str, allow_unprotected_trail: bool) -> None:
    """Revert migrations down to REVISION (e.g. -1).

    Going below the migrations that make the audit trail append-only (0004, 0005) would let it
    be rewritten: in production that is refused unless --allow-unprotected-trail is given, and
    wherever it happens it is recorded in the trail first.
    """
    from audit_app import migrate

    url = _database_url()
    engine = get_engine()
    try:
        unprotected = migrate.downgrade_removes_trail_protection(engine, revision)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if unprotected:
        production = current_app.config["APP_ENV"] == "production"
        if production and not allow_unprotected_trail:
            raise click.UsageError(
                f"Downgrading to {revision} removes the audit trail's protection against being "
                "changed or deleted (migrations 0004 and 0005). If you mean to, run it again "
                "with --allow-unprotected-trail: that is recorded in the audit trail."
            )
        with session_scope() as session:
            record_event(
                "trail.protection_removed",
                session=session,
                actor=CLI_ACTOR,
                downgrade_to=revision,
                allowed_by_flag=allow_unprotected_trail,
            )
    engine.dispose()
    migrate.downgrade(url, revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the migration changes.")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
def db_revision(message: str, autogenerate: bool) -> None:
    """Write a new migration script under migrations/versions/."""
    from alembic import command

    from audit_app import migrate

    command.revision(
        migrate.alembic_config(_database_url()), message=message, autogenerate=autogenerate
    )


@db_cli.command("current")
def db_current() -> None:
    """Show the database's migration revision."""
    from alembic import command

    from audit_app import migrate

    command.current(migrate.alembic_config(_database_url()))
