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

from audit_app.core.calibration import OVERALL, Rater
from audit_app.core.grades import final_grade
from audit_app.core.lifecycle import EXERCISE, STANDING
from audit_app.core.roles import ADMIN
from audit_app.core.second_audits import quarter
from audit_app.models import (
    Audit,
    AuditResult,
    CalibrationAgreed,
    CalibrationExercise,
    CalibrationMember,
    Case,
    QuestionnaireVersion,
    SecondAudit,
    Service,
    Team,
    ThemeResult,
    User,
)
from audit_app.reporting.agreement_figures import (
    AgreementFigures,
    ExternalPair,
    Rated,
    RatedSet,
    figures,
)
from audit_app.services import visibility
from audit_app.services.actor import Actor
from audit_app.services.calibration import rater_of
from audit_app.services.grants import grant_exists
from audit_app.services.questionnaires import questionnaire_of
from audit_app.services.trail import record_event


def agreement_figures(actor: Actor, min_units: int, *, session: Session) -> AgreementFigures:
    """The page's figures over the sets this person may see."""
    sets = second_audit_pairs(actor, session=session) + revealed_exercises(session=session)
    names = {
        u.id: (u.display_name or u.username) for u in session.exec(select(User)) if u.id is not None
    }
    return figures(sets, min_units, names, external_pairs(actor, session=session))


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


def external_pairs(actor: Actor, *, session: Session) -> list[ExternalPair]:
    """Each standing external audit of our cases (made under a grant, in the person's services)
    with our latest standing audit of the same case and questionnaire, when there is one."""
    query = (
        select(Audit, QuestionnaireVersion.questionnaire_id, Service.organisation_id)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .join(Case, col(Case.id) == Audit.case_id)
        .join(Team, col(Team.id) == Case.team_id)
        .join(Service, col(Service.id) == Team.service_id)
        .where(col(Audit.status).in_(STANDING))
        .where(col(Audit.organisation_id) != Service.organisation_id)
        .where(grant_exists(Audit.auditor_id, Audit.case_id))
        .order_by(col(Audit.id))
    )
    if visibility.is_limited(actor):  # the external audits of the person's organisation's cases
        query = query.where(Service.organisation_id == actor.organisation_id)
    if actor.role != ADMIN:
        query = query.where(col(Team.service_id).in_(sorted(actor.managed_service_ids)))
    found = []
    for external, questionnaire_id, organisation_id in session.exec(query).all():
        ours = _latest_internal(external, questionnaire_id, organisation_id, session=session)
        if ours is None:
            continue
        version = session.get(QuestionnaireVersion, external.questionnaire_version_id)
        assert version is not None and external.id is not None
        found.append(
            ExternalPair(
                audit_id=external.id,
                questionnaire=questionnaire_of(version),
                external=final_grades(external, session=session),
                internal=final_grades(ours, session=session),
            )
        )
    return found


def _latest_internal(
    external: Audit, questionnaire_id: str, organisation_id: int | None, *, session: Session
) -> Audit | None:
    """Our latest standing audit of the external audit's case and questionnaire."""
    return session.exec(
        select(Audit)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .where(
            Audit.case_id == external.case_id,
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            Audit.organisation_id == organisation_id,
            col(Audit.status).in_(STANDING),
        )
        .order_by(col(Audit.submitted_at).desc(), col(Audit.id).desc())
    ).first()


def final_grades(audit: Audit, *, session: Session) -> dict[str, str]:
    """An audit's final grade (the moderator's, else the auditor's, else the score's) of each
    theme and overall, by item id; an item without one is left out."""
    grades: dict[str, str] = {}
    for row in session.exec(select(ThemeResult).where(ThemeResult.audit_id == audit.id)):
        grade = final_grade(
            computed=row.grade_computed, judged=row.grade_judged, moderated=row.grade_moderated
        )
        if grade:
            grades[row.theme_id] = grade
    result = session.exec(select(AuditResult).where(AuditResult.audit_id == audit.id)).first()
    if result is not None:
        overall = final_grade(
            computed=result.grade_computed,
            judged=result.grade_judged,
            moderated=result.grade_moderated,
        )
        if overall:
            grades[OVERALL] = overall
    return grades


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
    "external_pairs",
    "final_grades",
    "record_agreement_export",
    "revealed_exercises",
    "second_audit_pairs",
]
