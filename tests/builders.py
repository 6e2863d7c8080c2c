"""Builders of test data: users, teams, cases, questionnaires, audits, submitted audits, concerns.

Each builder is a plain function that writes what a test needs (through the services where the
app would, directly where a test needs a state the pages cannot reach, such as a back-dated
audit) and returns what the test uses next, usually a username or an id. Fixtures, in the
``conftest.py`` files, call these; tests may call them too.
"""

from __future__ import annotations

import copy
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from audit_app.core.scoring import score_audit
from audit_app.db import session_scope
from audit_app.models import (
    Action,
    Allocation,
    Audit,
    AuditResult,
    Case,
    ManagedService,
    Moderation,
    Organisation,
    QuestionnaireVersion,
    SafeguardingConcern,
    Service,
    Team,
    User,
    utcnow,
)
from audit_app.services import accounts, case_scope, mfa
from audit_app.services import audits as audit_service
from audit_app.services import calibration as calibration_service
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.accounts import find_user
from audit_app.services.audits import Actor, Sampling
from audit_app.services.second_audits import SecondAuditSettings

PASSWORD = "correct horse battery staple"

# Questionnaires and teams

YES_PARTLY_NO = [
    {"value": "yes", "label": "Yes, evidenced", "score": 2},
    {"value": "partly", "label": "Partly", "score": 1},
    {"value": "no", "label": "No", "score": 0},
    {"value": "not-applicable", "label": "Not applicable"},
]


FOUR_BANDS = [
    {"grade": "Outstanding", "min": 85},
    {"grade": "Good", "min": 65},
    {"grade": "Requires improvement", "min": 40},
    {"grade": "Inadequate", "min": 0},
]


def questionnaire_dict(**overrides: Any) -> dict[str, Any]:
    """A small, valid monthly questionnaire; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "format": "case-audit/1",
        "id": "test-audit",
        "version": 1,
        "title": "Test audit",
        "kind": "monthly",
        "grading": {"bands": copy.deepcopy(FOUR_BANDS), "overall": "mean"},
        "themes": [
            {
                "id": "voice",
                "title": "The child's voice",
                "questions": [
                    {
                        "id": "seen-alone",
                        "text": "Was the child seen alone?",
                        "help": "Look for a visit record that says so.",
                        "type": "choice",
                        "options": copy.deepcopy(YES_PARTLY_NO),
                        "compliance": "Child seen alone",
                    },
                    {"id": "voice-comment", "text": "Comment", "type": "text"},
                ],
            },
            {
                "id": "planning",
                "title": "Planning",
                "questions": [
                    {
                        "id": "plan-smart",
                        "text": "Is the plan SMART?",
                        "type": "choice",
                        "weight": 2,
                        "options": copy.deepcopy(YES_PARTLY_NO),
                    }
                ],
            },
        ],
    }
    data.update(overrides)
    return data


def write_questionnaire(folder: Path, name: str, data: dict[str, Any] | str) -> Path:
    """Write a questionnaire file (a dict as JSON, or raw text as it is)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), "utf-8")
    return path


def ensure_organisation(
    session: Session, name: str, *, kind: str = "police", mfa_required: bool = False
) -> Organisation:
    """The partner organisation called ``name``, created when missing (by default without
    two-factor authentication required, so that tests sign its people in with a password)."""
    found = session.exec(select(Organisation).where(Organisation.name == name)).first()
    if found is not None:
        return found
    organisation = Organisation(name=name, kind=kind, mfa_required=mfa_required)
    session.add(organisation)
    session.flush()
    return organisation


def ensure_team(
    session: Session, name: str, *, service: str, organisation_id: int | None = None
) -> Team:
    """The team called ``name`` in ``service``, created (with the service, of the organisation,
    by default the home one) when missing."""
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is not None:
        return team
    service_row = session.exec(select(Service).where(Service.name == service)).first()
    if service_row is None:
        service_row = Service(name=service, organisation_id=organisation_id)
        session.add(service_row)
        session.flush()
    team = Team(name=name, service_id=service_row.id)
    session.add(team)
    session.flush()
    return team


