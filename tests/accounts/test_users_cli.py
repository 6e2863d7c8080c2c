"""`flask users create|set-password|deactivate|activate|list`."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import ManagedService, Service, Team
from tests.accounts.conftest import MakeUser, assert_sent_to_sign_in, events, stored_user
from tests.builders import PASSWORD, ensure_team

NEW_PASSWORD = "a different long passphrase"


def typed_twice(password: str) -> str:
    """What a person types at the hidden prompt and its confirmation (or a pipe sends)."""
    return f"{password}\n{password}\n"


def create(*args: str) -> list[str]:
    """The arguments of ``flask users create``."""
    return ["users", "create", *args]


MANAGER_OF = ["gm1", "--role", "manager", "--service", "Children in Need", "--service"]


def add_team(app: Flask, team: str, service: str) -> None:
    with session_scope(app) as session:
        ensure_team(session, team, service=service)


def test_create_reads_the_password_from_piped_input(app: Flask, runner: FlaskCliRunner) -> None:
    add_team(app, "Assessment Team 1", "Children in Need")
    result = runner.invoke(
        args=create(
            "Alice", "--role", "auditor", "--team", "Assessment Team 1", "--name", "Alice Example"
        ),
        input=typed_twice(PASSWORD),
    )
    assert result.exit_code == 0, result.output
    assert "Created alice (auditor)." in result.output
    assert PASSWORD not in result.output  # the prompt does not echo it
    user = stored_user(app, "alice")
    assert user is not None
    assert (user.role, user.display_name, user.active) == ("auditor", "Alice Example", True)
    assert user.password_hash.startswith("$argon2id$")
    with session_scope(app) as session:
        team = session.get(Team, user.team_id)
        assert team is not None and team.name == "Assessment Team 1"
    [event] = events(app, "user.created")
    assert event.actor == "command line"
    assert PASSWORD not in event.detail


def test_create_a_manager_of_several_services(app: Flask, runner: FlaskCliRunner) -> None:
    add_team(app, "CIN 1", "Children in Need")
    add_team(app, "CLA 1", "Children in Care")
    result = runner.invoke(
        args=create(*MANAGER_OF, "Children in Care"),
        input=typed_twice(PASSWORD),
    )
    assert result.exit_code == 0, result.output
    with session_scope(app) as session:
        managed = session.exec(
            select(Service.name)
            .join(ManagedService, ManagedService.service_id == Service.id)
            .order_by(Service.name)
        ).all()
    assert managed == ["Children in Care", "Children in Need"]


def test_a_taken_username_is_refused(
    app: Flask, runner: FlaskCliRunner, make_user: MakeUser
) -> None:
    make_user("alice", "auditor")
    result = runner.invoke(
        args=["users", "create", "ALICE", "--role", "viewer"], input=typed_twice(PASSWORD)
    )
    assert result.exit_code == 1
    assert "Error: A user called alice already exists" in result.output
    assert "Password" not in result.output  # refused before asking for the password
    user = stored_user(app, "alice")
    assert user is not None and user.role == "auditor"


TWICE = typed_twice(PASSWORD)

# Each refused ``flask users create``: its arguments, what is typed at the prompts, what the
# error says, and the username that must not be stored.
REFUSED = {
    "password-typed-differently": (
        create("alice", "--role", "auditor"),
        f"{PASSWORD}\nsomething else entirely\n",
        ["do not match"],
        "alice",
    ),
    "unknown-role": (
        create("alice", "--role", "superuser"),
        TWICE,
        ["Role must be one of auditor, manager, admin, viewer, independent, not 'superuser'"],
        "alice",
    ),
    "unknown-team": (
        create("alice", "--role", "auditor", "--team", "Nowhere Team"),
        TWICE,
        ["There is no team called Nowhere Team", "flask cases import"],
        "alice",
    ),
    "unknown-service": (
        create(*MANAGER_OF, "Fostering"),
        TWICE,
        ["There is no service called Fostering"],
        "gm1",
    ),
    "services-for-an-auditor": (
        create("alice", "--role", "auditor", "--service", "Children in Need"),
        TWICE,
        ["Only group managers manage services"],
        "alice",
    ),
    "short-password": (
        create("alice", "--role", "auditor"),
        typed_twice("short"),
        ["Password must be at least 12 characters"],
        "alice",
    ),
    "malformed-username": (
        create("alice smith", "--role", "auditor"),
        TWICE,
        ["Username must be 1 to 80 characters"],
        "alice smith",
    ),
}


@pytest.mark.parametrize(
    ("args", "typed", "messages", "username"), list(REFUSED.values()), ids=list(REFUSED)
)
def test_create_refuses_with_a_clear_message_and_stores_no_one(
    app: Flask,
    runner: FlaskCliRunner,
    args: list[str],
    typed: str,
    messages: list[str],
    username: str,
) -> None:
    if "--service" in args:
        add_team(app, "CIN 1", "Children in Need")
    result = runner.invoke(args=args, input=typed)
    assert result.exit_code == 1
    for message in messages:
        assert message in result.output
    assert stored_user(app, username) is None


@pytest.mark.usefixtures("alice_signed_in")
def test_set_password_ends_live_sessions(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    assert client.get("/").status_code == 200

    result = runner.invoke(args=["users", "set-password", "alice"], input=typed_twice(NEW_PASSWORD))
    assert result.exit_code == 0, result.output
    assert "Password set for alice" in result.output

    assert_sent_to_sign_in(client.get("/"))
    assert (
        client.post("/sign-in", data={"username": "alice", "password": PASSWORD}).status_code == 400
    )
    assert (
        client.post("/sign-in", data={"username": "alice", "password": NEW_PASSWORD}).status_code
        == 302
    )
    [event] = events(app, "user.password_set")
    assert NEW_PASSWORD not in event.detail and "alice" in event.detail


def test_set_password_refuses_a_short_password_and_keeps_the_old_one(
    app: Flask,
    runner: FlaskCliRunner,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    before = stored_user(app, "alice")
    result = runner.invoke(args=["users", "set-password", "alice"], input=typed_twice("short"))
    assert result.exit_code == 1
    assert "Password must be at least 12 characters" in result.output
    after = stored_user(app, "alice")
    assert before is not None and after is not None
    assert (after.password_hash, after.session_version) == (
        before.password_hash,
        before.session_version,
    )


def test_commands_name_an_unknown_user(runner: FlaskCliRunner) -> None:
    for command in ("set-password", "deactivate", "activate"):
        result = runner.invoke(args=["users", command, "nobody"], input=typed_twice(PASSWORD))
        assert result.exit_code == 1, command
        assert "Error: There is no user called nobody" in result.output


@pytest.mark.usefixtures("alice_signed_in")
def test_deactivate_ends_live_sessions_and_blocks_sign_in(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient
) -> None:
    assert client.get("/").status_code == 200

    result = runner.invoke(args=["users", "deactivate", "alice"])
    assert result.exit_code == 0, result.output
    assert "Deactivated alice" in result.output

    assert_sent_to_sign_in(client.get("/"))
    refused = client.post("/sign-in", data={"username": "alice", "password": PASSWORD})
    assert refused.status_code == 400
    assert "Enter a correct username and password" in refused.get_data(as_text=True)
    assert len(events(app, "user.deactivated")) == 1

    again = runner.invoke(args=["users", "deactivate", "alice"])
    assert again.exit_code == 0 and "alice is already deactivated" in again.output
    assert len(events(app, "user.deactivated")) == 1


def test_activate_lets_a_deactivated_user_sign_in_again(
    app: Flask,
    runner: FlaskCliRunner,
    client: FlaskClient,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor")
    assert runner.invoke(args=["users", "deactivate", "alice"]).exit_code == 0
    result = runner.invoke(args=["users", "activate", "alice"])
    assert result.exit_code == 0, result.output
    assert "Reactivated alice" in result.output
    assert (
        client.post("/sign-in", data={"username": "alice", "password": PASSWORD}).status_code == 302
    )
    assert len(events(app, "user.activated")) == 1


def test_list_shows_role_team_services_and_status(
    runner: FlaskCliRunner,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor", team="Assessment Team 1")
    make_user("gm1", "manager", services=("Children in Care", "Children in Need"))
    make_user("old", "viewer")
    assert runner.invoke(args=["users", "deactivate", "old"]).exit_code == 0

    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert lines["alice"].split()[:3] == ["alice", "auditor", "Assessment"]
    assert "Team 1" in lines["alice"] and " yes " in lines["alice"]
    assert lines["gm1"].endswith("Children in Care, Children in Need")
    assert " no " in lines["old"]


def test_list_says_when_there_are_no_users(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert "There are no users yet." in result.output


def test_the_trail_records_who_created_a_user_without_the_password(
    app: Flask, runner: FlaskCliRunner
) -> None:
    runner.invoke(
        args=["users", "create", "alice", "--role", "viewer"], input=typed_twice(PASSWORD)
    )
    [event] = events(app, "user.created")
    detail = json.loads(event.detail)
    assert detail["username"] == "alice" and detail["role"] == "viewer"
    assert "password" not in event.detail.lower()
