"""Calibration exercises: a QA lead (an admin) picks an exemplar case, a questionnaire version and
a group of auditors; each audits the case blind; the lead records the agreed "what good looks
like" answers and grades and reveals the exercise; everyone in it then sees the figures.

An audit made for an exercise records it (``audit.exercise_id``) and, once submitted, has the
status ``exercise``, which is not one the service's figures count (``core/lifecycle.STANDING``):
no report, summary, export, moderation queue or allocation counts it. Only its auditor can open
it (``audits.may_see``); the exercise's page shows spreads and figures, never who gave what,
except each auditor's own distance, and to the lead alone the auditors below the threshold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlmodel import Session, col, select

from audit_app.core import calibration as figures_core
from audit_app.core.calibration import OVERALL, Figures, Item, Rater
from audit_app.core.lifecycle import EXERCISE
from audit_app.core.limits import TITLE_MAX_LENGTH
from audit_app.core.questionnaire import Questionnaire
from audit_app.core.roles import ADMIN, AUDITORS
from audit_app.core.subjects import DEFAULT_SUBJECT
from audit_app.models import (
    Answer,
    Audit,
    CalibrationAgreed,
    CalibrationExercise,
    CalibrationMember,
    Case,
    QuestionnaireVersion,
    ThemeJudgement,
    User,
    utcnow,
)
from audit_app.services import errors, visibility
from audit_app.services.actor import Actor
from audit_app.services.answer_keys import answer_key
from audit_app.services.questionnaires import current_versions, questionnaire_of
from audit_app.services.trail import record_event

COMPARED_TYPES = ("choice",)
"""Questions answered by choosing one option, whose answers agree or not (text, dates, numbers
and multi-select questions are left out of the comparison)."""

DEFAULT_FLAG_PERCENT = 70.0
"""Below this agreement with the agreed answers, in their last exercise, an auditor is flagged
to the QA lead (``CALIBRATION_FLAG_PERCENT``); never blocked."""


class ExerciseNotFound(errors.NotFound):
    """No such exercise, or not one this person is in (the same answer for both)."""


class ExerciseRefused(errors.Refused):
    """The exercise cannot do that now (revealed already, say)."""


@dataclass(frozen=True)
class ExerciseRow:
    """One exercise in a list."""

    id: int
    title: str
    case_ref: str
    members: int
    submitted: int
    revealed: bool
    audit_id: int | None = None
    my_status: str | None = None


@dataclass(frozen=True)
class ExercisePage:
    """An exercise as one person may see it."""

    exercise: CalibrationExercise
    case_ref: str
    questionnaire: Questionnaire
    version: QuestionnaireVersion
    members: list[tuple[User, Audit | None]]
    mine: Audit | None
    agreed: dict[tuple[str, str], str]
    training: bool = False

    @property
    def revealed(self) -> bool:
        return self.exercise.revealed_at is not None

    def option_label(self, question_id: str, value: str) -> str:
        """What the auditors saw for an answer's stored value."""
        question = self.questionnaire.questions.get(question_id)
        labels = {o.value: o.label for o in (question.options or [])} if question else {}
        return labels.get(value, value)

    @property
    def submitted(self) -> list[Audit]:
        return [a for _u, a in self.members if a is not None and a.status == EXERCISE]


# --- making an exercise --------------------------------------------------------------------


def candidates(*, session: Session, actor: Actor | None = None) -> list[User]:
    """Who may be in an exercise: active auditors and managers (of the lead's organisation),
    by name."""
    seen = [] if actor is None else [visibility.people_seen(actor)]
    users = session.exec(
        select(User).where(col(User.role).in_(AUDITORS), col(User.active).is_(True), *seen)
    )
    return sorted(users, key=lambda u: (u.display_name or u.username).lower())


