"""Reports are bounded: a period of at most ten years, cut to the months the data holds, and
every statement stopped at a time limit with a clear page instead of a stalled worker."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, literal_column, select
from werkzeug.test import TestResponse

from audit_app.db import get_engine
from audit_app.reporting import dashboard as dashboard_data
from audit_app.reporting.database import ReportReader, ReportTooSlow
from tests.reports.conftest import SignInAs


def _timed_get(client: FlaskClient, url: str) -> tuple[TestResponse, float]:
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def test_a_thousand_year_period_is_refused_at_once_at_its_field(signed_in_as: SignInAs) -> None:
    client = signed_in_as("ada")
    response, seconds = _timed_get(client, "/reports?from=1026-01-01&to=2026-03-31")
    assert response.status_code == 400
    assert seconds < 5
    html = response.get_data(as_text=True)
    assert "The period can be at most 10 years long" in html
    assert "enter a start on or after 31 March 2016" in html
    assert 'href="#from"' in html  # the error summary points at the field
    assert client.get("/reports/audits?from=1026-01-01&to=2026-03-31").status_code == 400
    assert client.get("/reports/export/audits.csv?from=1026-01-01&to=2026-03-31").status_code == 400


def test_a_period_is_cut_to_the_months_the_data_holds(signed_in_as: SignInAs) -> None:
    """The data begins in January 2026: months before hold nothing and are not listed."""
    client = signed_in_as("ada")
    response, seconds = _timed_get(client, "/reports?from=2016-04-01&to=2026-03-31")
    assert response.status_code == 200 and seconds < 10
    html = response.get_data(as_text=True)
    assert "from=2026-01-01" in html and "from=2016-04-01" not in html
    assert "December 2025" not in html and "January 2026" in html
    export = client.get("/reports/export/audits.csv?from=2017-01-01&to=2026-12-31")
    assert export.status_code == 200
    name = 'filename="audits-2026-01-01-to-2026-12-31.csv"'
    assert export.headers["Content-Disposition"] == f"attachment; {name}"
    export.close()


@pytest.mark.parametrize(
    "query", ["from=9990-01-01&to=9999-12-31", "from=9999-12-31", "to=9999-12-31"]
)
def test_a_period_after_anything_recorded_is_answered_at_its_field(
    query: str, signed_in_as: SignInAs
) -> None:
    client = signed_in_as("ada")
    response = client.get(f"/reports?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" not in html
    assert any(
        message in html
        for message in (
            "nothing later is recorded",
            "at most 10 years",
            "The start of the period must be on or before its end",
        )
    )


def _slow(reader: ReportReader) -> Any:
    """A statement that runs for seconds on either database."""
    if reader.is_sqlite:
        count = select(literal_column("1").label("n")).cte("counter", recursive=True)
        counter = count.union_all(select(count.c.n + 1).where(count.c.n < 100_000_000))
        return select(func.count()).select_from(counter)
    return select(func.pg_sleep(5))


def test_a_statement_past_the_time_limit_is_stopped(app: Flask) -> None:
    with app.app_context():
        engine = get_engine(app)
    started = time.monotonic()
    with pytest.raises(ReportTooSlow), ReportReader(engine, statement_seconds=0.2) as reader:
        reader.rows(_slow(reader))
    assert time.monotonic() - started < 3
    # The connection goes back to the pool without the limit: a reader without one is unlimited.
    with ReportReader(engine) as reader:
        assert (
            reader.scalar(select(func.count()).select_from(select(literal_column("1")).subquery()))
            == 1
        )


def test_a_report_past_the_time_limit_gives_a_clear_page(
    app: Flask, monkeypatch: pytest.MonkeyPatch, signed_in_as: SignInAs
) -> None:
    app.config["REPORT_STATEMENT_SECONDS"] = 0.2

    def slow_dashboard(reader: ReportReader, *_args: Any, **_kwargs: Any) -> Any:
        return reader.rows(_slow(reader))

    monkeypatch.setattr(dashboard_data, "build", slow_dashboard)
    client = signed_in_as("ada")
    response, seconds = _timed_get(client, "/reports?from=2026-01-01&to=2026-03-31")
    assert seconds < 4
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "This report took too long" in html
    assert "Choose a shorter period, or fewer services, teams or questionnaires" in html
    assert "Traceback" not in html
    # The next report, within the limit, is worked out as usual.
    monkeypatch.undo()
    app.config["REPORT_STATEMENT_SECONDS"] = 20
    assert client.get("/reports?from=2026-01-01&to=2026-03-31").status_code == 200
