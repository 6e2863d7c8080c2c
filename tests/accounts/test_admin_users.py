"""The admin users pages: access, the list, adding a user, changing one, passwords, activation."""

from __future__ import annotations

import json
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from werkzeug.test import TestResponse

from audit_app.services import users as user_service
from tests.accounts.conftest import (
    MakeUser,
    SignIn,
    events,
    new_user_form,
    stored_row,
    stored_user,
)
from tests.builders import PASSWORD

NEW_PASSWORD = "a different long passphrase"


def user_id(app: Flask, username: str) -> int:
    user = stored_user(app, username)
    assert user is not None and user.id is not None
    return user.id


def text_of(response: TestResponse) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture
def admin(admin_signed_in: FlaskClient) -> str:
    """Signed in as an admin; returns the username."""
    return "admin1"


@pytest.fixture
def alice(app: Flask, make_user: MakeUser) -> int:
    """The auditor alice, with no team; returns her id."""
    return user_id(app, make_user("alice", "auditor"))


@pytest.fixture
def alice_in_a_team(app: Flask, make_user: MakeUser) -> int:
    """The auditor alice in Assessment Team 1; returns her id."""
    return user_id(app, make_user("alice", "auditor", team="Assessment Team 1"))


def alices_browser(app: Flask) -> FlaskClient:
    """Alice's own browser, signed in with her password."""
    browser = app.test_client()
    browser.post("/sign-in", data={"username": "alice", "password": PASSWORD})
    assert browser.get("/").status_code == 200
    return browser


# Access ----------------------------------------------------------------------------------------


def routes(target: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/admin/users"),
        ("GET", "/admin/users/new"),
        ("POST", "/admin/users/new"),
        ("GET", f"/admin/users/{target}"),
        ("POST", f"/admin/users/{target}"),
        ("POST", f"/admin/users/{target}/password"),
        ("POST", f"/admin/users/{target}/status"),
    ]


@pytest.mark.parametrize("role", ["auditor", "manager", "viewer"])
def test_only_admins_may_use_the_users_pages(
    app: Flask,
    client: FlaskClient,
    make_user: MakeUser,
    sign_in: SignIn,
    role: str,
) -> None:
    target = user_id(app, make_user("target", "auditor"))
    sign_in(make_user("someone", role, services=("Children in Need",) if role == "manager" else ()))
    for method, path in routes(target):
        assert client.open(path, method=method).status_code == 403, (method, path)
    target_user = stored_user(app, "target")
    assert target_user is not None and target_user.active


