"""`flask demo seed`: demonstration data for a newcomer's empty database."""

from __future__ import annotations

import os
import random
from pathlib import Path

import click
from flask import current_app

from audit_app.commands.base import CommandGroup
from audit_app.db import session_scope
from audit_app.services import demo

ACCOUNTS_HEADING = "username   role     password"

demo_cli = CommandGroup("demo", help="Demonstration data for the embedded default database.")


@demo_cli.command("seed")
@click.option("--seed", "seed_value", type=int, default=2019, help="Random seed (repeatable).")
@click.option("--if-empty", is_flag=True, help="Say nothing and succeed when data exists.")
def demo_seed(seed_value: int, if_empty: bool) -> None:
    """Create services, teams, one user per role, 60 cases, allocations and audits."""
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("Demo data is for development only (APP_ENV=production).")
    try:
        with session_scope() as session:
            summary = demo.seed(session=session, rng=random.Random(seed_value))
    except demo.DemoRefused as refused:
        if if_empty:
            click.echo(f"Demo data: {refused}")
            return
        raise click.ClickException(str(refused)) from None
    lines = _account_lines(summary)
    _keep_accounts(lines)
    click.echo(
        f"Demo data: {summary.cases} cases, {summary.submitted} submitted audits, "
        f"{summary.drafts} drafts, {summary.allocations} allocations."
    )
    click.echo("Sign in with one of these (also kept in instance/demo-accounts.txt):")
    click.echo(ACCOUNTS_HEADING)
    for line in lines:
        click.echo(line)


def _account_lines(summary: demo.DemoSummary) -> list[str]:
    """One line for each demo account: username, role and password, in columns."""
    return [f"{u:<10} {role:<8} {pw}" for u, (role, pw) in summary.passwords.items()]


def _keep_accounts(lines: list[str]) -> None:
    """Write the demo accounts to instance/demo-accounts.txt, readable by its owner alone."""
    accounts_file = Path(current_app.config["INSTANCE_PATH"]) / "demo-accounts.txt"
    accounts_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(accounts_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(ACCOUNTS_HEADING + "\n" + "\n".join(lines) + "\n")
