"""Fixtures for the auditor's journey: a questionnaire, a case and a signed-in auditor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.builders import journey_questionnaire, load_questionnaire, make_case
from tests.steps import audit_version

__all__ = ["audit_version", "journey"]


@pytest.fixture
def journey(
    app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> Flask:
    """An auditor signed in, with a case of their team and the journey questionnaire loaded."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app)
    sign_in(make_user("auditor1", "auditor", team="Child Protection 1"))
    return app
