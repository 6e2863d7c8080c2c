"""Builders of a multi-agency audit whose returns are in: the state the panel starts from.

The pages that open a multi-agency audit and collect the returns are built apart, so the audit,
its case, each agency's submitted return (an ordinary audit of the agency's organisation, with
its results) and the named panel members are stored directly here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import Flask
from sqlmodel import Session, col, select

from audit_app.core.partnership import RETURNS_CLOSED
from audit_app.db import session_scope
from audit_app.models import (
    AgencyAction,
    AgencyReturn,
    Audit,
    AuditResult,
    Case,
    LawfulBasis,
    MultiAgencyAudit,
    MultiAgencyCase,
    Organisation,
    PanelMember,
    QuestionnaireVersion,
    ThemeResult,
    User,
    utcnow,
)

# The themes of the journey questionnaire (tests.builders.journey_questionnaire), by id.
JOURNEY_THEMES = ("voice", "planning")


@dataclass(frozen=True)
class ClosedReturns:
    """A multi-agency audit with its returns in: its id, and its agencies by name, by id."""

    audit_id: int
    agencies: dict[str, int]


def closed_returns(
    app: Flask,
    *,
    coordinator: str,
    case_ref: str,
    returns: Mapping[str, str],
    panel: tuple[str, ...] = (),
    title: str = "Neglect: case review",
    status: str = RETURNS_CLOSED,
    questionnaire_id: str = "journey-audit",
) -> ClosedReturns:
    """A multi-agency audit of one case, coordinated by ``coordinator``: for each auditor of
    ``returns`` (username -> overall grade), their organisation's submitted return; the people
    of ``panel`` named to it; in ``status`` (returns closed unless given)."""
    with app.app_context(), session_scope(app) as session:
        case = session.exec(select(Case).where(Case.case_ref == case_ref)).one()
        version = session.exec(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
            .order_by(col(QuestionnaireVersion.version).desc())
        ).first()
        assert version is not None and case.id is not None and version.id is not None
        audit = _multi_agency_audit(session, title, _user(session, coordinator).id, status)
        session.add(MultiAgencyCase(multi_agency_audit_id=audit, case_id=case.id))
        agencies: dict[str, int] = {}
        for auditor, grade in returns.items():
            person = _user(session, auditor)
            organisation = person.organisation_id
            assert organisation is not None
            agency_audit = _submitted_return(session, (case.id, version.id, audit), person, grade)
            session.add(
                AgencyReturn(
                    multi_agency_audit_id=audit,
                    organisation_id=organisation,
                    case_id=case.id,
                    questionnaire_version_id=version.id,
                    audit_id=agency_audit,
                )
            )
            agencies[_organisation_name(session, organisation)] = organisation
        for member in panel:
            session.add(PanelMember(multi_agency_audit_id=audit, user_id=_user(session, member).id))  # type: ignore[arg-type]
        return ClosedReturns(audit_id=audit, agencies=agencies)


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def _organisation_name(session: Session, organisation_id: int) -> str:
    organisation = session.get(Organisation, organisation_id)
    assert organisation is not None
    return organisation.name


def _multi_agency_audit(session: Session, title: str, coordinator: int | None, status: str) -> int:
    basis = session.exec(select(LawfulBasis).order_by(col(LawfulBasis.id))).first()
    if basis is None:  # the seeded bases are emptied between tests on PostgreSQL
        basis = LawfulBasis(name="UK GDPR Article 6(1)(e) public task")
        session.add(basis)
        session.flush()
    assert coordinator is not None
    audit = MultiAgencyAudit(
        title=title,
        theme="neglect",
        coordinator_id=coordinator,
        due=date(2099, 1, 31),
        sharing_agreement="Safeguarding partnership information sharing agreement",
        lawful_basis_id=basis.id,
        status=status,
        returns_closed_at=None if status == "open" else utcnow(),
    )
    session.add(audit)
    session.flush()
    assert audit.id is not None
    return audit.id


def _submitted_return(session: Session, of: tuple[int, int, int], auditor: User, grade: str) -> int:
    """An agency's return: a submitted audit of the auditor's organisation (``of``: its case,
    questionnaire version and multi-agency audit), graded ``grade`` overall and on each theme;
    submitted, it takes the status that no figure counts, as a real return does."""
    case_id, version_id, multi_agency_audit_id = of
    audit = Audit(
        case_id=case_id,
        questionnaire_version_id=version_id,
        auditor_id=auditor.id,  # type: ignore[arg-type]
        status="exercise",
        multi_agency_audit_id=multi_agency_audit_id,
        organisation_id=auditor.organisation_id,
        submitted_at=utcnow(),
        overall_grade_judged=grade,
    )
    session.add(audit)
    session.flush()
    assert audit.id is not None
    session.add(AuditResult(audit_id=audit.id, grade_computed=grade, grade_judged=grade))
    for theme in JOURNEY_THEMES:
        session.add(
            ThemeResult(
                audit_id=audit.id,
                theme_id=theme,
                points=Decimal(1),
                possible=Decimal(2),
                grade_computed=grade,
            )
        )
    return audit.id


def give_action(
    app: Flask,
    audit_id: int,
    organisation_id: int,
    description: str,
    *,
    created_by: str,
    due_in_days: int = 28,
) -> int:
    """An open action of the multi-agency audit owned by the organisation, stored directly."""
    with session_scope(app) as session:
        action = AgencyAction(
            multi_agency_audit_id=audit_id,
            organisation_id=organisation_id,
            description=description,
            due=utcnow().date() + timedelta(days=due_in_days),
            created_by_id=_user(session, created_by).id,  # type: ignore[arg-type]
        )
        session.add(action)
        session.flush()
        assert action.id is not None
        return action.id