def test_anonymous_visitors_are_sent_to_sign_in(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    target = user_id(app, make_user("target", "auditor"))
    for method, path in routes(target):
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/sign-in")


def test_admins_see_every_page(
    app: Flask, client: FlaskClient, admin: str, make_user: MakeUser
) -> None:
    target = user_id(app, make_user("target", "auditor"))
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{target}"):
        assert client.get(path).status_code == 200, path


def test_an_unknown_user_is_not_found(client: FlaskClient, admin: str) -> None:
    for method, path in routes(9999):
        if path.endswith("/new") or path == "/admin/users":
            continue
        assert client.open(path, method=method).status_code == 404, (method, path)


# The list --------------------------------------------------------------------------------------


def test_the_list_shows_role_team_services_and_status(
    app: Flask,
    client: FlaskClient,
    admin: str,
    make_user: MakeUser,
    runner: FlaskCliRunner,
) -> None:
    make_user("alice", "auditor", team="Assessment Team 1")
    make_user("gm1", "manager", services=("Children in Care",))
    make_user("old", "viewer")
    runner.invoke(args=["users", "deactivate", "old"])

    html = text_of(client.get("/admin/users"))
    assert f'href="/admin/users/{user_id(app, "alice")}"' in html
    for expected in (
        "Auditor",
        "Group manager",
        "Viewer",
        "Admin",
        "Assessment Team 1",
        "Children in Care",
        "Active",
        "Deactivated",
    ):
        assert expected in html
    assert client.get("/admin/users").headers["Cache-Control"] == "no-store"


# Adding a user ---------------------------------------------------------------------------------


def test_the_new_user_form_offers_roles_with_hints_teams_and_services(
    client: FlaskClient,
    admin: str,
    make_user: MakeUser,
) -> None:
    make_user("alice", "auditor", team="Assessment Team 1")
    html = text_of(client.get("/admin/users/new"))
    for label in ("Username", "Name", "Auditor", "Group manager", "Admin", "Viewer"):
        assert label in html
    for hint in user_service.ROLE_HINTS.values():
        assert hint in html
    assert "Assessment Team 1 (Children in Need)" in html
    assert 'name="services" type="checkbox" value="Children in Need"' in html
    assert "Confirm password" in html


def test_an_admin_adds_a_manager(
    app: Flask, client: FlaskClient, admin: str, make_user: MakeUser
) -> None:
    make_user("gm0", "manager", services=("Children in Need", "Children in Care"))
    response = client.post(
        "/admin/users/new",
        data=new_user_form(
            username="GM1",
            role="manager",
            team="Children in Need team",
            services=["Children in Need", "Children in Care"],
        ),
    )
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"] == "/admin/users"
    assert "gm1 has been added." in text_of(client.get("/admin/users"))

    row = stored_row(app, "gm1")
    assert (row.user.role, row.user.display_name) == ("manager", "New Auditor")
    assert row.team == "Children in Need team"
    assert row.services == ("Children in Care", "Children in Need")
    event = events(app, "user.created")[-1]
    assert event.actor == admin
    assert PASSWORD not in event.detail


def test_a_new_user_can_sign_in(app: Flask, client: FlaskClient, admin: str) -> None:
    client.post("/admin/users/new", data=new_user_form())
    client.post("/sign-out")
    assert (
        client.post("/sign-in", data={"username": "newbie", "password": PASSWORD}).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": ""}, "Enter a username"),
        ({"username": "new user"}, "Username must be 1 to 80 characters"),
        ({"username": "ADMIN1"}, "A user called admin1 already exists"),
        ({"role": None}, "Choose a role"),
        ({"password": "", "confirm_password": ""}, "Enter a password"),
        ({"password": "too short", "confirm_password": "too short"}, "at least 12 characters"),
        ({"confirm_password": "something else entirely"}, "The passwords do not match"),
        ({"services": ["Children in Need"]}, "Only group managers manage services"),
    ],
)
def test_a_bad_new_user_is_refused_with_a_clear_message(
    app: Flask,
    client: FlaskClient,
    admin: str,
    make_user: MakeUser,
    overrides: dict[str, object],
    message: str,
) -> None:
    make_user("gm0", "manager", services=("Children in Need",))
    before = len(events(app, "user.created"))
    response = client.post("/admin/users/new", data=new_user_form(**overrides))
    assert response.status_code == 400
    html = text_of(response)
    assert "There is a problem" in html and message in html
    assert "<title>Error: " in html
    assert len(events(app, "user.created")) == before
    assert stored_user(app, "newbie") is None and stored_user(app, "new user") is None
    assert PASSWORD not in html  # passwords are never sent back


def test_every_problem_is_listed_at_once_in_page_order(client: FlaskClient, admin: str) -> None:
    response = client.post("/admin/users/new", data={})
    html = text_of(response)
    summary = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    expected = [
        ("#username", "Enter a username"),
        ("#role", "Choose a role"),
        ("#password", "Enter a password"),
        ("#confirm_password", "Enter the password again"),
    ]
    positions = [summary.index(f'href="{href}">{text}') for href, text in expected]
    assert positions == sorted(positions)


# Changing a user -------------------------------------------------------------------------------


