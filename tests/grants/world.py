"""A world for the grant tests: the home organisation's QA lead (an admin), a group manager of
Child Protection, two home cases, and a visiting auditor of another council."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Case, Organisation, User
from audit_app.services import grant_batches
from tests.builders import actor_for, add_user, journey_questionnaire, load_questionnaire, make_case

VISITING_COUNCIL = "Neighbouring Borough Council"
GRANTED = "H-55501"
ALSO_GRANTED = "H-55502"
NOT_GRANTED = "H-55503"


def build(app: Flask) -> None:
    """The people and cases; the visiting council's people sign in with a password."""
    load_questionnaire(app, journey_questionnaire())
    for ref in (GRANTED, ALSO_GRANTED, NOT_GRANTED):
        make_case(app, ref)
    add_user(app, "qa_lead", "admin")
    add_user(app, "cp_manager", "manager", services=("Child Protection",))
    add_user(app, "home_auditor", "auditor", team="Child Protection 1")
    add_user(app, "visitor", "auditor", team="Visiting Team", organisation=VISITING_COUNCIL)
    add_user(app, "visitor_admin", "admin", organisation=VISITING_COUNCIL)
    with session_scope(app) as session:
        council = session.exec(
            select(Organisation).where(Organisation.name == VISITING_COUNCIL)
        ).one()
        council.kind = "other_council"
        session.add(council)


def grant(
    app: Flask,
    starts: date,
    ends: date,
    refs: tuple[str, ...] = (GRANTED, ALSO_GRANTED),
    pseudonymised: bool = True,
) -> int:
    """A batch granting the visitor the cases for the window; the batch's id."""
    actor = actor_for(app, "qa_lead")
    with session_scope(app) as session:
        batch = grant_batches.make_batch(
            "Spring cross-borough audit", "cross_borough", pseudonymised, actor, session=session
        )
        visitor = session.exec(select(User).where(User.username == "visitor")).one()
        grant_batches.add_grants(
            batch,
            str(visitor.id),
            "\n".join(refs),
            (_parts(starts), _parts(ends)),
            actor,
            session=session,
        )
        assert batch.id is not None
        return batch.id


def _parts(day: date) -> tuple[str, str, str]:
    return (str(day.day), str(day.month), str(day.year))


def seen_as(app: Flask, ref: str) -> str:
    """The reference the visitor sees for the case (today)."""
    from audit_app.services import grants

    with session_scope(app) as session:
        case = session.exec(select(Case).where(Case.case_ref == ref)).one()
        visitor = session.exec(select(User).where(User.username == "visitor")).one()
        assert visitor.id is not None
        return grants.reference_seen(session, case, visitor.id)
