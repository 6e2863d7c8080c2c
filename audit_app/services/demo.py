"""Demonstration data for the embedded default database: a living system for a newcomer.

Everything is made through the same services that the pages and commands use, so the demo
audits are scored, judged and recorded in the trail exactly as real ones are. This module makes
the services, teams, people, cases, audits and allocations; ``demo_audits`` answers an audit as
an auditor would, and ``demo_managers`` adds the group manager's side (moderations, actions, the
worker's voice and a concern).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from audit_app import clock
from audit_app.core.dates import month_end
from audit_app.models import Allocation, Case, QuestionnaireVersion, Service, Team, User
from audit_app.services import accounts, demo_learning, demo_managers
from audit_app.services.audits import Actor
from audit_app.services.demo_audits import DemoQuestionnaire, audit_case, months_before
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

CASES = 60
# Who audits the deep dive, and who has already started this month's first allocation.
DEEP_DIVER = "auditor3"
DRAFTING = ("auditor", "auditor2")


class DemoRefused(Refused, RuntimeError):
    """The database already has data: the demo is only for an empty one."""


@dataclass
class DemoSummary:
    """What the demo made, for the command to report."""

    passwords: dict[str, tuple[str, str]] = field(default_factory=dict)  # username -> (role, pw)
    cases: int = 0
    allocations: int = 0
    submitted: int = 0
    drafts: int = 0
    moderated: int = 0
    actions: int = 0
    concerns: int = 0
    findings: int = 0


@dataclass
class Casebook:
    """The demo's cases, how strong each team's practice is, and which cases are taken."""

    cases: list[Case]
    strength: dict[int, float]  # team id -> how strong its practice is (0..1)
    taken: set[int] = field(default_factory=set)  # audited or allocated already

    def pick(self, rng: random.Random, auditor: User) -> Case:
        """A case from another team than the auditor's, neither audited nor allocated yet."""
        choices = [c for c in self.cases if c.team_id != auditor.team_id and c.id not in self.taken]
        case = rng.choice(choices)
        assert case.id is not None
        self.taken.add(case.id)
        return case

    def strength_of(self, case: Case) -> float:
        return self.strength[case.team_id]


def seed(*, session: Session, rng: random.Random, today: date | None = None) -> DemoSummary:
    """Fill an empty database with services, people, cases, allocations and audits."""
    _refuse_unless_empty(session)
    versions = _questionnaires(session)
    today = today or clock.today()
    summary = DemoSummary()
    strength = _services_and_teams(session)
    people = _people(session, summary)
    casebook = Casebook(cases=_cases(session, team_ids=list(strength)), strength=strength)
    summary.cases = len(casebook.cases)
    monthly = _monthly(versions)
    auditors = [u for u in people.values() if u.role == "auditor"]
    seeding = _Seeding(session, rng, casebook, today, summary)
    _a_year_of_audits(seeding, auditors, monthly)
    deep_dive = _deep_dive_questionnaire(versions)
    if deep_dive is not None:
        _deep_dive(seeding, people[DEEP_DIVER], deep_dive)
    _this_months_allocations(seeding, auditors, monthly)
    session.flush()
    summary.findings = demo_learning.tag_findings(session)
    work = demo_managers.manage(session, rng, people["manager"], today)
    summary.moderated = work.moderated
    summary.actions = work.actions
    summary.concerns = work.concerns
    return summary


def _refuse_unless_empty(session: Session) -> None:
    if session.exec(select(func.count()).select_from(User)).one():
        raise DemoRefused("The database already has users, so no demo data was added.")


def _questionnaires(session: Session) -> list[QuestionnaireVersion]:
    """The questionnaires new audits use; the demo needs them loaded."""
    versions = current_versions(session=session)
    if not versions:
        raise DemoRefused("Load the questionnaires first: flask --app wsgi questionnaires load")
    return versions


def _monthly(versions: list[QuestionnaireVersion]) -> DemoQuestionnaire:
    """The monthly case file audit (or, failing that, the first questionnaire)."""
    monthly = next((v for v in versions if v.kind == "monthly"), versions[0])
    return DemoQuestionnaire(monthly.questionnaire_id, questionnaire_of(monthly))


def _deep_dive_questionnaire(versions: list[QuestionnaireVersion]) -> DemoQuestionnaire | None:
    """The deep dive questionnaire, if one is loaded."""
    deep = next((v for v in versions if v.kind == "deep_dive"), None)
    if deep is None:
        return None
    return DemoQuestionnaire(deep.questionnaire_id, questionnaire_of(deep))


# --- services, teams, people and cases -------------------------------------------------------


