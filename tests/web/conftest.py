"""Fixtures for the cross-cutting web tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.builders import PASSWORD, journey_questionnaire, load_questionnaire, make_case, start
from tests.steps import signed_in_client


@pytest.fixture
def auditors_draft(app: Flask, make_user: Callable[..., str]) -> tuple[FlaskClient, int]:
    """auditor1 (Child Protection 1) signed in on their own browser, and the id of the journey
    audit of case 100824 they have started."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app)
    make_user("auditor1", "auditor", team="Child Protection 1")
    auditor = signed_in_client(app, "auditor1", PASSWORD)
    return auditor, start(auditor)
