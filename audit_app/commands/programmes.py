"""`flask programmes ...`: list the audit programmes, and draw one's cases with a seed."""

from __future__ import annotations

import click

from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import CommandGroup
from audit_app.core.sampling import MAX_SEED
from audit_app.db import session_scope
from audit_app.services import programmes as programme_service
from audit_app.services.allocations import DrawRefused

programmes_cli = CommandGroup("programmes", help="List audit programmes, or draw their cases.")


@programmes_cli.command("list")
def programmes_list() -> None:
    """Every programme: id, kind, period, questionnaire, last seed, name."""
    with session_scope() as session:
        programmes = programme_service.list_programmes(session=session)
        for p in programmes:
            seed = "not drawn" if p.seed is None else f"seed {p.seed}"
            click.echo(
                f"{p.id}\t{p.kind}\t{p.period_start} to {p.period_end}\t"
                f"{p.questionnaire_id}\t{seed}\t{p.name}"
            )
    if not programmes:
        click.echo("No programmes.")


@programmes_cli.command("draw")
@click.argument("programme_id", type=int)
@click.option(
    "--seed",
    type=click.IntRange(0, MAX_SEED),
    help="Seed the draw, to repeat an earlier one exactly (see the trail or `programmes list`).",
)
def programmes_draw(programme_id: int, seed: int | None) -> None:
    """Top each stratum of programme PROGRAMME_ID up to its quota with cases drawn at random.

    Never a case audited in the 12 months before the programme starts; drawing again adds only
    what is missing.
    """
    try:
        with session_scope() as session:
            drawn = programme_service.draw_programme(
                programme_id, session=session, actor=CLI_ACTOR, seed=seed
            )
    except (DrawRefused, programme_service.ProgrammeNotFound) as refused:
        click.echo(str(refused), err=True)
        click.echo("Nothing was allocated.", err=True)
        raise SystemExit(1) from None
    for line in drawn.lines():
        click.echo(line)
    for stratum, refs in drawn.cases.items():
        click.echo(f"  {stratum}: {', '.join(refs)}")
