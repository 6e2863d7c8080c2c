"""The demo seed shows the managers' side too: moderations, actions and an open concern."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import col, select

from audit_app.db import session_scope
from audit_app.models import Action, Audit, Moderation, SafeguardingConcern, utcnow


def test_the_demo_has_moderations_actions_and_an_open_concern(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert runner.invoke(args=["questionnaires", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    today = utcnow().date()
    with session_scope(app) as session:
        outcomes = list(
            session.exec(select(Moderation.outcome).where(col(Moderation.outcome).is_not(None)))
        )
        statuses = list(session.exec(select(Audit.status)))
        actions = list(session.exec(select(Action)))
        concerns = list(session.exec(select(SafeguardingConcern)))
        queued = list(
            session.exec(
                select(Audit).where(Audit.status == "submitted", col(Audit.moderation_due))
            )
        )
    assert {"agreed", "grade_changed", "returned"} <= set(outcomes)
    assert {"moderated", "closed", "returned"} <= set(statuses)
    assert queued, "some audits are left waiting in the moderation queue"
    open_actions = [a for a in actions if a.status == "open"]
    assert any(a.due < today for a in open_actions), "an overdue action"
    assert any(a.due >= today for a in open_actions), "an action not yet due"
    assert any(a.status == "done" and a.completion_note for a in actions)
    assert [c.acknowledged_at for c in concerns] == [None]