# People


def add_user(
    app: Flask,
    username: str = "auditor1",
    role: str = "auditor",
    *,
    team: str | None = None,
    services: tuple[str, ...] = (),
    password: str = PASSWORD,
    organisation: str | None = None,
) -> str:
    """Add a user (and the team or services it names) with ``password``; return the username.

    ``organisation``: a partner organisation's name (made when missing, see
    ``ensure_organisation``), whose user this is, with a team in its own service."""
    with app.app_context(), session_scope(app) as session:
        org_id = None
        if organisation:
            org_id = ensure_organisation(session, organisation).id
        default_service = f"{organisation} service" if organisation else "Children in Need"
        if team:
            ensure_team(session, team, service=default_service, organisation_id=org_id)
        for service in services:
            ensure_team(session, f"{service} team", service=service, organisation_id=org_id)
        accounts.create_user(
            username,
            password,
            role,
            session=session,
            actor=Actor.system("test"),
            team=team,
            services=services,
            organisation_id=org_id,
        )
    return username


# Two-factor authentication


def enrol(app: Flask, username: str) -> str:
    """Turn two-factor authentication on for a user, as enrolment would; return the secret."""
    # The step of the code used is recorded: the next code to sign in with is later_code's.
    with app.app_context(), session_scope(app) as session:
        user = find_user(username, session=session)
        assert user is not None
        secret = mfa.new_secret()
        codes = mfa.enable(
            user, secret, pyotp.TOTP(secret).now(), session=session, actor=Actor.system("test")
        )
        assert codes is not None
    return secret


def later_code(secret: str) -> str:
    """The app's code for the next 30-second step (the current one may have been used)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


# The auditor's journey: a questionnaire with a conditional question, a case, a started audit


def visits_questionnaire(roll_up: str = "all", **group: Any) -> dict[str, Any]:
    """Format 2: the small questionnaire with a repeating group of visits in its first theme
    (a date, whether the child was seen alone, scored and a compliance measure, and a note);
    keyword arguments replace the group's keys."""
    from audit_app.core.questionnaire import upgrade

    data = upgrade(questionnaire_dict(id="visits-audit", title="Visits audit"))
    data["themes"][0]["items"].append(
        {
            "repeat": {
                "id": "visits",
                "title": "Visit",
                "min": 1,
                "max": 4,
                "roll_up": roll_up,
                "items": [
                    {"guidance": "One visit by the social worker a repeat."},
                    {"id": "visit-date", "type": "date", "text": "Date of the visit"},
                    {
                        "id": "visit-seen-alone",
                        "type": "choice",
                        "text": "Was the child seen alone?",
                        "options": [
                            {"value": "yes", "label": "Yes", "score": 1},
                            {"value": "no", "label": "No", "score": 0},
                        ],
                        "compliance": "Child seen alone on visits",
                    },
                    {"id": "visit-note", "type": "text", "text": "What the visit found"},
                ],
                **group,
            }
        }
    )
    return data


def journey_questionnaire() -> dict[str, Any]:
    """Two themes; the second has a question shown only for children in care."""
    data = questionnaire_dict(id="journey-audit", title="Journey audit")
    data["themes"][1]["questions"] = [
        {
            "id": "child-status",
            "text": "What is the child's legal status?",
            "type": "choice",
            "options": [
                {"value": "cin", "label": "Child in need"},
                {"value": "cic", "label": "Child in care"},
            ],
        },
        {
            "id": "permanence-plan",
            "text": "Is there a permanence plan by the second review?",
            "type": "choice",
            "options": copy.deepcopy(YES_PARTLY_NO),
            "show_if": {"question": "child-status", "in": ["cic"]},
        },
        {
            "id": "plan-smart",
            "text": "Is the plan SMART?",
            "type": "choice",
            "weight": 2,
            "options": copy.deepcopy(YES_PARTLY_NO),
        },
        {"id": "last-visit", "text": "Date of the last visit", "type": "date", "required": False},
    ]
    return data


