"""The agreement page's data: the double-blind second-audit pairs and the revealed calibration
exercises, read as sets of raters for ``reporting/agreement_figures.py``, and the export's trail.

An admin (the QA lead) sees every set; a group manager the pairs of the services they manage and
every revealed exercise (exercises are of no service). A pair counts once both audits stand: the
first submitted (moderated or closed), the second submitted; an exercise once revealed, over the
audits submitted to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from audit_app.core.calibration import Rater
from audit_app.core.lifecycle import EXERCISE, STANDING
from audit_app.core.roles import ADMIN
from audit_app.core.second_audits import quarter
from audit_app.models import (
    Audit,
    CalibrationAgreed,
    CalibrationExercise,
    CalibrationMember,
    Case,
    QuestionnaireVersion,
    SecondAudit,
    Team,
    User,
)
from audit_app.reporting.agreement_figures import AgreementFigures, Rated, RatedSet, figures
from audit_app.services import visibility
from audit_app.services.actor import Actor
from audit_app.services.calibration import rater_of
from audit_app.services.questionnaires import questionnaire_of
from audit_app.services.trail import record_event


def agreement_figures(actor: Actor, min_units: int, *, session: Session) -> AgreementFigures:
    """The page's figures over the sets this person may see."""
    sets = second_audit_pairs(actor, session=session) + revealed_exercises(session=session)
    names = {
        u.id: (u.display_name or u.username) for u in session.exec(select(User)) if u.id is not None
    }
    return figures(sets, min_units, names)


def second_audit_pairs(actor: Actor, *, session: Session) -> list[RatedSet]:
    """Each first audit standing with its second audit submitted (in the person's services)."""
    first, second = aliased(Audit), aliased(Audit)
    query = (
        select(first, second)
        .select_from(SecondAudit)
        .join(first, col(first.id) == SecondAudit.first_audit_id)
        .join(second, col(second.id) == SecondAudit.second_audit_id)
        .join(Case, col(Case.id) == first.case_id)
        .join(Team, col(Team.id) == Case.team_id)
        .where(col(first.status).in_(STANDING), second.status == EXERCISE)
        .order_by(col(first.id))
    )
    if visibility.is_limited(actor):  # the person's organisation's audits only
        query = query.where(first.organisation_id == actor.organisation_id)
    if actor.role != ADMIN:
        query = query.where(col(Team.service_id).in_(sorted(actor.managed_service_ids)))
    return [
        _rated_set(
            ("second", a.id, a.submitted_at),  # type: ignore[arg-type]
            a.questionnaire_version_id,
            [a, b],
            session=session,
        )
        for a, b in session.exec(query).all()
    ]


def revealed_exercises(*, session: Session) -> list[RatedSet]:
    """Each revealed exercise, over the audits submitted to it, with its agreed values."""
    found = []
    for exercise in session.exec(
        select(CalibrationExercise)
        .where(col(CalibrationExercise.revealed_at).is_not(None))
        .order_by(col(CalibrationExercise.id))
    ):
        audits = session.exec(
            select(Audit)
            .join(CalibrationMember, col(CalibrationMember.audit_id) == Audit.id)
            .where(CalibrationMember.exercise_id == exercise.id, Audit.status == EXERCISE)
            .order_by(col(Audit.id))
        ).all()
        key = ("exercise", exercise.id, exercise.revealed_at)
        rated = _rated_set(key, exercise.version_id, list(audits), session=session)  # type: ignore[arg-type]
        found.append(_with_agreed(rated, exercise.id, session=session))  # type: ignore[arg-type]
    return found


def _rated_set(
    key: tuple[str, int, datetime], version_id: int, audits: list[Audit], *, session: Session
) -> RatedSet:
    """A set: its source, id and moment (for its quarter), its questionnaire, its raters."""
    source, set_id, when = key
    version = session.get(QuestionnaireVersion, version_id)
    assert version is not None
    return RatedSet(
        source=source,
        set_id=set_id,
        quarter=quarter(when),
        questionnaire=questionnaire_of(version),
        raters=[_rated(rater_of(a, session=session)) for a in audits],
    )


def _rated(rater: Rater) -> Rated:
    return Rated(rater.auditor_id, dict(rater.answers), dict(rater.grades))


def _with_agreed(rated: RatedSet, exercise_id: int, *, session: Session) -> RatedSet:
    agreed = session.exec(
        select(CalibrationAgreed).where(CalibrationAgreed.exercise_id == exercise_id)
    ).all()
    return RatedSet(
        source=rated.source,
        set_id=rated.set_id,
        quarter=rated.quarter,
        questionnaire=rated.questionnaire,
        raters=rated.raters,
        agreed_answers={a.item_id: a.value for a in agreed if a.kind == "answer"},
        agreed_grades={a.item_id: a.value for a in agreed if a.kind == "grade"},
    )


def record_agreement_export(actor: Actor, rows: int, *, session: Session) -> None:
    """The export's trail event, as the other exports write theirs."""
    record_event(
        "report.exported",
        session=session,
        actor=actor,
        kind="agreement",
        format="csv",
        via="web",
        scope="every service" if actor.role == ADMIN else "managed services",
        rows=rows,
        completed=True,
    )


__all__ = [
    "agreement_figures",
    "record_agreement_export",
    "revealed_exercises",
    "second_audit_pairs",
]