def test_an_admin_changes_role_team_services_and_name(
    app: Flask, client: FlaskClient, admin: str, alice_in_a_team: int, make_user: MakeUser
) -> None:
    make_user("gm0", "manager", services=("Children in Care",))
    target = alice_in_a_team
    page = text_of(client.get(f"/admin/users/{target}"))
    assert 'value="auditor" checked' in page

    response = client.post(
        f"/admin/users/{target}",
        data={
            "display_name": "Alice Example",
            "role": "manager",
            "team": "",
            "services": ["Children in Care"],
        },
    )
    assert response.status_code == 302
    assert "Changes to alice have been saved." in text_of(client.get(response.headers["Location"]))
    row = stored_row(app, "alice")
    assert (row.user.role, row.user.display_name, row.team, row.services) == (
        "manager",
        "Alice Example",
        None,
        ("Children in Care",),
    )
    [event] = events(app, "user.updated")
    assert (event.actor, event.actor_id) == (admin, user_id(app, admin))
    detail = json.loads(event.detail)
    assert detail["username"] == "alice"
    assert detail["before"] == {
        "display_name": "",
        "role": "auditor",
        "team": "Assessment Team 1",
        "services": [],
    }
    assert detail["after"] == {
        "display_name": "Alice Example",
        "role": "manager",
        "team": None,
        "services": ["Children in Care"],
    }


def test_saving_without_changes_writes_no_event(
    app: Flask, client: FlaskClient, admin: str, alice_in_a_team: int
) -> None:
    target = alice_in_a_team
    response = client.post(
        f"/admin/users/{target}",
        data={"display_name": "", "role": "auditor", "team": "Assessment Team 1"},
    )
    assert response.status_code == 302
    assert "Nothing was changed for alice." in text_of(client.get(f"/admin/users/{target}"))
    assert events(app, "user.updated") == []


def test_a_bad_change_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, admin: str, alice_in_a_team: int, make_user: MakeUser
) -> None:
    make_user("gm0", "manager", services=("Children in Care",))
    target = alice_in_a_team
    response = client.post(
        f"/admin/users/{target}",
        data={"display_name": "Alice", "role": "viewer", "services": ["Children in Care"]},
    )
    assert response.status_code == 400
    assert "Only group managers manage services" in text_of(response)
    unknown_team = client.post(
        f"/admin/users/{target}", data={"role": "auditor", "team": "Nowhere"}
    )
    assert unknown_team.status_code == 400
    assert "Not a valid choice" in text_of(unknown_team)
    user = stored_user(app, "alice")
    assert user is not None and (user.role, user.display_name) == ("auditor", "")
    assert events(app, "user.updated") == []


def test_an_admin_cannot_remove_their_own_admin_role(
    app: Flask,
    client: FlaskClient,
    admin: str,
) -> None:
    me = user_id(app, admin)
    response = client.post(f"/admin/users/{me}", data={"display_name": "", "role": "viewer"})
    assert response.status_code == 400
    assert "You cannot remove your own admin role" in text_of(response)
    user = stored_user(app, admin)
    assert user is not None and user.role == "admin"
    assert client.get("/admin/users").status_code == 200


def test_an_admin_can_change_their_own_name(app: Flask, client: FlaskClient, admin: str) -> None:
    me = user_id(app, admin)
    response = client.post(f"/admin/users/{me}", data={"display_name": "Ada", "role": "admin"})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200  # still signed in


def test_an_admin_can_demote_another_admin(
    app: Flask, client: FlaskClient, admin: str, make_user: MakeUser
) -> None:
    other = user_id(app, make_user("admin2", "admin"))
    response = client.post(f"/admin/users/{other}", data={"role": "viewer"})
    assert response.status_code == 302
    user = stored_user(app, "admin2")
    assert user is not None and user.role == "viewer"


def test_a_role_change_applies_to_a_live_session_at_once(
    app: Flask,
    admin: str,
    make_user: MakeUser,
    client: FlaskClient,
) -> None:
    make_user("bob", "admin")
    bob = app.test_client()
    bob.post("/sign-in", data={"username": "bob", "password": PASSWORD})
    assert bob.get("/admin/users").status_code == 200
    client.post(f"/admin/users/{user_id(app, 'bob')}", data={"role": "viewer"})
    assert bob.get("/admin/users").status_code == 403


# Passwords -------------------------------------------------------------------------------------


