"""`flask db ...`: apply and write database migrations (Alembic)."""

from __future__ import annotations

import click
from flask import current_app

from audit_app.commands.base import CommandGroup

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


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (e.g. -1)."""
    from audit_app import migrate

    migrate.downgrade(_database_url(), revision)


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
