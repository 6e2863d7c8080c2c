"""The auditor's journey: starting an audit, saving themes, judgements, concerns, submission.

Every change goes through :func:`_bump_version`, an optimistic lock: the page carries the audit's
version, and a save from a stale page (two tabs, two people) is refused without writing anything.

Theme pages and the overall judgement page also carry what they showed when they were opened,
field by field (:func:`page_state`). A save from such a page is refused only when a field it
changes was changed underneath it (:class:`EditConflict`); other fields, and other themes, are
left as they are now, so that two tabs working on different answers both keep their work.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.answers import (
    check_answer,
    drop_hidden,
    is_blank,
    missing_required,
    number_rule,
    shown_questions,
    shown_themes,
    ticked_text,
)
from audit_app.core.dates import uk_date
from audit_app.core.grades import final_grade, moderation_reason
from audit_app.core.lifecycle import EDITABLE, EXERCISE, RETURNED, SUBMITTED, VOICE_STATUSES
from audit_app.core.questionnaire import EVIDENCE_LABELS, Question, Questionnaire, Theme
from audit_app.core.repeats import page_fields, repeat_counts, repeat_label
from audit_app.core.roles import AUDIT_WRITERS, AUDITORS, INDEPENDENT
from audit_app.core.scoring import AuditScore, ThemeScore, round_percent, score_audit
from audit_app.core.subjects import DEFAULT_SUBJECT, reference_words
from audit_app.core.timeliness import AuditDay
from audit_app.models import (
    Allocation,
    Answer,
    Audit,
    AuditEvent,
    AuditResult,
    Case,
    CaseGrant,
    ComplianceResult,
    QuestionnaireVersion,
    SafeguardingConcern,
    Service,
    Team,
    ThemeJudgement,
    ThemeResult,
    User,
    utcnow,
)
from audit_app.services import errors, grants, visibility
from audit_app.services import evidence as theme_evidence
from audit_app.services.actor import Actor as Actor
from audit_app.services.answer_keys import answer_key, row_for_key
from audit_app.services.case_scope import ANY_SERVICE_SETTING, CaseToAudit, case_to_audit
from audit_app.services.grants import open_grants
from audit_app.services.questionnaires import current_versions, questionnaire_of
from audit_app.services.second_audits import SecondAuditSettings, draw_on_submission
from audit_app.services.trail import record_event

DEFAULT_SAMPLE_RATE = 0.1
MAX_TEXT = 10_000
MAX_CASE_ID = 32
# A theme page's own fields beside its questions' (question ids are slugs: no underscores).
JUDGEMENT = "__judgement"
ANALYSIS = "__analysis"

STALE_MESSAGE = (
    "This audit was changed in another tab or by someone else after you opened this page. "
    "Nothing on this page was saved; it now shows the latest answers."
)


class AuditNotFound(errors.NotFound):
    """No such audit, or not one this person may see (the two are not told apart)."""


class AuditError(errors.Refused, ValueError):
    """A request about an audit that cannot be met; the message says why."""


CONFLICT_MESSAGE = (
    "Some answers on this page were changed in another tab or by someone else after you opened "
    "it, so nothing on this page was saved. Each one shows what is saved now; what you typed is "
    "kept in its place. Choose which to keep, then save again."
)


class StaleAudit(AuditError, errors.Stale):
    """The page was out of date: someone saved the audit since it was opened."""

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)


class EditConflict(StaleAudit):
    """Fields this save changes were changed underneath it since the page was opened.

    ``saved`` maps each such field to what is stored now; ``mine`` names every field the save
    changed (what was typed in them is to be shown back); ``errors`` holds any other problem
    with the values, by field, as FieldErrors would.
    """

    def __init__(
        self, saved: dict[str, str], mine: set[str], errors: dict[str, str] | None = None
    ) -> None:
        super().__init__(CONFLICT_MESSAGE)
        self.saved = saved
        self.mine = mine
        self.errors = errors or {}


class FieldErrors(errors.FieldErrors, AuditError):
    """Problems with an audit's submitted values, by field name, in page order."""


@dataclass(frozen=True)
class AuditFile:
    """An audit with everything its pages need."""

    audit: Audit
    case: Case
    team: Team
    version_row: QuestionnaireVersion
    questionnaire: Questionnaire
    answers: dict[str, str]
    judgements: dict[str, ThemeJudgement]
    score: AuditScore
    concerns: list[SafeguardingConcern]
    auditor: User
    service: str | None = None  # the case's team's service, which conditions may name
    comments: dict[str, str] = field(default_factory=dict)
    """The auditor's comments on questions, by question id (format 2's ``comment``)."""
    external: bool = False
    """Made by a visiting auditor under a grant (``services/grants.py``): moderated and
    compared in agreement, never counted in the service's own figures."""

    @property
    def editable(self) -> bool:
        return self.audit.status in EDITABLE

    @cached_property
    def shown_themes(self) -> list[Theme]:
        """The themes that apply, given the answers: a theme hidden by its condition leaves the
        task list, check your answers, the summary and the judgements."""
        shown = shown_themes(self.questionnaire, self.answers, service=self.service)
        return [theme for theme in self.questionnaire.themes if theme.id in shown]

    def theme_status(self, theme: Theme) -> str:
        """Not started, In progress or Completed, as the task list shows it."""
        ids = [q.id for q in theme.questions]
        answered = [qid for qid in ids if qid in self.answers]
        if not answered and theme.id not in self.judgements:
            return "Not started"
        missing = [
            qid
            for qid in missing_required(self.questionnaire, self.answers, service=self.service)
            if qid in ids
        ]
        shown = shown_questions(self.questionnaire, self.answers, service=self.service)
        missing += [q.id for q in theme_evidence.missing_comments(theme, self.comments, shown)]
        judgement = self.judgements.get(theme.id)
        judged = (
            bool(judgement and judgement.grade)
            or theme.graded_by == "score"
            or (theme.graded_by == "both" and not self.score.theme(theme.id).graded)
        )
        return "Completed" if not missing and judged else "In progress"


def required_text(typed: str, field: str, missing: str) -> str:
    """A required free text (a note, a reason, a description) stripped; FieldErrors on
    ``field`` when it is empty (``missing`` says what to write) or too long."""
    text = typed.strip()
    problem = text_problem(text, missing)
    if problem:
        raise FieldErrors({field: problem})
    return text


def text_problem(text: str, missing: str) -> str | None:
    """What is wrong with a required free text, if anything: empty, or over MAX_TEXT."""
    if not text:
        return missing
    if len(text) > MAX_TEXT:
        return f"Keep it to {MAX_TEXT:,} characters or fewer"
    return None


# --- reading -------------------------------------------------------------------------------


