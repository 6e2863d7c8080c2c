"""Demonstration data for the embedded default database: a living system for a newcomer.

Everything is made through the same services that the pages and commands use, so the demo
audits are scored, judged and recorded in the trail exactly as real ones are.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from audit_app import clock
from audit_app.core.dates import add_months, month_end, month_start
from audit_app.core.lifecycle import CLOSED, MODERATED, RETURNED, SUBMITTED, VOICE_STATUSES
from audit_app.core.questionnaire import Question, Questionnaire
from audit_app.models import (
    Action,
    Allocation,
    Audit,
    Case,
    ManagedService,
    Moderation,
    SafeguardingConcern,
    Service,
    Team,
    User,
    utcnow,
)
from audit_app.services import accounts
from audit_app.services import audits as audit_service
from audit_app.services.audits import Actor, Sampling
from audit_app.services.errors import Refused
from audit_app.services.questionnaires import current_versions, questionnaire_of

# Service -> teams, with how strong each team's practice is (0..1) so that the reports show
# real differences between teams.
TEAMS: dict[str, list[tuple[str, float]]] = {
    "Referral and Assessment": [("Assessment Team 1", 0.7), ("Assessment Team 2", 0.55)],
    "Children in Need": [("Children in Need Team A", 0.6), ("Children in Need Team B", 0.45)],
    "Child Protection": [("Child Protection Team 1", 0.75), ("Child Protection Team 2", 0.5)],
    "Children in Care": [("Children in Care Team", 0.65)],
    "Care Leavers": [("Leaving Care Team", 0.6)],
}

# username, role, display name, team (auditors), services (managers)
PEOPLE: list[tuple[str, str, str, str | None, tuple[str, ...]]] = [
    ("admin", "admin", "QA lead (admin)", None, ()),
    ("manager", "manager", "Group manager", None, ("Child Protection", "Children in Care")),
    ("auditor", "auditor", "Team manager, Assessment", "Assessment Team 1", ()),
    ("auditor2", "auditor", "Team manager, Children in Need", "Children in Need Team A", ()),
    ("auditor3", "auditor", "Senior practitioner, Child Protection", "Child Protection Team 1", ()),
    ("auditor4", "auditor", "QA officer", "Leaving Care Team", ()),
    ("viewer", "viewer", "Improvement board member", None, ()),
]

COMMENTS = [
    "Recording is clear and up to date; the child's voice comes through.",
    "Some drift between visits; the plan has not been updated since the last review.",
    "Good multi-agency working, but the chronology is not used to inform the assessment.",
    "Management oversight is recorded but does not set out reasons or next steps.",
]


# A little above the default, so that a small demo has a moderation queue worth looking at.
DEMO_SAMPLE_RATE = 0.2

ACTIONS = [
    ("child", "Visit the child and see them alone; record their wishes in their own words."),
    ("record", "Update the chronology and use it to inform the next review."),
    ("child", "Hold a core group meeting and make the plan SMART."),
    ("record", "Record the manager's reasons for the decision at the last review."),
    ("child", "Offer a return home interview after each missing episode."),
    ("record", "Add a genogram to the record."),
]

GRADE_CHANGE_RATIONALE = (
    "The record does not show the child being seen alone in the last six months, so this "
    "theme cannot be graded as highly as the auditor judged."
)


class DemoRefused(Refused, RuntimeError):
    """The database already has data: the demo is only for an empty one."""


@dataclass
class DemoSummary:
    passwords: dict[str, tuple[str, str]] = field(default_factory=dict)  # username -> (role, pw)
    cases: int = 0
    allocations: int = 0
    submitted: int = 0
    drafts: int = 0
    moderated: int = 0
    actions: int = 0
    concerns: int = 0


def seed(*, session: Session, rng: random.Random, today: date | None = None) -> DemoSummary:
    """Fill an empty database with services, people, cases, allocations and audits."""
    if session.exec(select(func.count()).select_from(User)).one():
        raise DemoRefused("The database already has users, so no demo data was added.")
    versions = current_versions(session=session)
    if not versions:
        raise DemoRefused("Load the questionnaires first: flask --app wsgi questionnaires load")
    today = today or clock.today()
    summary = DemoSummary()
    quality: dict[int, float] = {}

    for service_name, teams in TEAMS.items():
        service = Service(name=service_name)
        session.add(service)
        session.flush()
        for team_name, strength in teams:
            team = Team(name=team_name, service_id=service.id)  # type: ignore[arg-type]
            session.add(team)
            session.flush()
            quality[team.id] = strength  # type: ignore[index]

    people: dict[str, User] = {}
    for username, role, name, person_team, services in PEOPLE:
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        people[username] = accounts.create_user(
            username,
            password,
            role,
            session=session,
            actor=Actor.system("demo seed"),
            display_name=name,
            team=person_team,
            services=services,
        )
        summary.passwords[username] = (role, password)

    team_ids = list(quality)
    cases = []
    for number in range(60):
        case = Case(
            case_ref=str(100800 + number * 7),
            team_id=team_ids[number % len(team_ids)],
            worker=f"SW{1000 + number % 17}",
        )
        session.add(case)
        cases.append(case)
    session.flush()
    summary.cases = len(cases)

    monthly = next((v for v in versions if v.kind == "monthly"), versions[0])
    monthly_q = questionnaire_of(monthly)
    auditors = [u for u in people.values() if u.role == "auditor"]
    used: set[int] = set()

    def pick_case(auditor: User) -> Case:
        choices = [c for c in cases if c.team_id != auditor.team_id and c.id not in used]
        case = rng.choice(choices)
        used.add(case.id)  # type: ignore[arg-type]
        return case

    # Submitted audits across the last twelve months.
    for months_ago in range(12, 0, -1):
        for auditor in auditors:
            if rng.random() < 0.2:
                continue
            case = pick_case(auditor)
            when = _months_before(today, months_ago) + timedelta(days=rng.randint(0, 20))
            _audit(
                session,
                rng,
                auditor,
                case,
                monthly.questionnaire_id,
                monthly_q,
                quality[case.team_id],
                submit_on=when,
            )
            summary.submitted += 1

    # A deep dive, and this month's allocations: some started, some not yet.
    deep = next((v for v in versions if v.kind == "deep_dive"), None)
    if deep is not None:
        auditor = people["auditor3"]
        case = pick_case(auditor)
        _audit(
            session,
            rng,
            auditor,
            case,
            deep.questionnaire_id,
            questionnaire_of(deep),
            quality[case.team_id],
            submit_on=_months_before(today, 1) + timedelta(days=3),
        )
        summary.submitted += 1
    due = month_end(today)
    for auditor in auditors:
        for n in range(2):
            case = pick_case(auditor)
            allocation = Allocation(
                case_id=case.id,  # type: ignore[arg-type]
                questionnaire_id=monthly.questionnaire_id,
                auditor_id=auditor.id,  # type: ignore[arg-type]
                due=due if n == 0 else _months_before(today, 0) - timedelta(days=1),
                created_by="demo seed",
            )
            session.add(allocation)
            session.flush()
            summary.allocations += 1
            if n == 0 and auditor.username in ("auditor", "auditor2"):
                audit = _audit(
                    session,
                    rng,
                    auditor,
                    case,
                    monthly.questionnaire_id,
                    monthly_q,
                    quality[case.team_id],
                    themes=1,
                )
                allocation.audit_id = audit.id
                session.add(allocation)
                summary.drafts += 1
    session.flush()
    _manage(session, rng, people, today, summary)
    return summary


def _manage(
    session: Session,
    rng: random.Random,
    people: dict[str, User],
    today: date,
    summary: DemoSummary,
) -> None:
    """The group manager's side: moderations, actions, the worker's voice, one open concern."""
    from audit_app.services import actions as action_service
    from audit_app.services import moderation as moderation_service

    manager = people["manager"]
    managed = frozenset(
        session.exec(select(ManagedService.service_id).where(ManagedService.user_id == manager.id))
    )
    boss = Actor(
        id=manager.id,
        username=manager.username,
        role=manager.role,
        managed_service_ids=managed,
    )
    audits = list(
        session.exec(
            select(Audit).where(Audit.status == SUBMITTED).order_by(col(Audit.submitted_at))
        )
    )
    in_managed = [
        a for a in audits if _service_of(session, a) in managed and a.auditor_id != manager.id
    ]

    # The manager pulls a few audits that were not sampled into moderation, as managers do.
    for audit in [a for a in in_managed if not a.moderation_due][::4]:
        moderation_service.request_moderation(audit.id, boss, session=session)  # type: ignore[arg-type]

    # Moderate the older audits that were due, leaving the newest in the queue; return one.
    due_for_moderation = [a for a in in_managed if a.moderation_due]
    to_moderate, queue = due_for_moderation[:-3], due_for_moderation[-3:]
    for audit in to_moderate:
        assert audit.id is not None and audit.submitted_at is not None
        moderation_service.start_moderation(audit.id, boss, session=session)
        view = moderation_service.load_for_manager(audit.id, boss, session=session)
        rows = [r for r in moderation_service.grade_rows(view, session=session) if r.moderatable]
        grades = view.questionnaire.grades
        posted: dict[str, str] = {}
        # About one moderation in three finds a theme graded too generously.
        themes = [r.key for r in rows if r.key != "overall" and r.auditor_grade != grades[-1]]
        regrade = rng.choice(themes) if themes and rng.random() < 0.35 else None
        for row in rows:
            grade = row.auditor_grade or grades[-1]
            if row.key == regrade:
                grade = grades[grades.index(grade) + 1]
                posted[f"rationale-{row.key}"] = GRADE_CHANGE_RATIONALE
            posted[f"grade-{row.key}"] = grade
        changed = regrade is not None
        moderation_service.save_grades(
            view, posted, view.audit.version, boss, session=session, blind=False
        )
        view = moderation_service.load_for_manager(audit.id, boss, session=session)
        moderation_service.complete(
            view,
            "grade_changed" if changed else "agreed",
            "",
            {},
            view.audit.version,
            boss,
            session=session,
        )
        moderated_on = min(
            audit.submitted_at + timedelta(days=rng.randint(2, 9)), utcnow() - timedelta(hours=2)
        )
        session.execute(
            update(Moderation)
            .where(col(Moderation.audit_id) == audit.id)
            .values(started_at=moderated_on, completed_at=moderated_on + timedelta(hours=1))
            .execution_options(synchronize_session=False)
        )
        summary.moderated += 1
        # Moderated audits from more than six months ago are finished with.
        if moderated_on.date() < _months_before(today, 6):
            moderation_service.close_audit(audit.id, boss, session=session)
            _set_closed_at(session, audit.id, moderated_on + timedelta(days=7))
    if queue:
        returned = queue[0]
        assert returned.id is not None
        moderation_service.start_moderation(returned.id, boss, session=session)
        view = moderation_service.load_for_manager(returned.id, boss, session=session)
        moderation_service.complete(
            view,
            "returned",
            "The planning theme says the plan is SMART, but the plan on file has no dates. "
            "Check it against the record and resubmit.",
            {},
            view.audit.version,
            boss,
            session=session,
        )

    # Actions, with owners and due dates a month after each audit; older ones mostly done.
    recent = [a for a in audits if a.status != RETURNED][-18:]
    for number, audit in enumerate(recent):
        assert audit.id is not None and audit.submitted_at is not None
        auditor = session.get(User, audit.auditor_id)
        assert auditor is not None
        actor = _actor(auditor)
        view = audit_service.load_audit(audit.id, actor, session=session)
        if view.audit.status == CLOSED:
            continue
        for_whom, description = ACTIONS[number % len(ACTIONS)]
        submitted_on = audit.submitted_at.date()
        due = submitted_on + timedelta(days=28)
        if number >= len(recent) - 4:
            due = today + timedelta(days=7 * (number % 4 + 1))  # agreed lately, not yet due
        action = action_service.add_action(
            view,
            description=description,
            for_whom=for_whom,
            owner=view.case.worker or "Allocated worker",
            due=(str(due.day), str(due.month), str(due.year)),
            actor=actor,
            session=session,
            today=submitted_on,
        )
        created = datetime.combine(submitted_on, time(11, 0), tzinfo=UTC)
        session.execute(
            update(Action)
            .where(col(Action.id) == action.id)
            .values(created_at=created)
            .execution_options(synchronize_session=False)
        )
        summary.actions += 1
        if due < today and rng.random() < 0.6:
            action_service.complete_action(
                action.id,  # type: ignore[arg-type]
                "Done and recorded on the case file; checked at supervision.",
                action.version,
                actor,
                session=session,
                today=today,
            )
            session.execute(
                update(Action)
                .where(col(Action.id) == action.id)
                .values(closed_at=created + timedelta(days=rng.randint(7, 27)))
                .execution_options(synchronize_session=False)
            )
        # The worker's voice, recorded a few days after the audit.
        if number % 2 == 0 and view.audit.status in VOICE_STATUSES:
            view = audit_service.load_audit(audit.id, actor, session=session)
            talked = min(submitted_on + timedelta(days=3), today)
            audit_service.record_voice(
                view,
                (str(talked.day), str(talked.month), str(talked.year)),
                "I can see the plan drifted after the last review; I will book the core group "
                "and update the chronology this month.",
                view.audit.version,
                actor,
                session=session,
                today=today,
            )

    # One open safeguarding concern in the manager's services, raised two days ago.
    candidates = [a for a in in_managed if a.status in (SUBMITTED, MODERATED)]
    if candidates:
        audit = candidates[-1]
        auditor = session.get(User, audit.auditor_id)
        assert auditor is not None and audit.id is not None
        view = audit_service.load_audit(audit.id, _actor(auditor), session=session)
        audit_service.raise_concern(
            view,
            "No recorded visit for nine weeks while the child is on a child protection plan; "
            "I have told the team manager.",
            _actor(auditor),
            session=session,
        )
        session.execute(
            update(SafeguardingConcern)
            .where(col(SafeguardingConcern.audit_id) == audit.id)
            .values(raised_at=utcnow() - timedelta(days=2))
            .execution_options(synchronize_session=False)
        )
        summary.concerns += 1
    session.flush()


def _service_of(session: Session, audit: Audit) -> int | None:
    return session.exec(
        select(Team.service_id)
        .join(Case, col(Case.team_id) == Team.id)
        .where(Case.id == audit.case_id)
    ).first()


def _set_closed_at(session: Session, audit_id: int, when: datetime) -> None:
    session.execute(
        update(Audit)
        .where(col(Audit.id) == audit_id)
        .values(closed_at=when)
        .execution_options(synchronize_session=False)
    )


def _actor(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, role=user.role)


def _audit(
    session: Session,
    rng: random.Random,
    auditor: User,
    case: Case,
    questionnaire_id: str,
    questionnaire: Questionnaire,
    strength: float,
    *,
    submit_on: date | None = None,
    themes: int | None = None,
) -> Audit:
    """Start an audit and answer it as an auditor would; submit it when a date is given."""
    actor = _actor(auditor)
    audit = audit_service.start_audit(questionnaire_id, case.case_ref, actor, session=session)
    view = audit_service.load_audit(audit.id, actor, session=session)  # type: ignore[arg-type]
    for theme in questionnaire.themes[:themes]:
        answers = {q.id: _answer(rng, q, strength, view.answers) for q in theme.questions}
        posted = {k: v for k, v in answers.items() if v}
        view = audit_service.load_audit(audit.id, actor, session=session)  # type: ignore[arg-type]
        audit_service.save_theme(view, theme.id, posted, view.audit.version, actor, session=session)
        view = audit_service.load_audit(audit.id, actor, session=session)  # type: ignore[arg-type]
        suggested = view.score.theme(theme.id).grade
        if suggested and submit_on is not None:
            grade, analysis = _judge(rng, questionnaire, suggested)
            audit_service.save_theme(
                view,
                theme.id,
                {q.id: view.answers.get(q.id, "") for q in theme.questions},
                view.audit.version,
                actor,
                session=session,
                judgement=(grade, analysis),
            )
    if submit_on is None:
        return audit
    view = audit_service.load_audit(audit.id, actor, session=session)  # type: ignore[arg-type]
    grade, analysis = _judge(rng, questionnaire, view.score.overall.grade or "")
    audit_service.save_overall_judgement(
        view, grade, analysis, view.audit.version, actor, session=session
    )
    view = audit_service.load_audit(audit.id, actor, session=session)  # type: ignore[arg-type]
    audit_service.submit(
        view,
        view.audit.version,
        actor,
        session=session,
        sampling=Sampling(rate=DEMO_SAMPLE_RATE, rng=rng),
    )
    _backdate(session, audit.id, datetime.combine(submit_on, time(10, 30), tzinfo=UTC))  # type: ignore[arg-type]
    return audit


def _answer(
    rng: random.Random, question: Question, strength: float, answers: dict[str, str]
) -> str:
    if question.type == "choice":
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
    if question.type == "date":
        return (utcnow().date() - timedelta(days=rng.randint(3, 90))).isoformat()
    if question.type == "number":
        return str(rng.randint(0, 6))
    return rng.choice(COMMENTS) if rng.random() < 0.6 else ""


def _judge(rng: random.Random, questionnaire: Questionnaire, suggested: str) -> tuple[str, str]:
    """Mostly the suggested grade; sometimes one band more generous, with an analysis."""
    grades = questionnaire.grades
    if suggested in grades and rng.random() < 0.15 and grades.index(suggested) > 0:
        better = grades[grades.index(suggested) - 1]
        return better, "The record understates the work done; the child's progress is clear."
    return (suggested or grades[-1]), (
        "" if suggested else "No scored answers, so judged on the record as a whole."
    )


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


def _months_before(today: date, months: int) -> date:
    """The first day of the month ``months`` before this one."""
    return add_months(month_start(today), -months)
