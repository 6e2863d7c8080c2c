"""Fixtures of the calibration tests: the people of the second-audit tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.builders import load_report_questionnaire, make_case


@pytest.fixture
def people(app: Flask, make_user: Callable[..., str]) -> None:
    """Case 100824 in Child Protection 1; amber and basil audit Child Protection, cyril
    Children in Need; grace manages Child Protection; ada is the QA lead."""
    load_report_questionnaire(app, 1)
    make_case(app, "100824")
    make_case(app, "100825", team="Child Protection 2")
    make_user("amber", "auditor", team="Child Protection 1")
    make_user("basil", "auditor", team="Child Protection 2")
    make_user("cyril", "auditor", team="CIN Team A")
    make_user("grace", "manager", services=("Child Protection",))
    make_user("ada", "admin")
