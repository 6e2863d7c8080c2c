"""A questionnaire whose overall grade is graded by judgement, or by the score alone: what
the auditor is asked, what is stored at submission, and what the export shows (no invented
percent, no suggested grade that was never given)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import Audit, AuditResult
from audit_app.services import audits as audit_service
from tests.builders import (
    actor_for,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    save_theme_judged_as_suggested,
    submit_audit,
)
from tests.steps import save_theme, text

DESCRIPTORS = ["Exemplary.", "Solid.", "Patchy.", "Unsafe."]


def overall_graded_by(graded_by: str) -> dict[str, Any]:
    """The journey questionnaire with its overall grade graded as given."""
    data = upgrade(journey_questionnaire())
    for band, descriptor in zip(data["grading"]["bands"], DESCRIPTORS, strict=True):
        band["descriptor"] = descriptor
    data["grading"]["overall"] = {"rule": "mean", "graded_by": graded_by}
    return data


@pytest.fixture
def setting(
    app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> Callable[[str], int]:
    """``setting(graded_by)``: the questionnaire loaded, a case, and a started audit with both
    themes answered (voice: seen alone, 100%; planning: plan not SMART, 0%) and judged as
    suggested, its auditor signed in; returns the audit's id."""

    def start(graded_by: str) -> int:
        load_questionnaire(app, overall_graded_by(graded_by))
        make_case(app)
        sign_in(make_user("auditor1", "auditor", team="Child Protection 1"))
        actor = actor_for(app, "auditor1")
        with app.app_context(), session_scope(app) as session:
            audit = audit_service.start_audit("journey-audit", "100824", actor, session=session)
            assert audit.id is not None
            for theme_id, posted in (
                ("voice", {"seen-alone": "yes"}),
                ("planning", {"child-status": "cin", "plan-smart": "no"}),
            ):
                save_theme_judged_as_suggested(audit.id, theme_id, posted, actor, session=session)
            return audit.id

    return start


def judge_overall(app: Flask, audit_id: int, grade: str, analysis: str) -> None:
    actor = actor_for(app, "auditor1")
    with app.app_context(), session_scope(app) as session:
        audit_file = audit_service.load_audit(audit_id, actor, session=session)
        audit_service.save_overall_judgement(
            audit_file, grade, analysis, audit_file.audit.version, actor, session=session
        )


def stored(app: Flask, audit_id: int) -> AuditResult:
    with session_scope(app) as session:
        result = session.exec(select(AuditResult).where(AuditResult.audit_id == audit_id)).one()
        session.expunge(result)
        return result


def exported(client: FlaskClient, audit_id: int) -> dict[str, str]:
    data = client.get("/reports/export/audits.csv").get_data()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    rows = frame[frame["audit_id"] == str(audit_id)].to_dict("records")
    assert len(rows) == 1
    return {str(k): str(v) for k, v in rows[0].items()}


def test_an_overall_grade_by_judgement_is_the_auditors_with_no_percent(
    app: Flask,
    setting: Callable[[str], int],
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
) -> None:
    """The themes' mean would be 50%, Requires improvement: graded by judgement, the page
    suggests nothing, the grade needs its analysis, and the auditor's Good is the grade."""
    audit_id = setting("judgement")
    page = text(client, f"/audits/{audit_id}/judgement")
    assert "Suggested overall grade" not in page
    assert "the answers suggest no overall grade" in page
    assert "Solid." in page  # the bands' descriptors beside the grades
    with pytest.raises(audit_service.FieldErrors) as refused:
        judge_overall(app, audit_id, "Good", "")
    assert "analysis" in refused.value.errors
    judge_overall(app, audit_id, "Good", "Plans are tracked, though not yet SMART.")
    submit_audit(app, audit_id, "auditor1")

    result = stored(app, audit_id)
    assert (result.percent, result.grade_computed, result.grade_judged) == (None, None, "Good")
    sign_in(make_user("ada", "admin"))
    row = exported(client, audit_id)
    assert row["overall_percent"] == ""
    assert row["overall_grade_computed"] == ""
    assert (row["overall_grade_judged"], row["overall_grade_final"]) == ("Good", "Good")


def test_an_overall_grade_by_the_score_asks_no_judgement(
    app: Flask,
    setting: Callable[[str], int],
    client: FlaskClient,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
) -> None:
    """Mean of 100% and 0%: 50%, Requires improvement, and that is the overall grade."""
    audit_id = setting("score")
    assert "Overall judgement" not in text(client, f"/audits/{audit_id}")
    assert client.get(f"/audits/{audit_id}/judgement").status_code == 404
    check = text(client, f"/audits/{audit_id}/check")
    assert "Record your overall judgement" not in check
    assert "Your overall judgement" not in check
    submit_audit(app, audit_id, "auditor1")

    result = stored(app, audit_id)
    assert (result.percent, result.grade_computed, result.grade_judged) == (
        50,
        "Requires improvement",
        None,
    )
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None and audit.overall_grade_judged is None
    sign_in(make_user("ada", "admin"))
    row = exported(client, audit_id)
    assert (row["overall_percent"], row["overall_grade_final"]) == ("50.0", "Requires improvement")
    assert row["overall_grade_judged"] == ""


def test_saving_the_last_theme_goes_to_check_when_no_overall_judgement_is_asked(
    app: Flask, setting: Callable[[str], int], client: FlaskClient
) -> None:
    audit_id = setting("score")
    saved = save_theme(
        client,
        app,
        audit_id,
        "planning",
        after_save="continue",
        **{"child-status": "cin", "plan-smart": "no", "__judgement": "Inadequate"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert saved.headers["Location"] == f"/audits/{audit_id}/check"
