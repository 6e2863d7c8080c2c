"""Words about this service (PASSWORD_CONTEXT_WORDS) and the person's own username and name are
refused in a new password, wherever a password is set."""

from __future__ import annotations

from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from audit_app.services.accounts import AccountError, check_password_rules, personal_words
from config import DEFAULT_PASSWORD_CONTEXT_WORDS
from tests.accounts.conftest import MakeUser, events, new_user_form, stored_user
from tests.builders import PASSWORD

GOOD = "a long and quite unusual passphrase"


@pytest.mark.parametrize(
    ("password", "word"),
    [
        ("Childrens Services 2026!", "children's services"),
        ("my-SAFEGUARDING-password", "safeguarding"),
        ("ofsted ofsted ofsted", "Ofsted"),
        ("the case.file audits 1", "Case file audits"),
        ("Social_Care is what we do", "social care"),
        ("mosaic and liquidlogic", "Liquidlogic"),
    ],
)
def test_words_about_the_service_are_refused_ignoring_case_spaces_and_punctuation(
    password: str, word: str
) -> None:
    with pytest.raises(AccountError, match=f"must not include “{word}”"):
        check_password_rules(password, context_words=DEFAULT_PASSWORD_CONTEXT_WORDS)
    check_password_rules(GOOD, context_words=DEFAULT_PASSWORD_CONTEXT_WORDS)


@pytest.mark.parametrize(
    "password",
    [
        "Ann.Lee@Hackney.gov.uk 2026",  # the whole username
        "annlee in the garden",  # the username before the @
        "HACKNEY marshes at dawn",  # a part of the username
        "sunday with ann o'brien-smith",  # the whole name
        "brien is a friend of mine",  # a part of the name
    ],
)
def test_the_username_and_name_are_refused(password: str) -> None:
    with pytest.raises(AccountError, match="must not include the username or the person’s name"):
        check_password_rules(
            password, username="ann.lee@hackney.gov.uk", display_name="Ann O'Brien-Smith"
        )


def test_short_parts_of_a_name_do_not_refuse_a_password() -> None:
    """Parts such as "Ann" and "Lee" are too short: they would refuse "planner" or "sleep"."""
    assert personal_words("al", "Ann Lee") == {"annlee"}
    check_password_rules("sleepy planner of long walks", username="al", display_name="Ann Lee")


@pytest.mark.usefixtures("alice_signed_in")
def test_the_account_page_refuses_context_words(app: Flask, client: FlaskClient) -> None:
    def change(new: str) -> str:
        response = client.post(
            "/account/password",
            data={"current_password": PASSWORD, "new_password": new, "confirm_password": new},
        )
        assert response.status_code == 400
        return unescape(response.get_data(as_text=True))

    assert "must not include “safeguarding”" in change("safeguarding every single day")
    assert "must not include the username" in change("alice in wonderland forever")
    app.config["PASSWORD_CONTEXT_WORDS"] = ("London Borough of Hackney", "Hackney")
    assert "must not include “Hackney”" in change("hackney marshes at dawn")
    assert events(app, "user.password_set") == []


@pytest.mark.usefixtures("alice_signed_in")
def test_the_setting_replaces_the_list(app: Flask, client: FlaskClient) -> None:
    app.config["PASSWORD_CONTEXT_WORDS"] = ()
    new = "safeguarding every single day"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )
    assert response.status_code == 302


@pytest.mark.usefixtures("admin_signed_in")
def test_the_admin_pages_refuse_context_words(
    app: Flask, client: FlaskClient, make_user: MakeUser
) -> None:
    name_in_it = "priya kaur joined in june"
    form = new_user_form(
        display_name="Priya Kaur", password=name_in_it, confirm_password=name_in_it
    )
    added = client.post("/admin/users/new", data=form)
    assert added.status_code == 400
    assert "must not include the username or the person’s name" in unescape(added.get_data(True))
    form["password"] = form["confirm_password"] = "Liquid-Logic is down again"
    added = client.post("/admin/users/new", data=form)
    assert "must not include “Liquidlogic”" in unescape(added.get_data(True))
    assert stored_user(app, "newbie") is None

    target = stored_user(app, make_user("alice", "auditor"))
    assert target is not None
    for new, message in [
        ("alice springs in the outback", "must not include the username"),
        ("social care is my calling", "must not include “social care”"),
    ]:
        response = client.post(
            f"/admin/users/{target.id}/password",
            data={"new-password": new, "new-confirm_password": new},
        )
        assert response.status_code == 400
        assert message in unescape(response.get_data(as_text=True))
    assert events(app, "user.password_set") == []


def test_the_users_commands_refuse_context_words(
    app: Flask, runner: FlaskCliRunner, make_user: MakeUser
) -> None:
    typed = "ofsted inspection next week\n" * 2
    result = runner.invoke(args=["users", "create", "bob", "--role", "auditor"], input=typed)
    assert result.exit_code != 0
    assert "must not include “Ofsted”" in result.output
    assert stored_user(app, "bob") is None
    result = runner.invoke(
        args=["users", "create", "bob", "--role", "auditor", "--name", "Robert Jones"],
        input="robert the bruce of scotland\n" * 2,
    )
    assert result.exit_code != 0
    assert "must not include the username or the person’s name" in result.output

    make_user("alice", "auditor")
    result = runner.invoke(args=["users", "set-password", "alice"], input=typed)
    assert result.exit_code != 0
    assert "must not include “Ofsted”" in result.output
    result = runner.invoke(
        args=["users", "set-password", "alice"], input="ALICE through the looking glass\n" * 2
    )
    assert result.exit_code != 0
    assert events(app, "user.password_set") == []
