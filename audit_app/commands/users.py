"""`flask users ...`: create users, set passwords, deactivate and reactivate, reset two-factor
authentication, list; link an account to the identity provider, and deactivate unused ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from flask import current_app
from sqlmodel import Session

from audit_app.commands import CLI_ACTOR
from audit_app.commands.base import CommandGroup
from audit_app.db import session_scope
from audit_app.models import ROLES, User
from audit_app.services import accounts, sso
from audit_app.services import concerns as concern_service
from audit_app.services import users as user_service
from audit_app.services.accounts import AccountError

T = TypeVar("T")

users_cli = CommandGroup(
    "users",
    help="Create users, set passwords, deactivate, reset two-factor authentication and list users.",
)


def _context_words() -> tuple[str, ...]:
    return tuple(current_app.config["PASSWORD_CONTEXT_WORDS"])


def _prompt_password(username: str, display_name: str) -> str:
    """Ask for the password twice without echoing it; piped input works too. It must not
    contain the words about this service, nor the person's username or name."""
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.check_password_rules(
            password,
            context_words=_context_words(),
            username=username,
            display_name=display_name,
        )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    return password


def _existing_user(username: str, *, session: Session) -> User:
    user = accounts.find_user(username, session=session)
    if user is None:
        raise click.ClickException(f"There is no user called {username}")
    return user


def _change_user(username: str, change: Callable[[User, Session], T]) -> tuple[str, T]:
    """Make a change to an existing user in one transaction: their username and what the change
    returned. A refusal (AccountError) is the command's error, and nothing is changed."""
    try:
        with session_scope() as session:
            user = _existing_user(username, session=session)
            outcome = change(user, session)
            name = user.username
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    return name, outcome


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, help=f"One of: {', '.join(ROLES)}.")
@click.option("--team", help="The user's own team (it must exist already).")
@click.option(
    "--service",
    "services",
    multiple=True,
    help="A service a group manager manages; repeat for each one.",
)
@click.option("--name", "display_name", default="", help="The name shown in the app.")
def users_create(
    username: str, role: str, team: str | None, services: tuple[str, ...], display_name: str
) -> None:
    """Add a user; prompts for the password (hidden, asked twice), which they must change at
    their first sign-in."""
    try:
        # Check everything before asking for the password, so nobody types it in vain.
        with session_scope() as session:
            username = user_service.check_new_user(
                username, role, session=session, team=team, services=services
            )
        password = _prompt_password(username, display_name)
        with session_scope() as session:
            user_service.add_user(
                username,
                password,
                role,
                session=session,
                actor=CLI_ACTOR,
                display_name=display_name,
                team=team,
                services=services,
                context_words=_context_words(),
                change_at_sign_in=True,
            )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Created {username} ({role}). They must change the password when they first sign in."
    )


@users_cli.command("set-password")
@click.argument("username")
def users_set_password(username: str) -> None:
    """Set a user's password and end their live sessions; they must change it at their next
    sign-in."""
    with session_scope() as session:
        user = _existing_user(username, session=session)
        owner = user.username, user.display_name
    password = _prompt_password(*owner)
    name, _ = _change_user(
        username,
        lambda user, session: accounts.set_password(
            user,
            password,
            session=session,
            actor=CLI_ACTOR,
            context_words=_context_words(),
            change_at_sign_in=True,
        ),
    )
    click.echo(
        f"Password set for {name}. Any session they had open has ended. They must change it "
        "when they next sign in."
    )


def _set_active(username: str, active: bool, *, confirmed: bool = False) -> None:
    with session_scope() as session:
        user = _existing_user(username, session=session)
        try:
            changed = user_service.change_active(
                user, active, session=session, actor=CLI_ACTOR, confirmed=confirmed
            )
        except user_service.LastManagerWarning as warning:
            # Only a change since the warning was printed gets here.
            raise click.ClickException(
                f"{warning}\nNothing was changed: run the command again to confirm."
            ) from None
        name = user.username
    if not changed:
        click.echo(f"{name} is already {'active' if active else 'deactivated'}.")
    elif active:
        click.echo(f"Reactivated {name}. They can sign in again.")
    else:
        click.echo(f"Deactivated {name}. They cannot sign in, and their sessions have ended.")


