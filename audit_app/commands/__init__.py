"""The ``flask`` command groups, one module per noun. Each command commits once, at the end."""

from __future__ import annotations

from flask import Flask

from audit_app.services.actor import Actor

# Whoever runs a command, as the services and the audit trail see them.
CLI_ACTOR = Actor.command_line()


def register(app: Flask) -> None:
    """Attach every command group to the application."""
    from audit_app.commands.allocations import allocations_cli
    from audit_app.commands.cases import cases_cli
    from audit_app.commands.concerns import concerns_cli
    from audit_app.commands.db import db_cli
    from audit_app.commands.demo import demo_cli
    from audit_app.commands.export import export_cli, reports_cli
    from audit_app.commands.maintenance import backup_cli, retention_cli, summaries_cli
    from audit_app.commands.programmes import programmes_cli
    from audit_app.commands.questionnaires import questionnaires_cli
    from audit_app.commands.users import users_cli

    for group in (
        db_cli,
        questionnaires_cli,
        users_cli,
        cases_cli,
        allocations_cli,
        programmes_cli,
        demo_cli,
        export_cli,
        reports_cli,
        backup_cli,
        retention_cli,
        summaries_cli,
        concerns_cli,
    ):
        app.cli.add_command(group)