def load_audit(
    audit_id: int, actor: Actor, *, session: Session, as_panel: bool = False
) -> AuditFile:
    """The audit, if this person may see it: their own, in a service they manage, or as admin;
    with ``as_panel``, also a return they read as its panel (``visibility.may_read_return``)."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise AuditNotFound(audit_id)
    case, _team, external = _case_if_seen(audit, actor, session=session, as_panel=as_panel)
    if not _in_window(actor, audit, session=session):
        raise AuditNotFound(audit_id)
    return audit_file_of(audit, session=session, case=case, external=external)


def _in_window(actor: Actor, audit: Audit, *, session: Session) -> bool:
    """The independent auditor opens their re-audit only while their grant to the first audit
    is open (England's day): outside the window it answers as not found."""
    if actor.role != INDEPENDENT:
        return True
    held = session.exec(
        select(CaseGrant.id).where(
            open_grants(actor.person_id), CaseGrant.audit_id == audit.second_of_id
        )
    ).first()
    return audit.second_of_id is not None and held is not None


def audit_file_of(
    audit: Audit, *, session: Session, case: Case | None = None, external: bool = False
) -> AuditFile:
    """Everything the audit's pages need, read with no check of who asks: callers check.
    ``case``: the case as the person sees it (a visitor's pseudonymised copy), if not the
    stored one; ``external``: the audit was made under a grant."""
    stored, team = case_and_team(audit, session=session)
    case = case or stored
    version_row = session.get(QuestionnaireVersion, audit.questionnaire_version_id)
    assert version_row is not None
    questionnaire = questionnaire_of(version_row)
    answers, comments = answers_and_comments(audit.id, session=session)  # type: ignore[arg-type]
    judgements = {
        j.theme_id: j
        for j in session.exec(select(ThemeJudgement).where(ThemeJudgement.audit_id == audit.id))
    }
    concerns = list(
        session.exec(
            select(SafeguardingConcern)
            .where(SafeguardingConcern.audit_id == audit.id)
            .order_by(col(SafeguardingConcern.raised_at))
        )
    )
    auditor = session.get(User, audit.auditor_id)
    assert auditor is not None
    service = session.get(Service, team.service_id)
    service_name = service.name if service is not None else None
    return AuditFile(
        audit=audit,
        case=case,
        team=team,
        version_row=version_row,
        questionnaire=questionnaire,
        answers=answers,
        judgements=judgements,
        score=score_audit(
            questionnaire,
            answers,
            judged_grades(judgements),
            day=audit_day_of(audit),
            service=service_name,
            overall_judged=audit.overall_grade_judged,
        ),
        concerns=concerns,
        auditor=auditor,
        service=service_name,
        comments=comments,
        external=external,
    )


def _case_if_seen(
    audit: Audit, actor: Actor, *, session: Session, as_panel: bool
) -> tuple[Case, Team, bool]:
    """The audit's case as this person sees it, its team, and whether the audit is external;
    AuditNotFound when they may not see it (``may_see``, an external audit's own rules, or with
    ``as_panel`` a return they read as its panel)."""
    case, team = case_and_team(audit, session=session)
    external = grants.is_external(audit, case, session=session)
    if as_panel and not external and visibility.may_read_return(actor, audit, session=session):
        return case, team, external
    return _case_seen(actor, audit, case, team, external, session=session), team, external


def _case_seen(
    actor: Actor, audit: Audit, case: Case, team: Team, external: bool, *, session: Session
) -> Case:
    """The audit's case as this person sees it (a visitor, by the reference their grant shows);
    AuditNotFound when they may not see the audit."""
    if not external:
        if not may_see(actor, audit, team):
            raise AuditNotFound(audit.id)
        return case
    if not grants.may_see_external(actor, audit, case, team, session=session):
        raise AuditNotFound(audit.id)
    if actor.organisation_id == audit.organisation_id:
        return grants.visitor_copy(case, actor, session=session)
    return case


def audit_day_of(audit: Audit) -> AuditDay:
    """The audit date its timeliness measures read: the day it was submitted, or today while
    its auditor can still change it (a draft, or returned: it is submitted again)."""
    return clock.audit_day(None if audit.status in EDITABLE else audit.submitted_at)


def judged_grades(judgements: Mapping[str, ThemeJudgement]) -> dict[str, str]:
    """The auditor's grade of each theme judged so far, by theme id."""
    return {theme_id: j.grade for theme_id, j in judgements.items() if j.grade}


def joined_to_service(query: Any) -> Any:
    """The query, which has the audit, joined to the audit's case, the case's team and the
    team's service."""
    return (
        query.join(Case, col(Case.id) == Audit.case_id)
        .join(Team, col(Team.id) == Case.team_id)
        .join(Service, col(Service.id) == Team.service_id)
    )


def case_and_team(audit: Audit, *, session: Session) -> tuple[Case, Team]:
    """The case an audit is of and that case's team (both always there)."""
    case = session.get(Case, audit.case_id)
    assert case is not None
    team = session.get(Team, case.team_id)
    assert team is not None
    return case, team


def counts_in_figures(audit: Audit) -> bool:
    """Whether the audit is one of the service's own: not made for a calibration exercise, not
    a double-blind second audit, not an agency's return to a multi-agency audit. Those others
    are blind or sealed (only their auditor opens them) and, submitted, take the status
    ``exercise``, which no figure counts."""
    return (
        audit.exercise_id is None
        and audit.second_of_id is None
        and audit.multi_agency_audit_id is None
    )


def counted_audits() -> list[Any]:
    """The same test as conditions on ``audit``, for queries."""
    return [
        col(Audit.exercise_id).is_(None),
        col(Audit.second_of_id).is_(None),
        col(Audit.multi_agency_audit_id).is_(None),
    ]


def may_see(actor: Actor, audit: Audit, team: Team) -> bool:
    """The audit's auditor, a manager of its service, or an admin; an audit made for a
    calibration exercise, or a second audit (the independent auditor's re-audits among them),
    only its auditor (both are blind). Nobody sees an
    audit of another organisation (``services/visibility.py``)."""
    if not visibility.may_see_audit(actor, audit):
        return False
    if not counts_in_figures(audit):
        return audit.auditor_id == actor.id and actor.role in AUDIT_WRITERS
    if actor.role == "admin":
        return True
    if actor.role == "manager" and team.service_id in actor.managed_service_ids:
        return True
    return audit.auditor_id == actor.id and actor.role in AUDITORS


def load_own_editable(audit_id: int, actor: Actor, *, session: Session) -> AuditFile:
    """The audit, for its own auditor to change; others get AuditNotFound."""
    audit_file = load_audit(audit_id, actor, session=session)
    if audit_file.audit.auditor_id != actor.id:
        raise AuditNotFound(audit_id)
    if not audit_file.editable:
        raise AuditError("This audit has been submitted, so its answers can no longer change.")
    return audit_file


def answers_of(audit_id: int, *, session: Session) -> dict[str, str]:
    """The stored answers of an audit: question id to raw value."""
    return answers_and_comments(audit_id, session=session)[0]


def answers_and_comments(
    audit_id: int, *, session: Session
) -> tuple[dict[str, str], dict[str, str]]:
    """The stored answers of an audit (question id to raw value) and its comments (question id
    to text). A row with a blank value holds a comment on a question not answered yet."""
    rows = session.exec(
        select(Answer.question_id, Answer.repeat, Answer.value, Answer.comment).where(
            Answer.audit_id == audit_id
        )
    )
    answers: dict[str, str] = {}
    comments: dict[str, str] = {}
    for qid, repeat, value, comment in rows:
        key = answer_key(qid, repeat)
        if value:
            answers[key] = value
        if comment:
            comments[key] = comment
    return answers, comments


@dataclass(frozen=True)
class AuditSummary:
    audit_id: int
    case_ref: str
    title: str
    status: str
    updated_at: datetime
    submitted_at: datetime | None
    grade: str | None
    # A double-blind second audit: the first audit stays out of sight.
    second: bool = False
    subject: str = DEFAULT_SUBJECT
    case_id: int = 0


def audits_of_auditor(auditor_id: int, *, session: Session) -> list[AuditSummary]:
    """An auditor's audits, newest first, with the final overall grade where there is one."""
    rows = session.exec(
        select(Audit, Case, QuestionnaireVersion.title, AuditResult)
        .join(Case, col(Case.id) == Audit.case_id)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .join(AuditResult, col(AuditResult.audit_id) == Audit.id, isouter=True)
        .where(Audit.auditor_id == auditor_id)
        .order_by(col(Audit.updated_at).desc())
    )
    return [
        AuditSummary(
            audit_id=audit.id,  # type: ignore[arg-type]
            case_ref=case.case_ref,
            subject=case.subject,
            title=title,
            status=audit.status,
            updated_at=audit.updated_at,
            submitted_at=audit.submitted_at,
            grade=final_grade(
                computed=result.grade_computed,
                judged=result.grade_judged,
                moderated=result.grade_moderated,
            )
            if result
            else None,
            second=audit.second_of_id is not None,
            case_id=case.id,  # type: ignore[arg-type]
        )
        for audit, case, title, result in rows
    ]


# --- starting ------------------------------------------------------------------------------


def start_audit(
    questionnaire_id: str,
    case_ref: str,
    actor: Actor,
    *,
    session: Session,
    allocation_id: int | None = None,
) -> Audit:
    """Open a draft audit of a case on the questionnaire's current version.

    Only a case the person may audit (``services/case_scope.py``) can be started; any other is
    refused with the words used for a case that does not exist. An auditor who already has a
    draft of the same case on the same questionnaire is taken to it rather than given a second.
    """
    version_row, reached = _questionnaire_and_case(
        questionnaire_id, case_ref, actor, session=session
    )
    audit = _open_draft(reached.case, questionnaire_id, actor, session=session)
    if audit is None:
        audit = _new_audit(
            reached, version_row, actor, session=session, allocation_id=allocation_id
        )
    if allocation_id is not None:
        _link_allocation(allocation_id, audit, session=session)
    session.flush()
    return audit


def start_problems(
    questionnaire_found: bool, reference: str, case_found: bool, subject: str = DEFAULT_SUBJECT
) -> dict[str, str]:
    """What stops an audit from starting, by field: the questionnaire, then the reference.

    ``reference`` is the case ID (or the reference of the questionnaire's other subject) as
    typed, trimmed; ``case_found`` says whether it is one this person may audit. No such
    reference and one not theirs get the same words.
    """
    errors: dict[str, str] = {}
    if not questionnaire_found:
        errors["questionnaire"] = "Select the questionnaire to use"
    if subject != DEFAULT_SUBJECT:
        problem = _reference_problem(reference, case_found, subject)
        if problem:
            errors["case_id"] = problem
    elif not reference:
        errors["case_id"] = "Enter the case ID"
    elif len(reference) > MAX_CASE_ID:
        errors["case_id"] = (
            f"The case ID must be {MAX_CASE_ID} characters or fewer. Check the ID in the case "
            "management system"
        )
    elif not case_found:
        errors["case_id"] = (
            f"There is no case with ID {reference} that you can audit. Check the ID in the case "
            "management system, or ask an administrator to import the case or to allocate it "
            "to you"
        )
    return errors


def _reference_problem(reference: str, found: bool, subject: str) -> str | None:
    """What is wrong with the reference of a subject other than a case, in its own words."""
    words = reference_words(subject)
    if not reference:
        return f"Enter the {words}"
    if len(reference) > MAX_CASE_ID:
        return f"The {words} must be {MAX_CASE_ID} characters or fewer. Never enter a name"
    if not found:
        return (
            f"There is no {words} {reference} that you can audit. Check the reference, or ask "
            "an administrator to add it or to allocate it to you"
        )
    return None


def subject_of(version_row: QuestionnaireVersion | None) -> str:
    """What the audits of a questionnaire version are of (``case`` when there is none)."""
    return DEFAULT_SUBJECT if version_row is None else questionnaire_of(version_row).subject


def _questionnaire_and_case(
    questionnaire_id: str, case_ref: str, actor: Actor, *, session: Session
) -> tuple[QuestionnaireVersion, CaseToAudit]:
    """The questionnaire's current version and the case (or other subject) if this person may
    audit it, or FieldErrors saying what is wrong."""
    versions = {v.questionnaire_id: v for v in current_versions(session=session)}
    version_row = versions.get(questionnaire_id)
    subject = subject_of(version_row)
    reference = (case_ref or "").strip()
    reached = None
    if reference and len(reference) <= MAX_CASE_ID:
        reached = case_to_audit(reference, actor, session=session, subject=subject)
    errors = start_problems(version_row is not None, reference, reached is not None, subject)
    if reached is not None and reached.case.training:
        # Written for a calibration exercise, not a real case: audited in its exercise only, so
        # that it is never in the service's figures.
        errors["case_id"] = (
            f"Case {reference} is a training case written for a calibration exercise: it is "
            "audited only in its exercise"
        )
    if errors:
        raise FieldErrors(errors)
    assert version_row is not None and reached is not None
    return version_row, reached


def _open_draft(
    case: Case, questionnaire_id: str, actor: Actor, *, session: Session
) -> Audit | None:
    """The auditor's draft (or returned) audit of the case on this questionnaire, if any."""
    return session.exec(
        select(Audit)
        .join(QuestionnaireVersion, col(QuestionnaireVersion.id) == Audit.questionnaire_version_id)
        .where(
            Audit.case_id == case.id,
            Audit.auditor_id == actor.id,
            col(Audit.status).in_(EDITABLE),
            *counted_audits(),
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
        )
    ).first()


def _new_audit(
    reached: CaseToAudit,
    version_row: QuestionnaireVersion,
    actor: Actor,
    *,
    session: Session,
    allocation_id: int | None,
) -> Audit:
    """A new draft audit of the case, recorded in the trail, with the use of AUDIT_ANY_SERVICE
    when only that let the person start it."""
    case = reached.case
    audit = Audit(
        case_id=case.id,  # type: ignore[arg-type]
        questionnaire_version_id=version_row.id,  # type: ignore[arg-type]
        auditor_id=actor.person_id,
        organisation_id=actor.organisation_id,
    )
    session.add(audit)
    session.flush()
    _event(
        "audit.created",
        audit,
        case.case_ref,
        actor,
        session=session,
        questionnaire_id=version_row.questionnaire_id,
        version=version_row.version,
        allocation_id=allocation_id,
    )
    if reached.outside_services:
        _record_outside_services(audit, case, actor, session=session)
    return audit


def _record_outside_services(audit: Audit, case: Case, actor: Actor, *, session: Session) -> None:
    """The trail's record that AUDIT_ANY_SERVICE alone let the person start this audit."""
    team = session.get(Team, case.team_id)
    service = session.get(Service, team.service_id) if team is not None else None
    _event(
        "audit.outside_services",
        audit,
        case.case_ref,
        actor,
        session=session,
        setting=ANY_SERVICE_SETTING,
        service=service.name if service is not None else None,
        team=team.name if team is not None else None,
    )


def _link_allocation(allocation_id: int, audit: Audit, *, session: Session) -> None:
    """Tie the allocation to the audit started for it, unless it already has one."""
    allocation = session.get(Allocation, allocation_id)
    if allocation is not None and allocation.audit_id is None:
        allocation.audit_id = audit.id
        session.add(allocation)


def start_allocated(allocation_id: int, actor: Actor, *, session: Session) -> Audit:
    """Start (or continue) the audit for one of the auditor's allocations."""
    allocation = session.get(Allocation, allocation_id)
    if allocation is None or allocation.auditor_id != actor.id:
        raise AuditNotFound(allocation_id)
    if allocation.audit_id is not None:
        audit = session.get(Audit, allocation.audit_id)
        assert audit is not None
        return audit
    case = session.get(Case, allocation.case_id)
    assert case is not None
    try:
        return start_audit(
            allocation.questionnaire_id,
            case.case_ref,
            actor,
            session=session,
            allocation_id=allocation_id,
        )
    except FieldErrors as problems:
        if "questionnaire" in problems.errors:
            raise AuditError(
                "The questionnaire for this allocation has been retired. Ask an administrator "
                "to allocate the case again."
            ) from None
        raise


# --- saving --------------------------------------------------------------------------------


def normalise_answer(question: Question, raw: str) -> str:
    """Tidy a typed value: trim it, and accept UK dates such as 27/3/2026 as well as ISO ones."""
    value = raw.strip() if question.type != "text" else raw.strip("\r\n").rstrip()
    if question.type == "multi":
        return ticked_text(question, value)
    if question.type == "date" and value:
        typed = uk_date(value)
        if typed is not None:
            value = typed.isoformat()  # one that names no real day is left for check_answer
    return value


def _answer_error(question: Question, value: str) -> str | None:
    if question.type == "text" and len(value) > MAX_TEXT:
        return f"{question.text}: must be {MAX_TEXT:,} characters or fewer"
    return refused_value_message(question, value)


def refused_value_message(question: Question, value: str) -> str | None:
    """The auditor's message for a value the question does not take (check_answer), or None."""
    if check_answer(question, value) is None:
        return None
    if question.type == "date":
        return f"{question.text}: enter a real date, for example 27/3/2026"
    if question.type == "number" and (
        question.integer or question.min is not None or question.max is not None
    ):
        return f"{question.text}: enter {number_rule(question)}"
    if question.type == "number":
        return f"{question.text}: enter a number, for example 3"
    return f"{question.text}: select one of the options"


@dataclass(frozen=True)
class SaveOutcome:
    changes: dict[str, tuple[str | None, str | None]]
    newly_shown: list[str]


# --- what a page showed, field by field ----------------------------------------------------


def analysis_question(theme: Theme) -> Question | None:
    """The theme's own analysis question, when its questionnaire asks for one.

    A free-text question whose id ends in "analysis" (e.g. "safety-analysis") and that is always
    shown is the theme's analysis: the page shows it as the analysis of the auditor's judgement,
    in place of a second box, and the judgement's analysis is kept in step with it.
    """
    for question in theme.questions:
        if (
            question.type == "text"
            and question.show_if is None
            and (question.id == "analysis" or question.id.endswith("-analysis"))
        ):
            return question
    return None


def analysis_field(theme: Theme) -> str:
    """The id of the box that holds a theme judgement's analysis on its page."""
    question = analysis_question(theme)
    return question.id if question is not None else "analysis"


def _canonical(value: str | None) -> str:
    """A value as compared between page and database: line endings and outer spaces aside."""
    return (value or "").replace("\r\n", "\n").strip()


def _combined(*texts: str | None) -> str:
    """Distinct non-blank texts, one after another: two analyses become one, neither lost."""
    kept: list[str] = []
    for text in texts:
        if _canonical(text) and _canonical(text) not in (_canonical(k) for k in kept):
            kept.append((text or "").strip())
    return "\n\n".join(kept)


def theme_values(audit_file: AuditFile, theme: Theme) -> dict[str, str]:
    """What a theme page shows of the stored audit: each question, the judgement, its analysis.

    Keys are question ids, :data:`JUDGEMENT` and (for a theme without its own analysis
    question) :data:`ANALYSIS`.
    """
    answers = audit_file.answers
    values = {key: answers.get(key, "") for key, _ in page_fields(theme, answers)}
    values.update(repeat_counts(theme, answers))
    judgement = audit_file.judgements.get(theme.id)
    values[JUDGEMENT] = judgement.grade if judgement else ""
    stored_analysis = (judgement.analysis or "") if judgement else ""
    question = analysis_question(theme)
    if question is None:
        values[ANALYSIS] = stored_analysis
    else:
        values[question.id] = _combined(audit_file.answers.get(question.id), stored_analysis)
    for commented in theme_evidence.commented(theme):
        key = theme_evidence.comment_key(commented.id)
        values[key] = audit_file.comments.get(commented.id, "")
    for name in theme_evidence.evidence_fields(theme):
        stored_field = getattr(judgement, name, None) if judgement else None
        values[theme_evidence.evidence_key(name)] = stored_field or ""
    return values


def overall_values(audit_file: AuditFile) -> dict[str, str]:
    """What the overall judgement page shows of the stored audit."""
    return {
        JUDGEMENT: audit_file.audit.overall_grade_judged or "",
        ANALYSIS: audit_file.audit.overall_analysis or "",
    }


def _digest(value: str | None) -> str:
    return hashlib.sha256(_canonical(value).encode()).hexdigest()[:16]


def page_state(values: Mapping[str, str]) -> str:
    """A token for a page's hidden field: a short digest of each value it shows, not the values."""
    return json.dumps({k: _digest(v) for k, v in values.items()}, separators=(",", ":"))


def read_page_state(token: str | None) -> dict[str, str] | None:
    """The digests a page was opened with, or None when it carries none (or garbage)."""
    if not token:
        return None
    try:
        state = json.loads(token)
    except ValueError:
        return None
    if not isinstance(state, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in state.items()
    ):
        return None
    return state


def _merge(
    stored: Mapping[str, str], typed: Mapping[str, str], loaded: Mapping[str, str] | None
) -> tuple[dict[str, str], set[str], dict[str, str]]:
    """What to write, which fields this save changes, and those changed underneath it too.

    Without ``loaded`` (a page that did not say what it showed) every typed value counts. With
    it, a field counts as changed by this save when what was typed differs from what the page
    showed; a field this save leaves alone keeps what is stored now, whoever stored it. A field
    both changed here and underneath is a conflict, unless both ended at the same value.
    """
    if loaded is None:
        return dict(typed), set(typed), {}
    effective: dict[str, str] = {}
    mine: set[str] = set()
    conflicts: dict[str, str] = {}
    for name, value in typed.items():
        now = stored.get(name, "")
        shown = loaded.get(name, _digest(now))
        if _digest(value) == shown:
            effective[name] = now
            continue
        mine.add(name)
        effective[name] = value
        if _digest(now) != shown and _canonical(now) != _canonical(value):
            conflicts[name] = now
    return effective, mine, conflicts


def differences(audit_file: AuditFile, theme: Theme, typed: Mapping[str, str]) -> dict[str, str]:
    """The fields of ``typed`` (keyed as :func:`theme_values`) that differ from what is stored
    now, each with what is stored: for a stale page that did not say what it showed."""
    stored = theme_values(audit_file, theme)
    questions = dict(page_fields(theme, typed))
    found: dict[str, str] = {}
    for name, value in typed.items():
        question = questions.get(name)
        mine = normalise_answer(question, value) if question is not None else value
        if _canonical(mine) != _canonical(stored.get(name)):
            found[name] = stored.get(name, "")
    return found


def with_typed(
    theme: Theme,
    stored: Mapping[str, str],
    typed: Mapping[str, str],
    *,
    refused: Callable[[Question, str], str | None],
) -> dict[str, str]:
    """The stored answers with the theme's in their place as typed (tidied): a blank value, or
    one that ``refused`` has a message for, counts as unanswered. Other keys of ``typed`` are
    ignored."""
    answers = dict(stored)
    answers.update(repeat_counts(theme, typed))
    for key, question in page_fields(theme, typed):
        value = normalise_answer(question, typed.get(key, ""))
        if is_blank(value) or refused(question, value) is not None:
            answers.pop(key, None)
        else:
            answers[key] = value
    return answers


def typed_theme_score(audit_file: AuditFile, theme_id: str, typed: Mapping[str, str]) -> ThemeScore:
    """The theme's score as it would be with ``typed`` as its answers (nothing is stored).

    A blank value, or one that saving would refuse, counts as unanswered; answers that others
    hide are dropped, as when the theme is saved. Other keys of ``typed`` are ignored.
    """
    theme = _theme(audit_file.questionnaire, theme_id)
    answers = with_typed(theme, audit_file.answers, typed, refused=_answer_error)
    kept = drop_hidden(audit_file.questionnaire, answers, service=audit_file.service)
    return score_audit(audit_file.questionnaire, kept, service=audit_file.service).theme(theme_id)


# --- saving a theme and the overall judgement ----------------------------------------------


def save_theme(
    audit_file: AuditFile,
    theme_id: str,
    posted: Mapping[str, str],
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
    judgement: tuple[str, str] | None = None,
    loaded: Mapping[str, str] | None = None,
    complete: bool = True,
) -> SaveOutcome:
    """Save one theme's answers (and the auditor's judgement of it) in one change.

    ``posted`` maps question ids to raw values (blank means unanswered). Values are checked by
    type first; any problem writes nothing. Answers that the new answers hide, anywhere in the
    audit, are discarded.

    ``loaded``, from :func:`read_page_state`, is what the page showed when it was opened: then
    only the fields the auditor changed are written, and the save is refused (EditConflict) only
    when one of them was changed underneath; ``expected_version`` is not needed. Without it, any
    save since ``expected_version`` refuses this one (StaleAudit).

    ``complete=False`` ("save and come back later") stores an unfinished page: a judgement may be
    kept without the analysis it will need before submission. Values that cannot be stored as
    typed are refused all the same.

    For a theme with its own analysis question (:func:`analysis_question`), that question holds
    the judgement's analysis: ``judgement[1]`` is added to it when different, and the judgement
    keeps a copy.
    """
    theme = _theme(audit_file.questionnaire, theme_id)
    typed = _typed_theme_values(theme, posted, judgement)
    effective, mine, conflicts = _merge(theme_values(audit_file, theme), typed, loaded)
    checked = check_theme(
        audit_file, theme, effective, judged=judgement is not None, complete=complete
    )
    if conflicts:
        raise EditConflict(conflicts, mine, checked.errors)
    if checked.errors:
        raise FieldErrors(checked.errors)
    expected = audit_file.audit.version if loaded is not None else expected_version
    return _write_theme(audit_file, theme, checked, expected, actor, session=session)


@dataclass(frozen=True)
class ThemeCheck:
    """A theme's values as saving would store them, and what is wrong with them (by field).

    ``kept`` holds every answer of the audit once the theme is saved, those that the new answers
    hide dropped; ``judgement`` is the grade and analysis, when the page carries a judgement.
    """

    kept: dict[str, str]
    judgement: tuple[str, str] | None
    errors: dict[str, str]
    comments: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)