def _services_and_teams(session: Session) -> dict[int, float]:
    """Every service and its teams; returns each team's strength of practice by team id."""
    strength: dict[int, float] = {}
    for service_name, teams in TEAMS.items():
        service = Service(name=service_name)
        session.add(service)
        session.flush()
        assert service.id is not None
        for team_name, team_strength in teams:
            team = Team(name=team_name, service_id=service.id)
            session.add(team)
            session.flush()
            assert team.id is not None
            strength[team.id] = team_strength
    return strength


def _people(session: Session, summary: DemoSummary) -> dict[str, User]:
    """One account for each of PEOPLE, with a new password each, kept in the summary."""
    people: dict[str, User] = {}
    for username, role, name, person_team, services in PEOPLE:
        password = _new_password()
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
    return people


def _new_password() -> str:
    """Three groups of six hexadecimal digits, random (not from the demo's seed)."""
    return "-".join(secrets.token_hex(3) for _ in range(3))


def _cases(session: Session, *, team_ids: list[int]) -> list[Case]:
    """CASES cases, dealt to the teams in turn, with a few workers each."""
    cases = []
    for number in range(CASES):
        case = Case(
            case_ref=str(100800 + number * 7),
            team_id=team_ids[number % len(team_ids)],
            worker=f"SW{1000 + number % 17}",
        )
        session.add(case)
        cases.append(case)
    session.flush()
    return cases


# --- audits and allocations ------------------------------------------------------------------


@dataclass
class _Seeding:
    """What every step of the seeding works with."""

    session: Session
    rng: random.Random
    casebook: Casebook
    today: date
    summary: DemoSummary

    def audit_allocated(
        self,
        allocation: Allocation,
        auditor: User,
        case: Case,
        questionnaire: DemoQuestionnaire,
        *,
        submit_on: date | None = None,
        themes: int | None = None,
    ) -> None:
        """The auditor's audit of the allocated case (``submit_on``, ``themes``: as for
        ``audit_case``)."""
        strength = self.casebook.strength_of(case)
        audit = audit_case(
            self.session,
            self.rng,
            auditor,
            case,
            questionnaire,
            strength,
            submit_on=submit_on,
            themes=themes,
        )
        allocation.audit_id = audit.id
        self.session.add(allocation)


def _a_year_of_audits(seeding: _Seeding, auditors: list[User], monthly: DemoQuestionnaire) -> None:
    """Submitted audits across the last twelve months: most auditors audit most months."""
    rng = seeding.rng
    for months_ago in range(12, 0, -1):
        for auditor in auditors:
            if rng.random() < 0.2:
                continue
            case = seeding.casebook.pick(rng, auditor)
            when = months_before(seeding.today, months_ago) + timedelta(days=rng.randint(0, 20))
            _allocated_audit(seeding, auditor, case, monthly, when)


def _deep_dive(seeding: _Seeding, auditor: User, deep_dive: DemoQuestionnaire) -> None:
    """One deep dive, submitted early last month."""
    case = seeding.casebook.pick(seeding.rng, auditor)
    submit_on = months_before(seeding.today, 1) + timedelta(days=3)
    _allocated_audit(seeding, auditor, case, deep_dive, submit_on)


def _allocated_audit(
    seeding: _Seeding,
    auditor: User,
    case: Case,
    questionnaire: DemoQuestionnaire,
    submit_on: date,
) -> None:
    """A submitted peer audit of another team's case, allocated to the auditor for the month it
    was submitted in: an auditor audits another service's case only on allocation."""
    allocation = _allocate(seeding.session, case, auditor, questionnaire, month_end(submit_on))
    seeding.audit_allocated(allocation, auditor, case, questionnaire, submit_on=submit_on)
    seeding.summary.submitted += 1


def _this_months_allocations(
    seeding: _Seeding, auditors: list[User], monthly: DemoQuestionnaire
) -> None:
    """Two allocations for each auditor: one due at the end of this month, one overdue since
    the end of last month. Some auditors have started their first (a draft), others not yet."""
    today = seeding.today
    due_dates = (month_end(today), months_before(today, 0) - timedelta(days=1))
    for auditor in auditors:
        for n, due in enumerate(due_dates):
            case = seeding.casebook.pick(seeding.rng, auditor)
            allocation = _allocate(seeding.session, case, auditor, monthly, due)
            seeding.summary.allocations += 1
            if n == 0 and auditor.username in DRAFTING:
                seeding.audit_allocated(allocation, auditor, case, monthly, themes=1)
                seeding.summary.drafts += 1


def _allocate(
    session: Session, case: Case, auditor: User, questionnaire: DemoQuestionnaire, due: date
) -> Allocation:
    """Allocate the case to the auditor, due on ``due``."""
    assert case.id is not None and auditor.id is not None
    allocation = Allocation(
        case_id=case.id,
        questionnaire_id=questionnaire.id,
        auditor_id=auditor.id,
        due=due,
        created_by="demo seed",
    )
    session.add(allocation)
    session.flush()
    return allocation
