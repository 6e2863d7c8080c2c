"""`flask concerns ...`: safeguarding concerns that nobody has acknowledged in time."""

from __future__ import annotations

from datetime import datetime

import click

from audit_app import clock
from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import CommandGroup
from audit_app.db import session_scope
from audit_app.services import concerns as concern_service
from audit_app.services.trail import record_event

concerns_cli = CommandGroup("concerns", help="Safeguarding concerns raised during audits.")

# WORKING_DAYS_CALENDAR, as people name the places (England and Wales share bank holidays).
CALENDAR_NAMES = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}


def _when(moment: datetime) -> str:
    """On the council's clock, as people read it: Mon 3 March 2025 10:00."""
    return clock.local(moment).strftime("%a %-d %B %Y %H:%M")


@concerns_cli.command("remind")
def concerns_remind() -> None:
    """List the open safeguarding concerns still unacknowledged a working day after they were
    raised, with who can see each one; run it every working morning from cron, which mails what
    it prints. Each run is recorded in the audit trail. Exits 0 whether or not any are overdue.
    """
    with session_scope() as session:
        overdue = concern_service.overdue_concerns(session=session, now=clock.now())
        record_event(
            "concerns.reminded",
            session=session,
            actor=CLI_ACTOR,
            overdue=len(overdue),
            concerns=[
                {"concern_id": item.concern.id, "case_ref": item.case_ref}
                for item, _audience in overdue
            ],
        )
        lines = [
            f"Case {item.case_ref} ({item.service_name}, {item.team_name})\n"
            f"  raised:      {_when(item.concern.raised_at)} by {item.raised_by}\n"
            f"  due:         {_when(item.due)}\n"
            f"  who can see: {audience.readers()}"
            for item, audience in overdue
        ]
    if not overdue:
        click.echo("No overdue concerns.")
        return
    count = len(overdue)
    calendar = clock.working_days_calendar()
    place = CALENDAR_NAMES.get(calendar, calendar)
    click.echo(
        f"{count} overdue safeguarding concern{'s' if count != 1 else ''}: unacknowledged a "
        f"working day after being raised (weekends and bank holidays in {place} do not count). "
        "Acknowledge each one on its page in the service (Home, Safeguarding concerns)."
    )
    for block in lines:
        click.echo("")
        click.echo(block)