def _typed_theme_values(
    theme: Theme, posted: Mapping[str, str], judgement: tuple[str, str] | None
) -> dict[str, str]:
    """What the page sent, tidied and keyed as :func:`theme_values`: answers, then judgement.

    A theme with its own analysis question takes the judgement's analysis into that question.
    """
    own_analysis = analysis_question(theme)
    typed = {key: normalise_answer(q, posted.get(key, "")) for key, q in page_fields(theme, posted)}
    typed.update(repeat_counts(theme, posted))
    typed.update(theme_evidence.posted_evidence(theme, posted))
    if judgement is not None:
        grade, analysis = judgement
        typed[JUDGEMENT] = grade
        if own_analysis is None:
            typed[ANALYSIS] = analysis.strip()
        elif _canonical(analysis) != _canonical(typed[own_analysis.id]):
            typed[own_analysis.id] = _combined(typed[own_analysis.id], analysis)
    return typed


def check_theme(
    audit_file: AuditFile,
    theme: Theme,
    effective: Mapping[str, str],
    *,
    judged: bool,
    complete: bool = True,
) -> ThemeCheck:
    """Check a theme's values (keyed as :func:`theme_values`) before saving; nothing is written.

    The answers are checked by type, in page order; then, when the page is ``judged``, the
    judgement against the grade the new answers suggest (see :func:`judgement_problems`).
    """
    kept, errors = _theme_answers(audit_file, theme, effective)
    shown = shown_questions(audit_file.questionnaire, kept, service=audit_file.service)
    problems = theme_evidence.evidence_problems(
        theme, effective, shown, answered=kept, most=MAX_TEXT, complete=complete
    )
    errors.update(problems)
    comments = theme_evidence.kept_comments(audit_file.comments, effective, theme, shown)
    evidence = {
        name: effective[theme_evidence.evidence_key(name)]
        for name in theme_evidence.evidence_fields(theme)
    }
    if not judged:
        return ThemeCheck(kept, None, errors, comments, evidence)
    own_analysis = analysis_question(theme)
    new_judgement = (effective[JUDGEMENT], effective[own_analysis.id if own_analysis else ANALYSIS])
    theme_score = score_audit(audit_file.questionnaire, kept, service=audit_file.service).theme(
        theme.id
    )
    judged_problems = judgement_problems(
        audit_file.questionnaire,
        theme_score.grade,
        *new_judgement,
        analysis_field=analysis_field(theme),
        complete=complete,
        by_judgement=theme.graded_by == "judgement",
    )
    for name, problem in judged_problems.items():
        errors.setdefault(name, problem)
    return ThemeCheck(kept, new_judgement, errors, comments, evidence)


