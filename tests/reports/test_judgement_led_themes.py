"""A submitted audit with a theme graded by judgement: its results carry the auditor's grade
and no percent, and the dashboard invents none for it."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import AuditResult, ThemeResult
from audit_app.services import audits as audit_service
from tests.builders import (
    actor_for,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    save_theme_judged_as_suggested,
    submit_audit,
)
from tests.steps import text

DESCRIPTORS = ["Exemplary.", "Solid.", "Patchy.", "Unsafe."]


def _submit_with_voice_judged(app: Flask, grade: str) -> int:
    actor = actor_for(app, "auditor1")
    with app.app_context(), session_scope(app) as session:
        audit = audit_service.start_audit("journey-audit", "100824", actor, session=session)
        audit_id = audit.id
        assert audit_id is not None
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.save_theme(
            audit_file,
            "voice",
            {"seen-alone": "no", "voice-comment": "Seen with mother only."},
            audit_file.audit.version,
            actor,
            session=session,
            judgement=(grade, "The child was not seen alone; her views are recorded."),
        )
        posted = {"child-status": "cin", "plan-smart": "yes"}
        save_theme_judged_as_suggested(audit_id, "planning", posted, actor, session=session)
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        overall = audit_file.score.overall.grade
        assert overall is not None
        audit_service.save_overall_judgement(
            audit_file, overall, "", audit_file.audit.version, actor, session=session
        )
    submit_audit(app, audit_id, "auditor1")
    return audit_id


def test_a_theme_graded_by_judgement_is_stored_and_reported_without_a_percent(
    app: Flask,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
    client: FlaskClient,
) -> None:
    data = upgrade(journey_questionnaire())
    for band, descriptor in zip(data["grading"]["bands"], DESCRIPTORS, strict=True):
        band["descriptor"] = descriptor
    data["themes"][0]["graded_by"] = "judgement"
    data["grading"]["overall"] = "lowest"
    load_questionnaire(app, data)
    make_case(app)
    make_user("auditor1", "auditor", team="Child Protection 1")
    audit_id = _submit_with_voice_judged(app, "Requires improvement")

    with session_scope(app) as session:
        themes = {
            t.theme_id: t
            for t in session.exec(select(ThemeResult).where(ThemeResult.audit_id == audit_id))
        }
        overall = session.exec(select(AuditResult).where(AuditResult.audit_id == audit_id)).one()
    voice, planning = themes["voice"], themes["planning"]
    assert (voice.percent, voice.grade_computed, voice.grade_judged) == (
        None,
        None,
        "Requires improvement",
    )
    assert planning.percent == 100 and planning.grade_computed == "Outstanding"
    # "lowest" reads the judged grade of the theme graded by judgement.
    assert (overall.percent, overall.grade_computed) == (100, "Requires improvement")

    sign_in(make_user("ada", "admin"))
    dashboard = text(client, "/reports")
    cells = re.findall(
        r'<td[^>]*data-label="The child&#39;s voice">(.*?)</td>', dashboard, flags=re.DOTALL
    )
    assert len(cells) == 2  # the team's row and all teams
    for cell in cells:
        words = " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        assert "%" not in words  # no percent is invented for it
        # "Graded by judgement", then the words only screen readers get.
        assert words.startswith("Graded by judgement : no percent")
        assert "0 of 1 Good or better" in words  # its judged grade is counted
