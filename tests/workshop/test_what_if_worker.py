"""The what-if worker as the application runs it: a thread started when a what-if is queued,
which works the job out and keeps the result, and removes kept results older than
WHAT_IF_KEEP_DAYS. (That two servers never take the same job is shown in
``test_stored_what_if.py``.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import col, select

from audit_app import jobs
from audit_app.db import session_scope
from audit_app.models import WhatIf
from tests.workshop.test_known_difference import rescored  # noqa: F401 - a fixture
from tests.workshop.test_stored_what_if import PAGE, text_of

OLD = datetime.now(UTC) - timedelta(days=8)


@pytest.fixture
def worker(rescored: dict[str, int], admin: Flask) -> Iterator[Flask]:  # noqa: F811
    """Every what-if a job, worked out by the worker thread the page starts."""
    admin.config.update(WHAT_IF_INLINE_AUDITS=0, WHAT_IF_WORKER=True, WHAT_IF_KEEP_DAYS=7)
    yield admin
    jobs.stop(admin)
    assert not any(t.name == "what-if-worker" and t.is_alive() for t in threading.enumerate())


def wait_for(found: Callable[[], bool], what: str) -> None:
    """Wait for the worker (a deadline only so that a broken worker fails the test)."""
    deadline = time.monotonic() + 60
    while not found():
        assert time.monotonic() < deadline, f"the worker did not {what}"
        time.sleep(0.05)


def statuses(app: Flask) -> dict[tuple[int, int, date, date], str]:
    with session_scope(app) as session:
        rows = session.exec(select(WhatIf)).all()
        return {
            (r.before_version, r.after_version, r.period_start, r.period_end): r.status
            for r in rows
        }


def _kept(
    app: Flask, key: tuple[int, int, date, date], *, computed_at: datetime, status: str
) -> None:
    """A what-if kept earlier, for another period."""
    with session_scope(app) as session:
        session.add(
            WhatIf(
                questionnaire_id="rescore-audit",
                before_version=key[0],
                after_version=key[1],
                period_start=key[2],
                period_end=key[3],
                status=status,
                result="kept" if status == "done" else None,
                computed_at=computed_at if status == "done" else None,
                queued_at=computed_at,
            )
        )


def test_the_page_starts_the_worker_which_keeps_the_result(
    worker: Flask, client: FlaskClient
) -> None:
    assert "Working out the impact" in text_of(client.get(PAGE).get_data(as_text=True))
    assert any(t.name == "what-if-worker" for t in threading.enumerate())
    current = (1, 2, date(2026, 3, 1), date(2026, 3, 31))
    wait_for(lambda: statuses(worker).get(current) == "done", "keep the result")
    text = text_of(client.get(PAGE).get_data(as_text=True))
    assert "Working out the impact" not in text
    assert "The overall grade would change for 3 (1 better, 2 worse)" in text


def test_the_worker_removes_results_older_than_the_days_kept(
    worker: Flask, client: FlaskClient
) -> None:
    old_done = (1, 2, date(2026, 1, 1), date(2026, 1, 31))
    old_failed = (1, 2, date(2026, 2, 1), date(2026, 2, 28))
    recent = (2, 1, date(2026, 3, 1), date(2026, 3, 31))
    _kept(worker, old_done, computed_at=OLD, status="done")
    _kept(worker, old_failed, computed_at=OLD, status="failed")
    _kept(worker, recent, computed_at=datetime.now(UTC) - timedelta(days=6), status="done")
    client.get(PAGE)  # queues the current what-if and starts the worker
    current = (1, 2, date(2026, 3, 1), date(2026, 3, 31))
    wait_for(lambda: old_done not in statuses(worker), "remove the old results")
    found = statuses(worker)
    assert old_failed not in found
    assert found[recent] == "done"
    assert found[current] == "done"


def test_prune_removes_only_old_results(rescored: dict[str, int], admin: Flask) -> None:  # noqa: F811
    old_done = (1, 2, date(2026, 1, 1), date(2026, 1, 31))
    old_failed = (1, 2, date(2026, 2, 1), date(2026, 2, 28))
    old_queued = (1, 2, date(2025, 3, 1), date(2026, 3, 31))
    recent = (2, 1, date(2026, 3, 1), date(2026, 3, 31))
    _kept(admin, old_done, computed_at=OLD, status="done")
    _kept(admin, old_failed, computed_at=OLD, status="failed")
    _kept(admin, old_queued, computed_at=OLD, status="queued")
    _kept(admin, recent, computed_at=datetime.now(UTC) - timedelta(days=6), status="done")
    with session_scope(admin) as session:
        assert jobs.prune(session, keep_days=7) == 2
    assert statuses(admin) == {old_queued: "queued", recent: "done"}
    with session_scope(admin) as session:
        session.execute(update(WhatIf).where(col(WhatIf.status) == "done").values(computed_at=OLD))
        assert jobs.prune(session, keep_days=30) == 0
        assert jobs.prune(session, keep_days=7) == 1
    assert statuses(admin) == {old_queued: "queued"}
