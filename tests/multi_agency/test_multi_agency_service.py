"""Multi-agency audits through the services: opening (and its refusals), each agency's return,
the seal, closing the returns by themselves and early, the panel, and figures kept apart."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlmodel import select

from audit_app.core.lifecycle import EXERCISE
from audit_app.db import session_scope
from audit_app.models import AgencyReturn, AuditEvent, AuditResult, MultiAgencyCase
from audit_app.services import audits as audit_service
from audit_app.services import case_scope, moderation, multi_agency, visibility
from audit_app.services.audit_record import audit_record
from audit_app.services.errors import FieldErrors, NotFound, Refused
from tests.builders import make_case, user_id
from tests.multi_agency import world
from tests.multi_agency.world import CASE, OTHER_CASE


@pytest.fixture
def opened(app: Flask) -> int:
    world.build(app)
    return world.open_one(app)


def _refusal(app: Flask, **changes: object) -> dict[str, str]:
    with app.app_context(), session_scope(app) as session, pytest.raises(FieldErrors) as refused:
        multi_agency.open_multi_agency(
            world.values(app, **changes),
            world.actor(app, "coordinator"),
            session=session,
            today=date.today(),
        )
    return refused.value.errors


def test_opening_makes_one_return_per_agency_per_case_and_a_trail_entry(app: Flask) -> None:
    world.build(app)
    multi_agency_id = world.open_one(app, references=f"{CASE}\n{OTHER_CASE}\n{CASE}")
    with session_scope(app) as session:
        returns = session.exec(
            select(AgencyReturn).where(AgencyReturn.multi_agency_audit_id == multi_agency_id)
        ).all()
        cases = session.exec(select(MultiAgencyCase)).all()
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "multi_agency.opened")
        ).one()
    assert len(returns) == 6 and len(cases) == 2
    assert all(r.audit_id is None for r in returns)
    assert CASE in event.detail and OTHER_CASE in event.detail
    assert world.status(app, multi_agency_id) == "open"


def test_opening_names_each_reference_that_is_not_a_council_case(app: Flask) -> None:
    world.build(app)
    make_case(app, "P-1", team="Public Protection", service="Avon Police service")
    errors = _refusal(app, references=f"{CASE}\nNOPE-1\nP-1")
    assert "NOPE-1, P-1" in errors["references"]


def test_opening_refuses_fewer_than_two_agencies_a_missing_questionnaire_and_a_past_day(
    app: Flask,
) -> None:
    world.build(app)
    known = world.ids(app)
    yesterday = date.today() - timedelta(days=1)
    errors = _refusal(
        app,
        agencies={known["police"]: ""},
        due=(str(yesterday.day), str(yesterday.month), str(yesterday.year)),
    )
    assert errors["agencies"] == "Select at least two agencies taking part"
    assert errors[f"questionnaire-{known['police']}"].startswith("Select the questionnaire")
    assert errors["due"] == "The due date must be today or in the future"


def test_other_lawful_basis_needs_its_words(app: Flask) -> None:
    world.build(app)
    errors = _refusal(app, lawful_basis="other", lawful_basis_other="  ", title="")
    assert set(errors) == {"lawful_basis_other", "title"}


def test_only_the_home_admins_and_managers_open_one(app: Flask) -> None:
    world.build(app)
    people = ("coordinator", "council_manager", "council_auditor", "police_admin")
    actors = [world.actor(app, username) for username in people]
    with app.app_context(), session_scope(app) as session:
        assert [multi_agency.may_open(a, session=session) for a in actors] == [
            True,
            True,
            False,
            False,
        ]


def test_each_agency_starts_its_return_as_an_audit_of_its_own(app: Flask, opened: int) -> None:
    police = world.start(app, "police_auditor", world.return_id(app, opened, "police"))
    health = world.start(app, "health_manager", world.return_id(app, opened, "health"))
    council = world.start(app, "council_auditor", world.return_id(app, opened, "home"))
    known = world.ids(app)
    for audit_id, organisation in ((police, "police"), (health, "health"), (council, "home")):
        audit = world.audit_row(app, audit_id)
        assert audit.organisation_id == known[organisation]
        assert audit.multi_agency_audit_id == opened
        assert audit.questionnaire_version_id == known["version"]
    # Starting again continues the same audit.
    assert world.start(app, "police_auditor", world.return_id(app, opened, "police")) == police


@pytest.mark.parametrize(
    ("username", "agency"),
    [
        ("police_admin", "police"),
        ("police_viewer", "police"),
        ("police_auditor", "health"),
        ("council_auditor", "police"),
        ("coordinator", "home"),
    ],
)
def test_nobody_else_starts_a_return(app: Flask, opened: int, username: str, agency: str) -> None:
    with pytest.raises(NotFound):
        world.start(app, username, world.return_id(app, opened, agency))


def test_a_colleague_cannot_take_over_a_started_return(app: Flask, opened: int) -> None:
    world.start(app, "police_auditor", world.return_id(app, opened, "police"))
    with pytest.raises(Refused, match="Someone else of your organisation"):
        world.start(app, "police_manager", world.return_id(app, opened, "police"))


def test_a_return_gives_no_other_access_to_the_case(app: Flask, opened: int) -> None:
    world.start(app, "police_auditor", world.return_id(app, opened, "police"))
    council_audit = world.start(app, "council_auditor", world.return_id(app, opened, "home"))
    police = world.actor(app, "police_auditor")
    with app.app_context(), session_scope(app) as session:
        assert case_scope.case_to_audit(CASE, police, session=session) is None
        with pytest.raises(FieldErrors):
            audit_service.start_audit("journey-audit", CASE, police, session=session)
        with pytest.raises(audit_service.AuditNotFound):
            audit_service.load_audit(council_audit, police, session=session)


def test_no_return_starts_once_the_returns_are_closed(app: Flask, opened: int) -> None:
    with app.app_context(), session_scope(app) as session:
        multi_agency.close_returns(
            opened, "The panel meets today.", 1, world.actor(app, "coordinator"), session=session
        )
    with pytest.raises(NotFound):
        world.start(app, "police_auditor", world.return_id(app, opened, "police"))


def _record_for(app: Flask, audit_id: int, username: str) -> object:
    with app.app_context(), session_scope(app) as session:
        return audit_record(
            audit_id,
            world.actor(app, username),
            session=session,
            blind=False,
            marking="OFFICIAL",
            today=date.today(),
        )


def test_a_return_is_sealed_while_open_even_from_the_coordinator(app: Flask, opened: int) -> None:
    police = world.start(app, "police_auditor", world.return_id(app, opened, "police"))
    world.complete_and_submit(app, "police_auditor", police)
    assert world.status(app, opened) == "open"
    for username in ("coordinator", "council_manager", "police_admin", "police_manager"):
        with pytest.raises(audit_service.AuditNotFound):
            _record_for(app, police, username)
    assert _record_for(app, police, "police_auditor") is not None


def test_the_last_return_in_closes_the_returns_and_the_panel_reads_them(
    app: Flask, opened: int
) -> None:
    audits = {}
    for agency, username in (
        ("police", "police_auditor"),
        ("health", "health_auditor"),
        ("home", "council_auditor"),
    ):
        audits[agency] = world.start(app, username, world.return_id(app, opened, agency))
        world.complete_and_submit(app, username, audits[agency])
    assert world.status(app, opened) == "returns_closed"
    for audit_id in audits.values():
        assert _record_for(app, audit_id, "coordinator") is not None
    with pytest.raises(audit_service.AuditNotFound):
        _record_for(app, audits["police"], "health_manager")
    with app.app_context(), session_scope(app) as session:
        multi_agency.add_panel_member(
            opened,
            str(user_id(app, "health_manager")),
            world.actor(app, "health_manager"),
            session=session,
        )
    assert _record_for(app, audits["police"], "health_manager") is not None
    with session_scope(app) as session:
        closed = session.exec(
            select(AuditEvent).where(AuditEvent.action == "multi_agency.returns_closed")
        ).one()
    assert '"every_return_in": true' in closed.detail


def test_the_coordinator_closes_the_returns_early_with_a_reason(app: Flask, opened: int) -> None:
    police = world.start(app, "police_auditor", world.return_id(app, opened, "police"))
    world.complete_and_submit(app, "police_auditor", police)
    coordinator = world.actor(app, "coordinator")
    manager = world.actor(app, "council_manager")
    with app.app_context(), session_scope(app) as session:
        with pytest.raises(FieldErrors):
            multi_agency.close_returns(opened, " ", 1, coordinator, session=session)
        with pytest.raises(Refused, match="Only the coordinator"):
            multi_agency.close_returns(opened, "Now.", 1, manager, session=session)
        multi_agency.close_returns(opened, "Panel today.", 1, coordinator, session=session)
    assert world.status(app, opened) == "returns_closed"
    assert _record_for(app, police, "coordinator") is not None


def test_a_return_counts_in_no_figure(app: Flask, opened: int) -> None:
    police = world.start(app, "police_auditor", world.return_id(app, opened, "police"))
    council = world.start(app, "council_auditor", world.return_id(app, opened, "home"))
    world.complete_and_submit(app, "council_auditor", council)
    audit = world.audit_row(app, council)
    assert audit.status == EXERCISE
    assert not audit_service.counts_in_figures(audit)
    assert not audit_service.counts_in_figures(world.audit_row(app, police))
    readers = [world.actor(app, username) for username in ("coordinator", "council_manager")]
    with app.app_context(), session_scope(app) as session:
        assert session.get(AuditResult, council) is not None  # for the panel to read
        for reader in readers:
            listed = moderation.queue(reader, session=session, blind=False)
            listed += moderation.not_chosen(reader, session=session)
            assert council not in [item.audit_id for item in listed]


def test_the_list_shows_each_person_the_audits_their_agency_takes_part_in(
    app: Flask, opened: int
) -> None:
    known = world.ids(app)
    version = str(known["version"])
    world.open_one(app, agencies={known["home"]: version, known["health"]: version})
    actors = {u: world.actor(app, u) for u in ("coordinator", "police_auditor", "health_auditor")}
    with app.app_context(), session_scope(app) as session:
        seen = {
            username: [row.multi_agency.id for row in multi_agency.list_for(a, session=session)]
            for username, a in actors.items()
        }
        assert len(seen["coordinator"]) == 2
        assert seen["police_auditor"] == [opened]
        assert len(seen["health_auditor"]) == 2
        with pytest.raises(NotFound):
            multi_agency.get_multi_agency(
                seen["coordinator"][1], actors["police_auditor"], session=session
            )
        coordinated = multi_agency.get_multi_agency(opened, actors["coordinator"], session=session)
        assert visibility.is_on_panel(actors["coordinator"], coordinated, session=session)