def test_setting_a_password_ends_the_users_sessions(
    app: Flask, client: FlaskClient, admin: str, alice: int
) -> None:
    browser = alices_browser(app)
    response = client.post(
        f"/admin/users/{alice}/password",
        data={"new-password": NEW_PASSWORD, "new-confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert "A new password has been set for alice" in text_of(
        client.get(response.headers["Location"])
    )
    assert browser.get("/").status_code == 302
    assert (
        browser.post("/sign-in", data={"username": "alice", "password": NEW_PASSWORD}).status_code
        == 302
    )
    [event] = events(app, "user.password_set")
    assert event.actor == admin and NEW_PASSWORD not in event.detail


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("", "", "Enter a new password"),
        ("too short", "too short", "Password must be at least 12 characters"),
        (NEW_PASSWORD, "something else entirely", "The passwords do not match"),
    ],
)
def test_a_bad_new_password_is_refused(
    app: Flask,
    client: FlaskClient,
    admin: str,
    alice: int,
    password: str,
    confirm: str,
    message: str,
) -> None:
    before = stored_user(app, "alice")
    response = client.post(
        f"/admin/users/{alice}/password",
        data={"new-password": password, "new-confirm_password": confirm},
    )
    assert response.status_code == 400
    html = text_of(response)
    assert message in html and "There is a problem" in html and "<title>Error: " in html
    after = stored_user(app, "alice")
    assert before is not None and after is not None
    assert after.password_hash == before.password_hash
    assert events(app, "user.password_set") == []


def test_an_admin_cannot_set_their_own_password_here(
    app: Flask,
    client: FlaskClient,
    admin: str,
) -> None:
    me = user_id(app, admin)
    assert "You cannot set your own password here" in text_of(client.get(f"/admin/users/{me}"))
    response = client.post(
        f"/admin/users/{me}/password",
        data={"new-password": NEW_PASSWORD, "new-confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert events(app, "user.password_set") == []
    assert client.get("/admin/users").status_code == 200


# Deactivating and reactivating -----------------------------------------------------------------


def test_deactivating_ends_sessions_and_reactivating_restores_sign_in(
    app: Flask, client: FlaskClient, admin: str, alice: int
) -> None:
    target = alice
    browser = alices_browser(app)

    response = client.post(f"/admin/users/{target}/status", data={"status-action": "deactivate"})
    assert response.status_code == 302
    page = text_of(client.get(f"/admin/users/{target}"))
    assert "alice has been deactivated" in page and "Reactivate alice" in page
    assert browser.get("/").status_code == 302
    assert (
        browser.post("/sign-in", data={"username": "alice", "password": PASSWORD}).status_code
        == 400
    )

    # A second click on the same button changes nothing.
    client.post(f"/admin/users/{target}/status", data={"status-action": "deactivate"})
    assert len(events(app, "user.deactivated")) == 1

    client.post(f"/admin/users/{target}/status", data={"status-action": "reactivate"})
    user = stored_user(app, "alice")
    assert user is not None and user.active
    assert (
        browser.post("/sign-in", data={"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
    assert len(events(app, "user.activated")) == 1
    assert events(app, "user.deactivated")[0].actor == admin


def test_an_admin_cannot_deactivate_themselves(app: Flask, client: FlaskClient, admin: str) -> None:
    me = user_id(app, admin)
    assert "You cannot deactivate your own account" in text_of(client.get(f"/admin/users/{me}"))
    response = client.post(f"/admin/users/{me}/status", data={"status-action": "deactivate"})
    assert response.status_code == 400
    assert "You cannot deactivate your own account. Ask another admin" in text_of(response)
    user = stored_user(app, admin)
    assert user is not None and user.active
    assert client.get("/admin/users").status_code == 200


def test_a_malformed_status_request_is_refused(
    app: Flask, client: FlaskClient, admin: str, alice: int
) -> None:
    response = client.post(f"/admin/users/{alice}/status", data={"status-action": "delete"})
    assert response.status_code == 400
    user = stored_user(app, "alice")
    assert user is not None and user.active
    assert events(app, "user.deactivated") == []
