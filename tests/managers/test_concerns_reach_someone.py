"""Every safeguarding concern reaches someone.

A concern goes to the active managers of the case's service; in a service with none, to the
admins and the people named in ``SAFEGUARDING_FALLBACK``. Admins see every open concern. The
auditor raising one is told who can see it, and deactivating the last manager of a service asks
for confirmation, naming the concerns that would be left without a manager.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import col, select
from werkzeug.test import TestResponse

from audit_app.db import get_engine, session_scope
from audit_app.models import AuditEvent, Case, SafeguardingConcern, User
from config import ConfigError, load_config
from tests.builders import PASSWORD, backdate_concerns, complete_audit, ensure_team, submitted_audit
from tests.conftest import AuthActions, build_app

CONCERN = "No visit for nine weeks while on a child protection plan."
ORPHAN_CASE = "500001"  # in Adolescent Services, which no manager manages


def text_of(response: TestResponse) -> str:
    return unescape(response.get_data(as_text=True))


def _raise(client: FlaskClient, audit_id: int, description: str = CONCERN) -> TestResponse:
    response = client.post(f"/audits/{audit_id}/concern", data={"description": description})
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def _concern_id(app: Flask, case_ref: str) -> int:
    from audit_app.models import Audit

    with session_scope(app) as session:
        return session.exec(
            select(SafeguardingConcern.id)
            .join(Audit, col(Audit.id) == SafeguardingConcern.audit_id)
            .join(Case, col(Case.id) == Audit.case_id)
            .where(Case.case_ref == case_ref)
        ).one()  # type: ignore[return-value]


def _events(app: Flask, action: str) -> list[dict[str, object]]:
    with session_scope(app) as session:
        return [
            json.loads(event.detail or "{}")
            for event in session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
            )
        ]


def _is_active(app: Flask, username: str) -> bool:
    with session_scope(app) as session:
        return session.exec(select(User.active).where(User.username == username)).one()


def _user_id(app: Flask, username: str) -> int:
    with session_scope(app) as session:
        return session.exec(select(User.id).where(User.username == username)).one()  # type: ignore[return-value]


@pytest.fixture
def world(managers: Flask, make_user: Callable[..., str]) -> Flask:
    """The managers' world, plus a service with no manager at all, a QA lead (a viewer) named
    in SAFEGUARDING_FALLBACK with a name that matches nobody, and a deactivated fallback."""
    with session_scope(managers) as session:
        team = ensure_team(session, "Adolescent Team 1", service="Adolescent Services")
        session.add(Case(case_ref=ORPHAN_CASE, team_id=team.id))  # type: ignore[arg-type]
    make_user("qalead", "viewer")
    make_user("gone", "auditor")
    with session_scope(managers) as session:
        gone = session.exec(select(User).where(User.username == "gone")).one()
        gone.active = False
        session.add(gone)
    managers.config["SAFEGUARDING_FALLBACK"] = ("qalead", "no.such.person", "gone")
    return managers


# 1. A concern in a service with no active manager goes to the fallback --------------------------


def test_the_auditor_is_told_which_managers_can_see_the_concern(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    audit_id = complete_audit(world, "auditor1")
    sign_in("auditor1")
    told = "The managers of Child Protection (manager1, manager3) can see this concern"
    assert told in text_of(client.get(f"/audits/{audit_id}/concern"))  # before raising
    page = text_of(_raise(client, audit_id))
    assert "Safeguarding concern recorded. " + told in page  # the confirmation
    assert f"Who can see it:</strong> {told}" in page  # and on the audit, while it is open


def test_a_concern_in_a_service_without_a_manager_goes_to_the_admins_and_the_fallback(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = complete_audit(world, "auditor1", ORPHAN_CASE)
    sign_in("auditor1")
    told = (
        "Adolescent Services has no active manager: this concern goes to the admins (admin1) "
        "and the safeguarding fallback (qalead)."
    )
    assert told in text_of(client.get(f"/audits/{audit_id}/concern"))
    page = text_of(_raise(client, audit_id))
    assert "Safeguarding concern recorded. " + told in page
    assert f"Who can see it:</strong> {told}" in page
    # Unknown and deactivated names in SAFEGUARDING_FALLBACK are passed over.
    assert "no.such.person" not in page and "gone" not in page
    with session_scope(world) as session:
        raised = session.exec(select(AuditEvent).where(AuditEvent.action == "concern.raised")).one()
    assert json.loads(raised.detail or "{}")["seen_by"] == (
        "no active manager, so the admins (admin1) and the safeguarding fallback (qalead)"
    )

    auth.switch("qalead")  # a viewer, who sees no concern otherwise
    home = text_of(client.get("/"))
    assert CONCERN in home
    assert "1 open safeguarding concern in services with no active manager" in home
    assert "No active manager" in home
    assert f"Acknowledge the concern on case {ORPHAN_CASE}" in home

    auth.switch("admin1")
    assert CONCERN in text_of(client.get("/"))
    for manager in ("manager1", "manager2"):
        auth.switch(manager)
        assert CONCERN not in text_of(client.get("/"))


def test_the_fallback_acknowledges_concerns_of_services_without_a_manager_only(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    orphan_audit = complete_audit(world, "auditor1", ORPHAN_CASE)
    managed_audit = complete_audit(world, "auditor2", "100824")
    sign_in("auditor1")
    _raise(client, orphan_audit)
    auth.switch("auditor2")
    _raise(client, managed_audit, "Another concern, in Child Protection.")
    orphan, managed = _concern_id(world, ORPHAN_CASE), _concern_id(world, "100824")

    auth.switch("qalead")
    assert "Another concern" not in text_of(client.get("/"))
    assert client.get(f"/concerns/{managed}/acknowledge").status_code == 404
    page = client.get(f"/concerns/{orphan}/acknowledge")
    assert page.status_code == 200 and CONCERN in text_of(page)
    # The fallback may see the concern, not the audit: no link to a page they cannot open.
    assert f"/audits/{orphan_audit}" not in page.get_data(as_text=True)
    done = client.post(
        f"/concerns/{orphan}/acknowledge", data={"acknowledgement": "Referred to the MASH."}
    )
    assert done.status_code == 302
    [event] = _events(world, "concern.acknowledged")
    assert event["concern_id"] == orphan and event["acknowledged_as"] == "safeguarding fallback"
    assert CONCERN not in text_of(client.get("/"))

    # Someone who is neither a manager, an admin nor the fallback is still refused outright.
    auth.switch("viewer1")
    assert client.get(f"/concerns/{orphan}/acknowledge").status_code == 403


def test_without_a_fallback_a_concern_still_reaches_the_admins(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    world.config["SAFEGUARDING_FALLBACK"] = ("no.such.person",)
    audit_id = complete_audit(world, "auditor1", ORPHAN_CASE)
    sign_in("auditor1")
    page = text_of(_raise(client, audit_id))
    assert (
        "Adolescent Services has no active manager: this concern goes to the admins (admin1)."
        in page
    )
    auth.switch("admin1")
    assert CONCERN in text_of(client.get("/"))


def test_the_fallback_setting_is_checked_at_start_up() -> None:
    settings = load_config(
        {"APP_ENV": "test", "SAFEGUARDING_FALLBACK": " QA.Lead, jsmith,,qa.lead "}
    )
    assert settings["SAFEGUARDING_FALLBACK"] == ("qa.lead", "jsmith")
    assert load_config({"APP_ENV": "test"})["SAFEGUARDING_FALLBACK"] == ()
    with pytest.raises(ConfigError, match=r"SAFEGUARDING_FALLBACK must list usernames.*'qa lead'"):
        load_config({"APP_ENV": "test", "SAFEGUARDING_FALLBACK": "jsmith,qa lead"})


# 2. Admins see every open concern -----------------------------------------------------------


def test_admins_see_and_may_acknowledge_every_open_concern_overdue_ones_marked(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    old = complete_audit(world, "auditor1", "100824")
    sign_in("auditor1")
    _raise(client, old, "An old concern in Child Protection.")
    backdate_concerns(world, days=4)  # at least two working days, whatever today is
    new = submitted_audit(world, "auditor1", "300001")
    _raise(client, new, "A new concern in Care Leavers.")

    auth.switch("admin1")
    home = text_of(client.get("/"))
    banner = home.split("Questionnaires in use")[0]
    assert "2 open safeguarding concerns in all services" in banner
    old_item, new_item = banner.split("An old concern")[0], banner.split("An old concern")[1]
    assert "Case 100824" in old_item and "Overdue" in old_item
    assert "Case 300001" in new_item and "Overdue" not in new_item
    assert "No active manager" not in banner

    # An admin may acknowledge any of them, from the audit's page too.
    concern = _concern_id(world, "300001")
    assert f"/concerns/{concern}/acknowledge" in client.get(f"/audits/{new}").get_data(as_text=True)
    done = client.post(f"/concerns/{concern}/acknowledge", data={"acknowledgement": "Escalated."})
    assert done.status_code == 302
    [event] = _events(world, "concern.acknowledged")
    assert event["acknowledged_as"] == "admin"
    assert "1 open safeguarding concern in all services" in text_of(client.get("/"))


def test_an_admin_is_told_when_no_concern_is_open(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("admin1")
    assert "There are no open safeguarding concerns." in text_of(client.get("/"))


# 3. Deactivating the last manager of a service -------------------------------------------------


def test_deactivating_the_last_manager_of_a_service_names_its_concerns_and_asks_first(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], auth: AuthActions
) -> None:
    audit_id = complete_audit(world, "auditor1", "300001")  # Care Leavers: manager2 alone
    sign_in("auditor1")
    _raise(client, audit_id)
    auth.switch("admin1")
    target = _user_id(world, "manager2")

    asked = client.post(f"/admin/users/{target}/status", data={"status-action": "deactivate"})
    assert asked.status_code == 200
    page = text_of(asked)
    assert "manager2 is the last active manager of Care Leavers" in page
    assert "1 open concern would be left without a manager to see it" in page
    assert "Case 300001" in page
    assert "the admins (admin1) and the safeguarding fallback (qalead)" in page
    assert 'name="status-confirmed"' in page and "Deactivate manager2 anyway" in page
    assert _is_active(world, "manager2")
    assert _events(world, "user.deactivated") == []

    confirmed = client.post(
        f"/admin/users/{target}/status",
        data={"status-action": "deactivate", "status-confirmed": "yes"},
    )
    assert confirmed.status_code == 302
    assert not _is_active(world, "manager2")
    [event] = _events(world, "user.last_manager_deactivated")
    assert event["username"] == "manager2" and event["services"] == ["Care Leavers"]
    assert event["open_concerns"] == [
        {
            "concern_id": _concern_id(world, "300001"),
            "case_ref": "300001",
            "service": "Care Leavers",
        }
    ]
    # The concern now reaches the fallback.
    auth.switch("qalead")
    assert CONCERN in text_of(client.get("/"))


def test_deactivating_a_manager_who_is_not_the_last_one_needs_no_confirmation(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    sign_in("admin1")
    target = _user_id(world, "manager1")  # manager3 also manages Child Protection
    response = client.post(f"/admin/users/{target}/status", data={"status-action": "deactivate"})
    assert response.status_code == 302
    assert not _is_active(world, "manager1")
    assert _events(world, "user.last_manager_deactivated") == []


@pytest.fixture
def csrf_world(world: Flask, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The same database, served with CSRF protection on, as in production."""
    application = build_app(database_url, tmp_path / "instance-csrf", csrf=True)
    yield application
    get_engine(application).dispose()


