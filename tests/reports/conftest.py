"""A small fixed data set whose report figures are worked out by hand in the tests.

Questionnaire ``report-audit``: theme ``voice`` (question ``seen-alone``, measure "Child seen
alone", and a free-text comment) and theme ``planning`` (``plan-smart``, weight 2 within its
theme). Bands: Outstanding 85, Good 65, Requires improvement 40, Inadequate 0. Version 2 adds the
measure "Plan SMART" to ``plan-smart`` and labels "not applicable" ``=N/A (not applicable)``.

=====  =======  ===========  =======  =====================  =========================  ========
audit  version  team         auditor  answers                computed / judged / mod.   status
=====  =======  ===========  =======  =====================  =========================  ========
A1     1        CP Team 1    amber    yes, yes               Outst. / Outst. / Outst.   moderated
A2     1        CP Team 2    amber    no, partly             Inadeq. / Inadeq. / -      submitted
A3     2        CIN Team A   basil    n/a, yes               Outst. / Good / -          submitted
A4     1        CP Team 1    basil    partly, no             Inadeq. / Inadeq. / -      returned
A5     1        CP Team 1    amber    yes, partly            Good / Outst. / RI         moderated
=====  =======  ===========  =======  =====================  =========================  ========

Submitted on 15 January (A1), 10 February (A2), 20 February (A3), 1 March (A4) and 5 March 2026
(A5). A3's voice theme is not graded (its only scored answer is not applicable).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlmodel import col, select

from audit_app.core.scoring import score_audit
from audit_app.db import session_scope
from audit_app.models import (
    Action,
    Allocation,
    Audit,
    AuditResult,
    Case,
    Moderation,
    User,
)
from audit_app.services import audits as audit_service
from audit_app.services import questionnaires as questionnaire_service
from audit_app.services.audits import Actor
from tests.factories import YES_PARTLY_NO, ensure_team, questionnaire_dict

PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}
QUESTIONNAIRE_ID = "report-audit"


def report_questionnaire(version: int) -> dict[str, Any]:
    data = questionnaire_dict(id=QUESTIONNAIRE_ID, title="Report audit", version=version)
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
    app: Flask
    audits: dict[str, int]
    users: dict[str, int]
    teams: dict[str, int]
    services: dict[str, int]


def _load(app: Flask, version: int) -> None:
    with app.app_context(), session_scope(app) as session:
        file = questionnaire_service.parse_file(
            f"v{version}.json", json.dumps(report_questionnaire(version))
        )
        questionnaire_service.load([file], session=session, loaded_by="test")


def _audit(
    app: Flask,
    actor: Actor,
    case_ref: str,
    answers: dict[str, dict[str, str]],
    judgements: dict[str, str],
    overall: str,
    submitted: datetime,
) -> int:
    """Answer, judge and submit an audit through the services, then date its submission."""
    with app.app_context(), session_scope(app) as session:
        audit = audit_service.start_audit(QUESTIONNAIRE_ID, case_ref, actor, session=session)
        audit_id = audit.id
        assert audit_id is not None
        for theme_id, posted in answers.items():
            view = audit_service.load_audit(audit_id, actor, session=session)
            judgement = judgements.get(theme_id)
            suggested = None
            if judgement is not None:
                suggested = (
                    score_audit(view.questionnaire, {**view.answers, **posted})
                    .theme(theme_id)
                    .grade
                )
            audit_service.save_theme(
                view,
                theme_id,
                posted,
                view.audit.version,
                actor,
                session=session,
                judgement=(
                    (judgement, "" if judgement == suggested else "Judged on the whole record.")
                    if judgement
                    else None
                ),
            )
        view = audit_service.load_audit(audit_id, actor, session=session)
        analysis = "" if overall == view.score.overall.grade else "The record understates it."
        audit_service.save_overall_judgement(
            view, overall, analysis, view.audit.version, actor, session=session
        )
        view = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.submit(view, view.audit.version, actor, session=session)
        session.execute(
            update(Audit).where(col(Audit.id) == audit_id).values(submitted_at=submitted)
        )
    return audit_id


def _moderate(app: Flask, audit_id: int, moderator_id: int, grade: str, judged: str) -> None:
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


def build_report_data(app: Flask, make_user: Any) -> ReportData:
    _load(app, 1)
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
    make_user("amber", "auditor", team="CIN Team A")
    make_user("basil", "auditor", team="CP Team 2")
    make_user("grace", "manager", services=("Child Protection",))
    make_user("ada", "admin")
    make_user("vera", "viewer")
    with session_scope(app) as session:
        users = {u.username: u.id for u in session.exec(select(User))}

    def actor(name: str) -> Actor:
        return Actor(id=users[name], username=name, role="auditor")  # type: ignore[arg-type]

    def day(month: int, number: int) -> datetime:
        return datetime(2026, month, number, 10, 30, tzinfo=UTC)

    yes = "yes"
    audits = {
        "A1": _audit(
            app,
            actor("amber"),
            "100001",
            {"voice": {"seen-alone": yes}, "planning": {"plan-smart": yes}},
            {"voice": "Outstanding", "planning": "Outstanding"},
            "Outstanding",
            day(1, 15),
        ),
        "A2": _audit(
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
        "A4": _audit(
            app,
            actor("basil"),
            "100004",
            {"voice": {"seen-alone": "partly"}, "planning": {"plan-smart": "no"}},
            {"voice": "Requires improvement", "planning": "Inadequate"},
            "Inadequate",
            day(3, 1),
        ),
        "A5": _audit(
            app,
            actor("amber"),
            "100005",
            {"voice": {"seen-alone": yes}, "planning": {"plan-smart": "partly"}},
            {"voice": "Outstanding", "planning": "Requires improvement"},
            "Outstanding",
            day(3, 5),
        ),
    }
    _load(app, 2)  # A3 is on the newer version; the others stay on version 1
    audits["A3"] = _audit(
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
    _moderate(app, audits["A1"], users["grace"], "Outstanding", "Outstanding")
    _moderate(app, audits["A5"], users["grace"], "Requires improvement", "Outstanding")
    with session_scope(app) as session:
        case_ids = {c.case_ref: c.id for c in session.exec(select(Case))}
        for ref, auditor, due, audit_key in [
            ("100001", "amber", date(2026, 1, 31), "A1"),
            ("100006", "amber", date(2026, 2, 28), None),
            ("100004", "basil", date(2026, 3, 31), "A4"),
        ]:
            session.add(
                Allocation(
                    case_id=case_ids[ref],
                    questionnaire_id=QUESTIONNAIRE_ID,
                    auditor_id=users[auditor],
                    due=due,
                    audit_id=audits[audit_key] if audit_key else None,
                )
            )
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


@pytest.fixture
def report_data(app: Flask, make_user: Any) -> ReportData:
    return build_report_data(app, make_user)


@pytest.fixture(autouse=True)
def _fresh_result_cache() -> None:
    """Each test's database restarts the trail's ids, so cached results must not carry over."""
    from audit_app.reporting.charts import _stacked
    from audit_app.reporting.database import RESULTS

    RESULTS.clear()
    _stacked.cache_clear()
