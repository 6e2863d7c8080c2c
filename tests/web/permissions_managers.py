"""Permission-matrix rows for the group managers' pages: moderation, actions, concerns, voice.

The world gains a submitted audit of another Child Protection case (due for moderation), an open
action on it and an unacknowledged safeguarding concern: ``{submitted}``, ``{action}`` and
``{concern}``.
"""

from __future__ import annotations

import random
from datetime import timedelta

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Case, SafeguardingConcern, Team, User, utcnow
from audit_app.services import actions as action_service
from audit_app.services import audits as audit_service
from audit_app.services.audits import Actor, Sampling

GOOD = {"seen-alone": "yes", "voice-comment": "Clear.", "child-status": "cin", "plan-smart": "yes"}


PEOPLE = (
    "anonymous",
    "auditor",
    "other_auditor",
    "manager_own",
    "manager_other",
    "viewer",
    "admin",
)


def _expect(default: str, **by_person: str) -> dict[str, str]:
    """Expected kinds: ``default`` for everyone signed in unless named; sign-in if anonymous."""
    kinds = {person: default for person in PEOPLE}
    kinds["anonymous"] = "sign-in"
    kinds.update(by_person)
    return kinds


def _rows() -> dict[str, list[tuple[str, str, dict[str, str]]]]:
    managers_of_the_service = _expect("forbidden", manager_own="ok", manager_other="missing")
    auditor_or_manager = _expect(
        "missing", auditor="ok", manager_own="ok", viewer="forbidden", admin="forbidden"
    )
    own_audit = _expect("missing", auditor="ok", viewer="forbidden", admin="forbidden")
    concern_readers = _expect("forbidden", manager_own="ok", manager_other="missing", admin="ok")
    return {
        "moderation.queue": [
            (
                "GET",
                "/moderation",
                _expect("forbidden", manager_own="ok", manager_other="ok", admin="ok"),
            )
        ],
        "moderation.request_moderation": [
            ("POST", "/moderation/audits/{submitted}/request", managers_of_the_service)
        ],
        "moderation.start": [
            ("POST", "/moderation/audits/{submitted}/start", managers_of_the_service)
        ],
        "moderation.grades": [
            ("GET", "/moderation/audits/{submitted}", managers_of_the_service),
            ("POST", "/moderation/audits/{submitted}", managers_of_the_service),
        ],
        "moderation.outcome": [
            ("GET", "/moderation/audits/{submitted}/outcome", managers_of_the_service),
            ("POST", "/moderation/audits/{submitted}/outcome", managers_of_the_service),
        ],
        "moderation.close": [
            ("POST", "/moderation/audits/{submitted}/close", managers_of_the_service)
        ],
        # Admins may acknowledge every concern; the safeguarding fallback (none here) those of
        # services without an active manager.
        "moderation.acknowledge": [
            ("GET", "/concerns/{concern}/acknowledge", concern_readers),
            ("POST", "/concerns/{concern}/acknowledge", concern_readers),
        ],
        "actions.index": [("GET", "/actions", _expect("ok", viewer="forbidden"))],
        "actions.new": [
            ("GET", "/audits/{submitted}/actions/new", auditor_or_manager),
            ("POST", "/audits/{submitted}/actions/new", auditor_or_manager),
        ],
        "actions.complete": [
            ("GET", "/actions/{action}/complete", auditor_or_manager),
            ("POST", "/actions/{action}/complete", auditor_or_manager),
        ],
        "actions.cancel": [("GET", "/actions/{action}/cancel", auditor_or_manager)],
        "audits.voice": [
            ("GET", "/audits/{submitted}/voice", own_audit),
            ("POST", "/audits/{submitted}/voice", own_audit),
        ],
    }


def extend_world(app: Flask, places: dict[str, object]) -> dict[str, object]:
    """A submitted audit due for moderation, with an open action and an open concern."""
    with app.app_context(), session_scope(app) as session:
        team = session.exec(select(Team).where(Team.name == "Child Protection 1")).one()
        session.add(Case(case_ref="100830", team_id=team.id))  # type: ignore[arg-type]
        user = session.exec(select(User).where(User.username == "auditor")).one()
        actor = Actor(id=user.id, username=user.username, role=user.role)  # type: ignore[arg-type]
        audit = audit_service.start_audit("journey-audit", "100830", actor, session=session)
        audit_id = audit.id
        assert audit_id is not None
        for theme in ("voice", "planning"):
            audit_file = audit_service.load_audit(audit_id, actor, session=session)
            questions = next(t for t in audit_file.questionnaire.themes if t.id == theme).questions
            posted = {q.id: GOOD.get(q.id, "") for q in questions}
            audit_service.save_theme(
                audit_file, theme, posted, audit_file.audit.version, actor, session=session
            )
            audit_file = audit_service.load_audit(audit_id, actor, session=session)
            audit_service.save_theme(
                audit_file,
                theme,
                posted,
                audit_file.audit.version,
                actor,
                session=session,
                judgement=(audit_file.score.theme(theme).grade or "", ""),
            )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.save_overall_judgement(
            audit_file,
            audit_file.score.overall.grade or "",
            "",
            audit_file.audit.version,
            actor,
            session=session,
        )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.submit(
            audit_file,
            audit_file.audit.version,
            actor,
            session=session,
            sampling=Sampling(rate=1.0, rng=random.Random(1)),
        )
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        tomorrow = utcnow().date() + timedelta(days=1)
        action = action_service.add_action(
            audit_file,
            description="Update the chronology.",
            for_whom="record",
            owner="SW1",
            due=(str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)),
            actor=actor,
            session=session,
            today=utcnow().date(),
        )
        audit_service.raise_concern(audit_file, "No visit for nine weeks.", actor, session=session)
        concern_id = session.exec(
            select(SafeguardingConcern.id).where(SafeguardingConcern.audit_id == audit_id)
        ).one()
    return {"submitted": audit_id, "action": action.id, "concern": concern_id}


ROWS = _rows()
