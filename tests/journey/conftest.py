"""Fixtures for the auditor's journey: a questionnaire, a case and a signed-in auditor."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from tests.builders import journey_questionnaire, load_questionnaire, make_case
from tests.steps import audit_version

__all__ = ["audit_version", "journey", "journey_of"]

JourneyOf = Callable[[Mapping[str, Any]], Flask]


@pytest.fixture
def journey_of(
    app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> Callable[[Mapping[str, Any]], Flask]:
    """``journey_of(questionnaire)``: that questionnaire loaded (the journey questionnaire or a
    variant of it, with its id), a case of the auditor's team, and the auditor signed in."""

    def load(questionnaire: Mapping[str, Any]) -> Flask:
        load_questionnaire(app, questionnaire)
        make_case(app)
        sign_in(make_user("auditor1", "auditor", team="Child Protection 1"))
        return app

    return load


@pytest.fixture
def journey(journey_of: Callable[[Mapping[str, Any]], Flask]) -> Flask:
    """An auditor signed in, with a case of their team and the journey questionnaire loaded."""
    return journey_of(journey_questionnaire())