def create_exercise(
    title: str,
    case_ref: str,
    questionnaire_id: str,
    auditor_ids: Sequence[int],
    actor: Actor,
    *,
    session: Session,
    training: bool = False,
) -> CalibrationExercise:
    """A new exercise, recorded in the trail; FieldErrors says what is wrong, by field.
    ``training``: the exemplar is a training case written for the exercise, marked for good."""
    _lead_only(actor)
    title = (title or "").strip()
    reference = (case_ref or "").strip()
    versions = {v.questionnaire_id: v for v in current_versions(session=session)}
    version = versions.get(questionnaire_id)
    case = _exemplar(reference, version, actor, session=session)
    eligible = {u.id for u in candidates(session=session, actor=actor)}
    chosen = sorted({i for i in auditor_ids if i in eligible})
    problems = _create_problems(title, reference, case, version, chosen)
    if problems:
        raise errors.FieldErrors(problems)
    assert case is not None and version is not None
    exercise = CalibrationExercise(
        title=title,
        case_id=case.id,  # type: ignore[arg-type]
        version_id=version.id,  # type: ignore[arg-type]
        created_by_id=actor.person_id,
    )
    session.add(exercise)
    if training:
        case.training = True
        session.add(case)
    session.flush()
    for auditor_id in chosen:
        session.add(CalibrationMember(exercise_id=exercise.id, auditor_id=auditor_id))  # type: ignore[arg-type]
    record_event(
        "calibration.created",
        session=session,
        actor=actor,
        case_ref=case.case_ref,
        exercise_id=exercise.id,
        questionnaire_id=version.questionnaire_id,
        version=version.version,
        auditors=chosen,
        training_case=case.training,
    )
    session.flush()
    return exercise


def _exemplar(
    reference: str, version: QuestionnaireVersion | None, actor: Actor, *, session: Session
) -> Case | None:
    """The stored reference of the questionnaire's subject (a case's when there is none), of
    the lead's organisation."""
    subject = questionnaire_of(version).subject if version is not None else DEFAULT_SUBJECT
    statement = select(Case).where(
        Case.case_ref == reference, Case.subject == subject, visibility.cases_seen(actor)
    )
    return session.exec(statement).first()


