"""Audits of a subject other than a child's case: the start page asks for the reference in the
subject's words once the questionnaire is chosen, without JavaScript, and starts the audit on a
reference of that subject only."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from audit_app.core.questionnaire import upgrade
from audit_app.db import session_scope
from audit_app.models import Audit, Case
from tests.builders import (
    complete_audit,
    journey_questionnaire,
    load_questionnaire,
    make_case,
    submit_audit,
)

SUPERVISION = Path(__file__).resolve().parents[2] / "questionnaires" / "supervision-audit.json"
WORKER = "W1042"


def supervision_audit() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SUPERVISION.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def both(app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]) -> Flask:
    """The journey audit (of cases) and the shipped supervision audit (of workers), a case and a
    worker reference in the auditor's team, and the auditor signed in."""
    load_questionnaire(app, journey_questionnaire())
    load_questionnaire(app, supervision_audit())
    make_case(app)
    make_case(app, WORKER, subject="worker")
    sign_in(make_user("auditor1", "auditor", team="Child Protection 1"))
    return app


def audit_subject(app: Flask, audit_id: int) -> tuple[str, str]:
    with session_scope(app) as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        case = session.get(Case, audit.case_id)
        assert case is not None
        return case.case_ref, case.subject


def test_choosing_a_supervision_audit_asks_for_the_worker_reference(
    both: Flask, client: FlaskClient
) -> None:
    page = client.get("/audits/new").get_data(as_text=True)
    assert "Case ID" in page
    assert (
        "Supervision audit, version 2. Audits a worker&#39;s supervision file, by the worker "
        "reference" in page
    )
    assert "Monthly case-file audit, version 1" in page  # the kinds by their declared names

    # Without JavaScript: the questionnaire chosen on a page that asked for a case ID.
    asked = client.post("/audits/new", data={"questionnaire": "supervision-audit", "case_id": ""})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Worker reference" in page and "Case ID" not in page
    assert "Never enter the worker&#39;s name" in page
    assert 'name="asked_as" value="worker"' in page
    assert "There is a problem" not in page

    started = client.post(
        "/audits/new",
        data={"questionnaire": "supervision-audit", "case_id": WORKER, "asked_as": "worker"},
    )
    assert started.status_code == 302
    audit_id = int(started.headers["Location"].rsplit("/", 1)[1])
    assert audit_subject(both, audit_id) == (WORKER, "worker")


def test_a_reference_typed_in_the_case_box_is_kept_when_the_worker_reference_is_asked_for(
    both: Flask, client: FlaskClient
) -> None:
    asked = client.post(
        "/audits/new", data={"questionnaire": "supervision-audit", "case_id": WORKER}
    )
    page = asked.get_data(as_text=True)
    assert f'value="{WORKER}"' in page
    assert "enter the worker reference, then start the audit" in page
    with session_scope(both) as session:
        assert session.exec(select(Audit)).first() is None


def test_a_page_asking_for_the_questionnaire_chosen_labels_the_reference_at_once(
    both: Flask, client: FlaskClient
) -> None:
    page = client.get("/audits/new?questionnaire=supervision-audit").get_data(as_text=True)
    assert "Worker reference" in page
    assert 'name="asked_as" value="worker"' in page


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("", "Enter the worker reference"),
        ("100824", "There is no worker reference 100824 that you can audit"),
        ("W" * 33, "The worker reference must be 32 characters or fewer. Never enter a name"),
    ],
)
def test_a_worker_reference_that_will_not_do_is_refused_in_the_subjects_words(
    both: Flask, client: FlaskClient, reference: str, message: str
) -> None:
    """A case's reference is not a worker's: references are looked for within the subject."""
    refused = client.post(
        "/audits/new",
        data={"questionnaire": "supervision-audit", "case_id": reference, "asked_as": "worker"},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert message in page
    assert f'value="{reference}"' in page


def test_a_worker_reference_is_not_a_case(both: Flask, client: FlaskClient) -> None:
    refused = client.post("/audits/new", data={"questionnaire": "journey-audit", "case_id": WORKER})
    assert refused.status_code == 400
    assert f"There is no case with ID {WORKER} that you can audit" in refused.get_data(as_text=True)


def test_a_worker_reference_in_another_service_is_answered_as_one_that_does_not_exist(
    both: Flask, client: FlaskClient
) -> None:
    make_case(both, "W2000", team="Leaving Care 1", subject="worker", service="Care Leavers")
    with session_scope(both) as session:
        case = session.exec(select(Case).where(Case.case_ref == "W2000")).one()
        assert case.subject == "worker"
    refused = client.post(
        "/audits/new",
        data={"questionnaire": "supervision-audit", "case_id": "W2000", "asked_as": "worker"},
    )
    assert "There is no worker reference W2000 that you can audit" in refused.get_data(as_text=True)


def worker_journey() -> dict[str, Any]:
    """The journey questionnaire in format 2, of workers' supervision files."""
    data = upgrade(journey_questionnaire())
    return {**data, "subject": "worker", "kind": "supervision"}


@pytest.fixture
def worker_audit(
    app: Flask, make_user: Callable[..., str], sign_in: Callable[..., TestResponse]
) -> int:
    """A worker's supervision file audited on the journey questionnaire, answered and judged,
    by the auditor signed in."""
    load_questionnaire(app, worker_journey())
    make_case(app, WORKER, subject="worker")
    sign_in(make_user("auditor1", "auditor", team="Child Protection 1"))
    return complete_audit(app, "auditor1", WORKER)


def test_the_audits_pages_label_the_reference_by_its_subject(
    worker_audit: int, app: Flask, client: FlaskClient
) -> None:
    task_list = client.get(f"/audits/{worker_audit}").get_data(as_text=True)
    assert f"Audit of worker {WORKER}" in task_list
    assert f"case {WORKER}" not in task_list
    check = client.get(f"/audits/{worker_audit}/check").get_data(as_text=True)
    assert f"Check your answers – worker {WORKER}" in unescape(check)
    home = client.get("/").get_data(as_text=True)
    assert f"Worker {WORKER}: Journey audit" in home

    submit_audit(app, worker_audit, "auditor1")
    summary = client.get(f"/audits/{worker_audit}").get_data(as_text=True)
    assert f"Audit of worker {WORKER}" in summary
    home = client.get("/").get_data(as_text=True)
    assert f">Worker {WORKER}</a>" in home
    record = unescape(client.get(f"/audits/{worker_audit}/record").get_data(as_text=True))
    assert f"Audit record: worker {WORKER}" in record
    assert "Worker reference" in record and "Case reference" not in record
