"""`flask export KIND ...`: the board's CSV exports (and the workbook) from the command line;
`flask reports paper ...`: the board paper as PDF; `flask reports record ...`: an audit's record.

The bytes are the same as the dashboard's downloads for the same filters: both write through
``audit_app.reporting.exports`` (the paper through ``audit_app.reporting.board_paper``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from audit_app import clock
from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import Command, CommandGroup
from audit_app.core.dates import month_end, parse_month_key
from audit_app.core.subjects import SUBJECTS
from audit_app.db import get_engine, session_scope
from audit_app.reporting import board_paper, exports
from audit_app.reporting.dashboard import load_catalogue
from audit_app.reporting.database import ReportReader
from audit_app.reporting.filters import Filters, Scope, parse_date
from audit_app.reporting.paper_pdf import paper_pdf
from audit_app.reporting.record_pdf import record_pdf
from audit_app.reporting.report_page import ReportPage
from audit_app.reporting.selection import Places, Selection
from audit_app.services import reports as report_service
from audit_app.services.audit_record import audit_record
from audit_app.services.audits import AuditNotFound
from audit_app.services.trail import record_event

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
    "--kind",
    "audit_kind",
    metavar="NAME",
    help="One kind of audit, by its name in questionnaires (e.g. monthly, supervision).",
)
@click.option(
    "--subject",
    "subject",
    type=click.Choice(SUBJECTS),
    help="What the audits are of (default: case, or the questionnaire's own with "
    "--questionnaire), so that no file mixes subjects.",
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
    audit_kind: str | None,
    subject: str | None,
    out: str,
    jobs: int,
) -> None:
    """Export audits, themes, compliance, answers or evidence as CSV, or all five as a workbook.

    Every audit whose latest submission stands is exported, unless the options narrow it. A
    file is written whole or not at all, readable by its owner only (it holds case references).
    """
    if date_from and date_to and date_from > date_to:
        raise click.UsageError(f"--from {date_from} is after --to {date_to}")
    filters = Filters(
        date_from=date_from,
        date_to=date_to,
        questionnaire_id=questionnaire_id,
        kind=audit_kind,
        service_id=_service_id(service_name, questionnaire_id, audit_kind),
        subject=subject,
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


def _service_id(
    service_name: str | None, questionnaire_id: str | None, kind: str | None
) -> int | None:
    """The id of the service named (None for every service), once the service, the
    questionnaire and the kind named are known; a usage error naming the ones there are if
    not."""
    with session_scope() as session:
        try:
            service_id = (
                report_service.service_id_by_name(service_name, session=session)
                if service_name
                else None
            )
            if questionnaire_id:
                report_service.check_questionnaire(questionnaire_id, session=session)
            if kind:
                report_service.check_kind(kind, session=session)
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


@click.group("reports", cls=CommandGroup)
def reports_cli() -> None:
    """Reports from the command line: the board paper, an audit's record."""


def _month(_ctx: click.Context, _param: click.Parameter, value: str) -> date:
    try:
        return parse_month_key(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"“{value}” is not a month: write it as YYYY-MM, e.g. 2026-03"
        ) from None


@reports_cli.command("paper")
@with_appcontext
@click.option("--from", "first", required=True, callback=_month, metavar="YYYY-MM",
              help="The first month of the period.")  # fmt: skip
@click.option("--to", "last", required=True, callback=_month, metavar="YYYY-MM",
              help="The last month of the period (included).")  # fmt: skip
