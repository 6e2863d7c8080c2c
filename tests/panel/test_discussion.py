"""The panel's discussion: who reads it when, drafts saved with optimistic locking, and the
coordinator's conclusion."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlmodel import select

from audit_app.core.partnership import CONCLUDED, DOMAINS
from audit_app.db import session_scope
from audit_app.models import MultiAgencyAudit, PanelConclusion
from audit_app.services import panel
from audit_app.services.audits import AuditError, FieldErrors
from tests.builders import actor_for
from tests.conftest import events
from tests.panel.conftest import PanelWorld
from tests.panel_builders import closed_returns

ALL_GOOD = {domain: ("Good", f"What the returns showed on {domain}.") for domain in DOMAINS}


def _save(
    app: Flask, world: PanelWorld, who: str, typed: dict[str, tuple[str, str]], version: int
) -> None:
    with session_scope(app) as session:
        panel.save_discussion(world.audit_id, typed, version, actor_for(app, who), session=session)


def _version(app: Flask, world: PanelWorld) -> int:
    with session_scope(app) as session:
        audit = session.get(MultiAgencyAudit, world.audit_id)
        assert audit is not None
        return audit.version


def _conclusions(app: Flask, world: PanelWorld) -> dict[str, tuple[str | None, str]]:
    with session_scope(app) as session:
        rows = session.exec(
            select(PanelConclusion).where(PanelConclusion.multi_agency_audit_id == world.audit_id)
        )
        return {row.domain: (row.grade, row.analysis) for row in rows}


def _load(app: Flask, world: PanelWorld, who: str) -> panel.Discussion:
    with session_scope(app) as session:
        return panel.load_discussion(world.audit_id, actor_for(app, who), session=session)


def test_the_panel_is_the_coordinator_and_the_named_members(app: Flask, world: PanelWorld) -> None:
    people = ("coordinator", "police_manager", "health_manager", "police_admin")
    actors = {who: actor_for(app, who) for who in people}
    with session_scope(app) as session:
        audit = session.get(MultiAgencyAudit, world.audit_id)
        assert audit is not None
        on = {
            who: panel.is_on_panel(actor, audit, session=session) for who, actor in actors.items()
        }
    assert on == {
        "coordinator": True,
        "police_manager": True,
        "health_manager": True,
        "police_admin": False,
    }


@pytest.mark.parametrize("who", ["police_admin", "council_auditor", "probation_manager"])
def test_nobody_but_the_panel_reads_the_discussion_before_it_is_concluded(
    app: Flask, world: PanelWorld, who: str
) -> None:
    with pytest.raises(panel.MultiAgencyNotFound):
        _load(app, world, who)


def test_nobody_reads_the_discussion_before_the_returns_are_closed(
    app: Flask, world: PanelWorld
) -> None:
    still_open = closed_returns(
        app,
        coordinator="coordinator",
        case_ref="100824",
        returns={"police_auditor": "Good"},
        panel=("police_manager",),
        status="open",
    )
    for who in ("coordinator", "police_manager"):
        with session_scope(app) as session, pytest.raises(panel.MultiAgencyNotFound):
            panel.load_discussion(still_open.audit_id, actor_for(app, who), session=session)


def test_a_draft_is_saved_again_and_again(app: Flask, world: PanelWorld) -> None:
    _save(app, world, "police_manager", {"recognition": ("Good", "Seen early.")}, 1)
    _save(app, world, "coordinator", {"recognition": ("Inadequate", "Seen late.")}, 2)
    assert _conclusions(app, world) == {"recognition": ("Inadequate", "Seen late.")}
    assert _version(app, world) == 3
    saved = events(app, "multi_agency.discussion_saved")
    assert [json.loads(e.detail)["grades"] for e in saved] == [
        {"recognition": "Good"},
        {"recognition": "Inadequate"},
    ]
    assert not any("Seen" in e.detail for e in saved)  # the words stay the panel's


def test_a_save_from_a_stale_page_overwrites_nothing(app: Flask, world: PanelWorld) -> None:
    _save(app, world, "police_manager", {"assessment": ("Good", "Thorough.")}, 1)
    with pytest.raises(panel.StaleDiscussion):
        _save(app, world, "health_manager", {"assessment": ("Inadequate", "Thin.")}, 1)
    assert _conclusions(app, world) == {"assessment": ("Good", "Thorough.")}
    assert _version(app, world) == 2


def test_a_grade_off_the_scale_is_refused_at_its_field(app: Flask, world: PanelWorld) -> None:
    with pytest.raises(FieldErrors) as refused:
        _save(app, world, "coordinator", {"impact": ("Excellent", "")}, 1)
    assert list(refused.value.errors) == ["impact-grade"]
    assert _conclusions(app, world) == {}


def test_concluding_is_refused_naming_the_domains_not_graded(app: Flask, world: PanelWorld) -> None:
    _save(app, world, "coordinator", {"recognition": ("Good", ""), "overall": ("Good", "")}, 1)
    with session_scope(app) as session, pytest.raises(FieldErrors) as refused:
        panel.conclude(world.audit_id, 2, True, actor_for(app, "coordinator"), session=session)
    assert refused.value.errors["grades"] == (
        "Grade every domain before concluding. Not graded yet: Planning and intervention, "
        "Assessment, Joint working, Impact on the child"
    )
    assert _load(app, world, "coordinator").audit.status == "returns_closed"


def test_concluding_needs_the_coordinator_and_a_confirmation(app: Flask, world: PanelWorld) -> None:
    _save(app, world, "coordinator", ALL_GOOD, 1)
    with session_scope(app) as session, pytest.raises(panel.MultiAgencyNotFound):
        panel.conclude(world.audit_id, 2, True, actor_for(app, "police_manager"), session=session)
    with session_scope(app) as session, pytest.raises(FieldErrors) as refused:
        panel.conclude(world.audit_id, 2, False, actor_for(app, "coordinator"), session=session)
    assert list(refused.value.errors) == ["confirm"]


def test_concluded_is_final_and_read_by_the_agencies(app: Flask, world: PanelWorld) -> None:
    _save(app, world, "coordinator", ALL_GOOD, 1)
    with session_scope(app) as session:
        panel.conclude(world.audit_id, 2, True, actor_for(app, "coordinator"), session=session)
    assert _load(app, world, "coordinator").audit.status == CONCLUDED
    with pytest.raises(AuditError, match="final"):
        _save(app, world, "coordinator", {"overall": ("Inadequate", "")}, 3)
    for who in ("police_admin", "health_auditor", "council_auditor", "police_manager"):
        assert _load(app, world, who).grades()["overall"] == "Good"
    for who in ("police_viewer", "probation_manager"):
        with pytest.raises(panel.MultiAgencyNotFound):
            _load(app, world, who)
    concluded = events(app, "multi_agency.concluded")
    assert json.loads(concluded[0].detail)["grades"]["overall"] == "Good"
