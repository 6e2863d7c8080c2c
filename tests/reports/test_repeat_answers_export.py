"""A repeating group's answers in the answers export: one row per repeat, the question's id
followed by "--" and the repeat's number, question by question in questionnaire order and each
question's repeats in turn; the group's count is no row, and the compliance export has the
group's question once, rolled up."""

from __future__ import annotations

import io
from collections.abc import Callable

import pandas as pd
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.services import audits as audit_service
from tests.builders import (
    actor_for,
    load_questionnaire,
    make_case,
    save_theme_judged_as_suggested,
    submit_audit,
    visits_questionnaire,
)


def _submitted(app: Flask) -> int:
    actor = actor_for(app, "auditor1")
    with app.app_context(), session_scope(app) as session:
        audit = audit_service.start_audit("visits-audit", "100824", actor, session=session)
        assert audit.id is not None
        voice = {
            "seen-alone": "yes",
            "visits": "2",
            "visit-date--1": "2026-03-02",
            "visit-date--2": "2026-03-16",
            "visit-seen-alone--1": "no",
            "visit-seen-alone--2": "yes",
            "visit-note--2": "Seen at school",
        }
        save_theme_judged_as_suggested(audit.id, "voice", voice, actor, session=session)
        planning = {"plan-smart": "yes"}
        save_theme_judged_as_suggested(audit.id, "planning", planning, actor, session=session)
        audit_file = audit_service.load_audit(audit.id, actor, session=session)
        grade = audit_file.score.overall.grade
        assert grade is not None
        audit_service.save_overall_judgement(
            audit_file, grade, "", audit_file.audit.version, actor, session=session
        )
        audit_id = audit.id
    submit_audit(app, audit_id, "auditor1")
    return audit_id


def test_each_repeat_is_a_row_of_the_answers_export(
    app: Flask,
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
) -> None:
    load_questionnaire(app, visits_questionnaire(roll_up="any"))
    make_user("auditor1", "auditor", team="Child Protection 1")
    make_case(app)
    _submitted(app)
    sign_in(make_user("ada", "admin"))
    data = client.get("/reports/export/answers.csv").get_data()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rows = list(zip(frame["question_id"], frame["value"], frame["score"], strict=True))
    assert rows == [
        ("seen-alone", "yes", "2"),
        ("visit-date--1", "2026-03-02", ""),
        ("visit-date--2", "2026-03-16", ""),
        ("visit-seen-alone--1", "no", "0"),
        ("visit-seen-alone--2", "yes", "1"),
        ("visit-note--2", "Seen at school", ""),
        ("plan-smart", "yes", "2"),
    ]
    data = client.get("/reports/export/compliance.csv").get_data()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert dict(zip(frame["question_id"], frame["compliant"], strict=True)) == {
        "seen-alone": "yes",
        "visit-seen-alone": "yes",
    }