@click.option("--service", "service_name", metavar="NAME", help="One service, by name.")
@click.option("--questionnaire", "questionnaire_id", metavar="ID", help="One questionnaire id.")
@click.option("--kind", "audit_kind", metavar="NAME", help="One kind of audit, by its name.")
@click.option(
    "--subject", type=click.Choice(SUBJECTS), help="What the audits are of (default: case)."
)
@click.option("--theme", default="", metavar="QUESTIONNAIRE/THEME", help="One theme, by its ids.")
@click.option("--out", required=True, metavar="FILE", help="Where to write the PDF.")
def paper_cli(
    first: date,
    last: date,
    service_name: str | None,
    questionnaire_id: str | None,
    audit_kind: str | None,
    subject: str | None,
    theme: str,
    out: str,
) -> None:
    """Write the board paper of a period (whole months) as PDF, like the reports' download.

    It covers every service unless --service narrows it, and names no worker.
    """
    if first > last:
        raise click.UsageError(f"--from {first:%Y-%m} is after --to {last:%Y-%m}")
    target = Path(out)
    if not target.parent.exists():
        raise click.UsageError(f"--out {out}: the folder {target.parent} does not exist")
    filters = Filters(
        date_from=first,
        date_to=month_end(last),
        questionnaire_id=questionnaire_id,
        kind=audit_kind,
        service_id=_service_id(service_name, questionnaire_id, audit_kind),
        subject=subject,
    )
    made = _paper(filters, theme)
    with current_app.test_request_context("/reports/paper"):
        data = paper_pdf(made)
    _write_whole(target, data)
    with session_scope() as session:
        report_service.record_export(
            "board-paper" if made.theme is None else f"board-paper:{'/'.join(made.theme)}",
            "pdf",
            report_service.Requester(
                username=CLI_ACTOR.username, id=None, scope=Scope.everything()
            ),
            filters,
            made.figures.headline.submitted,
            session=session,
            via="command line",
        )
    click.echo(f"Wrote the board paper for {made.period.text} to {out}.", err=True)


def _write_whole(target: Path, data: bytes) -> None:
    """Whole or not at all, readable by its owner only (mkstemp's mode), like the exports."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@reports_cli.command("record")
@with_appcontext
@click.argument("audit_id", type=int)
@click.option("--out", required=True, metavar="FILE", help="Where to write the PDF.")
def record_cli(audit_id: int, out: str) -> None:
    """Write the record of a submitted audit as PDF (its JSON attached), like its download.

    For the child's file or a subject access request: the whole audit, every answer shown,
    its grades, moderations, actions and the practitioner's voice.
    """
    target = Path(out)
    if not target.parent.exists():
        raise click.UsageError(f"--out {out}: the folder {target.parent} does not exist")
    with session_scope() as session:
        try:
            made = audit_record(
                audit_id,
                CLI_ACTOR,
                session=session,
                blind=False,
                marking=current_app.config.get("PROTECTIVE_MARKING") or board_paper.DEFAULT_MARKING,
                today=clock.today(),
            )
        except AuditNotFound:
            raise click.UsageError(f"No submitted audit {audit_id}.") from None
    with current_app.test_request_context(f"/audits/{audit_id}/record"):
        data = record_pdf(made)
    _write_whole(target, data)
    with session_scope() as session:
        record_event(
            "audit.record_made",
            session=session,
            actor=CLI_ACTOR,
            audit_id=audit_id,
            case_ref=made.case_ref,
            format="pdf",
            via="command line",
        )
    click.echo(f"Wrote the record of audit {audit_id} of case {made.case_ref} to {out}.", err=True)


def _paper(filters: Filters, theme: str) -> board_paper.BoardPaper:
    """The paper of these filters for every service; a usage error for an unknown theme."""
    scope = Scope.everything()
    today = report_service.today_utc()
    with ReportReader(get_engine()) as reader:
        catalogue = load_catalogue(reader)
        places = Places.load(reader, scope)
        keys = ("from", "to", "questionnaire", "kind", "subject", "service", "team")
        raw = {key: "" for key in keys}
        page = ReportPage(filters, {}, {**raw, "auditor": ""}, scope, catalogue, places, {})
        request, errors = board_paper.paper_request(page, theme)
        if errors:
            themes = ", ".join(f"{q}/{t}" for q, t in catalogue.themes) or "none loaded yet"
            raise click.UsageError(f"--theme {theme}: {errors['theme']}. Themes: {themes}.")
        return board_paper.build(
            reader,
            request,
            scope,
            today=today,
            catalogue=catalogue,
            places=places,
            described=board_paper.describe_filters(page, request.period, request.theme),
            marking=current_app.config.get("PROTECTIVE_MARKING") or board_paper.DEFAULT_MARKING,
        )


__all__ = ["export_cli", "reports_cli"]
