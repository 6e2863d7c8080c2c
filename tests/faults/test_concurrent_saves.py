"""Several processes saving the same and different audits at once lose no acknowledged save.

Each process signs in as the audit's auditor and saves again and again, each save carrying the
version of the page it read. A save is either acknowledged (302) or refused as stale (409,
with the stale-version message); afterwards the database must hold exactly the acknowledged
saves: one version step and one trail event each, and the last one's answer.
"""

from __future__ import annotations

import json
import multiprocessing
import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlmodel import col, select

from audit_app import create_app
from audit_app.db import get_engine, session_scope
from audit_app.models import Audit, AuditEvent
from tests.builders import PASSWORD, journey_questionnaire, load_questionnaire, make_case
from tests.conftest import ROOT
from tests.journey.test_completing_an_audit import _answers

PROCESSES = 4
SAVES_PER_PROCESS = 12
STALE = "changed in another tab or by someone else"


def _worker(database_url: str, instance: str, audit_ids: list[int], worker: int, out: str) -> None:
    app = create_app(
        {"TESTING": True, "WTF_CSRF_ENABLED": False},
        environ={
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": instance,
            "QUESTIONNAIRE_DIR": str(ROOT / "questionnaires"),
            "SQLITE_BUSY_TIMEOUT_MS": "30000",
        },
    )
    client = app.test_client()
    assert (
        client.post("/sign-in", data={"username": "auditor1", "password": PASSWORD}).status_code
        == 302
    )
    outcomes = []
    for n in range(SAVES_PER_PROCESS):
        # Two processes share each audit, so stale pages are common.
        audit_id = audit_ids[(worker + n) % len(audit_ids)]
        url = f"/audits/{audit_id}/themes/voice"
        page = client.get(url).get_data(as_text=True)
        version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
        comment = f"worker {worker} save {n}"
        response = client.post(
            url, data={"version": version, "seen-alone": "yes", "voice-comment": comment}
        )
        body = response.get_data(as_text=True)
        outcomes.append(
            {
                "audit": audit_id,
                "comment": comment,
                "status": response.status_code,
                "stale_message": STALE in body,
            }
        )
    get_engine(app).dispose()
    Path(out).write_text(json.dumps(outcomes))


def test_concurrent_saves_keep_every_acknowledged_save(
    app: Flask,
    database_url: str,
    make_user: Callable[..., str],
    tmp_path: Path,
) -> None:
    load_questionnaire(app, journey_questionnaire())
    make_case(app, "100824")
    make_case(app, "100825")
    make_user("auditor1", "auditor", team="Child Protection 1")
    client = app.test_client()
    client.post("/sign-in", data={"username": "auditor1", "password": PASSWORD})
    audit_ids = []
    for ref in ("100824", "100825"):
        response = client.post(
            "/audits/new", data={"questionnaire": "journey-audit", "case_id": ref}
        )
        audit_ids.append(int(response.headers["Location"].rsplit("/", 1)[1]))
    get_engine(app).dispose()

    context = multiprocessing.get_context("spawn")
    outputs = [tmp_path / f"worker-{n}.json" for n in range(PROCESSES)]
    processes = [
        context.Process(
            target=_worker,
            args=(database_url, str(tmp_path / "instance"), audit_ids, n, str(outputs[n])),
        )
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=240)
        assert process.exitcode == 0
    outcomes = [o for path in outputs for o in json.loads(path.read_text())]

    assert {o["status"] for o in outcomes} <= {302, 409}
    assert all(o["stale_message"] for o in outcomes if o["status"] == 409)
    acknowledged = [o for o in outcomes if o["status"] == 302]
    assert acknowledged, "no save got through"
    for audit_id in audit_ids:
        mine = {o["comment"] for o in acknowledged if o["audit"] == audit_id}
        with session_scope(app) as session:
            version = session.get(Audit, audit_id).version  # type: ignore[union-attr]
            events = [
                json.loads(e.detail)
                for e in session.exec(
                    select(AuditEvent)
                    .where(AuditEvent.audit_id == audit_id, AuditEvent.action == "audit.saved")
                    .order_by(col(AuditEvent.id))
                )
            ]
        saved_comments = [e["changes"]["voice-comment"][1] for e in events]
        # Every acknowledged save, and nothing else, moved the audit on by one version.
        assert version == 1 + len(mine)
        assert set(saved_comments) == mine
        assert _answers(app, audit_id)["voice-comment"] == saved_comments[-1]
