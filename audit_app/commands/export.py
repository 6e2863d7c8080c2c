"""`flask export KIND ...`: the board's CSV exports (and the workbook) from the command line.

The bytes are the same as the dashboard's downloads for the same filters: both write through
``audit_app.reporting.exports``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import Command
from audit_app.db import get_engine, session_scope
from audit_app.reporting import exports
from audit_app.reporting.dashboard import load_catalogue
from audit_app.reporting.database import ReportReader
from audit_app.reporting.filters import Filters, Scope, parse_date
from audit_app.reporting.selection import Places, Selection
from audit_app.services import reports as report_service

KINDS = (*exports.KINDS, "workbook")


def _date(_ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise click.BadParameter(
            f"“{value}” is not a date: write it as YYYY-MM-DD, e.g. 2025-04-01"
        )
    return parsed


@click.command("export", cls=Command)
@with_appcontext
@click.argument("kind", type=click.Choice(KINDS))
@click.option(
    "--from",
    "date_from",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="Audits submitted on or after this day (UTC).",
)
@click.option(
    "--to",
    "date_to",
    callback=_date,
    metavar="YYYY-MM-DD",
    help="Audits submitted on or before this day (UTC).",
)
@click.option("--service", "service_name", metavar="NAME", help="One service, by name.")
@click.option(
    "--questionnaire",
    "questionnaire_id",
    metavar="ID",
    help="One questionnaire id (all its versions).",
)
@click.option(
    "--out",
    "out",
    required=True,
    metavar="FILE",
    help="Where to write: a file, or - for standard output.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 16),
    default=2,
    show_default=True,
    help="Processes that write a large CSV export together, in parts put together in order.",
)
def export_cli(
    kind: str,
    date_from: date | None,
    date_to: date | None,
    service_name: str | None,
    questionnaire_id: str | None,
    out: str,
    jobs: int,
) -> None:
    """Export audits, themes, compliance or answers as CSV, or all four as a workbook.

    Every audit whose latest submission stands is exported, unless the options narrow it. A
    file is written whole or not at all, readable by its owner only (it holds case references).
    """
    if date_from and date_to and date_from > date_to:
        raise click.UsageError(f"--from {date_from} is after --to {date_to}")
    filters = Filters(
        date_from=date_from,
        date_to=date_to,
        questionnaire_id=questionnaire_id,
        service_id=_service_id(service_name, questionnaire_id),
    )
    scope = Scope.everything()
    with ReportReader(get_engine(), every_row=True) as reader:
        selection = Selection.build(
            filters, scope, load_catalogue(reader), Places.load(reader, scope)
        )
        rows = _write(reader, kind, selection, out, jobs)
    with session_scope() as session:
        report_service.record_export(
            kind,
            "xlsx" if kind == "workbook" else "csv",
            report_service.Requester(username=CLI_ACTOR.username, id=None, scope=scope),
            filters,
            rows,
            session=session,
            via="command line",
        )
    if out != "-":
        total = sum(rows.values()) if isinstance(rows, dict) else rows
        click.echo(f"Wrote {total:,} rows to {out}.", err=True)


def _service_id(service_name: str | None, questionnaire_id: str | None) -> int | None:
    """The id of the service named (None for every service), once the service and the
    questionnaire named are known; a usage error naming the ones there are if not."""
    with session_scope() as session:
        try:
            service_id = (
                report_service.service_id_by_name(service_name, session=session)
                if service_name
                else None
            )
            if questionnaire_id:
                report_service.check_questionnaire(questionnaire_id, session=session)
        except report_service.UnknownName as unknown:
            raise click.UsageError(str(unknown)) from None
    return service_id


def _write(
    reader: ReportReader, kind: str, selection: Selection, out: str, jobs: int
) -> int | dict[str, int]:
    """Write to standard output, or to a file that appears whole or not at all."""
    if out == "-":
        stream = sys.stdout.buffer
        if kind == "workbook":
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "workbook.xlsx"
                counts = exports.write_workbook(reader, selection, str(path))
                stream.write(path.read_bytes())
                stream.flush()
                return counts
        rows = exports.write_csv(reader, kind, selection, stream, jobs=jobs)
        stream.flush()
        return rows
    target = Path(out)
    if not target.parent.exists():
        raise click.UsageError(f"--out {out}: the folder {target.parent} does not exist")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            if kind == "workbook":
                file.close()
                result: int | dict[str, int] = exports.write_workbook(reader, selection, temporary)
            else:
                result = exports.write_csv(reader, kind, selection, file, jobs=jobs)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result


__all__ = ["export_cli"]
