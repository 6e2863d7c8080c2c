"""Odd but harmless input gets a clear answer, never the 500 page: ids too large for the
database, absurd page numbers and dates, and a denial seen by a viewer (which is recorded)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from audit_app.db import get_engine

HUGE = "9" * 30  # beyond any database's integer
BIG = str(2**31)  # beyond PostgreSQL's integer, within SQLite's


def denied_events(app: Flask) -> list[str]:
    with get_engine(app).connect() as connection:
        return list(
            connection.execute(
                text("SELECT actor FROM audit_event WHERE action = 'access.denied' ORDER BY id")
            ).scalars()
        )


@pytest.mark.parametrize("number", [HUGE, BIG])
@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("auditor", "/audits/{n}"),
        ("auditor", "/audits/{n}/themes/any"),
        ("auditor", "/audits/{n}/check"),
        ("manager", "/moderation/audits/{n}"),
        ("manager", "/actions/{n}/complete"),
        ("manager", "/concerns/{n}/acknowledge"),
        ("admin", "/questionnaires/test-audit/versions/{n}/preview"),
        ("admin", "/admin/users/{n}"),
        ("admin", "/audits/{n}"),
    ],
)
def test_an_id_too_large_for_the_database_is_no_such_page(
    make_user: Callable[..., str],
    client: FlaskClient,
    sign_in: Callable[..., TestResponse],
    role: str,
    path: str,
    number: str,
) -> None:
    make_user("person", role, team="Team A", services=["Service A"] if role == "manager" else ())
    sign_in("person")
    response = client.get(path.format(n=number))
    assert response.status_code == 404, response.get_data(as_text=True)[:400]


def test_a_post_to_an_id_too_large_is_no_such_page(
    make_user: Callable[..., str], client: FlaskClient, sign_in: Callable[..., TestResponse]
) -> None:
    make_user("person", "auditor", team="Team A")
    sign_in("person")
    response = client.post(f"/allocations/{HUGE}/start", data={})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        f"page={HUGE}",
        "page=-3",
        f"actor=x&page={BIG}",
        "to=9999-12-31",
        "from=0001-01-01&to=9999-12-31",
        "from=9999-12-31",
    ],
)
def test_absurd_numbers_and_dates_on_the_trail_are_answered(
    make_user: Callable[..., str],
    client: FlaskClient,
    sign_in: Callable[..., TestResponse],
    query: str,
) -> None:
    make_user("admin1", "admin")
    sign_in("admin1")
    response = client.get(f"/admin/trail?{query}")
    assert response.status_code in (200, 400), response.status_code
    assert "Something went wrong" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("number", "status"), [("1", 403), (BIG, 404), (HUGE, 404)])
def test_a_viewer_denied_an_audit_page_sees_the_403_page_and_it_is_recorded(
    app: Flask,
    make_user: Callable[..., str],
    client: FlaskClient,
    sign_in: Callable[..., TestResponse],
    number: str,
    status: int,
) -> None:
    """Audit pages are closed to viewers. The error page used to look the id up for the trail,
    and an id too large for the database broke it: a 500 page, and no record of the denial."""
    make_user("viewer1", "viewer")
    sign_in("viewer1")
    response = client.get(f"/audits/{number}")
    assert response.status_code == status
    assert "Something went wrong" not in response.get_data(as_text=True)
    assert denied_events(app) == ["viewer1"]