@users_cli.command("deactivate")
@click.argument("username")
@click.option(
    "--yes",
    "assume_yes",
    is_flag=True,
    help="Deactivate the last active manager of a service without asking (the warning is "
    "still printed).",
)
def users_deactivate(username: str, assume_yes: bool) -> None:
    """Stop a user signing in, and end their live sessions.

    For the last active manager of a service, first print the open safeguarding concerns that
    would be left without a manager to see them (they go to the admins and the safeguarding
    fallback), and ask to confirm unless --yes is given.
    """
    with session_scope() as session:
        user = _existing_user(username, session=session)
        left = concern_service.left_without_manager(user, session=session)
        name = user.username
        warning = user_service.last_manager_warning(name, left) if left else []
    if warning:
        first, *rest = warning
        click.echo(f"Warning: {first}", err=True)
        for line in rest:
            click.echo(line, err=True)
        if not assume_yes:
            # Nothing is held open while the prompt waits; no answer (or end of input) aborts.
            click.confirm(f"Deactivate {name} anyway?", abort=True, err=True)
    _set_active(username, False, confirmed=bool(warning))


@users_cli.command("activate")
@click.argument("username")
def users_activate(username: str) -> None:
    """Let a deactivated user sign in again."""
    _set_active(username, True)


@users_cli.command("reset-mfa")
@click.argument("username")
@click.option(
    "--reason",
    required=True,
    help="How you checked who they are, for the audit trail (for example: met in person, "
    "saw their staff ID card).",
)
def users_reset_mfa(username: str, reason: str) -> None:
    """Turn off two-factor authentication for someone who lost their authenticator app and
    their recovery codes, after checking who they are; ends their live sessions."""
    name, ended = _change_user(
        username,
        lambda user, session: user_service.reset_mfa(
            user, reason=reason, session=session, actor=CLI_ACTOR
        ),
    )
    click.echo(
        f"Two-factor authentication reset for {name}; {ended} open session(s) ended. They can "
        "sign in with their password alone until they set up their authenticator app again."
    )


@users_cli.command("list")
def users_list() -> None:
    """List users with their role, team, services managed and status."""
    with session_scope() as session:
        rows = user_service.list_users(session=session)
    if not rows:
        click.echo("There are no users yet.")
        return
    click.echo(f"{'username':<24} {'role':<8} {'team':<28} {'active':<6}  services")
    for row in rows:
        active = "yes" if row.user.active else "no"
        click.echo(
            f"{row.user.username:<24} {row.user.role:<8} {row.team or '-':<28} {active:<6}  "
            f"{', '.join(row.services) or '-'}"
        )


@users_cli.command("link-sso")
@click.argument("username")
@click.argument("subject")
def users_link_sso(username: str, subject: str) -> None:
    """Link an existing account to the person's account at the identity provider, by its subject
    (the reference the refusal page showed them; Entra ID: their Object ID when
    OIDC_SUBJECT_CLAIM=oid). Check who they are first: they will sign in as this account."""
    name, _ = _change_user(
        username,
        lambda user, session: sso.link_account(user, subject, session=session, actor=CLI_ACTOR),
    )
    click.echo(f"{name} now signs in with the council account whose subject is {subject.strip()}.")


@users_cli.command("deactivate-unused")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    help="Unused for more than this many days (default: DEACTIVATE_AFTER_DAYS).",
)
def users_deactivate_unused(days: int | None) -> None:
    """Deactivate every account nobody has signed in to for DEACTIVATE_AFTER_DAYS days (a new
    or reactivated account counts from that day), ending its sessions. Run it daily."""
    days = days or int(current_app.config["DEACTIVATE_AFTER_DAYS"])
    if days < 1:
        click.echo("DEACTIVATE_AFTER_DAYS is 0: no account is deactivated for being unused.")
        return
    with session_scope() as session:
        done = sso.deactivate_unused(session=session, actor=CLI_ACTOR, days=days)
    if not done:
        click.echo(f"No account has gone unused for more than {days} days.")
        return
    click.echo(f"Deactivated {len(done)} account(s) unused for more than {days} days:")
    for username in done:
        click.echo(f"  {username}")
