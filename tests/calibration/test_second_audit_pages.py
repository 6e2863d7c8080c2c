"""Second audits on the pages, on SQLite and PostgreSQL: the second auditor opens every page and
download they can (their home page, their audit's pages, the reports and exports) and finds
nothing of the first audit: not its answers, grades or analysis, not its auditor, not a link to
it; its own pages answer 404. The submitted second audit leaves every figure unchanged, and the
agreement page shows the pair."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Audit, AuditEvent
from audit_app.services.second_audits import SecondAuditSettings
from tests.builders import actor_for, report_audit
from tests.conftest import AuthActions

WHEN = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ALWAYS = SecondAuditSettings(rate=1.0, rng=random.Random(3))
PERIOD = "from=2026-01-01&to=2026-12-31"
FIRST_ANALYSIS = "Amber's reading: the plan is drift."


def _pair(app: Flask) -> tuple[int, int]:
    """Amber's audit of 100824 (judged Inadequate, with her analysis) and basil's second audit."""
    first = report_audit(
        app,
        actor_for(app, "amber"),
        "100824",
        {"voice": {"seen-alone": "no"}, "planning": {"plan-smart": "no"}},
        {"voice": "Inadequate", "planning": "Inadequate"},
        "Inadequate",
        WHEN,
        second=ALWAYS,
    )
    with session_scope(app) as session:
        row = session.get(Audit, first)
        assert row is not None
        row.overall_analysis = FIRST_ANALYSIS
        session.add(row)
        second = session.exec(select(Audit).where(Audit.second_of_id == first)).one()
        assert second.id is not None
        return first, second.id


def _text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def _seen_by_the_second_auditor(client: FlaskClient, second: int) -> dict[str, str]:
    pages = [
        "/",
        f"/audits/{second}",
        f"/audits/{second}/history",
        f"/audits/{second}/themes/voice",
        f"/audits/{second}/themes/planning",
        f"/audits/{second}/judgement",
        f"/audits/{second}/check",
        "/actions",
        f"/reports?{PERIOD}",
        f"/reports/audits?{PERIOD}",
        f"/reports/paper?{PERIOD}",
        *(f"/reports/export/{kind}.csv?{PERIOD}" for kind in ("audits", "themes", "answers")),
        f"/reports/export/compliance.csv?{PERIOD}",
    ]
    shown = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        shown[page] = _text(response)
    return shown


def test_the_second_auditor_sees_nothing_of_the_first_audit(
    app: Flask, people: None, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    first, second = _pair(app)
    sign_in("basil")
    for page, text in _seen_by_the_second_auditor(client, second).items():
        assert "amber" not in text.lower(), page
        assert FIRST_ANALYSIS not in text, page
        assert not re.search(rf"/audits/{first}\b", text), page
        assert not re.search(rf"^{first},", text, re.MULTILINE), page
    for page in (
        f"/audits/{first}",
        f"/audits/{first}/history",
        f"/audits/{first}/record",
        f"/audits/{first}/record.pdf",
    ):
        assert client.get(page).status_code == 404, page
    # The grades offered on the judgement page are the scale, never the first audit's.
    judgement = _text(client.get(f"/audits/{second}/judgement"))
    assert FIRST_ANALYSIS not in judgement


def test_the_first_auditor_and_the_manager_cannot_open_the_second_audit(
    app: Flask, people: None, client: FlaskClient, auth: AuthActions
) -> None:
    first, second = _pair(app)
    auth.sign_in("amber")
    for name in ("amber", "grace"):
        auth.switch(name)
        assert client.get(f"/audits/{second}").status_code == 404, name
        assert client.get(f"/audits/{first}").status_code == 200, name


def test_the_agreement_page_counts_the_pair_once_the_second_is_submitted(
    app: Flask,
    people: None,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., str],
) -> None:
    make_user("hugo", "manager", services=("Children in Need",))
    _first, second = _pair(app)
    auth.sign_in("ada")
    assert "over 0 double-blind second audits" in _text(client.get("/calibration/agreement"))
    report_audit(
        app,
        actor_for(app, "basil"),
        "100824",
        {"voice": {"seen-alone": "no"}, "planning": {"plan-smart": "partly"}},
        {"voice": "Inadequate", "planning": "Requires improvement"},
        "Requires improvement",
        WHEN,
        existing=second,
    )
    page = _text(client.get("/calibration/agreement"))
    assert "over 1 double-blind second audit (each" in page
    # One pair is one unit per theme: too few to show a figure.
    assert "Too few to say: fewer than 10 units" in page
    auth.switch("grace")
    assert "over 1 double-blind second audit (each" in _text(client.get("/calibration/agreement"))
    auth.switch("hugo")  # another service's manager: not this pair
    assert "over 0 double-blind second audits" in _text(client.get("/calibration/agreement"))
    download = client.get("/calibration/agreement.csv")
    assert download.status_code == 200
    assert download.get_data(as_text=True).startswith("\ufeffsection,item,level,units")
    with session_scope(app) as session:
        (exported,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "report.exported")
        ).all()
        assert '"agreement"' in (exported.detail or "")
