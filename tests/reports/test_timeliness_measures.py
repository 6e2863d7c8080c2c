"""Timeliness measures from submission to the reports: the audit date is the council's day of
submission (here the night the clocks go back, 00:30 British Summer Time on Sunday 25 October
2026, which is still 24 October in UTC); the results are stored with the audit's other
compliance answers, and reach its summary, the dashboard and the compliance export."""

from __future__ import annotations

import html as html_lib
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import time_machine
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import ComplianceResult
from tests.builders import journey_questionnaire, load_questionnaire, make_case, submitted_audit
from tests.steps import text

REVIEW = {"id": "review-date", "text": "Date the plan is next reviewed", "type": "date"}
TIMELINESS = [
    {
        "id": "visit-in-time",
        "measure": "Visited within 4 weeks",
        "rule": {"at_most_weeks_before_audit": 4, "date": "last-visit"},
        "source": "Local visiting standard, section 2",
    },
    {
        "id": "review-in-date",
        "measure": "Plan review not overdue",
        "rule": {"not_expired_at_audit": True, "date": "review-date"},
    },
]
# 00:30 on Sunday 25 October 2026 in England (British Summer Time ends at 01:00 UTC that day).
SUBMITTED = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
ANSWERS = {
    "seen-alone": "yes",
    "voice-comment": "Clear.",
    "child-status": "cin",
    "plan-smart": "yes",
    # 4 weeks before 25 October is 27 September: met. (From 24 October it would be 26.)
    "last-visit": "2026-09-27",
    # Reviewed by 24 October: expired on 25 October (not on 24 October, the UTC date).
    "review-date": "2026-10-24",
}


def timed_questionnaire() -> dict[str, Any]:
    data = upgrade(journey_questionnaire())
    data["themes"][1]["items"].append(REVIEW)
    data["themes"][1]["timeliness"] = TIMELINESS
    return data


def _words(page: str) -> str:
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


def _submitted(app: Flask, make_user: Callable[..., str]) -> int:
    load_questionnaire(app, timed_questionnaire())
    make_case(app)
    make_user("auditor1", "auditor", team="Child Protection 1")
    with time_machine.travel(SUBMITTED, tick=False):
        return submitted_audit(app, answers=ANSWERS)


def test_results_are_stored_at_submission_with_the_uk_date_as_the_audit_date(
    app: Flask, make_user: Callable[..., str]
) -> None:
    audit_id = _submitted(app, make_user)
    with session_scope(app) as session:
        rows = session.exec(select(ComplianceResult).where(ComplianceResult.audit_id == audit_id))
        stored = sorted((r.question_id, r.theme_id, r.measure, r.value, r.compliant) for r in rows)
    assert stored == [
        ("review-in-date", "planning", "Plan review not overdue", "not-met", False),
        ("seen-alone", "voice", "Child seen alone", "yes", True),
        ("visit-in-time", "planning", "Visited within 4 weeks", "met", True),
    ]


def test_the_summary_explains_each_result_as_of_the_submission(
    app: Flask,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
    client: FlaskClient,
) -> None:
    audit_id = _submitted(app, make_user)
    # Read weeks later: the audit date stays the day it was submitted.
    with time_machine.travel(datetime(2026, 12, 31, 12, tzinfo=UTC), tick=False):
        sign_in("auditor1")
        words = _words(text(client, f"/audits/{audit_id}"))
    assert (
        "Timeliness: Visited within 4 weeks Met: 27 September 2026, due from 27 September 2026 "
        "to the audit date, 25 October 2026."
    ) in words
    assert (
        "Timeliness: Plan review not overdue Not met: 24 October 2026, before the audit date, "
        "25 October 2026: expired."
    ) in words
    assert "Visited within 4 weeks Met" in words  # in the recording compliance table too


def test_the_dashboard_and_the_export_count_the_results(
    app: Flask,
    make_user: Callable[..., str],
    sign_in: Callable[..., TestResponse],
    client: FlaskClient,
    runner: FlaskCliRunner,
    tmp_path: Path,
) -> None:
    _submitted(app, make_user)
    sign_in(make_user("ada", "admin"))
    dashboard = text(client, "/reports?from=2026-10-01&to=2026-10-31")
    table = dashboard[dashboard.index('id="table-compliance"') :]
    table = _words(table[: table.index("</table>")])
    assert "Plan review not overdue 0 of 1 (0.0%) 1 answers not compliant" in table
    assert "Visited within 4 weeks 1 of 1 compliant answers, Visited within 4 weeks (100.0%) 0" in (
        table
    )

    out = tmp_path / "compliance.csv"
    result = runner.invoke(
        args=[
            "export",
            "compliance",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.BytesIO(out.read_bytes()), encoding="utf-8-sig", dtype=str)
    rows = sorted(
        zip(
            frame["question_id"],
            frame["answer"],
            frame["compliant"],
            frame["answer_value"],
            strict=True,
        )
    )
    assert rows == [
        ("review-in-date", "Not met", "no", "not-met"),
        ("seen-alone", "Yes, evidenced", "yes", "yes"),
        ("visit-in-time", "Met", "yes", "met"),
    ]
