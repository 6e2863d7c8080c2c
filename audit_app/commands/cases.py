"""`flask cases ...`: import cases (with their services and teams) from a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click
from flask import current_app

from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import CommandGroup
from audit_app.db import session_scope
from audit_app.services import cases as case_service

cases_cli = CommandGroup("cases", help="Import cases, with their services and teams.")


def echo_refusal(refused: case_service.ImportRefused) -> NoReturn:
    """Every problem on stderr, then say that nothing changed; exit 1."""
    for problem in refused.problems:
        click.echo(str(problem), err=True)
    click.echo("Nothing was imported.", err=True)
    raise SystemExit(1) from None


@cases_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def cases_import(path: Path) -> None:
    """Import cases from a CSV file with columns case_id, service, team and (optional) worker.

    All or nothing: any bad row and nothing is imported. Cases already stored get the team and
    worker in the file; cases not in the file are kept.
    """
    raw = path.read_bytes()
    try:
        with session_scope() as session:
            summary = case_service.import_cases(
                raw,
                session=session,
                actor=CLI_ACTOR,
                case_id_pattern=current_app.config["CASE_ID_PATTERN"],
            )
    except case_service.ImportRefused as refused:
        echo_refusal(refused)
    for line in summary.lines():
        click.echo(line)
