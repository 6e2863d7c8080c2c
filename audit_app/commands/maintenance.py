"""`flask backup ...` and `flask retention ...`: looking after the data."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import CommandGroup
from audit_app.db import get_engine, session_scope
from audit_app.services import backup, retention
from audit_app.services import reports as report_service

backup_cli = CommandGroup("backup", help="Back up the database, or restore a backup.")
retention_cli = CommandGroup("retention", help="Remove audits older than the retention period.")
summaries_cli = CommandGroup(
    "summaries", help="The report summaries of past months, which keep the dashboard quick."
)


@summaries_cli.command("refresh")
@click.option("--all", "everything", is_flag=True, help="Remake every month, changed or not.")
def summaries_refresh(everything: bool) -> None:
    """Make the summaries of past months changed since they were last made.

    The dashboard does this itself when it is viewed; running it after an upgrade or a bulk
    import (or every night) saves the first viewer the wait.
    """
    with session_scope() as session:
        if everything:
            report_service.mark_all_summaries_stale(session=session)
        months = report_service.refresh_summaries(session=session, today=report_service.today_utc())
    report_service.tidy_summaries(get_engine())
    click.echo(
        f"Summaries made for {len(months)} month(s)"
        + (f": {', '.join(months)}." if months else ".")
    )


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_create(file: Path) -> None:
    """Write a backup of the whole database to FILE."""
    if not file.parent.is_dir():
        raise click.UsageError(f"FILE {file}: the folder {file.parent} does not exist")
    try:
        how = backup.create(get_engine(), file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    with session_scope() as session:
        from audit_app.services.trail import record_event

        record_event("backup.created", session=session, actor=CLI_ACTOR, file=str(file), how=how)
    click.echo(f"Backup written to {file} ({how}).")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_restore(file: Path) -> None:
    """Restore FILE into this (empty) database."""
    try:
        how = backup.restore(get_engine(), file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {file} ({how}). Run `flask --app wsgi db upgrade` if it is older.")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@click.option("--years", type=click.IntRange(min=1), help="Override RETENTION_YEARS for this run.")
def retention_purge(dry_run: bool, years: int | None) -> None:
    """Remove audits, and multi-agency audits, whose last activity is older than
    RETENTION_YEARS, with everything of theirs."""
    years = years if years is not None else int(current_app.config["RETENTION_YEARS"])
    with session_scope() as session:
        expired = retention.expired_audits(years, session=session)
        multi = retention.expired_multi_agency_audits(years, session=session)
        for item in expired:
            click.echo(
                f"audit {item.audit_id}  case {item.case_ref}  {item.status}  "
                f"last activity {item.last_activity:%Y-%m-%d}"
            )
        for each in multi:
            click.echo(
                f"multi-agency audit {each.multi_agency_audit_id}  {each.title}  {each.status}  "
                f"last activity {each.last_activity:%Y-%m-%d}"
            )
        if dry_run:
            grants = retention.ended_grants(years, session=session)
            click.echo(
                f"{len(expired)} audit(s) and {len(multi)} multi-agency audit(s) older than "
                f"{years} years would be removed, and {grants} grant(s) that ended before then."
            )
            return
        removed = retention.purge(
            expired, session=session, actor=CLI_ACTOR, years=years, multi_agency=multi
        )
        grants = retention.purge_ended_grants(years, session=session, actor=CLI_ACTOR)
    click.echo(
        f"Removed {removed} audit(s) and {len(multi)} multi-agency audit(s) older than {years} "
        f"years, and {grants} grant(s) that ended before then; the trail records it."
    )
