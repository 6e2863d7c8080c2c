"""How an admin checked a person's identity before resetting their two-factor authentication:
one rule, the service's, for the page and the command line alike."""

from __future__ import annotations

from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from audit_app.services import users as user_service
from tests.accounts.conftest import MakeUser, SignIn, events, stored_user
from tests.builders import enrol

TOO_LONG = "Met in person; saw her staff ID card. " * 14  # over 500 characters


def _alice_id(app: Flask) -> int:
    user = stored_user(app, "alice")
    assert user is not None and user.id is not None
    return user.id


@pytest.fixture
def alice(app: Flask, make_user: MakeUser, sign_in: SignIn) -> int:
    sign_in(make_user("admin1", "admin"))
    make_user("alice", "auditor")
    enrol(app, "alice")
    return _alice_id(app)


def test_the_reason_is_tidied_and_must_say_something_in_500_characters() -> None:
    assert user_service.check_reset_reason("  Met   in person\n saw ID ") == "Met in person saw ID"
    with pytest.raises(user_service.ResetReasonRefused, match="^Say how you checked who they are$"):
        user_service.check_reset_reason(" \n ")
    with pytest.raises(
        user_service.ResetReasonRefused,
        match="^Say how you checked in 500 characters or fewer$",
    ):
        user_service.check_reset_reason("x" * 501)
    assert user_service.check_reset_reason("x" * 500) == "x" * 500


def test_a_reason_too_long_is_shown_at_its_field_and_nothing_changes(
    app: Flask, client: FlaskClient, alice: int
) -> None:
    assert len(TOO_LONG) > 500
    response = client.post(
        f"/admin/users/{alice}/two-factor/reset",
        data={"mfa-identity_checked": "y", "mfa-reason": TOO_LONG},
    )
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    message = "Say how you checked in 500 characters or fewer"
    assert f'<a href="#mfa-reason">{message}</a>' in page  # the summary links to the field
    at_field = page[page.index('id="mfa-reason-error"') :]
    assert message in at_field[: at_field.index("</p>")]
    user = stored_user(app, "alice")
    assert user is not None and user.mfa_enabled
    assert events(app, "mfa.disabled") == []


def test_without_the_box_ticked_a_blank_reason_is_still_named_at_its_field(
    client: FlaskClient, alice: int
) -> None:
    response = client.post(
        f"/admin/users/{alice}/two-factor/reset",
        data={"mfa-reason": "   "},
    )
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert '<a href="#mfa-identity_checked">Confirm that you have checked who they are</a>' in page
    assert '<a href="#mfa-reason">Say how you checked who they are</a>' in page


def test_the_command_line_keeps_to_the_same_rule(
    app: Flask, runner: FlaskCliRunner, make_user: MakeUser
) -> None:
    make_user("alice", "auditor")
    enrol(app, "alice")
    refused = runner.invoke(args=["users", "reset-mfa", "alice", "--reason", TOO_LONG])
    assert refused.exit_code == 1
    assert "Say how you checked in 500 characters or fewer" in refused.output
    user = stored_user(app, "alice")
    assert user is not None and user.mfa_enabled
