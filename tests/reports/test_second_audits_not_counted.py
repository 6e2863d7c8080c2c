"""A double-blind second audit never counts in the service's figures: the dashboard, the audits
behind its figures, the exports and the moderation queue are the same, byte for byte, before and
after a second audit of A2 (drawn, waiting, allocated by the QA lead to basil, then submitted
judged Good where A2 was judged Inadequate)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from audit_app.core.lifecycle import EXERCISE
from audit_app.db import session_scope
from audit_app.models import Audit
from audit_app.services import second_audits as second_service
from audit_app.services.second_audits import SecondAuditSettings
from tests.builders import ReportData, actor_for, report_audit
from tests.reports.conftest import SignInAs
from tests.reports.test_exercise_audits_not_counted import PAGES, _figures, _queue


def _second_audit_of_a2(app: Flask, report_data: ReportData) -> None:
    first = report_data.audits["A2"]
    amber, ada = actor_for(app, "amber"), actor_for(app, "ada")
    basil = actor_for(app, "basil")
    with session_scope(app) as session:
        audit = session.get(Audit, first)
        assert audit is not None
        always = SecondAuditSettings(rate=1.0, rng=random.Random(5))
        second_service.draw_on_submission(audit, "100002", amber, always, session=session)
    with session_scope(app) as session:
        # Nobody else audits Child Protection: it waits for the QA lead.
        assert [w.first_audit_id for w in second_service.waiting((), session=session)] == [first]
        second = second_service.assign(first, basil.person_id, ada, session=session)
        second_id = second.id
    report_audit(
        app,
        basil,
        "100002",
        {"voice": {"seen-alone": "yes"}, "planning": {"plan-smart": "yes"}},
        {"voice": "Good", "planning": "Good"},
        "Good",
        datetime(2026, 2, 11, 9, 0, tzinfo=UTC),
        existing=second_id,
    )
    with session_scope(app) as session:
        done = session.exec(select(Audit).where(Audit.second_of_id == first)).one()
        assert done.status == EXERCISE


def test_a_submitted_second_audit_leaves_every_figure_unchanged(
    app: Flask, report_data: ReportData, client: FlaskClient, signed_in_as: SignInAs
) -> None:
    signed_in_as("ada")
    before = _figures(client)
    client.post("/sign-out")
    signed_in_as("grace")
    queue_before = _queue(client)
    client.post("/sign-out")

    _second_audit_of_a2(app, report_data)

    signed_in_as("ada")
    after = _figures(client)
    client.post("/sign-out")
    signed_in_as("grace")
    assert _queue(client) == queue_before
    for page in PAGES:
        assert after[page] == before[page], page
