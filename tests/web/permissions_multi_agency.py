"""Permission rows for multi-agency audits: the list for everyone (each sees those their
organisation takes part in), opening one for the home organisation's admins and group
managers, its page for the people of the agencies taking part, a return started by its agency's
auditors and group managers, the returns closed by the coordinator, panel members named by each
agency's admins and group managers; and the lawful bases for the home admins.

The world gains a multi-agency audit of case 100824 coordinated by "admin", with the council
and a health trust taking part (the partner organisation of the matrix does not): the
placeholders ``{multi_agency}``, ``{agency_return}`` (the council's return) and
``{lawful_basis}``.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import AgencyReturn, LawfulBasis, Organisation, QuestionnaireVersion
from audit_app.services import multi_agency
from tests.builders import actor_for, ensure_organisation
from tests.web.permission_kinds import ADMIN_ONLY, PARTNERS, expect

HEALTH = "Avon Health Trust"
NOT_A_PARTICIPANT = dict.fromkeys(PARTNERS, "missing")
SIGNED_IN_PARTICIPANTS = ("auditor", "other_auditor", "viewer")
OPENERS = expect("forbidden", manager_own="ok", manager_other="ok", admin="ok")
COORDINATOR = expect("forbidden", admin="ok", **NOT_A_PARTICIPANT)
NAMERS = dict.fromkeys(SIGNED_IN_PARTICIPANTS, "forbidden") | NOT_A_PARTICIPANT


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """A multi-agency audit of case 100824 by the council and a health trust."""
    with session_scope(app) as session:
        health = ensure_organisation(session, HEALTH, kind="health")
        home = session.exec(select(Organisation).where(Organisation.is_home == True)).one()  # noqa: E712
        version = session.exec(select(QuestionnaireVersion.id)).first()
        basis = LawfulBasis(name="Article 6(1)(e) for the matrix")
        session.add(basis)
        session.flush()
        ids = (health.id, home.id, basis.id, version)
    due = date.today() + timedelta(days=7)
    actor = actor_for(app, "admin")
    with app.app_context(), session_scope(app) as session:
        opened = multi_agency.open_multi_agency(
            multi_agency.OpeningValues(
                title="Matrix multi-agency audit",
                references="100824",
                agencies={ids[0]: str(ids[3]), ids[1]: str(ids[3])},  # type: ignore[dict-item]
                due=(str(due.day), str(due.month), str(due.year)),
                sharing_agreement="Agreement",
                lawful_basis=str(ids[2]),
            ),
            actor,
            session=session,
            today=date.today(),
        )
        council_return = session.exec(
            select(AgencyReturn.id).where(
                AgencyReturn.multi_agency_audit_id == opened.id,
                AgencyReturn.organisation_id == ids[1],
            )
        ).one()
        return {"multi_agency": opened.id, "agency_return": council_return, "lawful_basis": ids[2]}


ROWS = {
    "multi_agency.index": [("GET", "/multi-agency", expect("ok"))],
    "multi_agency.new": [
        ("GET", "/multi-agency/new", OPENERS),
        ("POST", "/multi-agency/new", OPENERS),
    ],
    "multi_agency.show": [("GET", "/multi-agency/{multi_agency}", expect("ok"))],
    "multi_agency.start_return": [
        (
            "POST",
            "/multi-agency/returns/{agency_return}/start",
            expect("ok", viewer="forbidden", admin="forbidden"),
        )
    ],
    "multi_agency.close": [
        ("GET", "/multi-agency/{multi_agency}/close", COORDINATOR),
        ("POST", "/multi-agency/{multi_agency}/close", COORDINATOR),
    ],
    "multi_agency.panel_members": [
        ("GET", "/multi-agency/{multi_agency}/panel-members", expect("ok")),
        (
            "POST",
            "/multi-agency/{multi_agency}/panel-members",
            expect("ok", **NAMERS),
        ),
    ],
    "multi_agency.remove_panel_member": [
        (
            "POST",
            "/multi-agency/{multi_agency}/panel-members/{user}/remove",
            expect(
                "missing", **dict.fromkeys(SIGNED_IN_PARTICIPANTS, "forbidden"), **NOT_A_PARTICIPANT
            ),
        )
    ],
    "admin.lawful_bases": [
        ("GET", "/admin/lawful-bases", ADMIN_ONLY),
        ("POST", "/admin/lawful-bases", ADMIN_ONLY),
    ],
    "admin.lawful_basis_retire": [
        ("POST", "/admin/lawful-bases/{lawful_basis}/retire", ADMIN_ONLY)
    ],
}

HOME_ONLY = {"multi_agency.new", "admin.lawful_bases", "admin.lawful_basis_retire"}
