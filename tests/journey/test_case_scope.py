"""Who may audit which case, and whose earlier audits of it a page shows (ASVS 8.2.2).

An auditor audits the cases of their own team's service and any case allocated to them; a group
manager the cases of the services they manage; a person named in AUDIT_ANY_SERVICE any case, each
use recorded in the trail. A case out of reach is answered as a case that does not exist. Earlier
audits of a case are shown only to those who may open them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlmodel import func, select
from werkzeug.test import TestResponse

from audit_app.db import get_engine, session_scope
from audit_app.models import Action, Allocation, Audit, AuditEvent, Case, User, utcnow
from audit_app.services import audits as audit_service
from tests.builders import (
    POOR,
    actor_for,
    add_user,
    complete_audit,
    ensure_team,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    submit_audit,
)
from tests.conftest import AuthActions

CP_CASE = "204471"  # Child Protection Team 1
CARE_LEAVERS_CASE = "300001"  # Leaving Care Team
UNKNOWN = "999999"
ACTION = "Convene a strategy discussion within two working days."


@pytest.fixture
def world(app: Flask, make_user: Callable[..., str]) -> Flask:
    """Cases in Child Protection and Care Leavers, and people in and out of those services."""
    load_questionnaire(app, journey_questionnaire())
    with session_scope(app) as session:
        cp1 = ensure_team(session, "Child Protection Team 1", service="Child Protection")
        ensure_team(session, "Child Protection Team 2", service="Child Protection")
        leaving = ensure_team(session, "Leaving Care Team", service="Care Leavers")
        ensure_team(session, "Children in Need Team A", service="Children in Need")
        session.add(Case(case_ref=CP_CASE, team_id=cp1.id))  # type: ignore[arg-type]
        session.add(Case(case_ref=CARE_LEAVERS_CASE, team_id=leaving.id))  # type: ignore[arg-type]
    make_user("cp.auditor", "auditor", team="Child Protection Team 2")
    make_user("cin.auditor", "auditor", team="Children in Need Team A")
    make_user("qa.lead", "auditor", team="Children in Need Team A")
    make_user("cp.manager", "manager", services=("Child Protection",))
    make_user("cl.manager", "manager", services=("Care Leavers",))
    app.config["AUDIT_ANY_SERVICE"] = ("qa.lead", "cl.manager")
    return app


def _start(client: FlaskClient, case_ref: str) -> TestResponse:
    return client.post("/audits/new", data={"questionnaire": "journey-audit", "case_id": case_ref})


def _started(response: TestResponse) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _text(response: TestResponse) -> str:
    """The page's text, tags removed and whitespace collapsed."""
    html = response.get_data(as_text=True)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _count(app: Flask, model: Any) -> int:
    with session_scope(app) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with session_scope(app) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _allocate(app: Flask, case_ref: str, username: str) -> int:
    with session_scope(app) as session:
        case = session.exec(select(Case).where(Case.case_ref == case_ref)).one()
        user = session.exec(select(User).where(User.username == username)).one()
        allocation = Allocation(
            case_id=case.id,  # type: ignore[arg-type]
            questionnaire_id="journey-audit",
            auditor_id=user.id,  # type: ignore[arg-type]
            due=utcnow().date(),
            created_by="test",
        )
        session.add(allocation)
        session.flush()
        return allocation.id  # type: ignore[return-value]


def _earlier_section(client: FlaskClient, audit_id: int) -> str:
    page = _text(client.get(f"/audits/{audit_id}"))
    return page[page.index(f"Earlier audits of case {CP_CASE}") :]


def _earlier_audit(app: Flask) -> int:
    """A submitted audit of the Child Protection case, graded Inadequate, with an action."""
    audit_id = complete_audit(app, "cp.auditor", CP_CASE, answers=POOR)
    submit_audit(app, audit_id, "cp.auditor")
    with session_scope(app) as session:
        session.add(
            Action(
                audit_id=audit_id,
                description=ACTION,
                owner="Team manager",
                due=utcnow().date(),
                created_by_id=session.exec(
                    select(User.id).where(User.username == "cp.manager")
                ).one(),
            )
        )
    return audit_id


