"""A multi-agency audit's world for the tests: the council (home) with its cases and people,
the police and health with theirs, a lawful basis, and helpers that open a multi-agency audit
and complete a return through the services."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import (
    AgencyReturn,
    Audit,
    Case,
    LawfulBasis,
    MultiAgencyAudit,
    Organisation,
    QuestionnaireVersion,
)
from audit_app.services import audits as audit_service
from audit_app.services import multi_agency
from audit_app.services.actor import Actor
from tests.builders import (
    GOOD,
    actor_for,
    add_user,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    save_theme_judged_as_suggested,
)

POLICE = "Avon Police"
HEALTH = "Avon Health Trust"
CASE = "MA-100"
OTHER_CASE = "MA-200"
BASIS = "Avon partnership basis: UK GDPR Article 6(1)(e) and Article 9(2)(h)"
SEALED_WORDS = {
    "council_auditor": "Council words on the child",
    "police_auditor": "Police words 7731",
    "health_auditor": "Health words 5521",
}


def build(app: Flask) -> None:
    """Two council cases; the coordinator (a council admin), a council auditor and manager;
    an auditor, a group manager, an admin and a viewer of the police; an auditor and a group
    manager of health; a lawful basis."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app, CASE)
    make_case(app, OTHER_CASE)
    add_user(app, "coordinator", "admin")
    add_user(app, "council_auditor", "auditor", team="Child Protection 1")
    add_user(app, "council_manager", "manager", services=("Child Protection",))
    add_user(app, "police_auditor", "auditor", team="Public Protection", organisation=POLICE)
    add_user(app, "police_manager", "manager", services=("Police",), organisation=POLICE)
    add_user(app, "police_admin", "admin", organisation=POLICE)
    add_user(app, "police_viewer", "viewer", organisation=POLICE)
    add_user(app, "health_auditor", "auditor", team="Safeguarding", organisation=HEALTH)
    add_user(app, "health_manager", "manager", services=("Health",), organisation=HEALTH)
    with session_scope(app) as session:
        session.add(LawfulBasis(name=BASIS))


def ids(app: Flask) -> dict[str, int]:
    """The ids of the organisations, the journey questionnaire's version and the basis."""
    with session_scope(app) as session:
        found = {o.name: o.id for o in session.exec(select(Organisation))}
        version = session.exec(select(QuestionnaireVersion.id)).one()
        basis = session.exec(select(LawfulBasis.id).where(LawfulBasis.name == BASIS)).one()
    home = next(i for n, i in found.items() if n not in (POLICE, HEALTH))
    return {
        "home": home,
        "police": found[POLICE],
        "health": found[HEALTH],
        "version": version,
        "basis": basis,
    }


def values(app: Flask, **changes: object) -> multi_agency.OpeningValues:
    """What the coordinator types to open one on CASE with the council, the police and
    health, due in a week; ``changes`` replace any of it."""
    known = ids(app)
    due = date.today() + timedelta(days=7)
    typed: dict[str, object] = {
        "title": "Neglect, spring",
        "theme": "Neglect",
        "references": CASE,
        "agencies": {known[k]: str(known["version"]) for k in ("home", "police", "health")},
        "due": (str(due.day), str(due.month), str(due.year)),
        "sharing_agreement": "Avon safeguarding partnership agreement 2026",
        "lawful_basis": str(known["basis"]),
    }
    typed.update(changes)
    return multi_agency.OpeningValues(**typed)  # type: ignore[arg-type]


def open_one(app: Flask, **changes: object) -> int:
    """Open a multi-agency audit as the coordinator; its id."""
    actor = actor_for(app, "coordinator")
    with app.app_context(), session_scope(app) as session:
        opened = multi_agency.open_multi_agency(
            values(app, **changes), actor, session=session, today=date.today()
        )
        assert opened.id is not None
        return opened.id


def return_id(app: Flask, multi_agency_id: int, organisation: str, case_ref: str = CASE) -> int:
    """The id of an agency's return on a case (``organisation`` "home", "police", "health")."""
    known = ids(app)
    with session_scope(app) as session:
        return session.exec(
            select(AgencyReturn.id)
            .join(Case, Case.id == AgencyReturn.case_id)  # type: ignore[arg-type]
            .where(
                AgencyReturn.multi_agency_audit_id == multi_agency_id,
                AgencyReturn.organisation_id == known[organisation],
                Case.case_ref == case_ref,
            )
        ).one()  # type: ignore[return-value]


def start(app: Flask, username: str, agency_return: int) -> int:
    """Start the return as ``username``; the audit's id."""
    actor = actor_for(app, username)
    with app.app_context(), session_scope(app) as session:
        audit = multi_agency.start_return(agency_return, actor, session=session)
        assert audit.id is not None
        return audit.id


def complete_and_submit(app: Flask, username: str, audit_id: int) -> None:
    """Answer every theme, judge as suggested, and submit the return."""
    actor = actor_for(app, username)
    answers = {**GOOD, "voice-comment": SEALED_WORDS.get(username, "Words.")}
    with app.app_context(), session_scope(app) as session:
        for theme in ("voice", "planning"):
            audit_file = audit_service.load_audit(audit_id, actor, session=session)
            questions = next(t for t in audit_file.questionnaire.themes if t.id == theme).questions
            posted = {q.id: answers.get(q.id, "") for q in questions}
            save_theme_judged_as_suggested(audit_id, theme, posted, actor, session=session)
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        grade = audit_file.score.overall.grade or "Good"
        audit_service.save_overall_judgement(
            audit_file, grade, "", audit_file.audit.version, actor, session=session
        )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.submit(audit_file, audit_file.audit.version, actor, session=session)


def status(app: Flask, multi_agency_id: int) -> str:
    with session_scope(app) as session:
        found = session.get(MultiAgencyAudit, multi_agency_id)
        assert found is not None
        return found.status


def audit_row(app: Flask, audit_id: int) -> Audit:
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        session.expunge(audit)
        return audit


def actor(app: Flask, username: str) -> Actor:
    return actor_for(app, username)
