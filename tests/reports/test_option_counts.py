"""Tick-all-that-apply answers counted per option over the report's audits: on the reports
page, in the options export and in the workbook (only where such a question exists)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from werkzeug.test import TestResponse

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
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

TOPICS = {
    "id": "topics",
    "type": "multi",
    "text": "What did the visit record cover?",
    "required": False,
    "options": [
        {"value": "wishes", "label": "The child's wishes"},
        {"value": "home", "label": "Home conditions"},
        {"value": "school", "label": "School"},
    ],
}


def _submit(app: Flask, case_ref: str, topics: str) -> int:
    """An audit of the case, its voice theme ticking ``topics`` (blank: none), submitted."""
    actor = actor_for(app, "auditor1")
    with app.app_context(), session_scope(app) as session:
        audit = audit_service.start_audit("journey-audit", case_ref, actor, session=session)
        assert audit.id is not None
        voice = {"seen-alone": "yes", "topics": topics}
        save_theme_judged_as_suggested(audit.id, "voice", voice, actor, session=session)
        planning = {"child-status": "cin", "plan-smart": "yes"}
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


@pytest.fixture
def ticked(
    app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> Flask:
    """Three submitted audits: one ticking wishes and home, one home, one leaving it blank;
    an admin signed in."""
    data = upgrade(journey_questionnaire())
    data["themes"][0]["items"].append(TOPICS)
    load_questionnaire(app, data)
    make_user("auditor1", "auditor", team="Child Protection 1")
    for case_ref, topics in (("100824", "wishes home"), ("100825", "home"), ("100826", "")):
        make_case(app, case_ref)
        _submit(app, case_ref, topics)
    sign_in(make_user("ada", "admin"))
    return app


def test_the_reports_page_counts_the_audits_ticking_each_option(
    ticked: Flask, client: FlaskClient
) -> None:
    """Two audits answered (the third left it blank): wishes 1 of 2, home 2 of 2, school 0."""
    page = text(client, "/reports/options")
    words = " ".join(re.sub(r"<[^>]+>", " ", page).split()).replace("&#39;", "'")
    assert "What did the visit record cover? (Journey audit, version 1): 2 audits answered" in words
    assert "The child's wishes 1 of 2 (50.0%)" in words
    assert "Home conditions 2 of 2 (100.0%)" in words
    assert "School 0 of 2 (0.0%)" in words
    assert "Tick-all-that-apply answers" in text(client, "/reports")


def test_the_options_export_has_a_row_per_option_with_its_counts(
    ticked: Flask, client: FlaskClient
) -> None:
    data = client.get("/reports/export/options.csv").get_data()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame.to_dict("records") == [
        {
            "questionnaire_id": "journey-audit",
            "questionnaire_version": "1",
            "theme_id": "voice",
            "question_id": "topics",
            "option_value": value,
            "option_label": label,
            "audits_ticking": count,
            "audits_answering": "2",
        }
        for value, label, count in (
            ("wishes", "The child's wishes", "1"),
            ("home", "Home conditions", "2"),
            ("school", "School", "0"),
        )
    ]


def test_the_workbook_has_the_options_sheet_when_a_multi_question_is_exported(
    ticked: Flask, client: FlaskClient
) -> None:
    book = load_workbook(io.BytesIO(client.get("/reports/export/workbook.xlsx").get_data()))
    assert book.sheetnames == [
        "audits",
        "themes",
        "compliance",
        "answers",
        "evidence",
        "options",
        "dictionary",
    ]
    assert [c.value for c in book["options"]["G"]][1:] == [1, 2, 0]
