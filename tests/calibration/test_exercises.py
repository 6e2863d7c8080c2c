"""Calibration exercises through the services, on SQLite and PostgreSQL: making one, the blind
audits, the agreed answers, the reveal, the figures and the flags, with their trail."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlmodel import col, select

from audit_app.core.lifecycle import EXERCISE
from audit_app.db import session_scope
from audit_app.models import Audit, AuditEvent, AuditResult, CalibrationExercise, Case
from audit_app.services import allocations as allocation_service
from audit_app.services import audits as audit_service
from audit_app.services import calibration as service
from audit_app.services.errors import FieldErrors
from tests.builders import (
    actor_for,
    allocate_unless_in_reach,
    load_report_questionnaire,
    make_case,
    report_audit,
)

WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PEOPLE = ("amber", "basil", "cyril")


@pytest.fixture
def exercise(app: Flask, make_user: Callable[..., str]) -> int:
    """An exercise on case 100824 (Child Protection) for amber, basil and cyril."""
    load_report_questionnaire(app, 1)
    make_case(app, "100824")
    for name in PEOPLE:
        make_user(name, "auditor", team="CIN Team A")
    make_user("grace", "manager", services=("Child Protection",))
    make_user("ada", "admin")
    ids = [actor_for(app, name).person_id for name in PEOPLE]
    ada = actor_for(app, "ada")
    with session_scope(app) as session:
        made = service.create_exercise(
            " Spring calibration ", "100824", "report-audit", ids, ada, session=session
        )
        assert made.id is not None
        return made.id


def _audit(app: Flask, exercise_id: int, name: str, seen: str, plan: str, grade: str) -> int:
    return report_audit(
        app,
        actor_for(app, name),
        "100824",
        {"voice": {"seen-alone": seen}, "planning": {"plan-smart": plan}},
        {"voice": grade, "planning": grade},
        grade,
        WHEN,
        exercise_id=exercise_id,
    )


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with session_scope(app) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_making_an_exercise_says_what_is_wrong_by_field(
    app: Flask, exercise: int, make_user: Callable[..., str]
) -> None:
    ada = actor_for(app, "ada")
    chosen = [actor_for(app, "amber").person_id, ada.person_id]
    with session_scope(app) as session, pytest.raises(FieldErrors) as refused:
        service.create_exercise("", "999999", "no-such-questionnaire", chosen, ada, session=session)
    assert refused.value.errors == {
        "title": "Enter a title for the exercise",
        "case_id": "There is no case with ID 999999. Check the ID, or import the case first",
        "questionnaire": "Select the questionnaire to use",
        # An admin is not an auditor: one auditor chosen is too few.
        "auditors": "Select at least 2 auditors: agreement needs two or more",
    }
    with session_scope(app) as session:
        assert len(session.exec(select(CalibrationExercise)).all()) == 1
        assert session.get(CalibrationExercise, exercise).title == "Spring calibration"  # type: ignore[union-attr]
    (created,) = _events(app, "calibration.created")
    assert created.case_ref == "100824"


def test_only_a_qa_lead_makes_an_exercise(app: Flask, exercise: int) -> None:
    grace = actor_for(app, "grace")
    with session_scope(app) as session, pytest.raises(service.ExerciseNotFound):
        service.create_exercise("Mine", "100824", "report-audit", [1, 2], grace, session=session)


def test_an_exercise_audit_is_blind_and_never_counted(app: Flask, exercise: int) -> None:
    audit_id = _audit(app, exercise, "amber", "no", "partly", "Inadequate")
    people = {name: actor_for(app, name) for name in ("amber", "basil", "grace", "ada")}
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None and audit.status == EXERCISE and audit.exercise_id == exercise
        # Judged Inadequate, yet not due for moderation, and no results for the reports.
        assert not audit.moderation_due
        assert session.get(AuditResult, audit_id) is None
        for other in ("basil", "grace", "ada"):
            with pytest.raises(audit_service.AuditNotFound):
                audit_service.load_audit(audit_id, people[other], session=session)
        assert audit_service.load_audit(audit_id, people["amber"], session=session)
    (submitted,) = _events(app, "audit.submitted")
    assert '"exercise"' in submitted.detail


def test_an_ordinary_audit_of_the_case_is_not_taken_to_the_exercise_draft(
    app: Flask, exercise: int
) -> None:
    amber = actor_for(app, "amber")
    with session_scope(app) as session:
        draft = service.start(exercise, amber, session=session)
        assert service.start(exercise, amber, session=session).id == draft.id
        allocation = allocate_unless_in_reach(session, amber, "100824", "report-audit")
        allocated = audit_service.start_audit(
            "report-audit", "100824", amber, session=session, allocation_id=allocation
        )
        assert allocated.id != draft.id and allocated.exercise_id is None


def test_people_outside_the_exercise_are_told_there_is_none(app: Flask, exercise: int) -> None:
    grace, basil = actor_for(app, "grace"), actor_for(app, "basil")
    with session_scope(app) as session:
        with pytest.raises(service.ExerciseNotFound):
            service.load_exercise(exercise, grace, session=session)
        with pytest.raises(service.ExerciseNotFound):
            service.start(exercise, grace, session=session)
        assert service.load_exercise(exercise, basil, session=session)
        rows = service.exercises_for_member(basil, session=session)
        assert [(r.id, r.my_status) for r in rows] == [(exercise, None)]


def test_agreed_answers_are_checked_and_kept_with_the_trail(app: Flask, exercise: int) -> None:
    ada, amber = actor_for(app, "ada"), actor_for(app, "amber")
    with session_scope(app) as session, pytest.raises(FieldErrors) as refused:
        service.record_agreed(
            exercise, {"answer-seen-alone": "maybe", "grade-voice": "Superb"}, ada, session=session
        )
    assert refused.value.errors == {
        "answer-seen-alone": "Select one of the options for “Was the child seen alone?”",
        "grade-voice": "Select a grade for “The child's voice”",
    }
    typed = {"answer-seen-alone": "yes", "answer-plan-smart": "partly", "grade-overall": "Good"}
    with session_scope(app) as session:
        service.record_agreed(exercise, typed, ada, session=session)
        page = service.load_exercise(exercise, ada, session=session)
        assert page.agreed == {
            ("answer", "seen-alone"): "yes",
            ("answer", "plan-smart"): "partly",
            ("grade", "overall"): "Good",
        }
    assert len(_events(app, "calibration.agreed_recorded")) == 1
    with session_scope(app) as session, pytest.raises(service.ExerciseNotFound):
        service.record_agreed(exercise, typed, amber, session=session)


def test_revealed_figures_distances_and_flags(app: Flask, exercise: int) -> None:
    ada, amber, cyril = (actor_for(app, name) for name in ("ada", "amber", "cyril"))
    _audit(app, exercise, "amber", "yes", "yes", "Good")
    _audit(app, exercise, "basil", "no", "no", "Inadequate")
    with session_scope(app) as session:
        service.start(exercise, cyril, session=session)  # never submitted
        service.record_agreed(
            exercise, {"answer-seen-alone": "yes", "answer-plan-smart": "yes"}, ada, session=session
        )
        service.reveal(exercise, ada, session=session)
        with pytest.raises(service.ExerciseRefused):
            service.reveal(exercise, ada, session=session)
        page = service.load_exercise(exercise, amber, session=session)
        found = service.exercise_figures(page, session=session)
        # Two questions, three graded items: too few units to say, below MIN_UNITS (5).
        assert not found.answer_agreement.enough and found.answer_agreement.units == 2
        assert not found.grade_agreement.enough and found.grade_agreement.units == 3
        assert [d.percent for d in found.distances] == [100.0, 0.0]
        flags = service.flagged(70.0, ada, session=session)
        assert [(f.auditor, f.percent) for f in flags] == [("basil", 0.0)]
        with pytest.raises(service.ExerciseNotFound):
            service.flagged(70.0, amber, session=session)
        # The draft left open is not in the figures.
        statuses = session.exec(select(Audit.status).where(col(Audit.exercise_id) == exercise))
        assert sorted(statuses) == ["draft", EXERCISE, EXERCISE]
    (revealed,) = _events(app, "calibration.revealed")
    assert revealed.case_ref == "100824"


def test_an_exercise_audit_leaves_its_case_in_the_allocation_draw(
    app: Flask, exercise: int
) -> None:
    _audit(app, exercise, "amber", "yes", "yes", "Good")
    ada = actor_for(app, "ada")
    with session_scope(app) as session:
        drawn = allocation_service.draw_allocations(
            session=session,
            actor=ada,
            month=date(2026, 4, 1),
            per_auditor=1,
            questionnaire_id="report-audit",
            rng=random.Random(3),
        )
        case_ids = {allocation.case_id for allocation in drawn}
        exemplar = session.exec(select(Case.id).where(Case.case_ref == "100824")).one()
    # The exemplar, the only case outside the auditors' own service, is still drawn.
    assert case_ids == {exemplar}


def test_a_training_case_is_marked_and_audited_in_exercises_only(
    app: Flask, make_user: Callable[..., str]
) -> None:
    load_report_questionnaire(app, 1)
    make_case(app, "TRAIN-2027-01")
    for name in ("amber", "basil"):
        make_user(name, "auditor", team="Child Protection 1")
    make_user("ada", "admin")
    amber, basil, ada = (actor_for(app, n) for n in ("amber", "basil", "ada"))
    with session_scope(app) as session:
        made = service.create_exercise(
            "Training",
            "TRAIN-2027-01",
            "report-audit",
            [amber.person_id, basil.person_id],
            ada,
            session=session,
            training=True,
        )
        exercise_id = made.id
    with session_scope(app) as session:
        case = session.exec(select(Case).where(Case.case_ref == "TRAIN-2027-01")).one()
        assert case.training
        assert service.load_exercise(exercise_id, ada, session=session).training  # type: ignore[arg-type]
        assert service.start(exercise_id, amber, session=session).exercise_id == exercise_id  # type: ignore[arg-type]
        with pytest.raises(FieldErrors) as refused:
            audit_service.start_audit("report-audit", "TRAIN-2027-01", basil, session=session)
        assert refused.value.errors == {
            "case_id": "Case TRAIN-2027-01 is a training case written for a calibration "
            "exercise: it is audited only in its exercise"
        }
    (created,) = _events(app, "calibration.created")
    assert '"training_case": true' in (created.detail or "")
