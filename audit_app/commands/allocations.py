"""`flask allocations ...`: import allocations from a CSV file, or draw them at random."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import click

from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import CommandGroup
from audit_app.commands.cases import echo_refusal
from audit_app.db import session_scope
from audit_app.services import allocations as allocation_service
from audit_app.services.cases import ImportRefused

allocations_cli = CommandGroup(
    "allocations", help="Import or draw allocations of cases to auditors."
)


def _month(_ctx: click.Context, _param: click.Parameter, value: str) -> date:
    try:
        return allocation_service.parse_month(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@allocations_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def allocations_import(path: Path) -> None:
    """Import allocations from a CSV file with columns case_id, questionnaire_id, auditor, due.

    All or nothing: any bad row and nothing is imported. Rows already allocated are skipped.
    """
    raw = path.read_bytes()
    try:
        with session_scope() as session:
            summary = allocation_service.import_allocations(raw, session=session, actor=CLI_ACTOR)
    except ImportRefused as refused:
        echo_refusal(refused)
    for line in summary.lines():
        click.echo(line)


@allocations_cli.command("draw")
@click.option("--month", required=True, callback=_month, help="The month, as YYYY-MM.")
@click.option(
    "--per-auditor",
    required=True,
    type=click.IntRange(1, allocation_service.MAX_PER_AUDITOR),
    help="How many cases each auditor gets.",
)
@click.option("--questionnaire", "questionnaire_id", required=True, help="Questionnaire id.")
@click.option("--seed", type=int, help="Seed the random draw, to repeat it exactly.")
def allocations_draw(
    month: date, per_auditor: int, questionnaire_id: str, seed: int | None
) -> None:
    """Draw cases at random for each active auditor, due at the end of MONTH.

    Never a case from the auditor's own team, and never one audited in the previous 12 months.
    """
    try:
        with session_scope() as session:
            drawn = allocation_service.draw_allocations(
                session=session,
                actor=CLI_ACTOR,
                month=month,
                per_auditor=per_auditor,
                questionnaire_id=questionnaire_id,
                rng=random.Random(seed),
            )
    except allocation_service.DrawRefused as refused:
        click.echo(str(refused), err=True)
        click.echo("Nothing was allocated.", err=True)
        raise SystemExit(1) from None
    for line in drawn.lines():
        click.echo(line)
    for username, refs in drawn.case_refs.items():
        click.echo(f"  {username}: {', '.join(refs) if refs else 'none'}")