def _theme_answers(
    audit_file: AuditFile, theme: Theme, effective: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The audit's answers with the theme's in place (hidden ones dropped), and their problems."""
    errors: dict[str, str] = {}
    merged = dict(audit_file.answers)
    merged.update(repeat_counts(theme, effective))
    for key, question in page_fields(theme, effective):
        raw = effective.get(key, "")
        problem = _answer_error(question, raw) if raw else None
        if problem:
            errors[key] = repeat_label(audit_file.questionnaire, key) + problem
        if is_blank(raw):
            merged.pop(key, None)
        else:
            merged[key] = raw
    return drop_hidden(audit_file.questionnaire, merged, service=audit_file.service), errors


def _write_theme(
    audit_file: AuditFile,
    theme: Theme,
    checked: ThemeCheck,
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
) -> SaveOutcome:
    """Store a checked theme: its answers, its judgement, and the change in the trail."""
    _bump_version(audit_file.audit, expected_version, session=session)
    changes, comment_changes = _write_answers(
        audit_file, checked.kept, checked.comments, session=session
    )
    judgement_change, evidence_change = _write_judgement(
        audit_file,
        theme.id,
        *(checked.judgement or ("", "")),
        keep_analysis_alone=analysis_question(theme) is None,
        evidence=checked.evidence,
        session=session,
        judged=checked.judgement is not None,
    )
    # Comments and evidence are in the trail only when they change, as answers are.
    more = {
        "comments": comment_changes,
        "evidence": evidence_change,
        "hidden_evidence": _clear_hidden_evidence(audit_file, checked.kept, session=session),
    }
    if changes or judgement_change or any(more.values()):
        audit_file_event(
            "audit.saved",
            audit_file,
            actor,
            session=session,
            theme=theme.id,
            changes={qid: [old, new] for qid, (old, new) in changes.items()},
            judgement=judgement_change,
            **{name: change for name, change in more.items() if change},
        )
    newly_shown = _newly_shown(audit_file, theme, checked.kept)
    return SaveOutcome(changes=changes, newly_shown=newly_shown)


def _clear_hidden_evidence(
    audit_file: AuditFile, kept: Mapping[str, str], *, session: Session
) -> dict[str, dict[str, list[str | None]]]:
    """Clear the evidence fields of the themes these answers hide, as their answers are
    discarded; return what was cleared, by theme and field. Their judgements are kept."""
    shown = shown_themes(audit_file.questionnaire, kept, service=audit_file.service)
    cleared: dict[str, dict[str, list[str | None]]] = {}
    for theme in audit_file.questionnaire.themes:
        row = audit_file.judgements.get(theme.id)
        if theme.id in shown or row is None:
            continue
        written = {name: getattr(row, name) for name in EVIDENCE_LABELS if getattr(row, name)}
        if not written:
            continue
        cleared[theme.id] = {name: [text, None] for name, text in written.items()}
        for name in written:
            setattr(row, name, None)
        if row.grade or row.analysis:
            session.add(row)
        else:
            session.delete(row)
    return cleared


def _newly_shown(audit_file: AuditFile, theme: Theme, kept: Mapping[str, str]) -> list[str]:
    """The theme's questions that the new answers show, hidden before and not answered yet."""
    questionnaire, service = audit_file.questionnaire, audit_file.service
    before_shown = shown_questions(questionnaire, audit_file.answers, service=service)
    after_shown = shown_questions(questionnaire, kept, service=service)
    return [
        q.id
        for q in theme.questions
        if q.id in after_shown and q.id not in before_shown and q.id not in kept
    ]


ANALYSIS_REQUIRED = (
    "Write your analysis: it is required when your grade differs from the suggested one"
)
ANALYSIS_FOR_JUDGEMENT = (
    "Write your analysis: it is required with a grade that no score suggests, to say what you found"
)


def judgement_problems(
    questionnaire: Questionnaire,
    suggested: str | None,
    grade: str,
    analysis: str,
    *,
    analysis_field: str = "analysis",
    complete: bool = True,
    by_judgement: bool = False,
) -> dict[str, str]:
    """What is wrong with a judgement, by the id of the field it is about ("judgement" for the
    grade, ``analysis_field`` for the analysis). Blank grade means "not judged yet".

    ``complete=False`` leaves out what only a finished judgement needs (the analysis of a grade
    that differs from the suggested one). ``by_judgement``: the theme is graded by judgement
    alone, so there is no suggested grade and every grade needs its analysis.
    """
    problems: dict[str, str] = {}
    if grade and grade not in questionnaire.grades:
        problems["judgement"] = "Select one of the grades"
    if len(analysis.strip()) > MAX_TEXT:
        problems[analysis_field] = f"Analysis must be {MAX_TEXT:,} characters or fewer"
    elif complete and grade and grade != suggested and not analysis.strip():
        problems[analysis_field] = ANALYSIS_FOR_JUDGEMENT if by_judgement else ANALYSIS_REQUIRED
    return problems


def judgement_problem(
    questionnaire: Questionnaire, suggested: str | None, grade: str, analysis: str
) -> str | None:
    """Why a judgement cannot stand, or None. Blank grade means "not judged yet"."""
    problems = judgement_problems(questionnaire, suggested, grade, analysis)
    return next(iter(problems.values()), None)


def save_overall_judgement(
    audit_file: AuditFile,
    grade: str,
    analysis: str,
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
    loaded: Mapping[str, str] | None = None,
) -> None:
    """Record the auditor's overall judgement.

    ``loaded`` works as for :func:`save_theme`: with it, the save is refused only when the
    grade or the analysis it changes was changed underneath it.
    """
    typed = {JUDGEMENT: grade, ANALYSIS: analysis.strip()}
    effective, mine, conflicts = _merge(overall_values(audit_file), typed, loaded)
    grade, analysis = effective[JUDGEMENT], effective[ANALYSIS]
    errors = _overall_judgement_errors(audit_file, grade, analysis)
    if conflicts:
        raise EditConflict(conflicts, mine, errors)
    if errors:
        raise FieldErrors(errors)
    before = [audit_file.audit.overall_grade_judged, audit_file.audit.overall_analysis]
    after = [grade, analysis or None]
    if loaded is not None and before == after:
        return
    _bump_version(
        audit_file.audit,
        audit_file.audit.version if loaded is not None else expected_version,
        session=session,
    )
    audit_file.audit.overall_grade_judged = grade
    audit_file.audit.overall_analysis = analysis or None
    session.add(audit_file.audit)
    audit_file_event(
        "audit.judged",
        audit_file,
        actor,
        session=session,
        theme=None,
        before=before,
        after=after,
    )


def _overall_judgement_errors(audit_file: AuditFile, grade: str, analysis: str) -> dict[str, str]:
    """What is wrong with an overall judgement, by field; AuditNotFound when the overall
    grade is the score's, so that no judgement is asked."""
    if audit_file.questionnaire.grading.graded_by == "score":
        raise AuditNotFound(audit_file.audit.id)
    by_judgement = audit_file.score.overall.by_judgement
    suggested = None if by_judgement else audit_file.score.overall.grade
    errors = judgement_problems(
        audit_file.questionnaire, suggested, grade, analysis, by_judgement=by_judgement
    )
    if not grade:
        errors = {"judgement": "Select your overall grade", **errors}
    return errors


def _theme(questionnaire: Questionnaire, theme_id: str) -> Theme:
    for theme in questionnaire.themes:
        if theme.id == theme_id:
            return theme
    raise AuditNotFound(theme_id)


def _bump_version(audit: Audit, expected_version: int, *, session: Session) -> None:
    """Claim the next version of an editable audit, or raise StaleAudit if the page was stale."""
    if not claim_audit(
        audit, session=session, statuses=EDITABLE, expected_version=expected_version
    ):
        raise StaleAudit()


def claim_audit(
    audit: Audit,
    *,
    session: Session,
    statuses: tuple[str, ...],
    expected_version: int | None = None,
    **values: object,
) -> bool:
    """Bump the audit's version (and set ``values``) if it is still as the caller saw it.

    One conditional UPDATE: of two changes made from the same state (two tabs, two people),
    exactly one wins, on SQLite and PostgreSQL alike. Returns False, changing nothing, when the
    audit's status is not one of ``statuses`` or its version is not ``expected_version``.
    """
    now = utcnow()
    conditions = [col(Audit.id) == audit.id, col(Audit.status).in_(statuses)]
    if expected_version is not None:
        conditions.append(col(Audit.version) == expected_version)
    version = audit.version if expected_version is None else expected_version
    result = session.execute(
        update(Audit)
        .where(*conditions)
        .values(version=Audit.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if expected_version is None:
        version = session.exec(select(Audit.version).where(Audit.id == audit.id)).one() - 1
    # The row already holds these values: mark them as loaded, not as changes to write again.
    for name, value in {"version": version + 1, "updated_at": now, **values}.items():
        set_committed_value(audit, name, value)
    return True


Changes = dict[str, tuple[str | None, str | None]]


def _write_answers(
    audit_file: AuditFile,
    kept: Mapping[str, str],
    comments: Mapping[str, str],
    *,
    session: Session,
) -> tuple[Changes, Changes]:
    """Make the stored answers equal ``kept`` and their comments ``comments``; return what
    changed of each (before, after). A comment without an answer has a row with a blank value."""
    audit_id = audit_file.audit.id
    assert audit_id is not None
    rows = {
        answer_key(a.question_id, a.repeat): a
        for a in session.exec(select(Answer).where(Answer.audit_id == audit_id))
    }
    changes: Changes = {}
    comment_changes: Changes = {}
    now = utcnow()
    for qid in [*rows, *(q for q in [*kept, *comments] if q not in rows)]:
        if qid in changes or qid in comment_changes:
            continue
        row = rows.get(qid)
        value, comment = kept.get(qid), comments.get(qid) or None
        before = ((row.value or None), row.comment) if row is not None else (None, None)
        if value != before[0]:
            changes[qid] = (before[0], value)
        if comment != before[1]:
            comment_changes[qid] = (before[1], comment)
        if value is None and comment is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            question_id, repeat = row_for_key(qid)
            session.add(
                Answer(
                    audit_id=audit_id,
                    question_id=question_id,
                    repeat=repeat,
                    value=value or "",
                    comment=comment,
                )
            )
        elif (value, comment) != before:
            row.value, row.comment, row.updated_at = value or "", comment, now
            session.add(row)
    session.flush()
    return changes, comment_changes


def _write_judgement(
    audit_file: AuditFile,
    theme_id: str,
    grade: str,
    analysis: str,
    *,
    keep_analysis_alone: bool,
    evidence: Mapping[str, str],
    session: Session,
    judged: bool = True,
) -> tuple[list[object] | None, dict[str, list[str | None]]]:
    """Store the theme's judgement and evidence fields; return the judgement's [before, after]
    as [grade, analysis] pairs (or None), and each evidence field changed, [before, after].

    An analysis typed before a grade is chosen is kept on its own (with a blank grade) when
    ``keep_analysis_alone``; otherwise (the theme's analysis question holds it) no grade, no row
    unless it holds evidence. A page that carries no judgement (``judged`` false) leaves the
    grade and analysis as they are.
    """
    current = audit_file.judgements.get(theme_id)
    if not judged:
        grade, analysis = (current.grade, current.analysis or "") if current else ("", "")
    new_analysis = analysis.strip() or None
    new_evidence = {name: text.strip() or None for name, text in evidence.items()}
    evidence_change: dict[str, list[str | None]] = {
        name: [getattr(current, name, None), text]
        for name, text in new_evidence.items()
        if getattr(current, name, None) != text
    }
    before = [current.grade, current.analysis] if current else None
    after = [grade, new_analysis]
    if not (grade or (keep_analysis_alone and new_analysis) or any(new_evidence.values())):
        if current is not None:
            session.delete(current)
        return (None if before is None else [before, None]), evidence_change
    if before == after and not evidence_change:
        return None, {}
    row = current or ThemeJudgement(audit_id=audit_file.audit.id, theme_id=theme_id, grade=grade)  # type: ignore[arg-type]
    row.grade, row.analysis, row.updated_at = grade, new_analysis, utcnow()
    for name, text in new_evidence.items():
        setattr(row, name, text)
    session.add(row)
    unchanged = before == after or (before is None and after == ["", None])
    return (None if unchanged else [before, after]), evidence_change


# --- concerns ------------------------------------------------------------------------------


def raise_concern(
    audit_file: AuditFile, description: str, actor: Actor, *, session: Session
) -> None:
    """Flag an immediate safeguarding concern, seen at once by the service's active managers, or
    by the admins and the safeguarding fallback when it has none; the trail records who."""
    from audit_app.services.concerns import audience  # concerns builds on this module

    text = required_text(
        description, "description", "Describe the concern and what you have done so far"
    )
    concern = SafeguardingConcern(
        audit_id=audit_file.audit.id,  # type: ignore[arg-type]
        raised_by_id=actor.person_id,
        description=text,
    )
    session.add(concern)
    session.flush()
    audit_file_event(
        "concern.raised",
        audit_file,
        actor,
        session=session,
        concern_id=concern.id,
        seen_by=audience(audit_file.team.service_id, session=session).readers(),
    )


# --- the practitioner's voice --------------------------------------------------------------


def date_from_parts(day: str, month: str, year: str, what: str) -> tuple[date | None, str | None]:
    """A date typed as day, month and year (the GOV.UK date input), or the problem with it.

    ``what`` names the date in messages, e.g. "The due date". Blank parts give (None, None).
    """
    parts = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    if not any(parts.values()):
        return None, None
    missing = [name for name, value in parts.items() if not value]
    if missing:
        return None, f"{what} must include a {' and '.join(missing)}"
    if not all(value.isdigit() for value in parts.values()) or len(parts["year"]) != 4:
        return None, f"{what} must be a real date, for example 27 3 2026"
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"])), None
    except ValueError:
        return None, f"{what} must be a real date, for example 27 3 2026"


def record_voice(
    audit_file: AuditFile,
    discussed: tuple[str, str, str],
    reflection: str,
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
    today: date,
) -> None:
    """Record when the findings were discussed with the allocated worker, and their reflection."""
    if audit_file.audit.auditor_id != actor.id:
        raise AuditNotFound(audit_file.audit.id)
    if audit_file.audit.status not in VOICE_STATUSES:
        raise AuditError("This audit is closed, so the discussion can no longer be recorded.")
    discussed_on, text, errors = voice_problems(discussed, reflection, today=today)
    if errors:
        raise FieldErrors(errors)
    assert discussed_on is not None
    _write_voice(audit_file, discussed_on, text, expected_version, actor, session=session)


def voice_problems(
    discussed: tuple[str, str, str], reflection: str, *, today: date
) -> tuple[date | None, str, dict[str, str]]:
    """The discussion's date and the reflection as they would be stored, and what is wrong with
    them by field ("discussed-day" for the date): an empty dict when they can be recorded."""
    errors: dict[str, str] = {}
    discussed_on, problem = date_from_parts(*discussed, "The date of the discussion")
    if problem:
        errors["discussed-day"] = problem
    elif discussed_on is None:
        errors["discussed-day"] = "Enter the date you discussed the findings with the worker"
    elif discussed_on > today:
        errors["discussed-day"] = "The date of the discussion must be today or in the past"
    text = reflection.strip()
    if not text:
        errors["reflection"] = "Write the worker's reflection, in their own words"
    elif len(text) > MAX_TEXT:
        errors["reflection"] = f"The reflection must be {MAX_TEXT:,} characters or fewer"
    return discussed_on, text, errors


def _write_voice(
    audit_file: AuditFile,
    discussed_on: date,
    text: str,
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
) -> None:
    """Store the discussion and the reflection when they changed, and record it in the trail."""
    before = [_iso(audit_file.audit.discussed_with_worker_on), audit_file.audit.worker_reflection]
    after = [_iso(discussed_on), text]
    if before == after:
        return
    claimed = claim_audit(
        audit_file.audit,
        session=session,
        statuses=VOICE_STATUSES,
        expected_version=expected_version,
        discussed_with_worker_on=discussed_on,
        worker_reflection=text,
    )
    if not claimed:
        raise StaleAudit()
    audit_file_event(
        "audit.voice_recorded",
        audit_file,
        actor,
        session=session,
        before=before,
        after=after,
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --- submitting ----------------------------------------------------------------------------


def submission_problems(audit_file: AuditFile) -> dict[str, tuple[str, str]]:
    """What stops submission: key -> (message, theme id the link goes to; "" for overall).

    Keys: a question's id; "judgement-<theme>" or "overall" for a grade; "analysis-<theme>" or
    "overall-analysis" for an analysis (the link goes to the analysis box).
    """
    problems: dict[str, tuple[str, str]] = {}
    q = audit_file.questionnaire
    for key in missing_required(q, audit_file.answers, service=audit_file.service):
        question_id, number = row_for_key(key)
        question = q.questions[question_id]
        where = f"{q.repeat_of[question_id].title} {number}: " if number else ""
        problems[key] = (f"{where}Answer “{question.text}”", q.theme_of[question_id])
    problems.update(_missing_comments(audit_file))
    for theme in audit_file.shown_themes:
        if theme.graded_by == "score":
            continue  # its grade is the answers' grade: no judgement is asked
        theme_score = audit_file.score.theme(theme.id)
        values = theme_values(audit_file, theme)
        grade = values[JUDGEMENT]
        if not grade:
            if theme_score.graded or theme.graded_by == "judgement":
                problems[f"judgement-{theme.id}"] = (
                    f"Record your judgement of “{theme.title}”",
                    theme.id,
                )
            continue
        own_analysis = analysis_question(theme)
        analysis = values[own_analysis.id if own_analysis else ANALYSIS]
        suggested = None if theme.graded_by == "judgement" else theme_score.grade
        found = judgement_problems(
            q, suggested, grade, analysis, by_judgement=theme.graded_by == "judgement"
        )
        for name, problem in found.items():
            key = "judgement" if name == "judgement" else "analysis"
            problems[f"{key}-{theme.id}"] = (f"{theme.title}: {problem}", theme.id)
    problems.update(overall_problems(audit_file))
    return problems


def overall_problems(audit_file: AuditFile) -> dict[str, tuple[str, str]]:
    """What stops submission in the overall judgement, as :func:`submission_problems` says
    it: nothing when the overall grade is the score's (no judgement is asked)."""
    graded_by = audit_file.questionnaire.grading.graded_by
    if graded_by == "score":
        return {}
    if not audit_file.audit.overall_grade_judged:
        return {"overall": ("Record your overall judgement", "")}
    by_judgement = graded_by == "judgement"
    found = judgement_problems(
        audit_file.questionnaire,
        None if by_judgement else audit_file.score.overall.grade,
        audit_file.audit.overall_grade_judged,
        audit_file.audit.overall_analysis or "",
        by_judgement=by_judgement,
    )
    return {
        "overall" if name == "judgement" else "overall-analysis": (
            f"Overall judgement: {problem}",
            "",
        )
        for name, problem in found.items()
    }


def _missing_comments(audit_file: AuditFile) -> dict[str, tuple[str, str]]:
    """Each required comment not written yet on a question shown, by the id of its box."""
    shown = shown_questions(
        audit_file.questionnaire, audit_file.answers, service=audit_file.service
    )
    return {
        theme_evidence.element_id(theme_evidence.comment_key(question.id)): (
            theme_evidence.COMMENT_REQUIRED.format(text=question.text),
            theme.id,
        )
        for theme in audit_file.shown_themes
        for question in theme_evidence.missing_comments(theme, audit_file.comments, shown)
    }


def submit(
    audit_file: AuditFile,
    expected_version: int,
    actor: Actor,
    *,
    session: Session,
    sampling: Sampling | None = None,
    second: SecondAuditSettings | None = None,
) -> None:
    """Store the scoring results, lock the answers and mark the audit submitted: one change.

    A first submission also decides whether the audit is due for moderation (``sampling`` gives
    the sample rate and the random source; a resubmission after a return keeps that decision)
    and is drawn for a second audit (``second``; none unless given)."""
    if audit_file.audit.auditor_id != actor.id:
        raise AuditNotFound(audit_file.audit.id)
    problems = submission_problems(audit_file)
    if problems:
        raise FieldErrors({key: message for key, (message, _theme) in problems.items()})
    _bump_version(audit_file.audit, expected_version, session=session)
    if not counts_in_figures(audit_file.audit):
        _submit_uncounted(audit_file, actor, session=session)
        return
    _store_results(audit_file, session=session)
    before = audit_file.audit.status
    audit_file.audit.status = SUBMITTED
    audit_file.audit.submitted_at = utcnow()
    moderation = choose_for_moderation(
        audit_file.audit,
        audit_file.questionnaire,
        sampling or Sampling(),
        resubmission=before == RETURNED,
        computed=audit_file.score.overall.grade,
    )
    session.add(audit_file.audit)
    session.flush()
    audit_file_event(
        "audit.submitted",
        audit_file,
        actor,
        session=session,
        before=before,
        after=SUBMITTED,
        overall_grade_computed=audit_file.score.overall.grade,
        overall_grade_judged=audit_file.audit.overall_grade_judged,
        moderation=moderation,
    )
    if before != RETURNED and second is not None and not audit_file.external:
        _draw_second(audit_file, actor, second, session=session)


def _draw_second(
    audit_file: AuditFile, actor: Actor, second: SecondAuditSettings, *, session: Session
) -> None:
    """The draw for a double-blind second audit (``services/second_audits.py``)."""
    draw_on_submission(audit_file.audit, audit_file.case.case_ref, actor, second, session=session)


def _submit_uncounted(audit_file: AuditFile, actor: Actor, *, session: Session) -> None:
    """Lock the answers of an exercise audit, a second audit or an agency's return. No
    moderation is chosen, and the status ``exercise`` keeps it out of every figure of the
    service; a return's results are stored for the panel to read, and the last return in closes
    the returns (``services/multi_agency.py``)."""
    if audit_file.audit.multi_agency_audit_id is not None:
        _store_results(audit_file, session=session)
    before = audit_file.audit.status
    audit_file.audit.status = EXERCISE
    audit_file.audit.submitted_at = utcnow()
    session.add(audit_file.audit)
    session.flush()
    audit_file_event(
        "audit.submitted",
        audit_file,
        actor,
        session=session,
        before=before,
        after=EXERCISE,
        exercise_id=audit_file.audit.exercise_id,
        second_audit=audit_file.audit.second_of_id is not None,
        multi_agency_audit_id=audit_file.audit.multi_agency_audit_id,
    )
    if audit_file.audit.multi_agency_audit_id is not None:
        from audit_app.services.multi_agency import close_when_all_in  # builds on this module

        close_when_all_in(audit_file.audit.multi_agency_audit_id, actor, session=session)


def _store_results(audit_file: AuditFile, *, session: Session) -> None:
    """Store the audit's scores as submitted, in place of an earlier submission's (a return's)."""
    audit_id = audit_file.audit.id
    assert audit_id is not None
    # A resubmission (after a return) replaces the earlier results.
    for model in (ComplianceResult, ThemeResult, AuditResult):
        for row in session.exec(select(model).where(model.audit_id == audit_id)):
            session.delete(row)
    session.flush()
    session.add(_audit_result(audit_file, audit_id))
    session.add_all(_theme_results(audit_file, audit_id))
    session.add_all(_compliance_results(audit_file.score, audit_id))


def _audit_result(audit_file: AuditFile, audit_id: int) -> AuditResult:
    """The overall score, the grade it suggests and the auditor's overall judgement; graded
    by judgement, the judgement alone (no percent, no suggested grade); graded by the score,
    no judgement."""
    overall = audit_file.score.overall
    asked = audit_file.questionnaire.grading.graded_by != "score"
    return AuditResult(
        audit_id=audit_id,
        percent=_stored_percent(overall.percent),
        percent_rounded=round_percent(overall.percent),
        grade_computed=None if overall.by_judgement else overall.grade,
        grade_judged=audit_file.audit.overall_grade_judged if asked else None,
    )


def _theme_results(audit_file: AuditFile, audit_id: int) -> list[ThemeResult]:
    """Each theme's score, the grade it suggests and the auditor's judgement of the theme."""
    results = []
    shown = {theme.id for theme in audit_file.shown_themes}
    for theme_score in audit_file.score.themes:
        # A hidden theme keeps no judgement: it does not apply to the case.
        judgement = audit_file.judgements.get(theme_score.theme_id)
        if theme_score.theme_id not in shown or theme_score.graded_by == "score":
            judgement = None
        results.append(
            ThemeResult(
                audit_id=audit_id,
                theme_id=theme_score.theme_id,
                percent=_stored_percent(theme_score.percent),
                percent_rounded=round_percent(theme_score.percent),
                points=_decimal(theme_score.points),
                possible=_decimal(theme_score.possible),
                grade_computed=None if theme_score.by_judgement else theme_score.grade,
                grade_judged=(judgement.grade or None) if judgement else None,
            )
        )
    return results


def _compliance_results(score: AuditScore, audit_id: int) -> list[ComplianceResult]:
    """Whether each answer that a compliance measure counts complies."""
    return [
        ComplianceResult(
            audit_id=audit_id,
            theme_id=answer.theme_id,
            question_id=answer.question_id,
            measure=answer.measure,
            value=answer.value,
            compliant=answer.compliant,
        )
        for answer in score.compliance_answers
    ]


# --- choosing audits for moderation --------------------------------------------------------


@dataclass(frozen=True)
class Sampling:
    """How audits are sampled for moderation: the rate, and the random source of the draw."""

    rate: float = DEFAULT_SAMPLE_RATE
    rng: random.Random = field(default_factory=random.SystemRandom)

    @classmethod
    def from_config(cls, config: Mapping[str, object]) -> Sampling:
        """The configured rate; tests may put a seeded ``MODERATION_RANDOM`` in the config."""
        rate = config.get("MODERATION_SAMPLE_RATE", DEFAULT_SAMPLE_RATE)
        rng = config.get("MODERATION_RANDOM")
        return cls(
            rate=float(rate),  # type: ignore[arg-type]
            rng=rng if isinstance(rng, random.Random) else random.SystemRandom(),
        )


def choose_for_moderation(
    audit: Audit,
    questionnaire: Questionnaire,
    sampling: Sampling,
    *,
    resubmission: bool,
    computed: str | None = None,
) -> dict[str, object]:
    """Decide at submission whether the audit is due for moderation, and record why.

    Every audit judged in the questionnaire's worst band is due; the others are sampled at
    random. The number drawn is kept on the audit so the choice can be checked. A resubmitted
    audit (returned by its moderator) stays due, with its first reason and draw.
    """
    if resubmission and audit.moderation_due:
        return {"due": True, "reason": audit.moderation_reason, "kept": True}
    draw = sampling.rng.random()
    # The overall grade that counts: the auditor's, or the score's when none is asked.
    grade = audit.overall_grade_judged if questionnaire.grading.graded_by != "score" else computed
    reason = moderation_reason(grade, questionnaire.grades, draw, sampling.rate)
    audit.moderation_draw = draw
    audit.moderation_due = reason is not None
    audit.moderation_reason = reason
    return {"due": audit.moderation_due, "reason": reason, "draw": draw, "rate": sampling.rate}


def _stored_percent(percent: Fraction | None) -> Decimal | None:
    if percent is None:
        return None
    return _decimal(percent, places=6)


def _decimal(value: Fraction, places: int = 4) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        quantum, rounding=ROUND_HALF_EVEN
    )


# --- history -------------------------------------------------------------------------------


def history(audit_id: int, *, session: Session) -> list[AuditEvent]:
    """Every event of an audit, oldest first."""
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.audit_id == audit_id)
            .order_by(col(AuditEvent.occurred_at), col(AuditEvent.id))
        )
    )


def audit_file_event(
    action: str, audit_file: AuditFile, actor: Actor, *, session: Session, **detail: Any
) -> None:
    """Put an event about the audit in the trail, with its case's reference."""
    # The real reference, also when the person acting sees the case by its pseudonym.
    case = session.get(Case, audit_file.audit.case_id)
    case_ref = audit_file.case.case_ref if case is None else case.case_ref
    _event(action, audit_file.audit, case_ref, actor, session=session, **detail)


def _event(
    action: str,
    audit: Audit,
    case_ref: str,
    actor: Actor,
    *,
    session: Session,
    **detail: Any,
) -> None:
    record_event(
        action, session=session, actor=actor, audit_id=audit.id, case_ref=case_ref, **detail
    )
