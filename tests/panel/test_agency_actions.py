"""Actions given to one agency: the panel gives them, the owning agency's managers and admins
close them, and only the coordinator and the owning agency see them."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from flask import Flask

from audit_app.db import session_scope
from audit_app.models import AgencyAction
from audit_app.services import agency_actions
from audit_app.services.audits import FieldErrors
from audit_app.services.panel import MultiAgencyNotFound
from tests.builders import actor_for
from tests.conftest import events
from tests.panel.conftest import COUNCIL, HEALTH, POLICE, PanelWorld
from tests.panel_builders import give_action

TODAY = date(2026, 12, 5)


def _parts(day: date) -> tuple[str, str, str]:
    return (str(day.day), str(day.month), str(day.year))


def _give(app: Flask, world: PanelWorld, who: str, organisation: int | str, text: str) -> int:
    actor = actor_for(app, who)
    with session_scope(app) as session:
        action = agency_actions.add_action(
            world.audit_id,
            organisation_id=str(organisation),
            description=text,
            due=_parts(TODAY + timedelta(days=14)),
            actor=actor,
            session=session,
            today=TODAY,
        )
        assert action.id is not None
        return action.id


def _seen(app: Flask, world: PanelWorld, who: str) -> list[str]:
    actor = actor_for(app, who)
    with session_scope(app) as session:
        page = agency_actions.load_actions_page(world.audit_id, actor, session=session, today=TODAY)
        return [row.action.description for row in page.rows]


@pytest.fixture
def three_actions(app: Flask, world: PanelWorld) -> PanelWorld:
    _give(app, world, "coordinator", world.org(POLICE), "Police: share the log.")
    _give(app, world, "police_manager", world.org(HEALTH), "Health: chase the GP.")
    _give(app, world, "health_manager", world.org(COUNCIL), "Council: update the plan.")
    return world


def test_the_coordinator_sees_every_agency_s_actions(app: Flask, three_actions: PanelWorld) -> None:
    assert sorted(_seen(app, three_actions, "coordinator")) == [
        "Council: update the plan.",
        "Health: chase the GP.",
        "Police: share the log.",
    ]


@pytest.mark.parametrize(
    ("who", "own"),
    [
        ("police_manager", "Police: share the log."),
        ("police_auditor", "Police: share the log."),
        ("health_manager", "Health: chase the GP."),
        ("health_admin", "Health: chase the GP."),
        ("council_auditor", "Council: update the plan."),
    ],
)
def test_each_agency_sees_its_own_actions_only(
    app: Flask, three_actions: PanelWorld, who: str, own: str
) -> None:
    """Even a panel member who gave another agency's action does not see it afterwards."""
    assert _seen(app, three_actions, who) == [own]


@pytest.mark.parametrize("who", ["probation_manager", "police_viewer"])
def test_others_are_told_there_is_no_such_page(
    app: Flask, three_actions: PanelWorld, who: str
) -> None:
    with pytest.raises(MultiAgencyNotFound):
        _seen(app, three_actions, who)


def test_only_the_panel_gives_actions(app: Flask, world: PanelWorld) -> None:
    with pytest.raises(MultiAgencyNotFound):
        _give(app, world, "police_admin", world.org(POLICE), "Anything.")


def test_an_action_needs_an_agency_of_the_audit_and_a_due_date_not_past(
    app: Flask, world: PanelWorld
) -> None:
    actor = actor_for(app, "coordinator")
    probation = actor_for(app, "probation_manager").organisation_id
    with session_scope(app) as session, pytest.raises(FieldErrors) as refused:
        agency_actions.add_action(
            world.audit_id,
            organisation_id=str(probation),
            description="",
            due=_parts(TODAY - timedelta(days=1)),
            actor=actor,
            session=session,
            today=TODAY,
        )
    assert refused.value.errors == {
        "organisation": "Choose the agency that owns the action",
        "description": "Describe what must happen",
        "due-day": "The due date must be today or in the future",
    }


def _close(
    app: Flask, world: PanelWorld, who: str, action_id: int, status: str, version: int = 1
) -> None:
    actor = actor_for(app, who)
    with session_scope(app) as session:
        agency_actions.close_action(
            world.audit_id,
            action_id,
            status,
            "Done and filed.",
            version,
            actor,
            session=session,
            today=TODAY,
        )


def test_the_owning_agency_s_managers_and_admins_close_an_action(
    app: Flask, world: PanelWorld
) -> None:
    first = _give(app, world, "coordinator", world.org(POLICE), "Share the log.")
    second = _give(app, world, "coordinator", world.org(POLICE), "Train the desk.")
    _close(app, world, "police_manager", first, "done")
    _close(app, world, "police_admin", second, "cancelled")
    with session_scope(app) as session:
        done, cancelled = session.get(AgencyAction, first), session.get(AgencyAction, second)
        assert done is not None and cancelled is not None
        assert (done.status, done.completion_note, done.version) == ("done", "Done and filed.", 2)
        assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Done and filed.")
    trail = events(app, "multi_agency.action_completed") + events(
        app, "multi_agency.action_cancelled"
    )
    assert [json.loads(e.detail)["status"] for e in trail] == ["done", "cancelled"]
    assert not any("filed" in e.detail or "log" in e.detail for e in trail)


@pytest.mark.parametrize("who", ["police_auditor", "coordinator", "health_manager"])
def test_nobody_else_closes_an_agency_s_action(app: Flask, world: PanelWorld, who: str) -> None:
    action = _give(app, world, "coordinator", world.org(POLICE), "Share the log.")
    with pytest.raises(MultiAgencyNotFound):
        _close(app, world, who, action, "done")


def test_closing_from_a_stale_page_changes_nothing(app: Flask, world: PanelWorld) -> None:
    action = _give(app, world, "coordinator", world.org(POLICE), "Share the log.")
    with pytest.raises(agency_actions.StaleAgencyAction):
        _close(app, world, "police_manager", action, "done", version=7)
    with session_scope(app) as session:
        row = session.get(AgencyAction, action)
        assert row is not None and row.status == "open"


def test_an_agency_s_list_marks_overdue_actions_by_england_s_day(
    app: Flask, world: PanelWorld
) -> None:
    late = give_action(
        app,
        world.audit_id,
        world.org(POLICE),
        "Late one.",
        created_by="coordinator",
        due_in_days=-3,
    )
    give_action(app, world.audit_id, world.org(POLICE), "On time.", created_by="coordinator")
    give_action(app, world.audit_id, world.org(HEALTH), "Health's.", created_by="coordinator")
    actor = actor_for(app, "police_admin")
    with session_scope(app) as session:
        rows = agency_actions.own_agency_actions(actor, session=session, today=date.today())
    assert [(row.action.id == late, row.overdue, row.agency) for row in rows] == [
        (True, True, POLICE),
        (False, False, POLICE),
    ]
