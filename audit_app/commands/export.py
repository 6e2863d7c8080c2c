"""`flask export ...`: the board's CSV exports."""

from __future__ import annotations

import click


@click.command("export")
def export_cli() -> None:
    """Export audits, themes, compliance or answers as CSV."""
    raise click.ClickException("Not available yet.")
