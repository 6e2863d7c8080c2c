"""Fixtures for the auditor's journey: a questionnaire, a case and a signed-in auditor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Audit
from tests.builders import journey_questionnaire, load_questionnaire, make_case


@pytest.fixture
def journey(
    app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> Flask:
    """An auditor signed in, with a case of their team and the journey questionnaire loaded."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app)
    sign_in(make_user("auditor1", "auditor", team="Child Protection 1"))
    return app


def audit_version(app: Flask, audit_id: int) -> int:
    with session_scope(app) as session:
        return session.exec(select(Audit.version).where(Audit.id == audit_id)).one()
