"""`flask questionnaires ...`: validate, load, list, publish, retire and reinstate
questionnaires."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import CommandGroup
from audit_app.db import session_scope
from audit_app.services import questionnaire_workbooks as workbooks
from audit_app.services import questionnaires as questionnaire_service

questionnaires_cli = CommandGroup(
    "questionnaires", help="Validate, load, list and retire questionnaires."
)


def _echo_problems(problems: object) -> None:
    for problem in problems:  # type: ignore[attr-defined]
        click.echo(str(problem), err=True)


def _paths_or_default(paths: tuple[str, ...]) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    found = questionnaire_service.default_paths(current_app.config["QUESTIONNAIRE_DIR"])
    if not found:
        raise click.ClickException(
            f"no questionnaire files in {current_app.config['QUESTIONNAIRE_DIR']}"
        )
    return found


@questionnaires_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
def questionnaires_validate(paths: tuple[str, ...]) -> None:
    """Check questionnaire files; list every problem, each with its file and JSON path."""
    try:
        files = questionnaire_service.read_files(paths)
    except questionnaire_service.LoadRefused as refused:
        _echo_problems(refused.problems)
        click.echo(f"{refused.total} problem(s) found.", err=True)
        raise SystemExit(1) from None
    for file in files:
        q = file.questionnaire
        click.echo(f"{file.source}: ok ({q.id} version {q.version}, {len(q.questions)} questions)")


@questionnaires_cli.command("load")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--draft",
    is_flag=True,
    help="Load new versions as drafts, seen by admins only until published.",
)
def questionnaires_load(paths: tuple[str, ...], draft: bool) -> None:
    """Load questionnaire files (default: every file in questionnaires/), all or nothing.

    New versions are published (new audits use them) unless --draft is given; a draft loaded
    earlier with the same content is published.
    """
    try:
        files = questionnaire_service.read_files(_paths_or_default(paths))
        with session_scope() as session:
            outcomes = questionnaire_service.load(
                files, session=session, loaded_by=CLI_ACTOR, publish=not draft
            )
    except questionnaire_service.LoadRefused as refused:
        _echo_problems(refused.problems)
        click.echo("Nothing was loaded.", err=True)
        raise SystemExit(1) from None
    for outcome in outcomes:
        click.echo(
            f"{outcome.status}: {outcome.questionnaire_id} version {outcome.version} "
            f"({outcome.source}){' as a draft' if outcome.draft else ''}"
        )


@questionnaires_cli.command("list")
def questionnaires_list() -> None:
    """Show every loaded version: id, version, kind, retired, draft, title."""
    with session_scope() as session:
        rows = questionnaire_service.all_versions(session=session)
    if not rows:
        click.echo("No questionnaires are loaded.")
        return
    click.echo(f"{'id':<40} {'version':>7}  {'kind':<9} {'retired':<7} {'draft':<5}  title")
    for row in rows:
        retired = "yes" if row.retired_at else "no"
        draft = "yes" if row.is_draft else "no"
        click.echo(
            f"{row.questionnaire_id:<40} {row.version:>7}  {row.kind:<9} {retired:<7} "
            f"{draft:<5}  {row.title}"
        )


@questionnaires_cli.command("publish")
@click.argument("questionnaire_id")
@click.option("--version", type=int, required=True, help="The draft version to publish.")
def questionnaires_publish(questionnaire_id: str, version: int) -> None:
    """Publish a draft version: new audits use it (audits already started keep theirs)."""
    with session_scope() as session:
        row = questionnaire_service.stored_version(questionnaire_id, version, session=session)
        if row is None:
            raise click.ClickException(f"no questionnaire {questionnaire_id} version {version}")
        if not row.is_draft:
            raise click.ClickException(f"{questionnaire_id} version {version} is published")
        questionnaire_service.publish_version(row, session=session, actor=CLI_ACTOR)
    click.echo(f"Published {questionnaire_id} version {version}.")


def _set_retired(questionnaire_id: str, version: int | None, retired: bool) -> None:
    try:
        with session_scope() as session:
            rows = questionnaire_service.set_retired(
                questionnaire_id, retired, session=session, actor=CLI_ACTOR, version=version
            )
    except LookupError as missing:
        raise click.ClickException(str(missing)) from None
    verb = "Retired" if retired else "Reinstated"
    click.echo(f"{verb} {questionnaire_id} version(s) {', '.join(str(r.version) for r in rows)}.")


@questionnaires_cli.command("retire")
@click.argument("questionnaire_id")
@click.option("--version", type=int, help="Retire one version only.")
def questionnaires_retire(questionnaire_id: str, version: int | None) -> None:
    """Hide a questionnaire from new audits (audits already started keep their version)."""
    _set_retired(questionnaire_id, version, True)


@questionnaires_cli.command("reinstate")
@click.argument("questionnaire_id")
@click.option("--version", type=int, help="Reinstate one version only.")
def questionnaires_reinstate(questionnaire_id: str, version: int | None) -> None:
    """Offer a retired questionnaire for new audits again."""
    _set_retired(questionnaire_id, version, False)


@questionnaires_cli.command("upgrade")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the upgraded file here (- for the screen) instead of over PATH.",
)
def questionnaires_upgrade(path: str, output: str | None) -> None:
    """Turn a case-audit/1 file into case-audit/2, keeping its layout, ids and version.

    The upgraded file means exactly the same: a version loaded from the format 1 file loads
    again from it as unchanged.
    """
    source = Path(path)
    try:
        upgraded = questionnaire_service.upgrade_file(source)
    except questionnaire_service.LoadRefused as refused:
        _echo_problems(refused.problems)
        click.echo(f"{source.name} was not changed.", err=True)
        raise SystemExit(1) from None
    except questionnaire_service.NothingToUpgrade as same:
        click.echo(f"{source.name}: {same}")
        return
    if output == "-":
        click.echo(upgraded, nl=False)
        return
    target = Path(output) if output else source
    questionnaire_service.write_atomically(target, upgraded)
    click.echo(f"{source.name}: upgraded to case-audit/2, written to {target}")


@questionnaires_cli.command("convert")
@click.argument("path", type=click.Path(exists=True))
@click.option(
    "--to",
    "target_format",
    type=click.Choice(["json", "xlsx"]),
    help="What to write: json for a workbook (the default), xlsx for a JSON file (the default).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write here (- for the screen, JSON only) instead of beside PATH.",
)
def questionnaires_convert(path: str, target_format: str | None, output: str | None) -> None:
    """Turn a workbook (.xlsx, or CSV sheets in a .zip or a folder) into a questionnaire's JSON,
    or a JSON file into a workbook. Every problem is listed, and nothing is written, when the
    input has any."""
    source = Path(path)
    to = target_format or ("xlsx" if source.suffix.lower() == ".json" else "json")
    if to == "xlsx" and output == "-":
        raise click.ClickException("a workbook cannot be shown on the screen: give --output FILE")
    try:
        if to == "json":
            converted: str | bytes = workbooks.json_of_workbook_file(source)
        else:
            converted = workbooks.workbook_of_json_file(source)
    except questionnaire_service.LoadRefused as refused:
        _echo_problems(refused.problems)
        click.echo(f"{refused.total} problem(s) found. Nothing was written.", err=True)
        raise SystemExit(1) from None
    if output == "-":
        click.echo(converted, nl=False)
        return
    target = Path(output) if output else source.with_suffix(f".{to}")
    if isinstance(converted, str):
        questionnaire_service.write_atomically(target, converted)
    else:
        workbooks.write_bytes_atomically(target, converted)
    click.echo(f"{source.name}: written to {target}")