def test_the_confirmation_carries_its_own_csrf_token(csrf_world: Flask) -> None:
    import re

    client = csrf_world.test_client()
    field = re.compile(r'name="([\w-]*csrf_token)"[^>]*value="([^"]+)"')
    token = field.search(client.get("/sign-in").get_data(as_text=True))
    assert token
    client.post(
        "/sign-in", data={"username": "admin1", "password": PASSWORD, "csrf_token": token[2]}
    )
    target = _user_id(csrf_world, "manager2")
    page = client.get(f"/admin/users/{target}").get_data(as_text=True)
    status_token = next(m[2] for m in field.finditer(page) if m[1] == "status-csrf_token")
    asked = client.post(
        f"/admin/users/{target}/status",
        data={"status-action": "deactivate", "status-csrf_token": status_token},
    )
    assert asked.status_code == 200
    assert 'name="status-csrf_token"' in asked.get_data(as_text=True)
    forged = client.post(
        f"/admin/users/{target}/status",
        data={"status-action": "deactivate", "status-confirmed": "yes"},
    )
    assert forged.status_code == 400
    assert _is_active(csrf_world, "manager2")


def test_the_deactivate_command_warns_and_asks_for_the_last_manager(
    world: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse], runner: FlaskCliRunner
) -> None:
    audit_id = complete_audit(world, "auditor1", "300001")
    sign_in("auditor1")
    _raise(client, audit_id)

    refused = runner.invoke(args=["users", "deactivate", "manager2"], input="n\n")
    assert refused.exit_code == 1, refused.output
    assert "Warning: manager2 is the last active manager of Care Leavers" in refused.output
    assert "Care Leavers: 1 open concern would be left without a manager" in refused.output
    assert "case 300001, raised" in refused.output
    assert "Deactivate manager2 anyway? [y/N]" in refused.output
    assert _is_active(world, "manager2")
    # No answer at all (a script, a closed terminal) is a no.
    assert runner.invoke(args=["users", "deactivate", "manager2"], input="").exit_code == 1
    assert _is_active(world, "manager2")

    agreed = runner.invoke(args=["users", "deactivate", "manager2"], input="y\n")
    assert agreed.exit_code == 0, agreed.output
    assert "Deactivated manager2" in agreed.output
    assert not _is_active(world, "manager2")
    [event] = _events(world, "user.last_manager_deactivated")
    assert event["services"] == ["Care Leavers"]


def test_the_deactivate_command_takes_yes_and_still_prints_the_warning(
    world: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["users", "deactivate", "manager2", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Warning: manager2 is the last active manager of Care Leavers" in result.output
    assert "Care Leavers: no open concerns." in result.output
    assert "anyway?" not in result.output
    assert not _is_active(world, "manager2")
    # One of two managers, or not a manager: no warning, no question.
    plain = runner.invoke(args=["users", "deactivate", "manager1"])
    assert plain.exit_code == 0 and "Warning" not in plain.output
