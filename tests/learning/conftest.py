"""An audit to tag findings on: alice's, of case 100824 in Child Protection 1, whose overall
analysis is ANALYSIS; grace manages Child Protection."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import update
from sqlmodel import col

from audit_app.db import session_scope
from audit_app.models import Audit
from tests.builders import (
    complete_audit,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    submit_audit,
)

ANALYSIS = (
    "The child's wishes were recorded at every visit and shaped the plan.\n\n"
    "Supervision was regular."
)


@pytest.fixture
def draft(app: Flask, make_user: Callable[..., str]) -> int:
    """alice's draft audit, complete, with ANALYSIS as its overall analysis."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app)
    make_user("alice", "auditor", team="Child Protection 1")
    make_user("grace", "manager", services=("Child Protection",))
    make_user("ada", "admin")
    audit_id = complete_audit(app, "alice")
    with session_scope(app) as session:
        session.execute(
            update(Audit).where(col(Audit.id) == audit_id).values(overall_analysis=ANALYSIS)
        )
    return audit_id


@pytest.fixture
def submitted(app: Flask, draft: int) -> int:
    """The same audit, submitted (and due for moderation)."""
    submit_audit(app, draft, "alice", rate=1.0)
    return draft
