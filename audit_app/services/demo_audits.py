"""The demo's audits: started, answered, judged and submitted as an auditor would.

Each step goes through the audit service, so a demo audit is scored, sampled for moderation and
recorded in the trail exactly as a real one is; only its dates are then placed in the past.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from audit_app.core.dates import add_months, month_start
from audit_app.core.questionnaire import Question, Questionnaire, Theme
from audit_app.models import Audit, Case, User, utcnow
from audit_app.services import audits as audit_service
from audit_app.services.audits import Actor, Sampling

COMMENTS = [
    "Recording is clear and up to date; the child's voice comes through.",
    "Some drift between visits; the plan has not been updated since the last review.",
    "Good multi-agency working, but the chronology is not used to inform the assessment.",
    "Management oversight is recorded but does not set out reasons or next steps.",
]

# A little above the default, so that a small demo has a moderation queue worth looking at.
DEMO_SAMPLE_RATE = 0.2

MORE_GENEROUS_ANALYSIS = "The record understates the work done; the child's progress is clear."
NO_SCORE_ANALYSIS = "No scored answers, so judged on the record as a whole."


@dataclass(frozen=True)
class DemoQuestionnaire:
    """A questionnaire the demo audits with: its id, and its themes and grades."""

    id: str
    questionnaire: Questionnaire


def auditor_actor(user: User) -> Actor:
    """An auditor of the demo, acting as themselves."""
    return Actor(id=user.id, username=user.username, role=user.role)


def months_before(today: date, months: int) -> date:
    """The first day of the month ``months`` before this one."""
    return add_months(month_start(today), -months)


def audit_case(
    session: Session,
    rng: random.Random,
    auditor: User,
    case: Case,
    questionnaire: DemoQuestionnaire,
    strength: float,
    *,
    submit_on: date | None = None,
    themes: int | None = None,
) -> Audit:
    """Start an audit and answer it as an auditor would; submit it when a date is given.

    ``strength`` is how strong the case's team's practice is (0..1); ``themes`` answers only the
    first few themes, as in a draft.
    """
    actor = auditor_actor(auditor)
    audit = audit_service.start_audit(questionnaire.id, case.case_ref, actor, session=session)
    assert audit.id is not None
    judging = questionnaire.questionnaire if submit_on is not None else None
    for theme in questionnaire.questionnaire.themes[:themes]:
        _answer_theme(session, rng, actor, audit.id, theme, strength, judging=judging)
    if submit_on is not None:
        _judge_overall(session, rng, actor, audit.id, questionnaire.questionnaire)
        _submit(session, rng, actor, audit.id, submit_on)
    return audit


def _answer_theme(
    session: Session,
    rng: random.Random,
    actor: Actor,
    audit_id: int,
    theme: Theme,
    strength: float,
    *,
    judging: Questionnaire | None,
) -> None:
    """Answer one theme; when ``judging``, also judge it against the grade the answers suggest."""
    answers = {q.id: _answer(rng, q, strength) for q in theme.questions}
    posted = {k: v for k, v in answers.items() if v}
    audit_file = audit_service.load_audit(audit_id, actor, session=session)
    audit_service.save_theme(
        audit_file, theme.id, posted, audit_file.audit.version, actor, session=session
    )
    audit_file = audit_service.load_audit(audit_id, actor, session=session)
    suggested = audit_file.score.theme(theme.id).grade
    if not suggested or judging is None:
        return
    grade, analysis = _judge(rng, judging, suggested)
    audit_service.save_theme(
        audit_file,
        theme.id,
        {q.id: audit_file.answers.get(q.id, "") for q in theme.questions},
        audit_file.audit.version,
        actor,
        session=session,
        judgement=(grade, analysis),
    )


def _judge_overall(
    session: Session, rng: random.Random, actor: Actor, audit_id: int, questionnaire: Questionnaire
) -> None:
    """The auditor's overall judgement, against the grade the whole audit suggests."""
    audit_file = audit_service.load_audit(audit_id, actor, session=session)
    grade, analysis = _judge(rng, questionnaire, audit_file.score.overall.grade or "")
    audit_service.save_overall_judgement(
        audit_file, grade, analysis, audit_file.audit.version, actor, session=session
    )


def _submit(
    session: Session, rng: random.Random, actor: Actor, audit_id: int, submit_on: date
) -> None:
    """Submit the audit (sampled for moderation at the demo's rate) and date it ``submit_on``."""
    audit_file = audit_service.load_audit(audit_id, actor, session=session)
    audit_service.submit(
        audit_file,
        audit_file.audit.version,
        actor,
        session=session,
        sampling=Sampling(rate=DEMO_SAMPLE_RATE, rng=rng),
    )
    _backdate(session, audit_id, datetime.combine(submit_on, time(10, 30), tzinfo=UTC))


def _answer(rng: random.Random, question: Question, strength: float) -> str:
    """An answer an auditor might give, better for stronger teams."""
    if question.type == "choice":
        return _choice(rng, question, strength)
    if question.type == "date":
        return (utcnow().date() - timedelta(days=rng.randint(3, 90))).isoformat()
    if question.type == "number":
        return str(rng.randint(0, 6))
    return rng.choice(COMMENTS) if rng.random() < 0.6 else ""


def _choice(rng: random.Random, question: Question, strength: float) -> str:
    """One of a choice question's options: full marks more often the stronger the team."""
    options = question.options or []
    scored = [(o.score, o) for o in options if o.score is not None]
    unscored = [o for o in options if o.score is None]
    if not scored:
        return rng.choice(options).value
    if unscored and rng.random() < 0.08:
        return rng.choice(unscored).value
    best = max(score for score, _ in scored)
    # Stronger teams more often get full marks.
    ranked = [o for _, o in sorted(scored, key=lambda pair: -pair[0])]
    if rng.random() < strength:
        return ranked[0].value
    return rng.choice(ranked[1:] or ranked).value if best else ranked[0].value


def _judge(rng: random.Random, questionnaire: Questionnaire, suggested: str) -> tuple[str, str]:
    """Mostly the suggested grade; sometimes one band more generous, with an analysis."""
    grades = questionnaire.grades
    if suggested in grades and rng.random() < 0.15 and grades.index(suggested) > 0:
        better = grades[grades.index(suggested) - 1]
        return better, MORE_GENEROUS_ANALYSIS
    return (suggested or grades[-1]), ("" if suggested else NO_SCORE_ANALYSIS)


def _backdate(session: Session, audit_id: int, when: datetime) -> None:
    """Place a demo audit in the past, so that the reports show a year of trends.

    The audit trail keeps the real time of each event: it records when the demo was made.
    """
    session.execute(
        update(Audit)
        .where(col(Audit.id) == audit_id)
        .values(created_at=when, updated_at=when, submitted_at=when)
        .execution_options(synchronize_session=False)
    )
