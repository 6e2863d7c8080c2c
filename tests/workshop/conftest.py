"""Fixtures for the workshop: a signed-in admin, two versions with a known difference, and
audits submitted through the auditor's services."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import func, select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import AuditEvent, QuestionnaireVersion


def count(app: Flask, model: type, *conditions: Any) -> int:
    with session_scope(app) as session:
        return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


def events(app: Flask, action: str, actor: str = "qa-lead") -> list[dict[str, Any]]:
    """The trail events of one kind by one person (the admin, unless named), oldest first."""
    with session_scope(app) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.actor == actor)
            .order_by(AuditEvent.id)
        )
        return [{"actor": e.actor, **json.loads(e.detail)} for e in rows]


def version_rows(app: Flask, questionnaire_id: str) -> list[QuestionnaireVersion]:
    with session_scope(app) as session:
        return list(
            session.exec(
                select(QuestionnaireVersion)
                .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
                .order_by(QuestionnaireVersion.version)
            )
        )


def state_field(page: str) -> str:
    """The questionnaire's state that a confirmation page carries in its form."""
    match = re.search(r'name="state" type="hidden" value="([^"]*)"', page)
    assert match, "no confirmation form on the page"
    return html.unescape(match.group(1))


def confirmed(client: FlaskClient, url: str) -> TestResponse:
    """Open a confirmation page (publish, retire, reinstate, discard) and confirm it."""
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(url, data={"state": state_field(page.get_data(as_text=True))})


@pytest.fixture
def admin(app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]) -> Flask:
    """The test client, signed in as an admin."""
    sign_in(make_user("qa-lead", "admin"))
    return app
