"""With CSRF protection on, as in production, a form posted without its token changes nothing."""

from __future__ import annotations

from flask import Flask

from audit_app.db import session_scope
from audit_app.services import accounts
from audit_app.services.actor import Actor
from tests.accounts.conftest import csrf_token, events, new_user_form, stored_user
from tests.builders import PASSWORD


def add_user(app: Flask, username: str, role: str) -> int:
    with app.app_context(), session_scope(app) as session:
        user = accounts.create_user(
            username, PASSWORD, role, session=session, actor=Actor.system("test")
        )
        assert user.id is not None
        return user.id


def make_admin(app: Flask) -> None:
    add_user(app, "admin1", "admin")


def test_sign_in_without_a_token_is_refused(csrf_app: Flask) -> None:
    make_admin(csrf_app)
    client = csrf_app.test_client()
    response = client.post("/sign-in", data={"username": "admin1", "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in
    assert events(csrf_app, "sign_in.succeeded") == []
    assert events(csrf_app, "sign_in.failed") == []


def test_sign_in_with_the_token_works(csrf_app: Flask) -> None:
    make_admin(csrf_app)
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"username": "admin1", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_adding_a_user_without_a_token_is_refused(csrf_app: Flask) -> None:
    make_admin(csrf_app)
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"username": "admin1", "password": PASSWORD, "csrf_token": token})
    assert client.get("/admin/users/new").status_code == 200

    form = new_user_form(username="intruder", display_name=None, role="admin")
    response = client.post("/admin/users/new", data=form)
    assert response.status_code == 400
    assert stored_user(csrf_app, "intruder") is None
    assert len(events(csrf_app, "user.created")) == 1  # admin1's own

    # The same form with the page's token is accepted: the refusal was the missing token.
    token = csrf_token(client, "/admin/users/new")
    accepted = client.post("/admin/users/new", data={**form, "csrf_token": token})
    assert accepted.status_code == 302
    assert stored_user(csrf_app, "intruder") is not None


def test_changing_a_user_without_a_token_is_refused(csrf_app: Flask) -> None:
    make_admin(csrf_app)
    client = csrf_app.test_client()
    token = csrf_token(client, "/sign-in")
    client.post("/sign-in", data={"username": "admin1", "password": PASSWORD, "csrf_token": token})
    target_id = add_user(csrf_app, "alice", "auditor")
    for path, data in (
        (f"/admin/users/{target_id}", {"role": "admin"}),
        (f"/admin/users/{target_id}/status", {"status-action": "deactivate"}),
        (
            f"/admin/users/{target_id}/password",
            {"new-password": "x" * 20, "new-confirm_password": "x" * 20},
        ),
    ):
        assert client.post(path, data=data).status_code == 400, path
    user = stored_user(csrf_app, "alice")
    assert user is not None and (user.role, user.active, user.session_version) == (
        "auditor",
        True,
        1,
    )
    # Each of the page's forms carries its own token.
    page = client.get(f"/admin/users/{target_id}").get_data(as_text=True)
    for name in ('name="csrf_token"', 'name="new-csrf_token"', 'name="status-csrf_token"'):
        assert name in page
