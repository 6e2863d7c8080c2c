"""Accounts nobody uses: deactivated by the daily ``flask users deactivate-unused``, and shown to
the admins with their last sign-in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.db import get_engine, session_scope
from audit_app.models import User, utcnow
from tests.builders import add_user
from tests.conftest import build_app, events


def _last_used(
    app: Flask, username: str, *, signed_in_days_ago: int | None, made_days_ago: int
) -> None:
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        now = utcnow()
        user.created_at = now - timedelta(days=made_days_ago)
        user.last_sign_in_at = (
            None if signed_in_days_ago is None else now - timedelta(days=signed_in_days_ago)
        )


def _people(app: Flask) -> None:
    """stale: signed in 100 days ago; recent: 10 days ago; never: made 120 days ago and never
    signed in; new: made yesterday; back: last signed in 200 days ago, reactivated today."""
    for name in ("stale", "recent", "never", "new", "back"):
        add_user(app, name, "auditor")
    _last_used(app, "stale", signed_in_days_ago=100, made_days_ago=300)
    _last_used(app, "recent", signed_in_days_ago=10, made_days_ago=300)
    _last_used(app, "never", signed_in_days_ago=None, made_days_ago=120)
    _last_used(app, "new", signed_in_days_ago=None, made_days_ago=1)
    _last_used(app, "back", signed_in_days_ago=200, made_days_ago=300)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "deactivate", "back"]).exit_code == 0
    assert runner.invoke(args=["users", "activate", "back"]).exit_code == 0


def active(app: Flask) -> dict[str, bool]:
    with session_scope(app) as session:
        return {user.username: user.active for user in session.exec(select(User))}


def test_the_daily_command_deactivates_accounts_unused_for_the_set_number_of_days(
    app: Flask,
) -> None:
    _people(app)
    result = app.test_cli_runner().invoke(args=["users", "deactivate-unused"])
    assert result.exit_code == 0, result.output
    assert "Deactivated 2 account(s) unused for more than 90 days" in result.output
    assert active(app) == {
        "stale": False,
        "recent": True,
        "never": False,
        "new": True,
        "back": True,
    }
    recorded = events(app, "user.deactivated_unused")
    assert sorted(event.detail.split('"username": "')[1].split('"')[0] for event in recorded) == [
        "never",
        "stale",
    ]
    assert all(event.actor == "command line" for event in recorded)
    again = app.test_cli_runner().invoke(args=["users", "deactivate-unused"])
    assert "No account has gone unused for more than 90 days" in again.output


def test_the_number_of_days_can_be_given_on_the_command_line(app: Flask) -> None:
    _people(app)
    result = app.test_cli_runner().invoke(args=["users", "deactivate-unused", "--days", "5"])
    assert result.exit_code == 0, result.output
    assert active(app)["recent"] is False
    assert active(app)["new"] is True


def test_with_deactivate_after_days_0_nothing_is_deactivated(
    database_url: str, tmp_path: Path
) -> None:
    app = build_app(database_url, tmp_path / "instance", DEACTIVATE_AFTER_DAYS="0")
    try:
        _people(app)
        result = app.test_cli_runner().invoke(args=["users", "deactivate-unused"])
        assert "DEACTIVATE_AFTER_DAYS is 0" in result.output
        assert all(active(app).values())
    finally:
        get_engine(app).dispose()


def test_the_admins_see_each_account_s_last_sign_in_the_longest_unused_first(
    app: Flask, admin_signed_in: FlaskClient
) -> None:
    _people(app)
    users = admin_signed_in.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users/sign-ins">Last sign-in of each user</a>' in users
    page = admin_signed_in.get("/admin/users/sign-ins").get_data(as_text=True)
    order = [page.index(f">{name}</a>") for name in ("never", "stale", "recent", "new")]
    assert order == sorted(order)
    rows = {name: page[page.index(f">{name}</a>") :].split("</tr>")[0] for name in active(app)}
    assert "Deactivated at the next run" in rows["stale"]
    assert "Deactivated at the next run" in rows["never"]
    assert "Never" in rows["never"]
    assert "Deactivated at the next run" not in rows["recent"]
    assert "Deactivated at the next run" not in rows["back"]
    assert "Password" in rows["recent"]
    assert "Auditor" in rows["recent"]