def load_questionnaire(app: Flask, data: Mapping[str, Any]) -> None:
    """Load a questionnaire given as a dict."""
    with app.app_context(), session_scope(app) as session:
        file = questionnaire_service.parse_file("test.json", json.dumps(data))
        questionnaire_service.load([file], session=session, loaded_by=Actor.system("test"))


def load_draft(app: Flask, data: Mapping[str, Any]) -> None:
    """Load a questionnaire given as a dict as a draft, as the workshop's upload does."""
    with app.app_context(), session_scope(app) as session:
        file = questionnaire_service.parse_file("draft.json", json.dumps(data))
        questionnaire_service.load(
            [file], session=session, loaded_by=Actor.system("test"), publish=False
        )


def make_case(
    app: Flask,
    ref: str = "100824",
    team: str = "Child Protection 1",
    subject: str = "case",
    service: str = "Child Protection",
) -> None:
    """Add a case (or a reference of another subject) in a team, of Child Protection unless
    another service is named."""
    with session_scope(app) as session:
        row = ensure_team(session, team, service=service)
        session.add(Case(case_ref=ref, team_id=row.id, subject=subject))


def start(client: FlaskClient, case_ref: str = "100824") -> int:
    """Start a journey audit of a case through the page; return its id."""
    response = client.post(
        "/audits/new", data={"questionnaire": "journey-audit", "case_id": case_ref}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


# Cases and allocations: questionnaires, audits stored directly, CSV files


def load_small_questionnaire(
    app: Flask, questionnaire_id: str = "test-audit", **overrides: Any
) -> int:
    """Load a small questionnaire; return the id of its stored version."""
    data = questionnaire_dict(id=questionnaire_id, **overrides)
    file = questionnaire_service.parse_file(f"{questionnaire_id}.json", json.dumps(data))
    with session_scope(app) as session:
        questionnaire_service.load([file], session=session, loaded_by=Actor.system("test"))
        row = session.exec(
            select(QuestionnaireVersion).where(
                QuestionnaireVersion.questionnaire_id == questionnaire_id
            )
        ).one()
        assert row.id is not None
        return row.id


def case_id(app: Flask, case_ref: str) -> int:
    """The stored id of a case."""
    with session_scope(app) as session:
        case = session.exec(select(Case).where(Case.case_ref == case_ref)).one()
        assert case.id is not None
        return case.id


def user_id(app: Flask, username: str) -> int:
    """The stored id of a user."""
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        assert user.id is not None
        return user.id


def add_audit(
    app: Flask,
    case_ref: str,
    auditor: str,
    version_id: int,
    *,
    created_at: datetime,
    submitted_at: datetime | None = None,
    status: str = "draft",
) -> int:
    """Store an audit of a case directly, with the given times."""
    with session_scope(app) as session:
        audit = Audit(
            case_id=case_id(app, case_ref),
            questionnaire_version_id=version_id,
            auditor_id=user_id(app, auditor),
            status=status,
            created_at=created_at,
            updated_at=submitted_at or created_at,
            submitted_at=submitted_at,
        )
        session.add(audit)
        session.flush()
        assert audit.id is not None
        return audit.id


def cases_csv(*rows: str, header: str = "case_id,service,team,worker") -> str:
    """A cases CSV file: the header, then each row."""
    return "\n".join((header, *rows)) + "\n"


# Audits completed and submitted through the services, for the managers' side

GOOD = {"seen-alone": "yes", "voice-comment": "Clear.", "child-status": "cin", "plan-smart": "yes"}


POOR = {"seen-alone": "no", "voice-comment": "Absent.", "child-status": "cin", "plan-smart": "no"}


def actor_for(app: Flask, username: str) -> Actor:
    """The services' view of a stored user, with the services they manage."""
    with session_scope(app) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        managed = frozenset(
            session.exec(select(ManagedService.service_id).where(ManagedService.user_id == user.id))
        )
        return Actor(
            id=user.id,  # type: ignore[arg-type]
            username=user.username,
            role=user.role,
            managed_service_ids=managed,
            organisation_id=user.organisation_id,
        )


def allocate_unless_in_reach(
    session: Session, actor: Actor, case_ref: str, questionnaire_id: str
) -> int | None:
    """Allocate the case to the auditor unless they may audit it already (their own service);
    return the new allocation's id."""
    if case_scope.case_to_audit(case_ref, actor, session=session, any_service=()) is not None:
        return None
    case = session.exec(select(Case).where(Case.case_ref == case_ref)).one()
    allocation = Allocation(
        case_id=case.id,  # type: ignore[arg-type]
        questionnaire_id=questionnaire_id,
        auditor_id=actor.person_id,
        due=utcnow().date() + timedelta(days=28),
        created_by="test",
    )
    session.add(allocation)
    session.flush()
    return allocation.id


def save_theme_judged_as_suggested(
    audit_id: int,
    theme: str,
    posted: dict[str, str],
    actor: Actor,
    *,
    session: Session,
    analysis: str = "",
) -> None:
    """Save a theme's answers, then save them again with the suggested grade as the auditor's
    judgement (and ``analysis``), as the theme page does."""
    audit_file = audit_service.load_audit(audit_id, actor, session=session)
    audit_service.save_theme(
        audit_file, theme, posted, audit_file.audit.version, actor, session=session
    )
    audit_file = audit_service.load_audit(audit_id, actor, session=session)
    suggested = audit_file.score.theme(theme).grade or ""
    audit_service.save_theme(
        audit_file,
        theme,
        posted,
        audit_file.audit.version,
        actor,
        session=session,
        judgement=(suggested, analysis),
    )


def complete_audit(
    app: Flask,
    username: str,
    case_ref: str = "100824",
    *,
    answers: dict[str, str] | None = None,
    overall: str | None = None,
) -> int:
    """Start and answer an audit, judging each theme and overall as suggested (or ``overall``).

    A case outside the auditor's service is allocated to them first, as the monthly peer audits
    are, so that they may audit it.
    """
    answers = answers or GOOD
    actor = actor_for(app, username)
    with app.app_context(), session_scope(app) as session:
        allocation_id = allocate_unless_in_reach(session, actor, case_ref, "journey-audit")
        audit = audit_service.start_audit(
            "journey-audit", case_ref, actor, session=session, allocation_id=allocation_id
        )
        audit_id = audit.id
        assert audit_id is not None
        for theme in ("voice", "planning"):
            audit_file = audit_service.load_audit(audit_id, actor, session=session)
            theme_obj = next(t for t in audit_file.questionnaire.themes if t.id == theme)
            posted = {q.id: answers.get(q.id, "") for q in theme_obj.questions}
            save_theme_judged_as_suggested(audit_id, theme, posted, actor, session=session)
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        if audit_file.questionnaire.grading.graded_by == "score":
            return audit_id  # no overall judgement is asked for
        grade = overall or audit_file.score.overall.grade or "Good"
        analysis = "" if grade == audit_file.score.overall.grade else "Judged on the whole record."
        audit_service.save_overall_judgement(
            audit_file, grade, analysis, audit_file.audit.version, actor, session=session
        )
    return audit_id


def submit_audit(
    app: Flask,
    audit_id: int,
    username: str,
    *,
    rate: float = 0.0,
    rng: random.Random | None = None,
) -> None:
    """Submit a completed audit, sampled for moderation at ``rate``."""
    actor = actor_for(app, username)
    with app.app_context(), session_scope(app) as session:
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.submit(
            audit_file,
            audit_file.audit.version,
            actor,
            session=session,
            sampling=Sampling(rate=rate, rng=rng or random.Random(1)),
        )


def submitted_audit(
    app: Flask,
    username: str = "auditor1",
    case_ref: str = "100824",
    *,
    answers: dict[str, str] | None = None,
    overall: str | None = None,
    rate: float = 0.0,
) -> int:
    """A submitted audit: due for moderation when judged Inadequate or ``rate`` is 1."""
    audit_id = complete_audit(app, username, case_ref, answers=answers, overall=overall)
    submit_audit(app, audit_id, username, rate=rate)
    return audit_id


def backdate_concerns(app: Flask, days: int) -> None:
    """Date every safeguarding concern ``days`` ago."""
    with session_scope(app) as session:
        session.execute(
            update(SafeguardingConcern)
            .values(raised_at=utcnow() - timedelta(days=days))
            .execution_options(synchronize_session=False)
        )


# The workshop: two versions with a known difference, audits judged as suggested

# Yes, partly and no, without "not applicable".
YES_PARTLY_NO_ONLY = [o for o in copy.deepcopy(YES_PARTLY_NO) if o.get("score") is not None]


SUPERVISION = [
    {"value": "yes", "label": "Yes, regular and reflective", "score": 3},
    {"value": "mostly", "label": "Mostly", "score": 2},
    {"value": "partly", "label": "Partly", "score": 1},
    {"value": "no", "label": "No", "score": 0},
]


def rescore_v1() -> dict[str, Any]:
    """Three themes: the child's voice (two questions), planning (weights 2 and 1), oversight."""
    data = questionnaire_dict(id="rescore-audit", title="Rescore audit")
    voice, planning = data["themes"]
    del voice["questions"][0]["help"]
    voice["questions"][1] = {
        "id": "wishes-recorded",
        "text": "Are the child's wishes recorded in their own words?",
        "type": "choice",
        "options": copy.deepcopy(YES_PARTLY_NO_ONLY),
    }
    planning["questions"][0]["options"] = copy.deepcopy(YES_PARTLY_NO_ONLY)
    planning["questions"].append(
        {
            "id": "plan-reviewed",
            "text": "Is the plan reviewed on time?",
            "type": "choice",
            "options": copy.deepcopy(YES_PARTLY_NO_ONLY),
        }
    )
    data["themes"].append(
        {
            "id": "oversight",
            "title": "Management oversight",
            "questions": [
                {
                    "id": "supervision",
                    "text": "Is there regular, reflective supervision?",
                    "type": "choice",
                    "options": copy.deepcopy(SUPERVISION),
                }
            ],
        }
    )
    return data


def rescore_v2() -> dict[str, Any]:
    """Version 2: plan-smart's weight 2 -> 1, wishes-recorded removed, Good from 65% to 70%."""
    data = rescore_v1()
    data["version"] = 2
    data["themes"][0]["questions"].pop(1)
    data["themes"][1]["questions"][0]["weight"] = 1
    data["grading"]["bands"][1]["min"] = 70
    return data


def audit_judged_as_suggested(
    app: Flask,
    case_ref: str,
    answers: Mapping[str, str],
    *,
    questionnaire_id: str = "rescore-audit",
    service: str = "Child Protection",
    team: str | None = None,
    auditor: str = "workshop-auditor",
    submitted_at: datetime | None = None,
    status: str = "submitted",
) -> int:
    """A new case's audit, submitted through the services with each theme judged as suggested
    (the case allocated to the auditor, who has no team, so that they may audit it)."""
    # A status other than "submitted" is set afterwards (moderation is another area); "draft"
    # stops before submission.
    team = team or f"{service} Team 1"
    with session_scope(app) as session:
        team_row = ensure_team(session, team, service=service)
        session.add(Case(case_ref=case_ref, team_id=team_row.id))
        user = session.exec(select(User).where(User.username == auditor)).first()
        if user is None:
            user = User(username=auditor, role="auditor")
            session.add(user)
            session.flush()
        actor = Actor(id=user.id, username=auditor, role="auditor")  # type: ignore[arg-type]
        allocation_id = allocate_unless_in_reach(session, actor, case_ref, questionnaire_id)
        audit = audit_service.start_audit(
            questionnaire_id, case_ref, actor, session=session, allocation_id=allocation_id
        )
        audit_id = audit.id
        assert audit_id is not None
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        for theme in audit_file.questionnaire.themes:
            posted = {q.id: answers.get(q.id, "") for q in theme.questions}
            merged = {**audit_file.answers, **{k: v for k, v in posted.items() if v}}
            grade = score_audit(audit_file.questionnaire, merged).theme(theme.id).grade
            audit_service.save_theme(
                audit_file,
                theme.id,
                posted,
                audit_file.audit.version,
                actor,
                session=session,
                judgement=(grade or "", ""),
            )
            audit_file = audit_service.load_audit(audit_id, actor, session=session)
        if status == "draft":
            return audit_id
        overall = audit_file.score.overall.grade
        audit_service.save_overall_judgement(
            audit_file,
            overall or audit_file.questionnaire.grades[0],
            "" if overall else "Checked by hand",
            audit_file.audit.version,
            actor,
            session=session,
        )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.submit(audit_file, audit_file.audit.version, actor, session=session)
        row = session.get(Audit, audit_id)
        assert row is not None
        if submitted_at is not None:
            row.submitted_at = submitted_at
        row.status = status
        session.add(row)
    return audit_id


def on(day: int, month: int = 3, year: int = 2026) -> datetime:
    """Midday on a day, in UTC."""
    return datetime(year, month, day, 12, tzinfo=UTC)


# The reports' small data set (its table is in tests/reports/conftest.py)

REPORT_QUESTIONNAIRE_ID = "report-audit"


def report_questionnaire(version: int) -> dict[str, Any]:
    """Version 1 or 2 of the reports' questionnaire."""
    data = questionnaire_dict(id=REPORT_QUESTIONNAIRE_ID, title="Report audit", version=version)
    data["themes"][0]["questions"][1]["id"] = "voice-comment"
    if version == 2:
        plan = data["themes"][1]["questions"][0]
        plan["compliance"] = "Plan SMART"
        seen = data["themes"][0]["questions"][0]
        seen["options"] = copy.deepcopy(YES_PARTLY_NO)
        seen["options"][3]["label"] = "=N/A (not applicable)"
    return data


@dataclass
class ReportData:
    """The reports' data set: its app and the ids of its audits, users, teams and services."""

    app: Flask
    audits: dict[str, int]
    users: dict[str, int]
    teams: dict[str, int]
    services: dict[str, int]


def load_report_questionnaire(app: Flask, version: int) -> None:
    """Load version 1 or 2 of the reports' questionnaire."""
    with app.app_context(), session_scope(app) as session:
        file = questionnaire_service.parse_file(
            f"v{version}.json", json.dumps(report_questionnaire(version))
        )
        questionnaire_service.load([file], session=session, loaded_by=Actor.system("test"))


def report_audit(
    app: Flask,
    actor: Actor,
    case_ref: str,
    answers: dict[str, dict[str, str]],
    judgements: dict[str, str],
    overall: str,
    submitted: datetime,
    allocation_id: int | None = None,
    questionnaire_id: str = REPORT_QUESTIONNAIRE_ID,
    *,
    exercise_id: int | None = None,
    existing: int | None = None,
    second: SecondAuditSettings | None = None,
) -> int:
    """Answer, judge and submit an audit through the services (for the allocation, or the
    calibration exercise, if one is given, or the ``existing`` audit, a second audit say),
    drawn for a second audit with ``second``, then date its submission."""
    with app.app_context(), session_scope(app) as session:
        if existing is not None:
            audit = audit_service.load_audit(existing, actor, session=session).audit
        elif exercise_id is not None:
            audit = calibration_service.start(exercise_id, actor, session=session)
        else:
            audit = audit_service.start_audit(
                questionnaire_id, case_ref, actor, session=session, allocation_id=allocation_id
            )
        audit_id = audit.id
        assert audit_id is not None
        for theme_id, posted in answers.items():
            audit_file = audit_service.load_audit(audit_id, actor, session=session)
            judgement = judgements.get(theme_id)
            suggested = None
            if judgement is not None:
                suggested = (
                    score_audit(audit_file.questionnaire, {**audit_file.answers, **posted})
                    .theme(theme_id)
                    .grade
                )
            audit_service.save_theme(
                audit_file,
                theme_id,
                posted,
                audit_file.audit.version,
                actor,
                session=session,
                judgement=(
                    (judgement, "" if judgement == suggested else "Judged on the whole record.")
                    if judgement
                    else None
                ),
            )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        analysis = "" if overall == audit_file.score.overall.grade else "The record understates it."
        audit_service.save_overall_judgement(
            audit_file, overall, analysis, audit_file.audit.version, actor, session=session
        )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.submit(
            audit_file, audit_file.audit.version, actor, session=session, second=second
        )
        session.execute(
            update(Audit).where(col(Audit.id) == audit_id).values(submitted_at=submitted)
        )
    return audit_id


def moderate_report_audit(
    app: Flask, audit_id: int, moderator_id: int, grade: str, judged: str
) -> None:
    """Record a moderation of an audit at ``grade`` (``judged`` is the auditor's grade)."""
    with session_scope(app) as session:
        session.add(
            Moderation(
                audit_id=audit_id,
                moderator_id=moderator_id,
                completed_at=datetime(2026, 3, 20, tzinfo=UTC),
                outcome="agreed" if grade == judged else "grade_changed",
                overall_grade=grade,
            )
        )
        result = session.get(AuditResult, audit_id)
        assert result is not None
        result.grade_moderated = grade
        session.add(result)
        session.execute(update(Audit).where(col(Audit.id) == audit_id).values(status="moderated"))


def _report_allocations(app: Flask, users: dict[str, int]) -> dict[str, int]:
    """The data set's allocations, made before its audits: A1's and A4's by audit, and one not
    started."""
    ids = {}
    with session_scope(app) as session:
        case_ids = {c.case_ref: c.id for c in session.exec(select(Case))}
        for ref, auditor, due, audit_key in [
            ("100001", "amber", date(2026, 1, 31), "A1"),
            ("100006", "amber", date(2026, 2, 28), None),
            ("100004", "basil", date(2026, 3, 31), "A4"),
        ]:
            allocation = Allocation(
                case_id=case_ids[ref],  # type: ignore[arg-type]
                questionnaire_id=REPORT_QUESTIONNAIRE_ID,
                auditor_id=users[auditor],
                due=due,
            )
            session.add(allocation)
            session.flush()
            if audit_key:
                ids[audit_key] = allocation.id
    return ids  # type: ignore[return-value]


def build_report_data(app: Flask, make_user: Callable[..., str]) -> ReportData:
    """The data set in the table of tests/reports/conftest.py."""
    load_report_questionnaire(app, 1)
    with session_scope(app) as session:
        teams = {
            "CP Team 1": ensure_team(session, "CP Team 1", service="Child Protection"),
            "CP Team 2": ensure_team(session, "CP Team 2", service="Child Protection"),
            "CIN Team A": ensure_team(session, "CIN Team A", service="Children in Need"),
        }
        team_ids = {name: team.id for name, team in teams.items()}
        service_ids = {
            "Child Protection": teams["CP Team 1"].service_id,
            "Children in Need": teams["CIN Team A"].service_id,
        }
        for ref, team in [
            ("100001", "CP Team 1"),
            ("100002", "CP Team 2"),
            ("100003", "CIN Team A"),
            ("100004", "CP Team 1"),
            ("100005", "CP Team 1"),
            ("100006", "CP Team 2"),
        ]:
            session.add(Case(case_ref=ref, team_id=team_ids[team]))
    # Each audits the cases of their own service, and basil a Child Protection case (A4's)
    # allocated to him.
    make_user("amber", "auditor", team="CP Team 2")
    make_user("basil", "auditor", team="CIN Team A")
    make_user("grace", "manager", services=("Child Protection",))
    make_user("ada", "admin")
    make_user("vera", "viewer")
    with session_scope(app) as session:
        users = {u.username: u.id for u in session.exec(select(User))}
    allocations = _report_allocations(app, users)

    def actor(name: str) -> Actor:
        return Actor(id=users[name], username=name, role="auditor")  # type: ignore[arg-type]

    def day(month: int, number: int) -> datetime:
        return datetime(2026, month, number, 10, 30, tzinfo=UTC)

    yes = "yes"
    audits = {
        "A1": report_audit(
            app,
            actor("amber"),
            "100001",
            {"voice": {"seen-alone": yes}, "planning": {"plan-smart": yes}},
            {"voice": "Outstanding", "planning": "Outstanding"},
            "Outstanding",
            day(1, 15),
            allocations["A1"],
        ),
        "A2": report_audit(
            app,
            actor("amber"),
            "100002",
            {
                "voice": {"seen-alone": "no", "voice-comment": '=HYPERLINK("http://x")'},
                "planning": {"plan-smart": "partly"},
            },
            {"voice": "Inadequate", "planning": "Requires improvement"},
            "Inadequate",
            day(2, 10),
        ),
        "A4": report_audit(
            app,
            actor("basil"),
            "100004",
            {"voice": {"seen-alone": "partly"}, "planning": {"plan-smart": "no"}},
            {"voice": "Requires improvement", "planning": "Inadequate"},
            "Inadequate",
            day(3, 1),
            allocations["A4"],
        ),
        "A5": report_audit(
            app,
            actor("amber"),
            "100005",
            {"voice": {"seen-alone": yes}, "planning": {"plan-smart": "partly"}},
            {"voice": "Outstanding", "planning": "Requires improvement"},
            "Outstanding",
            day(3, 5),
        ),
    }
    load_report_questionnaire(app, 2)  # A3 is on the newer version; the others stay on version 1
    audits["A3"] = report_audit(
        app,
        actor("basil"),
        "100003",
        {"voice": {"seen-alone": "not-applicable"}, "planning": {"plan-smart": yes}},
        {"planning": "Outstanding"},
        "Good",
        day(2, 20),
    )
    with session_scope(app) as session:
        session.execute(
            update(Audit).where(col(Audit.id) == audits["A4"]).values(status="returned")
        )
    moderate_report_audit(app, audits["A1"], users["grace"], "Outstanding", "Outstanding")
    moderate_report_audit(app, audits["A5"], users["grace"], "Requires improvement", "Outstanding")
    with session_scope(app) as session:
        for audit_key, due, status in [
            ("A1", date(2099, 1, 1), "open"),
            ("A2", date(2026, 2, 1), "open"),
            ("A5", date(2026, 3, 1), "done"),
        ]:
            session.add(
                Action(
                    audit_id=audits[audit_key],
                    description="Update the chronology",
                    owner="Team manager",
                    due=due,
                    status=status,
                    created_by_id=users["grace"],
                )
            )
    return ReportData(
        app=app,
        audits=audits,
        users=users,
        teams=team_ids,  # type: ignore[arg-type]
        services=service_ids,  # type: ignore[arg-type]
    )
