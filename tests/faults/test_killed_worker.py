"""A worker killed (SIGKILL) in the middle of a submission leaves the audit whole: fully
submitted or untouched, never half."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import func, select

from audit_app.db import get_engine, session_scope
from audit_app.models import Audit, AuditResult, ComplianceResult, ThemeResult
from tests.builders import PASSWORD, journey_questionnaire, load_questionnaire, make_case, start
from tests.conftest import ROOT
from tests.faults.http import Client
from tests.journey.test_completing_an_audit import _complete

HERE = Path(__file__).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def ready_audit(app: Flask, make_user: Callable[..., str]) -> int:
    """An audit with every answer and judgement recorded, ready to submit."""
    load_questionnaire(app, journey_questionnaire())
    make_case(app)
    make_user("auditor1", "auditor", team="Child Protection 1")
    client = app.test_client()
    client.post("/sign-in", data={"username": "auditor1", "password": PASSWORD})
    audit_id = start(client)
    _complete(client, app, audit_id)
    get_engine(app).dispose()
    return audit_id


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, Path]]]:
    port = _free_port()
    flags = {
        "PAUSE_BEFORE_COMMIT": tmp_path / "pause-before",
        "PAUSE_AFTER_COMMIT": tmp_path / "pause-after",
    }
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "BIND": f"127.0.0.1:{port}",
        **{name: str(path) for name, path in flags.items()},
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--no-control-socket",
            "-c",
            str(HERE / "gunicorn_pause.py"),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if Client(url, timeout=2).get("/healthz").status == 200:
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    yield url, flags
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
    log.close()


def _submit_and_kill(url: str, audit_id: int, flag: Path) -> None:
    client = Client(url, timeout=90)
    client.sign_in("auditor1", PASSWORD)
    flag.write_text("pause")
    outcome: list[object] = []

    def submit() -> None:
        try:
            outcome.append(client.post_form(f"/audits/{audit_id}/check", {}))
        except OSError as error:  # the worker died under the request
            outcome.append(error)

    thread = threading.Thread(target=submit)
    thread.start()
    reached = Path(f"{flag}.reached")
    deadline = time.monotonic() + 30
    while not reached.exists():
        assert time.monotonic() < deadline, f"the submission never reached the pause: {outcome}"
        time.sleep(0.05)
    os.kill(int(reached.read_text()), signal.SIGKILL)
    thread.join(timeout=60)
    assert outcome and isinstance(outcome[0], OSError), outcome
    flag.unlink()


def _stored(app: Flask, audit_id: int) -> tuple[str, int, int, int]:
    with session_scope(app) as session:
        status = session.get(Audit, audit_id).status  # type: ignore[union-attr]
        results = session.exec(
            select(func.count()).select_from(AuditResult).where(AuditResult.audit_id == audit_id)
        ).one()
        themes = session.exec(
            select(func.count()).select_from(ThemeResult).where(ThemeResult.audit_id == audit_id)
        ).one()
        compliance = session.exec(
            select(func.count())
            .select_from(ComplianceResult)
            .where(ComplianceResult.audit_id == audit_id)
        ).one()
    return status, results, themes, compliance


def test_killed_before_the_commit_leaves_the_audit_untouched(
    app: Flask, ready_audit: int, server: tuple[str, dict[str, Path]]
) -> None:
    url, flags = server
    _submit_and_kill(url, ready_audit, flags["PAUSE_BEFORE_COMMIT"])
    assert _stored(app, ready_audit) == ("draft", 0, 0, 0)
    # Gunicorn starts a new worker, and the auditor can simply submit again.
    client = Client(url)
    client.sign_in("auditor1", PASSWORD)
    assert client.post_form(f"/audits/{ready_audit}/check", {}).status == 302
    assert _stored(app, ready_audit) == ("submitted", 1, 2, 1)


def test_killed_after_the_commit_leaves_the_audit_fully_submitted(
    app: Flask, ready_audit: int, server: tuple[str, dict[str, Path]]
) -> None:
    url, flags = server
    _submit_and_kill(url, ready_audit, flags["PAUSE_AFTER_COMMIT"])
    assert _stored(app, ready_audit) == ("submitted", 1, 2, 1)
