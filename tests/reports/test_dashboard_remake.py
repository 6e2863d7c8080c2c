"""The dashboard never makes a viewer wait for summaries: a past month changed since its
summaries were made is remade after the response, by a thread of its own, and once, however
many servers ask at the same time."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from audit_app.db import get_engine, session_scope
from audit_app.models import ReportStaleMonth, ThemeResult
from audit_app.reporting import summaries
from audit_app.reporting.database import RESULTS, ReportReader
from tests.builders import PASSWORD, ReportData

PAGE = "/reports?from=2026-01-01&to=2026-03-31"


def _stale(app: Any) -> list[str]:
    with session_scope(app) as session:
        return sorted(set(session.exec(select(ReportStaleMonth.month)).all()))


def _past(months: list[str]) -> list[str]:
    this_month = summaries.month_key(datetime.now(UTC).date())  # the page works in real time
    return [month for month in months if month < this_month]


def test_stale_months_are_remade_after_the_response_in_a_thread_of_their_own(
    report_data: ReportData, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = report_data.app
    app.config["SUMMARIES_AFTER_RESPONSE"] = True
    assert _past(_stale(app)) == ["2026-01", "2026-02", "2026-03"]
    remade_by: list[str] = []
    started = threading.Event()
    release = threading.Event()
    original = summaries.refresh

    def refresh(*args: Any, **kwargs: Any) -> list[str]:
        remade_by.append(threading.current_thread().name)
        started.set()
        release.wait(60)  # held until the page has been answered
        return original(*args, **kwargs)

    monkeypatch.setattr(summaries, "refresh", refresh)
    signed_in = client.post("/sign-in", data={"username": "ada", "password": PASSWORD})
    assert signed_in.status_code == 302
    response = client.get(PAGE)
    # Answered while the remaking has not begun: the stale months were read live.
    assert response.status_code == 200
    assert _past(_stale(app)) == ["2026-01", "2026-02", "2026-03"]
    assert remade_by == []  # nothing begins before the response is sent
    response.close()  # as a server does once it has sent the response
    assert started.wait(60), "the remaking never started"
    release.set()
    for thread in threading.enumerate():
        if thread.name == "report-summaries":
            thread.join(60)
    assert _past(_stale(app)) == []
    assert remade_by == ["report-summaries"]
    # The figures are the same before and after the remaking (summaries or live).
    RESULTS.clear()
    assert _page(client.get(PAGE).get_data(as_text=True)) == _page(response.get_data(True))


def _page(html: str) -> str:
    """The page without its form tokens (each response has its own)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_a_dashboard_with_nothing_stale_starts_no_remaking(
    report_data: ReportData, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = report_data.app
    with session_scope(app) as session:
        summaries.refresh(session, today=datetime.now(UTC).date())
        session.commit()
    app.config["SUMMARIES_AFTER_RESPONSE"] = True
    calls: list[int] = []
    monkeypatch.setattr(summaries, "refresh", lambda *a, **k: calls.append(1) or [])
    client.post("/sign-in", data={"username": "ada", "password": PASSWORD})
    response = client.get(PAGE)
    assert response.status_code == 200
    response.close()
    assert calls == []
    assert not any(t.name == "report-summaries" for t in threading.enumerate())


def test_servers_remaking_at_the_same_time_remake_each_month_once(
    report_data: ReportData,
) -> None:
    """Two servers' threads refresh at once (each its own connection): one waits for the
    other (PostgreSQL's advisory lock, SQLite's write lock) and finds nothing left to do."""
    app = report_data.app
    today = datetime.now(UTC).date()
    together = threading.Barrier(2)
    remade: list[list[str]] = []
    failed: list[BaseException] = []

    def server() -> None:
        try:
            with session_scope(app) as session:
                together.wait(30)
                remade.append(summaries.refresh(session, today=today))
                session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            failed.append(error)

    threads = [threading.Thread(target=server) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failed == []
    months = [month for found in remade for month in found]
    assert sorted(months) == ["2026-01", "2026-02", "2026-03"]  # each once, by one of them
    assert _past(_stale(app)) == []


def test_after_a_change_to_one_audit_the_page_reads_that_audit_alone_then_remakes_its_month(
    report_data: ReportData, client: Any
) -> None:
    """The month of the changed audit stays in the summaries, less that audit, for the page;
    the month is remade after the response, and the page is the same either way."""
    app = report_data.app
    today = datetime.now(UTC).date()
    with session_scope(app) as session:
        summaries.refresh(session, today=today)
        session.commit()
    app.config["SUMMARIES_AFTER_RESPONSE"] = True
    client.post("/sign-in", data={"username": "ada", "password": PASSWORD})
    before = _page(client.get(PAGE).get_data(as_text=True))
    with session_scope(app) as session:
        session.execute(
            update(ThemeResult)
            .where(col(ThemeResult.audit_id) == report_data.audits["A2"])
            .values(grade_moderated="Good")
        )
        session.commit()
    with app.app_context(), ReportReader(get_engine(app)) as reader:
        found = summaries.window(reader, None, None, today, by_audit=True)
    assert (found.stale, found.changed) == ((), (report_data.audits["A2"],))
    RESULTS.clear()
    response = client.get(PAGE)
    assert response.status_code == 200
    changed = _page(response.get_data(as_text=True))
    assert changed != before  # the moderated theme grade shows at once
    response.close()
    for thread in threading.enumerate():
        if thread.name == "report-summaries":
            thread.join(60)
    assert _past(_stale(app)) == []
    RESULTS.clear()
    assert _page(client.get(PAGE).get_data(as_text=True)) == changed
