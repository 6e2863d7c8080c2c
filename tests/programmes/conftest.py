"""The programmes' tests: a council of three teams in two services, auditors in two of them, and
a questionnaire in use; a programme planned through the service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Allocation, Case, Programme, ProgrammeStratum
from audit_app.services import programmes as programme_service
from audit_app.services.actor import Actor
from audit_app.services.cases import import_cases
from tests.builders import cases_csv, load_small_questionnaire

QA_LEAD = Actor.system("qa-lead")
APRIL = (date(2027, 4, 5), date(2027, 4, 9))


def council_rows() -> list[str]:
    """Five cases in Team A and Team B (Children in Need), three in Team C (Child Protection),
    each with a worker reference."""
    rows = [f"A{n},Children in Need,Team A,SW10{n % 2}" for n in range(1, 6)]
    rows += [f"B{n},Children in Need,Team B,SW20{n % 2}" for n in range(1, 6)]
    rows += [f"C{n},Child Protection,Team C,SW300" for n in range(1, 4)]
    return rows


@pytest.fixture
def council(app: Flask, make_user: Callable[..., str]) -> Flask:
    with app.app_context(), session_scope(app) as session:
        import_cases(cases_csv(*council_rows()), session=session, actor=QA_LEAD)
    make_user("auditor-a", "auditor", team="Team A")
    make_user("auditor-b", "auditor", team="Team B")
    make_user("qa-lead", "admin")
    load_small_questionnaire(app, "test-audit")
    return app


def plan(
    app: Flask,
    name: str = "Practice week April",
    *,
    period: tuple[date, date] = APRIL,
    strata_by: str = "team",
    quotas: dict[str, int] | None = None,
) -> int:
    """Plan a programme through the service, with quotas by stratum name; its id."""
    with app.app_context(), session_scope(app) as session:
        programme = programme_service.plan_programme(
            programme_service.PlanValues(
                name=name,
                kind="practice_week",
                questionnaire_id="test-audit",
                start=period[0],
                end=period[1],
                strata_by=strata_by,
            ),
            session=session,
            actor=QA_LEAD,
        )
        assert programme.id is not None
        programme_id = programme.id
        typed = {
            programme_service.quota_field(s): str((quotas or {}).get(s.name, 0))
            for s in programme_service.strata_of(programme_id, session=session)
        }
        programme_service.set_quotas(programme_id, typed, session=session, actor=QA_LEAD)
    return programme_id


def draw(app: Flask, programme_id: int, seed: int | None = 7) -> programme_service.ProgrammeDraw:
    with app.app_context(), session_scope(app) as session:
        return programme_service.draw_programme(
            programme_id, session=session, actor=QA_LEAD, seed=seed
        )


def programme_cases(app: Flask, programme_id: int) -> dict[str, str]:
    """The programme's allocated cases: auditor id (as text) by case reference."""
    with session_scope(app) as session:
        rows = session.exec(
            select(Case.case_ref, Allocation.auditor_id)
            .join(Allocation, Allocation.case_id == Case.id)
            .where(Allocation.programme_id == programme_id)
        )
        return {ref: str(auditor) for ref, auditor in rows}


def quotas_of(app: Flask, programme_id: int) -> dict[str, int]:
    with session_scope(app) as session:
        rows = session.exec(
            select(ProgrammeStratum).where(ProgrammeStratum.programme_id == programme_id)
        )
        return {row.name: row.quota for row in rows}


def programme_row(app: Flask, programme_id: int) -> Programme:
    with session_scope(app) as session:
        row = session.get(Programme, programme_id)
        assert row is not None
        return row


def version_id(app: Flask) -> int:
    """The stored version of the council's questionnaire."""
    from audit_app.models import QuestionnaireVersion

    with session_scope(app) as session:
        row = session.exec(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.questionnaire_id == "test-audit"
            )
        ).one()
        assert row.id is not None
        return row.id