def _create_problems(
    title: str,
    reference: str,
    case: Case | None,
    version: QuestionnaireVersion | None,
    chosen: list[int],
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not title:
        problems["title"] = "Enter a title for the exercise"
    elif len(title) > TITLE_MAX_LENGTH:
        problems["title"] = f"The title must be {TITLE_MAX_LENGTH} characters or fewer"
    if not reference:
        problems["case_id"] = "Enter the case ID of the exemplar case"
    elif case is None:
        problems["case_id"] = (
            f"There is no case with ID {reference[:40]}. Check the ID, or import the case first"
        )
    if version is None:
        problems["questionnaire"] = "Select the questionnaire to use"
    if len(chosen) < 2:
        problems["auditors"] = "Select at least 2 auditors: agreement needs two or more"
    return problems


# --- lists ---------------------------------------------------------------------------------


def exercises_for_lead(*, session: Session) -> list[ExerciseRow]:
    """Every exercise, newest first, with how many of its auditors have submitted."""
    exercises = session.exec(
        select(CalibrationExercise, Case.case_ref)
        .join(Case, col(Case.id) == CalibrationExercise.case_id)
        .order_by(col(CalibrationExercise.id).desc())
    ).all()
    return [_row(exercise, case_ref, session=session) for exercise, case_ref in exercises]


def exercises_for_member(actor: Actor, *, session: Session) -> list[ExerciseRow]:
    """The exercises this person is in, newest first, with their own audit's status."""
    found = session.exec(
        select(CalibrationExercise, Case.case_ref, CalibrationMember)
        .join(Case, col(Case.id) == CalibrationExercise.case_id)
        .join(CalibrationMember, col(CalibrationMember.exercise_id) == CalibrationExercise.id)
        .where(CalibrationMember.auditor_id == actor.id)
        .order_by(col(CalibrationExercise.id).desc())
    ).all()
    rows = []
    for exercise, case_ref, member in found:
        audit = session.get(Audit, member.audit_id) if member.audit_id else None
        base = _row(exercise, case_ref, session=session)
        rows.append(
            replace(base, audit_id=member.audit_id, my_status=audit.status if audit else None)
        )
    return rows


def _row(exercise: CalibrationExercise, case_ref: str, *, session: Session) -> ExerciseRow:
    statuses = session.exec(
        select(Audit.status)
        .select_from(CalibrationMember)
        .join(Audit, col(Audit.id) == CalibrationMember.audit_id, isouter=True)
        .where(CalibrationMember.exercise_id == exercise.id)
    ).all()
    return ExerciseRow(
        id=exercise.id,  # type: ignore[arg-type]
        title=exercise.title,
        case_ref=case_ref,
        members=len(statuses),
        submitted=sum(1 for s in statuses if s == EXERCISE),
        revealed=exercise.revealed_at is not None,
    )


# --- one exercise --------------------------------------------------------------------------


def load_exercise(exercise_id: int, actor: Actor, *, session: Session) -> ExercisePage:
    """The exercise, for the lead (an admin) or one of its auditors; others get NotFound."""
    exercise = session.get(CalibrationExercise, exercise_id)
    if exercise is None:
        raise ExerciseNotFound(exercise_id)
    rows = session.exec(
        select(User, CalibrationMember)
        .join(CalibrationMember, col(CalibrationMember.auditor_id) == User.id)
        .where(CalibrationMember.exercise_id == exercise_id)
        .order_by(col(User.id))
    ).all()
    if actor.role != ADMIN and actor.id not in {u.id for u, _m in rows}:
        raise ExerciseNotFound(exercise_id)
    members = [(u, session.get(Audit, m.audit_id) if m.audit_id else None) for u, m in rows]
    version = session.get(QuestionnaireVersion, exercise.version_id)
    case = session.get(Case, exercise.case_id)
    assert version is not None and case is not None
    agreed = {
        (a.kind, a.item_id): a.value
        for a in session.exec(
            select(CalibrationAgreed).where(CalibrationAgreed.exercise_id == exercise_id)
        )
    }
    return ExercisePage(
        exercise=exercise,
        case_ref=case.case_ref,
        questionnaire=questionnaire_of(version),
        version=version,
        members=members,
        mine=next((a for u, a in members if u.id == actor.id), None),
        agreed=agreed,
        training=case.training,
    )


def start(exercise_id: int, actor: Actor, *, session: Session) -> Audit:
    """The auditor's audit for the exercise: made on first use, on the exercise's version."""
    page = load_exercise(exercise_id, actor, session=session)
    member = session.get(CalibrationMember, (exercise_id, actor.id))
    if member is None:
        raise ExerciseNotFound(exercise_id)
    if page.mine is not None:
        return page.mine
    if page.revealed:
        raise ExerciseRefused("This exercise has been revealed, so it takes no more audits.")
    audit = Audit(
        case_id=page.exercise.case_id,
        questionnaire_version_id=page.exercise.version_id,
        auditor_id=actor.person_id,
        exercise_id=exercise_id,
    )
    session.add(audit)
    session.flush()
    member.audit_id = audit.id
    session.add(member)
    record_event(
        "audit.created",
        session=session,
        actor=actor,
        audit_id=audit.id,
        case_ref=page.case_ref,
        exercise_id=exercise_id,
        questionnaire_id=page.version.questionnaire_id,
        version=page.version.version,
    )
    session.flush()
    return audit


# --- the lead's answers and the reveal -----------------------------------------------------


def compared_questions(questionnaire: Questionnaire) -> list[Item]:
    """The questions answered by choosing, in page order."""
    return [
        Item(q.id, q.text) for q in questionnaire.questions.values() if q.type in COMPARED_TYPES
    ]


def graded_items(questionnaire: Questionnaire) -> list[Item]:
    """Each theme's judgement, then the overall judgement."""
    return [Item(t.id, t.title) for t in questionnaire.themes] + [
        Item(OVERALL, "Overall judgement")
    ]


def record_agreed(
    exercise_id: int, typed: Mapping[str, str], actor: Actor, *, session: Session
) -> None:
    """Keep the agreed answers (``answer-<question>``) and grades (``grade-<theme>``), in place
    of any recorded before; a blank leaves that item without an agreed value."""
    _lead_only(actor)
    page = load_exercise(exercise_id, actor, session=session)
    values = _agreed_values(page.questionnaire, typed)
    for old in session.exec(
        select(CalibrationAgreed).where(CalibrationAgreed.exercise_id == exercise_id)
    ):
        session.delete(old)
    session.flush()
    for (kind, item_id), value in values.items():
        session.add(
            CalibrationAgreed(exercise_id=exercise_id, kind=kind, item_id=item_id, value=value)
        )
    record_event(
        "calibration.agreed_recorded",
        session=session,
        actor=actor,
        case_ref=page.case_ref,
        exercise_id=exercise_id,
        answers=sum(1 for kind, _i in values if kind == "answer"),
        grades=sum(1 for kind, _i in values if kind == "grade"),
    )
    session.flush()


def _agreed_values(
    questionnaire: Questionnaire, typed: Mapping[str, str]
) -> dict[tuple[str, str], str]:
    """The typed agreed values, checked against the questions' options and the grades."""
    values: dict[tuple[str, str], str] = {}
    problems: dict[str, str] = {}
    for item in compared_questions(questionnaire):
        value = (typed.get(f"answer-{item.id}") or "").strip()
        options = {o.value for o in questionnaire.questions[item.id].options or []}
        if value and value not in options:
            problems[f"answer-{item.id}"] = f"Select one of the options for “{item.label}”"
        elif value:
            values[("answer", item.id)] = value
    for item in graded_items(questionnaire):
        value = (typed.get(f"grade-{item.id}") or "").strip()
        if value and value not in questionnaire.grades:
            problems[f"grade-{item.id}"] = f"Select a grade for “{item.label}”"
        elif value:
            values[("grade", item.id)] = value
    if problems:
        raise errors.FieldErrors(problems)
    return values


def reveal(exercise_id: int, actor: Actor, *, session: Session) -> None:
    """Close the exercise: from now on everyone in it sees the figures; drafts stay unseen."""
    _lead_only(actor)
    page = load_exercise(exercise_id, actor, session=session)
    if page.revealed:
        raise ExerciseRefused("This exercise has already been revealed.")
    page.exercise.revealed_at = utcnow()
    session.add(page.exercise)
    record_event(
        "calibration.revealed",
        session=session,
        actor=actor,
        case_ref=page.case_ref,
        exercise_id=exercise_id,
        submitted=len(page.submitted),
        members=len(page.members),
    )
    session.flush()


def _lead_only(actor: Actor) -> None:
    if actor.role != ADMIN:
        raise ExerciseNotFound("only a QA lead (an admin) runs exercises")


# --- the figures ---------------------------------------------------------------------------


def exercise_figures(page: ExercisePage, *, session: Session) -> Figures:
    """The figures of a revealed exercise, over the audits submitted to it."""
    questionnaire = page.questionnaire
    raters = [rater_of(audit, session=session) for audit in page.submitted]
    return figures_core.figures(
        compared_questions(questionnaire),
        graded_items(questionnaire),
        questionnaire.grades,
        raters,
        {item: v for (kind, item), v in page.agreed.items() if kind == "answer"},
        {item: v for (kind, item), v in page.agreed.items() if kind == "grade"},
    )


def rater_of(audit: Audit, *, session: Session) -> Rater:
    """An audit's answers (non-blank) and grades (each theme's and overall), by item id."""
    answers = {
        answer_key(a.question_id, a.repeat): a.value
        for a in session.exec(select(Answer).where(Answer.audit_id == audit.id))
        if a.value != ""
    }
    grades = {
        j.theme_id: j.grade
        for j in session.exec(select(ThemeJudgement).where(ThemeJudgement.audit_id == audit.id))
        if j.grade
    }
    if audit.overall_grade_judged:
        grades[OVERALL] = audit.overall_grade_judged
    return Rater(auditor_id=audit.auditor_id, answers=answers, grades=grades)


@dataclass(frozen=True)
class Flag:
    """An auditor whose agreement with the agreed answers in their last revealed exercise is
    below the threshold."""

    auditor: str
    exercise_id: int
    exercise_title: str
    percent: float


def flagged(threshold: float, actor: Actor, *, session: Session) -> list[Flag]:
    """For the lead: auditors below ``threshold`` percent in their last revealed exercise."""
    _lead_only(actor)
    last: dict[int, tuple[CalibrationExercise, ExercisePage]] = {}
    revealed = session.exec(
        select(CalibrationExercise)
        .where(col(CalibrationExercise.revealed_at).is_not(None))
        .order_by(col(CalibrationExercise.revealed_at), col(CalibrationExercise.id))
    ).all()
    for exercise in revealed:
        page = load_exercise(exercise.id, actor, session=session)  # type: ignore[arg-type]
        for audit in page.submitted:
            last[audit.auditor_id] = (exercise, page)
    found = []
    for auditor_id, (exercise, page) in last.items():
        percent = _own_percent(page, auditor_id, session=session)
        if percent is not None and percent < threshold:
            user = session.get(User, auditor_id)
            assert user is not None and exercise.id is not None
            name = user.display_name or user.username
            found.append(Flag(name, exercise.id, exercise.title, percent))
    return sorted(found, key=lambda f: (f.percent, f.auditor.lower()))


def _own_percent(page: ExercisePage, auditor_id: int, *, session: Session) -> float | None:
    """An auditor's agreement with the agreed answers in an exercise, as a percent."""
    for distance in exercise_figures(page, session=session).distances:
        if distance.auditor_id == auditor_id:
            return distance.percent
    return None
