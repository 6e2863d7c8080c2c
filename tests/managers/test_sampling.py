"""Choosing audits for moderation when they are submitted, with the choice recorded."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.db import session_scope
from audit_app.models import Audit
from audit_app.services.audits import Sampling
from config import ConfigError, load_config
from tests.builders import POOR, complete_audit, submit_audit, submitted_audit
from tests.journey.conftest import audit_version
from tests.managers.conftest import audit_row


def test_every_audit_judged_in_the_worst_band_is_due(managers: Flask) -> None:
    ids = [submitted_audit(managers, answers=POOR, rate=0.0) for _ in range(3)]
    ids.append(submitted_audit(managers, overall="Inadequate", rate=0.0))  # judged, not computed
    for audit_id in ids:
        audit = audit_row(managers, audit_id)
        assert (audit.moderation_due, audit.moderation_reason) == (True, "worst band")
        assert audit.moderation_draw is not None


def test_a_computed_worst_band_judged_better_is_not_due_for_that_reason(managers: Flask) -> None:
    audit_id = submitted_audit(managers, answers=POOR, overall="Requires improvement", rate=0.0)
    audit = audit_row(managers, audit_id)
    assert audit.moderation_due is False and audit.moderation_reason is None


def test_over_many_submissions_the_sampled_share_of_the_rest_is_near_the_rate(
    managers: Flask,
) -> None:
    rng = random.Random(4)
    submissions = 220
    for number in range(submissions):
        answers = POOR if number % 11 == 0 else None
        audit_id = complete_audit(managers, "auditor1", answers=answers)
        submit_audit(managers, audit_id, "auditor1", rate=0.1, rng=rng)
    with session_scope(managers) as session:
        audits = list(session.exec(select(Audit)))
    worst = [a for a in audits if a.overall_grade_judged == "Inadequate"]
    rest = [a for a in audits if a.overall_grade_judged != "Inadequate"]
    assert len(worst) == 20 and all(a.moderation_reason == "worst band" for a in worst)
    assert {a.moderation_reason for a in rest} == {"sample", None}
    share = sum(a.moderation_due for a in rest) / len(rest)
    assert 0.06 <= share <= 0.14, share
    # The recorded draw explains every choice.
    assert all(a.moderation_due == (a.moderation_draw < 0.1) for a in rest)  # type: ignore[operator]


def test_the_submission_event_records_the_choice(managers: Flask) -> None:
    import json

    from audit_app.models import AuditEvent

    audit_id = submitted_audit(managers, rate=1.0)
    with session_scope(managers) as session:
        event = session.exec(
            select(AuditEvent).where(
                AuditEvent.audit_id == audit_id, AuditEvent.action == "audit.submitted"
            )
        ).one()
    detail = json.loads(event.detail)["moderation"]
    assert detail["due"] is True and detail["reason"] == "sample" and detail["rate"] == 1.0


def test_submitting_in_the_browser_uses_the_configured_rate(
    managers: Flask, client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    managers.config["MODERATION_SAMPLE_RATE"] = 1.0
    managers.config["MODERATION_RANDOM"] = random.Random(7)
    audit_id = complete_audit(managers, "auditor1")
    sign_in("auditor1")
    response = client.post(
        f"/audits/{audit_id}/check", data={"version": str(audit_version(managers, audit_id))}
    )
    assert response.status_code == 302
    assert audit_row(managers, audit_id).moderation_reason == "sample"


def test_sampling_reads_the_rate_and_an_injected_random_source() -> None:
    rng = random.Random(1)
    sampling = Sampling.from_config({"MODERATION_SAMPLE_RATE": 0.25, "MODERATION_RANDOM": rng})
    assert sampling.rate == 0.25 and sampling.rng is rng
    assert isinstance(Sampling.from_config({}).rng, random.SystemRandom)


def test_the_configuration_has_moderation_defaults() -> None:
    config = load_config({"APP_ENV": "test"})
    assert config["MODERATION_SAMPLE_RATE"] == 0.1
    assert config["MODERATION_BLIND"] is False
    config = load_config(
        {"APP_ENV": "test", "MODERATION_SAMPLE_RATE": "0.25", "MODERATION_BLIND": "true"}
    )
    assert config["MODERATION_SAMPLE_RATE"] == 0.25 and config["MODERATION_BLIND"] is True


@pytest.mark.parametrize("value", ["1.5", "-0.1", "ten percent", "nan"])
def test_a_sample_rate_outside_zero_to_one_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="MODERATION_SAMPLE_RATE"):
        load_config({"APP_ENV": "test", "MODERATION_SAMPLE_RATE": value})
