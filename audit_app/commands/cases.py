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
from audit_app.services.case_imports import undo_unfinished

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
    worker in the file; cases not in the file are kept. The cases are written in batches, so
    that the application's users can save meanwhile; if a batch fails, the import is undone.
    """
    raw = path.read_bytes()
    try:
        summary = case_service.import_cases_in_batches(
            raw,
            transaction=session_scope,  # a transaction for each batch, so that others can write
            actor=CLI_ACTOR,
            case_id_pattern=current_app.config["CASE_ID_PATTERN"],
        )
    except case_service.ImportRefused as refused:
        echo_refusal(refused)
    except case_service.ImportUnderWay as busy:
        click.echo(str(busy), err=True)
        raise SystemExit(1) from None
    for line in summary.lines():
        click.echo(line)


@cases_cli.command("undo-import")
def cases_undo_import() -> None:
    """Undo an import of cases that stopped part-way (the database went away, say).

    The next import of cases does it anyway, once the stopped one has written nothing for two
    minutes; this does it now. Run it only when no import of cases is being written.
    """
    outcome = undo_unfinished(session_scope, actor=CLI_ACTOR)
    click.echo(str(outcome) if outcome else "No import of cases is unfinished: nothing to undo.")
