"""The independent auditor's blind re-audit: a second audit of the assigned audit, their own;
before they submit it, nothing they are given shows the first audit's answers, grades, analysis
or auditor; once submitted, they may read the first audit. It never counts in the figures."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from audit_app.db import session_scope
from audit_app.models import Audit, AuditEvent, AuditResult
from tests.independent.conftest import (
    FIRST_ANALYSIS,
    assign,
    complete_and_submit,
    re_audit,
    sign_in,
)

# What would give the first audit away: its auditor, her analysis.
FIRST_AUDIT_SIGNS = ("amber", FIRST_ANALYSIS)


def test_the_re_audit_is_a_second_audit_of_the_same_questionnaire_version(
    app: Flask, people: dict[str, str], first: int
) -> None:
    assign(app, [first])
    indy = sign_in(app, "indy", people["indy"])
    mine = re_audit(app, indy, first)
    assert re_audit(app, indy, first) == mine  # carrying on, not a second one
    with session_scope(app) as session:
        theirs, original = session.get(Audit, mine), session.get(Audit, first)
        assert theirs is not None and original is not None
        assert theirs.second_of_id == first
        assert theirs.questionnaire_version_id == original.questionnaire_version_id
        assert theirs.case_id == original.case_id
        assert session.exec(
            select(AuditEvent).where(AuditEvent.action == "independent.re_audit_started")
        ).one()


def test_nothing_the_independent_auditor_opens_before_submitting_shows_the_first_audit(
    app: Flask, people: dict[str, str], first: int
) -> None:
    assign(app, [first])
    indy = sign_in(app, "indy", people["indy"])
    mine = re_audit(app, indy, first)
    pages = [
        "/",
        f"/audits/{mine}",
        f"/audits/{mine}/themes/voice",
        f"/audits/{mine}/themes/planning",
        f"/audits/{mine}/judgement",
        f"/audits/{mine}/check",
        f"/audits/{mine}/history",
        f"/audits/{mine}/concern",
    ]
    for url in pages:
        response = indy.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert not [sign for sign in FIRST_AUDIT_SIGNS if sign in text], url
    # The first audit itself, its record and its challenge page: not found.
    for url in (
        f"/audits/{first}",
        f"/audits/{first}/history",
        f"/independent/audits/{first}",
        f"/independent/audits/{first}/challenge",
    ):
        assert indy.get(url).status_code in (403, 404), url


def test_once_submitted_the_first_audit_can_be_read_and_the_re_audit_counts_nowhere(
    app: Flask, people: dict[str, str], first: int
) -> None:
    assign(app, [first])
    indy = sign_in(app, "indy", people["indy"])
    mine = re_audit(app, indy, first)
    with session_scope(app) as session:
        before = session.get(AuditResult, first)
        assert before is not None
        grade_before = before.grade_judged
    complete_and_submit(app, mine)
    page = indy.get(f"/independent/audits/{first}").get_data(as_text=True)
    assert FIRST_ANALYSIS in page and "amber" not in page
    assert "Record a challenge" in page
    with session_scope(app) as session:
        theirs = session.get(Audit, mine)
        assert theirs is not None and theirs.status == "exercise"
        assert session.get(AuditResult, mine) is None  # never in the figures
        after = session.get(AuditResult, first)
        assert after is not None and after.grade_judged == grade_before


def test_the_independent_auditor_sees_no_reports_moderation_or_admin(
    app: Flask, people: dict[str, str], first: int
) -> None:
    indy = sign_in(app, "indy", people["indy"])
    for url in ("/reports", "/moderation", "/admin/users", "/audits/new", "/actions"):
        assert indy.get(url).status_code == 403, url
    assert indy.get(f"/audits/{first}").status_code == 404