# --- who may start an audit of which case ------------------------------------------------------


def test_another_services_case_is_answered_as_an_unknown_id(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.sign_in("cin.auditor")
    not_theirs = _start(client, CP_CASE)
    unknown = _start(client, UNKNOWN)
    assert not_theirs.status_code == unknown.status_code == 400
    message = (
        "There is no case with ID {} that you can audit. Check the ID in the case management "
        "system, or ask an administrator to import the case or to allocate it to you"
    )
    assert message.format(CP_CASE) in _text(not_theirs)
    assert message.format(UNKNOWN) in _text(unknown)
    # The same page, word for word, but for the ID typed.
    assert _text(not_theirs).replace(CP_CASE, "<ID>") == _text(unknown).replace(UNKNOWN, "<ID>")
    assert _count(world, Audit) == 0
    assert _events(world, "audit.created") == []


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run while the block runs, with their parameters left out."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = get_engine(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _refusal_statements(app: Flask, username: str, case_ref: str) -> list[str]:
    actor = actor_for(app, username)
    with app.app_context(), _statements(app) as seen, session_scope(app) as session:
        with pytest.raises(audit_service.FieldErrors) as refused:
            audit_service.start_audit("journey-audit", case_ref, actor, session=session)
    assert "that you can audit" in refused.value.errors["case_id"]
    return seen


def test_a_case_not_theirs_takes_the_same_work_as_no_case(world: Flask) -> None:
    not_theirs = _refusal_statements(world, "cin.auditor", CP_CASE)
    unknown = _refusal_statements(world, "cin.auditor", UNKNOWN)
    assert not_theirs and not_theirs == unknown


def test_an_auditor_starts_on_a_case_of_their_own_service(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.sign_in("cp.auditor")  # Child Protection Team 2; the case is Team 1's
    audit_id = _started(_start(client, CP_CASE))
    [created] = _events(world, "audit.created")
    assert created.audit_id == audit_id and created.actor == "cp.auditor"
    assert _events(world, "audit.outside_services") == []


def test_a_case_allocated_to_an_auditor_outside_their_service_can_be_started(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    allocation_id = _allocate(world, CP_CASE, "cin.auditor")
    auth.sign_in("cin.auditor")
    from_form = _started(_start(client, CP_CASE))
    from_home = client.post(f"/allocations/{allocation_id}/start")
    assert from_home.headers["Location"] == f"/audits/{from_form}"
    assert client.get(f"/audits/{from_form}").status_code == 200
    assert _events(world, "audit.outside_services") == []
    # The allocation opens that case, not the other cases of its service.
    with session_scope(world) as session:
        session.add(Case(case_ref="100900", team_id=_team_of(world, CP_CASE)))
    assert _start(client, "100900").status_code == 400


def _team_of(app: Flask, case_ref: str) -> int:
    with session_scope(app) as session:
        return session.exec(select(Case.team_id).where(Case.case_ref == case_ref)).one()


def test_a_manager_audits_the_cases_of_the_services_they_manage(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.sign_in("cp.manager")
    _started(_start(client, CP_CASE))
    refused = _start(client, CARE_LEAVERS_CASE)
    assert refused.status_code == 400
    assert f"There is no case with ID {CARE_LEAVERS_CASE} that you can audit." in _text(refused)


def test_the_audit_any_service_setting_lets_a_qa_lead_audit_any_case_and_the_trail_says_so(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.sign_in("qa.lead")  # a Children in Need auditor
    audit_id = _started(_start(client, CP_CASE))
    assert _started(_start(client, CP_CASE)) == audit_id  # back to the same draft
    [used] = _events(world, "audit.outside_services")
    assert (used.actor, used.audit_id, used.case_ref) == ("qa.lead", audit_id, CP_CASE)
    assert json.loads(used.detail) == {
        "setting": "AUDIT_ANY_SERVICE",
        "service": "Child Protection",
        "team": "Child Protection Team 1",
    }
    # An unknown ID is still unknown to them.
    assert f"There is no case with ID {UNKNOWN} that you can audit." in _text(
        _start(client, UNKNOWN)
    )
    # Taken out of the setting, they are an auditor of their own service again.
    world.config["AUDIT_ANY_SERVICE"] = ()
    assert _start(client, CARE_LEAVERS_CASE).status_code == 400
    assert len(_events(world, "audit.outside_services")) == 1


# --- earlier audits of the case ----------------------------------------------------------------


def test_a_draft_shows_none_of_an_earlier_audit_in_another_service(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    earlier = _earlier_audit(world)
    _allocate(world, CP_CASE, "cin.auditor")
    auth.sign_in("qa.lead")  # through AUDIT_ANY_SERVICE
    _shows_none_of(client, _started(_start(client, CP_CASE)), earlier)
    auth.switch("cin.auditor")  # through an allocation
    _shows_none_of(client, _started(_start(client, CP_CASE)), earlier)


def _shows_none_of(client: FlaskClient, draft: int, earlier: int) -> None:
    section = _earlier_section(client, draft)
    assert "There are no earlier audits of this case that you can see." in section
    assert "Inadequate" not in section and ACTION not in section
    html = client.get(f"/audits/{draft}").get_data(as_text=True)
    assert f'href="/audits/{earlier}"' not in html


def test_an_auditor_sees_their_own_earlier_audit_of_the_case(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    earlier = _earlier_audit(world)
    auth.sign_in("cp.auditor")
    draft = _started(_start(client, CP_CASE))
    section = _earlier_section(client, draft)
    assert "Final grade: Inadequate" in section and ACTION in section
    assert f'href="/audits/{earlier}"' in client.get(f"/audits/{draft}").get_data(as_text=True)


def test_a_managers_earlier_audits_are_those_of_the_services_they_manage(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    _earlier_audit(world)
    auth.sign_in("cl.manager")  # manages Care Leavers; in AUDIT_ANY_SERVICE
    draft = _started(_start(client, CP_CASE))
    section = _earlier_section(client, draft)
    assert "There are no earlier audits of this case that you can see." in section
    assert "Inadequate" not in section and ACTION not in section
    auth.switch("cp.manager")  # the same draft, seen by a manager of Child Protection
    section = _earlier_section(client, draft)
    assert "Final grade: Inadequate" in section and ACTION in section


def test_the_audits_history_names_the_use_of_audit_any_service(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.sign_in("qa.lead")
    audit_id = _started(_start(client, CP_CASE))
    history = _text(client.get(f"/audits/{audit_id}/history"))
    assert "Started outside the auditor's own services (AUDIT_ANY_SERVICE)" in history


# --- organisations ---------------------------------------------------------------------------


def test_an_audit_belongs_to_its_auditors_organisation(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    add_user(world, "met.auditor", "auditor", team="Public Protection", organisation="Met")
    make_case(world, "P-100", team="Public Protection")
    auth.sign_in("met.auditor")
    audit_id = _started(_start(client, "P-100"))
    with session_scope(world) as session:
        audit = session.get(Audit, audit_id)
        auditor = session.exec(select(User).where(User.username == "met.auditor")).one()
        assert audit is not None and audit.organisation_id == auditor.organisation_id
        home = session.exec(select(User).where(User.username == "cp.auditor")).one()
        assert audit.organisation_id != home.organisation_id


def test_no_setting_or_allocation_lets_a_partner_audit_a_home_case(
    world: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    add_user(world, "met.auditor", "auditor", team="Public Protection", organisation="Met")
    world.config["AUDIT_ANY_SERVICE"] = ("met.auditor",)
    allocation = _allocate(world, CP_CASE, "met.auditor")
    auth.sign_in("met.auditor")
    assert f"There is no case with ID {CP_CASE} that you can audit." in _text(
        _start(client, CP_CASE)
    )
    assert CP_CASE not in _text(client.get("/"))  # the allocation is not theirs to see
    started = client.post(f"/allocations/{allocation}/start")
    assert (started.status_code, started.headers["Location"]) == (302, "/")
    assert _count(world, Audit) == 0
