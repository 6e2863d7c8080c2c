"""What every command shares: a plain one-line message, never a traceback, when the database
cannot be reached or a setting is wrong."""

from __future__ import annotations

import sqlite3
from typing import Any

import click
import psycopg
from flask.cli import AppGroup
from sqlalchemy.exc import InterfaceError, OperationalError

from audit_app.logs import describe_database_error
from config import ConfigError

# Exit status for a problem the person running the command can fix (as for a usage error).
PERSON_CAN_FIX = 2


def _run_guarded(invoke: Any, ctx: click.Context) -> Any:
    try:
        return invoke(ctx)
    except ConfigError as problem:
        click.echo(f"Error: {problem}", err=True)
        ctx.exit(PERSON_CAN_FIX)
    # Raw connections (the reports' reader) raise the driver's own error, not SQLAlchemy's.
    except (
        OperationalError,
        InterfaceError,
        psycopg.OperationalError,
        sqlite3.OperationalError,
    ) as problem:
        # The server's message is left out: it can quote stored rows (see logs.py).
        click.echo(
            "Error: the database could not be reached or refused the work "
            f"({describe_database_error(problem)}). Check that it is running and that "
            "DATABASE_URL names it, then run the command again: nothing was changed.",
            err=True,
        )
        ctx.exit(PERSON_CAN_FIX)


class CommandGroup(AppGroup):
    """A command group whose commands end with one line, never a traceback, on those errors."""

    def invoke(self, ctx: click.Context) -> Any:
        return _run_guarded(super().invoke, ctx)


class Command(click.Command):
    """A single command (not in a group) with the same guard."""

    def invoke(self, ctx: click.Context) -> Any:
        return _run_guarded(super().invoke, ctx)
